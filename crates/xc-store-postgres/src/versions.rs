//! Numbering a new version of one of the credit bank's versioned things (an outcome
//! specification, a conversion rule): a new one is created under its owner and gets version 1;
//! an existing one is locked (`FOR UPDATE`), so concurrent publications of it take turns, and
//! only then, in a statement of its own, gets the number after its latest: under READ COMMITTED
//! that statement sees a version committed while this publication waited for the lock. The
//! general rules (a non-formal kind's hours rule, the grade mapping) have no row of their own to
//! lock: [`next_in_sequence`] locks their version table instead. Each caller then writes the
//! version row into its own table.

use sqlx::PgConnection;
use time::OffsetDateTime;
use xc_domain::credit::Version;
use xc_store::{StoreError, StoreResult};

use crate::error::store_error;
use crate::queries::lock_row;

/// The SQL of one kind of versioned thing.
pub(crate) struct Versioned {
    /// What an unknown one is called (`NotFound { what }`).
    pub(crate) what: &'static str,
    /// What an unknown owner is called, when `create` answers no row for it.
    pub(crate) owner: &'static str,
    /// Creates one from its owner's id (`$1`), its code (`$2`) and the time (`$3`), answering
    /// its id, or no row when it asks for the owner and there is none.
    pub(crate) create: &'static str,
    /// `SELECT id ... WHERE id = $1 FOR UPDATE` of the one with id `$1`.
    pub(crate) lock: &'static str,
    /// The number after the largest version of the one with id `$1` (1 when it has none).
    pub(crate) next: &'static str,
}

/// Which one a publication is for.
pub(crate) enum Target<'a> {
    New { owner: i64, code: &'a str },
    Existing(i64),
}

impl Versioned {
    /// The id and the number of the version about to be published, decided inside the caller's
    /// transaction on `connection`.
    pub(crate) async fn next_version(
        &self,
        connection: &mut PgConnection,
        target: Target<'_>,
        at: OffsetDateTime,
    ) -> StoreResult<(i64, Version)> {
        match target {
            Target::New { owner, code } => {
                let id: Option<i64> = sqlx::query_scalar(self.create)
                    .bind(owner)
                    .bind(code)
                    .bind(at)
                    .fetch_optional(&mut *connection)
                    .await
                    .map_err(store_error)?;
                let id = id.ok_or(StoreError::NotFound { what: self.owner })?;
                Ok((id, Version::FIRST))
            }
            Target::Existing(id) => {
                lock_row::<i64>(connection, self.lock, id, self.what).await?;
                let next: i32 = sqlx::query_scalar(self.next)
                    .bind(id)
                    .fetch_one(&mut *connection)
                    .await
                    .map_err(store_error)?;
                let version = u32::try_from(next)
                    .ok()
                    .and_then(|number| Version::new(number).ok())
                    .ok_or_else(|| {
                        StoreError::backend(std::io::Error::other(format!(
                            "the next version of {} {id}: {next} is not a version",
                            self.what
                        )))
                    })?;
                Ok((id, version))
            }
        }
    }
}

/// The number of the next version of a thing that has no row of its own to lock (a non-formal
/// kind's rule, the grade mapping). `lock` takes a lock on its version table that conflicts with
/// itself and with inserts (`SHARE ROW EXCLUSIVE`), so concurrent publications take turns, and
/// only then does `next` (binding `key` when given) read the number after the largest version.
pub(crate) async fn next_in_sequence(
    connection: &mut PgConnection,
    lock: &'static str,
    next: &'static str,
    key: Option<&str>,
) -> StoreResult<Version> {
    sqlx::query(lock)
        .execute(&mut *connection)
        .await
        .map_err(store_error)?;
    let mut query = sqlx::query_scalar::<_, i32>(next);
    if let Some(key) = key {
        query = query.bind(key);
    }
    let next = query
        .fetch_one(&mut *connection)
        .await
        .map_err(store_error)?;
    u32::try_from(next)
        .ok()
        .and_then(|number| Version::new(number).ok())
        .ok_or_else(|| {
            StoreError::backend(std::io::Error::other(format!(
                "the next version: {next} is not a version"
            )))
        })
}
