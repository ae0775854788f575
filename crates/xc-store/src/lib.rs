//! Storage for xuecheng: small traits per domain area ([`GeographyStore`], [`SiteStore`],
//! [`LearnerStore`], [`AccountStore`], [`AuditStore`], [`BulkStore`], [`MaintenanceStore`], and
//! the credit bank's [`PointsStore`], [`OutcomeStore`], [`ConversionStore`] and
//! [`GeneralRuleStore`], [`AccreditationStore`], and mutual recognition's [`TrustListStore`]),
//! the records they move, and [`StoreError`]. Each backend crate (SQLite, PostgreSQL) implements
//! all of them; the rest of the system holds an `Arc<dyn Store>` and never knows which engine is
//! behind it.
//!
//! Architecture invariants:
//! - Every method that changes personal data or roles takes an [`AuditEvent`] and writes it in
//!   the same transaction as the change: there is no change without its audit entry, and no
//!   audit entry for a change that did not happen. Where the change creates a row, the entry's
//!   `subject_id` is replaced by the new row's id.
//! - The audit log is append-only in the database itself (triggers refuse UPDATE and DELETE).
//! - Learner reads take a [`LearnerScope`](xc_domain::LearnerScope) and filter by it in the
//!   query, so a record outside the caller's scope is never loaded.
//! - The store sees personal data only sealed (ciphertext, keyed-hash lookup, masked form); it
//!   cannot decrypt anything.

mod credit;
mod error;
mod learner_code;
mod log;
mod lrs;
mod lrs_integration;
mod records;
mod share;
pub mod suite;
mod trust;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    ApplicationId, BatchId, ConversionRuleId, DecisionId, IncentiveId, OutcomeId, ProgrammeId,
    SpecificationId, Version,
};
use xc_domain::{
    DistrictCode, InstitutionId, LearnerId, LearnerScope, SiteId, SubdistrictCode, UserId, Username,
};

pub use credit::*;
pub use error::{StoreError, StoreResult};
pub use learner_code::*;
pub use log::*;
pub use lrs::*;
pub use lrs_integration::*;
pub use records::*;
pub use share::*;
pub use trust::*;

/// Districts, subdistricts, neighbourhoods and the overview figures built from them.
#[async_trait]
pub trait GeographyStore {
    async fn list_districts(&self) -> StoreResult<Vec<District>>;
    async fn get_district(&self, code: &DistrictCode) -> StoreResult<District>;
    async fn list_subdistricts(&self, district: &DistrictCode) -> StoreResult<Vec<Subdistrict>>;
    async fn get_subdistrict(&self, code: &SubdistrictCode) -> StoreResult<Subdistrict>;
    async fn list_neighbourhoods(
        &self,
        subdistrict: &SubdistrictCode,
    ) -> StoreResult<Vec<Neighbourhood>>;
    /// Counts of everything, for the whole city (`None`) or one district; learners aged 60+ are
    /// counted as of `year`.
    async fn overview(&self, district: Option<&DistrictCode>, year: i32) -> StoreResult<Overview>;
}

/// Institutions and learning sites.
#[async_trait]
pub trait SiteStore {
    async fn list_sites(&self, filter: &SiteFilter, page: PageRequest) -> StoreResult<Paged<Site>>;
    async fn get_site(&self, id: SiteId) -> StoreResult<Site>;
    async fn get_institution(&self, id: InstitutionId) -> StoreResult<Institution>;
}

