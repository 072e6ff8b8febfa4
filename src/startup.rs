//! Building the application: connect and migrate the database, assemble the router (REST API,
//! Leptos pages and server functions, static assets) and serve it until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use app::server::auth::headers;
use app::server::auth::rate_limit::RateLimits;
use app::server::auth::session::browser_session;
use app::server::auth::tokens::{load_or_create_secret, TokenKeys};
use app::server::auth::vault::TokenVault;
use app::server::backup::{self, DatabaseLock};
use app::server::captions::{CaptionGenerator, LlmWriter, TemplateWriter};
use app::server::config::Settings;
use app::server::email::Mailer;
use app::server::media::MediaStore;
use app::server::oauth::OAuthClient;
use app::server::ops_metrics;
use app::server::publishing::{self, Engine, Platforms};
use app::server::services::post_reads::PostReads;
use app::server::services::{billing, retention};
use app::server::site_assets::SiteAssets;
use app::server::stripe::StripeGateway;
use app::server::{db, AppState};
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::serve::{ListenerExt, TapIo};
use axum::Router;
use http::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, VARY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sea_orm::DatabaseConnection;
use tokio::net::{TcpListener, TcpStream};
use tower::Layer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::{
    admin_console, api, billing_portal, downloads, media, oauth, page_compression, site,
    static_pages,
};

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    /// A SQLite database's lock, held while serving so that a restore cannot replace it.
    _database_lock: Option<DatabaseLock>,
}

impl Application {
    /// Connects to the configured database, migrates it and binds the configured address.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let database_lock = match settings.sqlite_file() {
            Some(file) => Some(DatabaseLock::using(&file)?),
            None => None,
        };
        let db = db::connect(&settings).await.with_context(|| {
            format!(
                "cannot open the database ({})",
                redacted(&settings.database_url())
            )
        })?;
        db::migrate(&db)
            .await
            .context("database migration failed")?;
        let mut app = Self::build_with_db(settings, db).await?;
        app._database_lock = database_lock;
        Ok(app)
    }

    /// Builds on an open, migrated database (tests bring their own; port 0 picks a free one).
    pub async fn build_with_db(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        let secret = load_or_create_secret(&settings.auth.jwt_secret, &settings.database.data_dir)
            .context("cannot read or create the JWT secret")?;
        let mailer = Mailer::from_settings(&settings.email).map_err(anyhow::Error::msg)?;
        let listener = TcpListener::bind(settings.server.addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.server.addr))?;
        let addr = listener.local_addr()?;
        let vault = TokenVault::new(&settings.platforms.token_encryption_key, &secret)
            .context("platforms.token_encryption_key")?;
        if settings.platforms.token_encryption_key.is_empty() {
            tracing::warn!(
                "platforms.token_encryption_key is not set: platform tokens are encrypted with a \
                 key derived from the JWT secret, so changing that secret makes them unreadable; \
                 set a key of its own (64 hex characters)"
            );
        }
        // Installed before the first request, so that every request is counted.
        ops_metrics::handle();
        // The system page's uptime counts from here, scheduler or not.
        app::server::publishing::health::process_started();
        let media = MediaStore::from_settings(&settings).context("the media store ([media])")?;
        let state = AppState {
            media: Arc::new(media),
            leptos_options: leptos_options(&settings, addr),
            db,
            tokens: Arc::new(TokenKeys::new(&secret, &settings.auth)),
            vault: Arc::new(vault),
            platforms: Arc::new(Platforms::from_settings(&settings.platforms)),
            oauth: Arc::new(OAuthClient::new(&settings.platforms)),
            mailer: Arc::new(mailer),
            stripe: StripeGateway::from_settings(&settings.billing).map(Arc::new),
            captions: caption_writer(&settings)?,
            post_reads: Arc::new(PostReads::new(settings.database.post_reads_cache_mb << 20)),
            limits: Arc::new(RateLimits::new(&settings.rate_limits)),
            site_assets: Arc::new(SiteAssets::load(std::path::Path::new(
                &settings.server.site_root,
            ))),
            settings: Arc::new(settings),
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
        };
        let router = router(state.clone());
        Ok(Application {
            listener,
            router,
            state,
            _database_lock: None,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and, unless `scheduler.enabled` is off, publishes) until `shutdown` completes,
    /// then finishes the requests in flight and stops the jobs.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let mut jobs = None;
        if self.state.settings.scheduler.enabled {
            let engine = Arc::new(Engine::from_state(&self.state));
            let scheduler = publishing::jobs::start(engine, &self.state.settings.scheduler)
                .await
                .context("cannot start the publishing engine")?;
            scheduler
                .add(
                    retention::job(self.state.db.clone(), self.state.settings.retention.clone())
                        .context("retention.prune_cron")?,
                )
                .await
                .context("cannot start the retention job")?;
            scheduler
                .add(
                    app::server::services::media::prune_job(
                        self.state.db.clone(),
                        self.state.media.clone(),
                        self.state.settings.media.clone(),
                    )
                    .context("the media pruning job")?,
                )
                .await
                .context("cannot start the media pruning job")?;
            scheduler
                .add(
                    billing::periods_job(
                        self.state.db.clone(),
                        self.state.settings.billing.clone(),
                    )
                    .context("the billing period job")?,
                )
                .await
                .context("cannot start the billing period job")?;
            if let Some(stripe) = &self.state.stripe {
                scheduler
                    .add(
                        billing::reconcile_job(
                            self.state.db.clone(),
                            self.state.settings.billing.clone(),
                            stripe.clone(),
                        )
                        .context("billing.reconcile_cron")?,
                    )
                    .await
                    .context("cannot start the reconciliation with Stripe")?;
            }
            let settings = &self.state.settings;
            for job in backup::jobs(
                self.state.db.clone(),
                &settings.backup,
                &settings.database.data_dir,
            )
            .context("backup.every_hours")?
            {
                scheduler
                    .add(job)
                    .await
                    .context("cannot start the backup job")?;
            }
            jobs = Some(scheduler);
        }
        let served = axum::serve(
            without_nagle(self.listener),
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown({
            let stopping = self.state.stopping.clone();
            async move {
                shutdown.await;
                stopping.send_replace(true);
            }
        })
        .await;
        if let Some(mut jobs) = jobs {
            if let Err(err) = jobs.shutdown().await {
                tracing::warn!(error = %err, "the publishing jobs did not stop cleanly");
            }
        }
        Ok(served?)
    }
}

