//! Instagram (Graph API content publishing: media container → poll → `media_publish`) and
//! Facebook Pages (`/{page-id}/feed`, `/{page-id}/photos`), and how Meta's error codes map onto
//! retry / fail / renew token / defer.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Client, Response};
use serde_json::Value;

use super::adapter::{
    is_video_url, retry_after, AccountAuth, Metrics, OutgoingPost, PublishError, Publisher,
    Started, TokenGrant,
};
use crate::model::Platform;
use crate::server::config::PlatformSettings;

/// What both Meta adapters share: the Graph API's address, the app credentials, polling.
#[derive(Clone)]
pub struct Graph {
    http: Client,
    base: String,
    app_id: String,
    app_secret: String,
    poll_interval: Duration,
    poll_max_attempts: u32,
    /// The HTTP client's timeout, for messages.
    timeout: Duration,
}

impl Graph {
    pub fn new(http: Client, settings: &PlatformSettings) -> Self {
        Graph {
            http,
            base: settings.meta_graph_url.trim_end_matches('/').to_string(),
            app_id: settings.meta_app_id.clone(),
            app_secret: settings.meta_app_secret.clone(),
            poll_interval: Duration::from_millis(settings.poll_interval_ms),
            poll_max_attempts: settings.poll_max_attempts.max(1),
            timeout: Duration::from_secs(settings.request_timeout_seconds.max(1)),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    async fn send(
        &self,
        platform: Platform,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, PublishError> {
        let response = request
            .send()
            .await
            .map_err(|e| PublishError::from_transport(platform, &e, self.timeout))?;
        read_graph(platform, response).await
    }

    async fn get(
        &self,
        platform: Platform,
        path: &str,
        token: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, PublishError> {
        // Tokens go in the Authorization header (which the Graph API accepts), never in a
        // URL: URLs end up in error texts and proxy logs.
        let request = self
            .http
            .get(self.url(path))
            .query(query)
            .bearer_auth(token);
        self.send(platform, request).await
    }

    async fn post_form(
        &self,
        platform: Platform,
        path: &str,
        token: &str,
        form: &[(&str, &str)],
    ) -> Result<Value, PublishError> {
        let request = self.http.post(self.url(path)).form(form).bearer_auth(token);
        self.send(platform, request).await
    }

    /// Long-lived token exchange (`fb_exchange_token`): Meta has no refresh tokens.
    async fn exchange_token(&self, auth: &AccountAuth) -> Result<TokenGrant, PublishError> {
        if self.app_id.is_empty() || self.app_secret.is_empty() {
            return Err(PublishError::Permanent {
                code: None,
                message: "Meta app credentials are not configured (platforms.meta_app_id / meta_app_secret)".into(),
            });
        }
        // The exchange sends the app secret and the token: in a form body, not the URL.
        let request = self.http.post(self.url("oauth/access_token")).form(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", self.app_id.as_str()),
            ("client_secret", self.app_secret.as_str()),
            ("fb_exchange_token", auth.access_token.as_str()),
        ]);
        let body = self.send(auth.platform, request).await?;
        let access_token = body["access_token"]
            .as_str()
            .ok_or_else(|| PublishError::transient("Meta's token answer had no access_token"))?;
        Ok(TokenGrant {
            access_token: access_token.to_string(),
            refresh_token: None,
            expires_at: body["expires_in"]
                .as_i64()
                .map(|s| Utc::now() + chrono::Duration::seconds(s)),
        })
    }
}

/// A Graph API answer: the JSON body, or the error it describes.
async fn read_graph(platform: Platform, response: Response) -> Result<Value, PublishError> {
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() && body.get("error").is_none() {
        return Ok(body);
    }
    Err(classify_graph_error(
        platform,
        status.as_u16(),
        &body,
        retry_after,
    ))
}

/// Meta's documented codes: 190/102 token, 4/17/32/613 and IG 2207042 rate limits, 10 and
/// 200–299 permissions, 100 invalid parameters (media, caption), 1/2 and 5xx transient.
pub fn classify_graph_error(
    platform: Platform,
    status: u16,
    body: &Value,
    retry_after: Option<Duration>,
) -> PublishError {
    let error = &body["error"];
    let code = error["code"].as_i64();
    let subcode = error["error_subcode"].as_i64();
    let message = format!(
        "{} answered {}: {}",
        platform.label(),
        status,
        error["error_user_msg"]
            .as_str()
            .or(error["message"].as_str())
            .unwrap_or("no explanation given")
    );
    let code_text = Some(match (code, subcode) {
        (Some(c), Some(s)) => format!("{c}/{s}"),
        (Some(c), None) => c.to_string(),
        _ => status.to_string(),
    });
    match (code, subcode) {
        (Some(190) | Some(102), _) => PublishError::TokenExpired {
            code: code_text,
            message,
        },
        (_, Some(2207042)) | (Some(4 | 17 | 32 | 613), _) => PublishError::RateLimited {
            code: code_text,
            message,
            retry_after,
        },
        _ if status == 429 => PublishError::RateLimited {
            code: code_text,
            message,
            retry_after,
        },
        (Some(10), _) | (Some(200..=299), _) | (Some(100), _) => PublishError::Permanent {
            code: code_text,
            message,
        },
        (Some(1 | 2), _) => PublishError::Transient {
            code: code_text,
            message,
        },
        _ if status >= 500 || status == 408 => PublishError::Transient {
            code: code_text,
            message,
        },
        _ => PublishError::Permanent {
            code: code_text,
            message,
        },
    }
}

fn id_of(platform: Platform, body: &Value, field: &str) -> Result<String, PublishError> {
    body[field].as_str().map(str::to_string).ok_or_else(|| {
        PublishError::transient(format!("{} answered without {field}", platform.label()))
    })
}

fn insight(body: &Value, name: &str) -> i64 {
    body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry["name"] == name)
        .and_then(|entry| {
            entry["values"][0]["value"]
                .as_i64()
                .or(entry["total_value"]["value"].as_i64())
        })
        .unwrap_or(0)
}

pub struct InstagramPublisher(pub Graph);

impl InstagramPublisher {
    /// The media a published container became, found among the account's latest media by
    /// its caption (a container does not name its media).
    async fn published_media(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
    ) -> Result<String, PublishError> {
        let path = format!("{}/media", auth.external_id);
        let body = self
            .0
            .get(
                Platform::Instagram,
                &path,
                &auth.access_token,
                &[("fields", "id,caption,timestamp"), ("limit", "50")],
            )
            .await?;
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["caption"].as_str() == Some(post.caption.as_str()))
            .and_then(|m| m["id"].as_str().map(str::to_string))
            // Published but not listed yet: look again on the next attempt.
            .ok_or_else(|| {
                PublishError::transient("Instagram published the post but does not list it yet")
            })
    }
}

#[async_trait]
impl Publisher for InstagramPublisher {
    async fn start(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
    ) -> Result<Started, PublishError> {
        let media = post
            .media_urls
            .first()
            .ok_or_else(|| PublishError::permanent("Instagram posts need a photo or video"))?;
        let mut form = vec![("caption", post.caption.as_str())];
        if is_video_url(media) {
            form.extend([("media_type", "REELS"), ("video_url", media.as_str())]);
        } else {
            form.push(("image_url", media.as_str()));
        }
        let path = format!("{}/media", auth.external_id);
        let body = self
            .0
            .post_form(Platform::Instagram, &path, &auth.access_token, &form)
            .await?;
        Ok(Started::InProgress {
            publish_ref: id_of(Platform::Instagram, &body, "id")?,
        })
    }

