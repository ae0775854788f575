//! Incentive points (学习积分, the seeds' 学习成果积分制度 and 学习激励机制): configurable awards
//! for attendance, check-ins, completions, volunteering hours and recognised outcomes, with daily
//! and yearly caps against abuse; the learner's append-only ledger, whose balance is always
//! derived, never stored; and incentives defined by the city (e.g. enrolment priority) that
//! consume points.
//!
//! Caps count the points already awarded for the same activity on the event's day (daily) and in
//! the event's calendar year (yearly), whatever order events arrive in. Spending never frees cap
//! room. Each event carries a reference (e.g. the attendance record), and a reference is awarded
//! at most once, so a retried request cannot award twice.

use crate::kinds::vocabulary;
use std::collections::BTreeMap;
use std::fmt;

use time::Date;

use crate::Invalid;
use crate::credit::outcome::ValidityPeriod;
use crate::credit::quantity::{ContactHours, Points};
use crate::credit::text::fold_full_width;

vocabulary!(
    /// What points are awarded for.
    PointsActivity, "activity" {
        Attendance => "attendance", "出勤", "Attendance";
        CheckIn => "check_in", "学习打卡", "Check-in";
        Completion => "completion", "课程结业", "Course completion";
        VolunteeringHour => "volunteering_hour", "志愿服务时长", "Volunteering hour";
        RecognisedOutcome => "recognised_outcome", "学习成果认定", "Recognised outcome";
    }
);

/// How many points one unit of an activity earns (one attendance, one check-in, one hour of
/// volunteering …), and the most it can earn in a day and in a calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PointsAwardRule {
    activity: PointsActivity,
    points_per_unit: Points,
    daily_cap: Option<Points>,
    yearly_cap: Option<Points>,
}

impl PointsAwardRule {
    /// Refuses 0 points, caps of 0, a cap below one unit's points (every award would be cut)
    /// and a yearly cap below the daily cap.
    pub fn new(
        activity: PointsActivity,
        points_per_unit: Points,
        daily_cap: Option<Points>,
        yearly_cap: Option<Points>,
    ) -> Result<Self, Invalid> {
        if points_per_unit.is_zero() {
            return Err(Invalid::new(
                "points",
                "an award gives at least 1 point: to stop awarding, remove the rule",
            ));
        }
        for (field, cap) in [("daily_cap", daily_cap), ("yearly_cap", yearly_cap)] {
            if let Some(cap) = cap
                && cap < points_per_unit
            {
                return Err(Invalid::new(
                    field,
                    format!(
                        "a cap of {cap} is below the {points_per_unit} points of one {}: every award would be cut",
                        activity.label_en().to_lowercase()
                    ),
                ));
            }
        }
        if let (Some(daily), Some(yearly)) = (daily_cap, yearly_cap)
            && yearly < daily
        {
            return Err(Invalid::new(
                "yearly_cap",
                format!("the yearly cap {yearly} is below the daily cap {daily}"),
            ));
        }
        Ok(Self {
            activity,
            points_per_unit,
            daily_cap,
            yearly_cap,
        })
    }

    pub fn activity(&self) -> PointsActivity {
        self.activity
    }
    pub fn points_per_unit(&self) -> Points {
        self.points_per_unit
    }
    pub fn daily_cap(&self) -> Option<Points> {
        self.daily_cap
    }
    pub fn yearly_cap(&self) -> Option<Points> {
        self.yearly_cap
    }
}

/// The city's award rules, at most one per activity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PointsPolicy {
    rules: BTreeMap<PointsActivity, PointsAwardRule>,
}

impl PointsPolicy {
    pub fn new(rules: Vec<PointsAwardRule>) -> Result<Self, Invalid> {
        let mut by_activity = BTreeMap::new();
        for rule in rules {
            let activity = rule.activity;
            if by_activity.insert(activity, rule).is_some() {
                return Err(Invalid::new(
                    "activity",
                    format!("{activity} has two award rules: keep one"),
                ));
            }
        }
        Ok(Self { rules: by_activity })
    }

