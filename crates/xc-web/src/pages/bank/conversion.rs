//! Conversion's pages. Learners: `/me/conversion` (choose a programme, see the proposal
//! explained line by line in plain words, apply; their applications) and `/me/conversion/{id}`.
//! Credit-bank staff: `/bank/programmes` (list, create), `/bank/programmes/{id}` (rules in the
//! order the engine tries them, publish a rule, retire one), `/bank/rules/{id}` (a new version
//! of a rule: the form prefilled with the current version), `/bank/conversions` (open
//! applications) and `/bank/conversions/{id}` (keep lines, approve or reject). Everything goes
//! through `crate::bank::conversion`, as the API does.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xc_bank::ConversionRules;
use xc_domain::Action;
use xc_domain::credit::{
    ApplicationId, ConversionRuleDraft, ConversionRuleId, Field, Grant, MissReason,
    OutcomeCategory, OutcomeKind, ProgrammeId, VocationalGrade,
};
use xc_store::{ApplicationRecord, ApplicationStatus, OutcomeRecord, RuleTarget};

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, ListPage, page, render};
use super::{
    FormFields, category_choices, grade_choices, is_form_problem, kind_choices, name_of,
    provider_names, topic_choices,
};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::conversion::{
    self as ops, ApplicationDecisionText, GrantText, ProgrammeText, RuleText,
};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::{Lang, Text};
use crate::views::conversion::{ConversionWords, conditions_text, exclusion_text, grant_text};
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/conversion", get(my_conversion).post(apply))
        .route("/me/conversion/{id}", get(my_application))
        .route("/bank/programmes", get(programmes).post(create_programme))
        .route("/bank/programmes/{id}", get(programme).post(publish_rule))
        .route("/bank/rules/{id}", get(rule).post(publish_version))
        .route("/bank/rules/{id}/retire", post(retire_rule))
        .route("/bank/conversions", get(conversions))
        .route("/bank/conversions/{id}", get(conversion_case).post(decide))
}

pub(super) fn application_badge(status: ApplicationStatus, t: &'static Text) -> Badge {
    match status {
        ApplicationStatus::Proposed => Badge {
            label: t.app_status_proposed,
            class: "in-review",
        },
        ApplicationStatus::Approved => Badge {
            label: t.app_status_approved,
            class: "recognised",
        },
        ApplicationStatus::Rejected => Badge {
            label: t.app_status_rejected,
            class: "rejected",
        },
    }
}

fn line_badge(kept: Option<bool>, t: &'static Text) -> Badge {
    match kept {
        None => Badge {
            label: t.line_waiting,
            class: "in-review",
        },
        Some(true) => Badge {
            label: t.line_kept,
            class: "recognised",
        },
        Some(false) => Badge {
            label: t.line_dropped,
            class: "rejected",
        },
    }
}

pub(super) fn programme_name(rules: &ConversionRules, id: ProgrammeId) -> String {
    rules
        .programme(id)
        .map_or_else(|| format!("#{id}"), |p| format!("{} {}", p.code, p.name))
}

/// An application's lines as people read them.
fn application_lines(
    application: &ApplicationRecord,
    words: &ConversionWords<'_>,
    lang: Lang,
    t: &'static Text,
) -> AppResult<Vec<LineView>> {
    application
        .lines
        .iter()
        .map(|line| {
            let grant = ops::line_grant(application, line)?;
            Ok(LineView {
                no: line.line_no,
                rule_code: words.rule_code(line.rule),
                rule_version: line.rule_version.get(),
                // The rule may have changed since: the line keeps what it granted then.
                conditions: String::new(),
                grant: grant_text(&grant, lang),
                credits: line.credits.to_string(),
                outcomes: line
                    .outcomes
                    .iter()
                    .map(|id| words.outcome(*id, lang))
                    .collect(),
                badge: line_badge(line.kept, t),
                checked: line.kept != Some(false),
            })
        })
        .collect()
}

pub(super) fn application_row(
    application: &ApplicationRecord,
    rules: &ConversionRules,
    t: &'static Text,
) -> ApplicationRow {
    ApplicationRow {
        id: application.id.get(),
        applied_at: date_time(application.applied_at),
        learner_id: application.learner.get(),
        programme: programme_name(rules, application.programme),
        badge: application_badge(application.status, t),
        proposed: application.proposed_credits.to_string(),
        approved: application.approved_credits.map(|c| c.to_string()),
        lines: application.lines.len(),
    }
}

