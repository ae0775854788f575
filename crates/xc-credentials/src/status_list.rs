//! W3C Bitstring Status List v1.0: revocation and suspension lists (one bit per credential,
//! GZIP-compressed, multibase base64url `u…`), the `BitstringStatusListCredential` document to
//! sign with our suites, the `BitstringStatusListEntry` a credential carries, an index
//! allocator, and the status check against a given status list credential.
//!
//! Pure: fetching the status list credential is the caller's business (a closure hands it in).

use std::collections::HashSet;
use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::credential::{VerifyError, VerifyOptions, format_date_time, verify_credential};
use crate::keys::KeyResolver;
use crate::suites::Canonicaliser;

/// The spec's minimum list length (16 KiB of bits), for group privacy.
pub const MINIMUM_ENTRIES: usize = 131_072;
/// The largest decompressed list we accept (16 MiB, 134 million entries): a guard against
/// GZIP bombs in a fetched list.
pub const MAXIMUM_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;
/// The VC 2.0 context, the only one a status list credential needs.
pub const CREDENTIALS_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// What a set bit means. The spec also defines `refresh` and `message`; we use these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    /// Permanent: a set bit means revoked.
    Revocation,
    /// Temporary: a set bit means suspended; clearing it lifts the suspension.
    Suspension,
}

impl StatusPurpose {
    /// The `statusPurpose` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }

    /// Reads a `statusPurpose` value.
    pub fn parse(text: &str) -> Result<Self, StatusListError> {
        match text {
            "revocation" => Ok(Self::Revocation),
            "suspension" => Ok(Self::Suspension),
            other => Err(StatusListError::UnsupportedPurpose {
                purpose: other.to_owned(),
            }),
        }
    }
}

impl std::fmt::Display for StatusPurpose {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a status list, an entry or a status check failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatusListError {
    /// A purpose other than revocation or suspension.
    #[error("unsupported status purpose {purpose:?}: use revocation or suspension")]
    UnsupportedPurpose { purpose: String },
    /// Fewer entries than the spec's minimum of 131,072.
    #[error("status list has {entries} entries, fewer than the minimum {MINIMUM_ENTRIES}")]
    ListTooShort { entries: usize },
    /// An index past the end of the list.
    #[error("status list index {index} is out of range for a list of {entries} entries")]
    IndexOutOfRange { index: u64, entries: usize },
    /// `encodedList` does not start with the multibase base64url prefix `u`.
    #[error("encodedList must start with 'u' (multibase base64url)")]
    EncodedListNotBase64Url,
    /// `encodedList` is not base64url.
    #[error("encodedList is not valid base64url")]
    EncodedListInvalidBase64,
    /// `encodedList` is not GZIP, or decompresses past the size limit.
    #[error("encodedList is not a valid GZIP stream: {reason}")]
    EncodedListInvalidGzip { reason: String },
    /// A `credentialStatus` entry lacks a member or has one of the wrong shape.
    #[error("credentialStatus entry is malformed: {reason}")]
    MalformedEntry { reason: String },
    /// The status list credential lacks a member or has one of the wrong shape.
    #[error("status list credential is malformed: {reason}")]
    MalformedStatusListCredential { reason: String },
    /// The caller could not provide the status list credential the entry names.
    #[error("status list credential {url} is not available")]
    StatusListCredentialUnavailable { url: String },
    /// The status list credential's `id` is not the URL the entry names.
    #[error("status list credential id {found:?} is not the expected {expected}")]
    StatusListCredentialIdMismatch {
        expected: String,
        found: Option<String>,
    },
    /// The status list credential itself does not verify (tampered, wrong key, expired).
    #[error("status list credential does not verify: {0}")]
    StatusListCredentialInvalid(VerifyError),
    /// The entry's purpose differs from the list's (`STATUS_VERIFICATION_ERROR` in the spec).
    #[error("entry purpose {entry} does not match the status list's purpose {list}")]
    PurposeMismatch {
        entry: StatusPurpose,
        list: StatusPurpose,
    },
    /// Every index of the list is in use.
    #[error("status list is full: all {entries} indexes are allocated")]
    ListFull { entries: usize },
}

/// One list of status bits. Bit `i` is bit `7 - i % 8` of byte `i / 8` (the leftmost bit of the
/// first byte is index 0), as the spec's bitstring expansion prescribes.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    purpose: StatusPurpose,
    bits: Vec<u8>,
}

