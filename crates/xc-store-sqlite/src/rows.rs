//! Conversions between SQLite rows and store records: timestamps as microseconds since the
//! epoch, booleans as integers, codes as text checked on the way out; and [`Cells`], which reads
//! the credit bank's rows into domain types and names the table, column and row of a cell that no
//! longer parses.

use std::fmt::Display;

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use xc_domain::credit::{Credits, Version};
use xc_domain::*;
use xc_store::*;

pub(crate) fn micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

pub(crate) fn from_micros(value: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1_000)
        .map_err(|error| StoreError::corrupt("timestamp", error.to_string()))
}

/// Maps a driver error: unique violations become `Conflict` naming the field a person would fix.
pub(crate) fn db_error(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        let message = db.message();
        let field = if message.contains("national_id_lookup") {
            "national_id"
        } else if message.contains("users.username") {
            "username"
        } else if message.contains("users.learner_id") {
            "learner"
        } else if message.contains("token_hash") {
            "token"
        } else if message.contains("outcomes.external_id") {
            "external_id"
        } else {
            "id"
        };
        return StoreError::Conflict { field };
    }
    StoreError::backend(error)
}

/// Maps a unique violation to `Conflict { field }` where the statement can break only one
/// unique constraint, so the field is known without reading the message; anything else as
/// [`db_error`].
pub(crate) fn unique_is(field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { field },
        _ => db_error(error),
    }
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(StoreError::backend)
}

fn point(row: &SqliteRow) -> StoreResult<GeoPoint> {
    Ok(GeoPoint::new(get(row, "lon")?, get(row, "lat")?)?)
}

fn opt_code<T>(
    row: &SqliteRow,
    column: &str,
    parse: fn(&str) -> Result<T, Invalid>,
) -> StoreResult<Option<T>> {
    let text: Option<String> = get(row, column)?;
    Ok(text.as_deref().map(parse).transpose()?)
}

pub(crate) fn district(row: &SqliteRow) -> StoreResult<District> {
    Ok(District {
        code: DistrictCode::parse(&get::<String>(row, "code")?)?,
        name: get(row, "name")?,
        centroid: point(row)?,
        residents: get(row, "residents")?,
        residents_60_plus: get(row, "residents_60_plus")?,
    })
}

pub(crate) fn subdistrict(row: &SqliteRow) -> StoreResult<Subdistrict> {
    Ok(Subdistrict {
        code: SubdistrictCode::parse(&get::<String>(row, "code")?)?,
        name: get(row, "name")?,
        district: DistrictCode::parse(&get::<String>(row, "district_code")?)?,
        kind: SubdistrictKind::parse(&get::<String>(row, "kind")?)?,
        centroid: point(row)?,
        centroid_generated: get(row, "centroid_generated")?,
        residents: get(row, "residents")?,
        residents_60_plus: get(row, "residents_60_plus")?,
    })
}

pub(crate) fn neighbourhood(row: &SqliteRow) -> StoreResult<Neighbourhood> {
    Ok(Neighbourhood {
        code: NeighbourhoodCode::parse(&get::<String>(row, "code")?)?,
        name: get(row, "name")?,
        subdistrict: SubdistrictCode::parse(&get::<String>(row, "subdistrict_code")?)?,
        kind: NeighbourhoodKind::parse(&get::<String>(row, "kind")?)?,
        position: point(row)?,
        position_generated: get(row, "position_generated")?,
        residents: get(row, "residents")?,
        residents_60_plus: get(row, "residents_60_plus")?,
    })
}

pub(crate) fn institution(row: &SqliteRow) -> StoreResult<Institution> {
    Ok(Institution {
        id: InstitutionId::new(get(row, "id")?),
        name: get(row, "name")?,
        kind: InstitutionKind::parse(&get::<String>(row, "kind")?)?,
        district: opt_code(row, "district_code", DistrictCode::parse)?,
    })
}

pub(crate) fn site(row: &SqliteRow) -> StoreResult<Site> {
    Ok(Site {
        id: SiteId::new(get(row, "id")?),
        name: get(row, "name")?,
        kind: SiteKind::parse(&get::<String>(row, "kind")?)?,
        institution: get::<Option<i64>>(row, "institution_id")?.map(InstitutionId::new),
        district: DistrictCode::parse(&get::<String>(row, "district_code")?)?,
        subdistrict: opt_code(row, "subdistrict_code", SubdistrictCode::parse)?,
        neighbourhood: opt_code(row, "neighbourhood_code", NeighbourhoodCode::parse)?,
        address: get(row, "address")?,
        position: point(row)?,
        capacity: get(row, "capacity")?,
        opening_hours: get(row, "opening_hours")?,
        step_free: get(row, "step_free")?,
        phone: get(row, "phone")?,
        topics: topics_from_text(&get::<String>(row, "topics")?)?,
    })
}

