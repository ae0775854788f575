//! Tree heads: the (size, root, time) a log signs, their canonical bytes to sign, and the rule
//! that a head is only ever signed for a tree that extends the last signed one. Signing and keys
//! live with the credential signatures, not here.
//!
//! # Bytes to sign
//!
//! [`TreeHead::to_signed_bytes`] is the TLS presentation-language encoding of RFC 9162 §4.10's
//! `TreeHeadDataV2` with no extensions, 51 bytes, all integers big-endian:
//!
//! | offset | length | field |
//! | --- | --- | --- |
//! | 0 | 8 | `timestamp`: milliseconds since the Unix epoch, uint64 |
//! | 8 | 8 | `tree_size`: number of leaves, uint64 |
//! | 16 | 1 | length of `root_hash`: always 0x20 |
//! | 17 | 32 | `root_hash`: the RFC 9162 Merkle tree hash of the first `tree_size` leaves |
//! | 49 | 2 | length of `sth_extensions`: always 0x0000 |
//!
//! A verifier rebuilds these bytes from the published head (or reads them back with
//! [`TreeHead::from_signed_bytes`]) and checks the signature over exactly them.

use crate::hash::{HASH_LENGTH, Hash, empty_tree_root};
use crate::proof::{ProofVerificationError, verify_consistency_proof};

/// Length of [`TreeHead::to_signed_bytes`].
pub const TREE_HEAD_SIGNED_BYTES_LENGTH: usize = 8 + 8 + 1 + HASH_LENGTH + 2;

/// The state of the log at one moment: its size, its root and when the head was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    pub size: u64,
    pub root_hash: Hash,
    pub timestamp_ms: u64,
}

/// Why bytes are not a tree head's signed bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeHeadDecodeError {
    #[error("signed tree head bytes are {expected} long, not {actual}", expected = TREE_HEAD_SIGNED_BYTES_LENGTH)]
    WrongLength { actual: usize },
    #[error("the root hash length byte is {actual}; only 32 (SHA-256) is used")]
    UnsupportedRootHashLength { actual: u8 },
    #[error("the tree head carries {length} bytes of extensions; none are defined")]
    UnexpectedExtensions { length: u16 },
}

/// Why a new tree head may not follow the previous one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeHeadExtensionError {
    #[error("the new tree head has {new_size} leaves, fewer than the previous {previous_size}")]
    SizeShrank { previous_size: u64, new_size: u64 },
    #[error(
        "the new tree head's time {new_timestamp_ms} is before the previous head's {previous_timestamp_ms}"
    )]
    TimestampWentBackwards {
        previous_timestamp_ms: u64,
        new_timestamp_ms: u64,
    },
    #[error("a tree head of size 0 must have the empty tree's root, not {root_hash}")]
    EmptyTreeWithOtherRoot { root_hash: Hash },
    #[error("the previous tree head is empty, so no consistency proof is needed; send none")]
    ProofFromEmptyTree,
    #[error("the new tree does not extend the previous one: {0}")]
    NotConsistent(#[from] ProofVerificationError),
}

impl TreeHead {
    /// The canonical bytes a signature covers; the layout is in this module's documentation.
    pub fn to_signed_bytes(&self) -> [u8; TREE_HEAD_SIGNED_BYTES_LENGTH] {
        let mut bytes = [0u8; TREE_HEAD_SIGNED_BYTES_LENGTH];
        bytes[0..8].copy_from_slice(&self.timestamp_ms.to_be_bytes());
        bytes[8..16].copy_from_slice(&self.size.to_be_bytes());
        bytes[16] = HASH_LENGTH as u8;
        bytes[17..17 + HASH_LENGTH].copy_from_slice(&self.root_hash.0);
        // The two extension-length bytes stay zero.
        bytes
    }

    /// Reads back [`Self::to_signed_bytes`]; anything else is refused.
    pub fn from_signed_bytes(bytes: &[u8]) -> Result<Self, TreeHeadDecodeError> {
        let bytes: &[u8; TREE_HEAD_SIGNED_BYTES_LENGTH] =
            bytes
                .try_into()
                .map_err(|_| TreeHeadDecodeError::WrongLength {
                    actual: bytes.len(),
                })?;
        if usize::from(bytes[16]) != HASH_LENGTH {
            return Err(TreeHeadDecodeError::UnsupportedRootHashLength { actual: bytes[16] });
        }
        let extensions_length = u16::from_be_bytes([bytes[49], bytes[50]]);
        if extensions_length != 0 {
            return Err(TreeHeadDecodeError::UnexpectedExtensions {
                length: extensions_length,
            });
        }
        let mut root_hash = [0u8; HASH_LENGTH];
        root_hash.copy_from_slice(&bytes[17..17 + HASH_LENGTH]);
        Ok(Self {
            timestamp_ms: u64::from_be_bytes(bytes[0..8].try_into().expect("eight bytes")),
            size: u64::from_be_bytes(bytes[8..16].try_into().expect("eight bytes")),
            root_hash: Hash(root_hash),
        })
    }
}

