//! The learning record store on SQLite ([`LrsStore`]): the tables of migration 0011.
//!
//! Writes run on the one writer connection in `BEGIN IMMEDIATE` transactions, so a batch of
//! statements (with its voiding, attachments, canonical definitions and agents) and a document
//! write with its precondition check are each serialised and all-or-nothing. The StatementRef
//! rule is applied at insert time (a referring statement holds copies of its targets' keys in
//! `xapi_statement_keys`), so a filtered page is one range of that table in the query's order,
//! stopped at the limit; an unfiltered page reads `xapi_statements` in `(stored, seq)` order.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use xc_store::{
    AttachmentContent, AuditEvent, DocumentRecord, DocumentScope, DocumentWrite, KeyKind,
    LrsClientRecord, LrsStore, NewLrsClient, PreparedStatement, STATEMENT_PAGE_MAX,
    StatementCursor, StatementInsert, StatementPage, StoreError, StoreResult, StoredStatement,
    apply_document_write, check_same_statement, decode_agents, decode_definition, decode_scopes,
    decode_statement, encode_definition, filter_keys, merged_definition, micros,
    prepare_statements, revoke_refusal,
};
use xc_xapi::Statement;
use xc_xapi::model::{ActivityDefinition, Agent};
use xc_xapi::query::Filter;
use xc_xapi::scope::Scope;
use xc_xapi::types::Uuid;

use crate::SqliteStore;
use crate::rows::{db_error, from_micros, unique_is};
use crate::stores::write_audit;

fn stored_statement(row: &SqliteRow) -> StoreResult<StoredStatement> {
    let id: String = row.try_get("id").map_err(db_error)?;
    let body: String = row.try_get("body").map_err(db_error)?;
    Ok(StoredStatement {
        seq: row.try_get("seq").map_err(db_error)?,
        voided: row.try_get::<i64, _>("voided").map_err(db_error)? != 0,
        client: row.try_get("client_id").map_err(db_error)?,
        statement: decode_statement(&body, &id)?,
    })
}

fn lrs_client(row: &SqliteRow) -> StoreResult<LrsClientRecord> {
    let get_i64 = |column: &str| row.try_get::<i64, _>(column).map_err(db_error);
    Ok(LrsClientRecord {
        id: get_i64("id")?,
        key: row.try_get("key").map_err(db_error)?,
        secret_hash: row.try_get("secret_hash").map_err(db_error)?,
        name: row.try_get("name").map_err(db_error)?,
        institution: row
            .try_get::<Option<i64>, _>("institution_id")
            .map_err(db_error)?
            .map(xc_domain::InstitutionId::new),
        scopes: decode_scopes(&row.try_get::<String, _>("scopes").map_err(db_error)?)?,
        created_by: row
            .try_get::<Option<i64>, _>("created_by")
            .map_err(db_error)?
            .map(xc_domain::UserId::new),
        created_at: from_micros(get_i64("created_at")?)?,
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")
            .map_err(db_error)?
            .map(from_micros)
            .transpose()?,
    })
}

const LRS_CLIENT_COLUMNS: &str =
    "id, key, secret_hash, name, institution_id, scopes, created_by, created_at, revoked_at";

fn document_record(row: &SqliteRow) -> StoreResult<DocumentRecord> {
    Ok(DocumentRecord {
        document_id: row.try_get("document_id").map_err(db_error)?,
        content_type: row.try_get("content_type").map_err(db_error)?,
        contents: row.try_get("contents").map_err(db_error)?,
        etag: row.try_get("etag").map_err(db_error)?,
        updated: from_micros(row.try_get("updated").map_err(db_error)?)?,
    })
}

/// ` AND …`: `seq` up to the snapshot, `since`/`until` and the cursor, on the `stored` and
/// `seq` columns of `alias`.
fn push_window(
    query: &mut QueryBuilder<Sqlite>,
    alias: &str,
    filter: &Filter,
    cursor: Option<&StatementCursor>,
    max_seq: i64,
) {
    query
        .push(format!(" AND {alias}.seq <= "))
        .push_bind(max_seq);
    if let Some(since) = &filter.since {
        query
            .push(format!(" AND {alias}.stored > "))
            .push_bind(micros(since.datetime()));
    }
    if let Some(until) = &filter.until {
        query
            .push(format!(" AND {alias}.stored <= "))
            .push_bind(micros(until.datetime()));
    }
    if let Some(cursor) = cursor {
        query
            .push(format!(
                " AND ({alias}.stored, {alias}.seq) {} (",
                if filter.ascending { ">" } else { "<" }
            ))
            .push_bind(cursor.after.0)
            .push(", ")
            .push_bind(cursor.after.1)
            .push(")");
    }
}

