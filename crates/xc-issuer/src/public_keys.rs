//! An issuer's public keys as a verifier holds them: read from what the issuer publishes (its
//! DID document, or a JWKS), every key kept — rotated-out ones too, so old credentials still
//! verify — and any key the verifier no longer trusts marked so. As a [`KeyResolver`] it answers
//! a trusted key, `UnknownKey` for a key it does not hold and `NotTrusted` (with the reason) for
//! one it holds but must not use.
//!
//! Accepted files:
//! - a DID document (`verificationMethod` with `Multikey` / `publicKeyMultibase` entries, as
//!   [`crate::IssuerKeys::did_document`] writes): a key is trusted for assertions only when it is
//!   listed (by id, or embedded) under `assertionMethod`; ids starting with `#` are relative to
//!   the document's `id`;
//! - a JWKS (`{"keys": [...]}`), each key with a `kid`: `OKP`/`Ed25519` (`x`, base64url), `EC`/`SM2`
//!   (`x` and `y`, base64url, 32 bytes each), or any key with a `publicKeyMultibase`.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use xc_credentials::{KeyError, KeyResolver, VerificationKey};

/// Why a key file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PublicKeysError {
    #[error(
        "neither a DID document (verificationMethod) nor a JWKS (keys): expected one of them at the top level"
    )]
    UnknownFormat,
    #[error("{location}: {reason}")]
    Key { location: String, reason: String },
}

#[derive(Debug, Clone)]
struct HeldKey {
    key: VerificationKey,
    /// `None` when trusted; otherwise why not.
    distrusted: Option<String>,
}

/// The public keys of one or more issuers, by verification method id.
#[derive(Debug, Clone, Default)]
pub struct IssuerPublicKeys {
    keys: BTreeMap<String, HeldKey>,
}

