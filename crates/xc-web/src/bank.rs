//! The credit-bank operations that pages and the API share (as `accounts` does for accounts):
//! submitting outcomes (one, an API list, an uploaded CSV/XLSX file spooled to disk), reading an
//! outcome, the review queue and its decisions, publishing specifications, and reading a
//! learning archive. Each checks who may do it, applies the learner scope, audits staff reads of
//! someone else's archive or outcomes, and answers domain results or an [`AppError`] naming the
//! field. The use cases themselves are `xc_bank`'s; input arrives here as text from a form or
//! JSON and is parsed into domain types.
//!
//! Conversion (programmes, rules, applications) is in [`conversion`]; points, incentives and a
//! learner's download of their data in [`points`]; erasure on the learner's request in
//! [`erase`].

pub mod accreditation;
pub mod conversion;
pub mod erase;
pub mod general_rules;
pub mod points;

use std::path::Path;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use serde_json::json;
use time::macros::offset;
use time::{Date, OffsetDateTime};
use tokio::io::AsyncWriteExt;
use xc_bank::{
    Archive, ArchiveFilter, BatchOptions, BatchResult, OutcomeInput, ReviewCase, ReviewDecision,
    SpecificationInput, Transcript,
};
use xc_domain::credit::{
    CloseSpecification, ContactHours, Credits, DecisionId, Field, FrameworkLevel, OutcomeCategory,
    OutcomeId, OutcomeKind, OutcomeSpecification, OutcomeTitle, Recognition, SpecificationId,
    ValidityTerm, Version, VocationalGrade,
};
use xc_domain::{Action, InstitutionId, LearnerId, Principal, Scope};
use xc_import::Limits;
use xc_store::{
    AuditEvent, DecisionBasis, DecisionRecord, LearnerRecord, OutcomeRecord, OutcomeStatus,
    PageRequest, Paged, ReviewFilter, SpecificationTarget, StoreError,
};

use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::{AppState, UPLOAD_LIMIT_BYTES};

/// The date outcomes are checked against and archives are shown on: today in Beijing.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(offset!(+8)).date()
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// The principal allowed to submit outcomes, before any of the body is read.
pub fn submitter(identity: &Identity) -> AppResult<&Principal> {
    identity.require_to(
        Action::SubmitOutcomes,
        "only provider staff submit outcomes to the credit bank",
    )
}

/// The institution outcomes are submitted for: provider staff submit for their own (asking for
/// another is refused); a city admin names the institution, which must exist.
pub async fn submitting_provider(
    state: &AppState,
    identity: &Identity,
    requested: Option<&str>,
) -> AppResult<InstitutionId> {
    acting_provider(state, submitter(identity)?, requested).await
}

/// The institution a provider's principal acts for (outcomes, points events): provider staff
/// for their own (asking for another is refused); a city admin names it, and it must exist.
pub async fn acting_provider(
    state: &AppState,
    principal: &Principal,
    requested: Option<&str>,
) -> AppResult<InstitutionId> {
    let requested = non_empty(requested)
        .map(InstitutionId::parse)
        .transpose()
        .map_err(|invalid| AppError::invalid("provider_id", invalid.reason))?;
    let provider = match (&principal.scope, requested) {
        (Scope::Institution(own), None) => *own,
        (Scope::Institution(own), Some(asked)) if asked == *own => asked,
        (Scope::Institution(_), Some(_)) => {
            return Err(AppError::Forbidden(
                "you can submit only for your own institution",
            ));
        }
        (_, Some(asked)) => asked,
        (_, None) => {
            return Err(AppError::invalid(
                "provider_id",
                "name the institution you act for (provider_id)",
            ));
        }
    };
    institution_exists(state, "provider_id", provider).await?;
    Ok(provider)
}

/// Checks that the institution an input names (`field`) exists: a 422 naming the field
/// otherwise.
async fn institution_exists(
    state: &AppState,
    field: &'static str,
    id: InstitutionId,
) -> AppResult<()> {
    match state.store.get_institution(id).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound { .. }) => Err(AppError::invalid(
            field,
            format!("there is no institution {id}"),
        )),
        Err(other) => Err(other.into()),
    }
}

fn batch_options(
    identity: &Identity,
    provider: InstitutionId,
    file_name: String,
    all_or_nothing: bool,
) -> BatchOptions {
    BatchOptions {
        provider,
        submitted_by: identity.principal.as_ref().and_then(|p| p.user_id),
        actor: identity.actor(),
        file_name,
        all_or_nothing,
        today: today(),
        now: OffsetDateTime::now_utc(),
        limits: Limits {
            max_bytes: UPLOAD_LIMIT_BYTES,
            ..Limits::default()
        },
    }
}

