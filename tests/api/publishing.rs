//! The publishing engine against a fake Meta/TikTok server: success on each platform, retries,
//! permanent failures, token renewal, rate-limit deferral, daily caps, crash recovery without
//! a second post, several instances over one database, and the jobs `serve` starts.

use std::sync::Arc;

use app::model::{PostStatus, QueueStatus};
use app::server::entities::{content_queue, event_log, post, post_metrics, social_account};
use app::server::publishing::adapter::{
    AccountAuth, Metrics, OutgoingPost, PublishError, Publisher, Started, TokenGrant,
};
use app::server::publishing::{Engine, Platforms, TickReport};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fake_platform::{FakePlatform, Scripted};
use crate::helpers::{
    engine_on_own_pool, insert_posts, marketer, real_account, spawn_app_with, Marketer, TestApp,
};

const GOOD_TOKEN: &str = "valid-token";

async fn publishing_app(fake: &FakePlatform) -> TestApp {
    publishing_app_with(fake, |_| {}).await
}

/// The app against the fake platform, with fast polling and retries, then `adjust`.
async fn publishing_app_with(
    fake: &FakePlatform,
    adjust: impl FnOnce(&mut app::server::config::Settings),
) -> TestApp {
    let (graph, tiktok) = (fake.graph_url(), fake.tiktok_url());
    spawn_app_with(move |s| {
        s.platforms.meta_graph_url = graph;
        s.platforms.tiktok_api_url = tiktok;
        s.platforms.meta_app_id = "app-id".into();
        s.platforms.meta_app_secret = "app-secret".into();
        s.platforms.tiktok_client_key = "client-key".into();
        s.platforms.tiktok_client_secret = "client-secret".into();
        s.platforms.poll_interval_ms = 5;
        s.platforms.poll_max_attempts = 20;
        s.scheduler.backoff_base_seconds = 0;
        s.scheduler.backoff_max_seconds = 0;
        s.scheduler.max_attempts = 3;
        adjust(s);
    })
    .await
}

/// A scheduled post that is due now.
async fn due_post(
    app: &TestApp,
    who: &Marketer,
    account: Uuid,
    content: &str,
    media: &[&str],
) -> Uuid {
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &json!({"account_id": account, "content": content, "media_urls": media, "scheduled_for": Utc::now() + Duration::hours(1)}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let id: Uuid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    make_due(app, id).await;
    id
}

async fn make_due(app: &TestApp, id: Uuid) {
    post::Entity::update_many()
        .col_expr(
            post::Column::ScheduledFor,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(post::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn row(app: &TestApp, id: Uuid) -> post::Model {
    post::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn account_row(app: &TestApp, id: Uuid) -> social_account::Model {
    social_account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn tick(engine: &Engine) -> TickReport {
    engine.tick().await.expect("tick")
}

async fn publish_events(app: &TestApp, post_id: Uuid) -> Vec<event_log::Model> {
    event_log::Entity::find()
        .filter(event_log::Column::PostId.eq(post_id))
        .all(&app.db)
        .await
        .unwrap()
}

const PHOTO: &str = "https://cdn.example.com/p/mug.jpg";
const VIDEO: &str = "https://cdn.example.com/p/mug.mp4";

#[tokio::test]
async fn instagram_posts_through_container_poll_and_publish() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    *fake.state.processing_polls.lock().unwrap() = 2;
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "instagram", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "New mug drop ig-success", &[PHOTO]).await;

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!((report.claimed, report.posted), (1, 1), "{report:?}");

    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Posted);
    assert!(post
        .external_post_id
        .as_deref()
        .unwrap()
        .starts_with("ig_media_"));
    assert_eq!(post.attempts, 1);
    assert!(post.posted_at.is_some() && post.lease_owner.is_none());
    assert_eq!(fake.publish_count("ig-success"), 1);
    let calls = fake.calls();
    let steps: Vec<&str> = calls
        .iter()
        .map(|c| c.split(' ').nth(1).unwrap().split('/').next_back().unwrap())
        .collect();
    assert_eq!(steps.iter().filter(|s| **s == "media").count(), 1);
    assert_eq!(steps.iter().filter(|s| **s == "media_publish").count(), 1);
    assert!(
        steps.iter().filter(|s| s.starts_with("container_")).count() >= 3,
        "polled until FINISHED: {calls:?}"
    );

    let events = publish_events(&app, id).await;
    let published = events
        .iter()
        .find(|e| e.message == "Published")
        .expect("a publish event");
    assert_eq!(published.kind, app::model::EventKind::Publish);
    assert_eq!(published.data["platform"], "instagram");
    assert!(published.data["latency_ms"].is_u64());
    assert!(published.data["lateness_ms"].is_i64());
}

#[tokio::test]
async fn facebook_posts_text_to_the_feed_and_photos_to_photos() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let text = due_post(&app, &who, account, "Text only fb-text", &[]).await;
    let photo = due_post(&app, &who, account, "With a photo fb-photo", &[PHOTO]).await;

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.posted, 2, "{report:?}");
    assert!(row(&app, text)
        .await
        .external_post_id
        .unwrap()
        .contains("_post_"));
    assert!(row(&app, photo)
        .await
        .external_post_id
        .unwrap()
        .contains("_photo_"));
    let calls = fake.calls();
    assert_eq!(calls.iter().filter(|c| c.ends_with("/feed")).count(), 1);
    assert_eq!(calls.iter().filter(|c| c.ends_with("/photos")).count(), 1);
    assert_eq!(
        fake.publish_count("fb-text") + fake.publish_count("fb-photo"),
        2
    );
}

#[tokio::test]
async fn tiktok_posts_from_a_url_and_polls_until_complete() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    *fake.state.processing_polls.lock().unwrap() = 2;
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "tiktok", GOOD_TOKEN, Some("rt-1")).await;
    let id = due_post(&app, &who, account, "Watch this tt-success", &[VIDEO]).await;

    tick(&Engine::from_state(&app.state)).await;
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Posted, "{:?}", post.error_message);
    assert!(post.external_post_id.unwrap().starts_with("73"));
    assert!(
        post.publish_ref.unwrap().starts_with("v_pub_url_"),
        "the publish id was checkpointed"
    );
    assert_eq!(
        fake.calls()
            .iter()
            .filter(|c| *c == "POST tiktok status")
            .count(),
        3
    );
    assert_eq!(fake.publish_count("tt-success"), 1);
}

