//! One row's decision carried out (or planned): the grants the row lists found in the sync it
//! was exported from, each revoked as the latest sync holds it, a derived grant going with its
//! sources when the row revokes them too.

use std::collections::BTreeSet;

use c1z::{Names, Snapshot};
use connector_sdk::provision::{derived_from, revoke};
use connector_sdk::{
    Annotation, CancellationToken, Connector, Grant, Purpose, ResourceId,
    provision::{Mode, Outcome, RevokeContext},
};

use super::decisions::Row;
use super::evidence::{Change, Decided};
use crate::commands::provision::{person, stored_grant};
use crate::error::Result;

/// How deep parents are followed to find a resource's top-level resource.
const MAX_DEPTH: usize = 32;

/// Carries out (or plans) one row's decision.
pub(super) async fn decide(
    connector: &dyn Connector,
    exported: &Snapshot<'_>,
    latest: &Snapshot<'_>,
    names: &mut Names<'_, '_>,
    row: &Row,
    mode: Mode,
) -> Result<Decided> {
    let mut decided = Decided {
        line: row.line,
        resource: row.resource.clone(),
        resource_id: row.resource_id.clone(),
        principal_id: row.principal_id.clone(),
        email: row.email.clone().unwrap_or_default(),
        decision: row.decision.clone(),
        comment: row.comment.clone(),
        result: "kept",
        detail: String::new(),
        changes: Vec::new(),
    };
    match row.decision.trim().to_ascii_lowercase().as_str() {
        "keep" => return Ok(decided),
        "revoke" => {}
        "" => {
            decided.result = "undecided";
            decided.detail = "no decision: nothing done".into();
            return Ok(decided);
        }
        other => {
            decided.result = "unknown-decision";
            decided.detail = format!("unknown decision {other:?}: expected keep or revoke");
            return Ok(decided);
        }
    }
    let grants = match row_grants(exported, names, row)? {
        Ok(grants) => grants,
        Err(why) => {
            decided.result = "invalid";
            decided.detail = why;
            return Ok(decided);
        }
    };
    // The entitlements whose grants this row revokes itself: what derived grants may go with.
    let direct: BTreeSet<&str> = grants
        .iter()
        .filter(|g| !is_derived(g))
        .map(|g| g.entitlement.id.as_str())
        .collect();
    for grant in &grants {
        let mut change = Change {
            grant_id: grant.id.clone(),
            entitlement_id: grant.entitlement.id.clone(),
            action: "revoke",
            outcome: String::new(),
            detail: String::new(),
            plan: None,
            gone_after_sync: None,
        };
        let Some(current) = stored_grant(latest, &grant.id)? else {
            change.action = "none";
            change.outcome = Outcome::AlreadyRevoked.as_str().to_owned();
            change.detail = format!("not in the latest sync {}: gone already", latest.id());
            decided.changes.push(change);
            continue;
        };
        if let Some(sources) = revoked_with_sources(&current, &direct) {
            change.action = "through-source";
            change.outcome = "through-source".into();
            change.detail = format!(
                "derived by grant expansion from {}, revoked in this row",
                sources.join(", ")
            );
            decided.changes.push(change);
            continue;
        }
        let cx = RevokeContext {
            grant: current,
            cancel: CancellationToken::new(),
        };
        match revoke(connector, cx, mode).await {
            Ok(done) => {
                change.outcome = done.outcome.as_str().to_owned();
                change.detail = done.detail;
                if let Outcome::DryRun { plan } = done.outcome {
                    change.plan = Some(plan);
                }
            }
            Err(e) => {
                change.outcome = match e.kind() {
                    connector_sdk::ErrorKind::FailedPrecondition => "refused",
                    _ => "failed",
                }
                .to_owned();
                change.detail = e.to_string();
            }
        }
        decided.changes.push(change);
    }
    decided.result = match (decided.changes.iter().any(Change::failed), mode) {
        (true, _) => "failed",
        (false, Mode::DryRun) => "planned",
        (false, Mode::Apply) => "revoked",
    };
    if decided.changes.is_empty() {
        decided.detail = "the row lists no grant".into();
    }
    Ok(decided)
}

