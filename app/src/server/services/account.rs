//! The signed-in user's own account (the settings page): email, password, sessions, the
//! export of everything they own, and deleting it all. Time zones are `users::set_timezone`.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
};
use serde_json::{json, Map, Value};

use super::event_log::{self, Event};
use super::{auth, users};
use crate::error::AppError;
use crate::model::{EventKind, Role, TokenPair};
use crate::server::auth::password;
use crate::server::auth::tokens::TokenKeys;
use crate::server::entities::{
    api_key, caption_generation, content_queue, event_log as log, post, post_metrics,
    social_account, subscription, template, user,
};

/// Columns that never leave the database, even to their owner: credentials and their hashes.
const SECRET_COLUMNS: [&str; 4] = [
    "hashed_password",
    "key_hash",
    "access_token_enc",
    "refresh_token_enc",
];

/// The most event-log entries an export carries (the newest); older ones are summarised.
const EXPORT_EVENT_LIMIT: u64 = 10_000;

/// The current password, or a 422 on the field that asked for it.
async fn check_current_password(owner: &user::Model, current: &str) -> Result<(), AppError> {
    if current.is_empty() {
        return Err(AppError::validation(
            "current_password",
            "Enter your current password",
        ));
    }
    if !password::verify(current.to_string(), Some(owner.hashed_password.clone())).await? {
        return Err(AppError::validation(
            "current_password",
            "Your current password is not correct",
        ));
    }
    Ok(())
}

/// Changes the sign-in email after checking the password. The old address is in the log.
pub async fn change_email(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    new_email: &str,
    current_password: &str,
) -> Result<user::Model, AppError> {
    let email = users::normalize_email(new_email)?;
    if email == owner.email {
        return Err(AppError::validation("email", "This is already your email"));
    }
    check_current_password(owner, current_password).await?;
    if users::find_by_email(db, &email).await?.is_some() {
        return Err(email_taken());
    }
    let mut active = owner.clone().into_active_model();
    active.email = Set(email.clone());
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await.map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => err.into(),
    })?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Email changed")
            .user(owner.id)
            .data(json!({ "from": owner.email, "to": email })),
    )
    .await;
    Ok(updated)
}

fn email_taken() -> AppError {
    AppError::validation("email", "Another account uses this email")
}

/// Sets a new password after checking the current one, and signs out every other session:
/// returns a fresh pair for the browser that asked. The new hash, the end of the old
/// sessions and the new pair are written together or not at all.
pub async fn change_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &TokenKeys,
    owner: &user::Model,
    current_password: &str,
    new_password: &str,
) -> Result<TokenPair, AppError> {
    check_current_password(owner, current_password).await?;
    users::validate_password(new_password).map_err(|err| match err {
        AppError::Validation { message, .. } => AppError::validation("new_password", message),
        other => other,
    })?;
    if current_password == new_password {
        return Err(AppError::validation(
            "new_password",
            "Choose a password different from the current one",
        ));
    }
    // Hashed before the transaction: it is deliberately slow and needs no lock.
    let hashed = password::hash(new_password.to_string()).await?;
    let txn = db.begin().await?;
    let mut active = owner.clone().into_active_model();
    active.hashed_password = Set(hashed);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    auth::end_sessions(&txn, owner.id).await?;
    let pair = auth::issue_pair(&txn, keys, owner.id, None).await?;
    txn.commit().await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Auth,
            "Password changed; other sessions signed out",
        )
        .user(owner.id),
    )
    .await;
    Ok(pair)
}

