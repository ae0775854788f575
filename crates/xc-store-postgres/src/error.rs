//! Turning a PostgreSQL failure into a [`StoreError`]: unique violations become `Conflict` with
//! the field a person would recognise, foreign-key and check violations become `Invalid`, and
//! only what the caller cannot fix stays an opaque `Backend` error. The field is decided by the
//! constraint name, which the migrations fix explicitly for exactly this reason.

use sqlx::error::ErrorKind;
use xc_store::StoreError;

/// The field a caller sees for a unique constraint.
fn unique_field(constraint: &str) -> &'static str {
    match constraint {
        "learners_national_id_unique" => "national_id",
        "users_username_unique" => "username",
        "users_learner_unique" => "learner",
        "api_tokens_token_unique" | "credential_shares_token_unique" => "token",
        "xapi_clients_key_unique" => "key",
        "sessions_pkey" => "session",
        "districts_pkey" | "subdistricts_pkey" | "neighbourhoods_pkey" => "code",
        "outcome_specifications_code_unique" => "code",
        "outcome_specification_versions_pkey" => "version",
        "outcomes_provider_external_unique" => "external_id",
        "programmes_code_unique" | "conversion_rules_code_unique" | "incentives_code_unique" => {
            "code"
        }
        "conversion_rule_versions_pkey" => "version",
        "conversion_applications_one_open" => "programme",
        "learner_erasures_pkey" => "learner",
        "trusted_banks_did_unique" => "did",
        "trusted_bank_keys_pkey" => "keys",
        "trust_list_changes_distrust_once" => "key_id",
        "external_outcomes_pkey" | "external_outcomes_credential_unique" => "credential",
        _ => "id",
    }
}

/// The field a caller sees for a foreign key, and what it should refer to.
fn reference_field(constraint: &str) -> (&'static str, &'static str) {
    match constraint {
        "subdistricts_district_code_fkey"
        | "neighbourhoods_district_code_fkey"
        | "institutions_district_code_fkey"
        | "sites_district_code_fkey"
        | "teachers_district_code_fkey" => ("district", "a district"),
        "neighbourhoods_subdistrict_code_fkey" | "sites_subdistrict_code_fkey" => {
            ("subdistrict", "a subdistrict")
        }
        "sites_neighbourhood_code_fkey" => ("neighbourhood", "a neighbourhood"),
        "sites_institution_id_fkey"
        | "teachers_institution_id_fkey"
        | "api_tokens_institution_id_fkey"
        | "xapi_clients_institution_id_fkey" => ("institution", "an institution"),
        "outcome_specifications_provider_id_fkey"
        | "outcome_batches_provider_id_fkey"
        | "outcomes_provider_id_fkey" => ("provider", "an institution"),
        "users_learner_id_fkey" | "consents_learner_id_fkey" | "outcomes_learner_id_fkey" => {
            ("learner", "a learner")
        }
        "sessions_user_id_fkey" => ("user", "a user"),
        "outcome_specification_versions_published_by_fkey" => ("published_by", "a user"),
        "outcome_batches_submitted_by_fkey" | "outcomes_submitted_by_fkey" => {
            ("submitted_by", "a user")
        }
        "recognition_decisions_reviewer_id_fkey" => ("reviewer", "a user"),
        "outcomes_batch_id_fkey" => ("batch", "an upload batch"),
        "recognition_decisions_outcome_id_fkey" => ("outcome", "an outcome"),
        "recognition_decisions_specification_fkey" => ("specification", "a specification version"),
        "programmes_institution_id_fkey" => ("institution", "an institution"),
        "conversion_rules_programme_id_fkey" | "conversion_applications_programme_id_fkey" => {
            ("programme", "a programme")
        }
        "conversion_rule_versions_published_by_fkey" => ("published_by", "a user"),
        "conversion_applications_learner_id_fkey"
        | "points_ledger_learner_id_fkey"
        | "learner_erasures_learner_id_fkey" => ("learner", "a learner"),
        "conversion_applications_decided_by_fkey" => ("decided_by", "a user"),
        "conversion_lines_rule_fkey" => ("rule", "a conversion rule version"),
        "points_ledger_incentive_id_fkey" => ("incentive", "an incentive"),
        _ => ("reference", "a row"),
    }
}

/// The field a caller sees for a check constraint, and what the rule asks for.
fn check_rule(constraint: &str) -> (&'static str, &'static str) {
    match constraint {
        "outcomes_hours_tenths_check" | "outcome_specification_versions_hours_tenths_check" => {
            ("hours", "contact hours must be more than zero")
        }
        "outcomes_recognised_check" | "recognition_decisions_accepted_check" => (
            "grant",
            "category, level and credits are given exactly when recognised",
        ),
        "incentives_cost_points_check" => ("cost", "an incentive costs at least 1 point"),
        "points_ledger_points_check" => ("points", "a ledger row adds or takes some points"),
        _ => ("value", "counts cannot be negative"),
    }
}

/// Maps any sqlx error from a write or read to the store's error.
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(database) = &error {
        let constraint = database.constraint().unwrap_or_default();
        match database.kind() {
            ErrorKind::UniqueViolation => {
                return StoreError::Conflict {
                    field: unique_field(constraint),
                };
            }
            ErrorKind::ForeignKeyViolation => {
                let (field, what) = reference_field(constraint);
                return StoreError::Invalid {
                    field,
                    reason: format!("refers to {what} that does not exist"),
                };
            }
            ErrorKind::CheckViolation => {
                let (field, rule) = check_rule(constraint);
                return StoreError::Invalid {
                    field,
                    reason: format!("breaks the rule {constraint}: {rule}"),
                };
            }
            _ => {}
        }
    }
    StoreError::backend(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_constraints_name_the_field_a_person_typed() {
        assert_eq!(unique_field("learners_national_id_unique"), "national_id");
        assert_eq!(unique_field("users_username_unique"), "username");
        assert_eq!(unique_field("api_tokens_token_unique"), "token");
        assert_eq!(unique_field("learners_pkey"), "id");
        assert_eq!(unique_field("outcome_specifications_code_unique"), "code");
        assert_eq!(
            unique_field("outcomes_provider_external_unique"),
            "external_id"
        );
        for constraint in [
            "programmes_code_unique",
            "conversion_rules_code_unique",
            "incentives_code_unique",
        ] {
            assert_eq!(unique_field(constraint), "code", "{constraint}");
        }
        assert_eq!(
            unique_field("conversion_applications_one_open"),
            "programme"
        );
        assert_eq!(unique_field("learner_erasures_pkey"), "learner");
    }

    #[test]
    fn foreign_keys_name_what_is_missing() {
        assert_eq!(
            reference_field("api_tokens_institution_id_fkey").0,
            "institution"
        );
        assert_eq!(
            reference_field("sites_subdistrict_code_fkey").0,
            "subdistrict"
        );
        assert_eq!(reference_field("outcomes_learner_id_fkey").0, "learner");
        assert_eq!(
            reference_field("learner_erasures_learner_id_fkey").0,
            "learner"
        );
        assert_eq!(
            reference_field("recognition_decisions_specification_fkey").0,
            "specification"
        );
        assert_eq!(reference_field("something_else").0, "reference");
    }

    #[test]
    fn check_constraints_name_the_rule() {
        assert_eq!(check_rule("outcomes_hours_tenths_check").0, "hours");
        assert_eq!(check_rule("districts_residents_check").0, "value");
    }
}
