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

/// `v1_sync_runs` as baton-sdk v0.25.0 creates it: the fixtures' table and the columns added
/// since (`stats`, `ingest_invariant_*`), text as SQLite stores it.
const SYNC_RUNS_NOW: &str = "CREATE TABLE v1_sync_runs (
    id integer primary key,
    sync_id text not null,
    started_at datetime not null,
    ended_at datetime,
    sync_token text not null,
    sync_type text not null default 'full',
    parent_sync_id text not null default '',
    linked_sync_id text not null default '',
    supports_diff integer not null default 0,
    grants_backfilled integer not null default 0,
\t\tstats text,
    ingest_invariant_generation text not null default '',
    ingest_invariant_coverage text not null default '',
    ingest_invariant_mode text not null default ''
)";

/// The grant index baton-sdk has created since v0.9.10, after the fixtures were written.
const GRANT_INDEX_NOW: (&str, &str) = (
    "idx_grants_entitlement_sync_grant_v1",
    "CREATE INDEX idx_grants_entitlement_sync_grant_v1 on v1_grants (entitlement_id, sync_id, id)",
);

#[test]
fn new_files_have_batons_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.c1z");
    let empty = Content::default();
    runtime().block_on(write_content(&out, &empty));
    let mut baton = master(&raw_db(&fixture("sync-in-progress.c1z")));
    assert_eq!(baton.len(), 22);
    // The fixture's 22 statements byte for byte, but for what baton-sdk has added since
    // (the interop harness compares with a file baton-sdk v0.25.0 writes itself). The writer
    // builds four grant indexes when the sync ends (see `schema::DEFERRED_INDEXES`), so their
    // rows come last in `sqlite_master`.
    for row in &mut baton {
        if row.1 == "v1_sync_runs" {
            row.3 = Some(SYNC_RUNS_NOW.to_owned());
        }
    }
    baton.push((
        "index".into(),
        GRANT_INDEX_NOW.0.into(),
        "v1_grants".into(),
        Some(GRANT_INDEX_NOW.1.into()),
    ));
    let deferred = [
        "idx_grants_resource_type_id_resource_id_v1",
        "idx_grants_principal_id_v1",
        "idx_grants_entitlement_id_principal_id_v1",
        GRANT_INDEX_NOW.0,
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
    // As baton's syncer: a finished sync that reached grant expansion supports diff, and a new
    // sync needs no grants backfill.
    assert_eq!((diff, backfilled), (1, 1));
}

#[test]
fn finished_syncs_cache_batons_stats_and_older_files_carry_over() {
    // A file of the fixtures' era (no stats or ingest columns) as the previous output: its sync
    // is carried into the new file, the new columns taking baton's defaults.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.c1z");
    std::fs::copy(fixture("legacy-expanded.c1z"), &out).unwrap();
    let (old_id, content) = {
        let reader = c1z::C1zReader::open(&out).unwrap();
        let id = reader.latest_sync().unwrap().id;
        let content = crate::common::content(&reader, &id);
        (id, content)
    };
    let new_id = runtime().block_on(write_content(&out, &content));
    let db = raw_db(&out);
    let row = |id: &str| -> (Option<String>, String, String, String) {
        db.conn
            .query_row(
                "SELECT stats, ingest_invariant_generation, ingest_invariant_coverage, \
                 ingest_invariant_mode FROM v1_sync_runs WHERE sync_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
    };
    // Not verified by ingest checks: baton's empty markers.
    let (old_stats, g, c, m) = row(&old_id);
    assert_eq!(
        (old_stats, g.as_str(), c.as_str(), m.as_str()),
        (None, "", "", "")
    );
    let (new_stats, g, c, m) = row(&new_id);
    assert_eq!((g.as_str(), c.as_str(), m.as_str()), ("", "", ""));
    let stats: serde_json::Value = serde_json::from_str(&new_stats.unwrap()).unwrap();
    assert_eq!(stats["resource_types"], content.resource_types.len());
    assert_eq!(stats["resources"], content.resources.len());
    assert_eq!(stats["entitlements"], content.entitlements.len());
    assert_eq!(stats["grants"], content.grants.len());
    let by_type = stats["resources_by_resource_type"].as_object().unwrap();
    assert_eq!(by_type.len(), content.resource_types.len());
    assert_eq!(
        by_type.values().map(|n| n.as_u64().unwrap()).sum::<u64>(),
        content.resources.len() as u64
    );
}
