//! Opens the store a deployment asked for. The URL scheme picks the engine: `sqlite:` (the
//! embedded default, a file under the data directory) or `postgres:`/`postgresql:` (PostgreSQL
//! and the engines that speak its protocol). Nothing above this crate knows which one it got.

#[cfg(feature = "testing")]
pub mod testing;

use std::path::Path;
use std::sync::Arc;

use xc_store::{Store, StoreError, StoreResult};
use xc_store_postgres::PgStore;
use xc_store_sqlite::SqliteStore;

/// The file name of the embedded database inside the data directory.
pub const SQLITE_FILE: &str = "xuecheng.db";

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> StoreResult<Engine> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            _ => Err(StoreError::Invalid {
                field: "database_url",
                reason: format!(
                    "unknown database URL scheme '{scheme}': use sqlite:PATH or postgres://USER@HOST/DB"
                ),
            }),
        }
    }
}

/// Opens the store at `url`, or the SQLite file in `data_dir` when no URL is given, and runs
/// its migrations.
pub async fn open(
    url: Option<&str>,
    data_dir: &Path,
    max_connections: u32,
) -> StoreResult<Arc<dyn Store>> {
    match url {
        None => {
            std::fs::create_dir_all(data_dir).map_err(|error| StoreError::Invalid {
                field: "data_dir",
                reason: format!("cannot create {}: {error}", data_dir.display()),
            })?;
            Ok(Arc::new(
                SqliteStore::open(&data_dir.join(SQLITE_FILE)).await?,
            ))
        }
        Some(url) => match Engine::of_url(url)? {
            Engine::Sqlite => Ok(Arc::new(SqliteStore::open_url(url).await?)),
            Engine::Postgres => Ok(Arc::new(PgStore::connect(url, max_connections).await?)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_engine() {
        assert_eq!(Engine::of_url("sqlite:data/x.db").unwrap(), Engine::Sqlite);
        assert_eq!(
            Engine::of_url("postgres://postgres@127.0.0.1/x").unwrap(),
            Engine::Postgres
        );
        assert_eq!(
            Engine::of_url("PostgreSQL://h/x").unwrap(),
            Engine::Postgres
        );
        let error = Engine::of_url("mysql://root@localhost/x").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown database URL scheme 'mysql'"),
            "{error}"
        );
    }
}
