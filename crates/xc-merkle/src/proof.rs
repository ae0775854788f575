//! Inclusion and consistency proofs and their verification, exactly the algorithms of RFC 9162
//! §2.1.3.2 and §2.1.4.2, each failure named by `ProofVerificationError`. Two entry points per
//! proof: typed (`Hash` values, for our own code) and raw bytes (for proofs that arrive from
//! outside, where a hash of the wrong length is itself a reason to refuse).

use std::fmt;

use crate::hash::{HASH_LENGTH, Hash, hash_children};
use crate::plan::{consistency_proof_length, inclusion_proof_length};

/// Proof that the leaf at `leaf_index` is in the tree of `tree_size` leaves: the audit path of
/// RFC 9162 §2.1.3.1, nearest the leaf first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub path: Vec<Hash>,
}

/// Proof that the tree of `old_size` leaves is a prefix of the tree of `new_size` leaves: the
/// consistency path of RFC 9162 §2.1.4.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub path: Vec<Hash>,
}

impl InclusionProof {
    pub fn verify(&self, leaf_hash: &Hash, root: &Hash) -> Result<(), ProofVerificationError> {
        verify_inclusion_proof(self.leaf_index, self.tree_size, leaf_hash, &self.path, root)
    }
}

impl ConsistencyProof {
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), ProofVerificationError> {
        verify_consistency_proof(self.old_size, self.new_size, old_root, new_root, &self.path)
    }
}

/// Which root a mismatch is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootRole {
    /// The root an inclusion proof is checked against.
    Tree,
    /// The earlier root of a consistency proof.
    Old,
    /// The later root of a consistency proof.
    New,
}

impl fmt::Display for RootRole {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            RootRole::Tree => "tree root",
            RootRole::Old => "old root",
            RootRole::New => "new root",
        })
    }
}

/// Which input of a raw-bytes verification a malformed hash was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashRole {
    LeafHash,
    Root(RootRole),
    ProofElement { position: usize },
}

impl fmt::Display for HashRole {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashRole::LeafHash => formatter.write_str("leaf hash"),
            HashRole::Root(role) => role.fmt(formatter),
            HashRole::ProofElement { position } => write!(formatter, "proof element {position}"),
        }
    }
}

/// Why a proof does not prove what it claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofVerificationError {
    #[error("leaf index {leaf_index} is outside a tree of {tree_size} leaves")]
    LeafIndexOutOfRange { leaf_index: u64, tree_size: u64 },
    #[error("old tree size {old_size} is greater than new tree size {new_size}")]
    OldSizeGreaterThanNewSize { old_size: u64, new_size: u64 },
    #[error(
        "a consistency proof from the empty tree proves nothing; the old size must be at least 1"
    )]
    OldSizeZero,
    #[error("the proof has {actual} hashes; a proof for these sizes has {expected}")]
    WrongProofLength { expected: usize, actual: usize },
    #[error("the {root} computed from the proof is {computed}, not the expected {expected}")]
    RootMismatch {
        root: RootRole,
        computed: Hash,
        expected: Hash,
    },
    #[error("the trees have the same size but different roots")]
    RootsDifferAtEqualSize,
    #[error("the {role} is {length} bytes long; a hash is {expected} bytes", expected = HASH_LENGTH)]
    MalformedHash { role: HashRole, length: usize },
}

