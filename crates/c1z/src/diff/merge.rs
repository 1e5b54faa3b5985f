//! Two syncs' rows of one table merged in `external_id` order, holding only the current row
//! of each side.

use rusqlite::types::Value as SqlValue;

use crate::error::Result;
use crate::reader::C1zReader;
use crate::snapshot::Snapshot;

/// The external ids of `table` only in `new` and only in `old`, each in byte order.
pub(super) fn merge_ids(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    table: &str,
    types: Option<&[String]>,
) -> Result<(Vec<String>, Vec<String>)> {
    let (mut only_new, mut only_old) = (Vec::new(), Vec::new());
    merge(old, new, table, types, false, |side| match side {
        Side::Old(id) => only_old.push(id),
        Side::New(id) => only_new.push(id),
        Side::Both(..) => {}
    })?;
    Ok((only_new, only_old))
}

/// Where a row of a merge is: only in the older sync, only in the newer (by `external_id`), or
/// in both (with the `data` of each when the merge reads it).
pub(super) enum Side {
    Old(String),
    New(String),
    Both(Vec<u8>, Vec<u8>),
}

/// Merges the rows of `table` of both syncs (of `types` when given) in `external_id` order,
/// calling `f` for each: only the current row of each side is held. Each row's `data` is read
/// only `with_data`, and then only for rows in both syncs, by rowid once the row is reached:
/// the sort holds ids and rowids, never blobs (a file's blobs are someone else's, and sorting
/// 30 MiB ones took gigabytes).
pub(super) fn merge(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    table: &str,
    types: Option<&[String]>,
    with_data: bool,
    mut f: impl FnMut(Side),
) -> Result<()> {
    let mut old_rows = Sorted::new(old, table, types, with_data)?;
    let mut new_rows = Sorted::new(new, table, types, with_data)?;
    let mut old_data = RowData::new(old, table, with_data)?;
    let mut new_data = RowData::new(new, table, with_data)?;
    let mut old_cursor = old_rows.rows()?;
    let mut new_cursor = new_rows.rows()?;
    let (mut a, mut b) = (old_cursor.next()?, new_cursor.next()?);
    loop {
        match (a.take(), b.take()) {
            (None, None) => return Ok(()),
            (Some((id, _)), None) => {
                f(Side::Old(id));
                a = old_cursor.next()?;
            }
            (None, Some((id, _))) => {
                f(Side::New(id));
                b = new_cursor.next()?;
            }
            (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                std::cmp::Ordering::Less => {
                    f(Side::Old(x.0));
                    a = old_cursor.next()?;
                    b = Some(y);
                }
                std::cmp::Ordering::Greater => {
                    f(Side::New(y.0));
                    b = new_cursor.next()?;
                    a = Some(x);
                }
                std::cmp::Ordering::Equal => {
                    f(Side::Both(old_data.get(x.1)?, new_data.get(y.1)?));
                    a = old_cursor.next()?;
                    b = new_cursor.next()?;
                }
            },
        }
    }
}

/// The `data` of one table's rows by rowid, when a merge reads it.
struct RowData<'r> {
    reader: &'r C1zReader,
    statement: Option<rusqlite::Statement<'r>>,
}

impl<'r> RowData<'r> {
    fn new(snapshot: &Snapshot<'r>, table: &str, with_data: bool) -> Result<Self> {
        let reader = snapshot.reader();
        let statement = match with_data {
            true => Some(reader.data_by_rowid(table)?),
            false => None,
        };
        Ok(RowData { reader, statement })
    }

    /// The `data` of the row at `rowid` (empty when the merge reads no data).
    fn get(&mut self, rowid: i64) -> Result<Vec<u8>> {
        let Some(statement) = &mut self.statement else {
            return Ok(Vec::new());
        };
        let reader = self.reader;
        statement
            .query_row([rowid], |r| match r.get_ref(0)? {
                rusqlite::types::ValueRef::Blob(b) => Ok(b.to_vec()),
                _ => Ok(Vec::new()),
            })
            .map_err(|e| reader.sqlite("reading a row's data", e))
    }
}

/// The `external_id`-sorted rows of one table of one sync.
struct Sorted<'r> {
    reader: &'r C1zReader,
    statement: rusqlite::Statement<'r>,
    params: Vec<SqlValue>,
    context: String,
}

impl<'r> Sorted<'r> {
    fn new(
        snapshot: &Snapshot<'r>,
        table: &str,
        types: Option<&[String]>,
        with_data: bool,
    ) -> Result<Self> {
        let reader = snapshot.reader();
        let columns = match with_data {
            true => "external_id, rowid",
            false => "external_id, NULL",
        };
        let statement = reader.sorted_rows(table, columns, types)?;

        let mut params = vec![SqlValue::from(snapshot.id().to_owned())];
        params.extend(
            types
                .unwrap_or_default()
                .iter()
                .cloned()
                .map(SqlValue::from),
        );
        Ok(Sorted {
            reader,
            statement,
            params,
            context: format!("reading {table}"),
        })
    }

    fn rows(&mut self) -> Result<Cursor<'_, 'r>> {
        let rows = self
            .statement
            .query(rusqlite::params_from_iter(self.params.iter()))
            .map_err(|e| self.reader.sqlite(&self.context, e))?;
        Ok(Cursor {
            reader: self.reader,
            rows,
            context: &self.context,
        })
    }
}

struct Cursor<'s, 'r> {
    reader: &'r C1zReader,
    rows: rusqlite::Rows<'s>,
    context: &'s str,
}

impl Cursor<'_, '_> {
    /// The next row's `external_id`, and its rowid when the merge reads data (else 0).
    fn next(&mut self) -> Result<Option<(String, i64)>> {
        let context = self.context;
        let reader = self.reader;
        let row = reader
            .step(&mut self.rows)
            .map_err(|e| reader.sqlite(context, e))?;
        row.map(|r| {
            let id = r.get::<_, String>(0)?;
            let rowid = r.get::<_, Option<i64>>(1)?.unwrap_or_default();
            Ok((id, rowid))
        })
        .transpose()
        .map_err(|e| reader.sqlite(context, e))
    }
}
