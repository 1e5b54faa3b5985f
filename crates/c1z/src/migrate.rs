//! baton's schema in the working database, and the previous syncs carried into it.
//!
//! A new sync's working database gets baton's current schema, statement for statement, and the
//! rows of the previous output are copied into it table by table and column by column. Only
//! baton's tables and columns are read, so nothing else of the previous file comes along: no
//! trigger, view, table, index or constraint of its own (a trigger that deletes one person's
//! grants must not survive into the next sync), and the columns older files lack take their
//! defaults.

use std::path::Path;

use rusqlite::Connection;

use crate::schema;

/// Creates baton's schema in the empty database of a new sync, but for the indexes named in
/// `deferred`, and copies the syncs of the database file `previous` into it.
///
/// Rows copy several times faster into tables without indexes, so with a previous file the
/// indexes are built after the copy, by sorting, with [`bulk_pragmas`].
pub(crate) fn create_schema(
    conn: &Connection,
    deferred: &[&str],
    previous: Option<&Path>,
) -> rusqlite::Result<()> {
    let Some(previous) = previous else {
        return create_statements(conn, |name, _| !deferred.contains(&name));
    };
    create_statements(conn, |_, sql| sql.starts_with("CREATE TABLE"))?;
    import(conn, previous)?;
    conn.execute_batch(&bulk_pragmas())?;
    create_statements(conn, |name, sql| {
        !sql.starts_with("CREATE TABLE") && !deferred.contains(&name)
    })
}

/// Runs the statements of baton's schema that `wanted` picks, in one transaction.
fn create_statements(
    conn: &Connection,
    wanted: impl Fn(&str, &str) -> bool,
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    for (name, sql) in schema::STATEMENTS {
        if wanted(name, sql) {
            tx.execute_batch(sql)?;
        }
    }
    tx.commit()
}

/// Creates the indexes of baton's schema named in `names` that the database lacks.
pub(crate) fn create_missing(conn: &Connection, names: &[&str]) -> rusqlite::Result<()> {
    for (name, sql) in schema::STATEMENTS {
        if !names.contains(name) {
            continue;
        }
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?;
        if !exists {
            conn.execute_batch(sql)?;
        }
    }
    Ok(())
}

/// Copies the rows of baton's tables from the database file `previous` into `conn`'s: for each
/// table both have, the columns both have, ids kept.
fn import(conn: &Connection, previous: &Path) -> rusqlite::Result<()> {
    conn.execute(
        "ATTACH DATABASE ?1 AS previous",
        [previous.to_string_lossy()],
    )?;
    let copied = copy_tables(conn).and_then(|()| crate::events::carry(conn));
    let detached = conn.execute_batch("DETACH DATABASE previous");
    copied.and(detached)
}

fn copy_tables(conn: &Connection) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    for (table, _) in schema::STATEMENTS
        .iter()
        .filter(|(_, sql)| sql.starts_with("CREATE TABLE"))
    {
        // A view or anything else by that name is not baton's table: nothing to copy.
        let is_table: bool = tx.query_row(
            "SELECT count(*) > 0 FROM previous.sqlite_master WHERE name = ?1 AND type = 'table'",
            [table],
            |r| r.get(0),
        )?;
        if !is_table {
            continue;
        }
        let theirs = columns(conn, "previous", table)?;
        let shared: Vec<String> = columns(conn, "main", table)?
            .into_iter()
            .filter(|c| theirs.contains(c))
            .collect();
        let list = shared.join(", ");
        tx.execute_batch(&format!(
            "INSERT INTO main.{table} ({list}) SELECT {list} FROM previous.{table} ORDER BY id"
        ))?;
    }
    tx.commit()
}

/// The column names of `table` in the database `schema` (`main`, `previous`).
fn columns(conn: &Connection, schema: &str, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1, ?2)")?;
    stmt.query_map([table, schema], |r| r.get::<_, String>(0))?
        .collect()
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
