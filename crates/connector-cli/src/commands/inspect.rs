//! `inspect`: what a `.c1z` file holds, ours or baton's, in the shapes of baton's inspector
//! (`baton resources -o json | jq '.resources[].resource.displayName'` works the same). The
//! questions are `c1z`'s ([`c1z::Snapshot`]); this module only renders the answers.

use std::collections::BTreeMap;
use std::io::Write;

use c1z::protojson;
use c1z::{C1zReader, EntitlementFilter, GrantFilter, Names, ResourceFilter, Snapshot, SyncRun};
use connector_sdk::{Entitlement, Resource, ResourceId, ResourceType};
use serde_json::{Value, json};

use crate::cli::{InspectArgs, InspectCommand};
use crate::error::{Error, Result};
use crate::output::{self, Table};
use crate::settings::standard::{OutputFormat, Settings};

/// One command's result in both shapes.
#[derive(Clone, Debug)]
pub struct View {
    /// For people: one or more tables, printed with a blank line between them.
    pub tables: Vec<Table>,
    /// For scripts.
    pub json: Value,
    /// What to print instead of an empty table.
    pub empty: &'static str,
}

impl View {
    /// Prints the view in `format`.
    pub fn print(&self, format: OutputFormat) -> Result<()> {
        match format {
            OutputFormat::Json => output::print_json(&self.json),
            OutputFormat::Table => output::print_tables(&self.tables, self.empty),
        }
    }
}

/// Runs the command on `settings.file`.
pub fn run(settings: &Settings, args: &InspectArgs) -> Result<()> {
    let reader = C1zReader::open(&settings.file)?;
    view(&reader, args)?.print(settings.output)
}

/// Computes what `args` asks for.
pub fn view(reader: &C1zReader, args: &InspectArgs) -> Result<View> {
    if let InspectCommand::Syncs = args.what {
        return Ok(syncs(&reader.syncs()?));
    }
    let snapshot = choose(reader, args.sync_id.as_deref())?;
    let s = &snapshot;
    match &args.what {
        InspectCommand::ResourceTypes => resource_types(s),
        InspectCommand::Resources { resource_type } => resources(s, resource_type.as_deref()),
        InspectCommand::Entitlements {
            resource_type,
            resource,
        } => entitlements(s, resource_type.as_deref(), resource.as_deref()),
        InspectCommand::Grants {
            resource_type,
            resource,
            entitlement,
        } => grants(
            s,
            resource_type.as_deref(),
            resource.as_deref(),
            entitlement.as_deref(),
        ),
        InspectCommand::Access { user } => access(s, user),
        InspectCommand::Members { entitlement } => members(s, entitlement),
        InspectCommand::Stats => stats(s),
        InspectCommand::Syncs => Ok(syncs(&reader.syncs()?)),
    }
}

/// The named sync, or the latest finished one; says on stderr when it is unfinished.
pub fn choose<'r>(reader: &'r C1zReader, sync_id: Option<&str>) -> Result<Snapshot<'r>> {
    let snapshot = reader.snapshot(sync_id)?;
    let run = snapshot.run();
    if !run.is_finished() {
        // A note, not an error: an interrupted sync's partial data is still worth a look.
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: sync {} has not finished (started {}); showing what it wrote so far",
            run.id,
            run.started_at
        );
    }
    Ok(snapshot)
}

