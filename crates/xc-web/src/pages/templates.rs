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
    /// A citizen with a learner record may ask for it to be erased.
    pub(crate) can_erase: bool,
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
    pub(crate) id: i64,
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

// --- The credit bank ---

/// One option of a `<select>`.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// Where an outcome stands, in words (never colour alone) with a class for the badge's look.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Badge {
    pub(crate) label: &'static str,
    pub(crate) class: &'static str,
}

/// One problem with a form or a file, in the page's language.
#[derive(Debug)]
pub(crate) struct ProblemRow {
    pub(crate) row: String,
    pub(crate) column: String,
    pub(crate) value: String,
    pub(crate) reason: String,
}

#[derive(Debug)]
pub(crate) struct TallyRow {
    pub(crate) label: String,
    pub(crate) outcomes: u64,
    pub(crate) credits: String,
}

#[derive(Debug)]
pub(crate) struct ArchiveRow {
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) provider: String,
    pub(crate) achieved_on: String,
    pub(crate) badge: Badge,
    pub(crate) hours: Option<String>,
    pub(crate) score: Option<String>,
    pub(crate) field: Option<String>,
    pub(crate) grant: Option<GrantView>,
    /// Recognised automatically under this specification (code, version).
    pub(crate) by_specification: Option<(String, u32)>,
    /// Recognised automatically under this general rule (its kind and version, as people read
    /// them).
    pub(crate) by_general_rule: Option<String>,
    pub(crate) rejected: bool,
    /// A reviewer's reason (for a rejection, why).
    pub(crate) reason: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "archive.html")]
pub(crate) struct ArchivePage {
    pub(crate) chrome: Chrome,
    pub(crate) heading: String,
    pub(crate) own: bool,
    pub(crate) learner_id: i64,
    pub(crate) action: String,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) years: Vec<Choice>,
    pub(crate) fields: Vec<Choice>,
    pub(crate) filtered: bool,
    pub(crate) valid_credits: String,
    pub(crate) recognised: u64,
    pub(crate) in_review: u64,
    pub(crate) rejected: u64,
    pub(crate) points: i64,
    pub(crate) by_level: Vec<TallyRow>,
    pub(crate) by_category: Vec<TallyRow>,
    pub(crate) by_field: Vec<TallyRow>,
    /// One page of the outcomes, newest first.
    pub(crate) items: Vec<ArchiveRow>,
    /// The next page (older outcomes), when there is one; filters kept.
    pub(crate) older_link: Option<String>,
    /// The previous page (newer outcomes), or the last page when asked past the end.
    pub(crate) newer_link: Option<String>,
    /// A page number past the last one was asked for.
    pub(crate) past_end: bool,
    /// A page of the learner's activity from the learning record store, newest first.
    pub(crate) activity: Vec<ActivityRow>,
    /// The next (older) page of activity, when there is one; filters kept.
    pub(crate) activity_older_link: Option<String>,
    /// "Page 2 of 67", when there is more than one.
    pub(crate) page_label: Option<String>,
    pub(crate) can_erase: bool,
    /// The transcript of this archive (`/me/transcript` or `/learners/{id}/transcript`).
    pub(crate) transcript_link: String,
    pub(crate) conversions: ConversionsView,
}

/// One xAPI statement in a learner's archive, in the page's language.
#[derive(Debug, Clone)]
pub(crate) struct ActivityRow {
    pub(crate) when: String,
    pub(crate) verb: String,
    /// The activity's name, else its IRI; `None` when the object is not an Activity.
    pub(crate) activity: Option<String>,
    pub(crate) provider: String,
    /// The scaled score as a percentage.
    pub(crate) score: Option<String>,
}

/// What a recognition granted.
#[derive(Debug, Clone)]
pub(crate) struct GrantView {
    pub(crate) level: u8,
    pub(crate) credits: String,
    pub(crate) category: &'static str,
    /// `None`: does not expire.
    pub(crate) valid_until: Option<String>,
}

/// A specification as a reviewer or provider sees it next to an outcome.
#[derive(Debug)]
pub(crate) struct CloseView {
    pub(crate) version: u32,
    pub(crate) code: String,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) hours: Option<String>,
    pub(crate) level: u8,
    pub(crate) credits: String,
    pub(crate) differences: Vec<String>,
}

/// Why an outcome stands where it does.
#[derive(Debug)]
pub(crate) struct ExplanationView {
    /// Recognised automatically under this specification (code, version).
    pub(crate) by_specification: Option<(String, u32)>,
    /// Recognised automatically under this general rule (kind and version, as people read them).
    pub(crate) by_general_rule: Option<String>,
    pub(crate) by_reviewer: bool,
    pub(crate) pending: bool,
    pub(crate) grant: Option<GrantView>,
    pub(crate) closest: Vec<CloseView>,
    pub(crate) general_rule_credits: Option<String>,
    pub(crate) reason: Option<String>,
}

#[derive(Debug)]
pub(crate) struct SubmittedView {
    pub(crate) outcome_id: i64,
    pub(crate) external_id: String,
    pub(crate) title: String,
    pub(crate) badge: Badge,
    pub(crate) already_stored: bool,
    pub(crate) explanation: ExplanationView,
}

