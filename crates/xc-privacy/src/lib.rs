//! Protection of personal data (PIPL) and of secrets. This crate owns:
//! - [`PiiVault`]: AES-256-GCM encryption of personal fields, bound to the field they belong to,
//!   and keyed HMAC-SHA-256 look-up hashes so a person can be found by ID number without
//!   decrypting anything;
//! - the key file ([`PiiVault::open_or_create_key_file`]): 64 random bytes created on first start
//!   with mode 0600;
//! - password hashing with argon2id ([`passwords`]);
//! - random bearer secrets and their stored hashes ([`tokens`]).
//!
//! Nothing here logs, and no type here prints a secret in `Debug`.

pub mod passwords;
mod secret_file;
pub mod tokens;
mod vault;

pub use secret_file::open_or_create_secret_file;
pub use vault::{KEY_LEN, PiiField, PiiVault, PrivacyError};
