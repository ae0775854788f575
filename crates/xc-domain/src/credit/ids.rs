//! Row identifiers of the credit bank: outcomes, their batches and recognition decisions, outcome
//! specifications, conversion rules, applications, incentives and target programmes. Each has its
//! own type so that a rule id can never be passed where an outcome id is expected.

use crate::ids::id_type;

id_type!(
    /// A learning outcome held in a learner's account (学习成果).
    OutcomeId, "outcome_id"
);
id_type!(
    /// An outcome specification (学习成果认定标准); its versions share the id.
    SpecificationId, "specification_id"
);
id_type!(
    /// One upload of outcomes by a provider (a CSV or XLSX file, or one API batch).
    BatchId, "batch_id"
);
id_type!(
    /// A recognition decision (认定决定) on an outcome.
    DecisionId, "decision_id"
);
id_type!(
    /// A conversion rule (转换规则).
    ConversionRuleId, "rule_id"
);
id_type!(
    /// A learner's application to convert outcomes into a programme (转换申请).
    ApplicationId, "application_id"
);
id_type!(
    /// An incentive the city offers for points (积分激励), e.g. enrolment priority.
    IncentiveId, "incentive_id"
);
id_type!(
    /// A target programme that outcomes convert into, e.g. an open-university dual-system
    /// programme (双元制专业).
    ProgrammeId, "programme_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_positive_numbers_only() {
        assert_eq!(OutcomeId::parse("42").unwrap().get(), 42);
        assert_eq!(OutcomeId::parse("４２").unwrap(), OutcomeId::new(42));
        assert_eq!(ConversionRuleId::parse(" 7 ").unwrap().to_string(), "7");
        for text in ["0", "-3", "abc", "", "1.5"] {
            let error = SpecificationId::parse(text).unwrap_err();
            assert_eq!(error.field, "specification_id", "{text}");
            assert!(error.reason.contains("positive whole number"));
        }
        assert_eq!(ProgrammeId::parse("x").unwrap_err().field, "programme_id");
        assert_eq!("9".parse::<ProgrammeId>().unwrap().get(), 9);
    }
}
