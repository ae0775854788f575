//! The PostgreSQL storage backend of xuecheng: [`PgStore`] owns a connection pool and the
//! embedded migrations, and implements every trait of [`xc_store`], so it is a
//! [`xc_store::Store`]. Queries are plain runtime SQL with bind parameters (no compile-time
//! checking, so building needs no database); every query filters learners by their
//! [`LearnerScope`](xc_domain::LearnerScope) in SQL.
//!
//! # The COPY fast path
//!
//! The [`BulkStore`](xc_store::BulkStore) methods do not insert row by row: each `load_*` call
//! opens one transaction and streams its rows with `COPY table (columns) FROM STDIN` in
//! PostgreSQL's text format, in chunks of about a mebibyte, so a generated city of a million
//! learners loads in seconds rather than minutes. Values are escaped for that format (backslash,
//! tab, newline, carriage return; `\N` for NULL; `bytea` as `\\x` hex), and timestamps are
//! written in UTC with microseconds, the precision the column keeps. After loading, call
//! [`finish_load`](xc_store::BulkStore::finish_load), which moves every identity sequence past
//! the largest loaded id:
//!
//! ```no_run
//! # async fn demo(rows: Vec<xc_store::LearnerRecord>) -> xc_store::StoreResult<()> {
//! use xc_store::BulkStore;
//! let store = xc_store_postgres::PgStore::connect("postgres://xuecheng@localhost/xuecheng", 8).await?;
//! store.load_learners(&rows).await?; // one transaction, one COPY
//! store.finish_load().await?; // new learners get ids after the loaded ones
//! # Ok(())
//! # }
//! ```
//!
//! # Outcome uploads
//!
//! An upload ([`begin_batch`](xc_store::OutcomeStore::begin_batch)) is one transaction held by
//! its writer until `commit`. Each `write` call runs in a savepoint (a failed call leaves the
//! upload usable) and stores all of its rows with one `INSERT ... SELECT FROM UNNEST(...)` of
//! column arrays, `ON CONFLICT (provider_id, external_id) DO NOTHING`, plus one query for the
//! rows already held and one UNNEST insert of automatic decisions: a million rows cost a few
//! statements per call, never one per row.
//!
//! # Spending points, deciding applications, erasing learners
//!
//! [`spend_points`](xc_store::PointsStore::spend_points) locks the learner's row before it sums
//! the ledger, so two spends for one learner take turns and cannot overdraw together;
//! [`decide_application`](xc_store::ConversionStore::decide_application) locks the application,
//! so of two decisions at once one wins and the other is a conflict;
//! [`erase_learner`](xc_store::ErasureStore::erase_learner) locks the learner's row, so of two
//! erasures at once one wins and the other is a conflict.
//!
//! Architecture invariants (beyond those of `xc_store`):
//! - Constraint names are fixed in the migrations and mapped to fields in `error.rs`; renaming a
//!   constraint means changing that table too.
//! - The audit log's append-only rule is enforced by triggers, so even a session with full table
//!   rights cannot rewrite history without dropping the triggers first.

mod accounts;
mod accreditations;
mod audit;
mod bulk;
mod codec;
mod conversion;
mod conversion_codec;
mod erasure;
mod error;
mod general_rules;
mod geography;
mod learner_codes;
mod learners;
mod log;
mod lrs;
mod lrs_integration;
mod maintenance;
mod outcome_codec;
mod outcome_writes;
mod outcomes;
mod points;
mod queries;
mod shares;
mod sites;
mod trust;
mod versions;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use xc_store::{StoreError, StoreResult};

use crate::error::store_error;

/// The engine name reported by [`MaintenanceStore::engine`](xc_store::MaintenanceStore::engine).
pub const ENGINE: &str = "postgresql";

/// A PostgreSQL-backed store: a connection pool and where it points (never the password).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    host: String,
    port: u16,
    database: Option<String>,
    username: String,
}

impl PgStore {
    /// Connects a pool of at most `max_connections` to `url`
    /// (`postgres://user:password@host:port/database`) and brings the schema up to date.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|_| StoreError::Invalid {
            field: "database_url",
            reason: "not a PostgreSQL URL: expected postgres://user:password@host:port/database"
                .to_owned(),
        })?;
        let store = Self::connect_with(options, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects a pool with options already built (no migrations are run).
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> StoreResult<PgStore> {
        let host = options.get_host().to_owned();
        let port = options.get_port();
        let database = options.get_database().map(str::to_owned);
        let username = options.get_username().to_owned();
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Ok(PgStore {
            pool,
            host,
            port,
            database,
            username,
        })
    }

    /// Applies the embedded migrations that have not run yet (safe to run concurrently: sqlx
    /// takes an advisory lock).
    pub async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(StoreError::backend)
    }

    /// The pool, for engine-specific tests and tools.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection of the pool, waiting for those in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("engine", &ENGINE)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("username", &self.username)
            .field("pool_size", &self.pool.size())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_never_shows_the_password() {
        let options =
            PgConnectOptions::from_str("postgres://xc:s3cret-pass@db.invalid:5433/city").unwrap();
        let pool = PgPoolOptions::new().connect_lazy_with(options.clone());
        let store = PgStore {
            pool,
            host: options.get_host().to_owned(),
            port: options.get_port(),
            database: options.get_database().map(str::to_owned),
            username: options.get_username().to_owned(),
        };
        let shown = format!("{store:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("db.invalid") && shown.contains("5433"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn a_malformed_url_is_invalid_and_not_echoed() {
        let error = PgStore::connect("postgres://xc:pw@[bad", 1)
            .await
            .unwrap_err();
        match error {
            StoreError::Invalid { field, reason } => {
                assert_eq!(field, "database_url");
                assert!(!reason.contains("pw"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
}
