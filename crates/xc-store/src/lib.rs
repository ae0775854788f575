//! Storage for xuecheng: small traits per domain area ([`GeographyStore`], [`SiteStore`],
//! [`LearnerStore`], [`AccountStore`], [`AuditStore`], [`BulkStore`], [`MaintenanceStore`]),
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
mod records;
pub mod suite;

use async_trait::async_trait;
use time::OffsetDateTime;
use xc_domain::{
    DistrictCode, InstitutionId, LearnerId, LearnerScope, SiteId, SubdistrictCode, UserId, Username,
};

pub use credit::*;
pub use error::{StoreError, StoreResult};
pub use records::*;

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
    /// The sum of the learner's ledger rows (0 when there are none).
    async fn points_balance(&self, learner: LearnerId) -> StoreResult<i64>;
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
pub trait Store:
    GeographyStore
    + SiteStore
    + LearnerStore
    + AccountStore
    + AuditStore
    + BulkStore
    + MaintenanceStore
    + PointsStore
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
        + Send
        + Sync
{
}
