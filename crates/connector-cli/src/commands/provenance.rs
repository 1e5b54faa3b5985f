//! Where an export comes from: the connector and its version, the sync (id, type, times, the
//! resource types it holds) and the file (its path and SHA-256). JSON outputs carry it as their
//! `provenance`, CSV and JSON Lines rows as `sync_id` and `as_of`, the report at its top and on
//! every printed page; `inspect` and `diff` say on stderr which syncs they read.

use std::io::Read;
use std::path::Path;

use c1z::{C1zReader, Snapshot, SyncRun};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::output::note;
use crate::program::About;

/// The SHA-256 of the file at `path`, in hex.
pub(crate) fn sha256(path: &Path) -> Result<String> {
    let context = format!("cannot read {}", path.display());
    let mut file = Error::open_regular(path, "the file")?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io(&context, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A time as stored (`2026-12-06 08:45:00.123456789`, UTC) in ISO 8601: `2026-12-06T08:45:00Z`
/// (as stored when it is not in that shape).
pub(crate) fn iso(stored: &str) -> String {
    let seconds = stored.split('.').next().unwrap_or(stored);
    match seconds.len() == 19 && seconds.as_bytes().get(10) == Some(&b' ') {
        true => format!("{}Z", seconds.replacen(' ', "T", 1)),
        false => stored.to_owned(),
    }
}

/// When the data of `run` was true: when it ended, else (unfinished) when it started.
pub(crate) fn as_of(run: &SyncRun) -> String {
    iso(run.ended_at.as_deref().unwrap_or(&run.started_at))
}

/// The `provenance` of JSON outputs of `snapshot`'s sync.
pub(crate) fn json(about: &About, snapshot: &Snapshot<'_>) -> Result<Value> {
    let run = snapshot.run();
    let types: Vec<String> = snapshot
        .resource_types()?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let path = snapshot.reader().path();
    Ok(json!({
        "connector": about.name,
        "version": about.version,
        "syncId": run.id,
        "syncType": run.sync_type,
        "startedAt": iso(&run.started_at),
        "endedAt": run.ended_at.as_deref().map(iso),
        "asOf": as_of(run),
        "scope": {
            "full": run.is_full(),
            "resourceTypes": types,
        },
        "file": path.display().to_string(),
        "fileSha256": sha256(path)?,
    }))
}

/// Says on stderr which sync a command read: `reading sync <id> (full, ended …) of <file>`.
pub(crate) fn announce(snapshot: &Snapshot<'_>) {
    note(&format!(
        "reading sync {} of {}",
        describe(snapshot.run()),
        snapshot.reader().path().display()
    ));
}

/// `<id> (full, ended 2026-12-06T08:45:00Z)`.
pub(crate) fn describe(run: &SyncRun) -> String {
    let when = match &run.ended_at {
        Some(ended) => format!("ended {}", iso(ended)),
        None => format!("unfinished, started {}", iso(&run.started_at)),
    };
    let kind = match run.sync_type.is_empty() {
        true => "full",
        false => run.sync_type.as_str(),
    };
    format!("{} ({kind}, {when})", run.id)
}

/// The latest finished full sync of `reader` before sync `newer`, if any: what "the previous
/// sync" means to `diff` and `report`.
pub(crate) fn previous_full<'r>(
    reader: &'r C1zReader,
    newer: &str,
) -> Result<Option<Snapshot<'r>>> {
    let syncs = reader.syncs()?;
    let position = syncs.iter().position(|s| s.id == newer);
    let before = syncs[..position.unwrap_or(syncs.len())]
        .iter()
        .rev()
        .find(|s| s.is_finished() && s.is_full());
    Ok(match before {
        Some(run) => Some(reader.snapshot_of(run.clone())?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_read_as_iso_8601() {
        assert_eq!(iso("2026-12-06 08:45:00.123456789"), "2026-12-06T08:45:00Z");
        assert_eq!(iso("2026-12-06 08:45:00"), "2026-12-06T08:45:00Z");
        assert_eq!(iso("yesterday"), "yesterday");
    }
}
