//! The real `waypost serve` binary on a free loopback port with a temporary data folder: a
//! learner's whole journey and a restart (on SQLite and on PostgreSQL), two instances on one
//! PostgreSQL database, SIGTERM with a request in flight (F5), SIGHUP republishing, the
//! emailed password reset over a real SMTP conversation, and logs without secrets (A9).
//!
//! Right answers come the way the server makes them: the shuffle secret read from the
//! server's own database, the courses built with it, the grading catalog's keys.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use waypost_e2e::server::{Learner, PASSWORD, Server, Setup, fresh_postgres, tiny_fixture};
use waypost_e2e::{PATIENCE, Response, parse_response};
use waypost_generator::grading::GradingCatalog;
use waypost_generator::{Options, RenderMode};

use crate::harness::{right_answer, wrong_answer};

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_waypost"))
}

/// A temporary folder with a copy of the tiny course, and a server setup on it.
pub fn setup(database_url: Option<String>) -> (tempfile::TempDir, Setup) {
    let dir = tempfile::tempdir().expect("temp dir");
    tiny_fixture(dir.path());
    let mut setup = Setup::new(&binary(), &dir.path().join("courses"), &dir.path().join("data"));
    setup.database_url = database_url;
    (dir, setup)
}

/// The grading catalog exactly as the running server built it: its shuffle secret comes from
/// its database (made on its first start).
pub fn grading(setup: &Setup) -> GradingCatalog {
    let key = waypost::admin::shuffle_key_from(&setup.database()).expect("the server's shuffle key");
    let mut opts = Options::new(&setup.courses);
    opts.mode = RenderMode::Server;
    opts.precompress = false;
    opts.shuffle_key = Some(key);
    waypost_generator::build(&opts).expect("the courses build").grading
}

/// `{attempt_id, version, answers}` for `quiz` of the tiny course: right answers except `wrong`.
pub fn submission(catalog: &GradingCatalog, quiz: &str, attempt_id: &str, wrong: &[&str]) -> String {
    let q = catalog
        .course("tiny")
        .and_then(|c| c.quiz(quiz))
        .expect("the fixture has the quiz");
    let answers: serde_json::Map<String, Value> = q
        .questions
        .iter()
        .map(|question| {
            let value = if wrong.contains(&question.id.as_str()) {
                wrong_answer(&question.key)
            } else {
                right_answer(&question.key)
            };
            (question.id.to_string(), value)
        })
        .collect();
    json!({ "attempt_id": attempt_id, "version": q.version, "answers": answers }).to_string()
}

const FINAL: &str = "/api/courses/tiny/quizzes/final/attempts";

/// Every response of a journey, to check afterwards that none gave a key away early.
#[derive(Default)]
struct Seen(Vec<(String, String)>);

impl Seen {
    fn keep(&mut self, what: &str, r: &Response) -> Value {
        self.0.push((what.to_owned(), r.body.clone()));
        serde_json::from_str(&r.body).unwrap_or(Value::Null)
    }
}

