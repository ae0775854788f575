//! Storage of the learner code (申学码, issue 4): each learner's pseudonymous handle (what a
//! scanned code carries, so a scan finds its learner by an indexed look-up) and the check-ins
//! recorded by scanning, keyed by the code's id so that a code is accepted once, durably.

use async_trait::async_trait;
use time::OffsetDateTime;
use xc_domain::{LearnerId, SiteId, UserId};

use crate::{AuditEvent, StoreResult};

/// A learner's handle as stored: 16 lower-case hex digits (the 8 bytes a code carries).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredHandle(String);

impl StoredHandle {
    /// Refuses anything but 16 lower-case hex digits (`Invalid { field: "handle" }`).
    pub fn parse(text: &str) -> StoreResult<Self> {
        if text.len() == 16
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(crate::StoreError::Invalid {
                field: "handle",
                reason: "a learner handle is 16 lower-case hex digits".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of one scanned code as stored: 32 lower-case hex digits (handle, minute, nonce).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredCodeId(String);

impl StoredCodeId {
    /// Refuses anything but 32 lower-case hex digits (`Invalid { field: "code" }`).
    pub fn parse(text: &str) -> StoreResult<Self> {
        if text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(crate::StoreError::Invalid {
                field: "code",
                reason: "a learner code id is 32 lower-case hex digits".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A check-in to record: the learner a verified code named, at a site, by a staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckIn {
    pub code: StoredCodeId,
    pub learner: LearnerId,
    pub site: SiteId,
    pub at: OffsetDateTime,
    pub recorded_by: Option<UserId>,
}

/// A stored check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInRecord {
    pub code: StoredCodeId,
    pub learner: LearnerId,
    pub site: SiteId,
    pub at: OffsetDateTime,
    pub recorded_by: Option<UserId>,
}

/// Learner handles and check-ins (migration 0014).
#[async_trait]
pub trait LearnerCodeStore {
    /// The learner's stored handle, if one was recorded.
    async fn learner_handle(&self, learner: LearnerId) -> StoreResult<Option<StoredHandle>>;
    /// Records the learner's handle. Recording the same handle again changes nothing; another
    /// handle for the learner, or a handle another learner holds, is `Conflict { field:
    /// "handle" }`; an unknown learner is `NotFound { what: "learner" }`.
    async fn record_learner_handle(
        &self,
        learner: LearnerId,
        handle: &StoredHandle,
    ) -> StoreResult<()>;
    /// The learner holding `handle` (one indexed look-up).
    async fn find_learner_by_handle(&self, handle: &StoredHandle)
    -> StoreResult<Option<LearnerId>>;
    /// Records a check-in with its audit entry in one transaction. A code id recorded before is
    /// `Conflict { field: "code" }` (the code was replayed) and writes nothing; an unknown site
    /// is `NotFound { what: "site" }`, an unknown learner `NotFound { what: "learner" }`.
    async fn record_check_in(&self, check_in: &NewCheckIn, audit: &AuditEvent) -> StoreResult<()>;
    /// The learner's check-ins, oldest first.
    async fn learner_check_ins(&self, learner: LearnerId) -> StoreResult<Vec<CheckInRecord>>;
}
