use crate::common::{Content, fixture, journal_mode_bytes, raw_db, runtime, write_content};

type Master = Vec<(String, String, String, Option<String>)>;

fn master(db: &crate::common::RawDb) -> Master {
    let mut stmt = db
        .conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn new_files_have_batons_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.c1z");
    let empty = Content::default();
    runtime().block_on(write_content(&out, &empty));
    let mut baton = master(&raw_db(&fixture("sync-in-progress.c1z")));
    assert_eq!(baton.len(), 22);
    // The same 22 statements, byte for byte. The writer builds three grant indexes when the
    // sync ends (see `schema::DEFERRED_INDEXES`), so their rows come last in `sqlite_master`.
    let deferred = [
        "idx_grants_resource_type_id_resource_id_v1",
        "idx_grants_principal_id_v1",
        "idx_grants_entitlement_id_principal_id_v1",
    ];
    let (mut moved, kept): (Master, Master) = baton
        .drain(..)
        .partition(|row| deferred.contains(&row.1.as_str()));
    moved.sort_by_key(|row| deferred.iter().position(|d| *d == row.1));
    let expected: Master = kept.into_iter().chain(moved).collect();
    assert_eq!(master(&raw_db(&out)), expected);
}

#[test]
fn new_files_are_in_wal_mode_like_batons() {
    // The writer works with a rollback journal and switches to WAL when the sync ends.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.c1z");
    let empty = Content::default();
    runtime().block_on(write_content(&out, &empty));
    assert_eq!(journal_mode_bytes(&fixture("sync-in-progress.c1z")), [2, 2]);
    assert_eq!(journal_mode_bytes(&out), [2, 2]);
    // A second sync into the same file (resumed from baton's WAL header) ends the same way.
    runtime().block_on(write_content(&out, &empty));
    assert_eq!(journal_mode_bytes(&out), [2, 2]);
}

#[test]
fn sync_runs_rows_look_like_batons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.c1z");
    let empty = Content::default();
    let id = runtime().block_on(write_content(&out, &empty));
    let db = raw_db(&out);
    let (started, ended, token, kind, parent, linked, diff, backfilled): (
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        i64,
    ) = db
        .conn
        .query_row(
            "SELECT started_at, ended_at, sync_token, sync_type, parent_sync_id, linked_sync_id, \
             supports_diff, grants_backfilled FROM v1_sync_runs WHERE sync_id = ?1",
            [&id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(id.len(), 27);
    for t in [&started, &ended] {
        // `YYYY-MM-DD HH:MM:SS` and an optional fraction without trailing zeros.
        assert_eq!(&t[4..5], "-");
        assert_eq!(&t[10..11], " ");
        assert!(
            t.len() == 19 || (t.as_bytes()[19] == b'.' && !t.ends_with('0')),
            "{t}"
        );
    }
    assert_eq!(
        (
            token.as_str(),
            kind.as_str(),
            parent.as_str(),
            linked.as_str()
        ),
        ("", "full", "", "")
    );
    assert_eq!((diff, backfilled), (0, 1));
}
