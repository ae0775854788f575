//! [`AccountStore`] on PostgreSQL: users, citizen self-registration (learner, account, consent
//! and audit entry in one transaction), role changes, consents, sessions and API tokens.

use async_trait::async_trait;
use sqlx::PgConnection;
use time::OffsetDateTime;
use xc_domain::{LearnerId, UserId, Username};
use xc_store::{
    AccountStore, ApiTokenRecord, AuditEvent, Consent, NewApiToken, NewLearner, NewUser,
    RoleAssignment, SessionRecord, StoreResult, UserRecord,
};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::{
    api_token_from_row, get, not_found, session_from_row, user_columns, user_from_row,
};
use crate::error::store_error;
use crate::learners::insert_learner;

/// Inserts an account on `connection`, linked to `learner`, created at `created_at` (the
/// callers pass their audit event's time, so the account and its audit entry agree: `NewUser`
/// carries no time of its own).
async fn insert_user(
    connection: &mut PgConnection,
    user: &NewUser,
    learner: Option<LearnerId>,
    created_at: OffsetDateTime,
) -> Result<UserId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, display_name, role, district_code, \
         institution_id, learner_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user.username.as_str())
    .bind(user.password_hash.as_deref())
    .bind(&user.display_name)
    .bind(user.role.role.as_str())
    .bind(user.role.district.as_ref().map(|code| code.as_str()))
    .bind(user.role.institution.map(|id| id.get()))
    .bind(learner.map(|id| id.get()))
    .bind(created_at)
    .fetch_one(connection)
    .await?;
    Ok(UserId::new(id))
}

#[async_trait]
impl AccountStore for PgStore {
    async fn register_citizen(
        &self,
        learner: &NewLearner,
        user: &NewUser,
        consent: &Consent,
        audit: &AuditEvent,
    ) -> StoreResult<(LearnerId, UserId)> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let learner_id = insert_learner(&mut transaction, learner)
            .await
            .map_err(store_error)?;
        // The account belongs to the learner just created, whatever `user.learner` said.
        let user_id = insert_user(&mut transaction, user, Some(learner_id), audit.at)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO consents (learner_id, purpose, notice_version, granted, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(learner_id.get())
        .bind(&consent.purpose)
        .bind(&consent.notice_version)
        .bind(consent.granted)
        .bind(consent.at)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(learner_id)).await?;
        Ok((learner_id, user_id))
    }

    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<UserId> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id = insert_user(&mut transaction, user, user.learner, audit.at)
            .await
            .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(id)
    }

    async fn find_user_by_username(&self, username: &Username) -> StoreResult<Option<UserRecord>> {
        // Usernames are stored lower-case and `Username` is lower-case, so equality is the
        // case-insensitive comparison and uses the unique index.
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = $1"
        ))
        .bind(username.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn get_user(&self, id: UserId) -> StoreResult<UserRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("user"))?;
        user_from_row(&row)
    }

    async fn set_role(
        &self,
        id: UserId,
        role: &RoleAssignment,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE users SET role = $2, district_code = $3, institution_id = $4 WHERE id = $1",
        )
        .bind(id.get())
        .bind(role.role.as_str())
        .bind(role.district.as_ref().map(|code| code.as_str()))
        .bind(role.institution.map(|institution| institution.get()))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(not_found("user"));
        }
        commit_audited(transaction, audit).await
    }

    async fn list_consents(&self, learner: LearnerId) -> StoreResult<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT purpose, notice_version, granted, at FROM consents WHERE learner_id = $1 \
             ORDER BY id",
        )
        .bind(learner.get())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(Consent {
                    purpose: get(row, "purpose")?,
                    notice_version: get(row, "notice_version")?,
                    granted: get(row, "granted")?,
                    at: get(row, "at")?,
                })
            })
            .collect()
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id.get())
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let row = sqlx::query(concat!(
            "SELECT sessions.token_hash AS session_token_hash, sessions.user_id AS session_user_id, \
             sessions.csrf_token AS session_csrf_token, sessions.created_at AS session_created_at, \
             sessions.expires_at AS session_expires_at, ",
            user_columns!(),
            " FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = $1 AND sessions.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        match row {
            Some(row) => Ok(Some((session_from_row(&row)?, user_from_row(&row)?))),
            None => Ok(None),
        }
    }

    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(deleted.rows_affected())
    }

    async fn create_api_token(&self, token: &NewApiToken, audit: &AuditEvent) -> StoreResult<i64> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, institution_id, name, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&token.token_hash)
        .bind(token.institution.get())
        .bind(&token.name)
        .bind(token.created_by.map(|id| id.get()))
        .bind(token.created_at)
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(id)
    }

    async fn find_api_token(&self, token_hash: &[u8]) -> StoreResult<Option<ApiTokenRecord>> {
        let row = sqlx::query(
            "SELECT id, institution_id, name, created_by, created_at FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(api_token_from_row).transpose()
    }
}
