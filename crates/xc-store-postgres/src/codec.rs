//! How values sit in PostgreSQL columns and come back: topic lists as comma-separated codes,
//! ids and codes re-parsed through their domain constructors (a stored value that no longer
//! parses is reported as corrupt, never passed on), and the column lists shared by the queries
//! that read whole records.
//!
//! Two readers: [`get`] and the `*_from_row` functions here read the first tables (geography,
//! sites, learners, accounts); [`Stored`] reads the credit bank's rows (`outcome_codec.rs`,
//! `conversion_codec.rs`, `points.rs`) and names table, column and row when a value no longer
//! parses. The numbers the credit bank writes ([`bigint`], [`credits_column`] ...) are refused
//! as the caller's mistake when they do not fit their column.

use std::fmt;

use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Row, Type};
use xc_domain::credit::{Credits, Version};
use xc_domain::{Topic, Username};
use xc_store::{
    ApiTokenRecord, District, Institution, LearnerRecord, Neighbourhood, RoleAssignment, Sealed,
    SessionRecord, Site, StoreError, StoreResult, Subdistrict, UserRecord,
};

/// One column of a row, as a store error when it is missing or of another type.
pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: Decode<'r, Postgres> + Type<Postgres>,
{
    row.try_get(column).map_err(StoreError::backend)
}

/// `health,culture_arts`: the storage form of a topic list, in the order given.
pub(crate) fn topics_to_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|topic| topic.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn topics_from_text(text: &str) -> StoreResult<Vec<Topic>> {
    text.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| Topic::parse(code).map_err(StoreError::from))
        .collect()
}

/// Parses an optional stored code with the domain constructor `parse`.
pub(crate) fn optional<T>(
    text: Option<String>,
    parse: impl Fn(&str) -> Result<T, xc_domain::Invalid>,
) -> StoreResult<Option<T>> {
    text.map(|text| parse(&text))
        .transpose()
        .map_err(StoreError::from)
}

pub(crate) fn not_found(what: &'static str) -> StoreError {
    StoreError::NotFound { what }
}

/// The columns of `learners`, in the order [`learner_from_row`] reads them by name.
macro_rules! learner_columns {
    () => {
        "id, display_name, national_id_ciphertext, national_id_masked, national_id_lookup, \
         birth_year, gender, district_code, subdistrict_code, neighbourhood_code, \
         phone_ciphertext, phone_masked, interests, registered_at, registered_by"
    };
}
pub(crate) use learner_columns;

macro_rules! user_columns {
    () => {
        "users.id, users.username, users.password_hash, users.display_name, users.role, \
         users.district_code, users.institution_id, users.learner_id, users.created_at, \
         users.disabled"
    };
}
pub(crate) use user_columns;

macro_rules! site_columns {
    () => {
        "id, name, kind, institution_id, district_code, subdistrict_code, neighbourhood_code, \
         address, lon, lat, capacity, opening_hours, step_free, phone, topics"
    };
}
pub(crate) use site_columns;

pub(crate) fn point(row: &PgRow) -> StoreResult<xc_domain::GeoPoint> {
    Ok(xc_domain::GeoPoint::new(
        get(row, "lon")?,
        get(row, "lat")?,
    )?)
}

pub(crate) fn district_from_row(row: &PgRow) -> StoreResult<District> {
    Ok(District {
        code: xc_domain::DistrictCode::parse(&get::<String>(row, "code")?)?,
        name: get(row, "name")?,
        centroid: point(row)?,
        residents: get(row, "residents")?,
        residents_60_plus: get(row, "residents_60_plus")?,
    })
}

pub(crate) fn subdistrict_from_row(row: &PgRow) -> StoreResult<Subdistrict> {
    Ok(Subdistrict {
        code: xc_domain::SubdistrictCode::parse(&get::<String>(row, "code")?)?,
        name: get(row, "name")?,
        district: xc_domain::DistrictCode::parse(&get::<String>(row, "district_code")?)?,
        kind: xc_domain::SubdistrictKind::parse(&get::<String>(row, "kind")?)?,
        centroid: point(row)?,
        centroid_generated: get(row, "centroid_generated")?,
        residents: get(row, "residents")?,
        residents_60_plus: get(row, "residents_60_plus")?,
    })
}

