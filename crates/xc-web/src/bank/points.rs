//! Points, incentives and the learner's copy of their data, as pages and the API share them: a
//! learner reads their own balance and ledger and redeems incentives; city admins and
//! credit-bank staff define incentives and end their offer; whoever has a learner record
//! downloads everything held about it (only ever their own, audited as `learner.export`);
//! provider staff report learning events that earn points (`record_events`,
//! `xc_bank::point_events`). The use cases are `xc_bank::points`', `xc_bank::point_events`' and
//! `xc_bank::export`'s.

use serde_json::json;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{IncentiveCode, IncentiveId, Points, ValidityPeriod};
use xc_domain::{Action, LearnerId};
use xc_store::{AuditEvent, IncentiveRecord, NewIncentive, PointsRecord};

use super::{non_empty, own_learner, today};
use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};

/// A learner's points: the ledger, oldest first, and its sum, the balance.
#[derive(Debug, Clone)]
pub struct PointsAccount {
    pub learner: LearnerId,
    pub ledger: Vec<PointsRecord>,
}

impl PointsAccount {
    /// The balance: the sum of the ledger, as the store defines it (`points_balance`).
    pub fn balance(&self) -> i64 {
        self.ledger.iter().map(|record| record.entry.points).sum()
    }
}

/// The signed-in learner's points.
pub async fn my_points(state: &AppState, identity: &Identity) -> AppResult<PointsAccount> {
    let learner = own_learner(identity)?;
    let ledger = state.store.list_points(learner).await?;
    Ok(PointsAccount { learner, ledger })
}

/// Every incentive the city defines, by id (anyone signed in).
pub async fn incentives(state: &AppState, identity: &Identity) -> AppResult<Vec<IncentiveRecord>> {
    identity.require()?;
    Ok(state.store.list_incentives().await?)
}

/// One incentive by id; 404 when there is none.
pub async fn incentive(state: &AppState, id: IncentiveId) -> AppResult<IncentiveRecord> {
    state
        .store
        .list_incentives()
        .await?
        .into_iter()
        .find(|incentive| incentive.id == id)
        .ok_or(AppError::NotFound { what: "incentive" })
}

/// Whether an incentive can be redeemed on `day`.
pub fn offered_on(incentive: &IncentiveRecord, day: Date) -> bool {
    incentive.available_from <= day && incentive.available_until.is_none_or(|until| day <= until)
}

/// An incentive as typed, from a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct IncentiveText {
    pub code: Option<String>,
    pub name: Option<String>,
    pub cost: Option<String>,
    /// `YYYY-MM-DD`; today when left out.
    pub available_from: Option<String>,
    /// `YYYY-MM-DD`, the last day; no end when left out.
    pub available_until: Option<String>,
}

pub(crate) fn parse_day(text: &str, field: &'static str) -> AppResult<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| {
        AppError::invalid(
            field,
            format!("'{text}' is not a date: write it as 2026-09-01"),
        )
    })
}

impl IncentiveText {
    pub fn parse(&self) -> AppResult<NewIncentive> {
        let code = IncentiveCode::parse(self.code.as_deref().unwrap_or_default())
            .map_err(|invalid| AppError::invalid("code", invalid.reason))?;
        let name = self.name.as_deref().unwrap_or_default().trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "name",
                "an incentive's name has 1 to 100 characters",
            ));
        }
        let cost = non_empty(self.cost.as_deref())
            .ok_or_else(|| AppError::invalid("cost", "give the points the incentive costs"))
            .and_then(|text| {
                Points::parse(text).map_err(|invalid| AppError::invalid("cost", invalid.reason))
            })?;
        if cost.is_zero() {
            return Err(AppError::invalid(
                "cost",
                "an incentive costs at least 1 point",
            ));
        }
        let available_from = match non_empty(self.available_from.as_deref()) {
            Some(text) => parse_day(text, "available_from")?,
            None => today(),
        };
        let available_until = non_empty(self.available_until.as_deref())
            .map(|text| parse_day(text, "available_until"))
            .transpose()?;
        ValidityPeriod::new(available_from, available_until).map_err(|_| {
            AppError::invalid(
                "available_until",
                "the last day comes before the first: correct one of them",
            )
        })?;
        Ok(NewIncentive {
            code,
            name,
            cost,
            available_from,
            available_until,
        })
    }
}

/// Defines an incentive (city admins and credit-bank staff); 409 (`code`) on a code in use.
pub async fn create_incentive(
    state: &AppState,
    identity: &Identity,
    text: &IncentiveText,
) -> AppResult<IncentiveId> {
    identity.require_to(
        Action::ManageIncentives,
        "only city admins and credit-bank staff define incentives",
    )?;
    let incentive = text.parse()?;
    let audit = AuditEvent::new(identity.actor(), "incentive.create", "incentive", "new")
        .with_detail(json!({
            "code": incentive.code.as_str(),
            "name": incentive.name,
            "cost": incentive.cost.get(),
        }));
    Ok(state.store.create_incentive(&incentive, &audit).await?)
}

