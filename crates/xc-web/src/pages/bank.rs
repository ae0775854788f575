//! The credit bank's pages: a learner's archive (their own at `/me/archive`, a learner in a staff
//! member's scope at `/learners/{id}/archive`, audited), provider staff's submission page (one
//! outcome, an upload with its row-by-row report, the CSV template), and credit-bank staff's
//! review queue, review cases and specifications. Everything goes through `crate::bank`, as
//! the API does; these handlers only turn forms into text and results into templates.
//! Conversion's pages are in [`conversion`], the points pages (learners', and staff's incentives)
//! in [`points`], erasure on request in [`erase`], the printable transcript in [`transcript`],
//! the general rules in [`general_rules`], accredited providers in [`accreditation`].

mod accreditation;
mod conversion;
mod credentials;
mod erase;
mod general_rules;
mod lrs_integration;
mod mutual;
mod my_credentials;
mod points;
mod share;
mod transcript;

use std::collections::HashMap;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xc_bank::learning_records::{decode_position, encode_position, learner_activity};
use xc_bank::{ArchiveFilter, OutcomeInput, Standards};
use xc_domain::credit::{
    EvidenceKind, Field, FrameworkLevel, OutcomeCategory, OutcomeId, OutcomeKind, SpecificationId,
    VocationalGrade,
};
use xc_domain::{Action, InstitutionId, LearnerId, Scope, Topic};
use xc_store::{
    DecisionBasis, Grant, OutcomeRecord, OutcomeStatus, ReviewFilter, SpecificationContent,
    SpecificationTarget, SpecificationVersion,
};

use super::templates::*;
use super::{Chrome, CsrfFormResult, ListPage, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::{self, Basis, DecisionText, Explanation, SpecificationText};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::ApiQuery;
use crate::i18n::{Lang, Text};
use crate::views::{
    category_label, date_time, evidence_kind_label, field_label, grade_label, outcome_kind_label,
    score_label,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/archive", get(my_archive))
        .route("/learners/{id}/archive", get(learner_archive))
        .route(
            "/provider/outcomes",
            get(provider_outcomes).post(submit_outcome),
        )
        .route(
            "/provider/outcomes/upload",
            post(upload_outcomes).layer(DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT_BYTES)),
        )
        .route("/provider/outcomes/template.csv", get(outcome_template))
        .route("/bank/review", get(review_queue))
        .route("/bank/review/{id}", get(review_case).post(decide))
        .route(
            "/bank/specifications",
            get(specifications).post(publish_specification),
        )
        .route(
            "/bank/specifications/{id}",
            get(specification).post(publish_version),
        )
        .merge(conversion::routes())
        .merge(points::routes())
        .merge(erase::routes())
        .merge(transcript::routes())
        .merge(general_rules::routes())
        .merge(lrs_integration::routes())
        .merge(accreditation::routes())
        .merge(credentials::routes())
        .merge(my_credentials::routes())
        .merge(share::routes())
        .merge(mutual::routes())
}

// --- Shared views ---

/// A form whose fields may repeat (ticked boxes), read as pairs: any field not in `allowed` is
/// refused by name, as the strict extractors do.
pub(super) struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub(super) fn new(pairs: Vec<(String, String)>, allowed: &[&str]) -> AppResult<Self> {
        if let Some((name, _)) = pairs
            .iter()
            .find(|(name, _)| !allowed.contains(&name.as_str()))
        {
            return Err(AppError::invalid(
                name.clone(),
                format!("unknown form field '{name}': remove it"),
            ));
        }
        Ok(FormFields(pairs))
    }

    /// The field's value (the last one sent), or empty.
    pub(super) fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

impl FormFields {
    /// The pairs cut into rows, each starting at a `first` field (a table of inputs sent in
    /// order, e.g. a kind followed by its values); pairs before the first `first` are left out.
    pub(super) fn rows(&self, first: &str) -> Vec<Vec<(String, String)>> {
        let mut rows: Vec<Vec<(String, String)>> = Vec::new();
        for (name, value) in &self.0 {
            if name == first {
                rows.push(Vec::new());
            }
            if let Some(row) = rows.last_mut() {
                row.push((name.clone(), value.clone()));
            }
        }
        rows
    }
}

fn badge(status: OutcomeStatus, expired: bool, t: &'static Text) -> Badge {
    match status {
        OutcomeStatus::Recognised if expired => Badge {
            label: t.status_expired,
            class: "expired",
        },
        OutcomeStatus::Recognised => Badge {
            label: t.status_recognised,
            class: "recognised",
        },
        OutcomeStatus::InReview => Badge {
            label: t.status_in_review,
            class: "in-review",
        },
        OutcomeStatus::Rejected => Badge {
            label: t.status_rejected,
            class: "rejected",
        },
    }
}

fn grant_view(grant: Grant, lang: Lang) -> GrantView {
    GrantView {
        level: grant.level.get(),
        credits: grant.credits.to_string(),
        category: category_label(grant.category, lang),
        valid_until: grant.valid_until.map(|day| day.to_string()),
    }
}

fn level_label(level: FrameworkLevel, t: &Text) -> String {
    format!("{}{}{}", t.level_prefix, level.get(), t.level_suffix)
}

