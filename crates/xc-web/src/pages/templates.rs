//! The template structs behind `templates/*.html`: plain data, already formatted for display.

use askama::Template;
use xc_store::LearnerRecord;

use super::{Chrome, Figures};

#[derive(Debug)]
pub(crate) struct KindRow {
    pub(crate) label: &'static str,
    pub(crate) count: String,
}

#[derive(Debug)]
pub(crate) struct DistrictRow {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) residents: String,
    pub(crate) share_60_plus: String,
}

#[derive(Debug)]
pub(crate) struct SubdistrictRow {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) residents: String,
    pub(crate) share_60_plus: String,
}

#[derive(Debug)]
pub(crate) struct NeighbourhoodRow {
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) residents: String,
    pub(crate) share_60_plus: String,
}

#[derive(Debug)]
pub(crate) struct SiteRow {
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) address: String,
    pub(crate) opening_hours: String,
    pub(crate) step_free: bool,
}

#[derive(Template, Debug)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    pub(crate) chrome: Chrome,
    pub(crate) figures: Figures,
    pub(crate) kinds: Vec<KindRow>,
    pub(crate) districts: Vec<DistrictRow>,
}

#[derive(Template, Debug)]
#[template(path = "district.html")]
pub(crate) struct DistrictPage {
    pub(crate) chrome: Chrome,
    pub(crate) name: String,
    pub(crate) code: String,
    pub(crate) figures: Figures,
    pub(crate) kinds: Vec<KindRow>,
    pub(crate) subdistricts: Vec<SubdistrictRow>,
    pub(crate) sites: Vec<SiteRow>,
    pub(crate) more_sites: bool,
}

#[derive(Template, Debug)]
#[template(path = "subdistrict.html")]
pub(crate) struct SubdistrictPage {
    pub(crate) chrome: Chrome,
    pub(crate) name: String,
    pub(crate) code: String,
    pub(crate) district_name: String,
    pub(crate) district_code: String,
    pub(crate) residents: String,
    pub(crate) share_60_plus: String,
    pub(crate) neighbourhoods: Vec<NeighbourhoodRow>,
    pub(crate) positions_generated: bool,
    pub(crate) sites: Vec<SiteRow>,
    pub(crate) more_sites: bool,
}

#[derive(Template, Debug)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    pub(crate) chrome: Chrome,
    pub(crate) username: String,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<&'static str>,
}

#[derive(Debug)]
pub(crate) struct DistrictOption {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) selected: bool,
}

/// What the visitor typed, shown again when the form comes back with an error (never the
/// password).
#[derive(Debug, Default)]
pub(crate) struct RegisterValues {
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) national_id: String,
    pub(crate) phone: String,
    pub(crate) consent: bool,
}

#[derive(Template, Debug)]
#[template(path = "register.html")]
pub(crate) struct RegisterPage {
    pub(crate) chrome: Chrome,
    pub(crate) districts: Vec<DistrictOption>,
    pub(crate) form: RegisterValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl RegisterPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

/// A learner as shown on a page: personal data masked.
#[derive(Debug)]
pub(crate) struct LearnerView {
    pub(crate) display_name: String,
    pub(crate) national_id: String,
    pub(crate) phone: Option<String>,
    pub(crate) birth_year: i32,
    pub(crate) gender: &'static str,
    pub(crate) district: String,
    pub(crate) registered_at: String,
}

impl LearnerView {
    pub(crate) fn of(learner: LearnerRecord, district_name: String) -> LearnerView {
        LearnerView {
            display_name: learner.display_name,
            national_id: learner.national_id.masked,
            phone: learner.phone.map(|p| p.masked),
            birth_year: learner.birth_year,
            gender: learner.gender.label_zh(),
            district: district_name,
            registered_at: crate::views::date(learner.registered_at),
        }
    }
}

#[derive(Debug)]
pub(crate) struct ConsentRow {
    pub(crate) purpose: String,
    pub(crate) version: String,
    pub(crate) at: String,
}

#[derive(Template, Debug)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    pub(crate) chrome: Chrome,
    pub(crate) display_name: String,
    pub(crate) username: String,
    pub(crate) role: &'static str,
    pub(crate) scope: Option<String>,
    pub(crate) learner: Option<LearnerView>,
    pub(crate) consents: Vec<ConsentRow>,
    pub(crate) can_edit: bool,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

#[derive(Debug)]
pub(crate) struct LearnerRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) national_id: String,
    pub(crate) district: String,
    pub(crate) birth_year: i32,
}

#[derive(Template, Debug)]
#[template(path = "learners.html")]
pub(crate) struct LearnersPage {
    pub(crate) chrome: Chrome,
    pub(crate) total: String,
    pub(crate) learners: Vec<LearnerRow>,
    pub(crate) page: u64,
    pub(crate) pages: u64,
}

#[derive(Template, Debug)]
#[template(path = "learner.html")]
pub(crate) struct LearnerPage {
    pub(crate) chrome: Chrome,
    pub(crate) learner: LearnerView,
}

#[derive(Debug)]
pub(crate) struct AuditRow {
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) subject: String,
}

#[derive(Template, Debug)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    pub(crate) chrome: Chrome,
    pub(crate) entries: Vec<AuditRow>,
    pub(crate) page: u64,
    pub(crate) pages: u64,
}

#[derive(Template, Debug)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) chrome: Chrome,
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
}