/// Ends an incentive's offer on the last day typed (`available_until`, `YYYY-MM-DD`; city admins
/// and credit-bank staff). The day may be yesterday (to stop at once) or later, not after a
/// last day the incentive already has (that would extend it), and not before its first day.
/// Redemptions already made stay. 422 naming `available_until` otherwise, 404 for an unknown
/// incentive; nothing is written on a refusal.
pub async fn end_incentive(
    state: &AppState,
    identity: &Identity,
    id: IncentiveId,
    last_day: Option<&str>,
) -> AppResult<IncentiveRecord> {
    identity.require_to(
        Action::ManageIncentives,
        "only city admins and credit-bank staff define incentives",
    )?;
    let text = non_empty(last_day).ok_or_else(|| {
        AppError::invalid(
            "available_until",
            "give the last day the incentive is offered, e.g. 2026-12-31",
        )
    })?;
    let last_day = parse_day(text, "available_until")?;
    let yesterday = today().previous_day().unwrap_or(Date::MIN);
    if last_day < yesterday {
        return Err(AppError::invalid(
            "available_until",
            format!(
                "{last_day} is in the past: choose yesterday ({yesterday}) to stop at once, or a later day"
            ),
        ));
    }
    let incentive = incentive(state, id).await?;
    if let Some(until) = incentive.available_until.filter(|until| last_day > *until) {
        return Err(AppError::invalid(
            "available_until",
            format!(
                "the incentive already ends on {until}: a later last day would extend it; define a new incentive instead"
            ),
        ));
    }
    if last_day < incentive.available_from {
        return Err(AppError::invalid(
            "available_until",
            format!(
                "the incentive is first offered on {}: its last day cannot come before that",
                incentive.available_from
            ),
        ));
    }
    let audit =
        AuditEvent::new(identity.actor(), "incentive.end", "incentive", id).with_detail(json!({
            "code": incentive.code.as_str(),
            "available_until": last_day.to_string(),
        }));
    state.store.end_incentive(id, last_day, &audit).await?;
    Ok(IncentiveRecord {
        available_until: Some(last_day),
        ..incentive
    })
}

/// The signed-in learner redeems an incentive today: 422 (`incentive`) with the reason when it
/// is not offered today or the balance does not cover it, 404 for an unknown code. Returns the
/// incentive redeemed and the new balance.
pub async fn redeem(
    state: &AppState,
    identity: &Identity,
    code: &str,
) -> AppResult<(IncentiveRecord, i64)> {
    let principal = identity.require_to(
        Action::RedeemIncentives,
        "only learners redeem points, each their own",
    )?;
    let learner = principal.learner_id.ok_or(AppError::Forbidden(
        "this account has no learner record with points",
    ))?;
    let code = IncentiveCode::parse(code)?;
    let (incentive, balance) = xc_bank::points::redeem_incentive(
        &*state.store,
        learner,
        &code,
        today(),
        OffsetDateTime::now_utc(),
        identity.actor(),
    )
    .await?;
    Ok((incentive, balance))
}

/// The most events one API call may report.
pub const MAX_EVENTS: usize = 1_000;

/// Provider staff (or a city admin naming the provider) report learning events that earn
/// points: 422 with every problem by item index and field when any item cannot be accepted
/// (nothing written); otherwise each item's answer. One audit entry per call (`points.events`).
pub async fn record_events(
    state: &AppState,
    identity: &Identity,
    provider: Option<&str>,
    inputs: &[xc_bank::point_events::EventInput],
) -> AppResult<Vec<xc_bank::point_events::EventResult>> {
    let principal = identity.require_to(
        Action::RecordPointsEvents,
        "only provider staff report learning events for points",
    )?;
    let provider = crate::bank::acting_provider(state, principal, provider).await?;
    if inputs.is_empty() || inputs.len() > MAX_EVENTS {
        return Err(AppError::invalid(
            "items",
            format!("give 1 to {MAX_EVENTS} events: split a longer list"),
        ));
    }
    let options = xc_bank::point_events::EventOptions {
        provider,
        actor: identity.actor(),
        today: today(),
        now: OffsetDateTime::now_utc(),
    };
    let policy = state.standards();
    Ok(xc_bank::point_events::record_events(
        &*state.store,
        &state.vault,
        policy.points_policy(),
        inputs,
        &options,
    )
    .await?)
}

