//! [`ShareStore`] on SQLite: credential shares in `credential_shares` and their presentations
//! in `credential_share_items` (migration 0013). A view is counted by one conditional UPDATE,
//! so it is counted only while the share is open, and concurrent views all count.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use xc_domain::LearnerId;
use xc_store::{
    AuditEvent, NewShare, ShareItem, ShareRecord, ShareStore, StoreError, StoreResult,
    check_new_share, share_fields_column, share_fields_from_column,
};

use crate::SqliteStore;
use crate::rows::{Cells, db_error, micros, row_id, unique_is};
use crate::stores::write_audit;

const SHARE_COLUMNS: &str = "id, token, learner_id, fields, created_at, expires_at, revoked_at, \
                             view_count, last_viewed_at";

fn share(row: &SqliteRow) -> StoreResult<ShareRecord> {
    let id = row_id(row, "credential_shares", "id")?;
    let cells = Cells::new(row, "credential_shares", id.to_string());
    Ok(ShareRecord {
        id,
        token: cells.get("token")?,
        learner: LearnerId::new(cells.get("learner_id")?),
        fields: cells.text("fields", share_fields_from_column)?,
        created_at: cells.timestamp("created_at")?,
        expires_at: cells.timestamp("expires_at")?,
        revoked_at: cells.opt_timestamp("revoked_at")?,
        view_count: cells.number("view_count", u64::try_from)?,
        last_viewed_at: cells.opt_timestamp("last_viewed_at")?,
        items: Vec::new(),
    })
}

/// The share of `condition` (a `WHERE` clause on one bound value) with its items.
async fn read_share(
    conn: &mut SqliteConnection,
    condition: &str,
    bind: impl FnOnce(
        sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
) -> StoreResult<Option<ShareRecord>> {
    let sql = format!("SELECT {SHARE_COLUMNS} FROM credential_shares WHERE {condition}");
    let row = bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
    let Some(row) = row else { return Ok(None) };
    let mut record = share(&row)?;
    record.items = read_items(conn, record.id).await?;
    Ok(Some(record))
}

async fn read_items(conn: &mut SqliteConnection, share_id: i64) -> StoreResult<Vec<ShareItem>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT credential_id, presentation FROM credential_share_items \
         WHERE share_id = ? ORDER BY position",
    )
    .bind(share_id)
    .fetch_all(conn)
    .await
    .map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|(credential, presentation)| ShareItem {
            credential,
            presentation,
        })
        .collect())
}

#[async_trait]
impl ShareStore for SqliteStore {
    async fn create_share(&self, new: &NewShare, audit: &AuditEvent) -> StoreResult<ShareRecord> {
        check_new_share(new)?;
        let mut tx = self.write.begin().await.map_err(db_error)?;
        for item in &new.items {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT learner_id FROM issued_credentials WHERE id = ?")
                    .bind(&item.credential)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
            if owner != Some(new.learner.get()) {
                return Err(StoreError::Invalid {
                    field: "credentials",
                    reason: format!("{} is not one of your credentials", item.credential),
                });
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO credential_shares (token, learner_id, fields, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&new.token)
        .bind(new.learner.get())
        .bind(share_fields_column(&new.fields))
        .bind(micros(new.created_at))
        .bind(micros(new.expires_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_is("token"))?;
        for (position, item) in new.items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO credential_share_items (share_id, position, credential_id, \
                 presentation) VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(i64::try_from(position).map_err(StoreError::backend)?)
            .bind(&item.credential)
            .bind(&item.presentation)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        write_audit(&mut tx, &audit.about(id)).await?;
        let record = read_share(&mut tx, "id = ?", |query| query.bind(id))
            .await?
            .ok_or(StoreError::NotFound { what: "share" })?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    async fn learner_shares(&self, learner: LearnerId) -> StoreResult<Vec<ShareRecord>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        let sql = format!(
            "SELECT {SHARE_COLUMNS} FROM credential_shares WHERE learner_id = ? ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(learner.get())
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        let mut shares = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut record = share(row)?;
            record.items = read_items(&mut conn, record.id).await?;
            shares.push(record);
        }
        Ok(shares)
    }

    async fn revoke_share(
        &self,
        learner: LearnerId,
        id: i64,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<ShareRecord> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let revoked: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT revoked_at FROM credential_shares WHERE id = ? AND learner_id = ?",
        )
        .bind(id)
        .bind(learner.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        match revoked {
            None => return Err(StoreError::NotFound { what: "share" }),
            Some(Some(_)) => return Err(StoreError::Conflict { field: "share" }),
            Some(None) => {}
        }
        sqlx::query("UPDATE credential_shares SET revoked_at = ? WHERE id = ?")
            .bind(micros(at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(id)).await?;
        let record = read_share(&mut tx, "id = ?", |query| query.bind(id))
            .await?
            .ok_or(StoreError::NotFound { what: "share" })?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    async fn view_share(&self, token: &str, at: OffsetDateTime) -> StoreResult<ShareRecord> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        sqlx::query(
            "UPDATE credential_shares SET view_count = view_count + 1, last_viewed_at = ? \
             WHERE token = ? AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(micros(at))
        .bind(token)
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let record = read_share(&mut tx, "token = ?", |query| query.bind(token.to_owned()))
            .await?
            .ok_or(StoreError::NotFound { what: "share" })?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }
}
