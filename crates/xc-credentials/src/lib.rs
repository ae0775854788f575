//! Verifiable credentials for xuecheng: the signature suites and canonicalisation that later
//! issuance, verification and mutual recognition build on. Pure library: no database, no HTTP,
//! and nothing is ever fetched (JSON-LD contexts are bundled, keys come from a resolver).
//!
//! - [`contexts`]: the offline JSON-LD context loader;
//! - [`jcs`]: JSON canonicalisation (RFC 8785); [`rdfc`]: JSON-LD to RDF and RDFC-1.0;
//! - [`keys`]: signing keys (secrets never printed), verification keys as Multikey, key
//!   resolution;
//! - [`suites`]: the Data Integrity cryptosuites `eddsa-jcs-2022`, `eddsa-rdfc-2022` and our
//!   `sm2-jcs-2025` (SM2 with SM3), each proof created and verified per its specification;
//! - [`credential`]: the top-level API, [`sign_credential`] and [`verify_credential`];
//! - [`status_list`]: W3C Bitstring Status List (revocation, suspension) and status checks;
//! - [`sd_jwt`]: SD-JWT (RFC 9901) and SD-JWT VC, issuance, presentation, strict verification;
//! - [`learner_code`]: the learner code (申学码) token behind the rotating QR code.

pub mod contexts;
pub mod credential;
pub mod jcs;
pub mod keys;
pub mod learner_code;
pub mod multibase;
pub mod rdfc;
pub mod sd_jwt;
pub mod status_list;
pub mod suites;

pub use contexts::{ContextError, ContextLoader};
pub use credential::{
    ProofRequest, SignError, SignOptions, VerifiedCredential, VerifiedProof, VerifyError,
    VerifyOptions, check_validity_period, sign_credential, verify_credential,
};
pub use keys::{
    DidKeyResolver, KeyAlgorithm, KeyError, KeyResolver, Keyring, SigningKey, StaticKeyResolver,
    VerificationKey,
};
pub use suites::{Canonicaliser, Cryptosuite, HashInputs};