/// Sign up, merge anonymous progress, complete the lessons, fail then pass the graded quiz,
/// see the course completed; restart. Returns the learner's progress before and after the
/// restart (the attempts and the password are checked here).
fn journey_and_restart(setup: &Setup) -> (Value, Value) {
    let mut server = Server::start(setup);
    server.wait_ready();
    let catalog = grading(setup);
    let mut seen = Seen::default();

    // Anonymous: the pages are there, the graded page carries no key.
    for page in ["/", "/tiny/", "/tiny/first-steps.html", "/tiny/all-question-types.html"] {
        let r = server.get(page, None);
        assert_eq!(r.status, 200, "{page}");
        seen.keep(page, &r);
    }

    let learner = server.sign_up("amira@example.org");
    // What the learner did before signing in is merged once, never double counted.
    let merge = json!({ "lessons": [{ "course": "tiny", "lesson": "first-steps" }] }).to_string();
    let r = server.json("POST", "/api/progress/merge", Some(&learner), &merge);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(seen.keep("merge", &r)["recorded"], 1);
    let r = server.json("POST", "/api/progress/merge", Some(&learner), &merge);
    assert_eq!(seen.keep("merge again", &r)["recorded"], 0, "merged twice");

    let r = server.json(
        "POST",
        "/api/progress",
        Some(&learner),
        &json!({ "course": "tiny", "lesson": "all-question-types", "event": "completed" }).to_string(),
    );
    assert_eq!(r.status, 204, "{}", r.body);

    // Fail: the answer says which questions were wrong, and nothing of their key.
    let r = server.json(
        "POST",
        FINAL,
        Some(&learner),
        &submission(&catalog, "final", "attempt-fail-0001", &["pick-one", "steps"]),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let failed = seen.keep("failed attempt", &r);
    assert_eq!(failed["passed"], false, "{failed}");
    assert_eq!(failed["questions"]["pick-one"]["correct"], false);
    assert_eq!(failed["course_completed"], false);
    let p = seen.keep("progress", &server.get_as("/api/progress", &learner));
    assert_eq!(p["courses"]["tiny"]["state"], "in-progress", "{p}");
    // No response so far holds the explanation of a question not yet answered right.
    let quiz = catalog.course("tiny").and_then(|c| c.quiz("final")).expect("quiz");
    for question in quiz
        .questions
        .iter()
        .filter(|q| ["pick-one", "steps"].contains(&q.id.as_str()))
    {
        let explanation = question.explanation_html.as_deref().expect("an explanation");
        let escaped = serde_json::to_string(explanation).expect("json");
        for (what, body) in &seen.0 {
            assert!(
                !body.contains(explanation) && !body.contains(escaped.trim_matches('"')),
                "{what} gave away the explanation of {} before a right answer",
                question.id
            );
        }
    }

    // Pass: the course is completed, computed by the server.
    let r = server.json(
        "POST",
        FINAL,
        Some(&learner),
        &submission(&catalog, "final", "attempt-pass-0001", &[]),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let passed = seen.keep("passed attempt", &r);
    assert_eq!(passed["passed"], true, "{passed}");
    assert_eq!(passed["score"], 100);
    assert_eq!(passed["course_completed"], true);
    let before = seen.keep("progress", &server.get_as("/api/progress", &learner));
    let tiny = &before["courses"]["tiny"];
    assert_eq!(tiny["state"], "completed", "{before}");
    assert_eq!(tiny["lessons_completed"], json!(["first-steps", "all-question-types"]));
    assert_eq!(tiny["quizzes"]["final"]["attempts"], 2);
    assert_eq!(tiny["quizzes"]["final"]["passed"], true);

    // Restart on the same data: the session, the progress and the attempts are all there.
    let (code, took) = server.terminate();
    assert_eq!(code, Some(0), "exit after SIGTERM: {}", server.log());
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    let server = Server::start(setup);
    server.wait_ready();
    let after = server.get_as("/api/progress", &learner);
    assert_eq!(after.status, 200, "the session survives a restart: {}", after.body);
    let after: Value = serde_json::from_str(&after.body).expect("json");
    let attempts: Value = serde_json::from_str(&server.get_as(FINAL, &learner).body).expect("attempts json");
    let ids: Vec<&str> = attempts["attempts"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["attempt_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{attempts}");
    assert!(ids.contains(&"attempt-fail-0001") && ids.contains(&"attempt-pass-0001"));
    // The password still signs in, on the restarted server.
    let again = server.sign_in("amira@example.org");
    assert_eq!(server.get_as("/api/me", &again).status, 200);
    (before, after)
}

#[test]
fn sqlite_journey_survives_a_restart() {
    let (_dir, setup) = setup(None);
    let (before, after) = journey_and_restart(&setup);
    assert_eq!(before["courses"]["tiny"]["state"], "completed", "{before}");
    assert_eq!(after, before, "progress changed across a restart");
}

#[test]
fn postgres_journey_survives_a_restart() {
    let Some(url) = fresh_postgres("waypost_e2e_journey") else {
        eprintln!("postgres_journey_survives_a_restart: skipped (set WAYPOST_TEST_POSTGRES)");
        return;
    };
    let (_dir, setup) = setup(Some(url));
    let (before, after) = journey_and_restart(&setup);
    assert_eq!(before["courses"]["tiny"]["state"], "completed", "{before}");
    assert_eq!(after, before, "progress changed across a restart");
}

/// Scale-out: two processes on one PostgreSQL database agree on sessions, shuffles and
/// progress: sign in on one, submit on the other, read the progress on the first.
#[test]
fn two_instances_share_one_postgres_database() {
    let Some(url) = fresh_postgres("waypost_e2e_two") else {
        eprintln!("two_instances_share_one_postgres_database: skipped (set WAYPOST_TEST_POSTGRES)");
        return;
    };
    let (dir, first) = setup(Some(url));
    let mut second = first.clone();
    second.data_dir = dir.path().join("data-2");
    let a = Server::start(&first);
    let b = Server::start(&second);
    a.wait_ready();
    b.wait_ready();
    assert_ne!(a.port, b.port);

    let page = "/tiny/all-question-types.html";
    let version = |s: &Server| {
        let body = s.get(page, None).body;
        body.split("data-version=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .map(str::to_owned)
    };
    assert!(version(&a).is_some(), "the graded page has a data-version");
    assert_eq!(version(&a), version(&b), "the instances shuffle differently");

    a.sign_up("nadia@example.org");
    let learner = a.sign_in("nadia@example.org");
    let catalog = grading(&first);
    let r = b.json(
        "POST",
        FINAL,
        Some(&learner),
        &submission(&catalog, "final", "two-instances-1", &[]),
    );
    assert_eq!(
        r.status, 201,
        "a session made on one instance works on the other: {}",
        r.body
    );
    let r = b.json(
        "POST",
        "/api/progress",
        Some(&learner),
        &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }).to_string(),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    let progress: Value = serde_json::from_str(&a.get_as("/api/progress", &learner).body).expect("json");
    assert_eq!(
        progress["courses"]["tiny"]["quizzes"]["final"]["passed"], true,
        "{progress}"
    );
    // Passing a quiz completes its lesson too.
    assert_eq!(
        progress["courses"]["tiny"]["lessons_completed"],
        json!(["first-steps", "all-question-types"])
    );
    // Signing out everywhere on the first ends the session on the second at once.
    assert_eq!(a.json("DELETE", "/api/sessions", Some(&learner), "").status, 204);
    assert_eq!(b.get_as("/api/me", &learner).status, 401);
}

/// F5: SIGTERM with a request half sent: it is finished and answered, new connections are
/// refused, and the process exits 0 within 10 s.
#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let (_dir, setup) = setup(None);
    let mut server = Server::start(&setup);
    server.wait_ready();
    let learner = server.sign_up("sam@example.org");
    let body = json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }).to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let head = format!(
        "POST /api/progress HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
         Cookie: {}\r\nX-CSRF-Token: {}\r\nContent-Length: {}\r\n\r\n",
        server.port,
        learner.cookie,
        learner.csrf,
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send head");
    stream.write_all(&body.as_bytes()[..10]).expect("send part of the body");
    std::thread::sleep(Duration::from_millis(300));
    let stopping = Instant::now();
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    stream.write_all(&body.as_bytes()[10..]).expect("send the rest");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let answer = parse_response(&raw).unwrap_or_else(|| panic!("no answer to the request in flight: {}", server.log()));
    assert_eq!(answer.status, 204, "{}", answer.body);
    let (code, _) = server.terminate();
    let took = stopping.elapsed();
    assert_eq!(code, Some(0), "{}", server.log());
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
    // The write that was answered is stored.
    let server = Server::start(&setup);
    server.wait_ready();
    let p: Value = serde_json::from_str(&server.get_as("/api/progress", &learner).body).expect("json");
    assert_eq!(p["courses"]["tiny"]["lessons_completed"], json!(["first-steps"]), "{p}");
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    let temp = path.with_extension("saving");
    std::fs::write(&temp, text.replace(from, to)).expect("write");
    std::fs::rename(&temp, path).expect("rename");
}

/// Polls `ok` until it holds or [`PATIENCE`] runs out; says which.
fn eventually(mut ok: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Publishing: SIGHUP rebuilds and swaps the new site in; a broken course keeps the last
/// good site (and logs the diagnostics); `--watch` does the same on a save.
#[test]
fn sighup_republishes_and_a_broken_course_keeps_the_last_good_site() {
    let (_dir, mut setup) = setup(None);
    setup.env.push(("WAYPOST_LOG".into(), "info".into()));
    let server = Server::start(&setup);
    server.wait_ready();
    let course_yaml = setup.courses.join("tiny/course.yaml");
    assert!(server.get("/", None).body.contains("Tiny Test Course"));

    replace_in(
        &course_yaml,
        "title: Tiny Test Course",
        "title: Tiny Course, Second Edition",
    );
    server.signal("HUP");
    assert!(
        eventually(|| server.get("/", None).body.contains("Tiny Course, Second Edition")),
        "the new title never came: {}",
        server.log()
    );

    replace_in(&course_yaml, "pass-mark: 80", "pass-mark: [eighty]");
    server.signal("HUP");
    assert!(
        eventually(|| server.log().contains("pass-mark")),
        "no diagnostics in the log: {}",
        server.log()
    );
    let home = server.get("/", None);
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Tiny Course, Second Edition"),
        "the last good site is gone"
    );
    assert_eq!(server.get("/tiny/first-steps.html", None).status, 200);
}

#[test]
fn watch_republishes_on_a_save() {
    let (_dir, mut setup) = setup(None);
    setup.args.push("--watch".into());
    let server = Server::start(&setup);
    server.wait_ready();
    replace_in(
        &setup.courses.join("tiny/lessons/01-first-steps.md"),
        "title: First steps",
        "title: First steps, revised",
    );
    assert!(
        eventually(|| {
            server
                .get("/tiny/first-steps.html", None)
                .body
                .contains("First steps, revised")
        }),
        "the edited lesson was never served: {}",
        server.log()
    );
}

/// A real SMTP listener on loopback (the conversation lettre holds with any server, nothing
/// more): every message it receives goes to the channel.
fn smtp_listener() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut out = stream.try_clone().expect("clone");
                let mut lines = BufReader::new(stream);
                let _ = out.write_all(b"220 test.invalid ESMTP\r\n");
                let mut line = String::new();
                while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test.invalid\r\n",
                        "DATA" => {
                            let _ = out.write_all(b"354 end with <CRLF>.<CRLF>\r\n");
                            let mut message = String::new();
                            let mut l = String::new();
                            while lines.read_line(&mut l).is_ok_and(|n| n > 0) && l != ".\r\n" {
                                message.push_str(&l);
                                l.clear();
                            }
                            let _ = tx.send(message);
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = out.write_all(b"221 bye\r\n");
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = out.write_all(reply);
                    line.clear();
                }
            });
        }
    });
    (port, rx)
}

