//! The top-level API: [`sign_credential`] adds one Data Integrity proof per requested suite (a
//! proof set) and [`verify_credential`] checks contexts, validity period and every proof,
//! saying precisely what is wrong when something is.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::contexts::ContextError;
use crate::keys::{KeyAlgorithm, KeyError, KeyResolver, Keyring, SigningKey};
use crate::multibase::{MultibaseError, decode_base58btc, encode_base58btc};
use crate::suites::{
    Canonicalisation, CanonicalisationError, Canonicaliser, Cryptosuite, DATA_INTEGRITY_PROOF,
    proof_configuration,
};

/// The proof purpose of an issuer's proof on a credential.
pub const ASSERTION_METHOD: &str = "assertionMethod";

/// Length of an Ed25519 signature and of an SM2 raw r‖s signature.
const SIGNATURE_LENGTH: usize = 64;

/// One proof to add: which key signs with which suite.
#[derive(Debug, Clone, Copy)]
pub struct ProofRequest<'key> {
    /// The signing key; its key id becomes `verificationMethod`.
    pub key: &'key SigningKey,
    /// The suite; it must fit the key's algorithm.
    pub cryptosuite: Cryptosuite,
}

/// Options common to the proofs of one signing.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// `created` of every proof (written in UTC to the second).
    pub created: OffsetDateTime,
    /// `expires` of every proof, if any.
    pub expires: Option<OffsetDateTime>,
    /// `proofPurpose`, normally [`ASSERTION_METHOD`].
    pub proof_purpose: String,
}

impl SignOptions {
    /// Proofs for an issuer's assertion, created at `created`, not expiring.
    pub fn assertion_at(created: OffsetDateTime) -> Self {
        Self {
            created,
            expires: None,
            proof_purpose: ASSERTION_METHOD.to_owned(),
        }
    }
}

/// Why a credential could not be signed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    /// Credentials are JSON objects.
    #[error("the credential must be a JSON object")]
    NotAnObject,
    /// A context is unknown or inline.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// The key cannot sign with this suite (e.g. an SM2 key for eddsa-jcs-2022).
    #[error("key {key_id} is an {key_algorithm:?} key and cannot sign with {cryptosuite}")]
    KeyDoesNotFitSuite {
        key_id: String,
        key_algorithm: KeyAlgorithm,
        cryptosuite: Cryptosuite,
    },
    /// Canonicalisation failed.
    #[error(transparent)]
    Canonicalisation(#[from] CanonicalisationError),
    /// The keyring holds no key of the algorithm this suite signs with.
    #[error("no {key_algorithm:?} key in the keyring to sign with {cryptosuite}")]
    NoKeyForSuite {
        cryptosuite: Cryptosuite,
        key_algorithm: KeyAlgorithm,
    },
    /// An existing `proof` is neither an object nor an array of objects.
    #[error("the existing proof member is malformed")]
    MalformedExistingProof,
}

/// How verification is done.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The time to judge `validFrom`, `validUntil`, `created` and `expires` against.
    pub now: OffsetDateTime,
    /// The proof purpose every proof must state.
    pub expected_proof_purpose: String,
    /// How far a proof's `created` may lie ahead of `now` (the issuer's clock may run ahead of
    /// the verifier's). The credential's own `validFrom`/`validUntil` get no such allowance.
    pub allowed_clock_skew: time::Duration,
}

/// The default allowance for a proof created "in the future" by a clock that runs ahead.
pub const DEFAULT_CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

