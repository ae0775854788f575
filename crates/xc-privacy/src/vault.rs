//! Field encryption and keyed look-up hashes for personal data.
//!
//! Sealed layout: `0x01 || nonce (12 bytes) || AES-256-GCM(ciphertext || tag)`, with the field's
//! name as associated data, so a sealed phone number cannot be passed off as an ID number.
//! Look-up hash: HMAC-SHA-256 over `field name || 0x00 || value` with a key separate from the
//! encryption key.

use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use xc_domain::{NationalId, PhoneNumber};
use xc_store::Sealed;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
/// Length of the key material: 32 bytes for AES-256, 32 for HMAC.
pub const KEY_LEN: usize = 64;

/// Which personal field a value belongs to (bound into every ciphertext and hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiField {
    NationalId,
    Phone,
    /// An xAPI actor's identifier (its IFI key), hashed for the audit of its erasure and links.
    XapiActor,
}

impl PiiField {
    fn label(self) -> &'static [u8] {
        match self {
            PiiField::NationalId => b"national_id",
            PiiField::Phone => b"phone",
            PiiField::XapiActor => b"xapi_actor",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("the personal-data key must be {KEY_LEN} bytes (or {} hex digits), found {found}", KEY_LEN * 2)]
    KeyLength { found: usize },
    #[error("the key file {path} is readable by other users: run chmod 600 on it")]
    KeyPermissions { path: String },
    #[error("the key file {path} must hold {expected} bytes as hex, found {found}")]
    SecretFileLength {
        path: String,
        expected: usize,
        found: usize,
    },
    #[error("could not read or create the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("sealed data is damaged or was sealed with another key")]
    Unseal,
    #[error("the operating system's random source failed")]
    Random,
}

/// Holds the keys. `Debug` shows nothing of them.
#[derive(Clone)]
pub struct PiiVault {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl fmt::Debug for PiiVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PiiVault(keys hidden)")
    }
}

impl PiiVault {
    /// From 64 bytes of key material.
    pub fn from_key(key: &[u8]) -> Result<Self, PrivacyError> {
        if key.len() != KEY_LEN {
            return Err(PrivacyError::KeyLength { found: key.len() });
        }
        let cipher = Aes256Gcm::new_from_slice(&key[..32])
            .map_err(|_| PrivacyError::KeyLength { found: key.len() })?;
        let mut mac_key = [0u8; 32];
        mac_key.copy_from_slice(&key[32..]);
        Ok(Self { cipher, mac_key })
    }

    /// From 128 hex digits (as given in configuration).
    pub fn from_hex(text: &str) -> Result<Self, PrivacyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| PrivacyError::KeyLength {
            found: text.trim().len() / 2,
        })?;
        Self::from_key(&bytes)
    }

    /// Reads the key file (hex), creating it with fresh random key material and mode 0600 when
    /// it does not exist. Refuses a file that other users can read.
    pub fn open_or_create_key_file(path: &Path) -> Result<Self, PrivacyError> {
        Self::from_key(&crate::open_or_create_secret_file(path, KEY_LEN)?)
    }

    /// A fresh random vault (tests and throw-away demo data).
    pub fn random() -> Self {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).expect("operating system random source");
        Self::from_key(&key).expect("key of the right length")
    }

    pub fn seal(
        &self,
        field: PiiField,
        plaintext: &str,
        masked: String,
    ) -> Result<Sealed, PrivacyError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| PrivacyError::Random)?;
        let body = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: field.label(),
                },
            )
            .map_err(|_| PrivacyError::Unseal)?;
        let mut ciphertext = Vec::with_capacity(1 + NONCE_LEN + body.len());
        ciphertext.push(VERSION);
        ciphertext.extend_from_slice(&nonce);
        ciphertext.extend_from_slice(&body);
        Ok(Sealed { ciphertext, masked })
    }

    pub fn open(&self, field: PiiField, sealed: &Sealed) -> Result<String, PrivacyError> {
        let bytes = &sealed.ciphertext;
        if bytes.len() < 1 + NONCE_LEN + 16 || bytes[0] != VERSION {
            return Err(PrivacyError::Unseal);
        }
        let nonce: [u8; NONCE_LEN] = bytes[1..=NONCE_LEN]
            .try_into()
            .map_err(|_| PrivacyError::Unseal)?;
        let plain = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &bytes[1 + NONCE_LEN..],
                    aad: field.label(),
                },
            )
            .map_err(|_| PrivacyError::Unseal)?;
        String::from_utf8(plain).map_err(|_| PrivacyError::Unseal)
    }

    /// The keyed hash a value is looked up by.
    pub fn lookup(&self, field: PiiField, value: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.mac_key)
            .expect("HMAC takes any key length");
        mac.update(field.label());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Seals an ID number and computes its look-up hash.
    pub fn seal_national_id(&self, id: &NationalId) -> Result<(Sealed, Vec<u8>), PrivacyError> {
        let sealed = self.seal(PiiField::NationalId, id.expose(), id.masked())?;
        Ok((sealed, self.lookup(PiiField::NationalId, id.expose())))
    }

    pub fn national_id_lookup(&self, id: &NationalId) -> Vec<u8> {
        self.lookup(PiiField::NationalId, id.expose())
    }

    pub fn seal_phone(&self, phone: &PhoneNumber) -> Result<Sealed, PrivacyError> {
        self.seal(PiiField::Phone, phone.expose(), phone.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> NationalId {
        NationalId::parse("11010519491231002X").unwrap()
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_field() {
        let vault = PiiVault::random();
        let (sealed, lookup) = vault.seal_national_id(&id()).unwrap();
        assert_eq!(sealed.masked, "1101**********002X");
        assert!(
            !sealed.ciphertext.windows(6).any(|w| w == b"110105"),
            "no plaintext in the ciphertext"
        );
        assert_eq!(
            vault.open(PiiField::NationalId, &sealed).unwrap(),
            "11010519491231002X"
        );
        assert!(
            vault.open(PiiField::Phone, &sealed).is_err(),
            "bound to its field"
        );
        assert!(
            PiiVault::random()
                .open(PiiField::NationalId, &sealed)
                .is_err(),
            "bound to its key"
        );
        let mut tampered = sealed.clone();
        let last = tampered.ciphertext.len() - 1;
        tampered.ciphertext[last] ^= 1;
        assert!(vault.open(PiiField::NationalId, &tampered).is_err());
        assert_eq!(lookup.len(), 32);
    }

    #[test]
    fn lookups_are_stable_per_key_and_differ_between_keys_and_fields() {
        let vault = PiiVault::random();
        let (first, lookup1) = vault.seal_national_id(&id()).unwrap();
        let (second, lookup2) = vault.seal_national_id(&id()).unwrap();
        assert_eq!(lookup1, lookup2);
        assert_ne!(
            first.ciphertext, second.ciphertext,
            "fresh nonce every time"
        );
        assert_ne!(PiiVault::random().national_id_lookup(&id()), lookup1);
        assert_ne!(vault.lookup(PiiField::Phone, id().expose()), lookup1);
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/pii.key");
        let vault = PiiVault::open_or_create_key_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let again = PiiVault::open_or_create_key_file(&path).unwrap();
        assert_eq!(
            vault.national_id_lookup(&id()),
            again.national_id_lookup(&id())
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pii.key");
        PiiVault::open_or_create_key_file(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = PiiVault::open_or_create_key_file(&path).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
    }

    #[test]
    fn wrong_key_lengths_are_refused_with_the_expected_length() {
        let error = PiiVault::from_hex("abcd").unwrap_err();
        assert!(error.to_string().contains("64 bytes"), "{error}");
    }
}