impl std::fmt::Debug for StatusList {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("StatusList")
            .field("purpose", &self.purpose)
            .field("entries", &self.len())
            .field("set", &self.count_set())
            .finish()
    }
}

impl StatusList {
    /// An all-clear list of at least `entries` entries (rounded up to whole bytes), never fewer
    /// than [`MINIMUM_ENTRIES`].
    pub fn new(purpose: StatusPurpose, entries: usize) -> Self {
        let entries = entries.max(MINIMUM_ENTRIES);
        Self {
            purpose,
            bits: vec![0; entries.div_ceil(8)],
        }
    }

    /// The purpose of this list.
    pub fn purpose(&self) -> StatusPurpose {
        self.purpose
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.bits.len() * 8
    }

    /// Whether the list has no entries (never, for a list built here).
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// How many bits are set.
    pub fn count_set(&self) -> usize {
        self.bits
            .iter()
            .map(|byte| byte.count_ones() as usize)
            .sum()
    }

    fn position(&self, index: u64) -> Result<(usize, u8), StatusListError> {
        match usize::try_from(index) {
            Ok(index) if index < self.len() => Ok((index / 8, 0x80 >> (index % 8))),
            _ => Err(StatusListError::IndexOutOfRange {
                index,
                entries: self.len(),
            }),
        }
    }

    /// Whether the bit at `index` is set (revoked or suspended).
    pub fn get(&self, index: u64) -> Result<bool, StatusListError> {
        let (byte, mask) = self.position(index)?;
        Ok(self.bits[byte] & mask != 0)
    }

    /// Sets or clears the bit at `index`.
    pub fn set(&mut self, index: u64, value: bool) -> Result<(), StatusListError> {
        let (byte, mask) = self.position(index)?;
        if value {
            self.bits[byte] |= mask;
        } else {
            self.bits[byte] &= !mask;
        }
        Ok(())
    }

    /// `encodedList`: `u` + base64url (no padding) of the GZIP-compressed bitstring.
    pub fn encode(&self) -> String {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        encoder
            .write_all(&self.bits)
            .expect("writing to memory cannot fail");
        let compressed = encoder.finish().expect("writing to memory cannot fail");
        let mut encoded = String::with_capacity(compressed.len() * 4 / 3 + 2);
        encoded.push('u');
        URL_SAFE_NO_PAD.encode_string(&compressed, &mut encoded);
        encoded
    }

    /// Reads an `encodedList`. Refuses lists shorter than [`MINIMUM_ENTRIES`] (the spec's
    /// `STATUS_LIST_LENGTH_ERROR`) and ones decompressing past [`MAXIMUM_DECOMPRESSED_BYTES`].
    pub fn decode(purpose: StatusPurpose, encoded_list: &str) -> Result<Self, StatusListError> {
        let Some(base64) = encoded_list.strip_prefix('u') else {
            return Err(StatusListError::EncodedListNotBase64Url);
        };
        // Some issuers pad; the multibase `u` alphabet has no padding, so strip it tolerantly.
        let compressed = URL_SAFE_NO_PAD
            .decode(base64.trim_end_matches('='))
            .map_err(|_| StatusListError::EncodedListInvalidBase64)?;
        let mut bits = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(MAXIMUM_DECOMPRESSED_BYTES as u64 + 1)
            .read_to_end(&mut bits)
            .map_err(|error| StatusListError::EncodedListInvalidGzip {
                reason: error.to_string(),
            })?;
        if bits.len() > MAXIMUM_DECOMPRESSED_BYTES {
            return Err(StatusListError::EncodedListInvalidGzip {
                reason: format!("decompresses to more than {MAXIMUM_DECOMPRESSED_BYTES} bytes"),
            });
        }
        if bits.len() * 8 < MINIMUM_ENTRIES {
            return Err(StatusListError::ListTooShort {
                entries: bits.len() * 8,
            });
        }
        Ok(Self { purpose, bits })
    }