    pub fn rule_for(&self, activity: PointsActivity) -> Option<&PointsAwardRule> {
        self.rules.get(&activity)
    }

    pub fn rules(&self) -> impl Iterator<Item = &PointsAwardRule> {
        self.rules.values()
    }
}

/// What identifies the event an award is for (an attendance record, a check-in, a recognition
/// decision): 1 to 128 characters. Awarded at most once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventReference(String);

impl EventReference {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(text);
        let reference = folded.trim();
        let len = reference.chars().count();
        if len == 0 || len > 128 || reference.chars().any(char::is_control) {
            return Err(Invalid::new(
                "reference",
                "an event reference has 1 to 128 characters and no control characters",
            ));
        }
        Ok(Self(reference.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An activity that may earn points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsEvent {
    activity: PointsActivity,
    occurred_on: Date,
    /// Tenths of a unit: 10 for one attendance, 15 for 1.5 volunteering hours.
    tenths_of_units: u32,
    reference: EventReference,
}

impl PointsEvent {
    /// One unit of `activity` (an attendance, a check-in, a completion, a recognised outcome).
    pub fn once(activity: PointsActivity, occurred_on: Date, reference: EventReference) -> Self {
        Self {
            activity,
            occurred_on,
            tenths_of_units: 10,
            reference,
        }
    }

    /// `hours` of volunteering; points are per hour, pro rata to the tenth, rounded down.
    pub fn volunteering(occurred_on: Date, hours: ContactHours, reference: EventReference) -> Self {
        Self {
            activity: PointsActivity::VolunteeringHour,
            occurred_on,
            tenths_of_units: hours.tenths(),
            reference,
        }
    }

    pub fn activity(&self) -> PointsActivity {
        self.activity
    }
    pub fn occurred_on(&self) -> Date {
        self.occurred_on
    }
    pub fn reference(&self) -> &EventReference {
        &self.reference
    }
}

/// A code of an incentive the city offers, e.g. `enrolment_priority`: 1 to 40 characters of
/// a-z, 0-9 and '_'.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncentiveCode(String);

impl IncentiveCode {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = text.trim();
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(Invalid::new(
                "incentive",
                format!("'{code}' is not an incentive code: use 1 to 40 of a-z, 0-9 and '_'"),
            ));
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncentiveCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A line of a learner's points ledger. Entries are only ever appended; a balance is the sum of
/// the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The day of the event (an award) or of the spending.
    pub on: Date,
    pub change: LedgerChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerChange {
    Award {
        activity: PointsActivity,
        points: Points,
        reference: EventReference,
    },
    Spend {
        incentive: IncentiveCode,
        points: Points,
    },
}

/// Which cap cut an award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapKind {
    Daily,
    Yearly,
}

/// A cap that cut an award: its limit and what had already been awarded against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CapCut {
    pub cap: CapKind,
    pub limit: Points,
    pub already_awarded: Points,
}

/// The award for one event after caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsAward {
    pub activity: PointsActivity,
    /// What the rule gives before caps.
    pub requested: Points,
    /// What the learner gets; less than `requested` only when `cut` says which cap cut it.
    pub awarded: Points,
    pub cut: Option<CapCut>,
    entry: Option<LedgerEntry>,
}

impl PointsAward {
    /// The entry to append; `None` when caps left nothing to award.
    pub fn entry(&self) -> Option<&LedgerEntry> {
        self.entry.as_ref()
    }
}

/// Why an event earns nothing at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwardRefusal {
    #[error("the city awards no points for {activity}")]
    NoRule { activity: PointsActivity },
    #[error("event {reference} was already awarded points")]
    AlreadyAwarded { reference: EventReference },
}

/// Why an incentive cannot be redeemed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeemRefusal {
    #[error("the incentive costs {cost} points and the balance is {balance}")]
    InsufficientPoints { balance: Points, cost: Points },
    #[error("the incentive is not offered on {on}")]
    NotOffered { on: Date },
}

