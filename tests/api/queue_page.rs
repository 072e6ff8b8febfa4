//! The content queue page (rendered on the server only) through the real router, as a
//! browser without JavaScript uses it: import a product from its page and review its fields,
//! write and edit a caption within the platforms' rules and the plan's quota, plan an
//! approval (the posts it will create) then approve it at a time in the user's zone, reject,
//! and bulk actions that say what happened to each item, also when they race.

use axum::response::Html;
use axum::routing::get;
use chrono::{Duration, TimeZone, Utc};
use reqwest::Response;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use app::model::{PlanTier, PostStatus, QueueStatus};
use app::server::entities::{content_queue, post};

use crate::helpers::{
    browser, follow, location, page, spawn_app, spawn_app_with, submit_from, Browser, TestApp,
};

const PRODUCT_PAGE: &str = r#"<html><head><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Cedar Candle","description":"Smoky and warm.",
 "image":"https://cdn.example/candle.jpg","offers":{"@type":"Offer","price":"24.00","priceCurrency":"USD"}}
</script></head><body>Candle</body></html>"#;

/// A form on the queue page, posted without JavaScript.
async fn submit(app: &TestApp, who: &Browser, path: &str, form: &[(&str, &str)]) -> Response {
    submit_from(app, who, "/queue", path, form).await
}

