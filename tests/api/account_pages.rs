//! The account pages (API keys, billing, settings), rendered on the server only, through the
//! real router as a browser without JavaScript uses them: plain forms to server functions,
//! the new key shown once, mock checkout, cancel and resume, the time zone every date
//! follows, password changes and sign-out that end the other sessions at once, the data
//! export and account deletion.

use chrono::{Duration, Utc};
use reqwest::header::{CONTENT_DISPOSITION, COOKIE, SET_COOKIE};
use reqwest::Response;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{json, Value};

use app::model::{PlanTier, Role, SubscriptionStatus};
use app::server::entities::{event_log, post, social_account, subscription, user};

use crate::helpers::{browser, follow, location, page, spawn_app, submit_from, Browser, TestApp};

/// The browser after `res`: its cookies updated by the answer's `Set-Cookie` headers.
fn after(who: &Browser, res: &Response) -> Browser {
    let mut jar: Vec<(String, String)> = who
        .cookie
        .split("; ")
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for header in res.headers().get_all(SET_COOKIE) {
        let header = header.to_str().unwrap();
        let (name, value) = header.split(';').next().unwrap().split_once('=').unwrap();
        jar.retain(|(k, _)| k != name);
        if !value.is_empty() && !header.contains("Max-Age=0") {
            jar.push((name.to_string(), value.to_string()));
        }
    }
    Browser {
        cookie: jar
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; "),
        email: who.email.clone(),
        token: who.token.clone(),
    }
}

fn set_cookies(res: &Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// A page fetched with the answer kept (for its headers).
async fn get_page(app: &TestApp, who: &Browser, path: &str) -> Response {
    app.client
        .get(app.url(path))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap()
}

fn text(html: &str) -> String {
    html.replace("<!>", "")
}

/// The text inside the element with `data-testid="id"`.
fn testid_text(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = start + rest[start..].find('<').unwrap();
    rest[start..end].to_string()
}

/// A request made with an API key, as integrators send it.
async fn with_key(app: &TestApp, method: reqwest::Method, path: &str, key: &str) -> u16 {
    let mut req = app
        .client
        .request(method.clone(), app.url(path))
        .header("x-api-key", key);
    if method == reqwest::Method::POST {
        req = req.json(&json!({"name": "x", "content": "y"}));
    }
    req.send().await.unwrap().status().as_u16()
}

/// The raw key in the page's "shown once" card.
fn shown_key(html: &str) -> Option<String> {
    let at = html.find("po_live_")?;
    Some(
        html[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect(),
    )
}

#[tokio::test]
async fn an_api_key_is_created_shown_once_used_and_revoked() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let (status, html) = page(&app, &who, "/api-keys").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"create-key-form\""));
    assert!(html.contains("No active key"));
    assert!(html.contains("href=\"/docs\""), "the API documentation");
    assert!(
        !html.contains("value=\"provision\""),
        "members cannot provision"
    );

    let res = submit_from(
        &app,
        &who,
        "/api-keys",
        "/fn/api-keys/create",
        &[("name", "Shop sync"), ("scopes[]", "read")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).ends_with("/api-keys?notice=created"));
    let flash = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("pp_new_key="))
        .expect("the new key travels in a cookie");
    for attribute in [
        "Path=/api-keys",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=120",
    ] {
        assert!(flash.contains(attribute), "{flash}");
    }
    let holding_key = after(&who, &res);
    let shown = get_page(&app, &holding_key, "/api-keys?notice=created").await;
    assert!(
        set_cookies(&shown)
            .iter()
            .any(|c| c.starts_with("pp_new_key=;") && c.contains("Max-Age=0")),
        "the page clears the cookie that carried the key"
    );
    let html = text(&shown.text().await.unwrap());
    assert!(html.contains("data-testid=\"new-key\""));
    assert!(html.contains("it will not be shown again"));
    assert!(html.contains("Key “Shop sync” created"), "{html}");
    let key = shown_key(&html).expect("the key is on the page");
    assert!(key.len() >= 40, "{key}");

    // The key works, with its scope: reads pass, writes are refused.
    assert_eq!(
        with_key(&app, reqwest::Method::GET, "/api/v1/posts", &key).await,
        200
    );
    assert_eq!(
        with_key(&app, reqwest::Method::POST, "/api/v1/templates", &key).await,
        403
    );

    // Shown once: the next visit lists it by its prefix only.
    let (_, html) = page(&app, &who, "/api-keys").await;
    assert!(!html.contains(&key));
    assert!(!html.contains("data-testid=\"new-key\""));
    assert!(html.contains("data-key-name=\"Shop sync\""));
    assert!(html.contains(&format!("{}…", &key[..12])), "the prefix");
    assert!(html.contains(">read</li>"));

    // Revoked: refused at once, and listed as revoked.
    let id = app
        .get_bearer("/api/v1/api-keys", &who.token)
        .await
        .json::<Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = submit_from(
        &app,
        &who,
        "/api-keys",
        "/fn/api-keys/revoke",
        &[("id", &id)],
    )
    .await;
    assert!(location(&res).ends_with("/api-keys?notice=revoked"));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Key revoked."));
    assert!(html.contains("data-testid=\"revoked-keys\""));
    assert_eq!(
        with_key(&app, reqwest::Method::GET, "/api/v1/posts", &key).await,
        401
    );

    // No scope ticked is a choice of none, not a default.
    let res = submit_from(
        &app,
        &who,
        "/api-keys",
        "/fn/api-keys/create",
        &[("name", "none")],
    )
    .await;
    assert!(location(&res).contains("__err="));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Give at least one scope"), "{html}");
    // Someone else's key is not found, not revoked.
    let other = browser(&app, PlanTier::Pro, "UTC").await;
    let res = submit_from(
        &app,
        &other,
        "/api-keys",
        "/fn/api-keys/revoke",
        &[("id", &id)],
    )
    .await;
    assert!(location(&res).contains("__err="));
}

