//! Accredited providers (认定的培训机构): the credit bank's register of which institutions it
//! trusts to have their outcomes recognised under the general rules, built from its decisions in
//! the order they were made. A grant takes effect on a day and may end on a day; a withdrawal
//! takes effect on a day. On any day, the latest decision already in effect says whether the
//! provider is accredited, so a later decision overrides an earlier one only from its own first
//! day, and the register answers the same for a past day whatever was decided since.

use std::collections::BTreeMap;

use time::Date;

use crate::{InstitutionId, Invalid};

/// One decision of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccreditationDecision {
    pub provider: InstitutionId,
    pub accredited: bool,
    pub from: Date,
    /// A grant's last day (`None`: until withdrawn); always `None` for a withdrawal.
    pub until: Option<Date>,
}

impl AccreditationDecision {
    /// Accredits `provider` from `from` (through `until`, when given, which may not come first).
    pub fn grant(
        provider: InstitutionId,
        from: Date,
        until: Option<Date>,
    ) -> Result<Self, Invalid> {
        if let Some(until) = until
            && until < from
        {
            return Err(Invalid::new(
                "until",
                format!("the last day {until} comes before the first day {from}"),
            ));
        }
        Ok(Self {
            provider,
            accredited: true,
            from,
            until,
        })
    }

    /// Withdraws `provider`'s accreditation from `from`.
    pub fn withdraw(provider: InstitutionId, from: Date) -> Self {
        Self {
            provider,
            accredited: false,
            from,
            until: None,
        }
    }
}

/// Where a provider stands on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccreditationStatus {
    /// Accredited by the grant from `from` (through `until`).
    Accredited { from: Date, until: Option<Date> },
    /// A grant ended on `until`.
    Expired { until: Date },
    /// Withdrawn from `from`.
    Withdrawn { from: Date },
    /// No decision in effect yet.
    Never,
}

impl AccreditationStatus {
    pub fn is_accredited(self) -> bool {
        matches!(self, AccreditationStatus::Accredited { .. })
    }
}

/// Every decision, per provider, in the order made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accreditations {
    by_provider: BTreeMap<InstitutionId, Vec<AccreditationDecision>>,
}

impl Accreditations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next decision (decisions are given in the order they were made).
    pub fn push(&mut self, decision: AccreditationDecision) {
        self.by_provider
            .entry(decision.provider)
            .or_default()
            .push(decision);
    }

    /// Where `provider` stands on `day`: the latest decision whose first day is not after `day`.
    pub fn status(&self, provider: InstitutionId, day: Date) -> AccreditationStatus {
        let in_effect = self
            .by_provider
            .get(&provider)
            .and_then(|decisions| decisions.iter().rev().find(|d| d.from <= day));
        match in_effect {
            None => AccreditationStatus::Never,
            Some(decision) if !decision.accredited => AccreditationStatus::Withdrawn {
                from: decision.from,
            },
            Some(AccreditationDecision {
                until: Some(until), ..
            }) if *until < day => AccreditationStatus::Expired { until: *until },
            Some(decision) => AccreditationStatus::Accredited {
                from: decision.from,
                until: decision.until,
            },
        }
    }

    pub fn is_accredited(&self, provider: InstitutionId, day: Date) -> bool {
        self.status(provider, day).is_accredited()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const SCHOOL: InstitutionId = InstitutionId::new(7);

    #[test]
    fn the_latest_decision_in_effect_decides() {
        let mut register = Accreditations::new();
        assert_eq!(
            register.status(SCHOOL, date!(2026 - 01 - 01)),
            AccreditationStatus::Never
        );
        register.push(
            AccreditationDecision::grant(
                SCHOOL,
                date!(2024 - 01 - 01),
                Some(date!(2025 - 12 - 31)),
            )
            .unwrap(),
        );
        register.push(AccreditationDecision::withdraw(
            SCHOOL,
            date!(2025 - 07 - 01),
        ));
        assert_eq!(
            register.status(SCHOOL, date!(2023 - 12 - 31)),
            AccreditationStatus::Never
        );
        assert!(register.is_accredited(SCHOOL, date!(2024 - 01 - 01)));
        assert!(
            register.is_accredited(SCHOOL, date!(2025 - 06 - 30)),
            "a past day keeps its answer"
        );
        assert_eq!(
            register.status(SCHOOL, date!(2025 - 07 - 01)),
            AccreditationStatus::Withdrawn {
                from: date!(2025 - 07 - 01)
            }
        );
        register.push(AccreditationDecision::grant(SCHOOL, date!(2026 - 01 - 01), None).unwrap());
        assert!(register.is_accredited(SCHOOL, date!(2030 - 01 - 01)));
        assert!(!register.is_accredited(InstitutionId::new(8), date!(2030 - 01 - 01)));
    }

    #[test]
    fn a_grant_ends_on_its_last_day_and_may_not_end_before_it_begins() {
        let mut register = Accreditations::new();
        register.push(
            AccreditationDecision::grant(
                SCHOOL,
                date!(2024 - 01 - 01),
                Some(date!(2024 - 12 - 31)),
            )
            .unwrap(),
        );
        assert!(register.is_accredited(SCHOOL, date!(2024 - 12 - 31)));
        assert_eq!(
            register.status(SCHOOL, date!(2025 - 01 - 01)),
            AccreditationStatus::Expired {
                until: date!(2024 - 12 - 31)
            }
        );
        let error = AccreditationDecision::grant(
            SCHOOL,
            date!(2024 - 01 - 02),
            Some(date!(2024 - 01 - 01)),
        )
        .unwrap_err();
        assert_eq!(error.field, "until");
    }
}
