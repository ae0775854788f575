//! The standards' worked examples: SM3 digests (GB/T 32905 Annex A) and the SM2 signature of
//! "message digest" (GB/T 32918.5 Annex A): Z_A and e over the default user id, then (r, s)
//! computed with the published k using the `sm2` crate's curve arithmetic (the crate derives k
//! by RFC 6979 and cannot be handed one), and the crate's verifier, ours too, accepting them.

use sm2::elliptic_curve::Group as _;
use sm2::elliptic_curve::ff::PrimeField as _;
use sm2::elliptic_curve::point::AffineCoordinates as _;
use sm2::{FieldBytes, ProjectivePoint, Scalar};
use sm3::Digest as _;
use xc_credentials::keys::SM2_DEFAULT_USER_ID;
use xc_credentials::{SigningKey, VerificationKey};

use crate::support::read_json;

const CURVE_A: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
const CURVE_B: &str = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
const GENERATOR_X: &str = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
const GENERATOR_Y: &str = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).unwrap()
}

fn scalar(hex_text: &str) -> Scalar {
    let repr = FieldBytes::try_from(bytes(hex_text).as_slice()).unwrap();
    Scalar::from_repr(repr).unwrap()
}

#[test]
fn sm3_digests_of_the_standard() {
    let vectors = read_json("gm/sm2-sm3.json");
    for case in vectors["sm3"].as_array().unwrap() {
        let digest = sm3::Sm3::digest(case["message_ascii"].as_str().unwrap().as_bytes());
        assert_eq!(hex::encode(digest), case["digest_hex"].as_str().unwrap());
    }
}

#[test]
fn sm2_signature_of_the_standard_with_its_k() {
    let vectors = read_json("gm/sm2-sm3.json");
    let case = &vectors["sm2_signature"];
    let field = |name: &str| case[name].as_str().unwrap().to_owned();
    assert_eq!(field("user_id_ascii"), SM2_DEFAULT_USER_ID);

    // The key pair: our key type derives the published public key.
    let secret: [u8; 32] = bytes(&field("private_key_hex")).try_into().unwrap();
    let key = SigningKey::sm2_from_secret_bytes("did:web:example.org#sm2-1", &secret).unwrap();
    let mut uncompressed = vec![0x04];
    uncompressed.extend(bytes(&field("public_key_x_hex")));
    uncompressed.extend(bytes(&field("public_key_y_hex")));
    let published_public = VerificationKey::sm2_from_sec1(&uncompressed).unwrap();
    assert_eq!(key.verification_key(), &published_public);

    // Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), e = SM3(Z_A ‖ M).
    let user_id = SM2_DEFAULT_USER_ID.as_bytes();
    let mut z_input = ((user_id.len() * 8) as u16).to_be_bytes().to_vec();
    z_input.extend_from_slice(user_id);
    for part in [CURVE_A, CURVE_B, GENERATOR_X, GENERATOR_Y] {
        z_input.extend(bytes(part));
    }
    z_input.extend(bytes(&field("public_key_x_hex")));
    z_input.extend(bytes(&field("public_key_y_hex")));
    let z = sm3::Sm3::digest(&z_input);
    let mut e_input = z.to_vec();
    e_input.extend_from_slice(field("message_ascii").as_bytes());
    let e_bytes = sm3::Sm3::digest(&e_input);
    assert_eq!(hex::encode_upper(e_bytes), field("e_hex"));

    // (x1, y1) = [k]G; r = (e + x1) mod n; s = (1 + d)^-1 (k − r d) mod n.
    let e = scalar(&field("e_hex"));
    let k = scalar(&field("k_hex"));
    let d = scalar(&field("private_key_hex"));
    let point = (ProjectivePoint::generator() * k).to_affine();
    let r = e + <Scalar as sm2::elliptic_curve::ops::Reduce<FieldBytes>>::reduce(&point.x());
    let s = (d + Scalar::ONE).invert().unwrap() * (k - r * d);
    assert_eq!(hex::encode_upper(r.to_repr()), field("r_hex"));
    assert_eq!(hex::encode_upper(s.to_repr()), field("s_hex"));
    assert!(!bool::from(s.is_zero()));

    // The crate's verifier and ours accept the published (r, s), raw r ‖ s.
    let signature = sm2::dsa::Signature::from_scalars(r.to_repr(), s.to_repr()).unwrap();
    let verifying_key =
        sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_USER_ID, &uncompressed).unwrap();
    let message = field("message_ascii");
    sm2::dsa::signature::Verifier::verify(&verifying_key, message.as_bytes(), &signature).unwrap();
    let mut raw = bytes(&field("r_hex"));
    raw.extend(bytes(&field("s_hex")));
    assert!(published_public.verify_signature(message.as_bytes(), &raw));
    raw[63] ^= 1;
    assert!(!published_public.verify_signature(message.as_bytes(), &raw));
    assert!(!published_public.verify_signature(b"message digesT", &signature.to_bytes()));

    // Signing the same message with our key (k by RFC 6979) gives a different, valid signature.
    let ours = key.sign(message.as_bytes());
    assert!(published_public.verify_signature(message.as_bytes(), &ours));
}
