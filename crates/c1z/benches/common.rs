//! What the `store` and `expand` benches share: their command line, and the plain-rusqlite
//! baseline: the grant rows a writer produced (read back from its output, untimed) inserted into
//! a fresh database with the same schema and pragmas, with one prepared statement in one
//! transaction; only the inserts and the commit are timed.

use std::time::{Duration, Instant};

/// A bench's command line: `[<size flag> N] [--runs N] [--json]`.
pub struct Args {
    /// The number after the size flag (`--grants`, `--groups`).
    pub size: usize,
    /// Runs of the measured part (default 3, at least 1).
    pub runs: usize,
    /// Print one JSON line instead of a table.
    pub json: bool,
}

/// Reads the command line; a flag without a number exits with status 2.
pub fn args(size_flag: &str, default_size: usize) -> Args {
    let mut out = Args {
        size: default_size,
        runs: 3,
        json: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> usize {
            args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
                eprintln!("{flag} needs a number");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--runs" => out.runs = number("--runs").max(1),
            "--json" => out.json = true,
            flag if flag == size_flag => out.size = number(size_flag),
            // cargo passes `--bench` to harness-less benches.
            _ => {}
        }
    }
    out
}

const READ_CHUNK: i64 = 100_000;

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    String,
    String,
);

/// Inserts the grant rows of `c1z` into a new database in `dir`; returns the time the inserts
/// and the commit took, and the rows inserted.
pub fn write_with_rusqlite(c1z: &std::path::Path, dir: &std::path::Path) -> (Duration, u64) {
    let source_path = dir.join("source.db");
    let bytes = std::fs::read(c1z).expect("read the writer's output");
    std::fs::write(
        &source_path,
        zstd::decode_all(&bytes[5..]).expect("decompress"),
    )
    .expect("write the source database");
    let source = rusqlite::Connection::open(&source_path).expect("open the source database");

    let target = rusqlite::Connection::open(dir.join("plain.db")).expect("open the target");
    // The writer's own settings (page size, journal, locking, durability), so the comparison is
    // of the write path and not of tuning; the page cache is 4x the writer's.
    target
        .query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))
        .expect("locking mode");
    target
        .execute_batch("PRAGMA page_size = 16384")
        .expect("page size");
    target
        .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .expect("journal mode");
    target
        .execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;",
        )
        .expect("pragmas");
    let schema: Vec<String> = source
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("schema");
    for sql in schema {
        target.execute_batch(&sql).expect("create schema");
    }

    let mut elapsed = Duration::ZERO;
    let mut total = 0u64;
    let mut last_id = 0i64;
    target.execute_batch("BEGIN").expect("begin");
    let mut insert = target
        .prepare(
            "INSERT INTO v1_grants (resource_type_id, resource_id, entitlement_id, \
             principal_resource_type_id, principal_resource_id, external_id, data, sync_id, \
             discovered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .expect("prepare");
    loop {
        let chunk: Vec<(i64, Row)> = source
            .prepare(
                "SELECT id, resource_type_id, resource_id, entitlement_id, \
                 principal_resource_type_id, principal_resource_id, external_id, data, sync_id, \
                 discovered_at FROM v1_grants WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map([last_id, READ_CHUNK], |r| {
                    Ok((
                        r.get(0)?,
                        (
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                            r.get(9)?,
                        ),
                    ))
                })?
                .collect()
            })
            .expect("read rows");
        let Some((id, _)) = chunk.last() else { break };
        last_id = *id;
        let started = Instant::now();
        for (_, r) in &chunk {
            insert
                .execute(rusqlite::params![
                    r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8
                ])
                .expect("insert");
        }
        elapsed += started.elapsed();
        total += chunk.len() as u64;
    }
    drop(insert);
    let started = Instant::now();
    target.execute_batch("COMMIT").expect("commit");
    elapsed += started.elapsed();
    (elapsed, total)
}