/// How an outcome came to stand where it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// Recognised automatically: this specification version matched exactly.
    Specification(SpecificationId, Version),
    /// Recognised automatically under the general rule for non-formal learning.
    GeneralRule(xc_store::GeneralRuleRef),
    /// Decided by a reviewer, who may have followed a specification version.
    Reviewer(Option<(SpecificationId, Version)>),
    /// Waiting in the review queue.
    Pending,
}

/// Why an outcome stands where it does, for the provider, the reviewer and the learner.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub basis: Basis,
    pub grant: Option<xc_store::Grant>,
    /// For an outcome in review: the closest specifications, closest first, each with the
    /// version it refers to.
    pub closest: Vec<(CloseSpecification, OutcomeSpecification)>,
    /// For non-formal learning in review: what the general hours rule would give.
    pub general_rule_credits: Option<Credits>,
    /// The latest decision's reason.
    pub reason: Option<String>,
}

/// Explains an outcome as stored: by its latest decision, or (in review) by what `recognition`
/// says of it with today's `standards`.
pub fn explain(
    outcome: &OutcomeRecord,
    decisions: &[DecisionRecord],
    recognition: &Recognition,
    standards: &xc_bank::Standards,
) -> Explanation {
    let decision = decisions.last();
    if outcome.status != OutcomeStatus::InReview
        && let Some(decision) = decision
    {
        return Explanation {
            basis: match decision.basis {
                DecisionBasis::Specification {
                    specification,
                    version,
                } => Basis::Specification(specification, version),
                DecisionBasis::GeneralRule(rule) => Basis::GeneralRule(rule),
                DecisionBasis::Reviewer { specification, .. } => Basis::Reviewer(specification),
            },
            grant: decision.grant,
            closest: Vec::new(),
            general_rule_credits: None,
            reason: Some(decision.reason.clone()).filter(|reason| !reason.is_empty()),
        };
    }
    let xc_bank::Candidates {
        closest,
        general_rule_credits,
    } = standards.candidates(recognition);
    Explanation {
        basis: Basis::Pending,
        grant: outcome.grant,
        closest,
        general_rule_credits,
        reason: None,
    }
}

/// One outcome submitted, as stored.
#[derive(Debug, Clone)]
pub struct SubmitResult {
    pub outcome: OutcomeRecord,
    /// The provider had submitted this outcome id before: nothing was stored now.
    pub already_stored: bool,
    /// What recognition says of it with today's standards (for an outcome in review: the
    /// closest specifications).
    pub recognition: Recognition,
    pub decisions: Vec<DecisionRecord>,
}

/// Submits one outcome (every problem is listed in the 422), or finds it already stored.
pub async fn submit_outcome(
    state: &AppState,
    identity: &Identity,
    provider: Option<&str>,
    input: &OutcomeInput,
) -> AppResult<SubmitResult> {
    let provider = submitting_provider(state, identity, provider).await?;
    let options = batch_options(identity, provider, "single".to_owned(), true);
    let standards = state.standards();
    let submission =
        xc_bank::submit_one(&*state.store, &state.vault, &standards, input, &options).await?;
    let id = submission.written.id();
    let mut outcome = state.store.get_outcome(id).await?;
    if outcome.status == xc_store::OutcomeStatus::Recognised {
        crate::issuing::issue_recognised(state, &[id]).await;
        outcome = state.store.get_outcome(id).await?;
    }
    let decisions = state.store.list_decisions(id).await?;
    Ok(SubmitResult {
        outcome,
        already_stored: matches!(submission.written, xc_store::Written::AlreadyStored(_)),
        recognition: submission.recognition,
        decisions,
    })
}

/// The most outcomes one API list may hold (a larger set is a file upload).
pub const MAX_LIST_ITEMS: usize = 10_000;

/// Imports an API list of outcomes: the same checks and report as a file.
pub async fn import_list(
    state: &AppState,
    identity: &Identity,
    provider: Option<&str>,
    items: &[OutcomeInput],
    all_or_nothing: bool,
) -> AppResult<BatchResult> {
    let provider = submitting_provider(state, identity, provider).await?;
    if items.is_empty() {
        return Err(AppError::invalid("items", "the list has no outcomes"));
    }
    if items.len() > MAX_LIST_ITEMS {
        return Err(AppError::invalid(
            "items",
            format!(
                "a list holds at most {MAX_LIST_ITEMS} outcomes, this one {}: upload a file instead",
                items.len()
            ),
        ));
    }
    let options = batch_options(identity, provider, "api".to_owned(), all_or_nothing);
    let standards = state.standards();
    let result =
        xc_bank::import_items(&*state.store, &state.vault, &standards, items, &options).await?;
    follow_up(state, &result);
    Ok(result)
}

