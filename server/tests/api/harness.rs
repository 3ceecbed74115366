//! A fresh app per test: the `tiny` fixture course built in memory, a new SQLite file or a
//! new PostgreSQL database, and helpers to send requests through the router.

use std::path::PathBuf;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use waypost::db::Db;
use waypost::site::Published;
use waypost::state::{AppState, ServeConfig};
pub use waypost_e2e::answers::{right_answer, wrong_answer};
use waypost_generator::grading::ShuffleKey;
use waypost_generator::{Options, RenderMode};

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub courses: PathBuf,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The session cookie's value, when the answer sets one.
    pub fn cookie(&self) -> Option<String> {
        let set = self.headers.get(header::SET_COOKIE)?.to_str().ok()?;
        let (pair, _) = set.split_once(';')?;
        Some(pair.to_owned())
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// A signed-in learner: their cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Learner {
    pub cookie: String,
    pub csrf: String,
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/good/tiny")
}

pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("fixture readable");
        let rel = entry.path().strip_prefix(from).expect("inside the fixture");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn build_site(courses: &std::path::Path) -> Published {
    let mut opts = Options::new(courses);
    opts.mode = RenderMode::Server;
    opts.precompress = false;
    opts.shuffle_key = Some(ShuffleKey::derive(b"test secret"));
    let site = waypost_generator::build(&opts).expect("the fixture builds");
    Published::new(site, &waypost_generator::theme::Theme::embedded()).expect("the theme loads")
}

impl TestApp {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = Db::sqlite_url(dir.path());
        Self::with_url(dir, url).await
    }

    pub async fn postgres() -> Option<Self> {
        let admin_url = waypost_e2e::server::postgres_admin_url()?;
        let name = format!("waypost_test_{}", waypost::auth::tokens::new_id());
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .expect("WAYPOST_TEST_POSTGRES must name a reachable PostgreSQL server");
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create a test database");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b)
            .to_owned();
        let dir = tempfile::tempdir().expect("tempdir");
        Some(Self::with_url(dir, format!("{base}/{name}")).await)
    }

    async fn with_url(dir: tempfile::TempDir, url: String) -> Self {
        let courses = dir.path().join("courses/tiny");
        copy_dir(&fixture(), &courses);
        let db = Db::connect(&url).await.expect("the test database opens");
        let config = ServeConfig {
            courses: courses.clone(),
            theme: None,
            listen: "127.0.0.1:8080".parse().expect("address"),
            base_url: "http://127.0.0.1:8080".into(),
            data_dir: dir.path().to_path_buf(),
            database_url: url,
            watch: false,
        };
        let state = AppState::new(db, config, None, build_site(&courses));
        let router = waypost::http::app(state.clone());
        Self {
            state,
            router,
            courses,
            _dir: dir,
        }
    }

    pub async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Body) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = self
            .router
            .clone()
            .oneshot(req.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 16 << 20).await.expect("body").to_vec();
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str, who: Option<&Learner>) -> Answer {
        let cookie = who.map(|l| l.cookie.clone()).unwrap_or_default();
        let headers: Vec<(&str, &str)> = if who.is_some() {
            vec![("cookie", cookie.as_str())]
        } else {
            vec![]
        };
        self.send(Method::GET, path, &headers, Body::empty()).await
    }

    /// A JSON request as the site's own pages send it (cookie and CSRF token when signed in).
    pub async fn json(&self, method: Method, path: &str, who: Option<&Learner>, body: &Value) -> Answer {
        let mut headers = vec![("content-type", "application/json")];
        let (cookie, csrf) = who.map(|l| (l.cookie.clone(), l.csrf.clone())).unwrap_or_default();
        if who.is_some() {
            headers.push(("cookie", cookie.as_str()));
            headers.push(("x-csrf-token", csrf.as_str()));
        }
        self.send(method, path, &headers, Body::from(body.to_string())).await
    }

    pub async fn sign_up(&self, email: &str) -> Learner {
        let a = self
            .json(
                Method::POST,
                "/api/users",
                None,
                &json!({ "email": email, "display_name": "Amira Haddad", "password": "correct horse battery" }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        Learner {
            cookie: a.cookie().expect("a session cookie"),
            csrf: a.json()["csrf_token"].as_str().expect("csrf").to_owned(),
        }
    }

    pub fn republish(&self) {
        self.state.publish(build_site(&self.courses));
    }
}

/// Answers for every question of `quiz` in the tiny course: right ones except `wrong`.
pub fn answers(app: &TestApp, quiz: &str, wrong: &[&str]) -> (String, Value) {
    let site = app.state.site();
    let q = site
        .grading
        .course("tiny")
        .and_then(|c| c.quiz(quiz))
        .expect("the fixture has the quiz");
    let mut map = serde_json::Map::new();
    for question in &q.questions {
        let value = if wrong.contains(&question.id.as_str()) {
            wrong_answer(&question.key)
        } else {
            right_answer(&question.key)
        };
        map.insert(question.id.to_string(), value);
    }
    (q.version.clone(), Value::Object(map))
}
