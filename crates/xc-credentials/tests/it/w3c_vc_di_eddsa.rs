//! W3C vc-di-eddsa test vectors, reproduced byte for byte: canonical document, canonical proof
//! configuration, both hashes, their concatenation, the signature (hex and multibase) and the
//! signed document; then the signed document verifies and a changed one does not.

use serde_json::{Map, Value};
use xc_credentials::suites::proof_configuration;
use xc_credentials::{
    Cryptosuite, DidKeyResolver, ProofRequest, SignOptions, SigningKey, VerifyError, VerifyOptions,
    sign_credential, verify_credential,
};

use crate::support::{at, canonicaliser_for_w3c_vectors, read_json, read_text};

const VECTORS: &str = "w3c-vc-di-eddsa/TestVectors";

struct VectorSet {
    suite: Cryptosuite,
    directory: &'static str,
    suffix: &'static str,
    unsigned: &'static str,
}

fn signing_key(verification_method: &str) -> SigningKey {
    let key_pair = read_json(&format!("{VECTORS}/keyPair.json"));
    let key = SigningKey::ed25519_from_secret_multikey(
        verification_method,
        key_pair["privateKeyMultibase"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(
        key.verification_key().to_multikey(),
        key_pair["publicKeyMultibase"].as_str().unwrap()
    );
    key
}

fn check(set: VectorSet) {
    let file = |stem: &str, extension: &str| {
        format!(
            "{VECTORS}/{}/{stem}{}.{extension}",
            set.directory, set.suffix
        )
    };
    let canonicaliser = canonicaliser_for_w3c_vectors();
    let unsigned = read_json(&format!("{VECTORS}/{}", set.unsigned));
    let Value::Object(proof_options) = read_json(&file("proofConfig", "json")) else {
        panic!("proof configuration is not an object");
    };
    let proof_config: Map<String, Value> = proof_configuration(&proof_options, &unsigned);
    let inputs = canonicaliser
        .hash_inputs(set.suite, &unsigned, &proof_config)
        .unwrap();

    assert_eq!(
        inputs.canonical_document,
        read_text(&file("canonDoc", "txt"))
    );
    assert_eq!(
        inputs.canonical_proof_config,
        read_text(&file("proofCanon", "txt"))
    );
    assert_eq!(
        hex::encode(&inputs.document_hash),
        read_text(&file("docHash", "txt")).trim()
    );
    assert_eq!(
        hex::encode(&inputs.proof_config_hash),
        read_text(&file("proofHash", "txt")).trim()
    );
    assert_eq!(
        hex::encode(inputs.hash_data()),
        read_text(&file("combinedHash", "txt")).trim()
    );

    let verification_method = proof_options["verificationMethod"].as_str().unwrap();
    let key = signing_key(verification_method);
    let signature = key.sign(&inputs.hash_data());
    assert_eq!(
        hex::encode(&signature),
        read_text(&file("sigHex", "txt")).trim()
    );

    let signed = sign_credential(
        &unsigned,
        &[ProofRequest {
            key: &key,
            cryptosuite: set.suite,
        }],
        &SignOptions::assertion_at(at(proof_options["created"].as_str().unwrap())),
        &canonicaliser,
    )
    .unwrap();
    assert_eq!(
        signed["proof"]["proofValue"].as_str().unwrap(),
        read_text(&file("sigBTC58", "txt")).trim()
    );
    let published = read_json(&file("signed", "json"));
    assert_eq!(signed, published);

    let options = VerifyOptions::assertion_at(at("2025-01-01T00:00:00Z"));
    let verified =
        verify_credential(&published, &DidKeyResolver, &options, &canonicaliser).unwrap();
    assert_eq!(verified.proofs[0].cryptosuite, set.suite);

    let mut changed = published.clone();
    changed["name"] = "A name the issuer never gave".into();
    assert!(matches!(
        verify_credential(&changed, &DidKeyResolver, &options, &canonicaliser),
        Err(VerifyError::SignatureMismatch { .. })
    ));
}

#[test]
fn eddsa_jcs_2022_vectors() {
    check(VectorSet {
        suite: Cryptosuite::EddsaJcs2022,
        directory: "eddsa-jcs-2022",
        suffix: "JCS",
        unsigned: "unsigned.json",
    });
}

#[test]
fn eddsa_rdfc_2022_employment_authorization_vectors() {
    check(VectorSet {
        suite: Cryptosuite::EddsaRdfc2022,
        directory: "eddsa-rdfc-2022/employ",
        suffix: "DataInt",
        unsigned: "employmentAuth.json",
    });
}

#[test]
fn eddsa_rdfc_2022_vectors() {
    check(VectorSet {
        suite: Cryptosuite::EddsaRdfc2022,
        directory: "eddsa-rdfc-2022",
        suffix: "DataInt",
        unsigned: "unsigned.json",
    });
}

/// The proof-set vectors: two eddsa-rdfc-2022 proofs by two keys on one credential.
#[test]
fn proof_set_vectors_verify() {
    let canonicaliser = canonicaliser_for_w3c_vectors();
    let options = VerifyOptions::assertion_at(at("2025-01-01T00:00:00Z"));
    for name in ["signedProofSet1.json", "signedProofSet2.json"] {
        let document = read_json(&format!("{VECTORS}/proof-set-chain/{name}"));
        let verified = verify_credential(&document, &DidKeyResolver, &options, &canonicaliser)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(!verified.proofs.is_empty());
    }
}

/// The proof-chain vectors: a third proof signs over the first two (`previousProof` a list), a
/// fourth over the third (a single id). A chain pointing at a proof that is not there fails.
#[test]
fn proof_chain_vectors_verify() {
    let canonicaliser = canonicaliser_for_w3c_vectors();
    let options = VerifyOptions::assertion_at(at("2025-01-01T00:00:00Z"));
    for name in ["signedProofChain1.json", "signedProofChain2.json"] {
        let document = read_json(&format!("{VECTORS}/proof-set-chain/{name}"));
        let verified = verify_credential(&document, &DidKeyResolver, &options, &canonicaliser)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(verified.proofs.len() >= 3, "{name}");
    }
    let mut broken = read_json(&format!("{VECTORS}/proof-set-chain/signedProofChain1.json"));
    broken["proof"][2]["previousProof"][1] = "urn:uuid:00000000-0000-0000-0000-000000000000".into();
    assert_eq!(
        verify_credential(&broken, &DidKeyResolver, &options, &canonicaliser),
        Err(VerifyError::PreviousProofNotFound {
            index: 2,
            previous_proof: "urn:uuid:00000000-0000-0000-0000-000000000000".into()
        })
    );
    // Dropping a proof the chain signed over is detected too.
    let mut removed = read_json(&format!("{VECTORS}/proof-set-chain/signedProofChain1.json"));
    removed["proof"].as_array_mut().unwrap().remove(1);
    assert!(matches!(
        verify_credential(&removed, &DidKeyResolver, &options, &canonicaliser),
        Err(VerifyError::PreviousProofNotFound { index: 1, .. })
    ));
}
