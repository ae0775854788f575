//! [`TrustListStore`] on SQLite: the trust list of mutual recognition in `trusted_banks` and
//! `trusted_bank_keys`, and the provenance of brought outcomes in `external_outcomes`
//! (migration 0016); removals, restorations and distrusted keys in `trust_list_changes`
//! (migration 0018). Writes go through the one writer connection, so a key pinned twice at once
//! or one credential brought twice at once are decided one after the other.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use xc_domain::credit::OutcomeId;
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    AuditEvent, ExternalOutcomeRecord, NewExternalOutcome, NewTrustChange, NewTrustedBank,
    PinnedKey, PinnedKeyRecord, Provenance, StoreError, StoreResult, TrustChangeRow,
    TrustListStore, TrustedBankRecord, Written, check_external_outcome, check_new_trusted_bank,
    check_trust_change, key_ids_column, key_ids_from_column, trust_change_of,
};

use crate::SqliteStore;
use crate::outcomes::store_outcomes;
use crate::rows::{Cells, db_error, micros, row_id, unique_is};
use crate::stores::write_audit;

const BANK_COLUMNS: &str =
    "id, institution_id, name, did, base_url, added_at, added_by, refreshed_at";
const EXTERNAL_COLUMNS: &str = "e.outcome_id, o.learner_id, e.bank_id, e.credential_id, \
     e.credential_sha256, e.document, e.verified_at, e.verified_with, e.status_check, \
     e.inclusion_check";

fn bank(row: &SqliteRow) -> StoreResult<TrustedBankRecord> {
    let id = row_id(row, "trusted_banks", "id")?;
    let cells = Cells::new(row, "trusted_banks", id.to_string());
    Ok(TrustedBankRecord {
        id,
        institution: InstitutionId::new(cells.get("institution_id")?),
        name: cells.get("name")?,
        did: cells.get("did")?,
        base_url: cells.get("base_url")?,
        added_at: cells.timestamp("added_at")?,
        added_by: cells.get::<Option<i64>>("added_by")?.map(UserId::new),
        refreshed_at: cells.timestamp("refreshed_at")?,
        keys: Vec::new(),
        removed: None,
    })
}

fn external(row: &SqliteRow) -> StoreResult<ExternalOutcomeRecord> {
    let id = row_id(row, "external_outcomes", "outcome_id")?;
    let cells = Cells::new(row, "external_outcomes", id.to_string());
    Ok(ExternalOutcomeRecord {
        outcome: OutcomeId::new(id),
        learner: LearnerId::new(cells.get("learner_id")?),
        bank: cells.get("bank_id")?,
        provenance: Provenance {
            credential_id: cells.get("credential_id")?,
            credential_sha256: cells.get("credential_sha256")?,
            document: cells.get("document")?,
            verified_at: cells.timestamp("verified_at")?,
            verified_with: cells.text("verified_with", key_ids_from_column)?,
            status_check: cells.get("status_check")?,
            inclusion_check: cells.get("inclusion_check")?,
        },
    })
}

async fn read_keys(conn: &mut SqliteConnection, bank: i64) -> StoreResult<Vec<PinnedKeyRecord>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT key_id, public_key_multibase, pinned_at FROM trusted_bank_keys \
         WHERE bank_id = ? ORDER BY pinned_at, key_id",
    )
    .bind(bank)
    .fetch_all(conn)
    .await
    .map_err(db_error)?;
    rows.into_iter()
        .map(|(key_id, public_key_multibase, pinned_at)| {
            Ok(PinnedKeyRecord {
                key: PinnedKey {
                    key_id,
                    public_key_multibase,
                },
                pinned_at: crate::rows::from_micros(pinned_at)?,
                distrusted: None,
            })
        })
        .collect()
}

