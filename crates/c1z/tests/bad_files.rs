use std::fs;
use std::path::Path;

use c1z::{C1zReader, C1zWriter, Error, ResourceFilter, WriterOptions};
use connector_sdk::{Resource, ResourceType, Store, Trait};

use crate::common::{fixture, pack, raw_db};

/// Opening `bytes` as a `.c1z` fails with an error naming the file.
fn open_bytes(bytes: &[u8]) -> Error {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.c1z");
    fs::write(&path, bytes).unwrap();
    let err = C1zReader::open(&path).unwrap_err();
    assert!(err.to_string().contains("bad.c1z"), "{err}");
    err
}

#[test]
fn not_a_c1z() {
    let err = open_bytes(b"hello, this is a text file");
    assert!(matches!(err, Error::NotC1z { .. }), "{err:?}");
    assert!(err.is_not_c1z());
}

#[test]
fn empty_file() {
    assert!(matches!(open_bytes(b""), Error::Empty { .. }));
    assert!(matches!(open_bytes(b"C1Z"), Error::NotC1z { .. }));
}

#[test]
fn v3_magic() {
    let err = open_bytes(b"C1Z3\0\0\0\0\x10rest");
    assert!(matches!(err, Error::V3Unsupported { .. }), "{err:?}");
    // What it is, and how to get a file this reads.
    let message = err.to_string();
    for said in ["v3 (Pebble)", "C1Z3", "--storage-engine sqlite"] {
        assert!(message.contains(said), "{message}");
    }
    assert!(err.to_string().contains("v3 (Pebble)"));
}

#[test]
fn truncated_zstd() {
    let bytes = fs::read(fixture("legacy-unexpanded.c1z")).unwrap();
    let err = open_bytes(&bytes[..bytes.len() / 2]);
    assert!(matches!(err, Error::Decompress { .. }), "{err:?}");
    let err = open_bytes(b"C1ZF\0not zstd at all");
    assert!(matches!(err, Error::Decompress { .. }), "{err:?}");
    let err = open_bytes(b"C1ZF\0");
    assert!(matches!(err, Error::Decompress { .. }), "{err:?}");
}

#[test]
fn decoded_size_is_bounded() {
    let err = C1zReader::open_with_limit(fixture("sync-in-progress.c1z"), 4096).unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: 4096, .. }),
        "{err:?}"
    );
}

#[test]
fn zstd_of_something_that_is_not_sqlite() {
    let mut bytes = b"C1ZF\0".to_vec();
    bytes.extend(zstd::encode_all(&[7u8; 10_000][..], 3).unwrap());
    let err = open_bytes(&bytes);
    assert!(matches!(err, Error::Sqlite { .. }), "{err:?}");
}

#[test]
fn sqlite_missing_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE v1_resource_types (id integer primary key, external_id text, data blob, \
         sync_id text, discovered_at datetime);
         CREATE TABLE v1_sync_runs (id integer primary key, sync_id text, started_at datetime, \
         ended_at datetime, sync_token text);",
    )
    .unwrap();
    drop(conn);
    let path = dir.path().join("partial-schema.c1z");
    pack(&db, &path);
    let err = C1zReader::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingTable {
                table: "v1_resources",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("partial-schema.c1z"));
}

#[tokio::test]
async fn corrupt_blob() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.c1z");
    let writer = C1zWriter::open(&good, WriterOptions::default()).unwrap();
    let start = writer.begin_sync().await.unwrap();
    let user = ResourceType::new("user", "User", &[Trait::User]);
    writer.put_resource_types(vec![user.clone()]).await.unwrap();
    writer
        .put_resources(vec![Resource::new(&user, "u1", "One")])
        .await
        .unwrap();
    writer.end_sync().await.unwrap();

    let raw = raw_db(&good);
    // Field 1, length-delimited, claiming 127 bytes that are not there.
    raw.conn
        .execute("UPDATE v1_resources SET data = X'0A7F01'", [])
        .unwrap();
    raw.conn
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let db_path = raw.conn.path().unwrap().to_owned();
    let bad = dir.path().join("bad.c1z");
    pack(Path::new(&db_path), &bad);

    let reader = C1zReader::open(&bad).unwrap();
    let err = reader
        .resources(&start.sync_id, ResourceFilter::default())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                table: "v1_resources",
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("bad.c1z") && message.contains("user:u1"),
        "{message}"
    );
    // The types are intact and still read.
    assert_eq!(reader.resource_types(&start.sync_id).unwrap(), vec![user]);
}

#[test]
fn unknown_sync_id() {
    let reader = C1zReader::open(fixture("sync-in-progress.c1z")).unwrap();
    let err = reader.counts("2nosuchsync").unwrap_err();
    assert!(matches!(err, Error::UnknownSync { .. }), "{err:?}");
    assert!(err.to_string().contains("2nosuchsync"));
    assert!(matches!(
        reader.sync("2nosuchsync"),
        Err(Error::UnknownSync { .. })
    ));
}

#[test]
fn output_in_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/sync.c1z");
    let err = C1zWriter::open(&path, WriterOptions::default()).unwrap_err();
    assert!(matches!(err, Error::MissingDirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn existing_files_that_are_not_c1z_are_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("notes.c1z", b"my important notes".as_slice()),
        ("empty.c1z", b"".as_slice()),
        ("pebble.c1z", b"C1Z3\0manifest".as_slice()),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let err = C1zWriter::open(&path, WriterOptions::default()).unwrap_err();
        assert!(err.is_not_c1z(), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        3,
        "nothing else was created"
    );
}

#[tokio::test]
async fn a_corrupt_existing_c1z_fails_the_sync_and_stays_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let bytes = fs::read(fixture("legacy-unexpanded.c1z")).unwrap();
    let truncated = &bytes[..bytes.len() / 3];
    fs::write(&path, truncated).unwrap();
    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let err = writer.begin_sync().await.unwrap_err();
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("corrupt or truncated"), "{source}");
    drop(writer);
    assert_eq!(fs::read(&path).unwrap(), truncated);
}
