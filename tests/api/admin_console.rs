//! The admin console (`/admin/*`): the event log's filters, keyset pages and text search
//! against a brute-force reading of the same rows, the live tail, the exports, user changes
//! through the page's forms, the system page, and the not-found page for everyone else.

use std::time::Duration;

use app::model::{EventKind, EventLevel, LogEntry, PlanTier, PostStatus, Role};
use app::server::entities::{event_log, post};
use app::server::publishing::health;
use app::server::services::event_log::{newest, record_many, Event, LogCursor, LogFilter};
use chrono::Utc;
use reqwest::header::{ACCEPT, COOKIE};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{browser, follow, location, page, spawn_app, submit_from, Browser, TestApp};

async fn admin_browser(app: &TestApp) -> Browser {
    let who = browser(app, PlanTier::Enterprise, "Asia/Tokyo").await;
    app.set_role(&who.email, Role::Admin).await;
    who
}

/// Every entry, newest first: what a filtered list must equal.
async fn all_entries(app: &TestApp) -> Vec<LogEntry> {
    let mut rows: Vec<LogEntry> = event_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(event_log::Model::entry)
        .collect();
    rows.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    rows
}

/// Walks every page of `filter` and returns the entries in order.
async fn every_page(app: &TestApp, filter: &LogFilter, size: u64) -> Vec<LogEntry> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let slice = newest(&app.db, filter, before, size).await.unwrap();
        assert!(slice.entries.len() as u64 <= size);
        out.extend(slice.entries);
        match slice.older {
            Some(cursor) => before = Some(cursor),
            None => return out,
        }
    }
}

/// Which entries a filter must select, said in Rust.
type Matches = Box<dyn Fn(&LogEntry) -> bool>;

fn event(kind: EventKind, level: EventLevel, message: String) -> Event {
    Event::new(kind, message).level(level)
}

