//! Property tests: for random trees, the storage-driven proofs equal the naive recursive ones,
//! verify against the root of their size, and stop verifying when any bit of them, of the leaf
//! or of a root is flipped; the append plan agrees with a tree grown leaf by leaf.

use proptest::prelude::*;
use xc_merkle::{
    AppendPlan, Hash, MemoryTree, ProofVerificationError, hash_leaf, read_consistency_proof,
    read_inclusion_proof, verify_consistency_proof, verify_inclusion_proof,
};

use crate::reference;

fn leaf_hashes(seed: u64, size: u64) -> Vec<Hash> {
    (0..size)
        .map(|index| {
            let mut entry = seed.to_be_bytes().to_vec();
            entry.extend(index.to_be_bytes());
            hash_leaf(&entry)
        })
        .collect()
}

fn tree_of(leaves: &[Hash]) -> MemoryTree {
    let mut tree = MemoryTree::with_capacity(leaves.len());
    tree.append_leaf_hashes(leaves);
    tree
}

fn flip_bit(hash: &Hash, bit: usize) -> Hash {
    let mut flipped = *hash;
    flipped.0[bit / 8 % 32] ^= 1 << (bit % 8);
    flipped
}

/// A tree size and an index below it; sizes favour the small and irregular but reach past 2^11.
fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![1u64..70, 1u64..3000].prop_flat_map(|size| (Just(size), 0..size))
}

