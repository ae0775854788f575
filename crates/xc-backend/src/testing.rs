//! Fresh, empty, migrated stores for tests: SQLite in a temporary directory, or — when
//! `XUECHENG_TEST_DATABASE_URL` names a PostgreSQL server — a new database on that server that is
//! dropped when the guard goes out of scope.

use std::sync::Arc;

use xc_store::Store;

/// The environment variable that points tests at PostgreSQL.
pub const TEST_DATABASE_URL: &str = "XUECHENG_TEST_DATABASE_URL";

/// A store for one test; dropping it removes its database.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl std::fmt::Debug for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.cleanup {
            Cleanup::Sqlite(_) => "TestStore(sqlite)",
            Cleanup::Postgres { .. } => "TestStore(postgres)",
        })
    }
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;
    fn deref(&self) -> &(dyn Store + 'static) {
        &*self.store
    }
}

impl TestStore {
    /// SQLite unless `XUECHENG_TEST_DATABASE_URL` is set.
    pub async fn fresh() -> TestStore {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(url) if !url.is_empty() => Self::fresh_postgres(&url).await,
            _ => Self::fresh_sqlite().await,
        }
    }

    pub async fn fresh_sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = crate::open(None, dir.path(), 4)
            .await
            .expect("open SQLite test store");
        TestStore {
            store,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A new database on the server at `admin_url`, named `xc_test_<random>`.
    pub async fn fresh_postgres(admin_url: &str) -> TestStore {
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).expect("random");
        let database = format!("xc_test_{}", hex::encode(suffix));
        let admin = sqlx::PgPool::connect(admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let url = with_database(admin_url, &database);
        let store = crate::open(Some(&url), std::path::Path::new("."), 4)
            .await
            .expect("open PostgreSQL test store");
        TestStore {
            store,
            cleanup: Cleanup::Postgres {
                admin_url: admin_url.to_owned(),
                database,
            },
        }
    }

    pub fn engine(&self) -> &'static str {
        self.store.engine()
    }

    /// The data directory of a SQLite test store (for running the binary on it).
    pub fn sqlite_data_dir(&self) -> Option<&std::path::Path> {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => Some(dir.path()),
            Cleanup::Postgres { .. } => None,
        }
    }

    /// Runs `sql` (one or more statements) on the test database over a connection of its own,
    /// around the store, as someone with direct database access would: tests of tamper
    /// evidence use it to change rows the store never changes.
    pub async fn execute_directly(&self, sql: &str) -> Result<(), String> {
        use sqlx::Executor as _;
        match &self.cleanup {
            Cleanup::Sqlite(dir) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(dir.path().join(crate::SQLITE_FILE))
                    .foreign_keys(false);
                let mut connection =
                    <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
                        .await
                        .map_err(|error| error.to_string())?;
                connection
                    .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())))
                    .await
                    .map_err(|error| error.to_string())?;
            }
            Cleanup::Postgres {
                admin_url,
                database,
            } => {
                let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(
                    &with_database(admin_url, database),
                )
                .await
                .map_err(|error| error.to_string())?;
                connection
                    .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())))
                    .await
                    .map_err(|error| error.to_string())?;
            }
        }
        Ok(())
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Postgres {
            admin_url,
            database,
        } = &self.cleanup
        {
            let (admin_url, database) = (admin_url.clone(), database.clone());
            // Drop runs inside the test's runtime: do the cleanup on a thread with its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                        )))
                        .execute(&admin)
                        .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database path replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut result = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            super::with_database("postgres://h", "t1"),
            "postgres://h/t1"
        );
        assert_eq!(
            super::with_database("postgres://h/db?sslmode=disable", "t1"),
            "postgres://h/t1?sslmode=disable"
        );
    }
}
