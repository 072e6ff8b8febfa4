//! The `postpilot` command line: serve (the default), migrate, create-admin, seed-demo,
//! backup and restore.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use app::server::backup::{self, BackupError, DatabaseLock};
use app::server::config::Settings;
use app::server::services::users::{self, AdminOutcome};
use app::server::{db, demo};
use clap::{Parser, Subcommand};

use crate::startup::{redacted, shutdown_signal, Application};
use crate::telemetry;

/// PostPilot: schedule, publish and measure social-media posts.
///
/// Settings come from Leptos.toml (or the file named by POSTPILOT_CONFIG) and environment
/// variables POSTPILOT_<SECTION>_<KEY>; DATABASE_URL selects PostgreSQL. With no settings at
/// all, data lives in a SQLite file under ./data.
#[derive(Parser, Debug)]
#[command(name = "postpilot", version)]
pub struct Cli {
    /// Log JSON lines instead of human-readable text.
    #[arg(long, global = true)]
    json_logs: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web app and REST API (the default). Migrates the database first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin account, or make an existing account an admin.
    ///
    /// The password comes from --password, else POSTPILOT_ADMIN_PASSWORD, else one line of
    /// standard input.
    CreateAdmin {
        /// The admin's email address.
        #[arg(long)]
        email: String,
        /// The admin's password (8 characters or more).
        #[arg(long, env = "POSTPILOT_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Add a demo marketer (demo@postpilot.app / postpilot-demo) with connected sandbox
    /// accounts, a month of posts with metrics and queue items. Does nothing if present.
    SeedDemo,
    /// Copy the SQLite database to a new file, consistently, while servers run and write, and
    /// check the copy. (PostgreSQL: prints the pg_dump command to use instead.)
    Backup {
        /// The backup file to create (never overwritten).
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the SQLite database with a backup, while no server runs: the backup is checked
    /// and migrated to this version first, and the replaced database is kept aside.
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
    },
}

impl Cli {
    pub async fn run(self) -> ExitCode {
        let started = Instant::now();
        let settings = match Settings::load() {
            Ok(settings) => settings,
            Err(err) => {
                eprintln!("postpilot: {err}");
                return ExitCode::from(2);
            }
        };
        let format = if self.json_logs {
            "json"
        } else {
            settings.log.format.as_str()
        };
        telemetry::init(format, &settings.log.filter);
        let result = match self.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings, started).await,
            Command::Migrate => migrate(&settings).await,
            Command::CreateAdmin { email, password } => {
                create_admin(&settings, &email, password).await
            }
            Command::SeedDemo => seed_demo(&settings).await,
            Command::Backup { to } => backup(&settings, &to).await,
            Command::Restore { from } => restore(&settings, &from).await,
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("{err:#}");
                eprintln!("postpilot: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
}

async fn serve(settings: Settings, started: Instant) -> anyhow::Result<()> {
    let database = redacted(&settings.database_url());
    let app = Application::build(settings).await?;
    let shutdown = shutdown_signal();
    tracing::info!(
        address = %app.local_addr(),
        database = %database,
        startup_ms = started.elapsed().as_millis() as u64,
        "PostPilot is listening on http://{}",
        app.local_addr()
    );
    app.run_until(shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// A SQLite database's lock, held by every command while it uses the database, so that a
/// restore cannot replace it underneath (`backup::DatabaseLock`).
fn hold(settings: &Settings) -> anyhow::Result<Option<DatabaseLock>> {
    Ok(match settings.sqlite_file() {
        Some(file) => Some(DatabaseLock::using(&file)?),
        None => None,
    })
}

async fn open(
    settings: &Settings,
) -> anyhow::Result<(sea_orm::DatabaseConnection, Option<DatabaseLock>)> {
    let lock = hold(settings)?;
    let conn = db::connect(settings).await?;
    db::migrate(&conn).await?;
    Ok((conn, lock))
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    open(settings).await?;
    println!(
        "Database is up to date ({}).",
        redacted(&settings.database_url())
    );
    Ok(())
}

async fn create_admin(
    settings: &Settings,
    email: &str,
    password: Option<String>,
) -> anyhow::Result<()> {
    let password = match password {
        Some(p) => p,
        None => {
            print!("Password for {email}: ");
            std::io::stdout().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let (conn, _lock) = open(settings).await?;
    match users::create_or_promote_admin(&conn, email, &password).await {
        Ok(AdminOutcome::Created(user)) => println!("Created admin {}.", user.email),
        Ok(AdminOutcome::Promoted(user)) => {
            println!("{} is now an admin (password updated).", user.email)
        }
        Err(err) => anyhow::bail!("{err}"),
    }
    Ok(())
}

async fn seed_demo(settings: &Settings) -> anyhow::Result<()> {
    let (conn, _lock) = open(settings).await?;
    match demo::seed(&conn).await {
        Ok(demo::Seeded::Created { posts, queue_items }) => println!(
            "Demo data ready: sign in as {} / {} ({posts} posts, {queue_items} queue items).",
            demo::DEMO_EMAIL,
            demo::DEMO_PASSWORD
        ),
        Ok(demo::Seeded::AlreadyThere) => println!(
            "Demo data is already there: sign in as {} / {}.",
            demo::DEMO_EMAIL,
            demo::DEMO_PASSWORD
        ),
        Err(err) => anyhow::bail!("{err}"),
    }
    Ok(())
}

/// The database as it is (no migration: a backup copies what is there).
async fn backup(settings: &Settings, to: &Path) -> anyhow::Result<()> {
    let url = settings.database_url();
    let _lock = hold(settings)?;
    let conn = db::connect(settings).await?;
    match backup::backup(&conn, to).await {
        Ok(made) => {
            println!(
                "Backed up {} to {} ({:.1} MB; integrity check ok).",
                redacted(&url),
                made.file.display(),
                made.bytes as f64 / 1_048_576.0
            );
            Ok(())
        }
        Err(BackupError::Postgres) => {
            println!(
                "PostgreSQL is backed up with its own tools, while it runs:\n  \
                 pg_dump --format=custom --file='{}' '{}'\n\
                 (the password from PGPASSWORD or ~/.pgpass; restore with pg_restore).",
                to.display(),
                without_password(&url)
            );
            anyhow::bail!("no backup was made: use pg_dump")
        }
        Err(err) => Err(err.into()),
    }
}

async fn restore(settings: &Settings, from: &Path) -> anyhow::Result<()> {
    let Some(file) = settings.sqlite_file() else {
        println!(
            "PostgreSQL is restored with its own tools:\n  \
             pg_restore --clean --if-exists --dbname='{}' '{}'\n\
             with every PostPilot instance stopped (they keep answers in memory), then start\n\
             this version, which migrates it.",
            without_password(&settings.database_url()),
            from.display()
        );
        anyhow::bail!("nothing was restored: use pg_restore");
    };
    let restored = backup::restore(&file, from, chrono::Utc::now()).await?;
    println!(
        "Restored {} into {} (migrated to this version).",
        from.display(),
        file.display()
    );
    if let Some(aside) = restored.kept_aside {
        println!("The replaced database is kept at {}.", aside.display());
    }
    Ok(())
}

/// A database URL for a command line the operator runs: no password in it at all (pg_dump
/// and pg_restore read it from PGPASSWORD or ~/.pgpass).
fn without_password(url: &str) -> String {
    let shown = redacted(url).replacen(":***@", "@", 1);
    match shown.split_once('?') {
        Some((base, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|p| !p.ends_with("=***")).collect();
            if kept.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", kept.join("&"))
            }
        }
        None => shown,
    }
}