fn close_views(
    closest: &[(
        xc_domain::credit::CloseSpecification,
        xc_domain::credit::OutcomeSpecification,
    )],
    standards: &Standards,
    lang: Lang,
) -> Vec<CloseView> {
    closest
        .iter()
        .map(|(close, spec)| CloseView {
            version: close.version.get(),
            code: standards.code_of(close.spec).unwrap_or_default().to_owned(),
            title: spec.title().as_str().to_owned(),
            kind: outcome_kind_label(spec.kind(), lang),
            hours: spec.hours().map(|h| h.to_string()),
            level: spec.level().get(),
            credits: spec.credits().to_string(),
            differences: close
                .differences
                .iter()
                .map(|d| crate::views::difference_text(d, lang))
                .collect(),
        })
        .collect()
}

/// A specification version as an outcome shows it was recognised by: the provider's code (the
/// id when it has none) and the version number.
fn code_and_version(
    standards: &Standards,
    id: SpecificationId,
    version: xc_domain::credit::Version,
) -> (String, u32) {
    (
        standards
            .code_of(id)
            .map_or_else(|| id.to_string(), str::to_owned),
        version.get(),
    )
}

/// A general rule as people read it: the kind it is for, and its version (or "default").
pub(crate) fn general_rule_label(rule: xc_store::GeneralRuleRef, lang: Lang) -> String {
    let t = lang.text();
    let kind = crate::views::outcome_kind_label(rule.kind, lang);
    match rule.version {
        Some(version) => format!("{kind}（{} {}）", t.version, version.get()),
        None => format!("{kind}（{}）", t.default_rule),
    }
}

fn explanation_view(
    explanation: &Explanation,
    standards: &Standards,
    lang: Lang,
) -> ExplanationView {
    ExplanationView {
        by_specification: match explanation.basis {
            Basis::Specification(id, version) => Some(code_and_version(standards, id, version)),
            _ => None,
        },
        by_general_rule: match explanation.basis {
            Basis::GeneralRule(rule) => Some(general_rule_label(rule, lang)),
            _ => None,
        },
        by_reviewer: matches!(explanation.basis, Basis::Reviewer(_)),
        pending: explanation.basis == Basis::Pending,
        grant: explanation.grant.map(|g| grant_view(g, lang)),
        closest: close_views(&explanation.closest, standards, lang),
        general_rule_credits: explanation.general_rule_credits.map(|c| c.to_string()),
        reason: explanation.reason.clone(),
    }
}

/// A column named by its key (a form or an API list) as people call it; a header written in a
/// file stays as written.
fn column_label(column: &str, lang: Lang) -> String {
    match xc_bank::fields::COLUMNS.iter().find(|c| c.key == column) {
        Some(known) => match lang {
            Lang::Zh => known.display_name().to_owned(),
            Lang::En => known
                .aliases
                .iter()
                .find(|alias| alias.is_ascii())
                .copied()
                .unwrap_or(known.key)
                .to_owned(),
        },
        None => column.to_owned(),
    }
}

fn problem_rows(problems: &[Problem], lang: Lang) -> Vec<ProblemRow> {
    problems
        .iter()
        .map(|problem| ProblemRow {
            row: problem.row.map(|row| row.to_string()).unwrap_or_default(),
            column: column_label(&problem.column, lang),
            value: problem.value.clone(),
            reason: match lang {
                Lang::Zh => problem.reason_zh.clone(),
                Lang::En => problem.reason_en.clone(),
            },
        })
        .collect()
}

/// The names of the institutions among `ids` (an id that no longer resolves shows as `#id`).
async fn provider_names(
    state: &AppState,
    ids: Vec<InstitutionId>,
) -> AppResult<HashMap<InstitutionId, String>> {
    let mut names = HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let name = match state.store.get_institution(id).await {
            Ok(institution) => institution.name,
            Err(xc_store::StoreError::NotFound { .. }) => format!("#{id}"),
            Err(other) => return Err(other.into()),
        };
        names.insert(id, name);
    }
    Ok(names)
}

fn name_of(names: &HashMap<InstitutionId, String>, id: InstitutionId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

fn kind_choices(selected: Option<OutcomeKind>, lang: Lang) -> Vec<Choice> {
    OutcomeKind::ALL
        .iter()
        .map(|kind| Choice {
            value: kind.as_str().to_owned(),
            label: outcome_kind_label(*kind, lang).to_owned(),
            selected: selected == Some(*kind),
        })
        .collect()
}

fn category_choices(
    categories: &[OutcomeCategory],
    selected: Option<OutcomeCategory>,
    lang: Lang,
) -> Vec<Choice> {
    categories
        .iter()
        .map(|category| Choice {
            value: category.as_str().to_owned(),
            label: category_label(*category, lang).to_owned(),
            selected: selected == Some(*category),
        })
        .collect()
}

fn grade_choices(selected: Option<VocationalGrade>, lang: Lang) -> Vec<Choice> {
    VocationalGrade::ALL
        .iter()
        .map(|grade| Choice {
            value: grade.as_str().to_owned(),
            label: grade_label(*grade, lang).to_owned(),
            selected: selected == Some(*grade),
        })
        .collect()
}

fn topic_choices(selected: Option<&Field>, lang: Lang) -> Vec<Choice> {
    let mut choices: Vec<Choice> = Topic::ALL
        .iter()
        .map(|topic| {
            let field = Field::Topic(*topic);
            Choice {
                value: field.to_string(),
                label: field_label(&field, lang),
                selected: selected == Some(&field),
            }
        })
        .collect();
    if let Some(field @ Field::Discipline(_)) = selected {
        choices.push(Choice {
            value: field.to_string(),
            label: field_label(field, lang),
            selected: true,
        });
    }
    choices
}

// --- The learning archive ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveQuery {
    kind: Option<String>,
    year: Option<String>,
    field: Option<String>,
    page: Option<String>,
    /// Where the activity list starts (the "older activity" link's position).
    activity_before: Option<String>,
}

