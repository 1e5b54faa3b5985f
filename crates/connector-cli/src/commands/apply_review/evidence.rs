//! The evidence record: what each row's decision came to and each change's outcome, their
//! totals, the table people read, and the JSON file written beside `--file`, whole or not at
//! all.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::output::Table;

/// What a row's decision came to, for the record.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Decided {
    pub(super) line: u64,
    pub(super) resource: String,
    pub(super) resource_id: String,
    pub(super) principal_id: String,
    pub(super) email: String,
    pub(super) decision: String,
    pub(super) comment: String,
    /// `kept`, `revoked` (every change made or already made), `planned` (a dry run),
    /// `undecided`, `unknown-decision`, `failed` (a change failed or was refused) or `invalid`
    /// (the row names nothing the sync holds).
    pub(super) result: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(super) detail: String,
    pub(super) changes: Vec<Change>,
}

/// One grant of a revoked row, what was planned and how it ended.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Change {
    pub(super) grant_id: String,
    pub(super) entitlement_id: String,
    /// `revoke` (sent through the provisioner), `through-source` (derived: goes with the
    /// grants it comes through, revoked in the same row) or `none` (gone since the CSV's
    /// sync).
    pub(super) action: &'static str,
    /// The provisioner's outcome (`revoked`, `already-revoked`, `dry-run`), `through-source`,
    /// `refused` or `failed`.
    pub(super) outcome: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(super) detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) plan: Option<connector_sdk::provision::Plan>,
    /// After an applied run's sync: whether the grant is gone from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) gone_after_sync: Option<bool>,
}

impl Change {
    pub(super) fn failed(&self) -> bool {
        matches!(self.outcome.as_str(), "refused" | "failed")
    }
}

/// Counts of the rows by result.
pub(super) fn totals(decided: &[Decided]) -> Value {
    let mut totals = serde_json::Map::new();
    for d in decided {
        let n = totals.entry(d.result).or_insert(json!(0));
        *n = json!(n.as_u64().unwrap_or(0) + 1);
    }
    Value::Object(totals)
}

/// One line per change (one per row without changes), for people and spreadsheets.
pub(super) fn table(decided: &[Decided]) -> Table {
    let mut table = Table::new([
        "LINE", "EMAIL", "RESOURCE", "DECISION", "RESULT", "GRANT", "OUTCOME", "DETAIL",
    ]);
    // Rows without a decision are counted in a note, not listed: most rows of a long review.
    for d in decided.iter().filter(|d| d.result != "undecided") {
        let row = |grant: &str, outcome: &str, detail: &str| {
            [
                d.line.to_string(),
                d.email.clone(),
                d.resource.clone(),
                d.decision.clone(),
                d.result.to_owned(),
                grant.to_owned(),
                outcome.to_owned(),
                detail.to_owned(),
            ]
        };
        if d.changes.is_empty() {
            table.row(row("", "", &d.detail));
        }
        for c in &d.changes {
            let detail = match &c.plan {
                Some(plan) => plan
                    .requests
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.url))
                    .collect::<Vec<_>>()
                    .join("; "),
                None => c.detail.clone(),
            };
            table.row(row(&c.grant_id, &c.outcome, &detail));
        }
    }
    table
}

/// `<file stem>-apply-review-<YYYYMMDDTHHMMSSZ>.json` beside `file`.
pub(super) fn evidence_path(file: &Path, at: &jiff::Timestamp) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sync".to_owned());
    file.with_file_name(format!(
        "{stem}-apply-review-{}.json",
        at.strftime("%Y%m%dT%H%M%SZ")
    ))
}

/// Writes `record` to `path` whole or not at all, readable by its owner only (it names
/// people), never over an existing file.
pub(super) fn write_record(path: &Path, record: &Value) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let context = || format!("cannot write the evidence record {}", path.display());
    let mut file = tempfile::Builder::new()
        .prefix(".apply-review-")
        .suffix(".json.partial")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(context(), e))?;
    let text = serde_json::to_string_pretty(record).unwrap_or_default() + "\n";
    std::io::Write::write_all(file.as_file_mut(), text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| Error::io(context(), e))?;
    file.persist_noclobber(path)
        .map_err(|e| Error::io(context(), e.error))?;
    Ok(())
}
