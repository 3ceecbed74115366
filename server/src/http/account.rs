//! `/account/…`: the server-rendered account pages (sign in, sign up, password reset, the
//! first admin's setup, the learner's account). Plain HTML forms that work without
//! JavaScript; errors are shown in the page with the field marked, answered 422.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::error::{AppError, AppForm, AppResult};
use crate::accounts::{self, ClientIp};
use crate::auth::tokens::same_secret;
use crate::auth::{CurrentUser, MaybeUser, session};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(|| async { Redirect::permanent("/account/") }))
        .route("/account/", get(dashboard))
        .route("/account/sign-in", get(sign_in_page).post(sign_in))
        .route("/account/sign-up", get(sign_up_page).post(sign_up))
        .route("/account/sign-out", post(sign_out))
        .route("/account/sign-out-everywhere", post(sign_out_everywhere))
        .route("/account/forgot", get(forgot_page).post(forgot))
        .route("/account/reset", get(reset_page).post(reset))
        .route("/account/setup", get(setup_page).post(setup))
}

#[derive(Debug, Serialize)]
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    autocomplete: &'static str,
    hint: Option<&'static str>,
    required: bool,
}

fn field(name: &'static str, label: &'static str, kind: &'static str, autocomplete: &'static str) -> Field {
    Field {
        name,
        label,
        kind,
        value: String::new(),
        autocomplete,
        hint: None,
        required: true,
    }
}

#[derive(Debug, Serialize)]
struct Link {
    href: String,
    text: &'static str,
}

#[derive(Debug, Default, Serialize)]
struct Form {
    heading: &'static str,
    intro: Option<&'static str>,
    error: Option<String>,
    notice: Option<String>,
    action: String,
    fields: Vec<Field>,
    hidden: Vec<Hidden>,
    submit: &'static str,
    links: Vec<Link>,
}

#[derive(Debug, Serialize)]
struct Hidden {
    name: &'static str,
    value: String,
}

fn page(state: &AppState, status: StatusCode, title: &str, form: &Form) -> Response {
    render(
        state,
        status,
        "account/form.html",
        title,
        minijinja::Value::from_serialize(form),
    )
}

fn render(state: &AppState, status: StatusCode, template: &str, title: &str, ctx: minijinja::Value) -> Response {
    match state.site().pages.render(template, title, ctx) {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => AppError::internal(e).into_response(),
    }
}

/// Where to go after signing in: a path on this site only (never `//host` or a scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/account/".to_owned(),
    }
}

fn signed_in(state: &AppState, token: &str, next: &str) -> Response {
    let mut r = Redirect::to(next).into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session::set_cookie(token, state.config.secure()));
    r
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    next: Option<String>,
    token: Option<String>,
}

fn sign_in_form(next: &str, email: &str, error: Option<String>) -> Form {
    let mut email_field = field("email", "Email address", "email", "username");
    email_field.value = email.to_owned();
    Form {
        heading: "Sign in",
        intro: Some("Sign in to submit graded quizzes, keep your progress on every device and get your certificates."),
        error,
        action: "sign-in".into(),
        fields: vec![
            email_field,
            field("password", "Password", "password", "current-password"),
        ],
        hidden: vec![Hidden {
            name: "next",
            value: next.to_owned(),
        }],
        submit: "Sign in",
        links: vec![
            Link {
                href: format!("sign-up?next={}", urlencode(next)),
                text: "No account yet? Create one",
            },
            Link {
                href: "forgot".into(),
                text: "Forgot your password?",
            },
        ],
        ..Form::default()
    }
}

async fn sign_in_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    page(&state, StatusCode::OK, "Sign in", &sign_in_form(&next, "", None))
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn sign_in(State(state): State<AppState>, ip: ClientIp, AppForm(f): AppForm<SignInForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    match accounts::sign_in(&state, &ip, &f.email, &f.password).await {
        Ok((_, token)) => signed_in(&state, &token, &next),
        Err(e) => form_error(&state, e, "Sign in", |msg| sign_in_form(&next, &f.email, Some(msg))),
    }
}

/// A user mistake is shown in the form (422, or 429 with `Retry-After`); anything else is the
/// usual error answer.
fn form_error(state: &AppState, e: AppError, title: &str, form: impl FnOnce(String) -> Form) -> Response {
    let status = e.status();
    match e {
        AppError::Unprocessable(_) | AppError::Conflict { .. } | AppError::TooMany { .. } => {
            let retry = if let AppError::TooMany { retry_after, .. } = &e {
                Some(*retry_after)
            } else {
                None
            };
            let mut r = page(state, status, title, &form(e.public_message()));
            if let Some(s) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, s);
            }
            r
        }
        other => other.into_response(),
    }
}

