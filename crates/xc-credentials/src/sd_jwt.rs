//! SD-JWT (RFC 9901) and SD-JWT VC: issuing a JWT whose chosen claims are selectively
//! disclosable (salted disclosures, SHA-256 `_sd` digests, decoys, array elements), the holder's
//! presentation with an optional Key Binding JWT, and a strict verifier.
//!
//! Compact serialisation only: `<JWS>~<Disclosure>~…~[<KB-JWT>]`. Signatures are JWS `EdDSA`
//! (Ed25519) with our [`SigningKey`]; the issuer's key is found by the header's `kid` through a
//! [`KeyResolver`]. The verifier rejects every disclosure the signed payload does not reference
//! (RFC 9901 §7.1), which widely used implementations do not.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::keys::{KeyAlgorithm, KeyError, KeyResolver, SigningKey, VerificationKey};

/// `_sd_alg` of everything we issue; the only hash we accept.
pub const SD_ALG: &str = "sha-256";
/// JOSE `typ` of a Key Binding JWT.
pub const KB_JWT_TYP: &str = "kb+jwt";
/// JOSE `typ` of an SD-JWT VC.
pub const SD_JWT_VC_TYP: &str = "dc+sd-jwt";
/// Claims an SD-JWT VC must not make selectively disclosable.
pub const SD_JWT_VC_NEVER_DISCLOSABLE: [&str; 6] = ["iss", "nbf", "exp", "cnf", "vct", "status"];
/// The longest compact SD-JWT we parse (a guard for the verifier's inputs).
pub const MAXIMUM_SD_JWT_LENGTH: usize = 1024 * 1024;

