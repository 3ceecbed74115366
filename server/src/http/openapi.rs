//! `GET /api/openapi.json`: the OpenAPI 3.1 description of every API route.
//!
//! Written by hand next to the routes rather than derived (utoipa would add proc macros to
//! every handler for a dozen routes). A test keeps it true: every route a module lists in its
//! `ROUTES` is described here and nothing else is, and every described route answers
//! (`server/tests/api.rs`).

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use super::error::AppJson;
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[("get", "/api/openapi.json")];

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { AppJson(spec()) }))
}

/// Every API route of every module, for the test that keeps the document true.
pub fn all_routes() -> Vec<(&'static str, &'static str)> {
    [
        super::me::ROUTES,
        super::users::ROUTES,
        super::session::ROUTES,
        super::progress::ROUTES,
        super::attempts::ROUTES,
        super::certificates::ROUTES,
        ROUTES,
    ]
    .concat()
}

fn error_responses(codes: &[&str]) -> Value {
    let mut map = serde_json::Map::new();
    for code in codes {
        map.insert(
            (*code).to_owned(),
            json!({ "$ref": format!("#/components/responses/E{code}") }),
        );
    }
    Value::Object(map)
}

fn with(mut ok: Value, errors: &[&str]) -> Value {
    if let (Some(o), Value::Object(e)) = (ok.as_object_mut(), error_responses(errors)) {
        o.extend(e);
    }
    ok
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn ok_json(code: &str, schema: &str) -> Value {
    json!({ code: { "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } } })
}

fn no_content(code: &str) -> Value {
    json!({ code: { "description": "Done" } })
}

fn string(min: u64, max: u64) -> Value {
    json!({ "type": "string", "minLength": min, "maxLength": max })
}

pub fn spec() -> Value {
    let csrf = json!([{ "name": "X-CSRF-Token", "in": "header", "required": true, "schema": { "type": "string" },
        "description": "csrf_token from GET /api/me" }]);
    let quiz_path = json!([
        { "name": "course", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "quiz", "in": "path", "required": true, "schema": { "type": "string" } }
    ]);
    let mut attempt_params = quiz_path.as_array().cloned().unwrap_or_default();
    attempt_params.extend(csrf.as_array().cloned().unwrap_or_default());
    let mut paths = paths(&csrf, &quiz_path, attempt_params);
    if let (Some(p), Value::Object(more)) = (paths.as_object_mut(), super::certificates::openapi_paths(&csrf)) {
        p.extend(more);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Waypost API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Accounts, progress and server-side grading. Contract: docs/api.md." },
        "paths": paths,
        "components": { "responses": {
                "E400": err("The body is not valid JSON or not JSON at all"),
                "E401": err("Not signed in"),
                "E403": err("Cross-site request, or a missing or wrong X-CSRF-Token"),
                "E404": err("No such course, quiz, question or lesson (or not yours)"),
                "E409": err("Conflict: the email is taken, the quiz changed (reload), or no attempts are left"),
                "E413": err("The body is larger than 64 KiB"),
                "E422": err("A field is missing, of the wrong type or invalid"),
                "E429": err("Too many requests: see Retry-After")
            }, "schemas": schemas_with_certificates() }
    })
}

fn paths(csrf: &Value, quiz_path: &Value, attempt_params: Vec<Value>) -> Value {
    json!({
        "/api/me": { "get": { "summary": "The signed-in user and their CSRF token",
            "responses": with(ok_json("200", "Me"), &["401"]) } },
        "/api/users": { "post": { "summary": "Sign up", "requestBody": body("SignUp"),
            "responses": with(ok_json("201", "Me"), &["400", "409", "413", "422", "429"]) } },
        "/api/session": {
            "post": { "summary": "Sign in", "requestBody": body("SignIn"),
                "responses": with(ok_json("200", "Me"), &["400", "413", "422", "429"]) },
            "delete": { "summary": "Sign out", "parameters": csrf,
                "responses": with(no_content("204"), &["401", "403"]) } },
        "/api/sessions": { "delete": { "summary": "Sign out on every device", "parameters": csrf,
            "responses": with(no_content("204"), &["401", "403"]) } },
        "/api/password-reset": { "post": { "summary": "Email a password-reset link (202 whether or not the account exists)",
            "requestBody": body("ResetRequest"), "responses": with(no_content("202"), &["400", "413", "422", "429"]) } },
        "/api/password-reset/confirm": { "post": { "summary": "Set a new password from a reset link",
            "requestBody": body("ResetConfirm"), "responses": with(ok_json("200", "Me"), &["400", "413", "422"]) } },
        "/api/progress": {
            "get": { "summary": "Progress in every course", "responses": with(ok_json("200", "Progress"), &["401"]) },
            "post": { "summary": "A completed lesson", "parameters": csrf, "requestBody": body("LessonEvent"),
                "responses": with(no_content("204"), &["400", "401", "403", "404", "413", "422"]) } },
        "/api/progress/merge": { "post": { "summary": "Merge lessons completed before signing in",
            "parameters": csrf, "requestBody": body("Merge"),
            "responses": with(ok_json("200", "MergeResult"), &["400", "401", "403", "413", "422"]) } },
        "/api/courses/{course}/quizzes/{quiz}/attempts": {
            "post": { "summary": "Submit a graded quiz (idempotent by attempt_id)", "parameters": attempt_params,
                "requestBody": body("Submission"),
                "responses": with(ok_json("201", "AttemptResult"), &["400", "401", "403", "404", "409", "413", "422", "429"])
                    .as_object().cloned().map(|mut m| { m.insert("200".into(), json!({ "description": "The stored result of the same attempt_id",
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AttemptResult" } } } })); Value::Object(m) })
                    .unwrap_or(Value::Null) },
            "get": { "summary": "Your attempts at a quiz", "parameters": quiz_path,
                "responses": with(ok_json("200", "AttemptList"), &["401", "404"]) } },
        "/api/openapi.json": { "get": { "summary": "This document",
            "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } } } }
    })
}

fn schemas_with_certificates() -> Value {
    let mut all = schemas();
    if let (Some(s), Value::Object(more)) = (all.as_object_mut(), super::certificates::openapi_schemas()) {
        s.extend(more);
    }
    all
}

fn schemas() -> Value {
    let mut s = serde_json::Map::new();
    for (name, schema) in [
        (
            "Error",
            json!({ "type": "object", "required": ["error"], "properties": { "error": { "type": "object",
                    "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } }),
        ),
        (
            "Me",
            json!({ "type": "object", "required": ["user", "csrf_token"], "properties": {
                    "user": { "type": "object", "required": ["id", "email", "display_name", "role"], "properties": {
                        "id": { "type": "string" }, "email": { "type": "string" }, "display_name": { "type": "string" },
                        "role": { "type": "string", "enum": ["learner", "focal-point", "admin"] } } },
                    "csrf_token": { "type": "string" } } }),
        ),
        (
            "SignUp",
            json!({ "type": "object", "additionalProperties": false, "required": ["email", "display_name", "password"],
                    "properties": { "email": { "type": "string", "format": "email", "minLength": 3, "maxLength": 320 }, "display_name": string(1, 100), "password": string(8, 128) } }),
        ),
        (
            "SignIn",
            json!({ "type": "object", "additionalProperties": false, "required": ["email", "password"],
                    "properties": { "email": { "type": "string" }, "password": { "type": "string" } } }),
        ),
        (
            "ResetRequest",
            json!({ "type": "object", "additionalProperties": false, "required": ["email"],
                    "properties": { "email": { "type": "string" } } }),
        ),
        (
            "ResetConfirm",
            json!({ "type": "object", "additionalProperties": false, "required": ["token", "password"],
                    "properties": { "token": { "type": "string" }, "password": string(8, 128) } }),
        ),
        (
            "LessonEvent",
            json!({ "type": "object", "additionalProperties": false, "required": ["course", "lesson", "event"],
                    "properties": { "course": { "type": "string" }, "lesson": { "type": "string" }, "event": { "type": "string", "enum": ["completed"] } } }),
        ),
        (
            "Merge",
            json!({ "type": "object", "additionalProperties": false, "required": ["lessons"], "properties": {
                    "lessons": { "type": "array", "maxItems": 2000, "items": { "type": "object", "additionalProperties": false,
                        "required": ["course", "lesson"], "properties": { "course": { "type": "string" }, "lesson": { "type": "string" } } } } } }),
        ),
        (
            "MergeResult",
            json!({ "type": "object", "required": ["recorded", "ignored"], "properties": {
                    "recorded": { "type": "integer", "minimum": 0 }, "ignored": { "type": "integer", "minimum": 0 } } }),
        ),
        (
            "Submission",
            json!({ "type": "object", "additionalProperties": false, "required": ["attempt_id", "version", "answers"],
                    "properties": { "attempt_id": { "type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[A-Za-z0-9-]+$" },
                        "version": { "type": "string" }, "answers": { "type": "object" } } }),
        ),
        (
            "AttemptResult",
            json!({ "type": "object", "required": ["attempt_id", "score", "passed", "pass_mark", "right", "total", "questions", "course_completed"],
                    "properties": { "attempt_id": { "type": "string" }, "score": { "type": "integer", "minimum": 0, "maximum": 100 },
                        "passed": { "type": "boolean" }, "pass_mark": { "type": "integer" }, "right": { "type": "integer" }, "total": { "type": "integer" },
                        "course_completed": { "type": "boolean" },
                        "questions": { "type": "object", "additionalProperties": { "type": "object", "required": ["correct", "answered"], "properties": {
                            "correct": { "type": "boolean" }, "answered": { "type": "boolean" },
                            "invalid": { "type": ["string", "null"] }, "feedback_html": { "type": ["string", "null"] },
                            "explanation_html": { "type": ["string", "null"] } } } } } }),
        ),
        (
            "AttemptList",
            json!({ "type": "object", "required": ["attempts"], "properties": { "attempts": { "type": "array", "items": {
                    "type": "object", "required": ["attempt_id", "score", "passed", "created_at"], "properties": {
                        "attempt_id": { "type": "string" }, "score": { "type": "integer" }, "passed": { "type": "boolean" }, "created_at": { "type": "integer" } } } } } }),
        ),
        (
            "Progress",
            json!({ "type": "object", "required": ["courses"], "properties": { "courses": { "type": "object", "additionalProperties": {
                    "type": "object", "required": ["state", "lesson_count", "lessons_completed", "percent", "quizzes"], "properties": {
                        "state": { "type": "string", "enum": ["not-started", "in-progress", "completed"] },
                        "completed_at": { "type": ["integer", "null"] }, "lesson_count": { "type": "integer" },
                        "lessons_completed": { "type": "array", "items": { "type": "string" } }, "percent": { "type": "integer" },
                        "continue_lesson": { "type": ["string", "null"] }, "quizzes": { "type": "object" } } } } } }),
        ),
    ] {
        s.insert(name.to_owned(), schema);
    }
    Value::Object(s)
}

fn err(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}
