//! The learning record store joined to the credit bank, for staff: `/bank/lrs-integration`
//! (credit-bank staff and city administrators) shows the statement rules in force as a form
//! that publishes a new version (a refusal shown again as typed, with every problem by row and
//! field, 422), a form linking an actor to a learner, and — for city administrators — the
//! erasure of everything about one actor. Through `crate::learning_records`, as the API.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xc_bank::learning_records::StatementRuleInput;
use xc_domain::credit::PointsActivity;
use xc_domain::{Action, LearnerId};

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use super::{FormFields, PublishedQuery, problem_rows};
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::learning_records as ops;
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bank/lrs-integration", get(integration_page))
        .route("/bank/lrs-integration/rules", post(publish_rules))
        .route("/bank/lrs-integration/links", post(link_actor))
        .route("/bank/lrs-integration/erasure", post(erase_actor))
}

const RULE_FIELDS: &[&str] = &[
    "csrf",
    "verb",
    "activity",
    "activity_type",
    "min_scaled",
    "award",
    "specification",
];
/// Blank rows the rules form offers below the rules in force.
const BLANK_RULE_ROWS: usize = 3;

/// What the page shows besides the rules: a form's refusal with what was typed, or the result
/// of a link or an erasure.
#[derive(Default)]
struct Shown {
    rules: Option<(Vec<StatementRuleInput>, AppError)>,
    link: Option<(String, String, AppError)>,
    erase: Option<(String, AppError)>,
    notice: Option<String>,
}

fn rule_row(input: &StatementRuleInput) -> LrsRuleFormRow {
    LrsRuleFormRow {
        verb: input.verb.clone(),
        activity: input.activity.clone().unwrap_or_default(),
        activity_type: input.activity_type.clone().unwrap_or_default(),
        min_scaled: input.min_scaled.clone().unwrap_or_default(),
        award: input.award.clone(),
        specification: input.specification.clone().unwrap_or_default(),
    }
}

