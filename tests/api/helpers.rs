//! The test harness later suites reuse: `spawn_app()`, sign-up helpers and an HTTP client.

use std::path::PathBuf;
use std::sync::Arc;

use app::model::{PlanTier, Role, TokenPair};
use app::server::config::Settings;
use app::server::db;
use app::server::entities::{post, user};
use app::server::publishing::Engine;
use app::server::AppState;
use postpilot::startup::Application;
use reqwest::header::{ACCEPT, COOKIE, SET_COOKIE};
use reqwest::{Client, Response};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set,
    Statement,
};
use serde_json::{json, Value};
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: DatabaseConnection,
    pub state: AppState,
    /// Dropped with the first instance only (see `another_instance`).
    _database: Option<TestDatabase>,
}

/// Which database the suite runs on, from TEST_DATABASE_URL.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

enum TestDatabase {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDatabase::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async move {
                        if let Ok(admin) = db::connect_url(&admin_url, 1).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings::load_from(None, |_| None).expect("default settings");
    settings.server.addr = "127.0.0.1:0".parse().unwrap();
    settings.server.public_url = "http://127.0.0.1".into();
    settings.database.data_dir = data_dir.to_path_buf();
    settings.database.max_connections = 5;
    settings.auth.jwt_secret = format!("test-secret-{}", Uuid::new_v4());
    settings.log.filter = "warn".into();
    // Tests drive the publishing engine themselves (one test turns the jobs on).
    settings.scheduler.enabled = false;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app with adjusted settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = std::env::temp_dir().join(format!("postpilot-test-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut settings = test_settings(&data_dir);
    let database = match postgres_admin_url() {
        Some(admin_url) => {
            let name = format!("pp_test_{}", Uuid::new_v4().simple());
            let admin = db::connect_url(&admin_url, 1).await.unwrap_or_else(|e| {
                panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
            });
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create a test database");
            admin.close().await.ok();
            settings.database.url = with_database_name(&admin_url, &name);
            TestDatabase::Postgres { admin_url, name }
        }
        None => TestDatabase::Sqlite(data_dir.clone()),
    };
    adjust(&mut settings);
    let conn = db::connect(&settings)
        .await
        .expect("connect to the test database");
    db::migrate(&conn).await.expect("migrate the test database");
    start(settings, conn, Some(database)).await
}

async fn start(
    settings: Settings,
    conn: DatabaseConnection,
    database: Option<TestDatabase>,
) -> TestApp {
    let application = Application::build_with_db(settings, conn.clone())
        .await
        .expect("build the application");
    let address = format!("http://{}", application.local_addr());
    let state = application.state().clone();
    tokio::spawn(application.run_until(std::future::pending()));
    // A request that hangs fails its test after 30 s instead of stalling the whole suite.
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        db: conn,
        state,
        _database: database,
    }
}

impl TestApp {
    /// A second instance of the app on the same database, with its own connection pool,
    /// memory and port, as another process behind a load balancer would have.
    pub async fn another_instance(&self) -> TestApp {
        let settings = (*self.state.settings).clone();
        let conn = db::connect(&settings)
            .await
            .expect("connect to the test database");
        start(settings, conn, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_bearer(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Connects a sandbox account of `platform` for the token's user and returns its id.
    pub async fn account(&self, token: &str, platform: &str) -> String {
        let res = self
            .post_bearer(
                "/api/v1/accounts",
                token,
                &json!({ "platform": platform, "account_name": format!("{platform}-{}", Uuid::new_v4().simple()) }),
            )
            .await;
        assert_eq!(res.status(), 201, "connect {platform}");
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn patch_bearer(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_bearer(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A GET without credentials.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Registers through the browser form (as a page without JavaScript posts it) and returns
    /// the `Cookie` header of the session it opened.
    pub async fn browser_session(&self, email: &str) -> String {
        let res = self
            .client
            .post(self.url("/fn/auth/register"))
            .header(reqwest::header::ACCEPT, "text/html")
            .header("origin", self.address.clone())
            .form(&[("email", email), ("password", "correct-horse-1")])
            .send()
            .await
            .unwrap();
        session_cookie(&res)
    }

    /// A new browser session of an existing user (password "correct-horse-1"), signed in
    /// through the sign-in form.
    pub async fn sign_in_session(&self, email: &str) -> String {
        let res = self
            .client
            .post(self.url("/fn/auth/login"))
            .header(reqwest::header::ACCEPT, "text/html")
            .header("origin", self.address.clone())
            .form(&[
                ("email", email),
                ("password", "correct-horse-1"),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        session_cookie(&res)
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/register",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Registers a fresh user and returns their token pair.
    pub async fn signed_up(&self, email: &str) -> TokenPair {
        let res = self.register(email, "correct-horse-1").await;
        assert_eq!(res.status(), 201, "register {email}");
        res.json().await.unwrap()
    }

    pub async fn user(&self, email: &str) -> user::Model {
        app::server::services::users::find_by_email(&self.db, email)
            .await
            .unwrap()
            .expect("user exists")
    }

    pub async fn set_plan(&self, email: &str, plan: PlanTier) {
        let mut active = self.user(email).await.into_active_model();
        active.plan = Set(plan);
        active.update(&self.db).await.unwrap();
    }

    pub async fn set_role(&self, email: &str, role: Role) {
        let mut active = self.user(email).await.into_active_model();
        active.role = Set(role);
        active.update(&self.db).await.unwrap();
    }

    /// Rows of a table, for assertions on what was stored.
    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    pub async fn all_users(&self) -> Vec<user::Model> {
        user::Entity::find().all(&self.db).await.unwrap()
    }
}

/// The session cookies an answer set, as a browser would send them back.
fn session_cookie(res: &Response) -> String {
    let cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ");
    assert!(cookie.contains("pp_access="), "no session: {cookie}");
    cookie
}

/// An Enterprise marketer (no plan limits in the way) and their access token.
pub struct Marketer {
    pub token: String,
    pub email: String,
}

pub async fn marketer(app: &TestApp) -> Marketer {
    let email = format!("m-{}@example.com", Uuid::new_v4().simple());
    let token = app.signed_up(&email).await.access_token;
    app.set_plan(&email, PlanTier::Enterprise).await;
    Marketer { token, email }
}

/// A publishing engine with its own connection pool and instance id, as another process on
/// the same database would run.
pub async fn engine_on_own_pool(app: &TestApp, instance: usize, batch_size: u64) -> Arc<Engine> {
    let db = db::connect(&app.state.settings).await.unwrap();
    let mut settings = app.state.settings.scheduler.clone();
    settings.instance_id = format!("instance-{instance}");
    settings.batch_size = batch_size;
    Arc::new(Engine::new(
        db,
        settings,
        app.state.platforms.clone(),
        app.state.vault.clone(),
    ))
}

/// Inserts many post rows directly, in chunks that stay under SQLite's limit on bound
/// parameters in one statement.
pub async fn insert_posts(app: &TestApp, rows: Vec<post::ActiveModel>) {
    for chunk in rows.chunks(500) {
        post::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
}

/// The `detail` of an error answer, checking the contract's shape on the way.
pub async fn detail(res: Response) -> String {
    let body: Value = res.json().await.expect("error bodies are JSON");
    body["detail"]
        .as_str()
        .expect("error bodies have a detail string")
        .to_string()
}

/// A server function's answer (or its `AppError`), decoded from postcard: the format the
/// browser app and its server functions speak.
pub async fn wire<T: serde::de::DeserializeOwned>(res: Response) -> T {
    let bytes = res.bytes().await.unwrap();
    postcard::from_bytes(&bytes)
        .unwrap_or_else(|err| panic!("not a postcard answer ({err}): {bytes:?}"))
}

/// An account with real tokens: its posts go to the fake platform.
pub async fn real_account(
    app: &TestApp,
    who: &Marketer,
    platform: &str,
    access: &str,
    refresh: Option<&str>,
) -> Uuid {
    let res = app
        .post_bearer(
            "/api/v1/accounts",
            &who.token,
            &json!({"platform": platform, "account_name": format!("{platform} shop"), "account_id_external": format!("{platform}-{}", Uuid::new_v4().simple())}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id: Uuid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let owner = app.user(&who.email).await;
    let grant = app::server::auth::vault::TokenGrant {
        access_token: access.into(),
        refresh_token: refresh.map(str::to_string),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::days(30)),
    };
    app::server::services::accounts::attach_tokens(&app.db, &app.state.vault, &owner, id, &grant)
        .await
        .unwrap();
    id
}

/// A signed-in browser: its cookies, its user's email and a bearer token for set-up calls.
pub struct Browser {
    pub cookie: String,
    pub email: String,
    pub token: String,
}

pub async fn browser(app: &TestApp, plan: PlanTier, timezone: &str) -> Browser {
    let email = format!("b-{}@example.com", Uuid::new_v4().simple());
    let res = app
        .client
        .post(app.url("/fn/auth/register"))
        .header(ACCEPT, "text/html")
        .header("origin", app.address.clone())
        .form(&[
            ("email", email.as_str()),
            ("password", "correct-horse-1"),
            ("next", ""),
            ("timezone", timezone),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "register");
    let cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    app.set_plan(&email, plan).await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": email, "password": "correct-horse-1"}),
        )
        .await;
    let token = login.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    Browser {
        cookie,
        email,
        token,
    }
}

/// A server function called as the hydrated page calls it (postcard answer, real status).
pub async fn call(app: &TestApp, who: &Browser, path: &str, form: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .header(COOKIE, &who.cookie)
        .header("origin", app.address.clone())
        .form(form)
        .send()
        .await
        .unwrap()
}

pub async fn page(app: &TestApp, who: &Browser, path: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(path))
        .header(ACCEPT, "text/html")
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    // Hydration markers (`<!>`, after text a component computes) are not content: left out,
    // the assertions read the HTML as a person would.
    (status, res.text().await.unwrap().replace("<!>", ""))
}

/// A form on page `from`, posted by a browser without JavaScript: the answer is a redirect
/// (back to `from` with the error, when it fails).
pub async fn submit_from(
    app: &TestApp,
    who: &Browser,
    from: &str,
    path: &str,
    form: &[(&str, &str)],
) -> Response {
    app.client
        .post(app.url(path))
        .header(ACCEPT, "text/html")
        .header(COOKIE, &who.cookie)
        .header("origin", app.address.clone())
        .header("referer", app.url(from))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Where a redirect leads.
pub fn location(res: &Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no redirect: {}", res.status()))
        .to_str()
        .unwrap()
        .to_string()
}

/// The page a redirect leads to, read as the browser would: with the cookies the redirect
/// set for that page's path.
pub async fn follow(app: &TestApp, who: &Browser, res: &Response) -> String {
    let to = location(res);
    let path = to.strip_prefix(&app.address).unwrap_or(&to).to_string();
    let mut cookie = who.cookie.clone();
    for set in res.headers().get_all(SET_COOKIE) {
        let set = set.to_str().unwrap();
        let scope = set
            .split(';')
            .find_map(|attr| attr.trim().strip_prefix("Path="))
            .unwrap_or("/");
        let pair = set.split(';').next().unwrap();
        if path.starts_with(scope) && !set.contains("Max-Age=0") {
            cookie = format!("{cookie}; {pair}");
        }
    }
    let who = Browser {
        cookie,
        email: who.email.clone(),
        token: who.token.clone(),
    };
    let (status, html) = page(app, &who, &path).await;
    assert_eq!(status, 200, "{path}");
    html
}
