//! A hostile `.c1z` cannot hang or bloat `inspect` and `diff`, and what it holds never drives
//! the terminal. Each file is a good sync of the toy, edited.

use std::time::Duration;

use crate::support::{outputs, rewrite, toy};

/// A finished sync of the toy in `dir`.
fn synced() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path()).assert().success();
    dir
}

/// Runs `inspect args` on `sync.c1z` expecting exit 1 within a liveness bound (a hang fails
/// the test instead of holding it); returns stdout and stderr.
fn refused(dir: &std::path::Path, args: &[&str]) -> String {
    let out = toy(dir)
        .arg("inspect")
        .args(args)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(1);
    outputs(out.get_output())
}

#[test]
fn a_view_in_place_of_a_table_is_refused_not_run() {
    let dir = synced();
    // Endless rows: before the reader refused views, `inspect grants` never ended.
    rewrite(
        &dir.path().join("sync.c1z"),
        "DROP TABLE v1_grants;
         CREATE VIEW v1_grants AS
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
           SELECT i AS id, 'group' AS resource_type_id, 'admins' AS resource_id,
             'group:admins:member' AS entitlement_id, 'user' AS principal_resource_type_id,
             'u' || i AS principal_resource_id, 'g' || i AS external_id, NULL AS expansion,
             0 AS needs_expansion, x'' AS data,
             (SELECT sync_id FROM v1_sync_runs LIMIT 1) AS sync_id, '' AS discovered_at
           FROM n;",
    );
    let text = refused(dir.path(), &["grants"]);
    assert!(
        text.contains("v1_grants is a view, not a plain table"),
        "{text}"
    );
}

#[test]
fn a_generated_column_is_refused_not_computed() {
    let dir = synced();
    rewrite(
        &dir.path().join("sync.c1z"),
        "ALTER TABLE v1_resources RENAME TO old_resources;
         CREATE TABLE v1_resources (id INTEGER PRIMARY KEY, resource_type_id TEXT NOT NULL,
           external_id TEXT NOT NULL, parent_resource_type_id TEXT, parent_resource_id TEXT,
           sync_id TEXT NOT NULL, discovered_at DATETIME NOT NULL,
           data BLOB GENERATED ALWAYS AS (zeroblob(1000000)) VIRTUAL);
         INSERT INTO v1_resources (id, resource_type_id, external_id, sync_id, discovered_at)
           SELECT id, resource_type_id, external_id, sync_id, discovered_at FROM old_resources;
         DROP TABLE old_resources;",
    );
    let text = refused(dir.path(), &["resources"]);
    assert!(
        text.contains("v1_resources is a table with generated columns"),
        "{text}"
    );
}

#[test]
fn the_decoded_size_is_limited_and_the_limit_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../c1z/tests/fixtures/legacy-expanded.c1z");
    std::fs::copy(&fixture, dir.path().join("sync.c1z")).unwrap();
    let out = toy(dir.path())
        .env("BATON_MAX_DECODED_SIZE_MB", "1")
        .args(["inspect", "stats"])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("larger than the limit of 1 MiB")
            && text.contains(
                "raise the limit with --max-decoded-size-mb or BATON_MAX_DECODED_SIZE_MB"
            ),
        "{text}"
    );
    for args in [
        &["inspect", "stats"][..],
        &["diff", "sync.c1z", "sync.c1z"][..],
    ] {
        toy(dir.path())
            .env("BATON_MAX_DECODED_SIZE_MB", "1")
            .args(["--max-decoded-size-mb", "64"])
            .args(args)
            .assert()
            .success();
    }
    toy(dir.path())
        .env("BATON_MAX_DECODED_SIZE_MB", "1")
        .args(["diff", "sync.c1z", "sync.c1z"])
        .assert()
        .code(1);
}

#[test]
fn a_file_path_starting_with_file_colon_is_a_path_not_a_uri() {
    let dir = synced();
    std::fs::copy(
        dir.path().join("sync.c1z"),
        dir.path().join("file:sync.c1z"),
    )
    .unwrap();
    toy(dir.path())
        .args(["inspect", "-f", "file:sync.c1z", "stats"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let text = refused(dir.path(), &["-f", "file:sync.c1z?mode=memory", "stats"]);
    assert!(
        text.contains("cannot open file:sync.c1z?mode=memory"),
        "{text}"
    );
}

#[test]
fn text_from_a_file_never_reaches_the_terminal_raw() {
    let dir = synced();
    // An escape sequence (clear screen) in the sync id, which notes and errors repeat.
    let tables = [
        "v1_resource_types",
        "v1_resources",
        "v1_entitlements",
        "v1_grants",
        "v1_sync_runs",
    ];
    let sql: String = tables
        .iter()
        .map(|t| format!("UPDATE {t} SET sync_id = sync_id || char(27) || '[2J';"))
        .chain(["UPDATE v1_sync_runs SET ended_at = NULL;".to_owned()])
        .collect();
    rewrite(&dir.path().join("sync.c1z"), &sql);
    let text = refused(dir.path(), &["access", "nobody"]);
    assert!(
        text.contains("note: sync ") && text.contains("error: no principal"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text:?}");
}
