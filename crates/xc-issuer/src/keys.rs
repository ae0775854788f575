//! The issuer's signing keys. Each key is a file `<algorithm>-<n>.key` (32 random bytes as hex,
//! mode 0600, created through `xc_privacy::open_or_create_secret_file`) in the key directory;
//! its key id is `<did>#<algorithm>-<n>`. The newest key of each algorithm signs; every key in
//! the directory stays in the DID document so credentials signed before a rotation still
//! verify. A secret never leaves this module's `Keyring` and is never printed.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use xc_credentials::{KeyAlgorithm, Keyring, SigningKey};

/// What can go wrong with the issuer's keys.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("issuer key {path}: {source}")]
    KeyFile {
        path: String,
        source: xc_privacy::PrivacyError,
    },
    #[error("issuer key directory {path}: {source}")]
    KeyDirectory {
        path: String,
        source: std::io::Error,
    },
    #[error("issuer key {key_id}: {reason}")]
    Key { key_id: String, reason: String },
    #[error("issuer.base_url {url:?}: {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("the issuer DID {did:?} is not a did:web DID")]
    Did { did: String },
    #[error(transparent)]
    Store(#[from] xc_store::StoreError),
    #[error("the log cannot be signed: {0}")]
    Log(String),
    #[error("the credential cannot be issued: {0}")]
    Credential(String),
    #[error("the operating system's random source failed")]
    Random,
}

fn algorithm_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::Ed25519 => "ed25519",
        KeyAlgorithm::Sm2 => "sm2",
    }
}

const ALGORITHMS: [KeyAlgorithm; 2] = [KeyAlgorithm::Ed25519, KeyAlgorithm::Sm2];

/// The issuer's DID and keys.
#[derive(Debug)]
pub struct IssuerKeys {
    did: String,
    directory: PathBuf,
    keyring: Keyring,
    /// For each algorithm, the key numbers present, ascending.
    numbers: Vec<(KeyAlgorithm, Vec<u32>)>,
}

impl IssuerKeys {
    /// Opens the keys in `directory` for the issuer `did` (a `did:web:` DID), creating the first
    /// Ed25519 and SM2 keys when there are none.
    pub fn open_or_create(directory: &Path, did: &str) -> Result<Self, IssuerError> {
        if !did.starts_with("did:web:") || did.len() <= "did:web:".len() {
            return Err(IssuerError::Did { did: did.into() });
        }
        let directory_error = |source| IssuerError::KeyDirectory {
            path: directory.display().to_string(),
            source,
        };
        std::fs::create_dir_all(directory).map_err(directory_error)?;
        let mut numbers: Vec<(KeyAlgorithm, Vec<u32>)> =
            ALGORITHMS.iter().map(|a| (*a, Vec::new())).collect();
        for item in std::fs::read_dir(directory).map_err(directory_error)? {
            let name = item.map_err(directory_error)?.file_name();
            let Some(stem) = name.to_str().and_then(|name| name.strip_suffix(".key")) else {
                continue;
            };
            for (algorithm, found) in &mut numbers {
                if let Some(number) = stem
                    .strip_prefix(algorithm_name(*algorithm))
                    .and_then(|rest| rest.strip_prefix('-'))
                    .and_then(|n| n.parse::<u32>().ok())
                {
                    found.push(number);
                }
            }
        }
        for (_, found) in &mut numbers {
            found.sort_unstable();
            if found.is_empty() {
                found.push(1);
            }
        }
        let mut keys = IssuerKeys {
            did: did.to_owned(),
            directory: directory.to_owned(),
            keyring: Keyring::new(),
            numbers: Vec::new(),
        };
        for (algorithm, found) in &numbers {
            for number in found {
                keys.load(*algorithm, *number)?;
            }
        }
        keys.numbers = numbers;
        Ok(keys)
    }

    fn key_file(&self, algorithm: KeyAlgorithm, number: u32) -> PathBuf {
        self.directory
            .join(format!("{}-{number}.key", algorithm_name(algorithm)))
    }

