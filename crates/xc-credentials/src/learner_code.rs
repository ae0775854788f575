//! The learner code (申学码): the short-lived signed token behind the QR code on a learner's
//! phone, which changes every minute; its verification (signature, time window, purpose,
//! replay) and its rendering as an SVG QR code.
//!
//! Token: base64url (no padding) of 83 bytes, 111 characters:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0 | version, 1 |
//! | 1 | purpose: 1 check-in, 2 share |
//! | 2 | key number: which learner-code signing key (rotation) |
//! | 3..11 | learner handle: HMAC-SHA-256(handle key, "xuecheng learner handle v1" ‖ learner id), first 8 bytes |
//! | 11..15 | issued minute: minutes since 1970-01-01T00:00Z, u32 big-endian |
//! | 15..19 | nonce: 4 random bytes |
//! | 19..83 | Ed25519 signature over "xuecheng learner code v1" ‖ bytes 0..19 |
//!
//! The handle is pseudonymous: no name, phone or id in clear, and without the server's handle
//! key nobody can tell which learner it is or test a guess. The server keeps the handle beside
//! the learner (an indexed column) to find the learner a scanned code belongs to. A code is
//! valid in its issued minute with one minute of grace either side.

use std::collections::{BTreeMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::keys::{KeyAlgorithm, SigningKey, VerificationKey};

/// The format version written and accepted.
pub const LEARNER_CODE_VERSION: u8 = 1;
/// Length of a token in bytes (before base64url).
pub const TOKEN_BYTES: usize = 83;
/// Length of a token as text.
pub const TOKEN_CHARS: usize = 111;
const SIGNED_BYTES: usize = 19;
const SIGNATURE_DOMAIN: &[u8] = b"xuecheng learner code v1";
const HANDLE_DOMAIN: &[u8] = b"xuecheng learner handle v1";
/// Minutes of grace on either side of the issued minute.
pub const GRACE_MINUTES: i64 = 1;

/// What a scanned code is for; a code for one use is refused for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LearnerCodePurpose {
    /// Staff scan it to record attendance at a site or session.
    CheckIn,
    /// It opens a share the learner chose.
    Share,
}

impl LearnerCodePurpose {
    fn to_byte(self) -> u8 {
        match self {
            Self::CheckIn => 1,
            Self::Share => 2,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::CheckIn),
            2 => Some(Self::Share),
            _ => None,
        }
    }
}

/// Why a learner code was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LearnerCodeError {
    /// Not 111 base64url characters, or an unknown version or purpose byte.
    #[error("learner code is malformed: {reason}")]
    Malformed { reason: &'static str },
    /// Signed by a key number the verifier does not know (rotated out, or forged).
    #[error("learner code key {key_number} is unknown")]
    UnknownKey { key_number: u8 },
    /// The signature does not verify.
    #[error("learner code signature does not verify")]
    BadSignature,
    /// Issued more than the grace ahead of now (a clock far ahead, or forged).
    #[error("learner code is not valid yet: issued for minute {issued_minute}")]
    NotYetValid { issued_minute: i64 },
    /// Older than its minute plus grace: ask the learner to show the current code.
    #[error("learner code expired: issued for minute {issued_minute}, show the current code")]
    Expired { issued_minute: i64 },
    /// Meant for another use.
    #[error("learner code is for {found:?}, not {expected:?}")]
    WrongPurpose {
        expected: LearnerCodePurpose,
        found: LearnerCodePurpose,
    },
    /// Already used once.
    #[error("learner code was already used")]
    Replayed,
    /// Signing needs an Ed25519 key.
    #[error("learner codes are signed with Ed25519 keys only, not {algorithm:?}")]
    KeyNotEd25519 { algorithm: KeyAlgorithm },
    /// The handle key is too short.
    #[error("the learner handle key must be at least 32 bytes")]
    HandleKeyTooShort,
    /// The QR code could not be made.
    #[error("cannot render the QR code: {reason}")]
    QrCode { reason: String },
    /// The operating system's random source failed.
    #[error("no randomness available for the nonce")]
    RandomnessUnavailable,
}

/// The server's secret for learner handles. Never printed; zeroized on drop.
pub struct LearnerHandleKey {
    secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for LearnerHandleKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("LearnerHandleKey(..)")
    }
}

impl LearnerHandleKey {
    /// A key from at least 32 secret bytes.
    pub fn new(secret: &[u8]) -> Result<Self, LearnerCodeError> {
        if secret.len() < 32 {
            return Err(LearnerCodeError::HandleKeyTooShort);
        }
        Ok(Self {
            secret: Zeroizing::new(secret.to_vec()),
        })
    }

