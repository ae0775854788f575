//! SD-JWT and SD-JWT VC: issue, present a chosen subset with key binding, verify; and every
//! forgery or mistake a verifier must refuse, each with its own reason.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use time::Duration;
use xc_credentials::sd_jwt::{
    Disclosure, IssueOptions, KeyBindingExpectation, SD_JWT_VC_TYP, SdJwt, SdJwtError,
    SdJwtVerifyOptions, issue_sd_jwt, sha256_base64url, verify_sd_jwt,
};
use xc_credentials::{KeyAlgorithm, SigningKey, StaticKeyResolver};

use crate::support::at;

const ISSUER_KEY_ID: &str = "did:web:credit-bank.xuecheng.example#key-1";
const HOLDER_KEY_ID: &str = "did:key:holder#holder";

fn issuer_key() -> SigningKey {
    SigningKey::ed25519_from_secret_bytes(ISSUER_KEY_ID, &[11; 32]).unwrap()
}

fn holder_key() -> SigningKey {
    SigningKey::ed25519_from_secret_bytes(HOLDER_KEY_ID, &[33; 32]).unwrap()
}

fn resolver() -> StaticKeyResolver {
    StaticKeyResolver::new().with_key(ISSUER_KEY_ID, issuer_key().verification_key().clone())
}

fn claims() -> Map<String, Value> {
    json!({
        "iss": "https://credit-bank.xuecheng.example",
        "vct": "https://credit-bank.xuecheng.example/vct/learning-record",
        "iat": 1_767_225_600, // 2026-01-01
        "exp": 1_798_761_600, // 2027-01-01
        "given_name": "小明",
        "family_name": "王",
        "birthdate": "1950-05-01",
        "achievement": { "name": "书法入门", "credits": 2, "level": "L1" },
        "courses": ["书法", "太极", "摄影"],
    })
    .as_object()
    .unwrap()
    .clone()
}

fn issue(disclosable: &[&str]) -> SdJwt {
    issue_sd_jwt(
        &claims(),
        &IssueOptions {
            typ: SD_JWT_VC_TYP.into(),
            disclosable: disclosable.iter().map(|p| (*p).to_owned()).collect(),
            decoys_per_object: 2,
            holder_key: Some(holder_key().verification_key().clone()),
        },
        &issuer_key(),
    )
    .unwrap()
}

fn all_disclosable() -> SdJwt {
    issue(&[
        "/given_name",
        "/family_name",
        "/birthdate",
        "/achievement",
        "/achievement/credits",
        "/courses/1",
    ])
}

fn options() -> SdJwtVerifyOptions {
    SdJwtVerifyOptions {
        expected_typ: Some(SD_JWT_VC_TYP.into()),
        ..SdJwtVerifyOptions::at(at("2026-03-01T00:00:00Z"))
    }
}

fn with_kb_expected() -> SdJwtVerifyOptions {
    SdJwtVerifyOptions {
        key_binding: Some(KeyBindingExpectation {
            audience: "https://employer.example".into(),
            nonce: "n-0S6_WzA2Mj".into(),
            max_age: Duration::minutes(5),
        }),
        ..options()
    }
}

fn bound(presentation: SdJwt) -> String {
    presentation
        .with_key_binding(
            &holder_key(),
            "https://employer.example",
            "n-0S6_WzA2Mj",
            at("2026-02-28T23:59:00Z"),
        )
        .unwrap()
        .serialize()
}

fn named(name: &str) -> impl Fn(&Disclosure) -> bool + '_ {
    move |disclosure| disclosure.claim_name.as_deref() == Some(name)
}

#[test]
fn everything_disclosed_reconstructs_the_original_claims() {
    let issued = all_disclosable();
    assert_eq!(issued.disclosures.len(), 6);
    let text = issued.serialize();
    assert!(text.ends_with('~'));
    let verified = verify_sd_jwt(&text, &resolver(), &options()).unwrap();
    let mut expected = claims();
    expected.insert("cnf".into(), verified.claims["cnf"].clone());
    assert_eq!(verified.claims, expected);
    assert!(!verified.key_bound);
}

