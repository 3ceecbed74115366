//! Lesson progress, the merge of anonymous progress, and course state (A3, A5, F6).

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

crate::on_both!(
    complete_lessons_and_read_progress,
    merge_counts_once,
    progress_validation
);

async fn complete_lessons_and_read_progress(app: &TestApp) {
    let learner = app.sign_up("p@example.org").await;
    let before = app.get("/api/progress", Some(&learner)).await.json();
    assert_eq!(before["courses"]["tiny"]["state"], "not-started");
    assert_eq!(before["courses"]["tiny"]["lesson_count"], 2);
    assert_eq!(before["courses"]["tiny"]["continue_lesson"], "first-steps");
    let a = app
        .json(
            Method::POST,
            "/api/progress",
            Some(&learner),
            &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text());
    let again = app
        .json(
            Method::POST,
            "/api/progress",
            Some(&learner),
            &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    let after = app.get("/api/progress", Some(&learner)).await.json();
    let tiny = &after["courses"]["tiny"];
    assert_eq!(tiny["state"], "in-progress");
    assert_eq!(tiny["lessons_completed"], json!(["first-steps"]));
    assert_eq!(tiny["percent"], 50);
    assert_eq!(tiny["continue_lesson"], "all-question-types");
    // Another learner sees none of it.
    let other = app.sign_up("q@example.org").await;
    assert_eq!(
        app.get("/api/progress", Some(&other)).await.json()["courses"]["tiny"]["state"],
        "not-started"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lesson_progress")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(rows, 1, "a lesson completed twice is stored once");
}

async fn merge_counts_once(app: &TestApp) {
    let learner = app.sign_up("m@example.org").await;
    let body = json!({ "lessons": [
        { "course": "tiny", "lesson": "first-steps" },
        { "course": "tiny", "lesson": "all-question-types" },
        { "course": "tiny", "lesson": "removed-lesson" },
        { "course": "gone", "lesson": "x" }
    ] });
    let first = app
        .json(Method::POST, "/api/progress/merge", Some(&learner), &body)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.json(), json!({ "recorded": 2, "ignored": 2 }));
    let second = app
        .json(Method::POST, "/api/progress/merge", Some(&learner), &body)
        .await;
    assert_eq!(
        second.json(),
        json!({ "recorded": 0, "ignored": 2 }),
        "a replayed merge records nothing twice"
    );
    let p = app.get("/api/progress", Some(&learner)).await.json();
    assert_eq!(p["courses"]["tiny"]["percent"], 100);
    // Lessons alone do not complete a course with a graded quiz.
    assert_eq!(p["courses"]["tiny"]["state"], "in-progress");
}

async fn progress_validation(app: &TestApp) {
    let learner = app.sign_up("v@example.org").await;
    let cases = [
        (
            json!({ "course": "nope", "lesson": "first-steps", "event": "completed" }),
            404,
        ),
        (json!({ "course": "tiny", "lesson": "nope", "event": "completed" }), 404),
        (
            json!({ "course": "tiny", "lesson": "first-steps", "event": "started" }),
            422,
        ),
        (json!({ "course": "tiny", "lesson": "first-steps" }), 422),
        // A3: a client cannot say when, or with what score.
        (
            json!({ "course": "tiny", "lesson": "first-steps", "event": "completed", "completed_at": 1 }),
            422,
        ),
        (
            json!({ "course": "tiny", "lesson": "first-steps", "event": "completed", "score": 100 }),
            422,
        ),
    ];
    for (body, status) in cases {
        let a = app.json(Method::POST, "/api/progress", Some(&learner), &body).await;
        assert_eq!(a.status.as_u16(), status, "{body}: {}", a.text());
    }
    let anon = app
        .json(
            Method::POST,
            "/api/progress",
            None,
            &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }),
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let too_many: Vec<_> = (0..2001)
        .map(|i| json!({ "course": "tiny", "lesson": format!("l{i}") }))
        .collect();
    let big = app
        .json(
            Method::POST,
            "/api/progress/merge",
            Some(&learner),
            &json!({ "lessons": too_many }),
        )
        .await;
    assert!(matches!(big.status.as_u16(), 413 | 422), "{}", big.status);
}
