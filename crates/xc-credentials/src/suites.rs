//! The Data Integrity cryptosuites: `eddsa-jcs-2022` and `eddsa-rdfc-2022` (W3C vc-di-eddsa)
//! and `sm2-jcs-2025` (ours, specified in docs/credentials.md). Each has the same three steps:
//! transformation (canonical document), hashing (hash of the canonical proof configuration
//! followed by hash of the canonical document) and proof serialisation (signature over that
//! concatenation, written as a base58btc multibase `proofValue`).

use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::contexts::{ContextError, ContextLoader};
use crate::jcs;
use crate::keys::KeyAlgorithm;
use crate::rdfc::{JsonLdContexts, RdfCanonicalisationError, canonicalize_rdf_with};

/// The `type` of every proof made by these suites.
pub const DATA_INTEGRITY_PROOF: &str = "DataIntegrityProof";

/// A supported cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cryptosuite {
    /// Ed25519 over JCS (RFC 8785) canonical JSON, SHA-256.
    EddsaJcs2022,
    /// Ed25519 over RDFC-1.0 canonical N-Quads, SHA-256 (what Open Badges 3.0 certification
    /// accepts).
    EddsaRdfc2022,
    /// SM2 with SM3 over JCS canonical JSON (GB/T 32918, GB/T 32905); see docs/credentials.md.
    Sm2Jcs2025,
}

/// How a suite canonicalises documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canonicalisation {
    /// JSON Canonicalization Scheme, RFC 8785.
    Jcs,
    /// JSON-LD to RDF, then RDF Dataset Canonicalization RDFC-1.0.
    Rdfc,
}

impl Cryptosuite {
    /// Every supported suite.
    pub const ALL: [Cryptosuite; 3] = [
        Cryptosuite::EddsaJcs2022,
        Cryptosuite::EddsaRdfc2022,
        Cryptosuite::Sm2Jcs2025,
    ];

    /// The `cryptosuite` value in a proof.
    pub const fn name(self) -> &'static str {
        match self {
            Self::EddsaJcs2022 => "eddsa-jcs-2022",
            Self::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Self::Sm2Jcs2025 => "sm2-jcs-2025",
        }
    }

    /// The suite named `name`, if we support it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|suite| suite.name() == name)
    }

    /// The key algorithm this suite signs with.
    pub const fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Self::EddsaJcs2022 | Self::EddsaRdfc2022 => KeyAlgorithm::Ed25519,
            Self::Sm2Jcs2025 => KeyAlgorithm::Sm2,
        }
    }

    /// How this suite canonicalises.
    pub const fn canonicalisation(self) -> Canonicalisation {
        match self {
            Self::EddsaJcs2022 | Self::Sm2Jcs2025 => Canonicalisation::Jcs,
            Self::EddsaRdfc2022 => Canonicalisation::Rdfc,
        }
    }

    fn hash(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::EddsaJcs2022 | Self::EddsaRdfc2022 => sha2::Sha256::digest(bytes).to_vec(),
            Self::Sm2Jcs2025 => sm3::Sm3::digest(bytes).to_vec(),
        }
    }
}

/// Why a document or proof configuration could not be canonicalised.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalisationError {
    /// A context is unknown or inline.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// JSON-LD or RDFC-1.0 failed.
    #[error(transparent)]
    Rdf(#[from] RdfCanonicalisationError),
}

/// Every intermediate form of the hashing step, as the W3C test vectors publish them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashInputs {
    /// The canonical proof configuration (JCS text or N-Quads).
    pub canonical_proof_config: String,
    /// The canonical document, without its proof (JCS text or N-Quads).
    pub canonical_document: String,
    /// Hash of the canonical proof configuration.
    pub proof_config_hash: Vec<u8>,
    /// Hash of the canonical document.
    pub document_hash: Vec<u8>,
}

impl HashInputs {
    /// What is signed: proof configuration hash followed by document hash.
    pub fn hash_data(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(self.proof_config_hash.len() + self.document_hash.len());
        data.extend_from_slice(&self.proof_config_hash);
        data.extend_from_slice(&self.document_hash);
        data
    }
}