    /// The unsigned `BitstringStatusListCredential` (VC 2.0) for this list, to be signed with
    /// [`crate::sign_credential`]. `id` is the URL it is served at; the subject is `id#list`.
    pub fn to_credential(
        &self,
        id: &str,
        issuer: &str,
        valid_from: OffsetDateTime,
        valid_until: Option<OffsetDateTime>,
    ) -> Value {
        let mut credential = json!({
            "@context": [CREDENTIALS_V2_CONTEXT],
            "id": id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer,
            "validFrom": format_date_time(valid_from),
            "credentialSubject": {
                "id": format!("{id}#list"),
                "type": "BitstringStatusList",
                "statusPurpose": self.purpose.as_str(),
                "encodedList": self.encode(),
            },
        });
        if let Some(valid_until) = valid_until {
            credential["validUntil"] = Value::String(format_date_time(valid_until));
        }
        credential
    }

    /// The list inside a `BitstringStatusListCredential` (its proof is not checked here; see
    /// [`check_status`]).
    pub fn from_credential(credential: &Value) -> Result<Self, StatusListError> {
        let malformed = |reason: &str| StatusListError::MalformedStatusListCredential {
            reason: reason.to_owned(),
        };
        if !has_type(credential.get("type"), "BitstringStatusListCredential") {
            return Err(malformed("type must include BitstringStatusListCredential"));
        }
        let subject = match credential.get("credentialSubject") {
            Some(Value::Object(subject)) => subject,
            _ => return Err(malformed("credentialSubject must be an object")),
        };
        if !has_type(subject.get("type"), "BitstringStatusList") {
            return Err(malformed(
                "credentialSubject type must be BitstringStatusList",
            ));
        }
        let purpose = match subject.get("statusPurpose") {
            Some(Value::String(purpose)) => StatusPurpose::parse(purpose)?,
            _ => {
                return Err(malformed(
                    "credentialSubject.statusPurpose must be a string",
                ));
            }
        };
        let encoded_list = match subject.get("encodedList") {
            Some(Value::String(encoded_list)) => encoded_list,
            _ => return Err(malformed("credentialSubject.encodedList must be a string")),
        };
        Self::decode(purpose, encoded_list)
    }
}

fn has_type(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        Some(Value::String(single)) => single == wanted,
        Some(Value::Array(types)) => types.iter().any(|item| item.as_str() == Some(wanted)),
        _ => false,
    }
}

/// A credential's `credentialStatus` entry of type `BitstringStatusListEntry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListEntry {
    /// Which list (revocation or suspension) the index points into.
    pub purpose: StatusPurpose,
    /// The index in that list (written as a decimal string).
    pub index: u64,
    /// The URL of the `BitstringStatusListCredential`.
    pub status_list_credential: String,
}

