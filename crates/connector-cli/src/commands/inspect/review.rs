//! The review view: one row per person per organization, with roles, security attributes,
//! teams, access and the way it comes, filtered as the reviewer asks.

use std::collections::BTreeSet;

use c1z::protojson;
use c1z::{
    EntitlementFilter, Held, Kind, Names, ReviewRowRef, Snapshot, entitlement_name, grouped, label,
    short_name,
};
use connector_sdk::Resource;
use serde_json::{Value, json};

use crate::cli::ReviewArgs;
use crate::error::{Error, Result};
use crate::output::{Cell, Column, Listing};
use crate::settings::standard::OutputFormat;

use super::{Out, Types};

pub(super) fn review(s: &Snapshot<'_>, filters: &ReviewArgs, out: &Out<'_>) -> Result<()> {
    let only = filters
        .resource
        .as_deref()
        .map(|r| s.resource_named(r, None))
        .transpose()?;
    if let Some(r) = only.as_ref().filter(|r| r.parent.is_some()) {
        return Err(Error::Usage(format!(
            "{} is not a top-level resource (it is in {}): --resource takes one the review has \
             rows for; `inspect members` lists who holds what on any resource",
            label(r),
            match &r.parent {
                Some(p) => short_name(&Names::new(s).resource_of(p)?),
                None => String::new(),
            }
        )));
    }
    let person = filters
        .principal
        .as_deref()
        .map(|p| super::principal_for_reading(s, p))
        .transpose()?;
    let types = Types::of(s)?;
    check_roles(s, &filters.role)?;
    let kinds = filters.kinds();
    let staff = crate::staff::load(
        filters.staff.staff.as_deref(),
        &filters.staff.internal_domains,
    )?;
    // What a narrow table leaves out first: the count of organizations, then SSO and
    // status, then the type (when every row is a person's, it says nothing), then groups;
    // never who, their roles, MFA or access. The first column is named after the type of the
    // first row's top-level resource (ORGANIZATION), the count after it (IN ORGANIZATIONS).
    let type_priority = match kinds.as_slice() {
        [Kind::Human] => 3,
        _ => 0,
    };
    let columns = |scope_title: String| {
        let count_title = format!("IN {scope_title}S");
        let mut columns = vec![
            Column::keyed(scope_title, "resource").optional(1),
            Column::hidden("resource_id"),
            Column::hidden("principal_id"),
            Column::from("NAME"),
            Column::from("TYPE").optional(type_priority).added(),
            Column::from("EMAIL").optional(1),
            Column::from("ROLES"),
            Column::from("MFA"),
            Column::from("SSO").optional(4),
            Column::from("STATUS").optional(4),
            Column::from("GROUPS").optional(2),
            Column::from("ACCESS"),
            Column::keyed(count_title, "resources").optional(5),
        ];
        if staff.is_some() {
            columns.push(Column::from("STAFF"));
        }
        columns
    };
    let mut listing: Option<Listing> = None;
    // Rows lent, not copied: each distinct way of holding is one copy for the whole review.
    s.for_each_review_row_ref(|row| {
        let kind = row.kind;
        let keep = kinds.contains(&kind)
            && only.as_ref().is_none_or(|r| r.id == row.scope.id)
            && person.as_ref().is_none_or(|p| p.id == row.principal.id)
            && filters.min_resources.is_none_or(|n| row.scopes >= n)
            && (filters.role.is_empty()
                || row
                    .roles
                    .iter()
                    .any(|h| filters.role.iter().any(|r| r.eq_ignore_ascii_case(&h.slug))))
            && one_of(&filters.mfa, c1z::flag(row.attributes.mfa))
            && one_of(&filters.sso, c1z::flag(row.attributes.sso))
            && one_of(&filters.status, row.attributes.status.unwrap_or("unknown"));
        if !keep {
            return Ok(());
        }
        // People are classed against the staff list; other principals are not people.
        let standing = match (&staff, kind) {
            (Some(list), Kind::Human) => Some(list.classify(&row.attributes.email)),
            _ => None,
        };
        let class = standing.as_ref().map(|s| s.class.as_str()).unwrap_or("");
        if !filters.staff_status.is_empty() && !filters.staff_status.iter().any(|c| c == class) {
            return Ok(());
        }
        let groups: Vec<String> = row.group_names();
        let a = &row.attributes;
        let mut cells = vec![
            Cell::from(short_name(row.scope)),
            Cell::from(row.scope.id.to_string()),
            Cell::from(row.principal.id.to_string()),
            Cell::from(short_name(row.principal)),
            Cell::from(kind.as_str()),
            Cell::from(&a.email),
            Cell::from(row.roles.iter().map(|h| h.describe()).collect::<Vec<_>>()),
            Cell::from(a.mfa),
            Cell::from(a.sso),
            Cell::from(a.status.unwrap_or("unknown")),
            Cell::from(groups),
            Cell::from(grouped(row.access.iter().copied())),
            Cell::from(row.scopes as u64),
        ];
        if staff.is_some() {
            cells.push(Cell::from(class));
        }
        let listing = match &mut listing {
            Some(listing) => listing,
            None => {
                let title = types.title(&row.scope.id.resource_type);
                listing.insert(out.listing(s, columns(title), "review")?.sign_off())
            }
        };
        // The row lends the person's id and name; `-o json` prints their resource whole.
        let whole = match listing.format() {
            OutputFormat::Json => s.resource(&row.principal.id)?,
            _ => None,
        };
        listing.push(cells, || {
            let mut item = review_json(&row, whole.as_ref().unwrap_or(row.principal), kind);
            if let Some(standing) = &standing {
                item["staff"] = staff_json(standing);
            }
            item
        })
    })?;
    let listing = match listing {
        Some(listing) => listing,
        None => out
            .listing(s, columns("RESOURCE".to_owned()), "review")?
            .sign_off(),
    };
    let empty = match filters.is_empty() {
        true => "Nobody holds access on anything.",
        false => "Nobody matches these filters.",
    };
    listing.finish(empty)
}

