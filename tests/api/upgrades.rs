//! Upgrades that lose nothing: a migration that fails leaves the database as it was, and a
//! database a newer PostPilot migrated is refused (by startup and `postpilot migrate`, with a
//! message saying so) and reported by `/ready` (still ready: the old instances of a rolling
//! upgrade go on serving), on both databases.

use app::server::db;
use migration::{
    async_trait, MigrationName, MigrationTrait, Migrator, MigratorTrait, SchemaManager,
};
use sea_orm::{ConnectionTrait, DbErr, Statement};
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

/// A migration that creates a table, then fails.
struct Broken;

impl MigrationName for Broken {
    fn name(&self) -> &str {
        "m20991231_000001_broken"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Broken {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE TABLE upgrade_probe (id INTEGER PRIMARY KEY)")
            .await?;
        db.execute_unprepared("ALTER TABLE no_such_table ADD COLUMN nothing INTEGER")
            .await?;
        Ok(())
    }
}

/// This build's migrations, then the broken one.
struct WithBroken;

impl MigratorTrait for WithBroken {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = Migrator::migrations();
        migrations.push(Box::new(Broken));
        migrations
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn table_exists(app: &TestApp, table: &str) -> bool {
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM information_schema.tables \
             WHERE table_name = '{table}'"
        ),
        _ => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
        }
    };
    count(app, &sql).await > 0
}

#[tokio::test]
async fn a_migration_that_fails_leaves_the_database_as_it_was() {
    let app = spawn_app().await;
    let applied = count(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM seaql_migrations",
    )
    .await;

    let err = db::migrate_with::<WithBroken>(&app.db).await.unwrap_err();
    assert!(err.to_string().contains("no_such_table"), "{err}");
    assert!(
        !table_exists(&app, "upgrade_probe").await,
        "the failed migration's first statement was rolled back"
    );
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM seaql_migrations"
        )
        .await,
        applied,
        "no migration is recorded"
    );
    // The database still serves this version.
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    db::migrate(&app.db)
        .await
        .expect("this version's migrations still apply");
}

#[tokio::test]
async fn a_database_from_a_newer_postpilot_is_refused_at_start_and_reported() {
    let app = spawn_app().await;
    app.db
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) \
             VALUES ('m20991231_000001_from_the_future', 0)",
        )
        .await
        .unwrap();

    let err = db::migrate(&app.db).await.unwrap_err().to_string();
    assert!(
        err.contains("migrated by a newer PostPilot")
            && err.contains("m20991231_000001_from_the_future"),
        "{err}"
    );

    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the running instance goes on serving");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["schema"], "newer");
    assert!(body["reason"].as_str().unwrap().contains("newer PostPilot"));

    // The binary refuses it too, at startup and in `migrate`, and says why (within 30 s: a
    // binary that starts serving instead is killed and fails the test).
    for command in ["migrate", "serve"] {
        let settings = &app.state.settings;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_postpilot"))
            .arg(command)
            .env("DATABASE_URL", settings.database_url())
            .env("POSTPILOT_DATABASE_DATA_DIR", &settings.database.data_dir)
            .env("POSTPILOT_SERVER_ADDR", "127.0.0.1:0")
            .env("POSTPILOT_LOG_FILTER", "error")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{command} did not refuse the database");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert!(!status.success(), "{command} must refuse");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains("newer PostPilot"), "{command}: {stderr}");
    }
}
