//! [`GeneralRuleStore`] on SQLite: the non-formal hours rules (`nonformal_rule_versions`, one
//! sequence of versions per kind) and the grade mapping (`grade_mapping_versions`), each version
//! a JSON body written once (migration 0002's triggers refuse UPDATE and DELETE).

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite};
use time::OffsetDateTime;
use xc_domain::UserId;
use xc_domain::credit::Version;
use xc_store::{AuditEvent, GeneralRuleStore, GeneralRuleVersion, StoreResult};

use crate::SqliteStore;
use crate::rows::{Cells, db_error, json, micros, version};
use crate::stores::{fetch_decoded, write_audit};
use crate::versions::next_in_sequence;

fn nonformal_version(row: &SqliteRow) -> StoreResult<GeneralRuleVersion> {
    let kind: String = Cells::new(row, "nonformal_rule_versions", "?".to_owned()).get("kind")?;
    let number: i64 = Cells::new(row, "nonformal_rule_versions", kind.clone()).get("version")?;
    let cells = Cells::new(
        row,
        "nonformal_rule_versions",
        format!("{kind} version {number}"),
    );
    general_rule_version(&cells, Some(kind))
}

fn grade_mapping_version(row: &SqliteRow) -> StoreResult<GeneralRuleVersion> {
    let number: i64 = Cells::new(row, "grade_mapping_versions", "?".to_owned()).get("version")?;
    let cells = Cells::new(row, "grade_mapping_versions", format!("version {number}"));
    general_rule_version(&cells, None)
}

fn general_rule_version(
    cells: &Cells<'_>,
    kind: Option<String>,
) -> StoreResult<GeneralRuleVersion> {
    Ok(GeneralRuleVersion {
        kind,
        version: cells.number("version", version)?,
        body: cells.text("body", json)?,
        published_at: cells.timestamp("published_at")?,
        published_by: cells.get::<Option<i64>>("published_by")?.map(UserId::new),
        publisher: cells.get("publisher")?,
    })
}

#[async_trait]
impl GeneralRuleStore for SqliteStore {
    async fn publish_nonformal_rules(
        &self,
        rules: &[(String, serde_json::Value)],
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<Version>> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let mut versions = Vec::with_capacity(rules.len());
        for (kind, body) in rules {
            let number = next_in_sequence(
                &mut tx,
                "SELECT COALESCE(MAX(version), 0) + 1 FROM nonformal_rule_versions WHERE kind = ?",
                Some(kind),
            )
            .await?;
            sqlx::query(
                "INSERT INTO nonformal_rule_versions (kind, version, body, published_at, \
                 published_by) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(kind)
            .bind(i64::from(number.get()))
            .bind(body.to_string())
            .bind(micros(published_at))
            .bind(published_by.map(UserId::get))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            versions.push(number);
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(versions)
    }

    async fn list_nonformal_rule_versions(&self) -> StoreResult<Vec<GeneralRuleVersion>> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT v.kind, v.version, v.body, v.published_at, v.published_by, \
             u.username AS publisher FROM nonformal_rule_versions v \
             LEFT JOIN users u ON u.id = v.published_by ORDER BY v.kind, v.version",
        );
        fetch_decoded(&self.read, query.build(), nonformal_version).await
    }

    async fn publish_grade_mapping(
        &self,
        body: &serde_json::Value,
        published_at: OffsetDateTime,
        published_by: Option<UserId>,
        audit: &AuditEvent,
    ) -> StoreResult<Version> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let number = next_in_sequence(
            &mut tx,
            "SELECT COALESCE(MAX(version), 0) + 1 FROM grade_mapping_versions",
            None,
        )
        .await?;
        sqlx::query(
            "INSERT INTO grade_mapping_versions (version, body, published_at, published_by) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(i64::from(number.get()))
        .bind(body.to_string())
        .bind(micros(published_at))
        .bind(published_by.map(UserId::get))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(number.get())).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(number)
    }

    async fn list_grade_mapping_versions(&self) -> StoreResult<Vec<GeneralRuleVersion>> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT v.version, v.body, v.published_at, v.published_by, u.username AS publisher \
             FROM grade_mapping_versions v LEFT JOIN users u ON u.id = v.published_by \
             ORDER BY v.version",
        );
        fetch_decoded(&self.read, query.build(), grade_mapping_version).await
    }
}