async fn render_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    shown: Shown,
) -> AppResult<Response> {
    let (in_force, history) = ops::rules(state, identity).await?;
    let chrome = Chrome::new(identity, path);
    let lang = chrome.lang;
    let mut rows: Vec<LrsRuleFormRow> = match &shown.rules {
        Some((typed, _)) => typed.iter().map(rule_row).collect(),
        None => in_force
            .rules
            .rules()
            .iter()
            .map(|rule| LrsRuleFormRow {
                verb: rule.verb.clone(),
                activity: rule.activity.clone().unwrap_or_default(),
                activity_type: rule.activity_type.clone().unwrap_or_default(),
                min_scaled: rule.min_scaled.map(|m| m.to_string()).unwrap_or_default(),
                award: rule
                    .award
                    .map(|award| award.as_str().to_owned())
                    .unwrap_or_default(),
                specification: rule
                    .specification
                    .map(|spec| spec.to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    };
    rows.extend((0..BLANK_RULE_ROWS).map(|_| LrsRuleFormRow::default()));
    let awards = [
        PointsActivity::Attendance,
        PointsActivity::CheckIn,
        PointsActivity::Completion,
    ]
    .into_iter()
    .map(|activity| Choice {
        value: activity.as_str().to_owned(),
        label: match lang {
            crate::i18n::Lang::Zh => activity.label_zh(),
            crate::i18n::Lang::En => activity.label_en(),
        }
        .to_owned(),
        selected: false,
    })
    .collect();
    let error = shown
        .rules
        .as_ref()
        .map(|(_, e)| ("rules", e))
        .or(shown.link.as_ref().map(|(_, _, e)| ("link", e)))
        .or(shown.erase.as_ref().map(|(_, e)| ("erase", e)));
    let status = error.map_or(StatusCode::OK, |(_, e)| e.status());
    let response = render(&LrsIntegrationPage {
        version: in_force.version.map(|v| v.get().to_string()),
        rules: rows,
        awards,
        history: history
            .iter()
            .rev()
            .map(|(stored, rules)| LrsRuleVersionRow {
                version: stored.version.to_string(),
                published_at: date_time(stored.published_at),
                rules: rules.rules().len(),
            })
            .collect(),
        link_agent: shown.link.as_ref().map(|l| l.0.clone()).unwrap_or_default(),
        link_learner: shown.link.as_ref().map(|l| l.1.clone()).unwrap_or_default(),
        erase_agent: shown
            .erase
            .as_ref()
            .map(|e| e.0.clone())
            .unwrap_or_default(),
        can_erase: identity
            .principal
            .as_ref()
            .is_some_and(|p| p.may(Action::EraseLrsActor)),
        notice: shown.notice,
        error_form: error.map(|(form, _)| form.to_owned()).unwrap_or_default(),
        error_field: error.and_then(|(_, e)| e.field()),
        problems: error
            .map(|(_, e)| problem_rows(e.problems(), lang))
            .unwrap_or_default(),
        error: error.map(|(_, e)| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn integration_page(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<PublishedQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let notice = query.published.is_some().then(|| {
            Chrome::new(&identity, uri.path())
                .t
                .lrs_rules_published
                .to_owned()
        });
        render_page(
            &state,
            &identity,
            uri.path(),
            Shown {
                notice,
                ..Shown::default()
            },
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

/// A refusal the page shows beside its form rather than as an error page.
fn is_form_problem(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. } | AppError::Rejected { .. } | AppError::Conflict { .. }
    )
}

fn text_of(row: &[(String, String)], name: &str) -> Option<String> {
    row.iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

async fn publish_rules(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, RULE_FIELDS)?;
        // Blank rows (no verb and nothing else) are the form's spare rows.
        let inputs: Vec<StatementRuleInput> = fields
            .rows("verb")
            .iter()
            .filter(|row| {
                row.iter()
                    .any(|(key, value)| key != "award" && !value.trim().is_empty())
            })
            .map(|row| StatementRuleInput {
                verb: text_of(row, "verb").unwrap_or_default(),
                activity: text_of(row, "activity"),
                activity_type: text_of(row, "activity_type"),
                min_scaled: text_of(row, "min_scaled"),
                award: text_of(row, "award").unwrap_or_default(),
                specification: text_of(row, "specification"),
            })
            .collect();
        match ops::publish_rules(&state, &identity, &inputs).await {
            Ok(_) => Ok(Redirect::to("/bank/lrs-integration?published=1").into_response()),
            Err(error) if is_form_problem(&error) => {
                let shown = Shown {
                    rules: Some((inputs, error)),
                    ..Shown::default()
                };
                render_page(&state, &identity, uri.path(), shown).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

async fn link_actor(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, &["csrf", "agent", "learner_id"])?;
        let (agent, learner) = (fields.one("agent"), fields.one("learner_id"));
        let outcome = match LearnerId::parse(learner.trim()) {
            Ok(id) => ops::link_actor(&state, &identity, &agent, id).await,
            Err(_) => Err(AppError::invalid(
                "learner_id",
                "write the learner's id, a number",
            )),
        };
        let t = Chrome::new(&identity, uri.path()).t;
        match outcome {
            Ok(linked) => {
                let words = if linked.linked {
                    t.lrs_linked_notice
                } else {
                    t.lrs_already_linked_notice
                };
                let shown = Shown {
                    notice: Some(format!("{words}{}", linked.applied.timeline)),
                    ..Shown::default()
                };
                render_page(&state, &identity, uri.path(), shown).await
            }
            Err(error) if is_form_problem(&error) => {
                let shown = Shown {
                    link: Some((agent, learner, error)),
                    ..Shown::default()
                };
                render_page(&state, &identity, uri.path(), shown).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

async fn erase_actor(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, &["csrf", "agent", "confirm"])?;
        let agent = fields.one("agent");
        let t = Chrome::new(&identity, uri.path()).t;
        match ops::erase_actor(&state, &identity, &agent, &fields.one("confirm")).await {
            Ok(counts) => {
                let counts_text = t
                    .lrs_erased_counts
                    .replace("{s}", &counts.statements.to_string())
                    .replace("{d}", &counts.documents.to_string())
                    .replace("{a}", &counts.attachments.to_string())
                    .replace("{l}", &counts.links.to_string());
                let shown = Shown {
                    notice: Some(format!("{}{counts_text}", t.lrs_erased_notice)),
                    ..Shown::default()
                };
                render_page(&state, &identity, uri.path(), shown).await
            }
            Err(error) if is_form_problem(&error) => {
                let shown = Shown {
                    erase: Some((agent, error)),
                    ..Shown::default()
                };
                render_page(&state, &identity, uri.path(), shown).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
