//! Our known-answer vector for `sm2-jcs-2025` (docs/credentials.md), in the W3C vectors' form:
//! the W3C alumni credential signed with the GB/T 32918 example key. Another implementation can
//! reproduce every intermediate value but the signature (SM2's k is random in general; ours is
//! derived by RFC 6979 with SM3, so our own signature is reproducible), and must verify
//! `signed_document`.

use serde_json::{Map, Value};
use xc_credentials::suites::proof_configuration;
use xc_credentials::{
    Cryptosuite, ProofRequest, SignOptions, SigningKey, StaticKeyResolver, VerifyOptions,
    sign_credential, verify_credential,
};

use crate::support::{at, canonicaliser_for_w3c_vectors, read_fixture, read_json};

const KEY_ID: &str = "did:web:credit-bank.xuecheng.example#sm2-key-1";

fn computed() -> Value {
    let canonicaliser = canonicaliser_for_w3c_vectors();
    let unsigned = read_json("w3c-vc-di-eddsa/TestVectors/unsigned.json");
    let gm = read_json("gm/sm2-sm3.json");
    let secret: [u8; 32] = hex::decode(gm["sm2_signature"]["private_key_hex"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = SigningKey::sm2_from_secret_bytes(KEY_ID, &secret).unwrap();
    let signed = sign_credential(
        &unsigned,
        &[ProofRequest {
            key: &key,
            cryptosuite: Cryptosuite::Sm2Jcs2025,
        }],
        &SignOptions::assertion_at(at("2025-01-01T00:00:00Z")),
        &canonicaliser,
    )
    .unwrap();
    let Value::Object(proof) = &signed["proof"] else {
        panic!("one proof expected");
    };
    let config: Map<String, Value> = proof_configuration(proof, &unsigned);
    let inputs = canonicaliser
        .hash_inputs(Cryptosuite::Sm2Jcs2025, &unsigned, &config)
        .unwrap();
    let signature =
        xc_credentials::multibase::decode_base58btc(proof["proofValue"].as_str().unwrap()).unwrap();
    serde_json::json!({
        "description": "sm2-jcs-2025 known-answer vector: W3C vc-di-eddsa unsigned.json signed with the GB/T 32918 example key (user id 1234567812345678)",
        "secret_key_hex": hex::encode(secret),
        "public_key_multibase": key.verification_key().to_multikey(),
        "verification_method": KEY_ID,
        "canonical_proof_config": inputs.canonical_proof_config,
        "canonical_document": inputs.canonical_document,
        "proof_config_sm3_hex": hex::encode(&inputs.proof_config_hash),
        "document_sm3_hex": hex::encode(&inputs.document_hash),
        "hash_data_hex": hex::encode(inputs.hash_data()),
        "signature_r_s_hex": hex::encode(signature),
        "signed_document": signed,
    })
}

#[test]
fn sm2_jcs_2025_known_answer_vector() {
    let computed = computed();
    let pinned: Value = match std::env::var_os("XUECHENG_WRITE_SM2_VECTOR") {
        Some(path) => {
            std::fs::write(
                path,
                serde_json::to_string_pretty(&computed).unwrap() + "\n",
            )
            .unwrap();
            computed.clone()
        }
        None => serde_json::from_str(&read_fixture("sm2-jcs-2025-vector.json")).unwrap(),
    };
    assert_eq!(computed, pinned);

    let resolver = StaticKeyResolver::new().with_key(
        KEY_ID,
        xc_credentials::VerificationKey::from_multikey(
            pinned["public_key_multibase"].as_str().unwrap(),
        )
        .unwrap(),
    );
    verify_credential(
        &pinned["signed_document"],
        &resolver,
        &VerifyOptions::assertion_at(at("2025-06-01T00:00:00Z")),
        &canonicaliser_for_w3c_vectors(),
    )
    .unwrap();
}
