//! Multibase (base58btc, prefix `z`) and the multicodec headers of the keys we use: how
//! `proofValue`, `publicKeyMultibase` and `did:key` identifiers are written.

/// Multicodec `ed25519-pub` (0xed) as an unsigned varint.
pub const ED25519_PUBLIC_KEY_HEADER: [u8; 2] = [0xed, 0x01];
/// Multicodec `ed25519-priv` (0x1300) as an unsigned varint.
pub const ED25519_SECRET_KEY_HEADER: [u8; 2] = [0x80, 0x26];
/// Multicodec `sm2-pub` (0x1206, SM2 public key, SEC1 compressed) as an unsigned varint.
pub const SM2_PUBLIC_KEY_HEADER: [u8; 2] = [0x86, 0x24];

/// Why a multibase string could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MultibaseError {
    /// Only base58btc (`z`) is used by these suites.
    #[error("multibase value must start with 'z' (base58btc), found {found:?}")]
    NotBase58Btc { found: Option<char> },
    /// A character outside the Bitcoin base58 alphabet.
    #[error("multibase value is not valid base58btc")]
    InvalidBase58,
}

/// `z` followed by the base58btc (Bitcoin alphabet) encoding of `bytes`.
pub fn encode_base58btc(bytes: &[u8]) -> String {
    let mut encoded = String::with_capacity(bytes.len() * 138 / 100 + 2);
    encoded.push('z');
    encoded.push_str(&bs58::encode(bytes).into_string());
    encoded
}

/// The bytes of a `z`-prefixed base58btc multibase value.
pub fn decode_base58btc(text: &str) -> Result<Vec<u8>, MultibaseError> {
    let Some(encoded) = text.strip_prefix('z') else {
        return Err(MultibaseError::NotBase58Btc {
            found: text.chars().next(),
        });
    };
    bs58::decode(encoded)
        .into_vec()
        .map_err(|_| MultibaseError::InvalidBase58)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58btc_round_trips_and_keeps_leading_zero_bytes() {
        let bytes = [0u8, 0, 1, 2, 255];
        let encoded = encode_base58btc(&bytes);
        assert!(encoded.starts_with("z11"));
        assert_eq!(decode_base58btc(&encoded).unwrap(), bytes);
        assert_eq!(
            decode_base58btc("u1234"),
            Err(MultibaseError::NotBase58Btc { found: Some('u') })
        );
        assert_eq!(
            decode_base58btc("z0OIl"),
            Err(MultibaseError::InvalidBase58)
        );
    }
}
