//! argon2id password hashing, off the async runtime (it is deliberately slow), and at most
//! two hashes per core at once: each takes 19 MiB, so a burst of sign-ins waits its turn
//! instead of exhausting memory or the blocking thread pool.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::{Arc, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// A turn to hash: moved into the blocking job and held for the whole computation, so a
/// client that disconnects cannot free its turn while its hash is still running.
async fn turn() -> Result<OwnedSemaphorePermit, AppError> {
    static TURNS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    TURNS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            Arc::new(Semaphore::new(2 * cores))
        })
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::internal("password hashing turn", e))
}

pub async fn hash(password: String) -> Result<String, AppError> {
    let turn = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal("hashing a password", e))
    })
    .await
    .map_err(|e| AppError::internal("password hashing task", e))?
}

/// Whether `password` matches `hash`. A malformed hash never matches. With no hash (unknown
/// user) it checks against a decoy, so refusing an unknown email costs as much as a wrong
/// password and timing does not reveal which emails have accounts.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, AppError> {
    let turn = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .map_err(|e| AppError::internal("password verification task", e))
}

fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(super::secrets::random_token(24).as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify("x".into(), Some("not a hash".into())).await.unwrap());
        assert!(!verify("x".into(), None).await.unwrap());
        assert!(decoy_hash().starts_with("$argon2id$"));
    }
}
