//! Certificate API: a learner asks for (and reads) their own certificates; an admin revokes;
//! anyone verifies. Pages, downloads and the issuer's public documents are in
//! `certificate_pages`. Contract: `docs/api.md`.
//!
//! `POST api/courses/{course}/certificate` issues only from the server's stored completion
//! (`certs::store`); asking twice answers the existing certificate (200, 201 when new).
//! Someone else's certificate answers exactly like a missing one (404).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::{AppError, AppJson, AppResult};
use crate::auth::{CurrentUser, session};
use crate::certs::credential::{credential_url, iso};
use crate::certs::store::{self, Eligibility, Record};
use crate::certs::{issuing, verify};
use crate::site::Published;
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/courses/{course}/certificate"),
    ("get", "/api/courses/{course}/certificate"),
    ("get", "/api/certificates"),
    ("get", "/api/certificates/{id}"),
    ("post", "/api/certificates/{id}/revoke"),
    ("post", "/api/verify"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/courses/{course}/certificate", post(issue).get(offer))
        .route("/certificates", get(mine))
        .route("/certificates/{id}", get(one))
        .route("/certificates/{id}/revoke", post(revoke))
        .route("/verify", post(verify_api))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The name to print; the display name when absent.
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub id: String,
    pub course: String,
    pub name: String,
    pub title: String,
    pub issued_at: String,
    pub valid_until: Option<String>,
    pub status: &'static str,
    pub renewal_due: bool,
    pub renewal_opens: Option<String>,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    pub urls: Value,
}

