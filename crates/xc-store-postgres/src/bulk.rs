//! [`BulkStore`] on PostgreSQL: every `load_*` call is one transaction holding one
//! `COPY ... FROM STDIN` in text format, fed in chunks of about a mebibyte, and
//! [`CopyBuffer`] is the one place values are escaped for that format. `finish_load` moves each
//! identity sequence past the largest id, so rows created later never collide with loaded ones.

use std::fmt::Write as _;

use async_trait::async_trait;
use time::{Date, OffsetDateTime, UtcOffset};
use xc_store::{
    BasisColumns, BulkStore, DecisionRecord, District, Grant, Institution, LearnerRecord,
    Neighbourhood, OutcomeRecord, OutcomeStatus, Site, StoreError, StoreResult, Subdistrict,
    Teacher,
};

use crate::PgStore;
use crate::codec::{credits_column, topics_to_text, version_column};
use crate::error::store_error;
use crate::outcome_codec::{evidence_json, hours_column};

/// How much COPY data is gathered before it is sent: large enough that message overhead does
/// not matter, small enough that a million rows never sit in memory at once.
const CHUNK_BYTES: usize = 1 << 20;

/// Rows in PostgreSQL's COPY text format: fields separated by tabs, rows ended by a newline,
/// `\N` for NULL, and backslash escapes for backslash, tab, newline and carriage return.
#[derive(Debug, Default)]
pub(crate) struct CopyBuffer {
    data: String,
    fields_in_row: usize,
}

impl CopyBuffer {
    fn separate(&mut self) {
        if self.fields_in_row > 0 {
            self.data.push('\t');
        }
        self.fields_in_row += 1;
    }

    pub(crate) fn text(&mut self, value: &str) {
        self.separate();
        for c in value.chars() {
            match c {
                '\\' => self.data.push_str("\\\\"),
                '\t' => self.data.push_str("\\t"),
                '\n' => self.data.push_str("\\n"),
                '\r' => self.data.push_str("\\r"),
                other => self.data.push(other),
            }
        }
    }

    pub(crate) fn null(&mut self) {
        self.separate();
        self.data.push_str("\\N");
    }

    pub(crate) fn optional_text(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    pub(crate) fn integer(&mut self, value: i64) {
        self.separate();
        // Writing to a String cannot fail.
        let _ = write!(self.data, "{value}");
    }

    pub(crate) fn optional_integer(&mut self, value: Option<i64>) {
        match value {
            Some(value) => self.integer(value),
            None => self.null(),
        }
    }

    /// Rust prints the shortest decimal that reads back as the same `f64`, and PostgreSQL reads
    /// decimals exactly, so coordinates round-trip bit for bit.
    pub(crate) fn float(&mut self, value: f64) {
        self.separate();
        let _ = write!(self.data, "{value}");
    }

    pub(crate) fn boolean(&mut self, value: bool) {
        self.separate();
        self.data.push(if value { 't' } else { 'f' });
    }

    /// `bytea` in hex form, `\x0a1b...`, with the backslash itself escaped for COPY.
    pub(crate) fn bytes(&mut self, value: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.separate();
        self.data.reserve(3 + value.len() * 2);
        self.data.push_str("\\\\x");
        for byte in value {
            self.data.push(char::from(HEX[usize::from(byte >> 4)]));
            self.data.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }

    pub(crate) fn optional_bytes(&mut self, value: Option<&[u8]>) {
        match value {
            Some(value) => self.bytes(value),
            None => self.null(),
        }
    }

    /// A TIMESTAMPTZ in UTC with microseconds (the column's precision; nanoseconds are cut as
    /// a bound parameter would cut them).
    pub(crate) fn timestamp(&mut self, value: OffsetDateTime) -> StoreResult<()> {
        let utc = value.to_offset(UtcOffset::UTC);
        if !(1..=9999).contains(&utc.year()) {
            return Err(StoreError::Invalid {
                field: "timestamp",
                reason: format!("year {} is outside 1 to 9999", utc.year()),
            });
        }
        self.separate();
        let _ = write!(
            self.data,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00",
            utc.year(),
            u8::from(utc.month()),
            utc.day(),
            utc.hour(),
            utc.minute(),
            utc.second(),
            utc.microsecond()
        );
        Ok(())
    }

    /// A DATE as `YYYY-MM-DD`.
    pub(crate) fn date(&mut self, value: Date) -> StoreResult<()> {
        if !(1..=9999).contains(&value.year()) {
            return Err(StoreError::Invalid {
                field: "date",
                reason: format!("year {} is outside 1 to 9999", value.year()),
            });
        }
        self.separate();
        let _ = write!(
            self.data,
            "{:04}-{:02}-{:02}",
            value.year(),
            u8::from(value.month()),
            value.day()
        );
        Ok(())
    }

    pub(crate) fn optional_date(&mut self, value: Option<Date>) -> StoreResult<()> {
        match value {
            Some(value) => self.date(value),
            None => {
                self.null();
                Ok(())
            }
        }
    }

    pub(crate) fn end_row(&mut self) {
        self.data.push('\n');
        self.fields_in_row = 0;
    }

    fn len(&self) -> usize {
        self.data.len()
    }

    fn as_bytes(&self) -> &[u8] {
        self.data.as_bytes()
    }

    fn clear(&mut self) {
        self.data.clear();
    }
}

/// A record that can be written as one COPY row, its fields in the order of the statement's
/// column list.
pub(crate) trait CopyRow {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()>;
}

impl CopyRow for District {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.text(self.code.as_str());
        out.text(&self.name);
        out.float(self.centroid.lon());
        out.float(self.centroid.lat());
        out.integer(self.residents);
        out.integer(self.residents_60_plus);
        Ok(())
    }
}

impl CopyRow for Subdistrict {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.text(self.code.as_str());
        out.text(&self.name);
        out.text(self.district.as_str());
        out.text(self.kind.as_str());
        out.float(self.centroid.lon());
        out.float(self.centroid.lat());
        out.boolean(self.centroid_generated);
        out.integer(self.residents);
        out.integer(self.residents_60_plus);
        Ok(())
    }
}