/// The grants a row lists: its principal's grants on its top-level resource and under it, as
/// the exported sync holds them, roles on the top-level resource last (permissions before
/// memberships). `Err` with why when the row names nothing the sync holds.
fn row_grants(
    s: &Snapshot<'_>,
    names: &mut Names<'_, '_>,
    row: &Row,
) -> Result<Result<Vec<Grant>, String>> {
    let (Some(principal_id), Some(scope_id)) =
        (parse_id(&row.principal_id), parse_id(&row.resource_id))
    else {
        return Ok(Err(format!(
            "principal_id {:?} or resource_id {:?} is not an id (type:id) the review exports",
            row.principal_id, row.resource_id
        )));
    };
    let Some(principal) = s.resource(&principal_id)? else {
        return Ok(Err(format!(
            "sync {} holds no principal {principal_id}",
            s.id()
        )));
    };
    if let Some(email) = row.email.as_deref().filter(|e| !e.is_empty()) {
        let held = principal
            .user_trait()
            .and_then(|t| t.primary_email())
            .unwrap_or_default();
        if !held.eq_ignore_ascii_case(email) {
            return Ok(Err(format!(
                "the row's email {email} is not {}'s ({}): the row was changed; export the \
                 review again",
                principal_id,
                match held.is_empty() {
                    true => "none",
                    false => held,
                }
            )));
        }
    }
    let mut grants = Vec::new();
    for access in s.access(&principal_id)? {
        if top_level(names, &access.resource.id)? != scope_id {
            continue;
        }
        let on_scope = access.resource.id == scope_id;
        for (entitlement, mut grant) in access.held {
            let order = match (on_scope, entitlement.purpose) {
                (false, _) => 0,
                (true, Purpose::Assignment) => 2,
                (true, _) => 1,
            };
            grant.entitlement = entitlement;
            grants.push((order, grant));
        }
    }
    if grants.is_empty() {
        return Ok(Err(format!(
            "{} holds nothing on or under {scope_id} in sync {}",
            person(&principal),
            s.id()
        )));
    }
    grants.sort_by_key(|(order, _)| *order);
    Ok(Ok(grants.into_iter().map(|(_, g)| g).collect()))
}

/// The top-level resource `id` is on or under.
fn top_level(names: &mut Names<'_, '_>, id: &ResourceId) -> Result<ResourceId> {
    let mut at = id.clone();
    for _ in 0..MAX_DEPTH {
        match names.get(&at)?.and_then(|r| r.parent.clone()) {
            Some(parent) => at = parent,
            None => return Ok(at),
        }
    }
    Ok(at)
}

/// `type:id` as the review exports a resource's id.
fn parse_id(text: &str) -> Option<ResourceId> {
    let (resource_type, resource) = text.trim().split_once(':')?;
    (!resource_type.is_empty() && !resource.is_empty()).then(|| ResourceId {
        resource_type: resource_type.to_owned(),
        resource: resource.to_owned(),
        ..Default::default()
    })
}

/// Whether grant expansion derived `grant` (baton's `GrantImmutable`).
fn is_derived(grant: &Grant) -> bool {
    grant.annotations.iter().any(Annotation::is_grant_immutable)
}

/// The entitlements a derived `grant` comes through, when the row revokes every one of them
/// itself (`revoked`: the entitlements of its direct grants): it goes with them. `None` for a
/// direct grant, or a derived one that would outlive the row's revokes (the provisioning path
/// then refuses it, naming its sources).
fn revoked_with_sources<'g>(grant: &'g Grant, revoked: &BTreeSet<&str>) -> Option<Vec<&'g str>> {
    let sources = derived_from(grant);
    let covered = !sources.is_empty() && sources.iter().all(|s| revoked.contains(s));
    (is_derived(grant) && covered).then_some(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_grant_goes_with_its_sources_only_when_the_row_revokes_them_all() {
        let mut derived = Grant {
            id: "database:d:read:user:u".into(),
            ..Default::default()
        };
        derived.entitlement.id = "database:d:read".into();
        derived.annotations.push(Annotation::grant_immutable());
        derived.sources = Some(connector_sdk::GrantSources {
            sources: [
                ("team:a:member".to_owned(), false),
                ("team:b:member".to_owned(), false),
            ]
            .into(),
        });
        let both = BTreeSet::from(["team:a:member", "team:b:member"]);
        assert_eq!(
            revoked_with_sources(&derived, &both),
            Some(vec!["team:a:member", "team:b:member"])
        );
        // Held through team b too, which the row keeps: refused by the provisioning path.
        assert_eq!(
            revoked_with_sources(&derived, &BTreeSet::from(["team:a:member"])),
            None
        );
        derived.annotations.clear();
        assert_eq!(revoked_with_sources(&derived, &both), None);
    }

    #[test]
    fn ids_are_type_and_id() {
        let id = parse_id("user:abc:def").unwrap();
        assert_eq!(
            (id.resource_type.as_str(), id.resource.as_str()),
            ("user", "abc:def")
        );
        assert!(parse_id("nobody").is_none());
        assert!(parse_id(":x").is_none());
    }
}
