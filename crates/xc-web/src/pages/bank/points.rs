//! The learner's points page, `/me/points`: the balance, how points are earned (under the
//! policy in force), the ledger in words and the incentives with a button to redeem each.
//! Staff's incentives page, `/bank/incentives` (city admins and credit-bank staff): every
//! incentive, a form to define one and, on each, a last day to end its offer
//! (`/bank/incentives/{id}/end`); a refusal comes back as a 422 page with the field marked and
//! what was typed kept. The staff page of the city's points policy, `/bank/points-policy`: the
//! policy in force as a form (points, daily and yearly caps per activity) that publishes a new
//! version, and every earlier version with who published it and when. Through
//! `crate::bank::points`, as the API.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xc_domain::Action;
use xc_domain::credit::{IncentiveId, OutcomeId, PointsActivity};
use xc_store::IncentiveRecord;

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::points::{self as ops, IncentiveText};
use crate::bank::today;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::Lang;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/points", get(my_points))
        .route("/me/points/redeem", post(redeem))
        .route("/bank/incentives", get(incentives).post(create_incentive))
        .route("/bank/incentives/{id}/end", post(end_incentive))
        .route(
            "/bank/points-policy",
            get(points_policy).post(publish_points_policy),
        )
}

/// When an incentive can be redeemed, in words.
fn available_text(incentive: &IncentiveRecord, lang: Lang) -> String {
    match (incentive.available_until, lang) {
        (Some(until), Lang::Zh) => format!("{} 至 {until}", incentive.available_from),
        (Some(until), Lang::En) => format!("{} to {until}", incentive.available_from),
        (None, Lang::Zh) => format!("{} 起", incentive.available_from),
        (None, Lang::En) => format!("from {}", incentive.available_from),
    }
}

fn activity_label(activity: PointsActivity, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => activity.label_zh(),
        Lang::En => activity.label_en(),
    }
}

