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

/// A `postpilot --json-logs serve` started by a test.
struct Serving {
    child: std::process::Child,
    port: u16,
    /// Its log lines up to "PostPilot is listening" (the last one).
    startup: Vec<serde_json::Value>,
    /// The rest of its output.
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

/// Starts the binary on a free port; returns once it says it listens.
async fn start_serving(app: &TestApp) -> Serving {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = postpilot(app)
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
    loop {
        let line = lines.next().expect("the server exited early").unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
        let listening = entry["message"]
            .as_str()
            .unwrap_or("")
            .contains("PostPilot is listening");
        startup.push(entry);
        if listening {
            break;
        }
    }
    Serving {
        child,
        port,
        startup,
        lines,
    }
}

/// Sends SIGTERM and waits (10 s at most) for the exit.
async fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "postpilot did not stop within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn serve_logs_json_and_stops_cleanly_on_sigterm() {
    let app = spawn_app().await;
    let Serving {
        mut child,
        port,
        startup,
        lines,
    } = start_serving(&app).await;
    let ready = startup.last().unwrap();
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

    let status = stop(&mut child).await;
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
async fn serve_refuses_a_short_jwt_secret_or_an_incomplete_stripe_setup_with_a_clear_message() {
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
            "a price id is empty",
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

/// `postpilot backup` while the server takes writes: on SQLite a checked copy holding a
/// consistent state (every post it has is whole, none is half-written), never overwriting a
/// file; on PostgreSQL the pg_dump command, without the password, and a failure status.
#[tokio::test]
async fn backup_copies_sqlite_while_writes_go_on() {
    use crate::helpers::marketer;
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let account = app.account(&who.token, "facebook").await;
    let folder = app.state.settings.database.data_dir.join("backups");
    let file = folder.join("copy.db");

    // Writers go on through the API while the backup runs.
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (client, url, token, writing) = (
            app.client.clone(),
            app.url("/api/v1/posts"),
            who.token.clone(),
            writing.clone(),
        );
        tokio::spawn(async move {
            let mut written = 0;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"account_id": account, "content": format!("draft {written}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                written += 1;
            }
            written
        })
    };
    // The backup starts once the writer is under way, and the writer goes on after it ends.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written_before = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM posts",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap() as usize;
    let run = {
        let mut cmd = postpilot(&app);
        cmd.args(["backup", "--to"]).arg(&file);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    let out = run.await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let written: usize = writer.await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);

    if app.db.get_database_backend() == DbBackend::Postgres {
        assert!(!out.status.success(), "no backup was made: {stdout}");
        assert!(stdout.contains("pg_dump --format=custom"), "{stdout}");
        assert!(!stdout.contains("***") && !file.exists(), "{stdout}");
        return;
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("integrity check ok"), "{stdout}");
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("copy.db")],
        "no partial file left"
    );
    app::server::backup::check(&file)
        .await
        .expect("a sound copy");
    let copy = app::server::db::connect_url(&format!("sqlite://{}", file.display()), 1)
        .await
        .unwrap();
    let row = copy
        .query_one(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM posts",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    // A snapshot taken while the writer ran: some of its posts, not all.
    assert!(
        n >= written_before as i64 && (n as usize) < written,
        "{n} posts copied; {written_before} written before the backup, {written} in all"
    );
    copy.close().await.unwrap();

    // The same name again is refused, and the backup is left as it was.
    let before = std::fs::read(&file).unwrap();
    let again = postpilot(&app)
        .args(["backup", "--to"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

/// The emails of the users in a SQLite file.
async fn emails_in(file: &std::path::Path) -> Vec<String> {
    let conn = app::server::db::connect_url(&format!("sqlite://{}", file.display()), 1)
        .await
        .unwrap();
    let rows = conn
        .query_all(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT email FROM users ORDER BY email",
        ))
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "email").unwrap())
        .collect()
}

