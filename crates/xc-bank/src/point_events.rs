//! Learning events that earn points, reported by providers (attendance, check-in, course
//! completion, volunteering hours): a list is checked whole (every problem by item and field,
//! nothing written if there is one), learners are matched as outcome rows match them
//! ([`crate::fields::parse_learner_ref`], [`crate::submit::match_learner_refs`]), each event is
//! awarded under the policy in force with its caps counted against the ledger and the earlier
//! events of the same list, and every award of the list is appended in one store call (one
//! transaction, one audit entry).
//!
//! An event's reference is the provider's own, unique per provider: it is stored as
//! `provider:<id>:<reference>`, so two providers may use the same reference, and an event the
//! provider already reported answers "already recorded" and changes nothing.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{
    CapKind, ContactHours, EventReference, PointsActivity, PointsEvent, PointsPolicy, award_within,
};
use xc_domain::{InstitutionId, Invalid, LearnerId};
use xc_import::RowProblem;
use xc_import::parse::{CellInvalid, parse_date};
use xc_privacy::PiiVault;
use xc_store::{Actor, AuditEvent, PointsEntry, Store};

use crate::BankError;
use crate::fields::{OutcomeFields, keep, parse_learner_ref, parsed, present};
use crate::submit::match_learner_refs;

/// The most characters of a provider's own event reference (the stored reference adds the
/// provider's prefix and must stay within the domain's 128).
const MAX_REFERENCE_CHARS: usize = 96;

/// One event as given through the API, as text fields; `row` is its position in the list
/// (from 0, as the API reports problems by item index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventInput {
    pub row: u64,
    pub reference: Option<String>,
    pub national_id: Option<String>,
    pub learner_id: Option<String>,
    pub activity: Option<String>,
    /// `YYYY-MM-DD` (or the other date forms uploads accept), or an RFC 3339 time whose own
    /// date counts.
    pub occurred_at: Option<String>,
    /// Volunteering only: hours, to the tenth.
    pub hours: Option<String>,
}

impl EventInput {
    fn raw(&self, key: &str) -> Option<&str> {
        let value = match key {
            "reference" => &self.reference,
            "national_id" => &self.national_id,
            "learner_id" => &self.learner_id,
            "activity" => &self.activity,
            "occurred_at" => &self.occurred_at,
            "hours" => &self.hours,
            _ => &None,
        };
        crate::fields::given(value)
    }
}

impl OutcomeFields for EventInput {
    fn row(&self) -> u64 {
        self.row
    }
    fn text(&self, key: &'static str) -> Result<Option<&str>, RowProblem> {
        Ok(self.raw(key))
    }
    fn problem(&self, key: &'static str, invalid: CellInvalid) -> RowProblem {
        RowProblem::new(self.row, key, self.raw(key).unwrap_or_default(), invalid)
    }
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventAnswer {
    /// Awarded in full.
    Awarded { points: u64 },
    /// Cut (perhaps to nothing) by the daily or yearly cap.
    Capped {
        points: u64,
        requested: u64,
        cap: CapKind,
    },
    /// The provider reported this reference before: nothing changed.
    AlreadyRecorded,
}

/// One event's answer, with the learner it was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventResult {
    pub row: u64,
    pub reference: String,
    pub learner: LearnerId,
    pub answer: EventAnswer,
}

/// Who reports the events and when.
#[derive(Debug, Clone)]
pub struct EventOptions {
    pub provider: InstitutionId,
    pub actor: Actor,
    /// No event after this day.
    pub today: Date,
    pub now: OffsetDateTime,
}

/// A checked event, its learner still to be matched.
#[derive(Debug)]
struct CheckedEvent {
    row: u64,
    reference: String,
    event: PointsEvent,
}

fn parse_occurred_on(text: &str, today: Date) -> Result<Date, CellInvalid> {
    let day = match OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        Ok(at) => at.date(),
        Err(_) => parse_date(text)?,
    };
    if day > today {
        return Err(CellInvalid::new(
            format!("日期不能晚于今天（{today}）"),
            format!("the event cannot be after today ({today})"),
        ));
    }
    if day.year() < today.year() - 1 {
        return Err(CellInvalid::new(
            "只接受今年和去年的学习活动",
            "only events of this year and last year earn points",
        ));
    }
    Ok(day)
}

