//! The `postpilot` binary itself: its commands, JSON logs and graceful shutdown on SIGTERM,
//! and the database settings it opens SQLite with.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{spawn_app, TestApp};

fn postpilot(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postpilot"));
    let settings = &app.state.settings;
    cmd.env("DATABASE_URL", settings.database_url())
        .env("POSTPILOT_DATABASE_DATA_DIR", &settings.database.data_dir)
        .env("POSTPILOT_LOG_FILTER", "warn")
        .env_remove("RUST_LOG");
    cmd
}

#[test]
fn help_explains_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_postpilot"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for command in [
        "serve",
        "migrate",
        "create-admin",
        "seed-demo",
        "--json-logs",
    ] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
}

#[tokio::test]
async fn create_admin_creates_then_promotes() {
    let app = spawn_app().await;
    let out = postpilot(&app)
        .args([
            "create-admin",
            "--email",
            "Root@Example.com",
            "--password",
            "admin-pass-1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created admin root@example.com"));
    let admin = app.user("root@example.com").await;
    assert_eq!(admin.role, app::model::Role::Admin);

    app.signed_up("member@example.com").await;
    let out = postpilot(&app)
        .args(["create-admin", "--email", "member@example.com"])
        .env("POSTPILOT_ADMIN_PASSWORD", "promoted-pass-2")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.user("member@example.com").await.role,
        app::model::Role::Admin
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": "member@example.com", "password": "promoted-pass-2"}),
        )
        .await;
    assert_eq!(login.status(), 200);

    let bad = postpilot(&app)
        .args([
            "create-admin",
            "--email",
            "x@example.com",
            "--password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least 8 characters"));
}

#[tokio::test]
async fn seed_demo_fills_every_table_once() {
    let app = spawn_app().await;
    let out = postpilot(&app).arg("seed-demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let posts = app.count("posts").await;
    assert!(posts >= 30, "{posts} posts");
    assert_eq!(app.count("social_accounts").await, 3);
    assert!(app.count("post_metrics").await > 10);
    assert!(app.count("content_queue").await >= 5);

    let again = postpilot(&app).arg("seed-demo").output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already there"));
    assert_eq!(app.count("posts").await, posts);

    // The demo account signs in with the documented password.
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": "demo@postpilot.app", "password": "postpilot-demo"}),
        )
        .await;
    assert_eq!(login.status(), 200);
}

#[tokio::test]
async fn serve_logs_json_and_stops_cleanly_on_sigterm() {
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = postpilot(&app)
        .args(["--json-logs", "serve"])
        .env("POSTPILOT_SERVER_ADDR", format!("127.0.0.1:{port}"))
        .env("POSTPILOT_LOG_FILTER", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut startup = Vec::new();
    // Every line is a JSON object; the server says where it listens once it is ready.
    let ready = loop {
        let line = lines.next().expect("the server exited early").unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
        startup.push(entry.clone());
        if entry["message"]
            .as_str()
            .unwrap_or("")
            .contains("PostPilot is listening")
        {
            break entry;
        }
    };
    assert_eq!(ready["level"], "INFO");
    // No token_encryption_key is configured: the operator is warned that the key is derived.
    assert!(
        startup.iter().any(|e| e["level"] == "WARN"
            && e["message"]
                .as_str()
                .unwrap_or("")
                .contains("platforms.token_encryption_key is not set")),
        "{startup:#?}"
    );

    let health = reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "postpilot did not stop within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}

#[tokio::test]
async fn the_database_enforces_foreign_keys_and_sqlite_runs_in_wal_mode() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let orphan = format!(
        "INSERT INTO api_keys (id, user_id, name, key_hash, prefix, scopes, is_active, created_at) \
         VALUES ('{}', '{}', 'x', 'h', 'p', '[]', true, '2026-01-01T00:00:00Z')",
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4()
    );
    assert!(
        app.db.execute_unprepared(&orphan).await.is_err(),
        "an orphan row was accepted"
    );
    if backend == DbBackend::Sqlite {
        let row = app
            .db
            .query_one(Statement::from_string(backend, "PRAGMA journal_mode"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
        let row = app
            .db
            .query_one(Statement::from_string(backend, "PRAGMA busy_timeout"))
            .await
            .unwrap()
            .unwrap();
        assert!(row.try_get_by_index::<i64>(0).unwrap() >= 5000);
    }
}

#[tokio::test]
async fn serve_refuses_a_short_jwt_secret_or_a_stripe_key_with_a_clear_message() {
    let app = spawn_app().await;
    let short_secret = "s".repeat(31);
    for (env, expected) in [
        (
            vec![("POSTPILOT_AUTH_JWT_SECRET", short_secret.as_str())],
            "auth.jwt_secret is 31 bytes long; it must be at least 32",
        ),
        (
            vec![("POSTPILOT_BILLING_STRIPE_SECRET_KEY", "sk_live_123")],
            "billing.stripe_webhook_secret is empty",
        ),
        (
            vec![
                ("POSTPILOT_BILLING_STRIPE_SECRET_KEY", "sk_live_123"),
                ("POSTPILOT_BILLING_STRIPE_WEBHOOK_SECRET", "whsec_123"),
            ],
            "Stripe billing is not supported yet",
        ),
    ] {
        let mut cmd = postpilot(&app);
        cmd.arg("serve").env("POSTPILOT_SERVER_ADDR", "127.0.0.1:0");
        for (key, value) in &env {
            cmd.env(key, value);
        }
        // Refusing is immediate; a server that started anyway is stopped and fails the test.
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(
            status.is_some_and(|s| !s.success()),
            "{env:?}: postpilot started"
        );
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
        for (_, value) in &env {
            assert!(!stderr.contains(value), "a secret in the message: {stderr}");
        }
    }
}
