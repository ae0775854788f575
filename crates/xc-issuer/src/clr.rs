//! The learner's whole archive as one CLR 2.0 `ClrCredential` (1EdTech Comprehensive Learner
//! Record 2.0): a W3C VC 2.0 issued by the credit bank whose `ClrSubject` holds, in
//! `verifiableCredential`, every Open Badges 3.0 credential issued to the learner exactly as
//! issued (each keeps its own proofs), and in `achievement` the achievements they attest. The
//! holder is named, as in each credential, only by a salted identity hash. The CLR is signed with
//! the same suites as the credentials inside it ([`crate::credential::CREDENTIAL_SUITES`]), so a
//! verifier checks the envelope and, separately, each credential inside. Made on request and
//! not recorded in the log: what it attests is the logged credentials it carries.

use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_credentials::Canonicaliser;
use xc_domain::LearnerId;

use crate::IssuerKeys;
use crate::credential::{
    CredentialError, IssuerProfile, identity_hash, sign_outcome_credential, timestamp,
};

/// The contexts of a `ClrCredential`, in order (as 1EdTech's sample: VC 2.0, CLR 2.0.1, OB
/// 3.0.3), by URL only.
pub const CLR_CONTEXTS: [&str; 3] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// What a CLR is made of.
#[derive(Debug, Clone)]
pub struct ClrInput<'a> {
    /// `urn:uuid:…`, fresh for each CLR made.
    pub clr_id: &'a str,
    pub learner: LearnerId,
    /// The learner's issued OB 3.0 credentials, as signed (at least one).
    pub credentials: &'a [Value],
    /// The salt of the holder's identity hash (random per CLR).
    pub identity_salt: &'a str,
    pub issued_at: OffsetDateTime,
}

/// Why a CLR could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClrError {
    #[error("the archive has no issued credentials yet: a CLR holds at least one")]
    Empty,
    #[error("issued credential {index} has no achievement: it cannot go into a CLR")]
    NoAchievement { index: usize },
    #[error(transparent)]
    Credential(#[from] CredentialError),
}

/// The unsigned `ClrCredential` of `input`.
pub fn clr_credential(
    issuer: &IssuerProfile,
    did: &str,
    input: &ClrInput<'_>,
) -> Result<Value, ClrError> {
    if input.credentials.is_empty() {
        return Err(ClrError::Empty);
    }
    let mut achievements = Vec::with_capacity(input.credentials.len());
    for (index, credential) in input.credentials.iter().enumerate() {
        let achievement = credential
            .pointer("/credentialSubject/achievement")
            .filter(|achievement| achievement.is_object())
            .ok_or(ClrError::NoAchievement { index })?;
        if !achievements.contains(achievement) {
            achievements.push(achievement.clone());
        }
    }
    Ok(json!({
        "@context": CLR_CONTEXTS,
        "id": input.clr_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": format!("{} · 学习成果档案 (Comprehensive Learner Record)", issuer.name),
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": issuer.name,
            "url": issuer.base_url,
        },
        "validFrom": timestamp(input.issued_at),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(input.learner.get(), input.identity_salt),
                "identityType": "identifier",
                "hashed": true,
                "salt": input.identity_salt,
            }],
            "verifiableCredential": input.credentials,
            "achievement": achievements,
        },
    }))
}

/// The `ClrCredential` of `input`, signed with the issuer's active keys (every suite the OB
/// credentials are signed with).
pub fn sign_clr_credential(
    keys: &IssuerKeys,
    issuer: &IssuerProfile,
    input: &ClrInput<'_>,
    canonicaliser: &Canonicaliser,
) -> Result<Value, ClrError> {
    let unsigned = clr_credential(issuer, keys.did(), input)?;
    Ok(sign_outcome_credential(
        keys,
        &unsigned,
        input.issued_at,
        canonicaliser,
    )?)
}
