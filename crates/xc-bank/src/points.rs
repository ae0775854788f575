//! Points (学习积分) over the stored ledger: awarding an event under the city's policy (caps
//! counted against what the ledger already holds, each event reference awarded once) and
//! redeeming an incentive (the balance checked again by the store in the same transaction as the
//! spending, so two redemptions at once cannot overdraw).
//!
//! How ledger rows encode the domain's entries: an award has `award` = the activity's code,
//! `source_kind` = "event" and `source_id` = the event reference; a spending has `award` =
//! "incentive", `source_kind` = "incentive" and `source_id` = the incentive's code, with negative
//! points.

use serde_json::json;
use time::{Date, OffsetDateTime};
use xc_domain::credit::OutcomeId;
use xc_domain::credit::{
    AwardRefusal, EventReference, Incentive, IncentiveCode, LedgerChange, LedgerEntry, Points,
    PointsActivity, PointsAward, PointsAwardRule, PointsEvent, PointsPolicy, ValidityPeriod, award,
    award_within, redeem,
};
use xc_domain::{Invalid, LearnerId};
use xc_store::{Actor, AuditEvent, IncentiveRecord, PointsEntry, PointsRecord, Store, StoreError};

use crate::BankError;

const SPEND: &str = "incentive";

/// The policy the platform starts with, until the city configures its own: 1 point an
/// attendance (at most 5 a day), 1 a check-in (1 a day), 10 a completed course, 2 a volunteering
/// hour (at most 16 a day, 400 a year), 5 a recognised outcome (at most 200 a year).
pub fn default_policy() -> PointsPolicy {
    let points = |n: u64| Points::new(n).expect("a small number of points");
    let rule = |activity, per, daily: Option<u64>, yearly: Option<u64>| {
        PointsAwardRule::new(activity, points(per), daily.map(points), yearly.map(points))
            .expect("the default award rules are valid")
    };
    PointsPolicy::new(vec![
        rule(PointsActivity::Attendance, 1, Some(5), None),
        rule(PointsActivity::CheckIn, 1, Some(1), None),
        rule(PointsActivity::Completion, 10, None, None),
        rule(PointsActivity::VolunteeringHour, 2, Some(16), Some(400)),
        rule(PointsActivity::RecognisedOutcome, 5, None, Some(200)),
    ])
    .expect("one rule per activity")
}

fn corrupt(record: &PointsRecord, reason: impl std::fmt::Display) -> BankError {
    BankError::Corrupt(format!("points ledger row {}: {reason}", record.id))
}

/// The domain's ledger entries of stored rows.
pub fn ledger_entries(records: &[PointsRecord]) -> Result<Vec<LedgerEntry>, BankError> {
    records
        .iter()
        .map(|record| {
            let entry = &record.entry;
            let amount = Points::new(entry.points.unsigned_abs())
                .ok_or_else(|| corrupt(record, "points out of range"))?;
            let change = if entry.award == SPEND {
                if entry.points >= 0 {
                    return Err(corrupt(record, "a spending with positive points"));
                }
                LedgerChange::Spend {
                    incentive: IncentiveCode::parse(&entry.source_id)
                        .map_err(|e| corrupt(record, e))?,
                    points: amount,
                }
            } else {
                if entry.points <= 0 {
                    return Err(corrupt(record, "an award without points"));
                }
                LedgerChange::Award {
                    activity: PointsActivity::parse(&entry.award)
                        .map_err(|e| corrupt(record, e))?,
                    points: amount,
                    reference: EventReference::parse(&entry.source_id)
                        .map_err(|e| corrupt(record, e))?,
                }
            };
            Ok(LedgerEntry {
                on: entry.day,
                change,
            })
        })
        .collect()
}

