//! The learning record store on PostgreSQL ([`LrsStore`]): the tables of migration 0011.
//!
//! A batch of statements (with its voiding, attachments, canonical definitions and agents) is
//! one transaction of a few statements whatever its size (rows passed as arrays and `UNNEST`ed,
//! locks taken in one sorted query); an id inserted concurrently by another transaction is
//! waited for (`ON CONFLICT DO NOTHING`) and then compared. A canonical definition and a document are
//! read and written under a transaction-level advisory lock on their key (taken in sorted order
//! for definitions), so concurrent merges and precondition checks never lose a write. The
//! StatementRef rule is applied at insert time (a referring statement holds copies of its
//! targets' keys in `xapi_statement_keys`) under an advisory lock on the target's id, so a
//! target and its referrer stored at once by two transactions are still linked; a filtered page
//! is one range of that table in the query's order, stopped at the limit.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use time::OffsetDateTime;
use xc_store::{
    AttachmentContent, AuditEvent, DocumentRecord, DocumentScope, DocumentWrite, KeyKind,
    LrsClientRecord, LrsStore, NewLrsClient, PreparedStatement, STATEMENT_PAGE_MAX,
    StatementCursor, StatementInsert, StatementPage, StoreError, StoreResult, StoredStatement,
    apply_document_write, check_same_statement, decode_agents, decode_definition, decode_scopes,
    decode_statement, encode_definition, filter_keys, from_micros, merged_definition, micros,
    prepare_statements, revoke_refusal,
};
use xc_xapi::Statement;
use xc_xapi::model::{ActivityDefinition, Agent};
use xc_xapi::query::Filter;
use xc_xapi::scope::Scope;
use xc_xapi::types::Uuid;

use crate::PgStore;
use crate::audit::commit_audited;
use crate::bulk::{CopyBuffer, CopyRow, copy_rows};
use crate::error::store_error as db_error;

fn stored_statement(row: &PgRow) -> StoreResult<StoredStatement> {
    let id: String = row.try_get("id").map_err(db_error)?;
    let body: String = row.try_get("body").map_err(db_error)?;
    Ok(StoredStatement {
        seq: row.try_get("seq").map_err(db_error)?,
        voided: row.try_get("voided").map_err(db_error)?,
        client: row.try_get("client_id").map_err(db_error)?,
        statement: decode_statement(&body, &id)?,
    })
}

