//! Opening a file: decompressing it into the private copy within the size limit, and opening
//! that copy read-only and defensively (see the [module docs](super)).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{C1zReader, DEFAULT_MAX_DECODED_MB};
use crate::container;
use crate::error::{Error, Result};
use crate::read_copy::ReadCopy;
use crate::sql::{REQUIRED_TABLES, columns};

/// The longest value (a row's protobuf blob, a text) the reader accepts: baton's rows are a few
/// KiB at most.
pub(crate) const MAX_VALUE_BYTES: i32 = 32 << 20;

/// The longest one step of a query may take (producing one row, or sorting before the first)
/// before the read is given up: a hostile file is the only way to take that long.
const STEP_TIME_LIMIT: Duration = Duration::from_secs(60);

/// How many SQLite virtual machine instructions run between two calls of the progress handler.
const PROGRESS_INTERVAL: i32 = 10_000;

impl C1zReader {
    /// Opens `path`, decompressing at most [`DEFAULT_MAX_DECODED_MB`] MiB.
    pub fn open(path: impl AsRef<Path>) -> Result<C1zReader> {
        Self::open_with_limit(path, DEFAULT_MAX_DECODED_MB << 20)
    }

    /// Opens `path`, refusing a database larger than `max_decoded_bytes`.
    pub fn open_with_limit(path: impl AsRef<Path>, max_decoded_bytes: u64) -> Result<C1zReader> {
        Self::open_with(path, max_decoded_bytes, STEP_TIME_LIMIT)
    }

    /// Opens `path`, refusing a database larger than `max_decoded_bytes` and giving up on a
    /// query one of whose steps runs longer than `step_time_limit` (60 s by default).
    pub fn open_with(
        path: impl AsRef<Path>,
        max_decoded_bytes: u64,
        step_time_limit: Duration,
    ) -> Result<C1zReader> {
        let [reader] = Self::open_copy(path.as_ref(), max_decoded_bytes, step_time_limit)?;
        Ok(reader)
    }

    /// Opens `path` once for `N` threads: `N` readers, each its own SQLite connection, of the
    /// one decompressed copy, within `max_decoded_bytes`. A reader is used by one thread at a
    /// time; opening the file twice would decompress it twice, and the copy cannot be opened
    /// again once open, since its name is gone.
    pub fn open_shared<const N: usize>(
        path: impl AsRef<Path>,
        max_decoded_bytes: u64,
    ) -> Result<[C1zReader; N]> {
        Self::open_copy(path.as_ref(), max_decoded_bytes, STEP_TIME_LIMIT)
    }

    /// Decompresses `path` into a private copy and opens `N` connections to it.
    fn open_copy<const N: usize>(
        path: &Path,
        max_decoded_bytes: u64,
        step_time_limit: Duration,
    ) -> Result<[C1zReader; N]> {
        const { assert!(N > 0, "a copy is opened for at least one reader") };
        let path = path.to_owned();
        let mut db = ReadCopy::new()?;
        let mut file = db.writer()?;
        container::decompress(&path, &mut file, max_decoded_bytes)?;
        clear_wal_flag(&mut file).map_err(|e| Error::io(db.path(), "prepare", e))?;
        drop(file);
        let mut connected = Vec::with_capacity(N);
        for _ in 0..N {
            connected.push(Self::connect(&path, db.path(), step_time_limit)?);
        }
        db.opened();
        let db = Arc::new(db);
        let mut connected = connected.into_iter();
        Ok(std::array::from_fn(|_| {
            let c = connected
                .next()
                .unwrap_or_else(|| unreachable!("N connections were opened"));
            C1zReader {
                conn: c.conn,
                path: path.clone(),
                has_expansion: c.has_expansion,
                sync_run_columns: c.sync_run_columns,
                steps: c.steps,
                _db: Arc::clone(&db),
            }
        }))
    }

