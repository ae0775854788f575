//! [`ShareStore`] on PostgreSQL: credential shares in `credential_shares` and their
//! presentations in `credential_share_items` (migration 0013). A view is counted by one
//! conditional UPDATE, so only while the share is open, and concurrent views all count; a
//! revocation locks the share's row, so of two at once one wins and the other is a conflict.

use async_trait::async_trait;
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use xc_domain::LearnerId;
use xc_store::{
    AuditEvent, NewShare, ShareItem, ShareRecord, ShareStore, StoreError, StoreResult,
    check_new_share, share_fields_column, share_fields_from_column,
};

use crate::PgStore;
use crate::audit::insert_audit;
use crate::codec::Stored;
use crate::error::store_error;

const SHARE_COLUMNS: &str = "id, token, learner_id, fields, created_at, expires_at, revoked_at, \
                             view_count, last_viewed_at";

fn share(row: &PgRow) -> StoreResult<ShareRecord> {
    let (stored, id) = Stored::by_id(row, "credential_shares")?;
    let fields: String = stored.get("fields")?;
    let view_count: i64 = stored.get("view_count")?;
    Ok(ShareRecord {
        id,
        token: stored.get("token")?,
        learner: LearnerId::new(stored.get("learner_id")?),
        fields: share_fields_from_column(&fields)
            .map_err(|error| stored.corrupt("fields", error))?,
        created_at: stored.get("created_at")?,
        expires_at: stored.get("expires_at")?,
        revoked_at: stored.get("revoked_at")?,
        view_count: u64::try_from(view_count)
            .map_err(|error| stored.corrupt("view_count", error))?,
        last_viewed_at: stored.get("last_viewed_at")?,
        items: Vec::new(),
    })
}

async fn read_items(conn: &mut PgConnection, share_id: i64) -> StoreResult<Vec<ShareItem>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT credential_id, presentation FROM credential_share_items \
         WHERE share_id = $1 ORDER BY position",
    )
    .bind(share_id)
    .fetch_all(conn)
    .await
    .map_err(store_error)?;
    Ok(rows
        .into_iter()
        .map(|(credential, presentation)| ShareItem {
            credential,
            presentation,
        })
        .collect())
}

async fn share_with_items(conn: &mut PgConnection, row: &PgRow) -> StoreResult<ShareRecord> {
    let mut record = share(row)?;
    record.items = read_items(conn, record.id).await?;
    Ok(record)
}

async fn read_share_by_id(conn: &mut PgConnection, id: i64) -> StoreResult<ShareRecord> {
    let sql = format!("SELECT {SHARE_COLUMNS} FROM credential_shares WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)?;
    share_with_items(conn, &row).await
}

#[async_trait]
impl ShareStore for PgStore {
    async fn create_share(&self, new: &NewShare, audit: &AuditEvent) -> StoreResult<ShareRecord> {
        check_new_share(new)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let ids: Vec<&str> = new.items.iter().map(|i| i.credential.as_str()).collect();
        let owned: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM issued_credentials WHERE id = ANY($1) AND learner_id = $2",
        )
        .bind(&ids)
        .bind(new.learner.get())
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        if usize::try_from(owned).ok() != Some(ids.len()) {
            return Err(StoreError::Invalid {
                field: "credentials",
                reason: "a chosen credential is not one of yours".into(),
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO credential_shares (token, learner_id, fields, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&new.token)
        .bind(new.learner.get())
        .bind(share_fields_column(&new.fields))
        .bind(new.created_at)
        .bind(new.expires_at)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        let positions: Vec<i32> = (0..ids.len())
            .map(|position| i32::try_from(position).map_err(StoreError::backend))
            .collect::<StoreResult<_>>()?;
        let presentations: Vec<&str> = new.items.iter().map(|i| i.presentation.as_str()).collect();
        sqlx::query(
            "INSERT INTO credential_share_items (share_id, position, credential_id, presentation) \
             SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::text[])",
        )
        .bind(id)
        .bind(&positions)
        .bind(&ids)
        .bind(&presentations)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        insert_audit(&mut transaction, &audit.about(id)).await?;
        let record = read_share_by_id(&mut transaction, id).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(record)
    }

    async fn learner_shares(&self, learner: LearnerId) -> StoreResult<Vec<ShareRecord>> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let sql = format!(
            "SELECT {SHARE_COLUMNS} FROM credential_shares WHERE learner_id = $1 ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(learner.get())
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        let mut shares = Vec::with_capacity(rows.len());
        for row in &rows {
            shares.push(share_with_items(&mut conn, row).await?);
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
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let revoked: Option<Option<OffsetDateTime>> = sqlx::query_scalar(
            "SELECT revoked_at FROM credential_shares WHERE id = $1 AND learner_id = $2 \
             FOR UPDATE",
        )
        .bind(id)
        .bind(learner.get())
        .fetch_optional(&mut *transaction)
        .await
        .map_err(store_error)?;
        match revoked {
            None => return Err(StoreError::NotFound { what: "share" }),
            Some(Some(_)) => return Err(StoreError::Conflict { field: "share" }),
            Some(None) => {}
        }
        sqlx::query("UPDATE credential_shares SET revoked_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        insert_audit(&mut transaction, &audit.about(id)).await?;
        let record = read_share_by_id(&mut transaction, id).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(record)
    }

    async fn view_share(&self, token: &str, at: OffsetDateTime) -> StoreResult<ShareRecord> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "UPDATE credential_shares SET view_count = view_count + 1, last_viewed_at = $2 \
             WHERE token = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token)
        .bind(at)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        let sql = format!("SELECT {SHARE_COLUMNS} FROM credential_shares WHERE token = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(store_error)?
            .ok_or(StoreError::NotFound { what: "share" })?;
        let record = share_with_items(&mut transaction, &row).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(record)
    }
}
