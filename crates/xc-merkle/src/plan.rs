//! Proof plans: for a root, an inclusion proof or a consistency proof, the pure computation of
//! which perfect subtrees (`NodeId`s) a store must read, and the assembly of the answer from the
//! hashes it read. Splitting the two lets a database fetch every node of a proof in one query
//! (`WHERE (level, index) IN (...)`), synchronously or not, and keeps the RFC 9162 logic here.
//!
//! Each proof element is the hash of one subtree of the RFC 9162 recursion (§2.1.3.1 `PATH`,
//! §2.1.4.1 `SUBPROOF`). A left sibling is always perfect; at most one element per proof lies on
//! the right edge of the tree and is folded from at most 63 perfect parts. A plan therefore names
//! O(log n) nodes, each at most once.

use std::ops::Range;

use crate::hash::{Hash, empty_tree_root};
use crate::node::{
    MAX_TREE_SIZE, NodeId, fold_perfect_subtrees, largest_power_of_two_below,
    push_perfect_subtrees_of_range,
};
use crate::proof::{ConsistencyProof, InclusionProof};

/// Why a root or proof cannot be asked for with these sizes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofRequestError {
    #[error(
        "leaf index {leaf_index} is outside a tree of {tree_size} leaves; ask for an index below the size"
    )]
    LeafIndexOutOfRange { leaf_index: u64, tree_size: u64 },
    #[error("old tree size {old_size} is greater than new tree size {new_size}; a log only grows")]
    OldSizeGreaterThanNewSize { old_size: u64, new_size: u64 },
    #[error(
        "a consistency proof from the empty tree proves nothing; ask for an old size of at least 1"
    )]
    OldSizeZero,
    #[error("tree size {tree_size} is beyond the {available} leaves in the log")]
    TreeSizeBeyondLog { tree_size: u64, available: u64 },
    #[error("tree size {tree_size} is above the largest supported size {maximum}", maximum = MAX_TREE_SIZE)]
    TreeSizeTooLarge { tree_size: u64 },
}

/// Why fetched hashes could not be assembled into an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanAssemblyError {
    #[error("{actual} hashes were given for the {expected} nodes of the plan")]
    WrongNodeCount { expected: usize, actual: usize },
    #[error("node {node} is missing from the fetched hashes")]
    NodeMissing { node: NodeId },
}

/// The perfect nodes behind a list of subtrees; each subtree's nodes are contiguous in `nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SubtreePlan {
    nodes: Vec<NodeId>,
    /// For each subtree (a proof element or the root), how many entries of `nodes` it folds.
    parts_per_subtree: Vec<u8>,
}

impl SubtreePlan {
    fn from_ranges(ranges: impl IntoIterator<Item = Range<u64>>) -> Self {
        let mut nodes = Vec::new();
        let mut parts_per_subtree = Vec::new();
        for range in ranges {
            let before = nodes.len();
            push_perfect_subtrees_of_range(range, &mut nodes);
            parts_per_subtree.push((nodes.len() - before) as u8);
        }
        Self {
            nodes,
            parts_per_subtree,
        }
    }

    fn assemble_with(
        &self,
        mut lookup: impl FnMut(usize, NodeId) -> Option<Hash>,
    ) -> Result<Vec<Hash>, PlanAssemblyError> {
        let mut fetched = Vec::with_capacity(self.nodes.len());
        for (position, node) in self.nodes.iter().enumerate() {
            fetched.push(
                lookup(position, *node).ok_or(PlanAssemblyError::NodeMissing { node: *node })?,
            );
        }
        let mut subtree_hashes = Vec::with_capacity(self.parts_per_subtree.len());
        let mut start = 0;
        for &parts in &self.parts_per_subtree {
            let end = start + usize::from(parts);
            let hash = fold_perfect_subtrees(&fetched[start..end])
                .expect("every planned subtree has at least one leaf");
            subtree_hashes.push(hash);
            start = end;
        }
        Ok(subtree_hashes)
    }

    fn assemble_in_order(&self, hashes: &[Hash]) -> Result<Vec<Hash>, PlanAssemblyError> {
        if hashes.len() != self.nodes.len() {
            return Err(PlanAssemblyError::WrongNodeCount {
                expected: self.nodes.len(),
                actual: hashes.len(),
            });
        }
        self.assemble_with(|position, _| Some(hashes[position]))
    }
}

fn check_tree_size(tree_size: u64) -> Result<(), ProofRequestError> {
    if tree_size > MAX_TREE_SIZE {
        return Err(ProofRequestError::TreeSizeTooLarge { tree_size });
    }
    Ok(())
}

