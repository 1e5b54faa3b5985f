use c1z::{C1zReader, C1zWriter, Error, WriterOptions};
use connector_sdk::{ResourceType, Store, Trait};

async fn one_sync(path: &std::path::Path, options: WriterOptions) -> String {
    let writer = C1zWriter::open(path, options).unwrap();
    let start = writer.begin_sync().await.unwrap();
    assert_eq!(start.checkpoint, None);
    writer
        .put_resource_types(vec![ResourceType::new(
            "user",
            &start.sync_id,
            &[Trait::User],
        )])
        .await
        .unwrap();
    writer.end_sync().await.unwrap();
    start.sync_id
}

#[tokio::test]
async fn four_syncs_keep_the_newest_three() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(one_sync(&path, WriterOptions::default()).await);
    }
    let reader = C1zReader::open(&path).unwrap();
    let kept: Vec<String> = reader.syncs().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(kept, ids[1..].to_vec());
    assert_eq!(reader.latest_sync().unwrap().id, ids[3]);
    // Each sync's rows are its own; the oldest sync's rows are gone with it.
    for id in &ids[1..] {
        assert_eq!(reader.resource_types(id).unwrap()[0].display_name, *id);
    }
    assert!(matches!(
        reader.counts(&ids[0]),
        Err(Error::UnknownSync { .. })
    ));
    let raw = crate::common::raw_db(&path);
    let rows: i64 = raw
        .conn
        .query_row("SELECT count(*) FROM v1_resource_types", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3);
}

#[tokio::test]
async fn keep_syncs_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let options = WriterOptions {
        keep_syncs: 1,
        ..WriterOptions::default()
    };
    one_sync(&path, options.clone()).await;
    let last = one_sync(&path, options).await;
    let reader = C1zReader::open(&path).unwrap();
    let ids: Vec<String> = reader.syncs().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![last]);
}

#[tokio::test]
async fn baton_files_gain_a_sync_and_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    std::fs::copy(crate::common::fixture("legacy-expanded.c1z"), &path).unwrap();
    let new_id = one_sync(&path, WriterOptions::default()).await;
    let reader = C1zReader::open(&path).unwrap();
    let syncs = reader.syncs().unwrap();
    assert_eq!(syncs.len(), 2);
    assert_eq!(syncs[0].id, "36zfOAoWMxQdISbixanQCRBiX7E");
    assert_eq!(reader.counts(&syncs[0].id).unwrap().grants, 14981);
    assert_eq!(reader.latest_sync().unwrap().id, new_id);
}

#[tokio::test]
async fn a_baton_file_compacted_by_retention_stays_batons() {
    // baton's 4 KiB pages become the writer's 16 KiB ones when retention's VACUUM rewrites the
    // file; the header stays in WAL mode and the kept sync reads back whole.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    std::fs::copy(crate::common::fixture("legacy-expanded.c1z"), &path).unwrap();
    let page_size = |path: &std::path::Path| -> i64 {
        crate::common::raw_db(path)
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(page_size(&path), 4096);
    let options = WriterOptions {
        keep_syncs: 1,
        ..WriterOptions::default()
    };
    let new_id = one_sync(&path, options).await;
    assert_eq!(page_size(&path), 16384);
    let reader = C1zReader::open(&path).unwrap();
    let ids: Vec<String> = reader.syncs().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![new_id.clone()]);
    assert_eq!(
        reader.resource_types(&new_id).unwrap()[0].display_name,
        new_id
    );
    assert_eq!(crate::common::journal_mode_bytes(&path), [2, 2]);
}
