//! Numbering a new version of one of the credit bank's versioned things (an outcome
//! specification, a conversion rule): a new one is created under its owner's code and gets
//! version 1; an existing one gets the number after its latest. The general rules (a non-formal
//! kind's hours rule, the grade mapping) have no row of their own and are numbered in sequence
//! ([`next_in_sequence`]). Each caller then writes the version row into its own table.

use sqlx::SqliteConnection;
use time::OffsetDateTime;
use xc_domain::credit::Version;
use xc_store::{StoreError, StoreResult};

use crate::rows::{db_error, micros, unique_is, version};

/// The SQL of one kind of versioned thing.
pub(crate) struct Versioned {
    /// What an unknown one is called (`NotFound { what }`).
    pub(crate) what: &'static str,
    /// Creates one from its owner's id, its code and the time, answering its id. The owner's
    /// code is the table's only unique constraint, so a violation is `Conflict { field: "code" }`.
    pub(crate) create: &'static str,
    /// One row, the largest version number of the one with id `?` (NULL when it has none), or no
    /// row when there is no such one.
    pub(crate) latest: &'static str,
}

/// Which one a publication is for.
pub(crate) enum Target<'a> {
    New { owner: i64, code: &'a str },
    Existing(i64),
}

impl Versioned {
    /// The id and the number of the version about to be published, decided inside the caller's
    /// write transaction on `conn`.
    pub(crate) async fn next_version(
        &self,
        conn: &mut SqliteConnection,
        target: Target<'_>,
        at: OffsetDateTime,
    ) -> StoreResult<(i64, Version)> {
        let (id, number) = match target {
            Target::New { owner, code } => {
                let id: i64 = sqlx::query_scalar(self.create)
                    .bind(owner)
                    .bind(code)
                    .bind(micros(at))
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(unique_is("code"))?;
                (id, 1)
            }
            Target::Existing(id) => {
                let latest: Option<Option<i64>> = sqlx::query_scalar(self.latest)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_error)?;
                let latest = latest.ok_or(StoreError::NotFound { what: self.what })?;
                (id, latest.unwrap_or(0) + 1)
            }
        };
        let number = version(number).map_err(|reason| StoreError::Backend(reason.into()))?;
        Ok((id, number))
    }
}

/// The number of the next version of a thing that has no row of its own to create or lock (a
/// non-formal kind's rule, the grade mapping): `next` answers the number after the largest
/// version, binding `key` when it is given. On SQLite the one writer connection already makes
/// publications take turns, so reading the number inside the write transaction is enough.
pub(crate) async fn next_in_sequence(
    conn: &mut SqliteConnection,
    next: &'static str,
    key: Option<&str>,
) -> StoreResult<Version> {
    let mut query = sqlx::query_scalar::<_, i64>(next);
    if let Some(key) = key {
        query = query.bind(key);
    }
    let number = query.fetch_one(&mut *conn).await.map_err(db_error)?;
    version(number).map_err(|reason| StoreError::Backend(reason.into()))
}