#[tokio::test]
async fn filters_keyset_pages_and_text_search_match_a_brute_force_reading() {
    let app = spawn_app().await;
    let ada = Uuid::new_v4();
    let post_id = Uuid::new_v4();
    // Rare entries first (so they are older than the search's window of recent entries),
    // then 2,500 ordinary ones, so a rare term must come from the text index.
    let mut events = vec![
        event(
            EventKind::Publish,
            EventLevel::Error,
            "Instagram refused the media: ASPECT ratio 3:1 is outside 4:5–1.91:1".into(),
        )
        .user(ada)
        .post(post_id)
        .data(json!({"response_code": "400"})),
        event(
            EventKind::Audit,
            EventLevel::Info,
            "Discount of 100% applied".into(),
        )
        .user(ada),
        event(
            EventKind::Audit,
            EventLevel::Info,
            "Order 1000 synced".into(),
        ),
        event(
            EventKind::Auth,
            EventLevel::Warn,
            "Login failed for \"quoted\" user".into(),
        ),
    ];
    for i in 0..2_500 {
        let (kind, level) = match i % 5 {
            0 => (EventKind::Publish, EventLevel::Info),
            1 => (EventKind::Auth, EventLevel::Info),
            2 => (EventKind::Webhook, EventLevel::Warn),
            3 => (EventKind::Scheduler, EventLevel::Info),
            _ => (EventKind::Publish, EventLevel::Error),
        };
        let mut e = event(kind, level, format!("routine entry {i} for shop"));
        if i % 7 == 0 {
            e = e.user(ada);
        }
        events.push(e);
    }
    record_many(&app.db, events).await;
    let all = all_entries(&app).await;
    assert_eq!(all.len(), 2_504);

    let cases: Vec<(LogFilter, Matches)> = vec![
        (LogFilter::default(), Box::new(|_| true)),
        (
            LogFilter {
                kind: Some(EventKind::Publish),
                level: Some(EventLevel::Error),
                ..Default::default()
            },
            Box::new(|e| e.kind == EventKind::Publish && e.level == EventLevel::Error),
        ),
        (
            LogFilter {
                user_id: Some(ada),
                ..Default::default()
            },
            Box::new(move |e| e.user_id == Some(ada)),
        ),
        (
            LogFilter {
                post_id: Some(post_id),
                ..Default::default()
            },
            Box::new(move |e| e.post_id == Some(post_id)),
        ),
        // A rare word, in another case: found through the text index.
        (
            LogFilter {
                q: Some("aspect RATIO".into()),
                ..Default::default()
            },
            Box::new(|e| e.message.to_lowercase().contains("aspect ratio")),
        ),
        // LIKE's wildcards are taken literally: "100%" is not "1000".
        (
            LogFilter {
                q: Some("100%".into()),
                ..Default::default()
            },
            Box::new(|e| e.message.contains("100%")),
        ),
        (
            LogFilter {
                q: Some("\"quoted\"".into()),
                ..Default::default()
            },
            Box::new(|e| e.message.contains("\"quoted\"")),
        ),
        // A common word: the newest entries fill the pages.
        (
            LogFilter {
                q: Some("shop".into()),
                user_id: Some(ada),
                ..Default::default()
            },
            Box::new(move |e| e.message.contains("shop") && e.user_id == Some(ada)),
        ),
        // Two characters: below the trigram index, still found.
        (
            LogFilter {
                q: Some("3:".into()),
                ..Default::default()
            },
            Box::new(|e| e.message.contains("3:")),
        ),
        (
            LogFilter {
                q: Some("no such words anywhere".into()),
                ..Default::default()
            },
            Box::new(|_| false),
        ),
    ];
    for (filter, matches) in &cases {
        let expected: Vec<Uuid> = all.iter().filter(|e| matches(e)).map(|e| e.id).collect();
        let first = newest(&app.db, filter, None, 50).await.unwrap();
        let want: Vec<Uuid> = expected.iter().take(50).copied().collect();
        assert_eq!(
            first.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
            want,
            "first page of {filter:?}"
        );
        assert_eq!(first.older.is_some(), expected.len() > 50, "{filter:?}");
        let walked: Vec<Uuid> = every_page(&app, filter, 400)
            .await
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(walked, expected, "every page of {filter:?}");
    }

    // A time range: its bounds are inclusive-exclusive.
    let since = all[1_000].at;
    let until = all[200].at;
    let range = LogFilter {
        since: Some(since),
        until: Some(until),
        ..Default::default()
    };
    let expected: Vec<Uuid> = all
        .iter()
        .filter(|e| e.at >= since && e.at < until)
        .map(|e| e.id)
        .collect();
    let walked: Vec<Uuid> = every_page(&app, &range, 100)
        .await
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(walked, expected);

    // What cannot be searched is refused with the field's error, not a 500.
    let backwards = LogFilter {
        since: Some(until),
        until: Some(since),
        ..Default::default()
    };
    assert_eq!(
        newest(&app.db, &backwards, None, 10)
            .await
            .unwrap_err()
            .status(),
        422
    );
    let long = LogFilter {
        q: Some("x".repeat(201)),
        ..Default::default()
    };
    assert_eq!(
        newest(&app.db, &long, None, 10).await.unwrap_err().status(),
        422
    );
    assert!(LogCursor::decode("nonsense").is_err());
    let cursor = LogCursor::of(&all[3]);
    assert_eq!(LogCursor::decode(&cursor.encode()).unwrap(), cursor);
}

