//! A local stand-in for the Meta Graph API and TikTok's Content Posting API that speaks their
//! wire formats, counts what was published, and answers with scripted failures on demand.
//! It also plays both platforms' sign-in (OAuth 2.0 with PKCE): an authorization page with
//! "Allow" and "Cancel" links back to the redirect URI, the code exchange (which checks the
//! app's credentials, the redirect URI and the PKCE verifier against the challenge, and takes
//! each code once), Meta's `me/accounts` with Page tokens, TikTok's user info and revocation.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// A scripted answer for the next publishing call (container, feed/photos, publish, init).
#[derive(Clone)]
pub struct Scripted {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<u64>,
}

impl Scripted {
    pub fn server_error() -> Self {
        Scripted {
            status: 500,
            body: json!({"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 2, "is_transient": true}}),
            retry_after: None,
        }
    }
    pub fn meta_rate_limited(retry_after: u64) -> Self {
        Scripted {
            status: 400,
            body: json!({"error": {"message": "Application request limit reached", "type": "OAuthException", "code": 4}}),
            retry_after: Some(retry_after),
        }
    }
    pub fn invalid_media() -> Self {
        Scripted {
            status: 400,
            body: json!({"error": {"message": "The media could not be fetched from this URI", "type": "OAuthException", "code": 100, "error_subcode": 2207026, "error_user_msg": "Unsupported image format"}}),
            retry_after: None,
        }
    }
    pub fn tiktok_rate_limited() -> Self {
        Scripted {
            status: 429,
            body: json!({"data": {}, "error": {"code": "rate_limit_exceeded", "message": "Too many requests", "log_id": "1"}}),
            retry_after: Some(60),
        }
    }
}

#[derive(Default)]
pub struct FakeState {
    next_id: AtomicU64,
    script: Mutex<VecDeque<Scripted>>,
    /// Tokens the fake accepts; any other gets Meta's code 190 / TikTok's 401.
    valid_tokens: Mutex<HashSet<String>>,
    pub refuse_refresh: Mutex<bool>,
    /// Instagram containers: id → (caption, status polls left before FINISHED, published).
    containers: Mutex<HashMap<String, (String, u32, bool)>>,
    /// TikTok publish ids: id → (caption, polls left).
    uploads: Mutex<HashMap<String, (String, u32)>>,
    /// Every post that went live, by caption (a caption twice = a double post).
    pub published: Mutex<Vec<(String, String)>>,
    /// Facebook page feeds: (id, message, unix time).
    feed: Mutex<Vec<(String, String, i64)>>,
    pub calls: Mutex<Vec<String>>,
    /// How many status polls an upload needs before it is done.
    pub processing_polls: Mutex<u32>,
    /// Calls whose description starts or ends with the pattern answer only after this long.
    slow: Mutex<Vec<(String, std::time::Duration)>>,
    /// Authorization codes issued and not used yet.
    codes: Mutex<HashMap<String, IssuedCode>>,
    /// Meta user tokens (short- and long-lived): they may list the user's Pages.
    user_tokens: Mutex<HashSet<String>>,
    /// The Facebook Pages the signed-in user manages.
    pub pages: Mutex<Vec<FakePage>>,
    /// The TikTok user who signs in: (open id, display name).
    pub tiktok_user: Mutex<(String, String)>,
    /// Tokens TikTok was asked to revoke.
    pub revoked: Mutex<Vec<String>>,
    /// The token each Facebook post was published with: (page id, token).
    pub page_posts_tokens: Mutex<Vec<(String, String)>>,
}

/// A Facebook Page the fake's user manages, with the Instagram business account linked to it.
#[derive(Clone)]
pub struct FakePage {
    pub id: String,
    pub name: String,
    pub token: String,
    pub instagram: Option<(String, String)>,
}

/// What an authorization code was issued for.
#[derive(Clone)]
pub struct IssuedCode {
    platform: &'static str,
    client: String,
    redirect_uri: String,
    challenge: String,
}

/// The app credentials the fake expects (the tests' settings use these).
pub const META_APP_ID: &str = "app-id";
pub const META_APP_SECRET: &str = "app-secret";
pub const TIKTOK_CLIENT_KEY: &str = "client-key";
pub const TIKTOK_CLIENT_SECRET: &str = "client-secret";

#[derive(Clone)]
pub struct FakePlatform {
    pub state: Arc<FakeState>,
    pub base: String,
}

impl FakePlatform {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState::default());
        *state.processing_polls.lock().unwrap() = 1;
        *state.pages.lock().unwrap() = vec![
            FakePage {
                id: "page_101".into(),
                name: "Mug Shop".into(),
                token: "page-token-101".into(),
                instagram: Some(("ig_201".into(), "mugshop".into())),
            },
            FakePage {
                id: "page_102".into(),
                name: "Tea Corner".into(),
                token: "page-token-102".into(),
                instagram: None,
            },
            FakePage {
                id: "page_103".into(),
                name: "Cup Outlet".into(),
                token: "page-token-103".into(),
                instagram: None,
            },
        ];
        *state.tiktok_user.lock().unwrap() = ("tt_open_1".into(), "Mug Shop on TikTok".into());
        let app = Router::new()
            .route("/facebook/v21.0/dialog/oauth", get(meta_authorize))
            .route("/tiktok-web/v2/auth/authorize/", get(tt_authorize))
            .route("/graph/oauth/access_token", post(meta_exchange))
            .route("/graph/me/accounts", get(meta_pages))
            .route(
                "/graph/{node}/media",
                post(ig_create_container).get(ig_list_media),
            )
            .route("/graph/{node}/media_publish", post(ig_publish))
            .route("/graph/{node}/feed", post(fb_feed))
            .route("/graph/{node}/photos", post(fb_photos))
            .route("/graph/{node}/published_posts", get(fb_published_posts))
            .route("/graph/{node}/insights", get(insights))
            .route("/graph/{node}", get(graph_node))
            .route("/tiktok/v2/post/publish/video/init/", post(tt_init))
            .route("/tiktok/v2/post/publish/content/init/", post(tt_init))
            .route("/tiktok/v2/post/publish/status/fetch/", post(tt_status))
            .route("/tiktok/v2/oauth/token/", post(tt_token))
            .route("/tiktok/v2/video/query/", post(tt_video_query))
            .route("/tiktok/v2/user/info/", get(tt_user_info))
            .route("/tiktok/v2/oauth/revoke/", post(tt_revoke))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakePlatform { state, base }
    }

