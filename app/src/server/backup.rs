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
/// then checks the copy. The copy is made under a name of its own beside `to` and appears
/// at `to` only once checked and on disk, never over an existing file: a file at `to` is a
/// sound backup, whatever stopped the process meanwhile.
pub async fn backup(db: &DatabaseConnection, to: &Path) -> Result<Backup, BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(BackupError::Postgres);
    }
    // Absolute, so that SQLite cannot read the name as a `file:` URI.
    let to = std::path::absolute(to)?;
    if to.exists() {
        return Err(BackupError::Exists(to));
    }
    if let Some(folder) = to.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let partial = beside(&to, &format!(".partial-{}", uuid::Uuid::new_v4().simple()));
    let made = async {
        let target = partial.to_str().ok_or_else(|| BackupError::Unsound {
            file: to.clone(),
            problem: "the file name is not UTF-8".into(),
        })?;
        db.execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO $1",
            [target.into()],
        ))
        .await?;
        check(&partial).await?;
        std::fs::File::open(&partial)?.sync_all()?;
        publish(&partial, &to)?;
        sync_folder(&to);
        Ok::<_, BackupError>(std::fs::metadata(&to)?.len())
    }
    .await;
    let _ = std::fs::remove_file(&partial);
    Ok(Backup {
        file: to.clone(),
        bytes: made?,
    })
}

/// Puts the checked copy at `to`: by hard link, which fails if `to` appeared meanwhile; on a
/// filesystem without links (FAT, many network shares) by a rename once `to` is free.
fn publish(partial: &Path, to: &Path) -> Result<(), BackupError> {
    match std::fs::hard_link(partial, to) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(BackupError::Exists(to.to_path_buf()))
        }
        Err(_) if !to.exists() => Ok(std::fs::rename(partial, to)?),
        Err(_) => Err(BackupError::Exists(to.to_path_buf())),
    }
}

/// Deletes copies in `folder` left by backups that were stopped midway (killed, or the
/// machine went down) a day ago or more: younger ones may still be being written.
fn remove_stale_partials(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(86_400);
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().contains(".partial-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < day_ago);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes a rename or link in `file`'s folder durable (best effort: not every platform can).
fn sync_folder(file: &Path) {
    if let Some(folder) = file.parent() {
        if let Ok(dir) = std::fs::File::open(folder) {
            let _ = dir.sync_all();
        }
    }
}

/// SQLite connection options for a file by its path (not a URL: a `%` or `?` in the name
/// stays part of it).
fn sqlite_options(file: &Path, read_only: bool) -> ConnectOptions {
    let file = file.to_path_buf();
    // The URL only says "SQLite"; the file comes from `filename` below.
    let mut options = ConnectOptions::new("sqlite://postpilot.db");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            let opts = opts.filename(&file).foreign_keys(true);
            if read_only {
                opts.read_only(true)
            } else {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
            }
        });
    options
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
    let conn = Database::connect(sqlite_options(file, true))
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

/// The scheduled backups in `folder`, oldest first (names sort by time; copies still being
/// made, named `….db.partial-…`, are not among them).
fn scheduled_backups(folder: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let mut found: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| {
                        name.starts_with(SCHEDULED_PREFIX) && name.ends_with(SCHEDULED_SUFFIX)
                    })
            })
            .collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(err.into()),
    };
    found.sort();
    Ok(found)
}

/// When the newest scheduled backup in `folder` was made, read from its name.
pub fn last_scheduled(folder: &Path) -> Result<Option<DateTime<Utc>>, BackupError> {
    Ok(scheduled_backups(folder)?.last().and_then(|path| {
        let name = path.file_name()?.to_str()?;
        let stamp = name
            .strip_prefix(SCHEDULED_PREFIX)?
            .strip_suffix(SCHEDULED_SUFFIX)?;
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S")
            .ok()
            .map(|at| at.and_utc())
    }))
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
    remove_stale_partials(folder);
    let made = backup(db, &file).await?;
    let kept = scheduled_backups(folder)?;
    let surplus = kept.len().saturating_sub(keep.max(1));
    for old in &kept[..surplus] {
        std::fs::remove_file(old)?;
    }
    Ok(made)
}

