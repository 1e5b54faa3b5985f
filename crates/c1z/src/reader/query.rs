//! The statements a reader runs: filtered listings decoded one row at a time, lookups by id,
//! the sorted rows a diff merges, the grant rows the review reads, counts, and the time limit
//! of each step.

use connector_sdk::ResourceId;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{OptionalExtension, Row};

use super::open::MAX_VALUE_BYTES;
use super::tables::{GrantRow, Table, blob_row};
use super::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter};
use crate::error::{Error, Result};
use crate::sql::{text_of, text_ref};

/// The index [`C1zReader::grant_span`] finds a sync's grants with, as baton-sdk v0.25.0
/// creates it.
const SPAN_INDEX: &str = "idx_grants_entitlement_sync_grant_v1";

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

    /// The statement that reads one row's `data` of `table` by rowid.
    pub(crate) fn data_by_rowid(&self, table: &str) -> Result<rusqlite::Statement<'_>> {
        self.conn
            .prepare(&format!("SELECT data FROM {table} WHERE rowid = ?"))
            .map_err(|e| self.sqlite(&format!("reading {table}"), e))
    }

    /// Calls `f` with each grant row of sync `sync_id`, in row order (a plain scan of the part
    /// of the table the sync's grants lie in, the file's order): who holds it and on what, read
    /// from the table's columns, and its blob undecoded, so that a listing of every grant
    /// decodes only the parts it uses.
    pub(crate) fn for_each_grant_row(
        &self,
        sync_id: &str,
        mut f: impl FnMut(GrantRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let context = "reading v1_grants";
        let (first, last) = self.grant_span(sync_id)?;
        let sql = "SELECT principal_resource_type_id, principal_resource_id, resource_type_id, \
                   resource_id, entitlement_id, external_id, data FROM v1_grants \
                   WHERE id BETWEEN ?2 AND ?3 AND sync_id = ?1";
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| self.sqlite(context, e))?;
        self.steps.start();
        let mut rows = stmt
            .query(rusqlite::params![sync_id, first, last])
            .map_err(|e| self.sqlite(context, e))?;
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

    /// The first and last `id` of the grants of sync `sync_id` (other syncs' grants may lie
    /// between them too), so that a scan in row order reads only the sync's part of a file
    /// that holds several: found with the index baton creates on (entitlement, sync, id), two
    /// seeks per distinct entitlement. The whole table when the file's table or index is not
    /// exactly baton's (older files, hostile ones: the answer must not depend on what the
    /// file's schema could make of it); an empty span when the sync has no grants.
    fn grant_span(&self, sync_id: &str) -> Result<(i64, i64)> {
        let context = "finding a sync's grants";
        let baton_ddl = |name: &str| -> Result<bool> {
            let want = crate::schema::STATEMENTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, sql)| *sql);
            self.steps.start();
            let sql: Option<String> = self
                .conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE",
                    [name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.sqlite(context, e))?;
            Ok(sql.is_some() && sql.as_deref() == want)
        };
        if !(baton_ddl("v1_grants")? && baton_ddl(SPAN_INDEX)?) {
            return Ok((i64::MIN, i64::MAX));
        }
        // Every distinct entitlement id, one seek after another (a loose scan of the index),
        // and for each the first and last id of the sync's grants of it.
        let sql = "WITH RECURSIVE e(x) AS ( \
                     SELECT (SELECT min(entitlement_id) FROM v1_grants) \
                     UNION ALL \
                     SELECT (SELECT min(entitlement_id) FROM v1_grants WHERE entitlement_id > x) \
                     FROM e WHERE x IS NOT NULL) \
                   SELECT min((SELECT min(id) FROM v1_grants \
                               WHERE entitlement_id = x AND sync_id = ?1)), \
                          max((SELECT max(id) FROM v1_grants \
                               WHERE entitlement_id = x AND sync_id = ?1)) \
                   FROM e WHERE x IS NOT NULL";
        self.steps.start();
        let span: (Option<i64>, Option<i64>) = self
            .conn
            .query_row(sql, [sync_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.sqlite(context, e))?;
        Ok(match span {
            (Some(first), Some(last)) => (first, last),
            _ => (1, 0),
        })
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

#[cfg(test)]
mod tests {
    use connector_sdk::{Entitlement, Grant, Resource, ResourceId, ResourceType, Store, Trait};

    use super::*;
    use crate::{C1zWriter, WriterOptions};

    /// A sync of one organization whose `members` each hold its member entitlement.
    async fn sync(path: &std::path::Path, members: &[&str]) -> String {
        let org_type = ResourceType::new("organization", "Organization", &[]);
        let user_type = ResourceType::new("user", "User", &[Trait::User]);
        let org = Resource::new(&org_type, "o1", "acme");
        let writer = C1zWriter::open(path, WriterOptions::default()).unwrap();
        let sync_id = writer.begin_sync().await.unwrap().sync_id;
        writer
            .put_resource_types(vec![org_type, user_type.clone()])
            .await
            .unwrap();
        let mut resources = vec![org.clone()];
        resources.extend(members.iter().map(|m| Resource::new(&user_type, *m, *m)));
        writer.put_resources(resources).await.unwrap();
        let member = Entitlement::assignment(&org, "member");
        writer.put_entitlements(vec![member]).await.unwrap();
        let grants = members
            .iter()
            .map(|m| Grant::new(&org, "member", ResourceId::new("user", *m)))
            .collect();
        writer.put_grants(grants).await.unwrap();
        writer.end_sync().await.unwrap();
        sync_id
    }

    fn members(reader: &C1zReader, sync_id: &str) -> Vec<String> {
        let mut seen = Vec::new();
        reader
            .for_each_grant_row(sync_id, |row| {
                seen.push(row.principal[1].to_string());
                Ok(())
            })
            .unwrap();
        seen
    }

    #[test]
    fn a_scan_of_one_syncs_grants_reads_its_part_of_the_table_and_all_of_it_without_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.c1z");
        let rt = tokio::runtime::Runtime::new().unwrap();
        let first = rt.block_on(sync(&path, &["ann", "bob", "cy"]));
        let second = rt.block_on(sync(&path, &["ann", "dee"]));

        let reader = C1zReader::open(&path).unwrap();
        // The grant rows are 1 to 3 (the first sync) and 4 to 5 (the second).
        assert_eq!(reader.grant_span(&first).unwrap(), (1, 3));
        assert_eq!(reader.grant_span(&second).unwrap(), (4, 5));
        assert_eq!(reader.grant_span("no such sync").unwrap(), (1, 0));
        assert_eq!(members(&reader, &first), ["ann", "bob", "cy"]);
        assert_eq!(members(&reader, &second), ["ann", "dee"]);
        drop(reader);

        // Without baton's index (older files), or with one that is not baton's, the whole
        // table is scanned, with the same rows.
        for change in [
            "DROP INDEX idx_grants_entitlement_sync_grant_v1",
            "DROP INDEX idx_grants_entitlement_sync_grant_v1; \
             CREATE INDEX idx_grants_entitlement_sync_grant_v1 ON v1_grants (sync_id)",
        ] {
            let bytes = std::fs::read(&path).unwrap();
            let db = dir.path().join("plain.db");
            std::fs::write(&db, zstd::decode_all(&bytes[5..]).unwrap()).unwrap();
            rusqlite::Connection::open(&db)
                .unwrap()
                .execute_batch(&format!("PRAGMA journal_mode = DELETE; {change}"))
                .unwrap();
            let mut packed = b"C1ZF\0".to_vec();
            packed.extend(zstd::encode_all(&std::fs::read(&db).unwrap()[..], 3).unwrap());
            let changed = dir.path().join("changed.c1z");
            std::fs::write(&changed, packed).unwrap();
            let reader = C1zReader::open(&changed).unwrap();
            assert_eq!(reader.grant_span(&first).unwrap(), (i64::MIN, i64::MAX));
            assert_eq!(members(&reader, &first), ["ann", "bob", "cy"]);
            assert_eq!(members(&reader, &second), ["ann", "dee"]);
        }
    }
}
