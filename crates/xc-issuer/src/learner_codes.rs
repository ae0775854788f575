//! The keys behind the learner code (申学码): an Ed25519 signing key per key number
//! (`learner-code/ed25519-<n>.key` in the issuer's key directory, 32 random bytes as hex, mode
//! 0600, through `xc_privacy::open_or_create_secret_file`) and the secret that turns a learner
//! id into the pseudonymous handle a code carries (`learner-code/handle.key`). The newest key
//! signs; every key in the directory verifies, so a rotation does not refuse the codes already
//! on phones. These keys are the server's alone: they are not in the DID document, because
//! only this server ever checks a learner code. No secret is ever printed.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use xc_credentials::SigningKey;
use xc_credentials::learner_code::{
    LearnerCodeError, LearnerCodeKeys, LearnerCodePurpose, LearnerHandle, LearnerHandleKey,
    VerifiedLearnerCode, issue_learner_code, verify_learner_code,
};
use xc_domain::LearnerId;

use crate::IssuerError;

/// The subdirectory of the issuer's key directory holding the learner-code keys.
pub const LEARNER_CODE_KEY_DIRECTORY: &str = "learner-code";
const HANDLE_KEY_FILE: &str = "handle.key";

/// The learner-code keys of a running server (see the module doc).
pub struct LearnerCodeSigner {
    did: String,
    directory: PathBuf,
    /// Every signing key, by key number, ascending; the last one signs.
    signing: Vec<(u8, SigningKey)>,
    verification: LearnerCodeKeys,
    handles: LearnerHandleKey,
}