/// Programmes previewed on an archive page: one engine run each, so the page stays quick
/// whatever the number of programmes; the rest are counted and left to the conversion page.
const ARCHIVE_PREVIEWS: usize = 3;

/// The archive's conversion sections: the learner's applications (newest first) and what the
/// engine would propose now for the programmes whose rules concern their recognised outcomes
/// (`xc_bank::conversion::outlook`). `archive` is reused for the outcomes when it is unfiltered.
pub(super) async fn archive_conversions(
    state: &AppState,
    learner: xc_domain::LearnerId,
    archive: &xc_bank::Archive,
    filtered: bool,
    lang: Lang,
    t: &'static Text,
) -> AppResult<ConversionsView> {
    let rules = state.conversion_rules();
    let today = crate::bank::today();
    let outlook = if filtered {
        let outcomes = state.store.list_learner_outcomes(learner).await?;
        xc_bank::conversion::outlook(
            &*state.store,
            &rules,
            learner,
            &outcomes,
            today,
            ARCHIVE_PREVIEWS,
        )
        .await?
    } else {
        let outcomes = archive.items.iter().map(|item| &item.outcome);
        xc_bank::conversion::outlook(
            &*state.store,
            &rules,
            learner,
            outcomes,
            today,
            ARCHIVE_PREVIEWS,
        )
        .await?
    };
    Ok(ConversionsView {
        applications: outlook
            .applications
            .iter()
            .rev()
            .map(|application| application_row(application, &rules, t))
            .collect(),
        outlook: outlook
            .proposals
            .iter()
            .map(|proposal| OutlookRow {
                programme_id: proposal.programme.get(),
                programme: programme_name(&rules, proposal.programme),
                total: proposal.total_credits.to_string(),
                cap: proposal.cap.to_string(),
                already_converted: proposal.already_converted.to_string(),
                grants: proposal
                    .lines
                    .iter()
                    .map(|line| grant_text(&line.grant, lang))
                    .collect(),
            })
            .collect(),
        more: outlook.more,
    })
}

// --- Learners ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversionQuery {
    programme: Option<String>,
}

async fn conversion_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    chosen: Option<ProgrammeId>,
    error: Option<AppError>,
) -> AppResult<Response> {
    ops::applicant(identity)?;
    let rules = state.conversion_rules();
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let preview = match chosen {
        None => None,
        Some(programme) => {
            let (proposal, outcomes) = ops::preview(state, identity, programme).await?;
            let words = ConversionWords::new(&rules, &outcomes);
            let title = |id| words.outcome(id, lang);
            Some(PreviewView {
                programme_id: programme.get(),
                programme_name: programme_name(&rules, programme),
                cap: proposal.cap.to_string(),
                already_converted: proposal.already_converted.to_string(),
                total: proposal.total_credits.to_string(),
                lines: proposal
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(index, line)| LineView {
                        no: index as u32 + 1,
                        rule_code: words.rule_code(line.rule),
                        rule_version: rules
                            .current(line.rule)
                            .map_or(0, |(version, _)| version.version.get()),
                        conditions: words.rule_conditions(line.rule, lang),
                        grant: grant_text(&line.grant, lang),
                        credits: line.credits.to_string(),
                        outcomes: line.outcomes.iter().map(|id| title(*id)).collect(),
                        badge: line_badge(None, t),
                        checked: true,
                    })
                    .collect(),
                misses: proposal
                    .misses
                    .iter()
                    .map(|miss| MissView {
                        rule_code: words.rule_code(miss.rule),
                        // "No such outcome" already says what the rule asks for.
                        conditions: if matches!(miss.reason, MissReason::NoCandidates) {
                            String::new()
                        } else {
                            words.rule_conditions(miss.rule, lang)
                        },
                        reason: words.miss(miss.rule, &miss.reason, lang),
                    })
                    .collect(),
                excluded: proposal
                    .excluded
                    .iter()
                    .map(|excluded| ExcludedView {
                        title: title(excluded.outcome),
                        reason: exclusion_text(&excluded.reason, lang),
                    })
                    .collect(),
                unused: proposal.unused.iter().map(|id| title(*id)).collect(),
            })
        }
    };
    let applications = ops::my_applications(state, identity).await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&ConversionPage {
        programmes: rules
            .programmes()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} {}", p.code, p.name),
                selected: chosen == Some(p.id),
            })
            .collect(),
        preview,
        applications: applications
            .iter()
            .rev()
            .map(|application| application_row(application, &rules, t))
            .collect(),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

