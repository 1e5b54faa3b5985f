//! The session cache: a key/value store connectors share across the calls of one sync.
//!
//! baton's `SessionStore` behind its in-memory cache. Values are bytes (typed helpers use JSON)
//! so the engine can persist the cache with each checkpoint through
//! [`Store::save_session`](crate::Store::save_session), and a resumed sync sees what the
//! interrupted one cached: pages fetched before a crash are not fetched again.
//!
//! The cache holds at most a number of bytes (baton's `--session-store-maximum-size`, 15 MiB by
//! default), each entry weighing its key, its value and 32 bytes as baton's weigher has it; past
//! that the least recently used entries are evicted, and an entry heavier than the whole bound
//! is not kept at all (0 turns the cache off). A miss is what a connector already handles: it
//! fetches again. The engine's cache also keeps what was written since the last checkpoint and
//! evicted since, until that checkpoint saves it, so the store still gets every write.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The bound of a cache made without one: baton's default `--session-store-maximum-size`.
pub const DEFAULT_SESSION_MAX_BYTES: u64 = 15 << 20;

/// A cheaply clonable handle to a session cache (clones share it).
#[derive(Clone, Debug)]
pub struct SessionCache {
    inner: Arc<Mutex<SessionState>>,
    /// Put before every key: one sync's part of a cache several share (see [`scoped`](Self::scoped)).
    scope: Arc<str>,
}

impl Default for SessionCache {
    /// A cache of [`DEFAULT_SESSION_MAX_BYTES`].
    fn default() -> Self {
        SessionCache::new(DEFAULT_SESSION_MAX_BYTES)
    }
}

#[derive(Debug)]
struct SessionState {
    entries: HashMap<String, Entry>,
    /// Keys by last use, oldest first: the eviction order.
    by_use: BTreeMap<u64, String>,
    /// Ticks at every use.
    clock: u64,
    /// What the entries weigh.
    bytes: u64,
    max_bytes: u64,
    /// Whether writes are kept for [`SessionCache::take_dirty`] (the engine's cache).
    saved: bool,
    /// Keys written since the last [`SessionCache::take_dirty`].
    dirty: BTreeSet<String>,
    /// Of those, the ones evicted since: their values wait here for the checkpoint.
    unsaved: HashMap<String, Arc<[u8]>>,
}

#[derive(Debug)]
struct Entry {
    value: Arc<[u8]>,
    used: u64,
}

/// What an entry weighs against the bound: baton's weigher (`32 + len(key) + len(value)`).
fn weight(key: &str, value: &[u8]) -> u64 {
    32 + key.len() as u64 + value.len() as u64
}

impl SessionCache {
    /// A cache of at most `max_bytes` (0: nothing is kept), whose writes are not saved anywhere:
    /// what a host keeps across its calls (`serve`).
    pub fn new(max_bytes: u64) -> Self {
        SessionCache::with_state(max_bytes, false)
    }

