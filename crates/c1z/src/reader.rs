//! [`C1zReader`]: reads any v1 `.c1z`, ours or baton's, old or new.
//!
//! The database is decompressed into a private temporary file (deleted when the reader is
//! dropped) and opened read-only. Columns that older files lack are detected with
//! `PRAGMA table_info` and read as their defaults.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use connector_sdk::{Entitlement, Grant, Resource, ResourceId, ResourceType};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};

use crate::container;
use crate::convert;
use crate::error::{Error, Result};
use crate::sql::{REQUIRED_TABLES, columns, text_of};

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
    _db: tempfile::NamedTempFile,
}

impl C1zReader {
    /// Opens `path`, decompressing at most 10 GiB.
    pub fn open(path: impl AsRef<Path>) -> Result<C1zReader> {
        Self::open_with_limit(path, container::DEFAULT_MAX_DECODED)
    }

    /// Opens `path`, refusing a database larger than `max_decoded_bytes`.
    pub fn open_with_limit(path: impl AsRef<Path>, max_decoded_bytes: u64) -> Result<C1zReader> {
        let path = path.as_ref().to_owned();
        let db = tempfile::Builder::new()
            .prefix("c1z-read-")
            .suffix(".db")
            .tempfile()
            .map_err(|e| Error::io(std::env::temp_dir(), "create a temporary file in", e))?;
        let mut file = db
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(db.path(), "open", e))?;
        container::decompress(&path, &mut file, max_decoded_bytes)?;
        clear_wal_flag(&mut file).map_err(|e| Error::io(db.path(), "prepare", e))?;
        drop(file);

        let sqlite = |context: &str| {
            let path = path.clone();
            let context = context.to_owned();
            move |e| Error::sqlite(path, context, e)
        };
        let conn = Connection::open_with_flags(
            db.path(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite("opening the database"))?;
        for table in REQUIRED_TABLES {
            let found = columns(&conn, table).map_err(sqlite("reading the schema"))?;
            if found.is_empty() {
                return Err(Error::MissingTable { path, table });
            }
        }
        let has_expansion = columns(&conn, "v1_grants")
            .map_err(sqlite("reading the schema"))?
            .iter()
            .any(|c| c == "expansion");
        let sync_run_columns =
            columns(&conn, "v1_sync_runs").map_err(sqlite("reading the schema"))?;
        Ok(C1zReader {
            conn,
            path,
            has_expansion,
            sync_run_columns,
            _db: db,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
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
        let finished = syncs
            .iter()
            .rev()
            .find(|s| s.is_finished() && s.sync_type == "full");
        match finished.or(syncs.last()) {
            Some(s) => Ok(s.clone()),
            None => Err(Error::NoSyncs {
                path: self.path.clone(),
            }),
        }
    }

    /// The sync with id `sync_id`.
    pub fn sync(&self, sync_id: &str) -> Result<SyncRun> {
        match self.syncs()?.into_iter().find(|s| s.id == sync_id) {
            Some(s) => Ok(s),
            None => Err(Error::UnknownSync {
                path: self.path.clone(),
                sync_id: sync_id.to_owned(),
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
    pub fn for_each_resource(
        &self,
        sync_id: &str,
        filter: ResourceFilter,
        f: impl FnMut(Resource) -> Result<()>,
    ) -> Result<()> {
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
    pub fn for_each_entitlement(
        &self,
        sync_id: &str,
        filter: EntitlementFilter,
        f: impl FnMut(Entitlement) -> Result<()>,
    ) -> Result<()> {
        self.check_sync(sync_id)?;
        self.each(&ENTITLEMENTS, entitlement_filter(sync_id, filter), "id", f)
    }

    /// The grants of a sync matching `filter`, in write order.
    pub fn grants(&self, sync_id: &str, filter: GrantFilter) -> Result<Vec<Grant>> {
        self.collect(&GRANTS, sync_id, grant_filter(sync_id, filter))
    }

    /// Calls `f` with each grant of a sync matching `filter`, in write order, without holding
    /// them all in memory.
    pub fn for_each_grant(
        &self,
        sync_id: &str,
        filter: GrantFilter,
        f: impl FnMut(Grant) -> Result<()>,
    ) -> Result<()> {
        self.check_sync(sync_id)?;
        self.each(&GRANTS, grant_filter(sync_id, filter), "id", f)
    }

    /// How many resource types, resources, entitlements and grants a sync has.
    pub fn counts(&self, sync_id: &str) -> Result<Counts> {
        self.check_sync(sync_id)?;
        let count = |table: &str| -> Result<u64> {
            let sql = format!("SELECT count(*) FROM {table} WHERE sync_id = ?1");
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
            Ok(())
        })?;
        Ok(found)
    }

    /// Calls `f` with each row of `table` that `filter` selects, ordered by `order` (a column),
    /// decoded one at a time.
    pub(crate) fn each<T>(
        &self,
        table: &Table<T>,
        filter: Filter,
        order: &str,
        mut f: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
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
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(|e| self.sqlite(&context, e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args))
            .map_err(|e| self.sqlite(&context, e))?;
        while let Some(row) = rows.next().map_err(|e| self.sqlite(&context, e))? {
            let (id, data, expansion) = blob_row(row).map_err(|e| self.sqlite(&context, e))?;
            let item = (table.decode)(&data, expansion.as_deref())
                .map_err(|source| self.decode_error(table, id, source))?;
            f(item)?;
        }
        Ok(())
    }

    /// A statement selecting the `external_id` of each row of `table` in sync `?1`, in byte
    /// order: what a diff merges without decoding anything.
    pub(crate) fn external_ids(&self, table: &str) -> Result<rusqlite::Statement<'_>> {
        let sql =
            format!("SELECT external_id FROM {table} WHERE sync_id = ?1 ORDER BY external_id");
        self.conn
            .prepare(&sql)
            .map_err(|e| self.sqlite(&format!("reading {table}"), e))
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
            Ok(())
        })?;
        Ok(out)
    }

    pub(crate) fn check_sync(&self, sync_id: &str) -> Result<()> {
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
        let rows = stmt
            .query_map(params, map)
            .map_err(|e| self.sqlite(context, e))?;
        rows.collect::<rusqlite::Result<Vec<T>>>()
            .map_err(|e| self.sqlite(context, e))
    }

    pub(crate) fn sqlite(&self, context: &str, e: rusqlite::Error) -> Error {
        Error::sqlite(&self.path, context, e)
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
    decode: |data, _| convert::decode_resource_type(data),
};

pub(crate) const RESOURCES: Table<Resource> = Table {
    name: "v1_resources",
    message: "c1.connector.v2.Resource",
    decode: |data, _| convert::decode_resource(data),
};

pub(crate) const ENTITLEMENTS: Table<Entitlement> = Table {
    name: "v1_entitlements",
    message: "c1.connector.v2.Entitlement",
    decode: |data, _| convert::decode_entitlement(data),
};

pub(crate) const GRANTS: Table<Grant> = Table {
    name: "v1_grants",
    message: "c1.connector.v2.Grant",
    decode: convert::decode_grant,
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