pub(crate) fn neighbourhood_from_row(row: &PgRow) -> StoreResult<Neighbourhood> {
    Ok(Neighbourhood {
        code: xc_domain::NeighbourhoodCode::parse(&get::<String>(row, "code")?)?,
        name: get(row, "name")?,
        subdistrict: xc_domain::SubdistrictCode::parse(&get::<String>(row, "subdistrict_code")?)?,
        kind: xc_domain::NeighbourhoodKind::parse(&get::<String>(row, "kind")?)?,
        position: point(row)?,
        position_generated: get(row, "position_generated")?,
        residents: get(row, "residents")?,
        residents_60_plus: get(row, "residents_60_plus")?,
    })
}

pub(crate) fn institution_from_row(row: &PgRow) -> StoreResult<Institution> {
    Ok(Institution {
        id: xc_domain::InstitutionId::new(get(row, "id")?),
        name: get(row, "name")?,
        kind: xc_domain::InstitutionKind::parse(&get::<String>(row, "kind")?)?,
        district: optional(get(row, "district_code")?, xc_domain::DistrictCode::parse)?,
    })
}

pub(crate) fn site_from_row(row: &PgRow) -> StoreResult<Site> {
    Ok(Site {
        id: xc_domain::SiteId::new(get(row, "id")?),
        name: get(row, "name")?,
        kind: xc_domain::SiteKind::parse(&get::<String>(row, "kind")?)?,
        institution: get::<Option<i64>>(row, "institution_id")?.map(xc_domain::InstitutionId::new),
        district: xc_domain::DistrictCode::parse(&get::<String>(row, "district_code")?)?,
        subdistrict: optional(
            get(row, "subdistrict_code")?,
            xc_domain::SubdistrictCode::parse,
        )?,
        neighbourhood: optional(
            get(row, "neighbourhood_code")?,
            xc_domain::NeighbourhoodCode::parse,
        )?,
        address: get(row, "address")?,
        position: point(row)?,
        capacity: get(row, "capacity")?,
        opening_hours: get(row, "opening_hours")?,
        step_free: get(row, "step_free")?,
        phone: get(row, "phone")?,
        topics: topics_from_text(&get::<String>(row, "topics")?)?,
    })
}

pub(crate) fn learner_from_row(row: &PgRow) -> StoreResult<LearnerRecord> {
    let phone_ciphertext: Option<Vec<u8>> = get(row, "phone_ciphertext")?;
    let phone_masked: Option<String> = get(row, "phone_masked")?;
    let phone = match (phone_ciphertext, phone_masked) {
        (Some(ciphertext), Some(masked)) => Some(Sealed { ciphertext, masked }),
        (None, None) => None,
        _ => {
            return Err(StoreError::corrupt(
                "phone",
                "ciphertext and masked form disagree",
            ));
        }
    };
    Ok(LearnerRecord {
        id: xc_domain::LearnerId::new(get(row, "id")?),
        display_name: get(row, "display_name")?,
        national_id: Sealed {
            ciphertext: get(row, "national_id_ciphertext")?,
            masked: get(row, "national_id_masked")?,
        },
        national_id_lookup: get(row, "national_id_lookup")?,
        birth_year: get(row, "birth_year")?,
        gender: xc_domain::Gender::parse(&get::<String>(row, "gender")?)?,
        district: xc_domain::DistrictCode::parse(&get::<String>(row, "district_code")?)?,
        subdistrict: optional(
            get(row, "subdistrict_code")?,
            xc_domain::SubdistrictCode::parse,
        )?,
        neighbourhood: optional(
            get(row, "neighbourhood_code")?,
            xc_domain::NeighbourhoodCode::parse,
        )?,
        phone,
        interests: topics_from_text(&get::<String>(row, "interests")?)?,
        registered_at: get(row, "registered_at")?,
        registered_by: get::<Option<i64>>(row, "registered_by")?.map(xc_domain::InstitutionId::new),
    })
}