impl VerifyOptions {
    /// Verification of an issuer's assertion at `now`, allowing [`DEFAULT_CLOCK_SKEW`].
    pub fn assertion_at(now: OffsetDateTime) -> Self {
        Self {
            now,
            expected_proof_purpose: ASSERTION_METHOD.to_owned(),
            allowed_clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }
}

/// Why a credential does not verify. Each case names what a person would fix or report.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Credentials are JSON objects.
    #[error("the credential must be a JSON object")]
    NotAnObject,
    /// A context is unknown, missing or inline.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// No `proof` member.
    #[error("the credential has no proof")]
    MissingProof,
    /// A proof lacks a member or has one of the wrong shape.
    #[error("proof {index} is malformed: {reason}")]
    MalformedProof { index: usize, reason: String },
    /// A proof `type` other than DataIntegrityProof.
    #[error("proof {index} has unsupported type {proof_type:?}: only DataIntegrityProof")]
    UnsupportedProofType { index: usize, proof_type: String },
    /// A cryptosuite we do not implement.
    #[error("proof {index} uses unsupported cryptosuite {cryptosuite:?}")]
    UnsupportedCryptosuite { index: usize, cryptosuite: String },
    /// A `previousProof` names a proof id that is not in the credential.
    #[error("proof {index} chains to proof {previous_proof:?}, which the credential does not hold")]
    PreviousProofNotFound {
        index: usize,
        previous_proof: String,
    },
    /// The proof was made for another purpose than the one asked for.
    #[error("proof {index} has proof purpose {found:?}, expected {expected:?}")]
    WrongProofPurpose {
        index: usize,
        expected: String,
        found: String,
    },
    /// `proofValue` is not base58btc multibase, or not 64 bytes.
    #[error("proof {index} has a malformed proofValue: {reason}")]
    MalformedProofValue { index: usize, reason: String },
    /// A date is not an RFC 3339 / XML Schema dateTime.
    #[error("{field} {value:?} is not a valid date-time")]
    MalformedDate { field: String, value: String },
    /// The credential's `validFrom` is after now.
    #[error("the credential is not valid before {valid_from}")]
    NotYetValid { valid_from: String },
    /// The credential's `validUntil` is before now.
    #[error("the credential expired at {valid_until}")]
    Expired { valid_until: String },
    /// A proof's `created` is in the future.
    #[error("proof {index} is created in the future ({created})")]
    ProofCreatedInFuture { index: usize, created: String },
    /// A proof's `expires` is before now.
    #[error("proof {index} expired at {expires}")]
    ProofExpired { index: usize, expires: String },
    /// The proof's `@context` is not the start of the document's `@context`.
    #[error("proof {index} has an @context that does not match the credential's @context")]
    ProofContextMismatch { index: usize },
    /// The key resolver knows no key for the verification method.
    #[error("proof {index}: unknown key {verification_method}")]
    UnknownKey {
        index: usize,
        verification_method: String,
    },
    /// The key could not be resolved for another reason (malformed multikey, …).
    #[error("proof {index}: key {verification_method} cannot be used: {source}")]
    KeyResolution {
        index: usize,
        verification_method: String,
        source: KeyError,
    },
    /// The resolved key is for another algorithm than the suite.
    #[error("proof {index}: key {verification_method} is not a {expected:?} key")]
    KeyDoesNotFitSuite {
        index: usize,
        verification_method: String,
        expected: KeyAlgorithm,
    },
    /// Canonicalisation failed.
    #[error("proof {index}: {source}")]
    Canonicalisation {
        index: usize,
        source: CanonicalisationError,
    },
    /// The signature does not match: the credential (or the proof) was changed after signing,
    /// or it was signed with another key.
    #[error(
        "proof {index} ({cryptosuite}, {verification_method}): signature does not match the credential"
    )]
    SignatureMismatch {
        index: usize,
        cryptosuite: Cryptosuite,
        verification_method: String,
    },
}

/// One proof that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// Its suite.
    pub cryptosuite: Cryptosuite,
    /// The key that made it.
    pub verification_method: String,
    /// Its `created`, if stated.
    pub created: Option<OffsetDateTime>,
}

/// What was verified about a credential whose every proof verified, within its validity
/// period. (The caller holds the document; it is not copied here.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCredential {
    /// The proofs, in document order.
    pub proofs: Vec<VerifiedProof>,
    /// `validFrom`, if stated.
    pub valid_from: Option<OffsetDateTime>,
    /// `validUntil`, if stated.
    pub valid_until: Option<OffsetDateTime>,
}

/// Writes a date-time as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds), the form credentials use.
pub fn format_date_time(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// Reads an XML Schema dateTime as credentials use it: RFC 3339, or without an offset (UTC).
pub fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339).ok())
}

