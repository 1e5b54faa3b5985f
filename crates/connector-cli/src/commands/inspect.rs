//! `inspect`: what a `.c1z` file holds, ours or baton's, in the shapes of baton's inspector
//! (`baton resources -o json | jq '.resources[].resource.displayName'` works the same), as CSV
//! and JSON Lines, and as the review view. The questions are `c1z`'s ([`c1z::Snapshot`]); this
//! module names what the arguments name and renders the answers, row by row.
//!
//! Every filter names something in the file or is an error that says what exists: an empty
//! answer always means nothing matches, never a typo.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use c1z::protojson;
use c1z::{
    Attributes, C1zReader, EntitlementFilter, GrantFilter, Held, Lifetime, Names, Paths,
    ResourceFilter, ReviewRow, Snapshot, SyncRun, date_or_never, entitlement_name, label,
    short_name,
};
use connector_sdk::{Resource, ResourceType, Timestamp, Trait};
use serde_json::{Value, json};

use crate::cli::{CredentialFilters, InspectArgs, InspectCommand, ReviewArgs};
use crate::error::{Error, Result};
use crate::output::{Cell, Column, Listing, Table, sanitize};
use crate::settings::standard::{OutputFormat, Settings};

/// Runs the command on `settings.file`.
pub fn run(settings: &Settings, args: &InspectArgs) -> Result<()> {
    let reader = super::open(settings, &settings.file)?;
    print(&reader, args, settings.output)
}

/// Prints what `args` asks of the file `reader` reads, in `format`, on stdout.
pub fn print(reader: &C1zReader, args: &InspectArgs, format: OutputFormat) -> Result<()> {
    if let InspectCommand::Syncs = args.what {
        return syncs(&reader.syncs()?, format);
    }
    let snapshot = choose(reader, args.sync_id.as_deref())?;
    let s = &snapshot;
    match &args.what {
        InspectCommand::ResourceTypes => resource_types(s, format),
        InspectCommand::Resources {
            resource_type,
            credentials,
        } => resources(s, resource_type.as_deref(), credentials, format),
        InspectCommand::Entitlements {
            resource_type,
            resource,
        } => entitlements(s, resource_type.as_deref(), resource.as_deref(), format),
        InspectCommand::Grants {
            resource_type,
            resource,
            entitlement,
        } => grants(
            s,
            resource_type.as_deref(),
            resource.as_deref(),
            entitlement.as_deref(),
            format,
        ),
        InspectCommand::Access { user } => access(s, user, format),
        InspectCommand::Members { entitlement } => members(s, entitlement, format),
        InspectCommand::Review(filters) => review(s, filters, format),
        InspectCommand::Stats => stats(s, format),
        InspectCommand::Syncs => syncs(&reader.syncs()?, format),
    }
}

/// The named sync, or the latest finished full one; says on stderr when it is unfinished or
/// partial.
pub fn choose<'r>(reader: &'r C1zReader, sync_id: Option<&str>) -> Result<Snapshot<'r>> {
    let snapshot = reader.snapshot(sync_id)?;
    let run = snapshot.run();
    if !run.is_finished() {
        // A note, not an error: an interrupted sync's partial data is still worth a look.
        note(&format!(
            "sync {} has not finished (started {}); showing what it wrote so far",
            run.id, run.started_at
        ));
    }
    if !run.is_full() {
        let types: Vec<String> = snapshot
            .resource_types()?
            .into_iter()
            .map(|t| t.id)
            .collect();
        note(&format!(
            "sync {} is a {} sync: it holds only {}, and lacks what it did not sync",
            run.id,
            run.sync_type,
            match types.is_empty() {
                true => "no resource type".to_owned(),
                false => types.join(", "),
            }
        ));
    }
    Ok(snapshot)
}

/// A `note:` line on stderr, sanitized (sync ids and names come from the file).
pub(crate) fn note(text: &str) {
    // A note is not worth failing for if stderr is gone.
    let _ = writeln!(std::io::stderr().lock(), "note: {}", sanitize(text));
}

