//! The one error of this crate: which JSON path (or header, or query parameter) was wrong, why,
//! and the HTTP status the xAPI specification requires for it.

use std::fmt;

/// The HTTP status an error maps to. The Data part of xAPI requires `400 Bad Request` for every
/// malformed statement; the other statuses are listed so that the HTTP layer never has to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 400: malformed statement, parameter or header.
    BadRequest,
    /// 409: a statement id already stored with different content (Communication 2.1.1), or
    /// a PUT over an existing document without If-Match / If-None-Match (Communication 3.1).
    Conflict,
    /// 412: an If-Match / If-None-Match precondition failed (Communication 3.1).
    PreconditionFailed,
    /// 413: larger than the configured limit.
    PayloadTooLarge,
}

impl Status {
    /// The numeric HTTP status code.
    pub fn code(self) -> u16 {
        match self {
            Status::BadRequest => 400,
            Status::Conflict => 409,
            Status::PreconditionFailed => 412,
            Status::PayloadTooLarge => 413,
        }
    }
}

/// A request the LRS must refuse: where, why, and with which status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct XapiError {
    /// Where the problem is: a JSON path into the statement (`actor.mbox`,
    /// `context.contextActivities.parent[0].id`, `[3].verb` in a batch), a header name
    /// (`X-Experience-API-Version`) or a query parameter (`since`).
    pub path: String,
    /// What is wrong, lowercase, no trailing period, saying what to fix.
    pub reason: String,
    /// The status the specification requires.
    pub status: Status,
}

impl XapiError {
    /// A `400 Bad Request` at `path`.
    pub fn bad_request(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
            status: Status::BadRequest,
        }
    }

    /// The same error with `prefix` put in front of its path (`[2]` + `actor.mbox` →
    /// `[2].actor.mbox`), for errors found inside a batch or a nested object.
    pub fn under(mut self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

impl fmt::Display for XapiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

/// Results of this crate.
pub type Result<T, E = XapiError> = std::result::Result<T, E>;
