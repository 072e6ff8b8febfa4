//! Outgoing email. With `email.smtp_url` set, mail goes out over SMTP; without it (development,
//! demos) the message is written to the log and to the admin event log, so a reset link can
//! still be followed.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use super::config::EmailSettings;
use super::services::event_log::{self, Event};
use crate::model::{EventKind, EventLevel};

pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub enum Mailer {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    Log,
}

impl Mailer {
    pub fn from_settings(settings: &EmailSettings) -> Result<Self, String> {
        if settings.smtp_url.is_empty() {
            return Ok(Mailer::Log);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|e| format!("email.smtp_url is not a valid SMTP URL: {e}"))?
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|e| format!("email.from is not a valid address: {e}"))?;
        Ok(Mailer::Smtp {
            transport: Box::new(transport),
            from,
        })
    }

    /// Sends (or logs) the email. Delivery problems are logged, never shown to the requester,
    /// who must not learn whether an address has an account.
    pub async fn send(&self, db: &impl ConnectionTrait, user_id: Option<Uuid>, email: Email) {
        match self {
            Mailer::Log => {
                tracing::info!(to = %email.to, subject = %email.subject, "email (no SMTP configured):\n{}", email.body);
                let mut event = Event::new(EventKind::Audit, format!("Email to {}: {}", email.to, email.subject))
                    .data(json!({ "to": email.to, "subject": email.subject, "body": email.body, "delivery": "log" }));
                if let Some(id) = user_id {
                    event = event.user(id);
                }
                event_log::record(db, event).await;
            }
            Mailer::Smtp { transport, from } => {
                let result = match email.to.parse::<Mailbox>() {
                    Ok(to) => match Message::builder()
                        .from(from.clone())
                        .to(to)
                        .subject(&email.subject)
                        .body(email.body.clone())
                    {
                        Ok(message) => transport
                            .send(message)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(e.to_string()),
                };
                let (level, message) = match &result {
                    Ok(()) => (
                        EventLevel::Info,
                        format!("Email sent to {}: {}", email.to, email.subject),
                    ),
                    Err(err) => {
                        tracing::error!(to = %email.to, error = %err, "email delivery failed");
                        (
                            EventLevel::Error,
                            format!("Email to {} failed: {err}", email.to),
                        )
                    }
                };
                let mut event = Event::new(EventKind::Audit, message)
                    .level(level)
                    .data(json!({ "to": email.to, "subject": email.subject, "delivery": "smtp" }));
                if let Some(id) = user_id {
                    event = event.user(id);
                }
                event_log::record(db, event).await;
            }
        }
    }
}