/// What the provider typed, shown again with the problems.
#[derive(Debug, Default)]
pub(crate) struct OutcomeValues {
    pub(crate) provider_id: String,
    pub(crate) external_id: String,
    pub(crate) national_id: String,
    pub(crate) learner_id: String,
    pub(crate) kind: String,
    pub(crate) title: String,
    pub(crate) achieved_on: String,
    pub(crate) hours: String,
    pub(crate) grade: String,
    pub(crate) field: String,
    pub(crate) score: String,
    pub(crate) evidence_kind: String,
    pub(crate) evidence: String,
}

#[derive(Template, Debug)]
#[template(path = "provider_outcomes.html")]
pub(crate) struct ProviderOutcomesPage {
    pub(crate) chrome: Chrome,
    pub(crate) needs_provider: bool,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) grades: Vec<Choice>,
    pub(crate) evidence_kinds: Vec<Choice>,
    pub(crate) form: OutcomeValues,
    pub(crate) error: Option<String>,
    pub(crate) error_fields: Vec<String>,
    pub(crate) problems: Vec<ProblemRow>,
    pub(crate) result: Option<SubmittedView>,
}

impl ProviderOutcomesPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_fields.iter().any(|f| f == field)
    }
}

#[derive(Template, Debug)]
#[template(path = "upload_report.html")]
pub(crate) struct UploadReportPage {
    pub(crate) chrome: Chrome,
    pub(crate) file_name: String,
    pub(crate) file_error: Option<String>,
    pub(crate) rows: u64,
    pub(crate) valid_rows: u64,
    pub(crate) stored: u64,
    pub(crate) already_stored: u64,
    pub(crate) recognised: u64,
    pub(crate) in_review: u64,
    pub(crate) batch_id: Option<i64>,
    pub(crate) held_back: bool,
    pub(crate) summary: Option<String>,
    pub(crate) file_notes: Vec<String>,
    pub(crate) problems: Vec<ProblemRow>,
}

#[derive(Debug)]
pub(crate) struct QueueRow {
    pub(crate) id: i64,
    pub(crate) submitted_at: String,
    pub(crate) provider: String,
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) hours: Option<String>,
    pub(crate) learner_id: i64,
}

#[derive(Template, Debug)]
#[template(path = "review_queue.html")]
pub(crate) struct ReviewQueuePage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) provider: String,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) rows: Vec<QueueRow>,
    pub(crate) total: u64,
    pub(crate) page: u64,
    pub(crate) pages: u64,
    /// The filter, for the pager's links (`&provider=1&kind=mooc`).
    pub(crate) query: String,
}

/// An outcome as the reviewer sees it.
#[derive(Debug)]
pub(crate) struct OutcomeView {
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) provider: String,
    pub(crate) external_id: String,
    pub(crate) hours: Option<String>,
    pub(crate) grade: Option<&'static str>,
    pub(crate) field: Option<String>,
    pub(crate) score: Option<String>,
    pub(crate) achieved_on: String,
    pub(crate) submitted_at: String,
    pub(crate) evidence: Vec<String>,
    pub(crate) badge: Badge,
}

#[derive(Debug)]
pub(crate) struct HistoryRow {
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) achieved_on: String,
    pub(crate) badge: Badge,
    pub(crate) credits: Option<String>,
}

/// What the reviewer typed, shown again with a problem.
#[derive(Debug, Default)]
pub(crate) struct DecisionValues {
    pub(crate) credits: String,
    pub(crate) validity_months: String,
    pub(crate) accept_reason: String,
    pub(crate) reject_reason: String,
}

#[derive(Template, Debug)]
#[template(path = "review_case.html")]
pub(crate) struct ReviewCasePage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    pub(crate) in_review: bool,
    pub(crate) outcome: OutcomeView,
    pub(crate) learner_id: i64,
    pub(crate) learner_name: String,
    pub(crate) learner_masked_id: String,
    pub(crate) closest: Vec<CloseView>,
    pub(crate) general_rule_credits: Option<String>,
    /// Where the provider stood in the register on the day the outcome was achieved, in words.
    pub(crate) provider_accreditation: &'static str,
    pub(crate) provider_accredited: bool,
    /// Where the outcome came from, when a learner brought it from another city's bank.
    pub(crate) external: Option<ExternalView>,
    pub(crate) history: Vec<HistoryRow>,
    pub(crate) levels: Vec<Choice>,
    pub(crate) categories: Vec<Choice>,
    pub(crate) specifications: Vec<Choice>,
    pub(crate) form: DecisionValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl ReviewCasePage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

#[derive(Debug)]
pub(crate) struct SpecRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) provider: String,
    pub(crate) version: u32,
    pub(crate) published_at: String,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) category: &'static str,
    pub(crate) hours: Option<String>,
    pub(crate) grade: Option<&'static str>,
    pub(crate) level: u8,
    pub(crate) credits: String,
    pub(crate) field: Option<String>,
    pub(crate) validity: String,
}