impl CopyRow for Neighbourhood {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.text(self.code.as_str());
        out.text(&self.name);
        out.text(self.subdistrict.as_str());
        out.text(self.subdistrict.district().as_str());
        out.text(self.kind.as_str());
        out.float(self.position.lon());
        out.float(self.position.lat());
        out.boolean(self.position_generated);
        out.integer(self.residents);
        out.integer(self.residents_60_plus);
        Ok(())
    }
}

impl CopyRow for Institution {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.integer(self.id.get());
        out.text(&self.name);
        out.text(self.kind.as_str());
        out.optional_text(self.district.as_ref().map(|code| code.as_str()));
        Ok(())
    }
}

impl CopyRow for Site {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.integer(self.id.get());
        out.text(&self.name);
        out.text(self.kind.as_str());
        out.optional_integer(self.institution.map(|id| id.get()));
        out.text(self.district.as_str());
        out.optional_text(self.subdistrict.as_ref().map(|code| code.as_str()));
        out.optional_text(self.neighbourhood.as_ref().map(|code| code.as_str()));
        out.text(&self.address);
        out.float(self.position.lon());
        out.float(self.position.lat());
        out.integer(i64::from(self.capacity));
        out.text(&self.opening_hours);
        out.boolean(self.step_free);
        out.optional_text(self.phone.as_deref());
        out.text(&topics_to_text(&self.topics));
        Ok(())
    }
}

impl CopyRow for Teacher {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.integer(self.id.get());
        out.text(&self.name);
        out.text(self.kind.as_str());
        out.text(&topics_to_text(&self.subjects));
        out.text(self.district.as_str());
        out.optional_integer(self.institution.map(|id| id.get()));
        Ok(())
    }
}

impl CopyRow for LearnerRecord {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        out.integer(self.id.get());
        out.text(&self.display_name);
        out.bytes(&self.national_id.ciphertext);
        out.text(&self.national_id.masked);
        out.bytes(&self.national_id_lookup);
        out.integer(i64::from(self.birth_year));
        out.text(self.gender.as_str());
        out.text(self.district.as_str());
        out.optional_text(self.subdistrict.as_ref().map(|code| code.as_str()));
        out.optional_text(self.neighbourhood.as_ref().map(|code| code.as_str()));
        out.optional_bytes(self.phone.as_ref().map(|phone| phone.ciphertext.as_slice()));
        out.optional_text(self.phone.as_ref().map(|phone| phone.masked.as_str()));
        out.text(&topics_to_text(&self.interests));
        out.timestamp(self.registered_at)?;
        out.optional_integer(self.registered_by.map(|id| id.get()));
        Ok(())
    }
}

impl CopyBuffer {
    /// The grant columns `category, level, credits, valid_until` (all NULL without a grant).
    fn grant(&mut self, grant: Option<&Grant>) -> StoreResult<()> {
        match grant {
            Some(grant) => {
                self.text(grant.category.as_str());
                self.integer(i64::from(grant.level.get()));
                self.integer(credits_column(grant.credits)?);
                self.optional_date(grant.valid_until)
            }
            None => {
                self.null();
                self.null();
                self.null();
                self.null();
                Ok(())
            }
        }
    }
}

