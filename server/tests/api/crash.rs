//! F1: `kill -9` the real binary while learners write progress and submit graded quizzes,
//! twenty times, on SQLite and on PostgreSQL. After every kill the server is ready again in
//! under 5 s, every write it acknowledged is stored, nothing is stored twice or invented, a
//! submission the kill cut off can be retried with its id and is then stored once (F6), and
//! SQLite's `PRAGMA integrity_check` says `ok`.
//!
//! Each kill is shown to have landed mid-write: requests were still waiting for their answer
//! when the process died (they fail without one), and writes were being acknowledged up to
//! the moment of the kill.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Row as _;
use waypost::db::{Backend, Db};
use waypost_e2e::server::{Learner, Server, Setup, fresh_postgres};
use waypost_e2e::try_request;

use crate::serve::{grading, setup, submission};

/// Lessons in the generated course: enough for every progress write of the run to be new.
const LESSONS: usize = 400;
const LEARNERS: usize = 6;
const CYCLES: usize = 20;

/// A course of [`LESSONS`] short lessons beside the tiny one.
fn many_lessons(courses: &Path) {
    let root = courses.join("many");
    std::fs::create_dir_all(root.join("lessons")).expect("mkdir");
    let ids: Vec<String> = (0..LESSONS).map(|i| format!("lesson-{i:03}")).collect();
    let course = format!(
        "id: many\ntitle: Many Lessons\nsummary: A long course for the crash test.\nlanguage: en\n\
         level: beginner\nestimated-time: 1h\nmodules:\n  - title: All\n    lessons: [{}]\n",
        ids.join(", ")
    );
    std::fs::write(root.join("course.yaml"), course).expect("course.yaml");
    for (i, id) in ids.iter().enumerate() {
        let text = format!("---\ntitle: Lesson {i}\nestimated-time: 1m\n---\n\nText of lesson {i}.\n");
        std::fs::write(root.join(format!("lessons/{i:03}-{id}.md")), text).expect("lesson");
    }
}

/// What one learner's writer sent and what the server answered.
#[derive(Default)]
struct Ledger {
    /// Lessons whose completion got a 204.
    acked_lessons: BTreeSet<String>,
    /// Attempt ids that got a 201 (or 200: already stored).
    acked_attempts: BTreeSet<String>,
    /// Every attempt id ever sent (the only ones that may be stored).
    sent_attempts: BTreeSet<String>,
    /// Attempts that got no answer because the process died: retried after the restart.
    cut_attempts: Vec<String>,
    next_lesson: usize,
    next_attempt: usize,
}

/// One cycle's evidence that the kill landed while the server was writing.
#[derive(Default)]
struct CycleStats {
    acked: usize,
    /// Requests sent that got no answer: they were in flight when the process died.
    cut: usize,
    last_ack: Option<Instant>,
}

struct Writer {
    email: String,
    learner: Learner,
    ledger: Ledger,
}

/// What a run of [`run_crash_cycles`] did, for its test to judge.
struct Survived {
    kills: usize,
    lessons: usize,
    attempts: usize,
    slowest_ready: Duration,
}