/// The points policy: every published version (oldest first) with its policy, and the policy in
/// force now (the latest, or the built-in default when none was published). Anyone signed in
/// may read it: learners see how points are earned.
pub async fn points_policy(
    state: &AppState,
    identity: &Identity,
) -> AppResult<(
    Vec<(
        xc_store::PointsPolicyVersion,
        xc_domain::credit::PointsPolicy,
    )>,
    std::sync::Arc<xc_bank::Standards>,
)> {
    identity.require()?;
    let history = xc_bank::points_policy::policy_history(&*state.store).await?;
    Ok((history, state.standards()))
}

/// Publishes a new version of the points policy (credit-bank staff and city admins) and puts it
/// in force: 422 naming the field (`attendance.daily_cap` …) when a value is refused. Events
/// from now on are awarded under it; the ledger is never recomputed.
pub async fn publish_points_policy(
    state: &AppState,
    identity: &Identity,
    inputs: &[xc_bank::points_policy::PolicyRuleInput],
) -> AppResult<xc_domain::credit::Version> {
    let principal = identity.require_to(
        Action::ManagePointsPolicy,
        "only credit-bank staff change the points policy",
    )?;
    let audit = AuditEvent::new(
        identity.actor(),
        "points_policy.publish",
        "points_policy",
        "new",
    );
    let _publishing = state.publishing().await;
    let (version, _) = xc_bank::points_policy::publish_policy(
        &*state.store,
        inputs,
        OffsetDateTime::now_utc(),
        principal.user_id,
        audit,
    )
    .await?;
    state.reload_standards().await?;
    Ok(version)
}

/// The format of a data download, for the audit entry and the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Xlsx,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// A learner's copy of their data, ready to send.
#[derive(Debug)]
pub struct Download {
    pub learner: LearnerId,
    pub body: Vec<u8>,
}

/// Everything held about the signed-in person's own learner record (PIPL art. 45), in `format`,
/// audited as `learner.export` once the file is made. There is no way to ask for someone
/// else's.
pub async fn export_own(
    state: &AppState,
    identity: &Identity,
    format: ExportFormat,
) -> AppResult<Download> {
    let learner = identity
        .require_to(
            Action::ExportOwnData,
            "only a learner downloads their data, each their own",
        )?
        .learner_id
        .ok_or(AppError::Forbidden("this account has no learner record"))?;
    let copy = xc_bank::export::export(
        &*state.store,
        &state.vault,
        learner,
        OffsetDateTime::now_utc(),
    )
    .await?;
    let body = match format {
        ExportFormat::Json => {
            serde_json::to_vec_pretty(&copy.to_json()).map_err(|e| AppError::Internal(e.into()))?
        }
        ExportFormat::Xlsx => copy.to_xlsx().map_err(|e| AppError::Internal(e.into()))?,
    };
    let audit = AuditEvent::new(identity.actor(), "learner.export", "learner", learner)
        .with_detail(json!({ "format": format.as_str(), "bytes": body.len() }));
    state.store.append_audit(&audit).await?;
    Ok(Download { learner, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incentive(from: &str, until: &str) -> IncentiveText {
        IncentiveText {
            code: Some("enrolment_priority".into()),
            name: Some("热门课程优先报名".into()),
            cost: Some("8".into()),
            available_from: Some(from.into()),
            available_until: Some(until.into()),
        }
    }

    #[test]
    fn incentives_are_parsed_with_the_field_at_fault_named() {
        let parsed = incentive("2026-09-01", "2026-12-31").parse().unwrap();
        assert_eq!(parsed.cost.get(), 8);
        let field = |text: IncentiveText| text.parse().unwrap_err().field().unwrap();
        assert_eq!(field(incentive("2026-13-01", "")), "available_from");
        assert_eq!(
            field(incentive("2026-09-01", "2026-08-01")),
            "available_until"
        );
        assert_eq!(
            field(IncentiveText {
                code: Some("Enrolment Priority".into()),
                ..incentive("", "")
            }),
            "code"
        );
        assert_eq!(
            field(IncentiveText {
                cost: Some("0".into()),
                ..incentive("", "")
            }),
            "cost"
        );
        assert_eq!(
            field(IncentiveText {
                name: Some(" ".into()),
                ..incentive("", "")
            }),
            "name"
        );
        let record = IncentiveRecord {
            id: IncentiveId::new(1),
            code: parsed.code,
            name: parsed.name,
            cost: parsed.cost,
            available_from: parsed.available_from,
            available_until: parsed.available_until,
        };
        assert!(offered_on(&record, time::macros::date!(2026 - 12 - 31)));
        assert!(!offered_on(&record, time::macros::date!(2027 - 01 - 01)));
    }
}
