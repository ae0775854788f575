//! Sharing an issued credential for verification (求职认证) as an SD-JWT VC (RFC 9901): the
//! bank signs, with its active Ed25519 key, a JWT in which every shareable claim of the
//! credential — and the holder's name, which the credential itself never carries — is a
//! salted disclosure, and the presentation keeps only the disclosures of the fields the learner
//! chose. A verifier sees the chosen claims, and nothing else can be recomputed from the rest
//! (each `_sd` array also holds decoys, so not even the number of withheld claims shows).
//!
//! In the clear, besides what RFC 9901 and SD-JWT VC require (`iss`, `vct`, `iat`, `exp`,
//! `_sd_alg`): nothing. The credential's id is deliberately absent: it would let a verifier
//! fetch the whole credential, unshared claims included. The bank's verifier page knows which
//! credential a share holds and reports its status and log inclusion itself.
//!
//! No Key Binding JWT: learners hold no wallet key; the share link itself is the capability,
//! and it expires (`exp` equals the share's expiry) or is revoked.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use xc_credentials::sd_jwt::{
    IssueOptions, SD_JWT_VC_TYP, SdJwtError, SdJwtVerifyOptions, VerifiedSdJwt, issue_sd_jwt,
    verify_sd_jwt,
};
use xc_credentials::{KeyAlgorithm, KeyResolver};
use xc_domain::ShareField;

use crate::IssuerKeys;

/// The `vct` of a shared credit-bank credential (a URN: nothing to fetch).
pub const SHARE_VCT: &str = "urn:xuecheng:vct:credit-bank-credential:1";

/// Decoy digests per `_sd` array.
const DECOYS: usize = 3;

/// The claim names a field discloses, in the order pages list them.
pub fn claims_of(field: ShareField) -> &'static [&'static str] {
    match field {
        ShareField::HolderName => &["holder_name"],
        ShareField::Achievement => &["achievement"],
        ShareField::Provider => &["provider"],
        ShareField::Credits => &["credits"],
        ShareField::Level => &["level"],
        ShareField::Dates => &["achieved_on", "issued_on"],
    }
}

/// Every claim a share can disclose, in page order.
pub fn shareable_claims() -> impl Iterator<Item = &'static str> {
    ShareField::ALL
        .into_iter()
        .flat_map(|field| claims_of(field).iter().copied())
}

fn text_at(document: &Value, pointer: &str) -> Option<String> {
    match document.pointer(pointer)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The shareable claims of an issued Open Badges credential (those it has), with the holder's
/// name beside them.
pub fn shareable_values(credential: &Value, holder_name: &str) -> Map<String, Value> {
    let date = |pointer: &str| text_at(credential, pointer).map(|t| t.chars().take(10).collect());
    let values = [
        ("holder_name", Some(holder_name.to_owned())),
        (
            "achievement",
            text_at(credential, "/credentialSubject/achievement/name")
                .or_else(|| text_at(credential, "/name")),
        ),
        (
            "provider",
            text_at(credential, "/credentialSubject/achievement/creator/name"),
        ),
        (
            "credits",
            text_at(credential, "/credentialSubject/creditsEarned"),
        ),
        (
            "level",
            text_at(
                credential,
                "/credentialSubject/achievement/alignment/0/targetName",
            ),
        ),
        ("achieved_on", date("/credentialSubject/activityEndDate")),
        ("issued_on", date("/validFrom")),
    ];
    values
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), Value::String(value?))))
        .collect()
}

/// The SD-JWT VC presentation of `credential` disclosing exactly the claims of `fields`, valid
/// from `issued_at` to `expires_at`, signed with the active Ed25519 key.
pub fn share_presentation(
    keys: &IssuerKeys,
    credential: &Value,
    holder_name: &str,
    fields: &[ShareField],
    issued_at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<String, SdJwtError> {
    let values = shareable_values(credential, holder_name);
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(keys.did()));
    claims.insert("vct".into(), json!(SHARE_VCT));
    claims.insert("iat".into(), json!(issued_at.unix_timestamp()));
    claims.insert("exp".into(), json!(expires_at.unix_timestamp()));
    let disclosable: Vec<String> = values.keys().map(|name| format!("/{name}")).collect();
    claims.extend(values);
    let issued = issue_sd_jwt(
        &claims,
        &IssueOptions {
            typ: SD_JWT_VC_TYP.into(),
            disclosable,
            decoys_per_object: DECOYS,
            holder_key: None,
        },
        keys.active(KeyAlgorithm::Ed25519),
    )?;
    let chosen: Vec<&str> = fields
        .iter()
        .flat_map(|field| claims_of(*field).iter().copied())
        .collect();
    let presented = issued.present(|disclosure| {
        disclosure
            .claim_name
            .as_deref()
            .is_some_and(|name| chosen.contains(&name))
    })?;
    Ok(presented.serialize())
}

