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
        "api_tokens_token_unique" => "token",
        "sessions_pkey" => "session",
        "districts_pkey" | "subdistricts_pkey" | "neighbourhoods_pkey" => "code",
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
        | "api_tokens_institution_id_fkey" => ("institution", "an institution"),
        "users_learner_id_fkey" | "consents_learner_id_fkey" => ("learner", "a learner"),
        "sessions_user_id_fkey" => ("user", "a user"),
        _ => ("reference", "a row"),
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
                return StoreError::Invalid {
                    field: "value",
                    reason: format!("breaks the rule {constraint}: counts cannot be negative"),
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
        assert_eq!(reference_field("something_else").0, "reference");
    }
}