/// What to read for the root of the tree's first `tree_size` leaves: its perfect parts, largest
/// first (the binary digits of the size). Empty for the empty tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPlan {
    tree_size: u64,
    subtrees: SubtreePlan,
}

impl RootPlan {
    pub fn new(tree_size: u64) -> Result<Self, ProofRequestError> {
        check_tree_size(tree_size)?;
        let ranges = (tree_size > 0).then_some(0..tree_size);
        Ok(Self {
            tree_size,
            subtrees: SubtreePlan::from_ranges(ranges),
        })
    }

    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    pub fn nodes(&self) -> &[NodeId] {
        &self.subtrees.nodes
    }

    /// The root from the hashes of [`Self::nodes`], given in that order.
    pub fn assemble(&self, hashes_in_node_order: &[Hash]) -> Result<Hash, PlanAssemblyError> {
        let hashes = self.subtrees.assemble_in_order(hashes_in_node_order)?;
        Ok(hashes.first().copied().unwrap_or_else(empty_tree_root))
    }

    /// The root, looking each node up (for example in a map filled from a query).
    pub fn assemble_with(
        &self,
        mut lookup: impl FnMut(NodeId) -> Option<Hash>,
    ) -> Result<Hash, PlanAssemblyError> {
        let hashes = self.subtrees.assemble_with(|_, node| lookup(node))?;
        Ok(hashes.first().copied().unwrap_or_else(empty_tree_root))
    }
}

/// What to read for the inclusion proof of one leaf in the tree of `tree_size` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProofPlan {
    leaf_index: u64,
    tree_size: u64,
    subtrees: SubtreePlan,
}

impl InclusionProofPlan {
    pub fn new(leaf_index: u64, tree_size: u64) -> Result<Self, ProofRequestError> {
        check_tree_size(tree_size)?;
        if leaf_index >= tree_size {
            return Err(ProofRequestError::LeafIndexOutOfRange {
                leaf_index,
                tree_size,
            });
        }
        Ok(Self {
            leaf_index,
            tree_size,
            subtrees: SubtreePlan::from_ranges(inclusion_path_subtrees(leaf_index, tree_size)),
        })
    }

    pub fn nodes(&self) -> &[NodeId] {
        &self.subtrees.nodes
    }

    /// The proof from the hashes of [`Self::nodes`], given in that order.
    pub fn assemble(
        &self,
        hashes_in_node_order: &[Hash],
    ) -> Result<InclusionProof, PlanAssemblyError> {
        let path = self.subtrees.assemble_in_order(hashes_in_node_order)?;
        Ok(self.proof_with_path(path))
    }

    /// The proof, looking each node up (for example in a map filled from a query).
    pub fn assemble_with(
        &self,
        mut lookup: impl FnMut(NodeId) -> Option<Hash>,
    ) -> Result<InclusionProof, PlanAssemblyError> {
        let path = self.subtrees.assemble_with(|_, node| lookup(node))?;
        Ok(self.proof_with_path(path))
    }

    fn proof_with_path(&self, path: Vec<Hash>) -> InclusionProof {
        InclusionProof {
            leaf_index: self.leaf_index,
            tree_size: self.tree_size,
            path,
        }
    }
}

/// What to read for the consistency proof from the tree of `old_size` leaves to the tree of
/// `new_size` leaves. Equal sizes give an empty plan and an empty proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProofPlan {
    old_size: u64,
    new_size: u64,
    subtrees: SubtreePlan,
}

impl ConsistencyProofPlan {
    pub fn new(old_size: u64, new_size: u64) -> Result<Self, ProofRequestError> {
        check_tree_size(new_size)?;
        if old_size > new_size {
            return Err(ProofRequestError::OldSizeGreaterThanNewSize { old_size, new_size });
        }
        if old_size == 0 {
            return Err(ProofRequestError::OldSizeZero);
        }
        Ok(Self {
            old_size,
            new_size,
            subtrees: SubtreePlan::from_ranges(consistency_path_subtrees(old_size, new_size)),
        })
    }

    pub fn nodes(&self) -> &[NodeId] {
        &self.subtrees.nodes
    }

    /// The proof from the hashes of [`Self::nodes`], given in that order.
    pub fn assemble(
        &self,
        hashes_in_node_order: &[Hash],
    ) -> Result<ConsistencyProof, PlanAssemblyError> {
        let path = self.subtrees.assemble_in_order(hashes_in_node_order)?;
        Ok(self.proof_with_path(path))
    }