/// RFC 9162 §2.1.3.2: the leaf `leaf_hash` is at `leaf_index` of the tree of `tree_size` leaves
/// whose root is `root`.
pub fn verify_inclusion_proof(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofVerificationError> {
    let computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, path)?;
    if computed != *root {
        return Err(ProofVerificationError::RootMismatch {
            root: RootRole::Tree,
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// The root an inclusion proof leads to (steps 1-5 of RFC 9162 §2.1.3.2, before the final
/// comparison), for callers that look the root up by what the proof yields.
pub fn root_from_inclusion_proof(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    path: &[Hash],
) -> Result<Hash, ProofVerificationError> {
    // Step 1.
    if leaf_index >= tree_size {
        return Err(ProofVerificationError::LeafIndexOutOfRange {
            leaf_index,
            tree_size,
        });
    }
    // Checked up front so that a proof of the wrong length is named as such; the loop below
    // would also refuse it (steps 3.1 and 4), only less specifically.
    let expected = inclusion_proof_length(leaf_index, tree_size);
    if path.len() != expected {
        return Err(ProofVerificationError::WrongProofLength {
            expected,
            actual: path.len(),
        });
    }
    // Step 2.
    let mut position = leaf_index;
    let mut last_position = tree_size - 1;
    let mut computed = *leaf_hash;
    // Step 3.
    for sibling in path {
        if last_position == 0 {
            return Err(ProofVerificationError::WrongProofLength {
                expected,
                actual: path.len(),
            });
        }
        if position & 1 == 1 || position == last_position {
            computed = hash_children(sibling, &computed);
            if position & 1 == 0 {
                // The node is the right edge's lone left child: it rises without a sibling.
                while position & 1 == 0 && position != 0 {
                    position >>= 1;
                    last_position >>= 1;
                }
            }
        } else {
            computed = hash_children(&computed, sibling);
        }
        position >>= 1;
        last_position >>= 1;
    }
    // Step 4 (the root comparison is the caller's).
    if last_position != 0 {
        return Err(ProofVerificationError::WrongProofLength {
            expected,
            actual: path.len(),
        });
    }
    Ok(computed)
}

/// RFC 9162 §2.1.4.2: the tree of `old_size` leaves with root `old_root` is a prefix of the tree
/// of `new_size` leaves with root `new_root`.
///
/// Before the RFC's algorithm, which assumes `0 < old_size < new_size`: equal sizes need an
/// empty proof and equal roots (a tree is consistent with itself, §2.1.4.1 `SUBPROOF(m, D[m],
/// true) = {}`); an old size of 0 is refused, because every tree extends the empty one and such a
/// "proof" would say nothing.
pub fn verify_consistency_proof(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    path: &[Hash],
) -> Result<(), ProofVerificationError> {
    check_consistency_sizes(old_size, new_size, path.len())?;
    if old_size == new_size {
        if old_root != new_root {
            return Err(ProofVerificationError::RootsDifferAtEqualSize);
        }
        return Ok(());
    }
    let expected = consistency_proof_length(old_size, new_size);
    let wrong_length = ProofVerificationError::WrongProofLength {
        expected,
        actual: path.len(),
    };
    // Step 1, and as for inclusion proofs the length is checked up front to name the failure.
    if path.is_empty() || path.len() != expected {
        return Err(wrong_length);
    }
    // Step 2: when the old tree is perfect its root is the first node of the path, implicitly.
    let (first, rest) = if old_size.is_power_of_two() {
        (old_root, path)
    } else {
        (&path[0], &path[1..])
    };
    // Step 3.
    let mut position = old_size - 1;
    let mut last_position = new_size - 1;
    // Step 4.
    while position & 1 == 1 {
        position >>= 1;
        last_position >>= 1;
    }
    // Step 5.
    let mut computed_old_root = *first;
    let mut computed_new_root = *first;
    // Step 6.
    for node in rest {
        if last_position == 0 {
            return Err(wrong_length);
        }
        if position & 1 == 1 || position == last_position {
            computed_old_root = hash_children(node, &computed_old_root);
            computed_new_root = hash_children(node, &computed_new_root);
            if position & 1 == 0 {
                while position & 1 == 0 && position != 0 {
                    position >>= 1;
                    last_position >>= 1;
                }
            }
        } else {
            computed_new_root = hash_children(&computed_new_root, node);
        }
        position >>= 1;
        last_position >>= 1;
    }
    // Step 7.
    if last_position != 0 {
        return Err(wrong_length);
    }
    if computed_old_root != *old_root {
        return Err(ProofVerificationError::RootMismatch {
            root: RootRole::Old,
            computed: computed_old_root,
            expected: *old_root,
        });
    }
    if computed_new_root != *new_root {
        return Err(ProofVerificationError::RootMismatch {
            root: RootRole::New,
            computed: computed_new_root,
            expected: *new_root,
        });
    }
    Ok(())
}

fn check_consistency_sizes(
    old_size: u64,
    new_size: u64,
    path_length: usize,
) -> Result<(), ProofVerificationError> {
    if old_size > new_size {
        return Err(ProofVerificationError::OldSizeGreaterThanNewSize { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofVerificationError::OldSizeZero);
    }
    if old_size == new_size && path_length != 0 {
        return Err(ProofVerificationError::WrongProofLength {
            expected: 0,
            actual: path_length,
        });
    }
    Ok(())
}

fn parse_hash(bytes: &[u8], role: HashRole) -> Result<Hash, ProofVerificationError> {
    Hash::from_slice(bytes).map_err(|_| ProofVerificationError::MalformedHash {
        role,
        length: bytes.len(),
    })
}

fn parse_path<T: AsRef<[u8]>>(path: &[T]) -> Result<Vec<Hash>, ProofVerificationError> {
    path.iter()
        .enumerate()
        .map(|(position, bytes)| parse_hash(bytes.as_ref(), HashRole::ProofElement { position }))
        .collect()
}

/// [`verify_inclusion_proof`] for hashes as they arrive from outside: every hash must be exactly
/// 32 bytes.
pub fn verify_inclusion_proof_bytes<T: AsRef<[u8]>>(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &[u8],
    path: &[T],
    root: &[u8],
) -> Result<(), ProofVerificationError> {
    if leaf_index >= tree_size {
        return Err(ProofVerificationError::LeafIndexOutOfRange {
            leaf_index,
            tree_size,
        });
    }
    let leaf_hash = parse_hash(leaf_hash, HashRole::LeafHash)?;
    let path = parse_path(path)?;
    let root = parse_hash(root, HashRole::Root(RootRole::Tree))?;
    verify_inclusion_proof(leaf_index, tree_size, &leaf_hash, &path, &root)
}

/// [`verify_consistency_proof`] for hashes as they arrive from outside. When the sizes are equal
/// nothing is hashed and the two roots are compared as the bytes they are, like the published
/// transparency-dev vectors expect; otherwise every hash must be exactly 32 bytes.
pub fn verify_consistency_proof_bytes<T: AsRef<[u8]>>(
    old_size: u64,
    new_size: u64,
    old_root: &[u8],
    new_root: &[u8],
    path: &[T],
) -> Result<(), ProofVerificationError> {
    check_consistency_sizes(old_size, new_size, path.len())?;
    if old_size == new_size {
        if old_root != new_root {
            return Err(ProofVerificationError::RootsDifferAtEqualSize);
        }
        return Ok(());
    }
    let old_root = parse_hash(old_root, HashRole::Root(RootRole::Old))?;
    let new_root = parse_hash(new_root, HashRole::Root(RootRole::New))?;
    let path = parse_path(path)?;
    verify_consistency_proof(old_size, new_size, &old_root, &new_root, &path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_leaf;

    fn two_leaf_tree() -> (Hash, Hash, Hash) {
        let left = hash_leaf(b"left");
        let right = hash_leaf(b"right");
        (left, right, hash_children(&left, &right))
    }

    #[test]
    fn inclusion_in_two_leaf_tree() {
        let (left, right, root) = two_leaf_tree();
        assert_eq!(verify_inclusion_proof(0, 2, &left, &[right], &root), Ok(()));
        assert_eq!(verify_inclusion_proof(1, 2, &right, &[left], &root), Ok(()));
        assert!(matches!(
            verify_inclusion_proof(1, 2, &left, &[right], &root),
            Err(ProofVerificationError::RootMismatch {
                root: RootRole::Tree,
                ..
            })
        ));
        assert_eq!(
            verify_inclusion_proof(0, 2, &left, &[right, right], &root),
            Err(ProofVerificationError::WrongProofLength {
                expected: 1,
                actual: 2
            })
        );
        assert_eq!(
            verify_inclusion_proof(2, 2, &left, &[right], &root),
            Err(ProofVerificationError::LeafIndexOutOfRange {
                leaf_index: 2,
                tree_size: 2
            })
        );
    }

    #[test]
    fn consistency_one_to_two() {
        let (left, right, root) = two_leaf_tree();
        assert_eq!(
            verify_consistency_proof(1, 2, &left, &root, &[right]),
            Ok(())
        );
        // A perfect old tree's root is the proof's implicit first node (RFC 9162 §2.1.4.2 step
        // 2), so a wrong old root shows up in the new root.
        assert!(matches!(
            verify_consistency_proof(1, 2, &right, &root, &[right]),
            Err(ProofVerificationError::RootMismatch {
                root: RootRole::New,
                ..
            })
        ));
        assert_eq!(
            verify_consistency_proof(0, 2, &left, &root, &[right]),
            Err(ProofVerificationError::OldSizeZero)
        );
        assert_eq!(
            verify_consistency_proof(2, 2, &root, &root, &[right]),
            Err(ProofVerificationError::WrongProofLength {
                expected: 0,
                actual: 1
            })
        );
        assert_eq!(
            verify_consistency_proof(2, 2, &root, &left, &[]),
            Err(ProofVerificationError::RootsDifferAtEqualSize)
        );
    }

    #[test]
    fn raw_bytes_refuse_short_hashes_by_role() {
        let (left, right, root) = two_leaf_tree();
        assert_eq!(
            verify_inclusion_proof_bytes(0, 2, &left.0[..31], &[right.0], &root.0),
            Err(ProofVerificationError::MalformedHash {
                role: HashRole::LeafHash,
                length: 31
            })
        );
        assert_eq!(
            verify_inclusion_proof_bytes(0, 2, &left.0, &[&right.0[..], b""], &root.0),
            Err(ProofVerificationError::MalformedHash {
                role: HashRole::ProofElement { position: 1 },
                length: 0
            })
        );
        assert_eq!(
            verify_consistency_proof_bytes(1, 2, &left.0, &root.0[..1], &[right.0]),
            Err(ProofVerificationError::MalformedHash {
                role: HashRole::Root(RootRole::New),
                length: 1
            })
        );
    }
}
