//! The engine's journal: event-log entries of the batch in flight, written together when the
//! batch is done (one insert instead of one per post).

use std::time::Instant;

use serde_json::json;

use super::engine::Engine;
use crate::model::{EventKind, EventLevel};
use crate::server::entities::{post, social_account};
use crate::server::services::event_log::{self, Event};

impl Engine {
    pub(super) async fn note(&self, event: Event) {
        self.journal.lock().expect("journal lock").push(event);
    }

    pub(super) async fn flush_journal(&self) {
        let events = std::mem::take(&mut *self.journal.lock().expect("journal lock"));
        event_log::record_many(&self.db, events).await;
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn log(
        &self,
        post: &post::Model,
        account: &social_account::Model,
        started: Instant,
        level: EventLevel,
        message: &str,
        code: Option<&str>,
        extra: serde_json::Value,
    ) {
        let mut data = json!({
            "account_id": account.id,
            "account": account.account_name,
            "platform": account.platform,
            "latency_ms": started.elapsed().as_millis() as u64,
            "response_code": code,
            "instance": self.instance,
        });
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        self.note(
            Event::new(EventKind::Publish, message)
                .level(level)
                .user(post.user_id)
                .post(post.id)
                .data(data),
        )
        .await;
    }
}