/// How the city's policy in force awards points, one sentence an activity.
fn policy_lines(policy: &xc_domain::credit::PointsPolicy, lang: Lang) -> Vec<String> {
    policy
        .rules()
        .map(|rule| {
            let activity = rule.activity();
            let per = rule.points_per_unit();
            let hourly = activity == PointsActivity::VolunteeringHour;
            let mut text = match (lang, hourly) {
                (Lang::Zh, true) => format!("{}：每小时 {per} 分", activity_label(activity, lang)),
                (Lang::Zh, false) => format!("{}：每次 {per} 分", activity_label(activity, lang)),
                (Lang::En, true) => format!("{}: {per} an hour", activity_label(activity, lang)),
                (Lang::En, false) => format!("{}: {per} each", activity_label(activity, lang)),
            };
            if let Some(cap) = rule.daily_cap() {
                text.push_str(&match lang {
                    Lang::Zh => format!("，每天最多 {cap} 分"),
                    Lang::En => format!(", at most {cap} a day"),
                });
            }
            if let Some(cap) = rule.yearly_cap() {
                text.push_str(&match lang {
                    Lang::Zh => format!("，每年最多 {cap} 分"),
                    Lang::En => format!(", at most {cap} a year"),
                });
            }
            text
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedeemedQuery {
    redeemed: Option<String>,
}

/// The points page; after a redemption (`redeemed`) it says so with the new balance.
async fn points_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    redeemed: bool,
    error: Option<AppError>,
) -> AppResult<Response> {
    let account = ops::my_points(state, identity).await?;
    let balance = account.balance();
    let incentives = ops::incentives(state, identity).await?;
    let outcomes: HashMap<OutcomeId, String> = state
        .store
        .list_learner_outcomes(account.learner)
        .await?
        .into_iter()
        .map(|o| (o.id, o.submitted.title.as_str().to_owned()))
        .collect();
    let names: HashMap<&str, &str> = incentives
        .iter()
        .map(|i| (i.code.as_str(), i.name.as_str()))
        .collect();
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let today = today();
    let sep = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&PointsPage {
        balance,
        earn: policy_lines(state.standards().points_policy(), lang),
        ledger: account
            .ledger
            .iter()
            .rev()
            .map(|record| {
                let entry = &record.entry;
                let item = if entry.source_kind == "incentive" {
                    format!(
                        "{}{sep}{}",
                        t.redeemed_item,
                        names
                            .get(entry.source_id.as_str())
                            .copied()
                            .unwrap_or(entry.source_id.as_str())
                    )
                } else {
                    let activity = PointsActivity::parse(&entry.award).map_or_else(
                        |_| entry.award.clone(),
                        |a| activity_label(a, lang).to_owned(),
                    );
                    let about = entry
                        .source_id
                        .strip_prefix("outcome:")
                        .and_then(|id| OutcomeId::parse(id).ok())
                        .and_then(|id| outcomes.get(&id));
                    match about {
                        Some(title) => format!("{activity}{sep}{title}"),
                        None => activity,
                    }
                };
                LedgerRow {
                    day: entry.day.to_string(),
                    item,
                    points: if entry.points > 0 {
                        format!("+{}", entry.points)
                    } else {
                        entry.points.to_string()
                    },
                }
            })
            .collect(),
        incentives: incentives
            .iter()
            .map(|incentive| {
                let offered = ops::offered_on(incentive, today);
                let covered = balance >= incentive.cost.get() as i64;
                let badge = if !offered {
                    Badge {
                        label: t.incentive_not_offered,
                        class: "expired",
                    }
                } else if !covered {
                    Badge {
                        label: t.incentive_short,
                        class: "in-review",
                    }
                } else {
                    Badge {
                        label: t.incentive_ready,
                        class: "recognised",
                    }
                };
                IncentiveRow {
                    code: incentive.code.to_string(),
                    name: incentive.name.clone(),
                    cost: incentive.cost.get(),
                    available: available_text(incentive, lang),
                    badge,
                }
            })
            .collect(),
        notice: redeemed.then(|| format!("{}{balance}", t.redeemed_notice)),
        error: error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn my_points(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<RedeemedQuery>, AppError>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let ApiQuery(query) = query?;
        points_page(
            &state,
            &identity,
            uri.path(),
            query.redeemed.is_some(),
            None,
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedeemForm {
    code: String,
}

async fn redeem(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<RedeemForm>,
) -> Response {
    let result = async {
        let form = form?;
        match ops::redeem(&state, &identity, &form.code).await {
            Ok((incentive, _)) => Ok(Redirect::to(&format!(
                "/me/points?redeemed={}",
                incentive.code
            ))
            .into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                points_page(&state, &identity, "/me/points", false, Some(error)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

// --- Staff: incentives ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncentivesQuery {
    created: Option<String>,
    ended: Option<String>,
}

/// A refusal to show on the staff page: of the new-incentive form (with what was typed), or of
/// ending one incentive (its id and the day typed).
enum IncentiveProblem {
    Create(IncentiveValues, AppError),
    End(IncentiveId, String, AppError),
}

fn may_manage_incentives(identity: &Identity) -> AppResult<()> {
    identity.require_to(
        Action::ManageIncentives,
        "only city admins and credit-bank staff define incentives",
    )?;
    Ok(())
}

async fn incentives_page(
    state: &AppState,
    identity: &Identity,
    notice: Option<&'static str>,
    problem: Option<IncentiveProblem>,
) -> AppResult<Response> {
    may_manage_incentives(identity)?;
    let incentives = ops::incentives(state, identity).await?;
    let chrome = Chrome::new(identity, "/bank/incentives");
    let (t, lang) = (chrome.t, chrome.lang);
    let today = today();
    let (form, form_error, end_problem) = match problem {
        None => (IncentiveValues::default(), None, None),
        Some(IncentiveProblem::Create(values, error)) => (values, Some(error), None),
        Some(IncentiveProblem::End(id, typed, error)) => {
            (IncentiveValues::default(), None, Some((id, typed, error)))
        }
    };
    let status = form_error
        .as_ref()
        .or(end_problem.as_ref().map(|(_, _, error)| error))
        .map_or(StatusCode::OK, AppError::status);
    let response = render(&IncentivesPage {
        notice,
        rows: incentives
            .iter()
            .map(|incentive| {
                let refused = end_problem
                    .as_ref()
                    .filter(|(id, _, _)| *id == incentive.id);
                IncentiveAdminRow {
                    id: incentive.id.get(),
                    code: incentive.code.to_string(),
                    name: incentive.name.clone(),
                    cost: incentive.cost.get(),
                    available: available_text(incentive, lang),
                    badge: if ops::offered_on(incentive, today) {
                        Badge {
                            label: t.incentive_offered,
                            class: "recognised",
                        }
                    } else {
                        Badge {
                            label: t.incentive_not_offered,
                            class: "expired",
                        }
                    },
                    last_day: refused
                        .map_or_else(|| today.to_string(), |(_, typed, _)| typed.clone()),
                    error: refused.map(|(_, _, error)| error.to_string()),
                }
            })
            .collect(),
        form,
        error_field: form_error.as_ref().and_then(AppError::field),
        error: form_error.map(|e| e.to_string()),
        chrome,
    })?;
    Ok((status, response).into_response())
}

async fn incentives(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<IncentivesQuery>, AppError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let t = identity.prefs.lang.text();
        let notice = if query.created.is_some() {
            Some(t.incentive_created_notice)
        } else if query.ended.is_some() {
            Some(t.incentive_retired_notice)
        } else {
            None
        };
        incentives_page(&state, &identity, notice, None).await
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct IncentiveForm {
    code: String,
    name: String,
    cost: String,
    available_from: String,
    available_until: String,
}

async fn create_incentive(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<IncentiveForm>,
) -> Response {
    let result = async {
        let form = form?;
        may_manage_incentives(&identity)?;
        let text = IncentiveText {
            code: Some(form.code.clone()),
            name: Some(form.name.clone()),
            cost: Some(form.cost.clone()),
            available_from: Some(form.available_from.clone()),
            available_until: Some(form.available_until.clone()),
        };
        match ops::create_incentive(&state, &identity, &text).await {
            Ok(_) => Ok(Redirect::to("/bank/incentives?created=1").into_response()),
            Err(error @ (AppError::Invalid { .. } | AppError::Conflict { field: "code" })) => {
                let values = IncentiveValues {
                    code: form.code,
                    name: form.name,
                    cost: form.cost,
                    available_from: form.available_from,
                    available_until: form.available_until,
                };
                let problem = IncentiveProblem::Create(values, error);
                incentives_page(&state, &identity, None, Some(problem)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct EndForm {
    available_until: String,
}

async fn end_incentive(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    Path(id): Path<String>,
    CsrfFormResult(form): CsrfFormResult<EndForm>,
) -> Response {
    let result = async {
        let form = form?;
        may_manage_incentives(&identity)?;
        let id = IncentiveId::parse(&id).map_err(|_| AppError::NotFound { what: "incentive" })?;
        match ops::end_incentive(&state, &identity, id, Some(&form.available_until)).await {
            Ok(_) => Ok(Redirect::to("/bank/incentives?ended=1").into_response()),
            Err(error @ AppError::Invalid { .. }) => {
                let problem = IncentiveProblem::End(id, form.available_until, error);
                incentives_page(&state, &identity, None, Some(problem)).await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}

/// The policy's form and history; `typed` refills the form after a refused publication.
async fn policy_page(
    state: &AppState,
    identity: &Identity,
    path: &str,
    published: Option<&str>,
    typed: Option<&PolicyForm>,
    error: Option<AppError>,
) -> AppResult<Response> {
    identity.require_to(
        xc_domain::Action::ManagePointsPolicy,
        "only credit-bank staff change the points policy",
    )?;
    let (history, standards) = ops::points_policy(state, identity).await?;
    let chrome = Chrome::new(identity, path);
    let (t, lang) = (chrome.t, chrome.lang);
    let policy = standards.points_policy();
    let error_field = error.as_ref().and_then(AppError::field).unwrap_or_default();
    let rows = PointsActivity::ALL
        .iter()
        .map(|&activity| {
            let rule = policy.rule_for(activity);
            let shown = |from_rule: Option<u64>, key: &str| match typed {
                Some(form) => form.value(activity, key),
                None => from_rule.map(|n| n.to_string()).unwrap_or_default(),
            };
            let invalid = error_field
                .strip_prefix(activity.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                .map_or("", |key| match key {
                    "points" => "points",
                    "daily_cap" => "daily_cap",
                    "yearly_cap" => "yearly_cap",
                    _ => "",
                });
            PolicyRow {
                activity: activity.as_str(),
                label: activity_label(activity, lang),
                points: shown(rule.map(|r| r.points_per_unit().get()), "points"),
                daily_cap: shown(
                    rule.and_then(|r| r.daily_cap()).map(|c| c.get()),
                    "daily_cap",
                ),
                yearly_cap: shown(
                    rule.and_then(|r| r.yearly_cap()).map(|c| c.get()),
                    "yearly_cap",
                ),
                invalid,
            }
        })
        .collect();
    let in_force = match standards.points_policy_version() {
        Some(version) => format!("{} {version}", t.policy_version),
        None => t.policy_default.to_owned(),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let response = render(&PointsPolicyPage {
        in_force,
        rows,
        history: history
            .iter()
            .rev()
            .map(|(stored, policy)| PolicyVersionRow {
                version: stored.version.get(),
                published_at: stored
                    .published_at
                    .to_offset(time::macros::offset!(+8))
                    .format(time::macros::format_description!(
                        "[year]-[month]-[day] [hour]:[minute]"
                    ))
                    .unwrap_or_default(),
                published_by: stored
                    .published_by
                    .map_or_else(String::new, |user| format!("#{user}")),
                lines: policy_lines(policy, lang),
            })
            .collect(),
        notice: published.map(|version| format!("{}{version}", t.policy_published)),
        error: error.map(|e| e.to_string()),
        error_field,
        chrome,
    })?;
    Ok((status, response).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishedQuery {
    published: Option<String>,
}

async fn points_policy(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    query: Result<ApiQuery<PublishedQuery>, AppError>,
) -> Response {
    if identity.user.is_none() {
        return Redirect::to("/login").into_response();
    }
    let result = async {
        let ApiQuery(query) = query?;
        policy_page(
            &state,
            &identity,
            uri.path(),
            query.published.as_deref(),
            None,
            None,
        )
        .await
    }
    .await;
    page(&identity, &uri, result)
}

/// The policy form: three fields an activity, named `<activity>.<points|daily_cap|yearly_cap>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyForm {
    #[serde(rename = "attendance.points")]
    attendance_points: Option<String>,
    #[serde(rename = "attendance.daily_cap")]
    attendance_daily_cap: Option<String>,
    #[serde(rename = "attendance.yearly_cap")]
    attendance_yearly_cap: Option<String>,
    #[serde(rename = "check_in.points")]
    check_in_points: Option<String>,
    #[serde(rename = "check_in.daily_cap")]
    check_in_daily_cap: Option<String>,
    #[serde(rename = "check_in.yearly_cap")]
    check_in_yearly_cap: Option<String>,
    #[serde(rename = "completion.points")]
    completion_points: Option<String>,
    #[serde(rename = "completion.daily_cap")]
    completion_daily_cap: Option<String>,
    #[serde(rename = "completion.yearly_cap")]
    completion_yearly_cap: Option<String>,
    #[serde(rename = "volunteering_hour.points")]
    volunteering_hour_points: Option<String>,
    #[serde(rename = "volunteering_hour.daily_cap")]
    volunteering_hour_daily_cap: Option<String>,
    #[serde(rename = "volunteering_hour.yearly_cap")]
    volunteering_hour_yearly_cap: Option<String>,
    #[serde(rename = "recognised_outcome.points")]
    recognised_outcome_points: Option<String>,
    #[serde(rename = "recognised_outcome.daily_cap")]
    recognised_outcome_daily_cap: Option<String>,
    #[serde(rename = "recognised_outcome.yearly_cap")]
    recognised_outcome_yearly_cap: Option<String>,
}

impl PolicyForm {
    fn values(&self, activity: PointsActivity) -> [&Option<String>; 3] {
        match activity {
            PointsActivity::Attendance => [
                &self.attendance_points,
                &self.attendance_daily_cap,
                &self.attendance_yearly_cap,
            ],
            PointsActivity::CheckIn => [
                &self.check_in_points,
                &self.check_in_daily_cap,
                &self.check_in_yearly_cap,
            ],
            PointsActivity::Completion => [
                &self.completion_points,
                &self.completion_daily_cap,
                &self.completion_yearly_cap,
            ],
            PointsActivity::VolunteeringHour => [
                &self.volunteering_hour_points,
                &self.volunteering_hour_daily_cap,
                &self.volunteering_hour_yearly_cap,
            ],
            PointsActivity::RecognisedOutcome => [
                &self.recognised_outcome_points,
                &self.recognised_outcome_daily_cap,
                &self.recognised_outcome_yearly_cap,
            ],
        }
    }

    fn value(&self, activity: PointsActivity, key: &str) -> String {
        let [points, daily, yearly] = self.values(activity);
        let value = match key {
            "points" => points,
            "daily_cap" => daily,
            _ => yearly,
        };
        value.clone().unwrap_or_default()
    }

    fn inputs(&self) -> Vec<xc_bank::points_policy::PolicyRuleInput> {
        PointsActivity::ALL
            .iter()
            .map(|&activity| {
                let [points, daily_cap, yearly_cap] = self.values(activity);
                xc_bank::points_policy::PolicyRuleInput {
                    activity: activity.as_str().to_owned(),
                    points: points.clone(),
                    daily_cap: daily_cap.clone(),
                    yearly_cap: yearly_cap.clone(),
                }
            })
            .collect()
    }
}

async fn publish_points_policy(
    State(state): State<AppState>,
    identity: Identity,
    uri: Uri,
    CsrfFormResult(form): CsrfFormResult<PolicyForm>,
) -> Response {
    let result = async {
        let form = form?;
        match ops::publish_points_policy(&state, &identity, &form.inputs()).await {
            Ok(version) => Ok(
                Redirect::to(&format!("/bank/points-policy?published={version}")).into_response(),
            ),
            Err(error @ AppError::Invalid { .. }) => {
                policy_page(
                    &state,
                    &identity,
                    "/bank/points-policy",
                    None,
                    Some(&form),
                    Some(error),
                )
                .await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    page(&identity, &uri, result)
}