impl StatusListEntry {
    /// The JSON entry; its `id` is `<statusListCredential>#<index>`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": format!("{}#{}", self.status_list_credential, self.index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose.as_str(),
            "statusListIndex": self.index.to_string(),
            "statusListCredential": self.status_list_credential,
        })
    }

    /// Reads one entry. `statusListIndex` is a decimal string per the spec (a JSON number is
    /// refused, so there is one form to sign).
    pub fn from_json(entry: &Value) -> Result<Self, StatusListError> {
        let malformed = |reason: &str| StatusListError::MalformedEntry {
            reason: reason.to_owned(),
        };
        if !has_type(entry.get("type"), "BitstringStatusListEntry") {
            return Err(malformed("type must be BitstringStatusListEntry"));
        }
        let purpose = match entry.get("statusPurpose") {
            Some(Value::String(purpose)) => StatusPurpose::parse(purpose)?,
            _ => return Err(malformed("statusPurpose must be a string")),
        };
        let index = match entry.get("statusListIndex") {
            Some(Value::String(index))
                if !index.is_empty()
                    && index.bytes().all(|byte| byte.is_ascii_digit())
                    && (index == "0" || !index.starts_with('0')) =>
            {
                index
                    .parse::<u64>()
                    .map_err(|_| malformed("statusListIndex is too large"))?
            }
            _ => {
                return Err(malformed(
                    "statusListIndex must be a decimal integer string",
                ));
            }
        };
        let status_list_credential = match entry.get("statusListCredential") {
            Some(Value::String(url)) if !url.is_empty() => url.clone(),
            _ => return Err(malformed("statusListCredential must be a URL string")),
        };
        Ok(Self {
            purpose,
            index,
            status_list_credential,
        })
    }

    /// Every `BitstringStatusListEntry` in a credential's `credentialStatus` (an object or an
    /// array); entries of other types are skipped.
    pub fn from_credential(credential: &Value) -> Result<Vec<Self>, StatusListError> {
        let entries: Vec<&Value> = match credential.get("credentialStatus") {
            None => Vec::new(),
            Some(Value::Array(entries)) => entries.iter().collect(),
            Some(entry @ Value::Object(_)) => vec![entry],
            Some(_) => {
                return Err(StatusListError::MalformedEntry {
                    reason: "credentialStatus must be an object or an array".into(),
                });
            }
        };
        entries
            .into_iter()
            .filter(|entry| has_type(entry.get("type"), "BitstringStatusListEntry"))
            .map(Self::from_json)
            .collect()
    }
}

/// Sets `credentialStatus` of an unsigned credential to `entries` (one object, or an array
/// when there are several).
pub fn set_credential_status(credential: &mut Map<String, Value>, entries: &[StatusListEntry]) {
    let value = match entries {
        [] => {
            credential.remove("credentialStatus");
            return;
        }
        [single] => single.to_json(),
        several => Value::Array(several.iter().map(StatusListEntry::to_json).collect()),
    };
    credential.insert("credentialStatus".into(), value);
}

/// Hands out list indexes that look random (so neighbouring indexes say nothing about issue
/// order or the holder) but never repeat. Deterministic from the seed: the sequence is
/// SHA-256(seed ‖ counter) reduced modulo the list length, skipping used indexes. The store
/// persists the used set; rebuilding the allocator from seed and used set resumes safely.
#[derive(Clone)]
pub struct IndexAllocator {
    seed: [u8; 32],
    counter: u64,
    entries: usize,
    used: HashSet<u64>,
}

impl std::fmt::Debug for IndexAllocator {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IndexAllocator")
            .field("entries", &self.entries)
            .field("used", &self.used.len())
            .finish_non_exhaustive()
    }
}

impl IndexAllocator {
    /// An allocator for a list of `entries` entries (at least one), with indexes already `used`.
    pub fn new(seed: [u8; 32], entries: usize, used: impl IntoIterator<Item = u64>) -> Self {
        Self {
            seed,
            counter: 0,
            entries: entries.max(1),
            used: used.into_iter().collect(),
        }
    }

    /// How many indexes are in use.
    pub fn used_count(&self) -> usize {
        self.used.len()
    }

    /// The next unused index, now marked used.
    pub fn allocate(&mut self) -> Result<u64, StatusListError> {
        let entries = self.entries as u64;
        if self.used.len() as u64 >= entries {
            return Err(StatusListError::ListFull {
                entries: self.entries,
            });
        }
        // Random probing; once the list is nearly full, fall back to a linear scan from the
        // probe so allocation always terminates.
        for _ in 0..64 {
            let candidate = self.next_candidate() % entries;
            if self.used.insert(candidate) {
                return Ok(candidate);
            }
        }
        let start = self.next_candidate() % entries;
        for offset in 0..entries {
            let candidate = (start + offset) % entries;
            if self.used.insert(candidate) {
                return Ok(candidate);
            }
        }
        Err(StatusListError::ListFull {
            entries: self.entries,
        })
    }