/// A specification as typed (or as the current version says, to edit into the next).
#[derive(Debug, Default)]
pub(crate) struct SpecValues {
    pub(crate) provider_id: String,
    pub(crate) code: String,
    pub(crate) kind: String,
    pub(crate) category: String,
    pub(crate) title: String,
    pub(crate) hours: String,
    pub(crate) grade: String,
    pub(crate) level: String,
    pub(crate) credits: String,
    pub(crate) field: String,
    pub(crate) validity_months: String,
}

/// The choices of the specification form.
#[derive(Debug)]
pub(crate) struct SpecChoices {
    pub(crate) kinds: Vec<Choice>,
    pub(crate) categories: Vec<Choice>,
    pub(crate) grades: Vec<Choice>,
    pub(crate) topics: Vec<Choice>,
}

#[derive(Template, Debug)]
#[template(path = "specifications.html")]
pub(crate) struct SpecificationsPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) rows: Vec<SpecRow>,
    pub(crate) choices: SpecChoices,
    pub(crate) form: SpecValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl SpecificationsPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

#[derive(Template, Debug)]
#[template(path = "specification.html")]
pub(crate) struct SpecificationPage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) provider: String,
    pub(crate) notice: Option<&'static str>,
    pub(crate) versions: Vec<SpecRow>,
    pub(crate) choices: SpecChoices,
    pub(crate) form: SpecValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl SpecificationPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

// --- Conversion, points and the data download ---

/// One line of a proposal or an application, in words.
#[derive(Debug)]
pub(crate) struct LineView {
    pub(crate) no: u32,
    pub(crate) rule_code: String,
    pub(crate) rule_version: u32,
    /// What the rule asks for (empty on an application: the rule may have changed since).
    pub(crate) conditions: String,
    pub(crate) grant: String,
    pub(crate) credits: String,
    /// The outcomes used, by title.
    pub(crate) outcomes: Vec<String>,
    /// Kept, dropped or waiting, in words.
    pub(crate) badge: Badge,
    /// Whether the "keep" box is ticked on the staff form.
    pub(crate) checked: bool,
}

/// A rule that did not apply, and why.
#[derive(Debug)]
pub(crate) struct MissView {
    pub(crate) rule_code: String,
    pub(crate) conditions: String,
    pub(crate) reason: String,
}

#[derive(Debug)]
pub(crate) struct ExcludedView {
    pub(crate) title: String,
    pub(crate) reason: String,
}

/// The engine's proposal for the learner and the chosen programme, explained.
#[derive(Debug)]
pub(crate) struct PreviewView {
    pub(crate) programme_id: i64,
    pub(crate) programme_name: String,
    pub(crate) cap: String,
    pub(crate) already_converted: String,
    pub(crate) total: String,
    pub(crate) lines: Vec<LineView>,
    pub(crate) misses: Vec<MissView>,
    pub(crate) excluded: Vec<ExcludedView>,
    pub(crate) unused: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct ApplicationRow {
    pub(crate) id: i64,
    pub(crate) applied_at: String,
    pub(crate) learner_id: i64,
    pub(crate) programme: String,
    pub(crate) badge: Badge,
    pub(crate) proposed: String,
    pub(crate) approved: Option<String>,
    pub(crate) lines: usize,
}

#[derive(Template, Debug)]
#[template(path = "conversion.html")]
pub(crate) struct ConversionPage {
    pub(crate) chrome: Chrome,
    pub(crate) programmes: Vec<Choice>,
    pub(crate) preview: Option<PreviewView>,
    /// Newest first.
    pub(crate) applications: Vec<ApplicationRow>,
    pub(crate) error: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "conversion_application.html")]
pub(crate) struct ApplicationPage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    pub(crate) programme: String,
    pub(crate) badge: Badge,
    pub(crate) applied_at: String,
    pub(crate) proposed: String,
    pub(crate) approved: Option<String>,
    pub(crate) decided_at: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) lines: Vec<LineView>,
    pub(crate) notice: Option<&'static str>,
}

#[derive(Template, Debug)]
#[template(path = "conversions.html")]
pub(crate) struct ConversionsPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) rows: Vec<ApplicationRow>,
    pub(crate) total: u64,
    pub(crate) page: u64,
    pub(crate) pages: u64,
}

#[derive(Template, Debug)]
#[template(path = "conversion_case.html")]
pub(crate) struct ConversionCasePage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    /// Still waiting for a decision: the form is shown.
    pub(crate) open: bool,
    pub(crate) programme: String,
    pub(crate) badge: Badge,
    pub(crate) applied_at: String,
    pub(crate) learner_id: i64,
    pub(crate) learner_name: String,
    pub(crate) learner_masked_id: String,
    pub(crate) proposed: String,
    pub(crate) approved: Option<String>,
    pub(crate) decided_at: Option<String>,
    pub(crate) reason_given: Option<String>,
    pub(crate) lines: Vec<LineView>,
    /// What was typed as the reason, shown again with a problem.
    pub(crate) reason: String,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl ConversionCasePage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

#[derive(Debug)]
pub(crate) struct ProgrammeRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) provider: String,
    pub(crate) max_credits: String,
    pub(crate) rules: usize,
}

