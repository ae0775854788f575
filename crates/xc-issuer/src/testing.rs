//! A complete issuance for tests of verification (feature `testing`): the issuer's keys in a
//! directory, an outcome credential signed with the three suites and carrying a revocation
//! entry, its status list credential, a log of several entries that holds its issuance entry,
//! a tree head signed over that log and the credential's inclusion proof. Everything is made by
//! the real code paths (`outcome_credential`, `sign_outcome_credential`, `issuance_entry`,
//! `xc_merkle::MemoryTree`); only the store is left out.

use std::path::Path;

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::{date, datetime};
use xc_credentials::status_list::{
    StatusList, StatusListEntry, StatusPurpose, set_credential_status,
};
use xc_credentials::{Canonicaliser, Cryptosuite, KeyAlgorithm, SignOptions};
use xc_domain::credit::{
    ContactHours, Credits, FrameworkLevel, OutcomeCategory, OutcomeId, OutcomeKind, OutcomeTitle,
    SubmittedOutcome,
};
use xc_domain::{InstitutionId, LearnerId};
use xc_merkle::{InclusionProof, MemoryTree, TreeHead};
use xc_store::{Grant, OutcomeRecord, OutcomeStatus, SignedTreeHead, TreeHeadSignature};

use crate::{
    IssuerKeys, IssuerProfile, OutcomeCredentialInput, ProofBundle, issuance_entry,
    outcome_credential, sign_outcome_credential,
};

/// The issuer DID of the sample.
pub const SAMPLE_DID: &str = "did:web:bank.example.org";
/// When the sample credential is issued; it is valid until 2031-06-30T23:59:59Z.
pub const SAMPLE_ISSUED_AT: OffsetDateTime = datetime!(2026-11-29 09:30:15 UTC);
/// The sample credential's index in its revocation list.
pub const SAMPLE_STATUS_INDEX: u64 = 4_242;
/// Where the sample credential's entry sits in the sample log of [`SAMPLE_LOG_SIZE`] entries.
pub const SAMPLE_LEAF_INDEX: u64 = 5;
pub const SAMPLE_LOG_SIZE: u64 = 11;

/// Everything a verifier could be handed about one issued credential.
#[derive(Debug)]
pub struct SampleIssuance {
    pub keys: IssuerKeys,
    pub credential: Value,
    /// The revocation list credential, signed, with the sample's bit as asked.
    pub status_list: Value,
    pub tree_head: SignedTreeHead,
    pub inclusion_proof: InclusionProof,
}

/// The bank's profile in the samples.
pub fn sample_profile() -> IssuerProfile {
    IssuerProfile {
        name: "学城终身教育学分银行".into(),
        base_url: "https://bank.example.org".into(),
    }
}

/// Issues credentials for `outcomes` (recognised, from the store) through the real path, all
/// from the same provider, at `at`.
pub async fn issue_for(
    store: &dyn xc_store::Store,
    keys: &IssuerKeys,
    outcomes: &[OutcomeRecord],
    at: OffsetDateTime,
) -> Vec<xc_store::IssuedCredentialRecord> {
    let to_issue: Vec<crate::ToIssue<'_>> = outcomes
        .iter()
        .map(|outcome| crate::ToIssue {
            outcome,
            provider_name: "静安区社区学院",
        })
        .collect();
    crate::issue_outcome_credentials(
        store,
        keys,
        &sample_profile(),
        &Canonicaliser::new(xc_credentials::ContextLoader::bundled()),
        &to_issue,
        at,
    )
    .await
    .expect("issued")
}

/// A recognised outcome to issue for.
pub fn sample_outcome() -> OutcomeRecord {
    OutcomeRecord {
        id: OutcomeId::new(42),
        learner: LearnerId::new(7),
        external_id: "SF-2026-001".into(),
        submitted: SubmittedOutcome {
            provider: InstitutionId::new(3),
            kind: OutcomeKind::CommunityCourse,
            title: OutcomeTitle::parse("书法(楷书)").expect("a valid title"),
            hours: Some(ContactHours::whole(32).expect("valid hours")),
            grade: None,
            field: None,
            achieved_on: date!(2026 - 06 - 30),
            score: None,
            evidence: Vec::new(),
        },
        status: OutcomeStatus::Recognised,
        grant: Some(Grant {
            category: OutcomeCategory::VocationalTraining,
            level: FrameworkLevel::new(2).expect("a valid level"),
            credits: Credits::from_hundredths(150).expect("valid credits"),
            valid_until: Some(date!(2031 - 06 - 30)),
        }),
        submitted_at: datetime!(2026-07-01 08:00 UTC),
        submitted_by: None,
        batch: None,
    }
}