    fn next_candidate(&mut self) -> u64 {
        let mut hasher = Sha256::new();
        hasher.update(self.seed);
        hasher.update(self.counter.to_be_bytes());
        self.counter += 1;
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

/// The outcome of one entry's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCheck {
    /// The entry checked.
    pub entry: StatusListEntry,
    /// Whether its bit is set: revoked, or suspended.
    pub is_set: bool,
}

/// The status of a credential over all its entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialStatusReport {
    /// Each entry's check, in document order.
    pub checks: Vec<StatusCheck>,
}

impl CredentialStatusReport {
    /// Whether a revocation entry's bit is set.
    pub fn is_revoked(&self) -> bool {
        self.is_set(StatusPurpose::Revocation)
    }

    /// Whether a suspension entry's bit is set.
    pub fn is_suspended(&self) -> bool {
        self.is_set(StatusPurpose::Suspension)
    }

    fn is_set(&self, purpose: StatusPurpose) -> bool {
        self.checks
            .iter()
            .any(|check| check.entry.purpose == purpose && check.is_set)
    }
}

/// Checks one entry against its status list credential: the list credential's proofs verify
/// (with `resolver`, at `options.now`), its `id` is the URL the entry names, the purposes
/// match, the list is long enough, and the index is in range. Returns whether the bit is set.
pub fn check_status(
    entry: &StatusListEntry,
    status_list_credential: &Value,
    resolver: &dyn KeyResolver,
    options: &VerifyOptions,
    canonicaliser: &Canonicaliser,
) -> Result<StatusCheck, StatusListError> {
    verify_credential(status_list_credential, resolver, options, canonicaliser)
        .map_err(StatusListError::StatusListCredentialInvalid)?;
    let found_id = status_list_credential
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if found_id.as_deref() != Some(entry.status_list_credential.as_str()) {
        return Err(StatusListError::StatusListCredentialIdMismatch {
            expected: entry.status_list_credential.clone(),
            found: found_id,
        });
    }
    let list = StatusList::from_credential(status_list_credential)?;
    if list.purpose() != entry.purpose {
        return Err(StatusListError::PurposeMismatch {
            entry: entry.purpose,
            list: list.purpose(),
        });
    }
    let is_set = list.get(entry.index)?;
    Ok(StatusCheck {
        entry: entry.clone(),
        is_set,
    })
}

