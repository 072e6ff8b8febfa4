//! Connecting accounts by signing in with Facebook and TikTok (OAuth with state and PKCE)
//! against the fake platform, through the real server with a browser session: the start
//! redirect, the fake's consent page, the callback, the choice of Pages within the plan's
//! limit, tokens sealed at rest, publishing with the Page's token, a denied sign-in, replayed
//! and expired states, TikTok's token renewed by the token job, and revocation on disconnect.

use app::model::PlanTier;
use app::server::entities::{oauth_attempt, post, social_account};
use app::server::publishing::Engine;
use chrono::{Duration, Utc};
use reqwest::header::COOKIE;
use reqwest::Response;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fake_platform::FakePlatform;
use crate::helpers::{
    browser, follow, location, page, spawn_app, spawn_app_with, submit_from, Browser, TestApp,
};

async fn oauth_app(fake: &FakePlatform) -> TestApp {
    let fake = fake.clone();
    spawn_app_with(move |s| fake.configure(s)).await
}

async fn get(app: &TestApp, who: &Browser, url: &str) -> Response {
    app.client
        .get(url)
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap()
}

/// The links of the fake's consent page.
struct Consent {
    allow: String,
    cancel: String,
}

fn link(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"{id}\" href=\"")).expect(id) + id.len() + 12;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&amp;", "&")
}

/// Clicks the platform's connect button and lands on the fake's consent page.
async fn start(app: &TestApp, who: &Browser, platform: &str) -> (String, Consent) {
    let res = get(app, who, &app.url(&format!("/oauth/{platform}/start"))).await;
    assert_eq!(res.status(), 303);
    let authorize = location(&res);
    assert!(authorize.starts_with("http"), "{authorize}");
    let html = reqwest::get(&authorize)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let consent = Consent {
        allow: link(&html, "allow"),
        cancel: link(&html, "cancel"),
    };
    (authorize, consent)
}

/// The platform sends the browser back: the redirect URI (on `server.public_url`) reaches
/// this test's server.
async fn back(app: &TestApp, who: &Browser, redirect: &str) -> Response {
    let url = redirect.replacen("http://127.0.0.1", &app.address, 1);
    get(app, who, &url).await
}