    fn key_id(&self, algorithm: KeyAlgorithm, number: u32) -> String {
        format!("{}#{}-{number}", self.did, algorithm_name(algorithm))
    }

    fn load(&mut self, algorithm: KeyAlgorithm, number: u32) -> Result<(), IssuerError> {
        let path = self.key_file(algorithm, number);
        let secret = xc_privacy::open_or_create_secret_file(&path, 32).map_err(|source| {
            IssuerError::KeyFile {
                path: path.display().to_string(),
                source,
            }
        })?;
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&secret);
        let key_id = self.key_id(algorithm, number);
        let key = match algorithm {
            KeyAlgorithm::Ed25519 => SigningKey::ed25519_from_secret_bytes(&key_id, &bytes),
            KeyAlgorithm::Sm2 => SigningKey::sm2_from_secret_bytes(&key_id, &bytes),
        }
        .map_err(|error| IssuerError::Key {
            key_id: key_id.clone(),
            reason: error.to_string(),
        })?;
        bytes.fill(0);
        self.keyring.insert(key);
        Ok(())
    }

    /// Adds a newer key of `algorithm`, which signs from now on; the older ones stay published.
    /// Answers the new key id.
    pub fn rotate(&mut self, algorithm: KeyAlgorithm) -> Result<String, IssuerError> {
        let next = self
            .numbers
            .iter()
            .find(|(a, _)| *a == algorithm)
            .and_then(|(_, found)| found.last())
            .map_or(1, |last| last + 1);
        self.load(algorithm, next)?;
        if let Some((_, found)) = self.numbers.iter_mut().find(|(a, _)| *a == algorithm) {
            found.push(next);
        }
        Ok(self.key_id(algorithm, next))
    }

    pub fn did(&self) -> &str {
        &self.did
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The key that signs with `algorithm` now (the newest).
    pub fn active(&self, algorithm: KeyAlgorithm) -> &SigningKey {
        let number = self
            .numbers
            .iter()
            .find(|(a, _)| *a == algorithm)
            .and_then(|(_, found)| found.last())
            .copied()
            .unwrap_or(1);
        self.keyring
            .key(&self.key_id(algorithm, number))
            .expect("every listed key was loaded")
    }

    /// Every key, oldest first within each algorithm.
    pub fn all(&self) -> Vec<&SigningKey> {
        let mut keys = Vec::new();
        for (algorithm, found) in &self.numbers {
            for number in found {
                if let Some(key) = self.keyring.key(&self.key_id(*algorithm, *number)) {
                    keys.push(key);
                }
            }
        }
        keys
    }

    /// The JWKS served at `/.well-known/jwks.json`: every key (see
    /// `VerificationKey::to_jwk`) with its key id as `kid`, `use` `sig` and `alg` `EdDSA` for
    /// Ed25519 (SM2 has no registered JOSE `alg`, so none is given).
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .all()
            .iter()
            .map(|key| {
                let mut jwk = key.verification_key().to_jwk();
                jwk["kid"] = json!(key.key_id());
                jwk["use"] = json!("sig");
                if key.algorithm() == KeyAlgorithm::Ed25519 {
                    jwk["alg"] = json!("EdDSA");
                }
                jwk
            })
            .collect();
        json!({ "keys": keys })
    }

    /// The DID document served at `/.well-known/did.json`: every key as a Multikey
    /// verification method, each usable for assertions.
    pub fn did_document(&self) -> Value {
        let methods: Vec<Value> = self
            .all()
            .iter()
            .map(|key| {
                json!({
                    "id": key.key_id(),
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": key.verification_key().to_multikey(),
                })
            })
            .collect();
        let ids: Vec<&str> = self.all().iter().map(|key| key.key_id()).collect();
        json!({
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1"
            ],
            "id": self.did,
            "verificationMethod": methods,
            "assertionMethod": ids,
        })
    }
}
