//! Row identifiers. Each entity has its own id type so that a learner id can never be passed
//! where a site id is expected.

/// Declares an id type: a positive `i64` with `new`, `get`, `parse` (refusing with `$field`),
/// `Display` and `FromStr`. Also used for the credit bank's ids (`crate::credit::ids`).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(value: i64) -> Self {
                Self(value)
            }
            pub const fn get(self) -> i64 {
                self.0
            }
            /// Parses a positive decimal id (full-width digits accepted, as typed with a Chinese
            /// input method).
            pub fn parse(text: &str) -> Result<Self, crate::Invalid> {
                match crate::credit::text::fold_full_width(text).trim().parse::<i64>() {
                    Ok(value) if value > 0 => Ok(Self(value)),
                    _ => Err(crate::Invalid::new($field, format!("'{text}' is not an id: expected a positive whole number"))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Invalid;
            fn from_str(text: &str) -> Result<Self, crate::Invalid> {
                Self::parse(text)
            }
        }
    };
}
pub(crate) use id_type;

id_type!(
    /// A learner account (个人学习账户).
    LearnerId, "learner_id"
);
id_type!(
    /// A sign-in account of a person (citizen or staff).
    UserId, "user_id"
);
id_type!(
    /// An institution that teaches (办学机构).
    InstitutionId, "institution_id"
);
id_type!(
    /// A learning site (学习场所).
    SiteId, "site_id"
);
id_type!(
    /// A teacher or volunteer in the registry (师资库).
    TeacherId, "teacher_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_positive_numbers_only() {
        assert_eq!(LearnerId::parse("42").unwrap().get(), 42);
        assert_eq!(LearnerId::parse(" ４２ ").unwrap().get(), 42);
        assert!(LearnerId::parse("0").is_err());
        assert!(LearnerId::parse("-3").is_err());
        let error = SiteId::parse("abc").unwrap_err();
        assert_eq!(error.field, "site_id");
    }
}