/// Hands a committed batch to what follows it in the background: its points (the follow-up
/// worker) and its credentials (the issuer), after which the caller answers the provider.
fn follow_up(state: &AppState, result: &BatchResult) {
    if let Some(batch) = &result.batch {
        state.follow_ups.queue(batch.id);
    }
    if result.recognised > 0 {
        crate::issuing::issue_owed_later(state);
    }
}

/// An uploaded file spooled to disk (removed when this is dropped), with the fields sent with it.
#[derive(Debug)]
pub struct Upload {
    pub path: tempfile::TempPath,
    pub file_name: String,
    pub all_or_nothing: bool,
    pub provider_id: Option<String>,
}

fn multipart_error(error: MultipartError) -> AppError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::FileTooLarge {
            limit: UPLOAD_LIMIT_BYTES,
        }
    } else {
        AppError::BadRequest(format!(
            "the upload could not be read: {}",
            error.body_text()
        ))
    }
}

/// The most a small form field (`csrf`, `all_or_nothing`, `provider_id`) may hold: they are read
/// into memory, unlike the file.
const SMALL_FIELD_BYTES: usize = 1024;

/// Reads a small text field, refusing one longer than [`SMALL_FIELD_BYTES`].
async fn small_text(
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > SMALL_FIELD_BYTES {
            return Err(AppError::invalid(
                name,
                format!("the form field '{name}' is longer than {SMALL_FIELD_BYTES} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| AppError::invalid(name, format!("the form field '{name}' is not UTF-8 text")))
}

fn parse_flag(field: &'static str, text: &str) -> AppResult<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        other => Err(AppError::invalid(
            field,
            format!("'{other}' is not a yes or no: write true or false"),
        )),
    }
}

/// The uploaded file's name as it may be kept: its last path part, printable, at most 200
/// characters.
fn clean_file_name(name: Option<&str>) -> String {
    let name = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() {
        "upload".to_owned()
    } else {
        cleaned
    }
}

/// Streams the file field to a new spool file under the upload directory, refusing it past
/// [`UPLOAD_LIMIT_BYTES`] or empty; on any refusal the partial file is removed.
async fn spool(
    state: &AppState,
    field: &mut axum::extract::multipart::Field<'_>,
) -> AppResult<tempfile::TempPath> {
    let dir = state.upload_dir();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let spool = tempfile::Builder::new()
        .prefix("outcomes-")
        .suffix(".upload")
        .tempfile_in(&dir)
        .map_err(|e| AppError::Internal(e.into()))?;
    let (file, path) = spool.into_parts();
    let mut out = tokio::fs::File::from_std(file);
    let mut written: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        written += chunk.len() as u64;
        if written > UPLOAD_LIMIT_BYTES {
            // `path` drops here and takes the partial file with it.
            return Err(AppError::FileTooLarge {
                limit: UPLOAD_LIMIT_BYTES,
            });
        }
        out.write_all(&chunk)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    out.flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    drop(out);
    if written == 0 {
        return Err(AppError::invalid(
            "file",
            "the file is empty: choose a CSV or XLSX file of outcomes",
        ));
    }
    Ok(path)
}

/// Reads a `multipart/form-data` upload: the file (field `file`) streamed to a spool file and
/// refused past [`UPLOAD_LIMIT_BYTES`], `all_or_nothing`, and `provider_id` for city admins.
/// From a page (`form`), the `csrf` field must come before the file and match the visitor's
/// token, and an unticked `all_or_nothing` box (absent) means no; through the API, absent means
/// yes. Any other field is refused by name.
pub async fn receive_upload(
    state: &AppState,
    identity: &Identity,
    mut multipart: Multipart,
    form: bool,
) -> AppResult<Upload> {
    let mut csrf_checked = !form;
    let mut spooled: Option<(tempfile::TempPath, String)> = None;
    let mut all_or_nothing = None;
    let mut provider_id = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "csrf" if form => {
                let token = small_text(&mut field, "csrf").await?;
                if !identity.csrf_matches(&token) {
                    return Err(AppError::Csrf);
                }
                csrf_checked = true;
            }
            "all_or_nothing" => {
                let text = small_text(&mut field, "all_or_nothing").await?;
                all_or_nothing = Some(parse_flag("all_or_nothing", &text)?);
            }
            "provider_id" => provider_id = Some(small_text(&mut field, "provider_id").await?),
            "file" => {
                if !csrf_checked {
                    return Err(AppError::Csrf);
                }
                if spooled.is_some() {
                    return Err(AppError::invalid("file", "send one file at a time"));
                }
                let file_name = clean_file_name(field.file_name());
                spooled = Some((spool(state, &mut field).await?, file_name));
            }
            other => {
                return Err(AppError::invalid(
                    other,
                    format!(
                        "unknown form field '{other}': send file, all_or_nothing and (city admins) provider_id"
                    ),
                ));
            }
        }
    }
    if !csrf_checked {
        return Err(AppError::Csrf);
    }
    let (path, file_name) = spooled.ok_or_else(|| {
        AppError::invalid(
            "file",
            "choose a CSV or XLSX file to upload (form field 'file')",
        )
    })?;
    Ok(Upload {
        path,
        file_name,
        all_or_nothing: all_or_nothing.unwrap_or(!form),
        provider_id,
    })
}

