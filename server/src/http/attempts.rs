//! `/api/courses/{course}/quizzes/{quiz}/attempts`: graded quiz submissions (and a learner's
//! own past attempts).
//!
//! The server grades from the catalog `generator::build` returned, never from public files
//! and never trusting a client's score. The answer says, per question, right or wrong, the
//! feedback of the options the learner chose, and the explanation only for questions
//! answered correctly: explanations tend to state the answer, and the key of a question the
//! learner has not yet got right must not leave the server (invariant 1).
//! `attempt_id` is the client's: the same id again returns the stored answer, so a retry
//! after a lost response never counts twice. Contract: `docs/api.md`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::Row as _;

use super::error::{AppError, AppJson, AppResult};
use crate::auth::tokens::new_id;
use crate::auth::{CurrentUser, session};
use crate::learning::{AttemptOutcome, AttemptWrite, CourseRules};
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/courses/{course}/quizzes/{quiz}/attempts"),
    ("get", "/api/courses/{course}/quizzes/{quiz}/attempts"),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/courses/{course}/quizzes/{quiz}/attempts", post(submit).get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// Chosen by the client (a UUID): 8–64 letters, digits and dashes.
    pub attempt_id: String,
    /// The quiz version the page showed (`data-version`).
    pub version: String,
    /// Question id → the page's form value for it.
    pub answers: Map<String, Value>,
}

fn valid_attempt_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

async fn submit(
    State(state): State<AppState>,
    Path((course_id, quiz_id)): Path<(String, String)>,
    user: CurrentUser,
    headers: HeaderMap,
    AppJson(body): AppJson<Submission>,
) -> AppResult<Response> {
    session::check_csrf(&user, &headers)?;
    if !valid_attempt_id(&body.attempt_id) {
        return Err(AppError::Unprocessable(
            "attempt_id: use a UUID (8 to 64 letters, digits and dashes)".into(),
        ));
    }
    let site = state.site();
    let course = site.grading.course(&course_id).ok_or(AppError::NotFound)?;
    let quiz = course.quiz(&quiz_id).filter(|q| q.graded).ok_or(AppError::NotFound)?;
    if body.version != quiz.version {
        return Err(AppError::Conflict {
            code: "quiz_changed",
            message: "This quiz changed since you opened the page. Reload the page to get the new version.".into(),
        });
    }
    if body.answers.keys().any(|id| quiz.question(id).is_none()) {
        return Err(AppError::NotFound);
    }
    let result = quiz.grade(&body.answers);
    let mut questions = Map::new();
    let mut answers = Vec::new();
    for (q, r) in quiz.questions.iter().zip(&result.questions) {
        questions.insert(
            r.id.to_string(),
            json!({
                "correct": r.correct,
                "answered": r.answered,
                "invalid": r.invalid,
                "feedback_html": if r.correct { None } else { r.feedback_html.clone() },
                "explanation_html": if r.correct { r.explanation_html.clone() } else { None },
            }),
        );
        let answer = body
            .answers
            .get(q.id.as_str())
            .map_or_else(|| "null".to_owned(), Value::to_string);
        answers.push((q.id.to_string(), q.key_hash.clone(), r.correct, answer));
    }
    let response = json!({
        "attempt_id": body.attempt_id,
        "score": result.score,
        "passed": result.passed,
        "pass_mark": course.pass_mark,
        "right": result.right,
        "total": quiz.questions.len(),
        "questions": questions,
        "course_completed": false,
    });
    let op = AttemptWrite {
        backend: state.db.backend,
        id: new_id(),
        user_id: user.id.clone(),
        client_attempt_id: body.attempt_id,
        rules: CourseRules::of(course),
        quiz_id: quiz.id.to_string(),
        lesson_id: quiz.lesson.to_string(),
        quiz_version: quiz.version.clone(),
        score: i64::from(result.score),
        passed: result.passed,
        answers,
        response,
        max_attempts: course.max_attempts,
        cooldown_ms: course.cooldown_seconds.map(|s| i64::from(s) * 1000),
        // The certificate clock (the system clock outside tests), so renewal tests can move time.
        at: state.certs.clock.now_ms(),
    };
    drop(site);
    match state.writer.write(op).await? {
        AttemptOutcome::Recorded(body) => Ok((StatusCode::CREATED, AppJson(body)).into_response()),
        AttemptOutcome::Replayed(body) => Ok((StatusCode::OK, AppJson(body)).into_response()),
        AttemptOutcome::Cooldown { retry_after_ms } => {
            let retry_after = u64::try_from((retry_after_ms + 999) / 1000).unwrap_or(1).max(1);
            Err(AppError::TooMany {
                retry_after,
                message: format!(
                    "This quiz asks you to wait before trying again: submit again in {retry_after} seconds."
                ),
            })
        }
        AttemptOutcome::NoAttemptsLeft { max } => Err(AppError::Conflict {
            code: "no_attempts_left",
            message: format!(
                "You have used all {max} attempts at this quiz. Ask your focal point or an admin for help."
            ),
        }),
    }
}

#[derive(Debug, Serialize)]
pub struct AttemptsList {
    pub attempts: Vec<AttemptSummary>,
}

#[derive(Debug, Serialize)]
pub struct AttemptSummary {
    pub attempt_id: String,
    pub score: i64,
    pub passed: bool,
    pub created_at: i64,
}

async fn list(
    State(state): State<AppState>,
    Path((course_id, quiz_id)): Path<(String, String)>,
    user: CurrentUser,
) -> AppResult<AppJson<AttemptsList>> {
    {
        let site = state.site();
        let course = site.grading.course(&course_id).ok_or(AppError::NotFound)?;
        course.quiz(&quiz_id).filter(|q| q.graded).ok_or(AppError::NotFound)?;
    }
    let rows = sqlx::query(
        "SELECT client_attempt_id, score, passed, created_at FROM attempts \
         WHERE user_id = $1 AND course_id = $2 AND quiz_id = $3 ORDER BY created_at",
    )
    .bind(&user.id)
    .bind(&course_id)
    .bind(&quiz_id)
    .fetch_all(&state.db.pool)
    .await?;
    let attempts = rows
        .iter()
        .map(|r| {
            Ok(AttemptSummary {
                attempt_id: r.try_get("client_attempt_id")?,
                score: r.try_get("score")?,
                passed: r.try_get::<i64, _>("passed")? != 0,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(AppJson(AttemptsList { attempts }))
}
