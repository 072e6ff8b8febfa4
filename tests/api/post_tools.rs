//! The dashboard's post tools: list filters (account, search, sort), bulk actions, the CSV
//! export route, the CSV import (preview and all-or-nothing commit within the plan) and the
//! composer's best times.

use app::error::AppError;
use app::model::{PlanTier, Platform, PostSort, PostStatus};
use app::server::csv;
use app::server::entities::{post, post_metrics, user, StringList};
use app::server::services::paging::PageRequest;
use app::server::services::posts::{self, PostFilter};
use app::server::services::{best_times, local_time, post_import};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{detail, insert_posts, marketer, spawn_app, Marketer, TestApp};

const PHOTO: &str = "https://cdn.example.com/mug.jpg";

/// A post row for `who`'s `account`, created `age` ago, at `at` when given.
fn row(
    owner: &user::Model,
    account: Uuid,
    platform: Platform,
    content: &str,
    status: PostStatus,
    at: Option<DateTime<Utc>>,
    age: Duration,
) -> post::ActiveModel {
    let mut row = post::new_row(owner.id, account, platform, content.into(), status, at);
    row.created_at = Set(Utc::now() - age);
    row.media_urls = Set(StringList(vec![PHOTO.into()]));
    row
}

async fn account_named(app: &TestApp, who: &Marketer, platform: &str, name: &str) -> Uuid {
    let res = app
        .post_bearer(
            "/api/v1/accounts",
            &who.token,
            &json!({"platform": platform, "account_name": name}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn list(app: &TestApp, owner: &user::Model, filter: PostFilter) -> Vec<String> {
    let page = PageRequest::new(None, Some(100)).unwrap();
    posts::list(&app.db, owner, filter, page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.content)
        .collect()
}

async fn set_zone(app: &TestApp, email: &str, zone: &str) -> user::Model {
    let mut active = app.user(email).await.into_active_model();
    active.timezone = Set(zone.into());
    active.update(&app.db).await.unwrap()
}

#[tokio::test]
async fn the_list_filters_by_account_and_search_and_sorts() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let other = marketer(&app).await;
    let ig = account_named(&app, &who, "instagram", "Mugs IG").await;
    let fb = account_named(&app, &who, "facebook", "Mugs FB").await;
    let theirs = account_named(&app, &other, "instagram", "Theirs").await;
    let owner = app.user(&who.email).await;
    let stranger = app.user(&other.email).await;
    let now = Utc::now();
    let d = Duration::days;
    let mut with_tags = row(
        &owner,
        ig,
        Platform::Instagram,
        "Tagged",
        PostStatus::Draft,
        None,
        d(5),
    );
    with_tags.hashtags = Set(StringList(vec!["SummerSale".into(), "mugs".into()]));
    insert_posts(
        &app,
        vec![
            row(
                &owner,
                ig,
                Platform::Instagram,
                "Big SALE today",
                PostStatus::Scheduled,
                Some(now + d(3)),
                d(4),
            ),
            row(
                &owner,
                ig,
                Platform::Instagram,
                "50% off mugs",
                PostStatus::Scheduled,
                Some(now + d(1)),
                d(3),
            ),
            row(
                &owner,
                fb,
                Platform::Facebook,
                "500 mugs sold",
                PostStatus::Scheduled,
                Some(now + d(2)),
                d(2),
            ),
            row(
                &owner,
                fb,
                Platform::Facebook,
                "axb draft",
                PostStatus::Draft,
                None,
                d(1),
            ),
            with_tags,
            row(
                &stranger,
                theirs,
                Platform::Instagram,
                "Their sale, 50% off",
                PostStatus::Draft,
                None,
                d(1),
            ),
        ],
    )
    .await;

    let by_account = PostFilter {
        account_id: Some(fb),
        ..PostFilter::default()
    };
    assert_eq!(
        list(&app, &owner, by_account).await,
        ["axb draft", "500 mugs sold"]
    );
    // Someone else's account shows nothing, not their posts.
    let foreign = PostFilter {
        account_id: Some(theirs),
        ..PostFilter::default()
    };
    assert!(list(&app, &owner, foreign).await.is_empty());

    let search = |text: &str| PostFilter {
        search: Some(text.into()),
        ..PostFilter::default()
    };
    // Content or any hashtag, whatever the case; the other user's "sale" never shows.
    assert_eq!(
        list(&app, &owner, search("  sale ")).await,
        ["Big SALE today", "Tagged"]
    );
    assert_eq!(
        list(&app, &owner, search("MUGS")).await.len(),
        3,
        "content or hashtag"
    );
    // `%` and `_` are plain characters, not wildcards.
    assert_eq!(list(&app, &owner, search("50%")).await, ["50% off mugs"]);
    assert!(list(&app, &owner, search("a_b")).await.is_empty());
    assert!(list(&app, &owner, search("%")).await.len() == 1);
    // Blank is no search at all.
    assert_eq!(list(&app, &owner, search("   ")).await.len(), 5);
    let too_long = posts::list(
        &app.db,
        &owner,
        search(&"x".repeat(201)),
        PageRequest::default(),
    );
    assert_eq!(too_long.await.unwrap_err().status(), 422);

    let sorted = |sort: PostSort| PostFilter {
        sort,
        ..PostFilter::default()
    };
    assert_eq!(
        list(&app, &owner, sorted(PostSort::Newest)).await,
        [
            "axb draft",
            "500 mugs sold",
            "50% off mugs",
            "Big SALE today",
            "Tagged"
        ]
    );
    assert_eq!(
        list(&app, &owner, sorted(PostSort::Oldest)).await,
        [
            "Tagged",
            "Big SALE today",
            "50% off mugs",
            "500 mugs sold",
            "axb draft"
        ]
    );
    let soonest = list(&app, &owner, sorted(PostSort::Soonest)).await;
    assert_eq!(
        soonest[..3],
        ["50% off mugs", "500 mugs sold", "Big SALE today"]
    );
    let latest = list(&app, &owner, sorted(PostSort::Latest)).await;
    assert_eq!(
        latest[..3],
        ["Big SALE today", "500 mugs sold", "50% off mugs"]
    );
    for unscheduled in [&soonest[3..], &latest[3..]] {
        let mut tail = unscheduled.to_vec();
        tail.sort();
        assert_eq!(
            tail,
            ["Tagged", "axb draft"],
            "posts without a time come last"
        );
    }

    // The kept answers of the cached list never mix two filters.
    let page = PageRequest::default();
    let reads = &app.state.post_reads;
    let all = reads
        .list(&app.db, &owner, PostFilter::default(), page)
        .await
        .unwrap();
    let sale = reads
        .list(&app.db, &owner, search("sale"), page)
        .await
        .unwrap();
    let fb_only = reads
        .list(&app.db, &owner, by_account_fb(fb), page)
        .await
        .unwrap();
    let total = |answer: &app::server::services::post_reads::JsonAnswer| {
        serde_json::from_slice::<Value>(&answer.json()).unwrap()["total"].clone()
    };
    assert_eq!(
        [total(&all), total(&sale), total(&fb_only)],
        [json!(5), json!(2), json!(2)]
    );
}

fn by_account_fb(fb: Uuid) -> PostFilter {
    PostFilter {
        account_id: Some(fb),
        ..PostFilter::default()
    }
}

async fn status_of(app: &TestApp, id: Uuid) -> Option<post::Model> {
    post::Entity::find_by_id(id).one(&app.db).await.unwrap()
}

#[tokio::test]
async fn bulk_actions_do_what_they_may_and_say_why_not_for_the_rest() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let other = marketer(&app).await;
    let ig = account_named(&app, &who, "instagram", "Shop").await;
    let theirs = account_named(&app, &other, "instagram", "Theirs").await;
    let owner = app.user(&who.email).await;
    let stranger = app.user(&other.email).await;
    let at = Utc::now() + Duration::days(2);
    let age = Duration::hours(1);
    let rows = [
        row(
            &owner,
            ig,
            Platform::Instagram,
            "draft",
            PostStatus::Draft,
            None,
            age,
        ),
        row(
            &owner,
            ig,
            Platform::Instagram,
            "one",
            PostStatus::Scheduled,
            Some(at),
            age,
        ),
        row(
            &owner,
            ig,
            Platform::Instagram,
            "two",
            PostStatus::Scheduled,
            Some(at),
            age,
        ),
        row(
            &owner,
            ig,
            Platform::Instagram,
            "posted",
            PostStatus::Posted,
            Some(at - Duration::days(9)),
            age,
        ),
        row(
            &stranger,
            theirs,
            Platform::Instagram,
            "theirs",
            PostStatus::Scheduled,
            Some(at),
            age,
        ),
    ];
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.clone().unwrap()).collect();
    let [draft, one, two, posted, theirs_post] = ids[..] else {
        unreachable!()
    };
    insert_posts(&app, rows.to_vec()).await;

    // Reschedule: both scheduled posts move by exactly a day; the rest are refused.
    let moved = posts::bulk_reschedule(
        &app.db,
        &owner,
        &[one, two, draft, posted, theirs_post, one],
        posts::Shift::days(1),
    )
    .await
    .unwrap();
    assert_eq!(moved.done, 2, "{moved:?}");
    let reasons: Vec<(Uuid, &str)> = moved
        .refused
        .iter()
        .map(|r| (r.id, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].0 == draft && reasons[0].1.contains("has no time to move"),
        "{reasons:?}"
    );
    assert_eq!(reasons[1], (posted, "A posted post cannot be scheduled"));
    assert_eq!(reasons[2], (theirs_post, "Post not found"));
    for id in [one, two] {
        let post = status_of(&app, id).await.unwrap();
        let moved_by = post.scheduled_for.unwrap() - at;
        assert!(
            (moved_by - Duration::days(1)).num_milliseconds().abs() < 1,
            "{moved_by}"
        );
    }
    assert_eq!(
        status_of(&app, theirs_post)
            .await
            .unwrap()
            .scheduled_for
            .unwrap()
            .timestamp(),
        at.timestamp()
    );
    // Into the past: refused by the schedule rule, nothing moves.
    let back = posts::bulk_reschedule(&app.db, &owner, &[one], posts::Shift::days(-30))
        .await
        .unwrap();
    assert_eq!(back.done, 0);
    assert_eq!(
        back.refused[0].reason,
        "The scheduled time must be in the future: that one has already passed"
    );

    // To draft: a scheduled post goes back, a draft counts as done, a posted one cannot.
    let drafted = posts::bulk_to_draft(&app.db, &owner, &[one, draft, posted, theirs_post])
        .await
        .unwrap();
    assert_eq!(drafted.done, 2, "{drafted:?}");
    assert_eq!(drafted.refused[0].reason, "A posted post cannot be edited");
    assert_eq!(drafted.refused[1].reason, "Post not found");
    let one_now = status_of(&app, one).await.unwrap();
    assert_eq!(
        (one_now.status, one_now.scheduled_for),
        (PostStatus::Draft, None)
    );
    assert_eq!(
        status_of(&app, theirs_post).await.unwrap().status,
        PostStatus::Scheduled
    );

    // Delete: duplicates once, someone else's post untouched.
    let deleted = posts::bulk_delete(&app.db, &owner, &[draft, draft, posted, theirs_post, two])
        .await
        .unwrap();
    assert_eq!(deleted.done, 2, "{deleted:?}");
    assert_eq!(
        deleted
            .refused
            .iter()
            .map(|r| (r.id, r.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            (posted, "A posted post cannot be deleted"),
            (theirs_post, "Post not found")
        ]
    );
    assert!(status_of(&app, draft).await.is_none() && status_of(&app, two).await.is_none());
    assert!(
        status_of(&app, posted).await.is_some() && status_of(&app, theirs_post).await.is_some()
    );

    // At most 500 distinct ids, and at least one.
    let many: Vec<Uuid> = (0..501).map(|_| Uuid::new_v4()).collect();
    let err = posts::bulk_delete(&app.db, &owner, &many)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("ids"));
    let err = posts::bulk_to_draft(&app.db, &owner, &[])
        .await
        .unwrap_err();
    assert_eq!(err.status(), 422);
}

