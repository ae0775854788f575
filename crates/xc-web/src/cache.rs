//! A small time-bounded cache for what busy public pages show and what changes rarely (city and
//! district figures, district and subdistrict listings). Values may be up to `ttl` old; the TTL is
//! `web.overview_ttl_seconds`. One caller loads at a time (no stampede of identical queries
//! when a popular entry expires under load); while it reloads an expired entry, the others are
//! answered with the previous value.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppResult;

/// At most this many keys; past it the cache starts afresh (keys are districts and
/// subdistricts, a few hundred).
const MAX_ENTRIES: usize = 4_096;

#[derive(Debug)]
pub(crate) struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
    loading: tokio::sync::Mutex<()>,
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) async fn get_or_load<F, Fut>(&self, key: K, load: F) -> AppResult<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<V>>,
    {
        let stale = match self.entries.lock().expect("cache lock").get(&key) {
            Some((at, value)) if at.elapsed() < self.ttl => return Ok(value.clone()),
            Some((_, value)) => Some(value.clone()),
            None => None,
        };
        let _loading = match (stale, self.loading.try_lock()) {
            (_, Ok(guard)) => guard,
            // Someone is already reloading: the previous value will do for now.
            (Some(value), Err(_)) => return Ok(value),
            (None, Err(_)) => self.loading.lock().await,
        };
        // Loaded by whoever held the lock before us?
        if let Some((at, value)) = self.entries.lock().expect("cache lock").get(&key)
            && at.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        let value = load().await?;
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_are_reused_within_the_ttl_and_reloaded_after() {
        let cache = TtlCache::new(Duration::from_millis(50));
        let first = cache.get_or_load("k", || async { Ok(1) }).await.unwrap();
        let cached = cache.get_or_load("k", || async { Ok(2) }).await.unwrap();
        assert_eq!((first, cached), (1, 1));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(cache.get_or_load("k", || async { Ok(3) }).await.unwrap(), 3);
        let failed = cache
            .get_or_load("e", || async { Err(crate::AppError::Unavailable) })
            .await;
        assert!(failed.is_err(), "errors are not cached");
        assert_eq!(cache.get_or_load("e", || async { Ok(4) }).await.unwrap(), 4);
    }
}