/// Checks and stores an uploaded file (see `xc_bank::import_file`); the spool file is removed
/// afterwards.
pub async fn import_upload(
    state: &AppState,
    identity: &Identity,
    upload: Upload,
) -> AppResult<BatchResult> {
    let provider = submitting_provider(state, identity, upload.provider_id.as_deref()).await?;
    let options = batch_options(identity, provider, upload.file_name, upload.all_or_nothing);
    let standards = state.standards();
    let path: &Path = &upload.path;
    let result =
        xc_bank::import_file(&*state.store, &state.vault, &standards, path, &options).await;
    drop(upload.path);
    let result = result?;
    follow_up(state, &result);
    Ok(result)
}

/// Writes the audit entry of a staff read of someone else's data.
async fn audit_read(
    state: &AppState,
    identity: &Identity,
    action: &str,
    subject_kind: &str,
    subject: impl ToString,
    detail: serde_json::Value,
) -> AppResult<()> {
    let audit = AuditEvent::new(identity.actor(), action, subject_kind, subject.to_string())
        .with_detail(detail);
    state.store.append_audit(&audit).await?;
    Ok(())
}

/// Whether the principal may see the outcomes of `learner`: the learner is in their scope.
async fn learner_in_scope(
    state: &AppState,
    principal: &Principal,
    learner: LearnerId,
) -> AppResult<bool> {
    match state
        .store
        .get_learner(&principal.learner_scope(), learner)
        .await
    {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// One outcome with its decisions, for the provider that submitted it, credit-bank staff, the
/// learner, and staff whose scope holds the learner; 404 for anyone else. Staff reads are
/// audited (`outcome.read`).
pub async fn read_outcome(
    state: &AppState,
    identity: &Identity,
    id: OutcomeId,
) -> AppResult<(OutcomeRecord, Vec<DecisionRecord>)> {
    let principal = identity.require()?;
    let outcome = state.store.get_outcome(id).await?;
    let submitted_by_them = matches!(
        principal.scope,
        Scope::Institution(own) if own == outcome.submitted.provider
    );
    let allowed = submitted_by_them
        || principal.may(Action::ReviewOutcomes)
        || (principal.may(Action::ReadArchive)
            && learner_in_scope(state, principal, outcome.learner).await?);
    if !allowed {
        return Err(AppError::NotFound { what: "outcome" });
    }
    if principal.reads_other_person(outcome.learner) {
        audit_read(
            state,
            identity,
            "outcome.read",
            "outcome",
            id,
            json!({ "learner": outcome.learner.get() }),
        )
        .await?;
    }
    let decisions = state.store.list_decisions(id).await?;
    Ok((outcome, decisions))
}

/// The review queue, oldest first (credit-bank staff). The outcomes listed are audited.
pub async fn review_queue(
    state: &AppState,
    identity: &Identity,
    filter: &ReviewFilter,
    page: PageRequest,
) -> AppResult<Paged<OutcomeRecord>> {
    identity.require_to(
        Action::ReviewOutcomes,
        "only credit-bank staff work the review queue",
    )?;
    let queue = state.store.review_queue(filter, page).await?;
    if !queue.items.is_empty() {
        let ids: Vec<i64> = queue.items.iter().map(|o| o.id.get()).collect();
        audit_read(
            state,
            identity,
            "outcome.list",
            "outcome",
            "many",
            json!({ "ids": ids }),
        )
        .await?;
    }
    Ok(queue)
}

/// A review case and the learner it is about (credit-bank staff; audited as `review_case.read`).
pub async fn review_case(
    state: &AppState,
    identity: &Identity,
    id: OutcomeId,
) -> AppResult<(ReviewCase, LearnerRecord)> {
    let principal = identity.require_to(
        Action::ReviewOutcomes,
        "only credit-bank staff see review cases",
    )?;
    let standards = state.standards();
    let case = xc_bank::review_case(&*state.store, &standards, id).await?;
    let learner = state
        .store
        .get_learner(&principal.learner_scope(), case.outcome.learner)
        .await?;
    audit_read(
        state,
        identity,
        "review_case.read",
        "outcome",
        id,
        json!({ "learner": case.outcome.learner.get() }),
    )
    .await?;
    Ok((case, learner))
}

/// A reviewer's decision as typed: every part text, from a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct DecisionText {
    pub decision: String,
    pub level: Option<String>,
    pub credits: Option<String>,
    pub category: Option<String>,
    pub validity_months: Option<String>,
    pub specification_id: Option<String>,
    pub specification_version: Option<String>,
    pub reason: Option<String>,
}

/// A validity in months; empty means indefinite.
fn parse_validity_months(text: Option<&str>) -> AppResult<ValidityTerm> {
    match non_empty(text) {
        None => Ok(ValidityTerm::INDEFINITE),
        Some(text) => {
            let months: u16 = text.parse().map_err(|_| {
                AppError::invalid(
                    "validity_months",
                    format!(
                        "'{text}' is not a number of months: write 1 to 1200, or leave it empty for no expiry"
                    ),
                )
            })?;
            ValidityTerm::months(months)
                .map_err(|invalid| AppError::invalid("validity_months", invalid.reason))
        }
    }
}

/// The specification an accepting reviewer followed: both its id and version, or neither.
fn followed_specification(
    id: Option<&str>,
    version: Option<&str>,
) -> AppResult<Option<(SpecificationId, Version)>> {
    match (non_empty(id), non_empty(version)) {
        (None, None) => Ok(None),
        (Some(id), Some(version)) => {
            let version = version
                .parse::<u32>()
                .map_err(|_| {
                    AppError::invalid(
                        "specification_version",
                        "a version is a whole number from 1",
                    )
                })
                .and_then(|n| {
                    Version::new(n).map_err(|invalid| {
                        AppError::invalid("specification_version", invalid.reason)
                    })
                })?;
            Ok(Some((SpecificationId::parse(id)?, version)))
        }
        (Some(_), None) => Err(AppError::invalid(
            "specification_version",
            "give the version of the specification followed",
        )),
        (None, Some(_)) => Err(AppError::invalid(
            "specification_id",
            "give the id of the specification followed",
        )),
    }
}

impl DecisionText {
    pub fn parse(&self) -> AppResult<ReviewDecision> {
        let reason = self.reason.clone().unwrap_or_default();
        match self.decision.trim() {
            "accept" => {
                let level = non_empty(self.level.as_deref())
                    .ok_or_else(|| {
                        AppError::invalid("level", "give the framework level (1 to 10) to accept")
                    })
                    .and_then(|text| Ok(FrameworkLevel::parse(text)?))?;
                let credits = non_empty(self.credits.as_deref())
                    .ok_or_else(|| AppError::invalid("credits", "give the credits to accept"))
                    .and_then(|text| Ok(Credits::parse(text)?))?;
                let category = non_empty(self.category.as_deref())
                    .map(OutcomeCategory::parse_written)
                    .transpose()?;
                let validity = parse_validity_months(self.validity_months.as_deref())?;
                let specification = followed_specification(
                    self.specification_id.as_deref(),
                    self.specification_version.as_deref(),
                )?;
                Ok(ReviewDecision::Accept {
                    level,
                    credits,
                    category,
                    validity,
                    specification,
                    reason,
                })
            }
            "reject" => {
                let accept_only = [
                    ("level", &self.level),
                    ("credits", &self.credits),
                    ("category", &self.category),
                    ("validity_months", &self.validity_months),
                    ("specification_id", &self.specification_id),
                    ("specification_version", &self.specification_version),
                ];
                if let Some((field, _)) = accept_only
                    .iter()
                    .find(|(_, value)| non_empty(value.as_deref()).is_some())
                {
                    return Err(AppError::invalid(
                        *field,
                        format!("a rejection has no {field}: leave it out"),
                    ));
                }
                Ok(ReviewDecision::Reject { reason })
            }
            other => Err(AppError::invalid(
                "decision",
                format!("'{other}' is not a decision: write accept or reject"),
            )),
        }
    }
}

/// Records a decision on an outcome in review; 409 when it was decided meanwhile.
pub async fn decide(
    state: &AppState,
    identity: &Identity,
    id: OutcomeId,
    decision: ReviewDecision,
) -> AppResult<DecisionId> {
    let principal = identity.require_to(
        Action::ReviewOutcomes,
        "only credit-bank staff decide on outcomes",
    )?;
    let reviewer = principal.user_id.ok_or(AppError::Forbidden(
        "decisions are made by a signed-in reviewer",
    ))?;
    let standards = state.standards();
    let accepted = matches!(decision, ReviewDecision::Accept { .. });
    let decided = xc_bank::decide(
        &*state.store,
        &standards,
        id,
        decision,
        reviewer,
        identity.actor(),
        OffsetDateTime::now_utc(),
    )
    .await?;
    if accepted {
        crate::issuing::issue_recognised(state, &[id]).await;
    }
    Ok(decided)
}

/// A specification as typed, from a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct SpecificationText {
    pub kind: Option<String>,
    pub category: Option<String>,
    pub title: Option<String>,
    pub hours: Option<String>,
    pub grade: Option<String>,
    pub level: Option<String>,
    pub credits: Option<String>,
    pub field: Option<String>,
    pub validity_months: Option<String>,
}