#[tokio::test]
async fn a_transient_error_is_retried_with_backoff_then_succeeds() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    fake.script([Scripted::server_error()]);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "retry me fb-retry", &[]).await;
    let engine = Engine::from_state(&app.state);

    let first = tick(&engine).await;
    assert_eq!(first.retrying, 1, "{first:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Scheduled);
    assert_eq!(post.attempts, 1);
    assert!(post.next_attempt_at.is_some());
    assert!(post.error_message.unwrap().contains("500"));

    let second = tick(&engine).await;
    assert_eq!(second.posted, 1, "{second:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Posted);
    assert_eq!(post.attempts, 2);
    assert!(post.error_message.is_none());
    assert_eq!(fake.publish_count("fb-retry"), 1);
    let events = publish_events(&app, id).await;
    assert!(events
        .iter()
        .any(|e| e.message.starts_with("Attempt 1 failed, retrying")
            && e.data["response_code"] == "2"));
}

#[tokio::test]
async fn retries_stop_at_the_limit_with_a_readable_reason() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    fake.script([
        Scripted::server_error(),
        Scripted::server_error(),
        Scripted::server_error(),
    ]);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "never fb-exhaust", &[]).await;
    let engine = Engine::from_state(&app.state);

    for _ in 0..3 {
        tick(&engine).await;
        // A retry is due "now" on the application's clock, and claims compare it with the
        // database's (milliseconds on SQLite): a tick within the same millisecond would not
        // see it due yet.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Failed);
    assert_eq!(post.attempts, 3);
    let reason = post.error_message.unwrap();
    assert!(
        reason.starts_with("Gave up after 3 attempts: Facebook answered 500"),
        "{reason}"
    );
    assert_eq!(
        tick(&engine).await.claimed,
        0,
        "a failed post is not picked up again"
    );
    assert_eq!(fake.publish_count("fb-exhaust"), 0);
}

#[tokio::test]
async fn a_permanent_error_fails_at_once() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    fake.script([Scripted::invalid_media()]);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "instagram", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "bad media ig-perm", &[PHOTO]).await;

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.failed, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Failed);
    assert_eq!(post.attempts, 1);
    assert_eq!(
        post.error_message.unwrap(),
        "Instagram answered 400: Unsupported image format"
    );
    let events = publish_events(&app, id).await;
    assert!(events
        .iter()
        .any(|e| e.level == app::model::EventLevel::Error
            && e.data["response_code"] == "100/2207026"));
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_the_post_goes_out() {
    let fake = FakePlatform::start().await;
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    // The fake does not know this token: code 190, then fb_exchange_token gives a fresh one.
    let account = real_account(&app, &who, "facebook", "expired-token", None).await;
    let id = due_post(&app, &who, account, "after renewal fb-renew", &[]).await;

    tick(&Engine::from_state(&app.state)).await;
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Posted, "{:?}", post.error_message);
    assert_eq!(fake.publish_count("fb-renew"), 1);
    let stored = account_row(&app, account).await;
    let sealed = stored.access_token_enc.unwrap();
    assert!(
        !sealed.contains("fresh-meta-token"),
        "tokens are encrypted at rest"
    );
    assert!(app
        .state
        .vault
        .open(&sealed)
        .unwrap()
        .starts_with("fresh-meta-token"));
    assert!(!stored.needs_reconnect);
}

#[tokio::test]
async fn a_failed_renewal_marks_the_account_and_fails_its_due_posts() {
    let fake = FakePlatform::start().await;
    *fake.state.refuse_refresh.lock().unwrap() = true;
    // Both posts find the token expired while the first renewal is still waiting for its
    // answer: the second must learn the refusal, not defer as if another instance renewed.
    fake.slow("POST tiktok token", std::time::Duration::from_millis(300));
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(
        &app,
        &who,
        "tiktok",
        "revoked-token",
        Some("revoked-refresh"),
    )
    .await;
    let first = due_post(&app, &who, account, "one tt-revoked", &[VIDEO]).await;
    let second = due_post(&app, &who, account, "two tt-revoked", &[VIDEO]).await;
    let engine = Engine::from_state(&app.state);
    let report = tick(&engine).await;
    assert_eq!(report.posted, 0, "{report:?}");

    for id in [first, second] {
        let post = row(&app, id).await;
        assert_eq!(post.status, PostStatus::Failed);
        let reason = post.error_message.unwrap();
        assert!(reason.contains("needs to be reconnected"), "{reason}");
    }
    let stored = account_row(&app, account).await;
    assert!(stored.needs_reconnect);
    // The reason stays on the account for the accounts and home pages.
    let kept = stored.reconnect_reason.expect("the reason is kept");
    assert!(kept.contains("needs to be reconnected"), "{kept}");
    assert_eq!(fake.publish_count("tt-revoked"), 0);
    // The account's info tells the owner.
    let res = app
        .get_bearer(&format!("/api/v1/accounts/{account}"), &who.token)
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["needs_reconnect"], true);
}

