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

/// The most memory (peak resident set) a read-side command may use on any file under the
/// decompressed-size limit, as the README documents it.
const MEMORY_BOUND: u64 = 200 << 20;

/// Sets the display name of the first `users` users to 30 MiB of `N`: a protobuf field 3
/// (display_name) appended to each blob, which a decoder takes over the first.
fn long_names(path: &std::path::Path, users: usize) {
    long_names_of(path, users, 'N');
}

/// [`long_names`], of `fill` (an ASCII letter other than `0`).
fn long_names_of(path: &std::path::Path, users: usize, fill: char) {
    // 0x1a: field 3, length-delimited; 80 80 80 0f: the varint of 30 MiB.
    rewrite(
        path,
        &format!(
            "UPDATE v1_resources SET data = data || x'1a8080800f' ||
               CAST(replace(hex(zeroblob(15728640)), '0', '{fill}') AS BLOB)
             WHERE id IN (SELECT id FROM v1_resources WHERE resource_type_id = 'user'
                          ORDER BY id LIMIT {users});"
        ),
    );
}

/// Runs the toy with `args` in `dir` under a data-segment limit of [`MEMORY_BOUND`] (`ulimit
/// -d`: the heap and every private writable mapping), so that going past the bound fails the
/// command (an allocation fails, the process aborts) rather than the machine. Its exit code and
/// the bytes it wrote to stdout.
fn bounded(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, u64) {
    bounded_in(dir, args, None)
}

/// [`bounded`], tables fitting `columns` when given.
fn bounded_in(dir: &std::path::Path, args: &[&str], columns: Option<usize>) -> (Option<i32>, u64) {
    let stdout = tempfile::tempfile().unwrap();
    let toy = assert_cmd::cargo::cargo_bin("toy-connector");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -d {} && exec \"$0\" \"$@\"",
            MEMORY_BOUND >> 10
        ))
        .arg(toy)
        .args(args)
        .env_clear()
        .current_dir(dir)
        .env("BATON_TOY_TOKEN", crate::support::SECRET)
        .envs(columns.map(|c| ("COLUMNS", c.to_string())))
        .stdout(stdout.try_clone().unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    (status.code(), stdout.metadata().unwrap().len())
}

/// One 30 MiB display name, then 60 of them (a 1.8 GB database, a small file): `inspect
/// resources`, `review` and `grants` stay under [`MEMORY_BOUND`] and print each name cut to
/// 4 KiB. (Before: `inspect resources` aborted on a 4 GB allocation, `review` reached 6.7 GB
/// and wrote 3.3 GB, and `grants` on 60 such rows 23.8 GB.)
#[test]
fn a_file_of_huge_names_is_read_within_a_memory_bound() {
    for users in [1, 60] {
        let dir = tempfile::tempdir().unwrap();
        toy(dir.path())
            .args(["--toy-users", &users.max(3).to_string()])
            .assert()
            .success();
        long_names(&dir.path().join("sync.c1z"), users);
        for command in ["resources", "review", "grants"] {
            for format in ["table", "csv", "json"] {
                let args = ["inspect", command, "-o", format];
                let (code, written) = bounded(dir.path(), &args);
                assert_eq!(code, Some(0), "{args:?} with {users} long names");
                // Every name at most 4 KiB (and a few more for the rest of the row).
                let bound = (users as u64 + 20) * 3 * (4 << 10) + (256 << 10);
                assert!(written < bound, "{args:?}: {written} bytes written");
            }
        }
    }
}

/// Two syncs of 20 people whose 30 MiB names differ between them: `diff` decodes each changed
/// person, and `report` reads both syncs; both stay under [`MEMORY_BOUND`]. (Before: `diff`
/// sorted the people's rows with their blobs, 3.7 GB for 54 such people on each side.)
#[test]
fn huge_names_changed_between_syncs_are_diffed_and_reported_within_a_memory_bound() {
    const USERS: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path())
        .args(["--toy-users", &USERS.to_string()])
        .assert()
        .success();
    let (old, new) = (dir.path().join("old.c1z"), dir.path().join("sync.c1z"));
    std::fs::copy(&new, &old).unwrap();
    long_names_of(&old, USERS, 'O');
    long_names_of(&new, USERS, 'N');
    let (code, written) = bounded(dir.path(), &["diff", "old.c1z", "sync.c1z"]);
    assert_eq!(code, Some(0), "diff of {USERS} changed huge names");
    assert!(
        written < (USERS as u64 + 20) * 4 * (4 << 10),
        "{written} bytes"
    );
    let args = ["report", "--out", "review.html"];
    let (code, _) = bounded(dir.path(), &args);
    assert_eq!(code, Some(0), "{args:?} with {USERS} huge names");
}

