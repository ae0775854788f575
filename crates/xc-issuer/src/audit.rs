//! The audit of the transparency log: recompute the whole log from its stored entries and show
//! that nothing stored was changed or removed behind its back. One pass over the entries, page
//! by page (memory stays flat: the recomputed tree is kept as its right edge, at most 63
//! pending subtrees, and the stored nodes are read level by level in pages beside it):
//!
//! - every entry is re-hashed into an RFC 9162 tree from scratch and every stored node
//!   (`merkle_nodes`) compared with the recomputed one; a missing entry or node, or a node
//!   stored beyond the log's size, is a finding;
//! - every stored tree head (`log_tree_heads`) is checked: its signatures verify with the
//!   issuer's keys, its root is the root recomputed at its size, its time does not go back, and
//!   it extends the previous head (consistency proof read from the store, checked with
//!   `xc_merkle::check_tree_head_extends`); a head larger than the log means entries were removed;
//! - every issued credential (`issued_credentials`) is re-hashed into its issuance entry
//!   ([`crate::issuance_entry`]) and matched with the entry at its position; an issuance entry
//!   without its credential is a finding.
//!
//! **Which row is named.** A change shows up in several comparisons (an edited entry also makes
//! its leaf's ancestors and the roots differ from the recomputation). Each finding names the
//! row that explains the differences: a stored node that disagrees with the recomputation *and*
//! with its own stored children was itself changed; a leaf that disagrees with its entry was
//! changed when its stored parent still agrees with the recomputation, and otherwise the entry
//! was (the stored nodes, and the signed heads, still describe the original entry); a credential
//! is named only when it matches neither its entry nor the stored leaf; a tree head's root only
//! when it matches neither the recomputation nor the stored nodes (and its signatures are
//! checked on their own).

use serde_json::Value;
use xc_credentials::KeyResolver;
use xc_merkle::{Hash, NodeId, TreeHead, check_tree_head_extends, hash_children, hash_leaf};
use xc_store::{
    IssuedCredentialRecord, LogEntryKind, SignedTreeHead, Store, StoreResult, log_consistency_proof,
};

use crate::{issuance_entry, verify_tree_head_signatures};

/// Rows read per page.
pub const AUDIT_PAGE: u32 = 10_000;
/// Findings kept in full; the rest are only counted.
pub const MAX_FINDINGS: usize = 10_000;

/// One thing found wrong: the table, the row, and what differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFinding {
    pub table: &'static str,
    /// The row's key as the table spells it, e.g. `leaf_index 5`, `(level 1, node_index 2)`,
    /// `tree_size 8`, `id urn:uuid:…`.
    pub row: String,
    pub problem: String,
}

/// What the audit read and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    pub nodes: u64,
    pub tree_heads: u64,
    pub credentials: u64,
    /// The first [`MAX_FINDINGS`] findings.
    pub findings: Vec<AuditFinding>,
    /// How many findings there were in all.
    pub findings_total: u64,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.findings_total == 0
    }

    fn find(&mut self, table: &'static str, row: String, problem: String) {
        self.findings_total += 1;
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(AuditFinding {
                table,
                row,
                problem,
            });
        }
    }
}

fn node_row(node: NodeId) -> String {
    format!("(level {}, node_index {})", node.level, node.index)
}

/// The stored nodes of one level, read in pages as the walk asks for them in index order.
#[derive(Default)]
struct LevelCursor {
    buffer: std::collections::VecDeque<(u64, Hash)>,
    next_from: u64,
    exhausted: bool,
}

/// The issued credentials in log order, read in pages as the walk reaches them.
#[derive(Default)]
struct CredentialCursor {
    rows: std::collections::VecDeque<IssuedCredentialRecord>,
    next_from: u64,
    done: bool,
}

impl CredentialCursor {
    async fn read_page(&mut self, store: &dyn Store, page: u32) -> StoreResult<()> {
        let rows = store
            .issued_credentials_in_log_order(self.next_from, page)
            .await?;
        self.done = rows.len() < page as usize;
        if let Some(last) = rows.last() {
            self.next_from = last.log_index + 1;
        }
        self.rows.extend(rows);
        Ok(())
    }
}