/// A scheduled backup if the newest one is `every_hours` old or more (or there is none).
pub async fn scheduled_if_due(
    db: &DatabaseConnection,
    settings: &BackupSettings,
    folder: &Path,
    now: DateTime<Utc>,
) -> Result<Option<Backup>, BackupError> {
    let every = chrono::Duration::hours(i64::from(settings.every_hours));
    match last_scheduled(folder)? {
        Some(last) if now - last < every => Ok(None),
        _ => scheduled(db, folder, settings.keep, now).await.map(Some),
    }
}

/// How often the backup job looks whether a backup is due. Deciding from the newest file,
/// not from the process's start, a backup is made on time whatever restarts the server.
const BACKUP_CHECK_EVERY: Duration = Duration::from_secs(600);

/// The scheduled backup jobs: a look soon after start, then every `BACKUP_CHECK_EVERY`; for
/// SQLite only (none on PostgreSQL, or when `every_hours` is 0).
pub fn jobs(
    db: DatabaseConnection,
    settings: &BackupSettings,
    data_dir: &Path,
) -> Result<Vec<Job>, JobSchedulerError> {
    if settings.every_hours == 0 || db.get_database_backend() != DbBackend::Sqlite {
        return Ok(Vec::new());
    }
    let folder = scheduled_folder(settings, data_dir);
    let settings = settings.clone();
    let look = move || {
        let (db, folder, settings) = (db.clone(), folder.clone(), settings.clone());
        Box::pin(async move {
            match scheduled_if_due(&db, &settings, &folder, Utc::now()).await {
                Ok(Some(made)) => tracing::info!(
                    file = %made.file.display(),
                    bytes = made.bytes,
                    "scheduled backup made"
                ),
                Ok(None) => {}
                Err(err) => tracing::error!(error = %err, "scheduled backup failed"),
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
    };
    let at_start = look.clone();
    Ok(vec![
        Job::new_one_shot_async(Duration::from_secs(15), move |_, _| at_start())?,
        Job::new_repeated_async(BACKUP_CHECK_EVERY, move |_, _| look())?,
    ])
}

/// A SQLite database's lock file (`postpilot.db.lock` beside it), held shared by every
/// process of ours that uses the database (servers and the other commands) and exclusively
/// by a restore, so that neither starts under the other. The operating system drops the lock
/// when the process ends, however it ends.
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

    /// A user's hold on the database: refused only while a restore replaces it.
    pub fn using(db_file: &Path) -> Result<Self, BackupError> {
        let file = Self::open(db_file)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(DatabaseLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::InUse(format!(
                "a restore is replacing {}: try again once it is done",
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
                "a PostPilot server or command is using {}: stop every server first",
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

/// Replaces the SQLite database `db_file` with the backup `from`, while no process of ours
/// uses it. The backup is checked, copied (through SQLite, so a WAL beside it counts) and
/// migrated to this version beside the database first; anything refused or failed until
/// then leaves the database as it was. Then the database is kept aside as
/// `postpilot.db.replaced-20261125-031700` (with its WAL, if any, as that name's `-wal`)
/// and the copy takes its place in one rename: there is always a database at `db_file`.
pub async fn restore(
    db_file: &Path,
    from: &Path,
    now: DateTime<Utc>,
) -> Result<Restored, BackupError> {
    let _lock = DatabaseLock::restoring(db_file)?;
    check(from).await?;
    let incoming = beside(db_file, ".restoring");
    let remove_incoming = || {
        for leftover in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(beside(&incoming, leftover));
        }
    };
    remove_incoming();
    let prepared = prepare(from, &incoming).await;
    if let Err(err) = prepared {
        remove_incoming();
        return Err(err);
    }
    // Fold the live database's WAL in (no process of ours has it open: the lock), so that the
    // database is whole in its file. A damaged database may refuse: its WAL is kept aside.
    if db_file.exists() {
        if let Ok(live) = Database::connect(sqlite_options(db_file, false)).await {
            let _ = live
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await;
            live.close().await.ok();
        }
    }
    let swapped = swap(db_file, &incoming, now);
    if swapped.is_err() {
        remove_incoming();
    }
    swapped
}

/// The restored database, made beside the live one: copied from `from` through SQLite,
/// refused if a newer PostPilot made it, migrated, and on disk in one file.
async fn prepare(from: &Path, incoming: &Path) -> Result<(), BackupError> {
    let source = Database::connect(sqlite_options(from, true)).await?;
    let target = std::path::absolute(incoming)?;
    let copied = source
        .execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO $1",
            [target.to_string_lossy().to_string().into()],
        ))
        .await;
    source.close().await.ok();
    copied?;
    let conn = Database::connect(sqlite_options(incoming, false)).await?;
    let migrated = match db::schema_state::<migration::Migrator>(&conn).await {
        Ok(SchemaState::Newer(unknown)) => Err(BackupError::Newer {
            file: from.to_path_buf(),
            message: SchemaState::newer_message(&unknown),
        }),
        Ok(_) => db::migrate(&conn).await.map_err(BackupError::from),
        Err(err) => Err(err.into()),
    };
    // `VACUUM INTO` may renumber rows, and the event log's text index is keyed by row number
    // (migration `m20261207_000011_admin_console`): it is built anew from the messages.
    let migrated = match migrated {
        Ok(()) => conn
            .execute_unprepared(
                "INSERT INTO event_log_search (event_log_search) VALUES ('rebuild')",
            )
            .await
            .map(|_| ())
            .map_err(BackupError::from),
        failed => failed,
    };
    // Fold the WAL into the file, so that the file alone is the database.
    let folded = conn
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await;
    conn.close().await.ok();
    migrated?;
    folded?;
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(incoming, leftover));
    }
    std::fs::File::open(incoming)?.sync_all()?;
    Ok(())
}

/// Keeps the live database aside and puts `incoming` in its place.
fn swap(db_file: &Path, incoming: &Path, now: DateTime<Utc>) -> Result<Restored, BackupError> {
    let Some(aside) = db_file.exists().then(|| {
        beside(
            db_file,
            &format!(".replaced-{}", now.format("%Y%m%d-%H%M%S")),
        )
    }) else {
        std::fs::rename(incoming, db_file)?;
        sync_folder(db_file);
        return Ok(Restored { kept_aside: None });
    };
    // A link (or, without links, a copy), so that the database stays at its name until the
    // copy replaces it. Its WAL (writes not yet folded in, if a server stopped abruptly) goes
    // along by name, and comes back if the copy cannot take the database's place.
    if std::fs::hard_link(db_file, &aside).is_err() {
        std::fs::copy(db_file, &aside)?;
        std::fs::File::open(&aside)?.sync_all()?;
    }
    let (wal, aside_wal) = (beside(db_file, "-wal"), beside(&aside, "-wal"));
    if wal.exists() {
        std::fs::copy(&wal, &aside_wal)?;
        std::fs::File::open(&aside_wal)?.sync_all()?;
    }
    // The WAL and its index belong to the replaced database: gone before the copy takes its
    // name, so that SQLite can never replay them onto it. (`restore` folded the WAL in first,
    // so it is empty unless the database was damaged.)
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(db_file, leftover));
    }
    sync_folder(db_file);
    std::fs::rename(incoming, db_file)?;
    sync_folder(db_file);
    Ok(Restored {
        kept_aside: Some(aside),
    })
}