    /// The learner's opaque 8-byte handle.
    pub fn handle(&self, learner_id: &str) -> LearnerHandle {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(HANDLE_DOMAIN);
        mac.update(learner_id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut handle = [0u8; 8];
        handle.copy_from_slice(&digest[..8]);
        LearnerHandle(handle)
    }
}

/// A learner's pseudonymous handle, as stored beside the learner and carried in codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LearnerHandle(pub [u8; 8]);

impl LearnerHandle {
    /// Lowercase hex, for a database column.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

/// Identifies one code for replay protection (handle ‖ minute ‖ nonce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LearnerCodeId(pub [u8; 16]);

fn minute_of(moment: OffsetDateTime) -> i64 {
    moment.unix_timestamp().div_euclid(60)
}

/// Makes a learner code for `handle` and `purpose` at `now`, signed with `key` (Ed25519) under
/// `key_number`.
pub fn issue_learner_code(
    key: &SigningKey,
    key_number: u8,
    handle: LearnerHandle,
    purpose: LearnerCodePurpose,
    now: OffsetDateTime,
) -> Result<String, LearnerCodeError> {
    if key.algorithm() != KeyAlgorithm::Ed25519 {
        return Err(LearnerCodeError::KeyNotEd25519 {
            algorithm: key.algorithm(),
        });
    }
    let minute = u32::try_from(minute_of(now)).map_err(|_| LearnerCodeError::Malformed {
        reason: "time outside 1970..10136",
    })?;
    let mut bytes = Vec::with_capacity(TOKEN_BYTES);
    bytes.extend([LEARNER_CODE_VERSION, purpose.to_byte(), key_number]);
    bytes.extend(handle.0);
    bytes.extend(minute.to_be_bytes());
    let mut nonce = [0u8; 4];
    getrandom::fill(&mut nonce).map_err(|_| LearnerCodeError::RandomnessUnavailable)?;
    bytes.extend(nonce);
    let signature = key.sign(&signed_message(&bytes));
    bytes.extend(signature);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn signed_message(bytes: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNATURE_DOMAIN.len() + SIGNED_BYTES);
    message.extend(SIGNATURE_DOMAIN);
    message.extend(&bytes[..SIGNED_BYTES]);
    message
}

/// A learner code read from text, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLearnerCode {
    /// Its purpose.
    pub purpose: LearnerCodePurpose,
    /// The signing key's number.
    pub key_number: u8,
    /// The learner's handle.
    pub handle: LearnerHandle,
    /// Minutes since the Unix epoch when it was issued.
    pub issued_minute: i64,
    /// Its replay identifier.
    pub id: LearnerCodeId,
    bytes: Vec<u8>,
}

impl ParsedLearnerCode {
    /// Reads the token's fields; checks only its shape.
    pub fn parse(token: &str) -> Result<Self, LearnerCodeError> {
        if token.len() != TOKEN_CHARS {
            return Err(LearnerCodeError::Malformed {
                reason: "a learner code has 111 characters",
            });
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| LearnerCodeError::Malformed {
                reason: "not base64url",
            })?;
        if bytes.len() != TOKEN_BYTES {
            return Err(LearnerCodeError::Malformed {
                reason: "wrong length",
            });
        }
        if bytes[0] != LEARNER_CODE_VERSION {
            return Err(LearnerCodeError::Malformed {
                reason: "unknown version",
            });
        }
        let purpose =
            LearnerCodePurpose::from_byte(bytes[1]).ok_or(LearnerCodeError::Malformed {
                reason: "unknown purpose",
            })?;
        let mut handle = [0u8; 8];
        handle.copy_from_slice(&bytes[3..11]);
        let mut minute = [0u8; 4];
        minute.copy_from_slice(&bytes[11..15]);
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[3..SIGNED_BYTES]);
        Ok(Self {
            purpose,
            key_number: bytes[2],
            handle: LearnerHandle(handle),
            issued_minute: i64::from(u32::from_be_bytes(minute)),
            id: LearnerCodeId(id),
            bytes,
        })
    }
}

/// A learner code whose signature, time and purpose are good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLearnerCode {
    /// The learner's handle: look the learner up by it.
    pub handle: LearnerHandle,
    /// Its purpose.
    pub purpose: LearnerCodePurpose,
    /// Its replay identifier.
    pub id: LearnerCodeId,
    /// Until when the id must be remembered (after that the code is expired anyway).
    pub remember_until: OffsetDateTime,
}

/// The verifier's keys by key number (the current one and recently rotated-out ones).
#[derive(Debug, Clone, Default)]
pub struct LearnerCodeKeys {
    keys: BTreeMap<u8, VerificationKey>,
}

