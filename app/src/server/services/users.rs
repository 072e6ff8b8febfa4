//! Users: lookup, creation and the admin bootstrap. Emails are stored lower-cased and trimmed,
//! which makes uniqueness case-insensitive on both databases.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    SqlErr,
};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{PlanTier, Role};
use crate::server::auth::password;
use crate::server::entities::user;

pub const MIN_PASSWORD_LEN: usize = 8;
/// Long enough for any passphrase, short enough that hashing cannot be abused.
pub const MAX_PASSWORD_LEN: usize = 256;

/// A trimmed, lower-cased, plausible email address, or a 422 naming the field.
pub fn normalize_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    let invalid = || AppError::validation("email", "Enter a valid email address");
    if email.is_empty() {
        return Err(AppError::validation("email", "Email is required"));
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

pub fn validate_password(password: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(AppError::validation(
            "password",
            format!("Password must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(AppError::validation(
            "password",
            format!("Password must be at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

pub struct NewUser {
    pub email: String,
    pub password: String,
    pub plan: PlanTier,
    pub role: Role,
    pub external_platform_id: Option<String>,
    pub external_store_id: Option<String>,
}

impl NewUser {
    pub fn member(email: &str, password: &str) -> Self {
        NewUser {
            email: email.to_string(),
            password: password.to_string(),
            plan: PlanTier::Free,
            role: Role::Member,
            external_platform_id: None,
            external_store_id: None,
        }
    }
}

/// Creates a user after validating email and password. A taken email (in any case) → 409.
pub async fn create(db: &impl ConnectionTrait, new: NewUser) -> Result<user::Model, AppError> {
    let email = normalize_email(&new.email)?;
    validate_password(&new.password)?;
    if find_by_email(db, &email).await?.is_some() {
        return Err(email_taken());
    }
    let hashed = password::hash(new.password).await?;
    let now = Utc::now();
    let model = user::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email),
        hashed_password: Set(hashed),
        plan: Set(new.plan),
        role: Set(new.role),
        timezone: Set("UTC".into()),
        is_active: Set(true),
        stripe_customer_id: Set(None),
        external_platform_id: Set(new.external_platform_id),
        external_store_id: Set(new.external_store_id),
        created_at: Set(now),
        updated_at: Set(now),
        failed_sign_ins: Set(0),
        failed_sign_ins_since: Set(None),
        sessions_revoked_at: Set(None),
        media_bytes: Set(0),
    };
    model.insert(db).await.map_err(|err| match err.sql_err() {
        // Two registrations raced past the check above.
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => err.into(),
    })
}

fn email_taken() -> AppError {
    AppError::Conflict("An account with this email already exists".into())
}

/// Sets a new password (already validated by the caller's rules here).
pub async fn set_password(
    db: &impl ConnectionTrait,
    user: user::Model,
    new_password: String,
) -> Result<user::Model, AppError> {
    validate_password(&new_password)?;
    let hashed = password::hash(new_password).await?;
    let mut active = user.into_active_model();
    active.hashed_password = Set(hashed);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Sets the zone every page shows times in; an IANA name chrono-tz knows ("Europe/Paris").
pub async fn set_timezone(
    db: &impl ConnectionTrait,
    user: user::Model,
    zone: &str,
) -> Result<user::Model, AppError> {
    let zone = zone.trim();
    if zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(AppError::validation(
            "timezone",
            format!("Unknown time zone {zone:?}"),
        ));
    }
    let mut active = user.into_active_model();
    active.timezone = Set(zone.to_string());
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

pub enum AdminOutcome {
    Created(user::Model),
    Promoted(user::Model),
}

/// `postpilot create-admin`: creates an admin, or promotes (and re-passwords) an existing user.
pub async fn create_or_promote_admin(
    db: &impl ConnectionTrait,
    email: &str,
    password: &str,
) -> Result<AdminOutcome, AppError> {
    let email = normalize_email(email)?;
    validate_password(password)?;
    if let Some(existing) = find_by_email(db, &email).await? {
        let mut active = set_password(db, existing, password.to_string())
            .await?
            .into_active_model();
        active.role = Set(Role::Admin);
        active.is_active = Set(true);
        active.updated_at = Set(Utc::now());
        return Ok(AdminOutcome::Promoted(active.update(db).await?));
    }
    let mut new = NewUser::member(&email, password);
    new.role = Role::Admin;
    new.plan = PlanTier::Enterprise;
    Ok(AdminOutcome::Created(create(db, new).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert_eq!(normalize_email(bad).unwrap_err().status(), 422, "{bad:?}");
        }
        assert_eq!(normalize_email("x").unwrap_err().field(), Some("email"));
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(validate_password("12345678").is_ok());
        assert_eq!(
            validate_password("1234567").unwrap_err().field(),
            Some("password")
        );
        assert!(validate_password(&"x".repeat(257)).is_err());
    }
}
