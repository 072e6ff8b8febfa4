//! What the benchmarks share: a fresh database (SQLite in a temporary directory, or a new
//! PostgreSQL database when BENCH_DATABASE_URL names a server), migrated, and its clean-up.

use app::server::config::Settings;
use app::server::db;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

pub struct BenchDatabase {
    pub label: &'static str,
    pub settings: Settings,
    pub conn: DatabaseConnection,
    data_dir: std::path::PathBuf,
    postgres: Option<(String, String)>,
}

impl BenchDatabase {
    pub async fn create() -> Self {
        let data_dir = std::env::temp_dir().join(format!("postpilot-bench-{}", Uuid::new_v4()));
        let mut settings = Settings::load_from(None, |_| None).expect("settings");
        settings.server.addr = "127.0.0.1:0".parse().unwrap();
        settings.database.data_dir = data_dir.clone();
        settings.auth.jwt_secret = "bench-secret-bench-secret-bench-secret".into();
        settings.log.filter = "error".into();
        settings.scheduler.enabled = false;
        if let Some(n) = std::env::var("BENCH_MAX_CONNECTIONS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            settings.database.max_connections = n;
        }
        let mut postgres = None;
        let label = match std::env::var("BENCH_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let name = format!("pp_bench_{}", Uuid::new_v4().simple());
                let admin = db::connect_url(&admin_url, 1)
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                settings.database.url = format!("{base}/{name}");
                postgres = Some((admin_url, name));
                "PostgreSQL"
            }
            None => "SQLite",
        };
        let conn = db::connect(&settings).await.expect("database");
        db::migrate(&conn).await.expect("migrate");
        BenchDatabase {
            label,
            settings,
            conn,
            data_dir,
            postgres,
        }
    }

    pub async fn drop_database(self) {
        self.conn.close().await.ok();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, name)) = self.postgres {
            let admin = db::connect_url(&admin_url, 1).await.unwrap();
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// p-th percentile (0–1) of sorted values.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}
