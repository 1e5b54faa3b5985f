//! `inspect`: what a `.c1z` file holds, ours or baton's, in the shapes of baton's inspector
//! (`baton resources -o json | jq '.resources[].resource.displayName'` works the same), as CSV
//! and JSON Lines, and as the review view. The questions are `c1z`'s ([`c1z::Snapshot`]); this
//! module names what the arguments name and renders the answers, row by row.
//!
//! Every filter names something in the file or is an error that says what exists: an empty
//! answer always means nothing matches, never a typo.

use std::collections::BTreeMap;

use c1z::protojson;
use c1z::{Attributes, C1zReader, Kind, Snapshot, SyncRun};
use connector_sdk::{Resource, ResourceType, Trait};
use serde_json::{Value, json};

use crate::cli::{InspectArgs, InspectCommand};
use crate::commands::provenance;
use crate::error::Result;
use crate::output::{Cell, Column, Listing, note};
use crate::program::About;
use crate::settings::standard::{OutputFormat, Settings};

mod access;
mod listings;
mod review;

use access::{access, members};
pub(crate) use listings::{Invitation, accesses, creator};
use listings::{entitlements, grants, resource_types, resources, stats};
use review::review;

/// Runs the command on `settings.file`.
pub fn run(about: &About, settings: &Settings, args: &InspectArgs) -> Result<()> {
    let reader = super::open(settings, &settings.file)?;
    print(about, &reader, args, settings.output)
}

