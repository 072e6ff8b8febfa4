//! `postpilot seed-demo`: a demo marketer with connected sandbox accounts, a month of posts
//! (published ones with metrics, upcoming ones scheduled, a failure to learn from) and queue
//! items, so every page has something real to show. Running it again changes nothing.

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::entities::{
    content_queue, post, post_metrics, social_account, subscription, StringList,
};
use super::services::accounts::slug;
use super::services::users::{self, NewUser};
use crate::error::AppError;
use crate::model::{PlanTier, Platform, PostStatus, QueueStatus, Role, SubscriptionStatus};

pub const DEMO_EMAIL: &str = "demo@postpilot.app";
pub const DEMO_PASSWORD: &str = "postpilot-demo";
pub const DEMO_TIMEZONE: &str = "America/New_York";

pub enum Seeded {
    Created { posts: usize, queue_items: usize },
    AlreadyThere,
}

struct Product {
    title: &'static str,
    description: &'static str,
    price: &'static str,
    tags: &'static [&'static str],
}

const PRODUCTS: [Product; 6] = [
    Product {
        title: "Linen Summer Dress",
        description: "Breathable, relaxed-fit linen in three colours.",
        price: "59.00",
        tags: &["fashion", "summer", "linen"],
    },
    Product {
        title: "Ceramic Pour-Over Set",
        description: "Hand-glazed dripper and carafe for a slower morning.",
        price: "42.00",
        tags: &["coffee", "kitchen", "handmade"],
    },
    Product {
        title: "Trail Running Shoes",
        description: "Grippy, light and ready for mud.",
        price: "119.00",
        tags: &["running", "outdoors", "fitness"],
    },
    Product {
        title: "Soy Wax Candle Trio",
        description: "Fig, cedar and sea salt. 40 hours each.",
        price: "34.00",
        tags: &["home", "candles", "gift"],
    },
    Product {
        title: "Recycled Yoga Mat",
        description: "Non-slip mat made from recycled rubber.",
        price: "68.00",
        tags: &["yoga", "wellness", "sustainable"],
    },
    Product {
        title: "Minimal Leather Wallet",
        description: "Slim, six cards, full-grain leather.",
        price: "45.00",
        tags: &["accessories", "leather", "minimal"],
    },
];

const MEDIA: &str = "https://images.postpilot.app/demo";

