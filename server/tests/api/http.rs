//! Static serving, security headers on every response, the OpenAPI document, SQLite pragmas
//! (A8, F2, B5).

use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::harness::TestApp;

crate::on_both!(
    security_headers_everywhere,
    static_files_compressed_and_cached,
    openapi_lists_every_route,
    health
);

async fn security_headers_everywhere(app: &TestApp) {
    for path in [
        "/",
        "/tiny/",
        "/tiny/first-steps.html",
        "/nope.html",
        "/api/me",
        "/api/nope",
        "/account/sign-in",
        "/healthz",
    ] {
        let a = app.get(path, None).await;
        let h = |n: &str| {
            a.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
        assert!(!h("x-request-id").is_empty(), "{path}");
        assert!(
            h("strict-transport-security").is_empty(),
            "{path}: no HSTS over plain http"
        );
    }
    let asset = app.get("/tiny/assets/flow.svg", None).await;
    assert_eq!(asset.status, StatusCode::OK);
    let csp = asset
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.starts_with("sandbox"), "course assets are sandboxed: {csp}");
    let nosniff = asset
        .headers
        .get("x-content-type-options")
        .and_then(|v| v.to_str().ok());
    assert_eq!(
        nosniff,
        Some("nosniff"),
        "course assets are never sniffed into something runnable"
    );
    let image = asset.headers.get("content-type").and_then(|v| v.to_str().ok());
    assert_eq!(image, Some("image/svg+xml"));
    let nf = app.get("/nope.html", None).await;
    assert_eq!(nf.status, StatusCode::NOT_FOUND);
    assert!(nf.text().contains("Page not found"));
}

async fn static_files_compressed_and_cached(app: &TestApp) {
    let page = app
        .send(
            Method::GET,
            "/tiny/first-steps.html",
            &[("accept-encoding", "gzip, br")],
            Body::empty(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers.get("content-encoding").and_then(|v| v.to_str().ok()),
        Some("br")
    );
    assert_eq!(
        page.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-cache")
    );
    let mut plain = Vec::new();
    brotli::BrotliDecompress(&mut page.body.as_slice(), &mut plain).expect("valid brotli");
    assert!(String::from_utf8_lossy(&plain).contains("<html"));
    let gz = app
        .send(
            Method::GET,
            "/tiny/first-steps.html",
            &[("accept-encoding", "gzip")],
            Body::empty(),
        )
        .await;
    assert_eq!(
        gz.headers.get("content-encoding").and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let etag = page
        .headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let again = app
        .send(
            Method::GET,
            "/tiny/first-steps.html",
            &[("if-none-match", &etag)],
            Body::empty(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let css = app
        .state
        .site()
        .files
        .keys()
        .find(|k| k.starts_with("assets/waypost.") && k.ends_with(".css"))
        .expect("the theme's css")
        .clone();
    let css = app.get(&format!("/{css}"), None).await;
    assert_eq!(
        css.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    let redirect = app.get("/tiny", None).await;
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        app.send(Method::POST, "/tiny/first-steps.html", &[], Body::empty())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/../../etc/passwd", None).await.status, StatusCode::NOT_FOUND);
}

async fn openapi_lists_every_route(app: &TestApp) {
    let spec = app.get("/api/openapi.json", None).await.json();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().expect("paths");
    let mut described = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().expect("operations").keys() {
            described.push((method.clone(), path.clone()));
        }
    }
    let mut routed: Vec<(String, String)> = waypost::http::openapi::all_routes()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    described.sort();
    routed.sort();
    assert_eq!(described, routed, "every API route is described, and nothing else");
    for (method, path) in routed {
        let concrete = path.replace("{course}", "tiny").replace("{quiz}", "final");
        let m: Method = method.to_uppercase().parse().expect("method");
        let a = app
            .send(m, &concrete, &[("content-type", "application/json")], Body::from("{}"))
            .await;
        assert!(
            a.status != StatusCode::METHOD_NOT_ALLOWED
                && !(a.status == StatusCode::NOT_FOUND && a.error_code() == "not_found"),
            "{method} {path}: {}",
            a.status
        );
    }
}

async fn health(app: &TestApp) {
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    if app.state.db.backend == waypost::db::Backend::Sqlite {
        // F2: every pooled connection runs WAL and synchronous=FULL.
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(app.state.db.pool.acquire().await.expect("connection"));
        }
        for c in &mut conns {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut **c)
                .await
                .expect("pragma");
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **c)
                .await
                .expect("pragma");
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut **c)
                .await
                .expect("pragma");
            assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        }
    }
}
