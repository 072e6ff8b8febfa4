//! The analytics page and its CSV export through the real router, for a user in New York:
//! days counted in the user's zone (across the end of daylight saving), the previous period,
//! the platform filter, the weekday-and-hour slots, the top posts, and clear answers to a bad
//! range. The numbers come from the database's grouping (`analytics::report`).

use app::server::entities::post;
use reqwest::header::COOKIE;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use app::model::PlanTier;

use crate::analytics::published;
use crate::helpers::{browser, page, spawn_app};

/// The text of the first element marked `data-testid="{id}"`.
fn text_of(html: &str, id: &str) -> String {
    let marker = format!("data-testid=\"{id}\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap() + open;
    rest[open..close].to_string()
}

#[tokio::test]
async fn a_range_in_the_users_zone_beside_the_previous_one_with_its_csv() {
    let app = spawn_app().await;
    let who = browser(&app, PlanTier::Pro, "America/New_York").await;
    let t = &who.token;
    let fb = app.account(t, "facebook").await;
    let ig = app.account(t, "instagram").await;
    // Nov 1, 2026 ends daylight saving in New York: 03:30 UTC on Nov 2 is 10:30 PM on Nov 1.
    let late = published(&app, t, &fb, "2026-11-02T03:30:00Z", [200, 4, 0, 0, 0]).await;
    // Thursday Nov 5, 10:00 AM in New York: 5 % engagement.
    let best = published(&app, t, &ig, "2026-11-05T15:00:00Z", [1000, 40, 5, 5, 0]).await;
    // The week before (the previous period) and the day after the range.
    published(&app, t, &fb, "2026-10-28T12:00:00Z", [100, 1, 0, 0, 0]).await;
    published(&app, t, &fb, "2026-11-09T12:00:00Z", [9000, 900, 0, 0, 0]).await;
    // Someone else's post in the range counts for them only.
    let other = browser(&app, PlanTier::Pro, "America/New_York").await;
    let other_fb = app.account(&other.token, "facebook").await;
    published(
        &app,
        &other.token,
        &other_fb,
        "2026-11-03T15:00:00Z",
        [7777, 7, 0, 0, 0],
    )
    .await;

    let (status, html) = page(&app, &who, "/analytics?start=2026-11-01&end=2026-11-07").await;
    assert_eq!(status, 200);
    assert!(html.contains("Nov 1 – Nov 7, 2026"));
    assert_eq!(text_of(&html, "total-posts"), "2", "two posts in the range");
    assert_eq!(text_of(&html, "total-impressions"), "1200");
    assert!(
        html.contains("+100 %"),
        "two posts against one the week before"
    );
    assert!(!html.contains("7777"), "another user's post is not counted");
    // Per day in New York: the late post is on Sunday Nov 1, not Monday Nov 2.
    assert!(
        html.contains(
            "<td class=\"py-1\">Sun, Nov 1</td><td class=\"py-1 text-right tabular-nums\">200</td>"
        ),
        "{html}"
    );
    // The slot behind best times: Thursday 10:00.
    assert!(html.contains("5.00 %, 1 post"));
    assert!(html.contains("The best slot so far: Thu at 10:00, 5.00 %."));
    // Top posts, best first, linking to each post.
    let first = html
        .find(&format!("/posts/{best}/edit"))
        .expect("the best post is listed");
    let second = html
        .find(&format!("/posts/{late}/edit"))
        .expect("the other post is listed");
    assert!(first < second);
    // Charts have a name and a description.
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("<title id=\"chart-impressions-title\">Impressions per day</title>"));

    // The platform filter.
    let (_, html) = page(
        &app,
        &who,
        "/analytics?start=2026-11-01&end=2026-11-07&platform=instagram",
    )
    .await;
    assert_eq!(text_of(&html, "total-posts"), "1");
    assert!(html.contains(
        "href=\"/analytics/export.csv?start=2026-11-01&amp;end=2026-11-07&amp;platform=instagram\""
    ));

    // The export: the same range, times in New York.
    let res = app
        .client
        .get(app.url("/analytics/export.csv?start=2026-11-01&end=2026-11-07"))
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("post_id,published,published_utc,platform"));
    assert!(lines[1].contains("2026-11-05 10:00") && lines[1].contains(",1000,"));
    assert!(lines[2].contains("2026-11-01 22:30"), "{}", lines[2]);

    // Bad ranges are clear answers, not 500s.
    let (status, html) = page(&app, &who, "/analytics?range=12").await;
    assert_ne!(status, 500);
    assert!(html.contains("Choose 7, 30 or 90 days"));
    let (_, html) = page(&app, &who, "/analytics?start=2026-11-07&end=2026-11-01").await;
    assert!(html.contains("The end date must not be before the start date"));
    let res = app
        .client
        .get(app.url("/analytics/export.csv?start=2026-13-01&end=2026-11-01"))
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // The presets: the last 30 days by default.
    let (status, html) = page(&app, &who, "/analytics").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("href=\"/analytics?range=30\" rel=\"external\" aria-current=\"page\""),
        "{html}"
    );
    // Half a custom range is a clear error too.
    let (_, html) = page(&app, &who, "/analytics?start=2026-11-01").await;
    assert!(html.contains("last day"), "{html}");
}

#[tokio::test]
async fn zones_off_the_hour_place_posts_on_their_own_day_and_csv_cells_stay_text() {
    let app = spawn_app().await;
    // Kathmandu is UTC+5:45: 18:16 UTC on Nov 24 is 00:01 on Nov 25 there.
    let who = browser(&app, PlanTier::Pro, "Asia/Kathmandu").await;
    let fb = app.account(&who.token, "facebook").await;
    let id = published(
        &app,
        &who.token,
        &fb,
        "2026-11-24T18:16:00Z",
        [300, 3, 0, 0, 0],
    )
    .await;
    // A caption a spreadsheet would run as a formula.
    post::Entity::update_many()
        .col_expr(
            post::Column::Content,
            Expr::value("=HYPERLINK(\"http://evil.example\")"),
        )
        .filter(post::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();

    let (_, html) = page(&app, &who, "/analytics?start=2026-11-25&end=2026-11-25").await;
    assert_eq!(text_of(&html, "total-posts"), "1", "on Nov 25 in Kathmandu");
    assert!(
        html.contains("Wed at 0:00"),
        "Wednesday just after midnight"
    );
    let (_, html) = page(&app, &who, "/analytics?start=2026-11-24&end=2026-11-24").await;
    assert_eq!(text_of(&html, "total-posts"), "0", "not on Nov 24");

    let csv = app
        .client
        .get(app.url("/analytics/export.csv?start=2026-11-25&end=2026-11-25"))
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("2026-11-25 00:01"), "{csv}");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{csv}"
    );
}

#[tokio::test]
async fn signed_out_exports_are_refused() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/analytics/export.csv"))
        .send()
        .await
        .unwrap();
    assert!(
        res.status() == 401 || res.status() == 302,
        "{}",
        res.status()
    );
}