impl ReviewArgs {
    fn is_empty(&self) -> bool {
        self.role.is_empty()
            && self.mfa.is_empty()
            && self.sso.is_empty()
            && self.status.is_empty()
            && self.resource.is_none()
            && self.principal.is_none()
            && self.min_resources.is_none()
            && self.kinds.is_empty()
            && self.staff_status.is_empty()
    }

    /// The kinds of principal `--type` asks for: people only when not given.
    fn kinds(&self) -> Vec<Kind> {
        if self.kinds.iter().any(|k| k == "all") {
            return vec![Kind::Human, Kind::ServiceAccount, Kind::Invitation];
        }
        match self.kinds.is_empty() {
            true => vec![Kind::Human],
            false => self.kinds.iter().filter_map(|k| Kind::parse(k)).collect(),
        }
    }
}

/// Every `--role` must be a role of a top-level resource, or the empty answer would be a
/// typo's.
fn check_roles(s: &Snapshot<'_>, wanted: &[String]) -> Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    let mut names = Names::new(s);
    let mut roles: BTreeSet<String> = BTreeSet::new();
    s.for_each_entitlement(EntitlementFilter::default(), |e| {
        let top = names
            .get(&e.resource.id)?
            .is_some_and(|r| r.parent.is_none());
        if top {
            roles.insert(entitlement_name(&e).to_lowercase());
        }
        Ok::<(), Error>(())
    })?;
    match wanted
        .iter()
        .find(|role| !roles.contains(&role.to_lowercase()))
    {
        Some(role) => {
            let known = format!(
                "roles held: {}",
                roles.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            Err(s
                .no_match("role", role, roles.iter().map(String::as_str), known)
                .into())
        }
        None => Ok(()),
    }
}

fn one_of(wanted: &[String], value: &str) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w == value)
}

/// The row as `-o json` prints it, with `principal` (the person's resource, whole).
fn review_json(row: &ReviewRowRef<'_>, principal: &Resource, kind: Kind) -> Value {
    let held = |list: &[&Held]| -> Vec<Value> {
        list.iter()
            .map(|h| {
                json!({
                    "resource": h.resource,
                    "slug": h.slug,
                    "entitlementId": h.entitlement_id,
                    "direct": h.direct,
                    "via": h.via,
                })
            })
            .collect()
    };
    json!({
        "resource": protojson::resource(row.scope),
        "principal": protojson::resource(principal),
        "type": kind.as_str(),
        "email": row.attributes.email,
        "mfa": row.attributes.mfa,
        "sso": row.attributes.sso,
        "status": row.attributes.status,
        "roles": held(&row.roles),
        "groups": held(&row.groups),
        "access": held(&row.access),
        "resources": row.scopes,
    })
}

/// A person's standing against the staff list: the class and, when listed, their entry.
fn staff_json(standing: &crate::staff::Standing<'_>) -> Value {
    let mut item = json!({ "class": standing.class.as_str() });
    if let Some(m) = standing.member {
        item["name"] = json!(m.name);
        item["department"] = json!(m.department);
        item["manager"] = json!(m.manager);
        item["status"] = json!(m.status);
    }
    item
}