fn parse_event(
    input: &EventInput,
    provider: InstitutionId,
    today: Date,
    problems: &mut Vec<RowProblem>,
) -> Option<CheckedEvent> {
    let reference = keep(
        problems,
        present(
            input,
            "reference",
            parsed(input, "reference", |text| {
                if text.chars().count() > MAX_REFERENCE_CHARS || text.chars().any(char::is_control)
                {
                    Err(CellInvalid::new(
                        format!("活动编号最多 {MAX_REFERENCE_CHARS} 个字符"),
                        format!("an event reference has at most {MAX_REFERENCE_CHARS} characters"),
                    ))
                } else {
                    Ok(text.to_owned())
                }
            }),
        ),
    );
    let activity = keep(
        problems,
        present(
            input,
            "activity",
            parsed(
                input,
                "activity",
                |text| match PointsActivity::parse_written(text) {
                    Ok(PointsActivity::RecognisedOutcome) => Err(CellInvalid::new(
                        "成果认定的积分由学分银行自动发放",
                        "points for recognised outcomes are awarded by the credit bank itself",
                    )),
                    Ok(activity) => Ok(activity),
                    Err(invalid) => Err(CellInvalid::from(invalid)),
                },
            ),
        ),
    );
    let occurred_on = keep(
        problems,
        present(
            input,
            "occurred_at",
            parsed(input, "occurred_at", |text| parse_occurred_on(text, today)),
        ),
    );
    let hours = keep(problems, parsed(input, "hours", ContactHours::parse));
    let hours = match (activity, hours) {
        (Some(PointsActivity::VolunteeringHour), Some(None)) => {
            problems.push(input.problem(
                "hours",
                CellInvalid::new("志愿服务须填写时长", "give the hours of volunteering"),
            ));
            None
        }
        (Some(PointsActivity::VolunteeringHour), Some(Some(hours))) if hours.tenths() == 0 => {
            problems.push(input.problem(
                "hours",
                CellInvalid::new("时长须大于 0", "hours are more than 0"),
            ));
            None
        }
        (Some(activity), Some(Some(_))) if activity != PointsActivity::VolunteeringHour => {
            problems.push(input.problem(
                "hours",
                CellInvalid::new(
                    "只有志愿服务填写时长",
                    "only volunteering is given in hours: leave hours out",
                ),
            ));
            None
        }
        (_, hours) => hours.flatten(),
    };
    let reference = reference?;
    let stored = EventReference::parse(&format!("provider:{provider}:{reference}")).ok()?;
    let (activity, occurred_on) = (activity?, occurred_on?);
    let event = match activity {
        PointsActivity::VolunteeringHour => PointsEvent::volunteering(occurred_on, hours?, stored),
        other => PointsEvent::once(other, occurred_on, stored),
    };
    Some(CheckedEvent {
        row: input.row,
        reference,
        event,
    })
}