fn sign_up_form(next: &str, email: &str, name: &str, error: Option<String>) -> Form {
    let mut name_field = field("display_name", "Your name", "text", "name");
    name_field.value = name.to_owned();
    name_field.hint = Some("As you want it on your certificates.");
    let mut email_field = field("email", "Email address", "email", "email");
    email_field.value = email.to_owned();
    let mut pw = field("password", "Password", "password", "new-password");
    pw.hint = Some("At least 8 characters. A few unrelated words make a strong password.");
    Form {
        heading: "Create your account",
        intro: Some("What you have done in this browser is added to your account."),
        error,
        action: "sign-up".into(),
        fields: vec![name_field, email_field, pw],
        hidden: vec![Hidden {
            name: "next",
            value: next.to_owned(),
        }],
        submit: "Create account",
        links: vec![Link {
            href: format!("sign-in?next={}", urlencode(next)),
            text: "Already have an account? Sign in",
        }],
        ..Form::default()
    }
}

async fn sign_up_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    page(
        &state,
        StatusCode::OK,
        "Create your account",
        &sign_up_form(&next, "", "", None),
    )
}

#[derive(Debug, Deserialize)]
struct SignUpForm {
    display_name: String,
    email: String,
    password: String,
    next: Option<String>,
}

async fn sign_up(State(state): State<AppState>, ip: ClientIp, AppForm(f): AppForm<SignUpForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    match accounts::sign_up(&state, &ip, &f.email, &f.display_name, &f.password).await {
        Ok((_, token)) => signed_in(&state, &token, &next),
        Err(e) => form_error(&state, e, "Create your account", |msg| {
            sign_up_form(&next, &f.email, &f.display_name, Some(msg))
        }),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

async fn sign_out(
    State(state): State<AppState>,
    user: MaybeUser,
    AppForm(f): AppForm<CsrfForm>,
) -> AppResult<Response> {
    if let Some(user) = user.0 {
        if !same_secret(&f.csrf_token, &user.csrf_token) {
            return Err(AppError::Forbidden(
                "the form has expired: reload the page and try again",
            ));
        }
        session::delete(&state, &user.session_hash).await?;
    }
    let mut r = Redirect::to("/account/sign-in").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(state.config.secure()));
    Ok(r)
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<CsrfForm>,
) -> AppResult<Response> {
    if !same_secret(&f.csrf_token, &user.csrf_token) {
        return Err(AppError::Forbidden(
            "the form has expired: reload the page and try again",
        ));
    }
    session::delete_all(&state, &user.id).await?;
    let mut r = Redirect::to("/account/sign-in").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(state.config.secure()));
    Ok(r)
}

#[derive(Debug, Serialize)]
struct CourseCard {
    id: String,
    title: String,
    state: &'static str,
    done: usize,
    lesson_count: usize,
    continue_href: Option<String>,
    certificate: bool,
}

async fn dashboard(State(state): State<AppState>, user: MaybeUser) -> AppResult<Response> {
    let Some(user) = user.0 else {
        return Ok(Redirect::to("/account/sign-in?next=/account/").into_response());
    };
    let progress = super::progress::load(&state, &user.id).await?;
    let site = state.site();
    let mut courses: Vec<CourseCard> = site
        .courses
        .iter()
        .map(|c| {
            let p = progress.courses.get(c.id.as_str());
            CourseCard {
                id: c.id.to_string(),
                title: c.title.clone(),
                state: p.map_or("not-started", |p| p.state),
                done: p.map_or(0, |p| p.lessons_completed.len()),
                lesson_count: p.map_or(0, |p| p.lesson_count),
                continue_href: p
                    .and_then(|p| p.continue_lesson.clone())
                    .map(|l| format!("../{}/{l}.html", c.id)),
                certificate: c.certificate.is_some(),
            }
        })
        .collect();
    // What the learner is doing comes first, then what is left to start, then what is done;
    // catalog order within each.
    courses.sort_by_key(|c| match c.state {
        "in-progress" => 0,
        "not-started" => 1,
        _ => 2,
    });
    drop(site);
    let certificates: Vec<_> = crate::certs::store::list_for(&state.db, &user.id)
        .await?
        .iter()
        .map(|r| super::certificates::summary(&state, r))
        .collect();
    let ctx = context! {
        user => context! { display_name => user.display_name, email => user.email, csrf_token => user.csrf_token },
        courses => courses,
        certificates => certificates,
    };
    Ok(render(
        &state,
        StatusCode::OK,
        "account/account.html",
        "Your account",
        ctx,
    ))
}

fn forgot_form(error: Option<String>, notice: Option<String>) -> Form {
    Form {
        heading: "Reset your password",
        intro: Some("Enter the email address of your account. We will send you a link to choose a new password."),
        error,
        notice,
        action: "forgot".into(),
        fields: vec![field("email", "Email address", "email", "email")],
        submit: "Send the link",
        links: vec![Link {
            href: "sign-in".into(),
            text: "Back to sign in",
        }],
        ..Form::default()
    }
}

