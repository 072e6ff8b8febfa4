//! AI captions through the real HTTP API against a local fake of the Anthropic Messages API
//! and of an OpenAI-compatible endpoint: a good answer, a caption too long corrected (or cut),
//! retries on 429 and timeouts, the built-in writer taking over with the reason shown, the
//! quota counting only captions delivered, and the per-user bound on captions in flight.

use std::time::{Duration, Instant};

use app::model::{EventLevel, PlanTier, Platform};
use app::server::captions::{CaptionGenerator, CaptionRequest, Product, TemplateWriter, Tone};
use app::server::entities::event_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fake_llm::{FakeLlm, Reply, Step, ANTHROPIC_TOKENS, OPENAI_TOKENS};
use crate::helpers::{browser, location, marketer, page, spawn_app_with, submit_from, TestApp};

const KEY: &str = "sk-test-not-a-real-key-123";
const INPUT_PRICE: f64 = 3.0;
const OUTPUT_PRICE: f64 = 15.0;

fn product() -> Value {
    json!({"title": "Linen Summer Dress", "description": "Breathable linen.", "price": "59.00", "currency": "USD",
           "images": ["https://cdn.example.com/dress.jpg"], "url": "https://shop.example/dress", "tags": ["summer"]})
}

/// The app with the fake as its caption provider: 1 s deadline, 2 attempts, short backoff.
async fn app_with(
    fake: &FakeLlm,
    provider: &str,
    adjust: impl FnOnce(&mut app::server::config::CaptionSettings),
) -> TestApp {
    spawn_app_with(|settings| {
        let captions = &mut settings.captions;
        captions.provider = provider.to_string();
        captions.base_url = match provider {
            "anthropic" => fake.base.clone(),
            _ => format!("{}/v1", fake.base),
        };
        captions.model = "fake-model-1".into();
        captions.api_key = KEY.into();
        captions.timeout_seconds = 1;
        captions.max_attempts = 2;
        captions.backoff_ms = 20;
        captions.per_user_concurrency = 2;
        captions.input_price_per_million = INPUT_PRICE;
        captions.output_price_per_million = OUTPUT_PRICE;
        adjust(captions);
    })
    .await
}

