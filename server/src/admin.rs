//! `waypost admin …`: what an operator does from a shell (scripts, recovery), on the same
//! database the server uses: create an admin, make a password-reset or setup link, rotate the
//! certificate signing key, revoke a certificate.

use sqlx::Row as _;

use waypost_generator::grading::ShuffleKey;

use crate::auth::tokens::{new_id, new_token, token_hash};
use crate::auth::{canonical_email, clean_display_name, password};
use crate::db::{Db, now_ms};
use crate::http::error::AppError;

/// Sets a user's role (`learner`, `focal-point`, `admin`).
pub async fn set_role(db: &Db, user_id: &str, role: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn admin_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

/// Creates an admin account (or makes an existing account admin, keeping its password).
/// Returns whether the account is new.
pub async fn create_admin(db: &Db, email: &str, name: &str, new_password: &str) -> Result<bool, String> {
    let email = canonical_email(email).ok_or("--email: not an email address")?;
    let name = clean_display_name(name).ok_or("--name: 1 to 100 characters")?;
    let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(row) = existing {
        let id: String = row.try_get("id").map_err(|e| e.to_string())?;
        set_role(db, &id, "admin").await.map_err(|e| e.to_string())?;
        return Ok(false);
    }
    if let Some(why) = password::weakness(new_password, &email, &name) {
        return Err(why.to_owned());
    }
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, role, disabled, created_at) VALUES ($1, $2, $3, $4, 'admin', 0, $5)",
    )
    .bind(new_id())
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .bind(now_ms())
    .execute(&db.pool)
    .await
    .map_err(|e| e.to_string())?;
    Ok(true)
}

/// A one-time link (`purpose`: `password-reset` for `email`, or `setup-admin`), valid one hour.
pub async fn link(db: &Db, base_url: &str, purpose: &str, email: Option<&str>) -> Result<String, String> {
    let user_id = match email {
        Some(email) => {
            let email = canonical_email(email).ok_or("--email: not an email address")?;
            let row = sqlx::query("SELECT id FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&db.pool)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account uses {email}"))?;
            Some(row.try_get::<String, _>("id").map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let token = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(purpose)
    .bind(user_id)
    .bind(now)
    .bind(now + crate::accounts::LINK_TTL_MS)
    .execute(&db.pool)
    .await
    .map_err(|e| e.to_string())?;
    let page = if purpose == "setup-admin" { "setup" } else { "reset" };
    Ok(format!("{base_url}/account/{page}?token={token}"))
}

/// The key of the page shuffles ([`shuffle_secret`] through `ShuffleKey::derive`): what
/// `waypost serve` builds with, and `waypost build --shuffle-secret-from` too.
pub async fn shuffle_key(db: &Db) -> Result<ShuffleKey, sqlx::Error> {
    Ok(ShuffleKey::derive(shuffle_secret(db).await?.as_bytes()))
}

/// [`shuffle_key`] of the server whose data folder or database URL `from` names, for
/// `waypost build --shuffle-secret-from`. A folder must already hold a Waypost database (a
/// mistyped path would otherwise make a new database with a secret no server uses).
pub fn shuffle_key_from(from: &str) -> Result<ShuffleKey, String> {
    let url = if from.starts_with("sqlite:") || from.starts_with("postgres:") || from.starts_with("postgresql:") {
        from.to_owned()
    } else {
        let dir = std::path::Path::new(from);
        if !dir.join("waypost.db").is_file() {
            return Err(format!(
                "{from} holds no Waypost database (waypost.db): name the --data-dir of a `waypost serve` \
                 that has started once, or its --database-url"
            ));
        }
        Db::sqlite_url(dir)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let db = Db::connect(&url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        let key = shuffle_key(&db)
            .await
            .map_err(|e| format!("cannot read the server's secrets: {e}"));
        db.pool.close().await;
        key
    })
}

/// The secret that keys the page shuffles, shared by every instance on this database (so
/// all of them show, and grade, the same displayed positions). Made on first start.
pub async fn shuffle_secret(db: &Db) -> Result<String, sqlx::Error> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ('shuffle-key', $1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(new_token())
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    sqlx::query("SELECT value FROM server_secrets WHERE name = 'shuffle-key'")
        .fetch_one(&db.pool)
        .await?
        .try_get("value")
}

/// `waypost admin rotate-signing-key`.
pub async fn rotate_signing_key(db: &Db, data_dir: &std::path::Path) -> Result<String, String> {
    let path = crate::certs::keys::key_path(data_dir);
    let (old, new) = crate::certs::keys::rotate(db, &path, now_ms()).await?;
    Ok(match old {
        Some(old) => format!(
            "new signing key {new} in {}; the old key {old} stays published for verification.\n\
             Send SIGHUP to (or restart) running servers so they sign with the new key.",
            path.display()
        ),
        None => format!("new signing key {new} in {}", path.display()),
    })
}

/// `waypost admin revoke-certificate ID --reason …`.
pub async fn revoke_certificate(db: &Db, id: &str, reason: &str) -> Result<String, String> {
    let id = crate::certs::verify::id_of(id).ok_or("not a certificate id")?;
    let reason = crate::http::certificates::clean_reason(reason).map_err(|e| e.to_string())?;
    if crate::certs::store::revoke(db, id, &reason, now_ms())
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(format!("revoked certificate {id}"))
    } else {
        Err(format!("no certificate {id}"))
    }
}