#[tokio::test]
async fn deleted_entries_leave_the_text_index() {
    let app = spawn_app().await;
    let mut events: Vec<Event> = (0..2_100)
        .map(|i| Event::new(EventKind::Scheduler, format!("tick {i}")))
        .collect();
    events.insert(0, Event::new(EventKind::Auth, "zebra crossing".to_string()));
    record_many(&app.db, events).await;
    let zebra = LogFilter {
        q: Some("zebra".into()),
        ..Default::default()
    };
    assert_eq!(
        newest(&app.db, &zebra, None, 10)
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
    // On SQLite the text index itself is checked, not only what the (re-checked) search shows.
    let indexed = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            use sea_orm::{ConnectionTrait, Statement};
            if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
                return None;
            }
            let row = db
                .query_one(Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    "SELECT COUNT(*) AS n FROM event_log_search WHERE event_log_search MATCH '\"zebra\"'",
                ))
                .await
                .unwrap()
                .unwrap();
            Some(row.try_get::<i64>("", "n").unwrap())
        }
    };
    if let Some(n) = indexed(&app).await {
        assert_eq!(n, 1);
    }
    event_log::Entity::delete_many()
        .filter(event_log::Column::Kind.eq(EventKind::Auth))
        .exec(&app.db)
        .await
        .unwrap();
    assert!(newest(&app.db, &zebra, None, 10)
        .await
        .unwrap()
        .entries
        .is_empty());
    if let Some(n) = indexed(&app).await {
        assert_eq!(n, 0, "the delete trigger took the entry out of the index");
    }
    record_many(
        &app.db,
        vec![Event::new(EventKind::Auth, "zebra again".to_string())],
    )
    .await;
    assert_eq!(
        newest(&app.db, &zebra, None, 10)
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
}

