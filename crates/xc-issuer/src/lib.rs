//! The credit bank as an issuer of tamper-evident records (issue 4, SPEC C4), over the store:
//!
//! - [`keys`]: the issuer's signing keys — Ed25519 and SM2 — kept in key files only the server
//!   can read, rotated by adding a newer key (older ones stay for verification), and published
//!   as a DID document (`did:web`);
//! - [`credential`]: the Open Badges 3.0 credential of a recognised outcome, signed with
//!   Ed25519 and SM2 side by side;
//! - [`clr`]: the learner's whole archive as a CLR 2.0 `ClrCredential` holding their issued
//!   Open Badges credentials, signed like them;
//! - [`issue`]: issuing credentials for recognised outcomes, each recorded with its issuance
//!   entry in the transparency log;
//! - [`service`]: the issuer a running application holds: issuance one at a time, for outcomes
//!   just recognised and for every recognised outcome still owed a credential, each followed by
//!   a signed tree head;
//! - [`status`]: revocation and suspension: each credential's place in the Bitstring Status
//!   Lists, the log entry of a status change, the signed list credentials;
//! - [`share`]: a credential shared for verification as an SD-JWT VC that discloses only the
//!   fields the learner chose;
//! - [`learner_codes`]: the keys of the learner code (申学码): the signing keys of its
//!   short-lived tokens and the secret behind each learner's pseudonymous handle;
//! - [`tree_heads`]: signing the transparency log's tree heads, never for a tree that does not
//!   extend the last signed one;
//! - [`public_keys`] and [`verify`]: what a verifier does offline with an issued credential and
//!   the issuer's published keys — proofs, validity, status, log inclusion — in one report;
//! - [`mutual`]: mutual recognition between cities: the keys pinned from another bank's DID
//!   document, its served tree heads and proofs read, and the verdict on a credential brought
//!   from it;
//! - [`audit`]: recomputing the whole stored log from its entries, naming every stored row that
//!   was changed or removed.
//!
//! Pure formats and proofs live in `xc-credentials` and `xc-merkle`; this crate adds the keys
//! and the store.

pub mod audit;
pub mod clr;
pub mod credential;
pub mod issue;
pub mod keys;
pub mod learner_codes;
pub mod mutual;
pub mod public_keys;
pub mod service;
pub mod share;
pub mod status;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tree_heads;
pub mod verify;

pub use audit::{AuditFinding, AuditReport, audit_log};
pub use clr::{CLR_CONTEXTS, ClrError, ClrInput, clr_credential, sign_clr_credential};
pub use credential::{
    CredentialError, IssuerProfile, OutcomeCredentialInput, outcome_credential,
    sign_outcome_credential,
};
pub use issue::{
    ToIssue, issuance_entry, issue_outcome_credentials, new_credential_id,
    prepare_outcome_credentials, record_issued,
};
pub use keys::{IssuerError, IssuerKeys};
pub use learner_codes::LearnerCodeSigner;
pub use mutual::{
    Accepted, ExternalRefusal, PinError, check_still_trusted, judge_external, keys_to_pin,
    pinned_resolver,
};
pub use public_keys::{IssuerPublicKeys, PublicKeysError};
pub use service::{Issuer, did_web_of};
pub use tree_heads::{sign_tree_head, verify_tree_head_signatures};
pub use verify::{
    InclusionError, InclusionReport, ProofBundle, ProofOutcome, ProofReport, StatusReport,
    ValidityReport, VerificationReport, VerifyInputs, verify_issued_credential,
};
