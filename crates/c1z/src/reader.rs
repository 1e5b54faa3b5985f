//! [`C1zReader`]: reads any v1 `.c1z`, ours or baton's, old or new, and never trusts it.
//!
//! The database is decompressed into a private temporary file (unlinked once SQLite has it open
//! on Unix, else deleted when the reader is dropped), refusing more than a size limit, and opened read-only and defensively: no URI
//! parsing, SQLite's defensive mode, an untrusted schema (`trusted_schema` off, no views or
//! triggers), a length limit on every value, and a time limit on every step of a query (a
//! progress handler), so that a hostile file can neither hang nor bloat a read. The tables read
//! must be plain tables of stored columns: a view, a virtual table or a generated column named
//! like one of baton's is refused. Columns that older files lack are detected with
//! `PRAGMA table_info` and read as their defaults.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use connector_sdk::{Entitlement, Grant, GrantSources, Resource, ResourceId, ResourceType};
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};

use crate::cap::Capped;
use crate::container;
use crate::convert;
use crate::error::{Error, Result};
use crate::read_copy::ReadCopy;
use crate::sql::{REQUIRED_TABLES, columns, text_of, text_ref};

/// The default limit on the decompressed database of a file read, in MiB (2 GiB; baton's own
/// reader allows 10 GiB). A sync decompresses to about 1.2 KB per grant: the bench preset's
/// 52,368 grants to 63 MB, a million grants to about 1.2 GB.
pub const DEFAULT_MAX_DECODED_MB: u64 = 2048;

/// The longest value (a row's protobuf blob, a text) the reader accepts: baton's rows are a few
/// KiB at most.
pub(crate) const MAX_VALUE_BYTES: i32 = 32 << 20;

/// The longest one step of a query may take (producing one row, or sorting before the first)
/// before the read is given up: a hostile file is the only way to take that long.
const STEP_TIME_LIMIT: Duration = Duration::from_secs(60);

/// How many SQLite virtual machine instructions run between two calls of the progress handler.
const PROGRESS_INTERVAL: i32 = 10_000;

/// One sync run recorded in a file (`v1_sync_runs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRun {
    /// The sync id (a KSUID).
    pub id: String,
    /// When it started, as stored (`YYYY-MM-DD HH:MM:SS.fffffffff`, UTC).
    pub started_at: String,
    /// When it ended; `None` while it is unfinished.
    pub ended_at: Option<String>,
    /// `full`, `partial`, `resources_only` …
    pub sync_type: String,
    /// The engine's last checkpoint state (JSON), empty if none.
    pub sync_token: String,
    /// The sync a partial sync was based on, empty for full syncs.
    pub parent_sync_id: String,
}

impl SyncRun {
    /// Whether the sync ended.
    pub fn is_finished(&self) -> bool {
        self.ended_at.is_some()
    }

    /// Whether it is a full sync (baton's `full`): of every resource type. A `partial` or
    /// `resources_only` sync lacks what it did not sync.
    pub fn is_full(&self) -> bool {
        self.sync_type.is_empty() || self.sync_type == "full"
    }
}

/// One event of the file's events table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event, as the connector's feed gave it (redacted).
    pub event: connector_sdk::FeedEvent,
    /// The sync that first read it.
    pub sync_id: String,
    /// When it happened, in the format of [`SyncRun::started_at`] (so the two compare as text).
    pub occurred_at: String,
}

/// Which resources to read; `Default` reads them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceFilter {
    /// Only resources of this type.
    pub resource_type: Option<String>,
    /// Only children of this resource.
    pub parent: Option<ResourceId>,
}

/// Which entitlements to read; `Default` reads them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntitlementFilter {
    /// Only entitlements on resources of this type.
    pub resource_type: Option<String>,
    /// Only entitlements on this resource.
    pub resource: Option<ResourceId>,
}

/// Which grants to read; `Default` reads them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantFilter {
    /// Only grants of this entitlement id.
    pub entitlement_id: Option<String>,
    /// Only grants held by this principal.
    pub principal: Option<ResourceId>,
    /// Only grants on this resource.
    pub resource: Option<ResourceId>,
    /// Only grants on resources of this type.
    pub resource_type: Option<String>,
}

/// Row counts of one sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Resource types.
    pub resource_types: u64,
    /// Resources.
    pub resources: u64,
    /// Entitlements.
    pub entitlements: u64,
    /// Grants.
    pub grants: u64,
}