/// Why an SD-JWT could not be issued, presented or verified.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SdJwtError {
    /// The text is not `<JWS>~…~`.
    #[error("malformed SD-JWT: {reason}")]
    Malformed { reason: String },
    /// A JWT is not three base64url parts with JSON header and payload.
    #[error("malformed JWT ({which}): {reason}")]
    MalformedJwt { which: &'static str, reason: String },
    /// `alg` is not `EdDSA` (in particular `none` is refused).
    #[error("unsupported JWS alg {alg:?} ({which}): only EdDSA")]
    UnsupportedAlgorithm { which: &'static str, alg: String },
    /// The JOSE `typ` is not the expected one.
    #[error("JWT typ {found:?} ({which}) is not the expected {expected}")]
    WrongType {
        which: &'static str,
        expected: String,
        found: Option<String>,
    },
    /// The issuer JWT names no `kid`.
    #[error("issuer JWT header has no kid")]
    MissingKeyId,
    /// The issuer's key could not be resolved.
    #[error("issuer key: {0}")]
    Key(#[from] KeyError),
    /// Only Ed25519 keys sign SD-JWTs here.
    #[error("SD-JWTs are signed with Ed25519 keys only, not {algorithm:?}")]
    KeyNotEd25519 { algorithm: KeyAlgorithm },
    /// The issuer's signature does not verify.
    #[error("issuer signature does not verify")]
    IssuerSignatureMismatch,
    /// `_sd_alg` other than `sha-256`.
    #[error("unsupported _sd_alg {found:?}: only sha-256")]
    UnsupportedSdAlg { found: String },
    /// A disclosure is not base64url JSON `[salt, name, value]` or `[salt, value]`.
    #[error("malformed disclosure {index}: {reason}")]
    MalformedDisclosure { index: usize, reason: String },
    /// The same disclosure appears twice in the presentation.
    #[error("disclosure {digest} appears more than once")]
    DuplicateDisclosure { digest: String },
    /// The same digest appears twice in the payload or the disclosures.
    #[error("digest {digest} appears more than once")]
    DuplicateDigest { digest: String },
    /// A disclosure no digest in the signed payload (or a disclosed value) references:
    /// forged or smuggled in.
    #[error("disclosure {digest} is not referenced by any signed digest")]
    UnreferencedDisclosure { digest: String },
    /// An object-property disclosure found in an array, or an array-element one in `_sd`.
    #[error("disclosure {digest} is of the wrong kind for its place ({reason})")]
    DisclosureKindMismatch {
        digest: String,
        reason: &'static str,
    },
    /// A disclosure names `_sd` or `...` as its claim.
    #[error("disclosure {digest} uses the reserved claim name {name:?}")]
    ReservedClaimName { digest: String, name: String },
    /// A disclosed claim name already exists in its object.
    #[error("disclosed claim {name:?} collides with an existing claim")]
    ClaimNameCollision { name: String },
    /// `_sd` is not an array of strings, or a `...` element has other members.
    #[error("malformed digest structure: {reason}")]
    MalformedDigests { reason: String },
    /// `exp` is past.
    #[error("the SD-JWT expired at {exp}")]
    Expired { exp: i64 },
    /// `nbf` is in the future.
    #[error("the SD-JWT is not valid before {nbf}")]
    NotYetValid { nbf: i64 },
    /// A key binding JWT was required but the presentation has none.
    #[error("a key binding JWT is required")]
    MissingKeyBinding,
    /// The issuer JWT has no usable `cnf.jwk` holder key.
    #[error("the SD-JWT has no usable cnf.jwk holder key: {reason}")]
    MissingHolderKey { reason: String },
    /// The KB-JWT's signature does not verify with the holder key.
    #[error("key binding signature does not verify")]
    KeyBindingSignatureMismatch,
    /// The KB-JWT's `sd_hash` is not the hash of this presentation.
    #[error("key binding sd_hash does not match the presentation")]
    SdHashMismatch,
    /// The KB-JWT's `nonce` is not the verifier's.
    #[error("key binding nonce does not match")]
    WrongNonce,
    /// The KB-JWT's `aud` is not the verifier.
    #[error("key binding audience does not match")]
    WrongAudience,
    /// The KB-JWT's `iat` is too old or in the future.
    #[error("key binding iat {iat} is outside the accepted window")]
    KeyBindingStale { iat: i64 },
    /// A claim cannot be made disclosable (a pointer to nothing, or a never-disclosable claim).
    #[error("cannot make {pointer:?} selectively disclosable: {reason}")]
    NotDisclosable { pointer: String, reason: String },
    /// An SD-JWT VC lacks `vct`, or discloses a claim that must stay in the clear.
    #[error("not a valid SD-JWT VC: {reason}")]
    InvalidSdJwtVc { reason: String },
    /// The operating system's random source failed.
    #[error("no randomness available for salts")]
    RandomnessUnavailable,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url(SHA-256(ASCII(text))): a disclosure's digest and the KB-JWT's `sd_hash`.
pub fn sha256_base64url(text: &str) -> String {
    b64(&Sha256::digest(text.as_bytes()))
}

fn random_base64url(length: usize) -> Result<String, SdJwtError> {
    let mut bytes = vec![0u8; length];
    getrandom::fill(&mut bytes).map_err(|_| SdJwtError::RandomnessUnavailable)?;
    Ok(b64(&bytes))
}

/// One disclosure: its base64url text (what is hashed, exactly as transmitted) and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The base64url text as transmitted.
    pub encoded: String,
    /// Its digest, base64url(SHA-256(encoded)).
    pub digest: String,
    /// The claim name, or `None` for an array element.
    pub claim_name: Option<String>,
    /// The disclosed value.
    pub value: Value,
}

impl Disclosure {
    fn make(salt: &str, claim_name: Option<&str>, value: Value) -> Self {
        let array = match claim_name {
            Some(name) => json!([salt, name, value]),
            None => json!([salt, value]),
        };
        let encoded = b64(array.to_string().as_bytes());
        Self {
            digest: sha256_base64url(&encoded),
            encoded,
            claim_name: claim_name.map(str::to_owned),
            value,
        }
    }

    /// Reads a transmitted disclosure (`index` is its place, for error messages).
    pub fn parse(index: usize, encoded: &str) -> Result<Self, SdJwtError> {
        let malformed = |reason: &str| SdJwtError::MalformedDisclosure {
            index,
            reason: reason.to_owned(),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| malformed("not base64url"))?;
        let array: Vec<Value> =
            serde_json::from_slice(&bytes).map_err(|_| malformed("not a JSON array"))?;
        let (claim_name, value) = match array.as_slice() {
            [Value::String(_salt), Value::String(name), value] => (Some(name.clone()), value),
            [Value::String(_salt), value] => (None, value),
            [_, _] | [_, _, _] => return Err(malformed("salt and claim name must be strings")),
            _ => return Err(malformed("must have 2 or 3 elements")),
        };
        Ok(Self {
            digest: sha256_base64url(encoded),
            encoded: encoded.to_owned(),
            claim_name,
            value: value.clone(),
        })
    }
}

/// The holder key as a JWK (`OKP`/`Ed25519`) for `cnf`.
pub fn ed25519_jwk(key: &VerificationKey) -> Result<Value, SdJwtError> {
    match key {
        VerificationKey::Ed25519(key) => Ok(json!({
            "kty": "OKP", "crv": "Ed25519", "x": b64(key.as_bytes()),
        })),
        other => Err(SdJwtError::KeyNotEd25519 {
            algorithm: other.algorithm(),
        }),
    }
}

fn key_from_jwk(jwk: Option<&Value>) -> Result<VerificationKey, SdJwtError> {
    let missing = |reason: &str| SdJwtError::MissingHolderKey {
        reason: reason.to_owned(),
    };
    let jwk = jwk.ok_or_else(|| missing("no cnf.jwk"))?;
    if jwk.get("kty").and_then(Value::as_str) != Some("OKP")
        || jwk.get("crv").and_then(Value::as_str) != Some("Ed25519")
    {
        return Err(missing("cnf.jwk must be an OKP Ed25519 key"));
    }
    let x = jwk
        .get("x")
        .and_then(Value::as_str)
        .and_then(|x| URL_SAFE_NO_PAD.decode(x).ok())
        .ok_or_else(|| missing("cnf.jwk.x is not base64url"))?;
    VerificationKey::ed25519_from_bytes(&x).map_err(|error| missing(&error.to_string()))
}

fn sign_jwt(key: &SigningKey, header: &Value, payload: &Value) -> Result<String, SdJwtError> {
    if key.algorithm() != KeyAlgorithm::Ed25519 {
        return Err(SdJwtError::KeyNotEd25519 {
            algorithm: key.algorithm(),
        });
    }
    let mut jwt = b64(header.to_string().as_bytes());
    jwt.push('.');
    jwt.push_str(&b64(payload.to_string().as_bytes()));
    let signature = key.sign(jwt.as_bytes());
    jwt.push('.');
    jwt.push_str(&b64(&signature));
    Ok(jwt)
}

struct ParsedJwt {
    header: Map<String, Value>,
    payload: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

fn parse_jwt(which: &'static str, jwt: &str) -> Result<ParsedJwt, SdJwtError> {
    let malformed = |reason: &str| SdJwtError::MalformedJwt {
        which,
        reason: reason.to_owned(),
    };
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("must have three dot-separated parts"));
    };
    let decode_object = |part: &str, name: &str| -> Result<Map<String, Value>, SdJwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| malformed(&format!("{name} is not base64url")))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(malformed(&format!("{name} is not a JSON object"))),
        }
    };
    let header_map = decode_object(header, "header")?;
    let payload_map = decode_object(payload, "payload")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed("signature is not base64url"))?;
    match header_map.get("alg").and_then(Value::as_str) {
        Some("EdDSA") => {}
        other => {
            return Err(SdJwtError::UnsupportedAlgorithm {
                which,
                alg: other.unwrap_or("").to_owned(),
            });
        }
    }
    Ok(ParsedJwt {
        header: header_map,
        payload: payload_map,
        signing_input: format!("{header}.{payload}"),
        signature,
    })
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueOptions {
    /// JOSE `typ`: [`SD_JWT_VC_TYP`] for an SD-JWT VC (then `vct` is required and the claims
    /// in [`SD_JWT_VC_NEVER_DISCLOSABLE`] stay in the clear), or e.g. `example+sd-jwt`.
    pub typ: String,
    /// JSON Pointers (RFC 6901) of the claims to make selectively disclosable: `/given_name`,
    /// `/address/street`, `/nationalities/1` (array element). Nested pointers give recursive
    /// disclosures.
    pub disclosable: Vec<String>,
    /// Decoy digests added to every `_sd` array that holds a real one (hides their number).
    pub decoys_per_object: usize,
    /// The holder's key, written as `cnf.jwk`, which makes key binding possible.
    pub holder_key: Option<VerificationKey>,
}

