//! Backups of the SQLite database: a consistent copy taken while servers run and write
//! (`VACUUM INTO` copies one read snapshot, and WAL lets writers go on meanwhile), checked
//! (`PRAGMA integrity_check`, and that it is a PostPilot database) before it is called a
//! backup; the scheduled backups (`[backup]` settings: every N hours, keep K copies); and
//! restoring one. PostgreSQL is backed up with its own tools (`pg_dump`), which the CLI names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};
use tokio_cron_scheduler::{Job, JobSchedulerError};

use super::config::BackupSettings;
use super::db::{self, SchemaState};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: a backup never overwrites a file, choose a new name")]
    Exists(PathBuf),
    #[error("this command copies SQLite databases; PostgreSQL is backed up with pg_dump")]
    Postgres,
    /// A server uses the database a restore would replace, or a restore is replacing the
    /// database a server would open.
    #[error("{0}")]
    InUse(String),
    #[error("{file} was made by a newer PostPilot: {message}")]
    Newer { file: PathBuf, message: String },
    #[error("{file} is not a sound PostPilot database: {problem}")]
    Unsound { file: PathBuf, problem: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Database(#[from] DbErr),
}

/// A backup just made and checked.
#[derive(Debug)]
pub struct Backup {
    pub file: PathBuf,
    pub bytes: u64,
}

/// Copies the database `db` is connected to into the new file `to` (its folder is created),
/// then checks the copy. A copy that fails or does not check out is removed: a file left at
/// `to` is a sound backup.
pub async fn backup(db: &DatabaseConnection, to: &Path) -> Result<Backup, BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(BackupError::Postgres);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let target = to
        .to_str()
        .ok_or_else(|| BackupError::Unsound {
            file: to.to_path_buf(),
            problem: "the file name is not UTF-8".into(),
        })?
        .to_string();
    let copied = db
        .execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO $1",
            [target.into()],
        ))
        .await;
    let checked = match copied {
        Ok(_) => check(to).await,
        Err(err) => Err(err.into()),
    };
    if let Err(err) = checked {
        let _ = std::fs::remove_file(to);
        return Err(err);
    }
    Ok(Backup {
        file: to.to_path_buf(),
        bytes: std::fs::metadata(to)?.len(),
    })
}

/// Whether `file` is a sound PostPilot SQLite database: SQLite's integrity check passes and
/// it has the migrations table. Opened read-only.
pub async fn check(file: &Path) -> Result<(), BackupError> {
    let unsound = |problem: String| BackupError::Unsound {
        file: file.to_path_buf(),
        problem,
    };
    if !file.is_file() {
        return Err(unsound("there is no such file".into()));
    }
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=ro", file.display()));
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| opts.read_only(true));
    let conn = Database::connect(options)
        .await
        .map_err(|e| unsound(format!("SQLite cannot open it ({e})")))?;
    let verdict = async {
        let rows = conn
            .query_all(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .map_err(|e| unsound(format!("SQLite cannot read it ({e})")))?;
        let findings: Vec<String> = rows
            .iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect();
        if findings != ["ok"] {
            return Err(unsound(format!(
                "the integrity check found: {}",
                findings.join("; ")
            )));
        }
        conn.query_one(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) FROM seaql_migrations",
        ))
        .await
        .map_err(|_| unsound("it has no PostPilot migrations table".into()))?;
        Ok(())
    }
    .await;
    conn.close().await.ok();
    verdict
}

/// The scheduled backups' file names: `postpilot-20261125-031700.db`, so that names sort by
/// time.
const SCHEDULED_PREFIX: &str = "postpilot-";
const SCHEDULED_SUFFIX: &str = ".db";

/// The folder the scheduled backups go to.
pub fn scheduled_folder(settings: &BackupSettings, data_dir: &Path) -> PathBuf {
    if settings.folder.as_os_str().is_empty() {
        data_dir.join("backups")
    } else {
        settings.folder.clone()
    }
}

/// One scheduled backup at `now` into `folder`, then the oldest scheduled backups beyond
/// `keep` are deleted (only once the new one checked out, so `keep` sound copies remain).
pub async fn scheduled(
    db: &DatabaseConnection,
    folder: &Path,
    keep: usize,
    now: DateTime<Utc>,
) -> Result<Backup, BackupError> {
    let file = folder.join(format!(
        "{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}",
        now.format("%Y%m%d-%H%M%S")
    ));
    let made = backup(db, &file).await?;
    let mut kept: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| {
                    name.starts_with(SCHEDULED_PREFIX) && name.ends_with(SCHEDULED_SUFFIX)
                })
        })
        .collect();
    kept.sort();
    let surplus = kept.len().saturating_sub(keep.max(1));
    for old in &kept[..surplus] {
        std::fs::remove_file(old)?;
    }
    Ok(made)
}

