//! The reader on arbitrary bytes: an error, never a panic. `cargo xtask fuzz` runs the tests
//! named `fuzz_` with many cases (PROPTEST_CASES).

use c1z::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter};
use proptest::prelude::*;

/// Opens `bytes` as a `.c1z` and, if that works, reads everything it claims to hold.
fn read_all(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.c1z");
    std::fs::write(&path, bytes).unwrap();
    let Ok(reader) = C1zReader::open_with_limit(&path, 1 << 20) else {
        return;
    };
    let Ok(syncs) = reader.syncs() else {
        return;
    };
    let _ = reader.latest_sync();
    for sync in syncs {
        let _ = reader.resource_types(&sync.id);
        let _ = reader.resources(&sync.id, ResourceFilter::default());
        let _ = reader.entitlements(&sync.id, EntitlementFilter::default());
        let _ = reader.grants(&sync.id, GrantFilter::default());
        let _ = reader.counts(&sync.id);
    }
}

proptest! {
    #[test]
    fn fuzz_read_c1z_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        read_all(&bytes);
    }

    #[test]
    fn fuzz_read_c1z_after_the_magic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut file = b"C1ZF\0".to_vec();
        file.extend(&bytes);
        read_all(&file);
    }

    #[test]
    fn fuzz_read_c1z_compressed_garbage(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        // Valid zstd of invalid SQLite: the decoder succeeds and SQLite must refuse cleanly.
        let mut file = b"C1ZF\0".to_vec();
        file.extend(zstd::encode_all(&bytes[..], 1).unwrap());
        read_all(&file);
    }

    #[test]
    fn fuzz_read_c1z_sqlite_header_then_garbage(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut db = b"SQLite format 3\0".to_vec();
        db.extend(&bytes);
        let mut file = b"C1ZF\0".to_vec();
        file.extend(zstd::encode_all(&db[..], 1).unwrap());
        read_all(&file);
    }
}