/// Reads a v1 `.c1z` file.
#[derive(Debug)]
pub struct C1zReader {
    // Field order matters: the connection closes before the temporary file is deleted.
    conn: Connection,
    path: PathBuf,
    has_expansion: bool,
    sync_run_columns: Vec<String>,
    steps: StepClock,
    _db: ReadCopy,
}

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
        let path = path.as_ref().to_owned();
        let mut db = ReadCopy::new()?;
        let mut file = db.writer()?;
        container::decompress(&path, &mut file, max_decoded_bytes)?;
        clear_wal_flag(&mut file).map_err(|e| Error::io(db.path(), "prepare", e))?;
        drop(file);

        let steps = StepClock::new(step_time_limit);
        let sqlite = |context: &str| {
            let path = path.clone();
            let context = context.to_owned();
            move |e| Error::sqlite(path, context, e)
        };
        // No SQLITE_OPEN_URI: the path is a path, whatever it starts with.
        let conn = Connection::open_with_flags(
            db.path(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite("opening the database"))?;
        harden(&conn, &steps).map_err(sqlite("configuring the database"))?;
        for table in REQUIRED_TABLES {
            steps.start();
            check_table(&conn, &path, table)?;
        }
        let has_expansion = columns(&conn, "v1_grants")
            .map_err(sqlite("reading the schema"))?
            .iter()
            .any(|c| c == "expansion");
        let sync_run_columns =
            columns(&conn, "v1_sync_runs").map_err(sqlite("reading the schema"))?;
        db.opened();
        Ok(C1zReader {
            conn,
            path,
            has_expansion,
            sync_run_columns,
            steps,
            _db: db,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every event of the connector's feed the file holds (see the crate docs), oldest first;
    /// none when the file has no events table (baton's files, syncs without a feed). Texts
    /// are capped like every other field read.
    pub fn events(&self) -> Result<Vec<StoredEvent>> {
        let table = crate::events::TABLE;
        let context = "reading rs_events_v1";
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE",
                [table],
                |r| r.get(0),
            )
            .map_err(|e| self.sqlite(context, e))?;
        if !exists {
            return Ok(Vec::new());
        }
        check_table(&self.conn, &self.path, table)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT record, sync_id, occurred_at FROM rs_events_v1 \
                 ORDER BY occurred_at, event_id",
            )
            .map_err(|e| self.sqlite(context, e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sqlite(context, e))?;
        let mut events = Vec::new();
        while let Some(row) = self.step(&mut rows).map_err(|e| self.sqlite(context, e))? {
            let text = |i: usize| row.get_ref(i).map(text_of);
            let (record, sync_id, occurred_at) = (text(0), text(1), text(2));
            let record = record.map_err(|e| self.sqlite(context, e))?;
            let event: connector_sdk::FeedEvent = serde_json::from_str(&record).map_err(|e| {
                let e = rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                );
                self.sqlite(context, e)
            })?;
            events.push(StoredEvent {
                event: crate::events::capped(event),
                sync_id: sync_id.map_err(|e| self.sqlite(context, e))?,
                occurred_at: occurred_at.map_err(|e| self.sqlite(context, e))?,
            });
        }
        Ok(events)
    }

    /// All sync runs, oldest first.
    pub fn syncs(&self) -> Result<Vec<SyncRun>> {
        let col = |name: &str, default: &str| match self.sync_run_columns.iter().any(|c| c == name)
        {
            true => name.to_owned(),
            false => format!("'{default}'"),
        };
        let sql = format!(
            "SELECT sync_id, started_at, ended_at, sync_token, {}, {} FROM v1_sync_runs \
             ORDER BY id",
            col("sync_type", "full"),
            col("parent_sync_id", ""),
        );
        self.query(&sql, [], "reading the sync runs", |r| {
            Ok(SyncRun {
                id: text_of(r.get_ref(0)?),
                started_at: text_of(r.get_ref(1)?),
                ended_at: match r.get_ref(2)? {
                    rusqlite::types::ValueRef::Null => None,
                    v => Some(text_of(v)),
                },
                sync_token: text_of(r.get_ref(3)?),
                sync_type: text_of(r.get_ref(4)?),
                parent_sync_id: text_of(r.get_ref(5)?),
            })
        })
    }

    /// The latest finished full sync; else the latest sync, unfinished (check
    /// [`SyncRun::is_finished`]).
    pub fn latest_sync(&self) -> Result<SyncRun> {
        let syncs = self.syncs()?;
        let finished = syncs.iter().rev().find(|s| s.is_finished() && s.is_full());
        match finished.or(syncs.last()) {
            Some(s) => Ok(s.clone()),
            None => Err(Error::NoSyncs {
                path: self.path.clone(),
            }),
        }
    }

    /// The sync with id `sync_id`, or the one sync whose id starts with it.
    pub fn sync(&self, sync_id: &str) -> Result<SyncRun> {
        let syncs = self.syncs()?;
        if let Some(exact) = syncs.iter().find(|s| s.id == sync_id) {
            return Ok(exact.clone());
        }
        let matching: Vec<&SyncRun> = syncs
            .iter()
            .filter(|s| !sync_id.is_empty() && s.id.starts_with(sync_id))
            .collect();
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::UnknownSync {
                path: self.path.clone(),
                sync_id: sync_id.to_owned(),
            }),
            many => Err(Error::AmbiguousSync {
                path: self.path.clone(),
                prefix: sync_id.to_owned(),
                ids: many.iter().map(|s| s.id.clone()).collect(),
            }),
        }
    }

    /// The resource types of a sync, in write order.
    pub fn resource_types(&self, sync_id: &str) -> Result<Vec<ResourceType>> {
        self.collect(&RESOURCE_TYPES, sync_id, Filter::sync(sync_id))
    }

    /// The resources of a sync matching `filter`, in write order.
    pub fn resources(&self, sync_id: &str, filter: ResourceFilter) -> Result<Vec<Resource>> {
        self.collect(&RESOURCES, sync_id, resource_filter(sync_id, filter))
    }

    /// Calls `f` with each resource of a sync matching `filter`, in write order, without holding
    /// them all in memory.
    pub fn for_each_resource<E: From<Error>>(
        &self,
        sync_id: &str,
        filter: ResourceFilter,
        f: impl FnMut(Resource) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.check_sync(sync_id)?;
        self.each(&RESOURCES, resource_filter(sync_id, filter), "id", f)
    }

    /// The entitlements of a sync matching `filter`, in write order.
    pub fn entitlements(
        &self,
        sync_id: &str,
        filter: EntitlementFilter,
    ) -> Result<Vec<Entitlement>> {
        self.collect(&ENTITLEMENTS, sync_id, entitlement_filter(sync_id, filter))
    }

    /// Calls `f` with each entitlement of a sync matching `filter`, in write order, without
    /// holding them all in memory.
    pub fn for_each_entitlement<E: From<Error>>(
        &self,
        sync_id: &str,
        filter: EntitlementFilter,
        f: impl FnMut(Entitlement) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.check_sync(sync_id)?;
        self.each(&ENTITLEMENTS, entitlement_filter(sync_id, filter), "id", f)
    }

    /// The grants of a sync matching `filter`, in write order.
    pub fn grants(&self, sync_id: &str, filter: GrantFilter) -> Result<Vec<Grant>> {
        self.collect(&GRANTS, sync_id, grant_filter(sync_id, filter))
    }

    /// Calls `f` with each grant of a sync matching `filter`, in write order, without holding
    /// them all in memory.
    pub fn for_each_grant<E: From<Error>>(
        &self,
        sync_id: &str,
        filter: GrantFilter,
        f: impl FnMut(Grant) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.check_sync(sync_id)?;
        self.each(&GRANTS, grant_filter(sync_id, filter), "id", f)
    }

    /// How many resource types, resources, entitlements and grants a sync has.
    pub fn counts(&self, sync_id: &str) -> Result<Counts> {
        self.check_sync(sync_id)?;
        let count = |table: &str| -> Result<u64> {
            let sql = format!("SELECT count(*) FROM {table} WHERE sync_id = ?1");
            self.steps.start();
            self.conn
                .query_row(&sql, [sync_id], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| self.sqlite(&format!("counting {table}"), e))
        };
        Ok(Counts {
            resource_types: count("v1_resource_types")?,
            resources: count("v1_resources")?,
            entitlements: count("v1_entitlements")?,
            grants: count("v1_grants")?,
        })
    }

    /// The row of `table` in the sync whose `external_id` is `external_id`, decoded.
    pub(crate) fn by_external_id<T>(
        &self,
        table: &Table<T>,
        sync_id: &str,
        external_id: &str,
    ) -> Result<Option<T>> {
        let mut found = None;
        let filter = Filter::sync(sync_id).equal("external_id", Some(external_id.to_owned()));
        self.each(table, filter, "id", |item| {
            found = Some(item);
            Ok::<(), Error>(())
        })?;
        Ok(found)
    }

    /// Calls `f` with each row of `table` that `filter` selects, ordered by `order` (a column),
    /// decoded one at a time.
    pub(crate) fn each<T, E: From<Error>>(
        &self,
        table: &Table<T>,
        filter: Filter,
        order: &str,
        mut f: impl FnMut(T) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let Filter { clause, args } = filter;
        let expansion = match table.name == "v1_grants" && self.has_expansion {
            true => "expansion",
            false => "NULL",
        };
        let sql = format!(
            "SELECT external_id, data, {expansion} FROM {} WHERE sync_id = ?{clause} \
             ORDER BY {order}",
            table.name
        );
        let context = format!("reading {}", table.name);
        // Cached: a lookup by id runs once per name or changed row, and parsing costs more
        // than the indexed read.
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sqlite(&context, e))?;
        self.steps.start();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args))
            .map_err(|e| self.sqlite(&context, e))?;
        while let Some(row) = self.step(&mut rows).map_err(|e| self.sqlite(&context, e))? {
            let (id, data, expansion) = blob_row(row).map_err(|e| self.sqlite(&context, e))?;
            let item = (table.decode)(&data, expansion.as_deref())
                .map_err(|source| self.decode_error(table, id, source))?;
            f(item)?;
        }
        Ok(())
    }

    /// A statement selecting `columns` of each row of `table` in sync `?1` whose
    /// `resource_type_id` is one of `types` (all rows when `None`), in `external_id` byte order:
    /// what a diff merges. The types are its parameters after the sync id.
    pub(crate) fn sorted_rows(
        &self,
        table: &str,
        columns: &str,
        types: Option<&[String]>,
    ) -> Result<rusqlite::Statement<'_>> {
        let only = match types {
            Some(types) => format!(
                " AND resource_type_id IN ({})",
                vec!["?"; types.len()].join(", ")
            ),
            None => String::new(),
        };
        let sql =
            format!("SELECT {columns} FROM {table} WHERE sync_id = ?{only} ORDER BY external_id");
        self.conn
            .prepare(&sql)
            .map_err(|e| self.sqlite(&format!("reading {table}"), e))
    }

    /// Calls `f` with each grant row of sync `sync_id`, in row order (a plain scan of the table,
    /// the file's order): who holds it and on what, read from the table's columns, and its blob
    /// undecoded, so that a listing of every grant decodes only the parts it uses.
    pub(crate) fn for_each_grant_row(
        &self,
        sync_id: &str,
        mut f: impl FnMut(GrantRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let context = "reading v1_grants";
        let sql = "SELECT principal_resource_type_id, principal_resource_id, resource_type_id, \
                   resource_id, entitlement_id, external_id, data FROM v1_grants \
                   WHERE sync_id = ?1";
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| self.sqlite(context, e))?;
        self.steps.start();
        let mut rows = stmt.query([sync_id]).map_err(|e| self.sqlite(context, e))?;
        while let Some(row) = self.step(&mut rows).map_err(|e| self.sqlite(context, e))? {
            let text = |i: usize| row.get_ref(i).map(text_ref);
            let read = || -> rusqlite::Result<GrantRow<'_>> {
                Ok(GrantRow {
                    principal: [text(0)?, text(1)?],
                    on: [text(2)?, text(3)?],
                    entitlement_id: text(4)?,
                    external_id: text(5)?,
                    data: match row.get_ref(6)? {
                        ValueRef::Blob(b) | ValueRef::Text(b) => b,
                        _ => &[],
                    },
                    path: &self.path,
                })
            };
            f(read().map_err(|e| self.sqlite(context, e))?)?;
        }
        Ok(())
    }

    /// One read transaction over the statements that follow until it is dropped: each
    /// statement on its own takes and drops the file's lock and checks the file again, which
    /// costs more than a lookup when a read makes one per person.
    pub(crate) fn read_together(&self) -> Result<rusqlite::Transaction<'_>> {
        self.conn
            .unchecked_transaction()
            .map_err(|e| self.sqlite("starting a read transaction", e))
    }

    /// The next row of `rows`, within the time limit of one step.
    pub(crate) fn step<'s>(
        &self,
        rows: &'s mut rusqlite::Rows<'_>,
    ) -> rusqlite::Result<Option<&'s Row<'s>>> {
        self.steps.start();
        rows.next()
    }

    /// Counts of the rows of `table` in the sync, per value of its `resource_type_id`.
    pub(crate) fn count_by_type(&self, table: &str, sync_id: &str) -> Result<Vec<(String, u64)>> {
        let sql = format!(
            "SELECT resource_type_id, count(*) FROM {table} WHERE sync_id = ?1 \
             GROUP BY resource_type_id ORDER BY resource_type_id"
        );
        self.query(&sql, [sync_id], &format!("counting {table}"), |r| {
            Ok((text_of(r.get_ref(0)?), r.get::<_, i64>(1)? as u64))
        })
    }

    fn collect<T>(&self, table: &Table<T>, sync_id: &str, filter: Filter) -> Result<Vec<T>> {
        self.check_sync(sync_id)?;
        let mut out = Vec::new();
        self.each(table, filter, "id", |item| {
            out.push(item);
            Ok::<(), Error>(())
        })?;
        Ok(out)
    }

    pub(crate) fn check_sync(&self, sync_id: &str) -> Result<()> {
        self.steps.start();
        let found = self
            .conn
            .query_row(
                "SELECT 1 FROM v1_sync_runs WHERE sync_id = ?1",
                [sync_id],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| self.sqlite("reading the sync runs", e))?;
        match found {
            Some(()) => Ok(()),
            None => Err(Error::UnknownSync {
                path: self.path.clone(),
                sync_id: sync_id.to_owned(),
            }),
        }
    }

    fn query<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        context: &str,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| self.sqlite(context, e))?;
        self.steps.start();
        let rows = stmt
            .query_map(params, map)
            .map_err(|e| self.sqlite(context, e))?;
        rows.collect::<rusqlite::Result<Vec<T>>>()
            .map_err(|e| self.sqlite(context, e))
    }

    pub(crate) fn sqlite(&self, context: &str, e: rusqlite::Error) -> Error {
        Error::sqlite(&self.path, context, e).limited(self.steps.limit, MAX_VALUE_BYTES as u64)
    }

    fn decode_error<T>(
        &self,
        table: &Table<T>,
        external_id: String,
        source: prost::DecodeError,
    ) -> Error {
        Error::Decode {
            path: self.path.clone(),
            table: table.name,
            external_id,
            message: table.message,
            source,
        }
    }
}