    /// One connection to the copy at `copy` of `path`, hardened and checked.
    fn connect(path: &Path, copy: &Path, step_time_limit: Duration) -> Result<Connected> {
        let steps = StepClock::new(step_time_limit);
        let sqlite = |context: &str| {
            let path = path.to_owned();
            let context = context.to_owned();
            move |e| Error::sqlite(path, context, e)
        };
        // No SQLITE_OPEN_URI: the path is a path, whatever it starts with.
        let conn = Connection::open_with_flags(
            copy,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite("opening the database"))?;
        harden(&conn, &steps).map_err(sqlite("configuring the database"))?;
        for table in REQUIRED_TABLES {
            steps.start();
            check_table(&conn, path, table)?;
        }
        let has_expansion = columns(&conn, "v1_grants")
            .map_err(sqlite("reading the schema"))?
            .iter()
            .any(|c| c == "expansion");
        let sync_run_columns =
            columns(&conn, "v1_sync_runs").map_err(sqlite("reading the schema"))?;
        Ok(Connected {
            conn,
            has_expansion,
            sync_run_columns,
            steps,
        })
    }
}

/// A connection to a copy, and what a reader learns of its schema on opening.
struct Connected {
    conn: Connection,
    /// Whether its grants have the `expansion` column.
    has_expansion: bool,
    sync_run_columns: Vec<String>,
    steps: StepClock,
}

/// Turns off what a hostile database could use against its reader, and sets the limits.
fn harden(conn: &Connection, steps: &StepClock) -> rusqlite::Result<()> {
    for (config, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false),
    ] {
        conn.set_db_config(config, on)?;
    }
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)?;
    conn.execute_batch(
        "PRAGMA query_only = ON; PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0",
    )?;
    let clock = steps.clone();
    conn.progress_handler(PROGRESS_INTERVAL, Some(move || clock.expired()));
    Ok(())
}

/// Checks that `table` is a plain table of stored columns (not a view, a virtual table, or a
/// table with generated columns, which would run the file's own code on every read).
pub(super) fn check_table(conn: &Connection, path: &Path, table: &'static str) -> Result<()> {
    let sqlite = |e| Error::sqlite(path, "reading the schema", e);
    let kind: Option<(String, String)> = conn
        .query_row(
            "SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE",
            [table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sqlite)?;
    let refuse = |what: &'static str| Error::NotATable {
        path: path.to_owned(),
        table,
        what,
    };
    match kind {
        None => Err(Error::MissingTable {
            path: path.to_owned(),
            table,
        }),
        Some((kind, _)) if kind == "view" => Err(refuse("a view")),
        Some((kind, _)) if kind != "table" => Err(refuse("not a table")),
        Some((_, sql))
            if sql
                .trim_start()
                .to_ascii_uppercase()
                .starts_with("CREATE VIRTUAL") =>
        {
            Err(refuse("a virtual table"))
        }
        Some(_) => {
            // `hidden` is 2 or 3 for generated columns.
            let generated: i64 = conn
                .query_row(
                    "SELECT count(*) FROM pragma_table_xinfo(?1) WHERE hidden IN (2, 3)",
                    [table],
                    |r| r.get(0),
                )
                .map_err(sqlite)?;
            match generated {
                0 => Ok(()),
                _ => Err(refuse("a table with generated columns")),
            }
        }
    }
}

/// When the current step of a query started, for the progress handler's time limit.
#[derive(Clone, Debug)]
pub(super) struct StepClock {
    epoch: Instant,
    started_ms: Arc<AtomicU64>,
    pub(super) limit: Duration,
}

impl StepClock {
    fn new(limit: Duration) -> Self {
        StepClock {
            epoch: Instant::now(),
            started_ms: Arc::new(AtomicU64::new(0)),
            limit,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Marks the start of a step: called before every call into SQLite that runs a statement.
    pub(super) fn start(&self) {
        self.started_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Whether the current step has run longer than the limit.
    fn expired(&self) -> bool {
        let started = self.started_ms.load(Ordering::Relaxed);
        u128::from(self.now_ms().saturating_sub(started)) >= self.limit.as_millis()
    }
}

/// baton's files are in WAL mode (header bytes 18 and 19, the write and read versions, are 2):
/// a read-only connection cannot open those without a `-shm` file, and one whose read version
/// alone says WAL is opened in WAL mode, with `-wal` and `-shm` files made beside the copy that
/// outlive it (its name goes once open, theirs stay). So the private copy is switched to
/// rollback mode (1, 1) whenever either byte says WAL.
fn clear_wal_flag(file: &mut std::fs::File) -> std::io::Result<()> {
    let mut header = [0u8; 2];
    file.seek(SeekFrom::Start(18))?;
    if file.read_exact(&mut header).is_err() {
        return Ok(());
    }
    if header.contains(&2) {
        file.seek(SeekFrom::Start(18))?;
        file.write_all(&[1, 1])?;
        file.flush()?;
    }
    Ok(())
}