/// Checks every `BitstringStatusListEntry` of `credential`; `status_list_credential` returns
/// the (fetched or stored) list credential for a URL, or `None` when it cannot.
pub fn check_credential_status(
    credential: &Value,
    status_list_credential: &dyn Fn(&str) -> Option<Value>,
    resolver: &dyn KeyResolver,
    options: &VerifyOptions,
    canonicaliser: &Canonicaliser,
) -> Result<CredentialStatusReport, StatusListError> {
    let mut report = CredentialStatusReport::default();
    for entry in StatusListEntry::from_credential(credential)? {
        let Some(list_credential) = status_list_credential(&entry.status_list_credential) else {
            return Err(StatusListError::StatusListCredentialUnavailable {
                url: entry.status_list_credential.clone(),
            });
        };
        report.checks.push(check_status(
            &entry,
            &list_credential,
            resolver,
            options,
            canonicaliser,
        )?);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bitstring Status List v1.0, the `encodedList` of its examples: a 16 KiB list, all clear.
    const SPEC_EXAMPLE_ENCODED_LIST: &str =
        "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";

    #[test]
    fn spec_example_list_decodes_to_131072_clear_entries() {
        let list = StatusList::decode(StatusPurpose::Revocation, SPEC_EXAMPLE_ENCODED_LIST)
            .expect("spec example decodes");
        assert_eq!(list.len(), MINIMUM_ENTRIES);
        assert_eq!(list.count_set(), 0);
    }

    #[test]
    fn bits_round_trip_through_encoding_with_index_zero_leftmost() {
        let mut list = StatusList::new(StatusPurpose::Suspension, 10);
        assert_eq!(list.len(), MINIMUM_ENTRIES);
        list.set(0, true).unwrap();
        list.set(9, true).unwrap();
        list.set(MINIMUM_ENTRIES as u64 - 1, true).unwrap();
        assert_eq!(list.bits[0], 0x80);
        assert_eq!(list.bits[1], 0x40);
        let encoded = list.encode();
        assert!(encoded.starts_with("uH4sI"), "{encoded}");
        let decoded = StatusList::decode(StatusPurpose::Suspension, &encoded).unwrap();
        assert_eq!(decoded, list);
        assert!(decoded.get(9).unwrap());
        assert!(!decoded.get(8).unwrap());
        list.set(9, false).unwrap();
        assert!(!list.get(9).unwrap());
        assert_eq!(
            list.get(MINIMUM_ENTRIES as u64),
            Err(StatusListError::IndexOutOfRange {
                index: MINIMUM_ENTRIES as u64,
                entries: MINIMUM_ENTRIES
            })
        );
    }

    #[test]
    fn bad_encoded_lists_are_refused_with_reasons() {
        assert_eq!(
            StatusList::decode(StatusPurpose::Revocation, "zabc"),
            Err(StatusListError::EncodedListNotBase64Url)
        );
        assert_eq!(
            StatusList::decode(StatusPurpose::Revocation, "u!!"),
            Err(StatusListError::EncodedListInvalidBase64)
        );
        assert!(matches!(
            StatusList::decode(StatusPurpose::Revocation, "uAAAA"),
            Err(StatusListError::EncodedListInvalidGzip { .. })
        ));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&[0u8; 100]).unwrap();
        let short = format!("u{}", URL_SAFE_NO_PAD.encode(encoder.finish().unwrap()));
        assert_eq!(
            StatusList::decode(StatusPurpose::Revocation, &short),
            Err(StatusListError::ListTooShort { entries: 800 })
        );
    }

    #[test]
    fn entry_round_trips_and_refuses_non_decimal_indexes() {
        let entry = StatusListEntry {
            purpose: StatusPurpose::Revocation,
            index: 94567,
            status_list_credential: "https://bank.example/status/1".into(),
        };
        let json = entry.to_json();
        assert_eq!(json["statusListIndex"], "94567");
        assert_eq!(StatusListEntry::from_json(&json).unwrap(), entry);
        for bad in [
            json!(94567),
            json!("0x10"),
            json!("-1"),
            json!(""),
            json!("007"),
        ] {
            let mut json = json.clone();
            json["statusListIndex"] = bad;
            assert!(matches!(
                StatusListEntry::from_json(&json),
                Err(StatusListError::MalformedEntry { .. })
            ));
        }
    }

    #[test]
    fn allocator_is_unique_scattered_and_fills_the_list() {
        let mut allocator = IndexAllocator::new([7; 32], 64, [3, 5]);
        let mut seen = HashSet::new();
        for _ in 0..62 {
            let index = allocator.allocate().unwrap();
            assert!(index < 64 && index != 3 && index != 5);
            assert!(seen.insert(index));
        }
        assert_eq!(
            allocator.allocate(),
            Err(StatusListError::ListFull { entries: 64 })
        );
        let mut big = IndexAllocator::new([1; 32], MINIMUM_ENTRIES, []);
        let first: Vec<u64> = (0..4).map(|_| big.allocate().unwrap()).collect();
        assert!(
            first
                .windows(2)
                .any(|pair| pair[0].abs_diff(pair[1]) > 1000),
            "{first:?}"
        );
    }
}