/// Computes the award for `event` given the learner's ledger so far (any order).
pub fn award(
    policy: &PointsPolicy,
    entries: &[LedgerEntry],
    event: &PointsEvent,
) -> Result<PointsAward, AwardRefusal> {
    // No rule is refused before a repeated reference, as before.
    policy
        .rule_for(event.activity)
        .ok_or(AwardRefusal::NoRule {
            activity: event.activity,
        })?;
    let mut today = 0u64;
    let mut this_year = 0u64;
    for entry in entries {
        if let LedgerChange::Award {
            activity,
            points,
            reference,
        } = &entry.change
        {
            if *reference == event.reference {
                return Err(AwardRefusal::AlreadyAwarded {
                    reference: event.reference.clone(),
                });
            }
            if *activity == event.activity {
                if entry.on == event.occurred_on {
                    today += points.get();
                }
                if entry.on.year() == event.occurred_on.year() {
                    this_year += points.get();
                }
            }
        }
    }
    award_within(policy, today, this_year, event)
}

/// Computes the award for `event` given only what the learner already holds for the event's
/// activity on its day (`today`) and in its year (`this_year`): what [`award`] does after it
/// has summed the ledger, for callers that sum many learners' ledgers at once (bulk awards).
/// Does not check the event's reference: the caller makes sure it was not awarded before.
pub fn award_within(
    policy: &PointsPolicy,
    today: u64,
    this_year: u64,
    event: &PointsEvent,
) -> Result<PointsAward, AwardRefusal> {
    let rule = policy
        .rule_for(event.activity)
        .ok_or(AwardRefusal::NoRule {
            activity: event.activity,
        })?;
    let requested = rule.points_per_unit.get() * u64::from(event.tenths_of_units) / 10;
    let requested = Points::new(requested).unwrap_or(Points::MAX);
    let room = |cap: Option<Points>, already: u64, kind: CapKind| {
        cap.map(|limit| {
            (
                limit.get().saturating_sub(already),
                CapCut {
                    cap: kind,
                    limit,
                    already_awarded: Points::new(already).unwrap_or(Points::MAX),
                },
            )
        })
    };
    let tightest = [
        room(rule.daily_cap, today, CapKind::Daily),
        room(rule.yearly_cap, this_year, CapKind::Yearly),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|(room, cut)| (*room, cut.cap == CapKind::Yearly));
    let (awarded, cut) = match tightest {
        Some((room, cut)) if room < requested.get() => {
            (Points::new(room).unwrap_or(Points::ZERO), Some(cut))
        }
        _ => (requested, None),
    };
    let entry = (!awarded.is_zero()).then(|| LedgerEntry {
        on: event.occurred_on,
        change: LedgerChange::Award {
            activity: event.activity,
            points: awarded,
            reference: event.reference.clone(),
        },
    });
    Ok(PointsAward {
        activity: event.activity,
        requested,
        awarded,
        cut,
        entry,
    })
}

/// Awards minus spending. A spend is only appended after checking the balance, so this is never
/// negative; a ledger that says otherwise has been written around this module and reads as 0.
pub fn balance(entries: &[LedgerEntry]) -> Points {
    let mut earned: u64 = 0;
    let mut spent: u64 = 0;
    for entry in entries {
        match &entry.change {
            LedgerChange::Award { points, .. } => earned += points.get(),
            LedgerChange::Spend { points, .. } => spent += points.get(),
        }
    }
    Points::new(earned.saturating_sub(spent)).unwrap_or(Points::MAX)
}

/// Something the city offers for points, e.g. enrolment priority in an oversubscribed course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incentive {
    code: IncentiveCode,
    cost: Points,
    offered: Option<ValidityPeriod>,
}

