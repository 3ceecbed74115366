//! What signing up, signing in and resetting a password do, whichever door they come through
//! (the JSON API or the HTML forms): validation, rate limits, hashing, sessions.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sqlx::Row as _;

use crate::auth::ratelimit::{self, RESET_PER_IP, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP, SIGN_UP_PER_IP};
use crate::auth::tokens::{new_id, new_token, token_hash};
use crate::auth::{canonical_email, clean_display_name, password, session};
use crate::db::now_ms;
use crate::http::error::AppError;
use crate::state::AppState;

/// How long a password-reset or admin-setup link works.
pub const LINK_TTL_MS: i64 = 60 * 60 * 1000;

/// The client's address as the socket saw it (`unknown` in router tests without a socket).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        Ok(Self(ip))
    }
}

/// A new learner account and its first session token.
pub async fn sign_up(
    state: &AppState,
    ip: &ClientIp,
    email: &str,
    display_name: &str,
    new_password: &str,
) -> Result<(String, String), AppError> {
    let email = canonical_email(email)
        .ok_or_else(|| AppError::Unprocessable("Enter an email address such as name@example.org.".into()))?;
    let name = clean_display_name(display_name)
        .ok_or_else(|| AppError::Unprocessable("Enter a name of 1 to 100 characters.".into()))?;
    if let Some(why) = password::weakness(new_password, &email, &name) {
        return Err(AppError::Unprocessable(why.into()));
    }
    ratelimit::take(state, &format!("sign-up:ip:{}", ip.0), SIGN_UP_PER_IP).await?;
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(AppError::internal)?;
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, role, disabled, created_at) \
         VALUES ($1, $2, $3, $4, 'learner', 0, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(AppError::Conflict {
            code: "email_taken",
            message: "An account with this email already exists. Sign in, or reset its password.".into(),
        });
    }
    let token = session::create(state, &id).await?;
    tracing::info!(user = %id, "account created");
    Ok((id, token))
}

/// Checks the password and starts a new session. Unknown and known accounts get the same
/// answer after the same work (one Argon2id verification).
pub async fn sign_in(state: &AppState, ip: &ClientIp, email: &str, given: &str) -> Result<(String, String), AppError> {
    let email = canonical_email(email).unwrap_or_else(|| email.trim().to_lowercase());
    let ip_bucket = format!("sign-in:ip:{}", ip.0);
    let account_bucket = format!("sign-in:account:{email}");
    ratelimit::check(state, &ip_bucket, SIGN_IN_PER_IP).await?;
    ratelimit::check(state, &account_bucket, SIGN_IN_PER_ACCOUNT).await?;
    let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&state.db.pool)
        .await?;
    let (id, stored, disabled) = match &row {
        Some(r) => (
            Some(r.try_get::<String, _>("id")?),
            Some(r.try_get::<String, _>("password_hash")?),
            r.try_get::<i64, _>("disabled")? != 0,
        ),
        None => (None, None, false),
    };
    let given = given.chars().take(128).collect::<String>();
    let ok = password::verify(given, stored).await && !disabled;
    let Some(id) = id.filter(|_| ok) else {
        ratelimit::hit(state, &ip_bucket, SIGN_IN_PER_IP).await?;
        ratelimit::hit(state, &account_bucket, SIGN_IN_PER_ACCOUNT).await?;
        return Err(AppError::Unprocessable(
            "That email and password do not match an account.".into(),
        ));
    };
    let token = session::create(state, &id).await?;
    Ok((id, token))
}

/// Makes a one-time link token for `purpose`, stored hashed.
pub async fn one_time_token(state: &AppState, purpose: &str, user_id: Option<&str>) -> Result<String, AppError> {
    let token = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(purpose)
    .bind(user_id)
    .bind(now)
    .bind(now + LINK_TTL_MS)
    .execute(&state.db.pool)
    .await?;
    Ok(token)
}

/// Uses a one-time token: `Some(user_id or "")` once, `None` if unknown, used or expired.
pub async fn redeem(state: &AppState, purpose: &str, token: &str) -> Result<Option<String>, AppError> {
    let row = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(now_ms())
    .bind(token_hash(token))
    .bind(purpose)
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get::<Option<String>, _>("user_id")?.unwrap_or_default()),
        None => None,
    })
}

/// Whether a one-time token would still work (the form shows before it is used).
pub async fn token_is_live(state: &AppState, purpose: &str, token: &str) -> Result<bool, AppError> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(purpose)
    .bind(now_ms())
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(row.is_some())
}

/// Sends a reset link if the account exists; answers the same either way.
pub async fn request_reset(state: &AppState, ip: &ClientIp, email: &str) -> Result<(), AppError> {
    ratelimit::take(state, &format!("reset:ip:{}", ip.0), RESET_PER_IP).await?;
    let Some(email) = canonical_email(email) else {
        return Ok(());
    };
    let row = sqlx::query("SELECT id FROM users WHERE email = $1 AND disabled = 0")
        .bind(&email)
        .fetch_optional(&state.db.pool)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let id: String = row.try_get("id")?;
    let token = one_time_token(state, "password-reset", Some(&id)).await?;
    let link = format!("{}/account/reset?token={token}", state.config.base_url);
    match &state.mailer {
        Some(mailer) => {
            let mailer = mailer.clone();
            // Sent in the background: the answer must not take longer for known accounts.
            tokio::spawn(async move {
                if let Err(e) = mailer.send_reset(&email, &link).await {
                    tracing::warn!(error = %e, "the password-reset email could not be sent");
                }
            });
        }
        None => tracing::info!(
            "password reset asked for, but no SMTP server is configured: an admin can make a link with `waypost admin reset-link`"
        ),
    }
    Ok(())
}

/// Sets a new password from a reset link; ends every session of the account.
pub async fn confirm_reset(state: &AppState, token: &str, new_password: &str) -> Result<String, AppError> {
    let bad_link =
        || AppError::Unprocessable("This reset link has expired or was already used. Ask for a new one.".into());
    if !token_is_live(state, "password-reset", token).await? {
        return Err(bad_link());
    }
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name FROM one_time_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(bad_link)?;
    let (id, email, name): (String, String, String) =
        (row.try_get("id")?, row.try_get("email")?, row.try_get("display_name")?);
    if let Some(why) = password::weakness(new_password, &email, &name) {
        return Err(AppError::Unprocessable(why.into()));
    }
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(AppError::internal)?;
    if redeem(state, "password-reset", token).await?.is_none() {
        return Err(bad_link());
    }
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(&id)
        .execute(&state.db.pool)
        .await?;
    session::delete_all(state, &id).await?;
    ratelimit::clear(state, &format!("sign-in:account:{email}")).await?;
    let token = session::create(state, &id).await?;
    Ok(token)
}