fn syncs(runs: &[SyncRun]) -> View {
    let mut table = Table::new(["ID", "STARTED", "ENDED", "TYPE", "PARENT"]);
    let mut list = Vec::new();
    for run in runs {
        table.row([
            run.id.clone(),
            run.started_at.clone(),
            run.ended_at
                .clone()
                .unwrap_or_else(|| "(unfinished)".to_owned()),
            run.sync_type.clone(),
            run.parent_sync_id.clone(),
        ]);
        list.push(sync_json(run));
    }
    View {
        tables: vec![table],
        json: json!({ "syncs": list }),
        empty: "No syncs.",
    }
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

fn resource_types(s: &Snapshot<'_>) -> Result<View> {
    let mut table = Table::new(["ID", "DISPLAY NAME", "TRAITS"]);
    let mut list = Vec::new();
    for rt in s.resource_types()? {
        let traits: Vec<&str> = rt.traits.iter().map(|t| t.as_baton_str()).collect();
        table.row([rt.id.clone(), rt.display_name.clone(), traits.join(", ")]);
        list.push(json!({ "resourceType": protojson::resource_type(&rt) }));
    }
    Ok(View {
        tables: vec![table],
        json: json!({ "resourceTypes": list }),
        empty: "No resource types.",
    })
}

fn resources(s: &Snapshot<'_>, resource_type: Option<&str>) -> Result<View> {
    let types = Types::of(s)?;
    let mut names = Names::new(s);
    let mut rows = Vec::new();
    let mut list = Vec::new();
    let filter = ResourceFilter {
        resource_type: resource_type.map(str::to_owned),
        ..Default::default()
    };
    s.for_each_resource(filter, |r| {
        let parent = match &r.parent {
            Some(p) => names.get(p)?.cloned(),
            None => None,
        };
        let parent_label = match (&parent, &r.parent) {
            (Some(found), _) => resource_label(found),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        };
        rows.push([
            r.id.resource.clone(),
            r.display_name.clone(),
            r.id.resource_type.clone(),
            parent_label,
            login(&r).to_owned(),
        ]);
        let mut item = json!({
            "resource": protojson::resource(&r),
            "resourceType": types.json(&r.id.resource_type),
        });
        if let Some(parent) = parent {
            item["parent"] = protojson::resource(&parent);
        }
        list.push(item);
        Ok(())
    })?;
    // Principals are scanned by their email or login: the column appears when any row has one.
    let with_login = rows.iter().any(|r| !r[4].is_empty());
    let mut header = vec!["ID", "DISPLAY NAME", "RESOURCE TYPE", "PARENT"];
    if with_login {
        header.insert(2, "EMAIL");
    }
    let mut table = Table::new(header);
    for [id, name, rt, parent, email] in rows {
        match with_login {
            true => table.row([id, name, email, rt, parent]),
            false => table.row([id, name, rt, parent]),
        }
    }
    Ok(View {
        tables: vec![table],
        json: json!({ "resources": list }),
        empty: "No resources.",
    })
}

fn entitlements(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    resource: Option<&str>,
) -> Result<View> {
    let types = Types::of(s)?;
    let mut table = Table::new([
        "ID",
        "DISPLAY NAME",
        "RESOURCE TYPE",
        "RESOURCE",
        "PERMISSION",
    ]);
    let mut list = Vec::new();
    let filter = EntitlementFilter {
        resource_type: resource_type.map(str::to_owned),
        resource: resource_type
            .zip(resource)
            .map(|(t, r)| ResourceId::new(t, r)),
    };
    s.for_each_entitlement(filter, |e| {
        let on = &e.resource.id;
        if !matches(on, resource_type, resource) {
            return Ok(());
        }
        table.row([
            e.id.clone(),
            e.display_name.clone(),
            on.resource_type.clone(),
            resource_label(&e.resource),
            e.slug.clone(),
        ]);
        list.push(json!({
            "entitlement": protojson::entitlement(&e),
            "resource": protojson::resource(&e.resource),
            "resourceType": types.json(&on.resource_type),
        }));
        Ok(())
    })?;
    Ok(View {
        tables: vec![table],
        json: json!({ "entitlements": list }),
        empty: "No entitlements.",
    })
}

fn grants(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    resource: Option<&str>,
    entitlement: Option<&str>,
) -> Result<View> {
    let types = Types::of(s)?;
    let mut names = Names::new(s);
    let mut table = Table::new([
        "ID",
        "RESOURCE TYPE",
        "RESOURCE",
        "ENTITLEMENT",
        "PRINCIPAL",
    ]);
    let mut list = Vec::new();
    let filter = GrantFilter {
        entitlement_id: entitlement.map(str::to_owned),
        resource: resource_type
            .zip(resource)
            .map(|(t, r)| ResourceId::new(t, r)),
        ..Default::default()
    };
    s.for_each_grant(filter, |g| {
        let on = &g.entitlement.resource.id;
        if !matches(on, resource_type, resource)
            || entitlement.is_some_and(|e| g.entitlement.id != e)
        {
            return Ok(());
        }
        let principal = names.resource_or_id(&g.principal)?;
        let on_resource = names.resource_or_id(&g.entitlement.resource)?;
        table.row([
            g.id.clone(),
            on.resource_type.clone(),
            resource_label(&on_resource),
            g.entitlement.id.clone(),
            resource_label(&principal),
        ]);
        list.push(json!({
            "grant": protojson::grant(&g),
            "entitlement": protojson::entitlement(&g.entitlement),
            "resource": protojson::resource(&on_resource),
            "resourceType": types.json(&on.resource_type),
            "principal": protojson::resource(&principal),
        }));
        Ok(())
    })?;
    Ok(View {
        tables: vec![table],
        json: json!({ "grants": list }),
        empty: "No grants.",
    })
}

fn access(s: &Snapshot<'_>, who: &str) -> Result<View> {
    let principal = s.find_principal(who)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no principal with id or email {who:?} in sync {}: list them with `inspect resources`",
            s.id()
        ))
    })?;
    let types = Types::of(s)?;
    let mut table = Table::new(["RESOURCE TYPE", "RESOURCE", "ENTITLEMENTS"]);
    let mut list = Vec::new();
    for access in s.access(&principal.id)? {
        let on = &access.resource.id;
        let slugs: Vec<&str> = access
            .held
            .iter()
            .map(|(e, _)| entitlement_name(e))
            .collect();
        table.row([
            on.resource_type.clone(),
            resource_label(&access.resource),
            slugs.join(", "),
        ]);
        list.push(json!({
            "resource": protojson::resource(&access.resource),
            "resourceType": types.json(&on.resource_type),
            "entitlements": access.held.iter().map(|(e, _)| protojson::entitlement(e)).collect::<Vec<_>>(),
        }));
    }
    let json = json!({ "principal": protojson::resource(&principal), "access": list });
    Ok(View {
        tables: vec![table],
        json,
        empty: "This principal holds no entitlement.",
    })
}

