//! The files hold personal data: owner-only modes, planted working files refused, and nothing
//! of a previous file but baton's tables and columns carried into the next sync.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use c1z::{C1zReader, C1zWriter, Error, GrantFilter, WriterOptions};
use connector_sdk::{Entitlement, Grant, Purpose, Resource, ResourceId, ResourceType, Store};

use crate::common::{Content, pack, raw_db, write_content};

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

fn member_grants(principals: &[&str]) -> Vec<Grant> {
    let org = Resource::new(&ResourceType::new("org", "Org", &[]), "o1", "Org");
    let member = Entitlement::new(&org, "member", Purpose::Assignment);
    principals
        .iter()
        .map(|p| Grant::of(&member, ResourceId::new("user", *p)))
        .collect()
}

fn principals(path: &Path) -> Vec<String> {
    let reader = C1zReader::open(path).unwrap();
    let id = reader.latest_sync().unwrap().id;
    let mut out: Vec<String> = reader
        .grants(&id, GrantFilter::default())
        .unwrap()
        .into_iter()
        .map(|g| g.principal.id.resource)
        .collect();
    out.sort();
    out
}

async fn sync_grants(path: &Path, principals: &[&str]) {
    let writer = C1zWriter::open(path, WriterOptions::default()).unwrap();
    writer.begin_sync().await.unwrap();
    writer.put_grants(member_grants(principals)).await.unwrap();
    writer.end_sync().await.unwrap();
}

#[tokio::test]
async fn the_working_file_its_journal_and_a_new_output_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let partial = with_suffix(&path, ".partial");
    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    writer.begin_sync().await.unwrap();
    assert_eq!(mode(&partial), 0o600);
    // Rows in an open transaction: SQLite has created the rollback journal.
    writer.put_grants(member_grants(&["alice"])).await.unwrap();
    writer.resources("user").await.unwrap();
    let journal = with_suffix(&partial, "-journal");
    assert_eq!(mode(&journal), 0o600);
    // A sync that stops here leaves an owner-only working file behind.
    drop(writer);
    assert_eq!(mode(&partial), 0o600);

    let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
    writer.begin_sync().await.unwrap();
    writer.end_sync().await.unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[tokio::test]
async fn the_output_is_published_owner_only_whatever_mode_it_had() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    sync_grants(&path, &["alice"]).await;
    set_mode(&path, 0o644);
    sync_grants(&path, &["bob"]).await;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(principals(&path), ["bob"]);
}

/// An output planted by someone else (in a shared temporary directory: another user's, or
/// mode 0666, with their syncs in it) is refused before anything is written, and left as it
/// is. (Before: the sync succeeded, carried the planted syncs into the new file and published
/// it 0666.)
#[tokio::test]
async fn an_output_someone_else_could_have_written_is_refused() {
    type Plant = fn(&Path);
    let mut cases: Vec<(&str, Plant, &str)> = vec![
        (
            "writable by others",
            |p| set_mode(p, 0o666),
            "is writable by other users",
        ),
        (
            "writable by the group",
            |p| set_mode(p, 0o664),
            "is writable by other users",
        ),
        (
            "a symbolic link",
            |p| {
                let elsewhere = with_suffix(p, ".elsewhere");
                fs::rename(p, &elsewhere).unwrap();
                std::os::unix::fs::symlink(&elsewhere, p).unwrap();
            },
            "is a symbolic link",
        ),
    ];
    // Only root can give a file away.
    if own_uid() == 0 {
        cases.push((
            "another user's",
            |p| std::os::unix::fs::chown(p, Some(4242), Some(4242)).unwrap(),
            "is owned by another user",
        ));
    }
    for (case, plant, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rev.c1z");
        sync_grants(&path, &["mallory"]).await;
        plant(&path);
        let before = fs::read(&path).unwrap();
        let message = match C1zWriter::open(&path, WriterOptions::default()) {
            Err(e) => {
                assert!(matches!(e, Error::UnsafeOutputFile { .. }), "{case}: {e}");
                e.to_string()
            }
            Ok(_) => panic!("{case}: accepted"),
        };
        assert!(
            message.contains(reason) && message.contains("chmod 600"),
            "{case}: {message}"
        );
        assert_eq!(fs::read(&path).unwrap(), before, "{case}");
        assert!(!with_suffix(&path, ".partial").exists(), "{case}");
    }
}

/// This process's effective user id, from the owner of a file it creates.
fn own_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    let file = tempfile::NamedTempFile::new().unwrap();
    file.as_file().metadata().unwrap().uid()
}