#[tokio::test]
async fn only_admins_see_the_console_and_signed_out_visitors_sign_in() {
    let app = spawn_app().await;
    let member = browser(&app, PlanTier::Pro, "UTC").await;
    for path in [
        "/admin",
        "/admin/logs",
        "/admin/users",
        "/admin/system",
        "/admin/logs?level=error",
    ] {
        let (status, html) = page(&app, &member, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("This page does not exist"), "{path}");
        assert!(!html.contains("Event log"), "{path}");
    }
    for path in [
        "/admin/logs/export.csv",
        "/admin/logs/export.json",
        "/admin/logs/stream",
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header(COOKIE, &member.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let res = app.client.get(app.url("/admin/logs")).send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/login?next=/admin/logs");
    // A member's own menu has no console link; an admin's has.
    let (_, html) = page(&app, &member, "/dashboard").await;
    assert!(!html.contains("Admin console"));
    let admin = admin_browser(&app).await;
    let (status, html) = page(&app, &admin, "/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("Admin console"));
    for path in ["/admin", "/admin/logs", "/admin/users", "/admin/system"] {
        let (status, html) = page(&app, &admin, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("aria-label=\"Admin console\""), "{path}");
    }
}

/// A post that failed on the platform, with the engine's entry about it.
async fn failed_post(app: &TestApp, owner: &Browser, reason: &str) -> Uuid {
    let user = app.user(&owner.email).await;
    let account = app.account(&owner.token, "instagram").await;
    let account: Uuid = account.parse().unwrap();
    let mut row = post::new_row(
        user.id,
        account,
        app::model::Platform::Instagram,
        "Spring sale".into(),
        PostStatus::Failed,
        Some(Utc::now() - chrono::Duration::minutes(5)),
    );
    row.error_message = Set(Some(reason.to_string()));
    let post = row.insert(&app.db).await.unwrap();
    record_many(
        &app.db,
        vec![Event::new(EventKind::Publish, format!("Failed: {reason}"))
            .level(EventLevel::Error)
            .user(user.id)
            .post(post.id)
            .data(
                json!({"account_id": account, "response_code": "400", "platform_error": reason}),
            )],
    )
    .await;
    post.id
}

#[tokio::test]
async fn the_logs_page_filters_by_url_and_opens_an_entry_with_what_it_names() {
    let app = spawn_app().await;
    let admin = admin_browser(&app).await;
    let shop = browser(&app, PlanTier::Pro, "UTC").await;
    let reason = "Media aspect ratio 3:1 is not allowed";
    let failed = failed_post(&app, &shop, reason).await;
    record_many(
        &app.db,
        vec![
            Event::new(EventKind::Publish, "Published <b>other</b>".to_string())
                .user(app.user(&shop.email).await.id),
        ],
    )
    .await;

    let (status, html) = page(
        &app,
        &admin,
        &format!("/admin/logs?level=error&post={failed}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("data-testid=\"log-entry\"").count(),
        1,
        "{html}"
    );
    assert!(html.contains(&format!("Failed: {reason}")));
    assert!(
        html.contains("platform_error"),
        "the entry's data is on the page"
    );
    assert!(html.contains(&shop.email), "the user is named and linked");
    assert!(
        html.contains("instagram shop on instagram") || html.contains("on instagram"),
        "the account is described"
    );
    assert!(html.contains(&format!("href=\"/admin/logs?post={failed}\"")));
    // The filter stays in the form, the exports and the live tail.
    assert!(html.contains(&format!("value=\"{failed}\"")));
    assert!(html.contains(&format!(
        "/admin/logs/export.csv?level=error&amp;post={failed}"
    )));
    assert!(html.contains("data-stream=\"/admin/logs/stream?level=error&amp;post="));

    // Text is escaped, never markup; the times are in the admin's zone (Tokyo).
    let (_, html) = page(&app, &admin, "/admin/logs?q=other").await;
    assert!(html.contains("Published &lt;b&gt;other&lt;/b&gt;"));
    assert!(html.contains("Times are in Asia/Tokyo"));
    // By email too, and an unknown one says so.
    let shop_id = app.user(&shop.email).await.id;
    let theirs = all_entries(&app)
        .await
        .into_iter()
        .filter(|e| e.user_id == Some(shop_id))
        .count();
    assert!(
        theirs >= 2,
        "registration, sign-in, the account and the two above"
    );
    let (_, html) = page(&app, &admin, &format!("/admin/logs?user={}", shop.email)).await;
    assert_eq!(html.matches("data-testid=\"log-entry\"").count(), theirs);
    let (_, html) = page(&app, &admin, "/admin/logs?user=nobody@example.com").await;
    assert!(html.contains("No user has the email nobody@example.com"));
    let (_, html) = page(&app, &admin, "/admin/logs?kind=gossip").await;
    assert!(html.contains("Unknown kind"));
    let (_, html) = page(&app, &admin, "/admin/logs?before=garbage").await;
    assert!(html.contains("This page link is not valid"));
    let (_, html) = page(
        &app,
        &admin,
        "/admin/logs?since=2026-12-01T10:00&until=2026-11-01T10:00",
    )
    .await;
    assert!(html.contains("The range must start before it ends"));
}

#[tokio::test]
async fn the_logs_page_pages_by_keyset() {
    let app = spawn_app().await;
    let admin = admin_browser(&app).await;
    let events: Vec<Event> = (0..120)
        .map(|i| Event::new(EventKind::Scheduler, format!("numbered entry #{i:03}")))
        .collect();
    record_many(&app.db, events).await;
    let (_, first) = page(&app, &admin, "/admin/logs?kind=scheduler").await;
    assert_eq!(first.matches("data-testid=\"log-entry\"").count(), 50);
    assert!(!first.contains("Newest entries"));
    let older = first
        .split("data-testid=\"older\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|href| href.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        older.starts_with("/admin/logs?kind=scheduler&before="),
        "{older}"
    );
    let (_, second) = page(&app, &admin, &older).await;
    assert_eq!(second.matches("data-testid=\"log-entry\"").count(), 50);
    assert!(second.contains("Newest entries"));
    assert!(
        !second.contains("tail-toggle"),
        "the live tail is on the first page only"
    );
    let ids = |html: &str| -> Vec<String> {
        html.split("id=\"log-")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .filter(|s| Uuid::parse_str(s).is_ok())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert!(a.iter().all(|id| !b.contains(id)), "pages never overlap");
}

/// Reads server-sent events until `done` says so (or the time runs out).
async fn read_until(
    res: &mut reqwest::Response,
    seen: &mut String,
    done: impl Fn(&str) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(seen) {
        match tokio::time::timeout_at(deadline, res.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return false,
        }
    }
    true
}

/// The messages of the entries the events carried, in order.
fn messages(seen: &str) -> Vec<&str> {
    seen.split("data-testid=\"log-message\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .map(|(_, text)| text.split('<').next().unwrap_or_default())
        .collect()
}

/// How many events carried an entry whose message starts with `text`.
fn sent(seen: &str, text: &str) -> usize {
    messages(seen)
        .iter()
        .filter(|m| m.starts_with(text))
        .count()
}

/// An entry written with the time it was stamped at, as a late commit would be.
async fn stamped(app: &TestApp, at: chrono::DateTime<Utc>, message: &str) -> LogEntry {
    event_log::ActiveModel {
        id: Set(Uuid::new_v4()),
        at: Set(at),
        kind: Set(EventKind::Webhook),
        level: Set(EventLevel::Error),
        user_id: Set(None),
        post_id: Set(None),
        message: Set(message.into()),
        data: Set(json!({})),
    }
    .insert(&app.db)
    .await
    .unwrap()
    .entry()
}

async fn open_stream(
    app: &TestApp,
    admin: &Browser,
    query: &str,
    last_event_id: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(&format!("/admin/logs/stream?{query}")))
        .header(COOKIE, &admin.cookie)
        .header(ACCEPT, "text/event-stream");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res
}

#[tokio::test]
async fn the_live_tail_sends_new_matching_entries_from_any_instance() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let admin = admin_browser(&app).await;
    let mut res = open_stream(&app, &admin, "level=error&q=payment", None).await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    // Written by the other instance: one that matches, and two that do not.
    record_many(
        &other.db,
        vec![
            Event::new(
                EventKind::Webhook,
                "payment failed for invoice 7\nretrying".to_string(),
            )
            .level(EventLevel::Error),
            Event::new(EventKind::Webhook, "payment succeeded".to_string()),
            Event::new(EventKind::Auth, "login failed".to_string()).level(EventLevel::Error),
        ],
    )
    .await;
    let mut seen = String::new();
    assert!(
        read_until(&mut res, &mut seen, |s| s.contains("invoice 7")).await,
        "{seen}"
    );
    assert!(seen.contains("event: entry"));
    assert!(
        seen.contains("id: "),
        "events carry their cursor for Last-Event-ID"
    );
    assert!(
        seen.contains("&#10;retrying"),
        "a newline stays in one data line"
    );
    // Another entry, then a late commit (stamped before what was read, visible only now),
    // then more at once than one read returns: each arrives once, the others never.
    record_many(
        &app.db,
        vec![Event::new(
            EventKind::Webhook,
            "payment retried for invoice 8".to_string(),
        )
        .level(EventLevel::Error)],
    )
    .await;
    assert!(
        read_until(&mut res, &mut seen, |s| s.contains("invoice 8")).await,
        "{seen}"
    );
    stamped(
        &app,
        Utc::now() - chrono::Duration::seconds(8),
        "payment late, committed after",
    )
    .await;
    record_many(
        &app.db,
        (0..450)
            .map(|i| {
                Event::new(EventKind::Webhook, format!("payment batch {i}"))
                    .level(EventLevel::Error)
            })
            .collect(),
    )
    .await;
    assert!(
        read_until(&mut res, &mut seen, |s| sent(s, "payment batch") == 450
            && sent(s, "payment late") == 1)
        .await,
        "{} of the batch, late: {}",
        sent(&seen, "payment batch"),
        sent(&seen, "payment late"),
    );
    assert_eq!(sent(&seen, "payment failed for invoice 7"), 1);
    assert_eq!(sent(&seen, "payment retried for invoice 8"), 1);
    assert_eq!(
        sent(&seen, "payment succeeded") + sent(&seen, "login failed"),
        0
    );

    // From a page's cursor: what came after it is sent, what it shows is not.
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    stamped(
        &app,
        hour_ago - chrono::Duration::hours(1),
        "invoice 4, before the page",
    )
    .await;
    let shown = stamped(&app, hour_ago, "invoice 6, on the page").await;
    stamped(
        &app,
        hour_ago + chrono::Duration::minutes(30),
        "invoice 5, after the page",
    )
    .await;
    let after = LogCursor::of(&shown).encode();
    let mut from_page = open_stream(&app, &admin, &format!("q=invoice&after={after}"), None).await;
    let mut page_seen = String::new();
    assert!(
        read_until(&mut from_page, &mut page_seen, |s| s.contains("invoice 5")
            && s.contains("invoice 8"))
        .await,
        "{page_seen}"
    );
    assert_eq!(
        sent(&page_seen, "invoice 4") + sent(&page_seen, "invoice 6"),
        0
    );

    // Reconnected (Last-Event-ID): the look-back window comes again, for the page to drop
    // what it has, and what is new follows.
    let newest = all_entries(&app).await[0].clone();
    let mut again = open_stream(
        &app,
        &admin,
        "q=payment",
        Some(&LogCursor::of(&newest).encode()),
    )
    .await;
    record_many(
        &app.db,
        vec![Event::new(
            EventKind::Webhook,
            "payment for invoice 9".to_string(),
        )],
    )
    .await;
    let mut again_seen = String::new();
    assert!(
        read_until(&mut again, &mut again_seen, |s| s.contains("invoice 9")).await,
        "{again_seen}"
    );
    assert!(
        again_seen.contains(&newest.message),
        "the window was sent again"
    );

    // Shutting down ends every stream.
    app.state.stopping.send_replace(true);
    assert!(
        read_until(&mut res, &mut seen, |s| s.contains("event: end")).await,
        "the stream ended"
    );
    assert!(matches!(
        tokio::time::timeout(Duration::from_secs(5), res.chunk()).await,
        Ok(Ok(None))
    ));
}

#[tokio::test]
async fn exports_hold_the_filtered_view_and_are_logged() {
    let app = spawn_app().await;
    let admin = admin_browser(&app).await;
    record_many(
        &app.db,
        vec![
            Event::new(
                EventKind::Publish,
                "=HYPERLINK(\"x\") posted, with a comma".to_string(),
            )
            .level(EventLevel::Error),
            Event::new(EventKind::Publish, "ordinary".to_string()),
        ],
    )
    .await;
    let get = |path: &str| {
        app.client
            .get(app.url(path))
            .header(COOKIE, &admin.cookie)
            .send()
    };
    let res = get("/admin/logs/export.csv?kind=publish&level=error")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"postpilot-log-"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "at,level,kind,user_id,post_id,message,data");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains("\"'=HYPERLINK(\"\"x\"\") posted, with a comma\""),
        "{csv}"
    );

    let res = get("/admin/logs/export.json?q=ordinary").await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/json");
    let entries: Vec<Value> = res.json().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["message"], "ordinary");
    assert_eq!(entries[0]["kind"], "publish");

    let res = get("/admin/logs/export.csv?level=fatal").await.unwrap();
    assert_eq!(res.status(), 422);
    // Each export is itself an entry of the log.
    let audits = all_entries(&app).await;
    let exports: Vec<&LogEntry> = audits
        .iter()
        .filter(|e| e.kind == EventKind::Audit && e.message.contains("exported"))
        .collect();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[1].data["filter"]["level"], "error");
}

