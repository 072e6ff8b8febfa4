//! Signing in with the platforms (OAuth 2.0 authorization code with PKCE): which integrations
//! are live, the authorize address, and the platforms' HTTP calls: the code exchange (Meta:
//! then the long-lived token exchange), account discovery (Meta: the user's Pages and the
//! Instagram business accounts linked to them; TikTok: the user) and revocation. No database:
//! the `oauth` service keeps the attempts and connects the accounts.
//!
//! Secrets (client secret, code, verifier, tokens) travel in form bodies or the Authorization
//! header, never in a URL, and no `Debug` here shows a token.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use reqwest::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::auth::secrets::random_token;
use super::auth::vault::TokenGrant;
use super::config::PlatformSettings;
use crate::model::Platform;

/// Whether signing in with `platform` is set up: Facebook and Instagram need the Meta app's
/// id and secret, TikTok its client key and secret. Otherwise the sandbox stands in.
pub fn is_live(settings: &PlatformSettings, platform: Platform) -> bool {
    let set = |a: &str, b: &str| !a.trim().is_empty() && !b.trim().is_empty();
    match platform {
        Platform::Facebook | Platform::Instagram => {
            set(&settings.meta_app_id, &settings.meta_app_secret)
        }
        Platform::Tiktok => set(&settings.tiktok_client_key, &settings.tiktok_client_secret),
    }
}

/// Every platform with whether its sign-in is live, in `Platform::ALL` order (Settings →
/// Integrations shows this).
pub fn live_platforms(settings: &PlatformSettings) -> Vec<(Platform, bool)> {
    Platform::ALL
        .iter()
        .map(|&platform| (platform, is_live(settings, platform)))
        .collect()
}

/// Where the platform sends the user back: `{public_url}/oauth/{platform}/callback`.
pub fn redirect_uri(public_url: &str, platform: Platform) -> String {
    format!(
        "{}/oauth/{}/callback",
        public_url.trim_end_matches('/'),
        platform.as_str()
    )
}

/// A PKCE pair (RFC 7636): the verifier stays with us, the S256 challenge goes to the platform.
/// TikTok departs from the RFC: its Login Kit takes the SHA-256 as hex, not base64url.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn generate(platform: Platform) -> Self {
        // 48 random bytes: 64 url-safe characters, within RFC 7636's 43–128.
        let verifier = random_token(48);
        let challenge = challenge_of(platform, &verifier);
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// `BASE64URL(SHA256(verifier))`, the S256 method; TikTok's `HEX(SHA256(verifier))`.
pub fn challenge_of(platform: Platform, verifier: &str) -> String {
    let digest = Sha256::digest(verifier.as_bytes());
    match platform {
        Platform::Tiktok => hex::encode(digest),
        Platform::Facebook | Platform::Instagram => URL_SAFE_NO_PAD.encode(digest),
    }
}

