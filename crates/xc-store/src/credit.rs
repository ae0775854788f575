//! Credit-bank storage records (storage shapes, not API shapes). So far the points ledger;
//! specifications, outcomes and decisions follow on the schema of migration 0002.

use time::{Date, OffsetDateTime};
use xc_domain::LearnerId;

/// One row of the append-only points ledger. Spending is a negative `points`; a balance is the
/// sum of a learner's rows. The ledger's year is derived from `day`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsEntry {
    pub learner: LearnerId,
    pub at: OffsetDateTime,
    pub day: Date,
    pub award: String,
    pub points: i64,
    pub source_kind: String,
    pub source_id: String,
}
