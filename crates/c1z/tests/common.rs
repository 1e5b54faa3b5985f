use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use c1z::{C1zReader, C1zWriter, EntitlementFilter, GrantFilter, ResourceFilter, WriterOptions};
use connector_sdk::Store;

/// A fixture written by baton-sdk.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Everything in one sync, as the reader returns it.
#[derive(Debug, Default, PartialEq)]
pub struct Content {
    pub resource_types: Vec<connector_sdk::ResourceType>,
    pub resources: Vec<connector_sdk::Resource>,
    pub entitlements: Vec<connector_sdk::Entitlement>,
    pub grants: Vec<connector_sdk::Grant>,
}

pub fn content(reader: &C1zReader, sync_id: &str) -> Content {
    Content {
        resource_types: reader.resource_types(sync_id).unwrap(),
        resources: reader
            .resources(sync_id, ResourceFilter::default())
            .unwrap(),
        entitlements: reader
            .entitlements(sync_id, EntitlementFilter::default())
            .unwrap(),
        grants: reader.grants(sync_id, GrantFilter::default()).unwrap(),
    }
}

/// Writes `content` as one full sync of `path` through the `Store` API; returns the sync id.
pub async fn write_content(path: &Path, content: &Content) -> String {
    let writer = C1zWriter::open(path, WriterOptions::default()).unwrap();
    let start = writer.begin_sync().await.unwrap();
    writer
        .put_resource_types(content.resource_types.clone())
        .await
        .unwrap();
    for chunk in content.resources.chunks(500) {
        writer.put_resources(chunk.to_vec()).await.unwrap();
    }
    for chunk in content.entitlements.chunks(500) {
        writer.put_entitlements(chunk.to_vec()).await.unwrap();
    }
    for chunk in content.grants.chunks(1000) {
        writer.put_grants(chunk.to_vec()).await.unwrap();
    }
    writer.end_sync().await.unwrap();
    start.sync_id
}

/// The decompressed database of a `.c1z`, opened with plain rusqlite.
pub struct RawDb {
    pub conn: rusqlite::Connection,
    _dir: tempfile::TempDir,
}

/// The SQLite database file inside a v1 `.c1z`.
pub fn decoded(c1z: &Path) -> Vec<u8> {
    let bytes = std::fs::read(c1z).unwrap();
    assert_eq!(&bytes[..5], b"C1ZF\0");
    zstd::decode_all(&bytes[5..]).unwrap()
}

/// The SQLite header's journal-mode bytes (18 and 19) of a `.c1z`'s database: `[2, 2]` is WAL.
pub fn journal_mode_bytes(c1z: &Path) -> [u8; 2] {
    let db = decoded(c1z);
    [db[18], db[19]]
}

pub fn raw_db(c1z: &Path) -> RawDb {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("raw.db");
    std::fs::write(&db, decoded(c1z)).unwrap();
    RawDb {
        conn: rusqlite::Connection::open(&db).unwrap(),
        _dir: dir,
    }
}

/// Writes `db` (a plain SQLite file) as a `.c1z` at `out`.
pub fn pack(db: &Path, out: &Path) {
    let mut bytes = b"C1ZF\0".to_vec();
    bytes.extend(zstd::encode_all(&std::fs::read(db).unwrap()[..], 3).unwrap());
    std::fs::write(out, bytes).unwrap();
}

/// `external_id → (data, expansion)` of a table's rows in one sync.
pub type Rows = BTreeMap<String, (Vec<u8>, Option<Vec<u8>>)>;

pub fn rows(db: &RawDb, table: &str, sync_id: &str) -> Rows {
    let has_expansion = db
        .conn
        .prepare(&format!("SELECT expansion FROM {table} LIMIT 0"))
        .is_ok();
    let expansion = if has_expansion { "expansion" } else { "NULL" };
    let sql = format!("SELECT external_id, data, {expansion} FROM {table} WHERE sync_id = ?1");
    let mut stmt = db.conn.prepare(&sql).unwrap();
    stmt.query_map([sync_id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
