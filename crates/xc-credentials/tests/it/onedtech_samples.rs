//! The signed Open Badges 3.0 and CLR 2.0 samples of 1EdTech's public validator verify, each
//! with its eddsa-rdfc-2022 proof, using the bundled OB 3.0.3 / CLR 2.0.1 contexts.
//!
//! Keys: `ob30_simple-did-key-method.json` names `did:key:z6Mk…`, resolved offline from the DID
//! itself. The others name an issuer URL with the key as fragment
//! (`https://1edtech.edu/issuers/565049#z6Mk…`); that issuer document cannot be fetched (and the
//! hosts are examples), so the test supplies the public key read from the sample's own
//! `verificationMethod` fragment, which is how the validator's test issuer publishes it. That
//! proves the signature and canonicalisation, not the issuer's identity; real issuers are
//! resolved through their DID document or a trust list.

use serde_json::Value;
use xc_credentials::{
    DidKeyResolver, StaticKeyResolver, VerificationKey, VerifyError, VerifyOptions,
    verify_credential,
};

use crate::support::{at, bundled_canonicaliser, read_json};

fn keys_from_fragments(document: &Value, resolver: &mut StaticKeyResolver) {
    match document {
        Value::Object(map) => {
            if let Some(Value::String(method)) = map.get("verificationMethod")
                && let Some((_, fragment)) = method.split_once('#')
            {
                resolver.insert(method, VerificationKey::from_multikey(fragment).unwrap());
            }
            map.values()
                .for_each(|value| keys_from_fragments(value, resolver));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| keys_from_fragments(item, resolver)),
        _ => {}
    }
}

fn check(name: &str) -> Value {
    let document = read_json(&format!("1edtech/{name}"));
    let mut keys = StaticKeyResolver::new();
    keys_from_fragments(&document, &mut keys);
    let resolver = (DidKeyResolver, keys);
    let canonicaliser = bundled_canonicaliser();
    let options = VerifyOptions::assertion_at(at("2025-06-01T00:00:00Z"));
    let verified = verify_credential(&document, &resolver, &options, &canonicaliser)
        .unwrap_or_else(|error| panic!("{name} does not verify: {error}"));
    assert_eq!(verified.proofs.len(), 1);
    assert_eq!(verified.proofs[0].cryptosuite.name(), "eddsa-rdfc-2022");

    let mut changed = document.clone();
    changed["name"] = "A name the issuer never gave".into();
    assert!(
        matches!(
            verify_credential(&changed, &resolver, &options, &canonicaliser),
            Err(VerifyError::SignatureMismatch { .. })
        ),
        "{name}: a changed name must break the signature"
    );
    document
}

#[test]
fn open_badges_3_sample_with_did_key_verifies() {
    check("ob30_simple-did-key-method.json");
}

#[test]
fn open_badges_3_sample_with_issuer_url_key_verifies() {
    check("ob30_simple-did-web-method.json");
}

#[test]
fn open_badges_3_endorsement_sample_verifies() {
    check("ob30_endorsement-valid.json");
}

#[test]
fn clr_2_sample_and_the_open_badge_inside_it_verify() {
    let clr = check("clr20_simple.json");
    let inner = &clr["credentialSubject"]["verifiableCredential"][0];
    let mut keys = StaticKeyResolver::new();
    keys_from_fragments(inner, &mut keys);
    let verified = verify_credential(
        inner,
        &keys,
        &VerifyOptions::assertion_at(at("2025-06-01T00:00:00Z")),
        &bundled_canonicaliser(),
    )
    .unwrap();
    assert_eq!(verified.proofs.len(), 1);
}
