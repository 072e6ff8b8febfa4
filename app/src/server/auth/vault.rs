//! Encryption at rest for OAuth tokens (ChaCha20-Poly1305, a fresh random nonce per value).
//! Stored form: `v1.<base64url(nonce ‖ ciphertext)>`, so the scheme can change later.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

/// A platform's tokens for an account (from OAuth or a renewal), as the services store them
/// sealed. Its `Debug` shows no token.
#[derive(Clone)]
pub struct TokenGrant {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("token_encryption_key must be 64 hex characters")]
    BadKey,
    #[error("a stored token could not be decrypted (wrong key or damaged value)")]
    Undecryptable,
}

#[derive(Clone)]
pub struct TokenVault {
    cipher: ChaCha20Poly1305,
}

impl TokenVault {
    /// A configured hex key, or one derived from the JWT secret (every instance sharing the
    /// secret shares the key).
    pub fn new(configured_hex: &str, jwt_secret: &[u8]) -> Result<Self, VaultError> {
        let key: [u8; 32] = if configured_hex.is_empty() {
            let mut hasher = Sha256::new();
            hasher.update(b"postpilot token vault v1\0");
            hasher.update(jwt_secret);
            hasher.finalize().into()
        } else {
            hex::decode(configured_hex.trim())
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or(VaultError::BadKey)?
        };
        Ok(TokenVault {
            cipher: ChaCha20Poly1305::new(&Key::from(key)),
        })
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("ChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(sealed))
    }

    pub fn open(&self, stored: &str) -> Result<String, VaultError> {
        let bytes = stored
            .strip_prefix(PREFIX)
            .and_then(|b64| URL_SAFE_NO_PAD.decode(b64).ok())
            .filter(|bytes| bytes.len() > NONCE_LEN)
            .ok_or(VaultError::Undecryptable)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Undecryptable)?;
        let plaintext = self
            .cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| VaultError::Undecryptable)?;
        String::from_utf8(plaintext).map_err(|_| VaultError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_round_trip_and_hide_the_plaintext() {
        let vault = TokenVault::new("", b"a-jwt-secret-of-some-length-000000").unwrap();
        let sealed = vault.seal("EAAGm0PX4ZCpsBA-secret");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("EAAGm0PX4ZCpsBA"));
        assert_ne!(
            sealed,
            vault.seal("EAAGm0PX4ZCpsBA-secret"),
            "fresh nonce each time"
        );
        assert_eq!(vault.open(&sealed).unwrap(), "EAAGm0PX4ZCpsBA-secret");
    }

    #[test]
    fn a_different_key_or_a_damaged_value_is_refused() {
        let vault = TokenVault::new("", b"secret-one-secret-one-secret-one").unwrap();
        let other = TokenVault::new(&"ab".repeat(32), b"").unwrap();
        let sealed = vault.seal("token");
        assert!(other.open(&sealed).is_err());
        assert!(vault.open("v1.AAAA").is_err());
        assert!(vault.open("plaintext-token").is_err());
        assert!(matches!(
            TokenVault::new("abc", b""),
            Err(VaultError::BadKey)
        ));
    }
}
