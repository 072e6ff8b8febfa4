//! JWT access and refresh tokens (HS256). Claims: `sub`, `type`, `exp`, `iat`, `jti`.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server::config::AuthSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    #[serde(rename = "type")]
    pub kind: TokenKind,
    pub exp: i64,
    pub iat: i64,
    /// `iat` in milliseconds: "sign out everywhere" must tell a token issued just before it
    /// from one issued just after, within the same second. Absent from older tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
    pub jti: Uuid,
}

impl Claims {
    /// When the token was issued, to the millisecond when it says so.
    pub fn issued_at_ms(&self) -> i64 {
        self.iat_ms.unwrap_or(self.iat.saturating_mul(1000))
    }
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

pub struct IssuedToken {
    pub token: String,
    pub jti: Uuid,
    pub expires_at: DateTime<Utc>,
}

impl TokenKeys {
    pub fn new(secret: &[u8], settings: &AuthSettings) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl: Duration::minutes(settings.access_token_minutes),
            refresh_ttl: Duration::days(settings.refresh_token_days),
        }
    }

    /// Signs a token of `kind` for `user_id`, issued at `now`.
    pub fn issue(&self, user_id: Uuid, kind: TokenKind, now: DateTime<Utc>) -> IssuedToken {
        let ttl = match kind {
            TokenKind::Access => self.access_ttl,
            TokenKind::Refresh => self.refresh_ttl,
        };
        let jti = Uuid::new_v4();
        let expires_at = now + ttl;
        let claims = Claims {
            sub: user_id,
            kind,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            iat_ms: Some(now.timestamp_millis()),
            jti,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail");
        IssuedToken {
            token,
            jti,
            expires_at,
        }
    }

    /// Verifies signature, expiry and kind. Every failure is the same 401 to the caller.
    pub fn verify(&self, token: &str, expected: TokenKind) -> Result<Claims, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    AppError::Unauthorized("Token has expired".into())
                }
                _ => AppError::Unauthorized("Invalid token".into()),
            })?
            .claims;
        if claims.kind != expected {
            return Err(AppError::Unauthorized("Invalid token type".into()));
        }
        Ok(claims)
    }
}

/// The configured secret, or one generated on first start and kept (0600) in the data
/// directory so sessions survive restarts.
pub fn load_or_create_secret(configured: &str, data_dir: &Path) -> std::io::Result<Vec<u8>> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let secret = super::secrets::random_token(48);
    std::fs::write(&path, &secret)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"test-secret-test-secret-test-secret",
            &AuthSettings {
                jwt_secret: String::new(),
                access_token_minutes: 15,
                refresh_token_days: 7,
                password_reset_minutes: 60,
            },
        )
    }

    #[test]
    fn a_token_verifies_only_as_its_own_kind() {
        let k = keys();
        let user = Uuid::new_v4();
        let access = k.issue(user, TokenKind::Access, Utc::now());
        assert_eq!(
            k.verify(&access.token, TokenKind::Access).unwrap().sub,
            user
        );
        assert!(k.verify(&access.token, TokenKind::Refresh).is_err());
        let refresh = k.issue(user, TokenKind::Refresh, Utc::now());
        assert!(refresh.expires_at - Utc::now() > Duration::days(6));
        assert!(k.verify(&refresh.token, TokenKind::Access).is_err());
    }

    #[test]
    fn expired_and_forged_tokens_are_refused() {
        let k = keys();
        let old = k.issue(
            Uuid::new_v4(),
            TokenKind::Access,
            Utc::now() - Duration::minutes(16),
        );
        assert_eq!(
            k.verify(&old.token, TokenKind::Access).unwrap_err(),
            AppError::Unauthorized("Token has expired".into())
        );
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            &AuthSettings {
                jwt_secret: String::new(),
                access_token_minutes: 15,
                refresh_token_days: 7,
                password_reset_minutes: 60,
            },
        );
        let forged = other.issue(Uuid::new_v4(), TokenKind::Access, Utc::now());
        assert!(k.verify(&forged.token, TokenKind::Access).is_err());
        assert!(k.verify("not.a.jwt", TokenKind::Access).is_err());
    }

    #[test]
    fn a_generated_secret_is_kept() {
        let dir = std::env::temp_dir().join(format!("pp-secret-{}", Uuid::new_v4()));
        let first = load_or_create_secret("", &dir).unwrap();
        let second = load_or_create_secret("", &dir).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= 32);
        assert_eq!(
            load_or_create_secret("configured", &dir).unwrap(),
            b"configured"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