/// ` ORDER BY … LIMIT …` in the query's order on `alias`.
fn push_order(query: &mut QueryBuilder<Sqlite>, alias: &str, filter: &Filter, limit: u32) {
    let direction = if filter.ascending { "" } else { " DESC" };
    query
        .push(format!(
            " ORDER BY {alias}.stored{direction}, {alias}.seq{direction} LIMIT "
        ))
        .push_bind(i64::from(limit) + 1);
}

const NOT_VOIDED: &str = " AND NOT EXISTS (SELECT 1 FROM xapi_voided v WHERE v.target_id = s.id)";

/// ` AND …` keeping only the statements `client` stored (`statements/read/mine`), when given.
fn push_client(query: &mut QueryBuilder<Sqlite>, client: Option<i64>) {
    if let Some(client) = client {
        query.push(" AND s.client_id = ").push_bind(client);
    }
}

/// `(SELECT id FROM xapi_keys …)`: the number of a key (NULL, matching nothing, when no
/// statement has it).
pub(crate) fn push_key_id(query: &mut QueryBuilder<Sqlite>, kind: KeyKind, key: &str) {
    query
        .push("(SELECT id FROM xapi_keys WHERE key = ")
        .push_bind(key.to_owned())
        .push(" AND kind = ")
        .push_bind(kind.as_str())
        .push(")");
}

/// The filtered query: one range of `xapi_statement_keys` (the first filter's key) in the
/// query's order, each row kept when the statement it came from (`via`: the statement itself or
/// one it targets) also has the other filters' keys; a statement reached through several of its
/// keys' rows is listed once.
fn push_filtered(
    query: &mut QueryBuilder<Sqlite>,
    keys: &[(KeyKind, String, bool)],
    filter: &Filter,
    cursor: Option<&StatementCursor>,
    max_seq: i64,
    limit: u32,
    client: Option<i64>,
) {
    query.push(
        "SELECT s.seq, s.id, s.client_id, d.stored, s.body, 0 AS voided FROM xapi_statement_keys d \
         JOIN xapi_statements s ON s.seq = d.seq WHERE 1 = 1",
    );
    for (i, (kind, key, related)) in keys.iter().enumerate() {
        let alias = if i == 0 {
            query.push(" AND d.key_id = ");
            "d"
        } else {
            query.push(
                " AND EXISTS (SELECT 1 FROM xapi_statement_keys x WHERE x.seq = d.seq \
                 AND x.via = d.via AND x.key_id = ",
            );
            "x"
        };
        push_key_id(query, *kind, key);
        if !related {
            query.push(format!(" AND {alias}.related_only = 0"));
        }
        if i > 0 {
            query.push(")");
        }
    }
    push_window(query, "d", filter, cursor, max_seq);
    query.push(NOT_VOIDED);
    push_client(query, client);
    query.push(" GROUP BY d.stored, d.seq");
    push_order(query, "d", filter, limit);
}

fn page_limit(filter: &Filter) -> u32 {
    if filter.limit == 0 || filter.limit > STATEMENT_PAGE_MAX {
        STATEMENT_PAGE_MAX
    } else {
        filter.limit
    }
}

async fn document_on(
    conn: &mut SqliteConnection,
    scope: &DocumentScope,
    document_id: &str,
) -> StoreResult<Option<DocumentRecord>> {
    sqlx::query(
        "SELECT document_id, content_type, contents, etag, updated FROM xapi_documents \
         WHERE resource = ? AND activity_id = ? AND agent_key = ? AND registration = ? \
         AND document_id = ?",
    )
    .bind(scope.resource_name())
    .bind(&scope.activity_id)
    .bind(&scope.agent_key)
    .bind(&scope.registration)
    .bind(document_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?
    .map(|row| document_record(&row))
    .transpose()
}

/// Copies the keys statement `from` holds (its own and its targets') to statement `to`, as
/// the StatementRef rule's copies; returns how many were new.
async fn copy_keys(conn: &mut SqliteConnection, from: i64, to: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "INSERT INTO xapi_statement_keys (key_id, stored, seq, via, related_only) \
         SELECT k.key_id, t.stored, t.seq, k.via, k.related_only \
         FROM xapi_statement_keys k JOIN xapi_statements t ON t.seq = ? \
         WHERE k.seq = ? ON CONFLICT DO NOTHING",
    )
    .bind(to)
    .bind(from)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(done.rows_affected())
}