fn lrs_client(row: &PgRow) -> StoreResult<LrsClientRecord> {
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

fn document_record(row: &PgRow) -> StoreResult<DocumentRecord> {
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
    query: &mut QueryBuilder<Postgres>,
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
fn push_order(query: &mut QueryBuilder<Postgres>, alias: &str, filter: &Filter, limit: u32) {
    let direction = if filter.ascending { "" } else { " DESC" };
    query
        .push(format!(
            " ORDER BY {alias}.stored{direction}, {alias}.seq{direction} LIMIT "
        ))
        .push_bind(i64::from(limit) + 1);
}

const NOT_VOIDED: &str = " AND NOT EXISTS (SELECT 1 FROM xapi_voided v WHERE v.target_id = s.id)";

/// ` AND …` keeping only the statements `client` stored (`statements/read/mine`), when given.
fn push_client(query: &mut QueryBuilder<Postgres>, client: Option<i64>) {
    if let Some(client) = client {
        query.push(" AND s.client_id = ").push_bind(client);
    }
}

/// The filtered query: one range of `xapi_statement_keys` (the first filter's key) in the
/// query's order, each row kept when the statement it came from (`via`: the statement itself or
/// one it targets) also has the other filters' keys; a statement reached through several of its
/// keys' rows is listed once.
fn push_filtered(
    query: &mut QueryBuilder<Postgres>,
    keys: &[(KeyKind, String, bool)],
    filter: &Filter,
    cursor: Option<&StatementCursor>,
    max_seq: i64,
    limit: u32,
    client: Option<i64>,
) {
    query.push(
        "SELECT s.seq, s.id, s.client_id, d.stored, s.body, FALSE AS voided FROM xapi_statement_keys d \
         JOIN xapi_statements s ON s.seq = d.seq WHERE TRUE",
    );
    for (i, (kind, key, related)) in keys.iter().enumerate() {
        let alias = if i == 0 {
            query.push(" AND d.kind = ");
            "d"
        } else {
            query.push(
                " AND EXISTS (SELECT 1 FROM xapi_statement_keys x WHERE x.seq = d.seq \
                 AND x.via = d.via AND x.kind = ",
            );
            "x"
        };
        query
            .push_bind(kind.as_str())
            .push(format!(" AND {alias}.key = "))
            .push_bind(key.clone());
        if !related {
            query.push(format!(" AND NOT {alias}.related_only"));
        }
        if i > 0 {
            query.push(")");
        }
    }
    push_window(query, "d", filter, cursor, max_seq);
    query.push(NOT_VOIDED);
    push_client(query, client);
    query.push(" GROUP BY d.stored, d.seq, s.seq");
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
    conn: &mut PgConnection,
    scope: &DocumentScope,
    document_id: &str,
) -> StoreResult<Option<DocumentRecord>> {
    sqlx::query(
        "SELECT document_id, content_type, contents, etag, updated FROM xapi_documents \
         WHERE resource = $1 AND activity_id = $2 AND agent_key = $3 AND registration = $4 \
         AND document_id = $5",
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
async fn copy_keys(conn: &mut PgConnection, from: i64, to: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "INSERT INTO xapi_statement_keys (kind, key, stored, seq, via, related_only) \
         SELECT k.kind, k.key, t.stored, t.seq, k.via, k.related_only \
         FROM xapi_statement_keys k JOIN xapi_statements t ON t.seq = $1 \
         WHERE k.seq = $2 ON CONFLICT DO NOTHING",
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
    conn: &mut PgConnection,
    seq: i64,
    id: &str,
    references: Option<&str>,
) -> StoreResult<()> {
    // A target and a statement referring to it may be inserted by two transactions at once:
    // both take the lock of the target's id before looking for the other, so the second one
    // waits for the first to commit and then sees it.
    if let Some(target) = references {
        advisory_lock(conn, &format!("xapi_reference {target}")).await?;
        let target: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM xapi_statements WHERE id = $1 AND seq <> $2")
                .bind(target)
                .bind(seq)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_error)?;
        if let Some(target) = target {
            copy_keys(conn, target, seq).await?;
        }
    }
    let mut pending = vec![(seq, id.to_string())];
    while let Some((target, target_id)) = pending.pop() {
        advisory_lock(conn, &format!("xapi_reference {target_id}")).await?;
        let referrers: Vec<(i64, String)> = sqlx::query_as(
            "SELECT seq, id FROM xapi_statements WHERE references_id = $1 AND seq <> $2",
        )
        .bind(&target_id)
        .bind(target)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
        for (referrer, referrer_id) in referrers {
            if copy_keys(conn, target, referrer).await? > 0 {
                pending.push((referrer, referrer_id));
            }
        }
    }
    Ok(())
}

/// The advisory locks on `keys`, taken in one query in sorted order (so two transactions
/// taking overlapping sets never wait for each other in a cycle), held until the transaction
/// ends.
async fn advisory_locks(conn: &mut PgConnection, mut keys: Vec<String>) -> StoreResult<()> {
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(());
    }
    // A volatile function in the select list is evaluated after ORDER BY, row by row.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) \
         FROM UNNEST($1::text[]) AS key ORDER BY key",
    )
    .bind(&keys)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The agents the statements name, in one INSERT (first seen first).
async fn insert_agents<'s>(
    conn: &mut PgConnection,
    statements: impl Iterator<Item = &'s Statement>,
) -> StoreResult<()> {
    let mut seen = std::collections::HashSet::new();
    let (agent_keys, agents): (Vec<String>, Vec<String>) = statements
        .flat_map(xc_store::agents_named)
        .filter(|agent| seen.insert(agent.clone()))
        .unzip();
    if agents.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO xapi_agents (agent_key, agent) \
         SELECT agent_key, agent FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY \
         AS named (agent_key, agent, n) ORDER BY n \
         ON CONFLICT (agent_key, agent) DO NOTHING",
    )
    .bind(&agent_keys)
    .bind(&agents)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The key rows of new statements (`seq`, prepared row), in one INSERT.
async fn insert_keys(
    conn: &mut PgConnection,
    rows: &[(i64, &PreparedStatement)],
) -> StoreResult<()> {
    let (mut kinds, mut keys, mut stored, mut seqs, mut related) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (seq, row) in rows {
        for (kind, key, related_only) in &row.keys {
            kinds.push(kind.as_str());
            keys.push(key.as_str());
            stored.push(row.stored);
            seqs.push(*seq);
            related.push(*related_only);
        }
    }
    sqlx::query(
        "INSERT INTO xapi_statement_keys (kind, key, stored, seq, via, related_only) \
         SELECT kind, key, stored, seq, seq, related_only FROM UNNEST($1::text[], $2::text[], \
         $3::int8[], $4::int8[], $5::bool[]) AS new (kind, key, stored, seq, related_only) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&kinds)
    .bind(&keys)
    .bind(&stored)
    .bind(&seqs)
    .bind(&related)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The StatementRef rule for new statements (`seq`, prepared row): those targeting another,
/// and those that statements already stored (or earlier in the batch) target.
async fn link_new(conn: &mut PgConnection, rows: &[(i64, &PreparedStatement)]) -> StoreResult<()> {
    let seqs: Vec<i64> = rows.iter().map(|(seq, _)| *seq).collect();
    let ids: Vec<&str> = rows.iter().map(|(_, row)| row.id.as_str()).collect();
    // Driven by the batch: one search of the (partial) index on references_id per new
    // statement, whatever the batch's size. Joined from the stored statements' side, a generic
    // plan read the whole index (single-statement POSTs at 188/s), and `= ANY` on both sides
    // compared every pair (a minute for 10,000).
    let targeted: std::collections::HashSet<i64> = sqlx::query_scalar(
        "SELECT new.seq FROM UNNEST($1::text[], $2::int8[]) AS new (id, seq) \
         WHERE EXISTS (SELECT 1 FROM xapi_statements r \
         WHERE r.references_id = new.id AND r.seq <> new.seq)",
    )
    .bind(&ids)
    .bind(&seqs)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .collect();
    for (seq, row) in rows {
        if row.references.is_some() || targeted.contains(seq) {
            link_references(conn, *seq, &row.id, row.references.as_deref()).await?;
        }
    }
    Ok(())
}

/// The normal path: the batch's new statements in one INSERT (an id stored already, or being
/// stored by a concurrent transaction, is waited for and compared), their keys and agents in
/// one INSERT each; then, under the advisory locks of every id the batch stores or targets, the
/// StatementRef rule; voiding; the definitions under their activities' locks.
async fn insert_on(
    conn: &mut PgConnection,
    client: Option<i64>,
    prepared: &[PreparedStatement],
    statements: &[Statement],
    attachments: &[AttachmentContent],
) -> StoreResult<Vec<StatementInsert>> {
    let ids: Vec<&str> = prepared.iter().map(|row| row.id.as_str()).collect();
    let stored: Vec<i64> = prepared.iter().map(|row| row.stored).collect();
    let verbs: Vec<&str> = prepared.iter().map(|row| row.verb.as_str()).collect();
    let registrations: Vec<Option<&str>> = prepared
        .iter()
        .map(|row| row.registration.as_deref())
        .collect();
    let references: Vec<Option<&str>> = prepared
        .iter()
        .map(|row| row.references.as_deref())
        .collect();
    let voiding: Vec<bool> = prepared.iter().map(|row| row.voiding).collect();
    let bodies: Vec<&str> = prepared.iter().map(|row| row.body.as_str()).collect();
    let inserted: std::collections::HashMap<String, i64> = sqlx::query_as::<_, (i64, String)>(
        "INSERT INTO xapi_statements (id, stored, verb, registration, references_id, voiding, \
         body, client_id) \
         SELECT id, stored, verb, registration, references_id, voiding, body, $8::int8 \
         FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::bool[], \
         $7::text[]) WITH ORDINALITY \
         AS new (id, stored, verb, registration, references_id, voiding, body, n) ORDER BY n \
         ON CONFLICT (id) DO NOTHING RETURNING seq, id",
    )
    .bind(&ids)
    .bind(&stored)
    .bind(&verbs)
    .bind(&registrations)
    .bind(&references)
    .bind(&voiding)
    .bind(&bodies)
    .bind(client)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .map(|(seq, id)| (id, seq))
    .collect();
    if inserted.len() < prepared.len() {
        let others: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !inserted.contains_key(*id))
            .collect();
        let bodies: std::collections::HashMap<String, String> =
            sqlx::query_as("SELECT id, body FROM xapi_statements WHERE id = ANY($1)")
                .bind(&others)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .collect();
        for (row, statement) in prepared.iter().zip(statements) {
            if !inserted.contains_key(&row.id) {
                let body = bodies.get(&row.id).ok_or_else(|| {
                    StoreError::corrupt("xapi_statements", format!("{} vanished", row.id))
                })?;
                check_same_statement(body, statement)?;
            }
        }
    }
    let mut outcome = Vec::with_capacity(prepared.len());
    let mut new_rows: Vec<(i64, &PreparedStatement)> = Vec::with_capacity(inserted.len());
    let mut new_statements = Vec::with_capacity(inserted.len());
    for (row, statement) in prepared.iter().zip(statements) {
        match inserted.get(&row.id) {
            Some(seq) => {
                new_rows.push((*seq, row));
                new_statements.push(statement);
                outcome.push(StatementInsert::Stored);
            }
            None => outcome.push(StatementInsert::AlreadyStored),
        }
    }
    if !new_rows.is_empty() {
        insert_keys(conn, &new_rows).await?;
        insert_agents(conn, new_statements.iter().copied()).await?;
        // A target and a statement referring to it may be inserted by two transactions at
        // once: both hold the lock of the target's id before looking for the other, so the
        // second one waits for the first to commit and then sees it.
        let locks: Vec<String> = new_rows
            .iter()
            .flat_map(|(_, row)| std::iter::once(&row.id).chain(row.references.as_ref()))
            .map(|id| format!("xapi_reference {id}"))
            .collect();
        advisory_locks(conn, locks).await?;
        link_new(conn, &new_rows).await?;
    }
    // Voiding after every row of the batch is in, so a batch may void its own statements.
    for (_, row) in &new_rows {
        if let (true, Some(target)) = (row.voiding, &row.references) {
            void_target(conn, &row.id, target).await?;
        }
    }
    fold_definitions(conn, new_rows.iter().map(|(_, row)| *row), true).await?;
    for attachment in attachments {
        sqlx::query(
            "INSERT INTO xapi_attachments (sha2, content_type, content) VALUES ($1, $2, $3) \
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

/// A statement row for COPY: `seq`, the prepared columns, no client.
struct StatementCopy<'a>(i64, &'a PreparedStatement);

impl CopyRow for StatementCopy<'_> {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        let StatementCopy(seq, row) = self;
        out.integer(*seq);
        out.text(&row.id);
        out.integer(row.stored);
        out.text(&row.verb);
        out.optional_text(row.registration.as_deref());
        out.optional_text(row.references.as_deref());
        out.boolean(row.voiding);
        out.text(&row.body);
        Ok(())
    }
}

/// A key row for COPY: `(kind, key, stored, seq, via = seq, related_only)`.
struct KeyCopy<'a>(i64, i64, KeyKind, &'a str, bool);

impl CopyRow for KeyCopy<'_> {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        let KeyCopy(seq, stored, kind, key, related) = self;
        out.text(kind.as_str());
        out.text(key);
        out.integer(*stored);
        out.integer(*seq);
        out.integer(*seq);
        out.boolean(*related);
        Ok(())
    }
}

