//! Sharing credentials for verification (求职认证): which parts of a credential a learner
//! chooses to show ([`ShareField`]) and for how long a share link stays open
//! ([`ShareDuration`]). The wording and the signing live elsewhere (xc-issuer, xc-web); these
//! are the choices, each with a stable code and a `parse` that names what was wrong.

use std::fmt;

use crate::Invalid;

/// One thing a learner may choose to show of a shared credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShareField {
    /// The learner's name (the credential itself names them only by a salted hash).
    HolderName,
    /// The learning outcome's title.
    Achievement,
    /// The institution where it was achieved.
    Provider,
    /// The credits earned.
    Credits,
    /// The framework level.
    Level,
    /// When it was achieved and when the credential was issued.
    Dates,
}

impl ShareField {
    /// Every field, in the order forms and pages list them.
    pub const ALL: [ShareField; 6] = [
        ShareField::HolderName,
        ShareField::Achievement,
        ShareField::Provider,
        ShareField::Credits,
        ShareField::Level,
        ShareField::Dates,
    ];

    /// The stable code (forms, the API, storage).
    pub fn code(self) -> &'static str {
        match self {
            ShareField::HolderName => "holder_name",
            ShareField::Achievement => "achievement",
            ShareField::Provider => "provider",
            ShareField::Credits => "credits",
            ShareField::Level => "level",
            ShareField::Dates => "dates",
        }
    }

    pub fn parse(code: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|field| field.code() == code.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "fields",
                    format!(
                        "'{code}' is not a field that can be shared: choose from {}",
                        Self::ALL.map(ShareField::code).join(", ")
                    ),
                )
            })
    }

    /// A non-empty set of fields, in the canonical order, each once.
    pub fn parse_set<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>, Invalid> {
        let mut fields = codes
            .into_iter()
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        fields.sort_unstable();
        fields.dedup();
        if fields.is_empty() {
            return Err(Invalid::new(
                "fields",
                "choose at least one thing to show (for example the achievement)",
            ));
        }
        Ok(fields)
    }
}

impl fmt::Display for ShareField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How long a share link stays open: one day, a week or thirty days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareDuration {
    days: u8,
}

impl ShareDuration {
    /// The durations a learner may choose, in days.
    pub const CHOICES: [u8; 3] = [1, 7, 30];

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let invalid = || {
            Invalid::new(
                "days",
                format!("'{text}' is not a share duration: choose 1, 7 or 30 days"),
            )
        };
        let days: u8 = text.trim().parse().map_err(|_| invalid())?;
        if Self::CHOICES.contains(&days) {
            Ok(Self { days })
        } else {
            Err(invalid())
        }
    }

    pub fn days(self) -> u8 {
        self.days
    }

    pub fn duration(self) -> time::Duration {
        time::Duration::days(i64::from(self.days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_by_code_in_canonical_order_once() {
        assert_eq!(
            ShareField::parse_set(["credits", "holder_name", "credits"]).unwrap(),
            [ShareField::HolderName, ShareField::Credits]
        );
        for field in ShareField::ALL {
            assert_eq!(ShareField::parse(field.code()).unwrap(), field);
        }
        let unknown = ShareField::parse("national_id").unwrap_err();
        assert_eq!(unknown.field, "fields");
        assert!(unknown.reason.contains("national_id"), "{unknown}");
        let none = ShareField::parse_set([]).unwrap_err();
        assert!(none.reason.contains("at least one"), "{none}");
    }

    #[test]
    fn only_one_seven_or_thirty_days() {
        assert_eq!(ShareDuration::parse("7").unwrap().days(), 7);
        assert_eq!(
            ShareDuration::parse("30").unwrap().duration(),
            time::Duration::days(30)
        );
        for bad in ["0", "2", "365", "", "seven", "-1"] {
            assert_eq!(
                ShareDuration::parse(bad).unwrap_err().field,
                "days",
                "{bad}"
            );
        }
    }
}
