//! `/api/progress`: a learner's progress in every course (read), a completed lesson (write),
//! and the merge of what they did in this browser before signing in.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::error::{AppError, AppJson, AppResult};
use crate::auth::{CurrentUser, session};
use crate::db::now_ms;
use crate::learning::{CourseRules, LessonsDone};
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/progress"),
    ("post", "/api/progress"),
    ("post", "/api/progress/merge"),
];

/// At most this many lessons in one merge (more than every shipped course together).
pub const MERGE_MAX: usize = 2000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/progress", get(read).post(complete_lesson))
        .route("/progress/merge", post(merge))
}

#[derive(Debug, Serialize)]
pub struct ProgressResponse {
    pub courses: BTreeMap<String, CourseProgress>,
}

#[derive(Debug, Serialize)]
pub struct CourseProgress {
    /// `not-started`, `in-progress` or `completed`.
    pub state: &'static str,
    pub completed_at: Option<i64>,
    pub lesson_count: usize,
    pub lessons_completed: Vec<String>,
    pub percent: u8,
    /// The first lesson in course order not completed yet: "continue where you left off".
    pub continue_lesson: Option<String>,
    pub quizzes: BTreeMap<String, QuizProgress>,
}

#[derive(Debug, Serialize)]
pub struct QuizProgress {
    pub attempts: i64,
    pub best_score: i64,
    pub passed: bool,
    pub last_attempt_at: i64,
}

async fn read(State(state): State<AppState>, user: CurrentUser) -> AppResult<AppJson<ProgressResponse>> {
    Ok(AppJson(load(&state, &user.id).await?))
}

/// A learner's progress in every published course.
pub async fn load(state: &AppState, user_id: &str) -> AppResult<ProgressResponse> {
    let pool = &state.db.pool;
    let lessons = sqlx::query("SELECT course_id, lesson_id FROM lesson_progress WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    let quizzes = sqlx::query(
        "SELECT course_id, quiz_id, COUNT(*) AS n, MAX(score) AS best, MAX(passed) AS passed, MAX(created_at) AS last \
         FROM attempts WHERE user_id = $1 GROUP BY course_id, quiz_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let completions = sqlx::query("SELECT course_id, completed_at FROM course_completions WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    // Each stored row decoded once, grouped by course; then every course is a few lookups.
    let mut done_by_course: HashMap<String, HashSet<String>> = HashMap::new();
    for r in &lessons {
        done_by_course
            .entry(r.try_get("course_id")?)
            .or_default()
            .insert(r.try_get("lesson_id")?);
    }
    let mut completed: HashMap<String, i64> = HashMap::new();
    for r in &completions {
        completed.insert(r.try_get("course_id")?, r.try_get("completed_at")?);
    }
    let mut quizzes_by_course: HashMap<String, BTreeMap<String, QuizProgress>> = HashMap::new();
    for r in &quizzes {
        quizzes_by_course.entry(r.try_get("course_id")?).or_default().insert(
            r.try_get("quiz_id")?,
            QuizProgress {
                attempts: r.try_get("n")?,
                best_score: r.try_get("best")?,
                passed: r.try_get::<i64, _>("passed")? != 0,
                last_attempt_at: r.try_get("last")?,
            },
        );
    }
    let site = state.site();
    let mut courses = BTreeMap::new();
    for course in site.grading.courses() {
        let id = course.id.to_string();
        let stored = done_by_course.remove(&id).unwrap_or_default();
        // In course order (whatever order the database returns), lessons since removed left out.
        let done: Vec<String> = course
            .lessons
            .iter()
            .filter(|l| stored.contains(l.as_str()))
            .map(ToString::to_string)
            .collect();
        let completed_at = completed.get(&id).copied();
        let quiz_map = quizzes_by_course.remove(&id).unwrap_or_default();
        let total = course.lessons.len();
        let percent = (100 * done.len()).checked_div(total).map_or(0, |p| p.min(100) as u8);
        let continue_lesson = course
            .lessons
            .iter()
            .find(|l| !stored.contains(l.as_str()))
            .map(ToString::to_string);
        let state = match (completed_at, done.is_empty() && quiz_map.is_empty()) {
            (Some(_), _) => "completed",
            (None, true) => "not-started",
            (None, false) => "in-progress",
        };
        courses.insert(
            id,
            CourseProgress {
                state,
                completed_at,
                lesson_count: total,
                lessons_completed: done,
                percent,
                continue_lesson,
                quizzes: quiz_map,
            },
        );
    }
    Ok(ProgressResponse { courses })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonEvent {
    pub course: String,
    pub lesson: String,
    /// Only `completed` for now.
    pub event: String,
}

async fn complete_lesson(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    AppJson(body): AppJson<LessonEvent>,
) -> AppResult<StatusCode> {
    session::check_csrf(&user, &headers)?;
    if body.event != "completed" {
        return Err(AppError::Unprocessable("event: the only event is \"completed\"".into()));
    }
    let rules = lesson_rules(&state, &body.course, &body.lesson).ok_or(AppError::NotFound)?;
    state
        .writer
        .write(LessonsDone {
            user_id: user.id,
            lessons: vec![(rules, body.lesson)],
            at: now_ms(),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn lesson_rules(state: &AppState, course: &str, lesson: &str) -> Option<CourseRules> {
    let site = state.site();
    let c = site.grading.course(course)?;
    c.lessons
        .iter()
        .any(|l| l.as_str() == lesson)
        .then(|| CourseRules::of(c))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    pub lessons: Vec<MergeLesson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeLesson {
    pub course: String,
    pub lesson: String,
}

#[derive(Debug, Serialize)]
pub struct MergeResponse {
    /// Lessons newly recorded (already-recorded ones count once, never twice).
    pub recorded: usize,
    /// Lessons the published courses do not have (any more): skipped.
    pub ignored: usize,
}

async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    AppJson(body): AppJson<Merge>,
) -> AppResult<AppJson<MergeResponse>> {
    session::check_csrf(&user, &headers)?;
    if body.lessons.len() > MERGE_MAX {
        return Err(AppError::Unprocessable(format!(
            "lessons: at most {MERGE_MAX} in one request"
        )));
    }
    let mut known = Vec::new();
    let mut ignored = 0;
    for item in body.lessons {
        match lesson_rules(&state, &item.course, &item.lesson) {
            Some(rules) => known.push((rules, item.lesson)),
            None => ignored += 1,
        }
    }
    let recorded = if known.is_empty() {
        0
    } else {
        state
            .writer
            .write(LessonsDone {
                user_id: user.id,
                lessons: known,
                at: now_ms(),
            })
            .await?
            .new
    };
    Ok(AppJson(MergeResponse { recorded, ignored }))
}
