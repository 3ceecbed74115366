//! Progress and attempts as the database keeps them: the writes (through the group-commit
//! writer) and the course-completion rule.
//!
//! **Completion** (computed here, never sent by a client): a course is complete for a learner
//! when every lesson in its course order is completed and every graded quiz has a passed
//! attempt. Passing a lesson's graded quiz also completes that lesson. Once reached, the
//! completion is stored (`course_completions`) and never taken back.
//!
//! **Edits of a published course** (what stored attempts mean after a rebuild):
//! - an attempt records the quiz version it answered and, per question, the hash of the key it
//!   was graded against; stored attempts are never re-graded;
//! - a quiz that was passed stays passed when its questions or keys change (the key change
//!   counts from the next attempt, which is graded against the new key);
//! - a quiz or lesson added later is required of learners who have not completed the course
//!   yet; a completed course stays completed;
//! - a quiz or lesson removed is no longer required; its attempts stay in the database;
//! - a page opened before the change submits the old version and gets 409 `quiz_changed`.
//!
//! **Attempt limits** (`completion: max-attempts` and `cooldown` in `course.yaml`): counted
//! over the failed attempts since the learner last passed the quiz, so retaking a passed quiz
//! (annual renewal) starts afresh, while guessing by elimination is bounded.

use sqlx::{AnyConnection, Row as _};
use waypost_generator::grading::CourseGrading;

use crate::db::Backend;
use crate::db::writer::{BoxFuture, WriteOp};

/// What completion needs of one course, copied out of the published catalog so a write does
/// not hold the site.
#[derive(Clone, Debug)]
pub struct CourseRules {
    pub course_id: String,
    pub lessons: Vec<String>,
    pub graded_quizzes: Vec<String>,
}

impl CourseRules {
    pub fn of(course: &CourseGrading) -> Self {
        Self {
            course_id: course.id.to_string(),
            lessons: course.lessons.iter().map(ToString::to_string).collect(),
            graded_quizzes: course.graded_quizzes().map(|q| q.id.to_string()).collect(),
        }
    }
}

