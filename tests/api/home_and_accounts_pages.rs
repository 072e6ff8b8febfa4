//! The home and accounts pages (rendered on the server only) through the real router, as a
//! browser without JavaScript uses them: plain form posts to server functions that come back
//! with a notice or with their error, account health with the reconnect reason, the plan's
//! account limit, the onboarding checklist ticking itself off, and a retry from the failures.

use chrono::{Duration, Utc};
use reqwest::header::ACCEPT;
use reqwest::Response;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use app::model::{PlanTier, PostStatus};
use app::server::entities::{post, social_account};

use crate::helpers::{browser, follow, location, page, spawn_app, submit_from, Browser, TestApp};

/// A form on the accounts page, posted without JavaScript.
async fn submit(app: &TestApp, who: &Browser, path: &str, form: &[(&str, &str)]) -> Response {
    submit_from(app, who, "/accounts", path, form).await
}

async fn accounts_of(app: &TestApp, who: &Browser) -> Vec<social_account::Model> {
    let user = app.user(&who.email).await;
    social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_free_user_connects_one_account_and_is_then_shown_the_upgrade_prompt() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;

    let (status, html) = page(&app, &who, "/accounts").await;
    assert_eq!(status, 200);
    assert!(html.contains("No account connected yet"), "{html}");
    assert!(html.contains("data-testid=\"connect-form\""));
    assert!(html.contains("aria-valuetext=\"0 of 1\""), "usage bar");
    // The content is the server's: the browser keeps it as it is.
    assert!(html.contains("data-server-body"));

    let res = submit(
        &app,
        &who,
        "/fn/accounts/connect",
        &[("platform", "instagram"), ("account_name", "@linen.shop")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).ends_with("/accounts?notice=connected"));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Account connected."), "the notice");
    assert!(html.contains("data-account-name=\"@linen.shop\""));
    assert!(html.contains(">Connected</span>"), "its health");
    assert!(html.contains("aria-valuetext=\"1 of 1\""));
    // At the limit: no form, the upgrade prompt instead.
    assert!(!html.contains("data-testid=\"connect-form\""));
    assert!(html.contains("data-testid=\"plan-limit\""));
    assert!(html.contains("Your Free plan allows 1 connected account. Upgrade to connect more."));

    // A second one (an old tab still showing the form) is refused, and the page says why.
    let res = submit(
        &app,
        &who,
        "/fn/accounts/connect",
        &[("platform", "tiktok"), ("account_name", "@second")],
    )
    .await;
    assert_eq!(res.status(), 302, "a plain form comes back to its page");
    assert!(location(&res).contains("__err="), "{}", location(&res));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Your Free plan allows 1 connected account."));
    assert!(html.contains("href=\"/billing\""), "the way to more");
    assert_eq!(accounts_of(&app, &who).await.len(), 1);

    // Bad input is a clear error, not a 500.
    let res = submit(
        &app,
        &who,
        "/fn/accounts/connect",
        &[("platform", "myspace"), ("account_name", "@x")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Choose a platform"), "{html}");
}

#[tokio::test]
async fn health_shows_the_reconnect_reason_and_reconnect_clears_it() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    let id = app.account(&who.token, "facebook").await;
    let account = social_account::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let reason = "Facebook account fb needs to be reconnected: the token expired and could not be renewed (the platform said: session invalidated)";
    let mut marked = account.clone().into_active_model();
    marked.needs_reconnect = Set(true);
    marked.reconnect_reason = Set(Some(reason.to_string()));
    marked.update(&app.db).await.unwrap();

    let (_, html) = page(&app, &who, "/accounts").await;
    assert!(html.contains("Needs reconnection"));
    assert!(html.contains("session invalidated"), "the reason is shown");
    assert!(html.contains("aria-label=\"Reconnect "));
    // The home page lists it too, with its own reconnect.
    let (_, home) = page(&app, &who, "/dashboard").await;
    assert!(home.contains("data-testid=\"attention\""));
    assert!(home.contains("session invalidated"));

    let res = submit(
        &app,
        &who,
        "/fn/accounts/reconnect",
        &[("id", &id), ("back", "/dashboard")],
    )
    .await;
    assert!(location(&res).ends_with("/dashboard?notice=reconnected"));
    let home = follow(&app, &who, &res).await;
    assert!(home.contains("Account reconnected."));
    assert!(!home.contains("data-testid=\"attention\""));
    let stored = &accounts_of(&app, &who).await[0];
    assert!(!stored.needs_reconnect && stored.reconnect_reason.is_none());

    // Disconnecting keeps the account (and says so); reconnecting brings it back.
    let res = submit(&app, &who, "/fn/accounts/disconnect", &[("id", &id)]).await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Its posts and analytics are kept."));
    assert!(html.contains("data-testid=\"disconnected-accounts\""));
    let res = submit(&app, &who, "/fn/accounts/reconnect", &[("id", &id)]).await;
    assert!(location(&res).ends_with("/accounts?notice=reconnected"));
    assert!(accounts_of(&app, &who).await[0].is_connected);

    // An account holding real platform tokens needs the platform's sign-in: refused, with why.
    let mut with_tokens = accounts_of(&app, &who).await[0].clone().into_active_model();
    with_tokens.access_token_enc = Set(Some("sealed".into()));
    with_tokens.needs_reconnect = Set(true);
    with_tokens.update(&app.db).await.unwrap();
    let (_, html) = page(&app, &who, "/accounts").await;
    assert!(
        html.contains("data-testid=\"reconnect-note\""),
        "no button that cannot work"
    );
    assert!(!html.contains("aria-label=\"Reconnect "));
    let res = submit(&app, &who, "/fn/accounts/reconnect", &[("id", &id)]).await;
    let html = follow(&app, &who, &res).await;
    assert!(
        html.contains("Reconnecting it takes signing in with Facebook again"),
        "{html}"
    );
    assert!(accounts_of(&app, &who).await[0].needs_reconnect);

    // Nor does a disconnected account that published to the platform itself come back as a
    // sandbox account.
    let mut real = accounts_of(&app, &who).await[0].clone().into_active_model();
    // (Disconnecting cleared its tokens; the account keeps that it used the platform's login.)
    real.access_token_enc = Set(None);
    real.platform_login = Set(true);
    real.is_connected = Set(false);
    real.update(&app.db).await.unwrap();
    let res = submit(&app, &who, "/fn/accounts/reconnect", &[("id", &id)]).await;
    assert!(location(&res).contains("__err="));
    assert!(!accounts_of(&app, &who).await[0].is_connected);
    let mut back = accounts_of(&app, &who).await[0].clone().into_active_model();
    back.is_connected = Set(true);
    back.update(&app.db).await.unwrap();

    // Someone else's account is not found, whatever its id.
    let other = browser(&app, PlanTier::Pro, "UTC").await;
    let res = submit(&app, &other, "/fn/accounts/disconnect", &[("id", &id)]).await;
    let html = follow(&app, &other, &res).await;
    assert!(html.contains("not found"), "{html}");
    assert!(accounts_of(&app, &who).await[0].is_connected);
}

#[tokio::test]
async fn racing_reconnects_at_the_plan_limit_connect_exactly_one() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    // Two disconnected accounts, none connected: Free leaves room for one.
    let first = app.account(&who.token, "instagram").await;
    app.delete_bearer(&format!("/api/v1/accounts/{first}"), &who.token)
        .await;
    let second = app.account(&who.token, "facebook").await;
    app.delete_bearer(&format!("/api/v1/accounts/{second}"), &who.token)
        .await;

    let (form_a, form_b) = ([("id", first.as_str())], [("id", second.as_str())]);
    let (a, b) = tokio::join!(
        submit(&app, &who, "/fn/accounts/reconnect", &form_a),
        submit(&app, &who, "/fn/accounts/reconnect", &form_b),
    );
    let errors = [&a, &b]
        .iter()
        .filter(|res| location(res).contains("__err="))
        .count();
    assert_eq!(errors, 1, "{} / {}", location(&a), location(&b));
    let connected = accounts_of(&app, &who)
        .await
        .iter()
        .filter(|a| a.is_connected)
        .count();
    assert_eq!(connected, 1);
}

