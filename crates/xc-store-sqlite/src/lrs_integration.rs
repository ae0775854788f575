//! The learning record store joined to the credit bank on SQLite ([`LrsIntegrationStore`]): the
//! tables of migration 0017. Writes run on the one writer connection, each in one transaction
//! (`BEGIN IMMEDIATE` where a read decides what is written), so a link, an integration step and
//! an actor's erasure are all-or-nothing with their audit entries.

use std::collections::BTreeSet;

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use xc_domain::credit::Version;
use xc_domain::{LearnerId, UserId};
use xc_store::{
    ActorErasureCounts, ActorLinkRecord, AuditEvent, LEARNER_STATEMENT_PAGE_MAX,
    LearnerStatementRow, LrsIntegrationStore, NewActorLink, StatementPosition,
    StatementRulesVersion, StoreError, StoreResult, StoredStatement, TimelineWindow,
    attachment_hashes, decode_statement, micros,
};

use crate::SqliteStore;
use crate::rows::{db_error, from_micros, version};
use crate::stores::write_audit;

/// The columns [`stored_statement`] reads, on `xapi_statements s`.
const STATEMENT_COLUMNS: &str = "s.seq, s.id, s.client_id, s.body, \
     EXISTS (SELECT 1 FROM xapi_voided v WHERE v.target_id = s.id) AS voided";

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

fn link_record(row: &SqliteRow) -> StoreResult<ActorLinkRecord> {
    Ok(ActorLinkRecord {
        agent_key: row.try_get("agent_key").map_err(db_error)?,
        learner: LearnerId::new(row.try_get("learner_id").map_err(db_error)?),
        linked_at: from_micros(row.try_get("linked_at").map_err(db_error)?)?,
        linked_by: row
            .try_get::<Option<i64>, _>("linked_by")
            .map_err(db_error)?
            .map(UserId::new),
    })
}

fn limit_of(limit: u32) -> i64 {
    i64::from(limit.clamp(1, LEARNER_STATEMENT_PAGE_MAX))
}

fn no_keys() -> StoreError {
    StoreError::Invalid {
        field: "agent",
        reason: "an actor needs an identifier (mbox, mbox_sha1sum, openid or account)".into(),
    }
}

async fn learner_exists(conn: &mut SqliteConnection, learner: LearnerId) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM learners WHERE id = ?")
        .bind(learner.get())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(found.is_some())
}

async fn links_of(
    conn: &mut SqliteConnection,
    keys: &[String],
) -> StoreResult<Vec<ActorLinkRecord>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT agent_key, learner_id, linked_at, linked_by FROM xapi_actor_links \
             WHERE agent_key IN (",
        );
        let mut list = query.separated(", ");
        for key in chunk {
            list.push_bind(key.clone());
        }
        query.push(") ORDER BY agent_key");
        for row in query
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?
        {
            found.push(link_record(&row)?);
        }
    }
    Ok(found)
}

/// `DELETE FROM <table> WHERE <column> IN (values)`, in chunks; answers the rows deleted.
async fn delete_in(
    conn: &mut SqliteConnection,
    table: &str,
    column: &str,
    values: &[String],
) -> StoreResult<u64> {
    delete_in_where(conn, table, "", column, values).await
}

/// [`delete_in`] with a further `condition` (`"kind = 'agent' AND "`) before the list.
async fn delete_in_where(
    conn: &mut SqliteConnection,
    table: &str,
    condition: &str,
    column: &str,
    values: &[String],
) -> StoreResult<u64> {
    let mut deleted = 0;
    for chunk in values.chunks(500) {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "DELETE FROM {table} WHERE {condition}{column} IN ("
        ));
        let mut list = query.separated(", ");
        for value in chunk {
            list.push_bind(value.clone());
        }
        query.push(")");
        deleted += query
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?
            .rows_affected();
    }
    Ok(deleted)
}