impl SpecificationText {
    pub fn parse(&self) -> AppResult<SpecificationInput> {
        let kind = non_empty(self.kind.as_deref())
            .ok_or_else(|| AppError::invalid("kind", "choose the kind of outcome"))
            .and_then(|text| Ok(OutcomeKind::parse_written(text)?))?;
        let title = OutcomeTitle::parse(self.title.as_deref().unwrap_or_default())?;
        Ok(SpecificationInput {
            kind,
            category: non_empty(self.category.as_deref())
                .map(OutcomeCategory::parse_written)
                .transpose()?,
            title,
            hours: non_empty(self.hours.as_deref())
                .map(ContactHours::parse)
                .transpose()?,
            grade: non_empty(self.grade.as_deref())
                .map(VocationalGrade::parse)
                .transpose()?,
            level: non_empty(self.level.as_deref())
                .map(FrameworkLevel::parse)
                .transpose()?,
            credits: non_empty(self.credits.as_deref())
                .map(Credits::parse)
                .transpose()?,
            field: non_empty(self.field.as_deref())
                .map(Field::parse)
                .transpose()?,
            validity: parse_validity_months(self.validity_months.as_deref())?,
        })
    }
}

/// Publishes a new specification (for an existing institution, under a code of its own) or the
/// next version of one, then puts the new standards in force.
pub async fn publish(
    state: &AppState,
    identity: &Identity,
    target: SpecificationTarget,
    input: &SpecificationText,
) -> AppResult<(SpecificationId, Version)> {
    let principal = identity.require_to(
        Action::ManageStandards,
        "only credit-bank staff publish specifications",
    )?;
    let input = input.parse()?;
    if let SpecificationTarget::New { provider, .. } = &target {
        institution_exists(state, "provider_id", *provider).await?;
    }
    let (subject, detail) = match &target {
        SpecificationTarget::New { provider, code } => (
            "new".to_owned(),
            json!({ "provider": provider.get(), "code": code, "title": input.title.as_str() }),
        ),
        SpecificationTarget::Existing(id) => {
            (id.to_string(), json!({ "title": input.title.as_str() }))
        }
    };
    let audit = AuditEvent::new(
        identity.actor(),
        "specification.publish",
        "specification",
        subject,
    )
    .with_detail(detail);
    // One publication at a time, and the standards reloaded before the next one starts.
    let _publishing = state.publishing().await;
    let standards = state.standards();
    let published = xc_bank::publish_specification(
        &*state.store,
        &standards,
        &target,
        input,
        OffsetDateTime::now_utc(),
        principal.user_id,
        &audit,
    )
    .await?;
    state.reload_standards().await?;
    Ok(published)
}