/// Activity items (xAPI statements) on one archive page.
const ACTIVITY_ITEMS_PER_PAGE: u32 = 20;

/// Outcomes on one page of an archive: light enough for a phone, whatever the archive's size.
const ARCHIVE_ITEMS_PER_PAGE: u32 = 30;

/// The archive at `path` on `page`, with the filters of `query` kept, and the activity list from
/// `activity_before` when given.
fn archive_link(
    path: &str,
    query: &ArchiveQuery,
    page: u64,
    activity_before: Option<&str>,
) -> String {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("kind", &query.kind),
        ("year", &query.year),
        ("field", &query.field),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            pairs.append_pair(name, value);
        }
    }
    if page > 1 {
        pairs.append_pair("page", &page.to_string());
    }
    if let Some(before) = activity_before {
        pairs.append_pair("activity_before", before);
    }
    let pairs = pairs.finish();
    if pairs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{pairs}")
    }
}

async fn archive_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    learner: LearnerId,
    query: ArchiveQuery,
    own: bool,
) -> AppResult<Response> {
    let filter = bank::parse_archive_filter(
        query.kind.as_deref(),
        query.year.as_deref(),
        query.field.as_deref(),
    )?;
    let list_page = ListPage::numbered(
        bank::parse_page_number(query.page.as_deref())?,
        ARCHIVE_ITEMS_PER_PAGE,
    );
    let page_number = list_page.number;
    let activity_before = query
        .activity_before
        .as_deref()
        .map(|text| decode_position("activity_before", text))
        .transpose()?;
    let (record, archive) = bank::read_archive(state, identity, learner, &filter).await?;
    let activity = learner_activity(
        &*state.store,
        learner,
        &filter,
        activity_before,
        ACTIVITY_ITEMS_PER_PAGE,
    )
    .await?;
    let filtered = filter != ArchiveFilter::default();
    // Totals are over every outcome the filters keep; the list shows one page of them.
    let pages = list_page.pages(archive.items.len() as u64);
    let shown = bank::items_on_page(&archive.items, list_page.request());
    let provider_ids = shown
        .iter()
        .map(|item| item.outcome.submitted.provider)
        .collect();
    let providers = provider_names(state, provider_ids).await?;
    let standards = state.standards();
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let conversions =
        conversion::archive_conversions(state, learner, &archive, filtered, lang, t).await?;
    let totals = &archive.totals;
    let tally = |label: String, tally: &xc_bank::archive::Tally| TallyRow {
        label,
        outcomes: tally.outcomes,
        credits: tally.credits.to_string(),
    };
    render(&ArchivePage {
        heading: if own {
            t.archive_title.to_owned()
        } else {
            format!(
                "{}{}{}",
                t.archive_of_prefix, record.display_name, t.archive_of_suffix
            )
        },
        own,
        learner_id: learner.get(),
        action: path.to_owned(),
        kinds: kind_choices(filter.kind, lang),
        years: totals
            .years
            .iter()
            .map(|year| Choice {
                value: year.to_string(),
                label: year.to_string(),
                selected: filter.year == Some(*year),
            })
            .collect(),
        fields: topic_choices(filter.field.as_ref(), lang),
        filtered,
        valid_credits: totals.valid.credits.to_string(),
        recognised: totals.recognised,
        in_review: totals.in_review,
        rejected: totals.rejected,
        points: archive.points,
        by_level: totals
            .by_level
            .iter()
            .map(|(level, t_)| tally(level_label(*level, t), t_))
            .collect(),
        by_category: totals
            .by_category
            .iter()
            .map(|(category, t_)| tally(category_label(*category, lang).to_owned(), t_))
            .collect(),
        by_field: totals
            .by_field
            .iter()
            .map(|(code, t_)| {
                let label = if code.is_empty() {
                    t.no_field.to_owned()
                } else {
                    Field::parse(code).map_or_else(|_| code.clone(), |f| field_label(&f, lang))
                };
                tally(label, t_)
            })
            .collect(),
        older_link: (page_number < pages)
            .then(|| archive_link(path, &query, page_number + 1, None)),
        newer_link: (page_number > 1)
            .then(|| archive_link(path, &query, (page_number - 1).min(pages), None)),
        past_end: page_number > pages,
        activity: activity
            .items
            .iter()
            .map(|item| ActivityRow {
                when: date_time(item.at),
                verb: match lang {
                    Lang::Zh => item.verb_zh.clone(),
                    Lang::En => item.verb_en.clone(),
                },
                activity: match lang {
                    Lang::Zh => item.activity_zh.clone(),
                    Lang::En => item.activity_en.clone(),
                }
                .or_else(|| item.activity_id.clone()),
                provider: item
                    .provider
                    .clone()
                    .unwrap_or_else(|| t.activity_this_platform.to_owned()),
                score: item.scaled.map(|scaled| format!("{:.0}%", scaled * 100.0)),
            })
            .collect(),
        activity_older_link: activity
            .next
            .map(|next| archive_link(path, &query, page_number, Some(&encode_position(next)))),
        page_label: (pages > 1 && page_number <= pages).then(|| {
            format!(
                "{}{page_number}{}{pages}{}",
                t.archive_page_prefix, t.archive_page_middle, t.archive_page_suffix
            )
        }),
        can_erase: own
            && identity
                .principal
                .as_ref()
                .is_some_and(|p| p.may(Action::EraseOwnData)),
        transcript_link: if own {
            "/me/transcript".to_owned()
        } else {
            format!("/learners/{learner}/transcript")
        },
        conversions,
        items: shown
            .iter()
            .map(|item| {
                let outcome = &item.outcome;
                let submitted = &outcome.submitted;
                ArchiveRow {
                    title: submitted.title.as_str().to_owned(),
                    kind: outcome_kind_label(submitted.kind, lang),
                    provider: name_of(&providers, submitted.provider),
                    achieved_on: submitted.achieved_on.to_string(),
                    badge: badge(outcome.status, item.expired, t),
                    hours: submitted.hours.map(|h| h.to_string()),
                    score: submitted.score.map(|s| score_label(s, lang)),
                    field: submitted.field.as_ref().map(|f| field_label(f, lang)),
                    grant: outcome.grant.map(|g| grant_view(g, lang)),
                    by_specification: match item.decision.as_ref().map(|d| &d.basis) {
                        Some(DecisionBasis::Specification {
                            specification,
                            version,
                        }) => Some(code_and_version(&standards, *specification, *version)),
                        _ => None,
                    },
                    by_general_rule: match item.decision.as_ref().map(|d| &d.basis) {
                        Some(DecisionBasis::GeneralRule(rule)) => {
                            Some(general_rule_label(*rule, lang))
                        }
                        _ => None,
                    },
                    rejected: outcome.status == OutcomeStatus::Rejected,
                    // An automatic decision's reason is the system's; a reviewer's is for people.
                    reason: item
                        .decision
                        .as_ref()
                        .filter(|d| matches!(d.basis, DecisionBasis::Reviewer { .. }))
                        .map(|d| d.reason.clone())
                        .filter(|r| !r.is_empty()),
                }
            })
            .collect(),
        chrome,
    })
}

