//! The append plan: which perfect subtrees become complete when leaves are appended to a tree of
//! a given size, and their hashes. A store reads the old tree's frontier (the perfect parts of its
//! root, at most 63 nodes), computes here, and inserts every completed node, the new leaves
//! included, in the same transaction as the entries themselves.

use crate::hash::{Hash, hash_children};
use crate::node::{MAX_TREE_SIZE, NodeId, root_from_perfect_subtrees, stored_node_count};
use crate::plan::nodes_for_root;

/// Why an append cannot be planned or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error(
        "appending {appended} leaves to a tree of {old_size} passes the largest supported size"
    )]
    TreeSizeTooLarge { old_size: u64, appended: u64 },
    #[error("{actual} frontier hashes were given; the tree of {old_size} leaves has {expected}")]
    WrongFrontierLength {
        old_size: u64,
        expected: usize,
        actual: usize,
    },
    #[error("{actual} leaf hashes were given for an append of {expected}")]
    WrongLeafCount { expected: u64, actual: usize },
}

/// Appending `new_size - old_size` leaves to the tree of `old_size` leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendPlan {
    old_size: u64,
    new_size: u64,
}

/// The outcome of an append: every node to insert, children before parents, and the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedNodes {
    pub nodes: Vec<(NodeId, Hash)>,
    pub new_root: Hash,
}

impl AppendPlan {
    pub fn new(old_size: u64, appended: u64) -> Result<Self, AppendError> {
        let too_large = AppendError::TreeSizeTooLarge { old_size, appended };
        let new_size = old_size.checked_add(appended).ok_or(too_large.clone())?;
        if new_size > MAX_TREE_SIZE {
            return Err(too_large);
        }
        Ok(Self { old_size, new_size })
    }

    pub fn old_size(&self) -> u64 {
        self.old_size
    }

    pub fn new_size(&self) -> u64 {
        self.new_size
    }

    /// The stored nodes the computation needs: the perfect parts of the old root, largest
    /// first. New parents only ever combine these with new nodes.
    pub fn frontier_nodes(&self) -> Vec<NodeId> {
        nodes_for_root(self.old_size).expect("old size is below the new size, which was checked")
    }

    /// Every node that becomes complete, in the order [`Self::compute`] returns them: for each
    /// new leaf, the leaf and then each parent it completes.
    pub fn completed_nodes(&self) -> Vec<NodeId> {
        let mut nodes = Vec::with_capacity(self.completed_node_count());
        for position in self.old_size..self.new_size {
            // A leaf completes the node of level l above it when it is the last of 2^l leaves.
            let completed_levels = (position + 1).trailing_zeros() as u8;
            for level in 0..=completed_levels {
                nodes.push(NodeId::new(level, ((position + 1) >> level) - 1));
            }
        }
        nodes
    }

    fn completed_node_count(&self) -> usize {
        (stored_node_count(self.new_size) - stored_node_count(self.old_size)) as usize
    }

    /// The completed nodes' hashes, from the old frontier's hashes (in [`Self::frontier_nodes`]
    /// order) and the new leaf hashes (in log order).
    pub fn compute(
        &self,
        frontier_hashes: &[Hash],
        leaf_hashes: &[Hash],
    ) -> Result<AppendedNodes, AppendError> {
        let frontier = self.frontier_nodes();
        if frontier_hashes.len() != frontier.len() {
            return Err(AppendError::WrongFrontierLength {
                old_size: self.old_size,
                expected: frontier.len(),
                actual: frontier_hashes.len(),
            });
        }
        let appended = self.new_size - self.old_size;
        if leaf_hashes.len() as u64 != appended {
            return Err(AppendError::WrongLeafCount {
                expected: appended,
                actual: leaf_hashes.len(),
            });
        }
        // The frontier as a stack of (level, hash), largest at the bottom: each new leaf is
        // pushed and merged with its left neighbour while the two are the same height.
        let mut stack: Vec<(u8, Hash)> = frontier
            .iter()
            .zip(frontier_hashes)
            .map(|(node, hash)| (node.level, *hash))
            .collect();
        let mut nodes = Vec::with_capacity(self.completed_node_count());
        for (position, leaf_hash) in (self.old_size..).zip(leaf_hashes) {
            nodes.push((NodeId::new(0, position), *leaf_hash));
            stack.push((0, *leaf_hash));
            while let [.., (left_level, left), (right_level, right)] = stack[..] {
                if left_level != right_level {
                    break;
                }
                stack.truncate(stack.len() - 2);
                let level = left_level + 1;
                let parent = hash_children(&left, &right);
                nodes.push((NodeId::new(level, ((position + 1) >> level) - 1), parent));
                stack.push((level, parent));
            }
        }
        let parts: Vec<Hash> = stack.into_iter().map(|(_, hash)| hash).collect();
        Ok(AppendedNodes {
            nodes,
            new_root: root_from_perfect_subtrees(&parts),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_leaf;
    use crate::memory::MemoryTree;

    #[test]
    fn completed_nodes_of_small_appends() {
        let plan = AppendPlan::new(3, 2).unwrap();
        assert_eq!(
            plan.frontier_nodes(),
            vec![NodeId::new(1, 0), NodeId::new(0, 2)]
        );
        assert_eq!(
            plan.completed_nodes(),
            vec![
                NodeId::new(0, 3),
                NodeId::new(1, 1),
                NodeId::new(2, 0),
                NodeId::new(0, 4)
            ]
        );
    }

    #[test]
    fn computed_nodes_match_a_tree_built_leaf_by_leaf() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| hash_leaf(&i.to_be_bytes())).collect();
        for old_size in 0..20u64 {
            for appended in 0..20u64 {
                let mut tree = MemoryTree::new();
                tree.append_leaf_hashes(&leaves[..old_size as usize]);
                let plan = AppendPlan::new(old_size, appended).unwrap();
                let frontier: Vec<Hash> = plan
                    .frontier_nodes()
                    .iter()
                    .map(|node| tree.node(*node).unwrap())
                    .collect();
                let new_leaves = &leaves[old_size as usize..(old_size + appended) as usize];
                let outcome = plan.compute(&frontier, new_leaves).unwrap();
                tree.append_leaf_hashes(new_leaves);
                let planned: Vec<NodeId> = outcome.nodes.iter().map(|(node, _)| *node).collect();
                assert_eq!(planned, plan.completed_nodes());
                for (node, hash) in &outcome.nodes {
                    assert_eq!(tree.node(*node), Some(*hash), "{node}");
                }
                assert_eq!(outcome.new_root, tree.current_root());
            }
        }
    }

    #[test]
    fn wrong_inputs_are_refused() {
        let plan = AppendPlan::new(3, 1).unwrap();
        assert_eq!(
            plan.compute(&[], &[hash_leaf(b"")]),
            Err(AppendError::WrongFrontierLength {
                old_size: 3,
                expected: 2,
                actual: 0
            })
        );
        let frontier = [hash_leaf(b"a"), hash_leaf(b"b")];
        assert_eq!(
            plan.compute(&frontier, &[]),
            Err(AppendError::WrongLeafCount {
                expected: 1,
                actual: 0
            })
        );
        assert!(AppendPlan::new(MAX_TREE_SIZE, 1).is_err());
        assert!(AppendPlan::new(u64::MAX, 1).is_err());
    }
}