/// An SD-JWT as issued or presented: the issuer JWT, the disclosures, and the optional KB-JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwt {
    /// The issuer-signed JWT (compact JWS).
    pub issuer_jwt: String,
    /// The disclosures, in order.
    pub disclosures: Vec<Disclosure>,
    /// The Key Binding JWT, if any.
    pub key_binding_jwt: Option<String>,
}

/// Issues an SD-JWT over `claims`, signed by `key` (Ed25519, `kid` = its key id).
pub fn issue_sd_jwt(
    claims: &Map<String, Value>,
    options: &IssueOptions,
    key: &SigningKey,
) -> Result<SdJwt, SdJwtError> {
    let is_vc = options.typ == SD_JWT_VC_TYP;
    if is_vc && !matches!(claims.get("vct"), Some(Value::String(_))) {
        return Err(SdJwtError::InvalidSdJwtVc {
            reason: "vct (a string) is required".into(),
        });
    }
    let mut paths = HashSet::new();
    for pointer in &options.disclosable {
        let not_disclosable = |reason: &str| SdJwtError::NotDisclosable {
            pointer: pointer.clone(),
            reason: reason.to_owned(),
        };
        let Some(segments) = pointer.strip_prefix('/') else {
            return Err(not_disclosable("a JSON Pointer starts with '/'"));
        };
        let path: Vec<String> = segments
            .split('/')
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect();
        if claims.get(&path[0]).is_none() {
            return Err(not_disclosable("no such claim"));
        }
        if path.len() == 1 {
            if ["_sd", "_sd_alg", "..."].contains(&path[0].as_str()) {
                return Err(not_disclosable("reserved name"));
            }
            if is_vc && SD_JWT_VC_NEVER_DISCLOSABLE.contains(&path[0].as_str()) {
                return Err(not_disclosable("SD-JWT VC keeps it in the clear"));
            }
        }
        paths.insert(path);
    }
    let mut disclosures = Vec::new();
    let mut payload = Value::Object(claims.clone());
    let mut concealer = Concealer {
        paths: &paths,
        used: HashSet::new(),
        decoys: options.decoys_per_object,
        disclosures: &mut disclosures,
    };
    concealer.conceal(&mut payload, &mut Vec::new())?;
    // Every pointer must have matched a member or element.
    if let Some(missing) = paths.iter().find(|path| !concealer.used.contains(*path)) {
        return Err(SdJwtError::NotDisclosable {
            pointer: format!("/{}", missing.join("/")),
            reason: "no such claim".into(),
        });
    }
    let Value::Object(mut payload) = payload else {
        unreachable!("the payload stays an object")
    };
    payload.insert("_sd_alg".into(), Value::String(SD_ALG.into()));
    if let Some(holder_key) = &options.holder_key {
        payload.insert("cnf".into(), json!({ "jwk": ed25519_jwk(holder_key)? }));
    }
    let header = json!({ "alg": "EdDSA", "typ": options.typ, "kid": key.key_id() });
    Ok(SdJwt {
        issuer_jwt: sign_jwt(key, &header, &Value::Object(payload))?,
        disclosures,
        key_binding_jwt: None,
    })
}

