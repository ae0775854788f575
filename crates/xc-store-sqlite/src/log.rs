//! The transparency log on SQLite ([`TransparencyLogStore`]): the tables of migration 0008
//! (entries, perfect-subtree nodes, signed tree heads), all append-only by trigger.
//!
//! An append runs on the one writer connection in a `BEGIN IMMEDIATE` transaction: the write
//! lock is taken before the log's size is read, so appends (from this process or another) are
//! serialised and the nodes they complete always match the entries stored.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use xc_domain::LearnerId;
use xc_domain::UserId;
use xc_domain::credit::OutcomeId;
use xc_merkle::{Hash, NodeId, TreeHead};
use xc_store::{
    AuditEvent, CredentialStatus, IssuedCredentialRecord, LogAppend, LogAuditStore, LogEntryKind,
    LogEntryRecord, NewIssuedCredential, NewLogEntry, NewStatusChange, SignedTreeHead,
    StatusAction, StatusChangeRecord, StoreError, StoreResult, TransparencyLogStore,
    append_frontier, nodes_completed_by, signatures_from_json, signatures_to_json, stored_hash,
    tree_head_may_follow,
};

use crate::SqliteStore;
use crate::rows::{Cells, db_error, json, micros};
use crate::stores::{BULK_VALUES, fetch_decoded, write_audit};

/// Rows per multi-row INSERT of entries (5 values each) and of nodes (3 values each).
const ENTRIES_PER_INSERT: usize = BULK_VALUES / 5;
const NODES_PER_INSERT: usize = BULK_VALUES / 3;
/// Rows per multi-row INSERT of issued credentials (6 values each).
const CREDENTIALS_PER_INSERT: usize = BULK_VALUES / 6;

fn issued_credential(row: &SqliteRow) -> StoreResult<IssuedCredentialRecord> {
    let id: String = row.try_get("id").map_err(db_error)?;
    let cells = Cells::new(row, "issued_credentials", id.clone());
    Ok(IssuedCredentialRecord {
        outcome: OutcomeId::new(cells.get("outcome_id")?),
        learner: LearnerId::new(cells.get("learner_id")?),
        log_index: cells.number("log_index", u64::try_from)?,
        issued_at: cells.timestamp("issued_at")?,
        document: cells.get("document")?,
        id,
    })
}

fn log_entry(row: &SqliteRow) -> StoreResult<LogEntryRecord> {
    let index: i64 = row.try_get("leaf_index").map_err(db_error)?;
    let cells = Cells::new(row, "log_entries", format!("entry {index}"));
    Ok(LogEntryRecord {
        index: cells.number("leaf_index", u64::try_from)?,
        kind: cells.text("kind", |kind| {
            LogEntryKind::parse(kind).ok_or_else(|| format!("{kind:?} is not a kind of entry"))
        })?,
        subject: cells.get("subject")?,
        entry: cells.get("entry")?,
        appended_at: cells.timestamp("appended_at")?,
    })
}

fn number(value: u64, field: &'static str) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        field,
        reason: format!("{value} is too large"),
    })
}

async fn size_on(conn: &mut SqliteConnection) -> StoreResult<u64> {
    let size: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_entries")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    u64::try_from(size).map_err(|_| StoreError::corrupt("log_entries.leaf_index", size.to_string()))
}

async fn nodes_on(conn: &mut SqliteConnection, nodes: &[NodeId]) -> StoreResult<Vec<Hash>> {
    let mut found: HashMap<(i64, i64), Hash> = HashMap::with_capacity(nodes.len());
    for chunk in nodes.chunks(BULK_VALUES / 2) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT level, node_index, hash FROM merkle_nodes WHERE (level, node_index) IN (VALUES ",
        );
        let mut list = query.separated(", ");
        for node in chunk {
            list.push("(")
                .push_bind_unseparated(i64::from(node.level))
                .push_unseparated(", ")
                .push_bind_unseparated(number(node.index, "node_index")?)
                .push_unseparated(")");
        }
        query.push(")");
        let rows: Vec<(i64, i64, Vec<u8>)> = query
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        for (level, index, hash) in rows {
            found.insert((level, index), stored_hash("merkle_nodes.hash", &hash)?);
        }
    }
    nodes
        .iter()
        .map(|node| {
            found
                .get(&(i64::from(node.level), node.index as i64))
                .copied()
                .ok_or(StoreError::NotFound {
                    what: "merkle node",
                })
        })
        .collect()
}