/// The entry's keys and recorded changes, applied to what was read of it.
async fn complete(conn: &mut SqliteConnection, record: &mut TrustedBankRecord) -> StoreResult<()> {
    record.keys = read_keys(conn, record.id).await?;
    let rows: Vec<TrustChangeRow<i64>> = sqlx::query_as(
        "SELECT change, key_id, reason, changed_at, changed_by FROM trust_list_changes \
         WHERE bank_id = ? ORDER BY id",
    )
    .bind(record.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    let changes = rows
        .into_iter()
        .map(|(change, key_id, reason, at, by)| {
            trust_change_of((change, key_id, reason, crate::rows::from_micros(at)?, by))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    record.apply_changes(changes)
}

/// The entries of `condition` (a `WHERE` clause on at most one bound text or number), with
/// their keys.
async fn read_banks(
    conn: &mut SqliteConnection,
    condition: &str,
    bound: Option<BankKey<'_>>,
) -> StoreResult<Vec<TrustedBankRecord>> {
    let sql = format!("SELECT {BANK_COLUMNS} FROM trusted_banks {condition} ORDER BY name, id");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    match bound {
        Some(BankKey::Id(id)) => query = query.bind(id),
        Some(BankKey::Did(did)) => query = query.bind(did.to_owned()),
        None => {}
    }
    let rows = query.fetch_all(&mut *conn).await.map_err(db_error)?;
    let mut banks = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut record = bank(row)?;
        complete(conn, &mut record).await?;
        banks.push(record);
    }
    Ok(banks)
}

enum BankKey<'a> {
    Id(i64),
    Did(&'a str),
}

async fn bank_by_id(conn: &mut SqliteConnection, id: i64) -> StoreResult<TrustedBankRecord> {
    read_banks(conn, "WHERE id = ?", Some(BankKey::Id(id)))
        .await?
        .pop()
        .ok_or(StoreError::NotFound {
            what: "trusted bank",
        })
}

async fn insert_keys(
    conn: &mut SqliteConnection,
    bank: i64,
    keys: &[PinnedKey],
    at: OffsetDateTime,
) -> StoreResult<()> {
    for key in keys {
        sqlx::query(
            "INSERT INTO trusted_bank_keys (bank_id, key_id, public_key_multibase, pinned_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(bank)
        .bind(&key.key_id)
        .bind(&key.public_key_multibase)
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(unique_is("keys"))?;
    }
    Ok(())
}

#[async_trait]
impl TrustListStore for SqliteStore {
    async fn add_trusted_bank(
        &self,
        new: &NewTrustedBank,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord> {
        check_new_trusted_bank(new)?;
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let institution: i64 = sqlx::query_scalar(
            "INSERT INTO institutions (name, kind, district_code) VALUES (?, 'credit_bank', NULL) \
             RETURNING id",
        )
        .bind(new.name.trim())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO trusted_banks (institution_id, name, did, base_url, added_at, added_by, \
             refreshed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(institution)
        .bind(new.name.trim())
        .bind(&new.did)
        .bind(&new.base_url)
        .bind(micros(new.added_at))
        .bind(new.added_by.map(UserId::get))
        .bind(micros(new.added_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_is("did"))?;
        insert_keys(&mut tx, id, &new.keys, new.added_at).await?;
        write_audit(&mut tx, &audit.about(id)).await?;
        let record = bank_by_id(&mut tx, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    async fn pin_trusted_bank_keys(
        &self,
        bank: i64,
        keys: &[PinnedKey],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let held = bank_by_id(&mut tx, bank).await?;
        let mut new_keys = Vec::new();
        for key in keys {
            match held
                .keys
                .iter()
                .find(|pinned| pinned.key.key_id == key.key_id)
            {
                Some(pinned) if pinned.key == *key => {}
                Some(_) => return Err(StoreError::Conflict { field: "keys" }),
                None => new_keys.push(key.clone()),
            }
        }
        insert_keys(&mut tx, bank, &new_keys, at).await?;
        sqlx::query("UPDATE trusted_banks SET refreshed_at = ? WHERE id = ?")
            .bind(micros(at))
            .bind(bank)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        write_audit(&mut tx, &audit.about(bank)).await?;
        let record = bank_by_id(&mut tx, bank).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    async fn change_trust(
        &self,
        change: &NewTrustChange,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let held = bank_by_id(&mut tx, change.bank).await?;
        check_trust_change(change, &held)?;
        sqlx::query(
            "INSERT INTO trust_list_changes (bank_id, change, key_id, reason, changed_at, \
             changed_by) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(change.bank)
        .bind(change.change.as_str())
        .bind(change.change.key_id())
        .bind(change.reason.trim())
        .bind(micros(change.at))
        .bind(change.by.map(UserId::get))
        .execute(&mut *tx)
        .await
        .map_err(unique_is("key_id"))?;
        write_audit(&mut tx, &audit.about(change.bank)).await?;
        let record = bank_by_id(&mut tx, change.bank).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    async fn trusted_banks(&self) -> StoreResult<Vec<TrustedBankRecord>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        read_banks(&mut conn, "", None).await
    }

    async fn trusted_bank(&self, id: i64) -> StoreResult<TrustedBankRecord> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        bank_by_id(&mut conn, id).await
    }

    async fn trusted_bank_by_did(&self, did: &str) -> StoreResult<Option<TrustedBankRecord>> {
        let mut conn = self.read.acquire().await.map_err(db_error)?;
        Ok(
            read_banks(&mut conn, "WHERE did = ?", Some(BankKey::Did(did)))
                .await?
                .pop(),
        )
    }

    async fn record_external_outcome(
        &self,
        new: &NewExternalOutcome,
        audit: &AuditEvent,
    ) -> StoreResult<Written> {
        let mut tx = self.write.begin().await.map_err(db_error)?;
        let bank = bank_by_id(&mut tx, new.bank).await?;
        check_external_outcome(new, &bank)?;
        let written = store_outcomes(
            &mut tx,
            bank.institution,
            None,
            std::slice::from_ref(&new.outcome),
        )
        .await?;
        let Some(&written) = written.first() else {
            return Err(StoreError::Backend(
                "outcomes: one row handed in, no answer handed back".into(),
            ));
        };
        let Written::Stored(id) = written else {
            // Held already: nothing was written, dropping the transaction ends it.
            return Ok(written);
        };
        let provenance = &new.provenance;
        sqlx::query(
            "INSERT INTO external_outcomes (outcome_id, bank_id, credential_id, \
             credential_sha256, document, verified_at, verified_with, status_check, \
             inclusion_check) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.get())
        .bind(bank.id)
        .bind(&provenance.credential_id)
        .bind(&provenance.credential_sha256)
        .bind(&provenance.document)
        .bind(micros(provenance.verified_at))
        .bind(key_ids_column(&provenance.verified_with))
        .bind(&provenance.status_check)
        .bind(&provenance.inclusion_check)
        .execute(&mut *tx)
        .await
        .map_err(unique_is("credential"))?;
        write_audit(&mut tx, &audit.about(id)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(written)
    }

    async fn external_outcome(
        &self,
        outcome: OutcomeId,
    ) -> StoreResult<Option<ExternalOutcomeRecord>> {
        let sql = format!(
            "SELECT {EXTERNAL_COLUMNS} FROM external_outcomes e \
             JOIN outcomes o ON o.id = e.outcome_id WHERE e.outcome_id = ?"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(outcome.get())
            .fetch_optional(&self.read)
            .await
            .map_err(db_error)?;
        row.as_ref().map(external).transpose()
    }

    async fn learner_external_outcomes(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<ExternalOutcomeRecord>> {
        let sql = format!(
            "SELECT {EXTERNAL_COLUMNS} FROM external_outcomes e \
             JOIN outcomes o ON o.id = e.outcome_id WHERE o.learner_id = ? \
             ORDER BY e.verified_at DESC, e.outcome_id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(learner.get())
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        rows.iter().map(external).collect()
    }
}