#[tokio::test]
async fn a_free_plan_is_told_api_access_is_a_pro_feature() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    let (status, html) = page(&app, &who, "/api-keys").await;
    assert_eq!(status, 200);
    assert!(html.contains("API access is a Pro feature"));
    assert!(html.contains("data-testid=\"api-upsell\""));
    assert!(!html.contains("data-testid=\"create-key-form\""));
    // An old tab's form is refused with the reason.
    let res = submit_from(
        &app,
        &who,
        "/api-keys",
        "/fn/api-keys/create",
        &[("name", "x"), ("scopes[]", "read")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("API access is available on the Pro and Enterprise plans"));
    assert_eq!(app.count("api_keys").await, 0);
}

#[tokio::test]
async fn billing_upgrades_in_mock_checkout_cancels_at_period_end_and_resumes() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    let (status, html) = page(&app, &who, "/billing").await;
    assert_eq!(status, 200);
    assert_eq!(testid_text(&html, "current-plan"), "Free");
    assert_eq!(html.matches("data-testid=\"plan-card\"").count(), 3);
    assert!(html.contains("Upgrade to Pro") && html.contains("Upgrade to Enterprise"));
    assert!(html.contains("aria-label=\"Posts created\""), "usage bars");
    assert!(html.contains("data-testid=\"mock-billing\""));

    let res = submit_from(
        &app,
        &who,
        "/billing",
        "/fn/billing/checkout",
        &[("plan", "pro")],
    )
    .await;
    assert_eq!(res.status(), 302);
    let to = location(&res);
    assert!(
        to.starts_with("/billing?checkout=success&session_id=mock_cs_"),
        "{to}"
    );
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Welcome to Pro!"));
    assert_eq!(testid_text(&html, "current-plan"), "Pro");
    assert_eq!(testid_text(&html, "subscription-status"), "Active");
    let end = app::server::services::local_time::format_date(
        chrono_tz::UTC,
        Utc::now() + Duration::days(30),
    );
    assert!(html.contains(&format!("Renews on {end}.")), "{html}");
    assert!(html.contains("Cancel your subscription to move to Free"));
    assert_eq!(app.user(&who.email).await.plan, PlanTier::Pro);

    // The same plan again is refused with the reason.
    let res = submit_from(
        &app,
        &who,
        "/billing",
        "/fn/billing/checkout",
        &[("plan", "pro")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("You are already on the Pro plan"));
    let res = submit_from(
        &app,
        &who,
        "/billing",
        "/fn/billing/checkout",
        &[("plan", "gold")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Choose the Pro or Enterprise plan"));

    let res = submit_from(&app, &who, "/billing", "/fn/billing/cancel", &[]).await;
    assert!(location(&res).ends_with("/billing?notice=cancelled"));
    let html = follow(&app, &who, &res).await;
    assert_eq!(testid_text(&html, "subscription-status"), "Cancelling");
    assert!(html.contains(&format!("you keep the Pro plan until {end}")));
    assert!(html.contains("Resume subscription"));
    assert_eq!(
        app.user(&who.email).await.plan,
        PlanTier::Pro,
        "kept until the end"
    );

    let res = submit_from(&app, &who, "/billing", "/fn/billing/resume", &[]).await;
    assert!(location(&res).ends_with("/billing?notice=resumed"));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains(&format!("Renews on {end}.")));
    // Resuming twice says why not.
    let res = submit_from(&app, &who, "/billing", "/fn/billing/resume", &[]).await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Your subscription is not set to end"));

    // A failed payment shows the banner with what happens next.
    let user_id = app.user(&who.email).await.id;
    let row = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.status = Set(SubscriptionStatus::PastDue);
    active.update(&app.db).await.unwrap();
    let (_, html) = page(&app, &who, "/billing").await;
    assert!(html.contains("data-testid=\"past-due\""));
    assert!(html.contains("returns to the Free plan"));
}

#[tokio::test]
async fn the_time_zone_changes_every_date_the_app_shows() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let account = app.account(&who.token, "facebook").await;
    let at = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc();
    let created = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &json!({"account_id": account, "content": "Linen", "scheduled_for": at.to_rfc3339()}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(created["id"].is_string(), "{created}");
    let edit = format!("/posts/{}/edit", created["id"].as_str().unwrap());
    let (_, html) = page(&app, &who, &edit).await;
    let utc_value = at.format("%Y-%m-%dT09:00").to_string();
    assert!(html.contains(&utc_value), "{utc_value}");

    let (status, html) = page(&app, &who, "/settings").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"settings-timezone\""));
    assert!(
        html.contains("<option value=\"Asia/Tokyo\">"),
        "the searchable list"
    );
    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/timezone",
        &[("timezone", "Asia/Tokyo")],
    )
    .await;
    assert!(location(&res).ends_with("/settings?notice=timezone"));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Time zone saved."));
    assert!(html.contains(" in Asia/Tokyo."));
    let (_, html) = page(&app, &who, &edit).await;
    let tokyo_value = at.format("%Y-%m-%dT18:00").to_string();
    assert!(html.contains(&tokyo_value), "9:00 UTC is 18:00 in Tokyo");
    assert!(!html.contains(&utc_value));

    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/timezone",
        &[("timezone", "Mars/Olympus")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Unknown time zone"), "{html}");
    assert_eq!(app.user(&who.email).await.timezone, "Asia/Tokyo");
}

