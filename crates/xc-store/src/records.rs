//! The records the store traits move. These are storage shapes, not API shapes: the web crate
//! maps them to its own response types.

use time::OffsetDateTime;
use xc_domain::{
    DistrictCode, Gender, GeoPoint, InstitutionId, InstitutionKind, LearnerId, NeighbourhoodCode,
    NeighbourhoodKind, Role, SiteId, SiteKind, SubdistrictCode, SubdistrictKind, TeacherId,
    TeacherKind, Topic, UserId, Username,
};

#[derive(Debug, Clone, PartialEq)]
pub struct District {
    pub code: DistrictCode,
    pub name: String,
    pub centroid: GeoPoint,
    pub residents: i64,
    pub residents_60_plus: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subdistrict {
    pub code: SubdistrictCode,
    pub name: String,
    pub district: DistrictCode,
    pub kind: SubdistrictKind,
    pub centroid: GeoPoint,
    /// True when the centroid was generated rather than surveyed.
    pub centroid_generated: bool,
    pub residents: i64,
    pub residents_60_plus: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    pub code: NeighbourhoodCode,
    pub name: String,
    pub subdistrict: SubdistrictCode,
    pub kind: NeighbourhoodKind,
    pub position: GeoPoint,
    /// True when the position was generated (the demo city has no surveyed positions).
    pub position_generated: bool,
    pub residents: i64,
    pub residents_60_plus: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    pub id: InstitutionId,
    pub name: String,
    pub kind: InstitutionKind,
    /// `None` for city-level institutions.
    pub district: Option<DistrictCode>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub kind: SiteKind,
    pub institution: Option<InstitutionId>,
    pub district: DistrictCode,
    pub subdistrict: Option<SubdistrictCode>,
    pub neighbourhood: Option<NeighbourhoodCode>,
    pub address: String,
    pub position: GeoPoint,
    pub capacity: i32,
    pub opening_hours: String,
    pub step_free: bool,
    pub phone: Option<String>,
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Teacher {
    pub id: TeacherId,
    pub name: String,
    pub kind: TeacherKind,
    pub subjects: Vec<Topic>,
    pub district: DistrictCode,
    pub institution: Option<InstitutionId>,
}

/// Personal data sealed by the privacy layer: the store keeps the bytes and the masked form, and
/// cannot read the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub masked: String,
}

/// A learner account as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerRecord {
    pub id: LearnerId,
    pub display_name: String,
    pub national_id: Sealed,
    /// Keyed hash of the national ID number, for look-up without decryption.
    pub national_id_lookup: Vec<u8>,
    pub birth_year: i32,
    pub gender: Gender,
    pub district: DistrictCode,
    pub subdistrict: Option<SubdistrictCode>,
    pub neighbourhood: Option<NeighbourhoodCode>,
    pub phone: Option<Sealed>,
    pub interests: Vec<Topic>,
    pub registered_at: OffsetDateTime,
    /// The institution that registered the learner (and so may see them), if any.
    pub registered_by: Option<InstitutionId>,
}

/// A learner to create; the store assigns the id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLearner {
    pub display_name: String,
    pub national_id: Sealed,
    pub national_id_lookup: Vec<u8>,
    pub birth_year: i32,
    pub gender: Gender,
    pub district: DistrictCode,
    pub subdistrict: Option<SubdistrictCode>,
    pub neighbourhood: Option<NeighbourhoodCode>,
    pub phone: Option<Sealed>,
    pub interests: Vec<Topic>,
    pub registered_at: OffsetDateTime,
    pub registered_by: Option<InstitutionId>,
}

/// A change of a learner's contact details; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactChange {
    pub display_name: Option<String>,
    /// `Some(None)` removes the phone number.
    pub phone: Option<Option<Sealed>>,
    pub interests: Option<Vec<Topic>>,
}