fn syncs(runs: &[SyncRun], format: OutputFormat) -> Result<()> {
    let mut listing = Listing::new(
        format,
        ["ID", "STARTED", "ENDED", "TYPE", "PARENT"],
        "syncs",
    );
    for run in runs {
        let cells = vec![
            Cell::from(&run.id),
            Cell::from(&run.started_at),
            Cell::from(ended(run)),
            Cell::from(&run.sync_type),
            Cell::from(&run.parent_sync_id),
        ];
        listing.push(cells, || sync_json(run))?;
    }
    listing.finish("No syncs.")
}

fn ended(run: &SyncRun) -> String {
    run.ended_at
        .clone()
        .unwrap_or_else(|| "(unfinished)".to_owned())
}

fn sync_json(run: &SyncRun) -> Value {
    json!({
        "id": run.id,
        "startedAt": run.started_at,
        "endedAt": run.ended_at,
        "syncType": run.sync_type,
        "parentSyncId": run.parent_sync_id,
        "finished": run.is_finished(),
    })
}

fn resource_types(s: &Snapshot<'_>, format: OutputFormat) -> Result<()> {
    let mut listing = Listing::new(format, ["ID", "DISPLAY NAME", "TRAITS"], "resourceTypes");
    for rt in s.resource_types()? {
        let traits: Vec<String> = rt
            .traits
            .iter()
            .map(|t| t.as_baton_str().to_owned())
            .collect();
        let cells = vec![
            Cell::from(&rt.id),
            Cell::from(&rt.display_name),
            Cell::from(traits),
        ];
        listing.push(
            cells,
            || json!({ "resourceType": protojson::resource_type(&rt) }),
        )?;
    }
    listing.finish("No resource types.")
}

/// The columns of a person: email, MFA, SSO, account status.
const PERSON: [&str; 4] = ["EMAIL", "MFA", "SSO", "STATUS"];

/// A person's cells under [`PERSON`]; empty for a resource that is not a person.
fn person_cells(r: &Resource) -> Vec<Cell> {
    match Attributes::of(r) {
        Some(a) => vec![
            Cell::from(a.email),
            Cell::from(a.mfa),
            Cell::from(a.sso),
            Cell::from(a.status.unwrap_or("unknown")),
        ],
        None => vec![Cell::from(""); PERSON.len()],
    }
}

fn resources(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    credentials: &CredentialFilters,
    format: OutputFormat,
) -> Result<()> {
    let types = Types::of(s)?;
    let only = resource_type
        .map(|t| s.resource_type_named(t))
        .transpose()?;
    // Listings of people show their security attributes, and of credentials their dates; the
    // columns depend on the types listed, never on the rows, so a CSV's columns are the same
    // from one sync to the next.
    let listed = |t: Trait| match &only {
        Some(rt) => rt.traits.contains(&t),
        None => types.0.values().any(|rt| rt.traits.contains(&t)),
    };
    let (people, secrets) = (listed(Trait::User), listed(Trait::Secret));
    if credentials.any() && !secrets {
        let what = match &only {
            Some(rt) => format!("resource type {}", rt.id),
            None => format!("no resource type of sync {}", s.id()),
        };
        return Err(Error::Usage(format!(
            "--no-expiry and --unused-days read credentials (the secret trait), and {what} has \
             none: drop them, or name a type of credentials with -t"
        )));
    }
    let cutoff = credentials.unused_days.map(|days| {
        let now = jiff::Timestamp::now().as_second();
        Timestamp::from_unix(now.saturating_sub(days.saturating_mul(86_400) as i64), 0)
    });
    let mut columns = vec!["ID", "DISPLAY NAME"];
    if people {
        columns.extend(PERSON);
    }
    if secrets {
        columns.extend(["EXPIRES", "LAST USED"]);
    }
    columns.extend(["RESOURCE TYPE", "PARENT"]);
    let mut listing = Listing::new(format, columns, "resources");
    let mut names = Names::new(s);
    let filter = ResourceFilter {
        resource_type: only.map(|t| t.id),
        ..Default::default()
    };
    s.for_each_resource(filter, |r| {
        let lifetime = Lifetime::of(&r);
        if credentials.any() {
            let Some(l) = lifetime else { return Ok(()) };
            let kept = (!credentials.no_expiry || l.expires_at.is_none())
                && cutoff.is_none_or(|cutoff| l.unused_since(cutoff));
            if !kept {
                return Ok(());
            }
        }
        let parent = match &r.parent {
            Some(p) => names.get(p)?.cloned(),
            None => None,
        };
        let parent_label = match (&parent, &r.parent) {
            (Some(found), _) => label(found),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        };
        let mut cells = vec![Cell::from(&r.id.resource), Cell::from(&r.display_name)];
        if people {
            cells.extend(person_cells(&r));
        }
        if secrets {
            cells.extend(match lifetime {
                Some(l) => {
                    [date_or_never(l.expires_at), date_or_never(l.last_used_at)].map(Cell::from)
                }
                None => [Cell::from(""), Cell::from("")],
            });
        }
        cells.extend([Cell::from(&r.id.resource_type), Cell::from(parent_label)]);
        listing.push(cells, || {
            let mut item = json!({
                "resource": protojson::resource(&r),
                "resourceType": types.json(&r.id.resource_type),
            });
            if let Some(parent) = &parent {
                item["parent"] = protojson::resource(parent);
            }
            item
        })
    })?;
    listing.finish(match credentials.any() {
        true => "No credential matches these filters.",
        false => "No resources.",
    })
}

