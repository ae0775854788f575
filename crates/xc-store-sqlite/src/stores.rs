//! The store traits on SQLite. Every write that carries an [`AuditEvent`] runs in one
//! transaction with its audit row.

use std::path::Path;

use async_trait::async_trait;
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use xc_domain::*;
use xc_store::*;

use crate::SqliteStore;
use crate::rows::{self, LEARNER_COLUMNS, SITE_COLUMNS, USER_COLUMNS, db_error, micros};

/// Rows per multi-row INSERT: SQLite allows 32,766 bound values a statement.
pub(crate) const BULK_VALUES: usize = 30_000;

pub(crate) async fn write_audit(
    conn: &mut SqliteConnection,
    event: &AuditEvent,
) -> StoreResult<i64> {
    let id = sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(micros(event.at))
    .bind(event.actor.label())
    .bind(&event.action)
    .bind(&event.subject_kind)
    .bind(&event.subject_id)
    .bind(event.detail.to_string())
    .execute(conn)
    .await
    .map_err(db_error)?
    .last_insert_rowid();
    Ok(id)
}

pub(crate) fn not_found(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| match error {
        sqlx::Error::RowNotFound => StoreError::NotFound { what },
        other => db_error(other),
    }
}

/// Refuses to decide on a row that is gone or already decided: `NotFound { what }` when
/// `select_status` (one row's status by its id, `?`) finds nothing, `Conflict { field: "status" }`
/// when the status is not `open`. Asked inside the deciding transaction.
pub(crate) async fn require_open(
    conn: &mut SqliteConnection,
    select_status: &'static str,
    id: i64,
    open: &str,
    what: &'static str,
) -> StoreResult<()> {
    let status: Option<String> = sqlx::query_scalar(select_status)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_error)?;
    match status {
        None => Err(StoreError::NotFound { what }),
        Some(status) if status == open => Ok(()),
        Some(_) => Err(StoreError::Conflict { field: "status" }),
    }
}

/// Appends the scope and the filter to a learner query (`... WHERE 1 = 1` already pushed).
fn push_learner_scope(
    query: &mut QueryBuilder<Sqlite>,
    scope: &LearnerScope,
    filter: &LearnerFilter,
) {
    match scope {
        LearnerScope::All => {}
        LearnerScope::District(code) => {
            query
                .push(" AND district_code = ")
                .push_bind(code.as_str().to_owned());
        }
        LearnerScope::Institution(id) => {
            query.push(" AND registered_by = ").push_bind(id.get());
        }
        LearnerScope::Only(id) => {
            query.push(" AND id = ").push_bind(id.get());
        }
        LearnerScope::Nobody => {
            query.push(" AND 0");
        }
    }
    if let Some(code) = &filter.district {
        query
            .push(" AND district_code = ")
            .push_bind(code.as_str().to_owned());
    }
    if let Some(code) = &filter.subdistrict {
        query
            .push(" AND subdistrict_code = ")
            .push_bind(code.as_str().to_owned());
    }
}

fn push_site_filter(query: &mut QueryBuilder<Sqlite>, filter: &SiteFilter) {
    if let Some(code) = &filter.district {
        query
            .push(" AND district_code = ")
            .push_bind(code.as_str().to_owned());
    }
    if let Some(code) = &filter.subdistrict {
        query
            .push(" AND subdistrict_code = ")
            .push_bind(code.as_str().to_owned());
    }
    if let Some(kind) = filter.kind {
        query.push(" AND kind = ").push_bind(kind.as_str());
    }
    if let Some(institution) = filter.institution {
        query
            .push(" AND institution_id = ")
            .push_bind(institution.get());
    }
}

fn push_page(query: &mut QueryBuilder<Sqlite>, page: PageRequest) {
    query
        .push(" LIMIT ")
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(page.offset as i64);
}

/// Every row `query` finds on `executor`, each read by `decode`.
pub(crate) async fn fetch_decoded<'c, T>(
    executor: impl sqlx::SqliteExecutor<'c>,
    query: Query<'_, Sqlite, SqliteArguments>,
    decode: fn(&SqliteRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    query
        .fetch_all(executor)
        .await
        .map_err(db_error)?
        .iter()
        .map(decode)
        .collect()
}

