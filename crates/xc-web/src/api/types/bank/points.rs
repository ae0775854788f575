//! Request and response shapes of points (学习积分) and incentives. Points are whole numbers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xc_store::{IncentiveRecord, PointsRecord};

use super::super::rfc3339;
use super::TextOrNumber;
use crate::bank::points::{IncentiveText, PointsAccount, offered_on};

/// One row of the points ledger (append-only).
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEntryResponse {
    pub id: i64,
    /// The day it counts on.
    pub day: String,
    pub at: String,
    /// An activity (`attendance`, `check_in`, `completion`, `volunteering_hour`,
    /// `recognised_outcome`) for an award; `incentive` for points spent.
    pub award: String,
    /// Positive for an award, negative for a spending.
    pub points: i64,
    /// `event` (with the event's reference, e.g. `outcome:12`) or `incentive` (with its code).
    pub source_kind: String,
    pub source_id: String,
}

impl From<&PointsRecord> for PointsEntryResponse {
    fn from(record: &PointsRecord) -> Self {
        let entry = &record.entry;
        PointsEntryResponse {
            id: record.id,
            day: entry.day.to_string(),
            at: rfc3339(entry.at),
            award: entry.award.clone(),
            points: entry.points,
            source_kind: entry.source_kind.clone(),
            source_id: entry.source_id.clone(),
        }
    }
}

/// Your points: the balance (always the sum of the ledger) and the ledger, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsResponse {
    pub learner_id: i64,
    pub balance: i64,
    pub entries: Vec<PointsEntryResponse>,
}

impl From<&PointsAccount> for PointsResponse {
    fn from(account: &PointsAccount) -> Self {
        PointsResponse {
            learner_id: account.learner.get(),
            balance: account.balance(),
            entries: account
                .ledger
                .iter()
                .map(PointsEntryResponse::from)
                .collect(),
        }
    }
}

/// Something the city offers for points.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncentiveResponse {
    pub id: i64,
    /// Use it to redeem: `POST /api/v1/me/incentives/{code}/redeem`.
    pub code: String,
    pub name: String,
    pub cost: u64,
    pub available_from: String,
    /// The last day it can be redeemed; absent for no end.
    pub available_until: Option<String>,
    /// Whether it can be redeemed today (Beijing time).
    pub offered_today: bool,
}

impl IncentiveResponse {
    pub(crate) fn of(incentive: &IncentiveRecord, today: time::Date) -> Self {
        IncentiveResponse {
            id: incentive.id.get(),
            code: incentive.code.to_string(),
            name: incentive.name.clone(),
            cost: incentive.cost.get(),
            available_from: incentive.available_from.to_string(),
            available_until: incentive.available_until.map(|d| d.to_string()),
            offered_today: offered_on(incentive, today),
        }
    }
}

/// A new incentive.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncentiveRequest {
    /// 1 to 40 of a-z, 0-9 and '_', e.g. `enrolment_priority`.
    pub code: String,
    /// 1 to 100 characters, e.g. `热门课程优先报名`.
    pub name: String,
    /// Points it costs, at least 1.
    pub cost: TextOrNumber,
    /// The first day it can be redeemed (`2026-09-01`); today when left out.
    pub available_from: Option<String>,
    /// The last day; no end when left out.
    pub available_until: Option<String>,
}

impl IncentiveRequest {
    pub(crate) fn into_text(self) -> IncentiveText {
        IncentiveText {
            code: Some(self.code),
            name: Some(self.name),
            cost: Some(self.cost.into_text()),
            available_from: self.available_from,
            available_until: self.available_until,
        }
    }
}

/// The last day an incentive is offered.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndIncentiveRequest {
    /// `2026-12-31`: yesterday (to stop at once) or later, not before its first day, and not
    /// after a last day it already has.
    pub available_until: Option<String>,
}

/// An incentive redeemed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedeemResponse {
    pub incentive: String,
    /// The points it cost.
    pub spent: u64,
    /// The balance after redeeming.
    pub balance: i64,
}

/// One learning event that earns points, as a provider reports it. Every field is checked and
/// every problem of the list reported at once (422 with `problems`, `row` = the item's index
/// in `items`, from 0); nothing is written unless every item is valid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsEventRequest {
    /// The provider's own reference for the event (e.g. the attendance record), unique per
    /// provider, at most 96 characters. Reporting it again changes nothing
    /// (`already_recorded`).
    pub reference: Option<String>,
    /// The learner's 18-character ID number; or give `learner_id` (or both).
    pub national_id: Option<String>,
    pub learner_id: Option<TextOrNumber>,
    /// `attendance`, `check_in`, `completion` or `volunteering_hour` (or the Chinese name:
    /// 出勤, 学习打卡, 课程结业, 志愿服务时长).
    pub activity: Option<String>,
    /// When it happened: `2026-11-02` or `2026-11-02T19:30:00+08:00` (its own date counts; not
    /// after today, not before last year).
    pub occurred_at: Option<String>,
    /// Volunteering only: hours, to the tenth (`2.5`).
    pub hours: Option<TextOrNumber>,
}

/// A list of learning events from one provider (at most 1,000).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsEventsRequest {
    /// City admins only: the institution the events are from. Provider staff report for their
    /// own institution and may leave this out.
    pub provider_id: Option<i64>,
    pub items: Vec<PointsEventRequest>,
}