#[tokio::test]
async fn a_new_password_signs_out_every_other_session_at_once() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    // Another device: an access token and a refresh token of their own.
    let other = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": who.email, "password": "correct-horse-1"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let other_access = other["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", other_access)
            .await
            .status(),
        200
    );

    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/password",
        &[
            ("current_password", "wrong-password"),
            ("new_password", "a-new-secret-9"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Your current password is not correct"));
    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/password",
        &[
            ("current_password", "correct-horse-1"),
            ("new_password", "short"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("at least 8 characters"));
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", other_access)
            .await
            .status(),
        200,
        "nothing changed yet"
    );

    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/password",
        &[
            ("current_password", "correct-horse-1"),
            ("new_password", "a-new-secret-9"),
        ],
    )
    .await;
    assert!(location(&res).ends_with("/settings?notice=password"));
    let this_browser = after(&who, &res);
    assert_ne!(
        this_browser.cookie, who.cookie,
        "this browser gets a new session"
    );
    let html = follow(&app, &this_browser, &res).await;
    assert!(html.contains("Your other sessions have been signed out."));

    // The other device: its access token is refused now, not in 15 minutes; its refresh too.
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", other_access)
            .await
            .status(),
        401
    );
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_eq!(res.status(), 401);
    // This browser's old cookies too.
    let res = get_page(&app, &who, "/settings").await;
    assert_eq!(res.status(), 302, "the old session is gone");
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": who.email, "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(res.status(), 401);
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": who.email, "password": "a-new-secret-9"}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_including_this_one() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/sign-out-everywhere",
        &[],
    )
    .await;
    assert_eq!(location(&res), "/login?signed_out=everywhere");
    assert!(set_cookies(&res)
        .iter()
        .any(|c| c.starts_with("pp_access=;")));
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &who.token).await.status(),
        401
    );
    let res = get_page(&app, &who, "/settings").await;
    assert_eq!(res.status(), 302);
    let res = app.get("/login?signed_out=everywhere").await;
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("signed out on every device"));
    // A new sign-in works as before.
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": who.email, "password": "correct-horse-1"}),
        )
        .await;
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &token).await.status(),
        200
    );
}