/// A programme as typed, shown again with a problem.
#[derive(Debug, Default)]
pub(crate) struct ProgrammeValues {
    pub(crate) institution_id: String,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) max_credits: String,
}

#[derive(Template, Debug)]
#[template(path = "programmes.html")]
pub(crate) struct ProgrammesPage {
    pub(crate) chrome: Chrome,
    pub(crate) rows: Vec<ProgrammeRow>,
    pub(crate) form: ProgrammeValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl ProgrammesPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

/// A rule in force, in words.
#[derive(Debug)]
pub(crate) struct RuleRow {
    pub(crate) id: i64,
    pub(crate) order: usize,
    pub(crate) code: String,
    pub(crate) version: u32,
    pub(crate) priority: u16,
    pub(crate) conditions: String,
    pub(crate) grant: String,
}

/// A rule as typed.
#[derive(Debug, Default)]
pub(crate) struct RuleValues {
    pub(crate) code: String,
    pub(crate) priority: String,
    pub(crate) kinds: Vec<String>,
    pub(crate) category: String,
    pub(crate) title: String,
    pub(crate) field: String,
    pub(crate) min_grade: String,
    pub(crate) min_level: String,
    pub(crate) min_score: String,
    pub(crate) max_age_years: String,
    pub(crate) count: String,
    pub(crate) repeat: String,
    /// `elective_credits` or `course_exemptions`.
    pub(crate) grant_kind: String,
    pub(crate) elective_credits: String,
    pub(crate) courses: String,
}

/// The choices of the rule form.
#[derive(Debug)]
pub(crate) struct RuleChoices {
    pub(crate) kinds: Vec<Choice>,
    pub(crate) categories: Vec<Choice>,
    pub(crate) grades: Vec<Choice>,
    pub(crate) topics: Vec<Choice>,
}

#[derive(Template, Debug)]
#[template(path = "programme.html")]
pub(crate) struct ProgrammePage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) provider: String,
    pub(crate) max_credits: String,
    pub(crate) notice: Option<&'static str>,
    pub(crate) rules: Vec<RuleRow>,
    pub(crate) choices: RuleChoices,
    pub(crate) form: RuleValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
    /// A rule that could not be retired, and why.
    pub(crate) retire_error: Option<String>,
}

impl ProgrammePage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

#[derive(Debug)]
pub(crate) struct LedgerRow {
    pub(crate) day: String,
    pub(crate) item: String,
    /// Signed: `+5`, `-8`.
    pub(crate) points: String,
}

#[derive(Debug)]
pub(crate) struct IncentiveRow {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) cost: u64,
    pub(crate) available: String,
    /// Whether it can be redeemed now, in words.
    pub(crate) badge: Badge,
}

#[derive(Template, Debug)]
#[template(path = "points.html")]
pub(crate) struct PointsPage {
    pub(crate) chrome: Chrome,
    pub(crate) balance: i64,
    pub(crate) earn: Vec<String>,
    /// Newest first.
    pub(crate) ledger: Vec<LedgerRow>,
    pub(crate) incentives: Vec<IncentiveRow>,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
}

/// One activity's line of the points-policy form.
#[derive(Debug)]
pub(crate) struct PolicyRow {
    pub(crate) activity: &'static str,
    pub(crate) label: &'static str,
    pub(crate) points: String,
    pub(crate) daily_cap: String,
    pub(crate) yearly_cap: String,
    /// Which of the three inputs the error is about (`points`, `daily_cap`, `yearly_cap`), or "".
    pub(crate) invalid: &'static str,
}

/// One published version of the points policy, in words.
#[derive(Debug)]
pub(crate) struct PolicyVersionRow {
    pub(crate) version: u32,
    pub(crate) published_at: String,
    pub(crate) published_by: String,
    pub(crate) lines: Vec<String>,
}

#[derive(Template, Debug)]
#[template(path = "points_policy.html")]
pub(crate) struct PointsPolicyPage {
    pub(crate) chrome: Chrome,
    /// "Version 3" or the default's words.
    pub(crate) in_force: String,
    pub(crate) rows: Vec<PolicyRow>,
    /// Newest first.
    pub(crate) history: Vec<PolicyVersionRow>,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
    /// The field the error is about (`attendance.daily_cap` …), to mark its input.
    pub(crate) error_field: String,
}

#[derive(Template, Debug)]
#[template(path = "erase.html")]
pub(crate) struct ErasePage {
    pub(crate) chrome: Chrome,
    /// What was typed in the confirmation field, shown again with the error.
    pub(crate) typed: String,
    pub(crate) error: Option<&'static str>,
}

#[derive(Template, Debug)]
#[template(path = "erased.html")]
pub(crate) struct ErasedPage {
    pub(crate) chrome: Chrome,
}

/// One recognised outcome on the transcript.
#[derive(Debug)]
pub(crate) struct TranscriptRow {
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) provider: String,
    pub(crate) achieved_on: String,
    /// The specification's code and version, when one was followed.
    pub(crate) specification: Option<(String, u32)>,
    /// Automatic, or by the credit bank's review (never the reviewer's name).
    pub(crate) decision: &'static str,
    pub(crate) decided_on: Option<String>,
    pub(crate) credits: String,
    pub(crate) expired: bool,
    pub(crate) valid_until: Option<String>,
}

