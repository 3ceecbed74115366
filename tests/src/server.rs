//! A running `waypost serve`, for the tests that drive the real binary: start it on a free
//! port with its own data folder (or a PostgreSQL URL), sign up, send JSON, kill it.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::{PATIENCE, Response, request};

/// The password of every account these helpers make.
pub const PASSWORD: &str = "correct horse battery";

/// A `waypost serve` process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    pub output: Arc<Mutex<String>>,
    pub started_in: Duration,
}

/// How a test's server runs: its courses, where it keeps its data, extra flags and
/// environment (`WAYPOST_LOG` is `warn` unless `env` sets it).
#[derive(Clone, Debug)]
pub struct Setup {
    pub binary: PathBuf,
    pub courses: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Setup {
    /// SQLite in `data_dir` (PostgreSQL when `database_url` is set afterwards).
    pub fn new(binary: &Path, courses: &Path, data_dir: &Path) -> Self {
        Self {
            binary: binary.to_path_buf(),
            courses: courses.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            database_url: None,
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// The URL the server opens: `database_url`, or the SQLite file in the data folder.
    pub fn database(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("waypost.db").display()))
    }
}

impl Server {
    /// Starts `waypost serve` on 127.0.0.1 (a free port) and waits until it prints its URL.
    pub fn start(setup: &Setup) -> Self {
        let started = Instant::now();
        let mut cmd = Command::new(&setup.binary);
        cmd.arg("serve")
            .arg(&setup.courses)
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&setup.data_dir);
        if let Some(url) = &setup.database_url {
            cmd.args(["--database-url", url]);
        }
        cmd.args(&setup.args).env("WAYPOST_LOG", "warn");
        for (k, v) in &setup.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start waypost serve");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for (stream, tx) in [
            (Box::new(stdout) as Box<dyn std::io::Read + Send>, Some(tx)),
            (Box::new(stderr), None),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(tx) = &tx
                        && let Some(port) = line
                            .split("http://127.0.0.1:")
                            .nth(1)
                            .and_then(|r| r.split('/').next())
                            .and_then(|p| p.parse::<u16>().ok())
                    {
                        let _ = tx.send(port);
                    }
                    output
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push_str(&(line + "\n"));
                }
            });
        }
        let port = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "waypost serve did not print its URL: {}",
                output.lock().map(|o| o.clone()).unwrap_or_default()
            )
        });
        Self {
            child,
            port,
            output,
            started_in: started.elapsed(),
        }
    }

    pub fn log(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no chance to flush anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal (`"HUP"`, `"TERM"`, …) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// SIGTERM, then waits for the exit; returns the exit code and how long it took.
    pub fn terminate(&mut self) -> (Option<i32>, Duration) {
        let started = Instant::now();
        self.signal("TERM");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (status.code(), started.elapsed());
            }
            if Instant::now() > deadline {
                return (None, started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let headers: Vec<(&str, &str)> = cookie.map(|c| vec![("Cookie", c)]).unwrap_or_default();
        request(self.port, "GET", path, &headers, "")
    }

    /// A JSON request as the site's pages send it.
    pub fn json(&self, method: &str, path: &str, who: Option<&Learner>, body: &str) -> Response {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(l) = who {
            headers.push(("Cookie", l.cookie.as_str()));
            headers.push(("X-CSRF-Token", l.csrf.as_str()));
        }
        request(self.port, method, path, &headers, body)
    }

    pub fn sign_up(&self, email: &str) -> Learner {
        let body = format!(r#"{{"email":"{email}","display_name":"Test Learner","password":"{PASSWORD}"}}"#);
        let r = self.json("POST", "/api/users", None, &body);
        assert_eq!(r.status, 201, "sign up: {}", r.body);
        Learner::from_response(&r)
    }

    pub fn sign_in(&self, email: &str) -> Learner {
        let body = format!(r#"{{"email":"{email}","password":"{PASSWORD}"}}"#);
        let r = self.json("POST", "/api/session", None, &body);
        assert_eq!(r.status, 200, "sign in: {}", r.body);
        Learner::from_response(&r)
    }

    /// Waits until `/readyz` answers 200.
    pub fn wait_ready(&self) -> Duration {
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.get("/readyz", None).status == 200
            {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("not ready: {}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signed-in learner: session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Learner {
    pub cookie: String,
    pub csrf: String,
}

impl Learner {
    pub fn from_response(r: &Response) -> Self {
        let cookie = r
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let csrf = r
            .body
            .split("\"csrf_token\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a csrf token")
            .to_owned();
        Self { cookie, csrf }
    }
}

/// The PostgreSQL server the database tests also run on: `WAYPOST_TEST_POSTGRES`, or `None`
/// (those tests then skip). With `WAYPOST_REQUIRE_POSTGRES` set (`.ci/run` sets it), a
/// missing server is a failure, not a skip.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("WAYPOST_TEST_POSTGRES").ok();
    assert!(
        url.is_some() || std::env::var_os("WAYPOST_REQUIRE_POSTGRES").is_none(),
        "WAYPOST_REQUIRE_POSTGRES is set but WAYPOST_TEST_POSTGRES is not: the PostgreSQL runs would be skipped"
    );
    url
}

/// A fresh PostgreSQL database on the server [`postgres_admin_url`] names (via `psql`), or
/// `None` when there is none.
pub fn fresh_postgres(name: &str) -> Option<String> {
    let admin = postgres_admin_url()?;
    let status = Command::new("psql")
        .arg(&admin)
        .args([
            "-q",
            "-c",
            &format!("DROP DATABASE IF EXISTS {name}"),
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .status()
        .expect("psql must be installed when WAYPOST_TEST_POSTGRES is set");
    assert!(status.success(), "could not create database {name}");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
    Some(format!("{base}/{name}"))
}

pub fn tiny_fixture(root: &Path) -> PathBuf {
    let to = root.join("courses/tiny");
    super::copy_tree(&super::repo_root().join("generator/tests/fixtures/good/tiny"), &to);
    to
}
