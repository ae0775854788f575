//! Keys: [`SigningKey`] (an issuer's secret with its key id, never printed), [`VerificationKey`]
//! (Ed25519 or SM2 public key, written as a Multikey), and [`KeyResolver`], how a verifier turns
//! a proof's `verificationMethod` into a key. Resolvers here work offline: `did:key` from the
//! identifier itself ([`DidKeyResolver`]) and keys the caller already trusts
//! ([`StaticKeyResolver`]); DID documents, JWKS and trust lists come later behind the same trait.

use std::collections::HashMap;
use std::fmt;

use ed25519_dalek::Signer as _;
use sm2::elliptic_curve::sec1::ToSec1Point as _;
use zeroize::Zeroizing;

use crate::multibase::{
    ED25519_PUBLIC_KEY_HEADER, ED25519_SECRET_KEY_HEADER, MultibaseError, SM2_PUBLIC_KEY_HEADER,
    decode_base58btc, encode_base58btc,
};

/// The SM2 distinguishing identifier (user id) that goes into Z_A: GB/T 32918's default,
/// which GM/T 0009 fixes for use without an agreed identity.
pub const SM2_DEFAULT_USER_ID: &str = "1234567812345678";

/// The signature algorithms keys can be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// SM2 digital signature with SM3 (GB/T 32918.2, GB/T 32905).
    Sm2,
}

/// Why a key could not be read, made or found.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The multibase text itself is wrong.
    #[error("key is not a base58btc multikey: {0}")]
    Multibase(#[from] MultibaseError),
    /// The multicodec header names a key type we do not handle.
    #[error("unsupported multikey type (header {header_hex}): use Ed25519 or SM2")]
    UnsupportedMulticodec { header_hex: String },
    /// The key bytes are not a valid key of the announced type.
    #[error("invalid {algorithm:?} key bytes: {reason}")]
    InvalidKeyBytes {
        algorithm: KeyAlgorithm,
        reason: String,
    },
    /// A key id must be a URL with a `#fragment` naming the key within its controller.
    #[error("key id {key_id:?} must be a DID or URL with a #fragment, e.g. did:web:host#key-1")]
    KeyIdWithoutFragment { key_id: String },
    /// The resolver knows no key for this verification method.
    #[error("unknown verification method {verification_method}")]
    UnknownKey { verification_method: String },
    /// The resolver knows the key but the verifier does not trust it (for this purpose).
    #[error("key {verification_method} is not trusted: {reason}")]
    NotTrusted {
        verification_method: String,
        reason: String,
    },
    /// The operating system's random source failed.
    #[error("no randomness available to generate a key")]
    RandomnessUnavailable,
}

/// A public key that checks signatures.
#[derive(Clone, PartialEq, Eq)]
pub enum VerificationKey {
    /// An Ed25519 public key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An SM2 public key, with Z_A computed over [`SM2_DEFAULT_USER_ID`].
    Sm2(Box<Sm2VerificationKey>),
}

/// An SM2 public key prepared for verification (its Z_A hash is computed once).
#[derive(Clone, Debug)]
pub struct Sm2VerificationKey {
    key: sm2::dsa::VerifyingKey,
}

impl PartialEq for Sm2VerificationKey {
    fn eq(&self, other: &Self) -> bool {
        self.key.as_affine() == other.key.as_affine()
    }
}
impl Eq for Sm2VerificationKey {}

impl Sm2VerificationKey {
    /// The key as the `sm2` crate's verifying key.
    pub fn as_sm2(&self) -> &sm2::dsa::VerifyingKey {
        &self.key
    }

    /// The 33-byte SEC1 compressed point.
    pub fn to_compressed_sec1(&self) -> Vec<u8> {
        sm2::PublicKey::from(&self.key)
            .to_sec1_point(true)
            .as_bytes()
            .to_vec()
    }
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_tuple("VerificationKey")
            .field(&self.to_multikey())
            .finish()
    }
}