/// A subtree on the recomputed tree's right edge: recomputed and stored hash.
#[derive(Clone, Copy)]
struct Pending {
    node: NodeId,
    recomputed: Hash,
    stored: Option<Hash>,
}

impl Pending {
    fn differs(&self) -> bool {
        self.stored != Some(self.recomputed)
    }
}

struct Walk<'a> {
    store: &'a dyn Store,
    page: u32,
    levels: Vec<LevelCursor>,
    edge: Vec<Pending>,
    report: AuditReport,
}

impl Walk<'_> {
    async fn stored_node(&mut self, node: NodeId) -> StoreResult<Option<Hash>> {
        let level = usize::from(node.level);
        while self.levels.len() <= level {
            self.levels.push(LevelCursor::default());
        }
        loop {
            let cursor = &mut self.levels[level];
            while cursor
                .buffer
                .front()
                .is_some_and(|(index, _)| *index < node.index)
            {
                cursor.buffer.pop_front();
            }
            if let Some((index, hash)) = cursor.buffer.front().copied() {
                if index == node.index {
                    cursor.buffer.pop_front();
                    self.report.nodes += 1;
                    return Ok(Some(hash));
                }
                return Ok(None);
            }
            if cursor.exhausted {
                return Ok(None);
            }
            let from = cursor.next_from.max(node.index);
            let rows = self
                .store
                .log_nodes_at_level(node.level, from, self.page)
                .await?;
            let cursor = &mut self.levels[level];
            cursor.exhausted = rows.len() < self.page as usize;
            cursor.next_from = rows.last().map_or(from, |(index, _)| index + 1);
            cursor.buffer.extend(rows);
        }
    }

    /// Adds leaf `index` (its recomputed hash; `None` when the entry row is missing) and
    /// completes the parents it makes, judging each node as it completes.
    async fn append_leaf(&mut self, index: u64, recomputed: Option<Hash>) -> StoreResult<Pending> {
        let node = NodeId::new(0, index);
        let stored = self.stored_node(node).await?;
        if stored.is_none() {
            self.report.find(
                "merkle_nodes",
                node_row(node),
                format!("missing: the leaf of log entry {index} is not stored"),
            );
        }
        let recomputed = match (recomputed, stored) {
            (Some(hash), _) => hash,
            // The entry row is gone: carry on with the stored leaf so the rest of the tree
            // is still compared.
            (None, Some(stored)) => stored,
            (None, None) => Hash([0; 32]),
        };
        let leaf = Pending {
            node,
            recomputed,
            stored,
        };
        self.edge.push(leaf);
        while self.edge.len() >= 2 {
            let right = self.edge[self.edge.len() - 1];
            let left = self.edge[self.edge.len() - 2];
            if left.node.level != right.node.level {
                break;
            }
            self.edge.truncate(self.edge.len() - 2);
            let parent_node = NodeId::new(left.node.level + 1, left.node.index / 2);
            let parent_stored = self.stored_node(parent_node).await?;
            let recomputed = hash_children(&left.recomputed, &right.recomputed);
            let parent = Pending {
                node: parent_node,
                recomputed,
                stored: parent_stored,
            };
            match parent_stored {
                None => self.report.find(
                    "merkle_nodes",
                    node_row(parent_node),
                    "missing: a complete subtree's node is not stored".into(),
                ),
                Some(stored) if stored != recomputed => {
                    let from_children = match (left.stored, right.stored) {
                        (Some(l), Some(r)) => Some(hash_children(&l, &r)),
                        _ => None,
                    };
                    if from_children.is_some_and(|hash| hash != stored) {
                        self.report.find(
                            "merkle_nodes",
                            node_row(parent_node),
                            format!(
                                "changed: holds {}, but its children hash to {} and the log's \
                                 entries give {}",
                                stored.to_hex(),
                                from_children.map(|h| h.to_hex()).unwrap_or_default(),
                                recomputed.to_hex()
                            ),
                        );
                    }
                }
                Some(_) => {}
            }
            for child in [left, right] {
                if child.node.level == 0 && child.stored.is_some() && child.differs() {
                    self.judge_leaf(child, parent.differs());
                }
            }
            self.edge.push(parent);
        }
        Ok(leaf)
    }

    /// A leaf that disagrees with its entry: the entry changed when the tree above still holds
    /// the original (`above_differs`), else the leaf row did.
    fn judge_leaf(&mut self, leaf: Pending, above_differs: bool) {
        let index = leaf.node.index;
        let stored = leaf.stored.map(|h| h.to_hex()).unwrap_or_default();
        if above_differs {
            self.report.find(
                "log_entries",
                format!("leaf_index {index}"),
                format!(
                    "changed: the entry hashes to leaf {}, but the stored tree (node (0, {index}) \
                     and the nodes above it) holds {stored}",
                    leaf.recomputed.to_hex()
                ),
            );
        } else {
            self.report.find(
                "merkle_nodes",
                node_row(leaf.node),
                format!(
                    "changed: holds {stored}, but log entry {index} hashes to {} (as the node \
                     above it says)",
                    leaf.recomputed.to_hex()
                ),
            );
        }
    }

    fn root(&self, of: impl Fn(&Pending) -> Option<Hash>) -> Option<Hash> {
        let mut parts = self.edge.iter().rev();
        let mut root = of(parts.next()?)?;
        for part in parts {
            root = hash_children(&of(part)?, &root);
        }
        Some(root)
    }
}