/// [`CYCLES`] kills under load, each followed by a restart and [`check_stored`].
fn run_crash_cycles(setup: &Setup, name: &str) -> Survived {
    many_lessons(&setup.courses);
    let mut server = Server::start(setup);
    server.wait_ready();
    let catalog = Arc::new(grading(setup));
    let mut writers: Vec<Writer> = (0..LEARNERS)
        .map(|i| {
            let email = format!("crash-{i}@example.org");
            let learner = server.sign_up(&email);
            Writer {
                email,
                learner,
                ledger: Ledger::default(),
            }
        })
        .collect();

    let mut slowest_ready = Duration::ZERO;
    let mut kills = 0;
    for cycle in 0..CYCLES {
        let port = server.port;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(CycleStats::default()));
        let threads: Vec<_> = writers
            .drain(..)
            .enumerate()
            .map(|(t, mut w)| {
                let stop = stop.clone();
                let stats = stats.clone();
                let catalog = catalog.clone();
                std::thread::spawn(move || {
                    let headers = [
                        ("Content-Type", "application/json"),
                        ("Cookie", w.learner.cookie.as_str()),
                        ("X-CSRF-Token", w.learner.csrf.as_str()),
                    ];
                    let mut n = 0usize;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        // Three lesson completions to one graded submission.
                        let lesson = (!n.is_multiple_of(4) && w.ledger.next_lesson < LESSONS).then(|| {
                            w.ledger.next_lesson += 1;
                            format!("lesson-{:03}", w.ledger.next_lesson - 1)
                        });
                        let result = if let Some(lesson) = &lesson {
                            let body = json!({ "course": "many", "lesson": lesson, "event": "completed" });
                            try_request(port, "POST", "/api/progress", &headers, &body.to_string())
                                .map(|r| (r.status == 204, r))
                        } else {
                            w.ledger.next_attempt += 1;
                            let id = format!("c{cycle:02}-t{t}-{:05}", w.ledger.next_attempt);
                            w.ledger.sent_attempts.insert(id.clone());
                            let body = submission(
                                &catalog,
                                "final",
                                &id,
                                if n.is_multiple_of(8) { &["steps"] } else { &[] },
                            );
                            let result = try_request(
                                port,
                                "POST",
                                "/api/courses/tiny/quizzes/final/attempts",
                                &headers,
                                &body,
                            );
                            match &result {
                                Ok(r) if r.status == 201 || r.status == 200 => {
                                    w.ledger.acked_attempts.insert(id);
                                }
                                Err(_) => w.ledger.cut_attempts.push(id),
                                Ok(_) => {}
                            }
                            result.map(|r| (r.status == 201 || r.status == 200, r))
                        };
                        let mut s = stats.lock().expect("stats");
                        match result {
                            Ok((true, _)) => {
                                if let Some(lesson) = lesson {
                                    w.ledger.acked_lessons.insert(lesson);
                                }
                                s.acked += 1;
                                s.last_ack = Some(Instant::now());
                            }
                            Ok((false, r)) => panic!("write refused: {} {}", r.status, r.body),
                            // No answer: the server died with this request in flight. Once it
                            // is down, stop (new connections are refused, not in flight).
                            Err(_) => {
                                s.cut += 1;
                                break;
                            }
                        }
                    }
                    w
                })
            })
            .collect();

        // Let the writes run, then kill the process without warning.
        std::thread::sleep(Duration::from_millis(300 + 37 * (cycle as u64 % 5)));
        server.kill();
        kills += 1;
        let killed_at = Instant::now();
        stop.store(true, Ordering::Relaxed);
        writers = threads
            .into_iter()
            .map(|t| t.join().expect("a writer panicked"))
            .collect();
        {
            let s = stats.lock().expect("stats");
            assert!(
                s.acked > 0,
                "{name} cycle {cycle}: nothing was acknowledged before the kill"
            );
            assert!(
                s.cut > 0,
                "{name} cycle {cycle}: no request was in flight at the kill ({} acknowledged)",
                s.acked
            );
            let quiet = killed_at.saturating_duration_since(s.last_ack.expect("an ack"));
            assert!(
                quiet < Duration::from_millis(250),
                "{name} cycle {cycle}: writes had stopped {quiet:?} before the kill"
            );
        }

        // Restart on the same data: ready in under 5 s, from spawn to /readyz.
        server = Server::start(setup);
        let ready = server.started_in + server.wait_ready();
        slowest_ready = slowest_ready.max(ready);
        assert!(
            ready < Duration::from_secs(5),
            "{name} cycle {cycle}: ready after {ready:?}"
        );

        // A submission the kill cut off is retried with its id: stored once (F6).
        for w in &mut writers {
            let headers = [
                ("Content-Type", "application/json"),
                ("Cookie", w.learner.cookie.as_str()),
                ("X-CSRF-Token", w.learner.csrf.as_str()),
            ];
            for id in std::mem::take(&mut w.ledger.cut_attempts) {
                let r = try_request(
                    server.port,
                    "POST",
                    "/api/courses/tiny/quizzes/final/attempts",
                    &headers,
                    &submission(&catalog, "final", &id, &[]),
                )
                .expect("the restarted server answers");
                assert!(
                    r.status == 201 || r.status == 200,
                    "retry of {id}: {} {}",
                    r.status,
                    r.body
                );
                w.ledger.acked_attempts.insert(id);
            }
        }
        check_stored(setup, &writers, &format!("{name} cycle {cycle}"));
    }
    let survived = Survived {
        kills,
        lessons: writers.iter().map(|w| w.ledger.acked_lessons.len()).sum(),
        attempts: writers.iter().map(|w| w.ledger.acked_attempts.len()).sum(),
        slowest_ready,
    };
    eprintln!(
        "{name}: {} kills; {} lesson writes and {} attempts acknowledged, all stored once; \
         slowest restart to ready {:?}",
        survived.kills, survived.lessons, survived.attempts, survived.slowest_ready
    );
    survived
}

