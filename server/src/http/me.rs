//! `GET /api/me`: who is signed in, and the CSRF token their JSON state changes must carry.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;

use super::error::{AppError, AppJson, AppResult};
use crate::auth::{CurrentUser, session};
use crate::state::AppState;

pub const ROUTES: &[(&str, &str)] = &[("get", "/api/me")];

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(me))
}

#[derive(Debug, Serialize)]
pub struct MeResponse {
    pub user: UserView,
    pub csrf_token: String,
}

#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

impl MeResponse {
    pub fn of(user: &CurrentUser) -> Self {
        Self {
            user: UserView {
                id: user.id.clone(),
                email: user.email.clone(),
                display_name: user.display_name.clone(),
                role: user.role.clone(),
            },
            csrf_token: user.csrf_token.clone(),
        }
    }

    /// For the session just created (the cookie is not on the request yet).
    pub async fn for_token(state: &AppState, token: &str) -> AppResult<Self> {
        let user = session::lookup(state, token)
            .await?
            .ok_or_else(|| AppError::internal("a new session was not found"))?;
        Ok(Self::of(&user))
    }
}

async fn me(user: CurrentUser, State(_): State<AppState>) -> AppJson<MeResponse> {
    AppJson(MeResponse::of(&user))
}