/// The resource type and resource that `-t` and `-r` name, each checked against the file.
fn scope(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    resource: Option<&str>,
) -> Result<(Option<ResourceType>, Option<Resource>)> {
    let rt = resource_type
        .map(|t| s.resource_type_named(t))
        .transpose()?;
    let r = resource
        .map(|r| s.resource_named(r, rt.as_ref().map(|t| t.id.as_str())))
        .transpose()?;
    Ok((rt, r))
}

fn entitlements(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    resource: Option<&str>,
    format: OutputFormat,
) -> Result<()> {
    let types = Types::of(s)?;
    let (rt, r) = scope(s, resource_type, resource)?;
    let columns = [
        "ID",
        "DISPLAY NAME",
        "RESOURCE TYPE",
        "RESOURCE",
        "PERMISSION",
    ];
    let mut listing = Listing::new(format, columns, "entitlements");
    let filter = EntitlementFilter {
        resource_type: rt.map(|t| t.id),
        resource: r.map(|r| r.id),
    };
    s.for_each_entitlement(filter, |e| {
        let on = &e.resource.id;
        let cells = vec![
            Cell::from(&e.id),
            Cell::from(&e.display_name),
            Cell::from(&on.resource_type),
            Cell::from(label(&e.resource)),
            Cell::from(&e.slug),
        ];
        listing.push(cells, || {
            json!({
                "entitlement": protojson::entitlement(&e),
                "resource": protojson::resource(&e.resource),
                "resourceType": types.json(&on.resource_type),
            })
        })
    })?;
    listing.finish("No entitlements.")
}

fn grants(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    resource: Option<&str>,
    entitlement: Option<&str>,
    format: OutputFormat,
) -> Result<()> {
    let types = Types::of(s)?;
    let (rt, r) = scope(s, resource_type, resource)?;
    let e = entitlement
        .map(|e| s.entitlement_named(e, r.as_ref().map(|r| &r.id)))
        .transpose()?;
    if let (Some(e), Some(r)) = (&e, &r)
        && e.resource.id != r.id
    {
        return Err(Error::Usage(format!(
            "entitlement {} is on {}, not on {}: drop -r or name an entitlement of it",
            e.id,
            e.resource.id,
            label(r)
        )));
    }
    let mut names = Names::new(s);
    let columns = [
        "ID",
        "RESOURCE TYPE",
        "RESOURCE",
        "ENTITLEMENT",
        "PRINCIPAL",
    ];
    let mut listing = Listing::new(format, columns, "grants");
    let filter = GrantFilter {
        entitlement_id: e.map(|e| e.id),
        resource: r.map(|r| r.id),
        resource_type: rt.map(|t| t.id),
        ..Default::default()
    };
    s.for_each_grant(filter, |g| {
        let on = &g.entitlement.resource.id;
        let principal = names.resource_or_id(&g.principal)?;
        let on_resource = names.resource_or_id(&g.entitlement.resource)?;
        let cells = vec![
            Cell::from(&g.id),
            Cell::from(&on.resource_type),
            Cell::from(label(&on_resource)),
            Cell::from(&g.entitlement.id),
            Cell::from(label(&principal)),
        ];
        listing.push(cells, || {
            json!({
                "grant": protojson::grant(&g),
                "entitlement": protojson::entitlement(&g.entitlement),
                "resource": protojson::resource(&on_resource),
                "resourceType": types.json(&on.resource_type),
                "principal": protojson::resource(&principal),
            })
        })
    })?;
    listing.finish("No grants.")
}