/// A backup taken while 8 clients write through the API, restored into a fresh data
/// directory: the copy passes the integrity check and holds every post whose creation was
/// acknowledged before the backup began (later ones may or may not be in it), each whole.
/// On PostgreSQL: the pg_dump command instead, and a failure status.
#[tokio::test]
async fn a_backup_under_8_writers_restores_every_acknowledged_write_in_a_fresh_data_dir() {
    use crate::helpers::{marketer, test_settings};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let app = spawn_app().await;
    let who = marketer(&app).await;
    let account = app.account(&who.token, "facebook").await;
    let file = app.state.settings.database.data_dir.join("under-load.db");
    let writing = Arc::new(AtomicBool::new(true));
    let acks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = (0..8)
        .map(|client| {
            let (http, url, token, account, writing, acks) = (
                app.client.clone(),
                app.url("/api/v1/posts"),
                who.token.clone(),
                account.clone(),
                writing.clone(),
                acks.clone(),
            );
            tokio::spawn(async move {
                // (post id, its content, when the 201 arrived)
                let mut acknowledged = Vec::new();
                let mut n = 0;
                while writing.load(Ordering::Relaxed) {
                    let content = format!("client {client} draft {n}");
                    let res = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"account_id": account, "content": content}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 201);
                    let body: serde_json::Value = res.json().await.unwrap();
                    let id = body["id"].as_str().unwrap().to_string();
                    acknowledged.push((id, content, Instant::now()));
                    acks.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
                acknowledged
            })
        })
        .collect();
    // The backup begins once the writers are under way (every one has been acknowledged).
    let started = Instant::now();
    while acks.load(Ordering::Relaxed) < 16 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let began = Instant::now();
    let run = {
        let mut cmd = postpilot(&app);
        cmd.args(["backup", "--to"]).arg(&file);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    let out = run.await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    writing.store(false, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if app.db.get_database_backend() == DbBackend::Postgres {
        assert!(
            !out.status.success() && stdout.contains("pg_dump"),
            "{stdout}"
        );
        return;
    }
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before: Vec<_> = acknowledged
        .iter()
        .filter(|(_, _, at)| *at < began)
        .collect();
    assert!(
        before.len() >= 16,
        "the writers were under way: {} acknowledged before the backup",
        before.len()
    );

    // A fresh data directory, where no server runs.
    let fresh = std::env::temp_dir().join(format!("postpilot-restore-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&fresh).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_postpilot"))
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env("POSTPILOT_DATABASE_DATA_DIR", &fresh)
        .env("POSTPILOT_LOG_FILTER", "warn")
        .args(["restore", "--from"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = test_settings(&fresh).sqlite_file().unwrap();
    let conn = app::server::db::connect_url(&format!("sqlite://{}", restored.display()), 1)
        .await
        .unwrap();
    let check = conn
        .query_one(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(check.try_get_by_index::<String>(0).unwrap(), "ok");
    // The event log's text index agrees with the log (`restore` rebuilds it: the copy may
    // have renumbered rows); FTS5's own check fails otherwise.
    conn.execute_unprepared(
        "INSERT INTO event_log_search (event_log_search, rank) VALUES ('integrity-check', 1)",
    )
    .await
    .expect("the text index matches the event log");
    let rows = conn
        .query_all(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT id, content FROM posts",
        ))
        .await
        .unwrap();
    let stored: std::collections::HashMap<String, String> = rows
        .iter()
        .map(|row| {
            let id: uuid::Uuid = row.try_get("", "id").unwrap();
            (id.to_string(), row.try_get("", "content").unwrap())
        })
        .collect();
    for (id, content, _) in &before {
        assert_eq!(
            stored.get(id.as_str()),
            Some(content),
            "post {id}, acknowledged before the backup"
        );
    }
    // Whatever else the copy holds is a whole post some client was told was made.
    let written: std::collections::HashMap<&str, &str> = acknowledged
        .iter()
        .map(|(id, content, _)| (id.as_str(), content.as_str()))
        .collect();
    for (id, content) in &stored {
        assert_eq!(
            written.get(id.as_str()),
            Some(&content.as_str()),
            "post {id}"
        );
    }
    conn.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&fresh);
}

/// `postpilot restore`: refused while a server runs, for a file that is not a sound PostPilot
/// database and for one a newer PostPilot made, each time leaving the database as it was;
/// otherwise the backup replaces the database and the replaced one is kept aside. On
/// PostgreSQL: the pg_restore command and a failure status.
#[tokio::test]
async fn restore_replaces_the_database_only_when_it_is_safe() {
    use crate::helpers::marketer;
    let app = spawn_app().await;
    let restore = |from: &std::path::Path| {
        postpilot(&app)
            .args(["restore", "--from"])
            .arg(from)
            .output()
            .unwrap()
    };
    let data_dir = app.state.settings.database.data_dir.clone();
    let Some(db_file) = app.state.settings.sqlite_file() else {
        let out = restore(&data_dir.join("dump"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !out.status.success() && stdout.contains("pg_restore"),
            "{stdout}"
        );
        assert!(!stdout.contains("***"), "{stdout}");
        return;
    };
    let before = marketer(&app).await;
    let file = data_dir.join("before.db");
    app::server::backup::backup(&app.db, &file).await.unwrap();
    let after = marketer(&app).await;
    app.db.clone().close().await.unwrap();
    let everyone = emails_in(&db_file).await;
    assert!(everyone.contains(&before.email) && everyone.contains(&after.email));

    let refused = |out: &std::process::Output, why: &str| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(why),
            "{why}: {stderr}"
        );
    };
    // A server holds the database.
    let mut server = start_serving(&app).await;
    refused(&restore(&file), "a PostPilot server or command is using");
    assert!(stop(&mut server.child).await.success());
    // Not a database; a database from a newer PostPilot.
    let junk = data_dir.join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    refused(&restore(&junk), "is not a sound PostPilot database");
    let future = data_dir.join("future.db");
    std::fs::copy(&file, &future).unwrap();
    let conn = app::server::db::connect_url(&format!("sqlite://{}", future.display()), 1)
        .await
        .unwrap();
    conn.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) \
         VALUES ('m20991231_000001_from_the_future', 0)",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    refused(&restore(&future), "newer PostPilot");
    assert_eq!(emails_in(&db_file).await, everyone, "nothing was replaced");

    let out = restore(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = emails_in(&db_file).await;
    assert!(restored.contains(&before.email) && !restored.contains(&after.email));
    let aside = stdout
        .lines()
        .find_map(|l| l.strip_prefix("The replaced database is kept at "))
        .and_then(|l| l.strip_suffix('.'))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(emails_in(std::path::Path::new(aside)).await, everyone);

    // The restored database serves.
    let mut server = start_serving(&app).await;
    let ready = reqwest::get(format!("http://127.0.0.1:{}/ready", server.port))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let status = stop(&mut server.child).await;
    let rest: Vec<String> = server.lines.map_while(Result::ok).collect();
    assert!(status.success(), "{status}: {rest:#?}");
}
