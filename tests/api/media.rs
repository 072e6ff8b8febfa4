//! The media library over the REST API and the browser session: resumable uploads in pieces,
//! sniffing, measuring and thumbnails, the same bytes kept once, the plan's storage quota (also
//! under concurrent completions), the platforms' media rules when a post is scheduled, deleting
//! a file no scheduled post needs (also while posts are being scheduled with it, and a failed
//! post's retry), bad files leaving nothing behind, isolation between users, the browser's
//! uploads, pruning stale uploads, a deleted account's files, and publishing a library file.
//! Every scenario runs on the local disk and on S3 (moto): `media::local_disk::…` and
//! `media::s3::…`.

use std::sync::{Arc, Mutex};

use app::model::{PlanTier, PostStatus};
use app::server::entities::{event_log, media_upload, post, user};
use app::server::publishing::adapter::{
    AccountAuth, Metrics, OutgoingPost, PublishError, Publisher, Started, TokenGrant,
};
use app::server::publishing::{Engine, Platforms};
use app::server::services::media::prune_stale_uploads;
use chrono::{Duration, Utc};
use reqwest::header::{CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, COOKIE, RANGE};
use reqwest::Response;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{
    browser, detail, follow, location, marketer, page, real_account, submit_from, TestApp,
};
use crate::media_fixtures::{
    gif, jpeg, media_app, media_app_with, moto_endpoint, mp4, padded_jpeg, pdf, phone_mov, png,
    png_bomb, stored_keys, webp, work_files, Store, CHUNK_MB,
};

const MIB: i64 = 1024 * 1024;
const GIB: i64 = 1024 * MIB;
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

// The upload protocol, as a client speaks it.

async fn start(app: &TestApp, token: &str, filename: &str, byte_size: i64) -> Response {
    app.post_bearer(
        "/api/v1/media/uploads",
        token,
        &json!({"filename": filename, "byte_size": byte_size}),
    )
    .await
}

async fn started(app: &TestApp, token: &str, filename: &str, byte_size: i64) -> Value {
    let res = start(app, token, filename, byte_size).await;
    assert_eq!(res.status(), 201, "start {filename}");
    res.json().await.unwrap()
}

fn id_of(value: &Value) -> &str {
    value["id"].as_str().expect("an id")
}

async fn put_piece(app: &TestApp, token: &str, id: &str, offset: usize, piece: &[u8]) -> Response {
    app.client
        .put(app.url(&format!("/api/v1/media/uploads/{id}?offset={offset}")))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/octet-stream")
        .body(piece.to_vec())
        .send()
        .await
        .unwrap()
}

/// Sends `bytes[from..]` in pieces of `piece` bytes, checking where the upload stands after each.
async fn send_from(app: &TestApp, token: &str, id: &str, bytes: &[u8], from: usize, piece: usize) {
    let mut offset = from;
    for chunk in bytes[from..].chunks(piece) {
        let res = put_piece(app, token, id, offset, chunk).await;
        assert_eq!(res.status(), 200, "piece at {offset}");
        offset += chunk.len();
        let upload: Value = res.json().await.unwrap();
        assert_eq!(upload["received"], offset as i64);
    }
}

async fn complete(app: &TestApp, token: &str, id: &str) -> Response {
    app.post_bearer(
        &format!("/api/v1/media/uploads/{id}/complete"),
        token,
        &json!({}),
    )
    .await
}

/// Starts an upload, sends the whole file in pieces of `chunk_bytes` and completes it.
async fn upload(app: &TestApp, token: &str, filename: &str, bytes: &[u8]) -> Response {
    let upload = started(app, token, filename, bytes.len() as i64).await;
    let piece = upload["chunk_bytes"].as_u64().unwrap() as usize;
    send_from(app, token, id_of(&upload), bytes, 0, piece).await;
    complete(app, token, id_of(&upload)).await
}

