//! Small SQLite helpers shared by the reader and the writer.

use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// The tables every v1 `.c1z` has, whatever baton version wrote it.
pub(crate) const REQUIRED_TABLES: &[&str] = &[
    "v1_resource_types",
    "v1_resources",
    "v1_entitlements",
    "v1_grants",
    "v1_sync_runs",
];

/// The column names of `table`, empty when the table does not exist.
pub(crate) fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    stmt.query_map([table], |r| r.get::<_, String>(0))?
        .collect()
}

/// A column's text as [`text_of`] reads it, borrowed from the row when it is valid UTF-8.
pub(crate) fn text_ref(v: ValueRef<'_>) -> std::borrow::Cow<'_, str> {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t),
        other => text_of(other).into(),
    }
}

/// A cell as text: baton's timestamps are text, but a writer may have stored numbers.
pub(crate) fn text_of(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}