async fn my_archive(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<ArchiveQuery>, AppError>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let ApiQuery(query) = query?;
        let learner = bank::own_learner(&identity)?;
        archive_page(&state, &identity, uri.path(), learner, query, true).await
    }
    .await;
    page(&identity, &uri, result)
}

/// The learner named in a staff path (`/learners/{id}/…`; 404 when it is not an id) and whether
/// it is the signed-in person's own record.
fn learner_in_path(identity: &Identity, id: &str) -> AppResult<(LearnerId, bool)> {
    let principal = identity.require()?;
    let id = LearnerId::parse(id).map_err(|_| AppError::NotFound { what: "learner" })?;
    Ok((id, principal.learner_id == Some(id)))
}

async fn learner_archive(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    query: Result<ApiQuery<ArchiveQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let (id, own) = learner_in_path(&identity, &id)?;
        archive_page(&state, &identity, uri.path(), id, query, own).await
    }
    .await;
    page(&identity, &uri, result)
}

// --- Provider staff: submitting outcomes ---

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct OutcomeForm {
    provider_id: String,
    external_id: String,
    national_id: String,
    learner_id: String,
    kind: String,
    title: String,
    achieved_on: String,
    hours: String,
    grade: String,
    field: String,
    score: String,
    evidence_kind: String,
    evidence: String,
}

impl OutcomeForm {
    fn input(&self) -> OutcomeInput {
        let some = |text: &String| Some(text.clone());
        OutcomeInput {
            row: 1,
            external_id: some(&self.external_id),
            national_id: some(&self.national_id),
            learner_id: some(&self.learner_id),
            kind: some(&self.kind),
            title: some(&self.title),
            achieved_on: some(&self.achieved_on),
            hours: some(&self.hours),
            grade: some(&self.grade),
            field: some(&self.field),
            score: some(&self.score),
            evidence_kind: some(&self.evidence_kind),
            evidence: some(&self.evidence),
        }
    }

    fn values(self) -> OutcomeValues {
        OutcomeValues {
            provider_id: self.provider_id,
            external_id: self.external_id,
            national_id: self.national_id,
            learner_id: self.learner_id,
            kind: self.kind,
            title: self.title,
            achieved_on: self.achieved_on,
            hours: self.hours,
            grade: self.grade,
            field: self.field,
            score: self.score,
            evidence_kind: self.evidence_kind,
            evidence: self.evidence,
        }
    }
}