impl VerificationKey {
    /// Reads a Multikey `publicKeyMultibase` value (`z6Mk…` for Ed25519, `zEP…`-style for SM2).
    pub fn from_multikey(text: &str) -> Result<Self, KeyError> {
        let bytes = decode_base58btc(text)?;
        if let Some(key) = bytes.strip_prefix(&ED25519_PUBLIC_KEY_HEADER[..]) {
            return Self::ed25519_from_bytes(key);
        }
        if let Some(key) = bytes.strip_prefix(&SM2_PUBLIC_KEY_HEADER[..]) {
            return Self::sm2_from_sec1(key);
        }
        Err(KeyError::UnsupportedMulticodec {
            header_hex: hex::encode(&bytes[..bytes.len().min(2)]),
        })
    }

    /// An Ed25519 public key from its 32 bytes.
    pub fn ed25519_from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let invalid = |reason: String| KeyError::InvalidKeyBytes {
            algorithm: KeyAlgorithm::Ed25519,
            reason,
        };
        let array: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid(format!("{} bytes, expected 32", bytes.len())))?;
        ed25519_dalek::VerifyingKey::from_bytes(array)
            .map(Self::Ed25519)
            .map_err(|error| invalid(error.to_string()))
    }

    /// An SM2 public key from a SEC1 point (compressed or not).
    pub fn sm2_from_sec1(bytes: &[u8]) -> Result<Self, KeyError> {
        sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_USER_ID, bytes)
            .map(|key| Self::Sm2(Box::new(Sm2VerificationKey { key })))
            .map_err(|_| KeyError::InvalidKeyBytes {
                algorithm: KeyAlgorithm::Sm2,
                reason: "not a point on the SM2 curve".into(),
            })
    }

    /// The Multikey `publicKeyMultibase` form.
    pub fn to_multikey(&self) -> String {
        let mut bytes = Vec::with_capacity(35);
        match self {
            Self::Ed25519(key) => {
                bytes.extend_from_slice(&ED25519_PUBLIC_KEY_HEADER);
                bytes.extend_from_slice(key.as_bytes());
            }
            Self::Sm2(key) => {
                bytes.extend_from_slice(&SM2_PUBLIC_KEY_HEADER);
                bytes.extend_from_slice(&key.to_compressed_sec1());
            }
        }
        encode_base58btc(&bytes)
    }

    /// The public key as a JWK (RFC 7517) without `kid`/`use`: Ed25519 as `OKP`/`Ed25519`
    /// (RFC 8037); SM2 as `EC` with `crv` `SM2` and the affine `x`, `y` (32 bytes each,
    /// base64url) — no JOSE registry names SM2 yet, so `SM2` is the name GM/T JOSE drafts use.
    pub fn to_jwk(&self) -> serde_json::Value {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        match self {
            Self::Ed25519(key) => serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": b64(key.as_bytes()),
            }),
            Self::Sm2(key) => {
                let point = sm2::PublicKey::from(&key.key).to_sec1_point(false);
                // 0x04 ‖ x ‖ y
                let bytes = point.as_bytes();
                serde_json::json!({
                    "kty": "EC", "crv": "SM2", "x": b64(&bytes[1..33]), "y": b64(&bytes[33..65]),
                })
            }
        }
    }

    /// Which algorithm this key is for.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::Ed25519(_) => KeyAlgorithm::Ed25519,
            Self::Sm2(_) => KeyAlgorithm::Sm2,
        }
    }

    /// The `did:key` identifier of this key (`did:key:<multikey>`).
    pub fn to_did_key(&self) -> String {
        format!("did:key:{}", self.to_multikey())
    }

    /// Checks `signature` over `message`: Ed25519 (64 bytes) or SM2 raw r‖s (64 bytes,
    /// e = SM3(Z_A ‖ message)). Returns false for a wrong signature or a malformed one.
    pub fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .map(|signature| key.verify_strict(message, &signature).is_ok())
                .unwrap_or(false),
            Self::Sm2(key) => sm2::dsa::Signature::from_slice(signature)
                .map(|signature| {
                    sm2::dsa::signature::Verifier::verify(&key.key, message, &signature).is_ok()
                })
                .unwrap_or(false),
        }
    }
}

