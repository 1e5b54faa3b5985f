//! The reviewed CSV read back: the review's columns found by name, every row of one sync, and
//! cells as written before the export neutralised them against spreadsheet formulas.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::staff::for_each_record;

/// One row of the reviewed CSV.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) resource: String,
    pub(super) resource_id: String,
    pub(super) principal_id: String,
    pub(super) email: Option<String>,
    pub(super) decision: String,
    pub(super) comment: String,
}

/// The reviewed CSV: its rows and the sync they were exported from.
#[derive(Debug)]
pub(super) struct Reviewed {
    pub(super) sync_id: String,
    pub(super) rows: Vec<Row>,
}

/// Reads the reviewed CSV: the review's columns by name (`resource_id`, `principal_id`,
/// `sync_id` and `decision` needed), one sync for every row.
pub(super) fn read_csv(path: &Path) -> Result<Reviewed> {
    let name = path.display().to_string();
    let file = Error::open_regular(path, "the reviewed CSV")?;
    let malformed = |line: u64, what: String| {
        Error::Usage(format!("{name} is malformed at line {line}: {what}"))
    };
    let mut csv = csv::ReaderBuilder::new().from_reader(file);
    let headers = csv
        .headers()
        .map_err(|e| malformed(1, e.to_string()))?
        .clone();
    let at: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase(),
                i,
            )
        })
        .collect();
    let needed = ["resource_id", "principal_id", "sync_id", "decision"];
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|c| !at.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(malformed(
            1,
            format!(
                "no {} column: apply-review reads a CSV `inspect review -o csv` wrote, with its \
                 decision column filled in",
                missing.join(", ")
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut sync_id: Option<String> = None;
    for_each_record(&mut csv, malformed, |line, record| {
        let get = |column: &str| {
            at.get(column)
                .and_then(|i| record.get(*i))
                .map(|c| unneutralized(c.trim()))
        };
        let row_sync = get("sync_id").unwrap_or_default();
        match &sync_id {
            None if row_sync.is_empty() => {
                return Err(malformed(line, "the sync_id is empty".into()));
            }
            None => sync_id = Some(row_sync),
            Some(first) if *first != row_sync => {
                return Err(malformed(
                    line,
                    format!(
                        "its sync_id {row_sync:?} is not the first row's ({first}): one CSV is \
                         one sync's review"
                    ),
                ));
            }
            Some(_) => {}
        }
        rows.push(Row {
            line,
            resource: get("resource").unwrap_or_default(),
            resource_id: get("resource_id").unwrap_or_default(),
            principal_id: get("principal_id").unwrap_or_default(),
            email: get("email"),
            decision: get("decision").unwrap_or_default(),
            comment: get("comment").unwrap_or_default(),
        });
        Ok(())
    })?;
    let Some(sync_id) = sync_id else {
        return Err(malformed(1, "it has no rows".into()));
    };
    Ok(Reviewed { sync_id, rows })
}

/// A cell as written before the export neutralised it against spreadsheet formulas (a `'`
/// before `=`, `+`, `-` or `@`).
fn unneutralized(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_neutralised_cell_reads_as_written() {
        assert_eq!(unneutralized("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unneutralized("'quoted"), "'quoted");
        assert_eq!(unneutralized("plain"), "plain");
    }

    #[test]
    fn the_csv_needs_the_review_columns_and_one_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "principal_id,decision\nuser:a,keep\n").unwrap();
        let e = read_csv(&path).unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("resource_id, sync_id"),
            "{e}"
        );
        std::fs::write(
            &path,
            "resource_id,principal_id,sync_id,decision\norganization:o,user:a,s1,keep\n\
             organization:o,user:b,s2,revoke\n",
        )
        .unwrap();
        let e = read_csv(&path).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("one sync"), "{e}");
    }
}