/// The StatementRef rule at insert time: the new statement `seq` takes its target's keys (when
/// the target is stored), and gives its keys to the statements already referring to it, and
/// so on up every chain of references (a copy that adds nothing ends its chain).
async fn link_references(
    conn: &mut SqliteConnection,
    seq: i64,
    references: Option<&str>,
) -> StoreResult<()> {
    if let Some(target) = references {
        let target: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM xapi_statements WHERE id = ? AND seq <> ?")
                .bind(target)
                .bind(seq)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_error)?;
        if let Some(target) = target {
            copy_keys(conn, target, seq).await?;
        }
    }
    let mut pending = vec![seq];
    while let Some(target) = pending.pop() {
        let referrers: Vec<i64> = sqlx::query_scalar(
            "SELECT r.seq FROM xapi_statements r JOIN xapi_statements t \
             ON r.references_id = t.id WHERE t.seq = ? AND r.seq <> t.seq",
        )
        .bind(target)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
        for referrer in referrers {
            if copy_keys(conn, target, referrer).await? > 0 {
                pending.push(referrer);
            }
        }
    }
    Ok(())
}

/// Statement rows per multi-row INSERT (nine values each).
const STATEMENTS_PER_INSERT: usize = 128;
/// Key rows per multi-row INSERT (five values each).
const KEYS_PER_INSERT: usize = 512;
/// Agent rows per multi-row INSERT (two values each).
const AGENTS_PER_INSERT: usize = 512;
const _: () = assert!(STATEMENTS_PER_INSERT * 9 <= crate::stores::BULK_VALUES);
const _: () = assert!(KEYS_PER_INSERT * 5 <= crate::stores::BULK_VALUES);

/// `items` in chunks of `max` and then of decreasing powers of two (100 with `max` 128: 64,
/// 32, 4), so that a multi-row statement comes in a few sizes only and each size stays
/// prepared in the driver's cache instead of being parsed again for each batch's remainder.
fn cached_chunks<T>(mut items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    debug_assert!(max.is_power_of_two());
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let size = if items.len() >= max {
            max
        } else {
            1 << items.len().ilog2()
        };
        let (chunk, rest) = items.split_at(size);
        items = rest;
        Some(chunk)
    })
}

