//! The composer's, the posts page's and the calendar's server functions through the real
//! router, as the browser calls them (form posts with the session cookies): one post per
//! chosen account or none, times read in the user's zone with DST answered, calendar moves
//! that keep the time of day, the browser's zone taken at registration, and the pages
//! rendering complete on the server.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::Response;
use serde_json::Value;
use uuid::Uuid;

use app::error::AppError;
use app::fns::calendar::{CalendarChip, CalendarPage};
use app::model::{BulkOutcome, PlanTier, PostStatus};
use app::server::entities::post;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{browser, call, detail, page, spawn_app, wire, Browser, TestApp};

async fn posts_of(app: &TestApp, who: &Browser) -> Vec<post::Model> {
    let user = app.user(&who.email).await;
    post::Entity::find()
        .filter(post::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_composer_makes_one_post_per_account_or_none() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let instagram = app.account(&who.token, "instagram").await;
    let facebook = app.account(&who.token, "facebook").await;

    // Fine for Facebook, too long for Instagram: neither post is made.
    let long = "a".repeat(2300);
    let res = call(
        &app,
        &who,
        "/fn/posts/save",
        &[
            ("account_ids[]", &facebook),
            ("account_ids[]", &instagram),
            ("content", &long),
            ("hashtags", ""),
            ("media_urls", ""),
            ("scheduled_for", ""),
            ("intent", "draft"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let error: AppError = wire(res).await;
    assert_eq!(
        error.field(),
        Some("content"),
        "the error names the field: {error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Instagram captions are limited to 2200 characters (this one has 2300)"
    );
    assert!(posts_of(&app, &who).await.is_empty(), "nothing was saved");

    let res = call(
        &app,
        &who,
        "/fn/posts/save",
        &[
            ("account_ids[]", &facebook),
            ("account_ids[]", &instagram),
            ("content", "New in: linen"),
            ("hashtags", "#linen, summer"),
            (
                "media_urls",
                "https://cdn.example.com/a.jpg\nhttps://cdn.example.com/b.jpg",
            ),
            ("scheduled_for", ""),
            ("intent", "draft"),
        ],
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    let saved = posts_of(&app, &who).await;
    assert_eq!(saved.len(), 2);
    for post in &saved {
        assert_eq!(post.status, PostStatus::Draft);
        assert_eq!(post.hashtags.0, ["linen", "summer"]);
        assert_eq!(post.media_urls.0.len(), 2);
    }

    // The same account twice still makes one post.
    let res = call(
        &app,
        &who,
        "/fn/posts/save",
        &[
            ("account_ids[]", &facebook),
            ("account_ids[]", &facebook),
            ("content", "Once only"),
            ("hashtags", ""),
            ("media_urls", ""),
            ("scheduled_for", ""),
            ("intent", "draft"),
        ],
    )
    .await;
    assert!(res.status().is_success());
    let once = posts_of(&app, &who)
        .await
        .into_iter()
        .filter(|p| p.content == "Once only")
        .count();
    assert_eq!(once, 1);

    // No account chosen: said at the accounts field.
    let res = call(
        &app,
        &who,
        "/fn/posts/save",
        &[
            ("content", "x"),
            ("hashtags", ""),
            ("media_urls", ""),
            ("scheduled_for", ""),
            ("intent", "draft"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(wire::<AppError>(res).await.field(), Some("account_ids"));
}

#[tokio::test]
async fn composer_times_are_read_in_the_users_zone_and_dst_gaps_are_refused() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    assert_eq!(app.user(&who.email).await.timezone, "America/New_York");
    let facebook = app.account(&who.token, "facebook").await;
    let save = |at: &'static str| {
        let facebook = facebook.clone();
        let app = &app;
        let who = &who;
        async move {
            call(
                app,
                who,
                "/fn/posts/save",
                &[
                    ("account_ids[]", &facebook),
                    ("content", "Spring sale"),
                    ("hashtags", ""),
                    ("media_urls", ""),
                    ("scheduled_for", at),
                    ("intent", "schedule"),
                ],
            )
            .await
        }
    };

    // 2:30 AM on March 10, 2030 does not exist in New York.
    let res = save("2030-03-10T02:30").await;
    assert_eq!(res.status(), 422);
    let error: AppError = wire(res).await;
    assert_eq!(error.field(), Some("scheduled_for"));
    assert_eq!(
        error.to_string(),
        "2:30 AM on Sunday, March 10, 2030 does not exist in America/New_York: clocks jump \
         from 2:00 AM to 3:00 AM that night. Pick another time."
    );

    // 1:30 AM on November 3, 2030 happens twice: the choice decides.
    let res = save("2030-11-03T01:30").await;
    assert_eq!(res.status(), 422);
    assert!(detail_text(res).await.contains("happens twice"));

    let res = save("2030-07-01T10:00").await;
    assert!(res.status().is_success(), "{}", res.status());
    let saved = posts_of(&app, &who).await;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].status, PostStatus::Scheduled);
    assert_eq!(
        saved[0].scheduled_for,
        Some(Utc.with_ymd_and_hms(2030, 7, 1, 14, 0, 0).unwrap())
    );

    // The UTC line beside the field.
    let res = call(
        &app,
        &who,
        "/fn/posts/check-time",
        &[("local", "2030-07-01T10:00")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(wire::<String>(res).await, "= 2030-07-01 14:00 UTC");
}

async fn detail_text(res: Response) -> String {
    wire::<AppError>(res).await.to_string()
}

/// A scheduled post of `who` at `at`, made through the REST API.
async fn scheduled(app: &TestApp, who: &Browser, account: &str, at: DateTime<Utc>) -> String {
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &serde_json::json!({"account_id": account, "content": "On the calendar", "scheduled_for": at.to_rfc3339()}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn calendar_moves_keep_the_time_of_day_in_the_zone_shown() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    let facebook = app.account(&who.token, "facebook").await;
    let at = Utc.with_ymd_and_hms(2030, 7, 1, 14, 30, 0).unwrap(); // 10:30 in New York
    let id = scheduled(&app, &who, &facebook, at).await;

    // To another day: same wall-clock time in the zone the calendar shows.
    let res = call(
        &app,
        &who,
        "/fn/calendar/move",
        &[
            ("id", &id),
            ("date", "2030-07-03"),
            ("tz", "America/New_York"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let chip: CalendarChip = wire(res).await;
    assert_eq!(chip.date.to_string(), "2030-07-03");
    assert_eq!(chip.time, "10:30 AM");
    let stored = |app: &TestApp| {
        let id = Uuid::parse_str(&id).unwrap();
        let db = app.db.clone();
        async move {
            post::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .scheduled_for
        }
    };
    assert_eq!(stored(&app).await, Some(at + Duration::days(2)));

    // To an hour of the week view, in another zone: minutes kept.
    let res = call(
        &app,
        &who,
        "/fn/calendar/move",
        &[
            ("id", &id),
            ("date", "2030-07-03"),
            ("hour", "18"),
            ("tz", "Europe/Paris"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        stored(&app).await,
        Some(Utc.with_ymd_and_hms(2030, 7, 3, 16, 30, 0).unwrap())
    );

    // Into the past: refused, the post stays where it was.
    let res = call(
        &app,
        &who,
        "/fn/calendar/move",
        &[("id", &id), ("date", "2020-01-01"), ("tz", "UTC")],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(detail_text(res).await.contains("must be in the future"));
    assert_eq!(
        stored(&app).await,
        Some(Utc.with_ymd_and_hms(2030, 7, 3, 16, 30, 0).unwrap())
    );

    // "Move to…" a typed time; someone else's post is not found.
    let res = call(
        &app,
        &who,
        "/fn/calendar/move-to",
        &[
            ("id", &id),
            ("local", "2030-08-01T09:15"),
            ("tz", "America/New_York"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        stored(&app).await,
        Some(Utc.with_ymd_and_hms(2030, 8, 1, 13, 15, 0).unwrap())
    );
    let stranger = browser(&app, PlanTier::Pro, "UTC").await;
    let res = call(
        &app,
        &stranger,
        "/fn/calendar/move",
        &[("id", &id), ("date", "2030-09-01"), ("tz", "UTC")],
    )
    .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_calendar_places_posts_in_the_zone_it_is_asked_for() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    let facebook = app.account(&who.token, "facebook").await;
    // 02:00 UTC on July 2 is still July 1 (22:00) in New York.
    let at = Utc.with_ymd_and_hms(2030, 7, 2, 2, 0, 0).unwrap();
    scheduled(&app, &who, &facebook, at).await;
    for (tz, date, hour) in [("", "2030-07-01", 22), ("UTC", "2030-07-02", 2)] {
        let res = call(
            &app,
            &who,
            "/fn/calendar/data",
            &[("view", "week"), ("date", "2030-07-01"), ("tz", tz)],
        )
        .await;
        assert_eq!(res.status(), 200);
        let page: CalendarPage = wire(res).await;
        assert_eq!(page.chips.len(), 1, "{tz}: {page:?}");
        assert_eq!(page.chips[0].date.to_string(), date, "{tz}");
        assert_eq!(page.chips[0].hour, hour, "{tz}");
        assert!(page.chips[0].movable);
    }
    let res = call(&app, &who, "/fn/calendar/data", &[("tz", "Mars/Olympus")]).await;
    assert_eq!(res.status(), 422);

    // Dates at chrono's edges are refused before any arithmetic could panic.
    for date in ["-262143-01-05", "+262142-12-05", "262142-12-05"] {
        let res = call(&app, &who, "/fn/calendar/data", &[("date", date)]).await;
        assert_eq!(res.status(), 422, "{date}");
    }
    let (status, html) = page(&app, &who, "/calendar?date=-262143-01-05").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="error-panel""#));
}

#[tokio::test]
async fn malformed_server_function_input_is_a_4xx_not_a_500() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let some_id = Uuid::new_v4().to_string();
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "/fn/posts/bulk",
            vec![("ids[0]", "not-a-uuid"), ("action", "delete")],
        ),
        (
            "/fn/calendar/move",
            vec![("id", "zzz"), ("date", "2030-01-01"), ("tz", "UTC")],
        ),
        (
            "/fn/calendar/move",
            vec![
                ("id", &some_id),
                ("date", "2030-01-01"),
                ("hour", "abc"),
                ("tz", "UTC"),
            ],
        ),
        ("/fn/posts/retry", vec![]),
    ];
    for (path, form) in cases {
        let res = call(&app, &who, path, &form).await;
        assert_eq!(res.status(), 422, "{path} {form:?}");
    }
    // A body far over the limit is refused, not read whole.
    let huge = "a".repeat(8 * 1024 * 1024);
    let res = call(&app, &who, "/fn/posts/import-preview", &[("csv", &huge)]).await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn registration_keeps_a_known_browser_zone_and_ignores_others() {
    let app = spawn_app().await;
    let paris = browser(&app, PlanTier::Free, "Europe/Paris").await;
    assert_eq!(app.user(&paris.email).await.timezone, "Europe/Paris");
    let nowhere = browser(&app, PlanTier::Free, "Mars/Olympus").await;
    assert_eq!(app.user(&nowhere.email).await.timezone, "UTC");
}

#[tokio::test]
async fn the_scheduling_pages_render_complete_on_the_server() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "Europe/Paris").await;
    let instagram = app.account(&who.token, "instagram").await;
    let at = Utc::now() + Duration::days(3);
    let id = scheduled_with_media(&app, &who, &instagram, at).await;

    // Rendered elements, not the data Leptos embeds for hydration.
    let (status, html) = page(&app, &who, "/compose").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"dark:text-zinc-400">Europe/Paris</span>"#),
        "the zone is named beside the time"
    );
    assert!(html.contains(r#"name="account_ids[]""#));

    let (status, html) = page(&app, &who, &format!("/posts/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(html.contains(">Edit post</h1>"));
    assert!(
        html.contains(">On the calendar</textarea>"),
        "the caption is in the form"
    );
    assert!(html.contains(r#"type="hidden" name="post_id""#));

    let (status, html) = page(&app, &who, "/posts").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="post-row""#));

    let (status, html) = page(&app, &who, "/posts?status=nonsense").await;
    assert_eq!(status, 200);
    let panel = html
        .split(r#"data-testid="error-panel""#)
        .nth(1)
        .expect("a bad filter shows the error panel");
    assert!(panel.contains("Unknown status"), "and says why");

    for view in ["month", "week"] {
        let (status, html) = page(&app, &who, &format!("/calendar?view={view}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!(r#"data-post-id="{id}""#)), "{view}");
    }
}

async fn scheduled_with_media(
    app: &TestApp,
    who: &Browser,
    account: &str,
    at: DateTime<Utc>,
) -> String {
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &serde_json::json!({"account_id": account, "content": "On the calendar", "media_urls": ["https://cdn.example.com/a.jpg"], "scheduled_for": at.to_rfc3339()}),
        )
        .await;
    if res.status() != 201 {
        panic!("create: {}", detail(res).await);
    }
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_bulk_day_shift_keeps_the_wall_clock_time_across_daylight_saving() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    let facebook = app.account(&who.token, "facebook").await;
    // 10:00 on Saturday, November 2, 2030 in New York (EDT); clocks turn back that night.
    let at = Utc.with_ymd_and_hms(2030, 11, 2, 14, 0, 0).unwrap();
    let id = scheduled(&app, &who, &facebook, at).await;
    let stored = || async {
        post::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .scheduled_for
    };

    let res = call(
        &app,
        &who,
        "/fn/posts/bulk",
        &[("ids[0]", &id), ("action", "shift"), ("offset", "1d")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(wire::<BulkOutcome>(res).await.done, 1);
    // Still 10:00 in New York, now EST: 15:00 UTC, 25 hours later.
    assert_eq!(
        stored().await,
        Some(Utc.with_ymd_and_hms(2030, 11, 3, 15, 0, 0).unwrap())
    );

    let res = call(
        &app,
        &who,
        "/fn/posts/bulk",
        &[("ids[0]", &id), ("action", "shift"), ("offset", "-1h")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        stored().await,
        Some(Utc.with_ymd_and_hms(2030, 11, 3, 14, 0, 0).unwrap())
    );

    for offset in ["0d", "999d", "soon", ""] {
        let res = call(
            &app,
            &who,
            "/fn/posts/bulk",
            &[("ids[0]", &id), ("action", "shift"), ("offset", offset)],
        )
        .await;
        assert_eq!(res.status(), 422, "{offset:?}");
    }
}

#[tokio::test]
async fn two_edits_valid_alone_never_combine_into_a_post_no_platform_accepts() {
    use app::server::services::posts::{self, PostPatch};
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let owner = app.user(&who.email).await;
    let facebook = Uuid::parse_str(&app.account(&who.token, "facebook").await).unwrap();
    let instagram = Uuid::parse_str(&app.account(&who.token, "instagram").await).unwrap();
    let long = "a".repeat(3000);
    let mut refusals = 0;
    for round in 0..25 {
        let post = posts::create(
            &app.db,
            &owner,
            posts::NewPost {
                account_id: facebook,
                content: format!("short {round}"),
                media_urls: vec!["https://cdn.example.com/a.jpg".into()],
                hashtags: vec![],
                scheduled_for: None,
                queue_item_id: None,
            },
        )
        .await
        .unwrap();
        // Alone, each is fine: a short caption may go to Instagram, a long one stays on
        // Facebook. Together they would be a 3,000-character Instagram post.
        let to_instagram = posts::update(
            &app.db,
            &owner,
            post.id,
            PostPatch {
                account_id: Some(instagram),
                ..PostPatch::default()
            },
        );
        let longer = posts::update(
            &app.db,
            &owner,
            post.id,
            PostPatch {
                content: Some(long.clone()),
                ..PostPatch::default()
            },
        );
        let (a, b) = tokio::join!(to_instagram, longer);
        refusals += usize::from(a.is_err()) + usize::from(b.is_err());
        let stored = post::Entity::find_by_id(post.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !(stored.account_id == instagram && stored.content.chars().count() > 2200),
            "round {round}: a {}-character caption on Instagram",
            stored.content.chars().count()
        );
    }
    println!("{refusals} of 50 edits refused as changed meanwhile");
}

/// The month view reads when each post falls, then only the chips it shows: the result must
/// be exactly the first posts of each day (in the zone shown) of the full calendar read, with
/// the others counted, across a DST change, a post published on another day than its slot,
/// and captions cut by characters, not bytes.
#[tokio::test]
async fn the_month_view_shows_the_first_posts_of_each_day_and_counts_the_rest() {
    use app::server::services::posts;
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    let facebook: Uuid = app.account(&who.token, "facebook").await.parse().unwrap();
    let user = app.user(&who.email).await;
    let zone: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let utc = |d, h, m| Utc.with_ymd_and_hms(2030, 3, d, h, m, 0).unwrap();
    let caption = |i: usize| format!("{i} 🌷 {}", "Spring sale on every mug. ".repeat(4));
    let facebook_post = |i: usize, status: PostStatus, at| {
        post::new_row(
            user.id,
            facebook,
            app::model::Platform::Facebook,
            caption(i),
            status,
            Some(at),
        )
    };
    // Five posts on March 5 (New York), one of them at 23:59 local = 04:59 UTC on March 6.
    let mut rows: Vec<_> = [
        utc(5, 14, 0),
        utc(5, 15, 0),
        utc(5, 16, 30),
        utc(5, 18, 0),
        utc(6, 4, 59),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, at)| facebook_post(i, PostStatus::Scheduled, at))
    .collect();
    // March 10 springs forward at 2:00: posts at 1:30 and 3:30 local, four in all.
    rows.extend(
        [
            utc(10, 6, 30),
            utc(10, 7, 30),
            utc(10, 12, 0),
            utc(10, 13, 0),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, at)| facebook_post(10 + i, PostStatus::Draft, at)),
    );
    // Slotted for March 20, published on March 12: it belongs to March 12.
    let mut published = post::new_row(
        user.id,
        facebook,
        app::model::Platform::Facebook,
        caption(20),
        PostStatus::Posted,
        Some(utc(20, 15, 0)),
    );
    published.posted_at = sea_orm::Set(Some(utc(12, 15, 0)));
    rows.push(published);
    crate::helpers::insert_posts(&app, rows).await;

    let (start, end) = (
        chrono::NaiveDate::from_ymd_opt(2030, 2, 25).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2030, 4, 7).unwrap(),
    );
    let full = posts::calendar(&app.db, &user, start, end, zone)
        .await
        .unwrap();
    assert_eq!(full.total, 10);
    let shown = posts::calendar_entries(&app.db, &user, start, end, zone, Some(3))
        .await
        .unwrap();
    let expected: Vec<_> = full
        .days
        .iter()
        .map(|day| posts::CalendarDayEntries {
            date: day.date,
            entries: day.posts.iter().take(3).map(Into::into).collect(),
            more: day.posts.len().saturating_sub(3) as u32,
        })
        .collect();
    assert_eq!(shown, expected);
    let days: Vec<(String, usize, u32)> = shown
        .iter()
        .map(|d| (d.date.to_string(), d.entries.len(), d.more))
        .collect();
    assert_eq!(
        days,
        [
            ("2030-03-05".to_string(), 3, 2),
            ("2030-03-10".to_string(), 3, 1),
            ("2030-03-12".to_string(), 1, 0),
        ]
    );
    let excerpt = &shown[0].entries[0].excerpt;
    assert_eq!(excerpt.chars().count(), posts::EXCERPT_CHARS);
    assert!(excerpt.starts_with("0 🌷 Spring sale"), "{excerpt}");
    // Without a cap, every post of the range, as the full read has them.
    let all = posts::calendar_entries(&app.db, &user, start, end, zone, None)
        .await
        .unwrap();
    let all_expected: Vec<_> = full
        .days
        .iter()
        .map(|day| posts::CalendarDayEntries {
            date: day.date,
            entries: day.posts.iter().map(Into::into).collect(),
            more: 0,
        })
        .collect();
    assert_eq!(all, all_expected);

    // The page's server function: three chips on March 5 and "+2", then a post deleted behind
    // the page's back (plain SQL) shows at once, though the page's read is kept in memory.
    let page = month_of_march_2030(&app, &who).await;
    let on_5th = |page: &CalendarPage| {
        page.chips
            .iter()
            .filter(|c| c.date.to_string() == "2030-03-05")
            .count()
    };
    assert_eq!(on_5th(&page), 3, "{page:?}");
    assert_eq!(page.hidden, [(date(2030, 3, 5), 2), (date(2030, 3, 10), 1)]);
    let first = shown[0].entries[0].id;
    post::Entity::delete_many()
        .filter(post::Column::Id.eq(first))
        .exec(&app.db)
        .await
        .unwrap();
    let page = month_of_march_2030(&app, &who).await;
    assert_eq!(on_5th(&page), 3);
    assert_eq!(page.hidden[0], (date(2030, 3, 5), 1));
    assert!(!serde_json::to_string(&page)
        .unwrap()
        .contains(&first.to_string()));
}

fn date(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

async fn month_of_march_2030(app: &TestApp, who: &Browser) -> CalendarPage {
    let res = call(app, who, "/fn/calendar/data", &[("date", "2030-03-01")]).await;
    assert_eq!(res.status(), 200);
    wire(res).await
}