fn programme_in_form(text: &str, field: &'static str) -> AppResult<ProgrammeId> {
    ProgrammeId::parse(text).map_err(|invalid| AppError::invalid(field, invalid.reason))
}

async fn my_conversion(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<ConversionQuery>, AppError>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let ApiQuery(query) = query?;
        let chosen = query
            .programme
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(|text| programme_in_form(text, "programme"))
            .transpose()?;
        conversion_page(&state, &identity, uri.path(), chosen, None).await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyForm {
    programme: String,
}

async fn apply(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<ApplyForm>,
) -> Response {
    let result = async {
        let form = form?;
        ops::applicant(&identity)?;
        let programme = programme_in_form(&form.programme, "programme")?;
        match ops::apply(&state, &identity, programme).await {
            Ok(application) => Ok(Redirect::to(&format!(
                "/me/conversion/{}?applied=1",
                application.id
            ))
            .into_response()),
            Err(error @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
                conversion_page(&state, &identity, uri.path(), Some(programme), Some(error)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppliedQuery {
    applied: Option<String>,
}

async fn my_application(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    query: Result<ApiQuery<AppliedQuery>, AppError>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let ApiQuery(query) = query?;
        let learner = ops::applicant(&identity)?;
        let id = ApplicationId::parse(&id).map_err(|_| AppError::NotFound {
            what: "conversion application",
        })?;
        let application = ops::read_application(&state, &identity, id).await?;
        // Staff read applications on their own pages; this one is the learner's.
        if application.learner != learner {
            return Err(AppError::NotFound {
                what: "conversion application",
            });
        }
        let outcomes = state.store.list_learner_outcomes(learner).await?;
        let rules = state.conversion_rules();
        let words = ConversionWords::new(&rules, &outcomes);
        let chrome = Chrome::new(&identity, uri.path());
        let (t, lang) = (chrome.t, chrome.lang);
        render(&ApplicationPage {
            id: id.get(),
            programme: programme_name(&rules, application.programme),
            badge: application_badge(application.status, t),
            applied_at: date_time(application.applied_at),
            proposed: application.proposed_credits.to_string(),
            approved: application.approved_credits.map(|c| c.to_string()),
            decided_at: application.decided_at.map(date_time),
            reason: application
                .decision_reason
                .clone()
                .filter(|reason| !reason.is_empty()),
            lines: application_lines(&application, &words, lang, t)?,
            notice: query.applied.is_some().then_some(t.applied_notice),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

// --- Credit-bank staff: programmes and rules ---

fn may_manage(identity: &Identity) -> AppResult<()> {
    identity.require_to(
        Action::ManageConversion,
        "only credit-bank staff manage programmes and conversion rules",
    )?;
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeQuery {
    created: Option<String>,
    published: Option<String>,
    retired: Option<String>,
}

async fn programmes_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    typed: Option<(ProgrammeValues, AppError)>,
) -> AppResult<Response> {
    may_manage(identity)?;
    let rules = state.conversion_rules();
    let providers =
        provider_names(state, rules.programmes().map(|p| p.institution).collect()).await?;
    let chrome = Chrome::new(identity, path);
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (ProgrammeValues::default(), None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&ProgrammesPage {
        rows: rules
            .programmes()
            .map(|p| ProgrammeRow {
                id: p.id.get(),
                code: p.code.clone(),
                name: p.name.clone(),
                provider: name_of(&providers, p.institution),
                max_credits: p.max_credits.to_string(),
                rules: rules.rules_of(p.id).count(),
            })
            .collect(),
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn programmes(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    let result = programmes_page(&state, &identity, uri.path(), None).await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ProgrammeForm {
    institution_id: String,
    code: String,
    name: String,
    max_credits: String,
}

async fn create_programme(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<ProgrammeForm>,
) -> Response {
    let result = async {
        let form = form?;
        may_manage(&identity)?;
        let text = ProgrammeText {
            institution_id: Some(form.institution_id.clone()),
            code: Some(form.code.clone()),
            name: Some(form.name.clone()),
            max_credits: Some(form.max_credits.clone()),
        };
        match ops::create_programme(&state, &identity, &text).await {
            Ok(id) => Ok(Redirect::to(&format!("/bank/programmes/{id}?created=1")).into_response()),
            Err(error) if is_form_problem(&error) => {
                let values = ProgrammeValues {
                    institution_id: form.institution_id,
                    code: form.code,
                    name: form.name,
                    max_credits: form.max_credits,
                };
                programmes_page(&state, &identity, uri.path(), Some((values, error))).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

const RULE_FIELDS: &[&str] = &[
    "code",
    "priority",
    "kinds",
    "category",
    "title",
    "field",
    "min_grade",
    "min_level",
    "min_score",
    "max_age_years",
    "count",
    "repeat",
    "grant_kind",
    "elective_credits",
    "courses",
];

fn rule_values(fields: &FormFields) -> RuleValues {
    RuleValues {
        code: fields.one("code"),
        priority: fields.one("priority"),
        kinds: fields.all("kinds"),
        category: fields.one("category"),
        title: fields.one("title"),
        field: fields.one("field"),
        min_grade: fields.one("min_grade"),
        min_level: fields.one("min_level"),
        min_score: fields.one("min_score"),
        max_age_years: fields.one("max_age_years"),
        count: fields.one("count"),
        repeat: fields.one("repeat"),
        grant_kind: fields.one("grant_kind"),
        elective_credits: fields.one("elective_credits"),
        courses: fields.one("courses"),
    }
}

/// The courses box: one course a line, its code and its credits.
fn parse_courses(text: &str) -> AppResult<Vec<(String, String)>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut parts = line
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '：' | ':'))
                .filter(|part| !part.is_empty());
            match (parts.next(), parts.next(), parts.next()) {
                (Some(course), Some(credits), None) => Ok((course.to_owned(), credits.to_owned())),
                _ => Err(AppError::invalid(
                    "grant",
                    format!(
                        "'{line}': write one course a line, its code and its credits, e.g. ELEC-101 4"
                    ),
                )),
            }
        })
        .collect()
}

impl RuleValues {
    fn text(&self) -> AppResult<RuleText> {
        let some = |text: &String| Some(text.clone());
        let grant = match self.grant_kind.as_str() {
            "elective_credits" => GrantText::ElectiveCredits(self.elective_credits.clone()),
            "course_exemptions" => GrantText::CourseExemptions(parse_courses(&self.courses)?),
            "" => GrantText::Missing,
            other => {
                return Err(AppError::invalid(
                    "grant",
                    format!(
                        "'{other}' is not a grant: choose elective credits or course exemptions"
                    ),
                ));
            }
        };
        Ok(RuleText {
            priority: some(&self.priority),
            kinds: self.kinds.clone(),
            category: some(&self.category),
            title: some(&self.title),
            field: some(&self.field),
            min_grade: some(&self.min_grade),
            min_level: some(&self.min_level),
            min_score: some(&self.min_score),
            max_age_years: some(&self.max_age_years),
            count: some(&self.count),
            repeat: some(&self.repeat),
            grant,
        })
    }
}

fn rule_choices(form: &RuleValues, lang: Lang) -> RuleChoices {
    let kinds = form
        .kinds
        .iter()
        .filter_map(|kind| OutcomeKind::parse_written(kind).ok())
        .collect::<Vec<_>>();
    let converting: Vec<OutcomeCategory> = OutcomeCategory::ALL
        .iter()
        .copied()
        .filter(|category| category.converts_to_academic_credit())
        .collect();
    RuleChoices {
        kinds: kind_choices(None, lang)
            .into_iter()
            .map(|mut choice| {
                choice.selected = kinds.iter().any(|kind| kind.as_str() == choice.value);
                choice
            })
            .collect(),
        categories: category_choices(
            &converting,
            OutcomeCategory::parse_written(&form.category).ok(),
            lang,
        ),
        grades: grade_choices(VocationalGrade::parse(&form.min_grade).ok(), lang),
        topics: topic_choices(Field::parse(&form.field).ok().as_ref(), lang),
    }
}

#[allow(clippy::too_many_arguments)]
async fn programme_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    id: ProgrammeId,
    notice: Option<&'static str>,
    typed: Option<(RuleValues, AppError)>,
    retire_error: Option<AppError>,
) -> AppResult<Response> {
    may_manage(identity)?;
    let rules = state.conversion_rules();
    let programme = rules
        .programme(id)
        .ok_or(AppError::NotFound { what: "programme" })?;
    let providers = provider_names(state, vec![programme.institution]).await?;
    let chrome = Chrome::new(identity, path);
    let lang = chrome.lang;
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (
            RuleValues {
                grant_kind: "elective_credits".to_owned(),
                ..RuleValues::default()
            },
            None,
        ),
    };
    let status = error
        .as_ref()
        .or(retire_error.as_ref())
        .map_or(StatusCode::OK, AppError::status);
    let response = render(&ProgrammePage {
        id: id.get(),
        code: programme.code.clone(),
        name: programme.name.clone(),
        provider: name_of(&providers, programme.institution),
        max_credits: programme.max_credits.to_string(),
        notice,
        rules: rules
            .rules_of(id)
            .enumerate()
            .map(|(index, (rule, version))| {
                let draft = rule.to_draft();
                RuleRow {
                    id: rule.id().get(),
                    order: index + 1,
                    code: version.code.clone(),
                    version: version.version.get(),
                    priority: rule.priority(),
                    conditions: conditions_text(&draft, lang),
                    grant: grant_text(rule.grant(), lang),
                }
            })
            .collect(),
        choices: rule_choices(&form, lang),
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        retire_error: retire_error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

fn programme_in_path(id: &str) -> AppResult<ProgrammeId> {
    ProgrammeId::parse(id).map_err(|_| AppError::NotFound { what: "programme" })
}

async fn programme(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    query: Result<ApiQuery<NoticeQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let id = programme_in_path(&id)?;
        let t = identity.prefs.lang.text();
        let notice = if query.created.is_some() {
            Some(t.programme_created_notice)
        } else if query.published.is_some() {
            Some(t.rule_published_notice)
        } else if query.retired.is_some() {
            Some(t.retired_notice)
        } else {
            None
        };
        programme_page(&state, &identity, uri.path(), id, notice, None, None).await
    }
    .await;
    page(&identity, &uri, result)
}

async fn publish_rule(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, RULE_FIELDS)?;
        may_manage(&identity)?;
        let programme = programme_in_path(&id)?;
        let values = rule_values(&fields);
        let published = async {
            let text = values.text()?;
            let target = RuleTarget::New {
                programme,
                code: values.code.trim().to_owned(),
            };
            ops::publish_rule(&state, &identity, target, &text).await
        }
        .await;
        match published {
            Ok(_) => Ok(
                Redirect::to(&format!("/bank/programmes/{programme}?published=1")).into_response(),
            ),
            Err(error) if is_form_problem(&error) => {
                programme_page(
                    &state,
                    &identity,
                    uri.path(),
                    programme,
                    None,
                    Some((values, error)),
                    None,
                )
                .await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

/// The form's values for a stored rule: what publishing them unchanged would store again.
fn rule_values_of(draft: &ConversionRuleDraft, code: &str) -> RuleValues {
    let optional = |value: Option<String>| value.unwrap_or_default();
    let (grant_kind, elective_credits, courses) = match &draft.grant {
        Grant::ElectiveCredits(credits) => ("elective_credits", credits.to_string(), String::new()),
        Grant::CourseExemptions(courses) => (
            "course_exemptions",
            String::new(),
            courses
                .iter()
                .map(|c| format!("{} {}", c.course, c.credits))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    RuleValues {
        code: code.to_owned(),
        priority: draft.priority.to_string(),
        kinds: draft.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        category: optional(draft.category.map(|c| c.as_str().to_owned())),
        title: optional(draft.title.as_ref().map(|t| t.as_str().to_owned())),
        field: optional(draft.field.as_ref().map(ToString::to_string)),
        min_grade: optional(draft.min_grade.map(|g| g.as_str().to_owned())),
        min_level: optional(draft.min_level.map(|l| l.to_string())),
        min_score: optional(draft.min_score.map(xc_bank::conversion::score_text)),
        max_age_years: optional(draft.max_age_years.map(|y| y.to_string())),
        count: draft.count.to_string(),
        repeat: draft.repeat.to_string(),
        grant_kind: grant_kind.to_owned(),
        elective_credits,
        courses,
    }
}

fn rule_in_path(id: &str) -> AppResult<ConversionRuleId> {
    ConversionRuleId::parse(id).map_err(|_| AppError::NotFound { what: "rule" })
}

/// A rule's page: its current version in words and the new-version form, prefilled with it or
/// with what was typed when `typed` carries a refusal.
async fn rule_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    id: ConversionRuleId,
    typed: Option<(RuleValues, AppError)>,
) -> AppResult<Response> {
    may_manage(identity)?;
    let rules = state.conversion_rules();
    let (version, retired) = rules
        .current(id)
        .ok_or(AppError::NotFound { what: "rule" })?;
    let (draft, _) = xc_bank::conversion::rule_from_body(&version.body, id, version.programme)
        .map_err(|reason| AppError::Internal(anyhow::anyhow!("rule {id}: {reason}")))?;
    let chrome = Chrome::new(identity, path);
    let lang = chrome.lang;
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (rule_values_of(&draft, &version.code), None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&RulePage {
        id: id.get(),
        code: version.code.clone(),
        version: version.version.get(),
        retired,
        programme_id: version.programme.get(),
        programme_name: programme_name(&rules, version.programme),
        conditions: conditions_text(&draft, lang),
        grant: grant_text(&draft.grant, lang),
        choices: rule_choices(&form, lang),
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn rule(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        may_manage(&identity)?;
        let id = rule_in_path(&id)?;
        rule_page(&state, &identity, uri.path(), id, None).await
    }
    .await;
    page(&identity, &uri, result)
}

/// Publishes the next version of a rule from its form (every field but the code, which a rule
/// keeps); a refusal comes back on the rule's page with the field marked and what was typed.
async fn publish_version(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, &RULE_FIELDS[1..])?;
        may_manage(&identity)?;
        let id = rule_in_path(&id)?;
        let programme = state
            .conversion_rules()
            .current(id)
            .map(|(version, _)| (version.programme, version.code.clone()))
            .ok_or(AppError::NotFound { what: "rule" })?;
        let mut values = rule_values(&fields);
        values.code = programme.1;
        let published = async {
            let text = values.text()?;
            ops::publish_rule(&state, &identity, RuleTarget::Existing(id), &text).await
        }
        .await;
        match published {
            Ok(_) => Ok(
                Redirect::to(&format!("/bank/programmes/{}?published=1", programme.0))
                    .into_response(),
            ),
            Err(error) if is_form_problem(&error) => {
                rule_page(&state, &identity, uri.path(), id, Some((values, error))).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmptyForm {}

async fn retire_rule(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<EmptyForm>,
) -> Response {
    let result = async {
        form?;
        may_manage(&identity)?;
        let id = ConversionRuleId::parse(&id).map_err(|_| AppError::NotFound { what: "rule" })?;
        let programme = state
            .conversion_rules()
            .current(id)
            .map(|(version, _)| version.programme)
            .ok_or(AppError::NotFound { what: "rule" })?;
        match ops::retire_rule(&state, &identity, id).await {
            Ok(_) => Ok(
                Redirect::to(&format!("/bank/programmes/{programme}?retired=1")).into_response(),
            ),
            Err(error @ AppError::Invalid { .. }) => {
                let path = format!("/bank/programmes/{programme}");
                programme_page(&state, &identity, &path, programme, None, None, Some(error)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

// --- Credit-bank staff: applications ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversionsQuery {
    page: Option<u64>,
    decided: Option<String>,
}

const CONVERSIONS_PER_PAGE: u32 = 50;

async fn conversions(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<ConversionsQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let list_page = ListPage::from_query(query.page, CONVERSIONS_PER_PAGE);
        let open = ops::open_applications(&state, &identity, list_page.request()).await?;
        let rules = state.conversion_rules();
        let chrome = Chrome::new(&identity, uri.path());
        let t = chrome.t;
        render(&ConversionsPage {
            notice: query.decided.is_some().then_some(t.decided_notice),
            rows: open
                .items
                .iter()
                .map(|application| application_row(application, &rules, t))
                .collect(),
            total: open.total,
            page: list_page.number,
            pages: list_page.pages(open.total),
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

/// What the member of staff ticked and typed, shown again with a problem.
struct TypedDecision {
    kept: Vec<u32>,
    reason: String,
    error: AppError,
}

async fn case_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    id: ApplicationId,
    typed: Option<TypedDecision>,
) -> AppResult<Response> {
    let principal = identity.require_to(
        Action::DecideConversion,
        "only credit-bank staff decide conversion applications",
    )?;
    let application = ops::read_application(state, identity, id).await?;
    let learner = state
        .store
        .get_learner(&principal.learner_scope(), application.learner)
        .await?;
    let outcomes: Vec<OutcomeRecord> = state
        .store
        .list_learner_outcomes(application.learner)
        .await?;
    let rules = state.conversion_rules();
    let words = ConversionWords::new(&rules, &outcomes);
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let mut lines = application_lines(&application, &words, lang, t)?;
    let (reason, error) = match typed {
        Some(typed) => {
            for line in &mut lines {
                line.checked = typed.kept.contains(&line.no);
            }
            (typed.reason, Some(typed.error))
        }
        None => (String::new(), None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&ConversionCasePage {
        id: id.get(),
        open: application.status == ApplicationStatus::Proposed,
        programme: programme_name(&rules, application.programme),
        badge: application_badge(application.status, t),
        applied_at: date_time(application.applied_at),
        learner_id: application.learner.get(),
        learner_name: learner.display_name,
        learner_masked_id: learner.national_id.masked,
        proposed: application.proposed_credits.to_string(),
        approved: application.approved_credits.map(|c| c.to_string()),
        decided_at: application.decided_at.map(date_time),
        reason_given: application
            .decision_reason
            .clone()
            .filter(|reason| !reason.is_empty()),
        lines,
        reason,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

fn application_in_path(id: &str) -> AppResult<ApplicationId> {
    ApplicationId::parse(id).map_err(|_| AppError::NotFound {
        what: "conversion application",
    })
}

async fn conversion_case(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        identity.require_to(
            Action::DecideConversion,
            "only credit-bank staff decide conversion applications",
        )?;
        let id = application_in_path(&id)?;
        case_page(&state, &identity, uri.path(), id, None).await
    }
    .await;
    page(&identity, &uri, result)
}

async fn decide(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, &["decision", "keep", "reason"])?;
        identity.require_to(
            Action::DecideConversion,
            "only credit-bank staff decide conversion applications",
        )?;
        let id = application_in_path(&id)?;
        let decision = fields.one("decision");
        let reason = fields.one("reason");
        let kept = fields
            .all("keep")
            .iter()
            .map(|text| {
                text.trim().parse::<u32>().map_err(|_| {
                    AppError::invalid("lines", format!("'{text}' is not a line number"))
                })
            })
            .collect::<AppResult<Vec<u32>>>();
        let ticked = kept.as_ref().map(Clone::clone).unwrap_or_default();
        let decided = async {
            let kept = kept?;
            let text = ApplicationDecisionText {
                // The boxes stay ticked on the form whichever button is pressed: a rejection
                // keeps nothing, whatever is ticked.
                lines: (decision.trim() == "approve").then_some(kept),
                decision: decision.clone(),
                reason: Some(reason.clone()),
            };
            ops::decide(&state, &identity, id, text.parse()?).await
        }
        .await;
        match decided {
            Ok(_) => Ok(Redirect::to(&format!("/bank/conversions?decided={id}")).into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                let typed = TypedDecision {
                    kept: ticked,
                    reason,
                    error,
                };
                case_page(&state, &identity, uri.path(), id, Some(typed)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