/// An upload that makes a new library file.
async fn uploaded(app: &TestApp, token: &str, filename: &str, bytes: &[u8]) -> Value {
    let res = upload(app, token, filename, bytes).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 201, "{filename}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn library(app: &TestApp, token: &str) -> Value {
    let res = app.get_bearer("/api/v1/media", token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// A file's address (`{public_url}/media/…`, `public_url` being `http://127.0.0.1` in tests)
/// on the test server.
fn on_server(app: &TestApp, url: &Value) -> String {
    let url = url.as_str().expect("a URL");
    app.url(
        url.strip_prefix("http://127.0.0.1")
            .unwrap_or_else(|| panic!("{url} is not on the public URL")),
    )
}

async fn fetch(app: &TestApp, url: &Value) -> Response {
    app.client.get(on_server(app, url)).send().await.unwrap()
}

async fn ranged(app: &TestApp, url: &Value, range: &str) -> Response {
    app.client
        .get(on_server(app, url))
        .header(RANGE, range)
        .send()
        .await
        .unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file as the library describes it, but for `created_at` (PostgreSQL keeps microseconds).
fn same_file(item: &Value) -> Value {
    let mut item = item.clone();
    item.as_object_mut().unwrap().remove("created_at");
    item
}

/// The problems the library lists for `platform`.
fn problems_for(item: &Value, platform: &str) -> Vec<String> {
    item["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["platform"] == platform)
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect()
}

async fn media_bytes(app: &TestApp, email: &str) -> i64 {
    app.user(email).await.media_bytes
}

async fn set_media_bytes(app: &TestApp, email: &str, bytes: i64) {
    let id = app.user(email).await.id;
    user::Entity::update_many()
        .col_expr(user::Column::MediaBytes, Expr::value(bytes))
        .filter(user::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// A Free user and their token.
async fn free_user(app: &TestApp) -> (String, String) {
    let email = format!("f-{}@example.com", Uuid::new_v4().simple());
    let token = app.signed_up(&email).await.access_token;
    app.set_plan(&email, PlanTier::Free).await;
    (email, token)
}

/// No file, no upload, no object in the store and nothing in the work folder.
async fn assert_nothing_left(app: &TestApp, what: &str) {
    assert_eq!(app.count("media").await, 0, "{what}: a media row");
    assert_eq!(app.count("media_uploads").await, 0, "{what}: an upload row");
    assert_eq!(
        stored_keys(app).await,
        Vec::<String>::new(),
        "{what}: objects"
    );
    assert_eq!(work_files(app), Vec::<std::path::PathBuf>::new(), "{what}");
}

fn in_hours(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339()
}

async fn schedule_post(app: &TestApp, token: &str, account: &str, url: &Value) -> Response {
    app.post_bearer(
        "/api/v1/posts",
        token,
        &json!({"account_id": account, "content": "New mugs", "media_urls": [url], "scheduled_for": in_hours(3)}),
    )
    .await
}

// The scenarios.

/// A photo sent in three pieces becomes a library file: sniffed, measured, thumbnailed,
/// served as it was sent (whole and by range) and counted against the quota.
async fn a_photo_sent_in_pieces_becomes_a_library_file(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let owner = app.user(&who.email).await.id.simple().to_string();
    let photo = padded_jpeg(1600, 1200, 1, 11 * MIB as usize + 12_345);
    let size = photo.len() as i64;

    let upload = started(&app, &who.token, "Summer sale.jpg", size).await;
    assert_eq!(upload["filename"], "Summer sale.jpg");
    assert_eq!(upload["byte_size"], size);
    assert_eq!(upload["received"], 0);
    assert_eq!(upload["chunk_bytes"], CHUNK_MB as i64 * MIB);
    let expires: chrono::DateTime<Utc> = upload["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > Utc::now() + Duration::hours(1), "{expires}");
    let id = id_of(&upload);
    send_from(&app, &who.token, id, &photo, 0, 5 * MIB as usize).await;

    let res = complete(&app, &who.token, id).await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    let hash = sha256_hex(&photo);
    assert_eq!(item["kind"], "image");
    assert_eq!(item["content_type"], "image/jpeg");
    assert_eq!(
        (item["width"].clone(), item["height"].clone()),
        (json!(1600), json!(1200))
    );
    assert_eq!(item["byte_size"], size);
    assert_eq!(item["duration_ms"], Value::Null);
    assert_eq!(item["filename"], "Summer sale.jpg");
    assert_eq!(item["content_hash"], hash);
    assert_eq!(
        item["url"],
        format!("http://127.0.0.1/media/m/{owner}/{hash}.jpg")
    );
    assert_eq!(
        item["thumbnail_url"],
        format!("http://127.0.0.1/media/t/{owner}/{hash}.jpg")
    );
    assert_eq!(item["used_by"], json!([]));
    // 11 MB: past Instagram's 8 MB and Facebook's 10 MB, within TikTok's 20 MB.
    assert_eq!(
        problems_for(&item, "instagram"),
        ["Instagram takes photos up to 8 MB; this one is 11 MB"]
    );
    assert_eq!(problems_for(&item, "facebook").len(), 1, "{item}");
    assert_eq!(problems_for(&item, "tiktok"), Vec::<String>::new());

    let thumb = fetch(&app, &item["thumbnail_url"]).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()[CACHE_CONTROL], CACHE_FOREVER);
    let thumb = thumb.bytes().await.unwrap();
    assert_eq!(
        image::guess_format(&thumb).unwrap(),
        image::ImageFormat::Jpeg
    );
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (480, 360));

    let file = fetch(&app, &item["url"]).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()[CACHE_CONTROL], CACHE_FOREVER);
    assert_eq!(file.headers()[CONTENT_TYPE], "image/jpeg");
    assert!(file.bytes().await.unwrap() == photo, "the file as sent");
    let part = ranged(&app, &item["url"], "bytes=1000-1999").await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()[CONTENT_RANGE],
        format!("bytes 1000-1999/{size}").as_str()
    );
    assert_eq!(part.bytes().await.unwrap(), photo[1000..2000]);
    let size_u = photo.len();
    let tail = ranged(&app, &item["url"], "bytes=-100").await;
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.headers()[CONTENT_RANGE],
        format!("bytes {}-{}/{size}", size_u - 100, size_u - 1).as_str()
    );
    assert_eq!(tail.bytes().await.unwrap(), photo[size_u - 100..]);
    let rest = ranged(&app, &item["url"], &format!("bytes={}-", size_u - 10)).await;
    assert_eq!(rest.status(), 206);
    assert_eq!(rest.bytes().await.unwrap(), photo[size_u - 10..]);
    let past = ranged(&app, &item["url"], &format!("bytes={}-", size_u + 10)).await;
    assert_eq!(past.status(), 416);

    let lib = library(&app, &who.token).await;
    assert_eq!(lib["used_bytes"], size);
    assert_eq!(lib["quota_bytes"], 100 * GIB);
    assert_eq!(lib["items"].as_array().unwrap().len(), 1);
    assert_eq!(same_file(&lib["items"][0]), same_file(&item));
    assert_eq!(media_bytes(&app, &who.email).await, size);
    let one: Value = app
        .get_bearer(&format!("/api/v1/media/{}", id_of(&item)), &who.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same_file(&one), same_file(&item));
    for (q, found) in [
        ("summer", 1),
        ("SALE", 1),
        ("winter", 0),
        ("%25", 0),
        ("_", 0),
    ] {
        let res: Value = app
            .get_bearer(&format!("/api/v1/media?q={q}"), &who.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(res["items"].as_array().unwrap().len(), found, "q={q}");
    }

    // The upload is done with: its row and pieces are gone.
    assert_eq!(app.count("media_uploads").await, 0);
    assert_eq!(
        app.get_bearer(&format!("/api/v1/media/uploads/{id}"), &who.token)
            .await
            .status(),
        404
    );
    assert_eq!(
        stored_keys(&app).await,
        [
            format!("m/{owner}/{hash}.jpg"),
            format!("t/{owner}/{hash}.jpg")
        ]
    );
    assert!(work_files(&app).is_empty());
}

/// The same bytes again, under another name: the file already in the library (200), stored
/// and counted once.
async fn the_same_bytes_are_kept_once(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let photo = jpeg(640, 480, 2);
    // Only the file's own name is kept, not the folders of the computer it came from.
    let first = uploaded(&app, &who.token, "C:\\Users\\ada\\mug.jpg", &photo).await;
    assert_eq!(first["filename"], "mug.jpg");

    let res = upload(&app, &who.token, "mug copy.jpg", &photo).await;
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["url"], first["url"]);
    assert_eq!(again["filename"], "mug.jpg", "the file in the library");

    let lib = library(&app, &who.token).await;
    assert_eq!(lib["items"].as_array().unwrap().len(), 1);
    assert_eq!(lib["used_bytes"], photo.len() as i64);
    assert_eq!(app.count("media").await, 1);
    assert_eq!(app.count("media_uploads").await, 0);
    assert_eq!(stored_keys(&app).await.len(), 2, "one file, one thumbnail");

    // Other bytes are another file.
    let other = jpeg(640, 480, 3);
    let second = uploaded(&app, &who.token, "mug.jpg", &other).await;
    assert_ne!(second["id"], first["id"]);
    let lib = library(&app, &who.token).await;
    assert_eq!(lib["items"].as_array().unwrap().len(), 2);
    assert_eq!(lib["used_bytes"], (photo.len() + other.len()) as i64);
    assert_eq!(stored_keys(&app).await.len(), 4);

    // Twins completed at the same time: one file, counted once.
    let twin = jpeg(640, 480, 26);
    let mut ids = Vec::new();
    for name in ["twin 1.jpg", "twin 2.jpg"] {
        let upload = started(&app, &who.token, name, twin.len() as i64).await;
        send_from(&app, &who.token, id_of(&upload), &twin, 0, twin.len()).await;
        ids.push(id_of(&upload).to_string());
    }
    let (a, b) = tokio::join!(
        complete(&app, &who.token, &ids[0]),
        complete(&app, &who.token, &ids[1]),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 201]);
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["id"], b["id"]);
    let lib = library(&app, &who.token).await;
    assert_eq!(lib["items"].as_array().unwrap().len(), 3);
    let total = (photo.len() + other.len() + twin.len()) as i64;
    assert_eq!(lib["used_bytes"], total);
    assert_eq!(media_bytes(&app, &who.email).await, total);
    assert_eq!(stored_keys(&app).await.len(), 6);

    // One upload completed twice at once (two tabs): one file, and the other finds no upload.
    let once = jpeg(640, 480, 27);
    let upload = started(&app, &who.token, "once.jpg", once.len() as i64).await;
    let id = id_of(&upload);
    send_from(&app, &who.token, id, &once, 0, once.len()).await;
    let (a, b) = tokio::join!(
        complete(&app, &who.token, id),
        complete(&app, &who.token, id)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 404]);
    assert_eq!(
        library(&app, &who.token).await["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(app.count("media_uploads").await, 0);
    assert!(work_files(&app).is_empty());
}

/// An interrupted upload resumes where it stands: a piece at another offset is refused with
/// the offset to resume from, and completing early is refused without losing the upload.
async fn an_interrupted_upload_resumes(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let photo = jpeg(800, 600, 4);
    let size = photo.len();
    let third = size / 3;
    let upload = started(&app, &who.token, "resume.jpg", size as i64).await;
    let id = id_of(&upload);
    let t = &who.token;

    assert_eq!(
        put_piece(&app, t, id, 0, &photo[..third]).await.status(),
        200
    );
    for wrong in [0, third + 1, 2 * third] {
        let res = put_piece(&app, t, id, wrong, &photo[wrong..wrong + 10]).await;
        assert_eq!(res.status(), 409, "offset {wrong}");
        let message = detail(res).await;
        assert!(
            message.contains(&format!("starts at byte {third}")),
            "{message}"
        );
    }
    let status: Value = app
        .get_bearer(&format!("/api/v1/media/uploads/{id}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["received"], third as i64);
    assert_eq!(status["byte_size"], size as i64);

    // Pieces in progress are never served.
    let simple = id.replace('-', "");
    for path in [
        format!("/media/staging/{simple}/{:016}", 0),
        format!("/media/m/%2e%2e/staging/{simple}/{:016}", 0),
    ] {
        let res = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    assert!(
        stored_keys(&app)
            .await
            .contains(&format!("staging/{simple}/{:016}", 0)),
        "the piece is stored"
    );

    let early = complete(&app, t, id).await;
    assert_eq!(early.status(), 422);
    let message = detail(early).await;
    assert!(message.contains("incomplete"), "{message}");
    assert!(
        message.contains(&format!("{third} of {size} bytes")),
        "{message}"
    );

    // Bad pieces change nothing.
    let no_offset = app
        .client
        .put(app.url(&format!("/api/v1/media/uploads/{id}")))
        .bearer_auth(t)
        .body(photo[third..third + 10].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(no_offset.status(), 422);
    let mut too_long = photo[third..].to_vec();
    too_long.push(0);
    assert_eq!(put_piece(&app, t, id, third, &too_long).await.status(), 422);

    // The rest, then the completion.
    send_from(&app, t, id, &photo, third, third).await;
    let res = complete(&app, t, id).await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    assert_eq!(
        (item["width"].clone(), item["height"].clone()),
        (json!(800), json!(600))
    );
    assert_eq!(item["content_hash"], sha256_hex(&photo));
    assert!(fetch(&app, &item["url"]).await.bytes().await.unwrap() == photo);

    // A piece over `chunk_bytes` is refused; a cancelled upload leaves nothing.
    let chunk = (CHUNK_MB as i64 * MIB) as usize;
    let big = started(&app, t, "big.jpg", chunk as i64 + 10).await;
    let res = put_piece(&app, t, id_of(&big), 0, &vec![0xFF; chunk + 1]).await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        put_piece(&app, t, id_of(&big), 0, &[0xFF; 10])
            .await
            .status(),
        200
    );
    let path = format!("/api/v1/media/uploads/{}", id_of(&big));
    assert_eq!(app.delete_bearer(&path, t).await.status(), 204);
    assert_eq!(app.get_bearer(&path, t).await.status(), 404);
    assert_eq!(app.count("media_uploads").await, 0);
    assert!(
        stored_keys(&app)
            .await
            .iter()
            .all(|key| !key.starts_with("staging/")),
        "{:?}",
        stored_keys(&app).await
    );
}

/// The platforms' rules: listed as each file's problems, and enforced when a post carrying
/// the file is scheduled.
async fn platform_rules_are_listed_and_enforced_when_scheduling(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let t = &who.token;
    let ig = app.account(t, "instagram").await;
    let fb = app.account(t, "facebook").await;
    let tt = app.account(t, "tiktok").await;

    let wide = uploaded(&app, t, "banner.jpg", &jpeg(3000, 1000, 5)).await;
    let ig_wide = problems_for(&wide, "instagram");
    assert_eq!(ig_wide.len(), 1, "{wide}");
    assert!(
        ig_wide[0].contains("4:5") && ig_wide[0].contains("3:1"),
        "{ig_wide:?}"
    );
    assert_eq!(problems_for(&wide, "facebook"), Vec::<String>::new());
    assert_eq!(problems_for(&wide, "tiktok"), Vec::<String>::new());

    let square_png = uploaded(&app, t, "logo.png", &png(1000, 1000, 6)).await;
    assert_eq!(square_png["content_type"], "image/png");
    assert!(square_png["url"].as_str().unwrap().ends_with(".png"));
    let ig_png = problems_for(&square_png, "instagram");
    assert_eq!(ig_png.len(), 1, "{square_png}");
    assert!(ig_png[0].contains("JPEG"), "{ig_png:?}");
    assert_eq!(problems_for(&square_png, "facebook"), Vec::<String>::new());

    let portrait = uploaded(&app, t, "portrait.jpg", &jpeg(1080, 1350, 7)).await;
    assert_eq!(portrait["problems"], json!([]));

    let lossless = uploaded(&app, t, "tile.webp", &webp(600, 600, 20)).await;
    assert_eq!(lossless["content_type"], "image/webp");
    assert!(lossless["url"].as_str().unwrap().ends_with(".webp"));
    assert_eq!(problems_for(&lossless, "instagram").len(), 1, "{lossless}");
    assert_eq!(problems_for(&lossless, "tiktok"), Vec::<String>::new());
    assert_eq!(problems_for(&lossless, "facebook"), Vec::<String>::new());
    let animation = uploaded(&app, t, "wave.gif", &gif(120, 90, 21)).await;
    assert_eq!(animation["content_type"], "image/gif");
    assert_eq!(
        (animation["width"].clone(), animation["height"].clone()),
        (json!(120), json!(90))
    );
    assert_eq!(problems_for(&animation, "instagram").len(), 1);
    assert_eq!(problems_for(&animation, "tiktok").len(), 1);
    assert_eq!(problems_for(&animation, "facebook"), Vec::<String>::new());

    // Scheduling checks the file against the post's platform.
    let res = schedule_post(&app, t, &ig, &wide["url"]).await;
    assert_eq!(res.status(), 422);
    let message = detail(res).await;
    assert!(message.contains("banner.jpg"), "{message}");
    assert!(message.contains(&ig_wide[0]), "{message}");
    assert_eq!(
        schedule_post(&app, t, &fb, &wide["url"]).await.status(),
        201
    );
    assert_eq!(
        schedule_post(&app, t, &ig, &portrait["url"]).await.status(),
        201
    );
    let res = schedule_post(&app, t, &ig, &square_png["url"]).await;
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.contains("JPEG"));

    // A draft is not checked; scheduling it later (either way) is.
    let res = app
        .post_bearer(
            "/api/v1/posts",
            t,
            &json!({"account_id": ig, "content": "Draft", "media_urls": [wide["url"]]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let draft = id_of(&res.json::<Value>().await.unwrap()).to_string();
    let res = app
        .post_bearer(
            &format!("/api/v1/posts/{draft}/schedule"),
            t,
            &json!({"scheduled_for": in_hours(2)}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.contains("3:1"));
    let res = app
        .patch_bearer(
            &format!("/api/v1/posts/{draft}"),
            t,
            &json!({"scheduled_for": in_hours(2)}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.contains("3:1"));
    let res = app
        .patch_bearer(
            &format!("/api/v1/posts/{draft}"),
            t,
            &json!({"scheduled_for": in_hours(2), "media_urls": [portrait["url"]]}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // A library address that is not (or no longer) a file.
    let owner = app.user(&who.email).await.id.simple().to_string();
    let gone = json!(format!(
        "http://127.0.0.1/media/m/{owner}/{}.jpg",
        "0".repeat(64)
    ));
    let res = schedule_post(&app, t, &fb, &gone).await;
    assert_eq!(res.status(), 422);
    assert!(detail(res)
        .await
        .contains("no longer in your media library"));

    // Videos: their length and picture size are read from their boxes.
    let short = uploaded(&app, t, "teaser.mp4", &mp4(1280, 720, 2_000, 8)).await;
    assert_eq!(short["kind"], "video");
    assert_eq!(short["content_type"], "video/mp4");
    assert_eq!(short["duration_ms"], 2_000);
    assert_eq!(
        (short["width"].clone(), short["height"].clone()),
        (json!(1280), json!(720))
    );
    assert!(short["url"].as_str().unwrap().ends_with(".mp4"));
    for platform in ["instagram", "tiktok"] {
        let found = problems_for(&short, platform);
        assert_eq!(found.len(), 1, "{platform}: {short}");
        assert!(found[0].contains("3 s"), "{found:?}");
    }
    // Facebook Pages get photos from PostPilot, not videos.
    assert_eq!(
        problems_for(&short, "facebook"),
        ["PostPilot publishes photos to Facebook, not videos; choose a photo"]
    );

    let reel = uploaded(&app, t, "reel.mp4", &mp4(1080, 1920, 30_000, 9)).await;
    assert_eq!(reel["duration_ms"], 30_000);
    assert_eq!(
        (reel["width"].clone(), reel["height"].clone()),
        (json!(1080), json!(1920))
    );
    assert_eq!(problems_for(&reel, "instagram"), Vec::<String>::new());
    assert_eq!(problems_for(&reel, "tiktok"), Vec::<String>::new());

    // A phone's MOV filmed upright: stored landscape, turned by its matrix.
    let upright = uploaded(&app, t, "IMG_0042.MOV", &phone_mov(1920, 1080, 45_000, 22)).await;
    assert_eq!(upright["content_type"], "video/quicktime");
    assert!(upright["url"].as_str().unwrap().ends_with(".mov"));
    assert_eq!(upright["duration_ms"], 45_000);
    assert_eq!(
        (upright["width"].clone(), upright["height"].clone()),
        (json!(1080), json!(1920))
    );
    assert_eq!(problems_for(&upright, "instagram"), Vec::<String>::new());
    assert_eq!(problems_for(&upright, "tiktok"), Vec::<String>::new());

    for (video, size) in [
        (&short, (480, 270)),
        (&reel, (270, 480)),
        (&upright, (270, 480)),
    ] {
        let res = fetch(&app, &video["thumbnail_url"]).await;
        assert_eq!(res.status(), 200);
        let thumb = res.bytes().await.unwrap();
        assert_eq!(
            image::guess_format(&thumb).unwrap(),
            image::ImageFormat::Jpeg
        );
        let thumb = image::load_from_memory(&thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), size);
    }
    let res = schedule_post(&app, t, &tt, &short["url"]).await;
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.contains("3 s"));
    assert_eq!(
        schedule_post(&app, t, &tt, &reel["url"]).await.status(),
        201
    );
    assert_eq!(
        schedule_post(&app, t, &ig, &reel["url"]).await.status(),
        201
    );
}

/// The plan's storage quota, before a byte is sent and again when the file is stored.
async fn the_storage_quota_is_kept(store: Store) {
    let app = media_app(store).await;
    let (email, t) = free_user(&app).await;
    assert_eq!(library(&app, &t).await["quota_bytes"], 500 * MIB);

    // At the start: larger than any file may be, or than the quota.
    for size in [10 * GIB, 600 * MIB] {
        let res = start(&app, &t, "huge.mp4", size).await;
        assert_eq!(res.status(), 413, "{size}");
        let message = detail(res).await;
        assert!(!message.is_empty());
        if size == 600 * MIB {
            assert!(message.contains("500 MB"), "{message}");
        }
    }
    assert_eq!(app.count("media_uploads").await, 0);

    // At completion: the library filled up while the file was on its way.
    let photo = padded_jpeg(400, 300, 10, MIB as usize);
    let upload = started(&app, &t, "late.jpg", photo.len() as i64).await;
    send_from(&app, &t, id_of(&upload), &photo, 0, photo.len()).await;
    let filled = 500 * MIB - 1000;
    set_media_bytes(&app, &email, filled).await;
    let res = complete(&app, &t, id_of(&upload)).await;
    assert_eq!(res.status(), 413);
    assert!(detail(res).await.contains("500 MB"));
    assert_eq!(media_bytes(&app, &email).await, filled);
    assert_nothing_left(&app, "refused over quota").await;

    // Two files completed at once with room for one: one is stored, the other refused.
    set_media_bytes(&app, &email, 0).await;
    let a = padded_jpeg(400, 300, 11, 300_000);
    let b = padded_jpeg(400, 300, 12, 310_000);
    let mut uploads = Vec::new();
    for (name, bytes) in [("a.jpg", &a), ("b.jpg", &b)] {
        let upload = started(&app, &t, name, bytes.len() as i64).await;
        send_from(&app, &t, id_of(&upload), bytes, 0, bytes.len()).await;
        uploads.push(id_of(&upload).to_string());
    }
    let filled = 500 * MIB - 450_000;
    set_media_bytes(&app, &email, filled).await;
    let (ra, rb) = tokio::join!(
        complete(&app, &t, &uploads[0]),
        complete(&app, &t, &uploads[1])
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 413]);
    let stored = if ra.status() == 201 { a.len() } else { b.len() } as i64;
    assert_eq!(media_bytes(&app, &email).await, filled + stored);
    let lib = library(&app, &t).await;
    assert_eq!(lib["items"].as_array().unwrap().len(), 1);
    assert_eq!(lib["items"][0]["byte_size"], stored);
    assert_eq!(lib["used_bytes"], filled + stored);
    assert_eq!(app.count("media_uploads").await, 0);
    assert_eq!(
        stored_keys(&app).await.len(),
        2,
        "the stored file and its thumbnail"
    );
    assert!(work_files(&app).is_empty());
}

/// A file a scheduled post needs cannot be deleted; once the post is unscheduled it can, and
/// its addresses stop answering.
async fn a_file_a_scheduled_post_needs_stays(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let t = &who.token;
    let fb = app.account(t, "facebook").await;
    let item = uploaded(&app, t, "launch.jpg", &jpeg(1200, 1200, 13)).await;
    let res = schedule_post(&app, t, &fb, &item["url"]).await;
    assert_eq!(res.status(), 201);
    let post_id = id_of(&res.json::<Value>().await.unwrap()).to_string();
    let path = format!("/api/v1/media/{}", id_of(&item));

    let found: Value = app.get_bearer(&path, t).await.json().await.unwrap();
    assert_eq!(found["used_by"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["used_by"][0]["post_id"], post_id);
    assert_eq!(found["used_by"][0]["status"], "scheduled");
    assert_eq!(found["used_by"][0]["platform"], "facebook");

    let res = app.delete_bearer(&path, t).await;
    assert_eq!(res.status(), 409);
    let message = detail(res).await;
    assert!(message.contains("launch.jpg"), "{message}");
    assert!(message.contains("scheduled post"), "{message}");
    assert_eq!(fetch(&app, &item["url"]).await.status(), 200);

    let res = app
        .patch_bearer(
            &format!("/api/v1/posts/{post_id}"),
            t,
            &json!({"scheduled_for": null}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "draft");
    assert_eq!(app.delete_bearer(&path, t).await.status(), 204);

    assert_eq!(fetch(&app, &item["url"]).await.status(), 404);
    assert_eq!(fetch(&app, &item["thumbnail_url"]).await.status(), 404);
    assert_eq!(app.get_bearer(&path, t).await.status(), 404);
    assert_eq!(app.delete_bearer(&path, t).await.status(), 404);
    let lib = library(&app, t).await;
    assert_eq!(lib["used_bytes"], 0);
    assert_eq!(lib["items"], json!([]));
    assert_eq!(media_bytes(&app, &who.email).await, 0);
    assert_eq!(stored_keys(&app).await, Vec::<String>::new());

    // The draft still carries the address; scheduling it again is refused.
    let res = app
        .post_bearer(
            &format!("/api/v1/posts/{post_id}/schedule"),
            t,
            &json!({"scheduled_for": in_hours(2)}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(detail(res)
        .await
        .contains("no longer in your media library"));
}

/// A failed post does not hold its file (it is not due), so the file may be deleted; putting
/// the post back in line then is scheduling it, and is refused like any other scheduling.
async fn a_failed_post_is_not_retried_without_its_file(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let t = &who.token;
    let fb = app.account(t, "facebook").await;
    let item = uploaded(&app, t, "flyer.jpg", &jpeg(1000, 1000, 30)).await;
    let res = schedule_post(&app, t, &fb, &item["url"]).await;
    assert_eq!(res.status(), 201);
    let post_id: Uuid = id_of(&res.json::<Value>().await.unwrap()).parse().unwrap();
    // As the publishing engine leaves a post the platform refused.
    post::Entity::update_many()
        .col_expr(post::Column::Status, Expr::value(PostStatus::Failed))
        .col_expr(
            post::Column::ErrorMessage,
            Expr::value("The platform was down"),
        )
        .filter(post::Column::Id.eq(post_id))
        .exec(&app.db)
        .await
        .unwrap();

    let path = format!("/api/v1/media/{}", id_of(&item));
    let found: Value = app.get_bearer(&path, t).await.json().await.unwrap();
    assert_eq!(found["used_by"][0]["status"], "failed");
    assert_eq!(app.delete_bearer(&path, t).await.status(), 204);

    let res = app
        .post_bearer(&format!("/api/v1/posts/{post_id}/retry"), t, &json!({}))
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 422, "retried with a deleted file: {body}");
    assert!(body.contains("no longer in your media library"), "{body}");
}

/// Files that are not photos or videos, are damaged, empty, too large or declare too many
/// pixels are refused, and leave nothing behind.
async fn bad_files_are_refused_and_leave_nothing(store: Store) {
    let app = media_app_with(store, |s| s.media.max_image_mb = 1).await;
    let (email, t) = free_user(&app).await;

    let whole = jpeg(600, 400, 14);
    let cut = &whole[..whole.len() / 2];
    let video = mp4(1280, 720, 10_000, 15);
    let cut_video = &video[..video.len() - 100];
    let cases: [(&str, &[u8], &str); 5] = [
        ("cut.jpg", cut, "damaged or cut off"),
        ("photo.jpg", &pdf(), "PDF"),
        ("bomb.png", &png_bomb(60_000, 60_000), "60000 × 60000"),
        ("cut.mp4", cut_video, "damaged or cut off"),
        ("noise.jpg", &[7u8; 5000], "not a photo or video"),
    ];
    for (name, bytes, reason) in cases {
        let res = upload(&app, &t, name, bytes).await;
        assert_eq!(res.status(), 422, "{name}");
        let message = detail(res).await;
        assert!(message.contains(reason), "{name}: {message}");
        assert_nothing_left(&app, name).await;
    }

    // Within the largest file (a video's limit) at the start, but a photo over its own.
    let heavy = padded_jpeg(300, 200, 23, (3 * MIB / 2) as usize);
    let res = upload(&app, &t, "heavy.jpg", &heavy).await;
    assert_eq!(res.status(), 413);
    let message = detail(res).await;
    assert!(message.contains("photos up to 1 MB"), "{message}");
    assert_nothing_left(&app, "heavy.jpg").await;

    let res = start(&app, &t, "empty.jpg", 0).await;
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.contains("empty"));
    let res = start(&app, &t, "huge.mov", 10 * 1000 * 1000 * 1000).await;
    assert_eq!(res.status(), 413);
    let res = start(&app, &t, "  ", 100).await;
    assert_eq!(res.status(), 422);
    assert_nothing_left(&app, "refused at the start").await;
    assert_eq!(media_bytes(&app, &email).await, 0);
    assert_eq!(library(&app, &t).await["used_bytes"], 0);
}

/// Another user sees none of a user's files or uploads, and the same bytes make a file of
/// their own.
async fn users_see_only_their_own_media(store: Store) {
    let app = media_app(store).await;
    let ada = marketer(&app).await;
    let bob = marketer(&app).await;
    let photo = jpeg(500, 500, 16);
    let item = uploaded(&app, &ada.token, "ada.jpg", &photo).await;
    let pending = started(&app, &ada.token, "pending.jpg", photo.len() as i64).await;
    let upload_id = id_of(&pending);
    assert_eq!(
        put_piece(&app, &ada.token, upload_id, 0, &photo[..100])
            .await
            .status(),
        200
    );

    let file = format!("/api/v1/media/{}", id_of(&item));
    let upload_path = format!("/api/v1/media/uploads/{upload_id}");
    assert_eq!(app.get_bearer(&file, &bob.token).await.status(), 404);
    assert_eq!(app.delete_bearer(&file, &bob.token).await.status(), 404);
    assert_eq!(app.get_bearer(&upload_path, &bob.token).await.status(), 404);
    let res = put_piece(&app, &bob.token, upload_id, 100, &photo[100..200]).await;
    assert_eq!(res.status(), 404);
    assert_eq!(complete(&app, &bob.token, upload_id).await.status(), 404);
    assert_eq!(
        app.delete_bearer(&upload_path, &bob.token).await.status(),
        404
    );
    let lib = library(&app, &bob.token).await;
    assert_eq!(lib["items"], json!([]));
    assert_eq!(lib["used_bytes"], 0);
    let bob_fb = app.account(&bob.token, "facebook").await;
    let res = schedule_post(&app, &bob.token, &bob_fb, &item["url"]).await;
    assert_eq!(
        res.status(),
        201,
        "another user's address is just an address"
    );

    // Ada's file and upload are untouched.
    assert_eq!(app.get_bearer(&file, &ada.token).await.status(), 200);
    let status: Value = app
        .get_bearer(&upload_path, &ada.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["received"], 100);

    // Bob's copy of the same bytes is his own file.
    let his = uploaded(&app, &bob.token, "bob.jpg", &photo).await;
    assert_ne!(his["id"], item["id"]);
    assert_ne!(his["url"], item["url"]);
    let bob_id = app.user(&bob.email).await.id.simple().to_string();
    assert!(his["url"].as_str().unwrap().contains(&bob_id));
    assert_eq!(
        library(&app, &ada.token).await["used_bytes"],
        photo.len() as i64
    );
    assert_eq!(
        library(&app, &bob.token).await["used_bytes"],
        photo.len() as i64
    );
}

/// The dashboard uploads with its session cookie; without one, or from another site, it is
/// refused.
async fn the_browser_uploads_with_its_session(store: Store) {
    let app = media_app(store).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let photo = jpeg(720, 720, 17);
    let same_site = app.address.clone();
    let post = |path: &str, origin: &str, body: Value| {
        app.client
            .post(app.url(path))
            .header(COOKIE, &who.cookie)
            .header("origin", origin.to_string())
            .json(&body)
            .send()
    };
    let new_upload = json!({"filename": "from the browser.jpg", "byte_size": photo.len()});

    let res = post("/media-uploads", &same_site, new_upload.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let upload: Value = res.json().await.unwrap();
    let id = id_of(&upload).to_string();
    // A connection of its own for each piece: a refused piece is answered before its body is
    // read, and hyper then closes that connection under the next request.
    let piece = |origin: &str| {
        reqwest::Client::new()
            .put(app.url(&format!("/media-uploads/{id}?offset=0")))
            .header(COOKIE, &who.cookie)
            .header("origin", origin.to_string())
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(photo.clone())
            .send()
    };

    // Another site cannot use the session.
    let evil = "https://evil.example";
    let res = post("/media-uploads", evil, new_upload.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(piece(evil).await.unwrap().status(), 403);
    let res = post(&format!("/media-uploads/{id}/complete"), evil, json!({}))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(app.url("/media-uploads"))
        .header(COOKIE, &who.cookie)
        .header("sec-fetch-site", "cross-site")
        .json(&new_upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Without a session: 401.
    let res = app
        .client
        .post(app.url("/media-uploads"))
        .header("origin", same_site.clone())
        .json(&new_upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.count("media_uploads").await, 1, "only the first upload");

    let res = piece(&same_site).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["received"], photo.len());
    let res = app
        .client
        .get(app.url(&format!("/media-uploads/{id}")))
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["received"], photo.len());
    let res = post(
        &format!("/media-uploads/{id}/complete"),
        &same_site,
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["filename"], "from the browser.jpg");
    assert_eq!(
        (item["width"].clone(), item["height"].clone()),
        (json!(720), json!(720))
    );
    let lib = library(&app, &who.token).await;
    assert_eq!(lib["items"][0]["id"], item["id"]);
    assert_eq!(lib["quota_bytes"], 10 * GIB);
}

/// The library page is the server's: it lists and searches with a GET form, and deletes with
/// a posted form that comes back with a notice, or with the refusal when a scheduled post
/// needs the file.
async fn the_library_page_searches_and_deletes_with_forms(store: Store) {
    let app = media_app(store).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let t = &who.token;
    let kept = uploaded(&app, t, "needed-by-a-post.jpg", &jpeg(1200, 1200, 41)).await;
    let spare = uploaded(&app, t, "spare-shot.jpg", &jpeg(1500, 500, 42)).await;
    let fb = app.account(t, "facebook").await;
    assert_eq!(
        schedule_post(&app, t, &fb, &kept["url"]).await.status(),
        201
    );

    let (status, html) = page(&app, &who, "/media").await;
    assert_eq!(status, 200);
    assert!(html.contains("needed-by-a-post.jpg") && html.contains("spare-shot.jpg"));
    assert!(
        html.contains("Used by 1 post") && html.contains("(1 scheduled)"),
        "usage"
    );
    assert!(
        html.contains("Instagram takes photos from 4:5"),
        "the 3:1 photo's problem"
    );
    assert!(
        html.contains(r#"id="media-uploader""#),
        "the uploader's slot"
    );
    let (_, found) = page(&app, &who, "/media?q=spare").await;
    assert!(found.contains("spare-shot.jpg") && !found.contains("needed-by-a-post.jpg"));
    let (_, none) = page(&app, &who, "/media?q=nothing-like-it").await;
    assert!(none.contains("No files match"));
    // Another user's page shows none of them.
    let other = browser(&app, PlanTier::Pro, "UTC").await;
    let (_, theirs) = page(&app, &other, "/media").await;
    assert!(!theirs.contains("spare-shot.jpg") && theirs.contains("No media yet"));

    // Refused: back to the page with the reason, the file kept.
    let kept_id = id_of(&kept).to_string();
    let res = submit_from(
        &app,
        &who,
        "/media",
        "/fn/media/delete",
        &[("id", &kept_id)],
    )
    .await;
    let back = location(&res);
    assert!(back.contains("/media") && back.contains("__err="), "{back}");
    let refused = follow(&app, &who, &res).await;
    assert!(
        refused.contains("is used by a scheduled post"),
        "the refusal is shown"
    );
    assert_eq!(fetch(&app, &kept["url"]).await.status(), 200);

    // Deleted: the notice, and the file is gone.
    let spare_id = id_of(&spare).to_string();
    let res = submit_from(
        &app,
        &who,
        "/media",
        "/fn/media/delete",
        &[("id", &spare_id)],
    )
    .await;
    assert_eq!(location(&res), "/media?notice=deleted");
    let after = follow(&app, &who, &res).await;
    assert!(after.contains("File deleted") && !after.contains("spare-shot.jpg"));
    assert_eq!(fetch(&app, &spare["url"]).await.status(), 404);
    // Deleted from a search, the search stays.
    let third = uploaded(&app, t, "third-shot.jpg", &jpeg(900, 900, 43)).await;
    let third_id = id_of(&third).to_string();
    let res = submit_from(
        &app,
        &who,
        "/media?q=third",
        "/fn/media/delete",
        &[("id", &third_id), ("search", "third shot")],
    )
    .await;
    assert_eq!(location(&res), "/media?notice=deleted&q=third%20shot");
    // Someone else's file is not found, and stays.
    let fourth = uploaded(&app, t, "fourth-shot.jpg", &jpeg(900, 900, 44)).await;
    let fourth_id = id_of(&fourth).to_string();
    let res = submit_from(
        &app,
        &other,
        "/media",
        "/fn/media/delete",
        &[("id", &fourth_id)],
    )
    .await;
    assert!(location(&res).contains("__err="));
    let refused = follow(&app, &other, &res).await;
    assert!(refused.contains("File not found"), "the refusal is shown");
    assert_eq!(fetch(&app, &fourth["url"]).await.status(), 200);
}

/// Uploads left unfinished are pruned with their pieces; one in progress is left alone.
async fn stale_uploads_are_pruned(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let t = &who.token;
    let (old_photo, new_photo) = (jpeg(300, 200, 24), jpeg(300, 200, 25));
    let stale = started(&app, t, "abandoned.jpg", old_photo.len() as i64).await;
    let live = started(&app, t, "on its way.jpg", new_photo.len() as i64).await;
    let half = new_photo.len() / 2;
    send_from(&app, t, id_of(&stale), &old_photo[..half], 0, half).await;
    send_from(&app, t, id_of(&live), &new_photo[..half], 0, half).await;
    let stale_id: Uuid = id_of(&stale).parse().unwrap();
    media_upload::Entity::update_many()
        .col_expr(
            media_upload::Column::UpdatedAt,
            Expr::value(Utc::now() - Duration::hours(25)),
        )
        .filter(media_upload::Column::Id.eq(stale_id))
        .exec(&app.db)
        .await
        .unwrap();
    let stale_pieces = format!("staging/{}/", stale_id.simple());
    if store == Store::Local {
        // Pieces as old as their upload (a bucket's objects cannot be aged: there they are
        // younger than the hour a completion in progress is given, and stay).
        let folder = app
            .state
            .settings
            .database
            .data_dir
            .join("media")
            .join(&stale_pieces);
        for entry in std::fs::read_dir(folder).unwrap() {
            std::fs::File::options()
                .write(true)
                .open(entry.unwrap().path())
                .unwrap()
                .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
                .unwrap();
        }
    }

    let pruned = prune_stale_uploads(app.state.media()).await.unwrap();
    let stale_path = format!("/api/v1/media/uploads/{stale_id}");
    assert_eq!(app.get_bearer(&stale_path, t).await.status(), 404);
    assert_eq!(app.count("media_uploads").await, 1);
    let keys = stored_keys(&app).await;
    let stale_left = keys.iter().any(|k| k.starts_with(&stale_pieces));
    match store {
        Store::Local => assert_eq!((pruned, stale_left), (1, false), "{keys:?}"),
        Store::S3 => assert_eq!((pruned, stale_left), (0, true), "{keys:?}"),
    }
    assert!(keys
        .iter()
        .any(|k| k.starts_with(&format!("staging/{}/", id_of(&live).replace('-', "")))));

    // The live upload goes on.
    send_from(&app, t, id_of(&live), &new_photo, half, half).await;
    assert_eq!(complete(&app, t, id_of(&live)).await.status(), 201);
}

/// Deleting a file while posts are being scheduled with it: either the file stays (409) or
/// the posts are refused (422), never a scheduled post whose file is gone.
async fn a_file_cannot_be_deleted_while_it_is_being_scheduled(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let t = &who.token;
    let fb = app.account(t, "facebook").await;
    let app: &TestApp = &app;
    for round in 0..20u32 {
        let item = uploaded(app, t, "race.jpg", &jpeg(32, 32, 1000 + round)).await;
        let mut drafts = Vec::new();
        for _ in 0..4 {
            let res = app
                .post_bearer(
                    "/api/v1/posts",
                    t,
                    &json!({"account_id": fb, "content": "Soon", "media_urls": [item["url"]]}),
                )
                .await;
            assert_eq!(res.status(), 201);
            drafts.push(id_of(&res.json::<Value>().await.unwrap()).to_string());
        }
        let schedule_all = futures::future::join_all(drafts.iter().map(|draft| async move {
            app.patch_bearer(
                &format!("/api/v1/posts/{draft}"),
                t,
                &json!({"scheduled_for": in_hours(2)}),
            )
            .await
            .status()
            .as_u16()
        }));
        let delete = async {
            app.delete_bearer(&format!("/api/v1/media/{}", id_of(&item)), t)
                .await
                .status()
                .as_u16()
        };
        let (scheduled, deleted) = tokio::join!(schedule_all, delete);
        assert!(
            scheduled.iter().all(|s| [200, 422].contains(s)) && [204, 409].contains(&deleted),
            "round {round}: {scheduled:?}, {deleted}"
        );
        let now_scheduled = scheduled.iter().filter(|s| **s == 200).count();
        assert!(
            !(deleted == 204 && now_scheduled > 0),
            "round {round}: the file was deleted while {now_scheduled} posts were scheduled with it"
        );
    }
}

/// Deleting the account deletes its files from the store.
async fn a_deleted_accounts_files_are_gone(store: Store) {
    let app = media_app(store).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let other = marketer(&app).await;
    let item = uploaded(&app, &who.token, "mine.jpg", &jpeg(400, 400, 28)).await;
    let kept = uploaded(&app, &other.token, "theirs.jpg", &jpeg(400, 400, 29)).await;
    let pending = started(&app, &who.token, "pending.jpg", 1000).await;
    send_from(&app, &who.token, id_of(&pending), &[1; 500], 0, 500).await;

    let res = submit_from(
        &app,
        &who,
        "/settings",
        "/fn/settings/delete-account",
        &[("confirm_email", who.email.as_str())],
    )
    .await;
    assert_eq!(location(&res), "/login?deleted=1");

    assert_eq!(fetch(&app, &item["url"]).await.status(), 404);
    assert_eq!(fetch(&app, &item["thumbnail_url"]).await.status(), 404);
    assert_eq!(app.count("media").await, 1, "the other user's file");
    assert_eq!(app.count("media_uploads").await, 0);
    let other_id = app.user(&other.email).await.id.simple().to_string();
    let library_keys: Vec<String> = stored_keys(&app)
        .await
        .into_iter()
        .filter(|key| !key.starts_with("staging/"))
        .collect();
    assert_eq!(library_keys.len(), 2, "{library_keys:?}");
    assert!(
        library_keys.iter().all(|key| key.contains(&other_id)),
        "{library_keys:?}"
    );
    assert_eq!(fetch(&app, &kept["url"]).await.status(), 200);
}

/// A publisher that records what it was asked to publish.
#[derive(Default)]
struct Recorder(Mutex<Vec<OutgoingPost>>);

#[app::server::publishing::adapter::async_trait]
impl Publisher for Recorder {
    async fn start(&self, _: &AccountAuth, post: &OutgoingPost) -> Result<Started, PublishError> {
        self.0.lock().unwrap().push(post.clone());
        Ok(Started::Published {
            external_post_id: format!("recorded-{}", post.post_id.simple()),
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

/// A post carrying a library file is published with an address the platform can fetch the
/// file at (this server's, or a presigned link into the bucket), and the event log names it.
async fn a_library_file_is_published_at_a_fetchable_address(store: Store) {
    let app = media_app(store).await;
    let who = marketer(&app).await;
    let photo = jpeg(1080, 1350, 18);
    let item = uploaded(&app, &who.token, "drop.jpg", &photo).await;
    let account = real_account(&app, &who, "instagram", "a-token", None).await;
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &json!({"account_id": account, "content": "Drop day", "media_urls": [item["url"]], "scheduled_for": in_hours(1)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let post_id: Uuid = id_of(&res.json::<Value>().await.unwrap()).parse().unwrap();
    post::Entity::update_many()
        .col_expr(
            post::Column::ScheduledFor,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(post::Column::Id.eq(post_id))
        .exec(&app.db)
        .await
        .unwrap();

    let recorder = Arc::new(Recorder::default());
    let publisher: Arc<dyn Publisher> = recorder.clone();
    let engine = Engine::new(
        app.db.clone(),
        app.state.settings.scheduler.clone(),
        Arc::new(Platforms::new(
            publisher.clone(),
            publisher.clone(),
            publisher,
        )),
        app.state.vault.clone(),
    )
    .with_media(app.state.media.clone());
    let report = engine.tick().await.unwrap();
    assert_eq!((report.claimed, report.posted), (1, 1), "{report:?}");

    let sent = recorder.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].media_urls.len(), 1);
    let address = &sent[0].media_urls[0];
    let fetched = match store {
        Store::Local => {
            assert_eq!(address, item["url"].as_str().unwrap());
            fetch(&app, &item["url"]).await
        }
        Store::S3 => {
            let bucket = &app.state.settings.media.s3_bucket;
            let key = item["url"]
                .as_str()
                .unwrap()
                .split("/media/")
                .nth(1)
                .unwrap();
            assert!(
                address.starts_with(&format!("{}/{bucket}/{key}?", moto_endpoint())),
                "{address}"
            );
            assert!(address.contains("X-Amz-Signature="), "{address}");
            app.client.get(address).send().await.unwrap()
        }
    };
    assert_eq!(fetched.status(), 200);
    assert!(
        fetched.bytes().await.unwrap() == photo,
        "the platform gets the file"
    );

    let published = event_log::Entity::find()
        .filter(event_log::Column::PostId.eq(post_id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.message == "Published")
        .expect("a Published event");
    assert_eq!(published.data["media_urls"], json!([item["url"]]));
}

/// Two tests per scenario: `media::local_disk::…` and `media::s3::…`.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        /// Files in the `media` folder of the data directory.
        mod local_disk {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::Store::Local).await;
                }
            )*
        }

        /// Files in a bucket of the moto S3 server.
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::Store::S3).await;
                }
            )*
        }
    };
}

on_both_stores!(
    a_photo_sent_in_pieces_becomes_a_library_file,
    the_same_bytes_are_kept_once,
    an_interrupted_upload_resumes,
    platform_rules_are_listed_and_enforced_when_scheduling,
    the_storage_quota_is_kept,
    a_file_a_scheduled_post_needs_stays,
    bad_files_are_refused_and_leave_nothing,
    users_see_only_their_own_media,
    the_browser_uploads_with_its_session,
    a_library_file_is_published_at_a_fetchable_address,
    stale_uploads_are_pruned,
    a_deleted_accounts_files_are_gone,
    a_failed_post_is_not_retried_without_its_file,
    a_file_cannot_be_deleted_while_it_is_being_scheduled,
    the_library_page_searches_and_deletes_with_forms,
);

/// The S3 settings are checked when the app starts: pieces of at least 5 MiB (S3's smallest
/// multipart part).
#[test]
fn s3_storage_needs_pieces_of_at_least_5_mib() {
    let mut settings = crate::helpers::test_settings(&std::env::temp_dir());
    settings.media.storage = "s3".into();
    settings.media.s3_bucket = "media".into();
    settings.media.chunk_mb = 4;
    let err = settings.validate().unwrap_err().to_string();
    assert!(err.contains("chunk_mb"), "{err}");
    settings.media.chunk_mb = 5;
    settings.validate().unwrap();
}