/// Awards `event` to `learner` under `policy` and appends what caps leave (nothing, when they
/// leave nothing). An event reference already awarded is `Invalid { field: "reference" }`.
pub async fn award_points(
    store: &dyn Store,
    policy: &PointsPolicy,
    learner: LearnerId,
    event: &PointsEvent,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<PointsAward, BankError> {
    award_event(store, policy, learner, event, now, actor)
        .await?
        .map_err(|refusal| Invalid::new("reference", refusal.to_string()).into())
}

/// Awards `event` like [`award_points`], answering `None` when the event's reference was
/// awarded already or the policy has no rule for its activity: for awards that may be applied
/// again (a statement's, after its actor is linked), where both mean "nothing to add".
pub async fn award_points_once(
    store: &dyn Store,
    policy: &PointsPolicy,
    learner: LearnerId,
    event: &PointsEvent,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<Option<PointsAward>, BankError> {
    Ok(award_event(store, policy, learner, event, now, actor)
        .await?
        .ok())
}

async fn award_event(
    store: &dyn Store,
    policy: &PointsPolicy,
    learner: LearnerId,
    event: &PointsEvent,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<Result<PointsAward, AwardRefusal>, BankError> {
    let records = store.list_points(learner).await?;
    let entries = ledger_entries(&records)?;
    let decision = match award(policy, &entries, event) {
        Ok(decision) => decision,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Some(LedgerEntry {
        on,
        change:
            LedgerChange::Award {
                activity,
                points,
                reference,
            },
    }) = decision.entry()
    {
        let entry = PointsEntry {
            learner,
            at: now,
            day: *on,
            award: activity.as_str().to_owned(),
            points: points.get() as i64,
            source_kind: "event".to_owned(),
            source_id: reference.as_str().to_owned(),
        };
        let audit = AuditEvent::new(actor, "points.award", "learner", learner).with_detail(json!({
            "activity": activity.as_str(),
            "points": points.get(),
            "reference": reference.as_str(),
            "cut": decision.cut.is_some(),
        }));
        store.append_points(&entry, &audit).await?;
    }
    Ok(Ok(decision))
}

/// The event reference a recognised outcome earns its points under, once: `outcome:<id>`.
fn recognition_reference(outcome: OutcomeId) -> Result<EventReference, Invalid> {
    EventReference::parse(&format!("outcome:{outcome}"))
}

/// Awards the points for a recognised outcome (event reference `outcome:<id>`, on the day of the
/// recognition). Called after the recognition is stored: a failure here is logged and does not
/// undo the recognition, and because a reference is awarded at most once, awarding again later
/// is harmless.
pub async fn award_recognition(
    store: &dyn Store,
    policy: &PointsPolicy,
    learner: LearnerId,
    outcome: OutcomeId,
    now: OffsetDateTime,
    actor: Actor,
) {
    let Ok(reference) = recognition_reference(outcome) else {
        return;
    };
    let event = PointsEvent::once(PointsActivity::RecognisedOutcome, now.date(), reference);
    if let Err(error) = award_points(store, policy, learner, &event, now, actor).await {
        tracing::warn!(%learner, %outcome, %error, "points for a recognised outcome were not awarded");
    }
}

/// Recognised outcomes awarded in one store call by [`award_recognitions`]: enough to keep a
/// call's SQL and memory small, few enough calls that a million rows cost a few hundred.
const AWARDS_PER_CALL: usize = 10_000;

/// What a bulk award appended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkAwardTally {
    /// Ledger rows appended.
    pub awarded: u64,
    /// Points they hold.
    pub points: u64,
    /// Outcomes the caps left nothing for.
    pub capped: u64,
}

impl std::ops::AddAssign for BulkAwardTally {
    fn add_assign(&mut self, other: Self) {
        self.awarded += other.awarded;
        self.points += other.points;
        self.capped += other.capped;
    }
}

/// What learners already hold for recognised outcomes, per day and per year, while a bulk
/// award is planned: seeded from the ledger (or empty for learners who have none), and counting
/// each award planned, so the caps see the earlier outcomes of the same call.
#[derive(Debug, Default)]
pub struct HeldPoints {
    by_day: std::collections::HashMap<(LearnerId, Date), u64>,
    by_year: std::collections::HashMap<(LearnerId, i32), u64>,
}

impl HeldPoints {
    /// Records what `learner` held on `day` and in its year before the call.
    pub fn seed(&mut self, learner: LearnerId, day: Date, on_day: u64, in_year: u64) {
        self.by_day.insert((learner, day), on_day);
        self.by_year.insert((learner, day.year()), in_year);
    }
}

/// Plans the awards for recognised outcomes `(learner, outcome, recognised at)`, in order, each
/// on the day it was recognised, exactly as [`award_recognition`] would one by one: the caps
/// apply to what `held` says plus the awards planned before. Returns the ledger rows to append
/// (event reference `outcome:<id>`) and what they hold. Pure: the caller appends.
pub fn plan_recognition_awards(
    policy: &PointsPolicy,
    recognised: &[(LearnerId, OutcomeId, OffsetDateTime)],
    held: &mut HeldPoints,
) -> Result<(Vec<PointsEntry>, BulkAwardTally), BankError> {
    let activity = PointsActivity::RecognisedOutcome;
    let mut tally = BulkAwardTally::default();
    let mut entries = Vec::with_capacity(recognised.len());
    if policy.rule_for(activity).is_none() {
        return Ok((entries, tally));
    }
    for (learner, outcome, at) in recognised {
        let day = at.date();
        let reference = recognition_reference(*outcome)?;
        let event = PointsEvent::once(activity, day, reference);
        let today = held.by_day.get(&(*learner, day)).copied().unwrap_or(0);
        let this_year = held
            .by_year
            .get(&(*learner, day.year()))
            .copied()
            .unwrap_or(0);
        let decision = award_within(policy, today, this_year, &event)
            .map_err(|refusal| Invalid::new("reference", refusal.to_string()))?;
        if decision.awarded.is_zero() {
            tally.capped += 1;
            continue;
        }
        let points = decision.awarded.get();
        *held.by_day.entry((*learner, day)).or_default() += points;
        *held.by_year.entry((*learner, day.year())).or_default() += points;
        tally.awarded += 1;
        tally.points += points;
        entries.push(PointsEntry {
            learner: *learner,
            at: *at,
            day,
            award: activity.as_str().to_owned(),
            points: points as i64,
            source_kind: "event".to_owned(),
            source_id: event.reference().as_str().to_owned(),
        });
    }
    Ok((entries, tally))
}

/// Awards the points for many recognised outcomes (each `(learner, outcome)` once, event
/// reference `outcome:<id>`, on the day of `now`) exactly as [`award_recognition`] would one by
/// one, in order, but with two store calls per 10,000: what the affected learners already hold
/// for recognised outcomes on that day and in that year (one query), then one bulk append (see
/// [`plan_recognition_awards`]). The store skips a reference the ledger already holds, so
/// awarding the same outcomes again appends nothing; the caps of such a repeat are only ever
/// tighter, never looser.
pub async fn award_recognitions(
    store: &dyn Store,
    policy: &PointsPolicy,
    recognised: &[(LearnerId, OutcomeId)],
    now: OffsetDateTime,
    actor: Actor,
) -> Result<BulkAwardTally, BankError> {
    let mut tally = BulkAwardTally::default();
    let activity = PointsActivity::RecognisedOutcome;
    if policy.rule_for(activity).is_none() {
        return Ok(tally);
    }
    let day = now.date();
    for chunk in recognised.chunks(AWARDS_PER_CALL) {
        let mut learners: Vec<LearnerId> = chunk.iter().map(|(learner, _)| *learner).collect();
        learners.sort_unstable();
        learners.dedup();
        let mut held = HeldPoints::default();
        for row in store.points_held(&learners, activity.as_str(), day).await? {
            held.seed(
                row.learner,
                day,
                u64::try_from(row.on_day).unwrap_or(0),
                u64::try_from(row.in_year).unwrap_or(0),
            );
        }
        let items: Vec<(LearnerId, OutcomeId, OffsetDateTime)> = chunk
            .iter()
            .map(|(learner, outcome)| (*learner, *outcome, now))
            .collect();
        let (entries, planned) = plan_recognition_awards(policy, &items, &mut held)?;
        tally.capped += planned.capped;
        if entries.is_empty() {
            continue;
        }
        tally.awarded += append_awards(store, &entries, planned.points, actor.clone()).await?;
        tally.points += planned.points;
    }
    Ok(tally)
}

/// Appends planned recognition awards with one audit entry (`points.award_many`); answers the
/// rows appended (fewer when the ledger already held some references).
pub async fn append_awards(
    store: &dyn Store,
    entries: &[PointsEntry],
    points: u64,
    actor: Actor,
) -> Result<u64, BankError> {
    let audit = AuditEvent::new(actor, "points.award_many", "points", "bulk").with_detail(json!({
        "activity": PointsActivity::RecognisedOutcome.as_str(),
        "events": entries.len(),
        "points": points,
    }));
    Ok(store.append_points_many(entries, &audit).await?)
}

/// The domain's incentive of a stored one.
pub fn incentive_of(record: &IncentiveRecord) -> Result<Incentive, BankError> {
    let offered = ValidityPeriod::new(record.available_from, record.available_until)?;
    Ok(Incentive::new(
        record.code.clone(),
        record.cost,
        Some(offered),
    )?)
}

/// Redeems the incentive `code` for `learner` on `today`: refused when it is not offered that
/// day or the balance does not cover it (checked again by the store as it writes). Returns the
/// incentive redeemed and the new balance.
pub async fn redeem_incentive(
    store: &dyn Store,
    learner: LearnerId,
    code: &IncentiveCode,
    today: Date,
    now: OffsetDateTime,
    actor: Actor,
) -> Result<(IncentiveRecord, i64), BankError> {
    let record = store
        .list_incentives()
        .await?
        .into_iter()
        .find(|incentive| &incentive.code == code)
        .ok_or(StoreError::NotFound { what: "incentive" })?;
    let incentive = incentive_of(&record)?;
    let entries = ledger_entries(&store.list_points(learner).await?)?;
    redeem(&incentive, &entries, today)
        .map_err(|refusal| Invalid::new("incentive", refusal.to_string()))?;
    let entry = PointsEntry {
        learner,
        at: now,
        day: today,
        award: SPEND.to_owned(),
        points: -(record.cost.get() as i64),
        source_kind: "incentive".to_owned(),
        source_id: code.as_str().to_owned(),
    };
    let audit = AuditEvent::new(actor, "points.redeem", "learner", learner).with_detail(json!({
        "incentive": code.as_str(),
        "points": record.cost.get(),
    }));
    match store.spend_points(&entry, &audit).await {
        Err(StoreError::Conflict { field: "points" }) => {
            return Err(Invalid::new(
                "incentive",
                format!(
                    "the incentive costs {} points and the balance does not cover it",
                    record.cost
                ),
            )
            .into());
        }
        other => other?,
    };
    let balance = store.points_balance(learner).await?;
    Ok((record, balance))
}