/// The recognised outcomes of one category at one level.
#[derive(Debug)]
pub(crate) struct TranscriptGroupView {
    pub(crate) heading: String,
    pub(crate) rows: Vec<TranscriptRow>,
    pub(crate) outcomes: u64,
    pub(crate) credits: String,
}

/// An approved conversion on the transcript.
#[derive(Debug)]
pub(crate) struct ConvertedRow {
    pub(crate) programme: String,
    pub(crate) credits: String,
    pub(crate) courses: Vec<String>,
    pub(crate) approved_on: Option<String>,
}

#[derive(Template, Debug)]
#[template(path = "transcript.html")]
pub(crate) struct TranscriptPage {
    pub(crate) chrome: Chrome,
    pub(crate) own: bool,
    pub(crate) learner_id: i64,
    pub(crate) learner_name: String,
    pub(crate) learner_masked_id: String,
    pub(crate) produced_on: String,
    pub(crate) reference: String,
    pub(crate) archive_link: String,
    pub(crate) groups: Vec<TranscriptGroupView>,
    pub(crate) valid_credits: String,
    pub(crate) recognised: u64,
    pub(crate) by_category: Vec<TallyRow>,
    pub(crate) conversions: Vec<ConvertedRow>,
}

/// What the engine would propose now for one programme, on the archive.
#[derive(Debug)]
pub(crate) struct OutlookRow {
    pub(crate) programme_id: i64,
    pub(crate) programme: String,
    pub(crate) total: String,
    pub(crate) cap: String,
    pub(crate) already_converted: String,
    /// What each line grants, in words.
    pub(crate) grants: Vec<String>,
}

/// The archive's conversion sections: applications and what can still be converted.
#[derive(Debug)]
pub(crate) struct ConversionsView {
    /// Newest first.
    pub(crate) applications: Vec<ApplicationRow>,
    pub(crate) outlook: Vec<OutlookRow>,
    /// Programmes that may apply but were not previewed.
    pub(crate) more: usize,
}

/// An incentive on the staff page.
#[derive(Debug)]
pub(crate) struct IncentiveAdminRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) cost: u64,
    pub(crate) available: String,
    pub(crate) badge: Badge,
    /// What the last-day box shows: what was typed after a refusal, else today.
    pub(crate) last_day: String,
    /// Why ending this one was refused.
    pub(crate) error: Option<String>,
}

/// The new-incentive form as typed.
#[derive(Debug, Default)]
pub(crate) struct IncentiveValues {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) cost: String,
    pub(crate) available_from: String,
    pub(crate) available_until: String,
}

#[derive(Template, Debug)]
#[template(path = "incentives.html")]
pub(crate) struct IncentivesPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) rows: Vec<IncentiveAdminRow>,
    pub(crate) form: IncentiveValues,
    pub(crate) error_field: Option<String>,
    pub(crate) error: Option<String>,
}

impl IncentivesPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

#[derive(Template, Debug)]
#[template(path = "rule.html")]
pub(crate) struct RulePage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) version: u32,
    pub(crate) retired: bool,
    pub(crate) programme_id: i64,
    pub(crate) programme_name: String,
    /// The current version in words.
    pub(crate) conditions: String,
    pub(crate) grant: String,
    pub(crate) choices: RuleChoices,
    /// Prefilled with the current version, or what was typed after a refusal.
    pub(crate) form: RuleValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl RulePage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

/// One row of the non-formal rules form: a kind with its rule in force (or as typed back after
/// a refusal).
#[derive(Debug)]
pub(crate) struct NonFormalRuleFormRow {
    pub(crate) kind: &'static str,
    pub(crate) label: &'static str,
    /// "v2", or the word for the default.
    pub(crate) version: String,
    pub(crate) hours_per_credit: String,
    pub(crate) step: String,
    pub(crate) maximum: String,
    /// The framework level an outcome recognised under the rule holds.
    pub(crate) level: String,
}

/// One row of the grade mapping form.
#[derive(Debug)]
pub(crate) struct GradeLevelFormRow {
    pub(crate) grade: &'static str,
    pub(crate) label: &'static str,
    pub(crate) level: String,
}

/// One published version of a general rule, in words.
#[derive(Debug)]
pub(crate) struct RuleHistoryRow {
    pub(crate) subject: String,
    pub(crate) version: String,
    pub(crate) published_at: String,
    pub(crate) published_by: String,
    pub(crate) changes: String,
}

#[derive(Template, Debug)]
#[template(path = "general_rules.html")]
pub(crate) struct GeneralRulesPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) nonformal: Vec<NonFormalRuleFormRow>,
    pub(crate) grades_version: String,
    pub(crate) grades: Vec<GradeLevelFormRow>,
    pub(crate) history: Vec<RuleHistoryRow>,
    /// Which form a refusal belongs to (`nonformal` or `grades`), its message and problems.
    pub(crate) error_form: String,
    pub(crate) error: Option<String>,
    pub(crate) problems: Vec<ProblemRow>,
}

