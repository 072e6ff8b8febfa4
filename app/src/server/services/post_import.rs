//! Posts from a CSV file: a preview that checks every row (its account, its time in the
//! user's zone, the platform's rules through `posts::check_new`, the plan's allowance) and
//! writes nothing, then a commit that checks again and inserts every row in one transaction,
//! or none.

use std::collections::HashMap;

use chrono::DateTime;
use chrono::Utc;
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::local_time;
use super::posts::{self, CheckedPost, NewPost};
use crate::error::AppError;
use crate::model::{EventKind, ImportPreview, ImportRow, PostStatus};
use crate::server::csv;
use crate::server::db;
use crate::server::entities::{social_account, user};

/// The file the import page offers: every column, and two rows that show the formats.
pub const TEMPLATE_CSV: &str = "account,content,hashtags,media,time\r\n\
My Shop Instagram,\"New mugs are in, just in time for winter \u{2615}\",#mugs #winter,https://cdn.example.com/mug.jpg,2026-12-01 09:30\r\n\
My Shop Facebook,\"A draft: leave \"\"time\"\" empty and it waits in your drafts\",#sale,,\r\n";

/// The most posts one file may hold.
pub const MAX_ROWS: usize = 500;
/// The largest file accepted, in bytes.
pub const MAX_BYTES: usize = 1 << 20;

const COLUMNS: &str = "account, content, hashtags, media, time";

/// Where each known column is in the file.
#[derive(Debug, Default)]
struct Columns {
    account: usize,
    content: usize,
    hashtags: Option<usize>,
    media: Option<usize>,
    time: Option<usize>,
}

fn columns(header: &[String]) -> Result<Columns, AppError> {
    let mut found: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase();
        let known = match name.as_str() {
            "account" => "account",
            "content" => "content",
            "hashtags" => "hashtags",
            "media" | "media_urls" => "media",
            "time" | "scheduled_for" => "time",
            // Other columns (an export's id, status…) are ignored.
            _ => continue,
        };
        if found.insert(known, i).is_some() {
            return Err(AppError::validation(
                "file",
                format!("The column \"{known}\" appears twice in the header"),
            ));
        }
    }
    let required = |name: &str| {
        found.get(name).copied().ok_or_else(|| {
            AppError::validation(
                "file",
                format!(
                    "The file has no \"{name}\" column. The first line must name the columns: \
                     {COLUMNS}"
                ),
            )
        })
    };
    Ok(Columns {
        account: required("account")?,
        content: required("content")?,
        hashtags: found.get("hashtags").copied(),
        media: found.get("media").copied(),
        time: found.get("time").copied(),
    })
}