    /// The proof, looking each node up (for example in a map filled from a query).
    pub fn assemble_with(
        &self,
        mut lookup: impl FnMut(NodeId) -> Option<Hash>,
    ) -> Result<ConsistencyProof, PlanAssemblyError> {
        let path = self.subtrees.assemble_with(|_, node| lookup(node))?;
        Ok(self.proof_with_path(path))
    }

    fn proof_with_path(&self, path: Vec<Hash>) -> ConsistencyProof {
        ConsistencyProof {
            old_size: self.old_size,
            new_size: self.new_size,
            path,
        }
    }
}

/// The perfect nodes to read for the root at `tree_size`, largest first.
pub fn nodes_for_root(tree_size: u64) -> Result<Vec<NodeId>, ProofRequestError> {
    Ok(RootPlan::new(tree_size)?.subtrees.nodes)
}

/// The perfect nodes to read for the inclusion proof of `leaf_index` at `tree_size`.
pub fn nodes_for_inclusion_proof(
    leaf_index: u64,
    tree_size: u64,
) -> Result<Vec<NodeId>, ProofRequestError> {
    Ok(InclusionProofPlan::new(leaf_index, tree_size)?
        .subtrees
        .nodes)
}

/// The perfect nodes to read for the consistency proof from `old_size` to `new_size`.
pub fn nodes_for_consistency_proof(
    old_size: u64,
    new_size: u64,
) -> Result<Vec<NodeId>, ProofRequestError> {
    Ok(ConsistencyProofPlan::new(old_size, new_size)?
        .subtrees
        .nodes)
}

/// The subtrees whose hashes form `PATH(m, D[n])` (RFC 9162 §2.1.3.1), nearest the leaf first.
/// Walks the recursion from the root down; each step keeps the half holding the leaf and records
/// the other half as a sibling. `leaf_index < tree_size`.
fn inclusion_path_subtrees(leaf_index: u64, tree_size: u64) -> Vec<Range<u64>> {
    let mut siblings = Vec::with_capacity(64);
    let mut current = 0..tree_size;
    while current.end - current.start > 1 {
        let split = current.start + largest_power_of_two_below(current.end - current.start);
        if leaf_index < split {
            siblings.push(split..current.end);
            current.end = split;
        } else {
            siblings.push(current.start..split);
            current.start = split;
        }
    }
    siblings.reverse();
    siblings
}

/// The subtrees whose hashes form `PROOF(m, D[n]) = SUBPROOF(m, D[n], true)` (RFC 9162
/// §2.1.4.1), in proof order. `0 < old_size <= new_size`.
fn consistency_path_subtrees(old_size: u64, new_size: u64) -> Vec<Range<u64>> {
    let mut outer_subtrees = Vec::with_capacity(64);
    let mut current = 0..new_size;
    // The RFC's flag `b`: the current subtree is the whole old tree, whose root the verifier has.
    let mut old_tree_is_current_subtree = true;
    let innermost = loop {
        if old_size == current.end {
            break (!old_tree_is_current_subtree).then_some(current);
        }
        let split = current.start + largest_power_of_two_below(current.end - current.start);
        if old_size <= split {
            outer_subtrees.push(split..current.end);
            current.end = split;
        } else {
            outer_subtrees.push(current.start..split);
            current.start = split;
            old_tree_is_current_subtree = false;
        }
    };
    // SUBPROOF appends each outer subtree after the inner result, so the deepest comes first.
    innermost
        .into_iter()
        .chain(outer_subtrees.into_iter().rev())
        .collect()
}

/// Number of hashes in the inclusion proof of `leaf_index` at `tree_size` (`leaf_index <
/// tree_size`), without building it.
pub(crate) fn inclusion_proof_length(leaf_index: u64, tree_size: u64) -> usize {
    // Levels where the leaf's path and the last leaf's path still differ, plus one left sibling
    // for each set bit above them (those siblings are where the path meets the right edge).
    let inner = 64 - (leaf_index ^ (tree_size - 1)).leading_zeros();
    let border = (leaf_index.checked_shr(inner).unwrap_or(0)).count_ones();
    (inner + border) as usize
}