pub(crate) fn user_from_row(row: &PgRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: xc_domain::UserId::new(get(row, "id")?),
        username: Username::parse(&get::<String>(row, "username")?)?,
        password_hash: get(row, "password_hash")?,
        display_name: get(row, "display_name")?,
        role: RoleAssignment {
            role: xc_domain::Role::parse(&get::<String>(row, "role")?)?,
            district: optional(get(row, "district_code")?, xc_domain::DistrictCode::parse)?,
            institution: get::<Option<i64>>(row, "institution_id")?
                .map(xc_domain::InstitutionId::new),
        },
        learner: get::<Option<i64>>(row, "learner_id")?.map(xc_domain::LearnerId::new),
        created_at: get(row, "created_at")?,
        disabled: get(row, "disabled")?,
    })
}

/// A session joined with its user: the session's columns carry the `session_` prefix.
pub(crate) fn session_from_row(row: &PgRow) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        token_hash: get(row, "session_token_hash")?,
        user_id: xc_domain::UserId::new(get(row, "session_user_id")?),
        csrf_token: get(row, "session_csrf_token")?,
        created_at: get(row, "session_created_at")?,
        expires_at: get(row, "session_expires_at")?,
    })
}

pub(crate) fn api_token_from_row(row: &PgRow) -> StoreResult<ApiTokenRecord> {
    Ok(ApiTokenRecord {
        id: get(row, "id")?,
        institution: xc_domain::InstitutionId::new(get(row, "institution_id")?),
        name: get(row, "name")?,
        created_by: get::<Option<i64>>(row, "created_by")?.map(xc_domain::UserId::new),
        created_at: get(row, "created_at")?,
    })
}

/// A stored value that no longer parses: where it is and what is wrong with it.
#[derive(Debug)]
pub(crate) struct CorruptValue {
    table: &'static str,
    column: &'static str,
    row: String,
    reason: String,
}

impl fmt::Display for CorruptValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stored value {}.{} of row {} is invalid: {}",
            self.table, self.column, self.row, self.reason
        )
    }
}

impl std::error::Error for CorruptValue {}

/// One row being read back, named (table and key) for the errors its values may raise: a value
/// that no longer parses is a `StoreError::Backend` naming table, column and row (the database
/// was changed behind the platform's back: nothing a caller could fix).
pub(crate) struct Stored<'r> {
    row: &'r PgRow,
    table: &'static str,
    key: String,
}

/// A version number as a column holds it, or what is wrong with it.
fn version_from_column(number: i32) -> Result<Version, String> {
    u32::try_from(number)
        .map_err(|_| format!("there is no version {number}"))
        .and_then(|number| Version::new(number).map_err(|error| error.to_string()))
}

impl<'r> Stored<'r> {
    /// A row whose key is given, e.g. `(application 4, line 2)`.
    pub(crate) fn keyed(row: &'r PgRow, table: &'static str, key: String) -> Self {
        Stored { row, table, key }
    }

    /// A row whose key is its `id` column.
    pub(crate) fn by_id(row: &'r PgRow, table: &'static str) -> StoreResult<(Self, i64)> {
        let id: i64 = row.try_get("id").map_err(|error| {
            StoreError::backend(CorruptValue {
                table,
                column: "id",
                row: "?".to_owned(),
                reason: error.to_string(),
            })
        })?;
        Ok((Stored::keyed(row, table, id.to_string()), id))
    }

    /// A version of a versioned thing, keyed `(<owner> <id>, version <number>)` by its owner's
    /// `id` and its `version` column: the row, the owner's id and the version.
    pub(crate) fn by_version(
        row: &'r PgRow,
        table: &'static str,
        owner: &str,
    ) -> StoreResult<(Self, i64, Version)> {
        let (stored, id) = Stored::by_id(row, table)?;
        let number: i32 = stored.get("version")?;
        let stored = Stored::keyed(row, table, format!("({owner} {id}, version {number})"));
        let version = stored.number("version", version_from_column)?;
        Ok((stored, id, version))
    }

    pub(crate) fn corrupt(&self, column: &'static str, reason: impl fmt::Display) -> StoreError {
        StoreError::backend(CorruptValue {
            table: self.table,
            column,
            row: self.key.clone(),
            reason: reason.to_string(),
        })
    }