    pub fn graph_url(&self) -> String {
        format!("{}/graph", self.base)
    }

    pub fn tiktok_url(&self) -> String {
        format!("{}/tiktok", self.base)
    }

    /// Facebook Login's authorization dialog.
    pub fn meta_oauth_url(&self) -> String {
        format!("{}/facebook/v21.0/dialog/oauth", self.base)
    }

    /// TikTok Login Kit's authorization page.
    pub fn tiktok_oauth_url(&self) -> String {
        format!("{}/tiktok-web/v2/auth/authorize/", self.base)
    }

    /// Points `settings` at the fake: APIs, sign-in pages and the app credentials it expects.
    pub fn configure(&self, settings: &mut app::server::config::Settings) {
        let p = &mut settings.platforms;
        p.meta_graph_url = self.graph_url();
        p.tiktok_api_url = self.tiktok_url();
        p.meta_oauth_url = self.meta_oauth_url();
        p.tiktok_oauth_url = self.tiktok_oauth_url();
        p.meta_app_id = META_APP_ID.into();
        p.meta_app_secret = META_APP_SECRET.into();
        p.tiktok_client_key = TIKTOK_CLIENT_KEY.into();
        p.tiktok_client_secret = TIKTOK_CLIENT_SECRET.into();
    }

    pub fn accept_token(&self, token: &str) {
        self.state
            .valid_tokens
            .lock()
            .unwrap()
            .insert(token.to_string());
    }

    pub fn script(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.state.script.lock().unwrap().extend(answers);
    }