impl Incentive {
    /// `offered`: the days it can be redeemed on; `None` for always.
    pub fn new(
        code: IncentiveCode,
        cost: Points,
        offered: Option<ValidityPeriod>,
    ) -> Result<Self, Invalid> {
        if cost.is_zero() {
            return Err(Invalid::new("cost", "an incentive costs at least 1 point"));
        }
        Ok(Self {
            code,
            cost,
            offered,
        })
    }

    pub fn code(&self) -> &IncentiveCode {
        &self.code
    }
    pub fn cost(&self) -> Points {
        self.cost
    }
    pub fn offered(&self) -> Option<ValidityPeriod> {
        self.offered
    }
}

/// The spending entry for redeeming `incentive` on `on`, refused when it is not offered that day
/// or the balance is below its cost.
pub fn redeem(
    incentive: &Incentive,
    entries: &[LedgerEntry],
    on: Date,
) -> Result<LedgerEntry, RedeemRefusal> {
    if incentive
        .offered
        .is_some_and(|period| !period.is_valid_on(on))
    {
        return Err(RedeemRefusal::NotOffered { on });
    }
    let balance = balance(entries);
    if balance < incentive.cost {
        return Err(RedeemRefusal::InsufficientPoints {
            balance,
            cost: incentive.cost,
        });
    }
    Ok(LedgerEntry {
        on,
        change: LedgerChange::Spend {
            incentive: incentive.code.clone(),
            points: incentive.cost,
        },
    })
}

/// A learner's ledger in memory: only appended to, through [`PointsLedger::award`] and
/// [`PointsLedger::redeem`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PointsLedger {
    entries: Vec<LedgerEntry>,
}

