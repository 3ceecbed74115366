//! The database: one [`Db`] over SQLite (the default, a file in the data dir) or PostgreSQL
//! (`--database-url postgres://…`), the same SQL on both through sqlx's `Any` driver.
//!
//! Conventions that keep one SQL text valid on both backends: `$1`-style placeholders (SQLite
//! reads them as numbered parameters), times as Unix milliseconds in 64-bit integers, booleans
//! as 0/1 integers, ids as text, `ON CONFLICT … DO NOTHING` for idempotent inserts, and no
//! aggregate that PostgreSQL types as `NUMERIC` (cast `SUM` and `AVG`).
//!
//! Every SQLite connection of the pool runs `journal_mode=WAL`, `synchronous=FULL`,
//! `foreign_keys=ON` and a busy timeout (set in `after_connect`, so a connection the pool
//! opens later gets them too; `tests/` checks each one). Writes that learners wait for go
//! through the group-commit [`writer`].

pub mod migrate;
pub mod writer;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor as _};

/// Which server the pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// The pragmas every SQLite connection runs before it is used.
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl Db {
    /// Opens (creating the SQLite file when needed) and migrates.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres:".into(),
            ));
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await?;
        let db = Self { pool, backend };
        migrate::run(&db).await?;
        Ok(db)
    }

    /// The SQLite URL for a file in the data dir (created when missing).
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("waypost.db").display())
    }
}

/// Now, in Unix milliseconds: the unit of every time in the database.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