    pub fn publish_count(&self, caption_contains: &str) -> usize {
        self.state
            .published
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, c)| c.contains(caption_contains))
            .count()
    }

    /// Calls whose description (as in `calls()`) starts or ends with `pattern` take `delay`
    /// to answer.
    pub fn slow(&self, pattern: &str, delay: std::time::Duration) {
        self.state
            .slow
            .lock()
            .unwrap()
            .push((pattern.to_string(), delay));
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.calls.lock().unwrap().clone()
    }

    /// As if a crashed instance had already posted this to the page.
    pub fn already_on_page(&self, message: &str) -> String {
        let id = format!("page_{}", self.state.next_id.fetch_add(1, Ordering::SeqCst));
        self.state.feed.lock().unwrap().push((
            id.clone(),
            message.to_string(),
            chrono::Utc::now().timestamp(),
        ));
        self.state
            .published
            .lock()
            .unwrap()
            .push((id.clone(), message.to_string()));
        id
    }

    /// As if a crashed instance had created this Instagram container (ready, unpublished).
    pub fn existing_container(&self, caption: &str) -> String {
        let id = format!(
            "container_{}",
            self.state.next_id.fetch_add(1, Ordering::SeqCst)
        );
        self.state
            .containers
            .lock()
            .unwrap()
            .insert(id.clone(), (caption.to_string(), 0, false));
        id
    }
}

impl FakePlatform {
    /// As if a crashed instance had created and published this Instagram container: its id
    /// and the id of the media it became.
    pub fn published_container(&self, caption: &str) -> (String, String) {
        let container = self.existing_container(caption);
        let media = self.state.id("ig_media");
        self.state
            .containers
            .lock()
            .unwrap()
            .get_mut(&container)
            .unwrap()
            .2 = true;
        self.state
            .published
            .lock()
            .unwrap()
            .push((media.clone(), caption.to_string()));
        (container, media)
    }
}

impl FakeState {
    fn id(&self, prefix: &str) -> String {
        format!(
            "{prefix}_{}",
            self.next_id.fetch_add(1, Ordering::SeqCst) + 1000
        )
    }
    fn scripted(&self) -> Option<Response> {
        let next = self.script.lock().unwrap().pop_front()?;
        let mut response =
            (StatusCode::from_u16(next.status).unwrap(), Json(next.body)).into_response();
        if let Some(seconds) = next.retry_after {
            response
                .headers_mut()
                .insert("retry-after", seconds.to_string().parse().unwrap());
        }
        Some(response)
    }
    /// The platform's refusal of an unknown token, if it is one.
    fn meta_token_refusal(&self, token: Option<&String>) -> Option<Response> {
        match token {
            Some(t) if self.valid_tokens.lock().unwrap().contains(t) => None,
            _ => Some((
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190, "error_subcode": 463}})),
            )
                .into_response()),
        }
    }
    fn tiktok_token_refusal(&self, headers: &HeaderMap) -> Option<Response> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match token {
            Some(t) if self.valid_tokens.lock().unwrap().contains(t) => None,
            _ => Some((
                StatusCode::UNAUTHORIZED,
                Json(json!({"data": {}, "error": {"code": "access_token_invalid", "message": "The access token is invalid or not found in the request.", "log_id": "x"}})),
            )
                .into_response()),
        }
    }
    /// Records a call, then takes as long as the call is scripted to.
    async fn enter(&self, call: String) {
        let delay = self
            .slow
            .lock()
            .unwrap()
            .iter()
            .find(|(pattern, _)| {
                call.ends_with(pattern.as_str()) || call.starts_with(pattern.as_str())
            })
            .map(|(_, delay)| *delay);
        self.calls.lock().unwrap().push(call);
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
    }
}

type Params = HashMap<String, String>;

/// Facebook Login's dialog: `client_id`, `redirect_uri`, `state`, `response_type=code`,
/// `scope`, `code_challenge` and `code_challenge_method=S256`.
async fn meta_authorize(State(s): State<Arc<FakeState>>, Query(q): Query<Params>) -> Response {
    s.enter("GET dialog/oauth".into()).await;
    authorize_page(&s, "facebook", "client_id", &q)
}

/// TikTok Login Kit's page: the same, with `client_key`.
async fn tt_authorize(State(s): State<Arc<FakeState>>, Query(q): Query<Params>) -> Response {
    s.enter("GET tiktok authorize".into()).await;
    authorize_page(&s, "tiktok", "client_key", &q)
}