/// The bulk path ([`LrsStore::load_statements`]) on `conn`: `seq`s drawn from the identity's
/// sequence, the statements and their keys by COPY, the agents named in one INSERT (first seen
/// first), then the StatementRef rule, voiding and definitions as the normal path does them.
/// It takes no advisory locks per target or activity (a batch of thousands would exhaust the
/// lock table): it is a load, not run beside other writers of the same statements.
async fn load_on(
    conn: &mut PgConnection,
    prepared: &[PreparedStatement],
    statements: &[Statement],
) -> StoreResult<()> {
    let seqs: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('xapi_statements', 'seq')) \
         FROM generate_series(1, $1) ORDER BY 1",
    )
    .bind(prepared.len() as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    let rows: Vec<StatementCopy<'_>> = seqs
        .iter()
        .zip(prepared)
        .map(|(seq, row)| StatementCopy(*seq, row))
        .collect();
    copy_rows(
        conn,
        "COPY xapi_statements (seq, id, stored, verb, registration, references_id, voiding, \
         body) FROM STDIN",
        &rows,
    )
    .await?;
    let keys: Vec<KeyCopy<'_>> = seqs
        .iter()
        .zip(prepared)
        .flat_map(|(seq, row)| {
            row.keys
                .iter()
                .map(move |(kind, key, related)| KeyCopy(*seq, row.stored, *kind, key, *related))
        })
        .collect();
    copy_rows(
        conn,
        "COPY xapi_statement_keys (kind, key, stored, seq, via, related_only) FROM STDIN",
        &keys,
    )
    .await?;
    insert_agents(conn, statements.iter()).await?;
    let new_rows: Vec<(i64, &PreparedStatement)> = rows
        .iter()
        .map(|StatementCopy(seq, row)| (*seq, *row))
        .collect();
    link_new(conn, &new_rows).await?;
    for StatementCopy(_, row) in &rows {
        if let (true, Some(target)) = (row.voiding, &row.references) {
            void_target(conn, &row.id, target).await?;
        }
    }
    fold_definitions(conn, prepared.iter(), false).await
}

