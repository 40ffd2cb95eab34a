//! The API's one error type, mapped to status codes. Internals are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Everything a request (or starting the server) can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad query, missing header).
    #[error("{0}")]
    BadRequest(String),
    /// No bearer token, or one that is unknown or revoked.
    #[error("a valid bearer token is required (Authorization: Bearer <token>)")]
    Unauthorized,
    /// The token's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (or not visible to this caller: existence is never revealed).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (e.g. an idempotency key reused differently).
    #[error("{0}")]
    Conflict(String),
    /// The book refused the change.
    #[error("{0}")]
    Refused(String),
    /// The body is larger than the configured limit.
    #[error("the request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// The store is busy (another writer holds the lock); retrying may succeed.
    #[error("the book is busy; retry shortly")]
    Busy,
    /// Another server holds the book file (at start).
    #[error("{0}")]
    AlreadyServed(String),
    /// The book file was replaced or deleted under the server: it serves and writes nothing.
    #[error("{0}")]
    Replaced(String),
    /// The token sent more requests than its rate limit allows.
    #[error("rate limit exceeded for this token; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request would be accepted.
        retry_after_secs: u64,
    },
    /// The store failed.
    #[error("store: {0}")]
    Store(store::StoreError),
    /// SQLite failed outside the store (tokens, idempotency keys).
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The planner failed (a bug: every book can be planned).
    #[error("planning failed: {0}")]
    Plan(#[from] planner::PlanError),
    /// I/O failed (binding the listener, serving).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// Anything else that is our fault.
    #[error("{0}")]
    Internal(String),
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::Busy(_) => ApiError::Busy,
            e => ApiError::Store(e),
        }
    }
}

impl ApiError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Busy | ApiError::Replaced(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::AlreadyServed(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Store(_)
            | ApiError::Sql(_)
            | ApiError::Plan(_)
            | ApiError::Io(_)
            | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The JSON body of every error response.
pub(crate) fn error_body(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            ApiError::Busy => Some(1),
            _ => None,
        };
        let mut res = self.into_body(status);
        if let Some(secs) = retry_after {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        res
    }
}

impl ApiError {
    fn into_body(self, status: StatusCode) -> Response {
        if let ApiError::Replaced(msg) = self {
            // Logged once, when it was found; every request until a restart answers this.
            return error_body(status, msg);
        }
        if status.is_server_error() {
            // The details stay in the log; the caller gets a clear, generic message.
            tracing::error!(error = %self, "request failed");
            let msg = match self {
                ApiError::Busy => self.to_string(),
                _ => "internal error; the details are in the server log".to_string(),
            };
            return error_body(status, msg);
        }
        error_body(status, self.to_string())
    }
}