/// Signs a tree head with the issuer's active keys, as `sign_tree_head` does over the store.
pub fn sign_head(keys: &IssuerKeys, head: TreeHead) -> SignedTreeHead {
    let bytes = head.to_signed_bytes();
    let signatures = [
        (KeyAlgorithm::Ed25519, "Ed25519"),
        (KeyAlgorithm::Sm2, "SM2-SM3"),
    ]
    .into_iter()
    .map(|(algorithm, label)| {
        let key = keys.active(algorithm);
        TreeHeadSignature {
            key_id: key.key_id().to_owned(),
            algorithm: label.to_owned(),
            signature: key.sign(&bytes),
        }
    })
    .collect();
    SignedTreeHead { head, signatures }
}

/// Makes the sample with keys in `key_directory`; `status_list_url` is the credential's
/// `statusListCredential` (and the list's `id`); `revoked` sets its bit.
pub fn sample_issuance(
    key_directory: &Path,
    status_list_url: &str,
    revoked: bool,
    canonicaliser: &Canonicaliser,
) -> SampleIssuance {
    let keys = IssuerKeys::open_or_create(key_directory, SAMPLE_DID).expect("issuer keys");
    let outcome = sample_outcome();
    let mut credential = outcome_credential(
        &sample_profile(),
        SAMPLE_DID,
        &OutcomeCredentialInput {
            credential_id: "urn:uuid:6f1c8d7e-0b0a-4c61-9a49-2d4f1f0a9c11",
            outcome: &outcome,
            provider_name: "静安区社区学院",
            identity_salt: "5f0d1c2b3a495867",
            issued_at: SAMPLE_ISSUED_AT,
        },
    )
    .expect("a credential");
    let entry = StatusListEntry {
        purpose: StatusPurpose::Revocation,
        index: SAMPLE_STATUS_INDEX,
        status_list_credential: status_list_url.to_owned(),
    };
    if let Value::Object(map) = &mut credential {
        set_credential_status(map, &[entry]);
    }
    let credential = sign_outcome_credential(&keys, &credential, SAMPLE_ISSUED_AT, canonicaliser)
        .expect("signed");

    let mut list = StatusList::new(StatusPurpose::Revocation, 0);
    list.set(SAMPLE_STATUS_INDEX, revoked).expect("in range");
    let list_credential = list.to_credential(status_list_url, SAMPLE_DID, SAMPLE_ISSUED_AT, None);
    let status_list = keys
        .keyring()
        .sign_credential(
            &list_credential,
            &[Cryptosuite::EddsaJcs2022],
            &SignOptions::assertion_at(SAMPLE_ISSUED_AT),
            canonicaliser,
        )
        .expect("signed list");

    let mut tree = MemoryTree::new();
    for index in 0..SAMPLE_LOG_SIZE {
        if index == SAMPLE_LEAF_INDEX {
            tree.append(&issuance_entry(&credential, SAMPLE_ISSUED_AT));
        } else {
            tree.append(format!("another entry {index}").as_bytes());
        }
    }
    let head = TreeHead {
        size: SAMPLE_LOG_SIZE,
        root_hash: tree.current_root(),
        timestamp_ms: SAMPLE_ISSUED_AT.unix_timestamp() as u64 * 1000,
    };
    let inclusion_proof = tree
        .inclusion_proof(SAMPLE_LEAF_INDEX, SAMPLE_LOG_SIZE)
        .expect("a proof");
    SampleIssuance {
        tree_head: sign_head(&keys, head),
        keys,
        credential,
        status_list,
        inclusion_proof,
    }
}

impl SampleIssuance {
    /// The proof bundle of the sample (without the credential).
    pub fn bundle(&self) -> ProofBundle {
        ProofBundle {
            credential: None,
            tree_head: Some(self.tree_head.clone()),
            inclusion_proof: Some(self.inclusion_proof.clone()),
        }
    }
}