enum SecretKeyMaterial {
    // ed25519-dalek zeroizes its secret on drop.
    Ed25519(Box<ed25519_dalek::SigningKey>),
    // sm2 0.14 keeps its scalar in a type that does not zeroize on drop; we keep the only copy
    // here and never expose or print it.
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// An issuer's private key with its key id (`did:web:host#key-1`). Its `Debug` shows the key id
/// and public key only; the secret cannot be read back out of this type.
pub struct SigningKey {
    key_id: String,
    secret: SecretKeyMaterial,
    verification_key: VerificationKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field("public_key", &self.verification_key.to_multikey())
            .finish_non_exhaustive()
    }
}

fn check_key_id(key_id: &str) -> Result<(), KeyError> {
    match key_id.split_once('#') {
        Some((controller, fragment))
            if !controller.is_empty() && !fragment.is_empty() && controller.contains(':') =>
        {
            Ok(())
        }
        _ => Err(KeyError::KeyIdWithoutFragment {
            key_id: key_id.to_owned(),
        }),
    }
}

impl SigningKey {
    /// An Ed25519 key from its 32-byte secret (seed).
    pub fn ed25519_from_secret_bytes(key_id: &str, secret: &[u8; 32]) -> Result<Self, KeyError> {
        check_key_id(key_id)?;
        let key = ed25519_dalek::SigningKey::from_bytes(secret);
        let verification_key = VerificationKey::Ed25519(key.verifying_key());
        Ok(Self {
            key_id: key_id.to_owned(),
            secret: SecretKeyMaterial::Ed25519(Box::new(key)),
            verification_key,
        })
    }

    /// An Ed25519 key from a Multikey `secretKeyMultibase` (multicodec `ed25519-priv`).
    pub fn ed25519_from_secret_multikey(key_id: &str, text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(decode_base58btc(text)?);
        let Some(secret) = bytes.strip_prefix(&ED25519_SECRET_KEY_HEADER[..]) else {
            return Err(KeyError::UnsupportedMulticodec {
                header_hex: hex::encode(&bytes[..bytes.len().min(2)]),
            });
        };
        let secret: Zeroizing<[u8; 32]> =
            Zeroizing::new(secret.try_into().map_err(|_| KeyError::InvalidKeyBytes {
                algorithm: KeyAlgorithm::Ed25519,
                reason: format!("secret of {} bytes, expected 32", secret.len()),
            })?);
        Self::ed25519_from_secret_bytes(key_id, &secret)
    }

