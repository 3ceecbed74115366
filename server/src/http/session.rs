//! `/api/session`: sign in (a new session), sign out (this session), and
//! `/api/sessions`: sign out everywhere.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use serde::Deserialize;

use super::error::{AppJson, AppResult};
use super::me::MeResponse;
use crate::accounts::{self, ClientIp};
use crate::auth::{CurrentUser, session};
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/session"),
    ("delete", "/api/session"),
    ("delete", "/api/sessions"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .route("/sessions", delete(sign_out_everywhere))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

async fn sign_in(State(state): State<AppState>, ip: ClientIp, AppJson(body): AppJson<SignIn>) -> AppResult<Response> {
    let (_, token) = accounts::sign_in(&state, &ip, &body.email, &body.password).await?;
    let me = MeResponse::for_token(&state, &token).await?;
    Ok((
        [(header::SET_COOKIE, session::set_cookie(&token, state.config.secure()))],
        AppJson(me),
    )
        .into_response())
}

async fn sign_out(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap) -> AppResult<Response> {
    session::check_csrf(&user, &headers)?;
    session::delete(&state, &user.session_hash).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::clear_cookie(state.config.secure()))],
    )
        .into_response())
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    session::check_csrf(&user, &headers)?;
    session::delete_all(&state, &user.id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::clear_cookie(state.config.secure()))],
    )
        .into_response())
}
