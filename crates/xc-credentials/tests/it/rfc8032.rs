//! RFC 8032 section 7.1 TEST 1: the Ed25519 key and signature of the empty message.

use xc_credentials::{SigningKey, VerificationKey};

#[test]
fn rfc_8032_test_1() {
    let secret: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
    let key = SigningKey::ed25519_from_secret_bytes("did:web:example.org#key-1", &secret).unwrap();
    let VerificationKey::Ed25519(public) = key.verification_key() else {
        panic!("not an Ed25519 key");
    };
    assert_eq!(
        hex::encode(public.as_bytes()),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    let signature = key.sign(b"");
    assert_eq!(
        hex::encode(&signature),
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    );
    assert!(key.verification_key().verify_signature(b"", &signature));
    assert!(!key.verification_key().verify_signature(b"x", &signature));
}