impl LearnerCodeKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the key with `key_number`.
    pub fn with_key(mut self, key_number: u8, key: VerificationKey) -> Self {
        self.keys.insert(key_number, key);
        self
    }
}

/// Checks a code's shape, signature, time window (issued minute ± [`GRACE_MINUTES`]) and
/// purpose. Replay is the caller's next step: [`UsedLearnerCodes::mark_used`].
pub fn verify_learner_code(
    token: &str,
    keys: &LearnerCodeKeys,
    expected_purpose: LearnerCodePurpose,
    now: OffsetDateTime,
) -> Result<VerifiedLearnerCode, LearnerCodeError> {
    let parsed = ParsedLearnerCode::parse(token)?;
    let key = keys
        .keys
        .get(&parsed.key_number)
        .ok_or(LearnerCodeError::UnknownKey {
            key_number: parsed.key_number,
        })?;
    if !key.verify_signature(
        &signed_message(&parsed.bytes),
        &parsed.bytes[SIGNED_BYTES..],
    ) {
        return Err(LearnerCodeError::BadSignature);
    }
    let now_minute = minute_of(now);
    if now_minute < parsed.issued_minute - GRACE_MINUTES {
        return Err(LearnerCodeError::NotYetValid {
            issued_minute: parsed.issued_minute,
        });
    }
    if now_minute > parsed.issued_minute + GRACE_MINUTES {
        return Err(LearnerCodeError::Expired {
            issued_minute: parsed.issued_minute,
        });
    }
    if parsed.purpose != expected_purpose {
        return Err(LearnerCodeError::WrongPurpose {
            expected: expected_purpose,
            found: parsed.purpose,
        });
    }
    let remember_until =
        OffsetDateTime::from_unix_timestamp((parsed.issued_minute + GRACE_MINUTES + 1) * 60)
            .expect("a u32 minute is a valid time");
    Ok(VerifiedLearnerCode {
        handle: parsed.handle,
        purpose: parsed.purpose,
        id: parsed.id,
        remember_until,
    })
}

/// The verifier's memory of used codes. A store-backed one (shared by several servers) can
/// implement this with an insert that fails on a duplicate key.
pub trait UsedLearnerCodes {
    /// Records `id` until `remember_until`; `Err(Replayed)` if it was already recorded.
    fn mark_used(
        &mut self,
        id: LearnerCodeId,
        remember_until: OffsetDateTime,
    ) -> Result<(), LearnerCodeError>;
}

/// Used codes in memory, forgetting each once it has expired.
#[derive(Debug, Default)]
pub struct InMemoryUsedLearnerCodes {
    ids: HashSet<LearnerCodeId>,
    by_expiry: BTreeMap<(i64, LearnerCodeId), ()>,
}

impl InMemoryUsedLearnerCodes {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the ids whose codes have expired by `now`.
    pub fn prune(&mut self, now: OffsetDateTime) {
        let now = now.unix_timestamp();
        while let Some((&(until, id), ())) = self.by_expiry.first_key_value() {
            if until > now {
                break;
            }
            self.by_expiry.remove(&(until, id));
            self.ids.remove(&id);
        }
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl UsedLearnerCodes for InMemoryUsedLearnerCodes {
    fn mark_used(
        &mut self,
        id: LearnerCodeId,
        remember_until: OffsetDateTime,
    ) -> Result<(), LearnerCodeError> {
        if !self.ids.insert(id) {
            return Err(LearnerCodeError::Replayed);
        }
        self.by_expiry
            .insert((remember_until.unix_timestamp(), id), ());
        Ok(())
    }
}

/// Verifies a code and marks it used: the whole check a scanning endpoint needs.
pub fn accept_learner_code(
    token: &str,
    keys: &LearnerCodeKeys,
    expected_purpose: LearnerCodePurpose,
    now: OffsetDateTime,
    used: &mut dyn UsedLearnerCodes,
) -> Result<VerifiedLearnerCode, LearnerCodeError> {
    let verified = verify_learner_code(token, keys, expected_purpose, now)?;
    used.mark_used(verified.id, verified.remember_until)?;
    Ok(verified)
}

/// The token as an SVG QR code (error correction M, quiet zone, at least 240 px), dark
/// modules black on white.
pub fn learner_code_svg(token: &str) -> Result<String, LearnerCodeError> {
    let code = qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| LearnerCodeError::QrCode {
            reason: error.to_string(),
        })?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::ed25519_from_secret_bytes("did:web:xuecheng.example#learner-code-1", &[5; 32])
            .unwrap()
    }