fn tree_head(row: &SqliteRow) -> StoreResult<SignedTreeHead> {
    let size: i64 = row.try_get("tree_size").map_err(db_error)?;
    let cells = Cells::new(row, "log_tree_heads", format!("size {size}"));
    let root: Vec<u8> = cells.get("root_hash")?;
    Ok(SignedTreeHead {
        head: TreeHead {
            size: cells.number("tree_size", u64::try_from)?,
            root_hash: stored_hash("log_tree_heads.root_hash", &root)?,
            timestamp_ms: cells.number("timestamp_ms", u64::try_from)?,
        },
        signatures: signatures_from_json(&cells.text("signatures", json)?)?,
    })
}

macro_rules! tree_head_columns {
    () => {
        "tree_size, root_hash, timestamp_ms, signatures"
    };
}
const LATEST_TREE_HEAD: &str = concat!(
    "SELECT ",
    tree_head_columns!(),
    " FROM log_tree_heads ORDER BY tree_size DESC LIMIT 1"
);

#[async_trait]
impl TransparencyLogStore for SqliteStore {
    async fn append_log_entries(
        &self,
        entries: &[NewLogEntry],
        at: OffsetDateTime,
    ) -> StoreResult<LogAppend> {
        if entries.is_empty() {
            return Err(StoreError::Invalid {
                field: "entries",
                reason: "nothing to append".into(),
            });
        }
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let appended = append_on(&mut tx, entries, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(appended)
    }

    async fn log_size(&self) -> StoreResult<u64> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        size_on(&mut conn).await
    }

    async fn read_log_nodes(&self, nodes: &[NodeId]) -> StoreResult<Vec<Hash>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        nodes_on(&mut conn, nodes).await
    }

    async fn log_entries(&self, from: u64, limit: u32) -> StoreResult<Vec<LogEntryRecord>> {
        fetch_decoded(
            &self.read,
            sqlx::query(
                "SELECT leaf_index, kind, subject, entry, appended_at FROM log_entries \
                 WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?",
            )
            .bind(number(from, "from")?)
            .bind(i64::from(limit)),
            log_entry,
        )
        .await
    }

    async fn record_tree_head(&self, head: &SignedTreeHead) -> StoreResult<()> {
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let latest = sqlx::query(LATEST_TREE_HEAD)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .map(|row| tree_head(&row))
            .transpose()?;
        tree_head_may_follow(latest.as_ref().map(|latest| &latest.head), &head.head)?;
        if latest
            .as_ref()
            .is_some_and(|latest| latest.head == head.head)
        {
            // The same head again (no entries since): nothing new to record.
            return Ok(());
        }
        sqlx::query(concat!(
            "INSERT INTO log_tree_heads (",
            tree_head_columns!(),
            ") VALUES (?, ?, ?, ?)"
        ))
        .bind(number(head.head.size, "tree_size")?)
        .bind(head.head.root_hash.as_bytes().to_vec())
        .bind(number(head.head.timestamp_ms, "timestamp_ms")?)
        .bind(signatures_to_json(&head.signatures).to_string())
        .execute(&mut *tx)
        .await
        .map_err(|error| match db_error(error) {
            // A head of the same size at another time: the size is taken.
            StoreError::Conflict { .. } => StoreError::Conflict { field: "tree_head" },
            other => other,
        })?;
        tx.commit().await.map_err(db_error)
    }

    async fn issue_credentials(
        &self,
        credentials: &[NewIssuedCredential],
        at: OffsetDateTime,
    ) -> StoreResult<LogAppend> {
        let entries = xc_store::issuance_entries(credentials)?;
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let appended = append_on(&mut tx, &entries, at).await?;
        xc_store::check_prepared_positions(credentials, appended.first_index)?;
        let first = number(appended.first_index, "log size")?;
        let numbered: Vec<(i64, &NewIssuedCredential)> = credentials
            .iter()
            .enumerate()
            .map(|(offset, credential)| (first + offset as i64, credential))
            .collect();
        for chunk in numbered.chunks(CREDENTIALS_PER_INSERT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO issued_credentials (id, outcome_id, learner_id, log_index, \
                 issued_at, document) ",
            );
            query.push_values(chunk, |mut values, (index, credential)| {
                values
                    .push_bind(credential.id.clone())
                    .push_bind(credential.outcome.get())
                    .push_bind(credential.learner.get())
                    .push_bind(*index)
                    .push_bind(micros(at))
                    .push_bind(credential.document.clone());
            });
            query
                .build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(appended)
    }

    async fn get_issued_credential(&self, id: &str) -> StoreResult<IssuedCredentialRecord> {
        let row = sqlx::query(
            "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
             FROM issued_credentials WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound { what: "credential" })?;
        issued_credential(&row)
    }

    async fn learner_credentials(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<IssuedCredentialRecord>> {
        fetch_decoded(
            &self.read,
            sqlx::query(
                "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
                 FROM issued_credentials WHERE learner_id = ? ORDER BY issued_at, log_index",
            )
            .bind(learner.get()),
            issued_credential,
        )
        .await
    }

    async fn outcome_credential(
        &self,
        outcome: OutcomeId,
    ) -> StoreResult<Option<IssuedCredentialRecord>> {
        sqlx::query(
            "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
             FROM issued_credentials WHERE outcome_id = ?",
        )
        .bind(outcome.get())
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        .map(|row| issued_credential(&row))
        .transpose()
    }

    async fn change_credential_status(
        &self,
        change: &NewStatusChange,
        audit: &AuditEvent,
    ) -> StoreResult<StatusChangeRecord> {
        self.change_status_on_sqlite(change, audit).await
    }

    async fn credential_status_changes(
        &self,
        credential: Option<&str>,
    ) -> StoreResult<Vec<StatusChangeRecord>> {
        let mut query = QueryBuilder::<Sqlite>::new(STATUS_CHANGES);
        if let Some(credential) = credential {
            query
                .push(" WHERE c.credential_id = ")
                .push_bind(credential.to_owned());
        }
        query.push(" ORDER BY c.id");
        fetch_decoded(&self.read, query.build(), status_change).await
    }

    async fn latest_tree_head(&self) -> StoreResult<Option<SignedTreeHead>> {
        sqlx::query(LATEST_TREE_HEAD)
            .fetch_optional(&self.read)
            .await
            .map_err(db_error)?
            .map(|row| tree_head(&row))
            .transpose()
    }

    async fn tree_head_of_size(&self, size: u64) -> StoreResult<SignedTreeHead> {
        let row = sqlx::query(concat!(
            "SELECT ",
            tree_head_columns!(),
            " FROM log_tree_heads WHERE tree_size = ?"
        ))
        .bind(number(size, "size")?)
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound { what: "tree head" })?;
        tree_head(&row)
    }
}