#[tokio::test]
async fn posts_that_waited_for_a_renewal_that_failed_for_now_are_retried_with_it() {
    let fake = FakePlatform::start().await;
    // TikTok's token endpoint answers one 500, slowly: both posts find the token expired
    // while that renewal is under way.
    fake.script([Scripted::server_error()]);
    fake.slow("POST tiktok token", std::time::Duration::from_millis(300));
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "tiktok", "expired-token", Some("rt")).await;
    let first = due_post(&app, &who, account, "one tt-later", &[VIDEO]).await;
    let second = due_post(&app, &who, account, "two tt-later", &[VIDEO]).await;
    let engine = Engine::from_state(&app.state);
    let report = tick(&engine).await;
    assert_eq!(report.retrying, 2, "{report:?}");

    // The platform was asked once; the second post did not ask again behind the first.
    let renewals = fake
        .calls()
        .iter()
        .filter(|call| call.as_str() == "POST tiktok token")
        .count();
    assert_eq!(renewals, 1, "{:?}", fake.calls());
    for id in [first, second] {
        let post = row(&app, id).await;
        assert_eq!(post.status, PostStatus::Scheduled);
        assert_eq!(post.attempts, 1);
        assert!(post.next_attempt_at.is_some());
        let reason = post.error_message.unwrap();
        assert!(reason.contains("could not be renewed yet"), "{reason}");
    }
    let stored = account_row(&app, account).await;
    assert!(
        !stored.needs_reconnect,
        "a passing failure keeps the account"
    );
    assert_eq!(fake.publish_count("tt-later"), 0);
}

#[tokio::test]
async fn rate_limits_defer_the_post_without_failing_it() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    fake.script([
        Scripted::meta_rate_limited(120),
        Scripted::tiktok_rate_limited(),
    ]);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let fb = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, fb, "later fb-limited", &[]).await;
    let engine = Engine::from_state(&app.state);

    let before = Utc::now();
    let report = tick(&engine).await;
    assert_eq!(report.deferred, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Scheduled);
    assert_eq!(post.attempts, 0, "a deferral is not a failed attempt");
    let next = post.next_attempt_at.unwrap();
    assert!(
        next >= before + Duration::seconds(119) && next <= Utc::now() + Duration::seconds(121),
        "{next}"
    );
    assert_eq!(
        tick(&engine).await.claimed,
        0,
        "not picked up before the platform allows"
    );

    let tt = real_account(&app, &who, "tiktok", GOOD_TOKEN, Some("rt")).await;
    let tt_post = due_post(&app, &who, tt, "later tt-limited", &[VIDEO]).await;
    assert_eq!(tick(&engine).await.deferred, 1);
    assert_eq!(row(&app, tt_post).await.status, PostStatus::Scheduled);
    let events = publish_events(&app, tt_post).await;
    assert!(events
        .iter()
        .any(|e| e.message.starts_with("Deferred until")
            && e.data["response_code"] == "rate_limit_exceeded"));
}

#[tokio::test]
async fn instagrams_daily_cap_defers_the_26th_post() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "instagram", GOOD_TOKEN, None).await;
    let user = app.user(&who.email).await;
    let oldest = Utc::now() - Duration::hours(23);
    let published: Vec<post::ActiveModel> = (0..25)
        .map(|i| {
            post_row(
                user.id,
                account,
                app::model::Platform::Instagram,
                &format!("earlier {i}"),
                PostStatus::Posted,
                Some(oldest + Duration::minutes(i)),
            )
        })
        .collect();
    post::Entity::insert_many(published)
        .exec(&app.db)
        .await
        .unwrap();
    let id = due_post(&app, &who, account, "one too many ig-cap", &[PHOTO]).await;

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.deferred, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Scheduled);
    let next = post.next_attempt_at.unwrap();
    assert!(
        (next - (oldest + Duration::hours(24))).num_seconds().abs() <= 1,
        "{next}"
    );
    assert!(fake.calls().is_empty(), "the platform was not asked");
}

fn post_row(
    user: Uuid,
    account: Uuid,
    platform: app::model::Platform,
    content: &str,
    status: PostStatus,
    posted_at: Option<chrono::DateTime<Utc>>,
) -> post::ActiveModel {
    let mut row = post::new_row(
        user,
        account,
        platform,
        content.into(),
        status,
        Some(posted_at.unwrap_or_else(Utc::now) - Duration::seconds(1)),
    );
    row.posted_at = Set(posted_at);
    row.external_post_id = Set(posted_at.map(|_| format!("ext-{}", Uuid::new_v4().simple())));
    row
}

