//! The learner site from memory: compressed by `Accept-Encoding` (br, then gzip), with an
//! ETag and `If-None-Match`, cached forever when the name carries a content hash
//! (`assets/waypost.1a2b3c4d.css`) and revalidated otherwise, so a republished page is seen
//! at once while theme files are fetched once per version.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::error::AppError;
use crate::state::AppState;
use crate::web::site_path;

pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return AppError::NotFound.into_response();
    }
    let uri_path = request.uri().path();
    let Some(path) = site_path(uri_path) else {
        return not_found(&state);
    };
    let site = state.site();
    let Some(file) = site.files.get(&path) else {
        // `/course` → `/course/`: relative links on the course page need the slash.
        if !uri_path.ends_with('/') && site.files.contains_key(&format!("{path}/index.html")) {
            let target = format!("{}/", uri_path.rsplit('/').next().unwrap_or_default());
            return Redirect::permanent(&target).into_response();
        }
        return not_found(&state);
    };
    let head = request.method() == Method::HEAD;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control(&path)));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(etag) = HeaderValue::from_str(file.etag()) {
        if request.headers().get(header::IF_NONE_MATCH) == Some(&etag) {
            headers.insert(header::ETAG, etag);
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::ETAG, etag);
    }
    let accepts = accepted(request.headers());
    let body = if accepts.br
        && let Some(br) = file.brotli()
    {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        br.clone()
    } else if accepts.gzip
        && let Some(gz) = file.gzip()
    {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        gz.clone()
    } else {
        file.body.clone()
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    if head {
        return (StatusCode::OK, headers).into_response();
    }
    (StatusCode::OK, headers, Body::from(body)).into_response()
}

fn not_found(state: &AppState) -> Response {
    let site = state.site();
    match site.files.get("404.html") {
        Some(page) => (
            StatusCode::NOT_FOUND,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            Body::from(page.body.clone()),
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}

/// Hashed theme files never change under their name; everything else is revalidated.
fn cache_control(path: &str) -> &'static str {
    let hashed = path.strip_prefix("assets/").is_some_and(|name| {
        name.split('.')
            .nth(1)
            .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[derive(Default)]
struct Accepts {
    br: bool,
    gzip: bool,
}

fn accepted(headers: &HeaderMap) -> Accepts {
    let mut accepts = Accepts::default();
    for value in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            match coding {
                "br" => accepts.br = !refused,
                "gzip" => accepts.gzip = !refused,
                _ => {}
            }
        }
    }
    accepts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caching_and_encodings() {
        assert_eq!(
            cache_control("assets/waypost.1a2b3c4d.css"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("index.html"), "no-cache");
        assert_eq!(cache_control("email/assets/flow.svg"), "no-cache");
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br;q=0"),
        );
        let a = accepted(&h);
        assert!(a.gzip && !a.br);
    }
}