/// The append itself, inside the caller's `BEGIN IMMEDIATE`.
async fn append_on(
    conn: &mut SqliteConnection,
    entries: &[NewLogEntry],
    at: OffsetDateTime,
) -> StoreResult<LogAppend> {
    let old_size = size_on(conn).await?;
    let frontier = nodes_on(conn, &append_frontier(old_size)?).await?;
    let appended = nodes_completed_by(old_size, &frontier, entries)?;
    let first = number(old_size, "log size")?;
    let numbered: Vec<(i64, &NewLogEntry)> = entries
        .iter()
        .enumerate()
        .map(|(offset, entry)| (first + offset as i64, entry))
        .collect();
    for chunk in numbered.chunks(ENTRIES_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO log_entries (leaf_index, kind, subject, entry, appended_at) ",
        );
        query.push_values(chunk, |mut values, (index, entry)| {
            values
                .push_bind(*index)
                .push_bind(entry.kind.as_str())
                .push_bind(entry.subject.clone())
                .push_bind(entry.entry.clone())
                .push_bind(micros(at));
        });
        query
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    for chunk in appended.nodes.chunks(NODES_PER_INSERT) {
        let mut query =
            QueryBuilder::<Sqlite>::new("INSERT INTO merkle_nodes (level, node_index, hash) ");
        let mut rows = Vec::with_capacity(chunk.len());
        for (node, hash) in chunk {
            rows.push((
                i64::from(node.level),
                number(node.index, "node_index")?,
                hash.as_bytes().to_vec(),
            ));
        }
        query.push_values(rows, |mut values, (level, index, hash)| {
            values.push_bind(level).push_bind(index).push_bind(hash);
        });
        query
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    Ok(LogAppend {
        first_index: old_size,
        new_size: old_size + entries.len() as u64,
        new_root: appended.new_root,
    })
}

fn status_change(row: &SqliteRow) -> StoreResult<StatusChangeRecord> {
    let id: i64 = row.try_get("id").map_err(db_error)?;
    let cells = Cells::new(row, "credential_status_changes", id.to_string());
    Ok(StatusChangeRecord {
        id,
        credential: cells.get("credential_id")?,
        action: cells.text("action", |action| {
            StatusAction::parse(action).ok_or_else(|| format!("{action:?} is not a status action"))
        })?,
        reason: cells.get("reason")?,
        decided_by: cells.get::<Option<i64>>("decided_by")?.map(UserId::new),
        decided_at: cells.timestamp("decided_at")?,
        log_index: cells.number("log_index", u64::try_from)?,
        status_index: cells.number("status_index", u64::try_from)?,
    })
}

const STATUS_CHANGES: &str = "SELECT c.id, c.credential_id, c.action, c.reason, c.decided_by, \
     c.decided_at, c.log_index, i.log_index AS status_index \
     FROM credential_status_changes c JOIN issued_credentials i ON i.id = c.credential_id";

impl SqliteStore {
    pub(crate) async fn change_status_on_sqlite(
        &self,
        change: &NewStatusChange,
        audit: &AuditEvent,
    ) -> StoreResult<StatusChangeRecord> {
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let issued: Option<i64> =
            sqlx::query_scalar("SELECT log_index FROM issued_credentials WHERE id = ?")
                .bind(&change.credential)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        let Some(status_index) = issued else {
            return Err(StoreError::NotFound { what: "credential" });
        };
        let mut query = QueryBuilder::<Sqlite>::new(STATUS_CHANGES);
        query
            .push(" WHERE c.credential_id = ")
            .push_bind(change.credential.clone())
            .push(" ORDER BY c.id");
        let earlier = fetch_decoded(&mut *tx, query.build(), status_change).await?;
        CredentialStatus::of(&earlier)
            .after(change.action)
            .map_err(|reason| StoreError::Invalid {
                field: "action",
                reason: reason.into(),
            })?;
        let appended = append_on(
            &mut tx,
            &[NewLogEntry {
                kind: LogEntryKind::StatusChange,
                subject: change.credential.clone(),
                entry: change.log_entry.clone(),
            }],
            change.decided_at,
        )
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO credential_status_changes (credential_id, action, reason, decided_by, \
             decided_at, log_index) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&change.credential)
        .bind(change.action.as_str())
        .bind(&change.reason)
        .bind(change.decided_by.map(UserId::get))
        .bind(micros(change.decided_at))
        .bind(number(appended.first_index, "log size")?)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(&change.credential)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(StatusChangeRecord {
            id,
            credential: change.credential.clone(),
            action: change.action,
            reason: change.reason.clone(),
            decided_by: change.decided_by,
            decided_at: change.decided_at,
            log_index: appended.first_index,
            status_index: u64::try_from(status_index)
                .map_err(|_| StoreError::corrupt("issued_credentials", status_index.to_string()))?,
        })
    }
}