/// Verifies a share presentation strictly (RFC 9901 §7.1 and §7.3: the issuer's signature by
/// `kid` through `keys`, every disclosure referenced by a signed digest, `exp`, `typ`
/// `dc+sd-jwt`) and that it is of our `vct`.
pub fn verify_share_presentation(
    text: &str,
    keys: &dyn KeyResolver,
    now: OffsetDateTime,
) -> Result<VerifiedSdJwt, SdJwtError> {
    let options = SdJwtVerifyOptions {
        expected_typ: Some(SD_JWT_VC_TYP.into()),
        ..SdJwtVerifyOptions::at(now)
    };
    verify_sd_jwt(text.trim(), keys, &options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IssuerPublicKeys;

    fn keys() -> (tempfile::TempDir, IssuerKeys) {
        let directory = tempfile::tempdir().unwrap();
        let keys =
            IssuerKeys::open_or_create(directory.path(), "did:web:bank.example.org").unwrap();
        (directory, keys)
    }

    fn credential() -> Value {
        json!({
            "validFrom": "2026-07-01T08:00:00Z",
            "credentialSubject": {
                "creditsEarned": 2,
                "activityEndDate": "2026-06-30T00:00:00Z",
                "achievement": {
                    "name": "书法(楷书)",
                    "creator": {"name": "黄浦区老年大学"},
                    "alignment": [{"targetName": "资历框架第2级"}]
                }
            }
        })
    }

    #[test]
    fn a_presentation_discloses_only_the_chosen_fields() {
        let (_dir, keys) = keys();
        let now = OffsetDateTime::now_utc();
        let text = share_presentation(
            &keys,
            &credential(),
            "王秀英",
            &[
                ShareField::HolderName,
                ShareField::Credits,
                ShareField::Dates,
            ],
            now,
            now + time::Duration::days(7),
        )
        .unwrap();
        assert!(!text.contains("书法"));
        let public = IssuerPublicKeys::from_json(&keys.did_document()).unwrap();
        let verified = verify_share_presentation(&text, &public, now).unwrap();
        let mut names: Vec<&str> = verified.claims.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "achieved_on",
                "credits",
                "exp",
                "holder_name",
                "iat",
                "iss",
                "issued_on",
                "vct"
            ]
        );
        assert_eq!(verified.claims["holder_name"], "王秀英");
        assert_eq!(verified.claims["credits"], "2");
        assert_eq!(verified.claims["achieved_on"], "2026-06-30");
        assert_eq!(verified.claims["issued_on"], "2026-07-01");
        assert_eq!(verified.claims["iss"], "did:web:bank.example.org");
        let late = verify_share_presentation(&text, &public, now + time::Duration::days(8));
        assert!(matches!(late, Err(SdJwtError::Expired { .. })), "{late:?}");
    }

    #[test]
    fn a_disclosure_the_signature_does_not_cover_is_refused() {
        let (_dir, keys) = keys();
        let now = OffsetDateTime::now_utc();
        let text = share_presentation(
            &keys,
            &credential(),
            "王秀英",
            &[ShareField::Achievement],
            now,
            now + time::Duration::days(1),
        )
        .unwrap();
        // A well-formed disclosure of a claim the holder would like to have had.
        let forged = base64_url(r#"["c2FsdHNhbHRzYWx0","credits","99"]"#);
        let public = IssuerPublicKeys::from_json(&keys.did_document()).unwrap();
        let refused = verify_share_presentation(&format!("{text}{forged}~"), &public, now);
        assert!(
            matches!(refused, Err(SdJwtError::UnreferencedDisclosure { .. })),
            "{refused:?}"
        );
    }

    fn base64_url(text: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }
}