#[tokio::test]
async fn the_export_holds_everything_the_user_owns_and_no_secret() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let stranger = browser(&app, PlanTier::Pro, "UTC").await;
    let account = app.account(&who.token, "facebook").await;
    app.account(&stranger.token, "tiktok").await;
    let at = (Utc::now() + Duration::days(1)).to_rfc3339();
    app.post_bearer(
        "/api/v1/posts",
        &who.token,
        &json!({"account_id": account, "content": "Mine", "scheduled_for": at}),
    )
    .await;
    app.post_bearer(
        "/api/v1/templates",
        &who.token,
        &json!({"name": "Launch", "content": "{{product.title}}"}),
    )
    .await;
    let key = app
        .post_bearer("/api/v1/api-keys", &who.token, &json!({"name": "zap"}))
        .await
        .json::<Value>()
        .await
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();

    let res = get_page(&app, &who, "/settings/export.json").await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"postpilot-data-"),
        "{disposition}"
    );
    let body = res.text().await.unwrap();
    assert!(!body.contains(&key), "never the raw key");
    for secret in [
        "hashed_password",
        "key_hash",
        "access_token_enc",
        "refresh_token_enc",
        "$argon2",
    ] {
        assert!(!body.contains(secret), "{secret}");
    }
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["format"], "postpilot-export/1");
    assert_eq!(doc["user"]["email"], who.email.as_str());
    assert_eq!(doc["posts"].as_array().unwrap().len(), 1);
    assert_eq!(doc["posts"][0]["content"], "Mine");
    assert_eq!(doc["social_accounts"].as_array().unwrap().len(), 1);
    assert_eq!(
        doc["social_accounts"][0]["platform"], "facebook",
        "only the user's own"
    );
    assert_eq!(doc["templates"][0]["name"], "Launch");
    assert_eq!(doc["api_keys"][0]["name"], "zap");
    assert_eq!(doc["subscription"], Value::Null);
    assert!(doc["event_log"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["message"] == "API key created"));
    assert!(!body.contains(&stranger.email));

    let res = app.get("/settings/export.json").await;
    assert_ne!(res.status(), 200, "signed out: no data");
}

#[tokio::test]
async fn deleting_the_account_removes_everything_it_owns_and_nothing_else() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let stranger = browser(&app, PlanTier::Pro, "UTC").await;
    let account = app.account(&who.token, "facebook").await;
    app.account(&stranger.token, "tiktok").await;
    let at = (Utc::now() + Duration::days(1)).to_rfc3339();
    app.post_bearer(
        "/api/v1/posts",
        &who.token,
        &json!({"account_id": account, "content": "Mine", "scheduled_for": at}),
    )
    .await;
    submit_from(
        &app,
        &who,
        "/billing",
        "/fn/billing/checkout",
        &[("plan", "enterprise")],
    )
    .await;
    let id = app.user(&who.email).await.id;

    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/delete-account",
        &[("confirm_email", "someone@else.com")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(
        html.contains("Type your account&#x27;s email exactly")
            || html.contains("Type your account's email exactly"),
        "{html}"
    );
    assert!(user::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .is_some());

    let upper = who.email.to_uppercase();
    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/delete-account",
        &[("confirm_email", upper.as_str())],
    )
    .await;
    assert_eq!(location(&res), "/login?deleted=1");
    assert!(user::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .is_none());
    for (table, count) in [
        (
            "social_accounts",
            social_account::Entity::find()
                .filter(social_account::Column::UserId.eq(id))
                .all(&app.db)
                .await
                .unwrap()
                .len(),
        ),
        (
            "posts",
            post::Entity::find()
                .filter(post::Column::UserId.eq(id))
                .all(&app.db)
                .await
                .unwrap()
                .len(),
        ),
        (
            "subscriptions",
            subscription::Entity::find()
                .filter(subscription::Column::UserId.eq(id))
                .all(&app.db)
                .await
                .unwrap()
                .len(),
        ),
        (
            "event_log",
            event_log::Entity::find()
                .filter(event_log::Column::UserId.eq(id))
                .all(&app.db)
                .await
                .unwrap()
                .len(),
        ),
    ] {
        assert_eq!(count, 0, "{table}");
    }
    let deleted = event_log::Entity::find()
        .filter(event_log::Column::Message.eq("Account deleted by its owner"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the deletion is in the log");
    assert_eq!(deleted.data["user_id"], json!(id));
    assert_eq!(deleted.data["subscription_cancelled"], json!(true));
    assert!(!deleted.message.contains(&who.email));
    // The stranger keeps everything.
    let (status, _) = page(&app, &stranger, "/accounts").await;
    assert_eq!(status, 200);
    let stranger_id = app.user(&stranger.email).await.id;
    let kept = social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(stranger_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    // The deleted user's tokens are dead.
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &who.token).await.status(),
        401
    );
    let res = app.get("/login?deleted=1").await;
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Your account and everything in it have been deleted."));
}

