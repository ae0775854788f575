//! `MemoryTree`: the log held in memory as one vector of hashes per level (level 0 the leaf
//! hashes, level l the perfect subtrees of 2^l leaves). It is the reference `NodeReader` and the
//! shape a durable store mirrors with one table keyed by `(level, index)`.

use std::ops::Range;

use crate::hash::{Hash, hash_children, hash_leaf};
use crate::node::NodeId;
use crate::plan::{ConsistencyProofPlan, InclusionProofPlan, ProofRequestError, RootPlan};
use crate::proof::{ConsistencyProof, InclusionProof};
use crate::reader::{NodeReadError, NodeReader};

/// An append-only Merkle tree in memory: 64 bytes per leaf (its hash and, amortised, its
/// ancestors').
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of [`NodeId`] `(l, i)`; only complete nodes exist.
    levels: Vec<Vec<Hash>>,
}

const MISSING_AFTER_SIZE_CHECK: &str =
    "a plan for a size within the tree names only complete nodes, which are all stored";

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tree with room for `leaves` leaves and their ancestors without reallocating.
    pub fn with_capacity(leaves: usize) -> Self {
        let mut levels = Vec::new();
        let mut width = leaves;
        while width > 0 {
            levels.push(Vec::with_capacity(width));
            width /= 2;
        }
        Self { levels }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends one entry (hashed as a leaf) and returns its index.
    pub fn append(&mut self, entry: &[u8]) -> u64 {
        self.append_leaf_hash(hash_leaf(entry))
    }

    /// Appends many entries; returns the range of their indices.
    pub fn append_batch<I>(&mut self, entries: I) -> Range<u64>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let start = self.size();
        for entry in entries {
            self.append(entry.as_ref());
        }
        start..self.size()
    }

    /// Appends many already-hashed leaves; returns the range of their indices.
    pub fn append_leaf_hashes(&mut self, leaf_hashes: &[Hash]) -> Range<u64> {
        let start = self.size();
        for leaf_hash in leaf_hashes {
            self.append_leaf_hash(*leaf_hash);
        }
        start..self.size()
    }

    /// Appends an already-hashed leaf and stores every parent it completes.
    pub fn append_leaf_hash(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.size();
        let mut level = 0;
        let mut hash = leaf_hash;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(hash);
            if nodes.len() % 2 == 1 {
                break;
            }
            hash = hash_children(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            level += 1;
        }
        index
    }

    /// The stored hash of a complete perfect subtree.
    pub fn node(&self, node: NodeId) -> Option<Hash> {
        let index = usize::try_from(node.index).ok()?;
        self.levels
            .get(usize::from(node.level))?
            .get(index)
            .copied()
    }

    pub fn leaf_hash(&self, leaf_index: u64) -> Option<Hash> {
        self.node(NodeId::new(0, leaf_index))
    }

    fn check_size(&self, tree_size: u64) -> Result<(), ProofRequestError> {
        if tree_size > self.size() {
            return Err(ProofRequestError::TreeSizeBeyondLog {
                tree_size,
                available: self.size(),
            });
        }
        Ok(())
    }

    /// The root the tree had when it held `tree_size` leaves.
    pub fn root(&self, tree_size: u64) -> Result<Hash, ProofRequestError> {
        self.check_size(tree_size)?;
        let plan = RootPlan::new(tree_size)?;
        Ok(plan
            .assemble_with(|node| self.node(node))
            .expect(MISSING_AFTER_SIZE_CHECK))
    }

    pub fn current_root(&self) -> Hash {
        self.root(self.size())
            .expect("the current size is within the tree")
    }

    pub fn inclusion_proof(
        &self,
        leaf_index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, ProofRequestError> {
        self.check_size(tree_size)?;
        let plan = InclusionProofPlan::new(leaf_index, tree_size)?;
        Ok(plan
            .assemble_with(|node| self.node(node))
            .expect(MISSING_AFTER_SIZE_CHECK))
    }

    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, ProofRequestError> {
        self.check_size(new_size)?;
        let plan = ConsistencyProofPlan::new(old_size, new_size)?;
        Ok(plan
            .assemble_with(|node| self.node(node))
            .expect(MISSING_AFTER_SIZE_CHECK))
    }
}

impl NodeReader for MemoryTree {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, NodeReadError> {
        nodes
            .iter()
            .map(|node| {
                self.node(*node)
                    .ok_or(NodeReadError::NodeMissing { node: *node })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::empty_tree_root;
    use crate::reader::{
        ProofGenerationError, read_consistency_proof, read_inclusion_proof, read_root,
    };

    #[test]
    fn empty_tree_has_the_empty_root() {
        let tree = MemoryTree::new();
        assert_eq!(tree.size(), 0);
        assert_eq!(tree.current_root(), empty_tree_root());
    }

    #[test]
    fn levels_hold_only_complete_nodes() {
        let mut tree = MemoryTree::with_capacity(5);
        assert_eq!(tree.append_batch([b"a", b"b", b"c", b"d", b"e"]), 0..5);
        assert!(tree.node(NodeId::new(2, 0)).is_some());
        assert!(
            tree.node(NodeId::new(1, 2)).is_none(),
            "pair (4, 5) is not complete"
        );
        assert!(tree.node(NodeId::new(3, 0)).is_none());
    }

    #[test]
    fn sizes_beyond_the_tree_are_refused() {
        let mut tree = MemoryTree::new();
        tree.append(b"a");
        assert_eq!(
            tree.root(2),
            Err(ProofRequestError::TreeSizeBeyondLog {
                tree_size: 2,
                available: 1
            })
        );
        assert!(tree.inclusion_proof(0, 2).is_err());
        assert!(tree.consistency_proof(1, 2).is_err());
        assert!(matches!(
            read_root(&tree, 2),
            Err(ProofGenerationError::Read(
                NodeReadError::NodeMissing { .. }
            ))
        ));
    }

    #[test]
    fn reader_functions_agree_with_the_tree() {
        let mut tree = MemoryTree::new();
        tree.append_batch((0u32..37).map(u32::to_be_bytes));
        for size in 1..=37 {
            assert_eq!(read_root(&tree, size).unwrap(), tree.root(size).unwrap());
            for index in 0..size {
                assert_eq!(
                    read_inclusion_proof(&tree, index, size).unwrap(),
                    tree.inclusion_proof(index, size).unwrap()
                );
            }
            for old_size in 1..=size {
                assert_eq!(
                    read_consistency_proof(&tree, old_size, size).unwrap(),
                    tree.consistency_proof(old_size, size).unwrap()
                );
            }
        }
    }
}