impl CopyRow for OutcomeRecord {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        if (self.status == OutcomeStatus::Recognised) != self.grant.is_some() {
            return Err(StoreError::Invalid {
                field: "grant",
                reason: format!(
                    "outcome {}: an outcome has a grant exactly when it is recognised",
                    self.id
                ),
            });
        }
        let submitted = &self.submitted;
        out.integer(self.id.get());
        out.integer(self.learner.get());
        out.integer(submitted.provider.get());
        out.text(&self.external_id);
        out.text(submitted.kind.as_str());
        out.text(submitted.title.as_str());
        out.optional_integer(hours_column(submitted.hours)?.map(i64::from));
        out.optional_text(submitted.grade.map(|grade| grade.as_str()));
        out.optional_text(submitted.field.as_ref().map(ToString::to_string).as_deref());
        out.date(submitted.achieved_on)?;
        out.optional_text(submitted.score.as_ref().map(ToString::to_string).as_deref());
        out.text(&evidence_json(&submitted.evidence));
        out.text(self.status.as_str());
        out.grant(self.grant.as_ref())?;
        out.timestamp(self.submitted_at)?;
        out.optional_integer(self.submitted_by.map(|user| user.get()));
        out.optional_integer(self.batch.map(|batch| batch.get()));
        Ok(())
    }
}

impl CopyRow for DecisionRecord {
    fn write_copy(&self, out: &mut CopyBuffer) -> StoreResult<()> {
        let BasisColumns {
            reviewer,
            specification,
            general_rule,
        } = self.basis.columns();
        out.integer(self.id.get());
        out.integer(self.outcome.get());
        out.timestamp(self.decided_at)?;
        out.optional_integer(reviewer.map(|user| user.get()));
        out.boolean(self.grant.is_some());
        out.optional_integer(specification.map(|(id, _)| id.get()));
        out.optional_integer(
            specification
                .map(|(_, version)| version_column(version))
                .transpose()?
                .map(i64::from),
        );
        out.optional_text(general_rule.as_deref());
        out.grant(self.grant.as_ref())?;
        out.text(&self.reason);
        Ok(())
    }
}

impl PgStore {
    /// Streams `rows` through `statement` (a `COPY table (columns) FROM STDIN`) in one
    /// transaction. On any failure the COPY is aborted and nothing is kept.
    pub(crate) async fn copy_in<T: CopyRow + Sync>(
        &self,
        statement: &str,
        rows: &[T],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut transaction = self.pool.begin().await.map_err(store_error)?;
        copy_rows(&mut transaction, statement, rows).await?;
        transaction.commit().await.map_err(store_error)
    }
}