/// Audits the log in `store` against the issuer's keys (see the module doc). A store error
/// while reading stops the audit; everything found up to then is lost with it, so the caller
/// reports the error itself as a failure.
pub async fn audit_log(
    store: &dyn Store,
    keys: &dyn KeyResolver,
    page: u32,
) -> StoreResult<AuditReport> {
    let page = page.max(1);
    let mut heads = Vec::new();
    loop {
        let from = heads
            .last()
            .map_or(0, |head: &SignedTreeHead| head.head.size + 1);
        let rows = store.tree_heads(from, page).await?;
        let done = rows.len() < page as usize;
        heads.extend(rows);
        if done {
            break;
        }
    }
    let mut walk = Walk {
        store,
        page,
        levels: Vec::new(),
        edge: Vec::new(),
        report: AuditReport {
            tree_heads: heads.len() as u64,
            ..AuditReport::default()
        },
    };
    // Per head: `None` until the walk reaches its size, then whether its root held.
    let mut root_checked: Vec<Option<bool>> = vec![None; heads.len()];
    let mut next_head = 0;
    let mut credentials = CredentialCursor::default();
    let mut size = 0u64;
    let mut entries_from = 0u64;

    check_heads_at(&mut walk, &heads, &mut root_checked, 0, &mut next_head);

    loop {
        let entries = store.log_entries(entries_from, page).await?;
        let Some(last) = entries.last() else { break };
        entries_from = last.index + 1;
        for entry in &entries {
            while size < entry.index {
                walk.report.find(
                    "log_entries",
                    format!("leaf_index {size}"),
                    "missing: the log has entries after it but not this one".into(),
                );
                walk.append_leaf(size, None).await?;
                size += 1;
                check_heads_at(&mut walk, &heads, &mut root_checked, size, &mut next_head);
            }
            walk.report.entries += 1;
            let recomputed = hash_leaf(&entry.entry);
            let leaf = walk.append_leaf(entry.index, Some(recomputed)).await?;
            check_entry_columns(&mut walk.report, entry);

            // The credential issued with this entry, if any.
            while !credentials.done
                && credentials
                    .rows
                    .back()
                    .is_none_or(|credential| credential.log_index <= entry.index)
            {
                credentials.read_page(store, page).await?;
            }
            let credentials = &mut credentials.rows;
            while let Some(credential) = credentials.front() {
                if credential.log_index < entry.index {
                    let credential = credentials.pop_front().expect("front exists");
                    walk.report.credentials += 1;
                    walk.report.find(
                        "issued_credentials",
                        format!("id {}", credential.id),
                        format!(
                            "its log entry {} is missing from log_entries",
                            credential.log_index
                        ),
                    );
                    continue;
                }
                break;
            }
            let credential = credentials
                .front()
                .filter(|credential| credential.log_index == entry.index)
                .is_some()
                .then(|| credentials.pop_front().expect("front exists"));
            match credential {
                Some(credential) => {
                    walk.report.credentials += 1;
                    check_credential(&mut walk.report, &credential, entry, &leaf);
                }
                None if entry.kind == LogEntryKind::Issuance => walk.report.find(
                    "log_entries",
                    format!("leaf_index {}", entry.index),
                    format!(
                        "records the issuance of {}, but issued_credentials holds no credential \
                         at this position (removed?)",
                        entry.subject
                    ),
                ),
                None => {}
            }
            size = entry.index + 1;
            check_heads_at(&mut walk, &heads, &mut root_checked, size, &mut next_head);
        }
        if entries.len() < page as usize {
            break;
        }
    }

    // Credentials pointing past the end of the log.
    loop {
        for credential in credentials.rows.drain(..) {
            walk.report.credentials += 1;
            walk.report.find(
                "issued_credentials",
                format!("id {}", credential.id),
                format!(
                    "its log entry {} is beyond the log's {size} entries",
                    credential.log_index
                ),
            );
        }
        if credentials.done {
            break;
        }
        credentials.read_page(store, page).await?;
    }

    // Leaves still on the right edge have no parent to tell entry from leaf: the head signed
    // over exactly this log (if any) does.
    let latest_head = heads
        .iter()
        .rev()
        .find(|head| head.head.size == size)
        .map(|head| head.head.root_hash);
    let stored_root = walk.root(|p| p.stored);
    for pending in walk.edge.clone() {
        if pending.node.level == 0 && pending.stored.is_some() && pending.differs() {
            let entry_changed = match latest_head {
                Some(signed) => stored_root == Some(signed),
                None => true,
            };
            walk.judge_leaf(pending, entry_changed);
        }
    }

    // Nodes stored beyond the log's size.
    for level in 0..=62u8 {
        let complete = size >> level;
        for (index, _) in store.log_nodes_at_level(level, complete, 10).await? {
            walk.report.find(
                "merkle_nodes",
                node_row(NodeId::new(level, index)),
                format!("stored beyond the log's {size} entries: no such subtree exists"),
            );
        }
    }

    // The heads themselves: signatures, removed entries, and each good head extending the
    // previous good one (a changed head is reported once, on its own row).
    let mut previous: Option<&SignedTreeHead> = None;
    for (position, head) in heads.iter().enumerate() {
        let row = format!("tree_size {}", head.head.size);
        let signed = match verify_tree_head_signatures(head, keys) {
            Ok(_) => true,
            Err(reason) => {
                walk.report.find(
                    "log_tree_heads",
                    row.clone(),
                    format!("signature: {reason}"),
                );
                false
            }
        };
        if root_checked[position].is_none() {
            walk.report.find(
                "log_tree_heads",
                row.clone(),
                format!(
                    "signed for {} entries, but the log holds only {size}: entries were removed",
                    head.head.size
                ),
            );
        }
        if !signed || root_checked[position] != Some(true) {
            continue;
        }
        if let Some(previous) = previous
            && let Err(reason) = extends(store, &previous.head, &head.head).await?
        {
            walk.report.find(
                "log_tree_heads",
                row.clone(),
                format!(
                    "does not extend the head of size {}: {reason}",
                    previous.head.size
                ),
            );
        }
        previous = Some(head);
    }
    Ok(walk.report)
}

