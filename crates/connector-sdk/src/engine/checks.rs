//! The connector contract, checked on every page before anything of it is buffered: each check
//! fails the sync with [`Error::Contract`] and a message naming the call and the item.

use std::collections::HashSet;

use super::call::Output;
use super::plan::Plan;
use super::state::{Action, Op, skips};
use crate::error::{Error, Result};
use crate::model::{Entitlement, Grant, Resource};

/// baton's unchanged-token guard, also for enqueued tokens.
pub(super) fn tokens(action: &Action, output: &Output) -> Result<()> {
    let Some(given) = action.token.as_deref() else {
        return Ok(());
    };
    if output.next_token() == Some(given) {
        return Err(Error::Contract(format!(
            "next page token unchanged while {}: the call given token {given:?} returned it as the next token, likely a connector bug",
            action.context()
        )));
    }
    if output.enqueued().iter().any(|t| t == given) {
        return Err(Error::Contract(format!(
            "enqueued page token unchanged while {}: the call given token {given:?} enqueued it again, likely a connector bug",
            action.context()
        )));
    }
    Ok(())
}

/// Resources are of the syncer's type, carry the traits the type requires, and announce only
/// child types some syncer provides.
pub(super) fn resources(plan: &Plan, action: &Action, items: &[Resource]) -> Result<()> {
    let Some(rt) = plan.resource_type(&action.resource_type) else {
        return Ok(());
    };
    for resource in items {
        if resource.id.resource_type != rt.id {
            return Err(Error::Contract(format!(
                "the {} syncer returned resource {} while {}; a syncer lists only resources of its own type",
                rt.id,
                resource.id,
                action.context()
            )));
        }
        if let Some(missing) = rt.traits.iter().find(|t| !resource.has_trait(**t)) {
            return Err(Error::Contract(format!(
                "resource {} is missing the {} annotation that resource type {} requires ({})",
                resource.id,
                missing.message_name(),
                rt.id,
                missing.as_baton_str()
            )));
        }
        if let Some(child) = resource
            .child_resource_types()
            .find(|c| !plan.all.contains_key(*c))
        {
            return Err(Error::Contract(format!(
                "resource {} announces child resource type {child}, which no syncer provides",
                resource.id
            )));
        }
    }
    Ok(())
}

/// Entitlements have ids.
pub(super) fn entitlements(action: &Action, items: &[Entitlement]) -> Result<()> {
    if let Some(empty) = items.iter().find(|e| e.id.is_empty()) {
        return Err(Error::Contract(format!(
            "an entitlement named {:?} on {} has an empty id while {}",
            empty.slug,
            empty.resource.id,
            action.context()
        )));
    }
    Ok(())
}

/// Grants have principals of a type some syncer provides, and entitlements some entitlements
/// call returned (`known`; `None` skips that check).
pub(super) fn grants(
    plan: &Plan,
    known: Option<&HashSet<String>>,
    action: &Action,
    items: &[Grant],
) -> Result<()> {
    let subject = action.subject();
    for grant in items {
        let principal = &grant.principal.id;
        if !plan.all.contains_key(&principal.resource_type) {
            return Err(Error::Contract(format!(
                "grant {} on {subject} has principal {principal} of resource type {}, which no syncer provides",
                grant.id, principal.resource_type
            )));
        }
        let Some(known) = known else {
            continue;
        };
        let entitlement_type = &grant.entitlement.resource.id.resource_type;
        let checked = plan.synced.contains(entitlement_type)
            && plan
                .resource_type(entitlement_type)
                .is_some_and(|rt| !skips(&rt.annotations, Op::Entitlements));
        if checked && !known.contains(&grant.entitlement.id) {
            return Err(Error::Contract(format!(
                "grant {} on {subject} refers to entitlement {}, which no entitlements call returned",
                grant.id, grant.entitlement.id
            )));
        }
    }
    Ok(())
}