/// A tiny consent page: "Allow" leads back to the redirect URI with a fresh code and the
/// state, "Cancel" with `error=access_denied` and the platform's description.
fn authorize_page(
    s: &FakeState,
    platform: &'static str,
    client_param: &str,
    q: &Params,
) -> Response {
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (client, redirect_uri, state) =
        (field(client_param), field("redirect_uri"), field("state"));
    let expected = if platform == "facebook" {
        META_APP_ID
    } else {
        TIKTOK_CLIENT_KEY
    };
    if client != expected
        || redirect_uri.is_empty()
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        // Meta: base64url of the SHA-256 (43 characters); TikTok: its hex (64).
        || field("code_challenge").len() != if platform == "facebook" { 43 } else { 64 }
        || field("scope").is_empty()
    {
        return (StatusCode::BAD_REQUEST, "Invalid authorization request").into_response();
    }
    let code = s.id(&format!("{platform}-code"));
    s.codes.lock().unwrap().insert(
        code.clone(),
        IssuedCode {
            platform,
            client,
            redirect_uri: redirect_uri.clone(),
            challenge: field("code_challenge"),
        },
    );
    let back = |pairs: &[(&str, &str)]| {
        let mut url = reqwest::Url::parse(&redirect_uri).unwrap();
        url.query_pairs_mut().extend_pairs(pairs);
        url.to_string().replace('&', "&amp;")
    };
    let allow = back(&[("code", &code), ("state", &state)]);
    let cancel = if platform == "facebook" {
        back(&[
            ("error", "access_denied"),
            ("error_code", "200"),
            ("error_description", "Permissions error"),
            ("error_reason", "user_denied"),
            ("state", &state),
        ])
    } else {
        back(&[
            ("error", "access_denied"),
            (
                "error_description",
                "The user denied the authorization request",
            ),
            ("state", &state),
        ])
    };
    axum::response::Html(format!(
        "<!doctype html><html><head><title>Allow PostPilot?</title></head><body>\
         <h1>PostPilot would like to access your {platform} account</h1>\
         <p><a id=\"allow\" href=\"{allow}\">Allow</a> <a id=\"cancel\" href=\"{cancel}\">Cancel</a></p>\
         </body></html>"
    ))
    .into_response()
}

/// Takes an authorization code once, checking who redeems it: the app's credentials, the
/// redirect URI it was issued for and the PKCE verifier of its challenge.
fn redeem(
    s: &FakeState,
    platform: &str,
    client: Option<&String>,
    redirect_uri: Option<&String>,
    code: Option<&String>,
    verifier: Option<&String>,
) -> Result<(), &'static str> {
    use base64::Engine;
    use sha2::Digest;
    let issued = code
        .and_then(|c| s.codes.lock().unwrap().remove(c))
        .ok_or("The authorization code is invalid, expired or already used")?;
    let challenge = verifier.map(|v| {
        let digest = sha2::Sha256::digest(v.as_bytes());
        if platform == "tiktok" {
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        } else {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        }
    });
    if issued.platform != platform || client != Some(&issued.client) {
        return Err("The code was issued to another app");
    }
    if redirect_uri != Some(&issued.redirect_uri) {
        return Err("redirect_uri does not match the one the code was issued for");
    }
    if challenge.as_ref() != Some(&issued.challenge) {
        return Err("code_verifier does not match the code_challenge");
    }
    Ok(())
}

/// Meta's token endpoint: an authorization code (with `client_id`, `client_secret`,
/// `redirect_uri`, `code_verifier`) becomes a short-lived user token; `fb_exchange_token`
/// makes a long-lived one (and renews Page/Instagram tokens, as before).
async fn meta_exchange(State(s): State<Arc<FakeState>>, Form(q): Form<Params>) -> Response {
    s.enter("POST oauth/access_token".into()).await;
    if q.contains_key("code") {
        s.enter("meta code exchange".into()).await;
        let refusal = |message: &str| {
            (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": message, "type": "OAuthException", "code": 100, "error_subcode": 36009, "fbtrace_id": "f"}}))).into_response()
        };
        if q.get("client_secret").map(String::as_str) != Some(META_APP_SECRET) {
            return refusal("Error validating client secret.");
        }
        if let Err(message) = redeem(
            &s,
            "facebook",
            q.get("client_id"),
            q.get("redirect_uri"),
            q.get("code"),
            q.get("code_verifier"),
        ) {
            return refusal(message);
        }
        let token = s.id("fb-user-short");
        s.user_tokens.lock().unwrap().insert(token.clone());
        return Json(json!({"access_token": token, "token_type": "bearer", "expires_in": 5400}))
            .into_response();
    }
    let exchanged = q.get("fb_exchange_token").cloned().unwrap_or_default();
    if s.user_tokens.lock().unwrap().contains(&exchanged)
        && q.get("grant_type").map(String::as_str) == Some("fb_exchange_token")
    {
        if q.get("client_secret").map(String::as_str) != Some(META_APP_SECRET) {
            return (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "Error validating client secret.", "type": "OAuthException", "code": 1}}))).into_response();
        }
        let token = s.id("fb-user-long");
        s.user_tokens.lock().unwrap().insert(token.clone());
        return Json(
            json!({"access_token": token, "token_type": "bearer", "expires_in": 5_183_944}),
        )
        .into_response();
    }
    if *s.refuse_refresh.lock().unwrap()
        || q.get("grant_type").map(String::as_str) != Some("fb_exchange_token")
    {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "Error validating access token: The user has not authorized application", "type": "OAuthException", "code": 190, "error_subcode": 458}}))).into_response();
    }
    let token = s.id("fresh-meta-token");
    s.valid_tokens.lock().unwrap().insert(token.clone());
    Json(json!({"access_token": token, "token_type": "bearer", "expires_in": 5_184_000}))
        .into_response()
}