/// The current (last) version of each specification, from versions ordered by id then version
/// as the store lists them.
pub fn current_versions(
    versions: &[xc_store::SpecificationVersion],
) -> impl Iterator<Item = &xc_store::SpecificationVersion> {
    versions
        .iter()
        .enumerate()
        .filter(|(index, version)| {
            versions
                .get(index + 1)
                .is_none_or(|next| next.id != version.id)
        })
        .map(|(_, version)| version)
}

/// Archive filters as typed: each optional.
pub fn parse_archive_filter(
    kind: Option<&str>,
    year: Option<&str>,
    field: Option<&str>,
) -> AppResult<ArchiveFilter> {
    let year = match non_empty(year) {
        None => None,
        Some(text) => match text.parse::<i32>() {
            Ok(year) if (1950..=9999).contains(&year) => Some(year),
            _ => {
                return Err(AppError::invalid(
                    "year",
                    format!("'{text}' is not a year: write four digits such as 2026"),
                ));
            }
        },
    };
    Ok(ArchiveFilter {
        kind: non_empty(kind)
            .map(OutcomeKind::parse_written)
            .transpose()?,
        year,
        field: non_empty(field).map(Field::parse).transpose()?,
    })
}

/// A page number as typed (`page` in a page's query string): a whole number from 1; 1 when left
/// out. 422 naming `page` otherwise.
pub fn parse_page_number(text: Option<&str>) -> AppResult<u64> {
    match non_empty(text) {
        None => Ok(1),
        Some(text) => match text.parse::<u64>() {
            Ok(page) if page >= 1 => Ok(page),
            _ => Err(AppError::invalid(
                "page",
                format!("'{text}' is not a page number: pages are numbered from 1"),
            )),
        },
    }
}

