//! The printable transcript (成绩单): the learner's own at `/me/transcript`, a learner in a staff
//! member's scope at `/learners/{id}/transcript` (audited as an archive read). Through
//! `crate::bank::read_transcript` over `xc_bank::transcript`; print styles in `app.css`
//! (`@media print`: A4, no navigation, black on white, no page break inside a row).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use xc_domain::LearnerId;
use xc_store::DecisionBasis;

use super::super::templates::*;
use super::super::{Chrome, page, render};
use super::conversion::programme_name;
use super::{code_and_version, learner_in_path, level_label, name_of, provider_names};
use crate::AppState;
use crate::auth::Identity;
use crate::bank;
use crate::error::AppResult;
use crate::views::conversion::course_text;
use crate::views::{category_label, date, outcome_kind_label};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/transcript", get(my_transcript))
        .route("/learners/{id}/transcript", get(learner_transcript))
}

async fn transcript_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    learner: LearnerId,
    own: bool,
) -> AppResult<Response> {
    let (record, transcript) = bank::read_transcript(state, identity, learner).await?;
    let items = transcript.groups.iter().flat_map(|group| &group.items);
    let providers =
        provider_names(state, items.map(|i| i.outcome.submitted.provider).collect()).await?;
    let standards = state.standards();
    let rules = state.conversion_rules();
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let totals = &transcript.totals;
    render(&TranscriptPage {
        own,
        learner_id: learner.get(),
        learner_name: record.display_name.clone(),
        learner_masked_id: record.national_id.masked.clone(),
        produced_on: transcript.on.to_string(),
        reference: transcript.reference.clone(),
        archive_link: if own {
            "/me/archive".to_owned()
        } else {
            format!("/learners/{learner}/archive")
        },
        groups: transcript
            .groups
            .iter()
            .map(|group| TranscriptGroupView {
                heading: format!(
                    "{} · {}",
                    category_label(group.category, lang),
                    level_label(group.level, t)
                ),
                outcomes: group.tally.outcomes,
                credits: group.tally.credits.to_string(),
                rows: group
                    .items
                    .iter()
                    .map(|item| {
                        let submitted = &item.outcome.submitted;
                        let decision = item.decision.as_ref();
                        let followed = match decision.map(|d| &d.basis) {
                            Some(DecisionBasis::Specification {
                                specification,
                                version,
                            }) => Some((*specification, *version)),
                            Some(DecisionBasis::Reviewer { specification, .. }) => *specification,
                            Some(DecisionBasis::GeneralRule(_)) | None => None,
                        };
                        TranscriptRow {
                            title: submitted.title.as_str().to_owned(),
                            kind: outcome_kind_label(submitted.kind, lang),
                            provider: name_of(&providers, submitted.provider),
                            achieved_on: submitted.achieved_on.to_string(),
                            specification: followed
                                .map(|(id, version)| code_and_version(&standards, id, version)),
                            decision: match decision.map(|d| &d.basis) {
                                Some(DecisionBasis::Reviewer { .. }) => t.decision_by_review,
                                _ => t.decision_automatic,
                            },
                            decided_on: decision.map(|d| date(d.decided_at)),
                            credits: item
                                .outcome
                                .grant
                                .map(|g| g.credits.to_string())
                                .unwrap_or_default(),
                            expired: item.expired,
                            valid_until: item
                                .outcome
                                .grant
                                .and_then(|g| g.valid_until)
                                .map(|day| day.to_string()),
                        }
                    })
                    .collect(),
            })
            .collect(),
        valid_credits: totals.valid.credits.to_string(),
        recognised: totals.recognised,
        by_category: totals
            .by_category
            .iter()
            .map(|(category, tally)| TallyRow {
                label: category_label(*category, lang).to_owned(),
                outcomes: tally.outcomes,
                credits: tally.credits.to_string(),
            })
            .collect(),
        conversions: transcript
            .conversions
            .iter()
            .map(|conversion| ConvertedRow {
                programme: programme_name(&rules, conversion.programme),
                credits: conversion.credits.to_string(),
                courses: conversion
                    .courses
                    .iter()
                    .map(|course| course_text(course, lang))
                    .collect(),
                approved_on: conversion.decided_at.map(date),
            })
            .collect(),
        chrome,
    })
}

async fn my_transcript(State(state): State<AppState>, identity: Identity, uri: Uri) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let learner = bank::own_learner(&identity)?;
        transcript_page(&state, &identity, uri.path(), learner, true).await
    }
    .await;
    page(&identity, &uri, result)
}

async fn learner_transcript(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let (id, own) = learner_in_path(&identity, &id)?;
        transcript_page(&state, &identity, uri.path(), id, own).await
    }
    .await;
    page(&identity, &uri, result)
}
