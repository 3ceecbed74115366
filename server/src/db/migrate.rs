//! Migrations, embedded in the binary and applied on start, in one transaction each.
//!
//! Our own forty lines rather than `sqlx::migrate!`: that macro needs sqlx's `macros` feature
//! (a second build of sqlx-core and its proc-macros) and its `Migrator` fields are documented
//! as semver-exempt; what we need is "apply the files not yet applied, in order".

use sqlx::{Executor as _, Row as _};

use super::{Backend, Db, now_ms};

/// (version, name, SQLite text, PostgreSQL text); append only, never edit a released one.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "certificates",
        include_str!("../../migrations/sqlite/0002_certificates.sql"),
        include_str!("../../migrations/postgres/0002_certificates.sql"),
    ),
];

pub async fn run(db: &Db) -> Result<(), sqlx::Error> {
    db.pool
        .execute(
            "CREATE TABLE IF NOT EXISTS waypost_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    for &(version, name, sqlite, postgres) in MIGRATIONS {
        let mut tx = db.pool.begin().await?;
        if db.backend == Backend::Postgres {
            // Two instances starting together on one database: the first migrates, the other waits.
            tx.execute("LOCK TABLE waypost_migrations IN EXCLUSIVE MODE").await?;
        }
        let applied = sqlx::query("SELECT COUNT(*) AS n FROM waypost_migrations WHERE version = $1")
            .bind(version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if applied == 0 {
            let sql = if db.backend == Backend::Sqlite {
                sqlite
            } else {
                postgres
            };
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO waypost_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(version)
                .bind(name)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