/// Checks the heads recorded for exactly `size` entries against the walk's right edge: the
/// recomputed root, or at least the stored nodes' root (a difference between the entries and
/// the stored nodes is reported on the row that explains it, not on the head).
fn check_heads_at(
    walk: &mut Walk<'_>,
    heads: &[SignedTreeHead],
    root_checked: &mut [Option<bool>],
    size: u64,
    next_head: &mut usize,
) {
    while *next_head < heads.len() && heads[*next_head].head.size <= size {
        let head = &heads[*next_head];
        if head.head.size == size {
            let recomputed = walk
                .root(|p| Some(p.recomputed))
                .unwrap_or_else(xc_merkle::empty_tree_root);
            let stored = if size == 0 {
                Some(xc_merkle::empty_tree_root())
            } else {
                walk.root(|p| p.stored)
            };
            let holds = recomputed == head.head.root_hash || stored == Some(head.head.root_hash);
            root_checked[*next_head] = Some(holds);
            if !holds {
                walk.report.find(
                    "log_tree_heads",
                    format!("tree_size {size}"),
                    format!(
                        "root {} is neither the root the log's entries give ({}) nor the stored \
                         nodes' ({})",
                        head.head.root_hash.to_hex(),
                        recomputed.to_hex(),
                        stored
                            .map(|h| h.to_hex())
                            .unwrap_or_else(|| "missing".into())
                    ),
                );
            }
        }
        *next_head += 1;
    }
}

