//! What a person types to get an account: user name, password, display name, phone number. Each
//! is checked once here, with a reason a person can act on.

use std::fmt;

use crate::Invalid;

/// A sign-in name: 3 to 32 characters of lower-case letters, digits, `.`, `_` and `-`, starting
/// with a letter or digit. Stored lower-case, so sign-in is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

/// The start of the user name an erased account is renamed to (`erased-<user id>`); new user
/// names may not start with it (see [`Username::parse_new`]).
pub const ERASED_USERNAME_PREFIX: &str = "erased-";

impl Username {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let name = text.trim().to_lowercase();
        let len = name.chars().count();
        if !(3..=32).contains(&len) {
            return Err(Invalid::new(
                "username",
                "a user name has 3 to 32 characters",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Invalid::new(
                "username",
                "a user name may use only letters a-z, digits, '.', '_' and '-'",
            ));
        }
        if !name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return Err(Invalid::new(
                "username",
                "a user name starts with a letter or a digit",
            ));
        }
        Ok(Self(name))
    }

    /// A user name someone chooses for a new account: as [`Username::parse`], and not starting
    /// with [`ERASED_USERNAME_PREFIX`], which names erased accounts (`erased-<user id>`), so no
    /// new account can pass for an erased one. `parse` still accepts the prefix: erased
    /// accounts must read back from the store.
    pub fn parse_new(text: &str) -> Result<Self, Invalid> {
        let name = Self::parse(text)?;
        if name.0.starts_with(ERASED_USERNAME_PREFIX) {
            return Err(Invalid::new(
                "username",
                format!(
                    "user names starting with '{ERASED_USERNAME_PREFIX}' are reserved for erased accounts: choose another"
                ),
            ));
        }
        Ok(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 8 to 128 characters, not only one repeated character. The text is never shown
/// or logged: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let len = text.chars().count();
        if len < 8 {
            return Err(Invalid::new(
                "password",
                "a password needs at least 8 characters",
            ));
        }
        if len > 128 {
            return Err(Invalid::new(
                "password",
                "a password has at most 128 characters",
            ));
        }
        let mut chars = text.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(Invalid::new(
                "password",
                "a password cannot be one character repeated",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The name a person is shown by: 1 to 40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let name = text.trim();
        let len = name.chars().count();
        if len == 0 {
            return Err(Invalid::new("display_name", "a name is required"));
        }
        if len > 40 {
            return Err(Invalid::new(
                "display_name",
                "a name has at most 40 characters",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid::new(
                "display_name",
                "a name cannot contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name as shown to someone who only needs to recognise the person (the staff member who
/// checks a learner in): the first character, then one `*` for each other (`王**`), so the
/// learner recognises themself and nobody learns a full name. A one-character name is `*`.
pub fn masked_name(name: &str) -> String {
    let name = name.trim();
    let count = name.chars().count();
    match name.chars().next() {
        Some(first) if count > 1 => std::iter::once(first)
            .chain(std::iter::repeat_n('*', count - 1))
            .collect(),
        _ => "*".to_owned(),
    }
}

/// A mainland mobile number: 11 digits starting with 13 to 19 (a leading +86 or 86 is dropped).
/// Personal data: `Debug` is masked.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits);
        let ok = digits.len() == 11
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.as_bytes()[0] == b'1'
            && (b'3'..=b'9').contains(&digits.as_bytes()[1]);
        if !ok {
            return Err(Invalid::new(
                "phone",
                "a mobile number has 11 digits and starts with 13 to 19",
            ));
        }
        Ok(Self(digits.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `138****5678`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_names_keep_only_the_first_character() {
        assert_eq!(masked_name("王小明"), "王**");
        assert_eq!(masked_name(" Li Na "), "L****");
        assert_eq!(masked_name("王"), "*");
        assert_eq!(masked_name(""), "*");
    }

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(Username::parse(" Wang.Li ").unwrap().as_str(), "wang.li");
        assert!(Username::parse("ab").is_err());
        assert!(
            Username::parse("王秀英")
                .unwrap_err()
                .reason
                .contains("letters")
        );
        assert!(Username::parse("-abc").is_err());
    }

    #[test]
    fn new_user_names_may_not_pass_for_erased_accounts() {
        // Stored erased accounts still read back.
        assert_eq!(Username::parse("erased-17").unwrap().as_str(), "erased-17");
        for reserved in ["erased-17", " Erased-5 ", "erased-", "ERASED-x"] {
            let invalid = Username::parse_new(reserved).unwrap_err();
            assert_eq!(invalid.field, "username", "{reserved}");
            assert!(invalid.reason.contains("reserved"), "{reserved}");
        }
        // Only the prefix is reserved; other checks still apply first.
        assert_eq!(
            Username::parse_new("erased17").unwrap().as_str(),
            "erased17"
        );
        assert_eq!(
            Username::parse_new("wang-erased-1").unwrap().as_str(),
            "wang-erased-1"
        );
        assert!(
            Username::parse_new("ab")
                .unwrap_err()
                .reason
                .contains("3 to 32")
        );
    }

    #[test]
    fn passwords_have_a_minimum_and_are_never_printed() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("aaaaaaaaaa").is_err());
        let password = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    #[test]
    fn phone_numbers_are_normalised_and_masked() {
        let phone = PhoneNumber::parse("+86 138-1234-5678").unwrap();
        assert_eq!(phone.expose(), "13812345678");
        assert_eq!(phone.masked(), "138****5678");
        assert!(PhoneNumber::parse("12812345678").is_err());
        assert!(PhoneNumber::parse("1381234567").is_err());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  王秀英 ").unwrap().as_str(), "王秀英");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"长".repeat(41)).is_err());
    }
}