/// A role with the scope it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub role: Role,
    pub district: Option<DistrictCode>,
    pub institution: Option<InstitutionId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: Username,
    /// argon2id PHC string; `None` for accounts that cannot sign in with a password.
    pub password_hash: Option<String>,
    pub display_name: String,
    pub role: RoleAssignment,
    pub learner: Option<LearnerId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: Username,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub role: RoleAssignment,
    pub learner: Option<LearnerId>,
    pub created_at: OffsetDateTime,
    pub disabled: bool,
}

/// Consent to a purpose of processing personal data (PIPL art. 14), as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub purpose: String,
    /// Version of the notice the person agreed to.
    pub notice_version: String,
    pub granted: bool,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: Vec<u8>,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub token_hash: Vec<u8>,
    pub institution: InstitutionId,
    pub name: String,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub institution: InstitutionId,
    pub name: String,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    ApiToken(i64),
    /// The command line or a background job, with a label such as `cli:admin create-user`.
    System(String),
    /// A person not signed in (self-registration).
    Anonymous,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::ApiToken(id) => format!("token:{id}"),
            Actor::System(label) => format!("system:{label}"),
            Actor::Anonymous => "anonymous".to_owned(),
        }
    }
}

/// One thing to write to the audit log. `detail` holds no personal data: ids, field names,
/// roles, reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    pub actor: Actor,
    /// A dotted verb, e.g. `learner.create`, `learner.read`, `user.role_change`.
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(actor: Actor, action: &str, subject_kind: &str, subject_id: impl ToString) -> Self {
        Self {
            at: OffsetDateTime::now_utc(),
            actor,
            action: action.to_owned(),
            subject_kind: subject_kind.to_owned(),
            subject_id: subject_id.to_string(),
            detail: serde_json::Value::Null,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// The same event about another subject (e.g. once the store knows the new row's id).
    pub fn about(&self, subject_id: impl ToString) -> Self {
        Self {
            subject_id: subject_id.to_string(),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteFilter {
    pub district: Option<DistrictCode>,
    pub subdistrict: Option<SubdistrictCode>,
    pub kind: Option<SiteKind>,
    /// The sites an institution runs (a provider's staff check learners in there).
    pub institution: Option<InstitutionId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LearnerFilter {
    pub district: Option<DistrictCode>,
    pub subdistrict: Option<SubdistrictCode>,
}

/// Offset paging, bounded: at most [`PageRequest::MAX_LIMIT`] rows a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u32,
}

impl PageRequest {
    pub const MAX_LIMIT: u32 = 500;

    pub fn new(offset: u64, limit: u32) -> Self {
        Self {
            offset,
            limit: limit.clamp(1, Self::MAX_LIMIT),
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Counts for the city (or one district) at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overview {
    pub districts: i64,
    pub subdistricts: i64,
    pub neighbourhoods: i64,
    pub residents: i64,
    pub residents_60_plus: i64,
    pub institutions: i64,
    pub teachers: i64,
    pub learners: i64,
    /// Learners aged 60 or more in the current year.
    pub learners_60_plus: i64,
    pub sites_by_kind: Vec<(SiteKind, i64)>,
}

impl Overview {
    pub fn sites(&self) -> i64 {
        self.sites_by_kind.iter().map(|(_, n)| n).sum()
    }
}

/// Topic lists are stored as their codes joined by commas (`health,smart_living`) by every
/// backend: one encoding, one parser.
pub fn topics_to_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn topics_from_text(text: &str) -> Result<Vec<Topic>, xc_domain::Invalid> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(Topic::parse)
        .collect()
}

/// How a learner's identity is erased (see [`crate::ErasureStore::erase_learner`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub at: OffsetDateTime,
    /// What the learner and their accounts are called afterwards (e.g. "已注销学习者").
    pub display_name: String,
    /// Replaces the ID number's look-up hash: random bytes from the caller, so that no upload or
    /// registration can ever match the person again.
    pub replacement_lookup: Vec<u8>,
}

/// A recorded erasure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErasureRecord {
    pub learner: LearnerId,
    pub erased_at: OffsetDateTime,
}