/// An instance claimed the post and died: its lease ran out.
async fn crashed_mid_publish(app: &TestApp, id: Uuid, publish_ref: Option<String>) {
    post::Entity::update_many()
        .col_expr(
            post::Column::Status,
            Expr::value(PostStatus::Publishing.as_str()),
        )
        .col_expr(post::Column::LeaseOwner, Expr::value("crashed-instance"))
        .col_expr(
            post::Column::LeaseExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(5)),
        )
        .col_expr(
            post::Column::PublishStartedAt,
            Expr::value(Utc::now() - Duration::seconds(30)),
        )
        .col_expr(post::Column::PublishRef, Expr::value(publish_ref))
        .filter(post::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_crash_after_facebook_posted_is_recovered_without_a_second_post() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "once only fb-crash", &[]).await;
    crashed_mid_publish(&app, id, None).await;
    let live_id = fake.already_on_page("once only fb-crash");

    // Not before the lease expired: a live lease is left alone.
    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.posted, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Posted);
    assert_eq!(
        post.external_post_id.unwrap(),
        live_id,
        "found on the page, not posted again"
    );
    assert_eq!(fake.publish_count("fb-crash"), 1);
    assert!(!fake.calls().iter().any(|c| c.ends_with("/feed")));
}

#[tokio::test]
async fn a_crash_after_the_instagram_container_resumes_from_it() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "instagram", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "resume ig-crash", &[PHOTO]).await;
    let container = fake.existing_container("resume ig-crash");
    crashed_mid_publish(&app, id, Some(container)).await;

    tick(&Engine::from_state(&app.state)).await;
    assert_eq!(row(&app, id).await.status, PostStatus::Posted);
    assert_eq!(fake.publish_count("ig-crash"), 1);
    assert!(
        !fake.calls().iter().any(|c| c.ends_with("/media")),
        "no second container"
    );

    // A post whose lease is still running is not touched.
    let other = due_post(&app, &who, account, "busy ig-live-lease", &[PHOTO]).await;
    post::Entity::update_many()
        .col_expr(
            post::Column::Status,
            Expr::value(PostStatus::Publishing.as_str()),
        )
        .col_expr(post::Column::LeaseOwner, Expr::value("alive-instance"))
        .col_expr(
            post::Column::LeaseExpiresAt,
            Expr::value(Utc::now() + Duration::seconds(60)),
        )
        .filter(post::Column::Id.eq(other))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(tick(&Engine::from_state(&app.state)).await.claimed, 0);
}

#[tokio::test]
async fn sandbox_accounts_publish_instantly_and_queue_items_become_posted() {
    let fake = FakePlatform::start().await;
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let ig = app.account(&who.token, "instagram").await;
    let fb = app.account(&who.token, "facebook").await;
    let res = app
        .post_bearer("/api/v1/queue", &who.token, &json!({"product_data": {"title": "Moon Mug", "images": [PHOTO]}, "platforms": ["instagram", "facebook"]}))
        .await;
    let item: Value = res.json().await.unwrap();
    let item_id = item["id"].as_str().unwrap();
    assert_eq!(
        app.post_bearer(
            &format!("/api/v1/queue/{item_id}/generate"),
            &who.token,
            &json!({})
        )
        .await
        .status(),
        200
    );
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{item_id}/approve"),
            &who.token,
            &json!({"scheduled_for": Utc::now() + Duration::hours(1), "account_ids": [ig, fb]}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let approved: Value = res.json().await.unwrap();
    let post_ids: Vec<Uuid> = approved["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(post_ids.len(), 2);
    for id in &post_ids {
        make_due(&app, *id).await;
    }

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.posted, 2, "{report:?}");
    for id in &post_ids {
        let post = row(&app, *id).await;
        assert!(post.external_post_id.unwrap().starts_with("sandbox_"));
    }
    let item = content_queue::Entity::find_by_id(item_id.parse::<Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.status, QueueStatus::Posted);
    assert!(
        fake.calls().is_empty(),
        "sandbox accounts never call the platform"
    );

    // The metrics job gives them plausible numbers; the API shows them.
    let refreshed = Engine::from_state(&app.state)
        .refresh_metrics()
        .await
        .unwrap();
    assert_eq!(refreshed, 2);
    let metrics = post_metrics::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(metrics.len(), 2);
    let res = app
        .get_bearer(&format!("/api/v1/posts/{}", post_ids[0]), &who.token)
        .await;
    assert!(res.json::<Value>().await.unwrap()["metrics"].is_object());
}

#[tokio::test]
async fn the_metrics_job_reads_platform_insights_and_the_token_job_renews_expiring_tokens() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "measured fb-metrics", &[]).await;
    let engine = Engine::from_state(&app.state);
    tick(&engine).await;
    assert_eq!(engine.refresh_metrics().await.unwrap(), 1);
    let m = post_metrics::Entity::find()
        .filter(post_metrics::Column::PostId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // The fake answers metric i with 100 × (i + 1), in the order asked.
    assert_eq!(
        (
            m.impressions,
            m.reach,
            m.clicks,
            m.likes,
            m.comments,
            m.shares
        ),
        (100, 200, 300, 400, 5, 7)
    );
    // A second run updates the same row.
    engine.refresh_metrics().await.unwrap();
    assert_eq!(
        post_metrics::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );

    social_account::Entity::update_many()
        .col_expr(
            social_account::Column::TokenExpiresAt,
            Expr::value(Utc::now() + Duration::days(1)),
        )
        .filter(social_account::Column::Id.eq(account))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(engine.refresh_tokens().await.unwrap(), 1);
    let stored = account_row(&app, account).await;
    assert!(stored.token_expires_at.unwrap() > Utc::now() + Duration::days(50));
    assert!(app
        .state
        .vault
        .open(stored.access_token_enc.as_deref().unwrap())
        .unwrap()
        .starts_with("fresh-meta-token"));
}

