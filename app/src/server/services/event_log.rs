//! The event log that admins read: logins, key changes, publishing attempts, webhooks.
//! Recording never fails the caller's request: a log write that fails is reported to tracing.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::model::{EventKind, EventLevel};
use crate::server::entities::event_log;

pub struct Event {
    pub kind: EventKind,
    pub level: EventLevel,
    pub user_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub message: String,
    pub data: Value,
}

impl Event {
    pub fn new(kind: EventKind, message: impl Into<String>) -> Self {
        Event {
            kind,
            level: EventLevel::Info,
            user_id: None,
            post_id: None,
            message: message.into(),
            data: Value::Object(Default::default()),
        }
    }

    pub fn level(mut self, level: EventLevel) -> Self {
        self.level = level;
        self
    }

    pub fn user(mut self, user_id: Uuid) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn post(mut self, post_id: Uuid) -> Self {
        self.post_id = Some(post_id);
        self
    }

    pub fn data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, event: Event) {
    if let Err(err) = row(event).insert(db).await {
        tracing::error!(error = %err, "could not write the event log");
    }
}

/// Several entries in as few statements as the database allows.
pub async fn record_many(db: &impl ConnectionTrait, events: Vec<Event>) {
    let mut rows = events.into_iter().map(row).peekable();
    while rows.peek().is_some() {
        // 500 rows × 8 columns stays far below SQLite's bound-parameter limit.
        let chunk: Vec<event_log::ActiveModel> = rows.by_ref().take(500).collect();
        let count = chunk.len();
        if let Err(err) = event_log::Entity::insert_many(chunk).exec(db).await {
            tracing::error!(error = %err, count, "could not write event log entries");
        }
    }
}

fn row(event: Event) -> event_log::ActiveModel {
    event_log::ActiveModel {
        id: Set(Uuid::new_v4()),
        at: Set(Utc::now()),
        kind: Set(event.kind),
        level: Set(event.level),
        user_id: Set(event.user_id),
        post_id: Set(event.post_id),
        message: Set(event.message),
        data: Set(event.data),
    }
}