/// One grant row, borrowed from the statement reading it (see
/// [`C1zReader::for_each_grant_row`]).
pub(crate) struct GrantRow<'a> {
    /// The principal's type and id.
    pub principal: [Cow<'a, str>; 2],
    /// The resource's type and id.
    pub on: [Cow<'a, str>; 2],
    /// The entitlement id.
    pub entitlement_id: Cow<'a, str>,
    /// The grant id.
    pub external_id: Cow<'a, str>,
    /// The `Grant` message, undecoded.
    pub data: &'a [u8],
    path: &'a Path,
}

impl GrantRow<'_> {
    /// The grant's `sources` (grant expansion's), decoded alone.
    pub(crate) fn sources(&self) -> Result<Option<GrantSources>> {
        convert::decode_grant_sources(self.data).map_err(|e| self.decode_error(e))
    }

    /// The entitlement the grant embeds, decoded alone (capped as every read is).
    pub(crate) fn entitlement(&self) -> Result<Entitlement> {
        convert::decode_grant_entitlement(self.data)
            .map(Capped::capped)
            .map_err(|e| self.decode_error(e))
    }

    fn decode_error(&self, source: prost::DecodeError) -> Error {
        Error::Decode {
            path: self.path.to_owned(),
            table: GRANTS.name,
            external_id: self.external_id.clone().into_owned(),
            message: GRANTS.message,
            source,
        }
    }
}