pub fn summary(state: &AppState, r: &Record) -> Summary {
    let now = state.certs.clock.now_ms();
    let base = &state.config.base_url;
    let page = credential_url(base, &r.id);
    let title = serde_json::from_str::<Value>(&r.credential_json)
        .ok()
        .and_then(|c| c["name"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Summary {
        id: r.id.clone(),
        course: r.course_id.clone(),
        name: r.name.clone(),
        title,
        issued_at: iso(r.issued_at),
        valid_until: r.valid_until.map(iso),
        status: if r.revoked_at.is_some() {
            "revoked"
        } else if r.expired(now) {
            "expired"
        } else {
            "valid"
        },
        renewal_due: r.renewal_due(now),
        renewal_opens: r.renewal_opens().map(iso),
        revoked_at: r.revoked_at.map(iso),
        revocation_reason: r.revoked_reason.clone(),
        urls: json!({
            "page": page,
            "pdf": format!("{page}.pdf"),
            "credential": format!("{page}.json"),
            "jwt": format!("{page}.jwt"),
            "verify": format!("{base}/verify/{}", r.id),
        }),
    }
}

/// The course's graded quizzes, if it exists in `site` and offers a certificate.
fn certificate_course(site: &Published, course_id: &str) -> AppResult<Vec<String>> {
    let grading = site.grading.course(course_id).ok_or(AppError::NotFound)?;
    if grading.certificate.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(grading.graded_quizzes().map(|q| q.id.to_string()).collect())
}

async fn issue(
    State(state): State<AppState>,
    Path(course_id): Path<String>,
    user: CurrentUser,
    headers: HeaderMap,
    AppJson(body): AppJson<IssueBody>,
) -> AppResult<Response> {
    session::check_csrf(&user, &headers)?;
    // One published site for the whole request, even if a republish lands meanwhile.
    let site = state.site();
    let graded_quizzes = certificate_course(&site, &course_id)?;
    let name = issuing::clean_name(body.name.as_deref().unwrap_or(&user.display_name))?;
    let course = site.course(&course_id).ok_or(AppError::NotFound)?;
    let (record, new) = issuing::issue(
        &state,
        issuing::Request {
            user_id: &user.id,
            email: &user.email,
            name,
            course,
            graded_quizzes,
        },
    )
    .await?;
    if new {
        tracing::info!(course = %course_id, "certificate issued");
    }
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((
        status,
        AppJson(json!({ "certificate": summary(&state, &record), "new": new })),
    )
        .into_response())
}

/// What the course and account pages need to offer "Get your certificate" (or "renew").
async fn offer(State(state): State<AppState>, Path(course_id): Path<String>, user: CurrentUser) -> AppResult<Response> {
    let graded = certificate_course(&state.site(), &course_id)?;
    let now = state.certs.clock.now_ms();
    let e = store::eligibility_now(&state.db, &user.id, &course_id, &graded, now).await?;
    let (eligible, cert) = match &e {
        Eligibility::NotComplete => (false, None),
        Eligibility::Eligible => (true, None),
        Eligibility::Renew(r) => (true, Some(r)),
        Eligibility::Holds(r) => (false, Some(r)),
    };
    Ok(AppJson(json!({
        "eligible": eligible,
        "default_name": user.display_name,
        "certificate": cert.map(|r| summary(&state, r)),
    }))
    .into_response())
}

async fn mine(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let list = store::list_for(&state.db, &user.id).await?;
    let list: Vec<Summary> = list.iter().map(|r| summary(&state, r)).collect();
    Ok(AppJson(json!({ "certificates": list })).into_response())
}

/// The caller's own certificate (or any, for an admin); anything else is 404.
async fn owned(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<Record> {
    match store::find(&state.db, id).await? {
        Some(r) if r.user_id == user.id || user.is_admin() => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

async fn one(State(state): State<AppState>, Path(id): Path<String>, user: CurrentUser) -> AppResult<Response> {
    let r = owned(&state, &user, &id).await?;
    Ok(AppJson(json!({ "certificate": summary(&state, &r) })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: CurrentUser,
    headers: HeaderMap,
    AppJson(body): AppJson<RevokeBody>,
) -> AppResult<Response> {
    session::check_csrf(&user, &headers)?;
    // Not an admin: the same answer as for a certificate that does not exist.
    if !user.is_admin() {
        return Err(AppError::NotFound);
    }
    let reason = clean_reason(&body.reason)?;
    let now = state.certs.clock.now_ms();
    if !store::revoke(&state.db, &id, &reason, now).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(admin = %user.id, "certificate revoked");
    let r = owned(&state, &user, &id).await?;
    Ok(AppJson(json!({ "certificate": summary(&state, &r) })).into_response())
}

pub fn clean_reason(reason: &str) -> AppResult<String> {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::Unprocessable("reason: 1 to 500 characters".into()));
    }
    Ok(reason)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// A certificate id or URL, a VC-JWT, or a credential JSON.
    pub input: String,
}

async fn verify_api(State(state): State<AppState>, AppJson(body): AppJson<VerifyBody>) -> AppResult<Response> {
    let result = verify::verify(&state, &body.input).await?;
    Ok(AppJson(match result {
        Some(v) => json!({ "verified": true, "certificate": v }),
        None => json!({ "verified": false }),
    })
    .into_response())
}

/// This module's routes for `/api/openapi.json`.
pub fn openapi_paths(csrf: &Value) -> Value {
    let course = json!([{ "name": "course", "in": "path", "required": true, "schema": { "type": "string" } }]);
    let id = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[A-Za-z0-9_-]{22}$" } }]);
    let with_csrf = |p: &Value| {
        let mut v = p.as_array().cloned().unwrap_or_default();
        v.extend(csrf.as_array().cloned().unwrap_or_default());
        Value::Array(v)
    };
    let ok = |code: &str, schema: &str, errors: &[&str]| {
        let mut m = serde_json::Map::new();
        m.insert(code.into(), json!({ "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } }));
        for e in errors {
            m.insert((*e).into(), json!({ "$ref": format!("#/components/responses/E{e}") }));
        }
        Value::Object(m)
    };
    let body = |schema: &str| json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    let mut issued = ok(
        "201",
        "CertificateAnswer",
        &["400", "401", "403", "404", "409", "413", "422"],
    );
    issued["200"] = json!({ "description": "The certificate you already hold", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CertificateAnswer" } } } });
    json!({
        "/api/courses/{course}/certificate": {
            "post": { "summary": "Get your certificate of a completed course (the existing one when asked again; 409 not_complete)",
                "parameters": with_csrf(&course), "requestBody": body("CertificateRequest"), "responses": issued },
            "get": { "summary": "Whether you can get (or renew) the course's certificate, and the one you hold",
                "parameters": course, "responses": ok("200", "CertificateOffer", &["401", "404"]) } },
        "/api/certificates": { "get": { "summary": "Your certificates",
            "responses": ok("200", "CertificateList", &["401"]) } },
        "/api/certificates/{id}": { "get": { "summary": "One of your certificates (any, for an admin)", "parameters": id,
            "responses": ok("200", "CertificateAnswer", &["401", "404"]) } },
        "/api/certificates/{id}/revoke": { "post": { "summary": "Revoke a certificate (admin; others get 404)",
            "parameters": with_csrf(&id), "requestBody": body("Revocation"),
            "responses": ok("200", "CertificateAnswer", &["400", "401", "403", "404", "413", "422"]) } },
        "/api/verify": { "post": { "summary": "Verify a certificate id or URL, a VC-JWT or a credential JSON",
            "requestBody": body("VerifyRequest"), "responses": ok("200", "VerifyResult", &["400", "413", "422"]) } }
    })
}

pub fn openapi_schemas() -> Value {
    let summary = json!({ "type": "object", "required": ["id", "course", "name", "title", "issued_at", "status", "renewal_due", "urls"],
        "properties": { "id": { "type": "string" }, "course": { "type": "string" }, "name": { "type": "string" }, "title": { "type": "string" },
            "issued_at": { "type": "string", "format": "date-time" }, "valid_until": { "type": ["string", "null"] },
            "status": { "type": "string", "enum": ["valid", "expired", "revoked"] }, "renewal_due": { "type": "boolean" },
            "renewal_opens": { "type": ["string", "null"] }, "revoked_at": { "type": ["string", "null"] },
            "revocation_reason": { "type": ["string", "null"] },
            "urls": { "type": "object", "required": ["page", "pdf", "credential", "jwt", "verify"] } } });
    json!({
        "CertificateSummary": summary,
        "CertificateRequest": { "type": "object", "additionalProperties": false,
            "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 100 } } },
        "CertificateAnswer": { "type": "object", "required": ["certificate"], "properties": {
            "certificate": { "$ref": "#/components/schemas/CertificateSummary" }, "new": { "type": "boolean" } } },
        "CertificateOffer": { "type": "object", "required": ["eligible", "default_name"], "properties": {
            "eligible": { "type": "boolean" }, "default_name": { "type": "string" },
            "certificate": { "oneOf": [{ "$ref": "#/components/schemas/CertificateSummary" }, { "type": "null" }] } } },
        "CertificateList": { "type": "object", "required": ["certificates"], "properties": {
            "certificates": { "type": "array", "items": { "$ref": "#/components/schemas/CertificateSummary" } } } },
        "Revocation": { "type": "object", "additionalProperties": false, "required": ["reason"],
            "properties": { "reason": { "type": "string", "minLength": 1, "maxLength": 500 } } },
        "VerifyRequest": { "type": "object", "additionalProperties": false, "required": ["input"],
            "properties": { "input": { "type": "string" } } },
        "VerifyResult": { "type": "object", "required": ["verified"], "properties": {
            "verified": { "type": "boolean" }, "certificate": { "type": "object" } } }
    })
}