#[tokio::test]
async fn admins_change_plans_and_roles_and_deactivate_through_the_page() {
    let app = spawn_app().await;
    let admin = admin_browser(&app).await;
    let shop = browser(&app, PlanTier::Free, "UTC").await;
    let shop_id = app.user(&shop.email).await.id;
    app.account(&shop.token, "facebook").await;

    let (status, html) = page(
        &app,
        &admin,
        &format!("/admin/users?q={}", &shop.email[..10]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(&shop.email));
    assert!(html.contains("1 user matches."));
    let id = shop_id.to_string();
    let from = "/admin/users?q=b-";
    let path = "/fn/admin/users/update";

    let res = submit_from(
        &app,
        &admin,
        from,
        path,
        &[("id", &id), ("plan", "pro"), ("q", "b-"), ("page", "1")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/admin/users?notice=updated&q=b-");
    let html = follow(&app, &admin, &res).await;
    assert!(html.contains("Saved. The change is recorded in the event log."));
    assert_eq!(app.user(&shop.email).await.plan, PlanTier::Pro);

    let res = submit_from(
        &app,
        &admin,
        from,
        path,
        &[("id", &id), ("active", "false")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(!app.user(&shop.email).await.is_active);
    // Deactivated: their session and their sign-in are refused.
    let (status, _) = page(&app, &shop, "/dashboard").await;
    assert_eq!(status, 302);
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": shop.email, "password": "correct-horse-1"}),
        )
        .await;
    assert_ne!(login.status(), 200);
    let (_, html) = page(&app, &admin, from).await;
    assert!(html.contains("Deactivated"));
    assert!(html.contains(&format!("aria-label=\"Reactivate {}\"", shop.email)));

    let res = submit_from(&app, &admin, from, path, &[("id", &id), ("active", "true")]).await;
    assert_eq!(res.status(), 302);
    assert!(app.user(&shop.email).await.is_active);
    // Reactivated: the sessions deactivation ended stay ended.
    let (status, _) = page(&app, &shop, "/dashboard").await;
    assert_eq!(status, 302, "the old session cookie was signed out");

    // An admin cannot lock themselves out; the page says why.
    let me = app.user(&admin.email).await.id.to_string();
    let res = submit_from(
        &app,
        &admin,
        from,
        path,
        &[("id", &me), ("active", "false")],
    )
    .await;
    let html = follow(&app, &admin, &res).await;
    assert!(
        html.contains("You cannot remove your own admin access"),
        "{html}"
    );
    assert!(app.user(&admin.email).await.is_active);
    let res = submit_from(
        &app,
        &admin,
        from,
        path,
        &[("id", &id), ("plan", "platinum")],
    )
    .await;
    let html = follow(&app, &admin, &res).await;
    assert!(html.contains("Unknown plan"));

    // Every change is in the log, saying who did what.
    let log = all_entries(&app).await;
    let audits: Vec<&str> = log
        .iter()
        .filter(|e| e.kind == EventKind::Audit && e.user_id == Some(shop_id))
        .filter(|e| e.message.contains(" updated "))
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(audits.len(), 3, "{audits:?}");
    assert!(audits[2].contains("plan free → pro"), "{audits:?}");
    assert!(audits[1].ends_with(": deactivated"), "{audits:?}");
    assert!(audits[0].ends_with(": reactivated"), "{audits:?}");
    assert!(audits.iter().all(|m| m.contains(&admin.email)));

    // A member, signed in again, posting the form directly is refused, and nothing changes.
    let cookie = app.sign_in_session(&shop.email).await;
    let member = Browser {
        cookie,
        email: shop.email.clone(),
        token: String::new(),
    };
    let (status, _) = page(&app, &member, "/dashboard").await;
    assert_eq!(status, 200, "signed in again");
    let res = submit_from(
        &app,
        &member,
        from,
        path,
        &[("id", &id), ("plan", "enterprise")],
    )
    .await;
    assert!(location(&res).contains("__err"), "{}", location(&res));
    assert_eq!(app.user(&shop.email).await.plan, PlanTier::Pro);
}

#[tokio::test]
async fn two_admins_changing_one_user_at_once_both_take_effect() {
    let app = spawn_app().await;
    let first = admin_browser(&app).await;
    let second = admin_browser(&app).await;
    let shop = browser(&app, PlanTier::Free, "UTC").await;
    let id = app.user(&shop.email).await.id.to_string();
    let path = "/fn/admin/users/update";
    for _ in 0..5 {
        let plan = [("id", id.as_str()), ("plan", "enterprise")];
        let role = [("id", id.as_str()), ("role", "admin")];
        let (a, b) = tokio::join!(
            submit_from(&app, &first, "/admin/users", path, &plan),
            submit_from(&app, &second, "/admin/users", path, &role),
        );
        assert_eq!(
            (a.status(), b.status()),
            (reqwest::StatusCode::FOUND, reqwest::StatusCode::FOUND)
        );
        let user = app.user(&shop.email).await;
        assert_eq!((user.plan, user.role), (PlanTier::Enterprise, Role::Admin));
        // Back, for the next round.
        let mut active = user.into_active_model();
        active.plan = Set(PlanTier::Free);
        active.role = Set(Role::Member);
        active.update(&app.db).await.unwrap();
    }
}

#[tokio::test]
async fn the_system_page_shows_each_instance_and_the_queue() {
    let app = spawn_app().await;
    let admin = admin_browser(&app).await;
    let shop = browser(&app, PlanTier::Enterprise, "UTC").await;
    let (_, html) = page(&app, &admin, "/admin/system").await;
    assert!(html.contains("No scheduler has ticked yet"));

    failed_post(&app, &shop, "Token expired").await;
    failed_post(&app, &shop, "Token expired").await;
    failed_post(&app, &shop, "Caption too long").await;
    health::record_tick(&app.db, "web-1", Duration::from_millis(12), None)
        .await
        .unwrap();
    health::record_tick(
        &other_db(&app).await,
        "web-2",
        Duration::from_millis(30),
        Some("database is locked".into()),
    )
    .await
    .unwrap();
    // A tick again replaces the instance's row rather than adding one.
    health::record_tick(&app.db, "web-1", Duration::from_millis(8), None)
        .await
        .unwrap();
    let (status, html) = page(&app, &admin, "/admin/system").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("data-testid=\"instance\"").count(), 2);
    assert!(html.contains("web-1") && html.contains("web-2"));
    assert!(html.contains("8 ms"));
    assert!(html.contains("Failing") && html.contains("database is locked"));
    assert!(html.contains("Healthy"));
    let reasons = html
        .split("data-testid=\"failure-reasons\"")
        .nth(1)
        .unwrap();
    let token = reasons.find("Token expired").unwrap();
    let caption = reasons.find("Caption too long").unwrap();
    assert!(token < caption, "the commonest reason first");
    assert!(
        html.contains(if app.state.settings.database.url.starts_with("postgres") {
            "PostgreSQL, "
        } else {
            "SQLite, "
        })
    );

    let snapshot = health::snapshot(&app.db).await.unwrap();
    assert_eq!(snapshot.failed_24h, 3);
    assert_eq!(
        snapshot.failure_reasons[0],
        ("Token expired".to_string(), 2)
    );
}

async fn other_db(app: &TestApp) -> sea_orm::DatabaseConnection {
    app::server::db::connect(&app.state.settings).await.unwrap()
}

#[tokio::test]
async fn two_admins_removing_each_other_at_once_leave_one_admin() {
    use app::server::services::admin::{update_user, UserPatch};
    let app = spawn_app().await;
    for round in 0..6 {
        let a = admin_browser(&app).await;
        let b = admin_browser(&app).await;
        // Both read as admins before either change: each request passed its own check.
        let (a, b) = (app.user(&a.email).await, app.user(&b.email).await);
        let patch = if round % 2 == 0 {
            UserPatch {
                role: Some(Role::Member),
                ..Default::default()
            }
        } else {
            UserPatch {
                is_active: Some(false),
                ..Default::default()
            }
        };
        let (on_b, on_a) = tokio::join!(
            update_user(&app.db, &a, b.id, patch),
            update_user(&app.db, &b, a.id, patch),
        );
        assert!(
            on_b.is_ok() != on_a.is_ok(),
            "round {round}: one succeeds, one is refused"
        );
        let refused = on_b.err().or(on_a.err()).unwrap();
        assert_eq!(refused.status(), 403, "round {round}");
        let still = |u: app::server::entities::user::Model| u.role == Role::Admin && u.is_active;
        let kept = [
            still(app.user(&a.email).await),
            still(app.user(&b.email).await),
        ];
        assert_eq!(
            kept.iter().filter(|k| **k).count(),
            1,
            "round {round}: exactly one of the two keeps admin access ({kept:?})"
        );
    }
}