pub(crate) fn learner(row: &SqliteRow) -> StoreResult<LearnerRecord> {
    let phone_ciphertext: Option<Vec<u8>> = get(row, "phone_ciphertext")?;
    let phone_masked: Option<String> = get(row, "phone_masked")?;
    Ok(LearnerRecord {
        id: LearnerId::new(get(row, "id")?),
        display_name: get(row, "display_name")?,
        national_id: Sealed {
            ciphertext: get(row, "national_id_ciphertext")?,
            masked: get(row, "national_id_masked")?,
        },
        national_id_lookup: get(row, "national_id_lookup")?,
        birth_year: get(row, "birth_year")?,
        gender: Gender::parse(&get::<String>(row, "gender")?)?,
        district: DistrictCode::parse(&get::<String>(row, "district_code")?)?,
        subdistrict: opt_code(row, "subdistrict_code", SubdistrictCode::parse)?,
        neighbourhood: opt_code(row, "neighbourhood_code", NeighbourhoodCode::parse)?,
        phone: phone_ciphertext
            .zip(phone_masked)
            .map(|(ciphertext, masked)| Sealed { ciphertext, masked }),
        interests: topics_from_text(&get::<String>(row, "interests")?)?,
        registered_at: from_micros(get(row, "registered_at")?)?,
        registered_by: get::<Option<i64>>(row, "registered_by")?.map(InstitutionId::new),
    })
}

pub(crate) fn user(row: &SqliteRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: UserId::new(get(row, "id")?),
        username: Username::parse(&get::<String>(row, "username")?)?,
        password_hash: get(row, "password_hash")?,
        display_name: get(row, "display_name")?,
        role: RoleAssignment {
            role: Role::parse(&get::<String>(row, "role")?)?,
            district: opt_code(row, "district_code", DistrictCode::parse)?,
            institution: get::<Option<i64>>(row, "institution_id")?.map(InstitutionId::new),
        },
        learner: get::<Option<i64>>(row, "learner_id")?.map(LearnerId::new),
        created_at: from_micros(get(row, "created_at")?)?,
        disabled: get(row, "disabled")?,
    })
}

pub(crate) fn audit_entry(row: &SqliteRow) -> StoreResult<AuditEntry> {
    let detail: String = get(row, "detail")?;
    Ok(AuditEntry {
        id: get(row, "id")?,
        at: from_micros(get(row, "at")?)?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        subject_kind: get(row, "subject_kind")?,
        subject_id: get(row, "subject_id")?,
        detail: serde_json::from_str(&detail)
            .map_err(|e| StoreError::corrupt("detail", e.to_string()))?,
    })
}

/// Column lists, kept beside the decoders that read them.
pub(crate) const LEARNER_COLUMNS: &str = "id, display_name, national_id_ciphertext, national_id_masked, \
    national_id_lookup, birth_year, gender, district_code, subdistrict_code, neighbourhood_code, \
    phone_ciphertext, phone_masked, interests, registered_at, registered_by";
pub(crate) const USER_COLUMNS: &str = "id, username, password_hash, display_name, role, district_code, \
    institution_id, learner_id, created_at, disabled";
pub(crate) const SITE_COLUMNS: &str = "id, name, kind, institution_id, district_code, subdistrict_code, \
    neighbourhood_code, address, lon, lat, capacity, opening_hours, step_free, phone, topics";

// ---- credit-bank cells ----------------------------------------------------------------------

/// The cells of one stored row, read into domain types; a cell that does not parse is a
/// `Backend` error naming the table, the column and the row.
pub(crate) struct Cells<'r> {
    row: &'r SqliteRow,
    table: &'static str,
    key: String,
}

impl<'r> Cells<'r> {
    pub(crate) fn new(row: &'r SqliteRow, table: &'static str, key: String) -> Self {
        Self { row, table, key }
    }

    pub(crate) fn corrupt(&self, column: &str, reason: impl Display) -> StoreError {
        StoreError::Backend(
            format!(
                "{}.{column} of {} is not valid: {reason}",
                self.table, self.key
            )
            .into(),
        )
    }

    pub(crate) fn get<T>(&self, column: &str) -> StoreResult<T>
    where
        T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
    {
        self.row
            .try_get(column)
            .map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn text<T, E: Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<T> {
        let text: &str = self.get(column)?;
        parse(text).map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn opt_text<T, E: Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<Option<T>> {
        let text: Option<&str> = self.get(column)?;
        text.map(parse)
            .transpose()
            .map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn number<T, E: Display>(
        &self,
        column: &str,
        convert: impl FnOnce(i64) -> Result<T, E>,
    ) -> StoreResult<T> {
        convert(self.get(column)?).map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn opt_number<T, E: Display>(
        &self,
        column: &str,
        convert: impl FnOnce(i64) -> Result<T, E>,
    ) -> StoreResult<Option<T>> {
        let value: Option<i64> = self.get(column)?;
        value
            .map(convert)
            .transpose()
            .map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn timestamp(&self, column: &str) -> StoreResult<OffsetDateTime> {
        from_micros(self.get(column)?).map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn opt_timestamp(&self, column: &str) -> StoreResult<Option<OffsetDateTime>> {
        let value: Option<i64> = self.get(column)?;
        value
            .map(from_micros)
            .transpose()
            .map_err(|error| self.corrupt(column, error))
    }
}

/// A JSON body as stored (conversion rules, general rules).
pub(crate) fn json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_str(text)
}

pub(crate) fn date(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
}

pub(crate) fn credits(value: i64) -> Result<Credits, String> {
    u64::try_from(value)
        .ok()
        .and_then(Credits::from_hundredths)
        .ok_or_else(|| format!("{value} hundredths are not credits"))
}

pub(crate) fn version(value: i64) -> Result<Version, String> {
    u32::try_from(value)
        .map_err(|_| format!("there is no version {value}"))
        .and_then(|number| Version::new(number).map_err(|invalid| invalid.to_string()))
}

pub(crate) fn row_id(row: &SqliteRow, table: &str, column: &str) -> StoreResult<i64> {
    row.try_get(column).map_err(|error| {
        StoreError::Backend(format!("{table}.{column} of a row is not valid: {error}").into())
    })
}