#[test]
fn a_chosen_subset_with_key_binding_shows_only_what_was_chosen() {
    let issued = all_disclosable();
    let presentation = issued
        .present(|d| {
            d.claim_name.as_deref() == Some("given_name")
                || d.claim_name.as_deref() == Some("achievement")
                || d.value == json!("太极")
        })
        .unwrap();
    assert_eq!(presentation.disclosures.len(), 3);
    let verified = verify_sd_jwt(&bound(presentation), &resolver(), &with_kb_expected()).unwrap();
    assert!(verified.key_bound);
    assert_eq!(verified.claims["given_name"], "小明");
    assert!(verified.claims.get("family_name").is_none());
    assert!(verified.claims.get("birthdate").is_none());
    // The nested credits stayed undisclosed inside the disclosed achievement.
    assert_eq!(
        verified.claims["achievement"],
        json!({ "name": "书法入门", "level": "L1" })
    );
    assert_eq!(verified.claims["courses"], json!(["书法", "太极", "摄影"]));
    // Undisclosed array elements vanish.
    let without_element = issued.present(named("given_name")).unwrap();
    let verified = verify_sd_jwt(&without_element.serialize(), &resolver(), &options()).unwrap();
    assert_eq!(verified.claims["courses"], json!(["书法", "摄影"]));
}

#[test]
fn a_nested_disclosure_without_its_parent_is_left_out_by_the_holder() {
    let presentation = all_disclosable().present(named("credits")).unwrap();
    assert!(presentation.disclosures.is_empty());
}

#[test]
fn a_forged_disclosure_is_unreferenced() {
    let mut presentation = all_disclosable().present(named("given_name")).unwrap();
    let forged = URL_SAFE_NO_PAD.encode(r#"["c2FsdA","degree","博士"]"#);
    presentation
        .disclosures
        .push(Disclosure::parse(1, &forged).unwrap());
    assert_eq!(
        verify_sd_jwt(&presentation.serialize(), &resolver(), &options()),
        Err(SdJwtError::UnreferencedDisclosure {
            digest: sha256_base64url(&forged)
        })
    );
}

#[test]
fn a_modified_disclosure_no_longer_matches_its_digest() {
    let presentation = all_disclosable().present(named("birthdate")).unwrap();
    let original = &presentation.disclosures[0];
    let bytes = URL_SAFE_NO_PAD.decode(&original.encoded).unwrap();
    let changed = String::from_utf8(bytes)
        .unwrap()
        .replace("1950-05-01", "1990-05-01");
    let changed = URL_SAFE_NO_PAD.encode(changed);
    let text = presentation
        .serialize()
        .replace(&original.encoded, &changed);
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &options()),
        Err(SdJwtError::UnreferencedDisclosure { .. })
    ));
}

#[test]
fn a_disclosure_sent_twice_is_refused() {
    let presentation = all_disclosable().present(named("birthdate")).unwrap();
    let encoded = &presentation.disclosures[0].encoded;
    let text = format!("{}{encoded}~", presentation.serialize());
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &options()),
        Err(SdJwtError::DuplicateDisclosure { .. })
    ));
}

#[test]
fn a_changed_payload_fails_the_issuer_signature() {
    let issued = all_disclosable();
    let mut parts: Vec<String> = issued.issuer_jwt.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["exp"] = json!(4_000_000_000_i64);
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    let text = format!("{}~", parts.join("."));
    assert_eq!(
        verify_sd_jwt(&text, &resolver(), &options()),
        Err(SdJwtError::IssuerSignatureMismatch)
    );
    let none = format!(
        "{}.{}.~",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"dc+sd-jwt"}"#),
        parts[1]
    );
    assert!(matches!(
        verify_sd_jwt(&none, &resolver(), &options()),
        Err(SdJwtError::UnsupportedAlgorithm { .. })
    ));
}

