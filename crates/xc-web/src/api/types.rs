//! Request and response shapes of the JSON API. Only this module knows them; the store's
//! records are mapped here, and personal data leaves only masked. The credit bank's shapes are in
//! [`bank`] (re-exported here).

mod bank;
mod learner_code;
mod learning_records;
mod mutual;
mod share;
mod transparency;

pub use bank::*;
pub use learner_code::*;
pub use learning_records::*;
pub use mutual::*;
pub use share::*;
pub use transparency::*;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use xc_store::{
    AuditEntry, District, LearnerRecord, Neighbourhood, Overview, Site, Subdistrict, UserRecord,
};

use crate::AppState;
use crate::accounts::{LearnerInput, Registration};
use crate::error::AppResult;

pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub user: MeResponse,
    /// Send this as the `X-CSRF-Token` header on every POST, PATCH and DELETE.
    pub csrf_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// citizen, provider_staff, credit_bank_staff, district_admin, city_admin or auditor
    pub role: String,
    pub district_code: Option<String>,
    pub institution_id: Option<i64>,
    pub learner: Option<LearnerResponse>,
}

impl MeResponse {
    pub(crate) async fn of(state: &AppState, user: &UserRecord) -> AppResult<MeResponse> {
        let learner = match user.learner {
            Some(id) => Some(
                state
                    .store
                    .get_learner(&xc_domain::LearnerScope::Only(id), id)
                    .await?
                    .into(),
            ),
            None => None,
        };
        Ok(MeResponse {
            user_id: user.id.get(),
            username: user.username.to_string(),
            display_name: user.display_name.clone(),
            role: user.role.role.as_str().to_owned(),
            district_code: user.role.district.as_ref().map(ToString::to_string),
            institution_id: user.role.institution.map(|i| i.get()),
            learner,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChangeRequest {
    pub display_name: Option<String>,
    /// An 11-digit mobile number; an empty string removes it.
    pub phone: Option<String>,
    /// Topic codes, e.g. `health`, `smart_living`.
    pub interests: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
    pub display_name: String,
    /// 18-character national ID number (GB 11643); stored encrypted, shown masked.
    pub national_id: String,
    /// 6-digit code of the district you live in.
    pub district_code: String,
    pub phone: Option<String>,
    /// Consent to processing personal information for the learning archive; must be true.
    pub consent: bool,
}

impl RegisterRequest {
    pub(crate) fn into_registration(self) -> Registration {
        Registration {
            username: self.username,
            password: self.password,
            display_name: self.display_name,
            national_id: self.national_id,
            district_code: self.district_code,
            phone: self.phone,
            consent: self.consent,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    pub learner_id: i64,
    pub user_id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// A district code; the whole city when left out.
    pub district: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteKindCount {
    pub kind: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewResponse {
    pub districts: i64,
    pub subdistricts: i64,
    pub neighbourhoods: i64,
    pub residents: i64,
    pub residents_60_plus: i64,
    pub institutions: i64,
    pub teachers: i64,
    pub learners: i64,
    pub learners_60_plus: i64,
    pub sites: i64,
    pub sites_by_kind: Vec<SiteKindCount>,
}

impl From<Overview> for OverviewResponse {
    fn from(o: Overview) -> Self {
        OverviewResponse {
            sites: o.sites(),
            districts: o.districts,
            subdistricts: o.subdistricts,
            neighbourhoods: o.neighbourhoods,
            residents: o.residents,
            residents_60_plus: o.residents_60_plus,
            institutions: o.institutions,
            teachers: o.teachers,
            learners: o.learners,
            learners_60_plus: o.learners_60_plus,
            sites_by_kind: o
                .sites_by_kind
                .into_iter()
                .map(|(k, count)| SiteKindCount {
                    kind: k.as_str().to_owned(),
                    count,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

impl From<xc_domain::GeoPoint> for Point {
    fn from(p: xc_domain::GeoPoint) -> Self {
        Point {
            lon: p.lon(),
            lat: p.lat(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictResponse {
    pub code: String,
    pub name: String,
    pub centroid: Point,
    pub residents: i64,
    pub residents_60_plus: i64,
}

impl From<District> for DistrictResponse {
    fn from(d: District) -> Self {
        DistrictResponse {
            code: d.code.to_string(),
            name: d.name,
            centroid: d.centroid.into(),
            residents: d.residents,
            residents_60_plus: d.residents_60_plus,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubdistrictResponse {
    pub code: String,
    pub name: String,
    pub district_code: String,
    /// street, town, township or zone
    pub kind: String,
    pub centroid: Point,
    /// True when the centroid is generated (demo data), not surveyed.
    pub centroid_generated: bool,
    pub residents: i64,
    pub residents_60_plus: i64,
}

impl From<Subdistrict> for SubdistrictResponse {
    fn from(s: Subdistrict) -> Self {
        SubdistrictResponse {
            code: s.code.to_string(),
            name: s.name,
            district_code: s.district.to_string(),
            kind: s.kind.as_str().to_owned(),
            centroid: s.centroid.into(),
            centroid_generated: s.centroid_generated,
            residents: s.residents,
            residents_60_plus: s.residents_60_plus,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeighbourhoodResponse {
    pub code: String,
    pub name: String,
    pub subdistrict_code: String,
    /// residents (居委会) or village (村委会)
    pub kind: String,
    pub position: Point,
    /// True when the position is generated (demo data), not surveyed.
    pub position_generated: bool,
    pub residents: i64,
    pub residents_60_plus: i64,
}

impl From<Neighbourhood> for NeighbourhoodResponse {
    fn from(n: Neighbourhood) -> Self {
        NeighbourhoodResponse {
            code: n.code.to_string(),
            name: n.name,
            subdistrict_code: n.subdistrict.to_string(),
            kind: n.kind.as_str().to_owned(),
            position: n.position.into(),
            position_generated: n.position_generated,
            residents: n.residents,
            residents_60_plus: n.residents_60_plus,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SiteQuery {
    pub district: Option<String>,
    pub subdistrict: Option<String>,
    /// A site kind code, e.g. `community_school`, `elder_university`.
    pub kind: Option<String>,
    pub offset: Option<u64>,
    /// 1 to 500; 50 when left out.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteResponse {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub institution_id: Option<i64>,
    pub district_code: String,
    pub subdistrict_code: Option<String>,
    pub neighbourhood_code: Option<String>,
    pub address: String,
    pub position: Point,
    pub capacity: i32,
    pub opening_hours: String,
    pub step_free: bool,
    pub phone: Option<String>,
    pub topics: Vec<String>,
}

impl From<Site> for SiteResponse {
    fn from(s: Site) -> Self {
        SiteResponse {
            id: s.id.get(),
            name: s.name,
            kind: s.kind.as_str().to_owned(),
            institution_id: s.institution.map(|i| i.get()),
            district_code: s.district.to_string(),
            subdistrict_code: s.subdistrict.map(|c| c.to_string()),
            neighbourhood_code: s.neighbourhood.map(|c| c.to_string()),
            address: s.address,
            position: s.position.into(),
            capacity: s.capacity,
            opening_hours: s.opening_hours,
            step_free: s.step_free,
            phone: s.phone,
            topics: s.topics.iter().map(|t| t.as_str().to_owned()).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SitePage {
    pub items: Vec<SiteResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LearnerQuery {
    /// Narrows the list to a district (never widens your scope).
    pub district: Option<String>,
    pub subdistrict: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u32>,
}

/// A learner as staff and the learner see them: personal data masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerResponse {
    pub id: i64,
    pub display_name: String,
    /// e.g. `3101**********1234`
    pub national_id_masked: String,
    pub phone_masked: Option<String>,
    pub birth_year: i32,
    pub gender: String,
    pub district_code: String,
    pub subdistrict_code: Option<String>,
    pub neighbourhood_code: Option<String>,
    pub interests: Vec<String>,
    pub registered_at: String,
    pub registered_by_institution: Option<i64>,
}

impl From<LearnerRecord> for LearnerResponse {
    fn from(l: LearnerRecord) -> Self {
        LearnerResponse {
            id: l.id.get(),
            display_name: l.display_name,
            national_id_masked: l.national_id.masked,
            phone_masked: l.phone.map(|p| p.masked),
            birth_year: l.birth_year,
            gender: l.gender.as_str().to_owned(),
            district_code: l.district.to_string(),
            subdistrict_code: l.subdistrict.map(|c| c.to_string()),
            neighbourhood_code: l.neighbourhood.map(|c| c.to_string()),
            interests: l.interests.iter().map(|t| t.as_str().to_owned()).collect(),
            registered_at: rfc3339(l.registered_at),
            registered_by_institution: l.registered_by.map(|i| i.get()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerPage {
    pub items: Vec<LearnerResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLearnerRequest {
    pub display_name: String,
    pub national_id: String,
    pub district_code: String,
    pub subdistrict_code: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub interests: Vec<String>,
}

impl NewLearnerRequest {
    pub(crate) fn into_input(self) -> LearnerInput {
        LearnerInput {
            display_name: self.display_name,
            national_id: self.national_id,
            district_code: self.district_code,
            subdistrict_code: self.subdistrict_code,
            phone: self.phone,
            interests: self.interests,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `learner.read`, `user.role_change`
    pub action: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        AuditEntryResponse {
            id: e.id,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What the token is for, e.g. the name of the system that will use it.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenResponse {
    pub id: i64,
    pub institution_id: i64,
    pub name: String,
    /// The secret, shown only now: send it as `Authorization: Bearer <token>`.
    pub token: String,
}