fn access(s: &Snapshot<'_>, who: &str, format: OutputFormat) -> Result<()> {
    let principal = s.principal_named(who)?;
    let types = Types::of(s)?;
    let mut paths = Paths::new(s);
    let columns = ["RESOURCE TYPE", "RESOURCE", "ENTITLEMENTS"];
    let mut listing = Listing::new(format, columns, "access")
        .json_field("principal", protojson::resource(&principal));
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
        let cells = vec![
            Cell::from(&on.resource_type),
            Cell::from(label(&access.resource)),
            Cell::from(described),
        ];
        listing.push(cells, || {
            json!({
                "resource": protojson::resource(&access.resource),
                "resourceType": types.json(&on.resource_type),
                "entitlements": held.iter().map(|(e, _)| protojson::entitlement(e)).collect::<Vec<_>>(),
                "paths": held.iter().map(|(e, path)| json!({
                    "entitlementId": e.id,
                    "direct": path.direct,
                    "via": path.via,
                })).collect::<Vec<_>>(),
            })
        })?;
    }
    listing.finish("This principal holds no entitlement.")
}

fn members(s: &Snapshot<'_>, name: &str, format: OutputFormat) -> Result<()> {
    let entitlement = s.entitlement_named(name, None)?;
    let mut paths = Paths::new(s);
    let mut columns = vec!["PRINCIPAL TYPE", "PRINCIPAL", "DISPLAY NAME"];
    columns.extend(PERSON);
    columns.push("VIA");
    let mut listing = Listing::new(format, columns, "principals")
        .json_field("entitlement", protojson::entitlement(&entitlement));
    s.for_each_holder(&entitlement.id, |holder| {
        let p = &holder.principal;
        let path = paths.of_grant(&holder.grant)?;
        let mut cells = vec![
            Cell::from(&p.id.resource_type),
            Cell::from(&p.id.resource),
            Cell::from(&p.display_name),
        ];
        cells.extend(person_cells(p));
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

fn review(s: &Snapshot<'_>, filters: &ReviewArgs, format: OutputFormat) -> Result<()> {
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
            r.parent
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        )));
    }
    let person = filters
        .principal
        .as_deref()
        .map(|p| s.principal_named(p))
        .transpose()?;
    let rows = s.review()?;
    check_roles(s, &filters.role, &rows)?;
    // The first column is named after the top-level resources' type when they share one.
    let scope_types: BTreeSet<&str> = rows
        .iter()
        .map(|r| r.scope.id.resource_type.as_str())
        .collect();
    let scope_title = match scope_types.iter().next() {
        Some(t) if scope_types.len() == 1 => Types::of(s)?.title(t),
        _ => "RESOURCE".to_owned(),
    };
    let columns = vec![
        Column::keyed(scope_title, "resource"),
        Column::hidden("resource_id"),
        Column::hidden("principal_id"),
        Column::from("NAME"),
        Column::from("EMAIL"),
        Column::from("ROLES"),
        Column::from("MFA"),
        Column::from("SSO"),
        Column::from("STATUS"),
        Column::from("GROUPS"),
        Column::from("ACCESS"),
        Column::keyed("IN", "resources"),
    ];
    let mut listing = Listing::new(format, columns, "review");
    for row in rows {
        let keep = only.as_ref().is_none_or(|r| r.id == row.scope.id)
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
            continue;
        }
        let describe = |held: &[Held], with_resource: bool| -> Vec<String> {
            held.iter()
                .map(|h| match with_resource {
                    true => format!("{}: {}", h.resource, h.describe()),
                    false => h.describe(),
                })
                .collect()
        };
        let groups: Vec<String> = row
            .groups
            .iter()
            .map(|h| match h.via.is_empty() {
                true => h.resource.clone(),
                false => format!("{} (via {})", h.resource, h.via.join(", ")),
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let a = &row.attributes;
        let cells = vec![
            Cell::from(short_name(&row.scope)),
            Cell::from(row.scope.id.to_string()),
            Cell::from(row.principal.id.to_string()),
            Cell::from(short_name(&row.principal)),
            Cell::from(&a.email),
            Cell::from(describe(&row.roles, false)),
            Cell::from(a.mfa),
            Cell::from(a.sso),
            Cell::from(a.status.unwrap_or("unknown")),
            Cell::from(groups),
            Cell::from(describe(&row.access, true)),
            Cell::from(row.scopes as u64),
        ];
        listing.push(cells, || review_json(&row))?;
    }
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
    }
}