fn product() -> Value {
    json!({"title": "Linen Summer Dress", "description": "Breathable linen.", "price": "59.00", "currency": "USD",
           "url": "https://shop.example.com/dress", "image_url": "https://shop.example.com/dress.jpg"})
}

#[tokio::test]
async fn the_home_page_ticks_off_onboarding_and_retries_a_failure() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;

    let (status, html) = page(&app, &who, "/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"greeting\""));
    assert!(html.contains("data-testid=\"onboarding\""));
    assert!(html.contains("0 of 4 done"));
    assert!(html.contains("data-testid=\"no-next-posts\""));
    assert!(html.contains("data-testid=\"no-failures\""));

    let account = app.account(&who.token, "facebook").await;
    let (_, html) = page(&app, &who, "/dashboard").await;
    assert!(html.contains("1 of 4 done"));

    let res = app
        .post_bearer(
            "/api/v1/queue",
            &who.token,
            &json!({"product_data": product(), "platforms": ["facebook"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let item = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, html) = page(&app, &who, "/dashboard").await;
    assert!(html.contains("2 of 4 done"));

    // Approving with a time schedules the posts: the last two steps at once, and the
    // checklist is gone.
    let at = Utc::now() + Duration::hours(2);
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{item}/generate"),
            &who.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{item}/approve"),
            &who.token,
            &json!({"scheduled_for": at, "account_ids": [account]}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (_, html) = page(&app, &who, "/dashboard").await;
    assert!(!html.contains("data-testid=\"onboarding\""), "done: gone");
    assert!(html.contains("data-testid=\"next-posts\""));
    assert!(
        html.contains("Linen Summer Dress"),
        "the approved caption is next"
    );

    // A failure of this week, with its reason and a retry that puts it back in line.
    let user = app.user(&who.email).await;
    let failed = post::Entity::find()
        .filter(post::Column::UserId.eq(user.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let failed_id = failed.id;
    let mut row = failed.into_active_model();
    row.status = Set(PostStatus::Failed);
    row.error_message = Set(Some("Facebook said: the page was unpublished".into()));
    row.updated_at = Set(Utc::now() - Duration::hours(1));
    row.update(&app.db).await.unwrap();
    let (_, html) = page(&app, &who, "/dashboard").await;
    assert!(html.contains("data-testid=\"failures\""));
    assert!(html.contains("the page was unpublished"));
    // The card counts whole days in the user's zone (UTC here) and names the first.
    let since = (Utc::now().date_naive() - Duration::days(7)).format("%b %-d");
    assert!(
        html.contains(&format!("Failed since {since} (1)")),
        "{since}"
    );

    let res = submit(
        &app,
        &who,
        "/fn/home/retry",
        &[("id", &failed_id.to_string())],
    )
    .await;
    assert!(location(&res).ends_with("/dashboard?notice=retried"));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("The post is back in line"));
    assert!(html.contains("data-testid=\"no-failures\""));
    let retried = post::Entity::find_by_id(failed_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retried.status, PostStatus::Scheduled);
}

#[tokio::test]
async fn signed_out_visitors_of_the_server_rendered_pages_are_sent_to_sign_in() {
    let app = spawn_app().await;
    for path in ["/dashboard", "/accounts"] {
        let res = app
            .client
            .get(app.url(path))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302, "{path}");
        assert!(location(&res).starts_with("/login?next="), "{path}");
    }
}

#[tokio::test]
async fn templates_are_made_listed_used_and_deleted_from_their_page() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let (status, html) = page(&app, &who, "/templates").await;
    assert_eq!(status, 200);
    assert!(html.contains("No templates yet"));
    assert!(html.contains("data-testid=\"template-form\""), "the editor");
    assert!(html.contains("{{product.title}}"), "placeholders offered");

    let save = |form: Vec<(&'static str, String)>| {
        let (app, who) = (&app, &who);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            submit_from(app, who, "/templates", "/fn/templates/save", &form).await
        }
    };
    // A bad template comes back with the field's error.
    let res = save(vec![
        ("id", String::new()),
        ("name", "Launch".into()),
        ("content", "   ".into()),
        ("hashtags", String::new()),
    ])
    .await;
    assert!(location(&res).contains("__err="));
    let (_, html) = page(&app, &who, &location(&res).replace(&app.address, "")).await;
    assert!(html.contains("Content is required"), "{html}");

    let res = save(vec![
        ("id", String::new()),
        ("name", "Launch".into()),
        (
            "content",
            "New: {{product.title}} for {{product.price}} {{product.currency}}".into(),
        ),
        ("hashtags", "new {{product.title}}".into()),
        ("platforms[]", "instagram".into()),
    ])
    .await;
    assert!(
        location(&res).ends_with("/templates?notice=created"),
        "{}",
        location(&res)
    );
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Template created."));
    assert!(html.contains("data-template-name=\"Launch\""));
    let user = app.user(&who.email).await;
    let template = app::server::entities::template::Entity::find()
        .filter(app::server::entities::template::Column::UserId.eq(user.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();

    // "Use" with a queue item opens the composer filled in with its product.
    let mut throw = product();
    throw["title"] = json!("Alpaca Throw");
    let res = app
        .post_bearer(
            "/api/v1/queue",
            &who.token,
            &json!({"product_data": throw, "platforms": ["instagram"]}),
        )
        .await;
    let item = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, editor) = page(&app, &who, &format!("/templates?edit={}", template.id)).await;
    assert!(
        editor.contains(">Alpaca Throw</option>"),
        "the queue item is offered for the preview"
    );
    let (status, compose) = page(
        &app,
        &who,
        &format!("/compose?template={}&product={item}", template.id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        compose.contains("New: Alpaca Throw for 59.00 USD"),
        "{compose}"
    );
    // Without a product the placeholders stay, and a post cannot be scheduled with them.
    let (_, raw) = page(&app, &who, &format!("/compose?template={}", template.id)).await;
    assert!(raw.contains("New: {{product.title}}"));
    let account = app.account(&who.token, "facebook").await;
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &json!({"account_id": account, "content": "New: {{product.title}}",
                    "scheduled_for": Utc::now() + Duration::hours(3)}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let said = res.text().await.unwrap();
    assert!(
        said.contains("Fill in or remove the template placeholder {{product.title}}"),
        "{said}"
    );
    // Someone else's template cannot be opened or used.
    let other = browser(&app, PlanTier::Pro, "UTC").await;
    let (status, html) = page(&app, &other, &format!("/compose?template={}", template.id)).await;
    assert_ne!(status, 500);
    assert!(html.contains("Template not found"), "{html}");
    assert!(!html.contains("New: {{product.title}}"));

    // Editing keeps one template; deleting removes it.
    let res = save(vec![
        ("id", template.id.to_string()),
        ("name", "Launch v2".into()),
        ("content", "{{product.title}} is here".into()),
        ("hashtags", String::new()),
    ])
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Template saved."));
    assert!(html.contains("data-template-name=\"Launch v2\""));
    let res = submit_from(
        &app,
        &who,
        "/templates",
        "/fn/templates/delete",
        &[("id", &template.id.to_string())],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Template deleted."));
    assert!(html.contains("No templates yet"));
}
