//! Sign-up, sign-in and sessions: token pairs, refresh rotation with reuse detection, password
//! reset, provisioning, and resolving the user behind an access token.

use std::sync::Arc;

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::{api_keys, users};
use crate::error::AppError;
use crate::model::{EventKind, EventLevel, PlanTier, ProvisionedUser, Role, TokenPair};
use crate::server::auth::password;
use crate::server::auth::secrets::{random_token, sha256_hex};
use crate::server::auth::tokens::{TokenKeys, TokenKind};
use crate::server::config::{RateLimitSettings, Settings};
use crate::server::db;
use crate::server::email::{Email, Mailer};
use crate::server::entities::{password_reset_token, refresh_token, user};

const BAD_CREDENTIALS: &str = "Incorrect email or password";
const SPENT_REFRESH: &str = "Refresh token has already been used";

/// The one answer for every credential of a deactivated account (tokens, refresh, sign-in).
fn deactivated() -> AppError {
    AppError::Unauthorized("This account has been deactivated".into())
}

/// Issues an access + refresh pair; the refresh token joins `family` (a new one per login).
pub async fn issue_pair(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: Uuid,
    family: Option<Uuid>,
) -> Result<TokenPair, AppError> {
    let now = Utc::now();
    let access = keys.issue(user_id, TokenKind::Access, now);
    let refresh = keys.issue(user_id, TokenKind::Refresh, now);
    refresh_token::ActiveModel {
        id: Set(refresh.jti),
        user_id: Set(user_id),
        family_id: Set(family.unwrap_or_else(Uuid::new_v4)),
        token_hash: Set(sha256_hex(&refresh.token)),
        expires_at: Set(refresh.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(TokenPair {
        access_token: access.token,
        refresh_token: refresh.token,
        token_type: "bearer".into(),
    })
}

pub async fn register(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    email: &str,
    password: &str,
) -> Result<(user::Model, TokenPair), AppError> {
    let user = users::create(db, users::NewUser::member(email, password)).await?;
    let pair = issue_pair(db, keys, user.id, None).await?;
    event_log::record(
        db,
        Event::new(EventKind::Auth, "User registered").user(user.id),
    )
    .await;
    Ok((user, pair))
}

/// Signs in. After `failed_sign_ins` wrong passwords within the window, the account answers
/// 429 until the window ends, whatever the password. The count lives on the user row (one
/// counter and its window start, bounded), so every instance sees it. Each attempt claims
/// its place in the count before the password is checked, so a burst of parallel guesses
/// gets no more tries than a sequence would; a right password clears the count.
pub async fn login(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    limits: &RateLimitSettings,
    email: &str,
    password: &str,
) -> Result<(user::Model, TokenPair), AppError> {
    let found = users::find_by_email(db, email).await?;
    let window = Duration::minutes(limits.failed_sign_in_window_minutes);
    let attempt = match &found {
        Some(user) => Some(claim_attempt(db, user, limits.failed_sign_ins, window).await?),
        None => None,
    };
    let matches = password::verify(
        password.to_string(),
        found.as_ref().map(|u| u.hashed_password.clone()),
    )
    .await?;
    let user = match (found, attempt) {
        (Some(user), Some(_)) if matches => user,
        (Some(user), Some(attempt)) => {
            log_failed_sign_in(db, &user, attempt, limits.failed_sign_ins, window).await;
            return Err(AppError::Unauthorized(BAD_CREDENTIALS.into()));
        }
        _ => {
            // No row per unknown address: the event log would grow with every guess.
            tracing::info!("sign-in refused for an unknown email");
            return Err(AppError::Unauthorized(BAD_CREDENTIALS.into()));
        }
    };
    user::Entity::update_many()
        .col_expr(user::Column::FailedSignIns, Expr::value(0))
        .col_expr(
            user::Column::FailedSignInsSince,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    if !user.is_active {
        return Err(deactivated());
    }
    let pair = issue_pair(db, keys, user.id, None).await?;
    event_log::record(
        db,
        Event::new(EventKind::Auth, "User signed in").user(user.id),
    )
    .await;
    Ok((user, pair))
}

/// The 429 of a locked account, or `None` while it may still try.
fn lock(user: &user::Model, limit: i32, window: Duration) -> Option<AppError> {
    let since = user.failed_sign_ins_since?;
    let remaining = since + window - Utc::now();
    (user.failed_sign_ins >= limit && remaining > Duration::zero()).then(|| AppError::RateLimited {
        message: format!(
            "Too many failed sign-ins for this account. Try again in {} minutes.",
            remaining.num_minutes() + 1
        ),
        retry_after_seconds: remaining.num_seconds().max(1) as u64,
    })
}

/// Takes the next place in the account's count of attempts (a window older than `window`
/// starts over), or answers 429 when the count is full. The write is a compare-and-set on
/// the values read, so concurrent attempts on any instance each take a place of their own.
async fn claim_attempt(
    db: &impl ConnectionTrait,
    user: &user::Model,
    limit: i32,
    window: Duration,
) -> Result<i32, AppError> {
    // Each round at least one contender wins, so this many rounds outlast as many parallel
    // attempts on one account; beyond that it is a flood, and refused.
    const TRIES: usize = 64;
    let mut seen = user.clone();
    for _ in 0..TRIES {
        if let Some(locked) = lock(&seen, limit, window) {
            return Err(locked);
        }
        let now = Utc::now();
        let fresh = seen
            .failed_sign_ins_since
            .is_some_and(|since| since > now - window);
        let (count, since) = if fresh {
            (seen.failed_sign_ins + 1, seen.failed_sign_ins_since)
        } else {
            (1, Some(now))
        };
        let unchanged = match seen.failed_sign_ins_since {
            Some(at) => user::Column::FailedSignInsSince.eq(at),
            None => user::Column::FailedSignInsSince.is_null(),
        };
        let written = user::Entity::update_many()
            .col_expr(user::Column::FailedSignIns, Expr::value(count))
            .col_expr(user::Column::FailedSignInsSince, Expr::value(since))
            .filter(user::Column::Id.eq(user.id))
            .filter(user::Column::FailedSignIns.eq(seen.failed_sign_ins))
            .filter(unchanged)
            .exec(db)
            .await?;
        if written.rows_affected == 1 {
            return Ok(count);
        }
        seen = users::find_by_id(db, user.id)
            .await?
            .ok_or_else(|| AppError::Unauthorized(BAD_CREDENTIALS.into()))?;
    }
    Err(AppError::RateLimited {
        message: "Too many sign-ins for this account at once. Try again in a moment.".into(),
        retry_after_seconds: 1,
    })
}

/// The event log keeps the failures up to the limit and one entry for the lock: bounded per
/// account and window, whatever an attacker sends.
async fn log_failed_sign_in(
    db: &impl ConnectionTrait,
    user: &user::Model,
    attempt: i32,
    limit: i32,
    window: Duration,
) {
    let event = if attempt == limit {
        Event::new(
            EventKind::Auth,
            format!(
                "Sign-in locked for {} minutes after {limit} failed attempts",
                window.num_minutes()
            ),
        )
    } else {
        Event::new(EventKind::Auth, "Failed sign-in")
    };
    event_log::record(
        db,
        event
            .level(EventLevel::Warn)
            .user(user.id)
            .data(json!({ "failures": attempt })),
    )
    .await;
}

/// What to do when a spent refresh token comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// The REST contract: any reuse is theft; revoke the whole family → 401.
    Strict,
    /// Browser sessions: parallel requests may all carry the old cookie for a moment. A reuse
    /// within this window authenticates without rotating (the first request set new cookies);
    /// later reuse is treated as theft.
    Grace(Duration),
}

pub enum Refreshed {
    Rotated(user::Model, TokenPair),
    /// A reuse inside the grace window: the user, but no new tokens.
    Concurrent(user::Model),
}

/// Exchanges a refresh token for a new pair (rotation). Reuse of a spent token revokes every
/// token of its family.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &TokenKeys,
    token: &str,
    reuse: Reuse,
) -> Result<Refreshed, AppError> {
    let claims = keys.verify(token, TokenKind::Refresh)?;
    let stored = refresh_token::Entity::find_by_id(claims.jti)
        .one(db)
        .await?
        .filter(|row| row.token_hash == sha256_hex(token) && row.user_id == claims.sub)
        .ok_or_else(|| AppError::Unauthorized("Invalid token".into()))?;
    let now = Utc::now();
    let user = users::find_by_id(db, stored.user_id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("Invalid token".into()))?;
    // Deactivation also revokes every token: saying why is more use than "revoked".
    if !user.is_active {
        return Err(deactivated());
    }
    if stored.revoked_at.is_some() {
        return Err(AppError::Unauthorized(
            "Refresh token has been revoked".into(),
        ));
    }

    if let Some(used_at) = stored.used_at {
        if let Reuse::Grace(window) = reuse {
            if now - used_at <= window {
                return Ok(Refreshed::Concurrent(user));
            }
        }
        revoke_family(db, stored.family_id).await?;
        event_log::record(
            db,
            Event::new(
                EventKind::Auth,
                "Refresh token reused: session family revoked",
            )
            .level(EventLevel::Warn)
            .user(stored.user_id),
        )
        .await;
        return Err(AppError::Unauthorized(SPENT_REFRESH.into()));
    }

    let txn = db.begin().await?;
    // Conditional: of two racing refreshes with the same token, exactly one rotates.
    let spent = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        return match reuse {
            Reuse::Grace(_) => Ok(Refreshed::Concurrent(user)),
            Reuse::Strict => Err(AppError::Unauthorized(SPENT_REFRESH.into())),
        };
    }
    let pair = issue_pair(&txn, keys, user.id, Some(stored.family_id)).await?;
    txn.commit().await?;
    Ok(Refreshed::Rotated(user, pair))
}

