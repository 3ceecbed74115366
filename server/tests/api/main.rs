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

/// Runs `$case(app)` as `sqlite::$name` and `postgres::$name`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::harness::TestApp::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match $crate::harness::TestApp::postgres().await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("postgres::{}: skipped (set WAYPOST_TEST_POSTGRES)", stringify!($name)),
                    }
                }
            )*
        }
    };
}