fn members(s: &Snapshot<'_>, entitlement_id: &str) -> Result<View> {
    let entitlement = s.entitlement(entitlement_id)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no entitlement {entitlement_id:?} in sync {}: list them with `inspect entitlements`",
            s.id()
        ))
    })?;
    let mut table = Table::new(["PRINCIPAL TYPE", "PRINCIPAL", "DISPLAY NAME", "EMAIL"]);
    let mut list = Vec::new();
    for holder in s.holders(entitlement_id)? {
        let p = &holder.principal;
        table.row([
            p.id.resource_type.clone(),
            p.id.resource.clone(),
            p.display_name.clone(),
            login(p).to_owned(),
        ]);
        list.push(json!({ "principal": protojson::resource(p), "grantId": &holder.grant.id }));
    }
    let json = json!({ "entitlement": protojson::entitlement(&entitlement), "principals": list });
    Ok(View {
        tables: vec![table],
        json,
        empty: "Nobody holds this entitlement.",
    })
}

fn stats(s: &Snapshot<'_>) -> Result<View> {
    let per_type = s.stats()?;
    let mut table = Table::new(["RESOURCE TYPE", "RESOURCES", "ENTITLEMENTS", "GRANTS"]);
    let mut totals = [0u64; 3];
    let mut types = serde_json::Map::new();
    for (rt, c) in &per_type {
        let counts = [c.resources, c.entitlements, c.grants];
        table.row(std::iter::once(rt.clone()).chain(counts.iter().map(u64::to_string)));
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
        types.insert(
            rt.clone(),
            json!({ "resources": c.resources, "entitlements": c.entitlements, "grants": c.grants }),
        );
    }
    table.row(std::iter::once("total".to_owned()).chain(totals.iter().map(u64::to_string)));
    let run = s.run();
    let json = json!({
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
        run.ended_at
            .clone()
            .unwrap_or_else(|| "(unfinished)".to_owned()),
    ]);
    Ok(View {
        tables: vec![header, table],
        json,
        empty: "Empty sync.",
    })
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
}

/// `type:id (name)` when the name is known and differs from the id.
fn resource_label(r: &Resource) -> String {
    match r.display_name.is_empty() || r.display_name == r.id.resource {
        true => r.id.to_string(),
        false => format!("{} ({})", r.id, r.display_name),
    }
}

/// A principal's primary email, else its login (empty for non-principals).
fn login(r: &Resource) -> &str {
    let Some(t) = r.user_trait() else {
        return "";
    };
    t.primary_email().unwrap_or(&t.login)
}

fn matches(on: &ResourceId, resource_type: Option<&str>, resource: Option<&str>) -> bool {
    resource_type.is_none_or(|t| on.resource_type == t) && resource.is_none_or(|r| on.resource == r)
}

fn entitlement_name(e: &Entitlement) -> &str {
    match (e.slug.is_empty(), e.display_name.is_empty()) {
        (false, _) => &e.slug,
        (true, false) => &e.display_name,
        (true, true) => &e.id,
    }
}