struct Concealer<'a> {
    paths: &'a HashSet<Vec<String>>,
    used: HashSet<Vec<String>>,
    decoys: usize,
    disclosures: &'a mut Vec<Disclosure>,
}

impl Concealer<'_> {
    /// Replaces, bottom-up (so nested disclosures end up inside their parent's disclosure), the
    /// members and elements named by `paths` with digests.
    fn conceal(&mut self, value: &mut Value, path: &mut Vec<String>) -> Result<(), SdJwtError> {
        match value {
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let mut digests = Vec::new();
                for key in keys {
                    path.push(key.clone());
                    self.conceal(map.get_mut(&key).expect("key listed above"), path)?;
                    if self.paths.contains(path.as_slice()) {
                        self.used.insert(path.clone());
                        let member = map.remove(&key).expect("key listed above");
                        let disclosure =
                            Disclosure::make(&random_base64url(16)?, Some(&key), member);
                        digests.push(disclosure.digest.clone());
                        self.disclosures.push(disclosure);
                    }
                    path.pop();
                }
                if !digests.is_empty() {
                    for _ in 0..self.decoys {
                        digests.push(sha256_base64url(&random_base64url(16)?));
                    }
                    // Sorted, so the order says nothing about the claims' original order.
                    digests.sort();
                    map.insert(
                        "_sd".into(),
                        Value::Array(digests.into_iter().map(Value::String).collect()),
                    );
                }
            }
            Value::Array(elements) => {
                for (index, element) in elements.iter_mut().enumerate() {
                    path.push(index.to_string());
                    self.conceal(element, path)?;
                    if self.paths.contains(path.as_slice()) {
                        self.used.insert(path.clone());
                        let disclosure =
                            Disclosure::make(&random_base64url(16)?, None, element.take());
                        *element = json!({ "...": disclosure.digest });
                        self.disclosures.push(disclosure);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl SdJwt {
    /// The compact form: `<JWS>~<D1>~…~<Dn>~` and the KB-JWT, if any, after the last `~`.
    pub fn serialize(&self) -> String {
        let mut text = self.presentation_without_key_binding();
        if let Some(kb) = &self.key_binding_jwt {
            text.push_str(kb);
        }
        text
    }

    fn presentation_without_key_binding(&self) -> String {
        let mut text = self.issuer_jwt.clone();
        text.push('~');
        for disclosure in &self.disclosures {
            text.push_str(&disclosure.encoded);
            text.push('~');
        }
        text
    }

    /// Splits a compact SD-JWT (parsing each disclosure; no signature is checked here).
    pub fn parse(text: &str) -> Result<Self, SdJwtError> {
        let malformed = |reason: &str| SdJwtError::Malformed {
            reason: reason.to_owned(),
        };
        if text.len() > MAXIMUM_SD_JWT_LENGTH {
            return Err(malformed("longer than the accepted maximum"));
        }
        let parts: Vec<&str> = text.split('~').collect();
        let [issuer_jwt, middle @ .., last] = parts.as_slice() else {
            return Err(malformed("no '~' separator"));
        };
        if issuer_jwt.is_empty() {
            return Err(malformed("empty issuer JWT"));
        }
        let disclosures = middle
            .iter()
            .enumerate()
            .map(|(index, encoded)| {
                if encoded.is_empty() {
                    Err(malformed("empty disclosure between '~'"))
                } else {
                    Disclosure::parse(index, encoded)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            issuer_jwt: (*issuer_jwt).to_owned(),
            disclosures,
            key_binding_jwt: (!last.is_empty()).then(|| (*last).to_owned()),
        })
    }

    /// The holder's presentation: only the disclosures `keep` selects, and of those only the
    /// ones reachable from the signed payload through other kept disclosures (a nested claim
    /// whose parent is withheld would be unreferenced, which verifiers reject).
    pub fn present(&self, keep: impl Fn(&Disclosure) -> bool) -> Result<Self, SdJwtError> {
        let payload = parse_jwt("issuer", &self.issuer_jwt)?.payload;
        let mut reachable = HashSet::new();
        collect_digests(&Value::Object(payload), &mut reachable);
        let kept: Vec<&Disclosure> = self.disclosures.iter().filter(|d| keep(d)).collect();
        let mut included = HashSet::new();
        loop {
            let before = included.len();
            for disclosure in &kept {
                if reachable.contains(&disclosure.digest) && included.insert(&disclosure.digest) {
                    collect_digests(&disclosure.value, &mut reachable);
                }
            }
            if included.len() == before {
                break;
            }
        }
        Ok(Self {
            issuer_jwt: self.issuer_jwt.clone(),
            disclosures: kept
                .into_iter()
                .filter(|disclosure| included.contains(&disclosure.digest))
                .cloned()
                .collect(),
            key_binding_jwt: None,
        })
    }

    /// Adds a Key Binding JWT signed by the holder: `typ` `kb+jwt`, `iat`, `aud`, `nonce`, and
    /// `sd_hash` over the presentation up to its last `~`.
    pub fn with_key_binding(
        mut self,
        holder_key: &SigningKey,
        audience: &str,
        nonce: &str,
        issued_at: OffsetDateTime,
    ) -> Result<Self, SdJwtError> {
        let sd_hash = sha256_base64url(&self.presentation_without_key_binding());
        let header = json!({ "alg": "EdDSA", "typ": KB_JWT_TYP });
        let payload = json!({
            "iat": issued_at.unix_timestamp(), "aud": audience, "nonce": nonce, "sd_hash": sd_hash,
        });
        self.key_binding_jwt = Some(sign_jwt(holder_key, &header, &payload)?);
        Ok(self)
    }
}

fn collect_digests(value: &Value, digests: &mut HashSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(sd)) = map.get("_sd") {
                digests.extend(sd.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            if let (1, Some(Value::String(digest))) = (map.len(), map.get("...")) {
                digests.insert(digest.clone());
            }
            map.values()
                .for_each(|value| collect_digests(value, digests));
        }
        Value::Array(elements) => elements
            .iter()
            .for_each(|value| collect_digests(value, digests)),
        _ => {}
    }
}

/// What the verifier expects of the Key Binding JWT.
#[derive(Debug, Clone)]
pub struct KeyBindingExpectation {
    /// Its `aud` must equal this (the verifier's identifier).
    pub audience: String,
    /// Its `nonce` must equal this (fresh per request).
    pub nonce: String,
    /// How old its `iat` may be.
    pub max_age: time::Duration,
}

/// How to verify.
#[derive(Debug, Clone)]
pub struct SdJwtVerifyOptions {
    /// The time to judge `exp`, `nbf` and the KB-JWT's `iat` against.
    pub now: OffsetDateTime,
    /// The JOSE `typ` the issuer JWT must have, if any ([`SD_JWT_VC_TYP`] also checks `vct`
    /// and that no never-disclosable claim was disclosed).
    pub expected_typ: Option<String>,
    /// `Some`: a KB-JWT is required and must match. `None`: one is still checked if present,
    /// except for aud and nonce.
    pub key_binding: Option<KeyBindingExpectation>,
    /// Tolerance for clocks in `exp`, `nbf` and `iat`.
    pub clock_skew: time::Duration,
}

impl SdJwtVerifyOptions {
    /// Verification at `now`, with 60 s of clock skew, no required `typ` or key binding.
    pub fn at(now: OffsetDateTime) -> Self {
        Self {
            now,
            expected_typ: None,
            key_binding: None,
            clock_skew: time::Duration::seconds(60),
        }
    }
}

/// A verified SD-JWT: the issuer-signed claims with the presented disclosures put back.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedSdJwt {
    /// The reconstructed claims (no `_sd`, `_sd_alg` or undisclosed `...` elements).
    pub claims: Map<String, Value>,
    /// The issuer JWT's `kid`.
    pub issuer_key_id: String,
    /// Whether a KB-JWT was present and verified.
    pub key_bound: bool,
}

/// Verifies a compact SD-JWT presentation: issuer signature (key by `kid` from `resolver`),
/// `_sd_alg`, every disclosure referenced exactly once, no collisions, `exp`/`nbf`, SD-JWT VC
/// rules when `expected_typ` says so, and the KB-JWT.
pub fn verify_sd_jwt(
    text: &str,
    resolver: &dyn KeyResolver,
    options: &SdJwtVerifyOptions,
) -> Result<VerifiedSdJwt, SdJwtError> {
    let sd_jwt = SdJwt::parse(text)?;
    let issuer = parse_jwt("issuer", &sd_jwt.issuer_jwt)?;
    let found_typ = issuer.header.get("typ").and_then(Value::as_str);
    if let Some(expected) = &options.expected_typ
        && found_typ != Some(expected.as_str())
    {
        return Err(SdJwtError::WrongType {
            which: "issuer",
            expected: expected.clone(),
            found: found_typ.map(str::to_owned),
        });
    }
    let Some(key_id) = issuer.header.get("kid").and_then(Value::as_str) else {
        return Err(SdJwtError::MissingKeyId);
    };
    let issuer_key = resolver.resolve_verification_method(key_id)?;
    if issuer_key.algorithm() != KeyAlgorithm::Ed25519 {
        return Err(SdJwtError::KeyNotEd25519 {
            algorithm: issuer_key.algorithm(),
        });
    }
    if !issuer_key.verify_signature(issuer.signing_input.as_bytes(), &issuer.signature) {
        return Err(SdJwtError::IssuerSignatureMismatch);
    }
    match issuer.payload.get("_sd_alg") {
        None => {}
        Some(Value::String(alg)) if alg == SD_ALG => {}
        Some(other) => {
            return Err(SdJwtError::UnsupportedSdAlg {
                found: other.to_string(),
            });
        }
    }

    let mut by_digest: HashMap<&str, &Disclosure> = HashMap::new();
    for disclosure in &sd_jwt.disclosures {
        if by_digest
            .insert(disclosure.digest.as_str(), disclosure)
            .is_some()
        {
            return Err(SdJwtError::DuplicateDisclosure {
                digest: disclosure.digest.clone(),
            });
        }
    }
    let mut state = Reconstruction {
        disclosures: by_digest,
        seen_digests: HashSet::new(),
        used: HashSet::new(),
        top_level_disclosed: Vec::new(),
    };
    let mut claims = Value::Object(issuer.payload.clone());
    state.reconstruct(&mut claims, 0)?;
    if let Some(unused) = sd_jwt
        .disclosures
        .iter()
        .find(|disclosure| !state.used.contains(&disclosure.digest))
    {
        return Err(SdJwtError::UnreferencedDisclosure {
            digest: unused.digest.clone(),
        });
    }
    let Value::Object(mut claims) = claims else {
        unreachable!("the payload is an object")
    };
    claims.remove("_sd_alg");

    if options.expected_typ.as_deref() == Some(SD_JWT_VC_TYP) {
        if !matches!(claims.get("vct"), Some(Value::String(_))) {
            return Err(SdJwtError::InvalidSdJwtVc {
                reason: "vct (a string) is required".into(),
            });
        }
        if let Some(name) = state
            .top_level_disclosed
            .iter()
            .find(|name| SD_JWT_VC_NEVER_DISCLOSABLE.contains(&name.as_str()))
        {
            return Err(SdJwtError::InvalidSdJwtVc {
                reason: format!("{name} must not be selectively disclosable"),
            });
        }
    }
    let now = options.now.unix_timestamp();
    let skew = options.clock_skew.whole_seconds();
    if let Some(exp) = numeric_date("issuer", &claims, "exp")?
        && now >= exp.saturating_add(skew)
    {
        return Err(SdJwtError::Expired { exp });
    }
    if let Some(nbf) = numeric_date("issuer", &claims, "nbf")?
        && now.saturating_add(skew) < nbf
    {
        return Err(SdJwtError::NotYetValid { nbf });
    }

    let key_bound = match (&sd_jwt.key_binding_jwt, &options.key_binding) {
        (None, Some(_)) => return Err(SdJwtError::MissingKeyBinding),
        (None, None) => false,
        (Some(kb), expectation) => {
            verify_key_binding(
                &sd_jwt,
                kb,
                &issuer.payload,
                expectation.as_ref(),
                now,
                skew,
            )?;
            true
        }
    };
    Ok(VerifiedSdJwt {
        claims,
        issuer_key_id: key_id.to_owned(),
        key_bound,
    })
}

/// A JWT NumericDate member (seconds, possibly fractional: floored), or `None` if absent. A
/// present member of another type is malformed, never silently ignored.
fn numeric_date(
    which: &'static str,
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<i64>, SdJwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(seconds) => Ok(Some(seconds)),
            None => match number.as_f64() {
                Some(seconds) if seconds.is_finite() && seconds.abs() < 1e15 => {
                    Ok(Some(seconds.floor() as i64))
                }
                _ => Err(SdJwtError::MalformedJwt {
                    which,
                    reason: format!("{name} is out of range"),
                }),
            },
        },
        Some(_) => Err(SdJwtError::MalformedJwt {
            which,
            reason: format!("{name} must be a number of seconds"),
        }),
    }
}

fn verify_key_binding(
    sd_jwt: &SdJwt,
    kb: &str,
    issuer_payload: &Map<String, Value>,
    expectation: Option<&KeyBindingExpectation>,
    now: i64,
    skew: i64,
) -> Result<(), SdJwtError> {
    let holder_key = key_from_jwk(issuer_payload.get("cnf").and_then(|cnf| cnf.get("jwk")))?;
    let kb = parse_jwt("key binding", kb)?;
    let typ = kb.header.get("typ").and_then(Value::as_str);
    if typ != Some(KB_JWT_TYP) {
        return Err(SdJwtError::WrongType {
            which: "key binding",
            expected: KB_JWT_TYP.into(),
            found: typ.map(str::to_owned),
        });
    }
    if !holder_key.verify_signature(kb.signing_input.as_bytes(), &kb.signature) {
        return Err(SdJwtError::KeyBindingSignatureMismatch);
    }
    let expected_hash = sha256_base64url(&sd_jwt.presentation_without_key_binding());
    if kb.payload.get("sd_hash").and_then(Value::as_str) != Some(expected_hash.as_str()) {
        return Err(SdJwtError::SdHashMismatch);
    }
    let Some(iat) = numeric_date("key binding", &kb.payload, "iat")? else {
        return Err(SdJwtError::MalformedJwt {
            which: "key binding",
            reason: "iat is required".into(),
        });
    };
    if iat > now.saturating_add(skew) {
        return Err(SdJwtError::KeyBindingStale { iat });
    }
    if let Some(expectation) = expectation {
        if iat
            .saturating_add(expectation.max_age.whole_seconds())
            .saturating_add(skew)
            < now
        {
            return Err(SdJwtError::KeyBindingStale { iat });
        }
        if kb.payload.get("nonce").and_then(Value::as_str) != Some(expectation.nonce.as_str()) {
            return Err(SdJwtError::WrongNonce);
        }
        if kb.payload.get("aud").and_then(Value::as_str) != Some(expectation.audience.as_str()) {
            return Err(SdJwtError::WrongAudience);
        }
    }
    Ok(())
}

/// The deepest nesting of disclosures we follow (each disclosure at most once anyway).
const MAXIMUM_DEPTH: usize = 64;

struct Reconstruction<'a> {
    disclosures: HashMap<&'a str, &'a Disclosure>,
    seen_digests: HashSet<String>,
    used: HashSet<String>,
    top_level_disclosed: Vec<String>,
}