async fn forgot_page(State(state): State<AppState>) -> Response {
    page(&state, StatusCode::OK, "Reset your password", &forgot_form(None, None))
}

#[derive(Debug, Deserialize)]
struct EmailForm {
    email: String,
}

async fn forgot(State(state): State<AppState>, ip: ClientIp, AppForm(f): AppForm<EmailForm>) -> Response {
    match accounts::request_reset(&state, &ip, &f.email).await {
        Ok(()) => {
            let notice =
                "If an account uses this address, a link to reset its password is on its way. It works for one hour.";
            page(
                &state,
                StatusCode::OK,
                "Reset your password",
                &forgot_form(None, Some(notice.into())),
            )
        }
        Err(e) => form_error(&state, e, "Reset your password", |msg| forgot_form(Some(msg), None)),
    }
}

fn new_password_form(
    heading: &'static str,
    action: &str,
    token: &str,
    extra: Vec<Field>,
    error: Option<String>,
) -> Form {
    let mut pw = field("password", "New password", "password", "new-password");
    pw.hint = Some("At least 8 characters. A few unrelated words make a strong password.");
    let mut fields = extra;
    fields.push(pw);
    Form {
        heading,
        error,
        action: action.to_owned(),
        fields,
        hidden: vec![Hidden {
            name: "token",
            value: token.to_owned(),
        }],
        submit: "Save and sign in",
        ..Form::default()
    }
}

fn dead_link(state: &AppState, heading: &'static str) -> Response {
    let form = Form {
        heading,
        error: Some("This link has expired or was already used.".into()),
        links: vec![Link {
            href: "forgot".into(),
            text: "Ask for a new link",
        }],
        ..Form::default()
    };
    page(state, StatusCode::NOT_FOUND, heading, &form)
}

async fn reset_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> AppResult<Response> {
    let token = q.token.unwrap_or_default();
    if !accounts::token_is_live(&state, "password-reset", &token).await? {
        return Ok(dead_link(&state, "Reset your password"));
    }
    Ok(page(
        &state,
        StatusCode::OK,
        "Choose a new password",
        &new_password_form("Choose a new password", "reset", &token, vec![], None),
    ))
}

#[derive(Debug, Deserialize)]
struct ResetForm {
    token: String,
    password: String,
}

async fn reset(State(state): State<AppState>, AppForm(f): AppForm<ResetForm>) -> Response {
    match accounts::confirm_reset(&state, &f.token, &f.password).await {
        Ok(token) => signed_in(&state, &token, "/account/"),
        Err(e) => form_error(&state, e, "Choose a new password", |msg| {
            new_password_form("Choose a new password", "reset", &f.token, vec![], Some(msg))
        }),
    }
}

fn setup_fields(email: &str, name: &str) -> Vec<Field> {
    let mut n = field("display_name", "Your name", "text", "name");
    n.value = name.to_owned();
    let mut e = field("email", "Email address", "email", "email");
    e.value = email.to_owned();
    vec![n, e]
}

async fn setup_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> AppResult<Response> {
    let token = q.token.unwrap_or_default();
    if !accounts::token_is_live(&state, "setup-admin", &token).await? {
        return Ok(dead_link(&state, "Set up Waypost"));
    }
    let form = new_password_form(
        "Create the first admin account",
        "setup",
        &token,
        setup_fields("", ""),
        None,
    );
    Ok(page(&state, StatusCode::OK, "Set up Waypost", &form))
}

#[derive(Debug, Deserialize)]
struct SetupForm {
    token: String,
    display_name: String,
    email: String,
    password: String,
}

async fn setup(State(state): State<AppState>, ip: ClientIp, AppForm(f): AppForm<SetupForm>) -> Response {
    let result = async {
        if !accounts::token_is_live(&state, "setup-admin", &f.token).await? {
            return Err(AppError::Unprocessable(
                "This setup link has expired or was already used.".into(),
            ));
        }
        let (id, token) = accounts::sign_up(&state, &ip, &f.email, &f.display_name, &f.password).await?;
        if accounts::redeem(&state, "setup-admin", &f.token).await?.is_none() {
            return Err(AppError::Unprocessable(
                "This setup link has expired or was already used.".into(),
            ));
        }
        crate::admin::set_role(&state.db, &id, "admin").await?;
        Ok(token)
    }
    .await;
    match result {
        Ok(token) => signed_in(&state, &token, "/account/"),
        Err(e) => form_error(&state, e, "Set up Waypost", |msg| {
            new_password_form(
                "Create the first admin account",
                "setup",
                &f.token,
                setup_fields(&f.email, &f.display_name),
                Some(msg),
            )
        }),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