/// Number of hashes in the consistency proof from `old_size` to `new_size` (`0 < old_size <=
/// new_size`), without building it.
pub(crate) fn consistency_proof_length(old_size: u64, new_size: u64) -> usize {
    if old_size == new_size {
        return 0;
    }
    // The inclusion path of the old tree's last leaf in the new tree, minus the levels that lie
    // inside the largest perfect subtree ending at the old size, plus that subtree's own hash
    // unless it is the whole old tree.
    let shared_levels = (old_size).trailing_zeros();
    let without_shared = inclusion_proof_length(old_size - 1, new_size) - shared_levels as usize;
    let old_tree_is_perfect = old_size.is_power_of_two();
    without_shared + usize::from(!old_tree_is_perfect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusion_path_of_reference_examples() {
        // RFC 9162 §2.1.5's seven-leaf tree: the proof for d0 is [b, h, l], for d3 [c, g, l],
        // for d4 [f, j, k], for d6 [i, k].
        assert_eq!(inclusion_path_subtrees(0, 7), vec![1..2, 2..4, 4..7]);
        assert_eq!(inclusion_path_subtrees(3, 7), vec![2..3, 0..2, 4..7]);
        assert_eq!(inclusion_path_subtrees(4, 7), vec![5..6, 6..7, 0..4]);
        assert_eq!(inclusion_path_subtrees(6, 7), vec![4..6, 0..4]);
    }

    #[test]
    fn consistency_path_of_reference_examples() {
        // RFC 9162 §2.1.5: hash0 → hash (3 → 7) is [c, d, g, l]; hash1 → hash (4 → 7) is [l];
        // hash2 → hash (6 → 7) is [i, j, k].
        assert_eq!(
            consistency_path_subtrees(3, 7),
            vec![2..3, 3..4, 0..2, 4..7]
        );
        assert_eq!(consistency_path_subtrees(4, 7), vec![4..7]);
        assert_eq!(consistency_path_subtrees(6, 7), vec![4..6, 6..7, 0..4]);
        assert_eq!(consistency_path_subtrees(5, 5), vec![]);
    }

    #[test]
    fn proof_lengths_match_built_paths() {
        for tree_size in 1..200u64 {
            for leaf_index in 0..tree_size {
                assert_eq!(
                    inclusion_proof_length(leaf_index, tree_size),
                    inclusion_path_subtrees(leaf_index, tree_size).len(),
                    "inclusion {leaf_index} of {tree_size}"
                );
            }
            for old_size in 1..=tree_size {
                assert_eq!(
                    consistency_proof_length(old_size, tree_size),
                    consistency_path_subtrees(old_size, tree_size).len(),
                    "consistency {old_size} to {tree_size}"
                );
            }
        }
    }

    #[test]
    fn plans_name_each_node_once_and_only_complete_nodes() {
        for tree_size in 1..130u64 {
            for leaf_index in 0..tree_size {
                let nodes = nodes_for_inclusion_proof(leaf_index, tree_size).unwrap();
                assert_unique_and_complete(&nodes, tree_size);
            }
            for old_size in 1..=tree_size {
                let nodes = nodes_for_consistency_proof(old_size, tree_size).unwrap();
                assert_unique_and_complete(&nodes, tree_size);
            }
        }
    }

    fn assert_unique_and_complete(nodes: &[NodeId], tree_size: u64) {
        let mut sorted = nodes.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), nodes.len(), "{nodes:?}");
        assert!(
            nodes
                .iter()
                .all(|node| node.complete_at_size() <= tree_size)
        );
    }

    #[test]
    fn requests_with_impossible_sizes_are_refused() {
        assert_eq!(
            nodes_for_inclusion_proof(3, 3),
            Err(ProofRequestError::LeafIndexOutOfRange {
                leaf_index: 3,
                tree_size: 3
            })
        );
        assert_eq!(
            nodes_for_inclusion_proof(0, 0),
            Err(ProofRequestError::LeafIndexOutOfRange {
                leaf_index: 0,
                tree_size: 0
            })
        );
        assert_eq!(
            nodes_for_consistency_proof(4, 3),
            Err(ProofRequestError::OldSizeGreaterThanNewSize {
                old_size: 4,
                new_size: 3
            })
        );
        assert_eq!(
            nodes_for_consistency_proof(0, 3),
            Err(ProofRequestError::OldSizeZero)
        );
        assert_eq!(
            nodes_for_root(u64::MAX),
            Err(ProofRequestError::TreeSizeTooLarge {
                tree_size: u64::MAX
            })
        );
        assert_eq!(nodes_for_root(0), Ok(vec![]));
    }

    #[test]
    fn assembly_refuses_wrong_or_missing_hashes() {
        let plan = RootPlan::new(3).unwrap();
        assert_eq!(
            plan.assemble(&[]),
            Err(PlanAssemblyError::WrongNodeCount {
                expected: 2,
                actual: 0
            })
        );
        assert_eq!(
            plan.assemble_with(|_| None),
            Err(PlanAssemblyError::NodeMissing {
                node: NodeId::new(1, 0)
            })
        );
        assert_eq!(
            RootPlan::new(0).unwrap().assemble(&[]),
            Ok(empty_tree_root())
        );
    }
}