/// Learner accounts (个人学习账户).
#[async_trait]
pub trait LearnerStore {
    async fn list_learners(
        &self,
        scope: &LearnerScope,
        filter: &LearnerFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<LearnerRecord>>;
    /// `NotFound` both when the learner does not exist and when it is outside `scope`.
    async fn get_learner(&self, scope: &LearnerScope, id: LearnerId) -> StoreResult<LearnerRecord>;
    async fn find_learner_by_national_id(&self, lookup: &[u8]) -> StoreResult<Option<LearnerId>>;
    /// Matching for uploads: the learners among `lookups` (keyed hashes of national IDs), as
    /// (lookup, learner id) pairs, in no particular order; unknown lookups are left out.
    async fn find_learners_by_national_ids(
        &self,
        lookups: &[Vec<u8>],
    ) -> StoreResult<Vec<(Vec<u8>, LearnerId)>>;
    /// Matching for uploads: which of `ids` are learners, in no particular order.
    async fn existing_learners(&self, ids: &[LearnerId]) -> StoreResult<Vec<LearnerId>>;
    /// Registers a learner on behalf of staff. `Conflict` on a national ID already registered.
    async fn create_learner(
        &self,
        learner: &NewLearner,
        audit: &AuditEvent,
    ) -> StoreResult<LearnerId>;
    async fn update_contact(
        &self,
        id: LearnerId,
        change: &ContactChange,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Sign-in accounts, sessions and API tokens.
#[async_trait]
pub trait AccountStore {
    /// Citizen self-registration: learner, account and consent in one transaction.
    async fn register_citizen(
        &self,
        learner: &NewLearner,
        user: &NewUser,
        consent: &Consent,
        audit: &AuditEvent,
    ) -> StoreResult<(LearnerId, UserId)>;
    /// `Conflict { field: "username" }` when the name is taken.
    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<UserId>;
    async fn find_user_by_username(&self, username: &Username) -> StoreResult<Option<UserRecord>>;
    async fn get_user(&self, id: UserId) -> StoreResult<UserRecord>;
    async fn set_role(
        &self,
        id: UserId,
        role: &RoleAssignment,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn list_consents(&self, learner: LearnerId) -> StoreResult<Vec<Consent>>;

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session and its user, if the session exists and has not expired at `now`.
    async fn find_session(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;

    async fn create_api_token(&self, token: &NewApiToken, audit: &AuditEvent) -> StoreResult<i64>;
    /// An unrevoked token by the hash of its secret.
    async fn find_api_token(&self, token_hash: &[u8]) -> StoreResult<Option<ApiTokenRecord>>;
}

/// The append-only audit log.
#[async_trait]
pub trait AuditStore {
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64>;
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<AuditEntry>>;
}

/// Fast paths for loading a generated or imported city: each call writes all its rows in one
/// transaction (multi-row inserts on SQLite, COPY on PostgreSQL). Rows carry their ids.
#[async_trait]
pub trait BulkStore {
    async fn load_districts(&self, rows: &[District]) -> StoreResult<()>;
    async fn load_subdistricts(&self, rows: &[Subdistrict]) -> StoreResult<()>;
    async fn load_neighbourhoods(&self, rows: &[Neighbourhood]) -> StoreResult<()>;
    async fn load_institutions(&self, rows: &[Institution]) -> StoreResult<()>;
    async fn load_sites(&self, rows: &[Site]) -> StoreResult<()>;
    async fn load_teachers(&self, rows: &[Teacher]) -> StoreResult<()>;
    async fn load_learners(&self, rows: &[LearnerRecord]) -> StoreResult<()>;
    /// Brings id sequences past the largest loaded id, so later inserts do not collide.
    async fn finish_load(&self) -> StoreResult<()>;
}

/// The credit bank's points ledger: append-only, the balance derived by SUM.
#[async_trait]
pub trait PointsStore {
    /// Appends one ledger row and its audit entry in one transaction; returns the row's id.
    async fn append_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64>;
    /// Appends many award rows (positive points, `source_kind` "event") in one transaction with
    /// one audit entry (subject: "bulk"); a row whose (learner, source_kind, source_id) the
    /// ledger already holds is skipped, so calling twice appends nothing the second time.
    /// Multi-row INSERTs on SQLite, one UNNEST insert on PostgreSQL. Returns the rows appended.
    /// `Invalid { field: "points" }` for a row that is not an award; nothing is written then.
    async fn append_points_many(
        &self,
        entries: &[PointsEntry],
        audit: &AuditEvent,
    ) -> StoreResult<u64>;
    /// What each of `learners` holds for `award` on `day` and in `day`'s year, in one query
    /// (in chunks on SQLite); learners with nothing are left out.
    async fn points_held(
        &self,
        learners: &[LearnerId],
        award: &str,
        day: Date,
    ) -> StoreResult<Vec<PointsHeld>>;
    /// Which of `source_ids` (with `source_kind`) the learner's ledger already holds.
    async fn points_sources_held(
        &self,
        learner_sources: &[(LearnerId, String)],
        source_kind: &str,
    ) -> StoreResult<Vec<(LearnerId, String)>>;
    /// Publishes the next version of the city's points policy (1 when there is none) with its
    /// audit entry (subject: the version number) in one transaction.
    async fn publish_points_policy(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version>;
    /// Every version of the points policy, oldest first; the last is in force.
    async fn list_points_policy_versions(&self) -> StoreResult<Vec<PointsPolicyVersion>>;
    /// The sum of the learner's ledger rows (0 when there are none).
    async fn points_balance(&self, learner: LearnerId) -> StoreResult<i64>;
    /// Spends points: appends `entry` (its `points` negative) and its audit entry only if the
    /// balance covers it, checked and written in one transaction so that two redemptions at once
    /// cannot overdraw. `Conflict { field: "points" }` when it does not; `Invalid` when
    /// `entry.points` is not negative.
    async fn spend_points(&self, entry: &PointsEntry, audit: &AuditEvent) -> StoreResult<i64>;
    /// The learner's ledger, oldest first (then by id).
    async fn list_points(&self, learner: LearnerId) -> StoreResult<Vec<PointsRecord>>;
    async fn create_incentive(
        &self,
        incentive: &NewIncentive,
        audit: &AuditEvent,
    ) -> StoreResult<IncentiveId>;
    /// Every incentive, by id.
    async fn list_incentives(&self) -> StoreResult<Vec<IncentiveRecord>>;
    /// Ends an incentive's offer on `last_day` (its new `available_until`), with its audit entry
    /// (subject: the incentive id) in the same transaction. Redemptions already in the ledger
    /// stay. `NotFound` for an unknown incentive; `Invalid { field: "available_until" }` when
    /// `last_day` comes before the incentive's first day, and nothing is written.
    async fn end_incentive(
        &self,
        id: IncentiveId,
        last_day: Date,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Target programmes, their conversion rules (versioned) and learners' conversion applications.
///
/// Invariants the implementations keep (checked by the storage suite): a rule version never
/// changes; a learner has at most one open application per programme; a decided application
/// never changes again, and its decision, its lines' `kept` marks and the audit entry are one
/// transaction.
#[async_trait]
pub trait ConversionStore {
    /// `Conflict { field: "code" }` when the institution has a programme with that code.
    async fn create_programme(
        &self,
        programme: &NewProgramme,
        audit: &AuditEvent,
    ) -> StoreResult<ProgrammeId>;
    /// Every programme, by id.
    async fn list_programmes(&self) -> StoreResult<Vec<ProgrammeRecord>>;
    async fn get_programme(&self, id: ProgrammeId) -> StoreResult<ProgrammeRecord>;
    /// Publishes version 1 of a new rule or the next version of an existing one, with its audit
    /// entry (subject: the rule id).
    async fn publish_conversion_rule(
        &self,
        target: &RuleTarget,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<(ConversionRuleId, Version)>;
    /// Every version of every rule, ordered by rule id then version.
    async fn list_conversion_rule_versions(&self) -> StoreResult<Vec<ConversionRuleVersion>>;
    /// Stores an application with its lines (numbered from 1) and its audit entry (subject: the
    /// application id). `Conflict { field: "programme" }` when the learner already has an open
    /// application for the programme.
    async fn create_application(
        &self,
        application: &NewApplication,
        audit: &AuditEvent,
    ) -> StoreResult<ApplicationId>;
    async fn get_application(&self, id: ApplicationId) -> StoreResult<ApplicationRecord>;
    /// A learner's applications, oldest first, with their lines.
    async fn list_learner_applications(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<ApplicationRecord>>;
    /// Open applications, oldest first, with their lines.
    async fn list_open_applications(
        &self,
        page: PageRequest,
    ) -> StoreResult<Paged<ApplicationRecord>>;
    /// Records staff's decision, the lines' `kept` marks (all false on a rejection) and the
    /// audit entry (subject: the application id) in one transaction. `Conflict { field:
    /// "status" }` when the application is no longer open.
    async fn decide_application(
        &self,
        decision: &ApplicationDecision,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// The credit bank's outcomes: specifications (versioned), submitted outcomes, upload batches,
/// the review queue and recognition decisions.
///
/// Invariants the implementations keep (checked by the storage suite):
/// - A specification version, once written, never changes; publishing makes the next version.
/// - `(provider, external_id)` identifies an outcome: submitting it again stores nothing and
///   answers [`Written::AlreadyStored`] with the id already held.
/// - An outcome is `Recognised` exactly when it has a grant, and every change of status is a
///   decision row written in the same transaction (with the audit entry, where one is given).
#[async_trait]
pub trait OutcomeStore {
    /// Publishes version 1 of a new specification or the next version of an existing one, with
    /// its audit entry (subject: the specification id).
    async fn publish_specification(
        &self,
        target: &SpecificationTarget,
        content: &SpecificationContent,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<(SpecificationId, Version)>;
    /// Every version of every specification, ordered by id then version: what the domain's
    /// catalogue is built from.
    async fn list_specification_versions(&self) -> StoreResult<Vec<SpecificationVersion>>;
    /// The versions of one specification, oldest first. `NotFound` when there is none.
    async fn specification_history(
        &self,
        id: SpecificationId,
    ) -> StoreResult<Vec<SpecificationVersion>>;

    /// Stores one outcome (with its automatic decision, if any) and its audit entry (subject: the
    /// outcome id), unless the provider already submitted its external id.
    async fn submit_outcome(
        &self,
        outcome: &NewOutcome,
        audit: &AuditEvent,
    ) -> StoreResult<Written>;
    /// Opens an upload: everything written through the returned writer is one transaction,
    /// committed by [`OutcomeBatchWriter::commit`] and rolled back if the writer is dropped.
    /// On SQLite the writer holds the only write connection until then.
    async fn begin_batch(&self, batch: &NewBatch) -> StoreResult<Box<dyn OutcomeBatchWriter>>;
    async fn get_batch(&self, id: BatchId) -> StoreResult<BatchRecord>;
    /// The outcomes of `batch` that are recognised, as (learner, outcome), by outcome id after
    /// `after`, at most `limit`: what a batch's follow-up awards, a page at a time.
    async fn batch_recognised(
        &self,
        batch: BatchId,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> StoreResult<Vec<(LearnerId, OutcomeId)>>;
    /// The batches whose follow-up is not recorded as done, oldest first.
    async fn batches_awaiting_follow_up(&self) -> StoreResult<Vec<BatchId>>;
    /// Records that `batch`'s follow-up is done; recording it again changes nothing.
    async fn record_batch_follow_up(&self, batch: BatchId, at: OffsetDateTime) -> StoreResult<()>;
    /// The outcomes a provider already holds among `external_ids`, as (external id, outcome id).
    async fn find_outcomes_by_external_id(
        &self,
        provider: InstitutionId,
        external_ids: &[String],
    ) -> StoreResult<Vec<(String, OutcomeId)>>;

    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<OutcomeRecord>;
    /// A learner's outcomes, oldest achievement first (then by id).
    async fn list_learner_outcomes(&self, learner: LearnerId) -> StoreResult<Vec<OutcomeRecord>>;
    /// Recognised outcomes that have no issued credential yet, by id after `after` (ascending),
    /// at most `limit`: what the issuer still owes. Walk it with the last id answered.
    async fn outcomes_awaiting_credential(
        &self,
        after: Option<OutcomeId>,
        limit: u32,
    ) -> StoreResult<Vec<OutcomeRecord>>;
    /// Outcomes waiting for review, oldest submission first.
    async fn review_queue(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<OutcomeRecord>>;
    /// Records a reviewer's decision on an outcome in review: the decision row, the outcome's new
    /// status and grant, and the audit entry (subject: the outcome id), in one transaction.
    /// `Conflict { field: "status" }` when the outcome is not in review (decided meanwhile).
    async fn record_decision(
        &self,
        decision: &NewDecision,
        audit: &AuditEvent,
    ) -> StoreResult<DecisionId>;
    /// The decisions on one outcome, oldest first.
    async fn list_decisions(&self, outcome: OutcomeId) -> StoreResult<Vec<DecisionRecord>>;
    /// The decisions on all of a learner's outcomes, oldest first.
    async fn list_learner_decisions(&self, learner: LearnerId) -> StoreResult<Vec<DecisionRecord>>;

    /// Bulk load for the generator: outcomes and decisions with their ids, no audit entries, in
    /// one transaction each (see [`BulkStore`]); call [`BulkStore::finish_load`] afterwards.
    async fn load_outcomes(&self, rows: &[OutcomeRecord]) -> StoreResult<()>;
    async fn load_decisions(&self, rows: &[DecisionRecord]) -> StoreResult<()>;
}

/// One open upload (see [`OutcomeStore::begin_batch`]).
#[async_trait]
pub trait OutcomeBatchWriter: Send + std::fmt::Debug {
    fn id(&self) -> BatchId;
    /// Stores the outcomes whose external id the provider has not submitted yet, each with its
    /// automatic decision; answers one [`Written`] per row, in order. Every row must be of the
    /// batch's provider (`Invalid` otherwise) and the external ids of one call distinct
    /// (`Invalid { field: "external_id" }` otherwise, nothing written). An external id an
    /// earlier call of this batch stored is [`Written::RepeatedInBatch`], so an upload finds the
    /// rows it repeats without keeping every id it has seen.
    ///
    /// A call refused as `Invalid` writes nothing and leaves the batch usable. A call that fails
    /// in the database may have written part of its rows (a savepoint per call would cost every
    /// upload a copy of each page it touches), so the batch is then unusable: later calls and
    /// `commit` are refused with `Conflict`, and dropping the writer rolls everything back.
    async fn write(&mut self, rows: &[NewOutcome]) -> StoreResult<Vec<Written>>;
    /// Records the batch's totals and its audit entry (subject: the batch id) and commits.
    /// `Invalid { field: "rows_total" }`, rolling everything back, when `rows_total` is below
    /// the rows stored.
    async fn commit(
        self: Box<Self>,
        rows_total: u64,
        audit: &AuditEvent,
    ) -> StoreResult<BatchRecord>;
}

/// The transparency log (SPEC C4): an append-only RFC 9162 Merkle tree of entries, stored as
/// the entries themselves plus the hash of every *perfect* subtree keyed by (level, index) (the
/// layout of `xc_merkle`), and the signed tree heads published over it.
///
/// Invariants the implementations keep (checked by the storage suite):
/// - Entries, nodes and tree heads are only ever inserted; the database refuses updates and
///   deletes (triggers).
/// - An append writes its entries and every node they complete in one transaction, one append
///   at a time, so the stored nodes always describe exactly the stored entries.
/// - A tree head is recorded only if its size is at least the latest head's and its time not
///   earlier (`Conflict { field: "tree_head" }` otherwise); that it *extends* the latest one
///   (consistency) is the signer's check before signing, with the proof read from this store.
#[async_trait]
pub trait TransparencyLogStore {
    /// Appends `entries` in order at the end of the log. An empty list is `Invalid`.
    async fn append_log_entries(
        &self,
        entries: &[NewLogEntry],
        at: OffsetDateTime,
    ) -> StoreResult<LogAppend>;
    /// The number of entries in the log.
    async fn log_size(&self) -> StoreResult<u64>;
    /// The stored hashes of `nodes`, in the same order; a node not stored (not yet complete, or
    /// the row is missing) is `NotFound { what: "merkle node" }`.
    async fn read_log_nodes(
        &self,
        nodes: &[xc_merkle::NodeId],
    ) -> StoreResult<Vec<xc_merkle::Hash>>;
    /// Entries `from..` (at most `limit`), in log order.
    async fn log_entries(&self, from: u64, limit: u32) -> StoreResult<Vec<LogEntryRecord>>;
    /// Records a signed tree head (see the invariants).
    async fn record_tree_head(&self, head: &SignedTreeHead) -> StoreResult<()>;
    /// The latest recorded tree head, if any.
    async fn latest_tree_head(&self) -> StoreResult<Option<SignedTreeHead>>;
    /// The tree head recorded for exactly `size` entries (`NotFound` if none was).
    async fn tree_head_of_size(&self, size: u64) -> StoreResult<SignedTreeHead>;
    /// Records credentials as issued and appends their issuance entries to the log (entry `i`
    /// at `first_index + i`), all in one transaction. An outcome that already has a credential
    /// is `Conflict`, and nothing of the call is kept.
    async fn issue_credentials(
        &self,
        credentials: &[NewIssuedCredential],
        at: OffsetDateTime,
    ) -> StoreResult<LogAppend>;
    /// One issued credential (`NotFound { what: "credential" }` if none has this id).
    async fn get_issued_credential(&self, id: &str) -> StoreResult<IssuedCredentialRecord>;
    /// A learner's credentials, oldest first.
    async fn learner_credentials(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<IssuedCredentialRecord>>;
    /// The credential issued for `outcome`, if any.
    async fn outcome_credential(
        &self,
        outcome: xc_domain::credit::OutcomeId,
    ) -> StoreResult<Option<IssuedCredentialRecord>>;
    /// Records a change of an issued credential's status, its status-change entry appended to
    /// the log (serialised like every append) and its audit entry (subject: the credential
    /// id), in one transaction. `NotFound { what: "credential" }` for an unknown id;
    /// `Invalid { field: "action" }` when the action does not apply to the status now
    /// ([`CredentialStatus::after`]); nothing is kept then.
    async fn change_credential_status(
        &self,
        change: &NewStatusChange,
        audit: &AuditEvent,
    ) -> StoreResult<StatusChangeRecord>;
    /// Status changes, oldest first: of one credential, or of all (what the status lists are
    /// built from).
    async fn credential_status_changes(
        &self,
        credential: Option<&str>,
    ) -> StoreResult<Vec<StatusChangeRecord>>;
}

/// Credential shares (求职认证): a learner's chosen credentials as signed presentations behind
/// an unguessable token, until they expire or are revoked; every view while open is counted.
#[async_trait]
pub trait ShareStore {
    /// Stores a share with its audit entry (subject: the new share's id) in one transaction.
    /// Each credential must be the learner's (`Invalid { field: "credentials" }` otherwise, as
    /// for an unknown one); a token already used is `Conflict { field: "token" }`; see
    /// [`check_new_share`] for the rest. Nothing is kept when refused.
    async fn create_share(&self, share: &NewShare, audit: &AuditEvent) -> StoreResult<ShareRecord>;
    /// A learner's shares, newest first.
    async fn learner_shares(&self, learner: LearnerId) -> StoreResult<Vec<ShareRecord>>;
    /// Revokes the learner's share `id` at `at`, with its audit entry, in one transaction.
    /// `NotFound { what: "share" }` when it is not this learner's (or does not exist);
    /// `Conflict { field: "share" }` when already revoked.
    async fn revoke_share(
        &self,
        learner: LearnerId,
        id: i64,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<ShareRecord>;
    /// The share behind `token`, counting one view when it is open at `at` (the count and the
    /// last view change in the same statement, so concurrent views are all counted).
    /// `NotFound { what: "share" }` for an unknown token.
    async fn view_share(&self, token: &str, at: OffsetDateTime) -> StoreResult<ShareRecord>;
}

/// Every stored row of the transparency log in order, page by page, for `xuecheng audit`
/// (which recomputes the log from its entries and compares): the nodes of one level, the signed
/// tree heads, and the issued credentials by their entry's position. Read as stored, whatever
/// that is: nothing here repairs or hides a row.
#[async_trait]
pub trait LogAuditStore {
    /// The stored nodes of `level` with index `from_index..` (at most `limit`), ascending.
    async fn log_nodes_at_level(
        &self,
        level: u8,
        from_index: u64,
        limit: u32,
    ) -> StoreResult<Vec<(u64, xc_merkle::Hash)>>;
    /// The recorded tree heads of size `from_size..` (at most `limit`), ascending by size.
    async fn tree_heads(&self, from_size: u64, limit: u32) -> StoreResult<Vec<SignedTreeHead>>;
    /// The issued credentials whose entry is at `from_log_index..` (at most `limit`),
    /// ascending by that position.
    async fn issued_credentials_in_log_order(
        &self,
        from_log_index: u64,
        limit: u32,
    ) -> StoreResult<Vec<IssuedCredentialRecord>>;
}

/// Erasure of a learner's identity on request (PIPL art. 47; docs/privacy.md).
#[async_trait]
pub trait ErasureStore {
    /// In one transaction with its audit entry (subject: the learner id): the learner's name
    /// becomes `erasure.display_name`; the sealed ID number becomes an empty ciphertext with the
    /// masked form "已删除" and its look-up hash `erasure.replacement_lookup`; the phone number,
    /// subdistrict, neighbourhood and interests are cleared; every user account linked to the
    /// learner is disabled, loses its password, is renamed `erased-<user id>` with the new
    /// display name, and its sessions are deleted; the erasure is recorded. The learner row and
    /// its id stay, with birth year, gender, district and registration, and so do outcomes,
    /// decisions, conversion applications, the points ledger, consents and the audit log.
    /// `NotFound` for an unknown learner; `Conflict { field: "learner" }` when already erased.
    async fn erase_learner(
        &self,
        id: LearnerId,
        erasure: &Erasure,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The erasure of a learner, if it happened.
    async fn learner_erasure(&self, id: LearnerId) -> StoreResult<Option<ErasureRecord>>;
}

/// Health, emptiness, backup.
#[async_trait]
pub trait MaintenanceStore {
    /// A round trip to the database.
    async fn ping(&self) -> StoreResult<()>;
    /// True when no city has been loaded yet.
    async fn is_empty(&self) -> StoreResult<bool>;
    /// A consistent copy of the whole database written to `path`, taken online.
    /// `Unsupported` where the engine has its own tools (PostgreSQL: pg_dump).
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
    /// Which engine this is, for logs and `/readyz`.
    fn engine(&self) -> &'static str;
}

/// Everything a running platform needs from storage.
/// The credit bank's general rules: the non-formal hours rule of each kind and the vocational
/// grade mapping, each published in versions stored as JSON of the domain value (the store keeps
/// the body whole; `xc_bank::standards` writes and reads it). A version is never changed; the
/// current one is the highest number. Each publication and its audit entry are one transaction.
#[async_trait]
pub trait GeneralRuleStore {
    /// Publishes the next version of each kind's rule in `rules` (kind, body), all in one
    /// transaction with one audit entry; answers the versions in the same order. Nothing is
    /// written when any insert fails.
    async fn publish_nonformal_rules(
        &self,
        rules: &[(String, serde_json::Value)],
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<Version>>;
    /// Every version of every kind's rule, ordered by kind then version.
    async fn list_nonformal_rule_versions(&self) -> StoreResult<Vec<GeneralRuleVersion>>;
    /// Publishes the next version of the grade mapping with its audit entry.
    async fn publish_grade_mapping(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version>;
    /// Every version of the grade mapping, oldest first (`kind` is `None`).
    async fn list_grade_mapping_versions(&self) -> StoreResult<Vec<GeneralRuleVersion>>;
}

/// The credit bank's register of accredited providers: decisions (grant or withdrawal) that
/// never change, each written with its audit entry in one transaction (subject: the decision's
/// id). `NotFound { what: "institution" }` for an unknown institution.
#[async_trait]
pub trait AccreditationStore {
    async fn record_accreditation(
        &self,
        decision: &NewAccreditation,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Every decision, in the order made (by id).
    async fn list_accreditations(&self) -> StoreResult<Vec<AccreditationRecord>>;
}

/// The learning record store (issue 5, SPEC C5; docs/xapi.md). Statements are stored once and
/// never change: `xapi_statements` refuses UPDATE, and voiding is a row of its own
/// (`xapi_voided`). Beside each statement the store keeps the keys of
/// `xc_xapi::agents::StatementIndex` (agents, activities, verb, registration), each with
/// `stored`, and — for the StatementRef rule — copies of the keys of the statements it targets,
/// so every filtered page of GET /statements is one index range. Statements are ordered by
/// `stored`, then by the store's sequence number.
#[async_trait]
pub trait LrsStore {
    /// Stores a batch of validated statements, each with its `id` and `stored` assigned, and
    /// the attachments' bytes, all in one transaction: everything or nothing. A statement whose
    /// id is stored already with equivalent content is `AlreadyStored` (nothing written); with
    /// other content the whole batch is refused with `Xapi` (409, naming the id). A voiding
    /// statement marks its target voided, unless the target is itself a voiding statement or
    /// is not stored. Activity definitions are folded into the canonical ones and the Agents
    /// named are remembered, in the same transaction. An attachment hash already stored keeps
    /// its first bytes. `Invalid` for an empty batch, a missing id or `stored`, an id twice.
    async fn insert_statements(
        &self,
        statements: &[xc_xapi::Statement],
        attachments: &[AttachmentContent],
    ) -> StoreResult<Vec<StatementInsert>> {
        self.insert_statements_from(None, statements, attachments)
            .await
    }
    /// [`LrsStore::insert_statements`], remembering the LRS client (`xapi_clients.id`) that
    /// sent the statements (`None`: the platform itself), for `statements/read/mine`.
    async fn insert_statements_from(
        &self,
        client: Option<i64>,
        statements: &[xc_xapi::Statement],
        attachments: &[AttachmentContent],
    ) -> StoreResult<Vec<StatementInsert>>;
    /// The bulk path of [`LrsStore::insert_statements`] (the generator's, and any load of a
    /// statement history): the same rows and the same maintained state — keys of every
    /// filter, the StatementRef copies, voiding, canonical definitions, agents seen — written
    /// with the engine's fast path (multi-row INSERTs on SQLite, COPY on PostgreSQL) in one
    /// transaction. The ids must be new to the store: an id already stored is `Conflict {
    /// field: "id" }` and nothing is written (no comparison, unlike the normal path).
    /// `Invalid` as for the normal path. Returns how many statements were stored.
    async fn load_statements(&self, statements: &[xc_xapi::Statement]) -> StoreResult<u64>;
    /// One statement by id: `voided: false` finds it only if it is not voided
    /// (`statementId`), `voided: true` only if it is (`voidedStatementId`); `NotFound {
    /// what: "statement" }` otherwise.
    async fn get_statement(
        &self,
        id: &xc_xapi::types::Uuid,
        voided: bool,
    ) -> StoreResult<StoredStatement>;
    /// A page of the statements matching `filter` (every filter of GET /statements, with the
    /// StatementRef rule: a statement targeting a matching statement matches too, and since /
    /// until apply to it), voided statements left out, newest first unless `ascending`, at most
    /// `filter.limit` (0, or above [`STATEMENT_PAGE_MAX`]: that many). `cursor` is a previous
    /// page's `more`; the filter must be the same.
    async fn query_statements(
        &self,
        filter: &xc_xapi::query::Filter,
        cursor: Option<&StatementCursor>,
    ) -> StoreResult<StatementPage> {
        self.query_statements_of(filter, cursor, None).await
    }
    /// [`LrsStore::query_statements`], restricted to the statements one LRS client stored when
    /// `client` is given (the `statements/read/mine` scope).
    async fn query_statements_of(
        &self,
        filter: &xc_xapi::query::Filter,
        cursor: Option<&StatementCursor>,
        client: Option<i64>,
    ) -> StoreResult<StatementPage>;
    /// Records a new LRS client (Basic credentials with scopes), with its audit entry, in one
    /// transaction. `Conflict { field: "key" }` when the key is taken.
    async fn create_lrs_client(
        &self,
        client: &NewLrsClient,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// A client by its key (the Basic user name), if it exists and is not revoked.
    async fn find_lrs_client(&self, key: &str) -> StoreResult<Option<LrsClientRecord>>;
    /// Every client, newest first, the revoked ones included.
    async fn list_lrs_clients(&self) -> StoreResult<Vec<LrsClientRecord>>;
    /// Revokes a client's credentials at `at`, with its audit entry, in one transaction, and
    /// returns the client as now stored: from then on [`LrsStore::find_lrs_client`] does not
    /// find it, so its key and secret open nothing; what it stored stays. `NotFound { what:
    /// "LRS client" }` for an unknown key, `Invalid { field: "key" }` when it is revoked
    /// already (nothing written either way).
    async fn revoke_lrs_client(
        &self,
        key: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<LrsClientRecord>;
    /// The stored attachments among `sha2` (lower-case hex), in no particular order.
    async fn attachments(&self, sha2: &[String]) -> StoreResult<Vec<AttachmentContent>>;
    /// The canonical definition of an activity (every definition received, merged).
    async fn activity_definition(
        &self,
        id: &str,
    ) -> StoreResult<Option<xc_xapi::model::ActivityDefinition>>;
    /// The Agents seen with this key (`xc_xapi::agents::ifi_key`), in the order first seen.
    async fn agents_seen(&self, key: &str) -> StoreResult<Vec<xc_xapi::model::Agent>>;
    /// One document, if stored.
    async fn document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
    ) -> StoreResult<Option<DocumentRecord>>;
    /// The ids of the scope's documents updated after `since` (all when `None`), sorted.
    async fn document_ids(
        &self,
        scope: &DocumentScope,
        since: Option<OffsetDateTime>,
    ) -> StoreResult<Vec<String>>;
    /// A PUT, POST (JSON merge) or DELETE of one document, its preconditions checked against
    /// the stored document in the same transaction (`Xapi` with 412 / 409 / 400 when refused,
    /// nothing written). Returns the document now stored (`None` after a DELETE).
    async fn write_document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
        write: &DocumentWrite,
    ) -> StoreResult<Option<DocumentRecord>>;
    /// Deletes every document of the scope (State's DELETE without `stateId`); returns how many.
    async fn delete_documents(&self, scope: &DocumentScope) -> StoreResult<u64>;
}

/// The learning record store joined to the credit bank (issue 5 §4, §5; docs/xapi.md,
/// "Integration"). An actor maps to a learner through a link of its IFI key (staff's, here) or
/// the platform's own account (decided by the caller); a mapped statement gets a row of
/// `xapi_learner_statements`, which the archive reads a page at a time through its primary key
/// `(learner_id, stored, seq)`. The integration walk remembers the highest `seq` it applied.
#[async_trait]
pub trait LrsIntegrationStore {
    /// Statements with `seq` above `after`, in `seq` order, at most `limit` (voided ones too,
    /// marked).
    async fn statements_after(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredStatement>>;
    /// The highest `seq` the integration walk has applied (0 before the first).
    async fn integration_applied(&self) -> StoreResult<i64>;
    /// Places `rows` in their learners' timelines (a row already there is left as it is) and,
    /// when `applied` is given, moves the walk's mark up to it (never down), in one
    /// transaction. Answers how many rows were new. `NotFound { what: "learner" }` when a
    /// learner does not exist (nothing written).
    async fn record_integration(
        &self,
        rows: &[LearnerStatementRow],
        applied: Option<i64>,
    ) -> StoreResult<u64>;
    /// Links every key of `link` to its learner with the audit entry, in one transaction.
    /// Answers false when every key was linked to this learner already (nothing written).
    /// `NotFound { what: "learner" }` for an unknown learner; `Conflict { field: "agent" }`
    /// when a key is linked to another learner; `Invalid { field: "agent" }` without keys.
    async fn link_actor(&self, link: &NewActorLink, audit: &AuditEvent) -> StoreResult<bool>;
    /// The links of the given keys (those that exist).
    async fn actor_links(&self, keys: &[String]) -> StoreResult<Vec<ActorLinkRecord>>;
    /// Every link of one learner, oldest first.
    async fn learner_actor_links(&self, learner: LearnerId) -> StoreResult<Vec<ActorLinkRecord>>;
    /// The statements whose own `agent` key (actor, or Agent/Group object) is `key`, in
    /// `(stored, seq)` order after `after`, at most `limit` (voided ones too, marked).
    async fn statements_of_agent(
        &self,
        key: &str,
        after: Option<StatementPosition>,
        limit: u32,
    ) -> StoreResult<Vec<StoredStatement>>;
    /// A page of a learner's timeline, newest first, voided statements left out, at most
    /// `limit` (capped at [`LEARNER_STATEMENT_PAGE_MAX`]).
    async fn learner_statements(
        &self,
        learner: LearnerId,
        window: &TimelineWindow,
        limit: u32,
    ) -> StoreResult<Vec<StoredStatement>>;
    /// Publishes the next version of the statement rules with its audit entry.
    async fn publish_statement_rules(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version>;
    /// Every version of the statement rules, oldest first.
    async fn list_statement_rule_versions(&self) -> StoreResult<Vec<StatementRulesVersion>>;
    /// Deletes everything about the actor known by `keys`, with the audit entry, in one
    /// transaction: every statement naming one of the keys among its own agents (actor,
    /// object, authority, instructor, team and their members, a SubStatement's; cascading to
    /// their index rows, voiding rows and timeline rows), the attachments only those statements
    /// listed, the State and Agent Profile documents of the keys, the agents remembered under
    /// them and their links. Nothing else. `Invalid { field: "agent" }` without keys.
    async fn erase_actor(
        &self,
        keys: &[String],
        audit: &AuditEvent,
    ) -> StoreResult<ActorErasureCounts>;
}

pub trait Store:
    GeographyStore
    + SiteStore
    + LearnerStore
    + AccountStore
    + AuditStore
    + BulkStore
    + MaintenanceStore
    + PointsStore
    + OutcomeStore
    + ConversionStore
    + GeneralRuleStore
    + AccreditationStore
    + ErasureStore
    + TransparencyLogStore
    + LogAuditStore
    + LrsStore
    + LrsIntegrationStore
    + ShareStore
    + LearnerCodeStore
    + TrustListStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: GeographyStore
        + SiteStore
        + LearnerStore
        + AccountStore
        + AuditStore
        + BulkStore
        + MaintenanceStore
        + PointsStore
        + OutcomeStore
        + ConversionStore
        + GeneralRuleStore
        + AccreditationStore
        + ErasureStore
        + TransparencyLogStore
        + LogAuditStore
        + LrsStore
        + LrsIntegrationStore
        + ShareStore
        + LearnerCodeStore
        + TrustListStore
        + Send
        + Sync
{
}