/// Every `--role` must be a role someone holds, or the empty answer would be a typo's.
fn check_roles(s: &Snapshot<'_>, wanted: &[String], rows: &[ReviewRow]) -> Result<()> {
    let held: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.roles.iter().map(|h| h.slug.to_lowercase()))
        .collect();
    match wanted
        .iter()
        .find(|role| !held.contains(&role.to_lowercase()))
    {
        Some(role) => {
            let known = format!(
                "roles held: {}",
                held.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            Err(s
                .no_match("role", role, held.iter().map(String::as_str), known)
                .into())
        }
        None => Ok(()),
    }
}

fn one_of(wanted: &[String], value: &str) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w == value)
}

fn review_json(row: &ReviewRow) -> Value {
    let held = |list: &[Held]| -> Vec<Value> {
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
        "resource": protojson::resource(&row.scope),
        "principal": protojson::resource(&row.principal),
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

fn stats(s: &Snapshot<'_>, format: OutputFormat) -> Result<()> {
    let per_type = s.stats()?;
    let mut totals = [0u64; 3];
    let mut types = serde_json::Map::new();
    for (rt, c) in &per_type {
        for (total, n) in totals
            .iter_mut()
            .zip([c.resources, c.entitlements, c.grants])
        {
            *total += n;
        }
        types.insert(
            rt.clone(),
            json!({ "resources": c.resources, "entitlements": c.entitlements, "grants": c.grants }),
        );
    }
    let run = s.run();
    let document = json!({
        "sync": sync_json(run),
        "totals": {
            "resourceTypes": per_type.len(),
            "resources": totals[0],
            "entitlements": totals[1],
            "grants": totals[2],
        },
        "resourceTypes": types,
    });
    let mut header = Table::new(["SYNC", "TYPE", "STARTED", "ENDED"]);
    header.row([
        run.id.clone(),
        run.sync_type.clone(),
        run.started_at.clone(),
        ended(run),
    ]);
    let columns = ["RESOURCE TYPE", "RESOURCES", "ENTITLEMENTS", "GRANTS"];
    let mut listing = Listing::new(format, columns, "resourceTypes")
        .json_document(document)
        .preface(header);
    let total = ("total".to_owned(), totals);
    let rows = per_type
        .iter()
        .map(|(rt, c)| (rt.clone(), [c.resources, c.entitlements, c.grants]))
        .chain([total]);
    for (rt, counts) in rows {
        let mut cells = vec![Cell::from(rt)];
        cells.extend(counts.map(Cell::from));
        listing.push(cells, || Value::Null)?;
    }
    listing.finish("Empty sync.")
}

/// The sync's resource types by id, for the `resourceType` of JSON items.
struct Types(BTreeMap<String, ResourceType>);

impl Types {
    fn of(s: &Snapshot<'_>) -> Result<Types> {
        Ok(Types(
            s.resource_types()?
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect(),
        ))
    }

    fn json(&self, id: &str) -> Value {
        match self.0.get(id) {
            Some(rt) => protojson::resource_type(rt),
            None => json!({ "id": id }),
        }
    }

    /// A column title for resources of type `id`: its display name in capitals.
    fn title(&self, id: &str) -> String {
        match self.0.get(id) {
            Some(rt) if !rt.display_name.is_empty() => rt.display_name.to_uppercase(),
            _ => id.to_uppercase(),
        }
    }
}
