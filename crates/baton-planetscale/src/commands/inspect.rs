//! `inspect`: what a `.c1z` file holds, ours or baton's, in the shapes of baton's inspector
//! (`baton resources -o json | jq '.resources[].resource.displayName'` works the same).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use c1z::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter, SyncRun};
use connector_sdk::{Entitlement, Grant, Resource, ResourceId, ResourceType};
use serde_json::{Value, json};

use crate::cli::{InspectArgs, InspectCommand, OutputFormat};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::output::{self, Table};
use crate::protojson;

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

/// Runs the command on `settings.file`.
pub fn run(settings: &Settings, args: &InspectArgs) -> Result<()> {
    let reader = C1zReader::open(&settings.file)?;
    let view = view(&reader, args)?;
    match settings.output {
        OutputFormat::Json => output::print_json(&view.json),
        OutputFormat::Table => match view.tables.iter().all(Table::is_empty) {
            true => output::print(&format!("{}\n", view.empty)),
            false => {
                let rendered: Vec<String> = view.tables.iter().map(Table::render).collect();
                output::print(&rendered.join("\n"))
            }
        },
    }
}

/// Computes what `args` asks for.
pub fn view(reader: &C1zReader, args: &InspectArgs) -> Result<View> {
    if let InspectCommand::Syncs = args.what {
        return Ok(syncs(&reader.syncs()?));
    }
    let sync = choose_sync(reader, args.sync_id.as_deref())?;
    let data = Data {
        reader,
        sync: &sync,
    };
    match &args.what {
        InspectCommand::ResourceTypes => data.resource_types(),
        InspectCommand::Resources { resource_type } => data.resources(resource_type.as_deref()),
        InspectCommand::Entitlements {
            resource_type,
            resource,
        } => data.entitlements(resource_type.as_deref(), resource.as_deref()),
        InspectCommand::Grants {
            resource_type,
            resource,
            entitlement,
        } => data.grants(
            resource_type.as_deref(),
            resource.as_deref(),
            entitlement.as_deref(),
        ),
        InspectCommand::Access { user } => data.access(user),
        InspectCommand::Members { entitlement } => data.members(entitlement),
        InspectCommand::Stats => data.stats(),
        InspectCommand::Syncs => Ok(syncs(&reader.syncs()?)),
    }
}

/// The named sync, or the latest finished one; says on stderr when it is unfinished.
pub fn choose_sync(reader: &C1zReader, sync_id: Option<&str>) -> Result<SyncRun> {
    let sync = match sync_id {
        Some(id) => reader.sync(id)?,
        None => reader.latest_sync()?,
    };
    if !sync.is_finished() {
        // A note, not an error: an interrupted sync's partial data is still worth a look.
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: sync {} has not finished (started {}); showing what it wrote so far",
            sync.id,
            sync.started_at
        );
    }
    Ok(sync)
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

/// Reads one sync's rows.
struct Data<'a> {
    reader: &'a C1zReader,
    sync: &'a SyncRun,
}

