//! [`TrustListStore`] on PostgreSQL: the trust list of mutual recognition in `trusted_banks` and
//! `trusted_bank_keys`, and the provenance of brought outcomes in `external_outcomes`
//! (migration 0016); removals, restorations and distrusted keys in `trust_list_changes`
//! (migration 0018). Pinning keys or changing an entry locks the entry's row, so two refreshes at once are decided
//! one after the other; one credential brought twice at once is stored once (the outcome's
//! `ON CONFLICT DO NOTHING` on provider and external id).

use async_trait::async_trait;
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use xc_domain::credit::OutcomeId;
use xc_domain::{InstitutionId, LearnerId, UserId};
use xc_store::{
    AuditEvent, ExternalOutcomeRecord, NewExternalOutcome, NewTrustChange, NewTrustedBank,
    PinnedKey, PinnedKeyRecord, Provenance, StoreError, StoreResult, TrustChangeRow,
    TrustListStore, TrustedBankRecord, Written, check_external_outcome, check_new_trusted_bank,
    check_trust_change, key_ids_column, key_ids_from_column, trust_change_of,
};

use crate::PgStore;
use crate::audit::{commit_audited, insert_audit};
use crate::codec::Stored;
use crate::error::store_error;
use crate::outcome_writes::insert_outcomes;

const BANK_COLUMNS: &str =
    "id, institution_id, name, did, base_url, added_at, added_by, refreshed_at";
const EXTERNAL_COLUMNS: &str = "e.outcome_id, o.learner_id, e.bank_id, e.credential_id, \
     e.credential_sha256, e.document, e.verified_at, e.verified_with, e.status_check, \
     e.inclusion_check";

fn bank(row: &PgRow) -> StoreResult<TrustedBankRecord> {
    let (stored, id) = Stored::by_id(row, "trusted_banks")?;
    Ok(TrustedBankRecord {
        id,
        institution: InstitutionId::new(stored.get("institution_id")?),
        name: stored.get("name")?,
        did: stored.get("did")?,
        base_url: stored.get("base_url")?,
        added_at: stored.get("added_at")?,
        added_by: stored.get::<Option<i64>>("added_by")?.map(UserId::new),
        refreshed_at: stored.get("refreshed_at")?,
        keys: Vec::new(),
        removed: None,
    })
}

fn external(row: &PgRow) -> StoreResult<ExternalOutcomeRecord> {
    let id: i64 = Stored::keyed(row, "external_outcomes", "?".into()).get("outcome_id")?;
    let stored = Stored::keyed(row, "external_outcomes", id.to_string());
    Ok(ExternalOutcomeRecord {
        outcome: OutcomeId::new(id),
        learner: LearnerId::new(stored.get("learner_id")?),
        bank: stored.get("bank_id")?,
        provenance: Provenance {
            credential_id: stored.get("credential_id")?,
            credential_sha256: stored.get("credential_sha256")?,
            document: stored.get("document")?,
            verified_at: stored.get("verified_at")?,
            verified_with: stored.parse("verified_with", key_ids_from_column)?,
            status_check: stored.get("status_check")?,
            inclusion_check: stored.get("inclusion_check")?,
        },
    })
}

async fn read_keys(conn: &mut PgConnection, bank: i64) -> StoreResult<Vec<PinnedKeyRecord>> {
    let rows: Vec<(String, String, OffsetDateTime)> = sqlx::query_as(
        "SELECT key_id, public_key_multibase, pinned_at FROM trusted_bank_keys \
         WHERE bank_id = $1 ORDER BY pinned_at, key_id",
    )
    .bind(bank)
    .fetch_all(conn)
    .await
    .map_err(store_error)?;
    Ok(rows
        .into_iter()
        .map(
            |(key_id, public_key_multibase, pinned_at)| PinnedKeyRecord {
                key: PinnedKey {
                    key_id,
                    public_key_multibase,
                },
                pinned_at,
                distrusted: None,
            },
        )
        .collect())
}

/// The entry's keys and recorded changes, applied to what was read of it.
async fn complete(conn: &mut PgConnection, record: &mut TrustedBankRecord) -> StoreResult<()> {
    record.keys = read_keys(conn, record.id).await?;
    let rows: Vec<TrustChangeRow<OffsetDateTime>> = sqlx::query_as(
        "SELECT change, key_id, reason, changed_at, changed_by FROM trust_list_changes \
         WHERE bank_id = $1 ORDER BY id",
    )
    .bind(record.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    let changes = rows
        .into_iter()
        .map(trust_change_of)
        .collect::<StoreResult<Vec<_>>>()?;
    record.apply_changes(changes)
}

async fn with_keys(conn: &mut PgConnection, rows: &[PgRow]) -> StoreResult<Vec<TrustedBankRecord>> {
    let mut banks = Vec::with_capacity(rows.len());
    for row in rows {
        let mut record = bank(row)?;
        complete(conn, &mut record).await?;
        banks.push(record);
    }
    Ok(banks)
}

/// The entry `id` with its keys; `lock` takes its row for the rest of the transaction.
async fn bank_by_id(
    conn: &mut PgConnection,
    id: i64,
    lock: bool,
) -> StoreResult<TrustedBankRecord> {
    let sql = format!(
        "SELECT {BANK_COLUMNS} FROM trusted_banks WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .ok_or(StoreError::NotFound {
            what: "trusted bank",
        })?;
    let mut record = bank(&row)?;
    complete(conn, &mut record).await?;
    Ok(record)
}

