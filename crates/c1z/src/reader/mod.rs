//! [`C1zReader`]: reads any v1 `.c1z`, ours or baton's, old or new, and never trusts it.
//!
//! The database is decompressed into a private temporary file (unlinked once SQLite has it open
//! on Unix, else deleted when the reader is dropped), refusing more than a size limit, and opened
//! read-only and defensively: no URI parsing, SQLite's defensive mode, an untrusted schema (`trusted_schema` off, no views or
//! triggers), a length limit on every value, and a time limit on every step of a query (a
//! progress handler), so that a hostile file can neither hang nor bloat a read. The tables read
//! must be plain tables of stored columns: a view, a virtual table or a generated column named
//! like one of baton's is refused. Columns that older files lack are detected with
//! `PRAGMA table_info` and read as their defaults.
//!
//! Its modules: `open` decompresses the file and opens the copy defensively, `syncs` reads the
//! sync runs and the events table, `tables` says how each table's rows decode, and `query` runs
//! the statements that the listings here and the read-side questions share.

mod open;
mod query;
mod syncs;
mod tables;

use std::path::{Path, PathBuf};

use connector_sdk::{Entitlement, Grant, Resource, ResourceId, ResourceType};
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::read_copy::ReadCopy;

use self::open::StepClock;
use self::query::{Filter, entitlement_filter, grant_filter, resource_filter};
use self::tables::RESOURCE_TYPES;

pub use self::syncs::{StoredEvent, SyncRun};
pub(crate) use self::tables::{ENTITLEMENTS, GRANTS, GrantRow, RESOURCES};

/// The default limit on the decompressed database of a file read, in MiB (2 GiB; baton's own
/// reader allows 10 GiB). A sync decompresses to about 1.2 KB per grant: the bench preset's
/// 52,368 grants to 63 MB, a million grants to about 1.2 GB.
pub const DEFAULT_MAX_DECODED_MB: u64 = 2048;

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
    /// Shared by the readers [`open_shared`](Self::open_shared) makes.
    _db: std::sync::Arc<ReadCopy>,
}

impl C1zReader {
    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
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
}
