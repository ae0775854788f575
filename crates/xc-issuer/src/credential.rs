//! The Open Badges 3.0 credential of a recognised outcome (SPEC C4): a W3C VC 2.0
//! `OpenBadgeCredential` whose achievement carries the outcome's title, kind, criteria, provider
//! (`creator`), field (`fieldOfStudy`), credits (`creditsAvailable`) and framework level (an
//! `alignment` to the bank's framework), and whose subject carries the credits earned and the
//! day achieved. The holder is named only by a salted hash (`IdentityObject`, `hashed: true`),
//! so a stored or logged credential holds no personal data in clear; what a holder shows a
//! verifier is chosen at sharing time. Contexts by URL only (VC 2.0 and OB 3.0.3).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use xc_credentials::{Canonicaliser, Cryptosuite, SignError, SignOptions};
use xc_domain::credit::Credits;
use xc_store::{Grant, OutcomeRecord};

use crate::IssuerKeys;

/// The contexts of an `OpenBadgeCredential`, in order.
pub const OPEN_BADGE_CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// The suites every credential is signed with, side by side: Ed25519 over RDF canonicalisation
/// (what Open Badges certification accepts), Ed25519 over JCS (fast to verify), and SM2 with SM3.
pub const CREDENTIAL_SUITES: [Cryptosuite; 3] = [
    Cryptosuite::EddsaRdfc2022,
    Cryptosuite::EddsaJcs2022,
    Cryptosuite::Sm2Jcs2025,
];

/// Who issues: the credit bank's profile, and where its pages live (for achievement ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerProfile {
    /// The bank's display name, e.g. "学城终身教育学分银行".
    pub name: String,
    /// The public base URL, e.g. `https://xuecheng.example.org` (no trailing slash).
    pub base_url: String,
}

/// What the credential of one recognised outcome is made of besides the outcome itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeCredentialInput<'a> {
    /// `urn:uuid:…`, chosen by the caller and kept with the issuance.
    pub credential_id: &'a str,
    pub outcome: &'a OutcomeRecord,
    /// The provider's display name.
    pub provider_name: &'a str,
    /// The salt of the holder's identity hash (random, kept with the issuance).
    pub identity_salt: &'a str,
    pub issued_at: OffsetDateTime,
}

/// Why a credential could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("outcome {0} is not recognised: only recognised outcomes are issued")]
    NotRecognised(i64),
    #[error("credits {0} cannot be written as a number")]
    Credits(String),
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// A time as credentials write it: UTC, to the second.
pub fn timestamp(moment: OffsetDateTime) -> String {
    let utc = moment
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .expect("zero nanoseconds are valid");
    utc.format(&Rfc3339)
        .expect("a UTC time formats as RFC 3339")
}

fn credits_number(credits: Credits) -> Result<Value, CredentialError> {
    let hundredths = credits.hundredths();
    let number = if hundredths.is_multiple_of(100) {
        serde_json::Number::from(hundredths / 100)
    } else {
        serde_json::Number::from_f64(hundredths as f64 / 100.0)
            .ok_or_else(|| CredentialError::Credits(credits.to_string()))?
    };
    Ok(Value::Number(number))
}

/// The salted identity hash of a learner as OB 3.0 writes it (`sha256$<hex>`).
pub fn identity_hash(learner: i64, salt: &str) -> String {
    let digest = Sha256::digest(format!("learner:{learner}{salt}").as_bytes());
    format!("sha256${}", hex::encode(digest))
}

/// The unsigned `OpenBadgeCredential` of a recognised outcome.
pub fn outcome_credential(
    issuer: &IssuerProfile,
    did: &str,
    input: &OutcomeCredentialInput<'_>,
) -> Result<Value, CredentialError> {
    let outcome = input.outcome;
    let Some(Grant {
        category,
        level,
        credits,
        valid_until,
    }) = outcome.grant
    else {
        return Err(CredentialError::NotRecognised(outcome.id.get()));
    };
    let submitted = &outcome.submitted;
    let credits = credits_number(credits)?;
    let mut criteria = format!(
        "{}（{}），由{}提交，经学分银行认定为{}，资历框架第{}级。",
        submitted.title.as_str(),
        submitted.kind.label_zh(),
        input.provider_name,
        category.label_zh(),
        level.get()
    );
    if let Some(hours) = submitted.hours {
        criteria.push_str(&format!("学时：{hours}。"));
    }
    let mut achievement = json!({
        "id": format!(
            "{}/achievements/{}/{}",
            issuer.base_url,
            submitted.provider.get(),
            outcome.external_id
        ),
        "type": ["Achievement"],
        "achievementType": match submitted.kind.as_str() {
            "academic_course" | "community_course" | "mooc" => "Course",
            "academic_degree" => "Degree",
            "vocational_certificate" => "Certificate",
            _ => "LearningProgram",
        },
        "name": submitted.title.as_str(),
        "criteria": { "narrative": criteria },
        "creditsAvailable": credits,
        "tag": [category.as_str(), submitted.kind.as_str()],
        "alignment": [{
            "type": ["Alignment"],
            "targetName": format!("资历框架第{}级", level.get()),
            "targetCode": format!("L{}", level.get()),
            "targetFramework": format!("{}资历框架", issuer.name),
            "targetType": "CFItem",
            "targetUrl": format!("{}/framework/levels/{}", issuer.base_url, level.get()),
        }],
        "creator": {
            "id": format!("{}/institutions/{}", issuer.base_url, submitted.provider.get()),
            "type": ["Profile"],
            "name": input.provider_name,
        },
    });
    if let Some(field) = &submitted.field {
        achievement["fieldOfStudy"] = json!(field.to_string());
    }
    let mut credential = json!({
        "@context": OPEN_BADGE_CONTEXTS,
        "id": input.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": submitted.title.as_str(),
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": issuer.name,
            "url": issuer.base_url,
        },
        "validFrom": timestamp(input.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(outcome.learner.get(), input.identity_salt),
                "identityType": "identifier",
                "hashed": true,
                "salt": input.identity_salt,
            }],
            "achievement": achievement,
            "creditsEarned": credits,
            "activityEndDate": format!("{}T00:00:00Z", submitted.achieved_on),
        },
    });
    if let Some(until) = valid_until {
        credential["validUntil"] = json!(format!("{until}T23:59:59Z"));
    }
    Ok(credential)
}

/// Signs a credential with the issuer's active keys, one proof per suite of
/// [`CREDENTIAL_SUITES`].
pub fn sign_outcome_credential(
    keys: &IssuerKeys,
    credential: &Value,
    at: OffsetDateTime,
    canonicaliser: &Canonicaliser,
) -> Result<Value, CredentialError> {
    Ok(keys.keyring().sign_credential(
        credential,
        &CREDENTIAL_SUITES,
        &SignOptions::assertion_at(at),
        canonicaliser,
    )?)
}