impl std::fmt::Debug for LearnerCodeSigner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LearnerCodeSigner")
            .field("directory", &self.directory)
            .field(
                "key_numbers",
                &self.signing.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn secret(path: &Path, length: usize) -> Result<Vec<u8>, IssuerError> {
    xc_privacy::open_or_create_secret_file(path, length).map_err(|source| IssuerError::KeyFile {
        path: path.display().to_string(),
        source,
    })
}

impl LearnerCodeSigner {
    /// Opens the keys under `key_directory/learner-code` for the issuer `did`, creating the
    /// first signing key and the handle key when there are none.
    pub fn open_or_create(key_directory: &Path, did: &str) -> Result<Self, IssuerError> {
        let directory = key_directory.join(LEARNER_CODE_KEY_DIRECTORY);
        let directory_error = |source| IssuerError::KeyDirectory {
            path: directory.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&directory).map_err(directory_error)?;
        let mut numbers = Vec::new();
        for item in std::fs::read_dir(&directory).map_err(directory_error)? {
            let name = item.map_err(directory_error)?.file_name();
            if let Some(number) = name
                .to_str()
                .and_then(|name| name.strip_prefix("ed25519-"))
                .and_then(|rest| rest.strip_suffix(".key"))
                .and_then(|number| number.parse::<u8>().ok())
            {
                numbers.push(number);
            }
        }
        numbers.sort_unstable();
        if numbers.is_empty() {
            numbers.push(1);
        }
        let mut handle_secret = secret(&directory.join(HANDLE_KEY_FILE), 32)?;
        let handles = LearnerHandleKey::new(&handle_secret).map_err(|error| IssuerError::Key {
            key_id: HANDLE_KEY_FILE.into(),
            reason: error.to_string(),
        });
        handle_secret.fill(0);
        let mut signer = Self {
            did: did.to_owned(),
            directory,
            signing: Vec::new(),
            verification: LearnerCodeKeys::new(),
            handles: handles?,
        };
        for number in numbers {
            signer.load(number)?;
        }
        Ok(signer)
    }

    fn load(&mut self, number: u8) -> Result<(), IssuerError> {
        let path = self.directory.join(format!("ed25519-{number}.key"));
        let mut bytes = secret(&path, 32)?;
        let key_id = format!("{}#learner-code-{number}", self.did);
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes);
        bytes.fill(0);
        let key = SigningKey::ed25519_from_secret_bytes(&key_id, &seed).map_err(|error| {
            IssuerError::Key {
                key_id: key_id.clone(),
                reason: error.to_string(),
            }
        });
        seed.fill(0);
        let key = key?;
        self.verification =
            std::mem::take(&mut self.verification).with_key(number, key.verification_key().clone());
        self.signing.push((number, key));
        Ok(())
    }

    /// Adds a newer signing key, which signs from now on; the older ones still verify. Answers
    /// its key number. Refused after key 255 (the token has one byte for it).
    pub fn rotate(&mut self) -> Result<u8, IssuerError> {
        let last = self.signing.last().map_or(0, |(number, _)| *number);
        let next = last.checked_add(1).ok_or_else(|| IssuerError::Key {
            key_id: format!("{}#learner-code-{last}", self.did),
            reason: "the learner code has one byte for the key number: 255 keys at most".into(),
        })?;
        self.load(next)?;
        Ok(next)
    }

    /// The learner's pseudonymous handle (stable for this server's handle key).
    pub fn handle(&self, learner: LearnerId) -> LearnerHandle {
        self.handles.handle(&learner.to_string())
    }

    /// A fresh code for `handle` and `purpose`, valid around `now`'s minute.
    pub fn issue(
        &self,
        handle: LearnerHandle,
        purpose: LearnerCodePurpose,
        now: OffsetDateTime,
    ) -> Result<String, LearnerCodeError> {
        let (number, key) = self
            .signing
            .last()
            .expect("a signer always holds at least one key");
        issue_learner_code(key, *number, handle, purpose, now)
    }

    /// Checks a scanned code's shape, signature, minute and purpose (replay is the store's
    /// business: `LearnerCodeStore::record_check_in`).
    pub fn verify(
        &self,
        token: &str,
        purpose: LearnerCodePurpose,
        now: OffsetDateTime,
    ) -> Result<VerifiedLearnerCode, LearnerCodeError> {
        verify_learner_code(token, &self.verification, purpose, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DID: &str = "did:web:bank.example.org";

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_767_225_630).unwrap()
    }

    #[test]
    fn keys_persist_rotate_and_keep_verifying_older_codes() {
        let directory = tempfile::tempdir().unwrap();
        let learner = LearnerId::new(42);
        let mut signer = LearnerCodeSigner::open_or_create(directory.path(), DID).unwrap();
        let handle = signer.handle(learner);
        let before = signer
            .issue(handle, LearnerCodePurpose::CheckIn, now())
            .unwrap();
        // Reopened: same handle, the code still verifies.
        let reopened = LearnerCodeSigner::open_or_create(directory.path(), DID).unwrap();
        assert_eq!(reopened.handle(learner), handle);
        assert_eq!(
            reopened
                .verify(&before, LearnerCodePurpose::CheckIn, now())
                .unwrap()
                .handle,
            handle
        );
        assert_eq!(signer.rotate().unwrap(), 2);
        let after = signer
            .issue(handle, LearnerCodePurpose::CheckIn, now())
            .unwrap();
        for token in [&before, &after] {
            signer
                .verify(token, LearnerCodePurpose::CheckIn, now())
                .unwrap();
        }
        // Another server's keys do not verify this one's codes, and handles differ.
        let elsewhere = tempfile::tempdir().unwrap();
        let other = LearnerCodeSigner::open_or_create(elsewhere.path(), DID).unwrap();
        assert_ne!(other.handle(learner), handle);
        assert_eq!(
            other.verify(&before, LearnerCodePurpose::CheckIn, now()),
            Err(LearnerCodeError::BadSignature)
        );
        let debug = format!("{signer:?}");
        assert!(debug.contains("key_numbers: [1, 2]"), "{debug}");
        let secret_hex = std::fs::read_to_string(
            directory
                .path()
                .join(LEARNER_CODE_KEY_DIRECTORY)
                .join("ed25519-1.key"),
        )
        .unwrap();
        assert!(!debug.contains(secret_hex.trim()));
    }
}