async fn ig_create_container(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Params>,
) -> Response {
    s.enter(format!("POST {node}/media")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    if let Some(r) = s.scripted() {
        return r;
    }
    if f.get("image_url").or(f.get("video_url")).is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "media required", "code": 100}})),
        )
            .into_response();
    }
    let id = s.id("container");
    let polls = *s.processing_polls.lock().unwrap();
    s.containers.lock().unwrap().insert(
        id.clone(),
        (f.get("caption").cloned().unwrap_or_default(), polls, false),
    );
    Json(json!({"id": id})).into_response()
}

async fn ig_publish(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Params>,
) -> Response {
    s.enter(format!("POST {node}/media_publish")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    if let Some(r) = s.scripted() {
        return r;
    }
    let creation = f.get("creation_id").cloned().unwrap_or_default();
    let mut containers = s.containers.lock().unwrap();
    let Some(container) = containers.get_mut(&creation) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "Invalid creation_id", "code": 100}})),
        )
            .into_response();
    };
    if container.2 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "Media already published", "code": 9007}})),
        )
            .into_response();
    }
    container.2 = true;
    let media = s.id("ig_media");
    s.published
        .lock()
        .unwrap()
        .push((media.clone(), container.0.clone()));
    Json(json!({"id": media})).into_response()
}

/// The Instagram account's media, newest first.
async fn ig_list_media(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
) -> Response {
    s.enter(format!("GET {node}/media")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    let data: Vec<Value> = s
        .published
        .lock()
        .unwrap()
        .iter()
        .rev()
        .filter(|(id, _)| id.starts_with("ig_media_"))
        .map(|(id, caption)| json!({"id": id, "caption": caption}))
        .collect();
    Json(json!({"data": data})).into_response()
}

/// The token of a call: `Authorization: Bearer` only. A token in a query string or a form
/// field is refused, as a leak the platform would not need.
fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
}

