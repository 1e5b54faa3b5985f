//! Who holds what: one person's access (`access`) and one entitlement's holders (`members`),
//! each with the way it comes.

use std::collections::HashMap;

use c1z::protojson;
use c1z::{Names, Paths, Snapshot, entitlement_name, in_place, label, qualified, short_name};
use serde_json::json;

use crate::error::Result;
use crate::output::{Cell, Column};
use crate::settings::standard::OutputFormat;

use super::{Out, Types, person_cells, person_columns};

pub(super) fn access(s: &Snapshot<'_>, who: &str, out: &Out<'_>) -> Result<()> {
    let principal = super::principal_for_reading(s, who)?;
    let types = Types::of(s)?;
    let mut paths = Paths::new(s);
    let mut names = Names::new(s);
    // Who gave each entitlement gained since the previous sync, when the file keeps an audit log.
    let audit = crate::commands::events::access_audit(s, &principal.id)?;
    let columns = ["RESOURCE TYPE", "RESOURCE", "ENTITLEMENTS"]
        .into_iter()
        .chain(audit.as_ref().map(|_| "AUDIT"));
    let mut listing = out
        .listing(s, columns, "access")?
        .json_field("principal", protojson::resource(&principal));
    // A table groups the resources held the same way in one organization on one row (names
    // only); the other formats keep one record per resource, with its id.
    let grouping = out.format == OutputFormat::Table;
    // Rows in first-seen order, found by their key.
    let mut groups: Vec<(HeldAlike, Vec<String>)> = Vec::new();
    let mut row_of: HashMap<HeldAlike, usize> = HashMap::new();
    for access in s.access(&principal.id)? {
        let on = &access.resource.id;
        // Each entitlement with the path it comes through: `admin (via team Payments)`.
        let mut held = Vec::with_capacity(access.held.len());
        for (e, grant) in &access.held {
            held.push((e, paths.of_grant(grant)?));
        }
        let described: Vec<String> = held
            .iter()
            .map(|(e, path)| match path.describe() {
                how if how.is_empty() => entitlement_name(e).to_owned(),
                how => format!("{} ({how})", entitlement_name(e)),
            })
            .collect();
        // A team or a database named with its organization: `acme/orders (database:d1)`.
        let parent = match &access.resource.parent {
            Some(p) => Some(names.resource_of(p)?),
            None => None,
        };
        let said = audit
            .as_ref()
            .map(|a| a.get(on).cloned().unwrap_or_default());
        if grouping {
            let place = parent.as_ref().map(short_name).unwrap_or_default();
            let said = said.map(|s| s.join(", "));
            let name = short_name(&access.resource);
            let alike = HeldAlike {
                resource_type: on.resource_type.clone(),
                place,
                described,
                said,
            };
            match row_of.get(&alike) {
                Some(&i) => groups[i].1.push(name),
                None => {
                    row_of.insert(alike.clone(), groups.len());
                    groups.push((alike, vec![name]));
                }
            }
            continue;
        }
        let resource = match &parent {
            Some(parent) => format!(
                "{} ({})",
                qualified(&access.resource, Some(parent)),
                access.resource.id
            ),
            None => label(&access.resource),
        };
        let mut cells = vec![
            Cell::from(&on.resource_type),
            Cell::from(resource),
            Cell::from(described),
        ];
        cells.extend(said.clone().map(Cell::from));
        listing.push(cells, || {
            let mut row = json!({
                "resource": protojson::resource(&access.resource),
                "resourceType": types.json(&on.resource_type),
                "entitlements": held.iter().map(|(e, _)| protojson::entitlement(e)).collect::<Vec<_>>(),
                "paths": held.iter().map(|(e, path)| json!({
                    "entitlementId": e.id,
                    "direct": path.direct,
                    "via": path.via,
                })).collect::<Vec<_>>(),
            });
            if let Some(said) = said {
                row["audit"] = json!(said);
            }
            row
        })?;
    }
    for (alike, resources) in groups {
        let resources: Vec<&str> = resources.iter().map(String::as_str).collect();
        let mut cells = vec![
            Cell::from(alike.resource_type),
            Cell::from(in_place(&alike.place, &resources)),
            Cell::from(alike.described),
        ];
        cells.extend(alike.said.map(Cell::from));
        listing.push(cells, || serde_json::Value::Null)?;
    }
    listing.finish("This principal holds no entitlement.")
}

/// What the resources on one row of the access table share: their type, their organization (or
/// other parent), the entitlements held with their ways, and what the audit log says.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct HeldAlike {
    resource_type: String,
    place: String,
    described: Vec<String>,
    said: Option<String>,
}

pub(super) fn members(s: &Snapshot<'_>, name: &str, out: &Out<'_>) -> Result<()> {
    let entitlement = s.entitlement_named(name, None)?;
    let types = Types::of(s)?;
    let mut paths = Paths::new(s);
    let mut columns = vec![
        Column::from("PRINCIPAL TYPE").optional(2),
        Column::from("PRINCIPAL"),
        Column::from("DISPLAY NAME"),
    ];
    columns.extend(person_columns());
    columns.push(Column::from("VIA"));
    let mut listing = out
        .listing(s, columns, "principals")?
        .json_field("entitlement", protojson::entitlement(&entitlement));
    s.for_each_holder(&entitlement.id, |holder| {
        let p = &holder.principal;
        let path = paths.of_grant(&holder.grant)?;
        let mut cells = vec![
            Cell::from(&p.id.resource_type),
            Cell::from(&p.id.resource),
            Cell::from(&p.display_name),
        ];
        let mut person = person_cells(p, &types);
        if types.kind(p).is_none() {
            // A team or an organization holding the entitlement: its type, not a blank.
            person[0] = Cell::from(types.name(&p.id.resource_type));
        }
        cells.extend(person);
        // Empty for a direct grant; what it comes through for a derived one.
        let mut via = path.via.clone();
        if path.direct && !via.is_empty() {
            via.insert(0, "(direct)".to_owned());
        }
        cells.push(Cell::from(via));
        listing.push(cells, || {
            json!({
                "principal": protojson::resource(p),
                "grantId": &holder.grant.id,
                "direct": path.direct,
                "via": path.via,
            })
        })
    })?;
    listing.finish("Nobody holds this entitlement.")
}
