//! The API tests' local fakes of Stripe and of Meta's and TikTok's APIs, as one process for
//! the browser suite (`scripts/e2e.sh`): the release binary is pointed at them, so a browser
//! can sign in with "Facebook", pay on "Stripe" and see posts arrive, with no account anywhere.
//!
//! `fakes --webhook <url> --webhook-secret <secret>` prints one JSON line with the fakes'
//! addresses, then serves until killed. `GET {control}/published?caption=…` answers how many
//! posts went live with that text in their caption (a post published twice counts twice).

// The fakes write Stripe's and Meta's large objects with `json!`.
#![recursion_limit = "256"]

#[path = "../tests/api/fake_platform.rs"]
#[allow(dead_code)]
mod fake_platform;
#[path = "../tests/api/fake_stripe.rs"]
#[allow(dead_code)]
mod fake_stripe;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let platform = fake_platform::FakePlatform::start().await;
    let stripe = fake_stripe::FakeStripe::start().await;
    if let (Some(url), Some(secret)) = (arg("--webhook"), arg("--webhook-secret")) {
        stripe.deliver_to(&url, &secret);
    }
    let control = Router::new()
        .route("/published", get(published))
        .with_state(platform.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let control_url = format!("http://{}", listener.local_addr().unwrap());
    println!(
        "{}",
        json!({
            "graph": platform.graph_url(),
            "tiktok": platform.tiktok_url(),
            "meta_oauth": platform.meta_oauth_url(),
            "tiktok_oauth": platform.tiktok_oauth_url(),
            "meta_app_id": fake_platform::META_APP_ID,
            "meta_app_secret": fake_platform::META_APP_SECRET,
            "stripe": format!("{}/", stripe.url),
            "stripe_key": stripe.secret_key(),
            "pro_price": fake_stripe::PRO_PRICE,
            "enterprise_price": fake_stripe::ENTERPRISE_PRICE,
            "control": control_url,
        })
    );
    axum::serve(listener, control).await.unwrap();
}

async fn published(
    State(platform): State<fake_platform::FakePlatform>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let caption = query.get("caption").cloned().unwrap_or_default();
    Json(json!({ "count": platform.publish_count(&caption) }))
}
