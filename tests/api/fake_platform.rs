//! A local stand-in for the Meta Graph API and TikTok's Content Posting API that speaks their
//! wire formats, counts what was published, and answers with scripted failures on demand.

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
}

#[derive(Clone)]
pub struct FakePlatform {
    pub state: Arc<FakeState>,
    pub base: String,
}

impl FakePlatform {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState::default());
        *state.processing_polls.lock().unwrap() = 1;
        let app = Router::new()
            .route("/graph/oauth/access_token", post(meta_exchange))
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

async fn meta_exchange(State(s): State<Arc<FakeState>>, Form(q): Form<Params>) -> Response {
    s.enter("POST oauth/access_token".into()).await;
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
