//! Sign-up, sign-in, sessions, CSRF and rate limits (A3, A6, A7, C5).

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

crate::on_both!(
    sign_up_and_me,
    sign_up_validation,
    sign_in_same_answer_and_new_session,
    sign_out_invalidates,
    rate_limited_sign_in,
    cross_site_state_changes_are_refused,
    bad_bodies_have_one_error_shape,
    the_account_page_lists_courses_in_progress_first
);

async fn sign_up_and_me(app: &TestApp) {
    let anon = app.get("/api/me", None).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.error_code(), "unauthorized");
    let a = app
        .json(Method::POST, "/api/users", None, &json!({ "email": " Amira@Example.ORG ", "display_name": "أميرة حداد", "password": "correct horse battery" }))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let set = a
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(set.starts_with("waypost_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = a.cookie().expect("cookie");
    let me = app
        .send(Method::GET, "/api/me", &[("cookie", &cookie)], Body::empty())
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let j = me.json();
    assert_eq!(j["user"]["email"], "amira@example.org");
    assert_eq!(j["user"]["display_name"], "أميرة حداد");
    assert_eq!(j["user"]["role"], "learner");
    assert!(j["csrf_token"].as_str().is_some_and(|t| t.len() >= 32));
    assert_eq!(
        me.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    // The stored password is an Argon2id hash with OWASP's parameters, never the password.
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'amira@example.org'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("user row");
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
}

async fn sign_up_validation(app: &TestApp) {
    let cases = [
        (
            json!({ "email": "not-an-email", "display_name": "A", "password": "correct horse battery" }),
            422,
        ),
        (
            json!({ "email": "a@example.org", "display_name": "A", "password": "short" }),
            422,
        ),
        (
            json!({ "email": "a@example.org", "display_name": "A", "password": "password123" }),
            422,
        ),
        (
            json!({ "email": "a@example.org", "display_name": "", "password": "correct horse battery" }),
            422,
        ),
        (
            json!({ "email": "a@example.org", "display_name": "A", "password": "x".repeat(129) }),
            422,
        ),
        // A3: a client cannot choose its role.
        (
            json!({ "email": "a@example.org", "display_name": "A", "password": "correct horse battery", "role": "admin" }),
            422,
        ),
    ];
    for (body, status) in cases {
        let a = app.json(Method::POST, "/api/users", None, &body).await;
        assert_eq!(a.status.as_u16(), status, "{body}: {}", a.text());
        assert_eq!(a.error_code(), "invalid");
    }
    app.sign_up("b@example.org").await;
    let again = app
        .json(
            Method::POST,
            "/api/users",
            None,
            &json!({ "email": "B@example.org", "display_name": "B", "password": "another long pass" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "email_taken");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 1);
}

async fn sign_in_same_answer_and_new_session(app: &TestApp) {
    let learner = app.sign_up("c@example.org").await;
    let wrong = app
        .json(
            Method::POST,
            "/api/session",
            None,
            &json!({ "email": "c@example.org", "password": "not the password" }),
        )
        .await;
    let unknown = app
        .json(
            Method::POST,
            "/api/session",
            None,
            &json!({ "email": "nobody@example.org", "password": "not the password" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body, "unknown and known accounts answer alike");
    let ok = app
        .json(
            Method::POST,
            "/api/session",
            None,
            &json!({ "email": "C@Example.org", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let cookie = ok.cookie().expect("cookie");
    assert_ne!(cookie, learner.cookie, "sign-in makes a new session id");
    assert_eq!(
        app.send(Method::GET, "/api/me", &[("cookie", &cookie)], Body::empty())
            .await
            .status,
        StatusCode::OK
    );
}

async fn sign_out_invalidates(app: &TestApp) {
    let learner = app.sign_up("d@example.org").await;
    let other = app
        .json(
            Method::POST,
            "/api/session",
            None,
            &json!({ "email": "d@example.org", "password": "correct horse battery" }),
        )
        .await;
    let other_cookie = other.cookie().expect("cookie");
    // Without the CSRF token: refused.
    let no_csrf = app
        .send(
            Method::DELETE,
            "/api/session",
            &[("cookie", &learner.cookie)],
            Body::empty(),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let out = app
        .json(Method::DELETE, "/api/session", Some(&learner), &json!({}))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
    assert_eq!(
        app.get("/api/me", Some(&learner)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(Method::GET, "/api/me", &[("cookie", &other_cookie)], Body::empty())
            .await
            .status,
        StatusCode::OK
    );
    // Sign out everywhere ends the other session too.
    let csrf = app
        .send(Method::GET, "/api/me", &[("cookie", &other_cookie)], Body::empty())
        .await
        .json()["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let all = app
        .send(
            Method::DELETE,
            "/api/sessions",
            &[("cookie", &other_cookie), ("x-csrf-token", &csrf)],
            Body::empty(),
        )
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.send(Method::GET, "/api/me", &[("cookie", &other_cookie)], Body::empty())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn rate_limited_sign_in(app: &TestApp) {
    app.sign_up("e@example.org").await;
    for i in 0..10 {
        let a = app
            .json(
                Method::POST,
                "/api/session",
                None,
                &json!({ "email": format!("x{i}@example.org"), "password": "wrong wrong" }),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "failure {i}");
    }
    let limited = app
        .json(
            Method::POST,
            "/api/session",
            None,
            &json!({ "email": "e@example.org", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), "rate_limited");
    let retry: u64 = limited
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    // The same limit on the other authentication paths' doors: the HTML form.
    let form = app
        .send(
            Method::POST,
            "/account/sign-in",
            &[("content-type", "application/x-www-form-urlencoded")],
            Body::from("email=e%40example.org&password=correct+horse+battery"),
        )
        .await;
    assert_eq!(form.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(form.text().contains("Too many attempts"));
}

async fn cross_site_state_changes_are_refused(app: &TestApp) {
    let learner = app.sign_up("f@example.org").await;
    let body = json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }).to_string();
    for extra in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let a = app
            .send(
                Method::POST,
                "/api/progress",
                &[
                    ("content-type", "application/json"),
                    ("cookie", &learner.cookie),
                    ("x-csrf-token", &learner.csrf),
                    extra,
                ],
                Body::from(body.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{extra:?}");
        assert_eq!(a.error_code(), "forbidden");
    }
    let same = app
        .send(
            Method::POST,
            "/api/progress",
            &[
                ("content-type", "application/json"),
                ("cookie", &learner.cookie),
                ("x-csrf-token", &learner.csrf),
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin"),
            ],
            Body::from(body),
        )
        .await;
    assert_eq!(same.status, StatusCode::NO_CONTENT, "{}", same.text());
    // Redirects after sign-in stay on this site.
    assert_eq!(waypost::http::account::safe_next(Some("//evil.example/x")), "/account/");
    assert_eq!(
        waypost::http::account::safe_next(Some("https://evil.example")),
        "/account/"
    );
    assert_eq!(
        waypost::http::account::safe_next(Some("/tiny/first-steps.html#q")),
        "/tiny/first-steps.html#q"
    );
}

async fn bad_bodies_have_one_error_shape(app: &TestApp) {
    let cases: [(&str, Option<&str>, Vec<u8>, u16); 4] = [
        ("/api/users", Some("application/json"), b"{not json".to_vec(), 400),
        (
            "/api/users",
            Some("application/json"),
            br#"{"email": 5, "display_name": "A", "password": "x"}"#.to_vec(),
            422,
        ),
        ("/api/users", None, br#"{}"#.to_vec(), 400),
        ("/api/users", Some("application/json"), vec![b' '; 70 * 1024], 413),
    ];
    for (path, ct, body, status) in cases {
        let mut headers = vec![];
        if let Some(ct) = ct {
            headers.push(("content-type", ct));
        }
        let a = app.send(Method::POST, path, &headers, Body::from(body)).await;
        assert_eq!(a.status.as_u16(), status, "{}", a.text());
        let j = a.json();
        assert!(
            j["error"]["code"].is_string() && j["error"]["message"].is_string(),
            "{j}"
        );
        assert!(
            !a.text().contains("serde") && !a.text().contains("sqlx"),
            "{}",
            a.text()
        );
    }
}

/// Three copies of the tiny course: the one in progress is listed first, then the one not
/// started, then the completed one (catalog order would be alpha, beta, gamma).
async fn the_account_page_lists_courses_in_progress_first(app: &TestApp) {
    let root = app.courses.parent().expect("the courses folder").join("three");
    for id in ["alpha", "beta", "gamma"] {
        crate::harness::copy_dir(&app.courses, &root.join(id));
        let yaml = root.join(id).join("course.yaml");
        let text = std::fs::read_to_string(&yaml).expect("course.yaml");
        std::fs::write(&yaml, text.replace("id: tiny", &format!("id: {id}"))).expect("write");
    }
    app.state.publish(crate::harness::build_site(&root));
    let who = app.sign_up("order@example.org").await;
    let done = |course: &str, lesson: &str| json!({ "course": course, "lesson": lesson, "event": "completed" });
    for body in [
        done("beta", "first-steps"),
        done("alpha", "first-steps"),
        done("alpha", "all-question-types"),
    ] {
        let r = app.json(Method::POST, "/api/progress", Some(&who), &body).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    // Alpha's graded quiz, passed: alpha is completed.
    let body = {
        let site = app.state.site();
        let quiz = site
            .grading
            .course("alpha")
            .and_then(|c| c.quiz("final"))
            .expect("the quiz");
        let answers: serde_json::Map<String, serde_json::Value> = quiz
            .questions
            .iter()
            .map(|q| (q.id.to_string(), crate::harness::right_answer(&q.key)))
            .collect();
        json!({ "attempt_id": "order-pass-0001", "version": quiz.version, "answers": answers })
    };
    let r = app
        .json(
            Method::POST,
            "/api/courses/alpha/quizzes/final/attempts",
            Some(&who),
            &body,
        )
        .await;
    assert_eq!(r.json()["course_completed"], true, "{}", r.text());
    let page = app.get("/account/", Some(&who)).await.text();
    let at = |href: &str| page.find(href).unwrap_or_else(|| panic!("{href} not on the page"));
    let (a, b, g) = (at("../alpha/"), at("../beta/"), at("../gamma/"));
    assert!(
        b < g && g < a,
        "beta (in progress), gamma (not started), alpha: {b} {g} {a}"
    );
}
