//! A deliberately naive RFC 9162 implementation, written straight from the recursive definitions
//! of §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF) over a slice of leaf hashes, to
//! check the crate's iterative, storage-driven code against.

use xc_merkle::{Hash, empty_tree_root, hash_children};

fn split_point(size: usize) -> usize {
    let mut k = 1;
    while k * 2 < size {
        k *= 2;
    }
    k
}

pub(crate) fn tree_hash(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_tree_root(),
        1 => leaves[0],
        n => {
            let k = split_point(n);
            hash_children(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
        }
    }
}

pub(crate) fn inclusion_path(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split_point(n);
    if index < k {
        let mut path = inclusion_path(index, &leaves[..k]);
        path.push(tree_hash(&leaves[k..]));
        path
    } else {
        let mut path = inclusion_path(index - k, &leaves[k..]);
        path.push(tree_hash(&leaves[..k]));
        path
    }
}

pub(crate) fn consistency_path(old_size: usize, leaves: &[Hash]) -> Vec<Hash> {
    subproof(old_size, leaves, true)
}

fn subproof(m: usize, leaves: &[Hash], whole_old_tree: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole_old_tree {
            Vec::new()
        } else {
            vec![tree_hash(leaves)]
        };
    }
    let k = split_point(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], whole_old_tree);
        proof.push(tree_hash(&leaves[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push(tree_hash(&leaves[..k]));
        proof
    }
}