    pub(crate) fn get<T>(&self, column: &'static str) -> StoreResult<T>
    where
        T: Decode<'r, Postgres> + Type<Postgres>,
    {
        self.row
            .try_get(column)
            .map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn parse<T, E: fmt::Display>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<T> {
        let text: String = self.get(column)?;
        parse(&text).map_err(|error| self.corrupt(column, error))
    }

    pub(crate) fn parse_optional<T, E: fmt::Display>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<Option<T>> {
        let text: Option<String> = self.get(column)?;
        text.map(|text| parse(&text).map_err(|error| self.corrupt(column, error)))
            .transpose()
    }

    /// A number column turned into its domain value by `convert`, which says what is wrong
    /// with a number that is no such value.
    pub(crate) fn number<N, T>(
        &self,
        column: &'static str,
        convert: impl FnOnce(N) -> Result<T, String>,
    ) -> StoreResult<T>
    where
        N: Decode<'r, Postgres> + Type<Postgres>,
    {
        convert(self.get(column)?).map_err(|reason| self.corrupt(column, reason))
    }

    /// [`number`](Self::number) of a nullable column.
    pub(crate) fn optional_number<N, T>(
        &self,
        column: &'static str,
        convert: impl FnOnce(N) -> Result<T, String>,
    ) -> StoreResult<Option<T>>
    where
        N: Decode<'r, Postgres> + Type<Postgres>,
    {
        self.get::<Option<N>>(column)?
            .map(|number| convert(number).map_err(|reason| self.corrupt(column, reason)))
            .transpose()
    }

    pub(crate) fn required<T>(&self, column: &'static str, value: Option<T>) -> StoreResult<T> {
        value.ok_or_else(|| self.corrupt(column, "is NULL"))
    }

    pub(crate) fn credits(&self, column: &'static str) -> StoreResult<Option<Credits>> {
        self.optional_number(column, |hundredths: i64| {
            u64::try_from(hundredths)
                .ok()
                .and_then(Credits::from_hundredths)
                .ok_or_else(|| format!("{hundredths} hundredths is not an amount"))
        })
    }

    pub(crate) fn version(&self, column: &'static str) -> StoreResult<Option<Version>> {
        self.optional_number(column, version_from_column)
    }

    pub(crate) fn count(&self, column: &'static str) -> StoreResult<u64> {
        self.number(column, |count: i64| {
            u64::try_from(count).map_err(|_| format!("{count} is negative"))
        })
    }

    /// A JSONB column that must hold an array: its items.
    pub(crate) fn json_array(&self, column: &'static str) -> StoreResult<Vec<Value>> {
        match self.get::<Json<Value>>(column)?.0 {
            Value::Array(items) => Ok(items),
            _ => Err(self.corrupt(column, "not a JSON array")),
        }
    }
}

/// Values on their way into a column, refused (as the caller's mistake) when they do not fit.
pub(crate) fn bigint(value: u64, field: &'static str) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        field,
        reason: format!("{value} is too large to store"),
    })
}

pub(crate) fn integer(value: u32, field: &'static str) -> StoreResult<i32> {
    i32::try_from(value).map_err(|_| StoreError::Invalid {
        field,
        reason: format!("{value} is too large to store"),
    })
}

pub(crate) fn credits_column(credits: Credits) -> StoreResult<i64> {
    bigint(credits.hundredths(), "credits")
}

pub(crate) fn version_column(version: Version) -> StoreResult<i32> {
    integer(version.get(), "version")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_lists_round_trip_in_order() {
        let topics = vec![Topic::Languages, Topic::Health, Topic::CultureAndArts];
        let text = topics_to_text(&topics);
        assert_eq!(text, "languages,health,culture_arts");
        assert_eq!(topics_from_text(&text).unwrap(), topics);
        assert_eq!(topics_from_text("").unwrap(), vec![]);
    }

    #[test]
    fn an_unknown_stored_topic_is_reported_as_corrupt() {
        let error = topics_from_text("health,cinema").unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt { field: "topic", .. }),
            "{error:?}"
        );
    }

    #[test]
    fn corrupt_values_name_table_column_and_row() {
        let error = StoreError::backend(CorruptValue {
            table: "outcomes",
            column: "kind",
            row: "42".into(),
            reason: "'lecture' is not one of: ...".into(),
        });
        let shown = error.to_string();
        assert!(
            shown.contains("outcomes.kind") && shown.contains("row 42"),
            "{shown}"
        );
    }
}
