//! Abuse refused and no secret left behind, through the real router: where sign-in may send
//! a browser, deactivated accounts, API key scopes, security headers, and the settings the
//! binary refuses to start with.

use app::model::{PlanTier, Role};
use reqwest::header::{ACCEPT, CACHE_CONTROL, LOCATION};
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, TestApp};

async fn form_post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .header(ACCEPT, "text/html")
        .header("origin", app.address.clone())
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn with_key(app: &TestApp, method: reqwest::Method, path: &str, key: &str) -> Response {
    app.client
        .request(method, app.url(path))
        .header("x-api-key", key)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn provision_with_key(app: &TestApp, key: &str, email: &str) -> Response {
    app.client
        .post(app.url("/api/v1/auth/provision"))
        .header("x-api-key", key)
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap()
}

/// An admin on the Pro plan (so they may hold API keys) and their access token.
async fn admin(app: &TestApp, email: &str) -> String {
    let token = app.signed_up(email).await.access_token;
    app.set_role(email, Role::Admin).await;
    app.set_plan(email, PlanTier::Pro).await;
    token
}

async fn create_key(app: &TestApp, token: &str, scopes: &[&str]) -> Response {
    app.post_bearer(
        "/api/v1/api-keys",
        token,
        &json!({ "name": "integration", "scopes": scopes }),
    )
    .await
}

async fn new_key(app: &TestApp, token: &str, scopes: &[&str]) -> String {
    let res = create_key(app, token, scopes).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string()
}

// Rule 13: `next` resolves against the site.

#[tokio::test]
async fn sign_in_and_registration_never_send_the_browser_to_another_site() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let hostile = [
        "/\t/evil.example",
        "/\n",
        "/\r\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
    ];
    for next in hostile {
        let res = form_post(
            &app,
            "/fn/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", "correct-horse-1"),
                ("next", next),
            ],
        )
        .await;
        assert_eq!(res.status(), 302, "sign-in with next={next:?}");
        assert_eq!(res.headers()[LOCATION], "/dashboard", "next={next:?}");
    }
    for (i, next) in hostile.iter().enumerate() {
        let email = format!("new{i}@example.com");
        let res = form_post(
            &app,
            "/fn/auth/register",
            &[
                ("email", &email),
                ("password", "correct-horse-1"),
                ("next", next),
            ],
        )
        .await;
        assert_eq!(res.status(), 302, "registration with next={next:?}");
        assert_eq!(res.headers()[LOCATION], "/dashboard", "next={next:?}");
    }
    let res = form_post(
        &app,
        "/fn/auth/login",
        &[
            ("email", "ada@example.com"),
            ("password", "correct-horse-1"),
            ("next", "/posts?month=2026-11"),
        ],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/posts?month=2026-11");
}

// Rule 6 (sign-in side): a deactivated account's every credential is refused.

#[tokio::test]
async fn a_deactivated_users_tokens_refresh_tokens_and_api_keys_are_refused() {
    let app = spawn_app().await;
    let admin_token = admin(&app, "root@example.com").await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let key = new_key(&app, &pair.access_token, &["read", "write"]).await;
    let ada = app.user("ada@example.com").await;

    let res = app
        .patch_bearer(
            &format!("/api/v1/admin/users/{}", ada.id),
            &admin_token,
            &json!({ "is_active": false }),
        )
        .await;
    assert_eq!(res.status(), 200);

    let deactivated = "This account has been deactivated";
    let res = app.get_bearer("/api/v1/auth/me", &pair.access_token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, deactivated);
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": pair.refresh_token }),
        )
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, deactivated);
    let res = with_key(&app, reqwest::Method::GET, "/api/v1/auth/me", &key).await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, deactivated);
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "ada@example.com", "password": "correct-horse-1" }),
        )
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, deactivated);
}

// Rule 14: API key scopes.