/// Records `rules` as completed for `user_id` if the stored progress says so; returns
/// whether the course is (now or already) complete.
async fn complete_if_done(
    conn: &mut AnyConnection,
    user_id: &str,
    rules: &CourseRules,
    now: i64,
    just_passed: Option<&str>,
) -> Result<bool, sqlx::Error> {
    // One round trip for both questions: is the course already completed, and which of its
    // lessons are done (the writer runs these one after another, so each query counts).
    let rows = sqlx::query(
        "SELECT 'done' AS kind, '' AS lesson_id FROM course_completions WHERE user_id = $1 AND course_id = $2 \
         UNION ALL SELECT 'lesson' AS kind, lesson_id FROM lesson_progress WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user_id)
    .bind(&rules.course_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut lessons = std::collections::HashSet::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        if kind == "done" {
            return Ok(true);
        }
        lessons.insert(row.try_get::<String, _>("lesson_id")?);
    }
    if !rules.lessons.iter().all(|l| lessons.contains(l)) {
        return Ok(false);
    }
    let passed: Vec<String> =
        sqlx::query("SELECT DISTINCT quiz_id FROM attempts WHERE user_id = $1 AND course_id = $2 AND passed = 1")
            .bind(user_id)
            .bind(&rules.course_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("quiz_id"))
            .collect::<Result<_, _>>()?;
    if !rules
        .graded_quizzes
        .iter()
        .all(|q| passed.contains(q) || just_passed == Some(q.as_str()))
    {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO course_completions (user_id, course_id, completed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(&rules.course_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Lessons a learner completed (one from a lesson page, many when anonymous progress is
/// merged at sign-in). Idempotent: a lesson completed twice keeps its first time.
#[derive(Debug)]
pub struct LessonsDone {
    pub user_id: String,
    pub lessons: Vec<(CourseRules, String)>,
    pub at: i64,
}

#[derive(Debug)]
pub struct LessonsRecorded {
    pub new: usize,
    pub completed_courses: Vec<String>,
}

impl WriteOp for LessonsDone {
    type Output = LessonsRecorded;

    fn apply<'c>(&'c self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<LessonsRecorded, sqlx::Error>> {
        Box::pin(async move {
            let mut new = 0;
            for (rules, lesson) in &self.lessons {
                new += sqlx::query(
                    "INSERT INTO lesson_progress (user_id, course_id, lesson_id, completed_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&self.user_id)
                .bind(&rules.course_id)
                .bind(lesson)
                .bind(self.at)
                .execute(&mut *conn)
                .await?
                .rows_affected() as usize;
            }
            let mut completed_courses = Vec::new();
            let mut seen: Vec<&str> = Vec::new();
            for (rules, _) in &self.lessons {
                if seen.contains(&rules.course_id.as_str()) {
                    continue;
                }
                seen.push(&rules.course_id);
                if complete_if_done(conn, &self.user_id, rules, self.at, None).await? {
                    completed_courses.push(rules.course_id.clone());
                }
            }
            Ok(LessonsRecorded { new, completed_courses })
        })
    }
}

/// One graded attempt, graded already (grading is pure and runs before the write).
#[derive(Debug)]
pub struct AttemptWrite {
    pub backend: Backend,
    pub id: String,
    pub user_id: String,
    pub client_attempt_id: String,
    pub rules: CourseRules,
    pub quiz_id: String,
    pub lesson_id: String,
    pub quiz_version: String,
    pub score: i64,
    pub passed: bool,
    /// (question id, key hash, correct, the answer as JSON text)
    pub answers: Vec<(String, String, bool, String)>,
    /// The response body to store, so a retry gets the same answer; `{completed}` is filled in.
    pub response: serde_json::Value,
    pub max_attempts: Option<u32>,
    pub cooldown_ms: Option<i64>,
    pub at: i64,
}

#[derive(Debug)]
pub enum AttemptOutcome {
    Recorded(serde_json::Value),
    /// The same `attempt_id` again: the stored answer.
    Replayed(serde_json::Value),
    Cooldown {
        retry_after_ms: i64,
    },
    NoAttemptsLeft {
        max: u32,
    },
}

impl WriteOp for AttemptWrite {
    type Output = AttemptOutcome;

    fn apply<'c>(&'c self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<AttemptOutcome, sqlx::Error>> {
        Box::pin(async move {
            if self.backend == Backend::Postgres {
                // Attempts of one learner are decided one at a time, across instances too.
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                    .bind(&self.user_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            }
            let earlier =
                sqlx::query("SELECT response_json FROM attempts WHERE user_id = $1 AND client_attempt_id = $2")
                    .bind(&self.user_id)
                    .bind(&self.client_attempt_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(row) = earlier {
                let text: String = row.try_get("response_json")?;
                let stored = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
                return Ok(AttemptOutcome::Replayed(stored));
            }
            if self.max_attempts.is_some() || self.cooldown_ms.is_some() {
                let last_pass: Option<i64> = sqlx::query(
                    "SELECT MAX(created_at) AS t FROM attempts WHERE user_id = $1 AND course_id = $2 AND quiz_id = $3 AND passed = 1",
                )
                .bind(&self.user_id)
                .bind(&self.rules.course_id)
                .bind(&self.quiz_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("t")?;
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, MAX(created_at) AS t FROM attempts \
                     WHERE user_id = $1 AND course_id = $2 AND quiz_id = $3 AND passed = 0 AND created_at > $4",
                )
                .bind(&self.user_id)
                .bind(&self.rules.course_id)
                .bind(&self.quiz_id)
                .bind(last_pass.unwrap_or(-1))
                .fetch_one(&mut *conn)
                .await?;
                let failed: i64 = row.try_get("n")?;
                let last_failed: Option<i64> = row.try_get("t")?;
                if let Some(max) = self.max_attempts
                    && failed >= i64::from(max)
                {
                    return Ok(AttemptOutcome::NoAttemptsLeft { max });
                }
                if let (Some(cooldown), Some(last)) = (self.cooldown_ms, last_failed) {
                    let wait = last + cooldown - self.at;
                    if wait > 0 {
                        return Ok(AttemptOutcome::Cooldown { retry_after_ms: wait });
                    }
                }
            }
            // Completion first (counting this attempt as passed when it is), so the attempt
            // row is written once with its whole answer: every statement is a round trip.
            let completed = if self.passed {
                sqlx::query(
                    "INSERT INTO lesson_progress (user_id, course_id, lesson_id, completed_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&self.user_id)
                .bind(&self.rules.course_id)
                .bind(&self.lesson_id)
                .bind(self.at)
                .execute(&mut *conn)
                .await?;
                complete_if_done(conn, &self.user_id, &self.rules, self.at, Some(&self.quiz_id)).await?
            } else {
                let done = sqlx::query("SELECT 1 AS one FROM course_completions WHERE user_id = $1 AND course_id = $2")
                    .bind(&self.user_id)
                    .bind(&self.rules.course_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                done.is_some()
            };
            let mut response = self.response.clone();
            response["course_completed"] = serde_json::Value::Bool(completed);
            sqlx::query(
                "INSERT INTO attempts (id, user_id, client_attempt_id, course_id, quiz_id, quiz_version, score, passed, \
                 response_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&self.id)
            .bind(&self.user_id)
            .bind(&self.client_attempt_id)
            .bind(&self.rules.course_id)
            .bind(&self.quiz_id)
            .bind(&self.quiz_version)
            .bind(self.score)
            .bind(i64::from(self.passed))
            .bind(response.to_string())
            .bind(self.at)
            .execute(&mut *conn)
            .await?;
            // All the answers in one statement (a quiz has at most a few dozen questions).
            if !self.answers.is_empty() {
                let rows: Vec<String> = (0..self.answers.len())
                    .map(|i| {
                        let b = i * 5;
                        format!("(${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5)
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO attempt_answers (attempt_id, question_id, key_hash, correct, answer_json) VALUES {}",
                    rows.join(", ")
                );
                let mut insert = sqlx::query(&sql);
                for (question, key_hash, correct, answer) in &self.answers {
                    insert = insert
                        .bind(&self.id)
                        .bind(question)
                        .bind(key_hash)
                        .bind(i64::from(*correct))
                        .bind(answer);
                }
                insert.execute(&mut *conn).await?;
            }
            Ok(AttemptOutcome::Recorded(response))
        })
    }
}
