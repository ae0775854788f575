//! The learning record store joined to the credit bank (issue 5 §4, §5; docs/xapi.md,
//! "Integration"): which actors are which learners (links by IFI key), the statements in each
//! learner's timeline, how far the integration walk has applied stored statements, the staff's
//! versioned statement rules, and the erasure of everything about one actor. See
//! [`crate::LrsIntegrationStore`] for what a store keeps and in which transaction.

use std::collections::BTreeSet;

use time::OffsetDateTime;
use xc_domain::credit::Version;
use xc_domain::{LearnerId, UserId};
use xc_xapi::Statement;

/// The most statements one page of a learner's timeline or of an actor's statements holds.
pub const LEARNER_STATEMENT_PAGE_MAX: u32 = 500;

/// Staff linking an actor to a learner: every IFI key the actor is known by (an `mbox` comes
/// with the `mbox_sha1sum` of the same address), all linked or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActorLink {
    pub keys: Vec<String>,
    pub learner: LearnerId,
    pub linked_at: OffsetDateTime,
    pub linked_by: Option<UserId>,
}

/// A stored link of one IFI key to a learner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorLinkRecord {
    pub agent_key: String,
    pub learner: LearnerId,
    pub linked_at: OffsetDateTime,
    pub linked_by: Option<UserId>,
}

/// A statement placed in a learner's timeline (`stored` in microseconds, as in
/// `xapi_statements`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LearnerStatementRow {
    pub learner: LearnerId,
    pub stored: i64,
    pub seq: i64,
}

/// A position in an order of statements: `(stored` in microseconds`, seq)` of the last one
/// read.
pub type StatementPosition = (i64, i64);

/// Which part of a learner's timeline to read: newest first, before `before` (a previous page's
/// last position), with `stored` in `[from, until)` when given (microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimelineWindow {
    pub before: Option<StatementPosition>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// One version of the statement rules (the body is `xc_bank::statement_rules`' JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct StatementRulesVersion {
    pub version: Version,
    pub body: serde_json::Value,
    pub published_at: OffsetDateTime,
    pub published_by: Option<UserId>,
}

/// What the erasure of an actor deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActorErasureCounts {
    pub statements: u64,
    pub documents: u64,
    pub attachments: u64,
    pub agents: u64,
    pub links: u64,
}

/// The SHA-2 hashes of the attachments a statement lists, lower-case (a SubStatement has
/// none of its own).
pub fn attachment_hashes(statement: &Statement) -> BTreeSet<String> {
    statement
        .attachments
        .iter()
        .flatten()
        .map(|a| a.sha2.to_ascii_lowercase())
        .collect()
}