impl PointsEventsRequest {
    pub(crate) fn into_inputs(self) -> (Option<i64>, Vec<xc_bank::point_events::EventInput>) {
        let inputs = self
            .items
            .into_iter()
            .enumerate()
            .map(|(index, item)| xc_bank::point_events::EventInput {
                row: index as u64,
                reference: item.reference,
                national_id: item.national_id,
                learner_id: item.learner_id.map(TextOrNumber::into_text),
                activity: item.activity,
                occurred_at: item.occurred_at,
                hours: item.hours.map(TextOrNumber::into_text),
            })
            .collect();
        (self.provider_id, inputs)
    }
}

/// What became of one event.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEventResponse {
    /// The item's index in `items`.
    pub index: u64,
    pub reference: String,
    pub learner_id: i64,
    /// `awarded` (in full), `capped` (cut, perhaps to 0, by a cap) or `already_recorded` (this
    /// reference was reported before and earned points: nothing changed). An event a cap cut to
    /// nothing leaves no ledger row, so reporting it again answers `capped` again.
    pub result: String,
    /// Points appended to the ledger now (0 when already recorded).
    pub points: u64,
    /// For `capped`: what the policy gives before caps and which cap (`daily`, `yearly`) cut it.
    pub requested: Option<u64>,
    pub cap: Option<String>,
}

impl From<&xc_bank::point_events::EventResult> for PointsEventResponse {
    fn from(result: &xc_bank::point_events::EventResult) -> Self {
        use xc_bank::point_events::EventAnswer;
        use xc_domain::credit::CapKind;
        let (kind, points, requested, cap) = match &result.answer {
            EventAnswer::Awarded { points } => ("awarded", *points, None, None),
            EventAnswer::Capped {
                points,
                requested,
                cap,
            } => (
                "capped",
                *points,
                Some(*requested),
                Some(match cap {
                    CapKind::Daily => "daily",
                    CapKind::Yearly => "yearly",
                }),
            ),
            EventAnswer::AlreadyRecorded => ("already_recorded", 0, None, None),
        };
        PointsEventResponse {
            index: result.row,
            reference: result.reference.clone(),
            learner_id: result.learner.get(),
            result: kind.to_owned(),
            points,
            requested,
            cap: cap.map(str::to_owned),
        }
    }
}

/// The answers to a list of events, in the order given.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEventsResponse {
    pub items: Vec<PointsEventResponse>,
}

/// One activity's rule: points per event (per hour for volunteering) and the caps.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsRuleBody {
    /// `attendance`, `check_in`, `completion`, `volunteering_hour` or `recognised_outcome`.
    pub activity: String,
    /// Points one event earns (one hour, for volunteering); leave out to award nothing.
    pub points: Option<WholeNumber>,
    /// The most this activity earns a learner in a day; none when left out.
    pub daily_cap: Option<WholeNumber>,
    /// The most in a calendar year; none when left out.
    pub yearly_cap: Option<WholeNumber>,
}

/// A whole number given as text or as a JSON number (answered as a number).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum WholeNumber {
    Number(u64),
    Text(String),
}

impl WholeNumber {
    fn into_text(self) -> String {
        match self {
            WholeNumber::Number(number) => number.to_string(),
            WholeNumber::Text(text) => text,
        }
    }
}

/// A new version of the points policy: one rule per activity that earns points (an activity
/// left out earns nothing under the new version).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsPolicyRequest {
    pub rules: Vec<PointsRuleBody>,
}

impl PointsPolicyRequest {
    pub(crate) fn into_inputs(self) -> Vec<xc_bank::points_policy::PolicyRuleInput> {
        self.rules
            .into_iter()
            .map(|rule| xc_bank::points_policy::PolicyRuleInput {
                activity: rule.activity,
                points: rule.points.map(WholeNumber::into_text),
                daily_cap: rule.daily_cap.map(WholeNumber::into_text),
                yearly_cap: rule.yearly_cap.map(WholeNumber::into_text),
            })
            .collect()
    }
}

fn rules_of(policy: &xc_domain::credit::PointsPolicy) -> Vec<PointsRuleBody> {
    policy
        .rules()
        .map(|rule| PointsRuleBody {
            activity: rule.activity().as_str().to_owned(),
            points: Some(WholeNumber::Number(rule.points_per_unit().get())),
            daily_cap: rule.daily_cap().map(|cap| WholeNumber::Number(cap.get())),
            yearly_cap: rule.yearly_cap().map(|cap| WholeNumber::Number(cap.get())),
        })
        .collect()
}

/// One published version of the points policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPolicyVersionResponse {
    pub version: u32,
    pub published_at: String,
    /// The user who published it.
    pub published_by: Option<i64>,
    pub rules: Vec<PointsRuleBody>,
}

/// The points policy in force and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPolicyResponse {
    /// The version in force; absent while the built-in default applies.
    pub version: Option<u32>,
    pub rules: Vec<PointsRuleBody>,
    /// Every published version, oldest first.
    pub history: Vec<PointsPolicyVersionResponse>,
}

impl PointsPolicyResponse {
    pub(crate) fn of(
        history: &[(
            xc_store::PointsPolicyVersion,
            xc_domain::credit::PointsPolicy,
        )],
        standards: &xc_bank::Standards,
    ) -> Self {
        PointsPolicyResponse {
            version: standards
                .points_policy_version()
                .map(|version| version.get()),
            rules: rules_of(standards.points_policy()),
            history: history
                .iter()
                .map(|(stored, policy)| PointsPolicyVersionResponse {
                    version: stored.version.get(),
                    published_at: rfc3339(stored.published_at),
                    published_by: stored.published_by.map(|user| user.get()),
                    rules: rules_of(policy),
                })
                .collect(),
        }
    }
}