/// Signs the user out of every browser and API session, this one included (API keys stay:
/// they are revoked one by one on the API keys page).
pub async fn sign_out_everywhere(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<(), AppError> {
    auth::end_sessions(db, owner.id).await?;
    event_log::record(
        db,
        Event::new(EventKind::Auth, "Signed out everywhere").user(owner.id),
    )
    .await;
    Ok(())
}

/// Rows as JSON objects without their secret columns.
fn public_rows(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .map(|mut row| {
            if let Value::Object(map) = &mut row {
                for column in SECRET_COLUMNS {
                    map.remove(column);
                }
            }
            row
        })
        .collect()
}

/// Everything the user owns, as one JSON document: the profile, subscription, social accounts
/// (without tokens), posts with their metrics, the content queue, caption generations,
/// templates, API keys (without secrets) and their newest event-log entries.
pub async fn export(db: &impl ConnectionTrait, owner: &user::Model) -> Result<Value, AppError> {
    let id = owner.id;
    let profile = user::Entity::find_by_id(id)
        .into_json()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    let posts = post::Entity::find()
        .filter(post::Column::UserId.eq(id))
        .order_by_asc(post::Column::CreatedAt)
        .order_by_asc(post::Column::Id);
    let (
        subscription,
        accounts,
        posts,
        metrics,
        queue,
        captions,
        templates,
        keys,
        events,
        event_total,
    ) = futures::try_join!(
        subscription::Entity::find()
            .filter(subscription::Column::UserId.eq(id))
            .into_json()
            .one(db),
        social_account::Entity::find()
            .filter(social_account::Column::UserId.eq(id))
            .order_by_asc(social_account::Column::CreatedAt)
            .into_json()
            .all(db),
        posts.into_json().all(db),
        post_metrics::Entity::find()
            .filter(
                post_metrics::Column::PostId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(post::Column::Id)
                        .from(post::Entity)
                        .and_where(post::Column::UserId.eq(id))
                        .to_owned(),
                ),
            )
            .order_by_asc(post_metrics::Column::PostId)
            .into_json()
            .all(db),
        content_queue::Entity::find()
            .filter(content_queue::Column::UserId.eq(id))
            .order_by_asc(content_queue::Column::CreatedAt)
            .into_json()
            .all(db),
        caption_generation::Entity::find()
            .filter(caption_generation::Column::UserId.eq(id))
            .order_by_asc(caption_generation::Column::CreatedAt)
            .into_json()
            .all(db),
        template::Entity::find()
            .filter(template::Column::UserId.eq(id))
            .order_by_asc(template::Column::CreatedAt)
            .into_json()
            .all(db),
        api_key::Entity::find()
            .filter(api_key::Column::UserId.eq(id))
            .order_by_asc(api_key::Column::CreatedAt)
            .into_json()
            .all(db),
        log::Entity::find()
            .filter(log::Column::UserId.eq(id))
            .order_by_desc(log::Column::At)
            .order_by_desc(log::Column::Id)
            .limit(EXPORT_EVENT_LIMIT)
            .into_json()
            .all(db),
        log::Entity::find()
            .filter(log::Column::UserId.eq(id))
            .count(db),
    )?;
    let mut document = Map::new();
    document.insert("format".into(), json!("postpilot-export/1"));
    document.insert("exported_at".into(), json!(Utc::now()));
    document.insert("user".into(), public_rows(vec![profile]).remove(0));
    document.insert("subscription".into(), subscription.unwrap_or(Value::Null));
    document.insert("social_accounts".into(), json!(public_rows(accounts)));
    document.insert("posts".into(), json!(posts));
    document.insert("post_metrics".into(), json!(metrics));
    document.insert("content_queue".into(), json!(queue));
    document.insert("caption_generations".into(), json!(captions));
    document.insert("templates".into(), json!(templates));
    document.insert("api_keys".into(), json!(public_rows(keys)));
    document.insert("event_log_total".into(), json!(event_total));
    document.insert("event_log".into(), json!(events));
    event_log::record(db, Event::new(EventKind::Audit, "Data exported").user(id)).await;
    Ok(Value::Object(document))
}

/// Deletes the account and everything it owns (its social accounts are disconnected with it,
/// its subscription ends, its event-log entries go). `confirm_email` must be the account's
/// email. The last active admin cannot delete themselves: nobody could administer the site.
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    confirm_email: &str,
) -> Result<(), AppError> {
    if confirm_email.trim().to_lowercase() != owner.email {
        return Err(AppError::validation(
            "confirm_email",
            "Type your account's email exactly to confirm",
        ));
    }
    let txn = db.begin().await?;
    if owner.role == Role::Admin {
        let other_admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin))
            .filter(user::Column::IsActive.eq(true))
            .filter(user::Column::Id.ne(owner.id))
            .count(&txn)
            .await?;
        if other_admins == 0 {
            return Err(AppError::BadRequest(
                "You are the only admin: make someone else an admin before deleting your account"
                    .into(),
            ));
        }
    }
    let plan = owner.plan;
    let subscribed = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(owner.id))
        .one(&txn)
        .await?
        .is_some();
    // Everything else the user owns goes with the row (foreign keys cascade); the log has no
    // foreign keys, so its entries about the user are removed here.
    log::Entity::delete_many()
        .filter(log::Column::UserId.eq(owner.id))
        .exec(&txn)
        .await?;
    let deleted = user::Entity::delete_by_id(owner.id).exec(&txn).await?;
    if deleted.rows_affected != 1 {
        return Err(AppError::not_found("User"));
    }
    txn.commit().await?;
    // Kept without the email: the account is gone, the fact that it was deleted is not.
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Account deleted by its owner").data(json!({
            "user_id": owner.id,
            "plan": plan,
            "subscription_cancelled": subscribed,
        })),
    )
    .await;
    Ok(())
}