async fn item(app: &TestApp, token: &str, platforms: Value) -> String {
    let res = app
        .post_bearer(
            "/api/v1/queue",
            token,
            &json!({"product_data": product(), "platforms": platforms}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn generate(app: &TestApp, token: &str, id: &str, tone: &str) -> (u16, Value) {
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{id}/generate"),
            token,
            &json!({"tone": tone}),
        )
        .await;
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn captions_used(app: &TestApp, token: &str) -> i64 {
    let usage: Value = app
        .get_bearer("/api/v1/usage", token)
        .await
        .json()
        .await
        .unwrap();
    usage["ai_captions"]["used"].as_i64().unwrap()
}

/// The user's caption-writing entries in the event log, oldest first.
async fn writing_events(app: &TestApp, email: &str) -> Vec<event_log::Model> {
    let user = app.user(email).await;
    event_log::Entity::find()
        .filter(event_log::Column::UserId.eq(user.id))
        .filter(event_log::Column::Message.contains("AI caption"))
        .order_by_asc(event_log::Column::At)
        .all(&app.db)
        .await
        .unwrap()
}

async fn builtin_caption(platform: Platform, tone: Tone) -> String {
    let product: Product = serde_json::from_value(product()).unwrap();
    let request = CaptionRequest {
        user_id: Uuid::nil(),
        product: &product,
        platform,
        tone,
    };
    TemplateWriter.generate(request).await.unwrap().caption.text
}

fn cost(tokens: (u64, u64), requests: u64) -> f64 {
    (tokens.0 * requests) as f64 * INPUT_PRICE / 1e6
        + (tokens.1 * requests) as f64 * OUTPUT_PRICE / 1e6
}

#[tokio::test]
async fn an_anthropic_answer_becomes_the_caption_and_its_tokens_and_cost_are_logged() {
    let fake = FakeLlm::start().await;
    fake.script([Step::now(Reply::caption(
        "Sunshine, but make it linen ☀️ Tap the link in bio to shop.",
        &["#LinenLove", "summer style", "summer"],
    ))]);
    let app = app_with(&fake, "anthropic", |_| {}).await;
    let m = marketer(&app).await;
    let id = item(&app, &m.token, json!(["instagram", "facebook"])).await;

    let (status, generated) = generate(&app, &m.token, &id, "playful").await;
    assert_eq!(status, 200, "{generated}");
    assert_eq!(
        generated["ai_generated_content"],
        "Sunshine, but make it linen ☀️ Tap the link in bio to shop."
    );
    // Stored as every hashtag is: one word, no '#'.
    assert_eq!(
        generated["ai_hashtags"],
        json!(["LinenLove", "summerstyle", "summer"])
    );
    assert_eq!(generated["fallback_reason"], Value::Null);
    assert_eq!(generated["status"], "pending");
    assert_eq!(captions_used(&app, &m.token).await, 1);

    // The Messages API as documented: key and version headers, system + one user message
    // carrying the strictest platform's rules, the tone and the product.
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.header("x-api-key"), KEY);
    assert_eq!(sent.header("anthropic-version"), "2023-06-01");
    assert_eq!(sent.body["model"], "fake-model-1");
    assert!(sent.body["max_tokens"].as_u64().unwrap() > 0);
    assert!(sent.body["system"].as_str().unwrap().contains("JSON"));
    assert_eq!(sent.body["messages"][0]["role"], "user");
    let prompt = &sent.contents()[0];
    for expected in [
        "Instagram caption",
        "Tone: playful",
        "at most 2200 characters",
        "Instagram allows at most 30",
        "emoji",
        "Tap the link in bio to shop.",
        "Linen Summer Dress",
        "Breathable linen.",
        "$59.00",
    ] {
        assert!(prompt.contains(expected), "{expected:?} not in {prompt}");
    }

    let events = writing_events(&app, &m.email).await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.level, EventLevel::Info);
    assert_eq!(event.data["input_tokens"], ANTHROPIC_TOKENS.0);
    assert_eq!(event.data["output_tokens"], ANTHROPIC_TOKENS.1);
    assert_eq!(event.data["requests"], 1);
    assert_eq!(event.data["model"], "fake-model-1");
    let logged = event.data["cost_usd"].as_f64().unwrap();
    assert!(
        (logged - cost(ANTHROPIC_TOKENS, 1)).abs() < 1e-12,
        "{logged}"
    );
    assert!(
        event.message.contains("120 input + 40 output tokens"),
        "{}",
        event.message
    );
    // Neither the key nor the prompt reach the log.
    let logged = format!("{} {}", event.message, event.data);
    assert!(
        !logged.contains(KEY) && !logged.contains("Breathable"),
        "{logged}"
    );
}

#[tokio::test]
async fn a_caption_too_long_is_sent_back_once_with_the_violation_named() {
    let fake = FakeLlm::start().await;
    let too_long = "linen ".repeat(400).trim_end().to_string(); // 2399 characters
    fake.script([
        Step::now(Reply::caption(&too_long, &["linen"])),
        Step::now(Reply::caption(
            "Linen for long days. Tap the link in bio to shop.",
            &["linen"],
        )),
    ]);
    let app = app_with(&fake, "anthropic", |_| {}).await;
    let m = marketer(&app).await;
    let id = item(&app, &m.token, json!(["instagram"])).await;

    let (status, generated) = generate(&app, &m.token, &id, "casual").await;
    assert_eq!(status, 200, "{generated}");
    assert_eq!(
        generated["ai_generated_content"],
        "Linen for long days. Tap the link in bio to shop."
    );
    assert_eq!(generated["fallback_reason"], Value::Null);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let contents = requests[1].contents();
    let roles: Vec<&str> = requests[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(contents[0], requests[0].contents()[0], "the same request");
    assert!(contents[1].contains(&too_long), "its own answer is shown");
    assert!(
        contents[2]
            .contains("Instagram captions are limited to 2200 characters (this one has 2399)"),
        "{}",
        contents[2]
    );

    let event = &writing_events(&app, &m.email).await[0];
    assert_eq!(event.data["requests"], 2);
    assert_eq!(event.data["corrected"], true);
    assert_eq!(event.data["trimmed"], false);
    assert_eq!(event.data["input_tokens"], ANTHROPIC_TOKENS.0 * 2);
    let logged = event.data["cost_usd"].as_f64().unwrap();
    assert!(
        (logged - cost(ANTHROPIC_TOKENS, 2)).abs() < 1e-12,
        "{logged}"
    );
    assert_eq!(captions_used(&app, &m.token).await, 1);
}

#[tokio::test]
async fn a_caption_still_too_long_after_the_correction_is_cut_at_a_word() {
    let fake = FakeLlm::start().await;
    let too_long = "linen ".repeat(400).trim_end().to_string();
    fake.otherwise(Step::now(Reply::caption(&too_long, &["linen"])));
    let app = app_with(&fake, "anthropic", |_| {}).await;
    let m = marketer(&app).await;
    let id = item(&app, &m.token, json!(["tiktok"])).await;

    let (status, generated) = generate(&app, &m.token, &id, "casual").await;
    assert_eq!(status, 200, "{generated}");
    let caption = generated["ai_generated_content"].as_str().unwrap();
    assert!(
        caption.chars().count() <= 2200,
        "{}",
        caption.chars().count()
    );
    assert!(caption.ends_with("linen…"), "cut after a whole word");
    assert_eq!(generated["fallback_reason"], Value::Null);
    assert_eq!(fake.requests().len(), 2, "one correction, not more");
    let event = &writing_events(&app, &m.email).await[0];
    assert_eq!(event.data["trimmed"], true);
}

#[tokio::test]
async fn a_provider_that_times_out_leaves_the_caption_to_the_built_in_writer_and_says_why() {
    let fake = FakeLlm::start().await;
    // Far longer than the test waits: only the 1 s deadline can end the request.
    fake.otherwise(Step::after(
        60_000,
        Reply::caption("Too late to be used.", &["late"]),
    ));
    let app = app_with(&fake, "anthropic", |_| {}).await;
    let m = marketer(&app).await;
    let id = item(&app, &m.token, json!(["instagram"])).await;

    let started = Instant::now();
    let (status, generated) = generate(&app, &m.token, &id, "playful").await;
    assert_eq!(status, 200, "{generated}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "two 1 s tries, not the provider's 60 s"
    );
    assert_eq!(
        generated["ai_generated_content"],
        builtin_caption(Platform::Instagram, Tone::Playful).await
    );
    assert_eq!(
        generated["fallback_reason"],
        "The AI writer did not answer within 1 s; the built-in writer wrote this caption."
    );
    assert_eq!(
        fake.requests().len(),
        2,
        "tried again once (max_attempts = 2)"
    );
    // A caption was delivered: it counts.
    assert_eq!(captions_used(&app, &m.token).await, 1);
    let event = &writing_events(&app, &m.email).await[0];
    assert_eq!(event.level, EventLevel::Warn);
    assert_eq!(event.data["fallback"], "timeout");
    assert_eq!(event.data["requests"], 2);

    // The generate-caption endpoint says so too.
    let res = app
        .post_bearer(
            "/api/v1/queue/generate-caption",
            &m.token,
            &json!({"product_data": product(), "platform": "facebook", "tone": "urgent"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let caption: Value = res.json().await.unwrap();
    assert_eq!(
        caption["caption"],
        builtin_caption(Platform::Facebook, Tone::Urgent).await
    );
    assert!(caption["fallback_reason"]
        .as_str()
        .unwrap()
        .starts_with("The AI writer did not answer within 1 s"));
    assert_eq!(captions_used(&app, &m.token).await, 2);
}

/// The page's notice, as HTML.
fn notice(html: &str) -> &str {
    let start = html.find("data-testid=\"notice\"").expect("a notice");
    let inner = &html[start..];
    let inner = &inner[inner.find('>').unwrap() + 1..];
    &inner[..inner.find("</div>").unwrap()]
}

#[tokio::test]
async fn the_queue_page_names_why_the_built_in_writer_wrote_the_caption() {
    let fake = FakeLlm::start().await;
    fake.otherwise(Step::now(Reply::Status {
        status: 401,
        retry_after: None,
    }));
    let app = app_with(&fake, "openai", |_| {}).await;
    let who = browser(&app, PlanTier::Pro, "UTC").await;
    let id = item(&app, &who.token, json!(["instagram"])).await;

    let res = submit_from(
        &app,
        &who,
        "/queue",
        "/fn/queue/generate",
        &[("id", &id), ("tone", "casual")],
    )
    .await;
    let to = location(&res);
    assert!(to.contains("notice=generated&why=refused"), "{to}");
    let path = to.strip_prefix(&app.address).unwrap_or(&to).to_string();
    let (status, html) = page(&app, &who, &path).await;
    assert_eq!(status, 200);
    assert_eq!(
        notice(&html),
        "<p>The AI writer refused the request (an administrator should check its settings); \
         the built-in writer wrote this caption.</p>"
    );
    // A refusal (a wrong key) is not tried again.
    assert_eq!(fake.requests().len(), 1);
    // An address naming no known reason says only that the caption was written.
    let (_, html) = page(&app, &who, "/queue?notice=generated&why=call+us").await;
    assert_eq!(notice(&html), "<p>Caption written.</p>");
}

#[tokio::test]
async fn too_many_requests_are_tried_again_after_the_retry_after_the_provider_asks_for() {
    let fake = FakeLlm::start().await;
    fake.script([
        Step::now(Reply::Status {
            status: 429,
            retry_after: Some(1),
        }),
        Step::now(Reply::caption("Worth the wait.", &["linen"])),
    ]);
    let app = app_with(&fake, "anthropic", |c| c.timeout_seconds = 3).await;
    let m = marketer(&app).await;
    let id = item(&app, &m.token, json!(["facebook"])).await;

    let started = Instant::now();
    let (status, generated) = generate(&app, &m.token, &id, "casual").await;
    assert_eq!(status, 200, "{generated}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(generated["ai_generated_content"], "Worth the wait.");
    assert_eq!(generated["fallback_reason"], Value::Null);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_caption_not_delivered_does_not_count() {
    let fake = FakeLlm::start().await;
    fake.otherwise(Step::after(
        4_000,
        Reply::caption("Written for nothing.", &["linen"]),
    ));
    let app = app_with(&fake, "anthropic", |c| c.timeout_seconds = 10).await;
    let m = marketer(&app).await;
    let id = item(&app, &m.token, json!(["instagram"])).await;

    // The item is rejected while its caption is being written: the caption has nowhere to go.
    let writing = generate(&app, &m.token, &id, "casual");
    let rejecting = async {
        // Once the writer is at work (its request reached the fake), whatever the load.
        while fake.requests().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        app.post_bearer(&format!("/api/v1/queue/{id}/reject"), &m.token, &json!({}))
            .await
            .status()
    };
    let ((status, body), rejected) = tokio::join!(writing, rejecting);
    assert_eq!(rejected, 200);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("meanwhile"),
        "{body}"
    );
    assert_eq!(captions_used(&app, &m.token).await, 0);
    assert_eq!(app.count("caption_generations").await, 0);
    let item: Value = app
        .get_bearer(&format!("/api/v1/queue/{id}"), &m.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(item["status"], "rejected");
    assert_eq!(item["ai_generated_content"], Value::Null);
}

#[tokio::test]
async fn one_user_has_at_most_the_configured_captions_in_flight() {
    let fake = FakeLlm::start().await;
    fake.otherwise(Step::after(
        300,
        Reply::caption("One at a time.", &["linen"]),
    ));
    let app = app_with(&fake, "anthropic", |c| {
        c.per_user_concurrency = 1;
        c.timeout_seconds = 5;
    })
    .await;
    let m = marketer(&app).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(item(&app, &m.token, json!(["instagram"])).await);
    }

    let results =
        futures::future::join_all(ids.iter().map(|id| generate(&app, &m.token, id, "casual")))
            .await;
    for (status, generated) in &results {
        assert_eq!(*status, 200, "{generated}");
        assert_eq!(generated["ai_generated_content"], "One at a time.");
        assert_eq!(generated["fallback_reason"], Value::Null);
    }
    assert_eq!(fake.requests().len(), 4);
    assert_eq!(fake.max_in_flight(), 1);
    assert_eq!(captions_used(&app, &m.token).await, 4);
}

#[tokio::test]
async fn an_openai_compatible_answer_becomes_the_caption() {
    let fake = FakeLlm::start().await;
    fake.script([Step::now(Reply::caption(
        "Linen that breathes with you. Shop now: https://shop.example/dress",
        &["linen", "#summer"],
    ))]);
    let app = app_with(&fake, "openai", |_| {}).await;
    let m = marketer(&app).await;

    let res = app
        .post_bearer(
            "/api/v1/queue/generate-caption",
            &m.token,
            &json!({"product_data": product(), "platform": "facebook", "tone": "professional"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let caption: Value = res.json().await.unwrap();
    let text = "Linen that breathes with you. Shop now: https://shop.example/dress";
    assert_eq!(
        caption,
        json!({"caption": text, "hashtags": ["linen", "summer"], "platform": "facebook",
               "tone": "professional", "char_count": text.chars().count(), "fallback_reason": null})
    );

    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.header("authorization"), format!("Bearer {KEY}"));
    assert_eq!(sent.header("x-api-key"), "");
    assert_eq!(sent.body["model"], "fake-model-1");
    let roles: Vec<&str> = sent.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user"]);
    let prompt = &sent.contents()[1];
    assert!(
        prompt.contains("Facebook caption. Tone: professional"),
        "{prompt}"
    );
    assert!(prompt.contains("no emoji"), "{prompt}");
    assert!(
        prompt.contains("Shop now: https://shop.example/dress"),
        "{prompt}"
    );

    let event = &writing_events(&app, &m.email).await[0];
    assert_eq!(event.data["provider"], "openai");
    assert_eq!(event.data["input_tokens"], OPENAI_TOKENS.0);
    assert_eq!(event.data["output_tokens"], OPENAI_TOKENS.1);
    assert_eq!(captions_used(&app, &m.token).await, 1);
}