/// The submission page, with what was typed, a problem or a result.
fn provider_page(
    identity: &Identity,
    path: &str,
    form: OutcomeValues,
    error: Option<AppError>,
    result: Option<SubmittedView>,
) -> AppResult<Response> {
    let principal = bank::submitter(identity)?;
    let chrome = Chrome::new(identity, path);
    let lang = chrome.lang;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let (message, error_fields, problems) = match &error {
        Some(error) => {
            let problems = problem_rows(error.problems(), lang);
            let mut fields: Vec<String> = error
                .problems()
                .iter()
                .map(|problem| problem.column.clone())
                .collect();
            fields.extend(error.field());
            let message = if problems.is_empty() {
                error.to_string()
            } else {
                problems
                    .iter()
                    .map(|p| format!("{}：{}", p.column, p.reason))
                    .collect::<Vec<_>>()
                    .join("；")
            };
            (Some(message), fields, problems)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let kind = OutcomeKind::parse_written(&form.kind).ok();
    let grade = VocationalGrade::parse(&form.grade).ok();
    let evidence_kind = EvidenceKind::parse_written(&form.evidence_kind).ok();
    let response = render(&ProviderOutcomesPage {
        needs_provider: !matches!(principal.scope, Scope::Institution(_)),
        kinds: kind_choices(kind, lang),
        grades: grade_choices(grade, lang),
        evidence_kinds: EvidenceKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: evidence_kind_label(*k, lang).to_owned(),
                selected: evidence_kind == Some(*k),
            })
            .collect(),
        form,
        error: message,
        error_fields,
        problems,
        result,
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn provider_outcomes(identity: Identity, uri: Uri) -> Response {
    let result = provider_page(&identity, uri.path(), OutcomeValues::default(), None, None);
    page(&identity, &uri, result)
}

async fn submit_outcome(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<OutcomeForm>,
) -> Response {
    let result = async {
        let form = form?;
        bank::submitter(&identity)?;
        match bank::submit_outcome(&state, &identity, Some(&form.provider_id), &form.input()).await
        {
            Ok(submitted) => {
                let standards = state.standards();
                let lang = identity.prefs.lang;
                let explanation = bank::explain(
                    &submitted.outcome,
                    &submitted.decisions,
                    &submitted.recognition,
                    &standards,
                );
                let view = SubmittedView {
                    outcome_id: submitted.outcome.id.get(),
                    external_id: submitted.outcome.external_id.clone(),
                    title: submitted.outcome.submitted.title.as_str().to_owned(),
                    badge: badge(submitted.outcome.status, false, lang.text()),
                    already_stored: submitted.already_stored,
                    explanation: explanation_view(&explanation, &standards, lang),
                };
                provider_page(
                    &identity,
                    uri.path(),
                    OutcomeValues::default(),
                    None,
                    Some(view),
                )
            }
            Err(error @ (AppError::Rejected { .. } | AppError::Invalid { .. })) => {
                provider_page(&identity, uri.path(), form.values(), Some(error), None)
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

async fn upload_outcomes(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        bank::submitter(&identity)?;
        let multipart = multipart.map_err(|rejection| {
            AppError::BadRequest(format!(
                "send the file with the upload form ({})",
                rejection.body_text()
            ))
        })?;
        let upload = bank::receive_upload(&state, &identity, multipart, true).await?;
        let file_name = upload.file_name.clone();
        let all_or_nothing = upload.all_or_nothing;
        let chrome = Chrome::new(&identity, uri.path());
        let lang = chrome.lang;
        match bank::import_upload(&state, &identity, upload).await {
            Ok(result) => {
                let report = &result.report;
                let problems: Vec<Problem> = report.problems().iter().map(Problem::from).collect();
                render(&UploadReportPage {
                    file_name,
                    file_error: None,
                    rows: result.rows,
                    valid_rows: result.valid_rows,
                    stored: result.stored,
                    already_stored: result.already_stored,
                    recognised: result.recognised,
                    in_review: result.in_review,
                    batch_id: result.batch.as_ref().map(|b| b.id.get()),
                    held_back: all_or_nothing && result.valid_rows < result.rows,
                    summary: (report.total() > 0).then(|| match lang {
                        Lang::Zh => report.summary_zh(),
                        Lang::En => report.summary_en(),
                    }),
                    file_notes: report
                        .file_problems()
                        .iter()
                        .map(|p| match lang {
                            Lang::Zh => p.reason_zh.clone(),
                            Lang::En => p.reason_en.clone(),
                        })
                        .collect(),
                    problems: problem_rows(&problems, lang),
                    chrome,
                })
            }
            Err(error @ AppError::Rejected { .. }) => {
                let reasons: Vec<String> = error
                    .problems()
                    .iter()
                    .map(|p| match lang {
                        Lang::Zh => p.reason_zh.clone(),
                        Lang::En => p.reason_en.clone(),
                    })
                    .collect();
                let status = error.status();
                let response = render(&UploadReportPage {
                    file_name,
                    file_error: Some(reasons.join(match lang {
                        Lang::Zh => "；",
                        Lang::En => "; ",
                    })),
                    rows: 0,
                    valid_rows: 0,
                    stored: 0,
                    already_stored: 0,
                    recognised: 0,
                    in_review: 0,
                    batch_id: None,
                    held_back: false,
                    summary: None,
                    file_notes: Vec::new(),
                    problems: Vec::new(),
                    chrome,
                })?;
                Ok((status, response).into_response())
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

/// The upload template: the Chinese headers, UTF-8 with a byte-order mark so Excel opens it
/// as UTF-8.
async fn outcome_template() -> Response {
    let header_row = xc_bank::fields::COLUMNS
        .iter()
        .map(|column| column.display_name())
        .collect::<Vec<_>>()
        .join(",");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"outcomes-template.csv\"; filename*=UTF-8''%E5%AD%A6%E4%B9%A0%E6%88%90%E6%9E%9C%E6%A8%A1%E6%9D%BF.csv",
            ),
        ],
        format!("\u{feff}{header_row}\r\n"),
    )
        .into_response()
}

// --- Credit-bank staff: the review queue ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    provider: Option<String>,
    kind: Option<String>,
    page: Option<u64>,
    decided: Option<String>,
}

const QUEUE_PER_PAGE: u32 = 50;

async fn review_queue(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<QueueQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        identity.require_to(
            Action::ReviewOutcomes,
            "only credit-bank staff work the review queue",
        )?;
        let provider_text = query.provider.unwrap_or_default().trim().to_owned();
        let kind_text = query.kind.unwrap_or_default().trim().to_owned();
        let filter = ReviewFilter {
            provider: (!provider_text.is_empty())
                .then(|| {
                    InstitutionId::parse(&provider_text)
                        .map_err(|invalid| AppError::invalid("provider", invalid.reason))
                })
                .transpose()?,
            kind: (!kind_text.is_empty())
                .then(|| OutcomeKind::parse_written(&kind_text))
                .transpose()?,
        };
        let list_page = ListPage::from_query(query.page, QUEUE_PER_PAGE);
        let queue = bank::review_queue(&state, &identity, &filter, list_page.request()).await?;
        let provider_ids = queue.items.iter().map(|o| o.submitted.provider).collect();
        let providers = provider_names(&state, provider_ids).await?;
        let chrome = Chrome::new(&identity, uri.path());
        let lang = chrome.lang;
        let mut link = form_urlencoded::Serializer::new(String::new());
        if let Some(provider) = filter.provider {
            link.append_pair("provider", &provider.to_string());
        }
        if let Some(kind) = filter.kind {
            link.append_pair("kind", kind.as_str());
        }
        let link = link.finish();
        render(&ReviewQueuePage {
            notice: query.decided.is_some().then_some(chrome.t.decided_notice),
            provider: provider_text,
            kinds: kind_choices(filter.kind, lang),
            rows: queue
                .items
                .iter()
                .map(|outcome| QueueRow {
                    id: outcome.id.get(),
                    submitted_at: date_time(outcome.submitted_at),
                    provider: name_of(&providers, outcome.submitted.provider),
                    kind: outcome_kind_label(outcome.submitted.kind, lang),
                    title: outcome.submitted.title.as_str().to_owned(),
                    hours: outcome.submitted.hours.map(|h| h.to_string()),
                    learner_id: outcome.learner.get(),
                })
                .collect(),
            total: queue.total,
            page: list_page.number,
            pages: list_page.pages(queue.total),
            query: if link.is_empty() {
                String::new()
            } else {
                format!("&{link}")
            },
            chrome,
        })
    }
    .await;
    page(&identity, &uri, result)
}

fn outcome_view(
    outcome: &OutcomeRecord,
    provider: String,
    t: &'static Text,
    lang: Lang,
) -> OutcomeView {
    let submitted = &outcome.submitted;
    OutcomeView {
        title: submitted.title.as_str().to_owned(),
        kind: outcome_kind_label(submitted.kind, lang),
        provider,
        external_id: outcome.external_id.clone(),
        hours: submitted.hours.map(|h| h.to_string()),
        grade: submitted.grade.map(|g| grade_label(g, lang)),
        field: submitted.field.as_ref().map(|f| field_label(f, lang)),
        score: submitted.score.map(|s| score_label(s, lang)),
        achieved_on: submitted.achieved_on.to_string(),
        submitted_at: date_time(outcome.submitted_at),
        evidence: submitted
            .evidence
            .iter()
            .map(|e| format!("{}：{}", evidence_kind_label(e.kind(), lang), e.reference()))
            .collect(),
        badge: badge(outcome.status, false, t),
    }
}

/// The review case page, with what the reviewer typed and the problem, if any.
async fn case_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    id: OutcomeId,
    typed: Option<(&DecisionForm, AppError)>,
) -> AppResult<Response> {
    let (case, learner) = bank::review_case(state, identity, id).await?;
    let standards = state.standards();
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let providers = provider_names(state, vec![case.outcome.submitted.provider]).await?;
    let first = case.closest.first().map(|(_, spec)| spec);
    // Preselect what the reviewer chose, else the closest specification's level.
    let selected_level = match &typed {
        Some((form, _)) => FrameworkLevel::parse(&form.level).ok(),
        None => first.map(|spec| spec.level()),
    };
    let (form, error) = match typed {
        Some((form, error)) => (
            DecisionValues {
                credits: form.credits.clone(),
                validity_months: form.validity_months.clone(),
                accept_reason: if form.decision == "accept" {
                    form.reason.clone()
                } else {
                    String::new()
                },
                reject_reason: if form.decision == "reject" {
                    form.reason.clone()
                } else {
                    String::new()
                },
            },
            Some(error),
        ),
        None => (
            DecisionValues {
                credits: first
                    .map(|spec| spec.credits())
                    .or(case.general_rule_credits)
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                validity_months: first
                    .and_then(|spec| spec.validity().as_months())
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                ..DecisionValues::default()
            },
            None,
        ),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let kind = case.outcome.submitted.kind;
    let response = render(&ReviewCasePage {
        id: id.get(),
        in_review: case.outcome.status == OutcomeStatus::InReview,
        outcome: outcome_view(
            &case.outcome,
            name_of(&providers, case.outcome.submitted.provider),
            t,
            lang,
        ),
        learner_id: learner.id.get(),
        learner_name: learner.display_name.clone(),
        learner_masked_id: learner.national_id.masked.clone(),
        closest: close_views(&case.closest, &standards, lang),
        general_rule_credits: case.general_rule_credits.map(|c| c.to_string()),
        provider_accreditation: accreditation::status_label(case.provider_accreditation, t),
        provider_accredited: case.provider_accreditation.is_accredited(),
        external: mutual::external_view(state, case.outcome.id).await?,
        history: case
            .history
            .iter()
            .map(|other| HistoryRow {
                title: other.submitted.title.as_str().to_owned(),
                kind: outcome_kind_label(other.submitted.kind, lang),
                achieved_on: other.submitted.achieved_on.to_string(),
                badge: badge(other.status, false, t),
                credits: other.grant.map(|g| g.credits.to_string()),
            })
            .collect(),
        levels: FrameworkLevel::all()
            .map(|level| Choice {
                value: level.get().to_string(),
                label: level_label(level, t),
                selected: selected_level == Some(level),
            })
            .collect(),
        categories: category_choices(kind.allowed_categories(), None, lang),
        specifications: case
            .closest
            .iter()
            .map(|(close, spec)| Choice {
                value: format!("{}:{}", close.spec, close.version.get()),
                label: format!(
                    "{} {}（{} {}）",
                    standards.code_of(close.spec).unwrap_or_default(),
                    spec.title().as_str(),
                    t.version,
                    close.version.get()
                ),
                selected: false,
            })
            .collect(),
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn review_case(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        identity.require_to(
            Action::ReviewOutcomes,
            "only credit-bank staff see review cases",
        )?;
        let id = OutcomeId::parse(&id).map_err(|_| AppError::NotFound { what: "outcome" })?;
        case_page(&state, &identity, uri.path(), id, None).await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct DecisionForm {
    decision: String,
    level: String,
    credits: String,
    category: String,
    validity_months: String,
    /// `id:version` of the specification followed, or empty.
    specification: String,
    reason: String,
}

impl DecisionForm {
    fn text(&self) -> AppResult<DecisionText> {
        let (specification_id, specification_version) = match self.specification.trim() {
            "" => (None, None),
            chosen => {
                let (id, version) = chosen.split_once(':').ok_or_else(|| {
                    AppError::invalid("specification", "choose a specification from the list")
                })?;
                (Some(id.to_owned()), Some(version.to_owned()))
            }
        };
        Ok(DecisionText {
            decision: self.decision.clone(),
            level: Some(self.level.clone()),
            credits: Some(self.credits.clone()),
            category: Some(self.category.clone()),
            validity_months: Some(self.validity_months.clone()),
            specification_id,
            specification_version,
            reason: Some(self.reason.clone()),
        })
    }
}

async fn decide(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<DecisionForm>,
) -> Response {
    let result = async {
        let form = form?;
        identity.require_to(
            Action::ReviewOutcomes,
            "only credit-bank staff decide on outcomes",
        )?;
        let id = OutcomeId::parse(&id).map_err(|_| AppError::NotFound { what: "outcome" })?;
        let decided = async {
            let decision = form.text()?.parse()?;
            bank::decide(&state, &identity, id, decision).await
        }
        .await;
        match decided {
            Ok(_) => Ok(Redirect::to(&format!("/bank/review?decided={id}")).into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                case_page(&state, &identity, uri.path(), id, Some((&form, error))).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

// --- Credit-bank staff: specifications ---

fn spec_row(
    version: &SpecificationVersion,
    provider: String,
    t: &'static Text,
    lang: Lang,
) -> SpecRow {
    let content = &version.content;
    SpecRow {
        id: version.id.get(),
        code: version.code.clone(),
        provider,
        version: version.version.get(),
        published_at: date_time(version.published_at),
        title: content.title.as_str().to_owned(),
        kind: outcome_kind_label(content.kind, lang),
        category: category_label(content.category, lang),
        hours: content.hours.map(|h| h.to_string()),
        grade: content.grade.map(|g| grade_label(g, lang)),
        level: content.level.get(),
        credits: content.credits.to_string(),
        field: content.field.as_ref().map(|f| field_label(f, lang)),
        validity: match content.validity.as_months() {
            Some(months) => format!("{months}{}", t.months),
            None => t.valid_forever.to_owned(),
        },
    }
}

fn spec_choices(form: &SpecValues, lang: Lang) -> SpecChoices {
    SpecChoices {
        kinds: kind_choices(OutcomeKind::parse_written(&form.kind).ok(), lang),
        categories: category_choices(
            OutcomeCategory::ALL,
            OutcomeCategory::parse_written(&form.category).ok(),
            lang,
        ),
        grades: grade_choices(VocationalGrade::parse(&form.grade).ok(), lang),
        topics: topic_choices(Field::parse(&form.field).ok().as_ref(), lang),
    }
}

fn spec_values(content: &SpecificationContent) -> SpecValues {
    SpecValues {
        kind: content.kind.as_str().to_owned(),
        category: content.category.as_str().to_owned(),
        title: content.title.as_str().to_owned(),
        hours: content.hours.map(|h| h.to_string()).unwrap_or_default(),
        grade: content
            .grade
            .map(|g| g.as_str().to_owned())
            .unwrap_or_default(),
        level: content.level.get().to_string(),
        credits: content.credits.to_string(),
        field: content
            .field
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        validity_months: content
            .validity
            .as_months()
            .map(|m| m.to_string())
            .unwrap_or_default(),
        ..SpecValues::default()
    }
}

/// `?published=1`, set by the redirect after a publication (or a recorded decision).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishedQuery {
    pub(super) published: Option<String>,
}

async fn specifications_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    notice: bool,
    typed: Option<(SpecValues, AppError)>,
) -> AppResult<Response> {
    identity.require_to(
        Action::ManageStandards,
        "only credit-bank staff manage specifications",
    )?;
    let versions = state.store.list_specification_versions().await?;
    let current: Vec<&SpecificationVersion> = bank::current_versions(&versions).collect();
    let provider_ids = current.iter().map(|v| v.provider).collect();
    let providers = provider_names(state, provider_ids).await?;
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (SpecValues::default(), None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&SpecificationsPage {
        notice: notice.then_some(t.published_notice),
        rows: current
            .iter()
            .map(|v| spec_row(v, name_of(&providers, v.provider), t, lang))
            .collect(),
        choices: spec_choices(&form, lang),
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn specifications(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<PublishedQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        specifications_page(
            &state,
            &identity,
            uri.path(),
            query.published.is_some(),
            None,
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct SpecForm {
    provider_id: String,
    code: String,
    kind: String,
    category: String,
    title: String,
    hours: String,
    grade: String,
    level: String,
    credits: String,
    field: String,
    validity_months: String,
}

impl SpecForm {
    fn text(&self) -> SpecificationText {
        let some = |text: &String| Some(text.clone());
        SpecificationText {
            kind: some(&self.kind),
            category: some(&self.category),
            title: some(&self.title),
            hours: some(&self.hours),
            grade: some(&self.grade),
            level: some(&self.level),
            credits: some(&self.credits),
            field: some(&self.field),
            validity_months: some(&self.validity_months),
        }
    }

    fn values(self) -> SpecValues {
        SpecValues {
            provider_id: self.provider_id,
            code: self.code,
            kind: self.kind,
            category: self.category,
            title: self.title,
            hours: self.hours,
            grade: self.grade,
            level: self.level,
            credits: self.credits,
            field: self.field,
            validity_months: self.validity_months,
        }
    }
}

/// A refusal the form can show next to its fields (a value, or a code already in use), rather
/// than as an error page.
fn is_form_problem(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. } | AppError::Conflict { field: "code" }
    )
}

async fn publish_specification(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<SpecForm>,
) -> Response {
    let result = async {
        let form = form?;
        identity.require_to(
            Action::ManageStandards,
            "only credit-bank staff publish specifications",
        )?;
        let published = async {
            let provider = InstitutionId::parse(&form.provider_id)
                .map_err(|invalid| AppError::invalid("provider_id", invalid.reason))?;
            let target = SpecificationTarget::New {
                provider,
                code: form.code.trim().to_owned(),
            };
            bank::publish(&state, &identity, target, &form.text()).await
        }
        .await;
        match published {
            Ok((id, _)) => {
                Ok(Redirect::to(&format!("/bank/specifications/{id}?published=1")).into_response())
            }
            Err(error) if is_form_problem(&error) => {
                specifications_page(
                    &state,
                    &identity,
                    uri.path(),
                    false,
                    Some((form.values(), error)),
                )
                .await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

async fn specification_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    id: SpecificationId,
    notice: bool,
    typed: Option<(SpecValues, AppError)>,
) -> AppResult<Response> {
    identity.require_to(
        Action::ManageStandards,
        "only credit-bank staff manage specifications",
    )?;
    let history = state.store.specification_history(id).await?;
    let current = history.last().ok_or(AppError::NotFound {
        what: "specification",
    })?;
    let providers = provider_names(state, vec![current.provider]).await?;
    let provider = name_of(&providers, current.provider);
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (spec_values(&current.content), None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&SpecificationPage {
        id: id.get(),
        code: current.code.clone(),
        notice: notice.then_some(t.published_notice),
        versions: history
            .iter()
            .rev()
            .map(|v| spec_row(v, provider.clone(), t, lang))
            .collect(),
        provider,
        choices: spec_choices(&form, lang),
        form,
        error_field: error.as_ref().and_then(AppError::field),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn specification(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    query: Result<ApiQuery<PublishedQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let id = SpecificationId::parse(&id).map_err(|_| AppError::NotFound {
            what: "specification",
        })?;
        specification_page(
            &state,
            &identity,
            uri.path(),
            id,
            query.published.is_some(),
            None,
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

async fn publish_version(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<SpecForm>,
) -> Response {
    let result = async {
        let form = form?;
        identity.require_to(
            Action::ManageStandards,
            "only credit-bank staff publish specifications",
        )?;
        let id = SpecificationId::parse(&id).map_err(|_| AppError::NotFound {
            what: "specification",
        })?;
        match bank::publish(
            &state,
            &identity,
            SpecificationTarget::Existing(id),
            &form.text(),
        )
        .await
        {
            Ok(_) => {
                Ok(Redirect::to(&format!("/bank/specifications/{id}?published=1")).into_response())
            }
            Err(error) if is_form_problem(&error) => {
                specification_page(
                    &state,
                    &identity,
                    uri.path(),
                    id,
                    false,
                    Some((form.values(), error)),
                )
                .await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
