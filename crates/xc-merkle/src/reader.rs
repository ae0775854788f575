//! `NodeReader`, the one thing a log store must offer for proofs: the hashes of perfect subtrees
//! by `(level, index)`, read in a batch. With it, roots of any past size, inclusion proofs and
//! consistency proofs are O(log n) reads. A store whose reads are asynchronous need not implement
//! it: it can take a plan's `nodes()`, fetch them its own way and call the plan's `assemble`.

use std::error::Error;

use crate::hash::Hash;
use crate::node::NodeId;
use crate::plan::{
    ConsistencyProofPlan, InclusionProofPlan, PlanAssemblyError, ProofRequestError, RootPlan,
};
use crate::proof::{ConsistencyProof, InclusionProof};

/// Why a store could not give the hashes asked for.
#[derive(Debug, thiserror::Error)]
pub enum NodeReadError {
    #[error("node {node} is not stored; the tree may be smaller than the size asked for")]
    NodeMissing { node: NodeId },
    #[error("reading tree nodes from storage failed")]
    Storage(#[source] Box<dyn Error + Send + Sync>),
}

/// Read access to the stored hashes of complete perfect subtrees.
pub trait NodeReader {
    /// The hash of each node in `nodes`, in the same order. The list holds no duplicates and at
    /// most a few dozen entries. A node that is not (yet) stored is
    /// [`NodeReadError::NodeMissing`]; the store must never make one up.
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, NodeReadError>;
}

/// Why a root or proof could not be produced from a store.
#[derive(Debug, thiserror::Error)]
pub enum ProofGenerationError {
    #[error(transparent)]
    Request(#[from] ProofRequestError),
    #[error(transparent)]
    Read(#[from] NodeReadError),
    #[error(transparent)]
    Assembly(#[from] PlanAssemblyError),
}

/// The root of the tree's first `tree_size` leaves.
pub fn read_root<R: NodeReader + ?Sized>(
    reader: &R,
    tree_size: u64,
) -> Result<Hash, ProofGenerationError> {
    let plan = RootPlan::new(tree_size)?;
    let hashes = reader.read_nodes(plan.nodes())?;
    Ok(plan.assemble(&hashes)?)
}

/// The inclusion proof of the leaf at `leaf_index` in the tree of `tree_size` leaves.
pub fn read_inclusion_proof<R: NodeReader + ?Sized>(
    reader: &R,
    leaf_index: u64,
    tree_size: u64,
) -> Result<InclusionProof, ProofGenerationError> {
    let plan = InclusionProofPlan::new(leaf_index, tree_size)?;
    let hashes = reader.read_nodes(plan.nodes())?;
    Ok(plan.assemble(&hashes)?)
}

/// The consistency proof from the tree of `old_size` leaves to the tree of `new_size` leaves.
pub fn read_consistency_proof<R: NodeReader + ?Sized>(
    reader: &R,
    old_size: u64,
    new_size: u64,
) -> Result<ConsistencyProof, ProofGenerationError> {
    let plan = ConsistencyProofPlan::new(old_size, new_size)?;
    let hashes = reader.read_nodes(plan.nodes())?;
    Ok(plan.assemble(&hashes)?)
}