impl IssuerPublicKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a DID document or a JWKS (see the module doc).
    pub fn from_json(document: &Value) -> Result<Self, PublicKeysError> {
        let mut keys = Self::new();
        keys.add_json(document)?;
        Ok(keys)
    }

    /// Adds the keys of a DID document or JWKS to these.
    pub fn add_json(&mut self, document: &Value) -> Result<(), PublicKeysError> {
        if document.get("verificationMethod").is_some() {
            self.add_did_document(document)
        } else if document.get("keys").is_some() {
            self.add_jwks(document)
        } else {
            Err(PublicKeysError::UnknownFormat)
        }
    }

    fn add_did_document(&mut self, document: &Value) -> Result<(), PublicKeysError> {
        let did = document.get("id").and_then(Value::as_str).unwrap_or("");
        let absolute = |id: &str| {
            if id.starts_with('#') {
                format!("{did}{id}")
            } else {
                id.to_owned()
            }
        };
        let methods = document
            .get("verificationMethod")
            .and_then(Value::as_array)
            .ok_or_else(|| PublicKeysError::Key {
                location: "verificationMethod".into(),
                reason: "must be a list of verification methods".into(),
            })?;
        let mut found: Vec<(String, VerificationKey)> = Vec::new();
        for (index, method) in methods.iter().enumerate() {
            let location = format!("verificationMethod[{index}]");
            found.push(multikey_method(method, &location, &absolute)?);
        }
        let mut assertion = Vec::new();
        for (index, item) in document
            .get("assertionMethod")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            match item {
                Value::String(id) => assertion.push(absolute(id)),
                Value::Object(_) => {
                    let (id, key) =
                        multikey_method(item, &format!("assertionMethod[{index}]"), &absolute)?;
                    assertion.push(id.clone());
                    found.push((id, key));
                }
                _ => {
                    return Err(PublicKeysError::Key {
                        location: format!("assertionMethod[{index}]"),
                        reason: "must be a key id or a verification method".into(),
                    });
                }
            }
        }
        for (id, key) in found {
            let distrusted = (!assertion.contains(&id))
                .then(|| "the DID document does not list it under assertionMethod".to_owned());
            self.keys.insert(id, HeldKey { key, distrusted });
        }
        Ok(())
    }

    fn add_jwks(&mut self, document: &Value) -> Result<(), PublicKeysError> {
        let items = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| PublicKeysError::Key {
                location: "keys".into(),
                reason: "must be a list of JWKs".into(),
            })?;
        for (index, jwk) in items.iter().enumerate() {
            let location = format!("keys[{index}]");
            let error = |reason: &str| PublicKeysError::Key {
                location: location.clone(),
                reason: reason.to_owned(),
            };
            let kid = jwk
                .get("kid")
                .and_then(Value::as_str)
                .ok_or_else(|| error("kid is missing or not a string"))?;
            let text = |member: &str| jwk.get(member).and_then(Value::as_str);
            let bytes = |member: &str| {
                text(member)
                    .and_then(|value| URL_SAFE_NO_PAD.decode(value).ok())
                    .ok_or_else(|| error(&format!("{member} is missing or not base64url")))
            };
            let key = if let Some(multikey) = text("publicKeyMultibase") {
                VerificationKey::from_multikey(multikey)
            } else {
                match (text("kty"), text("crv")) {
                    (Some("OKP"), Some("Ed25519")) => {
                        VerificationKey::ed25519_from_bytes(&bytes("x")?)
                    }
                    (Some("EC"), Some("SM2")) => {
                        let (x, y) = (bytes("x")?, bytes("y")?);
                        if x.len() != 32 || y.len() != 32 {
                            return Err(error("x and y of an SM2 key are 32 bytes each"));
                        }
                        let mut point = vec![0x04];
                        point.extend_from_slice(&x);
                        point.extend_from_slice(&y);
                        VerificationKey::sm2_from_sec1(&point)
                    }
                    (kty, crv) => {
                        return Err(error(&format!(
                            "unsupported key type kty {kty:?} crv {crv:?}: use OKP/Ed25519 or EC/SM2"
                        )));
                    }
                }
            }
            .map_err(|key_error| error(&key_error.to_string()))?;
            self.keys.insert(
                kid.to_owned(),
                HeldKey {
                    key,
                    distrusted: None,
                },
            );
        }
        Ok(())
    }

    /// Marks a key as not trusted (e.g. one reported compromised): proofs and tree heads it
    /// signed are refused with `reason`. Answers whether the key was held.
    pub fn distrust(&mut self, key_id: &str, reason: &str) -> bool {
        match self.keys.get_mut(key_id) {
            Some(held) => {
                held.distrusted = Some(reason.to_owned());
                true
            }
            None => false,
        }
    }

    /// The key ids held, each with `None` when trusted or why it is not.
    pub fn key_ids(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.keys
            .iter()
            .map(|(id, held)| (id.as_str(), held.distrusted.as_deref()))
    }

    /// The keys held and trusted, by id.
    pub fn trusted_keys(&self) -> impl Iterator<Item = (&str, &VerificationKey)> {
        self.keys
            .iter()
            .filter(|(_, held)| held.distrusted.is_none())
            .map(|(id, held)| (id.as_str(), &held.key))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn multikey_method(
    method: &Value,
    location: &str,
    absolute: &dyn Fn(&str) -> String,
) -> Result<(String, VerificationKey), PublicKeysError> {
    let error = |reason: String| PublicKeysError::Key {
        location: location.to_owned(),
        reason,
    };
    let id = method
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| error("id is missing or not a string".into()))?;
    let multikey = method
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| error("publicKeyMultibase is missing or not a string".into()))?;
    let key = VerificationKey::from_multikey(multikey).map_err(|e| error(e.to_string()))?;
    Ok((absolute(id), key))
}

impl KeyResolver for IssuerPublicKeys {
    fn resolve_verification_method(
        &self,
        verification_method: &str,
    ) -> Result<VerificationKey, KeyError> {
        match self.keys.get(verification_method) {
            None => Err(KeyError::UnknownKey {
                verification_method: verification_method.to_owned(),
            }),
            Some(HeldKey {
                distrusted: Some(reason),
                ..
            }) => Err(KeyError::NotTrusted {
                verification_method: verification_method.to_owned(),
                reason: reason.clone(),
            }),
            Some(HeldKey { key, .. }) => Ok(key.clone()),
        }
    }
}
