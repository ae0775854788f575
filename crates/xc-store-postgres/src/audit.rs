//! [`AuditStore`] on PostgreSQL, and [`insert_audit`], the one statement every audited change
//! runs inside its own transaction ([`commit_audited`] when it is the change's last step). The
//! table itself refuses UPDATE, DELETE and TRUNCATE (see the migration's triggers).

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder, Transaction};
use xc_store::{AuditEntry, AuditEvent, AuditFilter, AuditStore, PageRequest, Paged, StoreResult};

use crate::PgStore;
use crate::codec::get;
use crate::error::store_error;
use crate::queries::fetch_page;

/// Appends `event` on `connection` (inside the caller's transaction) and returns its id.
pub(crate) async fn insert_audit(
    connection: &mut PgConnection,
    event: &AuditEvent,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(event.at)
    .bind(event.actor.label())
    .bind(&event.action)
    .bind(&event.subject_kind)
    .bind(&event.subject_id)
    .bind(Json(&event.detail))
    .fetch_one(connection)
    .await
    .map_err(store_error)
}

/// Appends `event` inside `transaction` and commits: the last step of every audited change, so
/// the change and its entry are kept together or not at all.
pub(crate) async fn commit_audited(
    mut transaction: Transaction<'_, Postgres>,
    event: &AuditEvent,
) -> StoreResult<()> {
    insert_audit(&mut transaction, event).await?;
    transaction.commit().await.map_err(store_error)
}

fn filtered_audit(select: &str, filter: &AuditFilter) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new(format!("SELECT {select} FROM audit_log WHERE TRUE"));
    if let Some(action) = &filter.action {
        query.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(kind) = &filter.subject_kind {
        query.push(" AND subject_kind = ").push_bind(kind.clone());
    }
    if let Some(id) = &filter.subject_id {
        query.push(" AND subject_id = ").push_bind(id.clone());
    }
    query
}

fn audit_entry_from_row(row: &PgRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: get(row, "id")?,
        at: get(row, "at")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        subject_kind: get(row, "subject_kind")?,
        subject_id: get(row, "subject_id")?,
        detail: get::<Json<serde_json::Value>>(row, "detail")?.0,
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        insert_audit(&mut connection, event).await
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<AuditEntry>> {
        fetch_page(
            &self.pool,
            |select| filtered_audit(select, filter),
            "id, at, actor, action, subject_kind, subject_id, detail",
            "id DESC",
            page,
            audit_entry_from_row,
        )
        .await
    }
}
