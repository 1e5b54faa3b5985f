//! What the engine reads back from the working database during a sync: a type's resources to
//! fan out calls, and for grant expansion the expandable grants, entitlements by id and grants
//! by entitlement and principal. Blobs are returned as stored; the async side decodes them.

use rusqlite::{Connection, params, params_from_iter};

/// A grant row as stored.
pub(crate) struct StoredGrant {
    pub external_id: String,
    pub data: Vec<u8>,
    pub expansion: Option<Vec<u8>>,
}

/// Where a grant is in [`grants_of_entitlement`]'s order: principal type, principal id, row id.
pub(crate) type PrincipalKey = (String, String, i64);

/// The index [`grants_of_entitlement`] and [`grants_of_principals`] read through. The writer
/// defers it while grants stream in and builds it when expansion first needs it.
pub(crate) const GRANT_BY_ENTITLEMENT: &str = "idx_grants_entitlement_id_principal_id_v1";

/// The resources of `resource_type`, in write order.
pub(crate) fn resources(
    conn: &Connection,
    sync_id: &str,
    resource_type: &str,
) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM v1_resources WHERE sync_id = ?1 AND resource_type_id = ?2 ORDER BY id",
    )?;
    stmt.query_map(params![sync_id, resource_type], |row| row.get(0))?
        .collect()
}

/// Up to `limit` grants marked `needs_expansion` after row `after`, in row order, with their
/// row ids.
pub(crate) fn expandable_grants(
    conn: &Connection,
    sync_id: &str,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, StoredGrant)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, external_id, data, expansion FROM v1_grants \
         WHERE sync_id = ?1 AND needs_expansion = 1 AND id > ?2 ORDER BY id LIMIT ?3",
    )?;
    stmt.query_map(params![sync_id, after, limit as i64], |r| {
        Ok((
            r.get(0)?,
            StoredGrant {
                external_id: r.get(1)?,
                data: r.get(2)?,
                expansion: r.get(3)?,
            },
        ))
    })?
    .collect()
}

/// The entitlements with these ids.
pub(crate) fn entitlements(
    conn: &Connection,
    sync_id: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM v1_entitlements WHERE external_id = ?1 AND sync_id = ?2",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut rows = stmt.query(params![id, sync_id])?;
        while let Some(row) = rows.next()? {
            out.push(row.get(0)?);
        }
    }
    Ok(out)
}

/// Up to `limit` grants of `entitlement_id` after `after`, held by principals of `types` (all
/// when empty), in principal order, with their keys.
pub(crate) fn grants_of_entitlement(
    conn: &Connection,
    sync_id: &str,
    entitlement_id: &str,
    types: &[String],
    after: &PrincipalKey,
    limit: usize,
) -> rusqlite::Result<Vec<(PrincipalKey, StoredGrant)>> {
    // `+` keeps SQLite from using the filter to pick the index: with it, SQLite sorts each
    // type's rows instead of reading them in index order, the whole rest of them every page.
    let filter = match types.len() {
        0 => String::new(),
        n => format!(
            " AND +principal_resource_type_id IN ({})",
            vec!["?"; n].join(", ")
        ),
    };
    let sql = format!(
        "SELECT principal_resource_type_id, principal_resource_id, id, external_id, data, \
         expansion FROM v1_grants WHERE entitlement_id = ? AND sync_id = ? \
         AND (principal_resource_type_id, principal_resource_id, id) > (?, ?, ?){filter} \
         ORDER BY principal_resource_type_id, principal_resource_id, id LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let args: Vec<rusqlite::types::Value> = [
        entitlement_id.to_owned().into(),
        sync_id.to_owned().into(),
        after.0.clone().into(),
        after.1.clone().into(),
        after.2.into(),
    ]
    .into_iter()
    .chain(types.iter().map(|t| t.clone().into()))
    .chain([(limit as i64).into()])
    .collect();
    stmt.query_map(params_from_iter(args), |r| {
        Ok((
            (r.get(0)?, r.get(1)?, r.get(2)?),
            StoredGrant {
                external_id: r.get(3)?,
                data: r.get(4)?,
                expansion: r.get(5)?,
            },
        ))
    })?
    .collect()
}

/// The grants of `entitlement_id` held by any of `principals` (type, id).
pub(crate) fn grants_of_principals(
    conn: &Connection,
    sync_id: &str,
    entitlement_id: &str,
    principals: &[(String, String)],
) -> rusqlite::Result<Vec<StoredGrant>> {
    let mut stmt = conn.prepare_cached(
        "SELECT external_id, data, expansion FROM v1_grants WHERE entitlement_id = ?1 \
         AND principal_resource_type_id = ?2 AND principal_resource_id = ?3 AND sync_id = ?4 \
         ORDER BY id",
    )?;
    let mut out = Vec::new();
    for (principal_type, principal_id) in principals {
        let rows = stmt.query_map(
            params![entitlement_id, principal_type, principal_id, sync_id],
            |r| {
                Ok(StoredGrant {
                    external_id: r.get(0)?,
                    data: r.get(1)?,
                    expansion: r.get(2)?,
                })
            },
        )?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}