/// Canonicalises with the contexts of one [`ContextLoader`]; the JSON-LD form of those contexts
/// is parsed once, on the first RDFC use.
#[derive(Debug)]
pub struct Canonicaliser {
    contexts: ContextLoader,
    json_ld: std::sync::OnceLock<Result<JsonLdContexts, RdfCanonicalisationError>>,
}

impl std::fmt::Debug for JsonLdContexts {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("JsonLdContexts")
    }
}

impl Canonicaliser {
    /// A canonicaliser over these contexts.
    pub fn new(contexts: ContextLoader) -> Self {
        Self {
            contexts,
            json_ld: std::sync::OnceLock::new(),
        }
    }

    /// The contexts it uses.
    pub fn contexts(&self) -> &ContextLoader {
        &self.contexts
    }

    /// Canonical form of `document` for `suite`, leaving out its top-level `proof`.
    pub fn canonical_document(
        &self,
        suite: Cryptosuite,
        document: &Value,
    ) -> Result<String, CanonicalisationError> {
        match suite.canonicalisation() {
            Canonicalisation::Jcs => Ok(jcs::canonicalize_without_member(document, "proof")),
            Canonicalisation::Rdfc => {
                let mut unsecured = document.clone();
                if let Value::Object(map) = &mut unsecured {
                    map.remove("proof");
                }
                self.rdfc(&unsecured)
            }
        }
    }

    fn rdfc(&self, document: &Value) -> Result<String, CanonicalisationError> {
        let loader = self
            .json_ld
            .get_or_init(|| JsonLdContexts::new(&self.contexts))
            .as_ref()
            .map_err(|error| CanonicalisationError::Rdf(error.clone()))?;
        Ok(canonicalize_rdf_with(document, &self.contexts, loader)?)
    }

    /// Canonical form of a proof configuration (already holding its `@context`).
    pub fn canonical_proof_config(
        &self,
        suite: Cryptosuite,
        proof_config: &Map<String, Value>,
    ) -> Result<String, CanonicalisationError> {
        let value = Value::Object(proof_config.clone());
        match suite.canonicalisation() {
            Canonicalisation::Jcs => Ok(jcs::canonicalize(&value)),
            Canonicalisation::Rdfc => self.rdfc(&value),
        }
    }

    /// The hashing step: canonicalise both (the document without its `proof`), hash both with
    /// the suite's hash.
    pub fn hash_inputs(
        &self,
        suite: Cryptosuite,
        document: &Value,
        proof_config: &Map<String, Value>,
    ) -> Result<HashInputs, CanonicalisationError> {
        let canonical_document = self.canonical_document(suite, document)?;
        self.hash_inputs_of_canonical_document(suite, canonical_document, proof_config)
    }

    /// The hashing step for a proof in a chain: `document` is hashed as given, its `proof`
    /// member holding the previous proofs the new proof signs over (VC Data Integrity 4.5).
    pub fn hash_inputs_with_previous_proofs(
        &self,
        suite: Cryptosuite,
        document: &Value,
        proof_config: &Map<String, Value>,
    ) -> Result<HashInputs, CanonicalisationError> {
        let canonical_document = match suite.canonicalisation() {
            Canonicalisation::Jcs => jcs::canonicalize(document),
            Canonicalisation::Rdfc => self.rdfc(document)?,
        };
        self.hash_inputs_of_canonical_document(suite, canonical_document, proof_config)
    }

    fn hash_inputs_of_canonical_document(
        &self,
        suite: Cryptosuite,
        canonical_document: String,
        proof_config: &Map<String, Value>,
    ) -> Result<HashInputs, CanonicalisationError> {
        let canonical_proof_config = self.canonical_proof_config(suite, proof_config)?;
        Ok(HashInputs {
            proof_config_hash: suite.hash(canonical_proof_config.as_bytes()),
            document_hash: suite.hash(canonical_document.as_bytes()),
            canonical_proof_config,
            canonical_document,
        })
    }
}

/// The proof configuration: the proof options without `proofValue`, with the document's
/// `@context` (vc-di-eddsa "Proof Configuration").
pub fn proof_configuration(
    proof_options: &Map<String, Value>,
    document: &Value,
) -> Map<String, Value> {
    let mut config = proof_options.clone();
    config.remove("proofValue");
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    config
}

impl std::fmt::Display for Cryptosuite {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}
