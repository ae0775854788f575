//! Credit-bank staff's page of the general rules, `/bank/general-rules`: the non-formal hours
//! rule of each kind and the grade mapping in force, each as a form that publishes a new version,
//! and the version history (when, what, who, what changed). A refused form is shown again as
//! typed, with every problem by row and field (422). Through `crate::bank::general_rules`, as
//! the API.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xc_bank::general_rules::FieldChange;
use xc_bank::{GradeLevelRow, NonFormalRuleRow};
use xc_domain::credit::{OutcomeKind, VocationalGrade};

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use super::{FormFields, PublishedQuery, problem_rows};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::general_rules::{self as ops, GeneralRules};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::{Lang, Text};
use crate::views::date_time;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bank/general-rules", get(general_rules))
        .route("/bank/general-rules/nonformal", post(publish_nonformal))
        .route("/bank/general-rules/grade-mapping", post(publish_grades))
}

const NONFORMAL_FIELDS: &[&str] = &[
    "csrf",
    "kind",
    "hours_per_credit",
    "step",
    "maximum",
    "level",
];
const GRADE_FIELDS: &[&str] = &["csrf", "grade", "level"];

fn kind_label(kind: OutcomeKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

fn grade_label(grade: VocationalGrade, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => grade.label_zh(),
        Lang::En => grade.label_en(),
    }
}

