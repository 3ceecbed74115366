//! Public certificate pages and documents: the certificate page (`/certificates/{id}`) and
//! its PDF, credential and VC-JWT downloads (`{id}.pdf`, `{id}.json`, `{id}.jwt`), the
//! verification pages (`/verify`, `/verify/{id}`), and the issuer's documents
//! (`/.well-known/did.json`, also at `/did.json` for a base URL with a path, where did:web
//! resolvers look; `/.well-known/jwks.json`; the status list `/status/1`).
//!
//! A certificate URL that does not verify, unknown or malformed, gets one and the same
//! answer (404, the same page), so ids cannot be probed (C4).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Deserialize;
use serde_json::Value;

use super::error::{AppError, AppForm, AppJson, AppResult};
use crate::certs::credential::credential_url;
use crate::certs::verify::{self, Verified};
use crate::certs::{issuer, issuer_did, keys, pdf, qr, store};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/certificates/{file}", get(certificate))
        .route("/verify", get(verify_form).post(verify_submit))
        .route("/verify/{id}", get(verify_page))
        .route("/.well-known/did.json", get(did_document))
        .route("/did.json", get(did_document))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/status/1", get(status_list))
}

/// "2026-12-04T16:00:00Z" → "4 December 2026".
pub fn human_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let part = |r: std::ops::Range<usize>| iso.get(r).and_then(|s| s.parse::<usize>().ok());
    match (part(0..4), part(5..7), part(8..10)) {
        (Some(y), Some(m), Some(d)) if (1..=12).contains(&m) => format!("{d} {} {y}", MONTHS[m - 1]),
        _ => iso.to_owned(),
    }
}

fn html(state: &AppState, status: StatusCode, template: &str, title: &str, ctx: minijinja::Value) -> Response {
    match state.site().pages.render(template, title, ctx) {
        Ok(body) => {
            let mut r = (status, Html(body)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        Err(e) => AppError::internal(e).into_response(),
    }
}

fn view(state: &AppState, v: &Verified) -> minijinja::Value {
    let page = credential_url(&state.config.base_url, &v.id);
    let verify_url = format!("{}/verify/{}", state.config.base_url, v.id);
    context! {
        id => v.id,
        status => v.status,
        recipient => v.recipient,
        achievement => v.achievement,
        description => v.description,
        criteria => v.criteria,
        issuer => v.issuer,
        issuer_id => v.issuer_id,
        issued => human_date(&v.valid_from),
        valid_from => v.valid_from,
        valid_until => v.valid_until.as_deref().map(human_date),
        revoked_at => v.revoked_at.as_deref().map(human_date),
        revocation_reason => v.revocation_reason,
        checked => v.checked,
        page_url => page,
        pdf_url => format!("{page}.pdf"),
        json_url => format!("{page}.json"),
        jwt_url => format!("{page}.jwt"),
        verify_url => verify_url,
        qr => qr::svg_data_url(&verify_url),
    }
}

fn not_verified(state: &AppState, input: &str) -> Response {
    html(
        state,
        StatusCode::NOT_FOUND,
        "certificate/verify.html",
        "Certificate not verified",
        context! { result => context! { verified => false }, input => input },
    )
}

fn download(body: String, content_type: &'static str, disposition: String) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r
}

async fn certificate(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let (id, ext) = match file.rsplit_once('.') {
        Some((id, ext @ ("pdf" | "json" | "jwt"))) => (id.to_owned(), ext),
        _ => (file.clone(), ""),
    };
    let Some(v) = verify::verify(&state, &id).await? else {
        return Ok(not_verified(&state, ""));
    };
    // `verify` found it, so the row exists.
    let Some(record) = store::find(&state.db, &id).await? else {
        return Ok(not_verified(&state, ""));
    };
    Ok(match ext {
        "json" => download(
            record.credential_json,
            "application/vc+ld+json",
            format!("inline; filename=\"certificate-{id}.json\""),
        ),
        "jwt" => download(
            record.jwt,
            "application/vc+jwt",
            format!("attachment; filename=\"certificate-{id}.jwt\""),
        ),
        "pdf" => {
            let verify_url = format!("{}/verify/{}", state.config.base_url, v.id);
            let fonts = state.site().fonts.clone();
            let bytes = tokio::task::spawn_blocking(move || pdf::render(&fonts, &v, &verify_url))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::Internal)?;
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            if let Ok(d) = HeaderValue::from_str(&format!("inline; filename=\"certificate-{id}.pdf\"")) {
                h.insert(header::CONTENT_DISPOSITION, d);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        _ => {
            let title = format!("{} — {}", v.achievement, v.recipient);
            html(
                &state,
                StatusCode::OK,
                "certificate/certificate.html",
                &title,
                context! { cert => view(&state, &v) },
            )
        }
    })
}

async fn verify_form(State(state): State<AppState>) -> Response {
    html(
        &state,
        StatusCode::OK,
        "certificate/verify.html",
        "Verify a certificate",
        context! { result => (), input => "" },
    )
}

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    pub input: String,
}

async fn verify_submit(State(state): State<AppState>, AppForm(f): AppForm<VerifyForm>) -> AppResult<Response> {
    verified(&state, &f.input, &f.input).await
}

async fn verify_page(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    verified(&state, &id, "").await
}

/// The verification page for `input`; when it does not verify, the form shows `echo` again.
async fn verified(state: &AppState, input: &str, echo: &str) -> AppResult<Response> {
    Ok(match verify::verify(state, input).await? {
        Some(v) => html(
            state,
            StatusCode::OK,
            "certificate/verify.html",
            "Certificate verified",
            context! { result => context! { verified => true, cert => view(state, &v) }, input => "" },
        ),
        None => not_verified(state, echo),
    })
}

fn public_json(value: Value, content_type: &'static str) -> Response {
    let mut r = AppJson(value).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    r
}

/// Makes sure the signing key exists and is recorded, so the documents list it from the start.
async fn public_keys(state: &AppState) -> AppResult<Vec<keys::PublicKey>> {
    state.certs.signer(&state.db, &state.config.data_dir).await?;
    Ok(keys::public_keys(&state.db).await?)
}

async fn did_document(State(state): State<AppState>) -> AppResult<Response> {
    let keys = public_keys(&state).await?;
    let did = issuer_did(&state.config.base_url);
    Ok(public_json(issuer::did_document(&did, &keys), "application/did+json"))
}

async fn jwks(State(state): State<AppState>) -> AppResult<Response> {
    let keys = public_keys(&state).await?;
    let did = issuer_did(&state.config.base_url);
    Ok(public_json(issuer::jwks(&did, &keys), "application/jwk-set+json"))
}

async fn status_list(State(state): State<AppState>) -> AppResult<Response> {
    let signer = state.certs.signer(&state.db, &state.config.data_dir).await?;
    let revoked = store::revoked_indexes(&state.db).await?;
    let did = issuer_did(&state.config.base_url);
    let now = state.certs.clock.now_ms();
    let list = state
        .certs
        .status_list(&signer, revoked, |revoked| {
            issuer::status_list(&state.config.base_url, &did, &signer, revoked, now)
        })
        .map_err(AppError::internal)?;
    let mut r = public_json((*list).clone(), "application/vc+ld+json");
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}