/// One page of `columns FROM table` rows whose conditions `filter` appends (each as
/// ` AND …`), in `order`, with the total number of matching rows.
pub(crate) async fn fetch_page<T>(
    pool: &sqlx::SqlitePool,
    columns: &str,
    table: &str,
    filter: impl Fn(&mut QueryBuilder<Sqlite>),
    order: &str,
    page: PageRequest,
    decode: fn(&SqliteRow) -> StoreResult<T>,
) -> StoreResult<Paged<T>> {
    let mut conn = pool.acquire().await.map_err(db_error)?;
    fetch_page_on(&mut conn, columns, table, filter, order, page, decode).await
}

/// [`fetch_page`] on one connection, e.g. inside a read transaction whose snapshot later
/// queries must share.
pub(crate) async fn fetch_page_on<T>(
    conn: &mut SqliteConnection,
    columns: &str,
    table: &str,
    filter: impl Fn(&mut QueryBuilder<Sqlite>),
    order: &str,
    page: PageRequest,
    decode: fn(&SqliteRow) -> StoreResult<T>,
) -> StoreResult<Paged<T>> {
    let mut count =
        QueryBuilder::<Sqlite>::new(format!("SELECT count(*) FROM {table} WHERE 1 = 1"));
    filter(&mut count);
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    let mut query =
        QueryBuilder::<Sqlite>::new(format!("SELECT {columns} FROM {table} WHERE 1 = 1"));
    filter(&mut query);
    query.push(format!(" ORDER BY {order}"));
    push_page(&mut query, page);
    let items = fetch_decoded(&mut *conn, query.build(), decode).await?;
    Ok(Paged {
        items,
        total: total as u64,
    })
}

#[async_trait]
impl GeographyStore for SqliteStore {
    async fn list_districts(&self) -> StoreResult<Vec<District>> {
        fetch_decoded(
            &self.read,
            sqlx::query("SELECT * FROM districts ORDER BY code"),
            rows::district,
        )
        .await
    }

    async fn get_district(&self, code: &DistrictCode) -> StoreResult<District> {
        let row = sqlx::query("SELECT * FROM districts WHERE code = ?")
            .bind(code.as_str())
            .fetch_one(&self.read)
            .await
            .map_err(not_found("district"))?;
        rows::district(&row)
    }

    async fn list_subdistricts(&self, district: &DistrictCode) -> StoreResult<Vec<Subdistrict>> {
        let query = sqlx::query("SELECT * FROM subdistricts WHERE district_code = ? ORDER BY code")
            .bind(district.as_str());
        fetch_decoded(&self.read, query, rows::subdistrict).await
    }

    async fn get_subdistrict(&self, code: &SubdistrictCode) -> StoreResult<Subdistrict> {
        let row = sqlx::query("SELECT * FROM subdistricts WHERE code = ?")
            .bind(code.as_str())
            .fetch_one(&self.read)
            .await
            .map_err(not_found("subdistrict"))?;
        rows::subdistrict(&row)
    }

    async fn list_neighbourhoods(
        &self,
        subdistrict: &SubdistrictCode,
    ) -> StoreResult<Vec<Neighbourhood>> {
        let query =
            sqlx::query("SELECT * FROM neighbourhoods WHERE subdistrict_code = ? ORDER BY code")
                .bind(subdistrict.as_str());
        fetch_decoded(&self.read, query, rows::neighbourhood).await
    }

