//! The errors a store reports. Constraint violations become `Conflict` with the field that
//! clashed, never an opaque backend error, so the web layer can answer 409 instead of 500.

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    /// A request the store refuses as given (an empty batch, a status change that does not
    /// apply now, a value out of range): the caller's to correct.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A value read back from the database that no longer parses: the database was edited
    /// outside the platform. Never the caller's fault.
    #[error("{field}: stored value is invalid: {reason}")]
    Corrupt { field: &'static str, reason: String },
    #[error("not supported by the {engine} backend: {what}")]
    Unsupported { engine: &'static str, what: String },
    /// A request the learning record store must refuse with the xAPI status it carries (a
    /// statement id re-used with other content: 409; a document precondition: 412 or 409; a
    /// POST merge of non-JSON documents: 400).
    #[error("{0}")]
    Xapi(xc_xapi::XapiError),
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(error))
    }

    /// A value read back from the database that no longer parses: the database was edited
    /// outside the platform.
    pub fn corrupt(field: &'static str, reason: impl Into<String>) -> Self {
        StoreError::Corrupt {
            field,
            reason: reason.into(),
        }
    }
}

impl From<xc_domain::Invalid> for StoreError {
    fn from(invalid: xc_domain::Invalid) -> Self {
        StoreError::corrupt(invalid.field, invalid.reason)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