#[tokio::test]
async fn a_provision_only_key_provisions_and_does_nothing_else() {
    let app = spawn_app().await;
    let token = admin(&app, "root@example.com").await;
    let key = new_key(&app, &token, &["provision"]).await;

    let res = provision_with_key(&app, &key, "shop@example.com").await;
    assert_eq!(res.status(), 201);

    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/auth/me"),
        (reqwest::Method::POST, "/api/v1/posts"),
    ] {
        let res = with_key(&app, method, path, &key).await;
        assert_eq!(res.status(), 403, "{path}");
        assert_eq!(detail(res).await, "This API key can only provision users");
    }
}

#[tokio::test]
async fn only_admins_hold_provision_keys_and_a_demoted_admins_key_stops_provisioning() {
    let app = spawn_app().await;
    let member = app.signed_up("member@example.com").await.access_token;
    app.set_plan("member@example.com", PlanTier::Pro).await;
    let res = create_key(&app, &member, &["read", "provision"]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        detail(res).await,
        "Only admins can create provisioning keys"
    );

    let token = admin(&app, "root@example.com").await;
    let key = new_key(&app, &token, &["read", "provision"]).await;
    assert_eq!(
        provision_with_key(&app, &key, "one@example.com")
            .await
            .status(),
        201
    );

    app.set_role("root@example.com", Role::Member).await;
    let res = provision_with_key(&app, &key, "two@example.com").await;
    assert_eq!(res.status(), 403);
    assert!(
        detail(res).await.contains("admin"),
        "the refusal names what is needed"
    );
    // The key's other scopes still work for its (now member) owner.
    let res = with_key(&app, reqwest::Method::GET, "/api/v1/auth/me", &key).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_key_provisioning_returns_works_whatever_the_users_plan() {
    let app = spawn_app().await;
    let token = admin(&app, "root@example.com").await;
    let res = app
        .post_bearer(
            "/api/v1/auth/provision",
            &token,
            &json!({ "email": "shop@example.com", "plan": "free" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["plan"], "free");
    let platform_key = created["api_key"].as_str().unwrap().to_string();
    let res = with_key(&app, reqwest::Method::GET, "/api/v1/posts", &platform_key).await;
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .header("x-api-key", &platform_key)
        .json(&json!({ "platform": "instagram", "account_name": "shop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // A key a user made themselves stops when their plan loses API access.
    let ada = app.signed_up("ada@example.com").await.access_token;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let own_key = new_key(&app, &ada, &["read"]).await;
    app.set_plan("ada@example.com", PlanTier::Free).await;
    let res = with_key(&app, reqwest::Method::GET, "/api/v1/posts", &own_key).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn admin_endpoints_take_an_admins_access_token_never_an_api_key() {
    let app = spawn_app().await;
    let token = admin(&app, "root@example.com").await;
    let key = new_key(&app, &token, &["read", "write", "provision"]).await;
    let target = app.signed_up("ada@example.com").await;
    let ada = app.user("ada@example.com").await;

    for path in ["/api/v1/admin/users", "/api/v1/admin/logs"] {
        assert_eq!(app.get_bearer(path, &token).await.status(), 200, "{path}");
        let res = with_key(&app, reqwest::Method::GET, path, &key).await;
        assert_eq!(res.status(), 403, "{path}");
        assert!(detail(res).await.contains("not an API key"));
        let res = app.get_bearer(path, &target.access_token).await;
        assert_eq!(res.status(), 403, "members: {path}");
    }
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{}", ada.id)))
        .header("x-api-key", &key)
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.user("ada@example.com").await.role, Role::Member);
}

// Rule 8: headers.

fn no_store(res: &Response) -> bool {
    res.headers()
        .get(CACHE_CONTROL)
        .is_some_and(|v| v.to_str().unwrap().contains("no-store"))
}

#[tokio::test]
async fn token_answers_are_never_stored_by_a_cache() {
    let app = spawn_app().await;
    let res = app.register("ada@example.com", "correct-horse-1").await;
    assert_eq!(res.status(), 201);
    assert!(no_store(&res), "register");
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "ada@example.com", "password": "correct-horse-1" }),
        )
        .await;
    assert!(no_store(&res), "login");
    let pair: Value = res.json().await.unwrap();
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": pair["refresh_token"] }),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(no_store(&res), "refresh");

    let token = admin(&app, "root@example.com").await;
    let res = create_key(&app, &token, &["read"]).await;
    assert_eq!(res.status(), 201);
    assert!(no_store(&res), "API key creation");
    let res = app
        .post_bearer(
            "/api/v1/auth/provision",
            &token,
            &json!({ "email": "shop@example.com" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(no_store(&res), "provisioning");
    let res = form_post(
        &app,
        "/fn/auth/login",
        &[
            ("email", "ada@example.com"),
            ("password", "correct-horse-1"),
        ],
    )
    .await;
    assert!(no_store(&res), "browser sign-in (session cookies)");
}

#[tokio::test]
async fn pages_allow_only_their_own_inline_scripts_and_refuse_framing() {
    let app = spawn_app().await;
    for path in ["/login", "/", "/pricing", "/no-such-page"] {
        let res = app
            .client
            .get(app.url(path))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        let headers = res.headers().clone();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        let policy = headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        let scripts = policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("no script-src in {policy}"));
        // The marketing pages ship no wasm, so they may not compile any.
        let hydrates = !app::nav::is_marketing_path(path);
        assert_eq!(
            scripts.contains("'wasm-unsafe-eval'"),
            hydrates,
            "{scripts}"
        );
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        let nonce = scripts
            .split_whitespace()
            .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
            .unwrap_or_else(|| panic!("no nonce in {scripts}"));

        // Every inline script the page carries (the theme, Leptos's hydration bootstrap and
        // serialized resources) has this response's nonce, so the wasm can still hydrate.
        let html = res.text().await.unwrap();
        let mut inline = 0;
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap()];
            if open.contains("src=") || open.contains("application/ld+json") {
                continue;
            }
            inline += 1;
            assert!(
                open.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: inline script without the nonce: <script{open}>"
            );
        }
        // The theme script everywhere; the hydration data only on pages that hydrate.
        if hydrates {
            assert!(inline >= 2, "{path}: {inline} inline scripts");
        } else {
            assert_eq!(inline, 1, "{path}: the theme script only");
        }
    }

    // Other answers get the strict default (the API docs load only this site's files).
    let res = app.client.get(app.url("/docs")).send().await.unwrap();
    let policy = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    let html = res.text().await.unwrap();
    assert!(
        html.split("<script")
            .skip(1)
            .all(|tag| tag[..tag.find('>').unwrap()].contains("src=")),
        "/docs has no inline script: {html}"
    );
}

// Rule 9: checkout never grants a paid plan without Stripe once a Stripe key is set.

#[tokio::test]
async fn with_a_stripe_key_checkout_never_grants_a_paid_plan() {
    // Startup refuses such settings (see the cli tests); the service holds even without that.
    let app = crate::helpers::spawn_app_with(|s| {
        s.billing.stripe_secret_key = "sk_test_123".into();
        s.billing.stripe_webhook_secret = "whsec_123".into();
    })
    .await;
    let token = app.signed_up("ada@example.com").await.access_token;
    let res = app
        .post_bearer(
            "/api/v1/billing/checkout",
            &token,
            &json!({ "plan": "pro" }),
        )
        .await;
    assert_eq!(res.status(), 503);
    assert!(detail(res).await.contains("Stripe"));
    assert_eq!(app.user("ada@example.com").await.plan, PlanTier::Free);
    assert_eq!(app.count("subscriptions").await, 0);
}

// Rule 12: forgot-password takes the same time whether or not the email has an account.

#[tokio::test]
async fn forgot_password_answers_without_waiting_for_a_slow_mail_server() {
    // A mail server that accepts connections and never says a word: a send would hang on it.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let app = crate::helpers::spawn_app_with(|s| {
        s.email.smtp_url = format!("smtp://127.0.0.1:{port}");
    })
    .await;
    app.signed_up("ada@example.com").await;

    for email in ["ada@example.com", "nobody@example.com"] {
        let started = std::time::Instant::now();
        let res = app
            .post_json("/api/v1/auth/forgot-password", &json!({ "email": email }))
            .await;
        assert_eq!(res.status(), 200, "{email}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{email}: answered after {:?}",
            started.elapsed()
        );
    }
    // The work still happens, after the answer: the known address got its reset token.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.count("password_reset_tokens").await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no reset token stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    held.abort();
}

// Rule 11: rate limits.

fn retry_after(res: &Response) -> u64 {
    res.headers()
        .get(reqwest::header::RETRY_AFTER)
        .expect("a 429 says when to retry")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds")
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Response {
    app.post_json(
        "/api/v1/auth/login",
        &json!({ "email": email, "password": password }),
    )
    .await
}

#[tokio::test]
async fn forty_wrong_sign_ins_lock_the_account_on_every_instance_and_log_it_once() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    app.signed_up("ada@example.com").await;

    let mut statuses = Vec::new();
    for attempt in 0..40 {
        // Both instances count into one limit: it lives in the database.
        let instance = if attempt % 2 == 0 { &app } else { &other };
        let res = sign_in(instance, "ada@example.com", "wrong-password").await;
        if res.status() == 429 {
            assert!((1..=15 * 60).contains(&retry_after(&res)));
            assert!(detail(res).await.contains("Too many failed sign-ins"));
            statuses.push(429);
        } else {
            statuses.push(res.status().as_u16());
        }
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429; 30]);

    // The right password does not get through the lock either.
    let res = sign_in(&other, "ada@example.com", "correct-horse-1").await;
    assert_eq!(res.status(), 429);

    // One bounded trace: ten failures and one lock, not a row per refused attempt.
    use app::server::entities::event_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ada = app.user("ada@example.com").await;
    let entries = event_log::Entity::find()
        .filter(event_log::Column::UserId.eq(ada.id))
        .filter(event_log::Column::Kind.eq(app::model::EventKind::Auth))
        .all(&app.db)
        .await
        .unwrap();
    let locks = entries
        .iter()
        .filter(|e| e.message.starts_with("Sign-in locked"))
        .count();
    assert_eq!(locks, 1, "{entries:#?}");
    assert!(entries.len() <= 11, "{} auth entries", entries.len());
    assert_eq!(ada.failed_sign_ins, 10);

    // Another account is not affected.
    app.signed_up("bob@example.com").await;
    assert_eq!(
        sign_in(&app, "bob@example.com", "correct-horse-1")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_lock_ends_with_its_window_and_a_good_sign_in_clears_the_count() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    for _ in 0..10 {
        sign_in(&app, "ada@example.com", "wrong-password").await;
    }
    assert_eq!(
        sign_in(&app, "ada@example.com", "correct-horse-1")
            .await
            .status(),
        429
    );
    // The window began 15 minutes ago: the lock is over.
    let mut ada = app.user("ada@example.com").await.into_active_model();
    ada.failed_sign_ins_since = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(15)));
    ada.update(&app.db).await.unwrap();
    assert_eq!(
        sign_in(&app, "ada@example.com", "correct-horse-1")
            .await
            .status(),
        200
    );
    let ada = app.user("ada@example.com").await;
    assert_eq!((ada.failed_sign_ins, ada.failed_sign_ins_since), (0, None));
}