type BlobRow = (String, Vec<u8>, Option<Vec<u8>>);

fn blob_row(r: &Row<'_>) -> rusqlite::Result<BlobRow> {
    let data = match r.get_ref(1)? {
        rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => b.to_vec(),
        _ => Vec::new(),
    };
    let expansion = match r.get_ref(2)? {
        rusqlite::types::ValueRef::Blob(b) => Some(b.to_vec()),
        _ => None,
    };
    Ok((text_of(r.get_ref(0)?), data, expansion))
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
fn check_table(conn: &Connection, path: &Path, table: &'static str) -> Result<()> {
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
struct StepClock {
    epoch: Instant,
    started_ms: Arc<AtomicU64>,
    limit: Duration,
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
    fn start(&self) {
        self.started_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Whether the current step has run longer than the limit.
    fn expired(&self) -> bool {
        let started = self.started_ms.load(Ordering::Relaxed);
        u128::from(self.now_ms().saturating_sub(started)) >= self.limit.as_millis()
    }
}

/// baton's files are in WAL mode (header bytes 18 and 19 are 2); a read-only connection cannot
/// open those without a `-shm` file, so the private copy is switched to rollback mode (1).
fn clear_wal_flag(file: &mut std::fs::File) -> std::io::Result<()> {
    let mut header = [0u8; 2];
    file.seek(SeekFrom::Start(18))?;
    if file.read_exact(&mut header).is_err() {
        return Ok(());
    }
    if header == [2, 2] {
        file.seek(SeekFrom::Start(18))?;
        file.write_all(&[1, 1])?;
        file.flush()?;
    }
    Ok(())
}

/// A table of baton objects and how its rows decode.
pub(crate) struct Table<T> {
    /// The SQL table.
    pub(crate) name: &'static str,
    /// The protobuf message its `data` holds, for errors.
    message: &'static str,
    decode: Decode<T>,
}

/// Decodes a row's `data` (and, for grants, its `expansion`).
type Decode<T> = fn(&[u8], Option<&[u8]>) -> std::result::Result<T, prost::DecodeError>;

pub(crate) const RESOURCE_TYPES: Table<ResourceType> = Table {
    name: "v1_resource_types",
    message: "c1.connector.v2.ResourceType",
    decode: |data, _| convert::decode_resource_type(data).map(Capped::capped),
};

pub(crate) const RESOURCES: Table<Resource> = Table {
    name: "v1_resources",
    message: "c1.connector.v2.Resource",
    decode: |data, _| convert::decode_resource(data).map(Capped::capped),
};

pub(crate) const ENTITLEMENTS: Table<Entitlement> = Table {
    name: "v1_entitlements",
    message: "c1.connector.v2.Entitlement",
    decode: |data, _| convert::decode_entitlement(data).map(Capped::capped),
};

pub(crate) const GRANTS: Table<Grant> = Table {
    name: "v1_grants",
    message: "c1.connector.v2.Grant",
    decode: |data, expansion| convert::decode_grant(data, expansion).map(Capped::capped),
};

fn resource_filter(sync_id: &str, filter: ResourceFilter) -> Filter {
    Filter::sync(sync_id)
        .equal("resource_type_id", filter.resource_type)
        .resource(
            ("parent_resource_type_id", "parent_resource_id"),
            filter.parent,
        )
}

fn entitlement_filter(sync_id: &str, filter: EntitlementFilter) -> Filter {
    Filter::sync(sync_id)
        .equal("resource_type_id", filter.resource_type)
        .resource(("resource_type_id", "resource_id"), filter.resource)
}

fn grant_filter(sync_id: &str, filter: GrantFilter) -> Filter {
    Filter::sync(sync_id)
        .equal("entitlement_id", filter.entitlement_id)
        .resource(
            ("principal_resource_type_id", "principal_resource_id"),
            filter.principal,
        )
        .resource(("resource_type_id", "resource_id"), filter.resource)
        .equal("resource_type_id", filter.resource_type)
}

/// The `AND …` conditions after `sync_id = ?`, and the arguments of all of them.
pub(crate) struct Filter {
    clause: String,
    args: Vec<SqlValue>,
}

impl Filter {
    pub(crate) fn sync(sync_id: &str) -> Self {
        Filter {
            clause: String::new(),
            args: vec![sync_id.to_owned().into()],
        }
    }

    pub(crate) fn equal(mut self, column: &str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.clause.push_str(&format!(" AND {column} = ?"));
            self.args.push(value.into());
        }
        self
    }

    fn resource(self, (type_column, id_column): (&str, &str), id: Option<ResourceId>) -> Self {
        match id {
            Some(id) => self
                .equal(type_column, Some(id.resource_type))
                .equal(id_column, Some(id.resource)),
            None => self,
        }
    }
}
