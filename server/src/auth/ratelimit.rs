//! Rate limits on authentication paths, counted in the database (fixed windows), so every
//! instance behind a load balancer sees the same counts.
//!
//! Sign-in counts *failures*: per client IP (10 a minute) and per account (20 in 15 minutes,
//! from all IPs). Past a limit the answer is 429 with `Retry-After`. An attacker can slow a
//! real user's sign-in this way but not lock the account: the window ends, and a password
//! reset (limited per IP, never per account) still gets the owner in and clears the
//! account's count. Sign-up and reset requests count every request per IP.

use sqlx::Row as _;

use crate::db::now_ms;
use crate::http::error::AppError;
use crate::state::AppState;

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: i64,
    pub window_ms: i64,
}

pub const SIGN_IN_PER_IP: Limit = Limit {
    max: 10,
    window_ms: 60_000,
};
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    max: 20,
    window_ms: 15 * 60_000,
};
pub const SIGN_UP_PER_IP: Limit = Limit {
    max: 10,
    window_ms: 60 * 60_000,
};
pub const RESET_PER_IP: Limit = Limit {
    max: 10,
    window_ms: 15 * 60_000,
};

/// 429 when `bucket` is already at its limit; counts nothing.
pub async fn check(state: &AppState, bucket: &str, limit: Limit) -> Result<(), AppError> {
    let row = sqlx::query("SELECT hits, window_start FROM rate_limits WHERE bucket = $1")
        .bind(bucket)
        .fetch_optional(&state.db.pool)
        .await?;
    let now = now_ms();
    if let Some(row) = row {
        let hits: i64 = row.try_get("hits")?;
        let start: i64 = row.try_get("window_start")?;
        if start > now - limit.window_ms && hits >= limit.max {
            return Err(too_many(start + limit.window_ms - now));
        }
    }
    Ok(())
}

/// Counts one hit in `bucket`.
pub async fn hit(state: &AppState, bucket: &str, limit: Limit) -> Result<i64, AppError> {
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - limit.window_ms)
    .fetch_one(&state.db.pool)
    .await?;
    Ok(row.try_get("hits")?)
}

/// Counts a request and refuses it past the limit (sign-up, reset requests).
pub async fn take(state: &AppState, bucket: &str, limit: Limit) -> Result<(), AppError> {
    check(state, bucket, limit).await?;
    hit(state, bucket, limit).await?;
    Ok(())
}

pub async fn clear(state: &AppState, bucket: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM rate_limits WHERE bucket = $1")
        .bind(bucket)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// Drops windows that ended a day ago or more (run from a background task).
pub async fn sweep(state: &AppState) -> Result<(), AppError> {
    sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now_ms() - 24 * 3600 * 1000)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

fn too_many(ms: i64) -> AppError {
    let retry_after = u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1);
    AppError::TooMany {
        retry_after,
        message: format!("Too many attempts. Wait {retry_after} seconds, then try again."),
    }
}