#[tokio::test]
async fn the_only_admin_cannot_delete_their_account() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Enterprise, "UTC").await;
    app.set_role(&who.email, Role::Admin).await;
    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/delete-account",
        &[("confirm_email", who.email.as_str())],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("You are the only admin"));
    assert!(app.user(&who.email).await.is_active);
}

#[tokio::test]
async fn two_tabs_deleting_or_revoking_at_once_get_clear_answers() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let key = app
        .post_bearer("/api/v1/api-keys", &who.token, &json!({"name": "twice"}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = key["id"].as_str().unwrap().to_string();
    let form = [("id", id.as_str())];
    let revokes =
        (0..4).map(|_| submit_from(&app, &who, "/api-keys", "/fn/api-keys/revoke", &form));
    for res in futures::future::join_all(revokes).await {
        assert_eq!(res.status(), 302, "never a 5xx");
    }
    assert_eq!(
        with_key(
            &app,
            reqwest::Method::GET,
            "/api/v1/posts",
            key["key"].as_str().unwrap()
        )
        .await,
        401
    );

    let email = who.email.clone();
    let form = [("confirm_email", email.as_str())];
    let deletes = (0..4).map(|_| {
        submit_from(
            &app,
            &who,
            "/settings",
            "/fn/settings/delete-account",
            &form,
        )
    });
    let answers = futures::future::join_all(deletes).await;
    assert!(
        answers.iter().all(|res| res.status().as_u16() < 500),
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert!(answers.iter().any(|res| res
        .headers()
        .get("location")
        .is_some_and(|l| l == "/login?deleted=1")));
    assert_eq!(
        app.all_users()
            .await
            .iter()
            .filter(|u| u.email == email)
            .count(),
        0
    );
}

#[tokio::test]
async fn mock_periods_end_cancelled_subscriptions_and_renew_the_others_once() {
    use app::server::services::billing::{settle_mock_periods, Settled};
    let app = spawn_app().await;
    let leaving = browser(&app, PlanTier::Free, "UTC").await;
    let staying = browser(&app, PlanTier::Free, "UTC").await;
    for who in [&leaving, &staying] {
        submit_from(
            &app,
            who,
            "/billing",
            "/fn/billing/checkout",
            &[("plan", "pro")],
        )
        .await;
    }
    submit_from(&app, &leaving, "/billing", "/fn/billing/cancel", &[]).await;

    // Nothing is due yet.
    let settings = app.state.settings.billing.clone();
    let now = Utc::now();
    assert_eq!(
        settle_mock_periods(&app.db, &settings, now).await.unwrap(),
        Settled::default()
    );

    // A month later, two instances settle at once: each subscription is settled once.
    let later = now + Duration::days(31);
    let (a, b) = tokio::join!(
        settle_mock_periods(&app.db, &settings, later),
        settle_mock_periods(&app.db, &settings, later)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        (a.ended + b.ended, a.renewed + b.renewed),
        (1, 1),
        "{a:?} {b:?}"
    );
    assert_eq!(app.user(&leaving.email).await.plan, PlanTier::Free);
    assert_eq!(app.user(&staying.email).await.plan, PlanTier::Pro);
    let subscription_of = |email: String| {
        let app = &app;
        async move {
            let id = app.user(&email).await.id;
            subscription::Entity::find()
                .filter(subscription::Column::UserId.eq(id))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let ended = subscription_of(leaving.email.clone()).await;
    assert_eq!(ended.status, SubscriptionStatus::Canceled);
    let renewed = subscription_of(staying.email.clone()).await;
    assert_eq!(renewed.status, SubscriptionStatus::Active);
    assert!(renewed.current_period_end.unwrap() > later);
    assert_eq!(
        settle_mock_periods(&app.db, &settings, later)
            .await
            .unwrap(),
        Settled::default()
    );
    let logged = event_log::Entity::find()
        .filter(event_log::Column::Message.eq("Subscription ended; plan changed from pro to free"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);

    // The page says it ended, and offers the plans again.
    let (_, html) = page(&app, &leaving, "/billing").await;
    assert_eq!(testid_text(&html, "current-plan"), "Free");
    assert_eq!(testid_text(&html, "subscription-status"), "Cancelled");
    assert!(html.contains("Upgrade to Pro"));
}