/// Builds a signed SD-JWT from a hand-made payload, for structures our issuer never makes.
fn hand_made(payload: Value, disclosures: &[&str]) -> String {
    let header = json!({ "alg": "EdDSA", "typ": "example+sd-jwt", "kid": ISSUER_KEY_ID });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = URL_SAFE_NO_PAD.encode(issuer_key().sign(input.as_bytes()));
    let mut text = format!("{input}.{signature}~");
    for disclosure in disclosures {
        text.push_str(disclosure);
        text.push('~');
    }
    text
}

fn disclosure(json: &str) -> (String, String) {
    let encoded = URL_SAFE_NO_PAD.encode(json);
    let digest = sha256_base64url(&encoded);
    (encoded, digest)
}

#[test]
fn structural_attacks_are_refused_with_their_reason() {
    let plain = SdJwtVerifyOptions::at(at("2026-03-01T00:00:00Z"));
    let (name, name_digest) = disclosure(r#"["salt1","name","A"]"#);
    // A disclosed name colliding with a clear one.
    let text = hand_made(json!({ "name": "B", "_sd": [name_digest] }), &[&name]);
    assert_eq!(
        verify_sd_jwt(&text, &resolver(), &plain),
        Err(SdJwtError::ClaimNameCollision {
            name: "name".into()
        })
    );
    // The same digest twice in the payload.
    let text = hand_made(
        json!({ "_sd": [name_digest], "inner": { "_sd": [name_digest] } }),
        &[&name],
    );
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &plain),
        Err(SdJwtError::DuplicateDigest { .. })
    ));
    // A disclosure naming `_sd`.
    let (reserved, reserved_digest) = disclosure(r#"["salt2","_sd",["x"]]"#);
    let text = hand_made(json!({ "_sd": [reserved_digest] }), &[&reserved]);
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &plain),
        Err(SdJwtError::ReservedClaimName { .. })
    ));
    // An array-element disclosure referenced from `_sd`, and a property one from an array.
    let (element, element_digest) = disclosure(r#"["salt3","FR"]"#);
    let text = hand_made(json!({ "_sd": [element_digest] }), &[&element]);
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &plain),
        Err(SdJwtError::DisclosureKindMismatch { .. })
    ));
    let text = hand_made(json!({ "list": [{ "...": name_digest }] }), &[&name]);
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &plain),
        Err(SdJwtError::DisclosureKindMismatch { .. })
    ));
    // `_sd` that is not an array; `...` beside other members; an unknown `_sd_alg`.
    for (payload, expected) in [
        (json!({ "_sd": "x" }), "malformed"),
        (json!({ "list": [{ "...": "x", "y": 1 }] }), "malformed"),
        (json!({ "_sd_alg": "sha-512" }), "alg"),
    ] {
        let result = verify_sd_jwt(&hand_made(payload, &[]), &resolver(), &plain);
        match expected {
            "alg" => assert!(matches!(result, Err(SdJwtError::UnsupportedSdAlg { .. }))),
            _ => assert!(matches!(result, Err(SdJwtError::MalformedDigests { .. }))),
        }
    }
    // The array element disclosure in the right place works, and RFC-style spacing is fine.
    let text = hand_made(
        json!({ "nationalities": [{ "...": element_digest }, "DE"] }),
        &[&element],
    );
    let verified = verify_sd_jwt(&text, &resolver(), &plain).unwrap();
    assert_eq!(verified.claims["nationalities"], json!(["FR", "DE"]));
}

