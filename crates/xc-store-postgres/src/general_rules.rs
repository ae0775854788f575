//! [`GeneralRuleStore`] on PostgreSQL: the non-formal hours rules (`nonformal_rule_versions`,
//! one sequence of versions per kind) and the grade mapping (`grade_mapping_versions`), each
//! version a JSONB body written once (migration 0002's triggers refuse UPDATE, DELETE and
//! TRUNCATE).

use async_trait::async_trait;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use time::OffsetDateTime;
use xc_domain::UserId;
use xc_domain::credit::Version;
use xc_store::{AuditEvent, GeneralRuleStore, GeneralRuleVersion, StoreResult};

use crate::PgStore;
use crate::audit::commit_audited;
use crate::codec::{Stored, version_column};
use crate::error::store_error;
use crate::versions::next_in_sequence;

fn nonformal_version(row: &PgRow) -> StoreResult<GeneralRuleVersion> {
    let kind: String = Stored::keyed(row, "nonformal_rule_versions", "?".to_owned()).get("kind")?;
    let number: i32 = Stored::keyed(row, "nonformal_rule_versions", kind.clone()).get("version")?;
    let stored = Stored::keyed(
        row,
        "nonformal_rule_versions",
        format!("({kind}, version {number})"),
    );
    general_rule_version(&stored, Some(kind))
}

fn grade_mapping_version(row: &PgRow) -> StoreResult<GeneralRuleVersion> {
    let number: i32 =
        Stored::keyed(row, "grade_mapping_versions", "?".to_owned()).get("version")?;
    let stored = Stored::keyed(row, "grade_mapping_versions", format!("version {number}"));
    general_rule_version(&stored, None)
}

fn general_rule_version(
    stored: &Stored<'_>,
    kind: Option<String>,
) -> StoreResult<GeneralRuleVersion> {
    Ok(GeneralRuleVersion {
        kind,
        version: stored.required("version", stored.version("version")?)?,
        body: stored.get::<Json<Value>>("body")?.0,
        published_at: stored.get("published_at")?,
        published_by: stored.get::<Option<i64>>("published_by")?.map(UserId::new),
        publisher: stored.get("publisher")?,
    })
}

#[async_trait]
impl GeneralRuleStore for PgStore {
    async fn publish_nonformal_rules(
        &self,
        rules: &[(String, Value)],
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<Version>> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let mut versions = Vec::with_capacity(rules.len());
        for (kind, body) in rules {
            let version = next_in_sequence(
                &mut transaction,
                "LOCK TABLE nonformal_rule_versions IN SHARE ROW EXCLUSIVE MODE",
                "SELECT COALESCE(MAX(version), 0) + 1 FROM nonformal_rule_versions WHERE kind = $1",
                Some(kind),
            )
            .await?;
            sqlx::query(
                "INSERT INTO nonformal_rule_versions (kind, version, body, published_at, \
                 published_by) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(kind)
            .bind(version_column(version)?)
            .bind(Json(body))
            .bind(published_at)
            .bind(published_by.map(|user| user.get()))
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
            versions.push(version);
        }
        commit_audited(transaction, audit).await?;
        Ok(versions)
    }

    async fn list_nonformal_rule_versions(&self) -> StoreResult<Vec<GeneralRuleVersion>> {
        let rows = sqlx::query(
            "SELECT v.kind, v.version, v.body, v.published_at, v.published_by, \
             u.username AS publisher FROM nonformal_rule_versions v \
             LEFT JOIN users u ON u.id = v.published_by ORDER BY v.kind, v.version",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(nonformal_version).collect()
    }

    async fn publish_grade_mapping(
        &self,
        body: &Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let version = next_in_sequence(
            &mut transaction,
            "LOCK TABLE grade_mapping_versions IN SHARE ROW EXCLUSIVE MODE",
            "SELECT COALESCE(MAX(version), 0) + 1 FROM grade_mapping_versions",
            None,
        )
        .await?;
        sqlx::query(
            "INSERT INTO grade_mapping_versions (version, body, published_at, published_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(version_column(version)?)
        .bind(Json(body))
        .bind(published_at)
        .bind(published_by.map(|user| user.get()))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(version.get())).await?;
        Ok(version)
    }

    async fn list_grade_mapping_versions(&self) -> StoreResult<Vec<GeneralRuleVersion>> {
        let rows = sqlx::query(
            "SELECT v.version, v.body, v.published_at, v.published_by, u.username AS publisher \
             FROM grade_mapping_versions v LEFT JOIN users u ON u.id = v.published_by \
             ORDER BY v.version",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(grade_mapping_version).collect()
    }
}
