//! `AppError`: the one error type of the application layer. Its variant decides the HTTP
//! status (here, once) and its message is what the user reads, in the REST API's
//! `{"detail": …}` body and on the dashboard alike.

use serde::{Deserialize, Serialize};
use server_fn::codec::PostcardEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// A business rule refused the request (400).
    #[error("{0}")]
    BadRequest(String),
    /// Missing, invalid, expired or revoked credentials (401).
    #[error("{0}")]
    Unauthorized(String),
    /// A plan limit, a scope or a role forbids it (403).
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or owned by someone else (404).
    #[error("{0}")]
    NotFound(String),
    /// A unique value is taken (409).
    #[error("{0}")]
    Conflict(String),
    /// The request body is over the size limit (413).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Malformed input; `field` names the form field when there is one (422).
    #[error("{message}")]
    Validation {
        field: Option<String>,
        message: String,
    },
    /// Too many requests (429, with `Retry-After: retry_after_seconds`).
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_seconds: u64,
    },
    /// A dependency (the database) is unreachable (503).
    #[error("{0}")]
    Unavailable(String),
    /// The database stayed locked by other writers through every retry (503); trying again
    /// shortly succeeds. Services retry it themselves first (`server::db::retry_busy`).
    #[error("{0}")]
    Busy(String),
    /// A fault on our side; the cause was logged where it happened (500).
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The browser could not reach the server or read its answer.
    #[error("Could not reach PostPilot: {0}")]
    Transport(String),
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} not found"))
    }

    /// The HTTP status of this error: the one place that decides it.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::PayloadTooLarge(_) => 413,
            AppError::Validation { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) | AppError::Busy(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// The form field this error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Validation { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::Validation {
                    field: None,
                    message: format!("Invalid form input: {msg}"),
                }
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_survives_the_browser_wire() {
        let all = [
            AppError::BadRequest("a".into()),
            AppError::Unauthorized("b".into()),
            AppError::Forbidden("c".into()),
            AppError::not_found("Post"),
            AppError::Conflict("d".into()),
            AppError::PayloadTooLarge("e".into()),
            AppError::validation("email", "bad"),
            AppError::Validation {
                field: None,
                message: "f".into(),
            },
            AppError::RateLimited {
                message: "g".into(),
                retry_after_seconds: 7,
            },
            AppError::Unavailable("h".into()),
            AppError::Busy("i".into()),
            AppError::Internal,
            AppError::Transport("j".into()),
        ];
        for error in all {
            assert_eq!(AppError::de(error.ser()), error);
        }
    }

    #[test]
    fn every_variant_maps_to_its_contract_status() {
        assert_eq!(AppError::BadRequest("x".into()).status(), 400);
        assert_eq!(AppError::Unauthorized("x".into()).status(), 401);
        assert_eq!(AppError::Forbidden("x".into()).status(), 403);
        assert_eq!(AppError::not_found("Post").status(), 404);
        assert_eq!(AppError::Conflict("x".into()).status(), 409);
        assert_eq!(AppError::PayloadTooLarge("x".into()).status(), 413);
        assert_eq!(AppError::validation("email", "bad").status(), 422);
        let limited = AppError::RateLimited {
            message: "x".into(),
            retry_after_seconds: 1,
        };
        assert_eq!(limited.status(), 429);
        assert_eq!(AppError::Unavailable("x".into()).status(), 503);
        assert_eq!(AppError::Busy("x".into()).status(), 503);
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn internal_errors_never_leak_details() {
        assert!(!AppError::Internal.to_string().contains("sql"));
        assert_eq!(AppError::not_found("Post").to_string(), "Post not found");
    }
}

#[cfg(feature = "ssr")]
mod server_side {
    use super::AppError;
    use axum::response::{IntoResponse, Response};
    use axum::Json;
    use http::StatusCode;
    use sea_orm::DbErr;

    /// Database faults are logged here, with their cause, and reach the user as a generic 500
    /// (or 503 when the database cannot be reached at all).
    impl From<DbErr> for AppError {
        fn from(err: DbErr) -> Self {
            match err {
                _ if crate::server::db::is_busy(&err) => {
                    tracing::warn!(error = %err, "database busy");
                    AppError::Busy("PostPilot is busy right now. Please try again.".into())
                }
                DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                    tracing::error!(error = %err, "database unavailable");
                    AppError::Unavailable("The database is unavailable. Please try again.".into())
                }
                _ => {
                    tracing::error!(error = %err, "database error");
                    AppError::Internal
                }
            }
        }
    }

    /// The REST API's error body: `{"detail": "…"}` with the variant's status.
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (
                status,
                Json(serde_json::json!({ "detail": self.to_string() })),
            )
                .into_response();
            if let AppError::RateLimited {
                retry_after_seconds,
                ..
            } = self
            {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, retry_after_seconds.into());
            }
            response
        }
    }

    impl AppError {
        /// Logs an unexpected fault with its cause and returns the generic 500.
        pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
            tracing::error!(error = %err, "{context}");
            AppError::Internal
        }
    }
}