pub async fn seed(db: &DatabaseConnection) -> Result<Seeded, AppError> {
    if users::find_by_email(db, DEMO_EMAIL).await?.is_some() {
        return Ok(Seeded::AlreadyThere);
    }
    let txn = db.begin().await?;
    let user = users::create(
        &txn,
        NewUser {
            email: DEMO_EMAIL.into(),
            password: DEMO_PASSWORD.into(),
            plan: PlanTier::Pro,
            role: Role::Member,
            external_platform_id: None,
            external_store_id: None,
        },
    )
    .await?;
    // A marketer in New York: every page shows times in a zone with daylight saving.
    let user = users::set_timezone(&txn, user, DEMO_TIMEZONE).await?;
    let now = Utc::now();
    subscription::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        stripe_subscription_id: Set(None),
        status: Set(SubscriptionStatus::Active),
        plan: Set(PlanTier::Pro),
        current_period_start: Set(Some(now - Duration::days(10))),
        current_period_end: Set(Some(now + Duration::days(20))),
        cancel_at_period_end: Set(false),
        grace_until: Set(None),
        stripe_synced_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;

    let mut accounts = Vec::new();
    for (platform, name, external) in [
        (Platform::Instagram, "@demo.store", "ig-demo-store"),
        (Platform::Facebook, "Demo Store", "fb-demo-store"),
        (Platform::Tiktok, "@demostore", "tt-demo-store"),
    ] {
        let account = social_account::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user.id),
            platform: Set(platform),
            account_name: Set(name.into()),
            account_id_external: Set(external.into()),
            // Sandbox accounts have no platform tokens: they publish through the sandbox.
            access_token_enc: Set(None),
            refresh_token_enc: Set(None),
            token_expires_at: Set(None),
            needs_reconnect: Set(false),
            reconnect_reason: Set(None),
            platform_login: Set(false),
            is_connected: Set(true),
            connected_at: Set(Some(now - Duration::days(40))),
            created_at: Set(now - Duration::days(40)),
            updated_at: Set(now - Duration::days(40)),
        }
        .insert(&txn)
        .await?;
        accounts.push(account);
    }

    // Posts from 21 days ago to 9 days ahead, one or two a day, on the hour.
    // At the hours a marketer posts, in the demo's zone: 9:00, and 14:00 every other day.
    let zone: chrono_tz::Tz = DEMO_TIMEZONE.parse().unwrap_or(chrono_tz::Tz::UTC);
    let today = now.with_timezone(&zone).date_naive();
    let mut posts = 0;
    for day in -21i64..=9 {
        for slot in 0..(1 + (day.rem_euclid(2))) {
            let n = (day + 21) as usize * 2 + slot as usize;
            let account = &accounts[n % accounts.len()];
            let product = &PRODUCTS[n % PRODUCTS.len()];
            let local = (today + Duration::days(day))
                .and_hms_opt(9 + 5 * slot as u32, 0, 0)
                .unwrap_or_default();
            let at = zone
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now);
            let (status, posted_at, error) = if at <= now {
                if n % 11 == 5 {
                    (
                        PostStatus::Failed,
                        None,
                        Some(
                            "The media URL could not be downloaded by the platform (HTTP 404)"
                                .to_string(),
                        ),
                    )
                } else {
                    (PostStatus::Posted, Some(at + Duration::seconds(1)), None)
                }
            } else if n % 7 == 3 {
                (PostStatus::Draft, None, None)
            } else {
                (PostStatus::Scheduled, None, None)
            };
            let content = format!(
                "{} — {} Now ${}. Tap the link in bio to shop.",
                product.title, product.description, product.price
            );
            let scheduled_for = (status != PostStatus::Draft).then_some(at);
            let mut row = post::new_row(
                user.id,
                account.id,
                account.platform,
                content,
                status,
                scheduled_for,
            );
            row.media_urls = Set(StringList(vec![format!(
                "{MEDIA}/{}.jpg",
                slug(product.title)
            )]));
            row.hashtags = Set(StringList(
                product.tags.iter().map(|t| t.to_string()).collect(),
            ));
            row.posted_at = Set(posted_at);
            row.error_message = Set(error);
            row.external_post_id =
                Set(posted_at.map(|_| format!("sandbox-{}", Uuid::new_v4().simple())));
            row.attempts = Set(match status {
                PostStatus::Posted => 1,
                PostStatus::Failed => 3,
                _ => 0,
            });
            row.created_at = Set(at - Duration::days(3));
            row.updated_at = Set(posted_at.unwrap_or(at - Duration::days(3)));
            let row = row.insert(&txn).await?;
            if let Some(posted) = posted_at {
                let age_hours = (now - posted).num_hours().max(1);
                let base = 400 + (n as i64 * 137) % 900;
                let impressions = base + age_hours * (20 + (n as i64 % 5) * 6);
                post_metrics::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    post_id: Set(row.id),
                    impressions: Set(impressions),
                    reach: Set(impressions * 7 / 10),
                    likes: Set(impressions * (3 + n as i64 % 4) / 100),
                    comments: Set(impressions / 180),
                    shares: Set(impressions / 300),
                    clicks: Set(impressions * 2 / 100),
                    fetched_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
            posts += 1;
        }
    }

    let mut queue_items = 0;
    for (i, product) in PRODUCTS.iter().enumerate() {
        let approved = i >= 4;
        content_queue::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user.id),
            product_data: Set(json!({
                "title": product.title,
                "description": product.description,
                "price": product.price,
                "currency": "USD",
                "images": [format!("{MEDIA}/{}.jpg", slug(product.title))],
                "url": format!("https://shop.postpilot.app/products/{}", slug(product.title)),
                "tags": product.tags,
            })),
            ai_generated_content: Set(approved.then(|| {
                format!(
                    "Meet the {}: {} Yours for ${}.",
                    product.title, product.description, product.price
                )
            })),
            ai_hashtags: Set(StringList(if approved {
                product.tags.iter().map(|t| t.to_string()).collect()
            } else {
                vec![]
            })),
            platforms: Set(StringList(vec!["instagram".into(), "facebook".into()])),
            status: Set(if approved {
                QueueStatus::Approved
            } else {
                QueueStatus::Pending
            }),
            created_at: Set(now - Duration::hours(6 * (i as i64 + 1))),
            updated_at: Set(now - Duration::hours(6 * (i as i64 + 1))),
        }
        .insert(&txn)
        .await?;
        queue_items += 1;
    }
    txn.commit().await?;
    Ok(Seeded::Created { posts, queue_items })
}
