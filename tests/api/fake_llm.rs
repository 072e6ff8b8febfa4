//! A local stand-in for the Anthropic Messages API (`POST /v1/messages`) and an
//! OpenAI-compatible chat-completions endpoint (`POST /v1/chat/completions`), speaking their
//! wire formats. It answers from a script (a caption, an HTTP error, each after a delay),
//! records every request (headers and body) and the most requests it had in flight at once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// Tokens the fake reports per answer: (input, output) in each wire format.
pub const ANTHROPIC_TOKENS: (u64, u64) = (120, 40);
pub const OPENAI_TOKENS: (u64, u64) = (100, 30);

#[derive(Clone, Debug)]
pub enum Reply {
    /// A caption as the JSON object the writer asks for, in a code fence with words around it
    /// (as models often answer).
    Caption {
        caption: String,
        hashtags: Vec<String>,
    },
    /// An HTTP error with the provider's error body, and Retry-After seconds if given.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
}

impl Reply {
    pub fn caption(caption: &str, hashtags: &[&str]) -> Self {
        Reply::Caption {
            caption: caption.to_string(),
            hashtags: hashtags.iter().map(|t| t.to_string()).collect(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Step {
    pub delay: Duration,
    pub reply: Reply,
}

impl Step {
    pub fn now(reply: Reply) -> Self {
        Step {
            delay: Duration::ZERO,
            reply,
        }
    }

    pub fn after(millis: u64, reply: Reply) -> Self {
        Step {
            delay: Duration::from_millis(millis),
            reply,
        }
    }
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The messages' contents in order (OpenAI's system message included).
    pub fn contents(&self) -> Vec<String> {
        self.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_string())
            .collect()
    }
}

#[derive(Default)]
struct FakeState {
    script: Mutex<VecDeque<Step>>,
    /// The answer once the script has run out.
    otherwise: Mutex<Option<Step>>,
    requests: Mutex<Vec<Recorded>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeLlm {
    state: Arc<FakeState>,
    pub base: String,
}

impl FakeLlm {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState::default());
        let app = Router::new()
            .route("/v1/messages", post(anthropic))
            .route("/v1/chat/completions", post(openai))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeLlm { state, base }
    }

    /// Answers for the next requests, in order.
    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.state.script.lock().unwrap().extend(steps);
    }

    /// The answer to every request once the script has run out.
    pub fn otherwise(&self, step: Step) {
        *self.state.otherwise.lock().unwrap() = Some(step);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Counts a request in flight until it is answered or its caller hangs up.
struct InFlight(Arc<FakeState>);

impl InFlight {
    fn enter(state: &Arc<FakeState>) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn next_step(state: &Arc<FakeState>, path: &str, headers: HeaderMap, body: Value) -> Step {
    state.requests.lock().unwrap().push(Recorded {
        path: path.to_string(),
        headers,
        body,
    });
    let step = state.script.lock().unwrap().pop_front();
    let step = step
        .or_else(|| state.otherwise.lock().unwrap().clone())
        .unwrap_or_else(|| Step::now(Reply::caption("A caption from the fake.", &["fake"])));
    tokio::time::sleep(step.delay).await;
    step
}

fn answer_text(caption: &str, hashtags: &[String]) -> String {
    let object = json!({"caption": caption, "hashtags": hashtags});
    format!("Here is your caption:\n```json\n{object}\n```")
}

fn error(status: u16, retry_after: Option<u64>, body: Value) -> Response {
    let mut response = (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", seconds.to_string().parse().unwrap());
    }
    response
}

async fn anthropic(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let _counted = InFlight::enter(&state);
    let step = next_step(&state, "/v1/messages", headers, body).await;
    match step.reply {
        Reply::Caption { caption, hashtags } => Json(json!({
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": "fake",
            "content": [{"type": "text", "text": answer_text(&caption, &hashtags)}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": ANTHROPIC_TOKENS.0, "output_tokens": ANTHROPIC_TOKENS.1},
        }))
        .into_response(),
        Reply::Status {
            status,
            retry_after,
        } => error(
            status,
            retry_after,
            json!({"type": "error", "error": {"type": "api_error", "message": format!("fake error {status}")}}),
        ),
    }
}

async fn openai(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let _counted = InFlight::enter(&state);
    let step = next_step(&state, "/v1/chat/completions", headers, body).await;
    match step.reply {
        Reply::Caption { caption, hashtags } => Json(json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": answer_text(&caption, &hashtags)}}],
            "usage": {"prompt_tokens": OPENAI_TOKENS.0, "completion_tokens": OPENAI_TOKENS.1,
                      "total_tokens": OPENAI_TOKENS.0 + OPENAI_TOKENS.1},
        }))
        .into_response(),
        Reply::Status {
            status,
            retry_after,
        } => error(
            status,
            retry_after,
            json!({"error": {"message": format!("fake error {status}"), "type": "server_error"}}),
        ),
    }
}
