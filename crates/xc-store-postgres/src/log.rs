//! The transparency log on PostgreSQL ([`TransparencyLogStore`]): the tables of migration 0008
//! (entries, perfect-subtree nodes, signed tree heads), all append-only by trigger.
//!
//! An append and a tree-head recording each take `LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE`
//! (which conflicts with itself) before reading the log's state, so they are serialised across
//! every connection and instance, and the nodes an append completes always match the entries
//! stored. Entries and nodes are written with one `UNNEST` insert each.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgExecutor, Row};
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

use crate::PgStore;
use crate::audit::insert_audit;
use crate::codec::Stored;
use crate::error::store_error;

macro_rules! status_changes {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.credential_id, c.action, c.reason, c.decided_by, c.decided_at, \
             c.log_index, i.log_index AS status_index \
             FROM credential_status_changes c JOIN issued_credentials i ON i.id = c.credential_id",
            $rest
        )
    };
}

fn count(value: i64, what: &'static str) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(what, value.to_string()))
}

fn number(value: u64, field: &'static str) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        field,
        reason: format!("{value} is too large"),
    })
}

async fn size_on<'e>(executor: impl PgExecutor<'e>) -> StoreResult<u64> {
    let size: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_entries")
        .fetch_one(executor)
        .await
        .map_err(store_error)?;
    count(size, "log_entries.leaf_index")
}

async fn nodes_on<'e>(executor: impl PgExecutor<'e>, nodes: &[NodeId]) -> StoreResult<Vec<Hash>> {
    let levels: Vec<i16> = nodes.iter().map(|node| i16::from(node.level)).collect();
    let indexes: Vec<i64> = nodes
        .iter()
        .map(|node| number(node.index, "node_index"))
        .collect::<StoreResult<_>>()?;
    let rows: Vec<(i16, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT n.level, n.node_index, n.hash \
         FROM UNNEST($1::smallint[], $2::bigint[]) AS wanted (level, node_index) \
         JOIN merkle_nodes n USING (level, node_index)",
    )
    .bind(&levels)
    .bind(&indexes)
    .fetch_all(executor)
    .await
    .map_err(store_error)?;
    let mut found: HashMap<(i16, i64), Hash> = HashMap::with_capacity(rows.len());
    for (level, index, hash) in rows {
        found.insert((level, index), stored_hash("merkle_nodes.hash", &hash)?);
    }
    levels
        .iter()
        .zip(&indexes)
        .map(|(level, index)| {
            found
                .get(&(*level, *index))
                .copied()
                .ok_or(StoreError::NotFound {
                    what: "merkle node",
                })
        })
        .collect()
}

fn unsigned(value: i64) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("{value} is negative"))
}

fn tree_head(row: &PgRow) -> StoreResult<SignedTreeHead> {
    let size: i64 = row.try_get("tree_size").map_err(store_error)?;
    let stored = Stored::keyed(row, "log_tree_heads", format!("size {size}"));
    let root: Vec<u8> = stored.get("root_hash")?;
    Ok(SignedTreeHead {
        head: TreeHead {
            size: stored.number("tree_size", unsigned)?,
            root_hash: stored_hash("log_tree_heads.root_hash", &root)?,
            timestamp_ms: stored.number("timestamp_ms", unsigned)?,
        },
        signatures: signatures_from_json(&stored.get("signatures")?)?,
    })
}

fn issued_credential(row: &PgRow) -> StoreResult<IssuedCredentialRecord> {
    let id: String = row.try_get("id").map_err(store_error)?;
    let stored = Stored::keyed(row, "issued_credentials", id.clone());
    Ok(IssuedCredentialRecord {
        outcome: OutcomeId::new(stored.get("outcome_id")?),
        learner: LearnerId::new(stored.get("learner_id")?),
        log_index: stored.number("log_index", unsigned)?,
        issued_at: stored.get("issued_at")?,
        document: stored.get("document")?,
        id,
    })
}