    async fn finish(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
        container: &str,
    ) -> Result<String, PublishError> {
        for attempt in 0..self.0.poll_max_attempts {
            let body = self
                .0
                .get(
                    Platform::Instagram,
                    container,
                    &auth.access_token,
                    &[("fields", "status_code,status")],
                )
                .await?;
            match body["status_code"].as_str().unwrap_or("") {
                "FINISHED" => break,
                // Published before a crash: the post's id is the media's, not the
                // container's (metrics and links need the media id).
                "PUBLISHED" => return self.published_media(auth, post).await,
                "ERROR" | "EXPIRED" => {
                    return Err(PublishError::Permanent {
                        code: Some(body["status_code"].as_str().unwrap_or("ERROR").to_string()),
                        message: format!(
                            "Instagram could not process the media: {}",
                            body["status"].as_str().unwrap_or("no reason given")
                        ),
                    })
                }
                _ if attempt + 1 == self.0.poll_max_attempts => {
                    return Err(PublishError::transient(
                        "Instagram is still processing the media",
                    ))
                }
                _ => tokio::time::sleep(self.0.poll_interval).await,
            }
        }
        let path = format!("{}/media_publish", auth.external_id);
        let body = self
            .0
            .post_form(
                Platform::Instagram,
                &path,
                &auth.access_token,
                &[("creation_id", container)],
            )
            .await?;
        id_of(Platform::Instagram, &body, "id")
    }

    async fn metrics(
        &self,
        auth: &AccountAuth,
        media_id: &str,
        _posted_at: DateTime<Utc>,
    ) -> Result<Metrics, PublishError> {
        let path = format!("{media_id}/insights");
        let body = self
            .0
            .get(
                Platform::Instagram,
                &path,
                &auth.access_token,
                &[("metric", "impressions,reach,likes,comments,shares,saved")],
            )
            .await?;
        Ok(Metrics {
            impressions: insight(&body, "impressions"),
            reach: insight(&body, "reach"),
            likes: insight(&body, "likes"),
            comments: insight(&body, "comments"),
            shares: insight(&body, "shares"),
            clicks: insight(&body, "saved"),
        })
    }