/// tokio-cron-scheduler needs a multi-threaded runtime (as `serve` has); on a current-thread
/// one its jobs never fire (mvniekerk/tokio-cron-scheduler#28).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_the_engine_on_its_own() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let (graph, tiktok) = (fake.graph_url(), fake.tiktok_url());
    let app = spawn_app_with(move |s| {
        s.scheduler.enabled = true;
        s.platforms.meta_graph_url = graph;
        s.platforms.tiktok_api_url = tiktok;
    })
    .await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "by itself fb-serve", &[]).await;
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(60);
    while row(&app, id).await.status != PostStatus::Posted {
        assert!(
            std::time::Instant::now() < deadline,
            "not published within 60 s: {:?}",
            row(&app, id).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!("serve published after {:?}", started.elapsed());
    assert_eq!(fake.publish_count("fb-serve"), 1);
}

/// Three engines over one database, 5,000 posts due in the same second, a platform that counts
/// what it receives: every post exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_publish_five_thousand_posts_exactly_once() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let user = app.user(&who.email).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let due_at = Utc::now() - Duration::milliseconds(500);
    let rows: Vec<post::ActiveModel> = (0..5000)
        .map(|i| {
            let mut row = post_row(
                user.id,
                account,
                app::model::Platform::Facebook,
                &format!("post #{i:05}"),
                PostStatus::Scheduled,
                None,
            );
            row.scheduled_for = Set(Some(due_at));
            row
        })
        .collect();
    insert_posts(&app, rows).await;

    let mut engines = Vec::new();
    for n in 0..3 {
        engines.push(engine_on_own_pool(&app, n, 100).await);
    }
    let runs: Vec<_> = engines
        .iter()
        .map(|engine| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.tick().await.unwrap() })
        })
        .collect();
    let mut reports = Vec::new();
    for run in runs {
        reports.push(run.await.unwrap());
    }
    let posted: usize = reports.iter().map(|r| r.posted).sum();
    assert_eq!(posted, 5000, "{reports:?}");
    assert!(
        reports.iter().filter(|r| r.posted > 0).count() >= 2,
        "the work was shared: {reports:?}"
    );

    let published = fake.state.published.lock().unwrap().clone();
    assert_eq!(published.len(), 5000, "0 duplicates");
    let distinct: std::collections::HashSet<&String> =
        published.iter().map(|(_, caption)| caption).collect();
    assert_eq!(distinct.len(), 5000, "0 missing, 0 duplicates");
    let left = post::Entity::find()
        .filter(post::Column::Status.ne(PostStatus::Posted))
        .filter(post::Column::AccountId.eq(account))
        .all(&app.db)
        .await
        .unwrap();
    assert!(left.is_empty(), "{} posts not posted", left.len());
    println!("multi-instance: {reports:?}");
}

/// Editing a post while the engine claims it: the edit either lands before the claim (and
/// the edited post goes out) or is refused; the post is never reset to `scheduled` behind
/// the engine's back and published twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_racing_the_engine_never_causes_a_second_post() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let engine = Arc::new(Engine::from_state(&app.state));
    for round in 0..20 {
        let tag = format!("race-{round}-");
        let id = due_post(&app, &who, account, &format!("{tag}original"), &[]).await;
        let ticking = {
            let engine = engine.clone();
            tokio::spawn(async move { engine.tick().await.unwrap() })
        };
        let res = app
            .patch_bearer(
                &format!("/api/v1/posts/{id}"),
                &who.token,
                &json!({"content": format!("{tag}edited")}),
            )
            .await;
        let status = res.status().as_u16();
        assert!(
            status == 200 || status == 400,
            "round {round}: {status} {}",
            res.text().await.unwrap()
        );
        ticking.await.unwrap();
        tick(&engine).await;
        let post = row(&app, id).await;
        assert_eq!(post.status, PostStatus::Posted, "round {round}");
        assert_eq!(fake.publish_count(&tag), 1, "round {round}: published once");
    }
}