#[tokio::test]
async fn a_bulk_reschedule_and_parallel_edits_both_land() {
    use std::sync::atomic::{AtomicBool, Ordering};

    let app = spawn_app().await;
    let who = marketer(&app).await;
    let ig = account_named(&app, &who, "instagram", "Shop").await;
    let owner = app.user(&who.email).await;
    let at = Utc::now() + Duration::days(3);
    let rows: Vec<post::ActiveModel> = (0..40)
        .map(|i| {
            let at = at + Duration::minutes(i);
            let content = format!("p{i}");
            row(
                &owner,
                ig,
                Platform::Instagram,
                &content,
                PostStatus::Scheduled,
                Some(at),
                Duration::zero(),
            )
        })
        .collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.clone().unwrap()).collect();
    let before: Vec<DateTime<Utc>> = rows
        .iter()
        .map(|r| r.scheduled_for.clone().unwrap().unwrap())
        .collect();
    insert_posts(&app, rows).await;

    // Editors keep changing every post's text while the bulk action moves their times (each
    // editor its own posts: two editors of one post would refuse each other, by design).
    let finished = AtomicBool::new(false);
    let bulk = async {
        let outcome = posts::bulk_reschedule(&app.db, &owner, &ids, posts::Shift::hours(2)).await;
        finished.store(true, Ordering::SeqCst);
        outcome
    };
    let editors = futures::future::join_all((0..4).map(|editor| {
        let (app, owner, ids, finished) = (&app, &owner, &ids, &finished);
        async move {
            let mut edits = 0;
            while !finished.load(Ordering::SeqCst) || edits == 0 {
                for id in ids.iter().skip(editor * 10).take(10) {
                    let patch = posts::PostPatch {
                        content: Some(format!("edited {id} by {editor}")),
                        ..posts::PostPatch::default()
                    };
                    posts::update(&app.db, owner, *id, patch).await.unwrap();
                    edits += 1;
                }
            }
            edits
        }
    }));
    let (outcome, edits) = tokio::join!(bulk, editors);
    let outcome = outcome.unwrap();
    assert_eq!(
        (outcome.done, outcome.refused.len()),
        (40, 0),
        "{outcome:?}"
    );
    assert!(edits.iter().all(|n| *n >= 10), "{edits:?}");
    for (id, was) in ids.iter().zip(before) {
        let post = status_of(&app, *id).await.unwrap();
        assert!(
            post.content.starts_with(&format!("edited {id}")),
            "the edits landed"
        );
        assert_eq!(
            post.scheduled_for.unwrap().timestamp(),
            (was + Duration::hours(2)).timestamp(),
            "the move landed"
        );
    }
}