    async fn refresh_token(&self, auth: &AccountAuth) -> Result<TokenGrant, PublishError> {
        self.0.exchange_token(auth).await
    }
}

pub struct FacebookPublisher(pub Graph);

#[async_trait]
impl Publisher for FacebookPublisher {
    async fn start(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
    ) -> Result<Started, PublishError> {
        let body = match post.media_urls.first() {
            Some(photo) => {
                let path = format!("{}/photos", auth.external_id);
                let form = [("url", photo.as_str()), ("caption", post.caption.as_str())];
                self.0
                    .post_form(Platform::Facebook, &path, &auth.access_token, &form)
                    .await?
            }
            None => {
                let path = format!("{}/feed", auth.external_id);
                let form = [("message", post.caption.as_str())];
                self.0
                    .post_form(Platform::Facebook, &path, &auth.access_token, &form)
                    .await?
            }
        };
        // Photos answer {id (the photo), post_id (the feed story)}; the story is the post.
        let id = body["post_id"].as_str().map(str::to_string);
        Ok(Started::Published {
            external_post_id: match id {
                Some(id) => id,
                None => id_of(Platform::Facebook, &body, "id")?,
            },
        })
    }

    async fn finish(
        &self,
        _auth: &AccountAuth,
        _post: &OutgoingPost,
        publish_ref: &str,
    ) -> Result<String, PublishError> {
        Ok(publish_ref.to_string())
    }

    /// The page's posts since the interrupted attempt began, matched by their text.
    async fn find_published(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, PublishError> {
        let path = format!("{}/published_posts", auth.external_id);
        let since = since.timestamp().to_string();
        let body = self
            .0
            .get(
                Platform::Facebook,
                &path,
                &auth.access_token,
                &[
                    ("since", since.as_str()),
                    ("fields", "id,message"),
                    ("limit", "100"),
                ],
            )
            .await?;
        Ok(body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["message"].as_str() == Some(post.caption.as_str()))
            .and_then(|p| p["id"].as_str().map(str::to_string)))
    }

    async fn metrics(
        &self,
        auth: &AccountAuth,
        post_id: &str,
        _posted_at: DateTime<Utc>,
    ) -> Result<Metrics, PublishError> {
        let insights = self
            .0
            .get(
                Platform::Facebook,
                &format!("{post_id}/insights"),
                &auth.access_token,
                &[(
                    "metric",
                    "post_impressions,post_impressions_unique,post_clicks,post_reactions_like_total",
                )],
            )
            .await?;
        let fields = self
            .0
            .get(
                Platform::Facebook,
                post_id,
                &auth.access_token,
                &[("fields", "shares,comments.summary(true).limit(0)")],
            )
            .await?;
        Ok(Metrics {
            impressions: insight(&insights, "post_impressions"),
            reach: insight(&insights, "post_impressions_unique"),
            likes: insight(&insights, "post_reactions_like_total"),
            comments: fields["comments"]["summary"]["total_count"]
                .as_i64()
                .unwrap_or(0),
            shares: fields["shares"]["count"].as_i64().unwrap_or(0),
            clicks: insight(&insights, "post_clicks"),
        })
    }

    async fn refresh_token(&self, auth: &AccountAuth) -> Result<TokenGrant, PublishError> {
        self.0.exchange_token(auth).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classify(status: u16, code: i64, subcode: Option<i64>) -> PublishError {
        let body = json!({"error": {"message": "m", "code": code, "error_subcode": subcode}});
        classify_graph_error(Platform::Instagram, status, &body, None)
    }

    #[test]
    fn meta_error_codes_map_to_what_the_engine_does() {
        assert!(matches!(
            classify(400, 190, Some(463)),
            PublishError::TokenExpired { .. }
        ));
        assert!(matches!(
            classify(400, 4, None),
            PublishError::RateLimited { .. }
        ));
        assert!(matches!(
            classify(400, 9, Some(2207042)),
            PublishError::RateLimited { .. }
        ));
        assert!(matches!(
            classify(400, 100, Some(2207026)),
            PublishError::Permanent { .. }
        ));
        assert!(matches!(
            classify(403, 10, None),
            PublishError::Permanent { .. }
        ));
        assert!(matches!(
            classify(500, 2, None),
            PublishError::Transient { .. }
        ));
        assert!(matches!(
            classify_graph_error(Platform::Facebook, 503, &Value::Null, None),
            PublishError::Transient { .. }
        ));
        assert_eq!(classify(400, 100, Some(33)).code(), Some("100/33"));
    }
}