impl Keyring {
    /// One proof request per suite, each with the active key of the suite's algorithm.
    pub fn proof_requests(
        &self,
        suites: &[Cryptosuite],
    ) -> Result<Vec<ProofRequest<'_>>, SignError> {
        suites
            .iter()
            .map(|suite| {
                let key =
                    self.active_key(suite.key_algorithm())
                        .ok_or(SignError::NoKeyForSuite {
                            cryptosuite: *suite,
                            key_algorithm: suite.key_algorithm(),
                        })?;
                Ok(ProofRequest {
                    key,
                    cryptosuite: *suite,
                })
            })
            .collect()
    }

    /// Signs `document` with one proof per suite, each by the active key of its algorithm.
    pub fn sign_credential(
        &self,
        document: &Value,
        suites: &[Cryptosuite],
        options: &SignOptions,
        canonicaliser: &Canonicaliser,
    ) -> Result<Value, SignError> {
        sign_credential(
            document,
            &self.proof_requests(suites)?,
            options,
            canonicaliser,
        )
    }
}

/// Adds one proof per request to `document` and returns the secured document. Proofs already
/// present are kept (the result is a proof set: `proof` is an array when it holds more than
/// one); every proof signs the document without any proof.
pub fn sign_credential(
    document: &Value,
    requests: &[ProofRequest<'_>],
    options: &SignOptions,
    canonicaliser: &Canonicaliser,
) -> Result<Value, SignError> {
    let Value::Object(map) = document else {
        return Err(SignError::NotAnObject);
    };
    canonicaliser.contexts().check_document_contexts(document)?;
    let mut proofs: Vec<Value> = match map.get("proof") {
        None => Vec::new(),
        Some(Value::Array(existing)) => existing.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        Some(_) => return Err(SignError::MalformedExistingProof),
    };
    for request in requests {
        proofs.push(Value::Object(create_proof(
            document,
            request,
            options,
            canonicaliser,
        )?));
    }
    let mut secured = map.clone();
    let proof = if proofs.len() == 1 {
        proofs.remove(0)
    } else {
        Value::Array(proofs)
    };
    secured.insert("proof".into(), proof);
    Ok(Value::Object(secured))
}

/// Makes one proof over `document` (its own `proof`, if any, is left out), per the suite's
/// "Create Proof" algorithm.
pub fn create_proof(
    document: &Value,
    request: &ProofRequest<'_>,
    options: &SignOptions,
    canonicaliser: &Canonicaliser,
) -> Result<Map<String, Value>, SignError> {
    let suite = request.cryptosuite;
    if request.key.algorithm() != suite.key_algorithm() {
        return Err(SignError::KeyDoesNotFitSuite {
            key_id: request.key.key_id().to_owned(),
            key_algorithm: request.key.algorithm(),
            cryptosuite: suite,
        });
    }
    let mut proof = Map::new();
    proof.insert("type".into(), DATA_INTEGRITY_PROOF.into());
    proof.insert("cryptosuite".into(), suite.name().into());
    proof.insert("created".into(), format_date_time(options.created).into());
    if let Some(expires) = options.expires {
        proof.insert("expires".into(), format_date_time(expires).into());
    }
    proof.insert(
        "verificationMethod".into(),
        request.key.key_id().to_owned().into(),
    );
    proof.insert("proofPurpose".into(), options.proof_purpose.clone().into());
    // The JCS suites carry the document's @context in the proof, so the proof configuration
    // can be rebuilt from the proof alone (vc-di-eddsa 3.3.1).
    if suite.canonicalisation() == Canonicalisation::Jcs
        && let Some(context) = document.get("@context")
    {
        proof.insert("@context".into(), context.clone());
    }
    let proof_config = proof_configuration(&proof, document);
    let hash_inputs = canonicaliser.hash_inputs(suite, document, &proof_config)?;
    let signature = request.key.sign(&hash_inputs.hash_data());
    proof.insert("proofValue".into(), encode_base58btc(&signature).into());
    Ok(proof)
}

/// Verifies a secured credential: every `@context` is a bundled URL, `validFrom`/`validUntil`
/// hold at `options.now`, and every proof (a proof set: all of them) verifies with a key from
/// `resolver`.
pub fn verify_credential(
    document: &Value,
    resolver: &dyn KeyResolver,
    options: &VerifyOptions,
    canonicaliser: &Canonicaliser,
) -> Result<VerifiedCredential, VerifyError> {
    let Value::Object(map) = document else {
        return Err(VerifyError::NotAnObject);
    };
    canonicaliser.contexts().check_document_contexts(document)?;
    let (valid_from, valid_until) = check_validity_period(document, options.now)?;
    let proofs: Vec<&Value> = match map.get("proof") {
        None => return Err(VerifyError::MissingProof),
        Some(Value::Array(items)) if items.is_empty() => return Err(VerifyError::MissingProof),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    let mut all_proofs = Vec::with_capacity(proofs.len());
    for (index, proof) in proofs.into_iter().enumerate() {
        let Value::Object(proof) = proof else {
            return Err(VerifyError::MalformedProof {
                index,
                reason: "a proof must be a JSON object".into(),
            });
        };
        all_proofs.push(proof);
    }
    let mut verified = Vec::with_capacity(all_proofs.len());
    for (index, proof) in all_proofs.iter().enumerate() {
        verified.push(verify_proof(
            document,
            proof,
            index,
            &all_proofs,
            resolver,
            options,
            canonicaliser,
        )?);
    }
    Ok(VerifiedCredential {
        proofs: verified,
        valid_from,
        valid_until,
    })
}

/// The credential's validity period (`validFrom`, `validUntil`, each optional) checked at `now`:
/// `NotYetValid`, `Expired`, or `MalformedDate` when one is not a date-time.
pub fn check_validity_period(
    document: &Value,
    now: OffsetDateTime,
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), VerifyError> {
    let Value::Object(map) = document else {
        return Err(VerifyError::NotAnObject);
    };
    let valid_from = optional_date(map, "validFrom")?;
    let valid_until = optional_date(map, "validUntil")?;
    if let Some(valid_from) = valid_from
        && now < valid_from
    {
        return Err(VerifyError::NotYetValid {
            valid_from: format_date_time(valid_from),
        });
    }
    if let Some(valid_until) = valid_until
        && now > valid_until
    {
        return Err(VerifyError::Expired {
            valid_until: format_date_time(valid_until),
        });
    }
    Ok((valid_from, valid_until))
}

fn optional_date(
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<OffsetDateTime>, VerifyError> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(text)) => {
            parse_date_time(text)
                .map(Some)
                .ok_or_else(|| VerifyError::MalformedDate {
                    field: field.to_owned(),
                    value: text.clone(),
                })
        }
        Some(other) => Err(VerifyError::MalformedDate {
            field: field.to_owned(),
            value: other.to_string(),
        }),
    }
}