/// Words separated by spaces (or commas).
fn words(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The owner's account a row names: by id, or by name or external id (case-insensitive).
fn resolve_account(
    accounts: &[social_account::Model],
    value: &str,
) -> Result<social_account::Model, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("The account is missing".into());
    }
    if let Ok(id) = value.parse::<Uuid>() {
        if let Some(account) = accounts.iter().find(|a| a.id == id) {
            return usable(account, value);
        }
    }
    let matches: Vec<&social_account::Model> = accounts
        .iter()
        .filter(|a| {
            a.account_name.trim().eq_ignore_ascii_case(value)
                || a.account_name.trim().to_lowercase() == value.to_lowercase()
                || a.account_id_external.eq_ignore_ascii_case(value)
        })
        .collect();
    let connected: Vec<&&social_account::Model> =
        matches.iter().filter(|a| a.is_connected).collect();
    match (connected.as_slice(), matches.first()) {
        ([one], _) => Ok((**one).clone()),
        ([], None) => Err(format!(
            "No connected account is called \"{value}\" (use an account's name or id)"
        )),
        ([], Some(disconnected)) => usable(disconnected, value),
        (several, _) => Err(format!(
            "\"{value}\" matches {} accounts ({}): use the account's id instead",
            several.len(),
            several
                .iter()
                .map(|a| a.platform.label())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn usable(account: &social_account::Model, value: &str) -> Result<social_account::Model, String> {
    if account.is_connected {
        Ok(account.clone())
    } else {
        Err(format!(
            "The account \"{value}\" is disconnected: reconnect it before importing posts for it"
        ))
    }
}

/// The rows of a file as read, each with its checked post or the reason it would be refused.
struct Checked {
    rows: Vec<ImportRow>,
    /// The posts of the rows without an error, in file order.
    posts: Vec<CheckedPost>,
}

async fn check_file(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    text: &str,
    zone: Tz,
) -> Result<Checked, AppError> {
    if text.len() > MAX_BYTES {
        return Err(AppError::validation(
            "file",
            format!(
                "The file is larger than {} MB: split it into smaller files",
                MAX_BYTES >> 20
            ),
        ));
    }
    let records = csv::parse(text).map_err(|why| AppError::validation("file", why))?;
    let Some((header, records)) = records.split_first() else {
        return Err(AppError::validation("file", "The file is empty"));
    };
    let columns = columns(&header.fields)?;
    if records.is_empty() {
        return Err(AppError::validation(
            "file",
            "The file has a header but no posts",
        ));
    }
    if records.len() > MAX_ROWS {
        return Err(AppError::validation(
            "file",
            format!(
                "A file may hold at most {MAX_ROWS} posts (this one has {})",
                records.len()
            ),
        ));
    }
    let accounts = social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(owner.id))
        .all(db)
        .await?;
    let remaining = posts::remaining_allowance(db, owner).await?;
    let mut checked = Checked {
        rows: Vec::with_capacity(records.len()),
        posts: Vec::new(),
    };
    for record in records {
        let cell = |at: Option<usize>| {
            at.and_then(|i| record.fields.get(i))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let mut row = ImportRow {
            line: record.line,
            account: cell(Some(columns.account)),
            content: cell(Some(columns.content)),
            hashtags: words(&cell(columns.hashtags)),
            media_urls: words(&cell(columns.media)),
            time: cell(columns.time),
            error: None,
        };
        let result = if record.fields.len() > header.fields.len() {
            Err(format!(
                "This line has {} values but the header names {} columns (a value with a \
                 comma needs quotes around it)",
                record.fields.len(),
                header.fields.len()
            ))
        } else {
            check_row(db, owner, &accounts, &row, zone).await
        };
        match result {
            // The rows past the plan's allowance are refused, each saying how many fit.
            Ok(_) if remaining.is_some_and(|left| checked.posts.len() as u64 >= left) => {
                row.error = Some(allowance_left(owner, remaining.unwrap_or_default()));
            }
            Ok(post) => checked.posts.push(post),
            Err(why) => row.error = Some(why),
        }
        checked.rows.push(row);
    }
    Ok(checked)
}

/// "Your Free plan allows 3 more posts this month".
fn allowance_left(owner: &user::Model, left: u64) -> String {
    let plan = owner.plan.limits().name;
    match left {
        0 => format!("Your {plan} plan allows no more posts this month"),
        1 => format!("Your {plan} plan allows 1 more post this month"),
        n => format!("Your {plan} plan allows {n} more posts this month"),
    }
}

/// One row through the same checks as a post made in the composer.
async fn check_row(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    accounts: &[social_account::Model],
    row: &ImportRow,
    zone: Tz,
) -> Result<CheckedPost, String> {
    let account = resolve_account(accounts, &row.account)?;
    let scheduled_for: Option<DateTime<Utc>> = if row.time.is_empty() {
        None
    } else {
        let local = local_time::parse_local(&row.time, "time").map_err(|e| e.to_string())?;
        Some(local_time::to_utc(zone, local, None, "time").map_err(|e| e.to_string())?)
    };
    let new = NewPost {
        account_id: account.id,
        content: row.content.clone(),
        media_urls: row.media_urls.clone(),
        hashtags: row.hashtags.clone(),
        scheduled_for,
        queue_item_id: None,
    };
    posts::check_new(db, owner, new).await.map_err(|err| {
        if err == posts::not_future() {
            format!("The time {} is in the past", row.time)
        } else {
            err.to_string()
        }
    })
}

/// Reads and checks a CSV file of posts without saving anything: each row with the reason
/// it would be refused, if any.
pub async fn preview(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    csv: &str,
    zone: Tz,
) -> Result<ImportPreview, AppError> {
    let checked = check_file(db, owner, csv, zone).await?;
    let valid = checked.posts.len() as u64;
    Ok(ImportPreview {
        invalid: checked.rows.len() as u64 - valid,
        valid,
        rows: checked.rows,
    })
}

/// Checks the file again and imports every row in one transaction, within the plan's
/// allowance, or nothing at all (any refused row refuses the file). Returns how many posts
/// were created.
pub async fn commit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    csv: &str,
    zone: Tz,
) -> Result<u64, AppError> {
    let checked = check_file(db, owner, csv, zone).await?;
    let invalid = checked.rows.len() - checked.posts.len();
    if invalid > 0 {
        return Err(AppError::validation(
            "file",
            if invalid == 1 {
                "1 row has errors: nothing was imported".to_string()
            } else {
                format!("{invalid} rows have errors: nothing was imported")
            },
        ));
    }
    let created = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        // Under the owner's write lock, so two imports at once cannot both fit.
        if let Some(left) = posts::remaining_allowance(&txn, owner).await? {
            if checked.posts.len() as u64 > left {
                return Err(AppError::Forbidden(format!(
                    "{} and this file has {}: nothing was imported",
                    allowance_left(owner, left),
                    checked.posts.len()
                )));
            }
        }
        let mut created = Vec::with_capacity(checked.posts.len());
        for post in &checked.posts {
            created.push(posts::insert_within_allowance(&txn, owner, post).await?);
        }
        txn.commit().await?;
        Ok(created)
    })
    .await?;
    let mut events: Vec<Event> = created
        .iter()
        .filter(|p| p.status == PostStatus::Scheduled)
        .map(posts::scheduled_event)
        .collect();
    events.push(
        Event::new(
            EventKind::Audit,
            format!("{} posts imported from a CSV file", created.len()),
        )
        .user(owner.id)
        .data(json!({ "count": created.len() })),
    );
    event_log::record_many(db, events).await;
    Ok(created.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;

    fn account(name: &str, platform: Platform, connected: bool) -> social_account::Model {
        let now = Utc::now();
        social_account::Model {
            id: Uuid::new_v4(),
            user_id: Uuid::new_v4(),
            platform,
            account_name: name.into(),
            account_id_external: format!("ext-{name}"),
            access_token_enc: None,
            refresh_token_enc: None,
            token_expires_at: None,
            needs_reconnect: false,
            reconnect_reason: None,
            platform_login: false,
            is_connected: connected,
            connected_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_template_reads_as_two_posts() {
        let records = csv::parse(TEMPLATE_CSV).unwrap();
        assert_eq!(records.len(), 3);
        let cols = columns(&records[0].fields).unwrap();
        assert_eq!((cols.account, cols.content, cols.time), (0, 1, Some(4)));
        assert!(records[1].fields[1].contains("winter"));
        assert_eq!(records[2].fields[4], "");
    }

    #[test]
    fn headers_in_any_order_and_case() {
        let header: Vec<String> = ["Time", " CONTENT ", "id", "Account"]
            .map(String::from)
            .to_vec();
        let cols = columns(&header).unwrap();
        assert_eq!((cols.account, cols.content, cols.time), (3, 1, Some(0)));
        assert_eq!(cols.media, None);
        let err = columns(&["content".to_string()]).unwrap_err();
        assert_eq!(err.field(), Some("file"));
        assert!(err.to_string().contains("\"account\""), "{err}");
    }

    #[test]
    fn accounts_by_name_id_or_external_id() {
        let ig = account("Shop", Platform::Instagram, true);
        let fb = account("Shop", Platform::Facebook, true);
        let old = account("Old", Platform::Tiktok, false);
        let all = vec![ig.clone(), fb.clone(), old.clone()];
        assert_eq!(resolve_account(&all, &ig.id.to_string()).unwrap().id, ig.id);
        assert!(resolve_account(&all, "shop")
            .unwrap_err()
            .contains("matches 2 accounts"));
        assert_eq!(resolve_account(&all[..1], "SHOP").unwrap().id, ig.id);
        assert!(
            resolve_account(&all, "ext-Shop").is_err(),
            "two accounts share it"
        );
        assert_eq!(resolve_account(&all[1..], "EXT-shop").unwrap().id, fb.id);
        assert!(resolve_account(&all, "old")
            .unwrap_err()
            .contains("disconnected"));
        assert!(resolve_account(&all, "nobody")
            .unwrap_err()
            .contains("\"nobody\""));
    }
}
