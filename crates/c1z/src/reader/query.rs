//! The statements a reader runs: filtered listings decoded one row at a time, lookups by id,
//! the sorted rows a diff merges, the grant rows the review reads, counts, and the time limit
//! of each step.

use connector_sdk::ResourceId;
use rusqlite::Row;
use rusqlite::types::{Value as SqlValue, ValueRef};

use super::open::MAX_VALUE_BYTES;
use super::tables::{GrantRow, Table, blob_row};
use super::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter};
use crate::error::{Error, Result};
use crate::sql::{text_of, text_ref};

impl C1zReader {
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

    pub(super) fn collect<T>(
        &self,
        table: &Table<T>,
        sync_id: &str,
        filter: Filter,
    ) -> Result<Vec<T>> {
        self.check_sync(sync_id)?;
        let mut out = Vec::new();
        self.each(table, filter, "id", |item| {
            out.push(item);
            Ok::<(), Error>(())
        })?;
        Ok(out)
    }

    pub(super) fn query<T, P: rusqlite::Params>(
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
}

pub(super) fn resource_filter(sync_id: &str, filter: ResourceFilter) -> Filter {
    Filter::sync(sync_id)
        .equal("resource_type_id", filter.resource_type)
        .resource(
            ("parent_resource_type_id", "parent_resource_id"),
            filter.parent,
        )
}

pub(super) fn entitlement_filter(sync_id: &str, filter: EntitlementFilter) -> Filter {
    Filter::sync(sync_id)
        .equal("resource_type_id", filter.resource_type)
        .resource(("resource_type_id", "resource_id"), filter.resource)
}

pub(super) fn grant_filter(sync_id: &str, filter: GrantFilter) -> Filter {
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