    /// The engine's cache of at most `max_bytes`, pre-filled with `entries` (from a resumed
    /// sync's store), its writes kept for the checkpoints.
    pub(crate) fn saved(
        max_bytes: u64,
        entries: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Self {
        let cache = SessionCache::with_state(max_bytes, true);
        {
            let mut state = cache.lock();
            for (key, value) in entries {
                state.insert(key, Arc::from(value));
            }
        }
        cache
    }

    fn with_state(max_bytes: u64, saved: bool) -> Self {
        SessionCache {
            inner: Arc::new(Mutex::new(SessionState {
                entries: HashMap::new(),
                by_use: BTreeMap::new(),
                clock: 0,
                bytes: 0,
                max_bytes,
                saved,
                dirty: BTreeSet::new(),
                unsaved: HashMap::new(),
            })),
            scope: Arc::from(""),
        }
    }

    /// The part of this cache under `scope` (baton's cache keys begin with the sync id): its
    /// keys do not meet those of another scope, and all of them share this cache's bound.
    pub fn scoped(&self, scope: &str) -> SessionCache {
        SessionCache {
            inner: Arc::clone(&self.inner),
            scope: Arc::from(format!("{}{scope}/", self.scope)),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.scope)
    }

    /// The bytes stored under `key`, unless evicted since.
    pub fn get(&self, key: &str) -> Option<Arc<[u8]>> {
        self.lock().get(&self.key(key))
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn put(&self, key: impl Into<String>, value: impl Into<Vec<u8>>) {
        let key = self.key(&key.into());
        let mut state = self.lock();
        if state.saved {
            state.unsaved.remove(&key);
            state.dirty.insert(key.clone());
        }
        state.insert(key, Arc::from(value.into()));
    }

    /// The JSON value stored under `key`, or `None` when absent or not of type `T`.
    pub fn get_json<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.get(key)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    }

    /// Stores `value` as JSON under `key`.
    pub fn put_json<T: Serialize>(&self, key: impl Into<String>, value: &T) {
        // Serialising plain data types to a Vec cannot fail.
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.put(key, bytes);
    }

    /// Forgets every entry of this scope (baton's `Clear`).
    pub fn clear(&self) {
        let mut state = self.lock();
        let keys: Vec<String> = state
            .entries
            .keys()
            .filter(|k| k.starts_with(&*self.scope))
            .cloned()
            .collect();
        for key in keys {
            state.remove(&key);
        }
    }

    /// Number of entries of this scope.
    pub fn len(&self) -> usize {
        let state = self.lock();
        match self.scope.is_empty() {
            true => state.entries.len(),
            false => state
                .entries
                .keys()
                .filter(|k| k.starts_with(&*self.scope))
                .count(),
        }
    }

    /// Whether this scope has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the entries weigh, in bytes: at most the bound.
    pub fn weight(&self) -> u64 {
        self.lock().bytes
    }

    /// The entries written since the last call, for the engine to persist at a checkpoint,
    /// evicted ones included.
    pub(crate) fn take_dirty(&self) -> Vec<(String, Vec<u8>)> {
        let mut state = self.lock();
        let keys = std::mem::take(&mut state.dirty);
        let mut unsaved = std::mem::take(&mut state.unsaved);
        keys.into_iter()
            .filter_map(|k| {
                let value = match state.entries.get(&k) {
                    Some(entry) => Some(entry.value.to_vec()),
                    None => unsaved.remove(&k).map(|v| v.to_vec()),
                };
                value.map(|v| (k, v))
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        // A panic while holding this lock leaves only plain data behind; keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SessionState {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn get(&mut self, key: &str) -> Option<Arc<[u8]>> {
        let now = self.tick();
        let entry = self.entries.get_mut(key)?;
        self.by_use.remove(&entry.used);
        entry.used = now;
        self.by_use.insert(now, key.to_owned());
        Some(Arc::clone(&entry.value))
    }

    /// Inserts (or replaces) an entry, then evicts the least recently used ones past the bound;
    /// one heavier than the bound evicts nothing and is not kept.
    fn insert(&mut self, key: String, value: Arc<[u8]>) {
        self.remove(&key);
        let heavy = weight(&key, &value);
        if heavy > self.max_bytes {
            if self.dirty.contains(&key) {
                self.unsaved.insert(key, value);
            }
            return;
        }
        let now = self.tick();
        self.bytes += heavy;
        self.by_use.insert(now, key.clone());
        self.entries.insert(key, Entry { value, used: now });
        while self.bytes > self.max_bytes {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            if let Some(entry) = self.remove(&oldest)
                && self.dirty.contains(&oldest)
            {
                self.unsaved.insert(oldest, entry.value);
            }
        }
    }

    fn remove(&mut self, key: &str) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.by_use.remove(&entry.used);
        self.bytes -= weight(key, &entry.value);
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_dirty_tracking() {
        let cache = SessionCache::saved(DEFAULT_SESSION_MAX_BYTES, []);
        cache.put_json("orgs", &vec!["acme", "globex"]);
        cache.put_json("orgs", &vec!["acme"]);
        assert_eq!(
            cache.get_json::<Vec<String>>("orgs"),
            Some(vec!["acme".to_owned()])
        );
        assert_eq!(
            cache.take_dirty(),
            vec![("orgs".to_owned(), b"[\"acme\"]".to_vec())]
        );
        assert!(cache.take_dirty().is_empty());
    }

    #[test]
    fn the_bound_evicts_the_least_recently_used_entries() {
        // Each entry weighs 32 + 2 + 66 = 100 bytes: three fit in 350.
        let cache = SessionCache::new(350);
        let value = [7u8; 66];
        for key in ["k1", "k2", "k3"] {
            cache.put(key, value);
        }
        assert_eq!((cache.len(), cache.weight()), (3, 300));
        // k1 used last: k2 is now the least recently used, and goes first.
        assert!(cache.get("k1").is_some());
        cache.put("k4", value);
        assert_eq!((cache.len(), cache.weight()), (3, 300));
        assert!(cache.get("k2").is_none());
        assert!(["k1", "k3", "k4"].iter().all(|k| cache.get(k).is_some()));
        // Replacing an entry reweighs it rather than adding to the total.
        cache.put("k4", [1u8; 16]);
        assert_eq!(cache.weight(), 250);
        // An entry heavier than the bound is not kept, and evicts nothing.
        cache.put("big", vec![0u8; 400]);
        assert!(cache.get("big").is_none());
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn zero_turns_the_cache_off() {
        let cache = SessionCache::new(0);
        cache.put("k", b"v".to_vec());
        assert!(cache.get("k").is_none());
        assert_eq!((cache.len(), cache.weight()), (0, 0));
    }

    #[test]
    fn evicted_writes_still_reach_the_checkpoint() {
        // "old" weighs 95, "a" and "b" 99 each: one fits in 150.
        let cache = SessionCache::saved(150, [("old".to_owned(), vec![0u8; 60])]);
        cache.put("a", vec![1u8; 66]);
        cache.put("b", vec![2u8; 66]);
        // "old" (restored, saved already) and then "a" were evicted; "a" is still saved.
        assert!(cache.get("old").is_none() && cache.get("a").is_none());
        let saved = cache.take_dirty();
        assert_eq!(
            saved,
            vec![
                ("a".to_owned(), vec![1u8; 66]),
                ("b".to_owned(), vec![2u8; 66])
            ]
        );
        assert!(cache.take_dirty().is_empty());
        // A cache that is never saved keeps nothing beyond its bound.
        let host = SessionCache::new(100);
        host.put("a", vec![1u8; 66]);
        host.put("b", vec![2u8; 66]);
        assert!(host.lock().unsaved.is_empty() && host.lock().dirty.is_empty());
    }

    #[test]
    fn scopes_share_the_bound_and_clear_apart() {
        let cache = SessionCache::new(1000);
        let (one, two) = (cache.scoped("sync-1"), cache.scoped("sync-2"));
        one.put("orgs", b"1".to_vec());
        two.put("orgs", b"2".to_vec());
        assert_eq!(one.get("orgs").as_deref(), Some(&b"1"[..]));
        assert_eq!(two.get("orgs").as_deref(), Some(&b"2"[..]));
        assert_eq!((one.len(), cache.len()), (1, 2));
        assert_eq!(cache.weight(), 2 * (32 + "sync-1/orgs".len() as u64 + 1));
        one.clear();
        assert!(one.get("orgs").is_none() && one.is_empty());
        assert_eq!(two.get("orgs").as_deref(), Some(&b"2"[..]));
    }
}
