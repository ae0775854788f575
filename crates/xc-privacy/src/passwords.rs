//! Password hashing with argon2id (RFC 9106), PHC string format. Parameters are argon2's
//! defaults (19 MiB, 2 passes), OWASP's recommended minimum.

use argon2::Argon2;
use argon2::{PasswordHash, PasswordHasher, PasswordVerifier};
use xc_domain::Password;

/// A PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$…`.
pub fn hash_password(password: &Password) -> String {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .expect("argon2 with default parameters and a fresh salt")
        .to_string()
}

/// True when `attempt` matches the stored hash. A malformed stored hash never matches.
pub fn verify_password(stored_hash: &str, attempt: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(attempt.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to verify against when the user does not exist, so that a missing account takes as
/// long to refuse as a wrong password (no user-name probing by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&Password::parse("not a real password").expect("valid")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let password = Password::parse("长风破浪会有时直挂云帆").unwrap();
        let first = hash_password(&password);
        let second = hash_password(&password);
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert_ne!(first, second, "fresh salt each time");
        assert!(verify_password(&first, "长风破浪会有时直挂云帆"));
        assert!(!verify_password(&first, "长风破浪会有时直挂云帆 "));
        assert!(!verify_password("not a hash", "anything"));
        assert!(!verify_password(dummy_hash(), "anything"));
    }
}