async fn fb_feed(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Params>,
) -> Response {
    s.enter(format!("POST {node}/feed")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    s.page_posts_tokens
        .lock()
        .unwrap()
        .push((node.clone(), bearer(&headers).unwrap_or_default()));
    if let Some(r) = s.scripted() {
        return r;
    }
    let id = format!("{node}_{}", s.id("post"));
    let message = f.get("message").cloned().unwrap_or_default();
    s.feed
        .lock()
        .unwrap()
        .push((id.clone(), message.clone(), chrono::Utc::now().timestamp()));
    s.published.lock().unwrap().push((id.clone(), message));
    Json(json!({"id": id})).into_response()
}

async fn fb_photos(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Params>,
) -> Response {
    s.enter(format!("POST {node}/photos")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    if let Some(r) = s.scripted() {
        return r;
    }
    let photo = s.id("photo");
    let post_id = format!("{node}_{photo}");
    let caption = f.get("caption").cloned().unwrap_or_default();
    s.feed.lock().unwrap().push((
        post_id.clone(),
        caption.clone(),
        chrono::Utc::now().timestamp(),
    ));
    s.published.lock().unwrap().push((post_id.clone(), caption));
    Json(json!({"id": photo, "post_id": post_id})).into_response()
}

async fn fb_published_posts(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    s.enter(format!("GET {node}/published_posts")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    let since: i64 = q.get("since").and_then(|v| v.parse().ok()).unwrap_or(0);
    let data: Vec<Value> = s
        .feed
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, _, at)| *at >= since)
        .map(|(id, message, _)| json!({"id": id, "message": message}))
        .collect();
    Json(json!({"data": data})).into_response()
}

async fn insights(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    s.enter(format!("GET {node}/insights")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    let data: Vec<Value> = q
        .get("metric")
        .map(|m| m.split(',').enumerate().map(|(i, name)| json!({"name": name, "period": "lifetime", "values": [{"value": 100 * (i as i64 + 1)}]})).collect())
        .unwrap_or_default();
    Json(json!({"data": data})).into_response()
}

/// Container status (Instagram) or post fields (Facebook).
async fn graph_node(
    State(s): State<Arc<FakeState>>,
    Path(node): Path<String>,
    headers: HeaderMap,
) -> Response {
    s.enter(format!("GET {node}")).await;
    if let Some(r) = s.meta_token_refusal(bearer(&headers).as_ref()) {
        return r;
    }
    let mut containers = s.containers.lock().unwrap();
    if let Some(container) = containers.get_mut(&node) {
        let status = if container.2 {
            "PUBLISHED"
        } else if container.1 > 0 {
            container.1 -= 1;
            "IN_PROGRESS"
        } else {
            "FINISHED"
        };
        return Json(json!({"id": node, "status_code": status})).into_response();
    }
    Json(json!({"id": node, "shares": {"count": 7}, "comments": {"data": [], "summary": {"total_count": 5}}})).into_response()
}

async fn tt_init(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    s.enter("POST tiktok init".into()).await;
    if let Some(r) = s.tiktok_token_refusal(&headers) {
        return r;
    }
    if let Some(r) = s.scripted() {
        return r;
    }
    if body["source_info"]["source"] != "PULL_FROM_URL" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_params", "message": "source"}})),
        )
            .into_response();
    }
    let caption = body["post_info"]["title"]
        .as_str()
        .or(body["post_info"]["description"].as_str())
        .unwrap_or("")
        .to_string();
    let id = s.id("v_pub_url");
    let polls = *s.processing_polls.lock().unwrap();
    s.uploads
        .lock()
        .unwrap()
        .insert(id.clone(), (caption, polls));
    Json(json!({"data": {"publish_id": id}, "error": {"code": "ok", "message": "", "log_id": "l"}}))
        .into_response()
}

async fn tt_status(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    s.enter("POST tiktok status".into()).await;
    if let Some(r) = s.tiktok_token_refusal(&headers) {
        return r;
    }
    let id = body["publish_id"].as_str().unwrap_or("").to_string();
    let mut uploads = s.uploads.lock().unwrap();
    let Some(upload) = uploads.get_mut(&id) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_publish_id", "message": ""}})),
        )
            .into_response();
    };
    if upload.1 > 0 {
        upload.1 -= 1;
        return Json(json!({"data": {"status": "PROCESSING_DOWNLOAD"}, "error": {"code": "ok"}}))
            .into_response();
    }
    let video = format!("73{}", s.next_id.fetch_add(1, Ordering::SeqCst));
    if !s
        .published
        .lock()
        .unwrap()
        .iter()
        .any(|(pid, _)| pid == &id)
    {
        s.published
            .lock()
            .unwrap()
            .push((id.clone(), upload.0.clone()));
    }
    Json(json!({"data": {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [video]}, "error": {"code": "ok"}})).into_response()
}