fn required_string<'proof>(
    proof: &'proof Map<String, Value>,
    member: &str,
    index: usize,
) -> Result<&'proof str, VerifyError> {
    proof
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| VerifyError::MalformedProof {
            index,
            reason: format!("{member} is missing or not a string"),
        })
}

/// The previous proofs a chained proof names, in its order, as the `proof` member it signed.
fn previous_proofs(
    proof: &Map<String, Value>,
    index: usize,
    all_proofs: &[&Map<String, Value>],
) -> Result<Option<Value>, VerifyError> {
    let ids: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(None),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| {
                id.as_str().ok_or_else(|| VerifyError::MalformedProof {
                    index,
                    reason: "previousProof must hold proof ids (strings)".into(),
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(VerifyError::MalformedProof {
                index,
                reason: "previousProof must be a proof id or a list of them".into(),
            });
        }
    };
    let mut matching = Vec::with_capacity(ids.len());
    for id in ids {
        let found = all_proofs
            .iter()
            .find(|candidate| candidate.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| VerifyError::PreviousProofNotFound {
                index,
                previous_proof: id.to_owned(),
            })?;
        matching.push(Value::Object((*found).clone()));
    }
    Ok(Some(Value::Array(matching)))
}

/// Verifies one proof of `document` per the suite's "Verify Proof" algorithm; `all_proofs` are
/// the document's proofs, where a chained proof's `previousProof` ids are looked up.
pub fn verify_proof(
    document: &Value,
    proof: &Map<String, Value>,
    index: usize,
    all_proofs: &[&Map<String, Value>],
    resolver: &dyn KeyResolver,
    options: &VerifyOptions,
    canonicaliser: &Canonicaliser,
) -> Result<VerifiedProof, VerifyError> {
    let proof_type = required_string(proof, "type", index)?;
    if proof_type != DATA_INTEGRITY_PROOF {
        return Err(VerifyError::UnsupportedProofType {
            index,
            proof_type: proof_type.to_owned(),
        });
    }
    let suite_name = required_string(proof, "cryptosuite", index)?;
    let suite =
        Cryptosuite::from_name(suite_name).ok_or_else(|| VerifyError::UnsupportedCryptosuite {
            index,
            cryptosuite: suite_name.to_owned(),
        })?;
    let previous = previous_proofs(proof, index, all_proofs)?;
    let purpose = required_string(proof, "proofPurpose", index)?;
    if purpose != options.expected_proof_purpose {
        return Err(VerifyError::WrongProofPurpose {
            index,
            expected: options.expected_proof_purpose.clone(),
            found: purpose.to_owned(),
        });
    }
    let verification_method = required_string(proof, "verificationMethod", index)?;
    let proof_value = required_string(proof, "proofValue", index)?;
    let signature =
        decode_base58btc(proof_value).map_err(|error| VerifyError::MalformedProofValue {
            index,
            reason: match error {
                MultibaseError::NotBase58Btc { .. } => "not base58btc multibase ('z')".into(),
                MultibaseError::InvalidBase58 => "not valid base58".into(),
            },
        })?;
    if signature.len() != SIGNATURE_LENGTH {
        return Err(VerifyError::MalformedProofValue {
            index,
            reason: format!("{} bytes, expected {SIGNATURE_LENGTH}", signature.len()),
        });
    }
    let created = optional_date(proof, "created")?;
    if let Some(created) = created
        && created > options.now + options.allowed_clock_skew
    {
        return Err(VerifyError::ProofCreatedInFuture {
            index,
            created: format_date_time(created),
        });
    }
    if let Some(expires) = optional_date(proof, "expires")?
        && expires < options.now
    {
        return Err(VerifyError::ProofExpired {
            index,
            expires: format_date_time(expires),
        });
    }

    // vc-di-eddsa: when the proof states an @context, the document's must start with it, and
    // the document is then canonicalised with the proof's @context.
    let replaced_context;
    let unsecured: &Value = match proof.get("@context") {
        None => document,
        Some(proof_context) => {
            let document_context = document.get("@context");
            if document_context == Some(proof_context) {
                document
            } else {
                let as_list = |value: &Value| match value {
                    Value::Array(items) => items.clone(),
                    other => vec![other.clone()],
                };
                let document_list = document_context.map(as_list).unwrap_or_default();
                let proof_list = as_list(proof_context);
                if !document_list.starts_with(&proof_list) {
                    return Err(VerifyError::ProofContextMismatch { index });
                }
                let mut copy = document.clone();
                if let Value::Object(map) = &mut copy {
                    map.insert("@context".into(), proof_context.clone());
                }
                replaced_context = copy;
                &replaced_context
            }
        }
    };

    let key = resolver
        .resolve_verification_method(verification_method)
        .map_err(|error| match error {
            KeyError::UnknownKey { .. } => VerifyError::UnknownKey {
                index,
                verification_method: verification_method.to_owned(),
            },
            other => VerifyError::KeyResolution {
                index,
                verification_method: verification_method.to_owned(),
                source: other,
            },
        })?;
    if key.algorithm() != suite.key_algorithm() {
        return Err(VerifyError::KeyDoesNotFitSuite {
            index,
            verification_method: verification_method.to_owned(),
            expected: suite.key_algorithm(),
        });
    }
    let proof_config = proof_configuration(proof, unsecured);
    let hash_inputs = match previous {
        None => canonicaliser.hash_inputs(suite, unsecured, &proof_config),
        Some(previous) => {
            let mut chained = unsecured.clone();
            if let Value::Object(map) = &mut chained {
                map.insert("proof".into(), previous);
            }
            canonicaliser.hash_inputs_with_previous_proofs(suite, &chained, &proof_config)
        }
    }
    .map_err(|source| VerifyError::Canonicalisation { index, source })?;
    if !key.verify_signature(&hash_inputs.hash_data(), &signature) {
        return Err(VerifyError::SignatureMismatch {
            index,
            cryptosuite: suite,
            verification_method: verification_method.to_owned(),
        });
    }
    Ok(VerifiedProof {
        cryptosuite: suite,
        verification_method: verification_method.to_owned(),
        created,
    })
}