    /// An SM2 key from its 32-byte big-endian secret scalar (1 ≤ d ≤ n − 2).
    pub fn sm2_from_secret_bytes(key_id: &str, secret: &[u8; 32]) -> Result<Self, KeyError> {
        check_key_id(key_id)?;
        let key = sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_USER_ID, secret).map_err(|_| {
            KeyError::InvalidKeyBytes {
                algorithm: KeyAlgorithm::Sm2,
                reason: "secret scalar out of range".into(),
            }
        })?;
        let verification_key = VerificationKey::Sm2(Box::new(Sm2VerificationKey {
            key: key.verifying_key().clone(),
        }));
        Ok(Self {
            key_id: key_id.to_owned(),
            secret: SecretKeyMaterial::Sm2(Box::new(key)),
            verification_key,
        })
    }

    /// A fresh key from the operating system's random source.
    pub fn generate(key_id: &str, algorithm: KeyAlgorithm) -> Result<Self, KeyError> {
        loop {
            let mut secret = Zeroizing::new([0u8; 32]);
            getrandom::fill(secret.as_mut_slice()).map_err(|_| KeyError::RandomnessUnavailable)?;
            let made = match algorithm {
                KeyAlgorithm::Ed25519 => Self::ed25519_from_secret_bytes(key_id, &secret),
                KeyAlgorithm::Sm2 => Self::sm2_from_secret_bytes(key_id, &secret),
            };
            match made {
                // A random 256-bit value is outside SM2's scalar range with probability ~2^-32.
                Err(KeyError::InvalidKeyBytes { .. }) => continue,
                other => return other,
            }
        }
    }

    /// The key id, used as the proof's `verificationMethod`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half.
    pub fn verification_key(&self) -> &VerificationKey {
        &self.verification_key
    }

    /// Which algorithm this key signs with.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.verification_key.algorithm()
    }

    /// Signs `message`: Ed25519 (64 bytes), or SM2 with SM3 and the default user id, raw r‖s
    /// (64 bytes, k from RFC 6979 with SM3 so the same input gives the same signature).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.secret {
            SecretKeyMaterial::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
            SecretKeyMaterial::Sm2(key) => {
                // Signing fails only if r = 0 or r + k = n, which RFC 6979's k (always in
                // [1, n−1]) makes a 2^-256 event; `sign` would panic then.
                let signature: sm2::dsa::Signature =
                    sm2::dsa::signature::Signer::sign(key.as_ref(), message);
                signature.to_bytes().to_vec()
            }
        }
    }
}

/// Turns a proof's `verificationMethod` into the key that must have made it.
pub trait KeyResolver {
    /// The key for `verification_method`, or [`KeyError::UnknownKey`].
    fn resolve_verification_method(
        &self,
        verification_method: &str,
    ) -> Result<VerificationKey, KeyError>;
}

/// Resolves `did:key:<multikey>` and `did:key:<multikey>#<multikey>` from the identifier itself,
/// as the did:key method defines: no document to fetch.
#[derive(Debug, Clone, Copy, Default)]
pub struct DidKeyResolver;

impl KeyResolver for DidKeyResolver {
    fn resolve_verification_method(
        &self,
        verification_method: &str,
    ) -> Result<VerificationKey, KeyError> {
        let unknown = || KeyError::UnknownKey {
            verification_method: verification_method.to_owned(),
        };
        let identifier = verification_method
            .strip_prefix("did:key:")
            .ok_or_else(unknown)?;
        let (multikey, fragment) = match identifier.split_once('#') {
            Some((multikey, fragment)) => (multikey, Some(fragment)),
            None => (identifier, None),
        };
        // The fragment of a did:key verification method is the key itself; anything else
        // names no key of this DID.
        if fragment.is_some_and(|fragment| fragment != multikey) {
            return Err(unknown());
        }
        VerificationKey::from_multikey(multikey)
    }
}

/// Keys the caller already trusts, by exact verification method id (e.g. an issuer's
/// published keys, or the rotated-out keys it still honours for old credentials).
#[derive(Debug, Clone, Default)]
pub struct StaticKeyResolver {
    keys: HashMap<String, VerificationKey>,
}

impl StaticKeyResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trusted key under its verification method id.
    pub fn with_key(mut self, verification_method: &str, key: VerificationKey) -> Self {
        self.keys.insert(verification_method.to_owned(), key);
        self
    }

    /// Adds a trusted key.
    pub fn insert(&mut self, verification_method: &str, key: VerificationKey) {
        self.keys.insert(verification_method.to_owned(), key);
    }
}

impl KeyResolver for StaticKeyResolver {
    fn resolve_verification_method(
        &self,
        verification_method: &str,
    ) -> Result<VerificationKey, KeyError> {
        self.keys
            .get(verification_method)
            .cloned()
            .ok_or_else(|| KeyError::UnknownKey {
                verification_method: verification_method.to_owned(),
            })
    }
}