/// Streams `rows` through `statement` (a `COPY table (columns) FROM STDIN`) on `conn`, inside
/// the caller's transaction. On any failure the COPY is aborted.
pub(crate) async fn copy_rows<T: CopyRow + Sync>(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    rows: &[T],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(statement).await.map_err(store_error)?;
    let mut buffer = CopyBuffer {
        data: String::with_capacity(CHUNK_BYTES + 4096),
        fields_in_row: 0,
    };
    for row in rows {
        if let Err(error) = row.write_copy(&mut buffer) {
            // The abort's own answer is the expected "COPY aborted" error: nothing to report.
            let _ = copy.abort("a row could not be encoded").await;
            return Err(error);
        }
        buffer.end_row();
        if buffer.len() >= CHUNK_BYTES {
            copy.send(buffer.as_bytes()).await.map_err(store_error)?;
            buffer.clear();
        }
    }
    if buffer.len() > 0 {
        copy.send(buffer.as_bytes()).await.map_err(store_error)?;
    }
    copy.finish().await.map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl BulkStore for PgStore {
    async fn load_districts(&self, rows: &[District]) -> StoreResult<()> {
        self.copy_in(
            "COPY districts (code, name, lon, lat, residents, residents_60_plus) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_subdistricts(&self, rows: &[Subdistrict]) -> StoreResult<()> {
        self.copy_in(
            "COPY subdistricts (code, name, district_code, kind, lon, lat, centroid_generated, \
             residents, residents_60_plus) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_neighbourhoods(&self, rows: &[Neighbourhood]) -> StoreResult<()> {
        self.copy_in(
            "COPY neighbourhoods (code, name, subdistrict_code, district_code, kind, lon, lat, \
             position_generated, residents, residents_60_plus) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_institutions(&self, rows: &[Institution]) -> StoreResult<()> {
        self.copy_in(
            "COPY institutions (id, name, kind, district_code) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_sites(&self, rows: &[Site]) -> StoreResult<()> {
        self.copy_in(
            "COPY sites (id, name, kind, institution_id, district_code, subdistrict_code, \
             neighbourhood_code, address, lon, lat, capacity, opening_hours, step_free, phone, \
             topics) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_teachers(&self, rows: &[Teacher]) -> StoreResult<()> {
        self.copy_in(
            "COPY teachers (id, name, kind, subjects, district_code, institution_id) FROM STDIN",
            rows,
        )
        .await
    }

    async fn load_learners(&self, rows: &[LearnerRecord]) -> StoreResult<()> {
        self.copy_in(
            "COPY learners (id, display_name, national_id_ciphertext, national_id_masked, \
             national_id_lookup, birth_year, gender, district_code, subdistrict_code, \
             neighbourhood_code, phone_ciphertext, phone_masked, interests, registered_at, \
             registered_by) FROM STDIN",
            rows,
        )
        .await
    }

    async fn finish_load(&self) -> StoreResult<()> {
        // Every table with an identity id; a sequence only ever moves forward, so running this
        // twice, or after rows were created normally, is harmless.
        sqlx::query(
            "SELECT setval(sequence, GREATEST(max_id, coalesce(pg_sequence_last_value(sequence), 1))) \
             FROM (SELECT pg_get_serial_sequence(name, 'id')::regclass AS sequence, max_id \
                   FROM (VALUES \
                     ('institutions', (SELECT max(id) FROM institutions)), \
                     ('sites', (SELECT max(id) FROM sites)), \
                     ('teachers', (SELECT max(id) FROM teachers)), \
                     ('learners', (SELECT max(id) FROM learners)), \
                     ('users', (SELECT max(id) FROM users)), \
                     ('consents', (SELECT max(id) FROM consents)), \
                     ('api_tokens', (SELECT max(id) FROM api_tokens)), \
                     ('audit_log', (SELECT max(id) FROM audit_log)), \
                     ('outcome_specifications', (SELECT max(id) FROM outcome_specifications)), \
                     ('outcome_batches', (SELECT max(id) FROM outcome_batches)), \
                     ('outcomes', (SELECT max(id) FROM outcomes)), \
                     ('recognition_decisions', (SELECT max(id) FROM recognition_decisions)), \
                     ('programmes', (SELECT max(id) FROM programmes)), \
                     ('conversion_rules', (SELECT max(id) FROM conversion_rules)), \
                     ('conversion_applications', (SELECT max(id) FROM conversion_applications)), \
                     ('incentives', (SELECT max(id) FROM incentives)), \
                     ('points_ledger', (SELECT max(id) FROM points_ledger)) \
                   ) AS tables (name, max_id) \
                   WHERE max_id IS NOT NULL) AS loaded",
        )
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn row(write: impl FnOnce(&mut CopyBuffer)) -> String {
        let mut buffer = CopyBuffer::default();
        write(&mut buffer);
        buffer.end_row();
        buffer.data
    }

    #[test]
    fn text_is_escaped_for_the_copy_format() {
        let line = row(|b| {
            b.text("a\tb\nc\\d\re");
            b.text("黄浦区");
            b.null();
        });
        assert_eq!(line, "a\\tb\\nc\\\\d\\re\t黄浦区\t\\N\n");
    }

    #[test]
    fn bytes_are_hex_with_an_escaped_backslash() {
        assert_eq!(row(|b| b.bytes(&[0x00, 0xab, 0x7f])), "\\\\x00ab7f\n");
        assert_eq!(row(|b| b.bytes(&[])), "\\\\x\n");
    }

    #[test]
    fn timestamps_are_utc_with_microseconds() {
        let at = datetime!(2026-01-05 17:00:00.123456789 +08:00);
        assert_eq!(
            row(|b| b.timestamp(at).unwrap()),
            "2026-01-05 09:00:00.123456+00\n"
        );
        assert!(
            CopyBuffer::default()
                .timestamp(datetime!(-0001-01-01 0:00 UTC))
                .is_err()
        );
    }

    #[test]
    fn dates_are_iso_and_bounded() {
        assert_eq!(
            row(|b| {
                b.date(time::macros::date!(2026 - 01 - 05)).unwrap();
                b.optional_date(None).unwrap();
            }),
            "2026-01-05\t\\N\n"
        );
        assert!(
            CopyBuffer::default()
                .date(time::macros::date!(-0001 - 01 - 01))
                .is_err()
        );
    }

    #[test]
    fn numbers_and_booleans_are_plain() {
        assert_eq!(
            row(|b| {
                b.integer(-42);
                b.float(121.48);
                b.boolean(true);
                b.boolean(false);
                b.optional_integer(None);
            }),
            "-42\t121.48\tt\tf\t\\N\n"
        );
    }
}
