//! TikTok Content Posting API: direct post from a URL (`/v2/post/publish/video/init/` or
//! `/content/init/` for photos, `PULL_FROM_URL`), then `/v2/post/publish/status/fetch/` until
//! it is complete; metrics from `/v2/video/query/`; tokens from `/v2/oauth/token/`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Client, Response};
use serde_json::{json, Value};

use super::adapter::{
    is_video_url, retry_after, AccountAuth, Metrics, OutgoingPost, PublishError, Publisher,
    Started, TokenGrant,
};
use crate::model::Platform;
use crate::server::config::PlatformSettings;

pub struct TiktokPublisher {
    http: Client,
    base: String,
    client_key: String,
    client_secret: String,
    poll_interval: Duration,
    poll_max_attempts: u32,
    /// The HTTP client's timeout, for messages.
    timeout: Duration,
}

impl TiktokPublisher {
    pub fn new(http: Client, settings: &PlatformSettings) -> Self {
        TiktokPublisher {
            http,
            base: settings.tiktok_api_url.trim_end_matches('/').to_string(),
            client_key: settings.tiktok_client_key.clone(),
            client_secret: settings.tiktok_client_secret.clone(),
            poll_interval: Duration::from_millis(settings.poll_interval_ms),
            poll_max_attempts: settings.poll_max_attempts.max(1),
            timeout: Duration::from_secs(settings.request_timeout_seconds.max(1)),
        }
    }

    async fn call(&self, path: &str, token: &str, body: Value) -> Result<Value, PublishError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| PublishError::from_transport(Platform::Tiktok, &e, self.timeout))?;
        read_tiktok(response).await
    }

    /// A publish call: posts the moment TikTok receives it. When it may have been received
    /// but no answer came back, nothing can tell whether the post is live (no idempotency
    /// key, no lookup without the publish id): `Unconfirmed`, never retried.
    async fn init(&self, path: &str, token: &str, body: Value) -> Result<Value, PublishError> {
        let response = match self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
        {
            Ok(response) => response,
            // Never connected: TikTok did not receive it.
            Err(err) if err.is_connect() => {
                return Err(PublishError::from_transport(
                    Platform::Tiktok,
                    &err,
                    self.timeout,
                ))
            }
            Err(_) => return Err(PublishError::unconfirmed(Platform::Tiktok)),
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let Ok(body) = response.json::<Value>().await else {
            // A success whose body was lost is as unknown as no answer at all.
            return Err(if (200..300).contains(&status) {
                PublishError::unconfirmed(Platform::Tiktok)
            } else {
                classify_tiktok_error(status, &Value::Null, retry_after)
            });
        };
        let code = body["error"]["code"].as_str().unwrap_or("");
        if (200..300).contains(&status) && (code.is_empty() || code == "ok") {
            return Ok(body);
        }
        Err(classify_tiktok_error(status, &body, retry_after))
    }
}

async fn read_tiktok(response: Response) -> Result<Value, PublishError> {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str().unwrap_or("");
    if (200..300).contains(&status) && (code.is_empty() || code == "ok") {
        return Ok(body);
    }
    Err(classify_tiktok_error(status, &body, retry_after))
}

/// TikTok's error codes (`error.code`) and HTTP statuses, sorted by what the engine does.
pub fn classify_tiktok_error(
    status: u16,
    body: &Value,
    retry_after: Option<Duration>,
) -> PublishError {
    let code = body["error"]["code"].as_str().unwrap_or("").to_string();
    let message = format!(
        "TikTok answered {status}: {}",
        body["error"]["message"]
            .as_str()
            .filter(|m| !m.is_empty())
            .unwrap_or(if code.is_empty() {
                "no explanation given"
            } else {
                code.as_str()
            })
    );
    let code_text = Some(if code.is_empty() {
        status.to_string()
    } else {
        code.clone()
    });
    match code.as_str() {
        "access_token_invalid" | "token_expired" => PublishError::TokenExpired {
            code: code_text,
            message,
        },
        "rate_limit_exceeded" | "spam_risk_too_many_posts" | "spam_risk_too_many_pending_share" => {
            PublishError::RateLimited {
                code: code_text,
                message,
                retry_after,
            }
        }
        "internal_error" => PublishError::Transient {
            code: code_text,
            message,
        },
        _ if status == 429 => PublishError::RateLimited {
            code: code_text,
            message,
            retry_after,
        },
        _ if status == 401 => PublishError::TokenExpired {
            code: code_text,
            message,
        },
        _ if status >= 500 || status == 408 => PublishError::Transient {
            code: code_text,
            message,
        },
        // invalid_params, url_ownership_unverified, scope_not_authorized, privacy settings…
        _ => PublishError::Permanent {
            code: code_text,
            message,
        },
    }
}

#[async_trait]
impl Publisher for TiktokPublisher {
    /// A direct post cannot be looked up without its publish id, nor repeated safely.
    fn confirms_interrupted_start(&self) -> bool {
        false
    }

