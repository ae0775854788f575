//! The one place where failures become HTTP: every [`AppError`] has a status, a stable code and
//! a message that says what to fix. API callers get `{"error":{"code","message","field"}}`;
//! pages render the same error as a friendly page (see `pages::error_page`). Server errors are
//! logged with their cause and shown generically.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use xc_domain::Invalid;
use xc_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule: 422, naming the field.
    #[error("{reason}")]
    Invalid { field: String, reason: String },
    /// A body or query that cannot be read at all: 400.
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("user name or password is wrong")]
    WrongCredentials,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the form has expired or did not come from this site: reload the page and try again")]
    Csrf,
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{field} is already registered")]
    Conflict { field: &'static str },
    #[error("too many attempts: try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the store is not reachable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The error body of every API failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid`, `bad_request`, `unauthenticated`, `wrong_credentials`,
    /// `forbidden`, `csrf`, `not_found`, `conflict`, `too_many_attempts`, `payload_too_large`,
    /// `unavailable`, `internal`.
    pub code: &'static str,
    /// What went wrong and what to do, in plain words.
    pub message: String,
    /// The field, query parameter or form input at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::WrongCredentials => "wrong_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound { .. } => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<String> {
        match self {
            AppError::Invalid { field, .. } => Some(field.clone()),
            AppError::Conflict { field } => Some((*field).to_owned()),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                field: self.field(),
            },
        }
    }

    /// Logs server-side failures with their cause; client errors are not logged as errors.
    pub(crate) fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(error.cause = ?cause, "request failed"),
            AppError::Unavailable => tracing::warn!("store unavailable"),
            _ => {}
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (self.status(), Json(self.body())).into_response();
        if let AppError::TooManyAttempts { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Invalid {
            field: invalid.field.to_owned(),
            reason: invalid.reason,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what } => AppError::NotFound { what },
            StoreError::Conflict { field } => AppError::Conflict { field },
            // A stored value that no longer parses, or an engine failure: ours, not the caller's.
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<xc_privacy::PrivacyError> for AppError {
    fn from(error: xc_privacy::PrivacyError) -> Self {
        AppError::Internal(error.into())
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_status_and_a_stable_code() {
        let cases = [
            (AppError::invalid("national_id", "bad"), 422, "invalid"),
            (AppError::BadRequest("x".into()), 400, "bad_request"),
            (AppError::Unauthenticated, 401, "unauthenticated"),
            (AppError::Csrf, 403, "csrf"),
            (AppError::NotFound { what: "learner" }, 404, "not_found"),
            (AppError::Conflict { field: "username" }, 409, "conflict"),
            (
                AppError::TooManyAttempts {
                    retry_after_secs: 60,
                },
                429,
                "too_many_attempts",
            ),
            (
                AppError::Internal(anyhow::anyhow!("secret detail")),
                500,
                "internal",
            ),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status);
            assert_eq!(error.code(), code);
        }
        let internal = AppError::Internal(anyhow::anyhow!("secret detail")).body();
        assert_eq!(
            internal.error.message, "internal error",
            "causes are never shown"
        );
    }

    #[test]
    fn store_conflicts_and_misses_are_client_errors() {
        assert_eq!(
            AppError::from(StoreError::Conflict {
                field: "national_id"
            })
            .status(),
            409
        );
        assert_eq!(
            AppError::from(StoreError::NotFound { what: "site" }).status(),
            404
        );
    }
}