/// Whether `next` extends `previous`, with the consistency proof read from the store.
async fn extends(
    store: &dyn Store,
    previous: &TreeHead,
    next: &TreeHead,
) -> StoreResult<Result<(), String>> {
    let path = if previous.size == 0 || previous.size == next.size {
        Vec::new()
    } else {
        match log_consistency_proof(store, previous.size, next.size).await {
            Ok(proof) => proof.path,
            Err(error) => return Ok(Err(format!("no consistency proof: {error}"))),
        }
    };
    Ok(check_tree_head_extends(previous, next, &path).map_err(|error| error.to_string()))
}

/// The entry's `kind` and `subject` columns are not hashed; they must say what the entry says.
fn check_entry_columns(report: &mut AuditReport, entry: &xc_store::LogEntryRecord) {
    let Ok(parsed) = serde_json::from_slice::<Value>(&entry.entry) else {
        return;
    };
    if parsed.get("type").and_then(Value::as_str) != Some("issuance") {
        return;
    }
    let row = format!("leaf_index {}", entry.index);
    if entry.kind != LogEntryKind::Issuance {
        report.find(
            "log_entries",
            row.clone(),
            format!(
                "kind is {:?}, but the entry records an issuance",
                entry.kind.as_str()
            ),
        );
    }
    let credential = parsed.get("credential").and_then(Value::as_str);
    if credential != Some(entry.subject.as_str()) {
        report.find(
            "log_entries",
            row,
            format!(
                "subject is {:?}, but the entry records the issuance of {:?}",
                entry.subject,
                credential.unwrap_or_default()
            ),
        );
    }
}

fn check_credential(
    report: &mut AuditReport,
    credential: &IssuedCredentialRecord,
    entry: &xc_store::LogEntryRecord,
    leaf: &Pending,
) {
    let row = format!("id {}", credential.id);
    let document: Value = match serde_json::from_str(&credential.document) {
        Ok(document) => document,
        Err(error) => {
            report.find(
                "issued_credentials",
                row,
                format!("document is not JSON: {error}"),
            );
            return;
        }
    };
    if document.get("id").and_then(Value::as_str) != Some(credential.id.as_str()) {
        report.find(
            "issued_credentials",
            row,
            format!(
                "id column {:?} is not the document's id {:?}",
                credential.id,
                document
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
        );
        return;
    }
    let expected = hash_leaf(&issuance_entry(&document, credential.issued_at));
    // Matching the stored leaf is enough when the entry row itself was changed (that is
    // reported on the entry).
    if expected != leaf.recomputed && Some(expected) != leaf.stored {
        report.find(
            "issued_credentials",
            row,
            format!(
                "changed: its document and issued_at give an issuance entry that is not log \
                 entry {} ({})",
                entry.index,
                String::from_utf8_lossy(&entry.entry)
            ),
        );
    }
}