async fn insert_keys(
    conn: &mut PgConnection,
    bank: i64,
    keys: &[PinnedKey],
    at: OffsetDateTime,
) -> StoreResult<()> {
    for key in keys {
        sqlx::query(
            "INSERT INTO trusted_bank_keys (bank_id, key_id, public_key_multibase, pinned_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(bank)
        .bind(&key.key_id)
        .bind(&key.public_key_multibase)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

#[async_trait]
impl TrustListStore for PgStore {
    async fn add_trusted_bank(
        &self,
        new: &NewTrustedBank,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord> {
        check_new_trusted_bank(new)?;
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let institution: i64 = sqlx::query_scalar(
            "INSERT INTO institutions (name, kind, district_code) \
             VALUES ($1, 'credit_bank', NULL) RETURNING id",
        )
        .bind(new.name.trim())
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO trusted_banks (institution_id, name, did, base_url, added_at, added_by, \
             refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id",
        )
        .bind(institution)
        .bind(new.name.trim())
        .bind(&new.did)
        .bind(&new.base_url)
        .bind(new.added_at)
        .bind(new.added_by.map(UserId::get))
        .fetch_one(&mut *transaction)
        .await
        .map_err(store_error)?;
        insert_keys(&mut transaction, id, &new.keys, new.added_at).await?;
        insert_audit(&mut transaction, &audit.about(id)).await?;
        let record = bank_by_id(&mut transaction, id, false).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(record)
    }

    async fn pin_trusted_bank_keys(
        &self,
        bank: i64,
        keys: &[PinnedKey],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let held = bank_by_id(&mut transaction, bank, true).await?;
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
        insert_keys(&mut transaction, bank, &new_keys, at).await?;
        sqlx::query("UPDATE trusted_banks SET refreshed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(bank)
            .execute(&mut *transaction)
            .await
            .map_err(store_error)?;
        insert_audit(&mut transaction, &audit.about(bank)).await?;
        let record = bank_by_id(&mut transaction, bank, false).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(record)
    }

    async fn change_trust(
        &self,
        change: &NewTrustChange,
        audit: &AuditEvent,
    ) -> StoreResult<TrustedBankRecord> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let held = bank_by_id(&mut transaction, change.bank, true).await?;
        check_trust_change(change, &held)?;
        sqlx::query(
            "INSERT INTO trust_list_changes (bank_id, change, key_id, reason, changed_at, \
             changed_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(change.bank)
        .bind(change.change.as_str())
        .bind(change.change.key_id())
        .bind(change.reason.trim())
        .bind(change.at)
        .bind(change.by.map(UserId::get))
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        insert_audit(&mut transaction, &audit.about(change.bank)).await?;
        let record = bank_by_id(&mut transaction, change.bank, false).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(record)
    }

    async fn trusted_banks(&self) -> StoreResult<Vec<TrustedBankRecord>> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let sql = format!("SELECT {BANK_COLUMNS} FROM trusted_banks ORDER BY name, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        with_keys(&mut conn, &rows).await
    }

    async fn trusted_bank(&self, id: i64) -> StoreResult<TrustedBankRecord> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        bank_by_id(&mut conn, id, false).await
    }

    async fn trusted_bank_by_did(&self, did: &str) -> StoreResult<Option<TrustedBankRecord>> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let sql = format!("SELECT {BANK_COLUMNS} FROM trusted_banks WHERE did = $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(did)
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        Ok(with_keys(&mut conn, &rows).await?.pop())
    }

    async fn record_external_outcome(
        &self,
        new: &NewExternalOutcome,
        audit: &AuditEvent,
    ) -> StoreResult<Written> {
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        let bank = bank_by_id(&mut transaction, new.bank, false).await?;
        check_external_outcome(new, &bank)?;
        let written = insert_outcomes(
            &mut transaction,
            bank.institution,
            None,
            std::slice::from_ref(&new.outcome),
        )
        .await?;
        let [written] = written[..] else {
            return Err(StoreError::backend(std::io::Error::other(
                "one outcome submitted, but not one answer",
            )));
        };
        let Written::Stored(id) = written else {
            // Held already: nothing was written, so there is nothing to commit.
            return Ok(written);
        };
        let provenance = &new.provenance;
        sqlx::query(
            "INSERT INTO external_outcomes (outcome_id, bank_id, credential_id, \
             credential_sha256, document, verified_at, verified_with, status_check, \
             inclusion_check) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.get())
        .bind(bank.id)
        .bind(&provenance.credential_id)
        .bind(&provenance.credential_sha256)
        .bind(&provenance.document)
        .bind(provenance.verified_at)
        .bind(key_ids_column(&provenance.verified_with))
        .bind(&provenance.status_check)
        .bind(&provenance.inclusion_check)
        .execute(&mut *transaction)
        .await
        .map_err(store_error)?;
        commit_audited(transaction, &audit.about(id)).await?;
        Ok(written)
    }

    async fn external_outcome(
        &self,
        outcome: OutcomeId,
    ) -> StoreResult<Option<ExternalOutcomeRecord>> {
        let sql = format!(
            "SELECT {EXTERNAL_COLUMNS} FROM external_outcomes e \
             JOIN outcomes o ON o.id = e.outcome_id WHERE e.outcome_id = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(outcome.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(external).transpose()
    }

    async fn learner_external_outcomes(
        &self,
        learner: LearnerId,
    ) -> StoreResult<Vec<ExternalOutcomeRecord>> {
        let sql = format!(
            "SELECT {EXTERNAL_COLUMNS} FROM external_outcomes e \
             JOIN outcomes o ON o.id = e.outcome_id WHERE o.learner_id = $1 \
             ORDER BY e.verified_at DESC, e.outcome_id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(learner.get())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(external).collect()
    }
}