async fn items(app: &TestApp, who: &Browser) -> Vec<content_queue::Model> {
    let user = app.user(&who.email).await;
    content_queue::Entity::find()
        .filter(content_queue::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn add(app: &TestApp, who: &Browser, title: &str) -> String {
    let res = submit(
        app,
        who,
        "/fn/queue/add",
        &[
            ("title", title),
            ("description", "Soft and warm."),
            ("price", "49"),
            ("currency", "usd"),
            ("url", ""),
            ("image_url", "https://cdn.example/p.jpg"),
            ("tags", "cosy, home"),
            ("platforms[]", "instagram"),
            ("platforms[]", "facebook"),
        ],
    )
    .await;
    let to = location(&res);
    assert!(to.contains("notice=added"), "{to}");
    to.rsplit("#item-").next().unwrap().to_string()
}

#[tokio::test]
async fn a_product_page_becomes_approved_posts_at_a_time_in_the_users_zone() {
    let shop = {
        let router = axum::Router::new().route("/candle", get(|| async { Html(PRODUCT_PAGE) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        address
    };
    let app = spawn_app_with(|s| s.integrations.import_allow_private_hosts = true).await;
    let who = browser(&app, PlanTier::Pro, "Europe/Paris").await;
    let instagram = app.account(&who.token, "instagram").await;
    let facebook = app.account(&who.token, "facebook").await;

    let (status, html) = page(&app, &who, "/queue").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"import-form\""));
    assert!(html.contains("Unlimited AI captions"), "Pro's quota");

    // Import: the item opens with its fields for review.
    let res = submit(
        &app,
        &who,
        "/fn/queue/import",
        &[
            ("url", &format!("{shop}/candle")),
            ("platforms[]", "instagram"),
            ("platforms[]", "facebook"),
        ],
    )
    .await;
    let to = location(&res);
    assert!(to.contains("notice=imported&imported="), "{to}");
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Product imported."));
    assert!(html.contains("data-title=\"Cedar Candle\""));
    assert!(
        html.contains("value=\"Cedar Candle\""),
        "the imported fields, editable"
    );
    let details_tag = html
        .split("data-testid=\"product-details\"")
        .next()
        .unwrap()
        .rsplit("<details")
        .next()
        .unwrap();
    assert!(
        details_tag.contains("open"),
        "opened for review: {details_tag}"
    );
    let id = items(&app, &who).await[0].id.to_string();

    // Review the product, then write its caption.
    let res = submit(
        &app,
        &who,
        "/fn/queue/product",
        &[
            ("id", &id),
            ("title", "Cedar Candle, large"),
            ("description", "Smoky and warm."),
            ("price", "28.00"),
            ("currency", "USD"),
            ("url", ""),
            ("image_url", "https://cdn.example/candle.jpg"),
            ("tags", "home"),
            ("back", "/queue"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Product saved."));
    assert!(html.contains("$28.00"));
    let res = submit(
        &app,
        &who,
        "/fn/queue/generate",
        &[("id", &id), ("tone", "playful"), ("back", "/queue")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Caption written."));
    assert!(html.contains("Cedar Candle, large"));
    assert!(html.contains("Write again"), "regenerate");

    // Edit it: too long for Instagram is refused with the rule, a fine one is kept.
    let long = "x".repeat(2300);
    let res = submit(
        &app,
        &who,
        "/fn/queue/caption",
        &[
            ("id", &id),
            ("content", &long),
            ("hashtags", ""),
            ("back", "/queue"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(
        html.contains("Instagram captions are limited to 2200 characters"),
        "{html}"
    );
    let res = submit(
        &app,
        &who,
        "/fn/queue/caption",
        &[
            ("id", &id),
            ("content", "Light it up: the cedar candle is here."),
            ("hashtags", "#cedar candles"),
            ("back", "/queue"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Caption saved."));
    assert!(html.contains("Light it up: the cedar candle is here."));
    assert!(html.contains("#cedar #candles"));

    // Plan: the posts it will create, at 10:00 in Paris, before anything is written.
    let day = (Utc::now() + Duration::days(3)).date_naive();
    let local = format!("{}T10:00", day.format("%Y-%m-%d"));
    let (_, html) = page(
        &app,
        &who,
        &format!("/queue?plan={id}&accounts={instagram}&accounts={facebook}&at={local}"),
    )
    .await;
    assert!(html.contains("This creates 2 posts:"), "{html}");
    assert!(html.contains("10:00 AM"));
    assert!(
        items(&app, &who).await[0].status == QueueStatus::Pending,
        "a plan writes nothing"
    );
    // A plan that cannot be done says why.
    let (_, html) = page(&app, &who, &format!("/queue?plan={id}&at=2001-01-01T10:00")).await;
    assert!(html.contains("data-testid=\"plan-problem\""));
    assert!(html.contains("must be in the future"), "{html}");

    let res = submit(
        &app,
        &who,
        "/fn/queue/approve",
        &[
            ("id", &id),
            ("accounts[]", &instagram),
            ("accounts[]", &facebook),
            ("scheduled_for", &local),
            ("back", "/queue"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Approved: 2 posts created."));
    assert!(
        html.contains("data-testid=\"next-week\""),
        "the side panel shows them"
    );
    let user = app.user(&who.email).await;
    let made = post::Entity::find()
        .filter(post::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(made.len(), 2);
    let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let expected = paris
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    assert!(made
        .iter()
        .all(|p| p.scheduled_for == Some(expected) && p.status == PostStatus::Scheduled));
    let (_, approved) = page(&app, &who, "/queue?status=approved").await;
    assert!(approved.contains("data-title=\"Cedar Candle, large\""));
}

#[tokio::test]
async fn bulk_actions_say_what_happened_to_each_item_and_race_safely() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    app.account(&who.token, "instagram").await;
    app.account(&who.token, "facebook").await;
    let first = add(&app, &who, "Wool Scarf").await;
    let second = add(&app, &who, "Linen Shirt").await;
    let third = add(&app, &who, "Clay Mug").await;
    for id in [&first, &second] {
        let res = submit(
            &app,
            &who,
            "/fn/queue/generate",
            &[("id", id), ("tone", "casual")],
        )
        .await;
        assert!(location(&res).contains("notice=generated"));
    }

    // Two tabs approve the same three items at once: each item is approved once, the one
    // without a caption by neither, and each answer names what it could not do.
    let at = (Utc::now() + Duration::days(2))
        .format("%Y-%m-%dT09:30")
        .to_string();
    let form = [
        ("action", "approve"),
        ("ids[]", first.as_str()),
        ("ids[]", second.as_str()),
        ("ids[]", third.as_str()),
        ("scheduled_for", at.as_str()),
        ("back", "/queue"),
    ];
    let (a, b) = tokio::join!(
        submit(&app, &who, "/fn/queue/bulk", &form),
        submit(&app, &who, "/fn/queue/bulk", &form),
    );
    let done = |res: &Response| -> u64 {
        let to = location(res);
        to.split("done=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        done(&a) + done(&b),
        2,
        "{} / {}",
        location(&a),
        location(&b)
    );
    let user = app.user(&who.email).await;
    let made = post::Entity::find()
        .filter(post::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(made.len(), 4, "two items × two platforms, once each");

    let html = follow(&app, &who, &a).await;
    let refused = html
        .split("data-testid=\"bulk-refused\"")
        .nth(1)
        .expect("the refusals are listed")
        .split("</ul>")
        .next()
        .unwrap();
    assert!(
        refused.contains("Clay Mug"),
        "the refused item is named: {refused}"
    );
    assert!(refused.contains("Generate a caption before approving"));
    assert!(!refused.contains("Wool Scarf"));

    // Bulk reject of the rest.
    let res = submit(
        &app,
        &who,
        "/fn/queue/bulk",
        &[
            ("action", "reject"),
            ("ids[]", third.as_str()),
            ("scheduled_for", ""),
            ("back", "/queue"),
        ],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("1 item rejected."));
    let statuses: Vec<QueueStatus> = items(&app, &who).await.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == QueueStatus::Approved)
            .count(),
        2
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == QueueStatus::Rejected)
            .count(),
        1
    );

    // Nothing selected, or someone else's items: clear answers, nothing changed.
    let res = submit(
        &app,
        &who,
        "/fn/queue/bulk",
        &[("action", "reject"), ("scheduled_for", "")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Select at least one item"));
    let other = browser(&app, PlanTier::Pro, "UTC").await;
    let res = submit(
        &app,
        &other,
        "/fn/queue/bulk",
        &[
            ("action", "reject"),
            ("ids[]", first.as_str()),
            ("scheduled_for", ""),
        ],
    )
    .await;
    assert!(location(&res).contains("done=0"));
    let first_now = items(&app, &who)
        .await
        .into_iter()
        .find(|i| i.id.to_string() == first)
        .unwrap();
    assert_eq!(
        first_now.status,
        QueueStatus::Approved,
        "someone else cannot reject it"
    );

    // A forged return address cannot break the answer's headers.
    let res = submit(
        &app,
        &who,
        "/fn/queue/reject",
        &[
            ("id", second.as_str()),
            ("back", "/queue?status=a\nb&page=1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(
        location(&res).starts_with("/queue?page=1&notice=rejected"),
        "{}",
        location(&res)
    );
}

#[tokio::test]
async fn the_caption_quota_is_shown_and_enforced_on_free() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Free, "UTC").await;
    let id = add(&app, &who, "Wool Scarf").await;
    let (_, html) = page(&app, &who, "/queue").await;
    assert!(html.contains("5 AI captions left this month"));
    for _ in 0..5 {
        let res = submit(
            &app,
            &who,
            "/fn/queue/generate",
            &[("id", &id), ("tone", "urgent")],
        )
        .await;
        assert!(location(&res).contains("notice=generated"));
    }
    let (_, html) = page(&app, &who, "/queue").await;
    assert!(html.contains("0 AI captions left this month"));
    let res = submit(
        &app,
        &who,
        "/fn/queue/generate",
        &[("id", &id), ("tone", "urgent")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(
        html.contains("data-testid=\"plan-limit\""),
        "the way to more captions"
    );
    // A bad tone is a clear error too.
    let res = submit(
        &app,
        &who,
        "/fn/queue/generate",
        &[("id", &id), ("tone", "angry")],
    )
    .await;
    let html = follow(&app, &who, &res).await;
    assert!(html.contains("Choose a tone"));
}
