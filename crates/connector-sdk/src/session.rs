//! The per-sync session cache: a key/value store connectors share across calls of one sync.
//!
//! baton's `SessionStore`. Values are bytes (typed helpers use JSON) so the engine can persist the
//! cache with each checkpoint through [`Store::save_session`](crate::Store::save_session), and a
//! resumed sync sees what the interrupted one cached: pages fetched before a crash are not
//! fetched again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A cheaply clonable handle to one sync's cache.
#[derive(Clone, Debug, Default)]
pub struct SessionCache {
    inner: Arc<Mutex<SessionState>>,
}

#[derive(Debug, Default)]
struct SessionState {
    entries: BTreeMap<String, Arc<[u8]>>,
    /// Keys written since the last [`SessionCache::take_dirty`].
    dirty: Vec<String>,
}

impl SessionCache {
    /// A cache pre-filled with `entries` (from a resumed sync's store).
    pub(crate) fn from_entries(entries: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let entries = entries
            .into_iter()
            .map(|(k, v)| (k, Arc::from(v)))
            .collect();
        SessionCache {
            inner: Arc::new(Mutex::new(SessionState {
                entries,
                dirty: Vec::new(),
            })),
        }
    }

    /// The bytes stored under `key`.
    pub fn get(&self, key: &str) -> Option<Arc<[u8]>> {
        self.lock().entries.get(key).cloned()
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn put(&self, key: impl Into<String>, value: impl Into<Vec<u8>>) {
        let key = key.into();
        let mut state = self.lock();
        state.entries.insert(key.clone(), Arc::from(value.into()));
        state.dirty.push(key);
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

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries written since the last call, for the engine to persist at a checkpoint.
    pub(crate) fn take_dirty(&self) -> Vec<(String, Vec<u8>)> {
        let mut state = self.lock();
        let mut keys = std::mem::take(&mut state.dirty);
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter_map(|k| state.entries.get(&k).map(|v| (k, v.to_vec())))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        // A panic while holding this lock leaves only plain data behind; keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_dirty_tracking() {
        let cache = SessionCache::default();
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
}
