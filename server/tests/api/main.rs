//! Router-level tests of `waypost serve` (`tower::ServiceExt::oneshot` through the real
//! `app()`), each run on SQLite and on PostgreSQL.
//!
//! PostgreSQL runs when `WAYPOST_TEST_POSTGRES` names a server (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`; `.ci/run` sets it); each test gets a fresh
//! database of its own there. Without it the `postgres::` tests say so and pass: the README's
//! `cargo test` needs nothing but the Rust toolchain.

mod accounts;
mod attempts;
mod certificates;
mod crash;
mod harness;
mod http;
mod progress;
mod serve;

/// Runs `$case(&app)` as `sqlite::$name` and `postgres::$name`; after each case the app must
/// still be ready (no case leaves its database or pool broken).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::harness::TestApp::sqlite().await;
                    super::$name(&app).await;
                    assert_eq!(app.get("/readyz", None).await.status, axum::http::StatusCode::OK, "not ready after the case");
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::harness::TestApp::postgres().await else {
                        return eprintln!("postgres::{}: skipped (set WAYPOST_TEST_POSTGRES)", stringify!($name));
                    };
                    super::$name(&app).await;
                    assert_eq!(app.get("/readyz", None).await.status, axum::http::StatusCode::OK, "not ready after the case");
                }
            )*
        }
    };
}
