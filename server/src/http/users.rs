//! `/api/users` (sign up) and `/api/password-reset` (ask for a link, set a new password).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use super::error::{AppJson, AppResult};
use super::me::MeResponse;
use crate::accounts::{self, ClientIp};
use crate::auth::session;
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/users"),
    ("post", "/api/password-reset"),
    ("post", "/api/password-reset/confirm"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(sign_up))
        .route("/password-reset", post(request_reset))
        .route("/password-reset/confirm", post(confirm_reset))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

async fn sign_up(State(state): State<AppState>, ip: ClientIp, AppJson(body): AppJson<SignUp>) -> AppResult<Response> {
    let (_, token) = accounts::sign_up(&state, &ip, &body.email, &body.display_name, &body.password).await?;
    let me = MeResponse::for_token(&state, &token).await?;
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, session::set_cookie(&token, state.config.secure()))],
        AppJson(me),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// 202 whether or not the account exists.
async fn request_reset(
    State(state): State<AppState>,
    ip: ClientIp,
    AppJson(body): AppJson<ResetRequest>,
) -> AppResult<StatusCode> {
    accounts::request_reset(&state, &ip, &body.email).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub password: String,
}

async fn confirm_reset(State(state): State<AppState>, AppJson(body): AppJson<ResetConfirm>) -> AppResult<Response> {
    let token = accounts::confirm_reset(&state, &body.token, &body.password).await?;
    let me = MeResponse::for_token(&state, &token).await?;
    Ok((
        [(header::SET_COOKIE, session::set_cookie(&token, state.config.secure()))],
        AppJson(me),
    )
        .into_response())
}
