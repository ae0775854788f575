//! Issuer keys: created once with mode 0600, the same keys on every start, rotation keeps the
//! old keys published, secrets never printed, a bad key file refused with its path.

use xc_credentials::{KeyAlgorithm, KeyResolver};
use xc_issuer::{IssuerError, IssuerKeys};

const DID: &str = "did:web:bank.example.org";

#[test]
fn keys_are_created_once_and_found_again() {
    let dir = tempfile::tempdir().unwrap();
    let first = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    let document = first.did_document();
    assert_eq!(document["id"], DID);
    let methods = document["verificationMethod"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    assert_eq!(
        first.active(KeyAlgorithm::Ed25519).key_id(),
        "did:web:bank.example.org#ed25519-1"
    );
    assert_eq!(
        first.active(KeyAlgorithm::Sm2).key_id(),
        "did:web:bank.example.org#sm2-1"
    );
    #[cfg(unix)]
    for name in ["ed25519-1.key", "sm2-1.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let again = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    assert_eq!(
        again.did_document(),
        document,
        "the same keys on the next start"
    );
    let shown = format!("{first:?}");
    let secret = std::fs::read_to_string(dir.path().join("ed25519-1.key")).unwrap();
    assert!(!shown.contains(secret.trim()), "no secret in Debug output");
}

#[test]
fn a_rotated_key_signs_and_the_old_one_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut keys = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    let old = keys.active(KeyAlgorithm::Ed25519).key_id().to_owned();
    let old_signature = keys.active(KeyAlgorithm::Ed25519).sign(b"before");
    let new = keys.rotate(KeyAlgorithm::Ed25519).unwrap();
    assert_eq!(new, "did:web:bank.example.org#ed25519-2");
    assert_eq!(keys.active(KeyAlgorithm::Ed25519).key_id(), new);
    assert_eq!(
        keys.active(KeyAlgorithm::Sm2).key_id(),
        "did:web:bank.example.org#sm2-1"
    );
    let reopened = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    assert_eq!(reopened.active(KeyAlgorithm::Ed25519).key_id(), new);
    let old_key = reopened
        .keyring()
        .resolve_verification_method(&old)
        .expect("the rotated-out key stays published");
    assert!(old_key.verify_signature(b"before", &old_signature));
    let ids: Vec<String> = reopened.did_document()["assertionMethod"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&old) && ids.contains(&new));
}

#[test]
fn a_damaged_key_file_or_a_bad_did_is_refused_with_where() {
    let dir = tempfile::tempdir().unwrap();
    IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    std::fs::write(dir.path().join("sm2-1.key"), "not hex").unwrap();
    let error = IssuerKeys::open_or_create(dir.path(), DID).unwrap_err();
    assert!(matches!(error, IssuerError::KeyFile { .. }), "{error:?}");
    assert!(error.to_string().contains("sm2-1.key"), "{error}");
    for did in ["did:key:z6Mk", "did:web:", "bank.example.org"] {
        assert!(matches!(
            IssuerKeys::open_or_create(dir.path(), did),
            Err(IssuerError::Did { .. })
        ));
    }
}

/// The JWKS lists every key, and each JWK rebuilds exactly the published public key.
#[test]
fn the_jwks_publishes_every_key_exactly() {
    use base64::Engine as _;
    use xc_credentials::VerificationKey;
    let dir = tempfile::tempdir().unwrap();
    let mut keys = IssuerKeys::open_or_create(dir.path(), DID).unwrap();
    keys.rotate(KeyAlgorithm::Sm2).unwrap();
    let jwks = keys.jwks();
    let listed = jwks["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let b64 = |value: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value.as_str().unwrap())
            .unwrap()
    };
    for (jwk, key) in listed.iter().zip(keys.all()) {
        assert_eq!(jwk["kid"], key.key_id());
        assert_eq!(jwk["use"], "sig");
        let rebuilt = match key.algorithm() {
            KeyAlgorithm::Ed25519 => {
                assert_eq!(
                    (&jwk["kty"], &jwk["crv"], &jwk["alg"]),
                    (&"OKP".into(), &"Ed25519".into(), &"EdDSA".into())
                );
                VerificationKey::ed25519_from_bytes(&b64(&jwk["x"])).unwrap()
            }
            KeyAlgorithm::Sm2 => {
                assert_eq!((&jwk["kty"], &jwk["crv"]), (&"EC".into(), &"SM2".into()));
                assert!(jwk.get("alg").is_none());
                let mut point = vec![0x04];
                point.extend(b64(&jwk["x"]));
                point.extend(b64(&jwk["y"]));
                assert_eq!(point.len(), 65);
                VerificationKey::sm2_from_sec1(&point).unwrap()
            }
        };
        assert_eq!(&rebuilt, key.verification_key());
    }
}
