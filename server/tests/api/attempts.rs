//! Graded attempts: server-side grading, no key before a right answer, idempotent retries,
//! stale versions, limits, completion, and edits of the course (A5, F6).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, answers, right_answer};

crate::on_both!(
    fail_then_pass_completes_the_course,
    retries_count_once,
    stale_and_unknown,
    no_key_before_a_right_answer,
    attempt_limits,
    edits_keep_completion
);

const FINAL: &str = "/api/courses/tiny/quizzes/final/attempts";

async fn submit(
    app: &TestApp,
    who: &crate::harness::Learner,
    id: &str,
    version: &str,
    answers: &Value,
) -> crate::harness::Answer {
    app.json(
        Method::POST,
        FINAL,
        Some(who),
        &json!({ "attempt_id": id, "version": version, "answers": answers }),
    )
    .await
}

async fn fail_then_pass_completes_the_course(app: &TestApp) {
    let learner = app.sign_up("g@example.org").await;
    app.json(
        Method::POST,
        "/api/progress",
        Some(&learner),
        &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }),
    )
    .await;
    let (version, wrong) = answers(app, "final", &["pick-one", "tf"]);
    let failed = submit(app, &learner, "attempt-0001", &version, &wrong).await;
    assert_eq!(failed.status, StatusCode::CREATED, "{}", failed.text());
    let f = failed.json();
    assert_eq!(f["passed"], false);
    assert_eq!(f["right"], 5);
    assert_eq!(f["total"], 7);
    assert_eq!(f["score"], 71);
    assert_eq!(f["questions"]["pick-one"]["correct"], false);
    assert_eq!(f["questions"]["steps"]["correct"], true);
    assert_eq!(f["course_completed"], false);
    let (_, right) = answers(app, "final", &[]);
    let passed = submit(app, &learner, "attempt-0002", &version, &right).await;
    let p = passed.json();
    assert_eq!(p["passed"], true, "{p}");
    assert_eq!(p["score"], 100);
    assert_eq!(p["course_completed"], true);
    let progress = app.get("/api/progress", Some(&learner)).await.json();
    assert_eq!(progress["courses"]["tiny"]["state"], "completed");
    assert_eq!(progress["courses"]["tiny"]["quizzes"]["final"]["attempts"], 2);
    assert_eq!(progress["courses"]["tiny"]["quizzes"]["final"]["best_score"], 100);
    let list = app.get(FINAL, Some(&learner)).await.json();
    assert_eq!(list["attempts"].as_array().map(Vec::len), Some(2));
}

async fn retries_count_once(app: &TestApp) {
    let learner = app.sign_up("r@example.org").await;
    let (version, wrong) = answers(app, "final", &["typed"]);
    let first = submit(app, &learner, "retry-0001", &version, &wrong).await;
    assert_eq!(first.status, StatusCode::CREATED);
    // The same attempt id again (a retry after a lost response), even with other answers.
    let (_, right) = answers(app, "final", &[]);
    let again = submit(app, &learner, "retry-0001", &version, &right).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json(), first.json(), "a replay returns the stored result");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempts")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 1);
    // Concurrent duplicates store once too.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let (cookie, csrf) = (learner.cookie.clone(), learner.csrf.clone());
        let body = json!({ "attempt_id": "retry-0002", "version": version, "answers": right }).to_string();
        handles.push(tokio::spawn(async move {
            use tower::ServiceExt as _;
            let req = axum::http::Request::post(FINAL)
                .header("content-type", "application/json")
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .body(axum::body::Body::from(body))
                .expect("request");
            router.oneshot(req).await.expect("infallible").status()
        }));
    }
    for h in handles {
        assert!(h.await.expect("task").is_success());
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempts")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 2);
}

async fn stale_and_unknown(app: &TestApp) {
    let learner = app.sign_up("s@example.org").await;
    let (version, right) = answers(app, "final", &[]);
    let stale = submit(app, &learner, "stale-0001", "0000000000000000", &right).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.error_code(), "quiz_changed");
    let mut extra = right.clone();
    extra["no-such-question"] = json!("0");
    assert_eq!(
        submit(app, &learner, "stale-0002", &version, &extra).await.status,
        StatusCode::NOT_FOUND
    );
    for path in [
        "/api/courses/nope/quizzes/final/attempts",
        "/api/courses/tiny/quizzes/nope/attempts",
        "/api/courses/tiny/quizzes/warm-up/attempts",
    ] {
        let a = app
            .json(
                Method::POST,
                path,
                Some(&learner),
                &json!({ "attempt_id": "x-00000001", "version": version, "answers": {} }),
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            a.body,
            app.json(
                Method::POST,
                "/api/courses/nope/quizzes/nope/attempts",
                Some(&learner),
                &json!({ "attempt_id": "x-00000001", "version": version, "answers": {} })
            )
            .await
            .body
        );
    }
    let bad_id = submit(app, &learner, "short", &version, &right).await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_types = app
        .json(
            Method::POST,
            FINAL,
            Some(&learner),
            &json!({ "attempt_id": "types-0001", "version": version, "answers": [] }),
        )
        .await;
    assert_eq!(wrong_types.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A3/A5: a client-sent score is refused, never used.
    let forged = app
        .json(
            Method::POST,
            FINAL,
            Some(&learner),
            &json!({ "attempt_id": "forge-0001", "version": version, "answers": {}, "score": 100, "passed": true }),
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Garbage answers of every JSON type are graded wrong, never a 500.
    let garbage = json!({ "pick-one": {"a": 1}, "pick-many": "0", "tf": "yes", "typed": 5, "count": "many", "steps": [99, -1, "x"], "pairs": [1, 2] });
    let g = submit(app, &learner, "garbage-0001", &version, &garbage).await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.text());
    assert_eq!(g.json()["right"], 0);
}

