//! The learner's points page, `/me/points`: the balance, how points are earned, the ledger in
//! words and the incentives with a button to redeem each. Through `crate::bank::points`, as the
//! API.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xc_domain::credit::{OutcomeId, PointsActivity};

use super::super::templates::*;
use super::super::{Chrome, CsrfFormResult, page, render};
use crate::AppState;
use crate::auth::Identity;
use crate::bank::points as ops;
use crate::bank::today;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::i18n::Lang;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/points", get(my_points))
        .route("/me/points/redeem", post(redeem))
}

fn activity_label(activity: PointsActivity, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => activity.label_zh(),
        Lang::En => activity.label_en(),
    }
}

/// How the city's policy awards points, one sentence an activity.
fn policy_lines(lang: Lang) -> Vec<String> {
    xc_bank::points::default_policy()
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
        earn: policy_lines(lang),
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
                    available: match (incentive.available_until, lang) {
                        (Some(until), Lang::Zh) => {
                            format!("{} 至 {until}", incentive.available_from)
                        }
                        (Some(until), Lang::En) => {
                            format!("{} to {until}", incentive.available_from)
                        }
                        (None, Lang::Zh) => format!("{} 起", incentive.available_from),
                        (None, Lang::En) => format!("from {}", incentive.available_from),
                    },
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