/// The rule before signing (and for anyone watching the log): `next` may follow `previous` only
/// if the log did not shrink, time did not run backwards, and `consistency_path` (the proof from
/// `previous.size` to `next.size`) shows the previous tree is a prefix of the new one. Equal
/// sizes need equal roots and an empty path. From the empty tree every tree extends, so the path
/// must be empty then, and an empty head must carry the empty tree's root.
pub fn check_tree_head_extends(
    previous: &TreeHead,
    next: &TreeHead,
    consistency_path: &[Hash],
) -> Result<(), TreeHeadExtensionError> {
    if next.size < previous.size {
        return Err(TreeHeadExtensionError::SizeShrank {
            previous_size: previous.size,
            new_size: next.size,
        });
    }
    if next.timestamp_ms < previous.timestamp_ms {
        return Err(TreeHeadExtensionError::TimestampWentBackwards {
            previous_timestamp_ms: previous.timestamp_ms,
            new_timestamp_ms: next.timestamp_ms,
        });
    }
    for head in [previous, next] {
        if head.size == 0 && head.root_hash != empty_tree_root() {
            return Err(TreeHeadExtensionError::EmptyTreeWithOtherRoot {
                root_hash: head.root_hash,
            });
        }
    }
    if previous.size == 0 {
        if !consistency_path.is_empty() {
            return Err(TreeHeadExtensionError::ProofFromEmptyTree);
        }
        return Ok(());
    }
    verify_consistency_proof(
        previous.size,
        next.size,
        &previous.root_hash,
        &next.root_hash,
        consistency_path,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryTree;

    fn head_of(tree: &MemoryTree, size: u64, timestamp_ms: u64) -> TreeHead {
        TreeHead {
            size,
            root_hash: tree.root(size).unwrap(),
            timestamp_ms,
        }
    }

    #[test]
    fn signed_bytes_follow_the_documented_layout() {
        let head = TreeHead {
            size: 0x0102,
            root_hash: Hash([0xab; 32]),
            timestamp_ms: 0x0a0b_0c0d,
        };
        let bytes = head.to_signed_bytes();
        let mut expected = vec![
            0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0, 0, 0, 1, 2, 32,
        ];
        expected.extend([0xab; 32]);
        expected.extend([0, 0]);
        assert_eq!(bytes.to_vec(), expected);
        assert_eq!(TreeHead::from_signed_bytes(&bytes), Ok(head));
    }

    #[test]
    fn malformed_signed_bytes_are_refused() {
        let bytes = TreeHead {
            size: 1,
            root_hash: Hash([1; 32]),
            timestamp_ms: 1,
        }
        .to_signed_bytes();
        assert_eq!(
            TreeHead::from_signed_bytes(&bytes[..50]),
            Err(TreeHeadDecodeError::WrongLength { actual: 50 })
        );
        let mut wrong_hash_length = bytes;
        wrong_hash_length[16] = 48;
        assert_eq!(
            TreeHead::from_signed_bytes(&wrong_hash_length),
            Err(TreeHeadDecodeError::UnsupportedRootHashLength { actual: 48 })
        );
        let mut with_extensions = bytes;
        with_extensions[50] = 1;
        assert_eq!(
            TreeHead::from_signed_bytes(&with_extensions),
            Err(TreeHeadDecodeError::UnexpectedExtensions { length: 1 })
        );
    }

    #[test]
    fn a_head_may_follow_only_a_head_it_extends() {
        let mut tree = MemoryTree::new();
        tree.append_batch((0u8..10).map(|i| [i]));
        let empty = head_of(&tree, 0, 1);
        let at_four = head_of(&tree, 4, 2);
        let at_ten = head_of(&tree, 10, 3);
        let path = tree.consistency_proof(4, 10).unwrap().path;

        assert_eq!(check_tree_head_extends(&at_four, &at_ten, &path), Ok(()));
        assert_eq!(check_tree_head_extends(&empty, &at_ten, &[]), Ok(()));
        assert_eq!(check_tree_head_extends(&at_ten, &at_ten, &[]), Ok(()));
        assert_eq!(
            check_tree_head_extends(&at_ten, &at_four, &path),
            Err(TreeHeadExtensionError::SizeShrank {
                previous_size: 10,
                new_size: 4
            })
        );
        let earlier = TreeHead {
            timestamp_ms: 1,
            ..at_ten
        };
        assert!(matches!(
            check_tree_head_extends(&at_four, &earlier, &path),
            Err(TreeHeadExtensionError::TimestampWentBackwards { .. })
        ));

        let mut forked = MemoryTree::new();
        forked.append_batch((0u8..10).map(|i| [i ^ 1]));
        let forked_at_ten = head_of(&forked, 10, 3);
        assert!(matches!(
            check_tree_head_extends(&at_four, &forked_at_ten, &path),
            Err(TreeHeadExtensionError::NotConsistent(_))
        ));
        let rewritten_same_size = TreeHead {
            timestamp_ms: 4,
            ..forked_at_ten
        };
        assert_eq!(
            check_tree_head_extends(&at_ten, &rewritten_same_size, &[]),
            Err(TreeHeadExtensionError::NotConsistent(
                ProofVerificationError::RootsDifferAtEqualSize
            ))
        );
        let bogus_empty = TreeHead {
            root_hash: at_four.root_hash,
            ..empty
        };
        assert!(matches!(
            check_tree_head_extends(&bogus_empty, &at_ten, &[]),
            Err(TreeHeadExtensionError::EmptyTreeWithOtherRoot { .. })
        ));
        assert_eq!(
            check_tree_head_extends(&empty, &at_ten, &path),
            Err(TreeHeadExtensionError::ProofFromEmptyTree)
        );
    }
}