/// The items of a list held whole in memory (an archive's outcomes) on `page`: empty past the
/// end.
pub fn items_on_page<T>(items: &[T], page: PageRequest) -> &[T] {
    let start = usize::try_from(page.offset)
        .unwrap_or(usize::MAX)
        .min(items.len());
    let end = start.saturating_add(page.limit as usize).min(items.len());
    &items[start..end]
}

/// The record of a learner whose archive the principal may read: their own, or a learner in the
/// staff member's scope (404 otherwise). A read of someone else's archive is audited
/// (`archive.read`, with `detail` saying what was read), before anything is shown.
async fn archive_reader(
    state: &AppState,
    identity: &Identity,
    learner: LearnerId,
    detail: serde_json::Value,
) -> AppResult<LearnerRecord> {
    let principal = identity.require_to(
        Action::ReadArchive,
        "this account has no learning archive to read",
    )?;
    let record = state
        .store
        .get_learner(&principal.learner_scope(), learner)
        .await?;
    if principal.reads_other_person(learner) {
        audit_read(state, identity, "archive.read", "learner", learner, detail).await?;
    }
    Ok(record)
}

/// A learner's archive (学习档案) with the learner's record: the citizen's own, or a learner in
/// the staff member's scope (404 otherwise). Every read of someone else's archive is audited
/// (`archive.read`).
pub async fn read_archive(
    state: &AppState,
    identity: &Identity,
    learner: LearnerId,
    filter: &ArchiveFilter,
) -> AppResult<(LearnerRecord, Archive)> {
    let detail = json!({
        "kind": filter.kind.map(OutcomeKind::as_str),
        "year": filter.year,
        "field": filter.field.as_ref().map(ToString::to_string),
    });
    let record = archive_reader(state, identity, learner, detail).await?;
    let archive = xc_bank::archive(&*state.store, learner, filter, today()).await?;
    Ok((record, archive))
}

/// A learner's transcript (成绩单) as of today with the learner's record: who may read it is who
/// may read the archive, and a staff read is audited as an archive read (`archive.read`, detail
/// `{"view": "transcript"}`).
pub async fn read_transcript(
    state: &AppState,
    identity: &Identity,
    learner: LearnerId,
) -> AppResult<(LearnerRecord, Transcript)> {
    let record = archive_reader(state, identity, learner, json!({ "view": "transcript" })).await?;
    let transcript = xc_bank::transcript(&*state.store, learner, today()).await?;
    Ok((record, transcript))
}