async fn tt_token(State(s): State<Arc<FakeState>>, Form(f): Form<Params>) -> Response {
    s.enter("POST tiktok token".into()).await;
    if f.get("grant_type").map(String::as_str) == Some("authorization_code") {
        s.enter("tiktok code exchange".into()).await;
        let secret_ok = f.get("client_secret").map(String::as_str) == Some(TIKTOK_CLIENT_SECRET);
        let redeemed = redeem(
            &s,
            "tiktok",
            f.get("client_key"),
            f.get("redirect_uri"),
            f.get("code"),
            f.get("code_verifier"),
        );
        if let (true, Ok(())) = (secret_ok, &redeemed) {
            let token = s.id("tiktok-user-token");
            s.valid_tokens.lock().unwrap().insert(token.clone());
            let open_id = s.tiktok_user.lock().unwrap().0.clone();
            return Json(json!({"access_token": token, "expires_in": 86400, "open_id": open_id, "refresh_expires_in": 31536000, "refresh_token": s.id("rt"), "scope": "user.info.basic,video.publish", "token_type": "Bearer"})).into_response();
        }
        let description = redeemed.err().unwrap_or("Client secret is incorrect.");
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": "invalid_grant", "error_description": description, "log_id": "l"}),
            ),
        )
            .into_response();
    }
    if *s.refuse_refresh.lock().unwrap()
        || f.get("grant_type").map(String::as_str) != Some("refresh_token")
    {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Refresh token is invalid or expired."}))).into_response();
    }
    if let Some(r) = s.scripted() {
        return r;
    }
    let token = s.id("fresh-tiktok-token");
    s.valid_tokens.lock().unwrap().insert(token.clone());
    Json(json!({"access_token": token, "expires_in": 86400, "refresh_token": s.id("rt"), "refresh_expires_in": 31536000, "open_id": "o", "scope": "video.publish", "token_type": "Bearer"})).into_response()
}

async fn tt_video_query(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    s.enter("POST tiktok video query".into()).await;
    if let Some(r) = s.tiktok_token_refusal(&headers) {
        return r;
    }
    let id = body["filters"]["video_ids"][0]
        .as_str()
        .unwrap_or("")
        .to_string();
    Json(json!({"data": {"videos": [{"id": id, "view_count": 900, "like_count": 80, "comment_count": 6, "share_count": 3}]}, "error": {"code": "ok"}})).into_response()
}

/// `GET me/accounts?fields=id,name,access_token,instagram_business_account{id,username}`
/// with a user token: the user's Pages, each with its Page token.
async fn meta_pages(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    s.enter("GET me/accounts".into()).await;
    let token = bearer(&headers).unwrap_or_default();
    if !s.user_tokens.lock().unwrap().contains(&token) {
        return s.meta_token_refusal(None).unwrap();
    }
    let fields = q.get("fields").cloned().unwrap_or_default();
    let pages = s.pages.lock().unwrap().clone();
    let data: Vec<Value> = pages
        .iter()
        .map(|page| {
            s.valid_tokens.lock().unwrap().insert(page.token.clone());
            let mut entry = json!({"id": page.id, "name": page.name, "category": "Shopping & retail", "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]});
            if fields.contains("access_token") {
                entry["access_token"] = json!(page.token);
            }
            if let (Some((id, username)), true) = (&page.instagram, fields.contains("instagram_business_account")) {
                entry["instagram_business_account"] = json!({"id": id, "username": username});
            }
            entry
        })
        .collect();
    Json(json!({"data": data, "paging": {"cursors": {"before": "QVFIUmJ", "after": "QVFIUmx"}}}))
        .into_response()
}

/// `GET /v2/user/info/?fields=open_id,display_name`.
async fn tt_user_info(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    s.enter("GET tiktok user info".into()).await;
    if let Some(r) = s.tiktok_token_refusal(&headers) {
        return r;
    }
    let (open_id, name) = s.tiktok_user.lock().unwrap().clone();
    let fields = q.get("fields").cloned().unwrap_or_default();
    let mut user = json!({});
    if fields.contains("open_id") {
        user["open_id"] = json!(open_id);
    }
    if fields.contains("display_name") {
        user["display_name"] = json!(name);
    }
    Json(json!({"data": {"user": user}, "error": {"code": "ok", "message": "", "log_id": "l"}}))
        .into_response()
}

/// `POST /v2/oauth/revoke/` (form: client_key, client_secret, token): the token stops working.
async fn tt_revoke(State(s): State<Arc<FakeState>>, Form(f): Form<Params>) -> Response {
    s.enter("POST tiktok revoke".into()).await;
    if f.get("client_key").map(String::as_str) != Some(TIKTOK_CLIENT_KEY)
        || f.get("client_secret").map(String::as_str) != Some(TIKTOK_CLIENT_SECRET)
    {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Client key or secret is incorrect.", "log_id": "l"}))).into_response();
    }
    let token = f.get("token").cloned().unwrap_or_default();
    s.valid_tokens.lock().unwrap().remove(&token);
    s.revoked.lock().unwrap().push(token);
    Json(json!({})).into_response()
}
