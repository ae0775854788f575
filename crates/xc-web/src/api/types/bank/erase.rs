//! Request and response shapes of a learner's erasure on their own request (PIPL art. 47).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::rfc3339;
use crate::bank::erase::{ERASED, Erased, KEPT};

/// The request to erase your own learner record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The confirmation word: `注销` (or `erase`). Anything else is refused (422, field
    /// `confirm`) and nothing is erased.
    #[schema(example = "注销")]
    pub confirm: Option<String>,
}

/// Something an erasure keeps, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeptResponse {
    pub what: &'static str,
    pub why: &'static str,
}

/// A finished erasure: what went, what was kept and why. Your session has ended and your
/// accounts are disabled.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureResponse {
    /// The bare learner id the kept records stay under.
    pub learner_id: i64,
    pub erased_at: String,
    pub erased: Vec<&'static str>,
    pub kept: Vec<KeptResponse>,
}

impl From<&Erased> for ErasureResponse {
    fn from(erased: &Erased) -> Self {
        ErasureResponse {
            learner_id: erased.learner.get(),
            erased_at: rfc3339(erased.at),
            erased: ERASED.to_vec(),
            kept: KEPT
                .iter()
                .map(|&(what, why)| KeptResponse { what, why })
                .collect(),
        }
    }
}