fn stored_node(row: &SqliteRow) -> StoreResult<(u64, Hash)> {
    let level: i64 = row.try_get("level").map_err(db_error)?;
    let index: i64 = row.try_get("node_index").map_err(db_error)?;
    let cells = Cells::new(row, "merkle_nodes", format!("node ({level}, {index})"));
    let hash: Vec<u8> = cells.get("hash")?;
    Ok((
        cells.number("node_index", u64::try_from)?,
        stored_hash("merkle_nodes.hash", &hash)?,
    ))
}

#[async_trait]
impl LogAuditStore for SqliteStore {
    async fn log_nodes_at_level(
        &self,
        level: u8,
        from_index: u64,
        limit: u32,
    ) -> StoreResult<Vec<(u64, Hash)>> {
        fetch_decoded(
            &self.read,
            sqlx::query(
                "SELECT level, node_index, hash FROM merkle_nodes WHERE level = ? AND node_index >= ? \
                 ORDER BY node_index LIMIT ?",
            )
            .bind(i64::from(level))
            .bind(number(from_index, "from_index")?)
            .bind(i64::from(limit)),
            stored_node,
        )
        .await
    }

    async fn tree_heads(&self, from_size: u64, limit: u32) -> StoreResult<Vec<SignedTreeHead>> {
        fetch_decoded(
            &self.read,
            sqlx::query(concat!(
                "SELECT ",
                tree_head_columns!(),
                " FROM log_tree_heads WHERE tree_size >= ? ORDER BY tree_size LIMIT ?"
            ))
            .bind(number(from_size, "from_size")?)
            .bind(i64::from(limit)),
            tree_head,
        )
        .await
    }

    async fn issued_credentials_in_log_order(
        &self,
        from_log_index: u64,
        limit: u32,
    ) -> StoreResult<Vec<IssuedCredentialRecord>> {
        fetch_decoded(
            &self.read,
            sqlx::query(
                "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
                 FROM issued_credentials WHERE log_index >= ? ORDER BY log_index LIMIT ?",
            )
            .bind(number(from_log_index, "from_log_index")?)
            .bind(i64::from(limit)),
            issued_credential,
        )
        .await
    }
}
