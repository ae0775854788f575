//! Addresses of perfect subtrees (`NodeId`: level and index) and the arithmetic that splits any
//! subtree of an RFC 9162 tree into perfect ones. A perfect subtree never changes once its last
//! leaf is appended, so it is what an append-only store keeps; every other subtree hash (a root,
//! a right-edge sibling in a proof) is folded from a few of them on demand.

use std::fmt;
use std::ops::Range;

use crate::hash::{Hash, empty_tree_root, hash_children};

/// The largest tree size this crate accepts: 2^63 - 1 leaves, so that every leaf index and node
/// index fits in a signed 64-bit column (`BIGINT` on PostgreSQL, `INTEGER` on SQLite).
pub const MAX_TREE_SIZE: u64 = i64::MAX as u64;

/// A perfect subtree: the `2^level` leaves `[index * 2^level, (index + 1) * 2^level)`.
/// Level 0 holds the leaf hashes themselves; `(level, index)` is the storage key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf positions this node covers.
    pub fn leaf_range(&self) -> Range<u64> {
        let width = 1u64 << self.level;
        self.index * width..(self.index + 1) * width
    }

    /// The tree size from which on this node exists (its last leaf has been appended).
    pub fn complete_at_size(&self) -> u64 {
        self.leaf_range().end
    }

    pub fn left_child(&self) -> Option<NodeId> {
        (self.level > 0).then(|| NodeId::new(self.level - 1, self.index * 2))
    }

    pub fn right_child(&self) -> Option<NodeId> {
        (self.level > 0).then(|| NodeId::new(self.level - 1, self.index * 2 + 1))
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "NodeId({}, {})", self.level, self.index)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "(level {}, index {})", self.level, self.index)
    }
}

/// How many perfect subtrees (stored rows) a log of `tree_size` leaves has: `2n - popcount(n)`,
/// for an audit that checks nothing was added or removed behind the log's back.
pub fn stored_node_count(tree_size: u64) -> u64 {
    2 * tree_size - u64::from(tree_size.count_ones())
}

/// The `k` of RFC 9162 §2.1.1: the largest power of two strictly smaller than `size` (`size >= 2`).
pub(crate) fn largest_power_of_two_below(size: u64) -> u64 {
    debug_assert!(size >= 2);
    1u64 << (63 - (size - 1).leading_zeros())
}

/// Appends to `out` the perfect subtrees that make up the leaves `range`, left to right (so
/// largest first). `range.start` must be a multiple of the smallest power of two not below the
/// range's width, which holds for every subtree the RFC 9162 recursion produces: the recursion
/// always splits off a power of two on the left.
pub(crate) fn push_perfect_subtrees_of_range(range: Range<u64>, out: &mut Vec<NodeId>) {
    let width = range.end - range.start;
    let mut position = range.start;
    for level in (0..64u8).rev() {
        let part = 1u64 << level;
        if width & part != 0 {
            debug_assert_eq!(position % part, 0, "range {range:?} is not aligned");
            out.push(NodeId::new(level, position >> level));
            position += part;
        }
    }
}

/// The hash of a subtree given the hashes of its perfect parts, left to right. RFC 9162 splits a
/// subtree at its largest power of two, so the parts combine from the right:
/// `H(p0, H(p1, H(p2, p3)))`.
pub(crate) fn fold_perfect_subtrees(parts: &[Hash]) -> Option<Hash> {
    let (last, rest) = parts.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |right, left| hash_children(left, &right)),
    )
}

/// A root from its perfect parts, largest first; the empty tree's root when there are none.
pub(crate) fn root_from_perfect_subtrees(parts: &[Hash]) -> Hash {
    fold_perfect_subtrees(parts).unwrap_or_else(empty_tree_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_power_of_two_below_is_strict() {
        let cases = [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (8, 4),
            (9, 8),
            (1 << 40, 1 << 39),
        ];
        for (size, expected) in cases {
            assert_eq!(largest_power_of_two_below(size), expected, "size {size}");
        }
    }

    fn perfect_subtrees_of_range(range: Range<u64>) -> Vec<NodeId> {
        let mut out = Vec::new();
        push_perfect_subtrees_of_range(range, &mut out);
        out
    }

    #[test]
    fn ranges_split_into_perfect_subtrees_largest_first() {
        assert_eq!(perfect_subtrees_of_range(0..0), vec![]);
        assert_eq!(perfect_subtrees_of_range(0..1), vec![NodeId::new(0, 0)]);
        assert_eq!(
            perfect_subtrees_of_range(0..7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
        assert_eq!(
            perfect_subtrees_of_range(8..13),
            vec![NodeId::new(2, 2), NodeId::new(0, 12)]
        );
    }

    #[test]
    fn stored_node_count_counts_every_complete_node() {
        let cases = [(0, 0), (1, 1), (2, 3), (3, 4), (4, 7), (7, 11), (8, 15)];
        for (tree_size, expected) in cases {
            assert_eq!(stored_node_count(tree_size), expected, "size {tree_size}");
        }
    }

    #[test]
    fn node_covers_its_leaves() {
        let node = NodeId::new(3, 2);
        assert_eq!(node.leaf_range(), 16..24);
        assert_eq!(node.complete_at_size(), 24);
        assert_eq!(node.left_child(), Some(NodeId::new(2, 4)));
        assert_eq!(node.right_child(), Some(NodeId::new(2, 5)));
        assert_eq!(NodeId::new(0, 9).left_child(), None);
    }
}
