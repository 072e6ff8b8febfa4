//! The post list and calendar answered from memory: every kind of post write (the API, the
//! queue, the publishing engine, a plain SQL statement, another instance) shows in the very
//! next read, and several engines writing many users' posts at once never deadlock on the
//! revision triggers.

use app::model::PostStatus;
use app::server::entities::post;
use app::server::publishing::Engine;
use app::server::services::paging::PageRequest;
use app::server::services::posts::{self, PostFilter};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{engine_on_own_pool, insert_posts, marketer, spawn_app, Marketer, TestApp};

const PHOTO: &str = "https://cdn.example.com/mug.jpg";

/// A calendar range around today (the longest allowed), so scheduled and published posts
/// are both on it.
fn calendar_path() -> String {
    let today = Utc::now().date_naive();
    format!(
        "/api/v1/posts/calendar?start_date={}&end_date={}&tz=Europe/Paris",
        today - Duration::days(45),
        today + Duration::days(45)
    )
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get_bearer(path, token).await;
    assert_eq!(res.status(), 200, "GET {path}");
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

/// What `app` answers for the list (all posts, and the scheduled ones) and the calendar
/// equals what the services compute from the database right now.
async fn assert_reads_are_current(app: &TestApp, who: &Marketer, after: &str) {
    let user = app.user(&who.email).await;
    let all = PageRequest::new(None, Some(100)).unwrap();
    for (path, filter) in [
        ("/api/v1/posts?per_page=100", PostFilter::default()),
        (
            "/api/v1/posts?per_page=100&status=scheduled",
            PostFilter {
                status: Some(PostStatus::Scheduled),
                ..PostFilter::default()
            },
        ),
    ] {
        let truth = posts::list(&app.db, &user, filter, all).await.unwrap();
        assert_eq!(
            get_json(app, path, &who.token).await,
            serde_json::to_value(truth).unwrap(),
            "{path} after {after}"
        );
    }
    let today = Utc::now().date_naive();
    let truth = posts::calendar(
        &app.db,
        &user,
        today - Duration::days(45),
        today + Duration::days(45),
        "Europe/Paris".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        get_json(app, &calendar_path(), &who.token).await,
        serde_json::to_value(truth).unwrap(),
        "calendar after {after}"
    );
}

async fn create_post(app: &TestApp, who: &Marketer, account: &str, body: Value) -> String {
    let mut body = body;
    body["account_id"] = json!(account);
    let res = app.post_bearer("/api/v1/posts", &who.token, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_kind_of_post_write_shows_in_the_next_list_and_calendar() {
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let ig = app.account(&who.token, "instagram").await;
    let fb = app.account(&who.token, "facebook").await;
    assert_reads_are_current(&app, &who, "nothing yet").await;

    let soon = Utc::now() + Duration::hours(3);
    let draft = create_post(&app, &who, &fb, json!({"content": "draft"})).await;
    let scheduled = create_post(
        &app,
        &who,
        &ig,
        json!({"content": "scheduled", "media_urls": [PHOTO], "scheduled_for": soon}),
    )
    .await;
    assert_reads_are_current(&app, &who, "two posts created").await;
    assert!(
        app.state.post_reads.kept_bytes() > 0,
        "the answers are kept between requests"
    );

    let edits: [(&str, String, Value); 3] = [
        ("an edit", scheduled.clone(), json!({"content": "edited"})),
        (
            "a reschedule",
            scheduled.clone(),
            json!({"scheduled_for": soon + Duration::days(2)}),
        ),
        (
            "an unschedule",
            scheduled.clone(),
            json!({"scheduled_for": null}),
        ),
    ];
    for (what, id, patch) in edits {
        let res = app
            .patch_bearer(&format!("/api/v1/posts/{id}"), &who.token, &patch)
            .await;
        assert_eq!(res.status(), 200, "{what}");
        assert_reads_are_current(&app, &who, what).await;
    }

    let res = app
        .post_bearer(
            &format!("/api/v1/posts/{draft}/schedule"),
            &who.token,
            &json!({"scheduled_for": soon + Duration::days(1)}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_reads_are_current(&app, &who, "schedule").await;

    let res = app
        .delete_bearer(&format!("/api/v1/posts/{scheduled}"), &who.token)
        .await;
    assert_eq!(res.status(), 204);
    assert_reads_are_current(&app, &who, "a delete").await;

    // The content queue creates posts through its own service.
    let res = app
        .post_bearer(
            "/api/v1/queue",
            &who.token,
            &json!({"product_data": {"title": "Moon Mug", "images": [PHOTO]}, "platforms": ["facebook"]}),
        )
        .await;
    let item = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
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
            &json!({"scheduled_for": soon}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_reads_are_current(&app, &who, "a queue approval").await;

    // The publishing engine writes with its own SQL: the posts become posted and move to
    // their publication day.
    post::Entity::update_many()
        .col_expr(
            post::Column::ScheduledFor,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .exec(&app.db)
        .await
        .unwrap();
    assert_reads_are_current(&app, &who, "posts falling due").await;
    let report = Engine::from_state(&app.state).tick().await.unwrap();
    assert_eq!(report.posted, 2, "{report:?}");
    assert_reads_are_current(&app, &who, "the engine publishing").await;

    // Any other writer: a plain SQL statement.
    app.db
        .execute(Statement::from_string(
            app.db.get_database_backend(),
            "UPDATE posts SET content = 'changed behind the services'",
        ))
        .await
        .unwrap();
    assert_reads_are_current(&app, &who, "a plain SQL update").await;
    let list = get_json(&app, "/api/v1/posts?per_page=100", &who.token).await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["content"] == "changed behind the services"));
}

#[tokio::test]
async fn an_instance_never_serves_what_another_instance_changed() {
    let first = spawn_app().await;
    let second = first.another_instance().await;
    let who = marketer(&first).await;
    let fb = first.account(&who.token, "facebook").await;
    let soon = Utc::now() + Duration::hours(2);
    let id = create_post(
        &first,
        &who,
        &fb,
        json!({"content": "v1", "scheduled_for": soon}),
    )
    .await;

    // The second instance reads (and keeps) the list and calendar.
    let list = get_json(&second, "/api/v1/posts", &who.token).await;
    assert_eq!(list["items"][0]["content"], "v1");
    let calendar = get_json(&second, &calendar_path(), &who.token).await;
    assert_eq!(calendar["total"], 1);

    // The first instance changes the post and adds one; the second sees both at once.
    let res = first
        .patch_bearer(
            &format!("/api/v1/posts/{id}"),
            &who.token,
            &json!({"content": "v2"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    create_post(
        &first,
        &who,
        &fb,
        json!({"content": "another", "scheduled_for": soon + Duration::hours(1)}),
    )
    .await;
    let list = get_json(&second, "/api/v1/posts", &who.token).await;
    assert_eq!(list["total"], 2);
    let contents: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    assert!(
        contents.contains(&"v2") && contents.contains(&"another"),
        "{contents:?}"
    );
    let calendar = get_json(&second, &calendar_path(), &who.token).await;
    assert_eq!(calendar["total"], 2);
    assert_reads_are_current(&second, &who, "writes on the other instance").await;

    // Another user's reads are their own: nothing kept for one user leaks to the other.
    let other = marketer(&first).await;
    let list = get_json(&second, "/api/v1/posts", &other.token).await;
    assert_eq!(list["total"], 0);
    let calendar = get_json(&second, &calendar_path(), &other.token).await;
    assert_eq!(calendar["total"], 0);
}

#[tokio::test]
async fn a_zero_budget_turns_keeping_off() {
    let app = crate::helpers::spawn_app_with(|s| s.database.post_reads_cache_mb = 0).await;
    let who = marketer(&app).await;
    let fb = app.account(&who.token, "facebook").await;
    create_post(&app, &who, &fb, json!({"content": "hello"})).await;
    assert_reads_are_current(&app, &who, "a create").await;
    assert_eq!(app.state.post_reads.kept_bytes(), 0);
}

/// Engines on three instances claim due posts of many users in the same statements. The
/// revision triggers touch each of those users; on PostgreSQL they lock them in one order, so
/// the claims never deadlock (a deadlock would fail a tick with an error).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn engines_claiming_many_users_posts_at_once_never_deadlock() {
    let app = spawn_app().await;
    let mut owners = Vec::new();
    for _ in 0..30 {
        let who = marketer(&app).await;
        let account: Uuid = app.account(&who.token, "facebook").await.parse().unwrap();
        owners.push((app.user(&who.email).await.id, account));
    }
    let due_at = Utc::now() - Duration::seconds(1);
    // Posts of all users interleaved, so that every claimed batch spans many users.
    let rows: Vec<post::ActiveModel> = (0..1500)
        .map(|i| {
            let (user, account) = owners[i % owners.len()];
            post::new_row(
                user,
                account,
                app::model::Platform::Facebook,
                format!("post {i}"),
                PostStatus::Scheduled,
                Some(due_at + Duration::milliseconds(i as i64 % 97)),
            )
        })
        .collect();
    insert_posts(&app, rows).await;

    let mut runs = Vec::new();
    for n in 0..3 {
        let engine = engine_on_own_pool(&app, n, 50).await;
        runs.push(tokio::spawn(async move { engine.tick().await }));
    }
    let mut posted = 0;
    for run in runs {
        let report = run.await.unwrap().expect("a tick without database errors");
        posted += report.posted;
    }
    assert_eq!(posted, 1500);
    let left = post::Entity::find()
        .filter(post::Column::Status.ne(PostStatus::Posted))
        .all(&app.db)
        .await
        .unwrap();
    assert!(left.is_empty(), "{} posts not posted", left.len());
}

/// A client that accepts gzip gets the kept answer's gzip copy (made once, not per request),
/// and it unzips to exactly the JSON other clients get.
#[tokio::test]
async fn clients_that_accept_gzip_get_the_same_json_compressed() {
    use std::io::Read;
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let fb = app.account(&who.token, "facebook").await;
    for i in 0..30 {
        create_post(
            &app,
            &who,
            &fb,
            json!({"content": format!("post {i}"), "scheduled_for": Utc::now() + Duration::hours(i + 1)}),
        )
        .await;
    }
    for path in ["/api/v1/posts?per_page=50".to_string(), calendar_path()] {
        let plain = app.get_bearer(&path, &who.token).await;
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap();
        for accept in ["gzip", "br;q=1.0, gzip;q=0.8", "*"] {
            let res = app
                .client
                .get(app.url(&path))
                .bearer_auth(&who.token)
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["content-encoding"], "gzip", "{accept}");
            assert_eq!(res.headers()["vary"], "accept-encoding");
            let zipped = res.bytes().await.unwrap();
            assert!(
                zipped.len() < plain.len() / 3,
                "{path}: {} of {}",
                zipped.len(),
                plain.len()
            );
            let mut unzipped = Vec::new();
            flate2::read::GzDecoder::new(&zipped[..])
                .read_to_end(&mut unzipped)
                .unwrap();
            assert_eq!(unzipped, plain, "{path} with {accept}");
        }
        // gzip refused outright: plain JSON.
        let res = app
            .client
            .get(app.url(&path))
            .bearer_auth(&who.token)
            .header("accept-encoding", "gzip;q=0, identity")
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("content-encoding").is_none());
        assert_eq!(res.bytes().await.unwrap(), plain);
    }
}

/// The tables named after `FROM` or `JOIN` in the SQL statements seen: SeaORM's quoted
/// names and the services' plain SQL alike (a name followed by a dot is a column, as in
/// `EXTRACT(MINUTE FROM p.posted_at)`, and one followed by a parenthesis a function over a
/// value already read, as in `json_each(posts.hashtags)`).
fn tables_read(statements: &[String]) -> std::collections::BTreeSet<String> {
    let mut tables = std::collections::BTreeSet::new();
    for sql in statements {
        for keyword in ["FROM ", "JOIN "] {
            for (at, _) in sql.match_indices(keyword) {
                let rest = sql[at + keyword.len()..].trim_start_matches('"');
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                let after = rest[end..].trim_start_matches('"');
                if !name.is_empty() && !after.starts_with('.') && !after.starts_with('(') {
                    tables.insert(name.to_string());
                }
            }
        }
    }
    tables
}

/// Marks a post published two hours ago.
async fn publish(app: &TestApp, id: Uuid) {
    post::Entity::update_many()
        .col_expr(
            post::Column::Status,
            Expr::value(PostStatus::Posted.as_str()),
        )
        .col_expr(
            post::Column::PostedAt,
            Expr::value(Utc::now() - Duration::hours(2)),
        )
        .col_expr(
            post::Column::ExternalPostId,
            Expr::value(format!("sandbox-{id}")),
        )
        .filter(post::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// Gives a post its metrics.
async fn measure(app: &TestApp, id: Uuid) {
    use app::server::entities::post_metrics;
    use sea_orm::{ActiveModelTrait, Set};
    post_metrics::ActiveModel {
        id: Set(Uuid::new_v4()),
        post_id: Set(id),
        impressions: Set(1000),
        reach: Set(600),
        likes: Set(40),
        comments: Set(5),
        shares: Set(3),
        clicks: Set(2),
        fetched_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn revision_of(app: &TestApp, user: Uuid) -> i64 {
    let row = app
        .db
        .query_one(Statement::from_sql_and_values(
            app.db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) AS r FROM post_revisions \
             WHERE user_id = $1",
            [user.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "r").unwrap()
}

#[tokio::test]
async fn kept_answers_read_only_tables_whose_writes_move_the_revision() {
    use app::server::services::analytics::ReportQuery;
    use app::server::services::post_reads::{PostReads, INPUT_TABLES};
    use std::sync::{Arc, Mutex};

    let app = spawn_app().await;
    let m = marketer(&app).await;
    let account = app.account(&m.token, "instagram").await;
    let at = (Utc::now() + Duration::days(2)).to_rfc3339();
    for i in 0..3 {
        let res = app
            .post_bearer(
                "/api/v1/posts",
                &m.token,
                &json!({"account_id": account, "content": format!("Post {i}"),
                        "media_urls": [PHOTO], "scheduled_for": at}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let owner = app.user(&m.email).await;

    // Every statement the answers run, seen through the connection's metric callback.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut conn = app::server::db::connect(&app.state.settings).await.unwrap();
    let recorder = seen.clone();
    conn.set_metric_callback(move |info| {
        recorder.lock().unwrap().push(info.statement.sql.clone());
    });
    let reads = PostReads::new(0);
    let filters = [
        PostFilter::default(),
        PostFilter {
            status: Some(PostStatus::Scheduled),
            platform: Some(app::model::Platform::Instagram),
            ..PostFilter::default()
        },
        // Search (content and hashtags) and the other orders read the posts table only.
        PostFilter {
            search: Some("post_%".into()),
            sort: app::model::PostSort::Soonest,
            ..PostFilter::default()
        },
        PostFilter {
            account_id: Some(account.parse().unwrap()),
            search: Some("sale".into()),
            sort: app::model::PostSort::Latest,
            ..PostFilter::default()
        },
    ];
    for filter in filters {
        reads
            .list(&conn, &owner, filter, PageRequest::default())
            .await
            .unwrap();
    }
    let today = Utc::now().date_naive();
    let zone = posts::parse_zone(Some("Europe/Paris")).unwrap();
    let calendar = reads
        .calendar(&conn, &owner, today, today + Duration::days(30), zone)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&calendar.json()).contains("Post 2"));
    // The calendar page's reads: the month's (first posts of each day) and the week's.
    for per_day in [Some(3), None] {
        let days = reads
            .calendar_entries(
                &conn,
                &owner,
                today,
                today + Duration::days(30),
                zone,
                per_day,
            )
            .await
            .unwrap();
        assert_eq!(days.iter().map(|d| d.entries.len()).sum::<usize>(), 3);
    }

    // The analytics answers, over posts with metrics.
    for post in post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .all(&app.db)
        .await
        .unwrap()
    {
        publish(&app, post.id).await;
        measure(&app, post.id).await;
    }
    reads.overview(&conn, &owner, None, None).await.unwrap();
    reads
        .overview(&conn, &owner, Some(today), Some(today))
        .await
        .unwrap();
    let report = reads
        .report(
            &conn,
            &owner,
            &ReportQuery {
                start: today - Duration::days(6),
                end: today,
                platform: Some(app::model::Platform::Instagram),
                zone,
            },
        )
        .await
        .unwrap();
    assert_eq!(report.current.measured, 3, "{report:?}");
    let rate = reads
        .average_rate(&conn, &owner, Utc::now() - Duration::days(1))
        .await
        .unwrap();
    assert!(rate > 0.0);
    reads
        .best_times(&conn, &owner, zone, Utc::now())
        .await
        .unwrap();
    let days = app::server::services::home::HomeDays::at(zone, Utc::now()).unwrap();
    let home = reads.home_posts(&conn, &owner, days).await.unwrap();
    assert!(
        home.scheduled_any && home.published_this_month == 3,
        "{home:?}"
    );

    let read = tables_read(&seen.lock().unwrap());
    for input in INPUT_TABLES {
        assert!(
            read.contains(*input),
            "the answers were computed, reading {input}: {read:?}"
        );
    }
    for table in &read {
        assert!(
            INPUT_TABLES.contains(&table.as_str()),
            "kept answers read {table:?}, whose writes do not move the revision: \
             add its triggers and list it in post_reads::INPUT_TABLES"
        );
    }

    // And each listed input moves the revision on insert, update and delete (metrics are
    // found through their post: they have no owner column).
    let backend = app.db.get_database_backend();
    let owned = |table: &str| match table {
        "post_metrics" => "post_id IN (SELECT id FROM posts WHERE user_id = $1)".to_string(),
        _ => "user_id = $1".to_string(),
    };
    for table in INPUT_TABLES {
        let before = revision_of(&app, owner.id).await;
        let touch = match *table {
            "post_metrics" => "likes = likes + 1",
            _ => "updated_at = updated_at",
        };
        app.db
            .execute(Statement::from_sql_and_values(
                backend,
                format!("UPDATE {table} SET {touch} WHERE {}", owned(table)),
                [owner.id.into()],
            ))
            .await
            .unwrap();
        let after_update = revision_of(&app, owner.id).await;
        assert!(
            after_update > before,
            "{table}: an update moves the revision"
        );
        app.db
            .execute(Statement::from_sql_and_values(
                backend,
                format!(
                    "DELETE FROM {table} WHERE id = (SELECT id FROM {table} WHERE {} \
                     ORDER BY id LIMIT 1)",
                    owned(table)
                ),
                [owner.id.into()],
            ))
            .await
            .unwrap();
        assert!(
            revision_of(&app, owner.id).await > after_update,
            "{table}: a delete moves the revision"
        );
    }
    // Inserts: a post (through the API above, which the first list answers saw) and metrics.
    let before = revision_of(&app, owner.id).await;
    let unmeasured = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.status == PostStatus::Posted)
        .expect("a published post left");
    app::server::entities::post_metrics::Entity::delete_many()
        .filter(app::server::entities::post_metrics::Column::PostId.eq(unmeasured.id))
        .exec(&app.db)
        .await
        .unwrap();
    let between = revision_of(&app, owner.id).await;
    measure(&app, unmeasured.id).await;
    assert!(
        revision_of(&app, owner.id).await > between && between >= before,
        "post_metrics: an insert moves the revision"
    );
}

/// What the app's kept analytics answers say equals what the services compute right now.
async fn assert_analytics_current(
    app: &TestApp,
    who: &Marketer,
    owner: &app::server::entities::user::Model,
    report_query: &app::server::services::analytics::ReportQuery,
    since: chrono::DateTime<Utc>,
    after: &str,
) {
    use app::server::services::{analytics, best_times};
    let reads = &app.state.post_reads;
    let overview = get_json(app, "/api/v1/analytics/overview", &who.token).await;
    let truth = analytics::overview(&app.db, owner, None, None)
        .await
        .unwrap();
    assert_eq!(
        overview,
        serde_json::to_value(truth).unwrap(),
        "overview after {after}"
    );
    let kept = reads.report(&app.db, owner, report_query).await.unwrap();
    let truth = analytics::report(&app.db, owner, report_query)
        .await
        .unwrap();
    assert_eq!(*kept, truth, "report after {after}");
    let kept = reads.average_rate(&app.db, owner, since).await.unwrap();
    let truth = analytics::average_rate(&app.db, owner, since)
        .await
        .unwrap();
    assert_eq!(kept, truth, "average rate after {after}");
    let (zone, now) = (report_query.zone, Utc::now());
    let kept = reads.best_times(&app.db, owner, zone, now).await.unwrap();
    let truth = best_times::best_times(&app.db, owner, zone, now)
        .await
        .unwrap();
    assert_eq!(kept, truth, "best times after {after}");
}

/// The analytics answers kept by the app (the API's overview, the analytics page's report,
/// the home page's rate and the best times) follow every write of metrics, whoever makes it.
#[tokio::test]
async fn kept_analytics_answers_follow_every_metrics_write() {
    use app::server::services::analytics::ReportQuery;

    let app = spawn_app().await;
    let who = marketer(&app).await;
    let ig = app.account(&who.token, "instagram").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let id = create_post(&app, &who, &ig, json!({"content": format!("launch {i}")})).await;
        let id: Uuid = id.parse().unwrap();
        publish(&app, id).await;
        ids.push(id);
    }
    let owner = app.user(&who.email).await;
    let zone = posts::parse_zone(Some("Europe/Paris")).unwrap();
    let today = Utc::now().date_naive();
    let report_query = ReportQuery {
        start: today - Duration::days(29),
        end: today,
        platform: None,
        zone,
    };
    let since = Utc::now() - Duration::days(3);
    let reads = &app.state.post_reads;
    let check = |after: &'static str| {
        assert_analytics_current(&app, &who, &owner, &report_query, since, after)
    };

    check("publishing, before any metrics").await;
    for id in &ids {
        measure(&app, *id).await;
    }
    check("metrics arrived").await;
    assert!(
        reads.kept_bytes() > 0,
        "the answers are kept between requests"
    );
    let overview = get_json(&app, "/api/v1/analytics/overview", &who.token).await;
    assert_eq!(overview["likes"], 240, "{overview}");

    // The metrics job's upsert, then plain SQL updates and deletes.
    let engine = engine_on_own_pool(&app, 1, 10).await;
    assert_eq!(engine.refresh_metrics().await.unwrap(), ids.len());
    check("the metrics job").await;
    let refreshed = get_json(&app, "/api/v1/analytics/overview", &who.token).await;
    assert_ne!(
        refreshed["impressions"], overview["impressions"],
        "the job's metrics are served"
    );
    let backend = app.db.get_database_backend();
    for (what, sql) in [
        (
            "an update",
            "UPDATE post_metrics SET likes = likes + 7 WHERE post_id = $1",
        ),
        ("a delete", "DELETE FROM post_metrics WHERE post_id = $1"),
    ] {
        app.db
            .execute(Statement::from_sql_and_values(
                backend,
                sql,
                [ids[0].into()],
            ))
            .await
            .unwrap();
        check(what).await;
    }
}
