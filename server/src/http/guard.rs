//! Middleware every request passes: the cross-site check on state changes and the security
//! headers on every response.

use std::any::Any;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use crate::state::AppState;
use crate::web::CSP;

/// CSRF, first line: a state change (any method but GET, HEAD, OPTIONS) whose
/// `Sec-Fetch-Site` says another site sent it, or whose `Origin` is not ours, gets 403 before
/// any handler runs. JSON routes that act for a signed-in user also check `X-CSRF-Token`,
/// and the session cookie is `SameSite=Lax`.
pub async fn cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let headers = request.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if matches!(fetch_site, Some("cross-site" | "same-site")) {
            return AppError::Forbidden("cross-site requests may not change anything").into_response();
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let ours = origin == state.config.origin()
                || origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    == Some(host);
            if !ours {
                return AppError::Forbidden("cross-site requests may not change anything").into_response();
            }
        }
    }
    next.run(request).await
}

/// Security headers on every response; course assets (files authors put in `assets/`) are
/// additionally sandboxed, so even an SVG opened on its own runs nothing on our origin.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let asset = is_course_asset(path);
    let private = path.starts_with("/api/") || path.starts_with("/account");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let csp = if asset {
        "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
    } else {
        CSP
    };
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if private && !h.contains_key(header::CACHE_CONTROL) {
        // Answers for one person: no shared cache may keep them.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// `/<course>/assets/…`: files an author shipped with a course.
pub fn is_course_asset(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    matches!((parts.next(), parts.next(), parts.next()), (Some(c), Some("assets"), Some(rest)) if !c.is_empty() && c != "api" && !rest.is_empty())
}

pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response<Body> {
    AppError::internal("a handler panicked").into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn course_assets() {
        assert!(super::is_course_asset("/email-authentication/assets/flow.svg"));
        assert!(!super::is_course_asset("/assets/waypost.1234abcd.css"));
        assert!(!super::is_course_asset("/email-authentication/spf.html"));
    }
}