/// Tries each resolver in turn; the first that knows the method wins.
impl<First: KeyResolver, Second: KeyResolver> KeyResolver for (First, Second) {
    fn resolve_verification_method(
        &self,
        verification_method: &str,
    ) -> Result<VerificationKey, KeyError> {
        match self.0.resolve_verification_method(verification_method) {
            Err(KeyError::UnknownKey { .. }) => {
                self.1.resolve_verification_method(verification_method)
            }
            other => other,
        }
    }
}

/// An issuer's signing keys by key id. As a [`KeyResolver`] it answers with their public keys,
/// so an issuer can check what it signed.
#[derive(Debug, Default)]
pub struct Keyring {
    keys: Vec<SigningKey>,
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key; a key with the same id is replaced.
    pub fn insert(&mut self, key: SigningKey) {
        self.keys.retain(|existing| existing.key_id != key.key_id);
        self.keys.push(key);
    }

    /// The key with this id.
    pub fn key(&self, key_id: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|key| key.key_id == key_id)
    }

    /// All keys, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        self.keys.iter()
    }

    /// The key new proofs of `algorithm` are made with: the one added last. Rotation adds the
    /// new key and keeps the old ones, so credentials they signed still verify.
    pub fn active_key(&self, algorithm: KeyAlgorithm) -> Option<&SigningKey> {
        self.keys
            .iter()
            .rev()
            .find(|key| key.algorithm() == algorithm)
    }
}

impl KeyResolver for Keyring {
    fn resolve_verification_method(
        &self,
        verification_method: &str,
    ) -> Result<VerificationKey, KeyError> {
        self.key(verification_method)
            .map(|key| key.verification_key.clone())
            .ok_or_else(|| KeyError::UnknownKey {
                verification_method: verification_method.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let secret = [7u8; 32];
        for key in [
            SigningKey::ed25519_from_secret_bytes("did:web:example.org#key-1", &secret).unwrap(),
            SigningKey::sm2_from_secret_bytes("did:web:example.org#key-2", &secret).unwrap(),
        ] {
            let printed = format!("{key:?} {key:#?}");
            assert!(!printed.contains(&hex::encode(secret)), "{printed}");
            assert!(!printed.contains("[7, 7"), "{printed}");
            assert!(printed.contains("did:web:example.org#key-"));
        }
    }

    #[test]
    fn key_ids_need_a_fragment() {
        assert_eq!(
            SigningKey::ed25519_from_secret_bytes("did:web:example.org", &[1; 32]).unwrap_err(),
            KeyError::KeyIdWithoutFragment {
                key_id: "did:web:example.org".into()
            }
        );
    }

    #[test]
    fn multikeys_round_trip_for_both_algorithms() {
        for algorithm in [KeyAlgorithm::Ed25519, KeyAlgorithm::Sm2].repeat(8) {
            let key = SigningKey::generate("did:web:example.org#key-1", algorithm).unwrap();
            let multikey = key.verification_key().to_multikey();
            let read = VerificationKey::from_multikey(&multikey).unwrap();
            assert_eq!(&read, key.verification_key());
            assert_eq!(read.algorithm(), algorithm);
            let prefix = match algorithm {
                KeyAlgorithm::Ed25519 => "z6Mk",
                KeyAlgorithm::Sm2 => "zEP",
            };
            assert!(multikey.starts_with(prefix), "{multikey}");
        }
    }

    #[test]
    fn did_key_resolves_with_or_without_its_fragment_and_refuses_another_fragment() {
        let multikey = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let bare = DidKeyResolver
            .resolve_verification_method(&format!("did:key:{multikey}"))
            .unwrap();
        let with_fragment = DidKeyResolver
            .resolve_verification_method(&format!("did:key:{multikey}#{multikey}"))
            .unwrap();
        assert_eq!(bare, with_fragment);
        assert_eq!(bare.to_multikey(), multikey);
        assert!(matches!(
            DidKeyResolver.resolve_verification_method(&format!("did:key:{multikey}#other")),
            Err(KeyError::UnknownKey { .. })
        ));
    }
}