async fn accounts_of(app: &TestApp, who: &Browser) -> Vec<social_account::Model> {
    let user = app.user(&who.email).await;
    social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn choose(app: &TestApp, who: &Browser, choice_page: &str, keys: &[&str]) -> Response {
    let attempt = choice_page.split("attempt=").nth(1).unwrap().to_string();
    let mut form = vec![("attempt", attempt.as_str())];
    form.extend(keys.iter().map(|k| ("chosen[]", *k)));
    submit_from(app, who, choice_page, "/fn/accounts/oauth-connect", &form).await
}

#[tokio::test]
async fn facebook_pages_are_chosen_connected_with_sealed_tokens_and_published_to() {
    let fake = FakePlatform::start().await;
    let app = oauth_app(&fake).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;

    let (_, html) = page(&app, &who, "/accounts").await;
    assert!(html.contains("href=\"/oauth/facebook/start\""), "{html}");
    assert!(html.contains("href=\"/oauth/tiktok/start\""));
    assert!(
        !html.contains("data-testid=\"connect-form\""),
        "every platform is live"
    );

    let (authorize, consent) = start(&app, &who, "facebook").await;
    assert!(authorize.starts_with(&fake.meta_oauth_url()), "{authorize}");
    let query: Vec<(String, String)> = reqwest::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(param("client_id").as_deref(), Some("app-id"));
    assert_eq!(
        param("redirect_uri").as_deref(),
        Some("http://127.0.0.1/oauth/facebook/callback")
    );
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param("code_challenge").unwrap().len(), 43);
    assert!(param("state").unwrap().len() >= 32);
    assert!(param("scope").unwrap().contains("pages_manage_posts"));
    // Only the state's hash is kept.
    let attempt = oauth_attempt::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(attempt.state_hash, param("state").unwrap());
    assert!(!attempt.code_verifier_enc.is_empty());

    // "Allow": the fake checks the verifier against the challenge when the code is exchanged.
    let res = back(&app, &who, &consent.allow).await;
    assert_eq!(res.status(), 303);
    let choice_page = location(&res);
    assert!(
        choice_page.starts_with("/accounts/connect?attempt="),
        "{choice_page}"
    );
    assert!(fake.calls().contains(&"meta code exchange".to_string()));
    let (status, html) = page(&app, &who, &choice_page).await;
    assert_eq!(status, 200);
    for key in [
        "facebook:page_101",
        "instagram:ig_201",
        "facebook:page_102",
        "facebook:page_103",
    ] {
        assert!(html.contains(&format!("value=\"{key}\"")), "{key}: {html}");
    }
    assert!(html.contains("@mugshop") && html.contains("linked to Mug Shop"));
    assert!(!html.contains("page-token-101"), "no token on the page");

    // A replayed callback finds the attempt used.
    let replay = back(&app, &who, &consent.allow).await;
    assert_eq!(location(&replay), "/accounts");
    assert!(follow(&app, &who, &replay)
        .await
        .contains("expired or was already used"));

    let res = choose(
        &app,
        &who,
        &choice_page,
        &["facebook:page_101", "facebook:page_102"],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).ends_with("/accounts?notice=oauth-connected"));
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("data-account-name=\"Mug Shop\""));
    assert!(html.contains("data-account-name=\"Tea Corner\""));

    let mut rows = accounts_of(&app, &who).await;
    rows.sort_by(|a, b| a.account_id_external.cmp(&b.account_id_external));
    assert_eq!(rows.len(), 2);
    for (row, (page, token)) in rows.iter().zip([
        ("page_101", "page-token-101"),
        ("page_102", "page-token-102"),
    ]) {
        assert_eq!(row.account_id_external, page);
        assert!(row.platform_login && row.is_connected);
        let sealed = row.access_token_enc.as_deref().unwrap();
        assert!(!sealed.contains(token), "sealed at rest");
        assert_eq!(app.state.vault.open(sealed).unwrap(), token);
        assert_eq!(row.token_expires_at, None, "Page tokens do not expire");
    }
    assert_eq!(
        oauth_attempt::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        0
    );

    // A second tab posting the same choice connects nothing more.
    let again = choose(&app, &who, &choice_page, &["facebook:page_103"]).await;
    assert!(location(&again).contains("__err="));
    assert_eq!(accounts_of(&app, &who).await.len(), 2);

    // A post to the first Page goes out once, with that Page's token.
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &json!({"account_id": rows[0].id, "content": "New mugs in oauth-land", "scheduled_for": Utc::now() + Duration::hours(1)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id: Uuid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    post::Entity::update_many()
        .col_expr(
            post::Column::ScheduledFor,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(post::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let engine = Engine::from_state(&app.state);
    engine.tick().await.unwrap();
    engine.tick().await.unwrap();
    assert_eq!(fake.publish_count("New mugs in oauth-land"), 1);
    assert_eq!(
        *fake.state.page_posts_tokens.lock().unwrap(),
        vec![("page_101".to_string(), "page-token-101".to_string())]
    );
}

#[tokio::test]
async fn the_free_plan_refuses_two_accounts_at_once_and_connects_one() {
    let fake = FakePlatform::start().await;
    let app = oauth_app(&fake).await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    let (_, consent) = start(&app, &who, "instagram").await;
    let choice_page = location(&back(&app, &who, &consent.allow).await);
    let (_, html) = page(&app, &who, &choice_page).await;
    assert!(
        html.contains("Your Free plan allows 1 connected account; 0 in use."),
        "{html}"
    );

    let res = choose(
        &app,
        &who,
        &choice_page,
        &["facebook:page_101", "instagram:ig_201"],
    )
    .await;
    assert!(location(&res).contains("__err="), "{}", location(&res));
    let (_, html) = page(&app, &who, &location(&res).replace(&app.address, "")).await;
    assert!(
        html.contains("Your Free plan allows 1 connected account; 0 are connected and you chose 2 more. Choose at most 1"),
        "{html}"
    );
    assert!(
        accounts_of(&app, &who).await.is_empty(),
        "nothing connected"
    );

    // Choosing nothing is refused too; choosing one fits.
    let res = choose(&app, &who, &choice_page, &[]).await;
    assert!(location(&res).contains("__err="));
    let res = choose(&app, &who, &choice_page, &["instagram:ig_201"]).await;
    assert!(location(&res).ends_with("/accounts?notice=oauth-connected"));
    let rows = accounts_of(&app, &who).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].account_name, "@mugshop");
    assert_eq!(
        app.state
            .vault
            .open(rows[0].access_token_enc.as_deref().unwrap())
            .unwrap(),
        "page-token-101",
        "an Instagram account publishes with its Page's token"
    );
}

#[tokio::test]
async fn a_denied_sign_in_returns_with_the_platforms_reason() {
    let fake = FakePlatform::start().await;
    let app = oauth_app(&fake).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let (_, consent) = start(&app, &who, "facebook").await;
    let res = back(&app, &who, &consent.cancel).await;
    assert_eq!(res.status(), 303);
    // The reason travels in a cookie for this browser and the accounts page only, never in
    // the address.
    assert_eq!(location(&res), "/accounts");
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("pp_oauth_error="), "{set_cookie}");
    for attribute in ["Path=/accounts", "HttpOnly", "SameSite=Lax", "Max-Age=120"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    let html = follow(&app, &who, &res).await;
    assert!(
        html.contains("Facebook did not grant access: Permissions error"),
        "{html}"
    );
    // Shown once: the page's answer clears the cookie.
    let cleared = app
        .client
        .get(app.url("/accounts"))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(
            reqwest::header::COOKIE,
            format!("{}; {}", who.cookie, set_cookie.split(';').next().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert!(cleared.headers().get_all("set-cookie").iter().any(|c| c
        .to_str()
        .unwrap()
        .starts_with("pp_oauth_error=;")
        && c.to_str().unwrap().contains("Max-Age=0")));
    let (_, again) = page(&app, &who, "/accounts").await;
    assert!(!again.contains("Permissions error"));
    // The attempt is spent: "Allow" afterwards does not connect.
    let res = back(&app, &who, &consent.allow).await;
    assert!(follow(&app, &who, &res)
        .await
        .contains("expired or was already used"));
    // An error without a known state shows no text of the request's choosing.
    let forged = format!(
        "{}/oauth/facebook/callback?error=access_denied&error_description=Call+0800-SCAM&state=forged",
        app.address
    );
    let html = follow(&app, &who, &get(&app, &who, &forged).await).await;
    assert!(!html.contains("0800-SCAM") && html.contains("expired or was already used"));
    // Nor does a link straight to the accounts page: the address carries no reason.
    let (_, html) = page(
        &app,
        &who,
        "/accounts?oauth_error=Your+account+is+locked%2C+call+0800-SCAM",
    )
    .await;
    assert!(!html.contains("0800-SCAM") && !html.contains("data-testid=\"oauth-error\""));
    assert!(accounts_of(&app, &who).await.is_empty());
}

#[tokio::test]
async fn expired_and_foreign_states_are_refused_without_asking_the_platform() {
    let fake = FakePlatform::start().await;
    let app = oauth_app(&fake).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let other = browser(&app, PlanTier::Pro, "UTC").await;

    let (_, consent) = start(&app, &who, "facebook").await;
    // Another user's browser cannot use this user's sign-in.
    let res = back(&app, &other, &consent.allow).await;
    assert_eq!(location(&res), "/accounts");
    // Nor the right user, once it expired.
    oauth_attempt::Entity::update_many()
        .col_expr(
            oauth_attempt::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let res = back(&app, &who, &consent.allow).await;
    assert!(follow(&app, &who, &res)
        .await
        .contains("expired or was already used"));
    assert!(!fake.calls().contains(&"meta code exchange".to_string()));
    // A choice page of someone else's attempt is not theirs either.
    let (_, consent) = start(&app, &who, "facebook").await;
    let choice_page = location(&back(&app, &who, &consent.allow).await);
    let (_, html) = page(&app, &other, &choice_page).await;
    assert!(html.contains("expired or was already used"), "{html}");
    assert!(!html.contains("Mug Shop"));
    let res = choose(&app, &other, &choice_page, &["facebook:page_101"]).await;
    assert!(location(&res).contains("__err="));
    assert!(accounts_of(&app, &other).await.is_empty());
}

#[tokio::test]
async fn tiktok_connects_at_once_is_renewed_by_the_token_job_and_disconnecting_revokes_it() {
    let fake = FakePlatform::start().await;
    let app = oauth_app(&fake).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;

    let (authorize, consent) = start(&app, &who, "tiktok").await;
    assert!(authorize.starts_with(&fake.tiktok_oauth_url()));
    assert!(authorize.contains("client_key=client-key"));
    // TikTok takes the challenge as the SHA-256's hex (the fake checks the verifier with it).
    let challenge = reqwest::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .map(|(_, v)| v.to_string())
        .unwrap();
    assert_eq!(challenge.len(), 64);
    assert!(challenge.chars().all(|c| c.is_ascii_hexdigit()));
    let res = back(&app, &who, &consent.allow).await;
    assert_eq!(location(&res), "/accounts?notice=oauth-connected");
    assert!(fake.calls().contains(&"tiktok code exchange".to_string()));
    let rows = accounts_of(&app, &who).await;
    assert_eq!(rows.len(), 1);
    let account = rows[0].clone();
    assert_eq!(
        (
            account.account_name.as_str(),
            account.account_id_external.as_str()
        ),
        ("Mug Shop on TikTok", "tt_open_1")
    );
    let first_token = app
        .state
        .vault
        .open(account.access_token_enc.as_deref().unwrap())
        .unwrap();
    assert!(first_token.starts_with("tiktok-user-token"));
    assert!(!account
        .refresh_token_enc
        .as_deref()
        .unwrap()
        .contains("rt_"));
    assert!(account.token_expires_at.unwrap() < Utc::now() + Duration::days(2));

    // The token job renews it (it expires within the week) with the refresh token.
    let engine = Engine::from_state(&app.state);
    assert_eq!(engine.refresh_tokens().await.unwrap(), 1);
    let renewed = social_account::Entity::find_by_id(account.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let token = app
        .state
        .vault
        .open(renewed.access_token_enc.as_deref().unwrap())
        .unwrap();
    assert!(token.starts_with("fresh-tiktok-token"), "{token}");
    assert_ne!(renewed.refresh_token_enc, account.refresh_token_enc);

    // A draft keeps the account's history through disconnect and reconnect.
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &json!({"account_id": account.id, "content": "kept", "media_urls": ["https://cdn.example.com/a.mp4"]}),
        )
        .await;
    assert_eq!(res.status(), 201);

    // Disconnecting revokes the token at TikTok and clears it here.
    let res = submit_from(
        &app,
        &who,
        "/accounts",
        "/fn/accounts/disconnect",
        &[("id", &account.id.to_string())],
    )
    .await;
    assert!(location(&res).ends_with("/accounts?notice=disconnected"));
    assert_eq!(*fake.state.revoked.lock().unwrap(), vec![token.clone()]);
    let gone = social_account::Entity::find_by_id(account.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!gone.is_connected);
    assert!(gone.access_token_enc.is_none() && gone.refresh_token_enc.is_none());
    // The account card offers signing in again.
    let (_, html) = page(&app, &who, "/accounts").await;
    assert!(html.contains("Reconnect with TikTok"), "{html}");

    // Signing in again reconnects the same row; its post is still there.
    let (_, consent) = start(&app, &who, "tiktok").await;
    let res = back(&app, &who, &consent.allow).await;
    assert_eq!(location(&res), "/accounts?notice=oauth-connected");
    let rows = accounts_of(&app, &who).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, account.id);
    assert!(rows[0].is_connected && rows[0].access_token_enc.is_some());
    let posts = post::Entity::find()
        .filter(post::Column::AccountId.eq(account.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(posts.len(), 1);
}

#[tokio::test]
async fn without_app_credentials_the_sandbox_stays_and_sign_in_is_refused_clearly() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let (_, html) = page(&app, &who, "/accounts").await;
    assert!(html.contains("data-testid=\"connect-form\""));
    assert!(!html.contains("/oauth/"), "no sign-in buttons");
    let res = get(&app, &who, &app.url("/oauth/facebook/start")).await;
    assert_eq!(res.status(), 303);
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Signing in with Facebook is not set up on this server."));
    let res = get(&app, &who, &app.url("/oauth/myspace/start")).await;
    assert_eq!(res.status(), 404);
    // Signed out: sent to sign in.
    let res = app
        .client
        .get(app.url("/oauth/facebook/start"))
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("/login"));
}