impl Data<'_> {
    fn types(&self) -> Result<Vec<ResourceType>> {
        Ok(self.reader.resource_types(&self.sync.id)?)
    }

    fn all_resources(&self) -> Result<Vec<Resource>> {
        Ok(self
            .reader
            .resources(&self.sync.id, ResourceFilter::default())?)
    }

    fn all_entitlements(&self) -> Result<Vec<Entitlement>> {
        Ok(self
            .reader
            .entitlements(&self.sync.id, EntitlementFilter::default())?)
    }

    fn all_grants(&self) -> Result<Vec<Grant>> {
        Ok(self.reader.grants(&self.sync.id, GrantFilter::default())?)
    }

    fn resource_types(&self) -> Result<View> {
        let mut table = Table::new(["ID", "DISPLAY NAME", "TRAITS"]);
        let mut list = Vec::new();
        for rt in self.types()? {
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

    fn resources(&self, resource_type: Option<&str>) -> Result<View> {
        let types = by_id(self.types()?);
        let all = self.all_resources()?;
        let names = names(&all);
        let mut table = Table::new(["ID", "DISPLAY NAME", "RESOURCE TYPE", "PARENT"]);
        let mut list = Vec::new();
        // Parents may be of another type, so every resource is read for their names.
        for r in all
            .iter()
            .filter(|r| resource_type.is_none_or(|t| r.id.resource_type == t))
        {
            let parent = r
                .parent
                .as_ref()
                .map(|p| label(p, &names))
                .unwrap_or_default();
            table.row([
                r.id.resource.clone(),
                r.display_name.clone(),
                r.id.resource_type.clone(),
                parent,
            ]);
            let mut item = json!({
                "resource": protojson::resource(r),
                "resourceType": type_json(&types, &r.id.resource_type),
            });
            if let Some(parent) = r.parent.as_ref().and_then(|p| names.get(p)) {
                item["parent"] = protojson::resource(parent);
            }
            list.push(item);
        }
        Ok(View {
            tables: vec![table],
            json: json!({ "resources": list }),
            empty: "No resources.",
        })
    }

    fn entitlements(&self, resource_type: Option<&str>, resource: Option<&str>) -> Result<View> {
        let types = by_id(self.types()?);
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
            ..Default::default()
        };
        for e in self.reader.entitlements(&self.sync.id, filter)? {
            let on = &e.resource.id;
            if !matches(on, resource_type, resource) {
                continue;
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
                "resourceType": type_json(&types, &on.resource_type),
            }));
        }
        Ok(View {
            tables: vec![table],
            json: json!({ "entitlements": list }),
            empty: "No entitlements.",
        })
    }

    fn grants(
        &self,
        resource_type: Option<&str>,
        resource: Option<&str>,
        entitlement: Option<&str>,
    ) -> Result<View> {
        let types = by_id(self.types()?);
        let resources = self.all_resources()?;
        let names = names(&resources);
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
        for g in self.reader.grants(&self.sync.id, filter)? {
            let on = &g.entitlement.resource.id;
            if !matches(on, resource_type, resource)
                || entitlement.is_some_and(|e| g.entitlement.id != e)
            {
                continue;
            }
            table.row([
                g.id.clone(),
                on.resource_type.clone(),
                label(on, &names),
                g.entitlement.id.clone(),
                label(&g.principal.id, &names),
            ]);
            let principal = names.get(&g.principal.id).copied().unwrap_or(&g.principal);
            let on_resource = names.get(on).copied().unwrap_or(&g.entitlement.resource);
            list.push(json!({
                "grant": protojson::grant(&g),
                "entitlement": protojson::entitlement(&g.entitlement),
                "resource": protojson::resource(on_resource),
                "resourceType": type_json(&types, &on.resource_type),
                "principal": protojson::resource(principal),
            }));
        }
        Ok(View {
            tables: vec![table],
            json: json!({ "grants": list }),
            empty: "No grants.",
        })
    }

    fn access(&self, who: &str) -> Result<View> {
        let resources = self.all_resources()?;
        let principal = find_principal(&resources, who).ok_or_else(|| {
            Error::NotFound(format!(
                "no user with id or email {who:?} in sync {}: list them with `inspect resources -t user`",
                self.sync.id
            ))
        })?;
        let names = names(&resources);
        let entitlements: HashMap<String, Entitlement> = self
            .all_entitlements()?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let mut held: BTreeMap<ResourceId, Vec<&Entitlement>> = BTreeMap::new();
        let filter = GrantFilter {
            principal: Some(principal.id.clone()),
            ..Default::default()
        };
        let grants = self.reader.grants(&self.sync.id, filter)?;
        for g in grants.iter().filter(|g| g.principal.id == principal.id) {
            let e = entitlements
                .get(&g.entitlement.id)
                .unwrap_or(&g.entitlement);
            held.entry(g.entitlement.resource.id.clone())
                .or_default()
                .push(e);
        }
        let types = by_id(self.types()?);
        let mut table = Table::new(["RESOURCE TYPE", "RESOURCE", "ENTITLEMENTS"]);
        let mut list = Vec::new();
        for (on, ents) in &held {
            let slugs: Vec<&str> = ents.iter().map(|e| entitlement_name(e)).collect();
            table.row([
                on.resource_type.clone(),
                label(on, &names),
                slugs.join(", "),
            ]);
            let on_resource = names.get(on).copied();
            list.push(json!({
                "resource": on_resource.map(protojson::resource).unwrap_or_else(|| json!({"id": protojson::resource_id(on)})),
                "resourceType": type_json(&types, &on.resource_type),
                "entitlements": ents.iter().map(|e| protojson::entitlement(e)).collect::<Vec<_>>(),
            }));
        }
        let json = json!({ "principal": protojson::resource(principal), "access": list });
        Ok(View {
            tables: vec![table],
            json,
            empty: "This user holds no entitlement.",
        })
    }

    fn members(&self, entitlement_id: &str) -> Result<View> {
        let entitlement = self
            .all_entitlements()?
            .into_iter()
            .find(|e| e.id == entitlement_id)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no entitlement {entitlement_id:?} in sync {}: list them with `inspect entitlements`",
                    self.sync.id
                ))
            })?;
        let resources = self.all_resources()?;
        let names = names(&resources);
        let mut table = Table::new(["PRINCIPAL TYPE", "PRINCIPAL", "DISPLAY NAME", "EMAIL"]);
        let mut list = Vec::new();
        let filter = GrantFilter {
            entitlement_id: Some(entitlement_id.to_owned()),
            ..Default::default()
        };
        for g in self.reader.grants(&self.sync.id, filter)? {
            let principal = names.get(&g.principal.id).copied().unwrap_or(&g.principal);
            let email = principal
                .user_trait()
                .and_then(|t| t.primary_email())
                .unwrap_or_default();
            table.row([
                principal.id.resource_type.clone(),
                principal.id.resource.clone(),
                principal.display_name.clone(),
                email.to_owned(),
            ]);
            list.push(json!({ "principal": protojson::resource(principal), "grantId": &g.id }));
        }
        let json =
            json!({ "entitlement": protojson::entitlement(&entitlement), "principals": list });
        Ok(View {
            tables: vec![table],
            json,
            empty: "Nobody holds this entitlement.",
        })
    }

    fn stats(&self) -> Result<View> {
        let mut per_type: BTreeMap<String, [u64; 3]> =
            self.types()?.into_iter().map(|t| (t.id, [0; 3])).collect();
        for r in self.all_resources()? {
            per_type.entry(r.id.resource_type).or_default()[0] += 1;
        }
        for e in self.all_entitlements()? {
            per_type.entry(e.resource.id.resource_type).or_default()[1] += 1;
        }
        for g in self.all_grants()? {
            per_type
                .entry(g.entitlement.resource.id.resource_type)
                .or_default()[2] += 1;
        }
        let mut table = Table::new(["RESOURCE TYPE", "RESOURCES", "ENTITLEMENTS", "GRANTS"]);
        let mut totals = [0u64; 3];
        let mut types = serde_json::Map::new();
        for (rt, counts) in &per_type {
            table.row([
                rt.clone(),
                counts[0].to_string(),
                counts[1].to_string(),
                counts[2].to_string(),
            ]);
            for i in 0..3 {
                totals[i] += counts[i];
            }
            types.insert(
                rt.clone(),
                json!({ "resources": counts[0], "entitlements": counts[1], "grants": counts[2] }),
            );
        }
        table.row([
            "total".to_owned(),
            totals[0].to_string(),
            totals[1].to_string(),
            totals[2].to_string(),
        ]);
        let json = json!({
            "sync": sync_json(self.sync),
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
            self.sync.id.clone(),
            self.sync.sync_type.clone(),
            self.sync.started_at.clone(),
            self.sync
                .ended_at
                .clone()
                .unwrap_or_else(|| "(unfinished)".to_owned()),
        ]);
        Ok(View {
            tables: vec![header, table],
            json,
            empty: "Empty sync.",
        })
    }
}