/// "hours_per_credit 16 → 20; maximum — → 4", with grades and fields in the page's words.
fn changes_text(changes: &[FieldChange], t: &Text, lang: Lang) -> String {
    let none = t.no_rule;
    changes
        .iter()
        .map(|change| {
            let field = match change.field.as_str() {
                "hours_per_credit" => t.hours_per_credit,
                "step" => t.credit_step,
                "maximum" => t.credit_maximum,
                "level" => t.level,
                grade => VocationalGrade::parse(grade)
                    .map(|grade| grade_label(grade, lang))
                    .unwrap_or(t.grade),
            };
            format!(
                "{field}: {} → {}",
                change.before.as_deref().unwrap_or(none),
                change.after.as_deref().unwrap_or(none)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the forms show: the rules in force, or what was typed when a form was refused.
enum Typed {
    Nothing,
    Nonformal(Vec<NonFormalRuleRow>, AppError),
    Grades(Vec<GradeLevelRow>, AppError),
}

fn render_page(
    rules: &GeneralRules,
    identity: &Identity,
    path: &str,
    notice: bool,
    typed: Typed,
) -> AppResult<Response> {
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let standards = &rules.standards;
    let mut nonformal: Vec<NonFormalRuleFormRow> = rules
        .kinds()
        .map(|kind| {
            let rule = standards.general_rules().for_kind(kind);
            NonFormalRuleFormRow {
                kind: kind.as_str(),
                label: kind_label(kind, lang),
                version: standards
                    .general_rule_version(kind)
                    .map_or_else(|| t.default_rule.to_owned(), |v| v.to_string()),
                hours_per_credit: rule
                    .map(|r| r.hours_per_credit().to_string())
                    .unwrap_or_default(),
                step: rule.map(|r| r.step().to_string()).unwrap_or_default(),
                maximum: rule
                    .and_then(|r| r.maximum())
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                level: rule.map(|r| r.level().to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let mut grades: Vec<GradeLevelFormRow> = standards
        .grades()
        .entries()
        .map(|(grade, level)| GradeLevelFormRow {
            grade: grade.as_str(),
            label: grade_label(grade, lang),
            level: level.to_string(),
        })
        .collect();
    let (error_form, error) = match typed {
        Typed::Nothing => (String::new(), None),
        Typed::Nonformal(rows, error) => {
            for (shown, typed) in nonformal.iter_mut().zip(&rows) {
                if typed.kind == shown.kind {
                    shown.hours_per_credit = typed.hours_per_credit.clone().unwrap_or_default();
                    shown.step = typed.step.clone().unwrap_or_default();
                    shown.maximum = typed.maximum.clone().unwrap_or_default();
                    shown.level = typed.level.clone().unwrap_or_default();
                }
            }
            ("nonformal".to_owned(), Some(error))
        }
        Typed::Grades(rows, error) => {
            for (shown, typed) in grades.iter_mut().zip(&rows) {
                if typed.grade == shown.grade {
                    shown.level = typed.level.clone().unwrap_or_default();
                }
            }
            ("grades".to_owned(), Some(error))
        }
    };
    let mut history: Vec<(time::OffsetDateTime, RuleHistoryRow)> = Vec::new();
    for (kind, versions) in &rules.history.nonformal {
        for entry in versions {
            history.push((
                entry.published_at,
                RuleHistoryRow {
                    subject: format!("{} · {}", t.hours_per_credit, kind_label(*kind, lang)),
                    version: entry.version.to_string(),
                    published_at: date_time(entry.published_at),
                    published_by: entry.publisher.clone().unwrap_or_default(),
                    changes: changes_text(&entry.changes(), t, lang),
                },
            ));
        }
    }
    for entry in &rules.history.grades {
        history.push((
            entry.published_at,
            RuleHistoryRow {
                subject: t.grade_mapping_title.to_owned(),
                version: entry.version.to_string(),
                published_at: date_time(entry.published_at),
                published_by: entry.publisher.clone().unwrap_or_default(),
                changes: changes_text(&entry.changes(), t, lang),
            },
        ));
    }
    // Newest first, as staff look for the latest change.
    history.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let problems = error
        .as_ref()
        .map(|error| problem_rows(error.problems(), lang))
        .unwrap_or_default();
    let response = render(&GeneralRulesPage {
        notice: notice.then_some(t.rules_published_notice),
        nonformal,
        grades_version: standards
            .grades_version()
            .map_or_else(|| t.default_rule.to_owned(), |v| v.to_string()),
        grades,
        history: history.into_iter().map(|(_, row)| row).collect(),
        error_form,
        error: error.map(|e| e.to_string()),
        problems,
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn general_rules(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<PublishedQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let rules = ops::general_rules(&state, &identity).await?;
        render_page(
            &rules,
            &identity,
            uri.path(),
            query.published.is_some(),
            Typed::Nothing,
        )
    }
    .await;
    page(&identity, &uri, result)
}

fn text_of(row: &[(String, String)], name: &str) -> Option<String> {
    row.iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .filter(|value| !value.trim().is_empty())
}

/// A refusal the form shows beside its rows (bad rows, nothing changed) rather than as an
/// error page.
fn is_form_problem(error: &AppError) -> bool {
    matches!(error, AppError::Invalid { .. } | AppError::Rejected { .. })
}

/// Reads a rules form's rows (each starting at its `first` field), publishes them, and answers
/// the redirect, or the page again with what was typed and the refusal.
#[allow(clippy::too_many_arguments)]
async fn publish_rows<R>(
    state: &AppState,
    identity: &Identity,
    uri: &Uri,
    pairs: AppResult<Vec<(String, String)>>,
    allowed: &[&str],
    first: &str,
    read: fn(&[(String, String)]) -> R,
    publish: impl AsyncFnOnce(&AppState, &Identity, &[R]) -> AppResult<()>,
    typed: fn(Vec<R>, AppError) -> Typed,
) -> Response {
    let result = async {
        let fields = FormFields::new(pairs?, allowed)?;
        let rows: Vec<R> = fields.rows(first).iter().map(|row| read(row)).collect();
        match publish(state, identity, &rows).await {
            Ok(()) => Ok(Redirect::to("/bank/general-rules?published=1").into_response()),
            Err(error) if is_form_problem(&error) => {
                let rules = ops::general_rules(state, identity).await?;
                render_page(&rules, identity, uri.path(), false, typed(rows, error))
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(identity, uri, result)
}

async fn publish_nonformal(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let read = |row: &[(String, String)]| NonFormalRuleRow {
        kind: text_of(row, "kind").unwrap_or_default(),
        hours_per_credit: text_of(row, "hours_per_credit"),
        step: text_of(row, "step"),
        maximum: text_of(row, "maximum"),
        level: text_of(row, "level"),
    };
    let publish = async |state: &AppState, identity: &Identity, rows: &[NonFormalRuleRow]| {
        ops::publish_nonformal_rules(state, identity, rows)
            .await
            .map(|_| ())
    };
    publish_rows(
        &state,
        &identity,
        &uri,
        pairs,
        NONFORMAL_FIELDS,
        "kind",
        read,
        publish,
        Typed::Nonformal,
    )
    .await
}

async fn publish_grades(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(pairs): CsrfFormResult<Vec<(String, String)>>,
) -> Response {
    let read = |row: &[(String, String)]| GradeLevelRow {
        grade: text_of(row, "grade").unwrap_or_default(),
        level: text_of(row, "level"),
    };
    let publish = async |state: &AppState, identity: &Identity, rows: &[GradeLevelRow]| {
        ops::publish_grade_mapping(state, identity, rows)
            .await
            .map(|_| ())
    };
    publish_rows(
        &state,
        &identity,
        &uri,
        pairs,
        GRADE_FIELDS,
        "grade",
        read,
        publish,
        Typed::Grades,
    )
    .await
}
