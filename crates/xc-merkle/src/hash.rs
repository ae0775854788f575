//! The SHA-256 `Hash` value and the RFC 9162 §2.1.1 hashing rules with domain separation: a leaf
//! is `SHA-256(0x00 || data)`, an interior node is `SHA-256(0x01 || left || right)`, and the
//! empty tree's root is `SHA-256("")`. The prefixes make a leaf impossible to pass off as a node
//! (the second-preimage attack on plain Merkle trees).

use std::fmt;

use sha2::{Digest, Sha256};

/// The byte that starts every hashed leaf (RFC 9162 §2.1.1).
pub const LEAF_HASH_PREFIX: u8 = 0x00;
/// The byte that starts every hashed interior node (RFC 9162 §2.1.1).
pub const NODE_HASH_PREFIX: u8 = 0x01;
/// Length in bytes of every hash in the tree.
pub const HASH_LENGTH: usize = 32;

/// A SHA-256 value: a leaf hash, a node hash or a tree root. Shown as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; HASH_LENGTH]);

/// Why bytes or text could not be read as a [`struct@Hash`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    #[error("a hash is {expected} bytes long, not {actual}", expected = HASH_LENGTH)]
    WrongLength { actual: usize },
    #[error(
        "a hash in hex is 64 characters of 0-9 and a-f; found {found:?} at position {position}"
    )]
    NotHex { position: usize, found: char },
}

impl Hash {
    /// Reads exactly 32 bytes; anything shorter or longer is refused rather than padded or cut.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashParseError> {
        let array: [u8; HASH_LENGTH] =
            bytes.try_into().map_err(|_| HashParseError::WrongLength {
                actual: bytes.len(),
            })?;
        Ok(Self(array))
    }

    /// Reads 64 hex digits (either case).
    pub fn parse_hex(text: &str) -> Result<Self, HashParseError> {
        if let Some((position, found)) = text
            .char_indices()
            .find(|(_, character)| !character.is_ascii_hexdigit())
        {
            return Err(HashParseError::NotHex { position, found });
        }
        // Only ASCII remains, so bytes and characters line up.
        if text.len() != 2 * HASH_LENGTH {
            return Err(HashParseError::WrongLength {
                actual: text.len() / 2,
            });
        }
        let mut bytes = [0u8; HASH_LENGTH];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            *byte = (hex_digit_value(pair[0]) << 4) | hex_digit_value(pair[1]);
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; HASH_LENGTH] {
        &self.0
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

fn hex_digit_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(formatter, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Hash({self})")
    }
}

impl From<[u8; HASH_LENGTH]> for Hash {
    fn from(bytes: [u8; HASH_LENGTH]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The leaf hash of one log entry: `SHA-256(0x00 || entry)`.
pub fn hash_leaf(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_HASH_PREFIX]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn hash_children(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_HASH_PREFIX]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The root of the tree with no leaves: `SHA-256("")` (RFC 9162 §2.1.1).
pub fn empty_tree_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_tree_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_of_empty_entry_matches_reference_tree() {
        // Leaf 0 of transparency-dev/merkle's reference tree is the empty entry.
        assert_eq!(
            hash_leaf(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn hex_round_trips_and_refuses_bad_text() {
        let hash = hash_leaf(b"x");
        assert_eq!(Hash::parse_hex(&hash.to_hex()), Ok(hash));
        assert_eq!(
            Hash::parse_hex(&hash.to_hex().to_uppercase()),
            Ok(hash),
            "upper-case hex is accepted"
        );
        assert_eq!(
            Hash::parse_hex("00"),
            Err(HashParseError::WrongLength { actual: 1 })
        );
        let mut text = hash.to_hex();
        text.replace_range(5..6, "g");
        assert_eq!(
            Hash::parse_hex(&text),
            Err(HashParseError::NotHex {
                position: 5,
                found: 'g'
            })
        );
        assert_eq!(
            Hash::from_slice(&[0; 31]),
            Err(HashParseError::WrongLength { actual: 31 })
        );
    }
}