    async fn overview(&self, district: Option<&DistrictCode>, year: i32) -> StoreResult<Overview> {
        let code = district.map(|d| d.as_str().to_owned());
        // One statement, so the figures come from one snapshot of the database.
        let row = sqlx::query(
            "SELECT
                (SELECT count(*) FROM districts WHERE ?1 IS NULL OR code = ?1) AS districts,
                (SELECT coalesce(sum(residents), 0) FROM districts WHERE ?1 IS NULL OR code = ?1) AS residents,
                (SELECT coalesce(sum(residents_60_plus), 0) FROM districts WHERE ?1 IS NULL OR code = ?1) AS residents_60_plus,
                (SELECT count(*) FROM subdistricts WHERE ?1 IS NULL OR district_code = ?1) AS subdistricts,
                (SELECT count(*) FROM neighbourhoods WHERE ?1 IS NULL OR district_code = ?1) AS neighbourhoods,
                (SELECT count(*) FROM institutions WHERE ?1 IS NULL OR district_code = ?1) AS institutions,
                (SELECT count(*) FROM teachers WHERE ?1 IS NULL OR district_code = ?1) AS teachers,
                (SELECT count(*) FROM learners WHERE ?1 IS NULL OR district_code = ?1) AS learners,
                (SELECT count(*) FROM learners WHERE (?1 IS NULL OR district_code = ?1) AND birth_year <= ?2) AS learners_60_plus",
        )
        .bind(&code)
        .bind(year - 60)
        .fetch_one(&self.read)
        .await
        .map_err(db_error)?;
        use sqlx::Row;
        let count =
            |column: &str| -> StoreResult<i64> { row.try_get(column).map_err(StoreError::backend) };
        let kinds = sqlx::query_as::<_, (String, i64)>(
            "SELECT kind, count(*) FROM sites WHERE ?1 IS NULL OR district_code = ?1 GROUP BY kind",
        )
        .bind(&code)
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?;
        let mut sites_by_kind = Vec::new();
        for kind in SiteKind::ALL {
            if let Some((_, n)) = kinds.iter().find(|(k, _)| k == kind.as_str()) {
                sites_by_kind.push((*kind, *n));
            }
        }
        Ok(Overview {
            districts: count("districts")?,
            subdistricts: count("subdistricts")?,
            neighbourhoods: count("neighbourhoods")?,
            residents: count("residents")?,
            residents_60_plus: count("residents_60_plus")?,
            institutions: count("institutions")?,
            teachers: count("teachers")?,
            learners: count("learners")?,
            learners_60_plus: count("learners_60_plus")?,
            sites_by_kind,
        })
    }
}

#[async_trait]
impl SiteStore for SqliteStore {
    async fn list_sites(&self, filter: &SiteFilter, page: PageRequest) -> StoreResult<Paged<Site>> {
        fetch_page(
            &self.read,
            SITE_COLUMNS,
            "sites",
            |q| push_site_filter(q, filter),
            "id",
            page,
            rows::site,
        )
        .await
    }

    async fn get_site(&self, id: SiteId) -> StoreResult<Site> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE id = ?"
        )))
        .bind(id.get())
        .fetch_one(&self.read)
        .await
        .map_err(not_found("site"))?;
        rows::site(&row)
    }

    async fn get_institution(&self, id: InstitutionId) -> StoreResult<Institution> {
        let row = sqlx::query("SELECT * FROM institutions WHERE id = ?")
            .bind(id.get())
            .fetch_one(&self.read)
            .await
            .map_err(not_found("institution"))?;
        rows::institution(&row)
    }
}

async fn insert_learner(
    conn: &mut SqliteConnection,
    learner: &NewLearner,
) -> StoreResult<LearnerId> {
    let id = sqlx::query(
        "INSERT INTO learners (display_name, national_id_ciphertext, national_id_masked, national_id_lookup,
            birth_year, gender, district_code, subdistrict_code, neighbourhood_code, phone_ciphertext,
            phone_masked, interests, registered_at, registered_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&learner.display_name)
    .bind(&learner.national_id.ciphertext)
    .bind(&learner.national_id.masked)
    .bind(&learner.national_id_lookup)
    .bind(learner.birth_year)
    .bind(learner.gender.as_str())
    .bind(learner.district.as_str())
    .bind(learner.subdistrict.as_ref().map(|c| c.as_str()))
    .bind(learner.neighbourhood.as_ref().map(|c| c.as_str()))
    .bind(learner.phone.as_ref().map(|p| &p.ciphertext))
    .bind(learner.phone.as_ref().map(|p| &p.masked))
    .bind(topics_to_text(&learner.interests))
    .bind(micros(learner.registered_at))
    .bind(learner.registered_by.map(InstitutionId::get))
    .execute(conn)
    .await
    .map_err(db_error)?
    .last_insert_rowid();
    Ok(LearnerId::new(id))
}