/// The listener, its connections sending each write at once (TCP_NODELAY). With Nagle's
/// algorithm on, a short segment written while earlier data is unacknowledged waits for the
/// client's delayed ACK (about 40 ms): the end of many answers of several segments (a
/// thumbnail, a page, a long list).
fn without_nagle(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    fn set_nodelay(stream: &mut TcpStream) {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY");
        }
    }
    listener.tap_io(set_nodelay)
}

/// The configured caption writer: the built-in one, or an AI provider (which falls back to the
/// built-in one when it fails).
fn caption_writer(settings: &Settings) -> anyhow::Result<Arc<dyn CaptionGenerator>> {
    if !settings.captions.uses_ai() {
        return Ok(Arc::new(TemplateWriter));
    }
    tracing::info!(
        provider = %settings.captions.provider,
        model = %settings.captions.model,
        "AI captions are written by the configured provider"
    );
    Ok(Arc::new(
        LlmWriter::new(&settings.captions).map_err(anyhow::Error::msg)?,
    ))
}

fn leptos_options(settings: &Settings, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("postpilot")
        .site_root(settings.server.site_root.as_str())
        .site_pkg_dir(settings.server.site_pkg_dir.as_str())
        .site_addr(addr)
        .env(Env::PROD)
        .build()
}