/// One accreditation decision, in words.
#[derive(Debug)]
pub(crate) struct AccreditationRow {
    pub(crate) provider: String,
    pub(crate) decision: &'static str,
    pub(crate) from: String,
    pub(crate) until: String,
    pub(crate) decided_at: String,
    pub(crate) decided_by: String,
    pub(crate) reason: String,
    pub(crate) status_today: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "providers.html")]
pub(crate) struct ProvidersPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) rows: Vec<AccreditationRow>,
    pub(crate) form: AccreditationValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl ProvidersPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

/// The accreditation form as typed.
#[derive(Debug, Default, Clone)]
pub(crate) struct AccreditationValues {
    pub(crate) provider_id: String,
    pub(crate) decision: String,
    pub(crate) from: String,
    pub(crate) until: String,
    pub(crate) reason: String,
}

#[derive(Template, Debug)]
#[template(path = "credentials_staff.html")]
pub(crate) struct CredentialsStaffPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<&'static str>,
    pub(crate) find: String,
    pub(crate) searched: bool,
    pub(crate) rows: Vec<CredentialStaffRow>,
    pub(crate) error: Option<String>,
}

/// One issued credential on the staff page.
#[derive(Debug, Clone)]
pub(crate) struct CredentialStaffRow {
    pub(crate) id: String,
    pub(crate) achievement: String,
    pub(crate) issued_at: String,
    pub(crate) status: &'static str,
    pub(crate) revoked: bool,
    pub(crate) suspended: bool,
    /// Each change in words: when, what, who, why.
    pub(crate) history: Vec<String>,
}

#[derive(Template, Debug)]
#[template(path = "my_credentials.html")]
pub(crate) struct MyCredentialsPage {
    pub(crate) chrome: Chrome,
    pub(crate) rows: Vec<MyCredentialRow>,
    /// The share form's field choices.
    pub(crate) field_options: Vec<FieldOption>,
    /// The learner's shares, newest first.
    pub(crate) shares: Vec<MyShareRow>,
    /// Why the share form was refused.
    pub(crate) error: Option<String>,
}

/// One field a share may show, as a checkbox.
#[derive(Debug, Clone)]
pub(crate) struct FieldOption {
    pub(crate) code: &'static str,
    pub(crate) label: &'static str,
    pub(crate) checked: bool,
}

/// One of the learner's shares in their list.
#[derive(Debug, Clone)]
pub(crate) struct MyShareRow {
    pub(crate) id: i64,
    pub(crate) created_at: String,
    pub(crate) expires_at: String,
    pub(crate) credentials: usize,
    pub(crate) views: u64,
    pub(crate) state: &'static str,
    pub(crate) open: bool,
}

/// One of the learner's shares: its link and QR code, views, and the revoke button.
#[derive(Template, Debug)]
#[template(path = "share.html")]
pub(crate) struct SharePage {
    pub(crate) chrome: Chrome,
    pub(crate) id: i64,
    pub(crate) url: String,
    /// An SVG we rendered (xc-credentials' QR writer), inserted as is.
    pub(crate) qr_svg: String,
    pub(crate) state: &'static str,
    pub(crate) open: bool,
    pub(crate) fields: String,
    pub(crate) credentials: usize,
    pub(crate) created_at: String,
    pub(crate) expires_at: String,
    pub(crate) views: u64,
    pub(crate) last_viewed: String,
}

/// One check of a verification, in words.
#[derive(Debug, Clone)]
pub(crate) struct CheckRow {
    pub(crate) label: String,
    /// The badge class: `recognised` (passed), `rejected` (failed), `expired` (not checked).
    pub(crate) class: &'static str,
    pub(crate) verdict: &'static str,
    pub(crate) detail: String,
}

/// One shared credential as the verifier sees it.
#[derive(Debug, Clone)]
pub(crate) struct SharedCard {
    pub(crate) valid: bool,
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) checks: Vec<CheckRow>,
    pub(crate) sd_jwt: String,
}

/// What a share link shows (no account needed).
#[derive(Template, Debug)]
#[template(path = "shared.html")]
pub(crate) struct SharedPage {
    pub(crate) chrome: Chrome,
    /// Revoked or expired: this message and nothing else.
    pub(crate) closed: Option<&'static str>,
    pub(crate) issuer_name: String,
    pub(crate) issuer_did: String,
    pub(crate) expires_at: String,
    pub(crate) cards: Vec<SharedCard>,
}

/// The outcome of a verification on the verify page.
#[derive(Debug, Clone)]
pub(crate) struct VerifyResult {
    pub(crate) valid: bool,
    pub(crate) issuer: String,
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) checks: Vec<CheckRow>,
}

/// The public verify page: paste, upload, or a share link.
#[derive(Template, Debug)]
#[template(path = "verify.html")]
pub(crate) struct VerifyPage {
    pub(crate) chrome: Chrome,
    pub(crate) text: String,
    pub(crate) error: Option<String>,
    pub(crate) result: Option<VerifyResult>,
}

