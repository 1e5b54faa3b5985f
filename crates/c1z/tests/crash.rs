use std::fs;
use std::path::{Path, PathBuf};

use c1z::{C1zReader, C1zWriter, ResourceFilter, WriterOptions};
use connector_sdk::{Grant, Purpose, Resource, ResourceId, ResourceType, Store, Trait};

fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
}

fn users(n: usize) -> Vec<Resource> {
    (0..n)
        .map(|i| Resource::new(&user_type(), format!("u{i}"), format!("User {i}")))
        .collect()
}

fn grants(n: usize) -> Vec<Grant> {
    let org = Resource::new(&ResourceType::new("org", "Org", &[]), "o1", "Org");
    let member = connector_sdk::Entitlement::new(&org, "member", Purpose::Assignment);
    (0..n)
        .map(|i| Grant::of(&member, ResourceId::new("user", format!("u{i}"))))
        .collect()
}

fn partial(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.partial", path.display()))
}

async fn full_sync(path: &Path) -> String {
    let writer = C1zWriter::open(path, WriterOptions::default()).unwrap();
    let start = writer.begin_sync().await.unwrap();
    writer.put_resource_types(vec![user_type()]).await.unwrap();
    writer.put_resources(users(3)).await.unwrap();
    writer.end_sync().await.unwrap();
    start.sync_id
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn dropped_writer_leaves_the_file_and_the_next_writer_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let first = full_sync(&path).await;
    let before = fs::read(&path).unwrap();

    let writer = C1zWriter::open(
        &path,
        WriterOptions {
            batch_size: 7,
            ..Default::default()
        },
    )
    .unwrap();
    let start = writer.begin_sync().await.unwrap();
    assert_ne!(start.sync_id, first);
    writer.put_resource_types(vec![user_type()]).await.unwrap();
    writer.put_resources(users(50)).await.unwrap();
    writer
        .save_session(vec![("cursor".into(), b"abc".to_vec())])
        .await
        .unwrap();
    writer.checkpoint(r#"{"step":1}"#).await.unwrap();
    writer.put_grants(grants(20)).await.unwrap();
    drop(writer);

    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "the previous file must be byte-identical"
    );
    assert_eq!(listing(dir.path()), vec!["sync.c1z", "sync.c1z.partial"]);

    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let resumed = writer.begin_sync().await.unwrap();
    assert_eq!(resumed.sync_id, start.sync_id);
    assert_eq!(resumed.checkpoint.as_deref(), Some(r#"{"step":1}"#));
    assert_eq!(
        resumed.session,
        vec![("cursor".to_owned(), b"abc".to_vec())]
    );
    assert_eq!(writer.resources("user").await.unwrap(), users(50));
    writer.put_grants(grants(20)).await.unwrap();
    writer.end_sync().await.unwrap();
    drop(writer);

    assert_eq!(listing(dir.path()), vec!["sync.c1z"]);
    let reader = C1zReader::open(&path).unwrap();
    let ids: Vec<String> = reader.syncs().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![first, start.sync_id.clone()]);
    let counts = reader.counts(&start.sync_id).unwrap();
    assert_eq!((counts.resources, counts.grants), (50, 20));
}

#[tokio::test]
async fn a_killed_writer_resumes_from_its_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    full_sync(&path).await;
    let before = fs::read(&path).unwrap();

    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let start = writer.begin_sync().await.unwrap();
    writer.put_resource_types(vec![user_type()]).await.unwrap();
    writer.put_resources(users(10)).await.unwrap();
    writer
        .save_session(vec![("k".into(), vec![1, 2])])
        .await
        .unwrap();
    writer.checkpoint("cp-1").await.unwrap();
    // Written but not checkpointed: a kill may lose it, and the resume replays it.
    writer.put_grants(grants(5)).await.unwrap();
    writer.resources("user").await.unwrap();

    // What `kill -9` would leave on disk now: the working database files as they are.
    let snapshot = tempfile::tempdir().unwrap();
    let working: Vec<PathBuf> = ["", "-journal", "-wal"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", partial(&path).display())))
        .filter(|p| p.exists())
        .collect();
    for p in &working {
        fs::copy(p, snapshot.path().join(p.file_name().unwrap())).unwrap();
    }
    drop(writer);
    for p in &working {
        fs::copy(snapshot.path().join(p.file_name().unwrap()), p).unwrap();
    }
    let _ = fs::remove_file(format!("{}-shm", partial(&path).display()));
    assert_eq!(fs::read(&path).unwrap(), before);

    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let resumed = writer.begin_sync().await.unwrap();
    assert_eq!(resumed.sync_id, start.sync_id);
    assert_eq!(resumed.checkpoint.as_deref(), Some("cp-1"));
    assert_eq!(resumed.session, vec![("k".to_owned(), vec![1, 2])]);
    assert_eq!(writer.resources("user").await.unwrap(), users(10));
    writer.end_sync().await.unwrap();
    let reader = C1zReader::open(&path).unwrap();
    assert_eq!(reader.latest_sync().unwrap().id, start.sync_id);
    assert_eq!(
        reader
            .resources(&start.sync_id, ResourceFilter::default())
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn a_stale_partial_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let old = writer.begin_sync().await.unwrap();
    writer.checkpoint("old").await.unwrap();
    drop(writer);

    let conn = rusqlite::Connection::open(partial(&path)).unwrap();
    conn.execute(
        "UPDATE v1_sync_runs SET started_at = '2020-01-01 00:00:00.5'",
        [],
    )
    .unwrap();
    drop(conn);

    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let fresh = writer.begin_sync().await.unwrap();
    assert_ne!(fresh.sync_id, old.sync_id);
    assert_eq!(fresh.checkpoint, None);
    assert!(fresh.session.is_empty());
    writer.end_sync().await.unwrap();
    let reader = C1zReader::open(&path).unwrap();
    let ids: Vec<String> = reader.syncs().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![fresh.sync_id]);
}

#[tokio::test]
async fn a_failed_write_surfaces_on_the_next_awaited_call() {
    let dir = tempfile::tempdir().unwrap();
    let writer = C1zWriter::open(dir.path().join("sync.c1z"), WriterOptions::default()).unwrap();
    // Fire-and-forget: accepted now, reported later.
    writer.put_grants(grants(1)).await.unwrap();
    let err = writer.checkpoint("x").await.unwrap_err();
    let chain = error_chain(&err);
    assert!(
        chain.contains("begin_sync must be called before writing"),
        "{chain}"
    );
    let again = error_chain(&writer.end_sync().await.unwrap_err());
    assert!(again.contains("an earlier write failed"), "{again}");
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[tokio::test]
async fn a_second_writer_on_the_same_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let first = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    first.begin_sync().await.unwrap();
    first.put_resource_types(vec![user_type()]).await.unwrap();
    first.checkpoint("cp").await.unwrap();

    let second = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let err = error_chain(&second.begin_sync().await.unwrap_err());
    assert!(
        err.contains("another writer is syncing into this file"),
        "{err}"
    );
    drop(second);

    // The first writer's working database was left alone.
    first.end_sync().await.unwrap();
    let reader = C1zReader::open(&path).unwrap();
    let id = reader.latest_sync().unwrap().id;
    assert_eq!(reader.resource_types(&id).unwrap(), vec![user_type()]);
}

#[tokio::test]
async fn a_partial_killed_in_wal_mode_resumes() {
    // Earlier versions worked in WAL mode: a kill left committed rows in `<partial>-wal`.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let start = writer.begin_sync().await.unwrap();
    writer.put_resource_types(vec![user_type()]).await.unwrap();
    writer.put_resources(users(10)).await.unwrap();
    writer.checkpoint("cp-1").await.unwrap();
    drop(writer);

    let partial = partial(&path);
    let wal = PathBuf::from(format!("{}-wal", partial.display()));
    let snapshot = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(&partial).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint = 0; UPDATE v1_sync_runs SET sync_token = 'cp-in-the-log'",
    )
    .unwrap();
    // Copy the files while the connection lives, as `kill -9` would leave them.
    for p in [&partial, &wal] {
        fs::copy(p, snapshot.path().join(p.file_name().unwrap())).unwrap();
    }
    drop(conn);
    for p in [&partial, &wal] {
        fs::copy(snapshot.path().join(p.file_name().unwrap()), p).unwrap();
    }
    assert!(fs::metadata(&wal).unwrap().len() > 0);

    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    let resumed = writer.begin_sync().await.unwrap();
    assert_eq!(resumed.sync_id, start.sync_id);
    assert_eq!(resumed.checkpoint.as_deref(), Some("cp-in-the-log"));
    assert_eq!(writer.resources("user").await.unwrap(), users(10));
    writer.put_grants(grants(3)).await.unwrap();
    writer.end_sync().await.unwrap();
    drop(writer);

    assert_eq!(listing(dir.path()), vec!["sync.c1z"]);
    let counts = C1zReader::open(&path)
        .unwrap()
        .counts(&start.sync_id)
        .unwrap();
    assert_eq!((counts.resources, counts.grants), (10, 3));
}
