//! The HTTP application: one module per resource, each with its own `router()`, merged here
//! so the whole URL map fits on one screen. Cross-cutting layers (security headers, the
//! cross-site check, request ids, tracing, timeouts, body limits, panics) are applied here
//! too, so every response, errors and static files included, gets them.

pub mod account;
pub mod attempts;
pub mod certificate_pages;
pub mod certificates;
pub mod error;
pub mod guard;
pub mod health;
pub mod me;
pub mod openapi;
pub mod progress;
pub mod session;
pub mod static_files;
pub mod users;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// The largest request body any route accepts (a full quiz's answers fit many times over).
pub const BODY_LIMIT: usize = 64 * 1024;
/// A request that has not been answered by then gets 408 (slow clients included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The URL map. API routes live under `/api` and are listed in `/api/openapi.json`.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(me::router())
        .merge(users::router())
        .merge(session::router())
        .merge(progress::router())
        .merge(attempts::router())
        .merge(certificates::router())
        .merge(openapi::router())
        .fallback(|| async { error::AppError::NotFound });
    Router::new()
        .merge(health::router())
        .merge(account::router())
        .merge(certificate_pages::router())
        .nest("/api", api)
        .fallback(static_files::serve)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), guard::cross_site))
        .layer(middleware::from_fn_with_state(state.clone(), guard::headers))
        .layer(CatchPanicLayer::custom(guard::panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            // Method and path only: never the query (reset tokens travel there) or headers (cookies).
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), NewRequestId))
        .with_state(state)
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone, Copy, Debug)]
struct NewRequestId;

/// `<process prefix>-<counter>`: unique per process and cheap. A request id only ties log
/// lines together, so it need not be unguessable; a random id from the operating system on
/// every request (a syscall) cost about 1 % of a static page's time.
impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        static PREFIX: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| crate::auth::tokens::new_id()[..8].to_owned());
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(RequestId::new(format!("{}-{n:x}", *PREFIX).parse().ok()?))
    }
}
