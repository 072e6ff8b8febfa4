//! Scheduled backups of a SQLite database: a checked copy each time, the oldest beyond
//! `backup.keep` deleted once the new one checked out; none on PostgreSQL.

use app::server::backup;
use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::helpers::{marketer, spawn_app};

#[tokio::test]
async fn scheduled_backups_keep_the_newest_copies() {
    let app = spawn_app().await;
    let settings = &app.state.settings;
    let folder = backup::scheduled_folder(&settings.backup, &settings.database.data_dir);
    assert_eq!(folder, settings.database.data_dir.join("backups"));
    if app.db.get_database_backend() == DbBackend::Postgres {
        assert!(
            backup::jobs(
                app.db.clone(),
                &settings.backup,
                &settings.database.data_dir
            )
            .unwrap()
            .is_empty(),
            "PostgreSQL is backed up with pg_dump"
        );
        assert!(matches!(
            backup::scheduled(&app.db, &folder, 2, Utc::now()).await,
            Err(backup::BackupError::Postgres)
        ));
        return;
    }
    assert_eq!(
        backup::jobs(
            app.db.clone(),
            &settings.backup,
            &settings.database.data_dir
        )
        .unwrap()
        .len(),
        2,
        "on by default for SQLite: a look soon after start, then every few minutes"
    );
    // Something the copies hold, and a file of the operator's that is not a scheduled backup.
    marketer(&app).await;
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("mine.db"), "kept").unwrap();

    // Due when there is none, then once `every_hours` (24) passed since the newest.
    let first = Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0).unwrap();
    let mut settings = settings.backup.clone();
    settings.keep = 2;
    let mut made = Vec::new();
    for hours in [0, 23, 24, 47, 48] {
        let at = first + Duration::hours(hours);
        let backup = backup::scheduled_if_due(&app.db, &settings, &folder, at)
            .await
            .unwrap();
        assert_eq!(backup.is_some(), hours % 24 == 0, "at +{hours} h");
        made.extend(backup.map(|b| b.file));
    }
    assert_eq!(
        backup::last_scheduled(&folder).unwrap(),
        Some(first + Duration::hours(48))
    );
    let mut left: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "mine.db",
            "postpilot-20261126-010000.db",
            "postpilot-20261127-010000.db"
        ]
    );
    for file in &made[1..] {
        backup::check(file).await.expect("each kept copy is sound");
    }
}
