//! The learning archive (学习档案, SPEC C2): one learner's outcomes with their recognition, newest
//! first, filterable by kind, year and field, with totals by status, level, category and field
//! and the points balance. Two indexed queries whatever the filter; the filtering and totals are
//! done here, so the totals always agree with the list shown.
//!
//! Who may read which archive is the caller's check; staff reads are audited by the caller.

use std::collections::{BTreeMap, HashMap};

use time::Date;
use xc_domain::LearnerId;
use xc_domain::credit::{Credits, Field, FrameworkLevel, OutcomeCategory, OutcomeKind};
use xc_store::{DecisionRecord, OutcomeRecord, OutcomeStatus, Store};

use crate::BankError;

/// Which outcomes an archive shows; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveFilter {
    pub kind: Option<OutcomeKind>,
    /// The year the outcome was achieved.
    pub year: Option<i32>,
    /// Outcomes within this field (a topic, or a discipline code covering theirs).
    pub field: Option<Field>,
}

impl ArchiveFilter {
    fn admits(&self, outcome: &OutcomeRecord) -> bool {
        let submitted = &outcome.submitted;
        self.kind.is_none_or(|kind| submitted.kind == kind)
            && self
                .year
                .is_none_or(|year| submitted.achieved_on.year() == year)
            && self.field.as_ref().is_none_or(|field| {
                submitted
                    .field
                    .as_ref()
                    .is_some_and(|theirs| field.covers(theirs))
            })
    }
}

/// One outcome in the archive with the decision that placed it (the latest, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveItem {
    pub outcome: OutcomeRecord,
    pub decision: Option<DecisionRecord>,
    /// Recognised but past its last valid day on the archive's date.
    pub expired: bool,
}

/// Count and credits of recognised outcomes in one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub outcomes: u64,
    pub credits: Credits,
}

impl Tally {
    pub(crate) fn add(&mut self, credits: Credits) {
        self.outcomes += 1;
        self.credits = self.credits.checked_add(credits).unwrap_or(self.credits);
    }
}

/// Totals over the outcomes shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub outcomes: u64,
    pub recognised: u64,
    pub in_review: u64,
    pub rejected: u64,
    /// Recognised outcomes still valid on the archive's date.
    pub valid: Tally,
    pub by_level: BTreeMap<FrameworkLevel, Tally>,
    pub by_category: BTreeMap<OutcomeCategory, Tally>,
    /// By field code (a topic code or a discipline code); outcomes without a field under "".
    pub by_field: BTreeMap<String, Tally>,
    /// Distinct years with outcomes (before filtering), newest first, for the year filter.
    pub years: Vec<i32>,
}

/// A learner's archive on a given date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub learner: LearnerId,
    pub on: Date,
    /// Newest achievement first.
    pub items: Vec<ArchiveItem>,
    pub totals: Totals,
    pub points: i64,
}

/// Builds the archive of `learner` as of `on`.
pub async fn archive(
    store: &dyn Store,
    learner: LearnerId,
    filter: &ArchiveFilter,
    on: Date,
) -> Result<Archive, BankError> {
    let outcomes = store.list_learner_outcomes(learner).await?;
    let mut latest: HashMap<_, DecisionRecord> = HashMap::new();
    for decision in store.list_learner_decisions(learner).await? {
        // Oldest first: the last one seen is the latest.
        latest.insert(decision.outcome, decision);
    }
    let points = store.points_balance(learner).await?;

    let mut years: Vec<i32> = outcomes
        .iter()
        .map(|outcome| outcome.submitted.achieved_on.year())
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let mut totals = Totals {
        years,
        ..Totals::default()
    };
    let mut items = Vec::new();
    for outcome in outcomes.into_iter().rev() {
        if !filter.admits(&outcome) {
            continue;
        }
        totals.outcomes += 1;
        let mut expired = false;
        match (outcome.status, outcome.grant) {
            (OutcomeStatus::Recognised, Some(grant)) => {
                totals.recognised += 1;
                expired = grant.valid_until.is_some_and(|until| on > until);
                if !expired {
                    totals.valid.add(grant.credits);
                }
                totals
                    .by_level
                    .entry(grant.level)
                    .or_default()
                    .add(grant.credits);
                totals
                    .by_category
                    .entry(grant.category)
                    .or_default()
                    .add(grant.credits);
                let field = outcome
                    .submitted
                    .field
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                totals.by_field.entry(field).or_default().add(grant.credits);
            }
            (OutcomeStatus::InReview, _) => totals.in_review += 1,
            (OutcomeStatus::Rejected, _) => totals.rejected += 1,
            // A recognised outcome without a grant is refused by the schema.
            (OutcomeStatus::Recognised, None) => {}
        }
        let decision = latest.remove(&outcome.id);
        items.push(ArchiveItem {
            outcome,
            decision,
            expired,
        });
    }
    Ok(Archive {
        learner,
        on,
        items,
        totals,
        points,
    })
}