/// Signs out: revokes the refresh token's whole family. Unknown or invalid tokens are ignored.
pub async fn logout(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    refresh: &str,
) -> Result<(), AppError> {
    let Ok(claims) = keys.verify(refresh, TokenKind::Refresh) else {
        return Ok(());
    };
    if let Some(row) = refresh_token::Entity::find_by_id(claims.jti)
        .one(db)
        .await?
    {
        revoke_family(db, row.family_id).await?;
        event_log::record(
            db,
            Event::new(EventKind::Auth, "User signed out").user(row.user_id),
        )
        .await;
    }
    Ok(())
}

async fn revoke_family(db: &impl ConnectionTrait, family: Uuid) -> Result<(), AppError> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Signs a user out of every session: their refresh tokens are revoked, and access tokens
/// issued before this millisecond are refused from now on (`authenticate_access`). A pair
/// issued afterwards (the browser that asked, after a password change) works.
pub async fn end_sessions(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), AppError> {
    let now = Utc::now();
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    // Whole milliseconds, as a token's `iat_ms`: a pair issued later this millisecond works.
    let cutoff = chrono::DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    user::Entity::update_many()
        .col_expr(user::Column::SessionsRevokedAt, Expr::value(cutoff))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The active user behind an access token, or 401.
pub async fn authenticate_access(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    token: &str,
) -> Result<user::Model, AppError> {
    let claims = keys.verify(token, TokenKind::Access)?;
    match users::find_by_id(db, claims.sub).await? {
        // Deactivation also ends every session: saying why is more use than "signed out".
        Some(user) if !user.is_active => Err(deactivated()),
        Some(user)
            if user
                .sessions_revoked_at
                .is_some_and(|at| claims.issued_at_ms() < at.timestamp_millis()) =>
        {
            Err(AppError::Unauthorized("This session was signed out".into()))
        }
        Some(user) => Ok(user),
        None => Err(AppError::Unauthorized("Invalid token".into())),
    }
}

/// Sends a reset link when the email has an account. Says nothing either way (no
/// enumeration), and takes the same time either way: the answer waits for nothing but the
/// spawn of one background task, which looks the address up, stores the token and sends the
/// mail. A slow mail server or a known address can no longer be told apart by timing.
pub fn forgot_password(
    db: &DatabaseConnection,
    mailer: &Arc<Mailer>,
    settings: &Settings,
    email: &str,
) -> tokio::task::JoinHandle<()> {
    let (db, mailer) = (db.clone(), mailer.clone());
    let ttl = Duration::minutes(settings.auth.password_reset_minutes);
    let public_url = settings.server.public_url.clone();
    let email = email.to_string();
    tokio::spawn(async move {
        if let Err(err) = send_reset_link(&db, &mailer, ttl, &public_url, &email).await {
            // Already logged where it happened (AppError's conversions); the requester was
            // answered long ago and must not learn anything from it.
            tracing::warn!(error = %err, "password reset request not completed");
        }
    })
}

async fn send_reset_link(
    db: &DatabaseConnection,
    mailer: &Mailer,
    ttl: Duration,
    public_url: &str,
    email: &str,
) -> Result<(), AppError> {
    let Ok(email) = users::normalize_email(email) else {
        return Ok(());
    };
    let Some(user) = users::find_by_email(db, &email)
        .await?
        .filter(|u| u.is_active)
    else {
        return Ok(());
    };
    let token = random_token(32);
    let now = Utc::now();
    password_reset_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        public_url.trim_end_matches('/')
    );
    let email = Email {
        to: user.email.clone(),
        subject: "Reset your PostPilot password".into(),
        body: format!(
            "Someone asked to reset the password of your PostPilot account.\n\n\
             Open this link within {} minutes to choose a new one:\n{link}\n\n\
             If it was not you, ignore this email: your password stays as it is.",
            ttl.num_minutes()
        ),
    };
    mailer.send(db, Some(user.id), email).await;
    Ok(())
}