fn old_and_new_size() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![1u64..70, 1u64..3000].prop_flat_map(|new_size| (1..=new_size, Just(new_size)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn roots_at_past_sizes_equal_the_reference(
        seed in any::<u64>(),
        (past_size, size) in prop_oneof![0u64..70, 0u64..5000]
            .prop_flat_map(|size| (0..=size, Just(size))),
    ) {
        let leaves = leaf_hashes(seed, size);
        let tree = tree_of(&leaves);
        prop_assert_eq!(tree.current_root(), reference::tree_hash(&leaves));
        let past_leaves = &leaves[..past_size as usize];
        prop_assert_eq!(tree.root(past_size).unwrap(), reference::tree_hash(past_leaves));
    }

    #[test]
    fn inclusion_proofs_match_the_reference_and_resist_tampering(
        seed in any::<u64>(),
        (size, index) in size_and_index(),
        tamper_position in any::<prop::sample::Index>(),
        bit in 0usize..256,
    ) {
        let leaves = leaf_hashes(seed, size);
        let tree = tree_of(&leaves);
        let root = tree.current_root();
        let leaf = leaves[index as usize];
        let proof = tree.inclusion_proof(index, size).unwrap();

        prop_assert_eq!(&proof.path, &reference::inclusion_path(index as usize, &leaves));
        prop_assert_eq!(&proof, &read_inclusion_proof(&tree, index, size).unwrap());
        prop_assert_eq!(proof.verify(&leaf, &root), Ok(()));

        if !proof.path.is_empty() {
            let mut tampered = proof.path.clone();
            let position = tamper_position.index(tampered.len());
            tampered[position] = flip_bit(&tampered[position], bit);
            prop_assert!(verify_inclusion_proof(index, size, &leaf, &tampered, &root).is_err());
        }
        let (wrong_leaf, wrong_root) = (flip_bit(&leaf, bit), flip_bit(&root, bit));
        prop_assert!(verify_inclusion_proof(index, size, &wrong_leaf, &proof.path, &root).is_err());
        prop_assert!(verify_inclusion_proof(index, size, &leaf, &proof.path, &wrong_root).is_err());
        if size > 1 {
            let other_index = (index + 1) % size;
            let outcome = verify_inclusion_proof(other_index, size, &leaf, &proof.path, &root);
            prop_assert!(outcome.is_err());
        }
        // No check with another tree size: a path can be valid for two sizes (index 0 of 3 and
        // of 4 leaves have equally long paths), and only the signed root binds the size.
        let mut longer = proof.path.clone();
        longer.push(root);
        let outcome = verify_inclusion_proof(index, size, &leaf, &longer, &root);
        prop_assert!(
            matches!(outcome, Err(ProofVerificationError::WrongProofLength { .. })),
            "a proof with a hash too many gave {:?}",
            outcome
        );
    }

    #[test]
    fn consistency_proofs_match_the_reference_and_resist_tampering(
        seed in any::<u64>(),
        (old_size, new_size) in old_and_new_size(),
        tamper_position in any::<prop::sample::Index>(),
        bit in 0usize..256,
    ) {
        let leaves = leaf_hashes(seed, new_size);
        let tree = tree_of(&leaves);
        let old_root = tree.root(old_size).unwrap();
        let new_root = tree.current_root();
        let proof = tree.consistency_proof(old_size, new_size).unwrap();

        prop_assert_eq!(&proof.path, &reference::consistency_path(old_size as usize, &leaves));
        prop_assert_eq!(&proof, &read_consistency_proof(&tree, old_size, new_size).unwrap());
        prop_assert_eq!(proof.verify(&old_root, &new_root), Ok(()));

        if !proof.path.is_empty() {
            let mut tampered = proof.path.clone();
            let position = tamper_position.index(tampered.len());
            tampered[position] = flip_bit(&tampered[position], bit);
            let outcome = verify_consistency_proof(old_size, new_size, &old_root, &new_root, &tampered);
            prop_assert!(outcome.is_err());
        }
        let (wrong_old_root, wrong_new_root) = (flip_bit(&old_root, bit), flip_bit(&new_root, bit));
        prop_assert!(proof.verify(&wrong_old_root, &new_root).is_err());
        prop_assert!(proof.verify(&old_root, &wrong_new_root).is_err());
        // A tree whose old part was rewritten (one earlier leaf changed) is not an extension.
        let mut rewritten = leaves.clone();
        let rewritten_index = (seed % old_size) as usize;
        rewritten[rewritten_index] = flip_bit(&rewritten[rewritten_index], bit);
        let rewritten_tree = tree_of(&rewritten);
        let rewritten_proof = rewritten_tree.consistency_proof(old_size, new_size).unwrap();
        prop_assert!(rewritten_proof.verify(&old_root, &rewritten_tree.current_root()).is_err());
    }

    /// Proofs arrive from outside: any sizes and any path, up to the extremes of u64, are
    /// refused or accepted, never a panic or an overflow.
    #[test]
    fn verification_of_arbitrary_input_never_panics(
        first in prop_oneof![any::<u64>(), 0u64..64, Just(u64::MAX)],
        second in prop_oneof![any::<u64>(), 0u64..64, Just(u64::MAX)],
        path in prop::collection::vec(any::<[u8; 32]>().prop_map(Hash), 0..70),
        leaf in any::<[u8; 32]>().prop_map(Hash),
        root in any::<[u8; 32]>().prop_map(Hash),
    ) {
        let _ = verify_inclusion_proof(first, second, &leaf, &path, &root);
        let _ = verify_consistency_proof(first, second, &leaf, &root, &path);
        let _ = xc_merkle::nodes_for_inclusion_proof(first, second);
        let _ = xc_merkle::nodes_for_consistency_proof(first, second);
        let _ = AppendPlan::new(first, second);
    }

    #[test]
    fn append_plans_grow_the_same_tree_in_any_batches(
        seed in any::<u64>(),
        batch_sizes in prop::collection::vec(0u64..40, 1..12),
    ) {
        let total: u64 = batch_sizes.iter().sum();
        let leaves = leaf_hashes(seed, total);
        let whole = tree_of(&leaves);
        let mut stored = MemoryTree::new();
        for batch in batch_sizes {
            let start = stored.size();
            let plan = AppendPlan::new(start, batch).unwrap();
            let frontier: Vec<Hash> =
                plan.frontier_nodes().iter().map(|node| stored.node(*node).unwrap()).collect();
            let new_leaves = &leaves[start as usize..(start + batch) as usize];
            let outcome = plan.compute(&frontier, new_leaves).unwrap();
            stored.append_leaf_hashes(new_leaves);
            for (node, hash) in &outcome.nodes {
                prop_assert_eq!(whole.node(*node), Some(*hash));
            }
            prop_assert_eq!(outcome.new_root, whole.root(start + batch).unwrap());
        }
    }
}

#[test]
fn roots_at_every_size_up_to_130_equal_the_reference() {
    let leaves = leaf_hashes(130, 130);
    let tree = tree_of(&leaves);
    for size in 0..=130 {
        assert_eq!(
            tree.root(size).unwrap(),
            reference::tree_hash(&leaves[..size as usize])
        );
    }
}

/// Exhaustive where proptest samples: in every small tree, every single-bit change anywhere in
/// every proof is caught.
#[test]
fn every_flipped_bit_of_every_small_proof_is_caught() {
    for size in 1..=17u64 {
        let leaves = leaf_hashes(size, size);
        let tree = tree_of(&leaves);
        let root = tree.current_root();
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size).unwrap();
            for position in 0..proof.path.len() {
                for bit in 0..256 {
                    let mut tampered = proof.path.clone();
                    tampered[position] = flip_bit(&tampered[position], bit);
                    assert!(
                        verify_inclusion_proof(
                            index,
                            size,
                            &leaves[index as usize],
                            &tampered,
                            &root
                        )
                        .is_err()
                    );
                }
            }
        }
        for old_size in 1..size {
            let old_root = tree.root(old_size).unwrap();
            let proof = tree.consistency_proof(old_size, size).unwrap();
            for position in 0..proof.path.len() {
                for bit in 0..256 {
                    let mut tampered = proof.path.clone();
                    tampered[position] = flip_bit(&tampered[position], bit);
                    assert!(
                        verify_consistency_proof(old_size, size, &old_root, &root, &tampered)
                            .is_err()
                    );
                }
            }
        }
    }
}
