//! [`LearnerStore`] on PostgreSQL. Every read puts the caller's [`LearnerScope`] into the WHERE
//! clause (a learner outside it is never loaded), and a [`LearnerFilter`] only adds conditions,
//! so it can narrow a scope but never widen it. Writes run with their audit entry in one
//! transaction.

use async_trait::async_trait;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use xc_domain::{LearnerId, LearnerScope};
use xc_store::{
    AuditEvent, ContactChange, LearnerFilter, LearnerRecord, LearnerStore, NewLearner, PageRequest,
    Paged, StoreResult,
};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::{learner_columns, learner_from_row, not_found, topics_to_text};
use crate::error::store_error;
use crate::queries::fetch_page;

/// `SELECT <select> FROM learners WHERE <scope> AND <filter>`. A scope that admits nobody needs
/// no query to know the answer: callers answer [`LearnerScope::Nobody`] without one (here it is
/// `FALSE`, so the SQL is right whatever the caller does).
fn scoped_learners(
    select: &str,
    scope: &LearnerScope,
    filter: &LearnerFilter,
) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new(format!("SELECT {select} FROM learners WHERE "));
    match scope {
        LearnerScope::All => query.push("TRUE"),
        LearnerScope::District(district) => query
            .push("district_code = ")
            .push_bind(district.as_str().to_owned()),
        LearnerScope::Institution(institution) => {
            query.push("registered_by = ").push_bind(institution.get())
        }
        LearnerScope::Only(id) => query.push("id = ").push_bind(id.get()),
        LearnerScope::Nobody => query.push("FALSE"),
    };
    if let Some(district) = &filter.district {
        query
            .push(" AND district_code = ")
            .push_bind(district.as_str().to_owned());
    }
    if let Some(subdistrict) = &filter.subdistrict {
        query
            .push(" AND subdistrict_code = ")
            .push_bind(subdistrict.as_str().to_owned());
    }
    query
}

/// Inserts a learner on `connection` and returns the id the database assigned.
pub(crate) async fn insert_learner(
    connection: &mut PgConnection,
    learner: &NewLearner,
) -> Result<LearnerId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO learners (display_name, national_id_ciphertext, national_id_masked, \
         national_id_lookup, birth_year, gender, district_code, subdistrict_code, \
         neighbourhood_code, phone_ciphertext, phone_masked, interests, registered_at, \
         registered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(&learner.display_name)
    .bind(&learner.national_id.ciphertext)
    .bind(&learner.national_id.masked)
    .bind(&learner.national_id_lookup)
    .bind(learner.birth_year)
    .bind(learner.gender.as_str())
    .bind(learner.district.as_str())
    .bind(learner.subdistrict.as_ref().map(|code| code.as_str()))
    .bind(learner.neighbourhood.as_ref().map(|code| code.as_str()))
    .bind(
        learner
            .phone
            .as_ref()
            .map(|phone| phone.ciphertext.as_slice()),
    )
    .bind(learner.phone.as_ref().map(|phone| phone.masked.as_str()))
    .bind(topics_to_text(&learner.interests))
    .bind(learner.registered_at)
    .bind(learner.registered_by.map(|id| id.get()))
    .fetch_one(connection)
    .await?;
    Ok(LearnerId::new(id))
}

#[async_trait]
impl LearnerStore for PgStore {
    async fn list_learners(
        &self,
        scope: &LearnerScope,
        filter: &LearnerFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<LearnerRecord>> {
        if matches!(scope, LearnerScope::Nobody) {
            return Ok(Paged {
                items: Vec::new(),
                total: 0,
            });
        }
        fetch_page(
            &self.pool,
            |select| scoped_learners(select, scope, filter),
            learner_columns!(),
            "id",
            page,
            learner_from_row,
        )
        .await
    }

    async fn get_learner(&self, scope: &LearnerScope, id: LearnerId) -> StoreResult<LearnerRecord> {
        if matches!(scope, LearnerScope::Nobody) {
            return Err(not_found("learner"));
        }
        let mut query = scoped_learners(learner_columns!(), scope, &LearnerFilter::default());
        query.push(" AND id = ").push_bind(id.get());
        let row = query
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .ok_or_else(|| not_found("learner"))?;
        learner_from_row(&row)
    }

    async fn find_learner_by_national_id(&self, lookup: &[u8]) -> StoreResult<Option<LearnerId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM learners WHERE national_id_lookup = $1")
                .bind(lookup)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(id.map(LearnerId::new))
    }

    async fn find_learners_by_national_ids(
        &self,
        lookups: &[Vec<u8>],
    ) -> StoreResult<Vec<(Vec<u8>, LearnerId)>> {
        if lookups.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT national_id_lookup, id FROM learners \
             WHERE national_id_lookup = ANY($1::bytea[])",
        )
        .bind(lookups)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(found
            .into_iter()
            .map(|(lookup, id)| (lookup, LearnerId::new(id)))
            .collect())
    }

    async fn existing_learners(&self, ids: &[LearnerId]) -> StoreResult<Vec<LearnerId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let found: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM learners WHERE id = ANY($1::bigint[])")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(found.into_iter().map(LearnerId::new).collect())
    }

    async fn create_learner(
        &self,
        learner: &NewLearner,
        audit: &AuditEvent,
    ) -> StoreResult<LearnerId> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let id = insert_learner(&mut transaction, learner)
            .await
            .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(id)
    }

    async fn update_contact(
        &self,
        id: LearnerId,
        change: &ContactChange,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        // One static statement: a field left out keeps its value (COALESCE), and the phone is
        // replaced, possibly by NULL, only when `$3` says it changes.
        let new_phone = change.phone.as_ref().and_then(Option::as_ref);
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE learners SET \
               display_name = COALESCE($2, display_name), \
               phone_ciphertext = CASE WHEN $3 THEN $4 ELSE phone_ciphertext END, \
               phone_masked = CASE WHEN $3 THEN $5 ELSE phone_masked END, \
               interests = COALESCE($6, interests) \
             WHERE id = $1",
        )
        .bind(id.get())
        .bind(change.display_name.as_deref())
        .bind(change.phone.is_some())
        .bind(new_phone.map(|phone| phone.ciphertext.as_slice()))
        .bind(new_phone.map(|phone| phone.masked.as_str()))
        .bind(change.interests.as_deref().map(topics_to_text))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(not_found("learner"));
        }
        commit_audited(transaction, audit).await
    }
}