#[async_trait]
impl LrsIntegrationStore for SqliteStore {
    async fn statements_after(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredStatement>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STATEMENT_COLUMNS} FROM xapi_statements s WHERE s.seq > ? \
             ORDER BY s.seq LIMIT ?"
        )))
        .bind(after)
        .bind(limit_of(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?
        .iter()
        .map(stored_statement)
        .collect()
    }

    async fn integration_applied(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT applied_seq FROM xapi_integration WHERE id = 1")
            .fetch_one(&self.read)
            .await
            .map_err(db_error)
    }

    async fn record_integration(
        &self,
        rows: &[LearnerStatementRow],
        applied: Option<i64>,
    ) -> StoreResult<u64> {
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let learners: BTreeSet<LearnerId> = rows.iter().map(|row| row.learner).collect();
        for learner in learners {
            if !learner_exists(&mut tx, learner).await? {
                return Err(StoreError::NotFound { what: "learner" });
            }
        }
        let mut added = 0;
        for row in rows {
            added += sqlx::query(
                "INSERT INTO xapi_learner_statements (learner_id, stored, seq) \
                 SELECT ?, stored, seq FROM xapi_statements WHERE seq = ? AND stored = ? \
                 ON CONFLICT DO NOTHING",
            )
            .bind(row.learner.get())
            .bind(row.seq)
            .bind(row.stored)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        }
        if let Some(applied) = applied {
            sqlx::query(
                "UPDATE xapi_integration SET applied_seq = MAX(applied_seq, ?) WHERE id = 1",
            )
            .bind(applied)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(added)
    }

    async fn link_actor(&self, link: &NewActorLink, audit: &AuditEvent) -> StoreResult<bool> {
        if link.keys.is_empty() {
            return Err(no_keys());
        }
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        if !learner_exists(&mut tx, link.learner).await? {
            return Err(StoreError::NotFound { what: "learner" });
        }
        let existing = links_of(&mut tx, &link.keys).await?;
        if existing.iter().any(|found| found.learner != link.learner) {
            return Err(StoreError::Conflict { field: "agent" });
        }
        let known: BTreeSet<&str> = existing.iter().map(|l| l.agent_key.as_str()).collect();
        let new: Vec<&String> = link
            .keys
            .iter()
            .filter(|key| !known.contains(key.as_str()))
            .collect();
        if new.is_empty() {
            return Ok(false);
        }
        for key in new {
            sqlx::query(
                "INSERT INTO xapi_actor_links (agent_key, learner_id, linked_at, linked_by) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(key)
            .bind(link.learner.get())
            .bind(micros(link.linked_at))
            .bind(link.linked_by.map(UserId::get))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn actor_links(&self, keys: &[String]) -> StoreResult<Vec<ActorLinkRecord>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        links_of(&mut conn, keys).await
    }

    async fn learner_actor_links(&self, learner: LearnerId) -> StoreResult<Vec<ActorLinkRecord>> {
        sqlx::query(
            "SELECT agent_key, learner_id, linked_at, linked_by FROM xapi_actor_links \
             WHERE learner_id = ? ORDER BY linked_at, agent_key",
        )
        .bind(learner.get())
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?
        .iter()
        .map(link_record)
        .collect()
    }

    async fn statements_of_agent(
        &self,
        key: &str,
        after: Option<StatementPosition>,
        limit: u32,
    ) -> StoreResult<Vec<StoredStatement>> {
        let (stored, seq) = after.unwrap_or((i64::MIN, i64::MIN));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STATEMENT_COLUMNS} FROM xapi_statement_keys k \
             JOIN xapi_statements s ON s.seq = k.seq \
             WHERE k.key_id = (SELECT id FROM xapi_keys WHERE key = ? AND kind = 'agent') \
             AND k.related_only = 0 AND k.via = k.seq \
             AND (k.stored, k.seq) > (?, ?) ORDER BY k.stored, k.seq LIMIT ?"
        )))
        .bind(key)
        .bind(stored)
        .bind(seq)
        .bind(limit_of(limit))
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?
        .iter()
        .map(stored_statement)
        .collect()
    }

    async fn learner_statements(
        &self,
        learner: LearnerId,
        window: &TimelineWindow,
        limit: u32,
    ) -> StoreResult<Vec<StoredStatement>> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {STATEMENT_COLUMNS} FROM xapi_learner_statements l \
             JOIN xapi_statements s ON s.seq = l.seq WHERE l.learner_id = "
        ));
        query.push_bind(learner.get());
        if let Some(from) = window.from {
            query.push(" AND l.stored >= ").push_bind(from);
        }
        if let Some(until) = window.until {
            query.push(" AND l.stored < ").push_bind(until);
        }
        if let Some((stored, seq)) = window.before {
            query
                .push(" AND (l.stored, l.seq) < (")
                .push_bind(stored)
                .push(", ")
                .push_bind(seq)
                .push(")");
        }
        query
            .push(
                " AND NOT EXISTS (SELECT 1 FROM xapi_voided v WHERE v.target_id = s.id) \
                 ORDER BY l.stored DESC, l.seq DESC LIMIT ",
            )
            .push_bind(limit_of(limit));
        query
            .build()
            .persistent(false)
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?
            .iter()
            .map(stored_statement)
            .collect()
    }

    async fn publish_statement_rules(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version> {
        // The one writer connection serialises publications, so the next number read here is
        // still the next when the row is written.
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO xapi_rule_versions (version, body, published_at, published_by) \
             SELECT COALESCE(MAX(version), 0) + 1, ?, ?, ? FROM xapi_rule_versions \
             RETURNING version",
        )
        .bind(body.to_string())
        .bind(micros(published_at))
        .bind(published_by.map(UserId::get))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(number)).await?;
        tx.commit().await.map_err(db_error)?;
        version(number).map_err(|reason| StoreError::Backend(reason.into()))
    }

    async fn list_statement_rule_versions(&self) -> StoreResult<Vec<StatementRulesVersion>> {
        sqlx::query(
            "SELECT version, body, published_at, published_by FROM xapi_rule_versions \
             ORDER BY version",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| {
            let number: i64 = row.try_get("version").map_err(db_error)?;
            let body: String = row.try_get("body").map_err(db_error)?;
            Ok(StatementRulesVersion {
                version: version(number)
                    .map_err(|reason| StoreError::corrupt("xapi_rule_versions.version", reason))?,
                body: serde_json::from_str(&body).map_err(|error| {
                    StoreError::corrupt(
                        "xapi_rule_versions.body",
                        format!("version {number}: {error}"),
                    )
                })?,
                published_at: from_micros(row.try_get("published_at").map_err(db_error)?)?,
                published_by: row
                    .try_get::<Option<i64>, _>("published_by")
                    .map_err(db_error)?
                    .map(UserId::new),
            })
        })
        .collect()
    }

    async fn erase_actor(
        &self,
        keys: &[String],
        audit: &AuditEvent,
    ) -> StoreResult<ActorErasureCounts> {
        if keys.is_empty() {
            return Err(no_keys());
        }
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        let mut doomed: Vec<(i64, String, String)> = Vec::new();
        for chunk in keys.chunks(500) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT DISTINCT s.seq, s.id, s.body FROM xapi_statement_keys k \
                 JOIN xapi_statements s ON s.seq = k.seq \
                 WHERE k.via = k.seq AND k.key_id IN \
                 (SELECT id FROM xapi_keys WHERE kind = 'agent' AND key IN (",
            );
            let mut list = query.separated(", ");
            for key in chunk {
                list.push_bind(key.clone());
            }
            query.push("))");
            let rows: Vec<(i64, String, String)> = query
                .build_query_as()
                .persistent(false)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_error)?;
            doomed.extend(rows);
        }
        doomed.sort();
        doomed.dedup();
        let mut hashes = BTreeSet::new();
        for (_, id, body) in &doomed {
            hashes.extend(attachment_hashes(&decode_statement(body, id)?));
        }
        let seqs: Vec<i64> = doomed.iter().map(|(seq, _, _)| *seq).collect();
        let mut counts = ActorErasureCounts::default();
        for chunk in seqs.chunks(500) {
            let mut query =
                QueryBuilder::<Sqlite>::new("DELETE FROM xapi_statements WHERE seq IN (");
            let mut list = query.separated(", ");
            for seq in chunk {
                list.push_bind(*seq);
            }
            query.push(")");
            counts.statements += query
                .build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected();
        }
        // An attachment is kept while any statement left still lists it (its hash in the
        // statement's JSON); only the erased statements' hashes are looked for.
        for hash in hashes {
            let pattern = format!("%\"sha2\":\"{hash}\"%");
            let still_listed: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM xapi_statements WHERE lower(body) LIKE ? LIMIT 1",
            )
            .bind(&pattern)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
            if still_listed.is_none() {
                counts.attachments += sqlx::query("DELETE FROM xapi_attachments WHERE sha2 = ?")
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .rows_affected();
            }
        }
        // The actor's keys themselves (their identifiers), now that no key row uses them.
        delete_in_where(&mut tx, "xapi_keys", "kind = 'agent' AND ", "key", keys).await?;
        counts.documents = delete_in(&mut tx, "xapi_documents", "agent_key", keys).await?;
        counts.agents = delete_in(&mut tx, "xapi_agents", "agent_key", keys).await?;
        counts.links = delete_in(&mut tx, "xapi_actor_links", "agent_key", keys).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(counts)
    }
}
