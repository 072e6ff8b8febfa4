//! Three real `postpilot serve` processes (scheduler on) publish posts that all fall due at
//! once to a platform that counts what it receives, and one of them is killed with SIGKILL
//! while it holds claimed posts. Every post must go out exactly once, none may be lost, and
//! none may be more than 15 s late (the posts of the killed process wait out its lease).
//!
//! 500 posts in the suite, with the debug binary; `scripts/crash-test.sh` runs 5,000
//! (`CRASH_POSTS`) with the release binary (`CRASH_BIN`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use app::model::{Platform, PostStatus};
use app::server::entities::post;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::fake_platform::FakePlatform;
use crate::helpers::{insert_posts, marketer, real_account, spawn_app_with, TestApp};

const TOKEN: &str = "crash-test-token";
const MAX_LATENESS: Duration = Duration::seconds(15);

/// A child process that is killed when dropped, so a failing assertion leaves none behind.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free right now on loopback, for a child process to listen on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `postpilot serve` process on the test's database, publishing to the fake platform.
fn serve(app: &TestApp, fake: &FakePlatform, instance: &str, port: u16) -> Process {
    let settings = &app.state.settings;
    let binary =
        std::env::var("CRASH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_postpilot").into());
    Command::new(binary)
        .arg("serve")
        .env("DATABASE_URL", settings.database_url())
        .env("POSTPILOT_DATABASE_DATA_DIR", &settings.database.data_dir)
        .env("POSTPILOT_SERVER_ADDR", format!("127.0.0.1:{port}"))
        .env("POSTPILOT_AUTH_JWT_SECRET", &settings.auth.jwt_secret)
        .env("POSTPILOT_SCHEDULER_ENABLED", "true")
        .env("POSTPILOT_SCHEDULER_INSTANCE_ID", instance)
        .env("POSTPILOT_PLATFORMS_META_GRAPH_URL", fake.graph_url())
        .env("POSTPILOT_PLATFORMS_TIKTOK_API_URL", fake.tiktok_url())
        .env("POSTPILOT_LOG_FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map(Process)
        .expect("start postpilot serve")
}

async fn count(app: &TestApp, status: PostStatus) -> u64 {
    post::Entity::find()
        .filter(post::Column::Status.eq(status))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instance_loses_and_doubles_nothing() {
    let posts: usize = std::env::var("CRASH_POSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let fake = FakePlatform::start().await;
    fake.accept_token(TOKEN);
    // Each publication takes a moment, so the killed process has posts in flight.
    fake.slow("feed", StdDuration::from_millis(40));
    let app = spawn_app_with(|_| {}).await;
    let who = marketer(&app).await;
    let owner = app.user(&who.email).await;
    let account = real_account(&app, &who, "facebook", TOKEN, None).await;

    let mut processes = Vec::new();
    for n in 1..=3 {
        let (name, port) = (format!("crash-instance-{n}"), free_port());
        let child = serve(&app, &fake, &name, port);
        processes.push((name, child, port));
    }
    // Every process answers before the posts fall due, so start-up time (three debug builds
    // on a busy machine) is not counted as lateness.
    let deadline = Instant::now() + StdDuration::from_secs(60);
    for (name, _, port) in &processes {
        let health = format!("http://127.0.0.1:{port}/health");
        while !app
            .client
            .get(&health)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "{name} did not start");
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    }
    let mut processes: Vec<(String, Process)> = processes
        .into_iter()
        .map(|(name, child, _)| (name, child))
        .collect();

    // All due in the same second, just after they are written.
    let due_at = Utc::now() + Duration::seconds(1);
    let rows: Vec<post::ActiveModel> = (0..posts)
        .map(|i| {
            let mut row = post::new_row(
                owner.id,
                account,
                Platform::Facebook,
                format!("crash post #{i:05}"),
                PostStatus::Scheduled,
                Some(due_at),
            );
            row.scheduled_for = Set(Some(due_at));
            row
        })
        .collect();
    insert_posts(&app, rows).await;

    // Kill whichever process first holds claimed posts, while it holds them.
    let deadline = Instant::now() + StdDuration::from_secs(60);
    let (victim, stranded) = loop {
        let holding = post::Entity::find()
            .filter(post::Column::Status.eq(PostStatus::Publishing))
            .filter(post::Column::LeaseOwner.is_not_null())
            .one(&app.db)
            .await
            .unwrap();
        if let Some(owner) = holding.and_then(|p| p.lease_owner) {
            let at = processes
                .iter()
                .position(|(name, _)| *name == owner)
                .expect("a claim by one of the three processes");
            let (name, mut child) = processes.remove(at);
            child.0.kill().expect("SIGKILL");
            child.0.wait().unwrap();
            let stranded = post::Entity::find()
                .filter(post::Column::LeaseOwner.eq(name.as_str()))
                .filter(post::Column::Status.eq(PostStatus::Publishing))
                .count(&app.db)
                .await
                .unwrap();
            break (name, stranded);
        }
        assert!(Instant::now() < deadline, "no process claimed a post");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    };

    let deadline = Instant::now() + StdDuration::from_secs(120);
    while count(&app, PostStatus::Posted).await < posts as u64 && Instant::now() < deadline {
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    drop(processes);

    let rows = post::Entity::find()
        .filter(post::Column::AccountId.eq(account))
        .all(&app.db)
        .await
        .unwrap();
    let published = rows
        .iter()
        .filter(|p| p.status == PostStatus::Posted)
        .count();
    let calls = fake.state.published.lock().unwrap().clone();
    let mut per_caption = std::collections::HashMap::<&str, usize>::new();
    for (_, caption) in &calls {
        *per_caption.entry(caption.as_str()).or_default() += 1;
    }
    let duplicates: usize = per_caption.values().map(|n| n - 1).sum();
    let lost = rows
        .iter()
        .filter(|p| !per_caption.contains_key(p.content.as_str()))
        .count();
    let lateness: Vec<Duration> = rows
        .iter()
        .filter_map(|p| Some(p.posted_at? - p.scheduled_for?))
        .collect();
    let latest = lateness.iter().max().copied().unwrap_or_default();
    println!(
        "crash test: {posts} posts due at once, 3 processes, {victim} killed holding {stranded} claimed; \
         published {published}, platform calls {}, duplicates {duplicates}, lost {lost}, \
         lateness max {:.1} s",
        calls.len(),
        latest.num_milliseconds() as f64 / 1000.0
    );
    assert_eq!(published, posts, "every post published");
    assert_eq!(duplicates, 0, "no post published twice");
    assert_eq!(lost, 0, "no post lost");
    assert!(
        latest < MAX_LATENESS,
        "a post went out {latest} after its time"
    );
}