/// A platform slower than the lease: the leases of posts in flight are renewed, so a second
/// engine polling all the while never takes one over, and each post goes out once. (Without
/// renewal the second engine takes every post over after 2 s and posts it again.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_and_a_platform_slower_than_the_lease_publish_each_post_once() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    fake.slow("/feed", std::time::Duration::from_millis(3500));
    let app = publishing_app_with(&fake, |s| {
        s.scheduler.lease_seconds = 2;
        s.scheduler.lease_renew_ms = 400;
    })
    .await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(due_post(&app, &who, account, &format!("slow-{i}-lease"), &[]).await);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let mut runs = Vec::new();
    for n in 1..=2 {
        let (engine, db) = (engine_on_own_pool(&app, n, 10).await, app.db.clone());
        runs.push(tokio::spawn(async move {
            let mut posted = 0;
            loop {
                posted += engine.tick().await.unwrap().posted;
                let left = post::Entity::find()
                    .filter(post::Column::Status.ne(PostStatus::Posted))
                    .all(&db)
                    .await
                    .unwrap();
                if left.is_empty() || std::time::Instant::now() > deadline {
                    return posted;
                }
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
        }));
        // The first engine takes every post; the second polls while they are in flight.
        while fake.calls().len() < 6 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    let mut posted = Vec::new();
    for run in runs {
        posted.push(run.await.unwrap());
    }
    assert_eq!(posted.iter().sum::<usize>(), 6, "{posted:?}");
    for i in 0..6 {
        assert_eq!(
            fake.publish_count(&format!("slow-{i}-lease")),
            1,
            "post {i} published exactly once; calls: {:?}",
            fake.calls()
        );
    }
    for id in ids {
        assert_eq!(row(&app, id).await.status, PostStatus::Posted);
    }
}

/// Another instance takes the post over while this one waits for Instagram to create the
/// container: this one makes no further platform call (no status poll, no publish) and
/// writes no outcome. Once with a renewal too slow to notice (the checkpoint of the container
/// id finds the lease gone), once with a renewal that notices mid-call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_whose_lease_is_taken_makes_no_further_platform_call() {
    for renew_ms in [4_000, 300] {
        let fake = FakePlatform::start().await;
        fake.accept_token(GOOD_TOKEN);
        fake.slow("/media", std::time::Duration::from_millis(1500));
        let app = publishing_app_with(&fake, |s| {
            s.scheduler.lease_seconds = 5;
            s.scheduler.lease_renew_ms = renew_ms;
        })
        .await;
        let who = marketer(&app).await;
        let account = real_account(&app, &who, "instagram", GOOD_TOKEN, None).await;
        let id = due_post(&app, &who, account, "stolen ig-lease", &[PHOTO]).await;
        let engine = Arc::new(Engine::from_state(&app.state));
        let ticking = {
            let engine = engine.clone();
            tokio::spawn(async move { engine.tick().await.unwrap() })
        };
        while !fake.calls().iter().any(|c| c.ends_with("/media")) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        post::Entity::update_many()
            .col_expr(post::Column::LeaseOwner, Expr::value("thief-instance"))
            .col_expr(
                post::Column::LeaseExpiresAt,
                Expr::value(Utc::now() + Duration::seconds(60)),
            )
            .filter(post::Column::Id.eq(id))
            .exec(&app.db)
            .await
            .unwrap();
        let report = ticking.await.unwrap();
        assert_eq!(report.lost, 1, "renew every {renew_ms} ms: {report:?}");
        // Give a call that would follow the time to arrive.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let calls = fake.calls();
        assert_eq!(
            calls.len(),
            1,
            "renew every {renew_ms} ms: only the container was asked for: {calls:?}"
        );
        let post = row(&app, id).await;
        assert_eq!(post.status, PostStatus::Publishing);
        assert_eq!(post.lease_owner.as_deref(), Some("thief-instance"));
        assert!(
            post.publish_ref.is_none(),
            "no outcome or checkpoint written"
        );
        assert_eq!(fake.publish_count("ig-lease"), 0);
    }
}

/// A publisher whose first `start` panics, as a bug or an unexpected answer would.
struct PanicsOnce(std::sync::atomic::AtomicBool);

#[app::server::publishing::adapter::async_trait]
impl Publisher for PanicsOnce {
    async fn start(&self, _: &AccountAuth, post: &OutgoingPost) -> Result<Started, PublishError> {
        if !self.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("an answer nobody expected");
        }
        Ok(Started::Published {
            external_post_id: format!("after-panic-{}", post.post_id),
        })
    }
    async fn finish(
        &self,
        _: &AccountAuth,
        _: &OutgoingPost,
        publish_ref: &str,
    ) -> Result<String, PublishError> {
        Ok(publish_ref.to_string())
    }
    async fn metrics(
        &self,
        _: &AccountAuth,
        _: &str,
        _: chrono::DateTime<Utc>,
    ) -> Result<Metrics, PublishError> {
        Ok(Metrics::default())
    }
    async fn refresh_token(&self, _: &AccountAuth) -> Result<TokenGrant, PublishError> {
        Err(PublishError::permanent("not in this test"))
    }
}

/// A panic while publishing never stops publishing on the instance: the next tick runs and
/// the post goes out (without the fix the `ticking` flag stayed set and nothing was ever
/// published again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_a_tick_does_not_stop_publishing() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "survives a panic", &[]).await;
    let panicky: Arc<dyn Publisher> = Arc::new(PanicsOnce(Default::default()));
    let engine = Arc::new(Engine::new(
        app.db.clone(),
        app.state.settings.scheduler.clone(),
        Arc::new(Platforms::new(
            panicky.clone(),
            panicky.clone(),
            panicky.clone(),
        )),
        app.state.vault.clone(),
    ));

    let first = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.tick().await }).await
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while row(&app, id).await.status != PostStatus::Posted {
        assert!(
            std::time::Instant::now() < deadline,
            "publishing stopped after a panic (first tick: {first:?}): {:?}",
            row(&app, id).await
        );
        engine.tick().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let report = first.expect("the panic stayed inside the tick").unwrap();
    assert_eq!(report.retrying, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.attempts, 2);
    assert_eq!(post.external_post_id.unwrap(), format!("after-panic-{id}"));
}