/// The scheduled backup job, every `backup.every_hours` hours from start: for SQLite only
/// (None on PostgreSQL, or when `every_hours` is 0).
pub fn job(
    db: DatabaseConnection,
    settings: &BackupSettings,
    data_dir: &Path,
) -> Result<Option<Job>, JobSchedulerError> {
    if settings.every_hours == 0 || db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let folder = scheduled_folder(settings, data_dir);
    let keep = settings.keep;
    let every = Duration::from_secs(u64::from(settings.every_hours) * 3600);
    Job::new_repeated_async(every, move |_, _| {
        let (db, folder) = (db.clone(), folder.clone());
        Box::pin(async move {
            match scheduled(&db, &folder, keep, Utc::now()).await {
                Ok(made) => tracing::info!(
                    file = %made.file.display(),
                    bytes = made.bytes,
                    "scheduled backup made"
                ),
                Err(err) => tracing::error!(error = %err, "scheduled backup failed"),
            }
        })
    })
    .map(Some)
}

/// A SQLite database's lock file (`postpilot.db.lock` beside it), held shared by every server
/// that uses the database and exclusively by a restore, so neither starts under the other.
/// The operating system drops the lock when the process ends, however it ends.
pub struct DatabaseLock {
    _file: std::fs::File,
}

impl DatabaseLock {
    fn open(db_file: &Path) -> std::io::Result<std::fs::File> {
        let mut name = db_file.as_os_str().to_owned();
        name.push(".lock");
        if let Some(folder) = db_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(PathBuf::from(name))
    }

    /// A server's hold on the database: refused only while a restore replaces it.
    pub fn serving(db_file: &Path) -> Result<Self, BackupError> {
        let file = Self::open(db_file)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(DatabaseLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::InUse(format!(
                "a restore is replacing {}: start the server once it is done",
                db_file.display()
            ))),
            Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
        }
    }

    /// A restore's hold on the database: refused while any server uses it.
    fn restoring(db_file: &Path) -> Result<Self, BackupError> {
        let file = Self::open(db_file)?;
        match file.try_lock() {
            Ok(()) => Ok(DatabaseLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::InUse(format!(
                "a PostPilot server is using {}: stop every server first",
                db_file.display()
            ))),
            Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
        }
    }
}

/// A restore done: where the replaced database was kept, if there was one.
#[derive(Debug)]
pub struct Restored {
    pub kept_aside: Option<PathBuf>,
}

/// `path` with `suffix` added to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens a SQLite file with the app's settings (WAL, foreign keys).
async fn open_sqlite(file: &Path) -> Result<DatabaseConnection, DbErr> {
    db::connect_url(&format!("sqlite://{}?mode=rwc", file.display()), 1).await
}

/// Ends a connection with the database in one file: the WAL checkpointed into it and empty.
async fn close_sqlite(conn: DatabaseConnection) -> Result<(), DbErr> {
    conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await?;
    conn.close().await
}

/// Replaces the SQLite database `db_file` with the backup `from`, while no server uses it.
/// The backup is checked, copied and migrated to this version beside the database first;
/// only then is the database moved aside (`postpilot.db.replaced-20261125-031700`) and the
/// copy put in its place. Anything refused or failed before that leaves the database as it
/// was.
pub async fn restore(
    db_file: &Path,
    from: &Path,
    now: DateTime<Utc>,
) -> Result<Restored, BackupError> {
    let _lock = DatabaseLock::restoring(db_file)?;
    check(from).await?;
    let incoming = beside(db_file, ".restoring");
    for leftover in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(&incoming, leftover));
    }
    std::fs::copy(from, &incoming)?;
    let prepared = async {
        let conn = open_sqlite(&incoming).await?;
        let migrated = match db::schema_state::<migration::Migrator>(&conn).await? {
            SchemaState::Newer(unknown) => Err(BackupError::Newer {
                file: from.to_path_buf(),
                message: SchemaState::newer_message(&unknown),
            }),
            _ => db::migrate(&conn).await.map_err(BackupError::from),
        };
        close_sqlite(conn).await?;
        migrated
    }
    .await;
    if let Err(err) = prepared {
        for leftover in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(beside(&incoming, leftover));
        }
        return Err(err);
    }

    let kept_aside = if db_file.exists() {
        // A server that stopped abruptly may have left writes in the WAL: fold them in first.
        close_sqlite(open_sqlite(db_file).await?).await?;
        let aside = beside(
            db_file,
            &format!(".replaced-{}", now.format("%Y%m%d-%H%M%S")),
        );
        std::fs::rename(db_file, &aside)?;
        Some(aside)
    } else {
        None
    };
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(db_file, leftover));
    }
    std::fs::rename(&incoming, db_file)?;
    Ok(Restored { kept_aside })
}
