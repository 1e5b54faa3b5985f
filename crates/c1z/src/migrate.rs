//! baton's schema in the working database: columns older files lack added, the deferred grant
//! indexes dropped while a sync runs and built when it ends.

use rusqlite::Connection;

use crate::schema;

/// Creates what is missing of baton's schema, adding the columns older files lack first;
/// the indexes named in `deferred` are dropped instead, to be built when the sync ends.
pub(crate) fn ensure_schema(conn: &Connection, deferred: &[&str]) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let added: &[(&str, &str, &str)] = &[
        ("v1_grants", "expansion", "expansion blob"),
        (
            "v1_grants",
            "needs_expansion",
            "needs_expansion integer not null default 0",
        ),
        (
            "v1_sync_runs",
            "sync_type",
            "sync_type text not null default 'full'",
        ),
        (
            "v1_sync_runs",
            "parent_sync_id",
            "parent_sync_id text not null default ''",
        ),
        (
            "v1_sync_runs",
            "linked_sync_id",
            "linked_sync_id text not null default ''",
        ),
        (
            "v1_sync_runs",
            "supports_diff",
            "supports_diff integer not null default 0",
        ),
        (
            "v1_sync_runs",
            "grants_backfilled",
            "grants_backfilled integer not null default 0",
        ),
    ];
    for (table, column, definition) in added {
        let columns = crate::sql::columns(conn, table)?;
        if !columns.is_empty() && !columns.iter().any(|c| c == column) {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {definition}"))?;
        }
    }
    for (name, sql) in schema::STATEMENTS {
        if deferred.contains(name) {
            tx.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
            continue;
        }
        let exists: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?;
        if !exists {
            tx.execute_batch(sql)?;
        }
    }
    tx.commit()
}

/// The connection settings for `end_sync`'s bulk work: building the deferred grant indexes and
/// `VACUUM`.
///
/// Building an index is mostly sorting its keys. SQLite's sorter sorts runs on helper threads
/// while it scans the table, but only with temporary files (not in memory) and when the keys
/// overflow its buffer, which is the page cache's size: hence a 4 MiB cache, temporary files,
/// and one helper per other core. That halves the build at a million grants (BENCHMARKS.md).
/// Temporary files also keep `VACUUM`'s copy of the database out of memory.
pub(crate) fn bulk_pragmas() -> String {
    let helpers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(2, 4) - 1);
    format!("PRAGMA temp_store = FILE; PRAGMA cache_size = -4096; PRAGMA threads = {helpers};")
}