/// The message body with quoted-printable soft breaks and `=XX` escapes undone.
fn unquote(message: &str) -> String {
    let joined = message.replace("=\r\n", "");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        match rest.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(char::from(b));
                rest = &rest[i + 3..];
            }
            None => {
                out.push('=');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Password reset by an emailed link (A9 also: with logs at debug, no password, session,
/// CSRF or reset token appears in them).
#[test]
fn emailed_reset_link_sets_a_new_password_and_logs_hold_no_secrets() {
    let (smtp, inbox) = smtp_listener();
    let (_dir, mut setup) = setup(None);
    setup.args.extend([
        "--smtp-url".into(),
        format!("smtp://127.0.0.1:{smtp}"),
        "--smtp-from".into(),
        "Waypost <noreply@example.org>".into(),
    ]);
    setup.env.push(("WAYPOST_LOG".into(), "debug".into()));
    let server = Server::start(&setup);
    server.wait_ready();
    let learner = server.sign_up("lena@example.org");
    assert_eq!(server.get_as("/api/me", &learner).status, 200);

    // An unknown address gets the same answer, and no email.
    let r = server.json("POST", "/api/password-reset", None, r#"{"email":"nobody@example.org"}"#);
    assert_eq!(r.status, 202, "{}", r.body);
    let r = server.json("POST", "/api/password-reset", None, r#"{"email":"Lena@Example.org"}"#);
    assert_eq!(r.status, 202, "{}", r.body);
    let message = inbox.recv_timeout(PATIENCE).expect("a reset email");
    assert!(
        inbox.recv_timeout(Duration::from_millis(500)).is_err(),
        "one email only"
    );
    let message = unquote(&message);
    assert!(message.contains("To: lena@example.org"), "{message}");
    let token = message
        .split("token=")
        .nth(1)
        .map(|t| {
            t.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|t| t.len() >= 20)
        .unwrap_or_else(|| panic!("no reset link in {message}"));

    let new_password = "a brand new passphrase";
    let confirm = json!({ "token": token, "password": new_password }).to_string();
    let r = server.json("POST", "/api/password-reset/confirm", None, &confirm);
    assert_eq!(r.status, 200, "{}", r.body);
    let reset_session = Learner::from_response(&r);
    assert_eq!(
        server.get_as("/api/me", &learner).status,
        401,
        "old sessions end at a reset"
    );
    let r = server.json("POST", "/api/password-reset/confirm", None, &confirm);
    assert_eq!(r.status, 422, "a reset link works once: {}", r.body);
    let old = json!({ "email": "lena@example.org", "password": PASSWORD }).to_string();
    assert_eq!(server.json("POST", "/api/session", None, &old).status, 422);
    let new = json!({ "email": "lena@example.org", "password": new_password }).to_string();
    let r = server.json("POST", "/api/session", None, &new);
    assert_eq!(r.status, 200, "{}", r.body);
    let signed_in = Learner::from_response(&r);

    std::thread::sleep(Duration::from_millis(200));
    let log = server.log();
    assert!(log.contains("password"), "debug logs are on: {log}");
    let token_of = |cookie: &str| cookie.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default();
    for (what, secret) in [
        ("the password", PASSWORD.to_owned()),
        ("the new password", new_password.to_owned()),
        ("the reset token", token.clone()),
        ("a session token", token_of(&learner.cookie)),
        ("a session token", token_of(&reset_session.cookie)),
        ("a session token", token_of(&signed_in.cookie)),
        ("a CSRF token", learner.csrf.clone()),
        ("a CSRF token", signed_in.csrf.clone()),
    ] {
        assert!(!secret.is_empty());
        assert!(!log.contains(&secret), "{what} is in the log");
    }
}

trait GetAs {
    fn get_as(&self, path: &str, who: &Learner) -> Response;
}

impl GetAs for Server {
    fn get_as(&self, path: &str, who: &Learner) -> Response {
        self.get(path, Some(&who.cookie))
    }
}

/// `waypost build --shuffle-secret-from` shuffles exactly as the server on that data folder
/// does, so its pages can be served in front of it (the quiz versions match, no 409); a build
/// without it draws its own key, and a folder with no database is refused.
#[test]
fn a_build_with_the_servers_secret_shows_what_the_server_shows() {
    let (dir, setup) = setup(None);
    let server = Server::start(&setup);
    server.wait_ready();
    let build = |out: &str, extra: &[&str]| {
        let mut args = vec!["build".to_owned(), setup.courses.display().to_string()];
        args.extend([
            "--out".to_owned(),
            dir.path().join(out).display().to_string(),
            "--no-compress".into(),
        ]);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        std::process::Command::new(binary())
            .args(&args)
            .output()
            .expect("waypost build runs")
    };
    let data = setup.data_dir.display().to_string();
    let keyed = build("keyed", &["--shuffle-secret-from", &data]);
    assert!(keyed.status.success(), "{}", String::from_utf8_lossy(&keyed.stderr));
    let plain = build("plain", &[]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let page = "tiny/all-question-types.html";
    let served = server.get(&format!("/{page}"), None);
    assert_eq!(served.status, 200);
    let read = |out: &str| std::fs::read_to_string(dir.path().join(out).join(page)).expect("the page was built");
    assert!(
        read("keyed") == served.body,
        "the keyed build's page is the server's, byte for byte"
    );
    let version = |html: &str| {
        let at = html.find("data-quiz=\"final\"").expect("the graded quiz");
        let rest = &html[at..];
        let v = &rest[rest.find("data-version=\"").expect("a version") + 14..];
        v[..v.find('"').expect("the attribute ends")].to_owned()
    };
    assert_ne!(
        version(&read("plain")),
        version(&served.body),
        "without the secret: another key"
    );
    let missing = build(
        "nowhere",
        &[
            "--shuffle-secret-from",
            &dir.path().join("no-data").display().to_string(),
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("holds no Waypost database"));
    let both = build("both", &["--static-only", "--shuffle-secret-from", &data]);
    assert_eq!(
        both.status.code(),
        Some(2),
        "--static-only shows every answer: no secret to match"
    );
}