/// The numbers (`xapi_keys.id`) of `keys`, giving each key not stored yet its number: the
/// stored ones read in one query per chunk, the others inserted (in order, first seen first).
async fn key_ids<'k>(
    conn: &mut SqliteConnection,
    keys: &[(KeyKind, &'k str)],
) -> StoreResult<HashMap<(KeyKind, &'k str), i64>> {
    let mut ids = HashMap::with_capacity(keys.len());
    for chunk in cached_chunks(keys, KEYS_PER_INSERT) {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT id, kind, key FROM xapi_keys WHERE key IN (");
        let mut list = query.separated(", ");
        for (_, key) in chunk {
            list.push_bind(*key);
        }
        query.push(")");
        let found: Vec<(i64, String, String)> = query
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        let found: HashMap<(&str, &str), i64> = found
            .iter()
            .map(|(id, kind, key)| ((kind.as_str(), key.as_str()), *id))
            .collect();
        for (kind, key) in chunk {
            if let Some(id) = found.get(&(kind.as_str(), *key)) {
                ids.insert((*kind, *key), *id);
            }
        }
    }
    let missing: Vec<&(KeyKind, &str)> = keys
        .iter()
        .filter(|(kind, key)| !ids.contains_key(&(*kind, *key)))
        .collect();
    for chunk in missing.chunks(KEYS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO xapi_keys (kind, key) ");
        query.push_values(chunk, |mut values, (kind, key)| {
            values.push_bind(kind.as_str()).push_bind(*key);
        });
        query.push(" RETURNING id");
        let new_ids: Vec<i64> = query
            .build_query_scalar()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        for ((kind, key), id) in chunk.iter().zip(new_ids) {
            ids.insert((*kind, *key), id);
        }
    }
    Ok(ids)
}

/// A statement new to the store, with the `seq` it is stored under.
struct NewRow<'a> {
    seq: i64,
    row: &'a PreparedStatement,
    statement: &'a Statement,
}

/// Writes statements new to the store, the one way both the normal and the bulk path do:
/// multi-row INSERTs of the statements (with the `seq` the writer gave them: it holds the only
/// write lock), their keys (by number, see [`key_ids`]) and the agents they name (in order,
/// first seen first); then the StatementRef rule for each new statement that targets another
/// or that stored statements already target; voiding; the canonical definitions.
async fn write_new(
    conn: &mut SqliteConnection,
    client: Option<i64>,
    rows: &[NewRow<'_>],
) -> StoreResult<()> {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(());
    };
    for chunk in cached_chunks(rows, STATEMENTS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO xapi_statements (seq, id, stored, verb, registration, references_id, \
             voiding, body, client_id) ",
        );
        query.push_values(chunk, |mut values, new| {
            values
                .push_bind(new.seq)
                .push_bind(new.row.id.as_str())
                .push_bind(new.row.stored)
                .push_bind(new.row.verb.as_str())
                .push_bind(new.row.registration.as_deref())
                .push_bind(new.row.references.as_deref())
                .push_bind(i64::from(new.row.voiding))
                .push_bind(new.row.body.as_str())
                .push_bind(client);
        });
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(unique_is("id"))?;
    }
    let mut distinct = std::collections::HashSet::new();
    let keys: Vec<(KeyKind, &str)> = rows
        .iter()
        .flat_map(|new| new.row.keys.iter())
        .map(|(kind, key, _)| (*kind, key.as_str()))
        .filter(|key| distinct.insert(*key))
        .collect();
    let ids = key_ids(conn, &keys).await?;
    let key_rows: Vec<(i64, i64, i64, bool)> = rows
        .iter()
        .flat_map(|new| {
            let ids = &ids;
            new.row.keys.iter().map(move |(kind, key, related)| {
                (
                    ids[&(*kind, key.as_str())],
                    new.row.stored,
                    new.seq,
                    *related,
                )
            })
        })
        .collect();
    for chunk in cached_chunks(&key_rows, KEYS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO xapi_statement_keys (key_id, stored, seq, via, related_only) ",
        );
        query.push_values(chunk, |mut values, (key_id, stored, seq, related)| {
            values
                .push_bind(*key_id)
                .push_bind(*stored)
                .push_bind(*seq)
                .push_bind(*seq)
                .push_bind(i64::from(*related));
        });
        query
            .push(" ON CONFLICT DO NOTHING")
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    let mut seen = std::collections::HashSet::new();
    let agents: Vec<(String, String)> = rows
        .iter()
        .flat_map(|new| xc_store::agents_named(new.statement))
        .filter(|agent| seen.insert(agent.clone()))
        .collect();
    for chunk in cached_chunks(&agents, AGENTS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO xapi_agents (agent_key, agent) ");
        query.push_values(chunk, |mut values, (key, agent)| {
            values.push_bind(key.as_str()).push_bind(agent.as_str());
        });
        query
            .push(" ON CONFLICT (agent_key, agent) DO NOTHING")
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    // The StatementRef rule, for the new statements it concerns: those targeting another, and
    // those that statements already stored (or earlier in this batch) target.
    let targeted: std::collections::HashSet<i64> = sqlx::query_scalar(
        "SELECT DISTINCT t.seq FROM xapi_statements t JOIN xapi_statements r \
         ON r.references_id = t.id WHERE t.seq BETWEEN ? AND ? AND r.seq <> t.seq",
    )
    .bind(first.seq)
    .bind(last.seq)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .collect();
    for new in rows {
        if new.row.references.is_some() || targeted.contains(&new.seq) {
            link_references(conn, new.seq, new.row.references.as_deref()).await?;
        }
    }
    // Voiding after every row of the batch is in, so a batch may void its own statements.
    for new in rows {
        if let (true, Some(target)) = (new.row.voiding, &new.row.references) {
            sqlx::query(
                "INSERT INTO xapi_voided (target_id, voiding_id) \
                 SELECT id, ? FROM xapi_statements WHERE id = ? AND voiding = 0 \
                 ON CONFLICT (target_id) DO NOTHING",
            )
            .bind(&new.row.id)
            .bind(target)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        }
    }
    fold_definitions(conn, rows).await
}

/// Folds the activity definitions the new statements carry, in order, into the canonical
/// ones: the stored definitions read in one query per chunk, written back (one multi-row
/// upsert per chunk) only where the merge changed them.
async fn fold_definitions(conn: &mut SqliteConnection, rows: &[NewRow<'_>]) -> StoreResult<()> {
    let mut incoming: Vec<(&str, Vec<&ActivityDefinition>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for new in rows {
        for (id, definition) in &new.row.definitions {
            let at = *index.entry(id.as_str()).or_insert_with(|| {
                incoming.push((id.as_str(), Vec::new()));
                incoming.len() - 1
            });
            incoming[at].1.push(definition);
        }
    }
    for chunk in incoming.chunks(AGENTS_PER_INSERT) {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT id, definition FROM xapi_activities WHERE id IN (");
        let mut list = query.separated(", ");
        for (id, _) in chunk {
            list.push_bind(*id);
        }
        query.push(")");
        let stored: HashMap<String, String> = query
            .build_query_as::<(String, String)>()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        let mut changed: Vec<(&str, String)> = Vec::new();
        for (id, definitions) in chunk {
            let before = stored.get(*id);
            let mut current = before.map(|text| decode_definition(id, text)).transpose()?;
            for definition in definitions {
                current = Some(merged_definition(current, definition));
            }
            let Some(current) = current else { continue };
            let text = encode_definition(&current);
            if before != Some(&text) {
                changed.push((*id, text));
            }
        }
        if changed.is_empty() {
            continue;
        }
        let mut upsert =
            QueryBuilder::<Sqlite>::new("INSERT INTO xapi_activities (id, definition) ");
        upsert.push_values(changed, |mut values, (id, text)| {
            values.push_bind(id).push_bind(text);
        });
        upsert
            .push(" ON CONFLICT (id) DO UPDATE SET definition = excluded.definition")
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// The next `seq` of the writer's transaction.
async fn next_seq(conn: &mut SqliteConnection) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM xapi_statements")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)
}

/// The stored bodies of those of `ids` already stored.
async fn stored_bodies(
    conn: &mut SqliteConnection,
    ids: &[&str],
) -> StoreResult<HashMap<String, String>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(crate::stores::BULK_VALUES) {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT id, body FROM xapi_statements WHERE id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        query.push(")");
        let rows: Vec<(String, String)> = query
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        found.extend(rows);
    }
    Ok(found)
}

async fn insert_on(
    conn: &mut SqliteConnection,
    client: Option<i64>,
    statements: &[Statement],
    prepared: Vec<PreparedStatement>,
    attachments: &[AttachmentContent],
) -> StoreResult<Vec<StatementInsert>> {
    let ids: Vec<&str> = prepared.iter().map(|row| row.id.as_str()).collect();
    let stored = stored_bodies(conn, &ids).await?;
    let mut seq = next_seq(conn).await?;
    let mut outcome = Vec::with_capacity(prepared.len());
    let mut new_rows = Vec::with_capacity(prepared.len());
    for (row, statement) in prepared.iter().zip(statements) {
        if let Some(body) = stored.get(&row.id) {
            check_same_statement(body, statement)?;
            outcome.push(StatementInsert::AlreadyStored);
        } else {
            new_rows.push(NewRow {
                seq,
                row,
                statement,
            });
            seq += 1;
            outcome.push(StatementInsert::Stored);
        }
    }
    write_new(conn, client, &new_rows).await?;
    for attachment in attachments {
        sqlx::query(
            "INSERT INTO xapi_attachments (sha2, content_type, content) VALUES (?, ?, ?) \
             ON CONFLICT (sha2) DO NOTHING",
        )
        .bind(attachment.sha2.to_ascii_lowercase())
        .bind(&attachment.content_type)
        .bind(&attachment.content)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    }
    Ok(outcome)
}

async fn activity_definition_on(
    conn: &mut SqliteConnection,
    id: &str,
) -> StoreResult<Option<ActivityDefinition>> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT definition FROM xapi_activities WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
    text.map(|text| decode_definition(id, &text)).transpose()
}

#[async_trait]
impl LrsStore for SqliteStore {
    async fn insert_statements_from(
        &self,
        client: Option<i64>,
        statements: &[Statement],
        attachments: &[AttachmentContent],
    ) -> StoreResult<Vec<StatementInsert>> {
        // Prepared (validated, encoded, keyed) before taking the write lock, so that the
        // batches of several clients are prepared in parallel with the one writer.
        let prepared = prepare_statements(statements)?;
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let outcome = insert_on(&mut tx, client, statements, prepared, attachments).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(outcome)
    }

    async fn load_statements(&self, statements: &[Statement]) -> StoreResult<u64> {
        let prepared = prepare_statements(statements)?;
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let first = next_seq(&mut tx).await?;
        let rows: Vec<NewRow<'_>> = prepared
            .iter()
            .zip(statements)
            .zip(first..)
            .map(|((row, statement), seq)| NewRow {
                seq,
                row,
                statement,
            })
            .collect();
        write_new(&mut tx, None, &rows).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(rows.len() as u64)
    }

    async fn get_statement(&self, id: &Uuid, voided: bool) -> StoreResult<StoredStatement> {
        let found = sqlx::query(
            "SELECT s.seq, s.id, s.client_id, s.body, v.target_id IS NOT NULL AS voided \
             FROM xapi_statements s LEFT JOIN xapi_voided v ON v.target_id = s.id \
             WHERE s.id = ?",
        )
        .bind(id.as_str())
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        .map(|row| stored_statement(&row))
        .transpose()?;
        match found {
            Some(statement) if statement.voided == voided => Ok(statement),
            _ => Err(StoreError::NotFound { what: "statement" }),
        }
    }

    async fn query_statements_of(
        &self,
        filter: &Filter,
        cursor: Option<&StatementCursor>,
        client: Option<i64>,
    ) -> StoreResult<StatementPage> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        let max_seq = match cursor {
            Some(cursor) => cursor.max_seq,
            None => sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM xapi_statements")
                .fetch_one(&mut *conn)
                .await
                .map_err(db_error)?,
        };
        let limit = page_limit(filter);
        let mut query = QueryBuilder::<Sqlite>::new("");
        let keys = filter_keys(filter);
        if keys.is_empty() {
            query.push(
                "SELECT s.seq, s.id, s.client_id, s.stored, s.body, 0 AS voided FROM xapi_statements s \
                 WHERE 1 = 1",
            );
            push_window(&mut query, "s", filter, cursor, max_seq);
            query.push(NOT_VOIDED);
            push_client(&mut query, client);
            push_order(&mut query, "s", filter, limit);
        } else {
            push_filtered(&mut query, &keys, filter, cursor, max_seq, limit, client);
        }
        let rows = query
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        let more = rows.len() > limit as usize;
        let mut statements = Vec::with_capacity(rows.len().min(limit as usize));
        let mut last = None;
        for row in rows.iter().take(limit as usize) {
            last = Some((
                row.try_get::<i64, _>("stored").map_err(db_error)?,
                row.try_get::<i64, _>("seq").map_err(db_error)?,
            ));
            statements.push(stored_statement(row)?);
        }
        Ok(StatementPage {
            statements,
            more: last
                .filter(|_| more)
                .map(|after| StatementCursor { max_seq, after }),
        })
    }

    async fn attachments(&self, sha2: &[String]) -> StoreResult<Vec<AttachmentContent>> {
        let mut found = Vec::new();
        for chunk in sha2.chunks(500) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT sha2, content_type, content FROM xapi_attachments WHERE sha2 IN (",
            );
            let mut list = query.separated(", ");
            for hash in chunk {
                list.push_bind(hash.to_ascii_lowercase());
            }
            query.push(")");
            let rows: Vec<(String, String, Vec<u8>)> = query
                .build_query_as()
                .persistent(false)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
            found.extend(
                rows.into_iter()
                    .map(|(sha2, content_type, content)| AttachmentContent {
                        sha2,
                        content_type,
                        content,
                    }),
            );
        }
        Ok(found)
    }

    async fn activity_definition(&self, id: &str) -> StoreResult<Option<ActivityDefinition>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        activity_definition_on(&mut conn, id).await
    }

    async fn agents_seen(&self, key: &str) -> StoreResult<Vec<Agent>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT agent FROM xapi_agents WHERE agent_key = ? ORDER BY seen")
                .bind(key)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
        decode_agents(&rows)
    }

    async fn document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
    ) -> StoreResult<Option<DocumentRecord>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        document_on(&mut conn, scope, document_id).await
    }

    async fn document_ids(
        &self,
        scope: &DocumentScope,
        since: Option<OffsetDateTime>,
    ) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT document_id FROM xapi_documents WHERE resource = ? AND activity_id = ? \
             AND agent_key = ? AND registration = ? AND updated > ? ORDER BY document_id",
        )
        .bind(scope.resource_name())
        .bind(&scope.activity_id)
        .bind(&scope.agent_key)
        .bind(&scope.registration)
        .bind(since.map_or(i64::MIN, micros))
        .fetch_all(&self.read)
        .await
        .map_err(db_error)
    }

    async fn write_document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
        write: &DocumentWrite,
    ) -> StoreResult<Option<DocumentRecord>> {
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let current = document_on(&mut tx, scope, document_id).await?;
        let next = apply_document_write(scope, document_id, current.as_ref(), write)?;
        match &next {
            Some(document) => {
                sqlx::query(
                    "INSERT INTO xapi_documents (resource, activity_id, agent_key, registration, \
                     document_id, content_type, contents, etag, updated) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (resource, activity_id, agent_key, registration, document_id) \
                     DO UPDATE SET content_type = excluded.content_type, \
                     contents = excluded.contents, etag = excluded.etag, updated = excluded.updated",
                )
                .bind(scope.resource_name())
                .bind(&scope.activity_id)
                .bind(&scope.agent_key)
                .bind(&scope.registration)
                .bind(document_id)
                .bind(&document.content_type)
                .bind(&document.contents)
                .bind(&document.etag)
                .bind(micros(document.updated))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            }
            None => {
                sqlx::query(
                    "DELETE FROM xapi_documents WHERE resource = ? AND activity_id = ? \
                     AND agent_key = ? AND registration = ? AND document_id = ?",
                )
                .bind(scope.resource_name())
                .bind(&scope.activity_id)
                .bind(&scope.agent_key)
                .bind(&scope.registration)
                .bind(document_id)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(next)
    }

    async fn delete_documents(&self, scope: &DocumentScope) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM xapi_documents WHERE resource = ? AND activity_id = ? \
             AND agent_key = ? AND registration = ?",
        )
        .bind(scope.resource_name())
        .bind(&scope.activity_id)
        .bind(&scope.agent_key)
        .bind(&scope.registration)
        .execute(&self.write)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected())
    }
    async fn create_lrs_client(
        &self,
        client: &NewLrsClient,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id = sqlx::query(
            "INSERT INTO xapi_clients (key, secret_hash, name, institution_id, scopes, \
             created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&client.key)
        .bind(&client.secret_hash)
        .bind(&client.name)
        .bind(client.institution.map(xc_domain::InstitutionId::get))
        .bind(Scope::join(&client.scopes))
        .bind(client.created_by.map(xc_domain::UserId::get))
        .bind(micros(client.created_at))
        .execute(&mut *tx)
        .await
        .map_err(unique_is("key"))?
        .last_insert_rowid();
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn find_lrs_client(&self, key: &str) -> StoreResult<Option<LrsClientRecord>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LRS_CLIENT_COLUMNS} FROM xapi_clients WHERE key = ? AND revoked_at IS NULL"
        )))
        .bind(key)
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        .as_ref()
        .map(lrs_client)
        .transpose()
    }

    async fn list_lrs_clients(&self) -> StoreResult<Vec<LrsClientRecord>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LRS_CLIENT_COLUMNS} FROM xapi_clients ORDER BY id DESC"
        )))
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?
        .iter()
        .map(lrs_client)
        .collect()
    }

    async fn revoke_lrs_client(
        &self,
        key: &str,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<LrsClientRecord> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let revoked = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE xapi_clients SET revoked_at = ? WHERE key = ? AND revoked_at IS NULL \
             RETURNING {LRS_CLIENT_COLUMNS}"
        )))
        .bind(micros(at))
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(row) = revoked else {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM xapi_clients WHERE key = ?")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
            return Err(revoke_refusal(known.is_some()));
        };
        let client = lrs_client(&row)?;
        write_audit(&mut tx, &audit.about(client.id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(client)
    }
}