fn cookie(token: &str) -> String {
    format!("pp_access={token}")
}

#[tokio::test]
async fn the_export_route_downloads_the_filtered_posts_as_safe_csv() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let other = marketer(&app).await;
    let ig = account_named(&app, &who, "instagram", "Shop, \"Main\"").await;
    let fb = account_named(&app, &who, "facebook", "Shop FB").await;
    let theirs = account_named(&app, &other, "instagram", "Theirs").await;
    let owner = set_zone(&app, &who.email, "America/New_York").await;
    let stranger = app.user(&other.email).await;
    let at: DateTime<Utc> = "2030-07-01T15:30:00Z".parse().unwrap();
    let mut tricky = row(
        &owner,
        ig,
        Platform::Instagram,
        "Hello, \"world\"\nline two",
        PostStatus::Scheduled,
        Some(at),
        Duration::hours(2),
    );
    tricky.hashtags = Set(StringList(vec!["sale".into(), "mugs".into()]));
    insert_posts(
        &app,
        vec![
            tricky,
            row(
                &owner,
                ig,
                Platform::Instagram,
                "=HYPERLINK(\"http://evil.example\")",
                PostStatus::Draft,
                None,
                Duration::hours(1),
            ),
            row(
                &owner,
                fb,
                Platform::Facebook,
                "@facebook only",
                PostStatus::Draft,
                None,
                Duration::zero(),
            ),
            row(
                &stranger,
                theirs,
                Platform::Instagram,
                "not mine",
                PostStatus::Draft,
                None,
                Duration::zero(),
            ),
        ],
    )
    .await;

    // Signed out: sent to sign in, nothing exported.
    let res = app
        .client
        .get(app.url("/posts/export.csv"))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 302 | 303 | 401),
        "{}",
        res.status()
    );
    if res.status() != 401 {
        assert!(res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"));
    }

    let get = |query: &str| {
        app.client
            .get(app.url(&format!("/posts/export.csv{query}")))
            .header("cookie", cookie(&who.token))
            .send()
    };
    let res = get("?platform=instagram&sort=oldest&status=&q=")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"postpilot-posts-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let body = res.text().await.unwrap();
    assert!(body.starts_with("id,account,platform,status,content,hashtags,media,scheduled_for,scheduled_for_utc,posted_at_utc,error\r\n"), "{body}");
    let records = csv::parse(&body).unwrap();
    assert_eq!(
        records.len(),
        3,
        "header and the two Instagram posts: {body}"
    );
    let first = &records[1].fields;
    assert_eq!(first[1], "Shop, \"Main\"");
    assert_eq!(first[2], "instagram");
    assert_eq!(first[3], "scheduled");
    assert_eq!(first[4], "Hello, \"world\"\nline two");
    assert_eq!(first[5], "#sale #mugs");
    assert_eq!(first[6], PHOTO);
    assert_eq!(first[7], "2030-07-01 11:30", "New York time");
    assert_eq!(first[8], "2030-07-01T15:30:00Z");
    assert_eq!(first[9], "");
    // A formula is neutralised: the cell starts with a quote, and stays one cell.
    assert_eq!(records[2].fields[4], "'=HYPERLINK(\"http://evil.example\")");
    assert!(!body.contains("not mine") && !body.contains("@facebook"));

    let res = get("?q=FACEBOOK").await.unwrap();
    let body = res.text().await.unwrap();
    let records = csv::parse(&body).unwrap();
    assert_eq!(records.len(), 2, "{body}");
    assert_eq!(records[1].fields[4], "'@facebook only");

    for bad in [
        "?status=bogus",
        "?platform=myspace",
        "?account=nope",
        "?sort=random",
    ] {
        let res = get(bad).await.unwrap();
        assert_eq!(res.status(), 422, "{bad}");
        assert!(!detail(res).await.is_empty());
    }

    // The import template is static: no session needed.
    let res = app
        .client
        .get(app.url("/posts/import-template.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert_eq!(res.text().await.unwrap(), post_import::TEMPLATE_CSV);
}

/// A zone by its IANA name (the tests name no zone type of their own).
macro_rules! zone {
    ($name:expr) => {
        posts::parse_zone(Some($name)).unwrap()
    };
}

/// The next date after tomorrow on which `zone` skips 02:30 (spring forward).
fn next_gap_date(name: &str) -> NaiveDate {
    let zone = zone!(name);
    let start = Utc::now().date_naive() + Duration::days(2);
    (0..800)
        .map(|d| start + Duration::days(d))
        .find(|date| {
            let wall = date.and_hms_opt(2, 30, 0).unwrap();
            local_time::to_utc(zone, wall, None, "time").is_err()
        })
        .expect("New York springs forward every year")
}

fn local(at: DateTime<Utc>, name: &str) -> String {
    at.with_timezone(&zone!(name))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[tokio::test]
async fn the_import_preview_flags_each_bad_row_on_its_line() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    account_named(&app, &who, "instagram", "Shop IG").await;
    let fb = account_named(&app, &who, "facebook", "Shop FB").await;
    let ny = zone!("America/New_York");
    let owner = set_zone(&app, &who.email, "America/New_York").await;
    let soon = local(Utc::now() + Duration::days(3), "America/New_York");
    let past = local(Utc::now() - Duration::days(3), "America/New_York");
    let gap = format!("{} 02:30", next_gap_date("America/New_York"));
    let long = "x".repeat(2201);
    let file = format!(
        "\u{feff}Time,Content,ACCOUNT,Media,Hashtags\r\n\
         {soon},Fine photo post,shop ig,{PHOTO},#mugs\r\n\
         {soon},Who is this,Nope,{PHOTO},\r\n\
         {soon},{long},Shop IG,{PHOTO},\r\n\
         \r\n\
         {past},Too late,Shop FB,,\r\n\
         {gap},In the gap,Shop IG,{PHOTO},\r\n\
         {soon},No photo,Shop IG,,\r\n\
         ,\"A draft\r\nover two lines, with a comma\",{fb},,#sale\r\n\
         {soon},Facebook needs no photo,Shop FB,,sale summer\r\n"
    );
    let before = app.count("posts").await;
    let preview = post_import::preview(&app.db, &owner, &file, ny)
        .await
        .unwrap();
    let lines: Vec<(u64, Option<&str>)> = preview
        .rows
        .iter()
        .map(|r| (r.line, r.error.as_deref()))
        .collect();
    assert_eq!(
        lines.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [2, 3, 4, 6, 7, 8, 9, 11]
    );
    assert_eq!((preview.valid, preview.invalid), (3, 5), "{lines:?}");
    let error = |line: u64| lines.iter().find(|(l, _)| *l == line).unwrap().1;
    assert_eq!(error(2), None);
    assert!(error(3).unwrap().contains("\"Nope\""), "{lines:?}");
    assert!(
        error(4)
            .unwrap()
            .contains("Instagram captions are limited to 2200"),
        "{lines:?}"
    );
    assert!(error(6).unwrap().contains("in the past"), "{lines:?}");
    assert!(
        error(7)
            .unwrap()
            .contains("does not exist in America/New_York"),
        "{lines:?}"
    );
    assert!(
        error(8)
            .unwrap()
            .contains("need at least one photo or video"),
        "{lines:?}"
    );
    assert_eq!(error(9), None);
    assert_eq!(error(11), None);
    let draft = &preview.rows[6];
    assert_eq!(draft.content, "A draft\nover two lines, with a comma");
    assert_eq!(
        (draft.time.as_str(), draft.hashtags.clone()),
        ("", vec!["#sale".to_string()])
    );
    assert_eq!(preview.rows[7].hashtags, ["sale", "summer"]);
    assert_eq!(app.count("posts").await, before, "a preview writes nothing");

    // A file without a content column, or with too many rows, is refused as a whole.
    let err = post_import::preview(&app.db, &owner, "account,time\nShop IG,\n", ny)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("file"));
    let big = format!("account,content\n{}", "Shop FB,hi\n".repeat(501));
    let err = post_import::preview(&app.db, &owner, &big, ny)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 500"), "{err}");
}

#[tokio::test]
async fn an_import_lands_whole_or_not_at_all() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    account_named(&app, &who, "facebook", "Shop FB").await;
    let paris = zone!("Europe/Paris");
    let owner = set_zone(&app, &who.email, "Europe/Paris").await;
    let when = Utc::now() + Duration::days(4);
    let soon = local(when, "Europe/Paris");
    let good = format!("account,content,time\nShop FB,One,{soon}\nShop FB,Two,\n");
    let bad = format!("{good}Nobody,Three,\n");

    let err = post_import::commit(&app.db, &owner, &bad, paris)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        AppError::validation("file", "1 row has errors: nothing was imported")
    );
    assert_eq!(app.count("posts").await, 0);

    assert_eq!(
        post_import::commit(&app.db, &owner, &good, paris)
            .await
            .unwrap(),
        2
    );
    let page = PageRequest::default();
    let sorted = PostFilter {
        sort: PostSort::Oldest,
        ..PostFilter::default()
    };
    let items = posts::list(&app.db, &owner, sorted, page)
        .await
        .unwrap()
        .items;
    assert_eq!(items.len(), 2);
    let one = items.iter().find(|p| p.content == "One").unwrap();
    assert_eq!(one.status, PostStatus::Scheduled);
    assert_eq!(
        one.scheduled_for.unwrap().timestamp(),
        when.timestamp() - when.timestamp() % 60,
        "the Paris wall time, to the minute"
    );
    let two = items.iter().find(|p| p.content == "Two").unwrap();
    assert_eq!((two.status, two.scheduled_for), (PostStatus::Draft, None));
}