/// Records `inputs` (see the module doc): [`BankError::Rejected`] with every problem, by item
/// index and field, when any item cannot be accepted (nothing written); otherwise each item's
/// answer, in order.
pub async fn record_events(
    store: &dyn Store,
    vault: &PiiVault,
    policy: &PointsPolicy,
    inputs: &[EventInput],
    options: &EventOptions,
) -> Result<Vec<EventResult>, BankError> {
    let mut problems = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut checked = Vec::with_capacity(inputs.len());
    let mut learners = Vec::with_capacity(inputs.len());
    for input in inputs {
        let before = problems.len();
        let learner = parse_learner_ref(input, options.today, vault, &mut problems);
        let event = parse_event(input, options.provider, options.today, &mut problems);
        if let Some(event) = &event
            && let Some(first) = seen.insert(event.reference.clone(), input.row)
        {
            problems.push(input.problem(
                "reference",
                CellInvalid::new(
                    format!("与第 {first} 项的活动编号重复"),
                    format!("the same event reference as item {first}"),
                ),
            ));
        }
        if let Some(event) = &event
            && policy.rule_for(event.event.activity()).is_none()
        {
            problems.push(input.problem(
                "activity",
                CellInvalid::new(
                    "本市暂不为此类活动发放积分",
                    format!(
                        "the city awards no points for {}",
                        event.event.activity().as_str()
                    ),
                ),
            ));
        }
        if problems.len() == before {
            checked.push(event);
            learners.push(learner);
        } else {
            checked.push(None);
            learners.push(None);
        }
    }
    let matched = match_learner_refs(
        store,
        &learners.iter().map(Option::as_ref).collect::<Vec<_>>(),
    )
    .await?;
    let mut events = Vec::with_capacity(checked.len());
    for ((input, event), learner) in inputs.iter().zip(checked).zip(matched) {
        match (event, learner) {
            (Some(event), Ok(learner)) => events.push((event, learner)),
            (Some(_), Err((key, invalid))) => problems.push(input.problem(key, invalid)),
            (None, _) => {}
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|problem| problem.row);
        return Err(BankError::Rejected(problems));
    }

    let wanted: Vec<(LearnerId, String)> = events
        .iter()
        .map(|(event, learner)| (*learner, event.event.reference().as_str().to_owned()))
        .collect();
    let held_references: HashSet<(LearnerId, String)> = store
        .points_sources_held(&wanted, "event")
        .await?
        .into_iter()
        .collect();
    // What each learner holds per activity on each day and in each year, one query per
    // (activity, day) of the list; then the list's own awards are added as they are made.
    let mut groups: HashMap<(PointsActivity, Date), Vec<LearnerId>> = HashMap::new();
    for (event, learner) in &events {
        groups
            .entry((event.event.activity(), event.event.occurred_on()))
            .or_default()
            .push(*learner);
    }
    let mut by_day: HashMap<(LearnerId, PointsActivity, Date), u64> = HashMap::new();
    let mut by_year: HashMap<(LearnerId, PointsActivity, i32), u64> = HashMap::new();
    for ((activity, day), mut learners) in groups {
        learners.sort_unstable();
        learners.dedup();
        for held in store.points_held(&learners, activity.as_str(), day).await? {
            let count = |points: i64| u64::try_from(points).unwrap_or(0);
            by_day.insert((held.learner, activity, day), count(held.on_day));
            by_year.insert((held.learner, activity, day.year()), count(held.in_year));
        }
    }
    let mut results = Vec::with_capacity(events.len());
    let mut entries = Vec::new();
    for (checked, learner) in events {
        let event = &checked.event;
        let (activity, day) = (event.activity(), event.occurred_on());
        let reference = event.reference().as_str().to_owned();
        if held_references.contains(&(learner, reference.clone())) {
            results.push(EventResult {
                row: checked.row,
                reference: checked.reference,
                learner,
                answer: EventAnswer::AlreadyRecorded,
            });
            continue;
        }
        let today = by_day.entry((learner, activity, day)).or_default();
        let this_year = by_year.entry((learner, activity, day.year())).or_default();
        let decision = award_within(policy, *today, *this_year, event)
            .map_err(|refusal| Invalid::new("activity", refusal.to_string()))?;
        let points = decision.awarded.get();
        *today += points;
        *this_year += points;
        if points > 0 {
            entries.push(PointsEntry {
                learner,
                at: options.now,
                day,
                award: activity.as_str().to_owned(),
                points: points as i64,
                source_kind: "event".to_owned(),
                source_id: reference,
            });
        }
        let answer = match decision.cut {
            Some(cut) => EventAnswer::Capped {
                points,
                requested: decision.requested.get(),
                cap: cut.cap,
            },
            None => EventAnswer::Awarded { points },
        };
        results.push(EventResult {
            row: checked.row,
            reference: checked.reference,
            learner,
            answer,
        });
    }
    // One audit entry a call, written with the awards (or alone when there are none).
    let audit = AuditEvent::new(
        options.actor.clone(),
        "points.events",
        "institution",
        options.provider,
    )
    .with_detail(json!({
        "events": results.len(),
        "awarded": entries.len(),
        "points": entries.iter().map(|entry| entry.points).sum::<i64>(),
    }));
    let appended = if entries.is_empty() {
        0
    } else {
        store.append_points_many(&entries, &audit).await?
    };
    if appended == 0 {
        store.append_audit(&audit).await?;
    }
    Ok(results)
}