/// One of the learner's credentials.
#[derive(Debug, Clone)]
pub(crate) struct MyCredentialRow {
    /// The credential id without `urn:uuid:` (what the page paths carry).
    pub(crate) uuid: String,
    pub(crate) achievement: String,
    pub(crate) credits: String,
    pub(crate) issued_at: String,
    pub(crate) status: &'static str,
}

/// The printable certificate of one credential, with the QR code of its public URL.
#[derive(Template, Debug)]
#[template(path = "certificate.html")]
pub(crate) struct CertificatePage {
    pub(crate) chrome: Chrome,
    pub(crate) issuer: String,
    pub(crate) achievement: String,
    pub(crate) criteria: String,
    pub(crate) provider: String,
    pub(crate) level: String,
    pub(crate) credits: String,
    pub(crate) achieved_on: String,
    pub(crate) issued_at: String,
    pub(crate) credential_id: String,
    pub(crate) uuid: String,
    pub(crate) status: &'static str,
    pub(crate) verify_url: String,
    /// An SVG we rendered (xc-credentials' QR writer), inserted as is.
    pub(crate) qr_svg: String,
}

#[derive(Template, Debug)]
#[template(path = "lrs_clients.html")]
pub(crate) struct LrsClientsPage {
    pub(crate) chrome: Chrome,
    /// Where platforms send their statements.
    pub(crate) endpoint: String,
    pub(crate) rows: Vec<LrsClientRow>,
    /// The client just created, with its secret (shown this once).
    pub(crate) created: Option<NewClientShown>,
    pub(crate) name: String,
    pub(crate) institution: String,
    pub(crate) scope_options: Vec<ScopeOption>,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl LrsClientsPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

/// One LRS client in the list.
#[derive(Debug, Clone)]
pub(crate) struct LrsClientRow {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) institution: String,
    pub(crate) scopes: String,
    pub(crate) created_at: String,
    /// When it was revoked, if it was.
    pub(crate) revoked_at: Option<String>,
}

/// A client just created: its credentials, shown once.
#[derive(Debug, Clone)]
pub(crate) struct NewClientShown {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) secret: String,
}

/// One scope checkbox of the form.
#[derive(Debug, Clone)]
pub(crate) struct ScopeOption {
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
    pub(crate) checked: bool,
}

/// The learner's own code (申学码) for this minute, refreshed by `static/learner-code.js`.
#[derive(Template, Debug)]
#[template(path = "learner_code.html")]
pub(crate) struct LearnerCodePage {
    pub(crate) chrome: Chrome,
    pub(crate) token: String,
    /// An SVG we rendered (xc-credentials' QR writer), inserted as is.
    pub(crate) svg: String,
    /// When the next code is due, in seconds since the epoch (for the script).
    pub(crate) refresh_at_unix: i64,
    /// The same, as the clock shows it (`HH:MM`, Beijing time).
    pub(crate) changes_at: String,
}

/// A check-in recorded, as the staff page shows it.
#[derive(Debug, Clone)]
pub(crate) struct CheckInDone {
    pub(crate) learner: String,
    pub(crate) at: String,
    pub(crate) points: u64,
}

/// A refused code, in the page's language, with its stable code.
#[derive(Debug, Clone)]
pub(crate) struct CheckInRefused {
    pub(crate) code: &'static str,
    pub(crate) words: &'static str,
}

/// The sites a staff member checks learners in at.
#[derive(Template, Debug)]
#[template(path = "check_in_sites.html")]
pub(crate) struct CheckInSitesPage {
    pub(crate) chrome: Chrome,
    /// (site id, name) of this page's sites.
    pub(crate) sites: Vec<(i64, String)>,
    /// How many there are in all.
    pub(crate) total: u64,
    pub(crate) page: u64,
    pub(crate) pages: u64,
}

/// The staff check-in page of one site: the scan form, and the last scan's verdict.
#[derive(Template, Debug)]
#[template(path = "check_in.html")]
pub(crate) struct CheckInPage {
    pub(crate) chrome: Chrome,
    pub(crate) site_id: i64,
    pub(crate) site_name: String,
    pub(crate) done: Option<CheckInDone>,
    pub(crate) refusal: Option<CheckInRefused>,
}

/// Statement search (`/bank/statements`).
#[derive(Template, Debug)]
#[template(path = "statements.html")]
pub(crate) struct StatementsPage {
    pub(crate) chrome: Chrome,
    pub(crate) rows: Vec<StatementRow>,
    /// The next page's link, when there is one.
    pub(crate) next: Option<String>,
    pub(crate) email: String,
    pub(crate) activity: String,
    pub(crate) since: String,
    pub(crate) until: String,
    pub(crate) verb_options: Vec<VerbOption>,
    /// (key, name, selected) of the platforms the reader may search.
    pub(crate) platform_options: Vec<(String, String, bool)>,
    /// Whether "every platform" may be chosen (not for provider staff).
    pub(crate) all_platforms: bool,
    pub(crate) searched_at: String,
}

/// A verb offered in the search form.
#[derive(Debug)]
pub(crate) struct VerbOption {
    pub(crate) iri: &'static str,
    pub(crate) label: &'static str,
    pub(crate) selected: bool,
}