/// A table longer than memory holds: 60,000 users with 4,000-character names (240 MB of cells),
/// printed 5,000 columns wide so that nothing is cut. The table aligns on its first rows and
/// streams the rest: `inspect resources` stays under [`MEMORY_BOUND`] and prints every name
/// whole. (Before: a table held every row until its end and the command aborted.)
#[test]
fn a_long_table_streams_within_a_memory_bound() {
    const ROWS: u64 = 60_000;
    let dir = synced();
    // Copies of the first user, each with a 4,000-byte display name (field 3, length varint
    // a0 1f), which a decoder takes over the first.
    rewrite(
        &dir.path().join("sync.c1z"),
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
             INSERT INTO v1_resources (resource_type_id, external_id, parent_resource_type_id,
               parent_resource_id, data, sync_id, discovered_at)
             SELECT r.resource_type_id, 'bulk' || n.i, r.parent_resource_type_id,
               r.parent_resource_id,
               r.data || x'1aa01f' || CAST(replace(hex(zeroblob(2000)), '0', 'N') AS BLOB),
               r.sync_id, r.discovered_at
             FROM n, (SELECT * FROM v1_resources WHERE resource_type_id = 'user'
                      ORDER BY id LIMIT 1) AS r;"
        ),
    );
    let args = ["inspect", "resources", "-o", "table"];
    let (code, written) = bounded_in(dir.path(), &args, Some(5_000));
    assert_eq!(code, Some(0), "{args:?} on {ROWS} long rows");
    assert!(written > ROWS * 4_000, "{written} bytes written");
}

/// A FIFO as `--file` would hang a reader opening it, waiting for a writer: `inspect`, `diff` and
/// a revoke (which reads the file first) refuse it without opening it. (Before: each hung.)
#[test]
fn a_fifo_as_the_file_is_refused_by_every_reader() {
    let dir = synced();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("fifo.c1z"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo is in coreutils");
    let runs: [&[&str]; 4] = [
        &["inspect", "-f", "fifo.c1z", "stats"],
        &["diff", "fifo.c1z", "sync.c1z"],
        &["diff", "sync.c1z", "fifo.c1z"],
        &[
            "-f",
            "fifo.c1z",
            "-p",
            "--revoke-grant",
            "group:g1:member:user:u1",
        ],
    ];
    for args in runs {
        let out = toy(dir.path())
            .args(args)
            .timeout(Duration::from_secs(30))
            .assert()
            .failure();
        let text = outputs(out.get_output());
        assert!(
            text.contains("it is not a regular file"),
            "{args:?}: {text}"
        );
    }
}

/// A database whose header says WAL for reading only (bytes 18 and 19 are 1 and 2): read like
/// any other, and nothing is left in the temporary directory. (Before: SQLite opened the copy
/// in WAL mode and left its `c1z-read-*.db-wal` and `-shm` files behind.)
#[test]
fn a_half_wal_header_leaves_no_side_files_behind() {
    let dir = synced();
    let file = dir.path().join("sync.c1z");
    let bytes = std::fs::read(&file).unwrap();
    let mut db = zstd::decode_all(&bytes[5..]).unwrap();
    db[18..20].copy_from_slice(&[1, 2]);
    let mut packed = b"C1ZF\0".to_vec();
    packed.extend(zstd::encode_all(&db[..], 1).unwrap());
    std::fs::write(&file, packed).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    toy(dir.path())
        .env("TMPDIR", tmp.path())
        .args(["inspect", "syncs"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// SIGTERM, SIGHUP and Ctrl-C while `inspect` decompresses a file: the decompressed copy
/// (`c1z-read-*.db`, plaintext personal data) is removed and the exit code is 130, as `--help`
/// says. (Before: a SIGTERM left the copy behind and the process died of the signal, 143.)
#[test]
fn a_signal_while_reading_leaves_no_decompressed_copy() {
    let dir = synced();
    // 256 MiB of zeros in a table the reader ignores: a small file that takes a while to
    // decompress.
    rewrite(
        &dir.path().join("sync.c1z"),
        "CREATE TABLE padding (data BLOB); INSERT INTO padding VALUES (zeroblob(268435456));",
    );
    for signal in ["TERM", "HUP", "INT"] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("toy-connector"))
            .env_clear()
            .env("TMPDIR", tmp.path())
            .current_dir(dir.path())
            .args(["inspect", "stats"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let copy = |tmp: &std::path::Path| {
            std::fs::read_dir(tmp)
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("c1z-read-"))
        };
        let started = std::time::Instant::now();
        while !copy(tmp.path()) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no copy appeared"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "ended before the signal"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill is in procps");
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "signal {signal}: {status:?}");
        assert!(!copy(tmp.path()), "signal {signal}: the copy was left");
    }
}
