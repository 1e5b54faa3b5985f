//! The working file `<path>.partial` beside the output: created, opened, resumed, and published
//! over the output when a sync ends.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use connector_sdk::{SyncStart, SyncType};
use rusqlite::{Connection, OptionalExtension};
use tempfile::TempPath;

use crate::error::{Error, Result};
use crate::{clock, container, private};

/// An unfinished sync older than this is not resumed (baton's `unfinishedSyncMaxAge`).
const RESUME_MAX_AGE_SECS: i64 = 7 * 24 * 3600;

/// `<path>.partial`: the working database beside the output file.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// The database of the existing output `path`, decompressed into a temporary file (readable
/// by its owner only) beside `partial`; `None` when there is no output yet.
pub(crate) fn previous_database(path: &Path, partial: &Path) -> Result<Option<TempPath>> {
    if !path.exists() {
        return Ok(None);
    }
    let dir = directory_of(partial);
    let tmp = tempfile::Builder::new()
        .prefix(".c1z-previous-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "create a working file in", e))?;
    let mut file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| Error::io(tmp.path(), "open", e))?;
    container::decompress(path, &mut file, container::DEFAULT_MAX_DECODED)?;
    Ok(Some(tmp.into_temp_path()))
}

/// Creates the working database `partial`, empty and readable by its owner only, and opens it.
/// SQLite gives its journal the same permissions.
pub(crate) fn create_working(partial: &Path) -> Result<Connection> {
    private::create(partial)?;
    open_working(partial)
}

/// Refuses to resume from `partial` when it, or a journal of it, may hold someone else's data.
pub(crate) fn check_working_files(partial: &Path) -> Result<()> {
    working_files(partial).try_for_each(|path| private::check_own(&path))
}

/// Compresses the working database `partial` beside the output `path`, syncs it and renames
/// it into place, readable by its owner only (the file holds personal data; a mode someone
/// else set on the file it replaces is not kept).
pub(crate) fn publish(path: &Path, partial: &Path) -> Result<()> {
    let dir = directory_of(path);
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{file_name}.tmp-"))
        .rand_bytes(8)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "create a temporary file in", e))?;
    let out = tmp
        .as_file()
        .try_clone()
        .map_err(|e| Error::io(tmp.path(), "open", e))?;
    container::compress(partial, out, tmp.path())?;
    private::owner_only(tmp.path())?;
    tmp.persist(path)
        .map_err(|e| Error::io(path, "rename into place", e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Opens the working database with the settings of a running sync.
pub(crate) fn open_working(partial: &Path) -> Result<Connection> {
    let conn = Connection::open(partial).map_err(|e| Error::sqlite(partial, "opening", e))?;
    conn.busy_timeout(std::time::Duration::from_millis(500))
        .map_err(|e| Error::sqlite(partial, "configuring", e))?;
    // Exclusive locking: a second writer on the same path fails with "database is locked"
    // instead of interleaving with this one.
    conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))
        .map_err(|e| Error::sqlite(partial, "locking", e))?;
    // 16 KiB pages: a quarter of the pages, B-tree splits and page writes of 4 KiB ones, and
    // SQLite reads any page size. A new database takes it now; baton's 4 KiB files keep theirs
    // until a retention `VACUUM` rewrites them.
    conn.execute_batch("PRAGMA page_size = 16384")
        .map_err(|e| Error::sqlite(partial, "configuring", e))?;
    // A rollback journal while the sync runs: grant rows fill new pages, which it does not copy,
    // so each page is written once (WAL writes it twice: to the log, then the checkpoint). A
    // kill is as safe: SQLite rolls a hot journal back when the database is next opened.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(|e| Error::sqlite(partial, "choosing the journal mode", e))?;
    tracing::debug!(%mode, "working database opened");
    conn.execute_batch(WORKING_PRAGMAS)
        .map_err(|e| Error::sqlite(partial, "configuring", e))?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// The newest sync in the working database, if it is an unfinished sync of `wanted` started
/// less than seven days ago.
pub(crate) fn find_resumable(
    conn: &Connection,
    wanted: SyncType,
) -> rusqlite::Result<Option<SyncStart>> {
    let newest = conn
        .query_row(
            "SELECT sync_id, started_at, ended_at IS NULL, sync_type, sync_token \
             FROM v1_sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    crate::sql::text_of(r.get_ref(1)?),
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((sync_id, started_at, unfinished, sync_type, token)) = newest else {
        return Ok(None);
    };
    let (now, _) = clock::unix_now();
    let fresh = clock::parse_unix_seconds(&started_at)
        .is_some_and(|t| (now as i64).saturating_sub(t) < RESUME_MAX_AGE_SECS);
    if !unfinished || sync_type != wanted.as_baton_str() || !fresh {
        return Ok(None);
    }
    let mut stmt = conn
        .prepare("SELECT key, value FROM v1_connector_sessions WHERE sync_id = ?1 ORDER BY id")?;
    let session = stmt
        .query_map([&sync_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let checkpoint = (!token.is_empty()).then_some(token);
    Ok(Some(SyncStart {
        sync_id,
        checkpoint,
        session,
    }))
}

/// The connection settings while a sync runs.
pub(crate) const WORKING_PRAGMAS: &str = "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; \
     PRAGMA temp_store = MEMORY;";

/// Whether `e` says another connection holds the database.
pub(crate) fn is_busy(e: &Error) -> bool {
    let Error::Sqlite {
        source: rusqlite::Error::SqliteFailure(f, _),
        ..
    } = e
    else {
        return false;
    };
    matches!(
        f.code,
        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
    )
}

/// Removes a database and its journals, if any.
pub(crate) fn remove_working_files(partial: &Path) {
    for path in working_files(partial) {
        let _ = fs::remove_file(path);
    }
}

/// A database and the journals SQLite may keep beside it.
fn working_files(db: &Path) -> impl Iterator<Item = PathBuf> {
    ["", "-journal", "-wal", "-shm"].into_iter().map(|suffix| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// The directory `path` is in.
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Syncs a directory so a rename in it survives a power loss (best effort: not every platform
/// can open a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
