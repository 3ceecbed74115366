//! Certificates in the database: issuing (through the group-commit writer, so "asking twice
//! returns the existing one" holds under concurrent requests), reading, revoking.
//!
//! **Issuing** needs the server's stored completion (`course_completions`, written only by
//! `learning.rs` from stored attempts and the catalog). **Renewal**: a certificate with a
//! `valid_until` can be renewed from 30 days before it ends (or any time after): when every
//! graded quiz of the course has a passed attempt since the renewal window opened, asking
//! again issues a new certificate; until then it answers the current one. A revoked
//! certificate is answered as it is: revocation is not undone by asking again.

use sqlx::{AnyConnection, Row as _};

use crate::db::writer::{BoxFuture, WriteOp};
use crate::db::{Backend, Db};

/// Renewal opens this long before a certificate ends.
pub const RENEW_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

/// Status-list size in entries: 131,072 (16 KiB), the minimum the Bitstring Status List
/// specification recommends so that one index says nothing about who holds it.
pub const STATUS_LIST_SIZE: i64 = 131_072;

#[derive(Clone, Debug)]
pub struct Record {
    pub id: String,
    pub user_id: String,
    pub course_id: String,
    pub name: String,
    pub issued_at: i64,
    pub valid_until: Option<i64>,
    pub status_index: i64,
    pub credential_json: String,
    pub jwt: String,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

impl Record {
    /// Renewable: it has an end, and the window before it has opened.
    pub fn renewal_opens(&self) -> Option<i64> {
        self.valid_until.map(|u| u - RENEW_WINDOW_MS)
    }
    pub fn renewal_due(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.renewal_opens().is_some_and(|t| now >= t)
    }
    pub fn expired(&self, now: i64) -> bool {
        self.valid_until.is_some_and(|u| now >= u)
    }
}

const COLUMNS: &str = "id, user_id, course_id, name, issued_at, valid_until, status_index, credential_json, jwt, \
                       revoked_at, revoked_reason";

fn record(row: &sqlx::any::AnyRow) -> Result<Record, sqlx::Error> {
    Ok(Record {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        course_id: row.try_get("course_id")?,
        name: row.try_get("name")?,
        issued_at: row.try_get("issued_at")?,
        valid_until: row.try_get("valid_until")?,
        status_index: row.try_get("status_index")?,
        credential_json: row.try_get("credential_json")?,
        jwt: row.try_get("jwt")?,
        revoked_at: row.try_get("revoked_at")?,
        revoked_reason: row.try_get("revoked_reason")?,
    })
}

/// A well-formed certificate id: 22 base64url characters (128 bits).
pub fn well_formed(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new certificate id: 128 bits from the OS's CSPRNG, base64url.
pub fn new_certificate_id() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source must work");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A random status-list index (random, not sequential, so an index says nothing about when
/// or in which order certificates were issued).
pub fn random_status_index() -> i64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source must work");
    (u64::from_le_bytes(bytes) % STATUS_LIST_SIZE as u64) as i64
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Record>, sqlx::Error> {
    if !well_formed(id) {
        return Ok(None);
    }
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(record).transpose()
}

async fn latest(conn: &mut AnyConnection, user_id: &str, course_id: &str) -> Result<Option<Record>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE user_id = $1 AND course_id = $2 ORDER BY issued_at DESC, id LIMIT 1"
    ))
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(record).transpose()
}

/// The learner's current certificate of a course (the latest issued).
pub async fn latest_for(db: &Db, user_id: &str, course_id: &str) -> Result<Option<Record>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    latest(&mut conn, user_id, course_id).await
}

pub async fn list_for(db: &Db, user_id: &str) -> Result<Vec<Record>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE user_id = $1 ORDER BY issued_at DESC, id"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(record).collect()
}

/// Every revoked status index (for the status list).
pub async fn revoked_indexes(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query("SELECT status_index FROM certificates WHERE revoked_at IS NOT NULL ORDER BY status_index")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get("status_index"))
        .collect()
}

pub async fn status_index_taken(db: &Db, index: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT 1 AS one FROM certificates WHERE status_index = $1")
        .bind(index)
        .fetch_optional(&db.pool)
        .await?
        .is_some())
}

