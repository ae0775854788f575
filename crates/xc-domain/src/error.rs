//! The one error a domain constructor returns: which field was wrong and why, in words a person
//! can act on.

use std::fmt;

/// A value that does not satisfy the rules of its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    /// The name of the field (or CLI flag / CSV column) the value came from.
    pub field: &'static str,
    /// What is wrong, lowercase, no trailing period, saying what to fix.
    pub reason: String,
}

impl Invalid {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The same problem reported against another field name (e.g. a CLI flag instead of a JSON
    /// field).
    pub fn for_field(self, field: &'static str) -> Self {
        Self { field, ..self }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}