    async fn start(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
    ) -> Result<Started, PublishError> {
        let first = post
            .media_urls
            .first()
            .ok_or_else(|| PublishError::permanent("TikTok posts need a video or photos"))?;
        let body = if is_video_url(first) {
            self.init(
                "/v2/post/publish/video/init/",
                &auth.access_token,
                json!({
                    "post_info": {"title": post.caption, "privacy_level": "PUBLIC_TO_EVERYONE"},
                    "source_info": {"source": "PULL_FROM_URL", "video_url": first},
                }),
            )
            .await?
        } else {
            self.init(
                "/v2/post/publish/content/init/",
                &auth.access_token,
                json!({
                    "post_info": {"description": post.caption, "privacy_level": "PUBLIC_TO_EVERYONE"},
                    "source_info": {"source": "PULL_FROM_URL", "photo_images": post.media_urls, "photo_cover_index": 0},
                    "post_mode": "DIRECT_POST",
                    "media_type": "PHOTO",
                }),
            )
            .await?
        };
        let publish_id = body["data"]["publish_id"]
            .as_str()
            .ok_or_else(|| PublishError::unconfirmed(Platform::Tiktok))?;
        Ok(Started::InProgress {
            publish_ref: publish_id.to_string(),
        })
    }

    async fn finish(
        &self,
        auth: &AccountAuth,
        _post: &OutgoingPost,
        publish_id: &str,
    ) -> Result<String, PublishError> {
        for attempt in 0..self.poll_max_attempts {
            let body = self
                .call(
                    "/v2/post/publish/status/fetch/",
                    &auth.access_token,
                    json!({ "publish_id": publish_id }),
                )
                .await?;
            match body["data"]["status"].as_str().unwrap_or("") {
                "PUBLISH_COMPLETE" => {
                    // TikTok's own spelling of the field.
                    let id = body["data"]["publicaly_available_post_id"][0]
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| {
                            body["data"]["publicaly_available_post_id"][0]
                                .as_i64()
                                .map(|n| n.to_string())
                        })
                        .unwrap_or_else(|| publish_id.to_string());
                    return Ok(id);
                }
                "FAILED" => {
                    let reason = body["data"]["fail_reason"]
                        .as_str()
                        .unwrap_or("unknown")
                        .to_string();
                    return Err(PublishError::Permanent {
                        message: format!("TikTok could not publish the post: {reason}"),
                        code: Some(reason),
                    });
                }
                _ if attempt + 1 == self.poll_max_attempts => {
                    return Err(PublishError::transient(
                        "TikTok is still processing the upload",
                    ))
                }
                _ => tokio::time::sleep(self.poll_interval).await,
            }
        }
        Err(PublishError::transient(
            "TikTok is still processing the upload",
        ))
    }

    async fn metrics(
        &self,
        auth: &AccountAuth,
        video_id: &str,
        _posted_at: DateTime<Utc>,
    ) -> Result<Metrics, PublishError> {
        let body = self
            .call(
                "/v2/video/query/?fields=id,view_count,like_count,comment_count,share_count",
                &auth.access_token,
                json!({ "filters": { "video_ids": [video_id] } }),
            )
            .await?;
        let video = &body["data"]["videos"][0];
        let views = video["view_count"].as_i64().unwrap_or(0);
        Ok(Metrics {
            impressions: views,
            reach: views,
            likes: video["like_count"].as_i64().unwrap_or(0),
            comments: video["comment_count"].as_i64().unwrap_or(0),
            shares: video["share_count"].as_i64().unwrap_or(0),
            clicks: 0,
        })
    }

    async fn refresh_token(&self, auth: &AccountAuth) -> Result<TokenGrant, PublishError> {
        let Some(refresh_token) = auth.refresh_token.as_deref() else {
            return Err(PublishError::permanent(
                "TikTok account has no refresh token",
            ));
        };
        let response = self
            .http
            .post(format!("{}/v2/oauth/token/", self.base))
            .form(&[
                ("client_key", self.client_key.as_str()),
                ("client_secret", self.client_secret.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .map_err(|e| PublishError::from_transport(Platform::Tiktok, &e, self.timeout))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match body["access_token"].as_str() {
            Some(access_token) if status == 200 => Ok(TokenGrant {
                access_token: access_token.to_string(),
                refresh_token: body["refresh_token"].as_str().map(str::to_string),
                expires_at: body["expires_in"]
                    .as_i64()
                    .map(|s| Utc::now() + chrono::Duration::seconds(s)),
            }),
            // Only TikTok's own refusal of the grant is definite (the account must be
            // reconnected); a gateway's 4xx, a 429 or an unreadable answer is tried again later.
            _ if !(matches!(status, 400 | 401) && body["error"].is_string()) => Err(
                PublishError::transient(format!("TikTok token refresh answered {status}")),
            ),
            _ => Err(PublishError::Permanent {
                code: body["error"].as_str().map(str::to_string),
                message: format!(
                    "TikTok refused to renew the token: {}",
                    body["error_description"]
                        .as_str()
                        .unwrap_or("no reason given")
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiktok_error_codes_map_to_what_the_engine_does() {
        let body = |code: &str| json!({"error": {"code": code, "message": ""}});
        assert!(matches!(
            classify_tiktok_error(401, &body("access_token_invalid"), None),
            PublishError::TokenExpired { .. }
        ));
        assert!(matches!(
            classify_tiktok_error(429, &body("rate_limit_exceeded"), None),
            PublishError::RateLimited { .. }
        ));
        assert!(matches!(
            classify_tiktok_error(400, &body("invalid_params"), None),
            PublishError::Permanent { .. }
        ));
        assert!(matches!(
            classify_tiktok_error(500, &body("internal_error"), None),
            PublishError::Transient { .. }
        ));
        assert!(matches!(
            classify_tiktok_error(502, &Value::Null, None),
            PublishError::Transient { .. }
        ));
    }
}
