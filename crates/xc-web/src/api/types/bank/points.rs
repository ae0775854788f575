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
