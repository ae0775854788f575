//! Every vector of transparency-dev/merkle's `testdata` (copied to `shared/vectors`): each happy
//! path must verify, and produce the same proof our tree generates; each negative case (modified
//! bits, wrong sizes, garbage, swapped roots …) must be refused.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use xc_merkle::{Hash, verify_consistency_proof_bytes, verify_inclusion_proof_bytes};

use crate::reference_tree::reference_tree;

const VECTOR_SET: &str = "transparency-dev-merkle";

/// The shared vectors directory: `XUECHENG_VECTORS_DIR` if set; else a `shared/vectors` found
/// walking up from this crate (worktrees and the main checkout sit below `/work`); else
/// `/work/shared/vectors`, for clones elsewhere such as CI's. Missing vectors fail the run: a
/// skipped conformance test would look like a passing one.
fn vectors_directory() -> PathBuf {
    let mut tried = Vec::new();
    if let Some(from_environment) = std::env::var_os("XUECHENG_VECTORS_DIR") {
        // Set on purpose, so a wrong value is an error rather than a reason to look elsewhere.
        let candidate = PathBuf::from(from_environment);
        assert!(
            candidate.join(VECTOR_SET).is_dir(),
            "XUECHENG_VECTORS_DIR is {}, which has no {VECTOR_SET} directory",
            candidate.display()
        );
        return candidate;
    }
    for ancestor in Path::new(env!("CARGO_MANIFEST_DIR")).ancestors() {
        let candidate = ancestor.join("shared").join("vectors");
        if candidate.join(VECTOR_SET).is_dir() {
            return candidate;
        }
        tried.push(candidate);
    }
    let last_resort = PathBuf::from("/work/shared/vectors");
    if last_resort.join(VECTOR_SET).is_dir() {
        return last_resort;
    }
    tried.push(last_resort);
    panic!(
        "the {VECTOR_SET} test vectors were not found; set XUECHENG_VECTORS_DIR to the shared \
         vectors directory. Tried: {tried:?}"
    );
}

fn json_files_under(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// One vector file: what it says, and whether it must verify.
struct Vector {
    name: String,
    fields: Value,
    want_error: bool,
}

fn load_vectors(kind: &str) -> Vec<Vector> {
    let directory = vectors_directory().join(VECTOR_SET).join(kind);
    json_files_under(&directory)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let fields: Value = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            Vector {
                name: path.strip_prefix(&directory).unwrap().display().to_string(),
                want_error: fields["wantErr"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("{}: no wantErr", path.display())),
                fields,
            }
        })
        .collect()
}

impl Vector {
    fn number(&self, field: &str) -> u64 {
        self.fields[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: {field} is not a number", self.name))
    }

    fn bytes(&self, field: &str) -> Vec<u8> {
        decode(&self.name, &self.fields[field])
    }

    /// The proof's hashes as raw bytes; `null` is the empty proof.
    fn proof(&self) -> Vec<Vec<u8>> {
        match &self.fields["proof"] {
            Value::Null => Vec::new(),
            Value::Array(items) => items.iter().map(|item| decode(&self.name, item)).collect(),
            other => panic!("{}: proof is {other}", self.name),
        }
    }
}

fn decode(name: &str, value: &Value) -> Vec<u8> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {value} is not base64 text"));
    BASE64
        .decode(text)
        .unwrap_or_else(|error| panic!("{name}: {text:?}: {error}"))
}

fn as_hashes(name: &str, proof: &[Vec<u8>]) -> Vec<Hash> {
    proof
        .iter()
        .map(|bytes| Hash::from_slice(bytes).unwrap_or_else(|error| panic!("{name}: {error}")))
        .collect()
}

/// Runs every vector of one kind and reports all that went the wrong way at once.
fn check_all(kind: &str, run: impl Fn(&Vector) -> Result<(), String>) -> (usize, usize) {
    let vectors = load_vectors(kind);
    let mut wrong = Vec::new();
    let mut happy = 0;
    for vector in &vectors {
        let outcome = run(vector);
        happy += usize::from(!vector.want_error);
        match (vector.want_error, outcome) {
            (false, Err(reason)) => {
                wrong.push(format!("{}: refused a valid proof: {reason}", vector.name))
            }
            (true, Ok(())) => wrong.push(format!("{}: accepted an invalid proof", vector.name)),
            _ => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} {kind} vectors went wrong:\n{}",
        wrong.len(),
        vectors.len(),
        wrong.join("\n")
    );
    (vectors.len(), happy)
}

#[test]
fn every_inclusion_vector_is_decided_as_published() {
    let tree = reference_tree();
    let (total, happy) = check_all("inclusion", |vector| {
        let leaf_index = vector.number("leafIdx");
        let tree_size = vector.number("treeSize");
        let (leaf_hash, root, proof) = (
            vector.bytes("leafHash"),
            vector.bytes("root"),
            vector.proof(),
        );
        let outcome =
            verify_inclusion_proof_bytes(leaf_index, tree_size, &leaf_hash, &proof, &root)
                .map_err(|error| error.to_string());
        if outcome.is_ok() && tree_size <= tree.size() {
            // A valid published proof over the reference tree is exactly the proof we generate.
            let generated = tree.inclusion_proof(leaf_index, tree_size).unwrap();
            assert_eq!(
                generated.path,
                as_hashes(&vector.name, &proof),
                "{}",
                vector.name
            );
        }
        outcome
    });
    assert_eq!((total, happy), (98, 6), "the inclusion vector set changed");
}

#[test]
fn every_consistency_vector_is_decided_as_published() {
    let tree = reference_tree();
    let (total, happy) = check_all("consistency", |vector| {
        let old_size = vector.number("size1");
        let new_size = vector.number("size2");
        let (old_root, new_root, proof) =
            (vector.bytes("root1"), vector.bytes("root2"), vector.proof());
        let outcome =
            verify_consistency_proof_bytes(old_size, new_size, &old_root, &new_root, &proof)
                .map_err(|error| error.to_string());
        if outcome.is_ok() && old_root.len() == 32 && new_size <= tree.size() {
            let generated = tree.consistency_proof(old_size, new_size).unwrap();
            assert_eq!(
                generated.path,
                as_hashes(&vector.name, &proof),
                "{}",
                vector.name
            );
        }
        outcome
    });
    assert_eq!(
        (total, happy),
        (98, 6),
        "the consistency vector set changed"
    );
}
