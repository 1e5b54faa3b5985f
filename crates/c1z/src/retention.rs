//! Retention: the syncs a finished sync keeps in the file, and the deletion of the others.

use rusqlite::{Connection, params};

use crate::clock;

/// Every table that holds rows of a sync, for retention.
const SYNC_TABLES: &[&str] = &[
    "v1_resource_types",
    "v1_resources",
    "v1_entitlements",
    "v1_grants",
    "v1_assets",
    "v1_connector_sessions",
    "v1_sync_runs",
];

/// Sets `ended_at` and `supports_diff`, drops the sync's session rows and deletes syncs beyond
/// retention. Returns whether any sync was deleted.
pub(crate) fn finish_sync(conn: &Connection, sync_id: &str, keep: usize) -> rusqlite::Result<bool> {
    conn.execute_batch("PRAGMA synchronous = FULL")?;
    let tx = conn.unchecked_transaction()?;
    // `supports_diff`: baton's syncer marks every sync that collected entitlements and grants
    // when it reaches grant expansion (`MarkSyncSupportsDiff`, whether expansion then runs or
    // not; only a targeted sync skips it), and baton's `RollbackExpansion` and diff refuse a
    // sync without it. Every sync of ours collects them and reaches that point before it ends.
    tx.execute(
        "UPDATE v1_sync_runs SET ended_at = ?1, supports_diff = 1 WHERE sync_id = ?2",
        params![clock::now_text(), sync_id],
    )?;
    tx.execute(
        "DELETE FROM v1_connector_sessions WHERE sync_id = ?1",
        [sync_id],
    )?;
    let runs: Vec<(i64, String, bool)> = {
        let mut stmt = tx.prepare(
            "SELECT id, sync_id, ended_at IS NOT NULL AND sync_type = 'full' \
             FROM v1_sync_runs ORDER BY id DESC",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let kept: Vec<&(i64, String, bool)> = runs
        .iter()
        .filter(|(_, _, finished_full)| *finished_full)
        .take(keep.max(1))
        .collect();
    let oldest_kept = kept.iter().map(|(id, _, _)| *id).min().unwrap_or(i64::MAX);
    let doomed: Vec<&str> = runs
        .iter()
        .filter(|(id, sid, finished_full)| {
            sid != sync_id
                && !kept.iter().any(|(_, k, _)| k == sid)
                && (*finished_full || *id < oldest_kept)
        })
        .map(|(_, sid, _)| sid.as_str())
        .collect();
    for doomed_id in &doomed {
        for table in SYNC_TABLES {
            tx.execute(
                &format!("DELETE FROM {table} WHERE sync_id = ?1"),
                [doomed_id],
            )?;
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    Ok(!doomed.is_empty())
}