/// Reads the database as the server left it: every acknowledged write is there, exactly
/// once, every attempt has all its answers, nothing was stored that was not sent.
fn check_stored(setup: &Setup, writers: &[Writer], what: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let db = Db::connect(&setup.database()).await.expect("open the database");
        let mut lessons: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT u.email, p.lesson_id FROM lesson_progress p JOIN users u ON u.id = p.user_id \
             WHERE p.course_id = 'many'",
        )
        .fetch_all(&db.pool)
        .await
        .expect("progress rows")
        {
            lessons
                .entry(row.get::<String, _>(0))
                .or_default()
                .push(row.get::<String, _>(1));
        }
        let mut attempts: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT u.email, a.client_attempt_id, \
             (SELECT COUNT(*) FROM attempt_answers x WHERE x.attempt_id = a.id) \
             FROM attempts a JOIN users u ON u.id = a.user_id",
        )
        .fetch_all(&db.pool)
        .await
        .expect("attempt rows")
        {
            attempts
                .entry(row.get::<String, _>(0))
                .or_default()
                .push((row.get::<String, _>(1), row.get::<i64, _>(2)));
        }
        for w in writers {
            let stored = lessons.remove(&w.email).unwrap_or_default();
            let unique: BTreeSet<&String> = stored.iter().collect();
            assert_eq!(
                unique.len(),
                stored.len(),
                "{what}: a lesson stored twice for {}",
                w.email
            );
            for lesson in &w.ledger.acked_lessons {
                assert!(
                    unique.contains(lesson),
                    "{what}: acknowledged {lesson} of {} is lost",
                    w.email
                );
            }
            let stored = attempts.remove(&w.email).unwrap_or_default();
            let mut ids = BTreeSet::new();
            for (id, answers) in &stored {
                assert!(ids.insert(id.clone()), "{what}: attempt {id} stored twice");
                assert!(
                    w.ledger.sent_attempts.contains(id),
                    "{what}: attempt {id} was never sent"
                );
                assert!(*answers > 0, "{what}: attempt {id} stored without its answers");
            }
            for id in &w.ledger.acked_attempts {
                assert!(ids.contains(id), "{what}: acknowledged attempt {id} is lost");
            }
        }
        if db.backend == Backend::Sqlite {
            let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_all(&db.pool)
                .await
                .expect("integrity_check");
            assert_eq!(check, ["ok"], "{what}: integrity_check");
            let orphans = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&db.pool)
                .await
                .expect("foreign_key_check");
            assert!(orphans.is_empty(), "{what}: {} rows break a foreign key", orphans.len());
        }
        db.pool.close().await;
    });
}

#[test]
fn sqlite_kill_9_under_writes_loses_nothing_acknowledged() {
    let (_dir, setup) = setup(None);
    let s = run_crash_cycles(&setup, "sqlite");
    assert_eq!(s.kills, CYCLES, "every cycle killed a server mid-write");
    assert!(s.lessons > 0 && s.attempts > 0, "nothing was written");
    assert!(
        s.slowest_ready < Duration::from_secs(5),
        "ready after {:?}",
        s.slowest_ready
    );
}

#[test]
fn postgres_kill_9_under_writes_loses_nothing_acknowledged() {
    let Some(url) = fresh_postgres("waypost_e2e_crash") else {
        eprintln!("postgres_kill_9_under_writes_loses_nothing_acknowledged: skipped (set WAYPOST_TEST_POSTGRES)");
        return;
    };
    let (_dir, setup) = setup(Some(url));
    let s = run_crash_cycles(&setup, "postgres");
    assert_eq!(s.kills, CYCLES, "every cycle killed a server mid-write");
    assert!(s.lessons > 0 && s.attempts > 0, "nothing was written");
    assert!(
        s.slowest_ready < Duration::from_secs(5),
        "ready after {:?}",
        s.slowest_ready
    );
}