/// The signed-in citizen's learner id, for "my archive".
pub fn own_learner(identity: &Identity) -> AppResult<LearnerId> {
    identity.require()?.learner_id.ok_or(AppError::Forbidden(
        "this account has no learning archive: it is not a learner's account",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(level: &str, credits: &str) -> DecisionText {
        DecisionText {
            decision: "accept".into(),
            level: Some(level.into()),
            credits: Some(credits.into()),
            ..DecisionText::default()
        }
    }

    #[test]
    fn decisions_are_parsed_with_the_field_at_fault_named() {
        let ok = accept("2", "1.5").parse().unwrap();
        assert!(matches!(
            ok,
            ReviewDecision::Accept { level, validity, .. }
                if level.get() == 2 && validity == ValidityTerm::INDEFINITE
        ));
        let field = |text: DecisionText| text.parse().unwrap_err().field().unwrap();
        assert_eq!(field(accept("11", "1")), "level");
        assert_eq!(field(accept("2", "-1")), "credits");
        assert_eq!(field(accept("", "1")), "level");
        assert_eq!(
            field(DecisionText {
                validity_months: Some("0".into()),
                ..accept("2", "1")
            }),
            "validity_months"
        );
        assert_eq!(
            field(DecisionText {
                specification_id: Some("3".into()),
                ..accept("2", "1")
            }),
            "specification_version"
        );
        assert_eq!(
            field(DecisionText {
                decision: "reject".into(),
                reason: Some("不符合".into()),
                ..accept("2", "1")
            }),
            "level"
        );
        assert_eq!(
            field(DecisionText {
                decision: "maybe".into(),
                ..DecisionText::default()
            }),
            "decision"
        );
        let reject = DecisionText {
            decision: "reject".into(),
            reason: Some("证明材料无法核实".into()),
            ..DecisionText::default()
        };
        assert_eq!(
            reject.parse().unwrap(),
            ReviewDecision::Reject {
                reason: "证明材料无法核实".into()
            }
        );
    }

    #[test]
    fn a_followed_specification_needs_both_its_id_and_a_version_from_1() {
        assert_eq!(followed_specification(None, Some(" ")).unwrap(), None);
        let (id, version) = followed_specification(Some("3"), Some("2"))
            .unwrap()
            .unwrap();
        assert_eq!((id.get(), version.get()), (3, 2));
        let field = |id, version| {
            followed_specification(id, version)
                .unwrap_err()
                .field()
                .unwrap()
        };
        assert_eq!(field(None, Some("2")), "specification_id");
        assert_eq!(field(Some("3"), None), "specification_version");
        assert_eq!(field(Some("3"), Some("0")), "specification_version");
        assert_eq!(field(Some("3"), Some("two")), "specification_version");
        assert_eq!(field(Some("x"), Some("2")), "specification_id");
    }

    #[test]
    fn a_page_of_a_list_in_memory_is_empty_past_the_end() {
        let items: Vec<u32> = (0..35).collect();
        assert_eq!(
            items_on_page(&items, PageRequest::new(30, 30)),
            &items[30..]
        );
        assert_eq!(items_on_page(&items, PageRequest::new(0, 10)), &items[..10]);
        assert!(items_on_page(&items, PageRequest::new(35, 30)).is_empty());
        assert!(items_on_page(&items, PageRequest::new(u64::MAX, 500)).is_empty());
    }

    #[test]
    fn archive_filters_and_file_names() {
        let filter =
            parse_archive_filter(Some("慕课"), Some("2026"), Some("smart_living")).unwrap();
        assert_eq!(filter.kind, Some(OutcomeKind::Mooc));
        assert_eq!(filter.year, Some(2026));
        assert_eq!(
            parse_archive_filter(None, Some("26"), None)
                .unwrap_err()
                .field()
                .unwrap(),
            "year"
        );
        assert_eq!(
            parse_archive_filter(Some("cooking"), None, None)
                .unwrap_err()
                .field()
                .unwrap(),
            "kind"
        );
        assert_eq!(
            parse_archive_filter(Some(""), Some(" "), None).unwrap(),
            ArchiveFilter::default()
        );
        assert_eq!(parse_page_number(None).unwrap(), 1);
        assert_eq!(parse_page_number(Some(" ")).unwrap(), 1);
        assert_eq!(parse_page_number(Some("3")).unwrap(), 3);
        for bad in ["0", "-1", "two", "1.5"] {
            assert_eq!(
                parse_page_number(Some(bad)).unwrap_err().field().unwrap(),
                "page",
                "{bad}"
            );
        }
        assert_eq!(clean_file_name(Some("C:\\data\\成果.csv")), "成果.csv");
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(None), "upload");
        assert!(parse_flag("all_or_nothing", "on").unwrap());
        assert!(!parse_flag("all_or_nothing", "false").unwrap());
        assert!(parse_flag("all_or_nothing", "maybe").is_err());
    }
}