/// Invariant 1 on the API: no response before a right answer holds that question's key.
async fn no_key_before_a_right_answer(app: &TestApp) {
    let learner = app.sign_up("k@example.org").await;
    let wrong_ids = ["pick-one", "pick-many", "tf", "typed", "count", "steps", "pairs"];
    let (version, wrong) = answers(app, "final", &wrong_ids);
    let a = submit(app, &learner, "keys-0001", &version, &wrong).await;
    let body = a.json();
    for id in wrong_ids {
        let q = &body["questions"][id];
        assert_eq!(q["correct"], false, "{id}");
        assert!(
            q["explanation_html"].is_null(),
            "{id}: the explanation waits for a right answer"
        );
    }
    let site = app.state.site();
    let quiz = site.grading.course("tiny").and_then(|c| c.quiz("final")).expect("quiz");
    let text = a.text();
    for q in &quiz.questions {
        if let Some(explanation) = &q.explanation_html {
            assert!(!text.contains(explanation.as_str()), "{}: explanation leaked", q.id);
        }
        let key = right_answer(&q.key).to_string();
        assert!(!text.contains(&format!("\"answer\":{key}")), "{}", q.id);
    }
    // The page itself holds no key: the practice key attribute is absent on graded quizzes.
    let page = app.get("/tiny/all-question-types.html", None).await.text();
    assert!(page.contains("data-version=\""), "the page carries the quiz version");
    assert!(!page.contains("data-key"), "a graded quiz page carries no key");
}

async fn attempt_limits(app: &TestApp) {
    let yaml = std::fs::read_to_string(app.courses.join("course.yaml")).expect("course.yaml");
    std::fs::write(
        app.courses.join("course.yaml"),
        yaml.replace("  pass-mark: 80\n", "  pass-mark: 80\n  max-attempts: 2\n"),
    )
    .expect("write");
    app.republish();
    let learner = app.sign_up("l@example.org").await;
    let (version, wrong) = answers(app, "final", &["tf", "typed"]);
    assert_eq!(
        submit(app, &learner, "limit-0001", &version, &wrong).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        submit(app, &learner, "limit-0002", &version, &wrong).await.status,
        StatusCode::CREATED
    );
    let third = submit(app, &learner, "limit-0003", &version, &wrong).await;
    assert_eq!(third.status, StatusCode::CONFLICT, "{}", third.text());
    assert_eq!(third.error_code(), "no_attempts_left");
    // A replay of an attempt that was recorded is still answered.
    assert_eq!(
        submit(app, &learner, "limit-0002", &version, &wrong).await.status,
        StatusCode::OK
    );
}

async fn edits_keep_completion(app: &TestApp) {
    let learner = app.sign_up("h@example.org").await;
    app.json(
        Method::POST,
        "/api/progress/merge",
        Some(&learner),
        &json!({ "lessons": [{ "course": "tiny", "lesson": "first-steps" }] }),
    )
    .await;
    let (version, right) = answers(app, "final", &[]);
    let p = submit(app, &learner, "edit-0001", &version, &right).await.json();
    assert_eq!(p["course_completed"], true);
    let old_hashes: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM attempt_answers ORDER BY question_id")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("hashes");
    // The author adds a graded quiz to the first lesson and edits the final quiz's prompt.
    let lesson = app.courses.join("lessons/01-first-steps.md");
    let text = std::fs::read_to_string(&lesson).expect("lesson");
    let added = "\n\n```quiz\nid: added-later\nquestions:\n  - id: added-q\n    type: true-false\n    prompt: Added later?\n    answer: true\n    explanation: Yes.\n```\n";
    std::fs::write(&lesson, format!("{text}{added}")).expect("write");
    app.republish();
    // Completed stays completed; the stored attempt keeps the key hash it was graded with.
    let progress = app.get("/api/progress", Some(&learner)).await.json();
    assert_eq!(progress["courses"]["tiny"]["state"], "completed");
    let hashes: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM attempt_answers ORDER BY question_id")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("hashes");
    assert_eq!(hashes, old_hashes);
    // The old page's version is still current for the unchanged final quiz.
    let (new_version, _) = answers(app, "final", &[]);
    assert_eq!(
        new_version, version,
        "an edit elsewhere does not change this quiz's version"
    );
    // A learner who had not completed must now pass the new quiz too.
    let newcomer = app.sign_up("n@example.org").await;
    app.json(
        Method::POST,
        "/api/progress/merge",
        Some(&newcomer),
        &json!({ "lessons": [{ "course": "tiny", "lesson": "first-steps" }] }),
    )
    .await;
    let done = submit(app, &newcomer, "edit-0002", &version, &right).await.json();
    assert_eq!(done["course_completed"], false, "{done}");
}