/// A statement as staff read it.
#[derive(Debug)]
pub(crate) struct StatementRow {
    pub(crate) stored: String,
    pub(crate) actor: String,
    pub(crate) verb: String,
    pub(crate) object: String,
    pub(crate) result: String,
    pub(crate) platform: String,
    pub(crate) voided: bool,
}

/// One bank of the trust list.
#[derive(Debug, Clone)]
pub(crate) struct TrustedBankRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) did: String,
    pub(crate) base_url: String,
    pub(crate) institution: i64,
    pub(crate) refreshed_at: String,
    pub(crate) keys: Vec<PinnedKeyRow>,
    /// `<when>：<why>` while the bank is off the list.
    pub(crate) removed: Option<String>,
}

/// One pinned key of a trusted bank.
#[derive(Debug, Clone)]
pub(crate) struct PinnedKeyRow {
    pub(crate) key_id: String,
    pub(crate) multikey: String,
    /// `<when>：<why>` once distrusted.
    pub(crate) distrusted: Option<String>,
}

/// The trust list of mutual recognition (credit-bank staff).
#[derive(Template, Debug)]
#[template(path = "trust_list.html")]
pub(crate) struct TrustListPage {
    pub(crate) chrome: Chrome,
    pub(crate) rows: Vec<TrustedBankRow>,
    pub(crate) notice: Option<String>,
    pub(crate) name: String,
    pub(crate) base_url: String,
    pub(crate) error: Option<String>,
    pub(crate) error_field: Option<String>,
}

impl TrustListPage {
    pub(crate) fn has_error(&self, field: &str) -> bool {
        self.error_field.as_deref() == Some(field)
    }
}

/// A credential the learner brought, as listed.
#[derive(Debug, Clone)]
pub(crate) struct BroughtRow {
    pub(crate) title: String,
    pub(crate) bank: String,
    pub(crate) badge: &'static str,
    pub(crate) badge_class: &'static str,
    pub(crate) verified_at: String,
    pub(crate) verified_with: Vec<String>,
    pub(crate) status_check: String,
    pub(crate) inclusion_check: String,
}

/// The credential just accepted.
#[derive(Debug, Clone)]
pub(crate) struct BroughtShown {
    pub(crate) stored_now: bool,
    pub(crate) row: BroughtRow,
}

/// Bringing a credential from another city's bank (learners).
#[derive(Template, Debug)]
#[template(path = "bring.html")]
pub(crate) struct BringPage {
    pub(crate) chrome: Chrome,
    pub(crate) text: String,
    pub(crate) result: Option<BroughtShown>,
    pub(crate) error: Option<String>,
    /// The stable code of a refusal (`untrusted_issuer` …), empty for a problem with the input.
    pub(crate) error_code: String,
    pub(crate) rows: Vec<BroughtRow>,
}

/// An outcome brought from another city's bank, as its reviewer sees it: the provenance and what
/// the issuing bank granted (for information: this bank decides by its own rules).
#[derive(Debug, Clone)]
pub(crate) struct ExternalView {
    pub(crate) bank: String,
    pub(crate) credential_id: String,
    pub(crate) their_level: String,
    pub(crate) their_credits: String,
    pub(crate) verified_at: String,
    pub(crate) status_check: String,
    pub(crate) inclusion_check: String,
}

/// One row of the statement rules form, as shown (the rules in force, or what was typed).
#[derive(Debug, Clone, Default)]
pub(crate) struct LrsRuleFormRow {
    pub(crate) verb: String,
    pub(crate) activity: String,
    pub(crate) activity_type: String,
    pub(crate) min_scaled: String,
    pub(crate) award: String,
    pub(crate) specification: String,
}

/// One published version of the statement rules.
#[derive(Debug, Clone)]
pub(crate) struct LrsRuleVersionRow {
    pub(crate) version: String,
    pub(crate) published_at: String,
    pub(crate) rules: usize,
}

#[derive(Template, Debug)]
#[template(path = "lrs_integration.html")]
pub(crate) struct LrsIntegrationPage {
    pub(crate) chrome: Chrome,
    /// The version in force; `None` before the first publication.
    pub(crate) version: Option<String>,
    pub(crate) rules: Vec<LrsRuleFormRow>,
    /// What a rule may award.
    pub(crate) awards: Vec<Choice>,
    /// Newest first.
    pub(crate) history: Vec<LrsRuleVersionRow>,
    pub(crate) link_agent: String,
    pub(crate) link_learner: String,
    pub(crate) erase_agent: String,
    /// A city administrator: the erasure form is shown.
    pub(crate) can_erase: bool,
    pub(crate) notice: Option<String>,
    /// Which form a refusal belongs to (`rules`, `link`, `erase`), the field, the message and
    /// the problems by row.
    pub(crate) error_form: String,
    pub(crate) error_field: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) problems: Vec<ProblemRow>,
}

impl LrsIntegrationPage {
    pub(crate) fn has_error(&self, form: &str, field: &str) -> bool {
        self.error_form == form && self.error_field.as_deref() == Some(field)
    }
}