fn log_entry(row: &PgRow) -> StoreResult<LogEntryRecord> {
    let index: i64 = row.try_get("leaf_index").map_err(store_error)?;
    let stored = Stored::keyed(row, "log_entries", format!("entry {index}"));
    Ok(LogEntryRecord {
        index: stored.number("leaf_index", unsigned)?,
        kind: stored.parse("kind", |kind| {
            LogEntryKind::parse(kind).ok_or_else(|| format!("{kind:?} is not a kind of entry"))
        })?,
        subject: stored.get("subject")?,
        entry: stored.get("entry")?,
        appended_at: stored.get("appended_at")?,
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

async fn lock(conn: &mut PgConnection, table: &'static str) -> StoreResult<()> {
    let statement = match table {
        "log_entries" => "LOCK TABLE log_entries IN SHARE ROW EXCLUSIVE MODE",
        _ => "LOCK TABLE log_tree_heads IN SHARE ROW EXCLUSIVE MODE",
    };
    sqlx::query(statement)
        .execute(conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl TransparencyLogStore for PgStore {
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
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let appended = append_on(&mut tx, entries, at).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(appended)
    }

    async fn log_size(&self) -> StoreResult<u64> {
        size_on(&self.pool).await
    }

    async fn read_log_nodes(&self, nodes: &[NodeId]) -> StoreResult<Vec<Hash>> {
        nodes_on(&self.pool, nodes).await
    }

    async fn log_entries(&self, from: u64, limit: u32) -> StoreResult<Vec<LogEntryRecord>> {
        let rows = sqlx::query(
            "SELECT leaf_index, kind, subject, entry, appended_at FROM log_entries \
             WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2",
        )
        .bind(number(from, "from")?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(log_entry).collect()
    }

    async fn record_tree_head(&self, head: &SignedTreeHead) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        lock(&mut tx, "log_tree_heads").await?;
        let latest = sqlx::query(LATEST_TREE_HEAD)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?
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
            ") VALUES ($1, $2, $3, $4)"
        ))
        .bind(number(head.head.size, "tree_size")?)
        .bind(head.head.root_hash.as_bytes().as_slice())
        .bind(number(head.head.timestamp_ms, "timestamp_ms")?)
        .bind(signatures_to_json(&head.signatures))
        .execute(&mut *tx)
        .await
        .map_err(|error| match store_error(error) {
            // A head of the same size at another time: the size is taken.
            StoreError::Conflict { .. } => StoreError::Conflict { field: "tree_head" },
            other => other,
        })?;
        tx.commit().await.map_err(store_error)
    }

    async fn issue_credentials(
        &self,
        credentials: &[NewIssuedCredential],
        at: OffsetDateTime,
    ) -> StoreResult<LogAppend> {
        let entries = xc_store::issuance_entries(credentials)?;
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let appended = append_on(&mut tx, &entries, at).await?;
        xc_store::check_prepared_positions(credentials, appended.first_index)?;
        let first = number(appended.first_index, "log size")?;
        let ids: Vec<&str> = credentials.iter().map(|c| c.id.as_str()).collect();
        let outcomes: Vec<i64> = credentials.iter().map(|c| c.outcome.get()).collect();
        let learners: Vec<i64> = credentials.iter().map(|c| c.learner.get()).collect();
        let indexes: Vec<i64> = (0..credentials.len() as i64).map(|n| first + n).collect();
        let documents: Vec<&str> = credentials.iter().map(|c| c.document.as_str()).collect();
        sqlx::query(
            "INSERT INTO issued_credentials (id, outcome_id, learner_id, log_index, issued_at, \
             document) \
             SELECT id, outcome_id, learner_id, log_index, $5, document \
             FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $6::text[]) \
                  AS new_rows (id, outcome_id, learner_id, log_index, document)",
        )
        .bind(&ids)
        .bind(&outcomes)
        .bind(&learners)
        .bind(&indexes)
        .bind(at)
        .bind(&documents)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(appended)
    }

    async fn get_issued_credential(&self, id: &str) -> StoreResult<IssuedCredentialRecord> {
        let row = sqlx::query(
            "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
             FROM issued_credentials WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or(StoreError::NotFound { what: "credential" })?;
        issued_credential(&row)
    }

    async fn learner_credentials(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<IssuedCredentialRecord>> {
        sqlx::query(
            "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
             FROM issued_credentials WHERE learner_id = $1 ORDER BY issued_at, log_index",
        )
        .bind(learner.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(issued_credential)
        .collect()
    }

    async fn outcome_credential(
        &self,
        outcome: OutcomeId,
    ) -> StoreResult<Option<IssuedCredentialRecord>> {
        sqlx::query(
            "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
             FROM issued_credentials WHERE outcome_id = $1",
        )
        .bind(outcome.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .map(|row| issued_credential(&row))
        .transpose()
    }

    async fn change_credential_status(
        &self,
        change: &NewStatusChange,
        audit: &AuditEvent,
    ) -> StoreResult<StatusChangeRecord> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // Locked first (as every append does), so two changes of one credential are decided
        // one after the other against the status each leaves.
        lock(&mut tx, "log_entries").await?;
        let issued: Option<i64> =
            sqlx::query_scalar("SELECT log_index FROM issued_credentials WHERE id = $1")
                .bind(&change.credential)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        let Some(status_index) = issued else {
            return Err(StoreError::NotFound { what: "credential" });
        };
        let rows = sqlx::query(status_changes!(" WHERE c.credential_id = $1 ORDER BY c.id"))
            .bind(&change.credential)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        let earlier = rows
            .iter()
            .map(status_change)
            .collect::<StoreResult<Vec<_>>>()?;
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
             decided_at, log_index) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&change.credential)
        .bind(change.action.as_str())
        .bind(&change.reason)
        .bind(change.decided_by.map(UserId::get))
        .bind(change.decided_at)
        .bind(number(appended.first_index, "log size")?)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        insert_audit(&mut tx, &audit.about(&change.credential)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(StatusChangeRecord {
            id,
            credential: change.credential.clone(),
            action: change.action,
            reason: change.reason.clone(),
            decided_by: change.decided_by,
            decided_at: change.decided_at,
            log_index: appended.first_index,
            status_index: count(status_index, "issued_credentials.log_index")?,
        })
    }

    async fn credential_status_changes(
        &self,
        credential: Option<&str>,
    ) -> StoreResult<Vec<StatusChangeRecord>> {
        let rows = match credential {
            Some(credential) => {
                sqlx::query(status_changes!(" WHERE c.credential_id = $1 ORDER BY c.id"))
                    .bind(credential.to_owned())
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query(status_changes!(" ORDER BY c.id"))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(store_error)?;
        rows.iter().map(status_change).collect()
    }

    async fn latest_tree_head(&self) -> StoreResult<Option<SignedTreeHead>> {
        sqlx::query(LATEST_TREE_HEAD)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .map(|row| tree_head(&row))
            .transpose()
    }

    async fn tree_head_of_size(&self, size: u64) -> StoreResult<SignedTreeHead> {
        let row = sqlx::query(concat!(
            "SELECT ",
            tree_head_columns!(),
            " FROM log_tree_heads WHERE tree_size = $1"
        ))
        .bind(number(size, "size")?)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or(StoreError::NotFound { what: "tree head" })?;
        tree_head(&row)
    }
}

/// The append itself, inside the caller's transaction: locks the log, reads its size and
/// frontier, inserts the entries and the nodes they complete.
async fn append_on(
    conn: &mut PgConnection,
    entries: &[NewLogEntry],
    at: OffsetDateTime,
) -> StoreResult<LogAppend> {
    lock(&mut *conn, "log_entries").await?;
    let old_size = size_on(&mut *conn).await?;
    let frontier = nodes_on(&mut *conn, &append_frontier(old_size)?).await?;
    let appended = nodes_completed_by(old_size, &frontier, entries)?;
    let first = number(old_size, "log size")?;
    let indexes: Vec<i64> = (0..entries.len() as i64).map(|n| first + n).collect();
    let kinds: Vec<&str> = entries.iter().map(|entry| entry.kind.as_str()).collect();
    let subjects: Vec<&str> = entries.iter().map(|entry| entry.subject.as_str()).collect();
    let bytes: Vec<&[u8]> = entries.iter().map(|entry| entry.entry.as_slice()).collect();
    sqlx::query(
        "INSERT INTO log_entries (leaf_index, kind, subject, entry, appended_at) \
             SELECT leaf_index, kind, subject, entry, $5 \
             FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bytea[]) \
                  AS new_rows (leaf_index, kind, subject, entry)",
    )
    .bind(&indexes)
    .bind(&kinds)
    .bind(&subjects)
    .bind(&bytes)
    .bind(at)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    let levels: Vec<i16> = appended
        .nodes
        .iter()
        .map(|(node, _)| i16::from(node.level))
        .collect();
    let node_indexes: Vec<i64> = appended
        .nodes
        .iter()
        .map(|(node, _)| number(node.index, "node_index"))
        .collect::<StoreResult<_>>()?;
    let hashes: Vec<&[u8]> = appended
        .nodes
        .iter()
        .map(|(_, hash)| hash.as_bytes().as_slice())
        .collect();
    sqlx::query(
        "INSERT INTO merkle_nodes (level, node_index, hash) \
             SELECT * FROM UNNEST($1::smallint[], $2::bigint[], $3::bytea[])",
    )
    .bind(&levels)
    .bind(&node_indexes)
    .bind(&hashes)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(LogAppend {
        first_index: old_size,
        new_size: old_size + entries.len() as u64,
        new_root: appended.new_root,
    })
}

fn status_change(row: &PgRow) -> StoreResult<StatusChangeRecord> {
    let id: i64 = row.try_get("id").map_err(store_error)?;
    let action: String = row.try_get("action").map_err(store_error)?;
    let log_index: i64 = row.try_get("log_index").map_err(store_error)?;
    let status_index: i64 = row.try_get("status_index").map_err(store_error)?;
    Ok(StatusChangeRecord {
        id,
        credential: row.try_get("credential_id").map_err(store_error)?,
        action: StatusAction::parse(&action).ok_or_else(|| {
            StoreError::corrupt(
                "credential_status_changes",
                format!("{action:?} is not an action"),
            )
        })?,
        reason: row.try_get("reason").map_err(store_error)?,
        decided_by: row
            .try_get::<Option<i64>, _>("decided_by")
            .map_err(store_error)?
            .map(UserId::new),
        decided_at: row.try_get("decided_at").map_err(store_error)?,
        log_index: count(log_index, "credential_status_changes.log_index")?,
        status_index: count(status_index, "issued_credentials.log_index")?,
    })
}

#[async_trait]
impl LogAuditStore for PgStore {
    async fn log_nodes_at_level(
        &self,
        level: u8,
        from_index: u64,
        limit: u32,
    ) -> StoreResult<Vec<(u64, Hash)>> {
        let rows = sqlx::query(
            "SELECT node_index, hash FROM merkle_nodes WHERE level = $1 AND node_index >= $2 \
             ORDER BY node_index LIMIT $3",
        )
        .bind(i16::from(level))
        .bind(number(from_index, "from_index")?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let index: i64 = row.try_get("node_index").map_err(store_error)?;
                let hash: Vec<u8> = row.try_get("hash").map_err(store_error)?;
                Ok((
                    count(index, "merkle_nodes.node_index")?,
                    stored_hash("merkle_nodes.hash", &hash)?,
                ))
            })
            .collect()
    }

    async fn tree_heads(&self, from_size: u64, limit: u32) -> StoreResult<Vec<SignedTreeHead>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            tree_head_columns!(),
            " FROM log_tree_heads WHERE tree_size >= $1 ORDER BY tree_size LIMIT $2"
        ))
        .bind(number(from_size, "from_size")?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(tree_head).collect()
    }

    async fn issued_credentials_in_log_order(
        &self,
        from_log_index: u64,
        limit: u32,
    ) -> StoreResult<Vec<IssuedCredentialRecord>> {
        let rows = sqlx::query(
            "SELECT id, outcome_id, learner_id, log_index, issued_at, document \
             FROM issued_credentials WHERE log_index >= $1 ORDER BY log_index LIMIT $2",
        )
        .bind(number(from_log_index, "from_log_index")?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(issued_credential).collect()
    }
}