/// TikTok's publish call times out: the post may be live, and TikTok offers no way to find
/// out without the publish id. The post fails with a plain reason and is not retried (a retry
/// would post it a second time if the first went through).
#[tokio::test]
async fn a_tiktok_publish_that_times_out_fails_unconfirmed_without_a_retry() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    fake.slow("tiktok init", std::time::Duration::from_millis(2500));
    let app = publishing_app_with(&fake, |s| s.platforms.request_timeout_seconds = 1).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "tiktok", GOOD_TOKEN, Some("rt")).await;
    let id = due_post(&app, &who, account, "maybe live tt-unknown", &[VIDEO]).await;
    let engine = Engine::from_state(&app.state);

    let report = tick(&engine).await;
    assert_eq!(report.failed, 1, "{report:?}");
    let reason = "TikTok did not confirm this post; check the profile before retrying";
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Failed);
    assert_eq!(post.error_message.as_deref(), Some(reason));
    let events = publish_events(&app, id).await;
    assert!(
        events
            .iter()
            .any(|e| e.message == format!("Failed: {reason}")),
        "{events:?}"
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(tick(&engine).await.claimed, 0, "not retried");
    let inits = fake
        .calls()
        .iter()
        .filter(|c| *c == "POST tiktok init")
        .count();
    assert_eq!(inits, 1, "one publish call: {:?}", fake.calls());
}

/// An instance died after calling TikTok's publish and before storing the publish id: the
/// instance that recovers the post cannot tell whether it is live, so it fails it the same
/// way instead of publishing again.
#[tokio::test]
async fn a_tiktok_post_interrupted_before_its_publish_id_fails_unconfirmed() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "tiktok", GOOD_TOKEN, Some("rt")).await;
    let id = due_post(&app, &who, account, "crashed tt-crash", &[VIDEO]).await;
    crashed_mid_publish(&app, id, None).await;

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.failed, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(
        post.error_message.as_deref(),
        Some("TikTok did not confirm this post; check the profile before retrying")
    );
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
}

/// An instance died after Instagram published the container and before the outcome was
/// written: the recovered post stores the media id (what metrics and links need), not the
/// container id, and is not published again.
#[tokio::test]
async fn a_resumed_instagram_post_stores_the_media_id_not_the_container() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "instagram", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "already out ig-media-id", &[PHOTO]).await;
    let (container, media) = fake.published_container("already out ig-media-id");
    crashed_mid_publish(&app, id, Some(container)).await;

    let report = tick(&Engine::from_state(&app.state)).await;
    assert_eq!(report.posted, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.external_post_id.as_deref(), Some(media.as_str()));
    assert_eq!(fake.publish_count("ig-media-id"), 1);
    assert!(!fake.calls().iter().any(|c| c.ends_with("/media_publish")));
}

/// Two instances find the same TikTok token about to expire at the same moment: one renews
/// it, the other sees the claim (or the renewed token) and leaves it. TikTok rotates refresh
/// tokens, so a second renewal would have spent a dead one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_renew_one_account_token_once() {
    let fake = FakePlatform::start().await;
    fake.slow("tiktok token", std::time::Duration::from_millis(800));
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "tiktok", GOOD_TOKEN, Some("rt-once")).await;
    social_account::Entity::update_many()
        .col_expr(
            social_account::Column::TokenExpiresAt,
            Expr::value(Utc::now() + Duration::hours(2)),
        )
        .filter(social_account::Column::Id.eq(account))
        .exec(&app.db)
        .await
        .unwrap();
    let engines = [
        engine_on_own_pool(&app, 1, 10).await,
        engine_on_own_pool(&app, 2, 10).await,
    ];
    let runs: Vec<_> = engines
        .iter()
        .map(|engine| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.refresh_tokens().await.unwrap() })
        })
        .collect();
    let mut renewed = 0;
    for run in runs {
        renewed += run.await.unwrap();
    }
    let calls = fake.calls();
    assert_eq!(
        calls.iter().filter(|c| *c == "POST tiktok token").count(),
        1,
        "{calls:?}"
    );
    assert_eq!(renewed, 1);
    let stored = account_row(&app, account).await;
    assert!(!stored.needs_reconnect);
    assert!(app
        .state
        .vault
        .open(stored.access_token_enc.as_deref().unwrap())
        .unwrap()
        .starts_with("fresh-tiktok-token"));
}

/// TikTok's token endpoint is down when a post finds its token expired: the post is retried
/// later and the account is NOT marked for reconnection (only a definite refusal does that).
#[tokio::test]
async fn a_transient_renewal_failure_retries_the_post_and_keeps_the_account() {
    let fake = FakePlatform::start().await;
    fake.script([Scripted::server_error()]);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "tiktok", "expired-token", Some("rt-ok")).await;
    let id = due_post(&app, &who, account, "later tt-renew-503", &[VIDEO]).await;
    let engine = Engine::from_state(&app.state);

    let report = tick(&engine).await;
    assert_eq!(report.retrying, 1, "{report:?}");
    let stored = account_row(&app, account).await;
    assert!(
        !stored.needs_reconnect,
        "a transient failure keeps the account"
    );
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Scheduled);
    assert!(
        post.error_message
            .as_deref()
            .unwrap()
            .contains("could not be renewed yet"),
        "{:?}",
        post.error_message
    );

    // The token endpoint answers again: the next attempt renews and publishes.
    let report = tick(&engine).await;
    assert_eq!(report.posted, 1, "{report:?}");
    assert_eq!(fake.publish_count("tt-renew-503"), 1);
}