#[tokio::test]
async fn parallel_imports_stay_within_the_plan() {
    let app = spawn_app().await;
    let email = format!("free-{}@example.com", Uuid::new_v4().simple());
    let token = app.signed_up(&email).await.access_token;
    app.set_plan(&email, PlanTier::Free).await;
    let who = Marketer { token, email };
    account_named(&app, &who, "facebook", "Shop FB").await;
    let owner = app.user(&who.email).await;
    let limit = PlanTier::Free.limits().max_items as usize;
    let per_file = limit / 2 + 1;
    let file = |tag: &str| {
        let mut text = String::from("account,content\n");
        for i in 0..per_file {
            text.push_str(&format!("Shop FB,{tag} {i}\n"));
        }
        text
    };
    let (a, b) = (file("a"), file("b"));
    let preview = post_import::preview(&app.db, &owner, &a, zone!("UTC"))
        .await
        .unwrap();
    assert_eq!(preview.valid as usize, per_file, "each file fits alone");

    let (first, second) = tokio::join!(
        post_import::commit(&app.db, &owner, &a, zone!("UTC")),
        post_import::commit(&app.db, &owner, &b, zone!("UTC")),
    );
    let results = [first, second];
    let imported: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(imported, [per_file as u64], "{results:?}");
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    // Refused under the owner's lock (403), or already by the check before it when the
    // other import had landed by then (422): either way, nothing of it.
    assert!(
        matches!(refused.status(), 403 | 422)
            && refused.to_string().contains("nothing was imported"),
        "{refused}"
    );
    assert_eq!(app.count("posts").await as usize, per_file);

    // What is left is what the preview now allows; the rows past it say so.
    let preview = post_import::preview(&app.db, &owner, &b, zone!("UTC"))
        .await
        .unwrap();
    let left = limit - per_file;
    assert_eq!(preview.valid as usize, left);
    assert_eq!(
        preview.rows.last().unwrap().error.as_deref(),
        Some(format!("Your Free plan allows {left} more posts this month").as_str())
    );
}

