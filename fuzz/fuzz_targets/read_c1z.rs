//! The `.c1z` reader on arbitrary file content: an error, never a panic.

#![no_main]

use c1z::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("fuzz.c1z");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    // A small decompression bound keeps each run fast and memory flat.
    let Ok(reader) = C1zReader::open_with_limit(&path, 1 << 20) else {
        return;
    };
    let Ok(syncs) = reader.syncs() else {
        return;
    };
    for sync in syncs {
        let _ = reader.resource_types(&sync.id);
        let _ = reader.resources(&sync.id, ResourceFilter::default());
        let _ = reader.entitlements(&sync.id, EntitlementFilter::default());
        let _ = reader.grants(&sync.id, GrantFilter::default());
        let _ = reader.counts(&sync.id);
    }
});