/// The platform's authorization page for this attempt.
pub fn authorize_url(
    settings: &PlatformSettings,
    platform: Platform,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> String {
    let (base, client_param, client, scope) = match platform {
        Platform::Facebook | Platform::Instagram => (
            &settings.meta_oauth_url,
            "client_id",
            &settings.meta_app_id,
            &settings.meta_scopes,
        ),
        Platform::Tiktok => (
            &settings.tiktok_oauth_url,
            "client_key",
            &settings.tiktok_client_key,
            &settings.tiktok_scopes,
        ),
    };
    let query = [
        (client_param, client.as_str()),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("response_type", "code"),
        ("scope", scope.as_str()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    match reqwest::Url::parse_with_params(base, &query) {
        Ok(url) => url.to_string(),
        // A malformed configured address: the browser shows what was configured.
        Err(_) => base.clone(),
    }
}

/// An account the platform let the user connect, with its tokens (a Page's token serves the
/// Page and the Instagram account linked to it). Its `Debug` shows no token.
#[derive(Clone, Serialize, Deserialize)]
pub struct Discovered {
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Discovered {
    pub fn grant(&self) -> TokenGrant {
        TokenGrant {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            expires_at: self.expires_at,
        }
    }

    /// How the choice form names it: `facebook:1234`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform.as_str(), self.external_id)
    }
}

impl std::fmt::Debug for Discovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovered")
            .field("platform", &self.platform)
            .field("external_id", &self.external_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Why a platform call of the sign-in did not succeed, in words for the user.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OAuthError {
    /// The platform answered no (bad or expired code, revoked app, missing permission).
    #[error("{0}")]
    Refused(String),
    /// No usable answer (unreachable, timed out, unreadable).
    #[error("{0}")]
    Unavailable(String),
}

/// The platforms' sign-in endpoints, at the configured addresses.
pub struct OAuthClient {
    http: Client,
    settings: PlatformSettings,
}

impl OAuthClient {
    pub fn new(settings: &PlatformSettings) -> Self {
        let http = Client::builder()
            .timeout(Duration::from_secs(settings.request_timeout_seconds.max(1)))
            .user_agent(concat!("PostPilot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
        OAuthClient {
            http,
            settings: settings.clone(),
        }
    }

    fn graph(&self, path: &str) -> String {
        format!(
            "{}/{path}",
            self.settings.meta_graph_url.trim_end_matches('/')
        )
    }

    fn tiktok(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.settings.tiktok_api_url.trim_end_matches('/')
        )
    }

    /// Exchanges the authorization code and finds the accounts it grants.
    pub async fn discover(
        &self,
        platform: Platform,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Vec<Discovered>, OAuthError> {
        match platform {
            Platform::Facebook | Platform::Instagram => {
                self.meta_discover(code, verifier, redirect_uri).await
            }
            Platform::Tiktok => self.tiktok_discover(code, verifier, redirect_uri).await,
        }
    }

    /// Code → short-lived user token → long-lived user token (60 days) → the user's Pages
    /// with their Page tokens (which do not expire when got from a long-lived user token)
    /// and each Page's Instagram business account.
    async fn meta_discover(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Vec<Discovered>, OAuthError> {
        let s = &self.settings;
        let short = self
            .meta_call(self.http.post(self.graph("oauth/access_token")).form(&[
                ("client_id", s.meta_app_id.as_str()),
                ("client_secret", s.meta_app_secret.as_str()),
                ("redirect_uri", redirect_uri),
                ("code", code),
                ("code_verifier", verifier),
            ]))
            .await?;
        let short = token_of(&short, "Facebook")?;
        let long = self
            .meta_call(self.http.post(self.graph("oauth/access_token")).form(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", s.meta_app_id.as_str()),
                ("client_secret", s.meta_app_secret.as_str()),
                ("fb_exchange_token", short.as_str()),
            ]))
            .await?;
        let user_token = token_of(&long, "Facebook")?;
        let pages = self
            .meta_call(
                self.http
                    .get(self.graph("me/accounts"))
                    .query(&[
                        (
                            "fields",
                            "id,name,access_token,instagram_business_account{id,username}",
                        ),
                        ("limit", "100"),
                    ])
                    .bearer_auth(&user_token),
            )
            .await?;
        let mut found = Vec::new();
        for page in pages["data"].as_array().into_iter().flatten() {
            let (Some(id), Some(token)) = (page["id"].as_str(), page["access_token"].as_str())
            else {
                continue;
            };
            let name = page["name"].as_str().unwrap_or(id).to_string();
            let ig = &page["instagram_business_account"];
            found.push(Discovered {
                platform: Platform::Facebook,
                external_id: id.to_string(),
                name: name.clone(),
                access_token: token.to_string(),
                refresh_token: None,
                expires_at: None,
            });
            if let Some(ig_id) = ig["id"].as_str() {
                found.push(Discovered {
                    platform: Platform::Instagram,
                    external_id: ig_id.to_string(),
                    name: ig["username"]
                        .as_str()
                        .map(|u| format!("@{u}"))
                        .unwrap_or_else(|| format!("{name} (Instagram)")),
                    access_token: token.to_string(),
                    refresh_token: None,
                    expires_at: None,
                });
            }
        }
        Ok(found)
    }

    async fn meta_call(&self, request: reqwest::RequestBuilder) -> Result<Value, OAuthError> {
        let response = request
            .send()
            .await
            .map_err(|e| unreachable("Facebook", &e))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() && body.get("error").is_none() {
            return Ok(body);
        }
        let message = body["error"]["error_user_msg"]
            .as_str()
            .or(body["error"]["message"].as_str());
        match message {
            Some(message) if status.is_client_error() => Err(OAuthError::Refused(format!(
                "Facebook refused the sign-in: {message}"
            ))),
            _ => Err(OAuthError::Unavailable(format!(
                "Facebook did not complete the sign-in (it answered {status}). Please try again."
            ))),
        }
    }

    /// Code → user access token (24 h) and refresh token (365 days, rotated on use) → the
    /// user's open id and display name.
    async fn tiktok_discover(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Vec<Discovered>, OAuthError> {
        let s = &self.settings;
        let response = self
            .http
            .post(self.tiktok("/v2/oauth/token/"))
            .form(&[
                ("client_key", s.tiktok_client_key.as_str()),
                ("client_secret", s.tiktok_client_secret.as_str()),
                ("code", code),
                ("grant_type", "authorization_code"),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .map_err(|e| unreachable("TikTok", &e))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let access = match (body["access_token"].as_str(), body["error"].as_str()) {
            (Some(token), _) if status.is_success() => token.to_string(),
            (_, Some(error)) if status.is_client_error() || status.is_success() => {
                return Err(OAuthError::Refused(format!(
                    "TikTok refused the sign-in: {}",
                    body["error_description"].as_str().unwrap_or(error)
                )))
            }
            _ => {
                return Err(OAuthError::Unavailable(format!(
                    "TikTok did not complete the sign-in (it answered {status}). Please try again."
                )))
            }
        };
        let open_id = body["open_id"].as_str().unwrap_or_default().to_string();
        let expires_at = body["expires_in"]
            .as_i64()
            .map(|s| Utc::now() + chrono::Duration::seconds(s));
        let refresh_token = body["refresh_token"].as_str().map(str::to_string);
        let response = self
            .http
            .get(self.tiktok("/v2/user/info/"))
            .query(&[("fields", "open_id,display_name")])
            .bearer_auth(&access)
            .send()
            .await
            .map_err(|e| unreachable("TikTok", &e))?;
        let status = response.status();
        let info: Value = response.json().await.unwrap_or(Value::Null);
        let code = info["error"]["code"].as_str().unwrap_or("ok");
        if !status.is_success() || code != "ok" {
            return Err(OAuthError::Unavailable(format!(
                "TikTok did not say which account signed in (it answered {status}). Please try again."
            )));
        }
        let user = &info["data"]["user"];
        let open_id = user["open_id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(open_id);
        if open_id.is_empty() {
            return Err(OAuthError::Unavailable(
                "TikTok did not say which account signed in. Please try again.".into(),
            ));
        }
        Ok(vec![Discovered {
            platform: Platform::Tiktok,
            name: user["display_name"]
                .as_str()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or("TikTok account")
                .to_string(),
            external_id: open_id,
            access_token: access,
            refresh_token,
            expires_at,
        }])
    }

    /// Withdraws the app's access where the platform lets one account go alone: TikTok's
    /// `/v2/oauth/revoke/`. Meta's only revocation (`DELETE /{user-id}/permissions`) would end
    /// every Page and Instagram account the user connected through the same sign-in, so for
    /// those the stored token is dropped instead (the caller does that for every platform).
    /// Returns whether the platform was asked.
    pub async fn revoke(&self, platform: Platform, access_token: &str) -> Result<bool, OAuthError> {
        if platform != Platform::Tiktok {
            return Ok(false);
        }
        let s = &self.settings;
        let response = self
            .http
            .post(self.tiktok("/v2/oauth/revoke/"))
            .form(&[
                ("client_key", s.tiktok_client_key.as_str()),
                ("client_secret", s.tiktok_client_secret.as_str()),
                ("token", access_token),
            ])
            .send()
            .await
            .map_err(|e| unreachable("TikTok", &e))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() && body["error"].as_str().is_none_or(str::is_empty) {
            Ok(true)
        } else {
            Err(OAuthError::Refused(format!(
                "TikTok did not revoke the token (it answered {status})"
            )))
        }
    }
}

fn token_of(body: &Value, platform: &str) -> Result<String, OAuthError> {
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| {
            OAuthError::Unavailable(format!(
                "{platform} answered without an access token. Please try again."
            ))
        })
}

/// A transport failure, without the URL (reqwest's message names it).
fn unreachable(platform: &str, err: &reqwest::Error) -> OAuthError {
    let what = if err.is_timeout() {
        "did not answer in time"
    } else {
        "could not be reached"
    };
    OAuthError::Unavailable(format!("{platform} {what}. Please try again."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PlatformSettings {
        crate::server::config::Settings::load_from(None, |_| None)
            .unwrap()
            .platforms
    }

    #[test]
    fn the_s256_challenge_is_unpadded_base64url_of_the_sha256() {
        // Computed apart: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=").
        assert_eq!(
            challenge_of(
                Platform::Facebook,
                "dBjftJeZ4CVP-mJ92K9ZA1hfuZ2eX_mK4zCV7ZxT7Yk"
            ),
            "HzeDoUpLKPPiXlRuMt7dGmh-Ee7yDJJxt31V7rXTmTw"
        );
        // hashlib.sha256(v).hexdigest()
        assert_eq!(
            challenge_of(
                Platform::Tiktok,
                "dBjftJeZ4CVP-mJ92K9ZA1hfuZ2eX_mK4zCV7ZxT7Yk"
            ),
            "1f3783a14a4b28f3e25e546e32dedd1a687e11eef20c9271b77d55eeb5d3993c"
        );
        let pkce = Pkce::generate(Platform::Facebook);
        assert_eq!(pkce.verifier.len(), 64);
        assert_eq!(
            pkce.challenge,
            challenge_of(Platform::Facebook, &pkce.verifier)
        );
    }

    #[test]
    fn integrations_are_live_once_both_credentials_are_set() {
        let mut s = settings();
        assert!(live_platforms(&s).iter().all(|(_, live)| !live));
        s.meta_app_id = "1".into();
        assert!(!is_live(&s, Platform::Facebook));
        s.meta_app_secret = "x".into();
        assert!(is_live(&s, Platform::Facebook) && is_live(&s, Platform::Instagram));
        assert!(!is_live(&s, Platform::Tiktok));
    }

    #[test]
    fn the_authorize_url_carries_the_client_state_and_challenge() {
        let mut s = settings();
        s.tiktok_client_key = "ck".into();
        let url = authorize_url(
            &s,
            Platform::Tiktok,
            "https://pp.example/oauth/tiktok/callback",
            "st",
            "ch",
        );
        assert!(url.starts_with("https://www.tiktok.com/v2/auth/authorize/?client_key=ck&"));
        assert!(url.contains("redirect_uri=https%3A%2F%2Fpp.example%2Foauth%2Ftiktok%2Fcallback"));
        assert!(url.contains("&state=st&response_type=code&scope=user.info.basic%2C"));
        assert!(url.ends_with("&code_challenge=ch&code_challenge_method=S256"));
    }
}