async fn insert_user(conn: &mut SqliteConnection, user: &NewUser) -> StoreResult<UserId> {
    let id = sqlx::query(
        "INSERT INTO users (username, password_hash, display_name, role, district_code, institution_id, learner_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(user.username.as_str())
    .bind(&user.password_hash)
    .bind(&user.display_name)
    .bind(user.role.role.as_str())
    .bind(user.role.district.as_ref().map(|c| c.as_str()))
    .bind(user.role.institution.map(InstitutionId::get))
    .bind(user.learner.map(LearnerId::get))
    .bind(micros(OffsetDateTime::now_utc()))
    .execute(conn)
    .await
    .map_err(db_error)?
    .last_insert_rowid();
    Ok(UserId::new(id))
}

#[async_trait]
impl LearnerStore for SqliteStore {
    async fn list_learners(
        &self,
        scope: &LearnerScope,
        filter: &LearnerFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<LearnerRecord>> {
        fetch_page(
            &self.read,
            LEARNER_COLUMNS,
            "learners",
            |q| push_learner_scope(q, scope, filter),
            "id",
            page,
            rows::learner,
        )
        .await
    }

    async fn get_learner(&self, scope: &LearnerScope, id: LearnerId) -> StoreResult<LearnerRecord> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {LEARNER_COLUMNS} FROM learners WHERE id = "
        ));
        query.push_bind(id.get());
        push_learner_scope(&mut query, scope, &LearnerFilter::default());
        let row = query
            .build()
            .fetch_one(&self.read)
            .await
            .map_err(not_found("learner"))?;
        rows::learner(&row)
    }

    async fn find_learner_by_national_id(&self, lookup: &[u8]) -> StoreResult<Option<LearnerId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM learners WHERE national_id_lookup = ?")
                .bind(lookup)
                .fetch_optional(&self.read)
                .await
                .map_err(db_error)?;
        Ok(id.map(LearnerId::new))
    }

    async fn find_learners_by_national_ids(
        &self,
        lookups: &[Vec<u8>],
    ) -> StoreResult<Vec<(Vec<u8>, LearnerId)>> {
        let mut found = Vec::new();
        for chunk in lookups.chunks(BULK_VALUES) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT national_id_lookup, id FROM learners WHERE national_id_lookup IN (",
            );
            let mut list = query.separated(", ");
            for lookup in chunk {
                list.push_bind(lookup.as_slice());
            }
            query.push(")");
            let rows: Vec<(Vec<u8>, i64)> = query
                .build_query_as()
                .persistent(false)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
            found.extend(
                rows.into_iter()
                    .map(|(lookup, id)| (lookup, LearnerId::new(id))),
            );
        }
        Ok(found)
    }

    async fn existing_learners(&self, ids: &[LearnerId]) -> StoreResult<Vec<LearnerId>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(BULK_VALUES) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT id FROM learners WHERE id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id.get());
            }
            query.push(")");
            let rows: Vec<i64> = query
                .build_query_scalar()
                .persistent(false)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
            found.extend(rows.into_iter().map(LearnerId::new));
        }
        Ok(found)
    }

    async fn create_learner(
        &self,
        learner: &NewLearner,
        audit: &AuditEvent,
    ) -> StoreResult<LearnerId> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id = insert_learner(&mut tx, learner).await?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn update_contact(
        &self,
        id: LearnerId,
        change: &ContactChange,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let mut query = QueryBuilder::<Sqlite>::new("UPDATE learners SET id = id");
        if let Some(name) = &change.display_name {
            query.push(", display_name = ").push_bind(name.clone());
        }
        if let Some(phone) = &change.phone {
            query
                .push(", phone_ciphertext = ")
                .push_bind(phone.as_ref().map(|p| p.ciphertext.clone()));
            query
                .push(", phone_masked = ")
                .push_bind(phone.as_ref().map(|p| p.masked.clone()));
        }
        if let Some(interests) = &change.interests {
            query
                .push(", interests = ")
                .push_bind(topics_to_text(interests));
        }
        query.push(" WHERE id = ").push_bind(id.get());
        let updated = query
            .build()
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound { what: "learner" });
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn register_citizen(
        &self,
        learner: &NewLearner,
        user: &NewUser,
        consent: &Consent,
        audit: &AuditEvent,
    ) -> StoreResult<(LearnerId, UserId)> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let learner_id = insert_learner(&mut tx, learner).await?;
        let user_id = insert_user(
            &mut tx,
            &NewUser {
                learner: Some(learner_id),
                ..user.clone()
            },
        )
        .await?;
        sqlx::query("INSERT INTO consents (learner_id, purpose, notice_version, granted, at) VALUES (?, ?, ?, ?, ?)")
            .bind(learner_id.get())
            .bind(&consent.purpose)
            .bind(&consent.notice_version)
            .bind(consent.granted)
            .bind(micros(consent.at))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(learner_id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((learner_id, user_id))
    }

    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<UserId> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id = insert_user(&mut tx, user).await?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn find_user_by_username(&self, username: &Username) -> StoreResult<Option<UserRecord>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = ?"
        )))
        .bind(username.as_str())
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    async fn get_user(&self, id: UserId) -> StoreResult<UserRecord> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = ?"
        )))
        .bind(id.get())
        .fetch_one(&self.read)
        .await
        .map_err(not_found("user"))?;
        rows::user(&row)
    }

    async fn set_role(
        &self,
        id: UserId,
        role: &RoleAssignment,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let updated = sqlx::query(
            "UPDATE users SET role = ?, district_code = ?, institution_id = ? WHERE id = ?",
        )
        .bind(role.role.as_str())
        .bind(role.district.as_ref().map(|c| c.as_str()))
        .bind(role.institution.map(InstitutionId::get))
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound { what: "user" });
        }
        // Sessions carry the role they were opened with: end them so the new role applies now.
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    async fn list_consents(&self, learner: LearnerId) -> StoreResult<Vec<Consent>> {
        let rows = sqlx::query_as::<_, (String, String, bool, i64)>(
            "SELECT purpose, notice_version, granted, at FROM consents WHERE learner_id = ? ORDER BY id",
        )
        .bind(learner.get())
        .fetch_all(&self.read)
        .await
        .map_err(db_error)?;
        rows.into_iter()
            .map(|(purpose, notice_version, granted, at)| {
                Ok(Consent {
                    purpose,
                    notice_version,
                    granted,
                    at: rows::from_micros(at)?,
                })
            })
            .collect()
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&session.token_hash)
            .bind(session.user_id.get())
            .bind(&session.csrf_token)
            .bind(micros(session.created_at))
            .bind(micros(session.expires_at))
            .execute(&self.write)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let Some(row) = sqlx::query(
            "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, s.expires_at,
                    u.id, u.username, u.password_hash, u.display_name, u.role, u.district_code,
                    u.institution_id, u.learner_id, u.created_at, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?
        else {
            return Ok(None);
        };
        use sqlx::Row;
        let user = rows::user(&row)?;
        let session = SessionRecord {
            token_hash: row.try_get("token_hash").map_err(StoreError::backend)?,
            user_id: user.id,
            csrf_token: row.try_get("csrf_token").map_err(StoreError::backend)?,
            created_at: rows::from_micros(
                row.try_get("session_created_at")
                    .map_err(StoreError::backend)?,
            )?,
            expires_at: rows::from_micros(row.try_get("expires_at").map_err(StoreError::backend)?)?,
        };
        Ok(Some((session, user)))
    }

    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.write)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(micros(now))
            .execute(&self.write)
            .await
            .map_err(db_error)?
            .rows_affected())
    }

    async fn create_api_token(&self, token: &NewApiToken, audit: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let id = sqlx::query(
            "INSERT INTO api_tokens (token_hash, institution_id, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&token.token_hash)
        .bind(token.institution.get())
        .bind(&token.name)
        .bind(token.created_by.map(UserId::get))
        .bind(micros(token.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .last_insert_rowid();
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn find_api_token(&self, token_hash: &[u8]) -> StoreResult<Option<ApiTokenRecord>> {
        let row = sqlx::query_as::<_, (i64, i64, String, Option<i64>, i64)>(
            "SELECT id, institution_id, name, created_by, created_at FROM api_tokens
             WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(db_error)?;
        row.map(|(id, institution, name, created_by, created_at)| {
            Ok(ApiTokenRecord {
                id,
                institution: InstitutionId::new(institution),
                name,
                created_by: created_by.map(UserId::new),
                created_at: rows::from_micros(created_at)?,
            })
        })
        .transpose()
    }
}

fn push_audit_filter(query: &mut QueryBuilder<Sqlite>, filter: &AuditFilter) {
    if let Some(action) = &filter.action {
        query.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(kind) = &filter.subject_kind {
        query.push(" AND subject_kind = ").push_bind(kind.clone());
    }
    if let Some(id) = &filter.subject_id {
        query.push(" AND subject_id = ").push_bind(id.clone());
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64> {
        let mut conn = self.write.acquire().await.map_err(db_error)?;
        write_audit(&mut conn, event).await
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<AuditEntry>> {
        fetch_page(
            &self.read,
            "*",
            "audit_log",
            |q| push_audit_filter(q, filter),
            "id DESC",
            page,
            rows::audit_entry,
        )
        .await
    }
}

/// How many columns a comma-separated column list names (`"id, name"`: 2): a statement's width
/// is counted from the list it binds, so the two cannot drift apart.
pub(crate) const fn column_count(columns: &str) -> usize {
    let bytes = columns.as_bytes();
    let mut count = 1;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b',' {
            count += 1;
        }
        index += 1;
    }
    count
}

/// Inserts `rows` into `table (columns…)` with as many rows per statement as SQLite's
/// bound-value limit allows, all in one transaction.
pub(crate) async fn bulk_insert<T, F>(
    store: &SqliteStore,
    table_and_columns: &str,
    rows: &[T],
    mut bind: F,
) -> StoreResult<()>
where
    T: Sync,
    F: FnMut(&mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T) + Send,
{
    let mut tx = store.write.begin().await.map_err(db_error)?;
    let columns = column_count(table_and_columns);
    for chunk in rows.chunks((BULK_VALUES / columns).max(1)) {
        let mut query = QueryBuilder::<Sqlite>::new(format!("INSERT INTO {table_and_columns} "));
        query.push_values(chunk, |mut separated, row| bind(&mut separated, row));
        query
            .build()
            .persistent(false)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)
}

#[async_trait]
impl BulkStore for SqliteStore {
    async fn load_districts(&self, rows: &[District]) -> StoreResult<()> {
        bulk_insert(
            self,
            "districts (code, name, lon, lat, residents, residents_60_plus)",
            rows,
            |b, d| {
                b.push_bind(d.code.as_str().to_owned())
                    .push_bind(d.name.clone())
                    .push_bind(d.centroid.lon())
                    .push_bind(d.centroid.lat())
                    .push_bind(d.residents)
                    .push_bind(d.residents_60_plus);
            },
        )
        .await
    }

    async fn load_subdistricts(&self, rows: &[Subdistrict]) -> StoreResult<()> {
        bulk_insert(
            self,
            "subdistricts (code, name, district_code, kind, lon, lat, centroid_generated, residents, residents_60_plus)",
            rows,
            |b, s| {
                b.push_bind(s.code.as_str().to_owned())
                    .push_bind(s.name.clone())
                    .push_bind(s.district.as_str().to_owned())
                    .push_bind(s.kind.as_str())
                    .push_bind(s.centroid.lon())
                    .push_bind(s.centroid.lat())
                    .push_bind(s.centroid_generated)
                    .push_bind(s.residents)
                    .push_bind(s.residents_60_plus);
            },
        )
        .await
    }

    async fn load_neighbourhoods(&self, rows: &[Neighbourhood]) -> StoreResult<()> {
        bulk_insert(
            self,
            "neighbourhoods (code, name, subdistrict_code, district_code, kind, lon, lat, position_generated, residents, residents_60_plus)",
            rows,
            |b, n| {
                b.push_bind(n.code.as_str().to_owned())
                    .push_bind(n.name.clone())
                    .push_bind(n.subdistrict.as_str().to_owned())
                    .push_bind(n.code.district().as_str().to_owned())
                    .push_bind(n.kind.as_str())
                    .push_bind(n.position.lon())
                    .push_bind(n.position.lat())
                    .push_bind(n.position_generated)
                    .push_bind(n.residents)
                    .push_bind(n.residents_60_plus);
            },
        )
        .await
    }

    async fn load_institutions(&self, rows: &[Institution]) -> StoreResult<()> {
        bulk_insert(
            self,
            "institutions (id, name, kind, district_code)",
            rows,
            |b, i| {
                b.push_bind(i.id.get())
                    .push_bind(i.name.clone())
                    .push_bind(i.kind.as_str())
                    .push_bind(i.district.as_ref().map(|c| c.as_str().to_owned()));
            },
        )
        .await
    }

    async fn load_sites(&self, rows: &[Site]) -> StoreResult<()> {
        bulk_insert(self, &format!("sites ({SITE_COLUMNS})"), rows, |b, s| {
            b.push_bind(s.id.get())
                .push_bind(s.name.clone())
                .push_bind(s.kind.as_str())
                .push_bind(s.institution.map(InstitutionId::get))
                .push_bind(s.district.as_str().to_owned())
                .push_bind(s.subdistrict.as_ref().map(|c| c.as_str().to_owned()))
                .push_bind(s.neighbourhood.as_ref().map(|c| c.as_str().to_owned()))
                .push_bind(s.address.clone())
                .push_bind(s.position.lon())
                .push_bind(s.position.lat())
                .push_bind(s.capacity)
                .push_bind(s.opening_hours.clone())
                .push_bind(s.step_free)
                .push_bind(s.phone.clone())
                .push_bind(topics_to_text(&s.topics));
        })
        .await
    }

    async fn load_teachers(&self, rows: &[Teacher]) -> StoreResult<()> {
        bulk_insert(
            self,
            "teachers (id, name, kind, subjects, district_code, institution_id)",
            rows,
            |b, t| {
                b.push_bind(t.id.get())
                    .push_bind(t.name.clone())
                    .push_bind(t.kind.as_str())
                    .push_bind(topics_to_text(&t.subjects))
                    .push_bind(t.district.as_str().to_owned())
                    .push_bind(t.institution.map(InstitutionId::get));
            },
        )
        .await
    }

    async fn load_learners(&self, rows: &[LearnerRecord]) -> StoreResult<()> {
        bulk_insert(
            self,
            &format!("learners ({LEARNER_COLUMNS})"),
            rows,
            |b, l| {
                b.push_bind(l.id.get())
                    .push_bind(l.display_name.clone())
                    .push_bind(l.national_id.ciphertext.clone())
                    .push_bind(l.national_id.masked.clone())
                    .push_bind(l.national_id_lookup.clone())
                    .push_bind(l.birth_year)
                    .push_bind(l.gender.as_str())
                    .push_bind(l.district.as_str().to_owned())
                    .push_bind(l.subdistrict.as_ref().map(|c| c.as_str().to_owned()))
                    .push_bind(l.neighbourhood.as_ref().map(|c| c.as_str().to_owned()))
                    .push_bind(l.phone.as_ref().map(|p| p.ciphertext.clone()))
                    .push_bind(l.phone.as_ref().map(|p| p.masked.clone()))
                    .push_bind(topics_to_text(&l.interests))
                    .push_bind(micros(l.registered_at))
                    .push_bind(l.registered_by.map(InstitutionId::get));
            },
        )
        .await
    }

    async fn finish_load(&self) -> StoreResult<()> {
        // INTEGER PRIMARY KEY already continues after the largest id; refresh the planner's
        // statistics for the tables that just grew.
        sqlx::query("ANALYZE")
            .execute(&self.write)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

#[async_trait]
impl MaintenanceStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let districts: i64 = sqlx::query_scalar("SELECT count(*) FROM districts")
            .fetch_one(&self.read)
            .await
            .map_err(db_error)?;
        Ok(districts == 0)
    }

    async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        if path.exists() {
            return Err(StoreError::Invalid {
                field: "file",
                reason: format!("{} already exists: choose a new file name", path.display()),
            });
        }
        let target = path.to_str().ok_or_else(|| StoreError::Invalid {
            field: "file",
            reason: "the backup path must be valid UTF-8".into(),
        })?;
        // VACUUM INTO writes a consistent, compacted copy while others keep reading and writing.
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.read)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }
}