impl PointsLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// A ledger loaded from storage, refused if an award reference repeats or spending ever
    /// took the balance below 0.
    pub fn from_entries(entries: Vec<LedgerEntry>) -> Result<Self, Invalid> {
        let mut references = std::collections::BTreeSet::new();
        let mut running: u64 = 0;
        for (index, entry) in entries.iter().enumerate() {
            match &entry.change {
                LedgerChange::Award {
                    points, reference, ..
                } => {
                    if !references.insert(reference) {
                        return Err(Invalid::new(
                            "ledger",
                            format!("entry {index}: event {reference} is awarded twice"),
                        ));
                    }
                    running += points.get();
                }
                LedgerChange::Spend { points, .. } => {
                    running = running.checked_sub(points.get()).ok_or_else(|| {
                        Invalid::new(
                            "ledger",
                            format!(
                                "entry {index}: spending {points} points takes the balance below 0"
                            ),
                        )
                    })?;
                }
            }
        }
        Ok(Self { entries })
    }

    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    pub fn balance(&self) -> Points {
        balance(&self.entries)
    }

    /// Awards `event` and appends the entry (if any points are left after caps).
    pub fn award(
        &mut self,
        policy: &PointsPolicy,
        event: &PointsEvent,
    ) -> Result<PointsAward, AwardRefusal> {
        let decision = award(policy, &self.entries, event)?;
        if let Some(entry) = decision.entry() {
            self.entries.push(entry.clone());
        }
        Ok(decision)
    }

    /// Redeems `incentive` and appends the spending; returns the new balance.
    pub fn redeem(&mut self, incentive: &Incentive, on: Date) -> Result<Points, RedeemRefusal> {
        let entry = redeem(incentive, &self.entries, on)?;
        self.entries.push(entry);
        Ok(self.balance())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn points(n: u64) -> Points {
        Points::new(n).unwrap()
    }
    fn reference(text: &str) -> EventReference {
        EventReference::parse(text).unwrap()
    }
    fn policy() -> PointsPolicy {
        PointsPolicy::new(vec![
            PointsAwardRule::new(
                PointsActivity::CheckIn,
                points(5),
                Some(points(10)),
                Some(points(100)),
            )
            .unwrap(),
            PointsAwardRule::new(
                PointsActivity::VolunteeringHour,
                points(10),
                None,
                Some(points(500)),
            )
            .unwrap(),
            PointsAwardRule::new(PointsActivity::Completion, points(50), None, None).unwrap(),
        ])
        .unwrap()
    }
    fn check_in(on: Date, r: &str) -> PointsEvent {
        PointsEvent::once(PointsActivity::CheckIn, on, reference(r))
    }

    #[test]
    fn award_rules_refuse_caps_that_cut_every_award() {
        let rule = |p: u64, d: Option<u64>, y: Option<u64>| {
            PointsAwardRule::new(
                PointsActivity::Attendance,
                points(p),
                d.map(points),
                y.map(points),
            )
        };
        assert_eq!(rule(0, None, None).unwrap_err().field, "points");
        assert_eq!(rule(5, Some(0), None).unwrap_err().field, "daily_cap");
        assert_eq!(rule(5, Some(4), None).unwrap_err().field, "daily_cap");
        assert_eq!(rule(5, None, Some(4)).unwrap_err().field, "yearly_cap");
        let error = rule(5, Some(50), Some(20)).unwrap_err();
        assert!(
            error.reason.contains("below the daily cap 50"),
            "{}",
            error.reason
        );
        let ok = rule(5, Some(5), Some(5)).unwrap();
        assert_eq!(
            (
                ok.activity(),
                ok.points_per_unit(),
                ok.daily_cap(),
                ok.yearly_cap()
            ),
            (
                PointsActivity::Attendance,
                points(5),
                Some(points(5)),
                Some(points(5))
            )
        );
        let twice = PointsPolicy::new(vec![ok.clone(), ok]).unwrap_err();
        assert!(twice.reason.contains("two award rules"));
        assert_eq!(policy().rules().count(), 3);
    }

    #[test]
    fn references_and_incentive_codes_are_checked() {
        assert_eq!(
            reference(" att:2024-03-15:42 ").as_str(),
            "att:2024-03-15:42"
        );
        assert!(EventReference::parse("").is_err());
        assert!(EventReference::parse(&"x".repeat(129)).is_err());
        assert!(EventReference::parse("a\nb").is_err());
        assert_eq!(
            IncentiveCode::parse("enrolment_priority")
                .unwrap()
                .to_string(),
            "enrolment_priority"
        );
        for bad in ["", "Enrolment", "优先报名", &"a".repeat(41)] {
            assert_eq!(IncentiveCode::parse(bad).unwrap_err().field, "incentive");
        }
    }

    #[test]
    fn the_daily_cap_cuts_and_says_so() {
        let mut ledger = PointsLedger::new();
        let day = date!(2025 - 03 - 01);
        let first = ledger.award(&policy(), &check_in(day, "c1")).unwrap();
        assert_eq!((first.awarded, first.cut), (points(5), None));
        ledger.award(&policy(), &check_in(day, "c2")).unwrap();
        let third = ledger.award(&policy(), &check_in(day, "c3")).unwrap();
        assert_eq!(third.requested, points(5));
        assert_eq!(third.awarded, Points::ZERO);
        assert_eq!(
            third.cut,
            Some(CapCut {
                cap: CapKind::Daily,
                limit: points(10),
                already_awarded: points(10)
            })
        );
        assert!(third.entry().is_none(), "nothing to append");
        assert_eq!(ledger.entries().len(), 2);
        let next_day = ledger
            .award(&policy(), &check_in(date!(2025 - 03 - 02), "c4"))
            .unwrap();
        assert_eq!(next_day.awarded, points(5));
        assert_eq!(ledger.balance(), points(15));
    }

    #[test]
    fn a_partial_award_fills_the_cap_exactly() {
        let policy = PointsPolicy::new(vec![
            PointsAwardRule::new(PointsActivity::CheckIn, points(4), Some(points(10)), None)
                .unwrap(),
        ])
        .unwrap();
        let mut ledger = PointsLedger::new();
        let day = date!(2025 - 03 - 01);
        for r in ["a", "b"] {
            ledger.award(&policy, &check_in(day, r)).unwrap();
        }
        let third = ledger.award(&policy, &check_in(day, "c")).unwrap();
        assert_eq!((third.requested, third.awarded), (points(4), points(2)));
        assert_eq!(third.cut.unwrap().cap, CapKind::Daily);
        assert_eq!(ledger.balance(), points(10));
    }

    #[test]
    fn the_yearly_cap_counts_the_calendar_year() {
        let mut ledger = PointsLedger::new();
        for hour in 0..50 {
            let on = date!(2025 - 01 - 01).nth_next_occurrence(time::Weekday::Monday, hour + 1);
            let event = PointsEvent::volunteering(
                on,
                ContactHours::whole(1).unwrap(),
                reference(&format!("v{hour}")),
            );
            ledger.award(&policy(), &event).unwrap();
        }
        assert_eq!(ledger.balance(), points(500));
        let over = PointsEvent::volunteering(
            date!(2025 - 12 - 31),
            ContactHours::parse("1.5").unwrap(),
            reference("v-over"),
        );
        let decision = ledger.award(&policy(), &over).unwrap();
        assert_eq!(
            (decision.requested, decision.awarded),
            (points(15), Points::ZERO)
        );
        assert_eq!(decision.cut.unwrap().cap, CapKind::Yearly);
        let new_year = PointsEvent::volunteering(
            date!(2026 - 01 - 01),
            ContactHours::parse("1.5").unwrap(),
            reference("v-new-year"),
        );
        assert_eq!(
            ledger.award(&policy(), &new_year).unwrap().awarded,
            points(15)
        );
    }

    #[test]
    fn volunteering_is_pro_rata_rounded_down() {
        let event = PointsEvent::volunteering(
            date!(2025 - 01 - 01),
            ContactHours::parse("0.3").unwrap(),
            reference("v"),
        );
        assert_eq!(award(&policy(), &[], &event).unwrap().awarded, points(3));
        assert_eq!(event.activity(), PointsActivity::VolunteeringHour);
        assert_eq!(event.occurred_on(), date!(2025 - 01 - 01));
        assert_eq!(event.reference().as_str(), "v");
    }

    #[test]
    fn an_event_is_awarded_once_and_only_if_the_city_awards_it() {
        let mut ledger = PointsLedger::new();
        let event = check_in(date!(2025 - 03 - 01), "same");
        ledger.award(&policy(), &event).unwrap();
        assert_eq!(
            ledger.award(&policy(), &event).unwrap_err(),
            AwardRefusal::AlreadyAwarded {
                reference: reference("same")
            }
        );
        let attendance = PointsEvent::once(
            PointsActivity::Attendance,
            date!(2025 - 03 - 01),
            reference("a"),
        );
        let refusal = ledger.award(&policy(), &attendance).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "the city awards no points for attendance"
        );
    }

    #[test]
    fn incentives_consume_points_and_refuse_a_short_balance() {
        let priority = Incentive::new(
            IncentiveCode::parse("enrolment_priority").unwrap(),
            points(60),
            Some(ValidityPeriod::new(date!(2025 - 08 - 01), Some(date!(2025 - 08 - 31))).unwrap()),
        )
        .unwrap();
        assert_eq!(priority.cost(), points(60));
        assert_eq!(priority.code().as_str(), "enrolment_priority");
        assert!(priority.offered().is_some());
        let mut ledger = PointsLedger::new();
        ledger
            .award(
                &policy(),
                &PointsEvent::once(
                    PointsActivity::Completion,
                    date!(2025 - 06 - 30),
                    reference("done"),
                ),
            )
            .unwrap();
        let on = date!(2025 - 08 - 10);
        assert_eq!(
            ledger.redeem(&priority, on).unwrap_err(),
            RedeemRefusal::InsufficientPoints {
                balance: points(50),
                cost: points(60)
            }
        );
        ledger
            .award(&policy(), &check_in(date!(2025 - 07 - 01), "c"))
            .unwrap();
        ledger
            .award(&policy(), &check_in(date!(2025 - 07 - 02), "d"))
            .unwrap();
        assert_eq!(
            ledger.redeem(&priority, date!(2025 - 09 - 01)).unwrap_err(),
            RedeemRefusal::NotOffered {
                on: date!(2025 - 09 - 01)
            }
        );
        assert_eq!(ledger.redeem(&priority, on).unwrap(), points(0));
        assert_eq!(ledger.entries().len(), 4);
        assert!(matches!(
            ledger.redeem(&priority, on),
            Err(RedeemRefusal::InsufficientPoints { .. })
        ));
        assert!(Incentive::new(IncentiveCode::parse("free").unwrap(), Points::ZERO, None).is_err());
    }

    #[test]
    fn loaded_ledgers_are_checked() {
        let award_entry = |r: &str, p| LedgerEntry {
            on: date!(2025 - 01 - 01),
            change: LedgerChange::Award {
                activity: PointsActivity::CheckIn,
                points: points(p),
                reference: reference(r),
            },
        };
        let spend = |p| LedgerEntry {
            on: date!(2025 - 01 - 02),
            change: LedgerChange::Spend {
                incentive: IncentiveCode::parse("x").unwrap(),
                points: points(p),
            },
        };
        let ledger = PointsLedger::from_entries(vec![award_entry("a", 10), spend(10)]).unwrap();
        assert_eq!(ledger.balance(), Points::ZERO);
        assert!(PointsLedger::from_entries(vec![spend(1), award_entry("a", 10)]).is_err());
        assert!(
            PointsLedger::from_entries(vec![award_entry("a", 1), award_entry("a", 1)]).is_err()
        );
        assert_eq!(
            balance(&[spend(5)]),
            Points::ZERO,
            "an impossible ledger reads as 0"
        );
    }

    proptest! {
        #[test]
        fn awards_never_exceed_the_caps(
            events in prop::collection::vec((0usize..3, 0i64..400, 1u32..40), 1..150)
        ) {
            let activities = [
                PointsActivity::CheckIn,
                PointsActivity::VolunteeringHour,
                PointsActivity::Completion,
            ];
            let policy = policy();
            let mut ledger = PointsLedger::new();
            for (index, (activity, day, tenths)) in events.iter().enumerate() {
                let on = date!(2025 - 06 - 01) + time::Duration::days(*day);
                let reference = reference(&format!("e{index}"));
                let event = match activities[*activity] {
                    PointsActivity::VolunteeringHour => PointsEvent::volunteering(
                        on,
                        ContactHours::from_tenths(*tenths).unwrap(),
                        reference,
                    ),
                    other => PointsEvent::once(other, on, reference),
                };
                let decision = ledger.award(&policy, &event).unwrap();
                prop_assert!(decision.awarded <= decision.requested);
                prop_assert_eq!(decision.cut.is_some(), decision.awarded < decision.requested);
            }
            let mut daily: BTreeMap<(PointsActivity, Date), u64> = BTreeMap::new();
            let mut yearly: BTreeMap<(PointsActivity, i32), u64> = BTreeMap::new();
            let mut total = 0;
            for entry in ledger.entries() {
                if let LedgerChange::Award { activity, points, .. } = &entry.change {
                    *daily.entry((*activity, entry.on)).or_default() += points.get();
                    *yearly.entry((*activity, entry.on.year())).or_default() += points.get();
                    total += points.get();
                }
            }
            for ((activity, _), sum) in daily {
                if let Some(cap) = policy.rule_for(activity).unwrap().daily_cap() {
                    prop_assert!(sum <= cap.get());
                }
            }
            for ((activity, _), sum) in yearly {
                if let Some(cap) = policy.rule_for(activity).unwrap().yearly_cap() {
                    prop_assert!(sum <= cap.get());
                }
            }
            prop_assert_eq!(ledger.balance().get(), total);
        }
    }
}