    fn keys() -> LearnerCodeKeys {
        LearnerCodeKeys::new().with_key(1, key().verification_key().clone())
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    const NOW: i64 = 1_767_225_630; // 2026-01-01T00:00:30Z

    fn handle() -> LearnerHandle {
        LearnerHandleKey::new(&[9; 32])
            .unwrap()
            .handle("learner-42")
    }

    fn code(purpose: LearnerCodePurpose) -> String {
        issue_learner_code(&key(), 1, handle(), purpose, at(NOW)).unwrap()
    }

    #[test]
    fn a_code_is_small_and_verifies_within_its_window() {
        let token = code(LearnerCodePurpose::CheckIn);
        assert_eq!(token.len(), TOKEN_CHARS);
        assert!(token.len() <= 120);
        for seconds in [NOW - 90, NOW, NOW + 89] {
            let verified =
                verify_learner_code(&token, &keys(), LearnerCodePurpose::CheckIn, at(seconds))
                    .unwrap();
            assert_eq!(verified.handle, handle());
        }
        let minute = NOW / 60;
        assert_eq!(
            verify_learner_code(&token, &keys(), LearnerCodePurpose::CheckIn, at(NOW + 120)),
            Err(LearnerCodeError::Expired {
                issued_minute: minute
            })
        );
        assert_eq!(
            verify_learner_code(&token, &keys(), LearnerCodePurpose::CheckIn, at(NOW - 120)),
            Err(LearnerCodeError::NotYetValid {
                issued_minute: minute
            })
        );
        // Two codes in the same minute differ (nonce), so each is its own replay id.
        assert_ne!(token, code(LearnerCodePurpose::CheckIn));
    }

    #[test]
    fn handles_are_stable_opaque_and_keyed() {
        let key = LearnerHandleKey::new(&[9; 32]).unwrap();
        assert_eq!(key.handle("learner-42"), handle());
        assert_ne!(key.handle("learner-43"), handle());
        let other = LearnerHandleKey::new(&[8; 32]).unwrap();
        assert_ne!(other.handle("learner-42"), handle());
        assert_eq!(format!("{key:?}"), "LearnerHandleKey(..)");
        assert_eq!(
            LearnerHandleKey::new(&[1; 16]).err(),
            Some(LearnerCodeError::HandleKeyTooShort)
        );
        let token = code(LearnerCodePurpose::Share);
        assert!(!token.contains("learner-42"));
    }

    #[test]
    fn wrong_purpose_bad_signature_unknown_key_and_malformed_are_refused() {
        let token = code(LearnerCodePurpose::Share);
        assert_eq!(
            verify_learner_code(&token, &keys(), LearnerCodePurpose::CheckIn, at(NOW)),
            Err(LearnerCodeError::WrongPurpose {
                expected: LearnerCodePurpose::CheckIn,
                found: LearnerCodePurpose::Share
            })
        );
        // Flipping the purpose byte breaks the signature.
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[1] = 1;
        let flipped = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(
            verify_learner_code(&flipped, &keys(), LearnerCodePurpose::CheckIn, at(NOW)),
            Err(LearnerCodeError::BadSignature)
        );
        bytes[2] = 7;
        assert_eq!(
            verify_learner_code(
                &URL_SAFE_NO_PAD.encode(&bytes),
                &keys(),
                LearnerCodePurpose::CheckIn,
                at(NOW)
            ),
            Err(LearnerCodeError::UnknownKey { key_number: 7 })
        );
        for bad in ["", "abc", &token[1..], &format!("{}!", &token[1..])] {
            assert!(matches!(
                verify_learner_code(bad, &keys(), LearnerCodePurpose::Share, at(NOW)),
                Err(LearnerCodeError::Malformed { .. })
            ));
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_forgotten_after_expiry() {
        let token = code(LearnerCodePurpose::CheckIn);
        let mut used = InMemoryUsedLearnerCodes::new();
        accept_learner_code(
            &token,
            &keys(),
            LearnerCodePurpose::CheckIn,
            at(NOW),
            &mut used,
        )
        .unwrap();
        assert_eq!(
            accept_learner_code(
                &token,
                &keys(),
                LearnerCodePurpose::CheckIn,
                at(NOW + 10),
                &mut used
            ),
            Err(LearnerCodeError::Replayed)
        );
        used.prune(at(NOW + 60));
        assert_eq!(used.len(), 1);
        used.prune(at((NOW / 60 + 2) * 60));
        assert!(used.is_empty());
    }

    #[test]
    fn renders_an_svg_qr_code() {
        let svg = learner_code_svg(&code(LearnerCodePurpose::CheckIn)).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("#000000"));
    }
}