#[test]
fn key_binding_is_checked_when_required() {
    let presentation = all_disclosable().present(named("given_name")).unwrap();
    assert_eq!(
        verify_sd_jwt(&presentation.serialize(), &resolver(), &with_kb_expected()),
        Err(SdJwtError::MissingKeyBinding)
    );
    let bound_with = |audience: &str, nonce: &str, iat: &str, key: &SigningKey| {
        presentation
            .clone()
            .with_key_binding(key, audience, nonce, at(iat))
            .unwrap()
            .serialize()
    };
    let holder = holder_key();
    let cases = [
        (
            bound_with(
                "https://employer.example",
                "other",
                "2026-02-28T23:59:00Z",
                &holder,
            ),
            SdJwtError::WrongNonce,
        ),
        (
            bound_with(
                "https://else.example",
                "n-0S6_WzA2Mj",
                "2026-02-28T23:59:00Z",
                &holder,
            ),
            SdJwtError::WrongAudience,
        ),
        (
            bound_with(
                "https://employer.example",
                "n-0S6_WzA2Mj",
                "2026-02-28T20:00:00Z",
                &holder,
            ),
            SdJwtError::KeyBindingStale {
                iat: at("2026-02-28T20:00:00Z").unix_timestamp(),
            },
        ),
        (
            bound_with(
                "https://employer.example",
                "n-0S6_WzA2Mj",
                "2026-02-28T23:59:00Z",
                &SigningKey::generate("did:key:x#x", KeyAlgorithm::Ed25519).unwrap(),
            ),
            SdJwtError::KeyBindingSignatureMismatch,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            verify_sd_jwt(&text, &resolver(), &with_kb_expected()),
            Err(expected)
        );
    }
    // A KB-JWT made for one presentation does not fit another selection.
    let kb_text = bound(presentation.clone());
    let kb = kb_text.rsplit('~').next().unwrap();
    let other = all_disclosable().present(named("birthdate")).unwrap();
    let text = format!("{}{kb}", other.serialize());
    assert_eq!(
        verify_sd_jwt(&text, &resolver(), &with_kb_expected()),
        Err(SdJwtError::SdHashMismatch)
    );
}

#[test]
fn expiry_and_sd_jwt_vc_rules() {
    let text = all_disclosable().serialize();
    let later = SdJwtVerifyOptions {
        now: at("2027-06-01T00:00:00Z"),
        ..options()
    };
    assert_eq!(
        verify_sd_jwt(&text, &resolver(), &later),
        Err(SdJwtError::Expired { exp: 1_798_761_600 })
    );
    let wrong_typ = SdJwtVerifyOptions {
        expected_typ: Some("example+sd-jwt".into()),
        ..options()
    };
    assert!(matches!(
        verify_sd_jwt(&text, &resolver(), &wrong_typ),
        Err(SdJwtError::WrongType { .. })
    ));
    assert!(matches!(
        issue_sd_jwt(
            &claims(),
            &IssueOptions {
                typ: SD_JWT_VC_TYP.into(),
                disclosable: vec!["/iss".into()],
                decoys_per_object: 0,
                holder_key: None,
            },
            &issuer_key()
        ),
        Err(SdJwtError::NotDisclosable { .. })
    ));
    assert!(matches!(
        issue_sd_jwt(
            &claims(),
            &IssueOptions {
                typ: SD_JWT_VC_TYP.into(),
                disclosable: vec!["/courses/7".into()],
                decoys_per_object: 0,
                holder_key: None,
            },
            &issuer_key()
        ),
        Err(SdJwtError::NotDisclosable { .. })
    ));
    let unknown_issuer = StaticKeyResolver::new();
    assert!(matches!(
        verify_sd_jwt(&text, &unknown_issuer, &options()),
        Err(SdJwtError::Key(_))
    ));
}

#[test]
fn time_claims_of_the_wrong_type_or_extreme_values_are_handled() {
    let plain = SdJwtVerifyOptions::at(at("2026-03-01T00:00:00Z"));
    assert!(matches!(
        verify_sd_jwt(
            &hand_made(json!({ "exp": "tomorrow" }), &[]),
            &resolver(),
            &plain
        ),
        Err(SdJwtError::MalformedJwt { .. })
    ));
    // A fractional exp is a NumericDate too; an enormous one does not overflow.
    assert_eq!(
        verify_sd_jwt(
            &hand_made(json!({ "exp": 1_700_000_000.5 }), &[]),
            &resolver(),
            &plain
        ),
        Err(SdJwtError::Expired { exp: 1_700_000_000 })
    );
    assert!(
        verify_sd_jwt(
            &hand_made(json!({ "exp": i64::MAX }), &[]),
            &resolver(),
            &plain
        )
        .is_ok()
    );
}