#[tokio::test]
async fn a_working_file_someone_else_could_have_written_is_refused() {
    type Plant = fn(&Path);
    let cases: [(&str, Plant, &str); 4] = [
        (
            "partial writable by others",
            |partial| set_mode(partial, 0o666),
            "is writable by other users",
        ),
        (
            "partial writable by the group",
            |partial| set_mode(partial, 0o660),
            "is writable by other users",
        ),
        (
            "partial replaced by a symbolic link",
            |partial| {
                let elsewhere = with_suffix(partial, ".elsewhere");
                fs::rename(partial, &elsewhere).unwrap();
                std::os::unix::fs::symlink(&elsewhere, partial).unwrap();
            },
            "is a symbolic link",
        ),
        (
            "journal that is a symbolic link",
            |partial| {
                let journal = with_suffix(partial, "-journal");
                std::os::unix::fs::symlink("/dev/null", journal).unwrap();
            },
            "is a symbolic link",
        ),
    ];
    for (case, plant, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.c1z");
        sync_grants(&path, &["alice"]).await;
        let before = fs::read(&path).unwrap();
        let partial = with_suffix(&path, ".partial");
        let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
        writer.begin_sync().await.unwrap();
        writer
            .put_grants(member_grants(&["mallory"]))
            .await
            .unwrap();
        writer.checkpoint("cp").await.unwrap();
        drop(writer);
        plant(&partial);

        let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
        let err = writer.begin_sync().await.unwrap_err();
        let source = std::error::Error::source(&err).unwrap();
        let message = source.to_string();
        assert!(
            message.contains(reason) && message.contains("delete it to start a new sync"),
            "{case}: {message}"
        );
        assert!(
            matches!(
                source.downcast_ref::<Error>(),
                Some(Error::UnsafeWorkingFile { .. })
            ),
            "{case}"
        );
        drop(writer);
        assert!(
            fs::symlink_metadata(&partial).is_ok(),
            "{case}: left for the user to check"
        );
        assert_eq!(fs::read(&path).unwrap(), before, "{case}");
    }
}

#[tokio::test]
async fn nothing_but_batons_tables_and_columns_is_carried_into_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    sync_grants(&path, &["alice"]).await;

    // The previous output, tampered with: a trigger that forgets alice's grants, a constraint
    // that silently drops every grant of an entitlement after the first, a view, a table and
    // an index baton's schema does not have.
    let raw = raw_db(&path);
    let columns: String = raw
        .conn
        .query_row(
            "SELECT group_concat(name, ', ') FROM pragma_table_info('v1_grants')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    raw.conn
        .execute_batch(&format!(
            "CREATE TABLE grants_copy AS SELECT * FROM v1_grants;
             DROP TABLE v1_grants;
             CREATE TABLE v1_grants (id integer primary key, resource_type_id text not null, \
               resource_id text not null, entitlement_id text not null, \
               principal_resource_type_id text not null, principal_resource_id text not null, \
               external_id text not null, expansion blob, \
               needs_expansion integer not null default 0, data blob not null, \
               sync_id text not null, discovered_at datetime not null, \
               UNIQUE (entitlement_id, sync_id) ON CONFLICT IGNORE);
             CREATE UNIQUE INDEX idx_grants_external_sync_v1 on v1_grants (external_id, sync_id);
             INSERT INTO v1_grants ({columns}) SELECT {columns} FROM grants_copy;
             DROP TABLE grants_copy;
             CREATE TRIGGER forget_alice AFTER INSERT ON v1_grants \
               WHEN NEW.principal_resource_id = 'alice' \
               BEGIN DELETE FROM v1_grants WHERE id = NEW.id; END;
             CREATE VIEW everyone AS SELECT * FROM v1_resources;
             CREATE TABLE notes (text);
             CREATE INDEX idx_notes ON notes (text);"
        ))
        .unwrap();
    let tampered = dir.path().join("tampered.db");
    raw.conn
        .execute("VACUUM INTO ?1", [tampered.to_string_lossy()])
        .unwrap();
    pack(&tampered, &path);
    fs::remove_file(&tampered).unwrap();

    sync_grants(&path, &["alice", "bob", "carol"]).await;
    assert_eq!(principals(&path), ["alice", "bob", "carol"]);

    // The schema is baton's, statement for statement as a new file's (built tables first, as
    // baton's `VACUUM` also orders them).
    let fresh = dir.path().join("fresh.c1z");
    write_content(&fresh, &Content::default()).await;
    let master = |p: &Path| -> Vec<(String, String, Option<String>)> {
        let db = raw_db(p);
        let mut stmt = db
            .conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(master(&path), master(&fresh));
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    names.sort();
    assert_eq!(names, ["fresh.c1z", "sync.c1z"], "no working file is left");
}