fn by_id(types: Vec<ResourceType>) -> HashMap<String, ResourceType> {
    types.into_iter().map(|t| (t.id.clone(), t)).collect()
}

fn type_json(types: &HashMap<String, ResourceType>, id: &str) -> Value {
    match types.get(id) {
        Some(rt) => protojson::resource_type(rt),
        None => json!({ "id": id }),
    }
}

fn names(resources: &[Resource]) -> HashMap<&ResourceId, &Resource> {
    resources.iter().map(|r| (&r.id, r)).collect()
}

/// `type:id (name)` when the name is known and differs from the id.
fn label(id: &ResourceId, names: &HashMap<&ResourceId, &Resource>) -> String {
    match names.get(id) {
        Some(r) => resource_label(r),
        None => id.to_string(),
    }
}

fn resource_label(r: &Resource) -> String {
    match r.display_name.is_empty() || r.display_name == r.id.resource {
        true => r.id.to_string(),
        false => format!("{} ({})", r.id, r.display_name),
    }
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

/// The principal whose id is `who`, or the user whose email is `who` (case-insensitively).
/// Users win over other types with the same id.
fn find_principal<'a>(resources: &'a [Resource], who: &str) -> Option<&'a Resource> {
    let by_id = resources.iter().filter(|r| r.id.resource == who);
    let by_id = by_id.max_by_key(|r| r.user_trait().is_some());
    by_id.or_else(|| {
        resources.iter().find(|r| {
            r.user_trait()
                .is_some_and(|t| t.emails.iter().any(|e| e.address.eq_ignore_ascii_case(who)))
        })
    })
}