/// Folds the activity definitions the new statements carry, in order, into the canonical
/// ones: the stored definitions read in one query, written back in one upsert only where the
/// merge changed them. With `lock` (the normal path, beside other writers) under the advisory
/// locks of the activities' ids, taken in sorted order, so concurrent merges never lose one.
async fn fold_definitions<'p>(
    conn: &mut PgConnection,
    rows: impl Iterator<Item = &'p PreparedStatement>,
    lock: bool,
) -> StoreResult<()> {
    let mut definitions: BTreeMap<&str, Vec<&ActivityDefinition>> = BTreeMap::new();
    for row in rows {
        for (id, incoming) in &row.definitions {
            definitions.entry(id.as_str()).or_default().push(incoming);
        }
    }
    if definitions.is_empty() {
        return Ok(());
    }
    if lock {
        let locks = definitions
            .keys()
            .map(|id| format!("xapi_activity {id}"))
            .collect();
        advisory_locks(conn, locks).await?;
    }
    let ids: Vec<&str> = definitions.keys().copied().collect();
    let stored: std::collections::HashMap<String, String> =
        sqlx::query_as("SELECT id, definition FROM xapi_activities WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
    // Written back only where the merge changed the canonical definition.
    let (mut changed_ids, mut changed) = (Vec::new(), Vec::new());
    for (id, incoming) in &definitions {
        let before = stored.get(*id);
        let mut current = before.map(|text| decode_definition(id, text)).transpose()?;
        for definition in incoming {
            current = Some(merged_definition(current, definition));
        }
        let Some(current) = current else { continue };
        let text = encode_definition(&current);
        if before != Some(&text) {
            changed_ids.push(*id);
            changed.push(text);
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO xapi_activities (id, definition) \
         SELECT * FROM UNNEST($1::text[], $2::text[]) \
         ON CONFLICT (id) DO UPDATE SET definition = excluded.definition",
    )
    .bind(&changed_ids)
    .bind(&changed)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Marks `target` voided by `voiding`, unless it is not stored or is itself a voiding statement.
async fn void_target(conn: &mut PgConnection, voiding: &str, target: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO xapi_voided (target_id, voiding_id) \
         SELECT id, $1::text FROM xapi_statements WHERE id = $2 AND NOT voiding \
         ON CONFLICT (target_id) DO NOTHING",
    )
    .bind(voiding)
    .bind(target)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// A lock on `key` held until the transaction ends.
async fn advisory_lock(conn: &mut PgConnection, key: &str) -> StoreResult<()> {
    advisory_locks(conn, vec![key.to_owned()]).await
}

async fn activity_definition_on(
    conn: &mut PgConnection,
    id: &str,
) -> StoreResult<Option<ActivityDefinition>> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT definition FROM xapi_activities WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
    text.map(|text| decode_definition(id, &text)).transpose()
}

#[async_trait]
impl LrsStore for PgStore {
    async fn insert_statements_from(
        &self,
        client: Option<i64>,
        statements: &[Statement],
        attachments: &[AttachmentContent],
    ) -> StoreResult<Vec<StatementInsert>> {
        // Prepared (validated, encoded, keyed) before a connection is taken.
        let prepared = prepare_statements(statements)?;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let outcome = insert_on(&mut tx, client, &prepared, statements, attachments).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(outcome)
    }

    async fn load_statements(&self, statements: &[Statement]) -> StoreResult<u64> {
        let prepared = prepare_statements(statements)?;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        load_on(&mut tx, &prepared, statements).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(prepared.len() as u64)
    }

    async fn get_statement(&self, id: &Uuid, voided: bool) -> StoreResult<StoredStatement> {
        let found = sqlx::query(
            "SELECT s.seq, s.id, s.client_id, s.body, v.target_id IS NOT NULL AS voided \
             FROM xapi_statements s LEFT JOIN xapi_voided v ON v.target_id = s.id \
             WHERE s.id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
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
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        let max_seq = match cursor {
            Some(cursor) => cursor.max_seq,
            None => sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM xapi_statements")
                .fetch_one(&mut *conn)
                .await
                .map_err(db_error)?,
        };
        let limit = page_limit(filter);
        let mut query = QueryBuilder::<Postgres>::new("");
        let keys = filter_keys(filter);
        if keys.is_empty() {
            query.push(
                "SELECT s.seq, s.id, s.client_id, s.stored, s.body, FALSE AS voided FROM xapi_statements s \
                 WHERE TRUE",
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
            let mut query = QueryBuilder::<Postgres>::new(
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
                .fetch_all(&self.pool)
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
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        activity_definition_on(&mut conn, id).await
    }

    async fn agents_seen(&self, key: &str) -> StoreResult<Vec<Agent>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT agent FROM xapi_agents WHERE agent_key = $1 ORDER BY seen")
                .bind(key)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
        decode_agents(&rows)
    }

    async fn document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
    ) -> StoreResult<Option<DocumentRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        document_on(&mut conn, scope, document_id).await
    }

    async fn document_ids(
        &self,
        scope: &DocumentScope,
        since: Option<OffsetDateTime>,
    ) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT document_id FROM xapi_documents WHERE resource = $1 AND activity_id = $2 \
             AND agent_key = $3 AND registration = $4 AND updated > $5 ORDER BY document_id",
        )
        .bind(scope.resource_name())
        .bind(&scope.activity_id)
        .bind(&scope.agent_key)
        .bind(&scope.registration)
        .bind(since.map_or(i64::MIN, micros))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)
    }

    async fn write_document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
        write: &DocumentWrite,
    ) -> StoreResult<Option<DocumentRecord>> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        advisory_lock(
            &mut tx,
            &format!(
                "xapi_document {} {} {} {} {document_id}",
                scope.resource_name(),
                scope.activity_id,
                scope.agent_key,
                scope.registration
            ),
        )
        .await?;
        let current = document_on(&mut tx, scope, document_id).await?;
        let next = apply_document_write(scope, document_id, current.as_ref(), write)?;
        match &next {
            Some(document) => {
                sqlx::query(
                    "INSERT INTO xapi_documents (resource, activity_id, agent_key, registration, \
                     document_id, content_type, contents, etag, updated) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
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
                    "DELETE FROM xapi_documents WHERE resource = $1 AND activity_id = $2 \
                     AND agent_key = $3 AND registration = $4 AND document_id = $5",
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
            "DELETE FROM xapi_documents WHERE resource = $1 AND activity_id = $2 \
             AND agent_key = $3 AND registration = $4",
        )
        .bind(scope.resource_name())
        .bind(&scope.activity_id)
        .bind(&scope.agent_key)
        .bind(&scope.registration)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected())
    }
    async fn create_lrs_client(
        &self,
        client: &NewLrsClient,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut transaction = self.pool.begin().await.map_err(db_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO xapi_clients (key, secret_hash, name, institution_id, scopes, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&client.key)
        .bind(&client.secret_hash)
        .bind(&client.name)
        .bind(client.institution.map(xc_domain::InstitutionId::get))
        .bind(Scope::join(&client.scopes))
        .bind(client.created_by.map(xc_domain::UserId::get))
        .bind(micros(client.created_at))
        .fetch_one(&mut *transaction)
        .await
        .map_err(db_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(id)
    }

    async fn find_lrs_client(&self, key: &str) -> StoreResult<Option<LrsClientRecord>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LRS_CLIENT_COLUMNS} FROM xapi_clients WHERE key = $1 AND revoked_at IS NULL"
        )))
        .bind(key)
        .fetch_optional(&self.pool)
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
        .fetch_all(&self.pool)
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
        let mut transaction = self.pool.begin().await.map_err(db_error)?;
        let revoked = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE xapi_clients SET revoked_at = $1 WHERE key = $2 AND revoked_at IS NULL \
             RETURNING {LRS_CLIENT_COLUMNS}"
        )))
        .bind(micros(at))
        .bind(key)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(db_error)?;
        let Some(row) = revoked else {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM xapi_clients WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *transaction)
                    .await
                    .map_err(db_error)?;
            return Err(revoke_refusal(known.is_some()));
        };
        let client = lrs_client(&row)?;
        commit_audited(transaction, &audit.about(client.id)).await?;
        Ok(client)
    }
}
