//! A brand-new PostgreSQL database per test: [`fresh_store`] creates `xc_test_<random hex>` on
//! the server named by `XUECHENG_TEST_DATABASE_URL`, migrates it, and hands back a
//! [`TestDatabase`] that derefs to the [`PgStore`] and drops the database (`WITH (FORCE)`) when
//! it goes out of scope, also when the test panics. Without the variable there is no server to
//! use: the test says it was skipped and returns, so plain `cargo test` needs no service.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::ops::Deref;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection};
use xc_store_postgres::PgStore;

pub(crate) const URL_VARIABLE: &str = "XUECHENG_TEST_DATABASE_URL";

/// Evaluates to a future of a fresh [`TestDatabase`], or returns from the calling test after
/// saying it was skipped. For `store_suite!`, which awaits what it is given.
macro_rules! fresh_store_or_skip {
    () => {
        match $crate::support::fresh_store().await {
            Some(database) => std::future::ready(database),
            None => return,
        }
    };
}
pub(crate) use fresh_store_or_skip;

/// A migrated, empty database that lives as long as this value.
pub(crate) struct TestDatabase {
    store: PgStore,
    name: String,
    admin: PgConnectOptions,
}

impl Deref for TestDatabase {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        &self.store
    }
}

impl TestDatabase {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

/// `xc_test_` and 16 random hex digits: unique across tests, runs and machines sharing a server.
fn random_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default(),
    );
    format!("xc_test_{:016x}", hasher.finish())
}

/// `url` (`postgres://user@host:port/db?params`) pointing at database `name` instead.
pub(crate) fn url_for_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, q)| (base, Some(q)));
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |at| authority_start + at);
    let query = query.map(|query| format!("?{query}")).unwrap_or_default();
    format!("{}/{name}{query}", &base[..authority_end])
}

fn test_name() -> String {
    std::thread::current().name().unwrap_or("a test").to_owned()
}

/// The server's connection options, or `None` (after saying so) when no server is configured.
pub(crate) fn admin_options() -> Option<PgConnectOptions> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(
            PgConnectOptions::from_str(url.trim())
                .unwrap_or_else(|error| panic!("{URL_VARIABLE} is not a PostgreSQL URL: {error}")),
        ),
        _ => {
            eprintln!("skipped {}: {URL_VARIABLE} is not set", test_name());
            None
        }
    }
}

/// Creates and migrates a database of its own for the calling test.
pub(crate) async fn fresh_store() -> Option<TestDatabase> {
    fresh_database(true).await
}

/// Creates a database of its own for the calling test, migrated or left without any table.
pub(crate) async fn fresh_database(migrate: bool) -> Option<TestDatabase> {
    let admin = admin_options()?;
    let name = random_name();
    let mut connection = PgConnection::connect_with(&admin)
        .await
        .unwrap_or_else(|error| panic!("cannot reach the server in {URL_VARIABLE}: {error}"));
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut connection)
        .await
        .expect("create the test database");
    let _ = connection.close().await;
    // From here on the guard exists, so the database is dropped even if migration fails.
    let store = PgStore::connect_with(admin.clone().database(&name), 4).await;
    let store = match store {
        Ok(store) => store,
        Err(error) => {
            drop_database(admin, name);
            panic!("cannot connect to the test database: {error}");
        }
    };
    let database = TestDatabase { store, name, admin };
    if migrate {
        database.migrate().await.expect("migrate the test database");
    }
    Some(database)
}

/// Drops the database from a thread with a runtime of its own: `Drop` cannot await, and the
/// test's runtime may be the single-threaded one that is running this very drop.
fn drop_database(admin: PgConnectOptions, name: String) {
    let cleanup = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let mut connection = PgConnection::connect_with(&admin).await?;
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut connection)
            .await?;
            connection.close().await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
    });
    match cleanup.join() {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("could not drop a test database: {error}"),
        Err(_) => eprintln!("the thread dropping a test database panicked"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop_database(self.admin.clone(), std::mem::take(&mut self.name));
    }
}