/// Revokes a certificate (idempotent: the first revocation's time and reason stay).
/// Returns false when there is no such certificate.
pub async fn revoke(db: &Db, id: &str, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    if find(db, id).await?.is_none() {
        return Ok(false);
    }
    sqlx::query("UPDATE certificates SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(true)
}

/// Whether the learner may have a certificate now, and which one they hold.
#[derive(Debug)]
pub enum Eligibility {
    /// No stored completion.
    NotComplete,
    /// Complete, no certificate yet.
    Eligible,
    /// Holds `0`; renewal window open and the graded quizzes retaken since: a new one is due.
    Renew(Record),
    /// Holds `0` (renewal not open, not yet retaken, or revoked).
    Holds(Record),
}

/// Decides [`Eligibility`] from the stored completion, certificates and attempts.
pub async fn eligibility(
    conn: &mut AnyConnection,
    user_id: &str,
    course_id: &str,
    graded_quizzes: &[String],
    now: i64,
) -> Result<Eligibility, sqlx::Error> {
    if let Some(current) = latest(conn, user_id, course_id).await? {
        let Some(opens) = current.renewal_opens().filter(|_| current.renewal_due(now)) else {
            return Ok(Eligibility::Holds(current));
        };
        for quiz in graded_quizzes {
            let passed = sqlx::query(
                "SELECT 1 AS one FROM attempts WHERE user_id = $1 AND course_id = $2 AND quiz_id = $3 AND passed = 1 \
                 AND created_at >= $4 LIMIT 1",
            )
            .bind(user_id)
            .bind(course_id)
            .bind(quiz)
            .bind(opens.max(current.issued_at))
            .fetch_optional(&mut *conn)
            .await?;
            if passed.is_none() {
                return Ok(Eligibility::Holds(current));
            }
        }
        return Ok(Eligibility::Renew(current));
    }
    let done = sqlx::query("SELECT 1 AS one FROM course_completions WHERE user_id = $1 AND course_id = $2")
        .bind(user_id)
        .bind(course_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(if done.is_some() {
        Eligibility::Eligible
    } else {
        Eligibility::NotComplete
    })
}

pub async fn eligibility_now(
    db: &Db,
    user_id: &str,
    course_id: &str,
    graded_quizzes: &[String],
    now: i64,
) -> Result<Eligibility, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    eligibility(&mut conn, user_id, course_id, graded_quizzes, now).await
}

/// Stores `record` if the learner is (still) eligible when the write runs; otherwise
/// answers what they hold. Decided inside the writer's transaction, so two requests at once
/// issue one certificate.
#[derive(Debug)]
pub struct Issue {
    pub backend: Backend,
    pub record: Record,
    pub graded_quizzes: Vec<String>,
}

#[derive(Debug)]
pub enum Issued {
    New(Record),
    Existing(Record),
    NotComplete,
    /// The random status index was taken meanwhile: prepare again.
    IndexTaken,
}

impl WriteOp for Issue {
    type Output = Issued;

    fn apply<'c>(&'c self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<Issued, sqlx::Error>> {
        Box::pin(async move {
            let r = &self.record;
            if self.backend == Backend::Postgres {
                // One learner's certificate requests are decided one at a time, across instances.
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                    .bind(&r.user_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            }
            match eligibility(conn, &r.user_id, &r.course_id, &self.graded_quizzes, r.issued_at).await? {
                Eligibility::NotComplete => return Ok(Issued::NotComplete),
                Eligibility::Holds(current) => return Ok(Issued::Existing(current)),
                Eligibility::Eligible | Eligibility::Renew(_) => {}
            }
            let taken = sqlx::query("SELECT 1 AS one FROM certificates WHERE status_index = $1")
                .bind(r.status_index)
                .fetch_optional(&mut *conn)
                .await?;
            if taken.is_some() {
                return Ok(Issued::IndexTaken);
            }
            sqlx::query(&format!(
                "INSERT INTO certificates ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)"
            ))
            .bind(&r.id)
            .bind(&r.user_id)
            .bind(&r.course_id)
            .bind(&r.name)
            .bind(r.issued_at)
            .bind(r.valid_until)
            .bind(r.status_index)
            .bind(&r.credential_json)
            .bind(&r.jwt)
            .execute(&mut *conn)
            .await?;
            Ok(Issued::New(r.clone()))
        })
    }
}

/// A renewal reminder to send: the certificate, its holder's email, its end.
#[derive(Clone, Debug)]
pub struct Reminder {
    pub id: String,
    pub email: String,
    pub valid_until: i64,
}

/// Claims the renewal reminders due now (renewal window open, not revoked, not yet renewed,
/// not yet reminded) and marks them, so each is sent once even with several instances: a
/// row is ours only if our `UPDATE … WHERE renewal_reminded_at IS NULL` changed it.
pub async fn claim_due_reminders(db: &Db, now: i64, limit: i64) -> Result<Vec<Reminder>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, u.email, c.valid_until FROM certificates c JOIN users u ON u.id = c.user_id \
         WHERE c.revoked_at IS NULL AND c.renewal_reminded_at IS NULL AND c.valid_until IS NOT NULL \
         AND c.valid_until - $1 <= $2 AND u.disabled = 0 \
         AND NOT EXISTS (SELECT 1 FROM certificates n WHERE n.user_id = c.user_id AND n.course_id = c.course_id \
                         AND n.issued_at > c.issued_at) \
         ORDER BY c.valid_until LIMIT $3",
    )
    .bind(RENEW_WINDOW_MS)
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        let won = sqlx::query(
            "UPDATE certificates SET renewal_reminded_at = $1 WHERE id = $2 AND renewal_reminded_at IS NULL",
        )
        .bind(now)
        .bind(&id)
        .execute(&db.pool)
        .await?
        .rows_affected()
            == 1;
        if won {
            claimed.push(Reminder {
                id,
                email: row.try_get("email")?,
                valid_until: row.try_get("valid_until")?,
            });
        }
    }
    Ok(claimed)
}