/// Prints what `args` asks of the file `reader` reads, in `format`, on stdout; JSON outputs
/// name `about` as the connector in their `provenance`.
pub fn print(
    about: &About,
    reader: &C1zReader,
    args: &InspectArgs,
    format: OutputFormat,
) -> Result<()> {
    match &args.what {
        InspectCommand::Syncs => return syncs(&reader.syncs()?, format),
        // Events are the file's, not one sync's.
        InspectCommand::Events(filters) => return super::events::list(reader, filters, format),
        _ => {}
    }
    let snapshot = choose(reader, args.sync_id.as_deref())?;
    provenance::announce(&snapshot);
    let out = Out { format, about };
    let s = &snapshot;
    match &args.what {
        InspectCommand::ResourceTypes => resource_types(s, &out),
        InspectCommand::Resources {
            resource_type,
            credentials,
        } => resources(s, resource_type.as_deref(), credentials, &out),
        InspectCommand::Entitlements {
            resource_type,
            resource,
        } => entitlements(s, resource_type.as_deref(), resource.as_deref(), &out),
        InspectCommand::Grants {
            resource_type,
            resource,
            entitlement,
        } => grants(
            s,
            resource_type.as_deref(),
            resource.as_deref(),
            entitlement.as_deref(),
            &out,
        ),
        InspectCommand::Access { user } => access(s, user, &out),
        InspectCommand::Members { entitlement } => members(s, entitlement, &out),
        InspectCommand::Review(filters) => review(s, filters, &out),
        InspectCommand::Stats => stats(s, &out),
        InspectCommand::Syncs => syncs(&reader.syncs()?, format),
        InspectCommand::Events(filters) => super::events::list(reader, filters, format),
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

/// How listings of one sync are printed: the format, and the connector their JSON's
/// `provenance` names.
struct Out<'a> {
    format: OutputFormat,
    about: &'a About,
}

impl Out<'_> {
    /// A listing of `columns` of sync `s`: CSV and JSON Lines rows end with its id and time,
    /// JSON starts with its `provenance`.
    fn listing<I, C>(&self, s: &Snapshot<'_>, columns: I, json_key: &str) -> Result<Listing>
    where
        I: IntoIterator<Item = C>,
        C: Into<Column>,
    {
        let listing = Listing::new(self.format, columns, json_key)
            .provenance(s.id(), &provenance::as_of(s.run()));
        Ok(match self.format {
            OutputFormat::Json => {
                listing.json_field("provenance", provenance::json(self.about, s)?)
            }
            _ => listing,
        })
    }
}

fn syncs(runs: &[SyncRun], format: OutputFormat) -> Result<()> {
    let mut listing = Listing::new(
        format,
        [
            Column::from("ID"),
            Column::from("STARTED"),
            Column::from("ENDED"),
            Column::from("TYPE"),
            Column::from("PARENT"),
            // As every export's rows: the sync a row is of, and as of when.
            Column::hidden("sync_id"),
            Column::hidden("as_of"),
        ],
        "syncs",
    );
    for run in runs {
        let cells = vec![
            Cell::from(&run.id),
            Cell::from(&run.started_at),
            Cell::from(ended(run)),
            Cell::from(&run.sync_type),
            Cell::from(&run.parent_sync_id),
            Cell::from(&run.id),
            Cell::from(provenance::as_of(run)),
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

/// The columns of a person: what kind of principal, email, MFA, SSO, account status.
const PERSON: [&str; 5] = ["TYPE", "EMAIL", "MFA", "SSO", "STATUS"];

/// The [`PERSON`] columns, with what a narrow table leaves out first (SSO and status, then
/// the type, then the email; MFA stays). TYPE came after the others: CSV puts it after the
/// listing's first columns ([`Column::added`]).
/// The principal `named` resolves to, for reading: by id, email or login, or else by display
/// name, which its holder chooses, and which a note on stderr then says, naming whom it matched
/// (a member who renamed themselves `cfo@acme.example` is not the CFO). Writes never resolve a
/// display name (`c1z::Snapshot::principal_for_change`).
fn principal_for_reading(s: &Snapshot<'_>, named: &str) -> Result<Resource> {
    let principal = s.principal_named(named)?;
    if s.found_by_chosen_name(&principal, named)? {
        let id = &principal.id;
        let email = principal
            .user_trait()
            .and_then(|u| u.emails.first())
            .map(|e| format!(", {}", e.address))
            .unwrap_or_default();
        note(&format!(
            "{named:?} matched {}:{} ({}{email}) by its display name, which its holder \
             chooses: name a person by email or id where it matters",
            id.resource_type, id.resource, principal.display_name
        ));
    }
    Ok(principal)
}

fn person_columns() -> [Column; 5] {
    let priorities = [3, 1, 0, 4, 4];
    std::array::from_fn(|i| {
        let column = Column::from(PERSON[i]).optional(priorities[i]);
        match i {
            0 => column.added(),
            _ => column,
        }
    })
}

/// A person's cells under [`PERSON`]; empty for a resource that is not a person.
fn person_cells(r: &Resource, types: &Types) -> Vec<Cell> {
    match Attributes::of(r) {
        Some(a) => vec![
            Cell::from(types.kind(r).map(Kind::as_str).unwrap_or("")),
            Cell::from(a.email),
            Cell::from(a.mfa),
            Cell::from(a.sso),
            Cell::from(a.status.unwrap_or("unknown")),
        ],
        None => vec![Cell::from(""); PERSON.len()],
    }
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

    /// The kind of principal `r` is, when it is one (the user trait).
    fn kind(&self, r: &Resource) -> Option<Kind> {
        let rt = self.0.get(&r.id.resource_type);
        let user = r.has_trait(Trait::User) || rt.is_some_and(|t| t.traits.contains(&Trait::User));
        if !user {
            return None;
        }
        Some(Kind::of(r, rt))
    }

    /// Whether type `id` holds invitations (by its name).
    fn is_invitation(&self, id: &str) -> bool {
        Kind::is_invitation_type(id, self.0.get(id))
    }

    /// The name of type `id` in a cell: its display name in lower case (`team`), else its id.
    fn name(&self, id: &str) -> String {
        match self.0.get(id) {
            Some(rt) if !rt.display_name.is_empty() => rt.display_name.to_lowercase(),
            _ => id.to_owned(),
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