/// A deactivated owner's due posts are not published: they wait with a reason, and go out
/// once the owner is reactivated.
#[tokio::test]
async fn posts_of_a_deactivated_owner_are_held_until_reactivation() {
    let fake = FakePlatform::start().await;
    fake.accept_token(GOOD_TOKEN);
    let app = publishing_app(&fake).await;
    let who = marketer(&app).await;
    let account = real_account(&app, &who, "facebook", GOOD_TOKEN, None).await;
    let id = due_post(&app, &who, account, "on hold fb-deactivated", &[]).await;
    let set_active = |active: bool| {
        let (db, email) = (app.db.clone(), who.email.clone());
        async move {
            let user = app::server::services::users::find_by_email(&db, &email)
                .await
                .unwrap()
                .unwrap();
            let mut user: app::server::entities::user::ActiveModel = user.into();
            user.is_active = Set(active);
            sea_orm::ActiveModelTrait::update(user, &db).await.unwrap();
        }
    };
    set_active(false).await;
    let engine = Engine::from_state(&app.state);

    let report = tick(&engine).await;
    assert_eq!(report.claimed, 0, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Scheduled);
    assert_eq!(
        post.error_message.as_deref(),
        Some("Held: the account owner is deactivated")
    );
    assert!(fake.calls().is_empty());

    set_active(true).await;
    let report = tick(&engine).await;
    assert_eq!(report.posted, 1, "{report:?}");
    let post = row(&app, id).await;
    assert_eq!(post.status, PostStatus::Posted);
    assert!(post.error_message.is_none());
    assert_eq!(fake.publish_count("fb-deactivated"), 1);
}

/// Platform calls time out with distinctive tokens and app secrets in play (a container poll,
/// a feed post, Meta's token exchange, TikTok's refresh): no token or secret reaches a stored
/// text (posts, event log, accounts) or an API answer, and the reasons are plain. Before,
/// reqwest's error text carried the URL, and Graph calls put `access_token`, `client_secret`
/// and `fb_exchange_token` in query strings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timed_out_platform_calls_leave_no_token_or_secret_anywhere() {
    let unique = Uuid::new_v4().simple().to_string();
    let ig_token = format!("ig-tok-SECRET-{unique}");
    let fb_token = format!("fb-tok-SECRET-{unique}");
    let fb_expired = format!("fb-expired-SECRET-{unique}");
    let tt_refresh = format!("tt-refresh-SECRET-{unique}");
    let meta_secret = format!("meta-app-SECRET-{unique}");
    let tiktok_secret = format!("tiktok-client-SECRET-{unique}");
    let secrets = [
        &ig_token,
        &fb_token,
        &fb_expired,
        &tt_refresh,
        &meta_secret,
        &tiktok_secret,
    ];

    let fake = FakePlatform::start().await;
    fake.accept_token(&ig_token);
    fake.accept_token(&fb_token);
    for slow in [
        "GET container_",
        "/feed",
        "POST oauth/access_token",
        "POST tiktok token",
    ] {
        fake.slow(slow, std::time::Duration::from_millis(2500));
    }
    let (meta, tiktok) = (meta_secret.clone(), tiktok_secret.clone());
    let app = publishing_app_with(&fake, move |s| {
        s.platforms.request_timeout_seconds = 1;
        s.platforms.meta_app_secret = meta;
        s.platforms.tiktok_client_secret = tiktok;
    })
    .await;
    let who = marketer(&app).await;
    let ig = real_account(&app, &who, "instagram", &ig_token, None).await;
    let fb = real_account(&app, &who, "facebook", &fb_token, None).await;
    let fb_old = real_account(&app, &who, "facebook", &fb_expired, None).await;
    let tt = real_account(&app, &who, "tiktok", "tt-expired", Some(&tt_refresh)).await;
    let mut ids = vec![
        due_post(&app, &who, ig, "poll times out ig-secret", &[PHOTO]).await,
        due_post(&app, &who, fb, "feed times out fb-secret", &[]).await,
        due_post(&app, &who, fb_old, "exchange times out fb-old-secret", &[]).await,
        due_post(&app, &who, tt, "refresh times out tt-secret", &[VIDEO]).await,
    ];
    let engine = Engine::from_state(&app.state);
    tick(&engine).await;
    let post = row(&app, ids[0]).await;
    assert_eq!(
        post.error_message.as_deref(),
        Some("Instagram did not answer within 1 s"),
        "a plain reason"
    );
    tick(&engine).await;

    // Everything stored as text, and everything the API answers about it.
    let mut seen = String::new();
    for post in post::Entity::find().all(&app.db).await.unwrap() {
        seen.push_str(&format!("{post:?}\n"));
    }
    for event in event_log::Entity::find().all(&app.db).await.unwrap() {
        seen.push_str(&format!("{event:?}\n"));
    }
    for account in social_account::Entity::find().all(&app.db).await.unwrap() {
        seen.push_str(&format!("{account:?}\n"));
    }
    ids.push(Uuid::nil());
    for id in &ids[..4] {
        let res = app
            .get_bearer(&format!("/api/v1/posts/{id}"), &who.token)
            .await;
        seen.push_str(&res.text().await.unwrap());
    }
    for path in ["/api/v1/posts", "/api/v1/accounts"] {
        seen.push_str(&app.get_bearer(path, &who.token).await.text().await.unwrap());
    }
    let admin = app.signed_up("root-secrets@example.com").await;
    app.set_role("root-secrets@example.com", app::model::Role::Admin)
        .await;
    let logs = app
        .get_bearer("/api/v1/admin/logs?per_page=100", &admin.access_token)
        .await;
    assert_eq!(logs.status(), 200);
    seen.push_str(&logs.text().await.unwrap());

    assert!(seen.contains("did not answer within 1 s"), "{seen}");
    for secret in secrets {
        assert!(
            !seen.contains(secret.as_str()),
            "{secret} leaked into: {}",
            seen.lines()
                .filter(|l| l.contains(secret.as_str()))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
