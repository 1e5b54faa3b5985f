//! The `stats` of a finished sync, cached in `v1_sync_runs` as baton-sdk caches them.
//!
//! baton's `EndSync` counts the sync's rows and stores the JSON that Go's `encoding/json` writes
//! for its `c1.reader.v2.SyncStats` (snake_case names, zero numbers and empty maps left out, map
//! keys sorted), with the timing its sync token carries (`step_durations_ms`,
//! `connector_call_stats`) lifted in. Readers then answer `stats` from the cache instead of
//! counting a large file on every read-only open. The counts follow baton's `stats`: resources
//! only of the sync's resource types (each type present, with 0 when it has none), entitlements
//! and grants by the type of their resource, none of them for a `resources_only` sync.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// `c1.reader.v2.SyncStats` as Go's `encoding/json` writes it.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SyncStats {
    #[serde(default, skip_serializing_if = "is_zero")]
    resource_types: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    resources: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    entitlements: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    grants: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    resources_by_resource_type: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    grants_by_resource_type: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    entitlements_by_resource_type: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    assets: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    step_durations_ms: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    connector_call_stats: BTreeMap<String, CallStat>,
}

/// `c1.reader.v2.CallStat`.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct CallStat {
    #[serde(default, skip_serializing_if = "is_zero")]
    count: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    total_ms: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    max_ms: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    errors: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    timeouts: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The part of a sync token baton lifts into the stats; anything else in it is ignored, and a
/// token that is not such JSON contributes nothing (as in baton).
#[derive(Default, Deserialize)]
struct TokenTiming {
    #[serde(default)]
    step_durations_ms: BTreeMap<String, i64>,
    #[serde(default)]
    connector_call_stats: BTreeMap<String, CallStat>,
}

/// Counts the rows of `sync_id` and stores them as the sync's cached `stats`.
pub(crate) fn cache(conn: &Connection, sync_id: &str) -> rusqlite::Result<()> {
    let stats = count(conn, sync_id)?;
    let json = serde_json::to_string(&stats)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.execute(
        "UPDATE v1_sync_runs SET stats = ?1 WHERE sync_id = ?2",
        params![json, sync_id],
    )?;
    Ok(())
}

/// The stats of `sync_id`, as baton's `stats` computes them.
pub(crate) fn count(conn: &Connection, sync_id: &str) -> rusqlite::Result<SyncStats> {
    let (sync_type, token): (String, String) = conn
        .query_row(
            "SELECT sync_type, sync_token FROM v1_sync_runs WHERE sync_id = ?1",
            [sync_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_default();
    let mut stats = SyncStats::default();
    let mut types = conn.prepare("SELECT external_id FROM v1_resource_types WHERE sync_id = ?1")?;
    for id in types.query_map([sync_id], |r| r.get::<_, String>(0))? {
        stats.resources_by_resource_type.insert(id?, 0);
        stats.resource_types += 1;
    }
    for (rt, n) in by_type(conn, "v1_resources", sync_id)? {
        // As baton: resources of a type the sync does not list are not counted.
        if let Some(count) = stats.resources_by_resource_type.get_mut(&rt) {
            *count = n;
            stats.resources += n;
        }
    }
    if sync_type != "resources_only" {
        stats.entitlements_by_resource_type = by_type(conn, "v1_entitlements", sync_id)?;
        stats.entitlements = stats.entitlements_by_resource_type.values().sum();
        stats.grants_by_resource_type = by_type(conn, "v1_grants", sync_id)?;
        stats.grants = stats.grants_by_resource_type.values().sum();
    }
    stats.assets = conn.query_row(
        "SELECT count(*) FROM v1_assets WHERE sync_id = ?1",
        [sync_id],
        |r| r.get(0),
    )?;
    let timing: TokenTiming = serde_json::from_str(&token).unwrap_or_default();
    stats.step_durations_ms = timing.step_durations_ms;
    stats.connector_call_stats = timing.connector_call_stats;
    Ok(stats)
}

/// Rows of `table` in `sync_id` per `resource_type_id`.
fn by_type(
    conn: &Connection,
    table: &str,
    sync_id: &str,
) -> rusqlite::Result<BTreeMap<String, i64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT resource_type_id, count(*) FROM {table} WHERE sync_id = ?1 GROUP BY resource_type_id"
    ))?;
    stmt.query_map([sync_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_gos_encoding_of_batons_message() {
        let mut stats = SyncStats {
            resource_types: 2,
            resources: 3,
            grants: 4,
            ..SyncStats::default()
        };
        stats.resources_by_resource_type.insert("user".into(), 3);
        stats.resources_by_resource_type.insert("team".into(), 0);
        stats.grants_by_resource_type.insert("team".into(), 4);
        stats.connector_call_stats.insert(
            "list-grants".into(),
            CallStat {
                count: 2,
                total_ms: 7,
                max_ms: 5,
                ..CallStat::default()
            },
        );
        assert_eq!(
            serde_json::to_string(&stats).unwrap(),
            r#"{"resource_types":2,"resources":3,"grants":4,"resources_by_resource_type":{"team":0,"user":3},"grants_by_resource_type":{"team":4},"connector_call_stats":{"list-grants":{"count":2,"total_ms":7,"max_ms":5}}}"#
        );
    }

    #[test]
    fn a_token_without_timing_adds_nothing() {
        for token in ["", "not json", r#"{"version":1,"phase":"grants"}"#] {
            let timing: TokenTiming = serde_json::from_str(token).unwrap_or_default();
            assert!(timing.step_durations_ms.is_empty() && timing.connector_call_stats.is_empty());
        }
    }
}
