//! The Merkle transparency log core of xuecheng: RFC 9162 tree hashing, inclusion and
//! consistency proofs, the append plan and signed-tree-head rules, over a storage layout that an
//! append-only table can hold. Pure: no IO, no clock, no keys.
//!
//! # The tree
//!
//! Entries are the leaves of an RFC 9162 §2.1 Merkle tree: a leaf hash is
//! `SHA-256(0x00 || entry)`, an interior node `SHA-256(0x01 || left || right)`, the empty tree's
//! root `SHA-256("")` ([`hash_leaf`], [`hash_children`], [`empty_tree_root`]). A tree of `n`
//! leaves splits at the largest power of two below `n`, so its left part is always a *perfect*
//! subtree (2^k leaves) and only the right edge is ragged.
//!
//! # What is stored: perfect subtrees keyed by (level, index)
//!
//! [`NodeId`] `(level, index)` names the perfect subtree over leaves
//! `[index * 2^level, (index + 1) * 2^level)`; level 0 is the leaf hashes. Such a node is
//! complete once its last leaf is appended and **never changes afterwards**, so an append-only
//! log stores exactly these and nothing else:
//!
//! ```sql
//! CREATE TABLE merkle_nodes (
//!     level      SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 62),
//!     node_index BIGINT   NOT NULL CHECK (node_index >= 0),
//!     hash       BYTEA    NOT NULL CHECK (length(hash) = 32),  -- BLOB on SQLite
//!     PRIMARY KEY (level, node_index)
//! );
//! ```
//!
//! (`index` is a reserved word in SQL, hence `node_index`.) A log of `n` leaves holds
//! `2n - popcount(n)` rows ([`stored_node_count`]): 64 bytes of hash per leaf. Rows are only
//! inserted, never updated or deleted, which a trigger can enforce. Sizes are capped at
//! [`MAX_TREE_SIZE`] = 2^63 - 1 so that every index fits a signed 64-bit column.
//!
//! Every other hash is folded on demand from O(log n) of these rows: the root of *any* past size
//! (the perfect parts of a size are its binary digits: 13 = 8 + 4 + 1 reads `(3,0)`, `(2,2)`,
//! `(0,12)`), and the right-edge siblings in proofs. That is why one table answers roots, proofs
//! and consistency between any two published sizes, and why `audit` can recompute it all.
//!
//! # Appending
//!
//! [`AppendPlan`]`::new(old_size, k)` says which nodes become complete:
//! [`AppendPlan::frontier_nodes`] to read first (the old root's perfect parts, at most 63 rows),
//! then [`AppendPlan::compute`] with those hashes and the `k` new leaf hashes returns every row to
//! insert (leaves and completed parents, children before parents) and the new root. The store
//! inserts the entries, these rows and (if it signs now) the new tree head in one transaction:
//! SQLite with a multi-row `INSERT`, PostgreSQL with `COPY` or `UNNEST`. The appends of one log
//! must be serialised (one writer, or `SELECT ... FOR UPDATE` on a log-state row), because the
//! plan depends on `old_size`.
//!
//! # Reading proofs
//!
//! Each request has a pure plan ([`RootPlan`], [`InclusionProofPlan`], [`ConsistencyProofPlan`];
//! or just the lists [`nodes_for_root`], [`nodes_for_inclusion_proof`],
//! [`nodes_for_consistency_proof`]) naming at most a few dozen distinct nodes. A store fetches
//! them in one query:
//!
//! ```sql
//! -- PostgreSQL: both arrays bound as parameters, in plan order
//! SELECT n.level, n.node_index, n.hash
//! FROM unnest($1::smallint[], $2::bigint[]) AS wanted(level, node_index)
//! JOIN merkle_nodes n USING (level, node_index);
//! -- SQLite: WHERE (level, node_index) IN (VALUES (?, ?), (?, ?), ...)
//! ```
//!
//! and hands the hashes back to the plan's `assemble` (in plan order) or `assemble_with` (any
//! lookup, e.g. a `HashMap<NodeId, Hash>` filled from the rows). A missing row is an error,
//! never a guess. A synchronous store can instead implement [`NodeReader`] (one method) and use
//! [`read_root`], [`read_inclusion_proof`] and [`read_consistency_proof`]. [`MemoryTree`] is the
//! in-memory implementation and the reference for the shared storage tests.
//!
//! # Verifying
//!
//! [`verify_inclusion_proof`] and [`verify_consistency_proof`] are RFC 9162 §2.1.3.2 and §2.1.4.2
//! step for step, returning a [`ProofVerificationError`] that names the failure; the `_bytes`
//! variants take hashes as received from outside. [`TreeHead`] carries the bytes a log signs and
//! [`check_tree_head_extends`] is the rule that no head is signed for a tree that does not extend
//! the last one.

mod append;
mod hash;
mod memory;
mod node;
mod plan;
mod proof;
mod reader;
mod tree_head;

pub use append::{AppendError, AppendPlan, AppendedNodes};
pub use hash::{
    HASH_LENGTH, Hash, HashParseError, LEAF_HASH_PREFIX, NODE_HASH_PREFIX, empty_tree_root,
    hash_children, hash_leaf,
};
pub use memory::MemoryTree;
pub use node::{MAX_TREE_SIZE, NodeId, stored_node_count};
pub use plan::{
    ConsistencyProofPlan, InclusionProofPlan, PlanAssemblyError, ProofRequestError, RootPlan,
    nodes_for_consistency_proof, nodes_for_inclusion_proof, nodes_for_root,
};
pub use proof::{
    ConsistencyProof, HashRole, InclusionProof, ProofVerificationError, RootRole,
    root_from_inclusion_proof, verify_consistency_proof, verify_consistency_proof_bytes,
    verify_inclusion_proof, verify_inclusion_proof_bytes,
};
pub use reader::{
    NodeReadError, NodeReader, ProofGenerationError, read_consistency_proof, read_inclusion_proof,
    read_root,
};
pub use tree_head::{
    TREE_HEAD_SIGNED_BYTES_LENGTH, TreeHead, TreeHeadDecodeError, TreeHeadExtensionError,
    check_tree_head_extends,
};