#[tokio::test]
async fn best_times_are_defaults_until_there_is_history() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let ig = account_named(&app, &who, "instagram", "Shop IG").await;
    let tokyo = zone!("Asia/Tokyo");
    let owner = set_zone(&app, &who.email, "Asia/Tokyo").await;
    // Monday 2 November 2026, 12:00 in Tokyo.
    let now: DateTime<Utc> = "2026-11-02T03:00:00Z".parse().unwrap();

    let times = best_times::best_times(&app.db, &owner, tokyo, now)
        .await
        .unwrap();
    assert_eq!(times.len(), 9);
    assert!(times.iter().all(|t| !t.from_history));
    let platforms: Vec<Platform> = times.iter().map(|t| t.platform).collect();
    assert_eq!(platforms[0], Platform::Instagram);
    assert_eq!(platforms[3], Platform::Facebook);
    assert_eq!(platforms[8], Platform::Tiktok);
    assert_eq!(
        (times[0].label.as_str(), times[0].next_local.as_str()),
        ("Tue 11:00 AM", "2026-11-03T11:00")
    );

    // Six measured Instagram posts: Wednesdays 21:00 in Tokyo (12:00 UTC) engage best.
    let mut rows = Vec::new();
    let mut metrics = Vec::new();
    for (i, (posted, likes)) in [
        ("2026-10-21T12:00:00Z", 90), // Wed 21:00 Tokyo
        ("2026-10-28T12:10:00Z", 80), // Wed 21:10 Tokyo
        ("2026-10-19T01:00:00Z", 10), // Mon 10:00 Tokyo
        ("2026-10-26T01:00:00Z", 20), // Mon 10:00 Tokyo
        ("2026-10-23T23:00:00Z", 40), // Sat 08:00 Tokyo
        ("2026-10-30T23:30:00Z", 40), // Sat 08:30 Tokyo
    ]
    .into_iter()
    .enumerate()
    {
        let at: DateTime<Utc> = posted.parse().unwrap();
        let mut post = row(
            &owner,
            ig,
            Platform::Instagram,
            &format!("p{i}"),
            PostStatus::Posted,
            Some(at),
            Duration::days(30),
        );
        post.posted_at = Set(Some(at));
        metrics.push(post_metrics::ActiveModel {
            id: Set(Uuid::new_v4()),
            post_id: Set(post.id.clone().unwrap()),
            impressions: Set(1000),
            reach: Set(900),
            likes: Set(likes),
            comments: Set(0),
            shares: Set(0),
            clicks: Set(0),
            fetched_at: Set(at),
        });
        rows.push(post);
    }
    insert_posts(&app, rows).await;
    post_metrics::Entity::insert_many(metrics)
        .exec(&app.db)
        .await
        .unwrap();

    let times = best_times::best_times(&app.db, &owner, tokyo, now)
        .await
        .unwrap();
    let instagram: Vec<(&str, &str, bool)> = times
        .iter()
        .filter(|t| t.platform == Platform::Instagram)
        .map(|t| (t.label.as_str(), t.next_local.as_str(), t.from_history))
        .collect();
    assert_eq!(
        instagram,
        [
            ("Wed 9:00 PM", "2026-11-04T21:00", true),
            ("Sat 8:00 AM", "2026-11-07T08:00", true),
            ("Mon 10:00 AM", "2026-11-09T10:00", true),
        ]
    );
    // Facebook has no history: still the defaults.
    assert!(times
        .iter()
        .filter(|t| t.platform == Platform::Facebook)
        .all(|t| !t.from_history));
}
