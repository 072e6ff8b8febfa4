//! Media library benchmark: uploading a 200 MB video through the REST API's resumable upload
//! (pieces of `media.chunk_mb`, then completion: assembly, hashing, reading its boxes, a
//! thumbnail and storing it), reported in MB/s, three times; and serving a photo's thumbnail
//! at 32 connections (requests/s, p50, p99). Local disk storage; SQLite by default,
//! PostgreSQL when BENCH_DATABASE_URL is set.
//!
//! Run: `cargo bench --bench media` (or `make bench`).

use std::time::{Duration, Instant};

use app::model::PlanTier;
use app::server::entities::user;
use postpilot::startup::Application;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

mod common;

/// 200 MB as the rate is printed: MB and MB/s are decimal (10^6 bytes) throughout.
const VIDEO_BYTES: usize = 200_000_000;
const UPLOADS: usize = 3;
const CONNECTIONS: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() {
    let database = common::BenchDatabase::create().await;
    let label = database.label;
    let app = Application::build_with_db(database.settings.clone(), database.conn.clone())
        .await
        .expect("app");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();

    let (email, password) = ("media-bench@example.com", "bench-password-1");
    let registered = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success(), "{}", registered.status());
    // Enterprise: 100 GB of storage for the runs.
    user::Entity::update_many()
        .col_expr(
            user::Column::Plan,
            Expr::value(PlanTier::Enterprise.as_str()),
        )
        .filter(user::Column::Email.eq(email))
        .exec(&database.conn)
        .await
        .unwrap();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();

    let mut rates = Vec::new();
    for run in 0..UPLOADS {
        let video = mp4(VIDEO_BYTES, run as u8);
        let started = Instant::now();
        let (item, sent_at) = upload(&client, &base, &token, "bench.mp4", &video).await;
        let total = started.elapsed().as_secs_f64();
        let mb = video.len() as f64 / 1_000_000.0;
        assert_eq!(item["kind"], "video");
        assert_eq!(item["duration_ms"], 60_000);
        println!(
            "{label}: upload {:.0} MB video #{}: {:.1} s = {:.0} MB/s (pieces sent in {:.1} s, completion {:.1} s)",
            mb,
            run + 1,
            total,
            mb / total,
            sent_at,
            total - sent_at
        );
        rates.push(mb / total);
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{label}: 200 MB video upload, median of {UPLOADS}: {:.0} MB/s",
        rates[UPLOADS / 2]
    );

    // A 2000 × 2000 photo's 480 px thumbnail.
    let photo = photo_jpeg(2000, 2000);
    let (item, _) = upload(&client, &base, &token, "bench.jpg", &photo).await;
    let thumbnail = item["thumbnail_url"].as_str().unwrap();
    let path = &thumbnail[thumbnail.find("/media/").unwrap()..];
    let url = format!("{base}{path}");
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let size = first.bytes().await.unwrap().len();
    let result = common::load(&client, &url, &[], CONNECTIONS, RUN_FOR).await;
    println!(
        "{label}: GET {path} (a {} KB thumbnail): {} requests in {:.1} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({CONNECTIONS} connections, {})",
        size / 1000,
        result.requests,
        result.seconds,
        result.requests as f64 / result.seconds,
        result.p50_ms,
        result.p99_ms,
        result.tool
    );
    database.drop_database().await;
}

/// Uploads `bytes` in the server's pieces and completes it: the item, and the seconds the
/// pieces took.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    filename: &str,
    bytes: &[u8],
) -> (Value, f64) {
    let started = Instant::now();
    let upload: Value = client
        .post(format!("{base}/api/v1/media/uploads"))
        .bearer_auth(token)
        .json(&json!({ "filename": filename, "byte_size": bytes.len() }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = upload["id"].as_str().expect("an upload").to_string();
    let chunk = upload["chunk_bytes"].as_u64().unwrap() as usize;
    for (index, piece) in bytes.chunks(chunk).enumerate() {
        let res = client
            .put(format!(
                "{base}/api/v1/media/uploads/{id}?offset={}",
                index * chunk
            ))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(piece.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let sent = started.elapsed().as_secs_f64();
    let done = client
        .post(format!("{base}/api/v1/media/uploads/{id}/complete"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 201, "{}", done.text().await.unwrap());
    (done.json().await.unwrap(), sent)
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// An MP4 of `size` bytes: a 60 s, 1080 × 1920 movie header and `mdat` filler (`seed` makes
/// each one new to the library).
fn mp4(size: usize, seed: u8) -> Vec<u8> {
    let ftyp = mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes()); // timescale
    mvhd[16..20].copy_from_slice(&60_000u32.to_be_bytes()); // duration
    let mut tkhd = vec![0u8; 84];
    tkhd[40..44].copy_from_slice(&0x0001_0000u32.to_be_bytes()); // matrix a = 1
    tkhd[56..60].copy_from_slice(&0x0001_0000u32.to_be_bytes()); // matrix d = 1
    tkhd[76..80].copy_from_slice(&(1080u32 << 16).to_be_bytes());
    tkhd[80..84].copy_from_slice(&(1920u32 << 16).to_be_bytes());
    let trak = mp4_box(b"trak", &mp4_box(b"tkhd", &tkhd));
    let mut moov_body = mp4_box(b"mvhd", &mvhd);
    moov_body.extend(trak);
    let moov = mp4_box(b"moov", &moov_body);
    let mut out = ftyp;
    out.extend(moov);
    let filler = size - out.len() - 8;
    let mut mdat = Vec::with_capacity(filler + 8);
    mdat.extend_from_slice(&((filler + 8) as u32).to_be_bytes());
    mdat.extend_from_slice(b"mdat");
    let mut state = 0x9E37_79B9u32 ^ u32::from(seed);
    mdat.extend((0..filler).map(|_| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as u8
    }));
    out.extend(mdat);
    out
}

fn photo_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image)
        .unwrap();
    out
}