/// Sets a new password with a reset token: once, before it expires. Every session of the user
/// is signed out.
pub async fn reset_password(
    db: &impl ConnectionTrait,
    token: &str,
    new_password: &str,
) -> Result<(), AppError> {
    users::validate_password(new_password)?;
    let invalid = || AppError::BadRequest("This reset link is invalid or has expired".into());
    let now = Utc::now();
    let row = password_reset_token::Entity::find()
        .filter(password_reset_token::Column::TokenHash.eq(sha256_hex(token.trim())))
        .one(db)
        .await?
        .filter(|row| row.used_at.is_none() && row.expires_at > now)
        .ok_or_else(invalid)?;
    let claimed = password_reset_token::Entity::update_many()
        .col_expr(
            password_reset_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(password_reset_token::Column::Id.eq(row.id))
        .filter(password_reset_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(invalid());
    }
    let user = users::find_by_id(db, row.user_id)
        .await?
        .ok_or_else(invalid)?;
    let user_id = user.id;
    users::set_password(db, user, new_password.to_string()).await?;
    end_sessions(db, user_id).await?;
    event_log::record(
        db,
        Event::new(EventKind::Auth, "Password reset").user(user_id),
    )
    .await;
    Ok(())
}

pub struct ProvisionRequest {
    pub email: String,
    pub password: Option<String>,
    pub plan: Option<PlanTier>,
    pub external_platform_id: Option<String>,
    pub external_store_id: Option<String>,
}

/// Creates a user for the platform, with an API key shown once that works for the platform's
/// calls whatever the user's plan. Only admins, or API keys with the `provision` scope, may
/// call it (checked by the caller's authentication).
pub async fn provision<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Uuid,
    request: ProvisionRequest,
) -> Result<ProvisionedUser, AppError> {
    let plan = request.plan.unwrap_or_default();
    let password = request.password.unwrap_or_else(|| random_token(24));
    // The new user's email is checked, then inserted: a write transaction from the start, so
    // SQLite cannot refuse it midway with "database is locked".
    let txn = db::begin_owner_write(db, actor).await?;
    let user = users::create(
        &txn,
        users::NewUser {
            email: request.email,
            password,
            plan,
            role: Role::Member,
            external_platform_id: request.external_platform_id,
            external_store_id: request.external_store_id,
        },
    )
    .await?;
    let key = api_keys::create_unchecked(
        &txn,
        user.id,
        "Provisioned",
        vec!["read".into(), "write".into()],
        api_keys::KeyOrigin::Platform,
    )
    .await?;
    txn.commit().await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "User provisioned")
            .user(user.id)
            .data(json!({ "by": actor, "plan": plan })),
    )
    .await;
    Ok(ProvisionedUser {
        user_id: user.id,
        email: user.email,
        plan,
        api_key: key.key,
    })
}