#[tokio::test]
async fn one_client_address_gets_its_allowance_on_credential_endpoints_then_429() {
    let app =
        crate::helpers::spawn_app_with(|s| s.rate_limits.auth_per_address_per_minute = 5).await;
    // Different endpoints and accounts share the address's allowance.
    for i in 0..3 {
        let res = sign_in(&app, &format!("nobody{i}@example.com"), "whatever-1").await;
        assert_eq!(res.status(), 401);
    }
    let res = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({ "email": "nobody@example.com" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_json("/api/v1/auth/refresh", &json!({ "refresh_token": "x" }))
        .await;
    assert_eq!(res.status(), 401);
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/auth/refresh",
        "/api/v1/auth/forgot-password",
        "/api/v1/auth/reset-password",
        "/api/v1/auth/provision",
    ] {
        let res = app.post_json(path, &json!({})).await;
        assert_eq!(res.status(), 429, "{path}");
        assert!((1..=60).contains(&retry_after(&res)), "{path}");
        assert!(detail(res).await.contains("Too many requests"));
    }
    let res = form_post(&app, "/fn/auth/login", &[("email", "a@example.com")]).await;
    assert_eq!(res.status(), 429, "the browser form too");
    // Everything else is not limited by it.
    assert_eq!(
        app.client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn an_api_key_gets_its_plans_requests_per_minute_then_429() {
    let app = spawn_app().await;
    let token = admin(&app, "root@example.com").await;
    let res = app
        .post_bearer(
            "/api/v1/auth/provision",
            &token,
            &json!({ "email": "shop@example.com", "plan": "free" }),
        )
        .await;
    let key = res.json::<Value>().await.unwrap()["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let allowance = PlanTier::Free.limits().api_requests_per_minute;
    // The whole allowance may be spent at once; after that one request comes back per
    // 60/allowance seconds, so a slow run may get a few more through before the 429.
    let started = std::time::Instant::now();
    let mut served = 0;
    let res = loop {
        let res = with_key(&app, reqwest::Method::GET, "/api/v1/auth/me", &key).await;
        if res.status() != 200 {
            break res;
        }
        served += 1;
        assert!(served <= 2 * allowance, "no limit after {served} requests");
    };
    let refilled = (started.elapsed().as_secs_f64() * f64::from(allowance) / 60.0).ceil() as u32;
    assert!(
        (allowance..=allowance + refilled + 1).contains(&served),
        "{served} served for an allowance of {allowance} ({refilled} refilled)"
    );
    assert_eq!(res.status(), 429);
    assert!((1..=60).contains(&retry_after(&res)));
    assert!(detail(res).await.contains("requests per minute"));
    // The owner's own access token is not held back by their key's pace.
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "root@example.com", "password": "correct-horse-1" }),
        )
        .await;
    assert_eq!(res.status(), 200);
}

// Rule 18: retention.

#[tokio::test]
async fn pruning_removes_old_log_entries_spent_tokens_and_webhook_ids_and_keeps_the_rest() {
    use app::server::entities::{event_log, password_reset_token, refresh_token, webhook_event};
    use app::server::services::retention;
    use chrono::{Duration, Utc};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use uuid::Uuid;

    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let ada = app.user("ada@example.com").await;
    let now = Utc::now();
    let days = |n: i64| now - Duration::days(n);
    let settings = app.state.settings.retention.clone();
    assert_eq!(settings.event_log_days, 90, "the documented default");

    // Registration wrote fresh rows of its own (a log entry, a refresh token): kept.
    let (log_before, tokens_before) = (
        app.count("event_log").await,
        app.count("refresh_tokens").await,
    );
    for at in [days(91), days(365)] {
        event_log::ActiveModel {
            id: Set(Uuid::new_v4()),
            at: Set(at),
            kind: Set(app::model::EventKind::Auth),
            level: Set(app::model::EventLevel::Info),
            user_id: Set(None),
            post_id: Set(None),
            message: Set("old".into()),
            data: Set(json!({})),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    event_log::ActiveModel {
        id: Set(Uuid::new_v4()),
        at: Set(days(89)),
        kind: Set(app::model::EventKind::Auth),
        level: Set(app::model::EventLevel::Info),
        user_id: Set(None),
        post_id: Set(None),
        message: Set("recent enough".into()),
        data: Set(json!({})),
    }
    .insert(&app.db)
    .await
    .unwrap();

    let refresh = |expires_at, used_at| refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(ada.id),
        family_id: Set(Uuid::new_v4()),
        token_hash: Set(Uuid::new_v4().simple().to_string()),
        expires_at: Set(expires_at),
        used_at: Set(used_at),
        revoked_at: Set(None),
        created_at: Set(days(30)),
    };
    refresh(days(8), Some(days(15)))
        .insert(&app.db)
        .await
        .unwrap(); // spent, long expired
    refresh(days(8), None).insert(&app.db).await.unwrap(); // expired
    refresh(days(1), Some(days(2)))
        .insert(&app.db)
        .await
        .unwrap(); // spent, expiry recent: kept for reuse detection
    refresh(now + Duration::days(3), None)
        .insert(&app.db)
        .await
        .unwrap(); // live

    let reset = |expires_at, used_at| password_reset_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(ada.id),
        token_hash: Set(Uuid::new_v4().simple().to_string()),
        expires_at: Set(expires_at),
        used_at: Set(used_at),
        created_at: Set(days(30)),
    };
    reset(days(8), None).insert(&app.db).await.unwrap(); // expired
    reset(days(6), Some(days(9))).insert(&app.db).await.unwrap(); // used long ago
    reset(now + Duration::minutes(30), None)
        .insert(&app.db)
        .await
        .unwrap(); // live

    for received_at in [days(31), days(29)] {
        webhook_event::ActiveModel {
            id: Set(Uuid::new_v4()),
            source: Set("stripe".into()),
            event_id: Set(Uuid::new_v4().to_string()),
            event_type: Set("invoice.paid".into()),
            received_at: Set(received_at),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let pruned = retention::prune(&app.db, &settings, now).await.unwrap();
    assert_eq!(
        (
            pruned.event_log,
            pruned.refresh_tokens,
            pruned.reset_tokens,
            pruned.webhook_events
        ),
        (2, 2, 2, 1)
    );
    // What is left: the fresh rows, plus the run's own log entry.
    assert_eq!(app.count("event_log").await, log_before + 1 + 1);
    assert_eq!(app.count("refresh_tokens").await, tokens_before + 2);
    assert_eq!(app.count("password_reset_tokens").await, 1);
    assert_eq!(app.count("webhook_events").await, 1);
    let left = event_log::Entity::find().all(&app.db).await.unwrap();
    assert!(left.iter().all(|e| e.message != "old"));

    // A second run finds nothing more and writes nothing.
    let again = retention::prune(&app.db, &settings, now).await.unwrap();
    assert_eq!(again, retention::Pruned::default());
}

#[tokio::test]
async fn a_backlog_larger_than_one_delete_batch_is_pruned_completely() {
    use app::server::entities::event_log;
    use app::server::services::retention;
    use chrono::{Duration, Utc};
    use sea_orm::{EntityTrait, Set};
    use uuid::Uuid;

    let app = spawn_app().await;
    let old = Utc::now() - Duration::days(200);
    // More than two batches of old entries (a first run on a database that never pruned).
    let rows: Vec<event_log::ActiveModel> = (0..12_001)
        .map(|i| event_log::ActiveModel {
            id: Set(Uuid::new_v4()),
            at: Set(old),
            kind: Set(app::model::EventKind::Publish),
            level: Set(app::model::EventLevel::Info),
            user_id: Set(None),
            post_id: Set(None),
            message: Set(format!("old entry {i}")),
            data: Set(json!({})),
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        event_log::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
    let kept_before = app.count("event_log").await - 12_001;
    let deleted = retention::prune_event_log(&app.db, Utc::now() - Duration::days(90))
        .await
        .unwrap();
    assert_eq!(deleted, 12_001);
    assert_eq!(app.count("event_log").await, kept_before);
}

#[tokio::test]
async fn parallel_guesses_get_no_more_tries_than_a_sequence() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    app.signed_up("ada@example.com").await;
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..24 {
        let instance = if i % 2 == 0 { &app } else { &other };
        let (client, url) = (instance.client.clone(), instance.url("/api/v1/auth/login"));
        attempts.spawn(async move {
            let body = json!({ "email": "ada@example.com", "password": "wrong-password" });
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = attempts.join_all().await;
    let refused = statuses.iter().filter(|&&s| s == 401).count();
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((refused, limited), (10, 14), "{statuses:?}");

    use app::server::entities::event_log;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let locks = event_log::Entity::find()
        .filter(event_log::Column::Message.starts_with("Sign-in locked"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(locks, 1);
}