/// The whole HTTP surface of the binary.
pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    // Downloads the dashboard links to, the admin's live log tail and the platforms' sign-in
    // (`/oauth/{platform}/start|callback`), before the pages: they need the browser session (signed-out visitors are sent to sign in); the import
    // template is static.
    let downloads = Router::new()
        .route(
            "/posts/export.csv",
            axum::routing::get(downloads::export_posts),
        )
        .route(
            "/analytics/export.csv",
            axum::routing::get(downloads::export_analytics),
        )
        .route(
            "/settings/export.json",
            axum::routing::get(downloads::export_account),
        )
        .route(
            "/admin/logs/export.csv",
            axum::routing::get(admin_console::export_csv),
        )
        .route(
            "/admin/logs/export.json",
            axum::routing::get(admin_console::export_json),
        )
        .route(
            "/admin/logs/stream",
            axum::routing::get(admin_console::stream),
        )
        .route("/billing/portal", axum::routing::get(billing_portal::open))
        .route("/media-uploads", axum::routing::post(media::start_upload))
        .route(
            "/media-uploads/{id}",
            axum::routing::get(media::upload_status)
                .put(media::send_piece)
                .delete(media::cancel_upload),
        )
        .route(
            "/media-uploads/{id}/complete",
            axum::routing::post(media::complete_upload),
        )
        .route("/oauth/{platform}/start", axum::routing::get(oauth::start))
        .route(
            "/oauth/{platform}/callback",
            axum::routing::get(oauth::callback),
        )
        .layer(from_fn_with_state(state.clone(), browser_session))
        .route(
            "/posts/import-template.csv",
            axum::routing::get(downloads::import_template),
        );
    let pages = Router::new()
        .leptos_routes(&state, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .layer(from_fn_with_state(state.clone(), browser_session))
        .layer(axum::middleware::from_fn(server_fn_error_status))
        // Server functions read their whole body themselves (axum's DefaultBodyLimit does not
        // reach them): this bounds it. Form encoding can triple a pasted CSV import.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            4 * state.settings.server.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn(
            static_pages::without_hydration_data,
        ))
        .layer(axum::middleware::from_fn(page_compression::compress_pages));

    let site_root = options.site_root.to_string();
    let pkg_dir = format!("{site_root}/{}", options.site_pkg_dir);
    // Build outputs keep their names between releases: browsers must revalidate them.
    // `cargo leptos build --release --precompress` writes a `.br` and a `.gz` beside each file;
    // they are sent as they are (the compression layer leaves encoded answers alone).
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(vary_on_encoding());
    // Unknown paths still pass the session guard: a signed-out visitor of a dashboard page
    // that does not exist is sent to sign in before learning that.
    // No index.html for directories: ServeDir would answer "/fonts" with a redirect to
    // "/fonts/", which `not_found` sends back to "/fonts".
    let public_files = vary_on_encoding().layer(
        ServeDir::new(site_root)
            .append_index_html_on_directories(false)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(
                not_found
                    .layer(from_fn_with_state(state.clone(), browser_session))
                    .with_state(state.clone()),
            ),
    );

    Router::new()
        .nest("/api/v1", api::router())
        .route("/health", axum::routing::get(api::health::health))
        .route("/ready", axum::routing::get(api::health::ready))
        .route("/metrics", axum::routing::get(api::health::metrics))
        .route("/docs", axum::routing::get(api::docs::docs_page))
        .route("/robots.txt", axum::routing::get(site::robots_txt))
        .route("/sitemap.xml", axum::routing::get(site::sitemap_xml))
        .route("/assets/{name}", axum::routing::get(site::hashed_asset))
        .route("/media/{*key}", axum::routing::get(media::serve_file))
        .merge(downloads)
        .merge(pages)
        .nest_service("/pkg", pkg)
        .fallback_service(public_files)
        .layer(DefaultBodyLimit::max(state.settings.server.max_body_bytes))
        .layer(from_fn_with_state(
            state.clone(),
            limit_credential_endpoints,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(count_requests))
        .layer(dynamic_compression())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: query strings may carry tokens (reset links).
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// Every request in `/metrics`, by its route's template (`Router::layer` runs after routing,
/// so the matched route is known; files and unknown paths count as `fallback`).
async fn count_requests(req: Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "fallback".to_string(), |p| p.as_str().to_string());
    let method = req.method().clone();
    let response = next.run(req).await;
    ops_metrics::record_request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// A server function whose arguments cannot be decoded (`ids[0]=x`, a malformed form)
/// fails before its body runs, and server_fn answers those with 500. The body is the
/// `AppError` it became (postcard, like every server-function answer): its own status is put
/// back, so bad input reads as the 4xx it is.
async fn server_fn_error_status(req: Request, next: axum::middleware::Next) -> Response {
    let is_server_fn = req.uri().path().starts_with("/fn/");
    let response = next.run(req).await;
    // server_fn marks its error answers; any other 500 is left as it is.
    let is_error_answer = response
        .headers()
        .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER);
    if !is_server_fn
        || !is_error_answer
        || response.status() != http::StatusCode::INTERNAL_SERVER_ERROR
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (http::StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    // The whole body must be one `AppError`: postcard alone would ignore trailing bytes.
    if let Ok((error, [])) = postcard::take_from_bytes::<app::error::AppError>(&bytes) {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Compression of what is not precompressed (API and server function answers, and pages for
/// clients that take no gzip: `page_compression` gzips pages itself): brotli
/// when the client accepts it, else gzip. Quality 4, not the codecs' defaults: brotli's default
/// (11) spends tens of milliseconds on one page, while 4 still beats gzip's size at gzip's
/// speed. Fonts are compressed already, and answers that already carry a Content-Encoding
/// (the precompressed assets) pass through untouched.
fn dynamic_compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(
            DefaultPredicate::new()
                .and(NotForContentType::const_new("font/"))
                // Videos are compressed already, and a compressed answer cannot serve ranges.
                .and(NotForContentType::const_new("video/")),
        )
}

/// ServeDir picks a precompressed variant by `Accept-Encoding` but does not say so: without
/// `Vary`, a shared cache could hand brotli to a client that never asked for it. (The
/// compression layer adds it to what it compresses itself, and not twice.)
fn vary_on_encoding() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(VARY, HeaderValue::from_static("accept-encoding"))
}

/// Headers every answer carries. Pages set their own Content-Security-Policy (it holds the
/// nonce of their inline scripts); everything else gets the strict default. API and server
/// function answers (tokens, session cookies, private data) are never stored by a cache.
async fn security_headers(req: Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path();
    let private = path.starts_with("/api/") || path.starts_with("/fn/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(headers::DEFAULT_POLICY),
        );
    }
    if private && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The endpoints that check a password or hand out credentials, as the API and the browser
/// forms reach them: each client address gets `rate_limits.auth_per_address_per_minute`
/// requests a minute to all of them together.
const CREDENTIAL_ENDPOINTS: [&str; 10] = [
    "/api/v1/auth/login",
    "/api/v1/auth/register",
    "/api/v1/auth/refresh",
    "/api/v1/auth/forgot-password",
    "/api/v1/auth/reset-password",
    "/api/v1/auth/provision",
    "/fn/auth/login",
    "/fn/auth/register",
    "/fn/auth/forgot-password",
    "/fn/auth/reset-password",
];

async fn limit_credential_endpoints(
    State(state): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().trim_end_matches('/');
    if CREDENTIAL_ENDPOINTS.contains(&path) {
        if let Some(address) = client_address(&req, state.settings.rate_limits.trust_forwarded_for)
        {
            if let Err(refused) = state.limits.client_address(address) {
                return refused.into_response();
            }
        }
    }
    next.run(req).await
}

/// The client's address: the peer, or behind a trusted proxy the last `X-Forwarded-For` entry
/// (the one that proxy appended; earlier entries are whatever the client sent).
fn client_address(req: &Request, trust_forwarded_for: bool) -> Option<std::net::IpAddr> {
    if trust_forwarded_for {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|entry| entry.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Unknown paths render the app's not-found page (status 404).
async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    if let Some(page) = without_trailing_slash(&req) {
        return axum::response::Redirect::permanent(&page).into_response();
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(state.clone()),
        move || shell(options.clone()),
    );
    render(req).await.into_response()
}

/// A page asked for with a trailing slash ("/pricing/") is sent to its one URL ("/pricing"):
/// the router would match both, and the marketing pages must be served as themselves.
fn without_trailing_slash(req: &Request) -> Option<String> {
    let path = req.uri().path();
    let trimmed = path.trim_end_matches('/');
    let page = matches!(*req.method(), http::Method::GET | http::Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/fn/");
    if !page || trimmed.len() == path.len() || trimmed.is_empty() {
        return None;
    }
    // "//evil.example/" trimmed is another site (and browsers read "/\" as "//"): such paths
    // stay 404s.
    if app::nav::safe_next(Some(trimmed)) != trimmed {
        return None;
    }
    Some(match req.uri().query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_string(),
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    // The handlers are installed now, not when the future is first awaited: a SIGTERM that
    // arrives as soon as the server says it listens must stop it gracefully, not kill it.
    #[cfg(unix)]
    let (mut terminate, mut interrupt) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let terminated = async {
                match terminate.as_mut() {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            let interrupted = async {
                match interrupt.as_mut() {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = terminated => {},
                _ = interrupted => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

/// A database URL without its password, for messages.
pub fn redacted(url: &str) -> String {
    // The query starts at the first "?" after the user info (a password may hold a "?").
    let after_credentials = url.rfind('@').map_or(0, |at| at + 1);
    let (base, query) = match url[after_credentials..].find('?') {
        Some(at) => (
            &url[..after_credentials + at],
            Some(&url[after_credentials + at + 1..]),
        ),
        None => (url, None),
    };
    let mut shown = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &base[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &base[..scheme_end + 3], &base[at..]),
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    // libpq-style URLs may carry the password as a parameter too.
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _))
                    if key.eq_ignore_ascii_case("password")
                        || key.eq_ignore_ascii_case("sslpassword") =>
                {
                    format!("{key}=***")
                }
                _ => param.to_string(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::{redacted, without_nagle, TcpListener};
    use axum::serve::Listener;

    #[tokio::test]
    async fn connections_are_accepted_without_nagle() {
        let mut listener = without_nagle(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let address = Listener::local_addr(&listener).unwrap();
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().unwrap());
    }

    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(
            redacted("postgres://pp:s3cret@db:5432/pp"),
            "postgres://pp:***@db:5432/pp"
        );
        assert_eq!(
            redacted("sqlite://data/postpilot.db?mode=rwc"),
            "sqlite://data/postpilot.db?mode=rwc"
        );
        assert_eq!(
            redacted("postgres://pp:s3c?ret@db/pp"),
            "postgres://pp:***@db/pp"
        );
        assert_eq!(
            redacted("postgres://pp@db/pp?sslmode=require&password=s3cret"),
            "postgres://pp@db/pp?sslmode=require&password=***"
        );
    }
}
