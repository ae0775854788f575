//! The SQLite backend: the embedded default, one database file under the data directory.
//!
//! - WAL journal with `synchronous = FULL`, so a commit that returned survives a power cut;
//!   checkpoints every 64 MB of WAL rather than SQLite's 4 MB (fewer, larger copies).
//! - Two pools: readers (several connections; WAL lets them read while a write is in progress)
//!   and one writer connection, so writes from this process queue in order instead of failing
//!   with `SQLITE_BUSY`; `busy_timeout` covers other processes (a CLI command beside a server).
//! - Bulk loads are multi-row `INSERT`s inside one transaction (the engine's fast path).
//! - Migrations in `migrations/`, embedded in the binary, run by [`SqliteStore::migrate`].

mod accreditations;
mod conversion;
mod erasure;
mod general_rules;
mod learner_codes;
mod log;
mod lrs;
mod lrs_integration;
mod outcomes;
mod points;
mod rows;
mod shares;
mod stores;
mod trust;
mod versions;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use xc_store::{StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows the worker thread may hand back ahead of the task reading them. The driver's default (50)
/// parks and wakes both threads every 50 rows; an upload reads back one row per stored outcome
/// (`RETURNING id, external_id`), thousands a statement.
const ROW_BUFFER: usize = 4_096;

/// WAL pages after which a commit copies the WAL back into the database (SQLite's default is
/// 1,000, 4 MB). The copy runs inside the committing write, and with the default a batch of
/// statements (thousands of pages) paid for one every commit; at 64 MB a page written by several
/// commits is copied once, and the xAPI ingest runs about 1.3x faster (docs/benchmarks.md). The
/// WAL file is cut back to this size after a checkpoint (`journal_size_limit`).
const WAL_CHECKPOINT_PAGES: u64 = 16_000;

/// A store on one SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory")
            .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
            .pragma(
                "journal_size_limit",
                (WAL_CHECKPOINT_PAGES * 4096).to_string(),
            )
            .row_buffer_size(ROW_BUFFER);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(StoreError::backend)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(false))
            .await
            .map_err(StoreError::backend)?;
        let store = Self { read, write };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a store from a `sqlite:` URL (`sqlite:///var/lib/xuecheng/xuecheng.db` or
    /// `sqlite:data/xuecheng.db`).
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url).map_err(|error| StoreError::Invalid {
            field: "database_url",
            reason: format!("not a SQLite URL: {error}"),
        })?;
        Self::open(options.get_filename()).await
    }

    /// A private in-memory database (tests). One connection serves reads and writes.
    pub async fn open_in_memory() -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(StoreError::backend)?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(StoreError::backend)?;
        let store = Self {
            read: pool.clone(),
            write: pool,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.write).await.map_err(StoreError::backend)
    }

    /// Closes both pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