impl Reconstruction<'_> {
    fn see(&mut self, digest: &str) -> Result<Option<Disclosure>, SdJwtError> {
        if !self.seen_digests.insert(digest.to_owned()) {
            return Err(SdJwtError::DuplicateDigest {
                digest: digest.to_owned(),
            });
        }
        Ok(self.disclosures.get(digest).map(|disclosure| {
            self.used.insert(digest.to_owned());
            (*disclosure).clone()
        }))
    }

    /// RFC 9901 §7.3 "Processing of Disclosures", applied recursively.
    fn reconstruct(&mut self, value: &mut Value, depth: usize) -> Result<(), SdJwtError> {
        if depth > MAXIMUM_DEPTH {
            return Err(SdJwtError::MalformedDigests {
                reason: "nested too deeply".into(),
            });
        }
        match value {
            Value::Object(map) => {
                let digests = match map.remove("_sd") {
                    None => Vec::new(),
                    Some(Value::Array(digests)) => digests,
                    Some(_) => {
                        return Err(SdJwtError::MalformedDigests {
                            reason: "_sd must be an array".into(),
                        });
                    }
                };
                if map.contains_key("...") {
                    return Err(SdJwtError::MalformedDigests {
                        reason: "'...' is only allowed as the sole member of an array element"
                            .into(),
                    });
                }
                for value in map.values_mut() {
                    self.reconstruct(value, depth + 1)?;
                }
                for digest in digests {
                    let Value::String(digest) = digest else {
                        return Err(SdJwtError::MalformedDigests {
                            reason: "_sd must hold strings".into(),
                        });
                    };
                    let Some(disclosure) = self.see(&digest)? else {
                        continue; // a decoy, or a claim the holder withheld
                    };
                    let Some(name) = disclosure.claim_name else {
                        return Err(SdJwtError::DisclosureKindMismatch {
                            digest,
                            reason: "an array-element disclosure referenced from _sd",
                        });
                    };
                    if name == "_sd" || name == "..." {
                        return Err(SdJwtError::ReservedClaimName { digest, name });
                    }
                    if map.contains_key(&name) {
                        return Err(SdJwtError::ClaimNameCollision { name });
                    }
                    let mut disclosed = disclosure.value;
                    self.reconstruct(&mut disclosed, depth + 1)?;
                    if depth == 0 {
                        self.top_level_disclosed.push(name.clone());
                    }
                    map.insert(name, disclosed);
                }
            }
            Value::Array(elements) => {
                let mut kept = Vec::with_capacity(elements.len());
                for mut element in std::mem::take(elements) {
                    let digest = match &element {
                        Value::Object(map) if map.contains_key("...") => {
                            match (map.len(), map.get("...")) {
                                (1, Some(Value::String(digest))) => Some(digest.clone()),
                                _ => {
                                    return Err(SdJwtError::MalformedDigests {
                                        reason: "an array digest must be the only member, a string"
                                            .into(),
                                    });
                                }
                            }
                        }
                        _ => None,
                    };
                    match digest {
                        None => {
                            self.reconstruct(&mut element, depth + 1)?;
                            kept.push(element);
                        }
                        Some(digest) => match self.see(&digest)? {
                            None => {} // undisclosed element: removed
                            Some(disclosure) if disclosure.claim_name.is_some() => {
                                return Err(SdJwtError::DisclosureKindMismatch {
                                    digest,
                                    reason: "an object-property disclosure referenced from an array",
                                });
                            }
                            Some(disclosure) => {
                                let mut disclosed = disclosure.value;
                                self.reconstruct(&mut disclosed, depth + 1)?;
                                kept.push(disclosed);
                            }
                        },
                    }
                }
                *elements = kept;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9901 §4.2.1 and §4.2.2: disclosures and their digests as printed in the RFC (the
    /// RFC writes the JSON with spaces after commas, which is why the digest is over the exact
    /// base64url text).
    #[test]
    fn rfc_disclosure_digests() {
        let family_name = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
        let parsed = Disclosure::parse(0, family_name).unwrap();
        assert_eq!(parsed.claim_name.as_deref(), Some("family_name"));
        assert_eq!(parsed.value, json!("Möbius"));
        assert_eq!(parsed.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
        let fr = Disclosure::parse(0, "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0").unwrap();
        assert_eq!(fr.claim_name, None);
        assert_eq!(fr.value, json!("FR"));
        assert_eq!(fr.digest, "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs");
    }

    #[test]
    fn malformed_disclosures_are_refused() {
        for bad in ["!!", &b64(b"{}"), &b64(b"[1, \"a\"]"), &b64(b"[\"s\"]")] {
            assert!(matches!(
                Disclosure::parse(3, bad),
                Err(SdJwtError::MalformedDisclosure { index: 3, .. })
            ));
        }
    }
}
