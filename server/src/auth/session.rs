//! Server-side sessions in the database, so any instance behind a load balancer knows them.
//!
//! The cookie holds a random token; the database holds its SHA-256, the user, a CSRF token
//! and two times: a session ends 7 days after its last use or 30 days after sign-in, whichever
//! comes first. Sign-in always makes a new session (no fixation), sign-out deletes it, and
//! "sign out everywhere" deletes all of a user's. The cookie is `__Host-waypost_session`
//! with `Secure` when the public base URL is https (`waypost_session` on plain-http loopback),
//! always `HttpOnly`, `SameSite=Lax`, `Path=/`.
//!
//! [`CurrentUser`] is the type that says "signed in": a handler that takes it cannot run for
//! an anonymous or disabled account. It reads the user row on every request, so a role
//! change or a disabled account takes effect on the very next request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use sqlx::Row as _;

use super::tokens::{new_token, token_hash};
use crate::db::now_ms;
use crate::http::error::AppError;
use crate::state::AppState;

pub const IDLE_MS: i64 = 7 * 24 * 3600 * 1000;
pub const ABSOLUTE_MS: i64 = 30 * 24 * 3600 * 1000;
/// `last_seen_at` is refreshed at most this often (not a write per request).
const TOUCH_MS: i64 = 5 * 60 * 1000;

#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub csrf_token: String,
    pub session_hash: String,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// The signed-in user, if any (pages that differ for visitors).
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-waypost_session"
    } else {
        "waypost_session"
    }
}

/// The session token from the request's cookies.
pub fn token_from(headers: &HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

pub fn set_cookie(token: &str, secure: bool) -> HeaderValue {
    let value = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        cookie_name(secure),
        ABSOLUTE_MS / 1000,
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).expect("a base64url token makes a valid header")
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    let value = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).expect("a fixed cookie makes a valid header")
}

/// Starts a session for `user_id`; returns the token for the cookie.
pub async fn create(state: &AppState, user_id: &str) -> Result<String, AppError> {
    let token = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(new_token())
    .bind(now)
    .execute(&state.db.pool)
    .await?;
    Ok(token)
}

pub async fn delete(state: &AppState, session_hash: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(session_hash)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

pub async fn delete_all(state: &AppState, user_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// The user behind a session token, if the session is live and the account enabled.
pub async fn lookup(state: &AppState, token: &str) -> Result<Option<CurrentUser>, AppError> {
    let hash = token_hash(token);
    let now = now_ms();
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.role, s.csrf_token, s.created_at, s.last_seen_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND u.disabled = 0",
    )
    .bind(&hash)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let created: i64 = row.try_get("created_at")?;
    let seen: i64 = row.try_get("last_seen_at")?;
    if now - seen > IDLE_MS || now - created > ABSOLUTE_MS {
        delete(state, &hash).await?;
        return Ok(None);
    }
    if now - seen > TOUCH_MS {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(&hash)
            .execute(&state.db.pool)
            .await?;
    }
    Ok(Some(CurrentUser {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: row.try_get("role")?,
        csrf_token: row.try_get("csrf_token")?,
        session_hash: hash,
    }))
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(Self(Some(user.clone())));
        }
        let Some(token) = token_from(&parts.headers, state.config.secure()) else {
            return Ok(Self(None));
        };
        let user = lookup(state, &token).await?;
        if let Some(u) = &user {
            parts.extensions.insert(u.clone());
        }
        Ok(Self(user))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        MaybeUser::from_request_parts(parts, state)
            .await?
            .0
            .ok_or(AppError::Unauthorized)
    }
}

/// Checks the `X-CSRF-Token` header of a JSON state change against the session's token.
pub fn check_csrf(user: &CurrentUser, headers: &HeaderMap) -> Result<(), AppError> {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if super::tokens::same_secret(sent, &user.csrf_token) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "missing or wrong X-CSRF-Token header: read csrf_token from GET api/me",
        ))
    }
}
