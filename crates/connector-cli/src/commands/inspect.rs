//! `inspect`: what a `.c1z` file holds, ours or baton's, in the shapes of baton's inspector
//! (`baton resources -o json | jq '.resources[].resource.displayName'` works the same), as CSV
//! and JSON Lines, and as the review view. The questions are `c1z`'s ([`c1z::Snapshot`]); this
//! module names what the arguments name and renders the answers, row by row.
//!
//! Every filter names something in the file or is an error that says what exists: an empty
//! answer always means nothing matches, never a typo.

use std::collections::{BTreeMap, BTreeSet};

use c1z::protojson;
use c1z::{
    Attributes, C1zReader, EntitlementFilter, GrantFilter, Held, Kind, Lifetime, Names, Paths,
    ResourceFilter, ReviewRow, Snapshot, SyncRun, created_by, date_or_never, entitlement_name,
    grouped, label, profile_text, qualified, short_name,
};
use connector_sdk::{Resource, ResourceType, Timestamp, Trait};
use serde_json::{Value, json};

use crate::cli::{CredentialFilters, InspectArgs, InspectCommand, ReviewArgs};
use crate::commands::provenance;
use crate::error::{Error, Result};
use crate::output::{Cell, Column, Listing, Table, note};
use crate::program::About;
use crate::settings::standard::{OutputFormat, Settings};

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

fn resource_types(s: &Snapshot<'_>, out: &Out<'_>) -> Result<()> {
    let mut listing = out.listing(s, ["ID", "DISPLAY NAME", "TRAITS"], "resourceTypes")?;
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

/// The columns of a person: what kind of principal, email, MFA, SSO, account status.
const PERSON: [&str; 5] = ["TYPE", "EMAIL", "MFA", "SSO", "STATUS"];

/// The [`PERSON`] columns, with what a narrow table leaves out first (SSO and status, then
/// the type, then the email; MFA stays).
fn person_columns() -> [Column; 5] {
    let priorities = [3, 1, 0, 4, 4];
    std::array::from_fn(|i| Column::from(PERSON[i]).optional(priorities[i]))
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

fn resources(
    s: &Snapshot<'_>,
    resource_type: Option<&str>,
    credentials: &CredentialFilters,
    out: &Out<'_>,
) -> Result<()> {
    let types = Types::of(s)?;
    let only = resource_type
        .map(|t| s.resource_type_named(t))
        .transpose()?;
    // Listings of people show their security attributes, of credentials their creator, dates
    // and accesses, of invitations their role, sender and expiry; the columns depend on the
    // types listed, never on the rows, so a CSV's columns are the same from one sync to the
    // next.
    let listed = |t: Trait| match &only {
        Some(rt) => rt.traits.contains(&t),
        None => types.0.values().any(|rt| rt.traits.contains(&t)),
    };
    let invitations = match &only {
        Some(rt) => types.is_invitation(&rt.id),
        None => types.0.keys().any(|t| types.is_invitation(t)),
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
    let now = Timestamp::from_unix(jiff::Timestamp::now().as_second(), 0);
    let cutoff = credentials.unused_days.map(|days| {
        Timestamp::from_unix(
            now.seconds
                .saturating_sub(days.saturating_mul(86_400) as i64),
            0,
        )
    });
    let mut columns = vec![Column::from("ID"), Column::from("DISPLAY NAME")];
    if people {
        columns.extend(person_columns());
    }
    if secrets {
        columns.extend([
            Column::from("CREATOR").optional(2),
            Column::from("EXPIRES"),
            Column::from("LAST USED").optional(1),
            Column::from("ACCESSES").optional(2),
        ]);
    }
    if invitations {
        columns.extend([
            Column::from("ROLE"),
            Column::from("INVITER").optional(2),
            Column::keyed("INVITATION EXPIRES", "invitation_expires").optional(1),
            Column::from("STATE"),
        ]);
    }
    columns.extend([
        Column::from("RESOURCE TYPE").optional(1),
        Column::from("PARENT").optional(1),
    ]);
    let mut listing = out.listing(s, columns, "resources")?;
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
            cells.extend(person_cells(&r, &types));
        }
        if secrets {
            cells.extend(match lifetime {
                Some(l) => {
                    let creator = creator(&r, &mut names)?;
                    let accesses = accesses(s, &r.id)?;
                    vec![
                        Cell::from(creator),
                        Cell::from(date_or_never(l.expires_at)),
                        Cell::from(date_or_never(l.last_used_at)),
                        Cell::from(accesses),
                    ]
                }
                None => vec![Cell::from(""); 4],
            });
        }
        if invitations {
            cells.extend(match types.is_invitation(&r.id.resource_type) {
                true => {
                    let invitation = Invitation::of(&r, now);
                    vec![
                        Cell::from(invitation.role),
                        Cell::from(invitation.inviter),
                        Cell::from(invitation.expires),
                        Cell::from(invitation.state),
                    ]
                }
                false => vec![Cell::from(""); 4],
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

/// Who made a credential: the secret trait's creator by name, else the profile's
/// `actor_display_name`.
pub(crate) fn creator(r: &Resource, names: &mut Names<'_, '_>) -> Result<String> {
    Ok(match created_by(r) {
        Some(id) => short_name(&names.resource_of(id)?),
        None => profile_text(r, "actor_display_name")
            .unwrap_or_default()
            .to_owned(),
    })
}

/// What a principal may do, one line per resource: `orders: read_branch, connect_branch`.
pub(crate) fn accesses(
    s: &Snapshot<'_>,
    principal: &connector_sdk::ResourceId,
) -> Result<Vec<String>> {
    Ok(s.access(principal)?
        .iter()
        .map(|a| {
            let slugs: Vec<&str> = a.held.iter().map(|(e, _)| entitlement_name(e)).collect();
            format!("{}: {}", short_name(&a.resource), slugs.join(", "))
        })
        .collect())
}

/// An invitation as listings show it: the role it grants, who sent it, when it expires, and
/// whether it is `pending` or `expired` — from its profile (`role`, `sender` or
/// `sender_email`, `expires_at`, `expired`) and its status.
pub(crate) struct Invitation {
    pub(crate) role: String,
    pub(crate) inviter: String,
    pub(crate) expires: String,
    pub(crate) state: &'static str,
}

impl Invitation {
    pub(crate) fn of(r: &Resource, now: Timestamp) -> Invitation {
        let expires_at = profile_text(r, "expires_at").unwrap_or_default();
        let past = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.fZ", expires_at)
            .ok()
            .or_else(|| expires_at.parse::<jiff::Timestamp>().ok())
            .is_some_and(|t| t.as_second() < now.seconds);
        let said = r
            .profile
            .as_ref()
            .and_then(|p| p.get("expired"))
            .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
        let status = r
            .user_trait()
            .and_then(|t| t.status.as_ref())
            .is_some_and(|st| st.details.contains("expired"));
        Invitation {
            role: profile_text(r, "role").unwrap_or_default().to_owned(),
            inviter: profile_text(r, "sender")
                .or(profile_text(r, "sender_email"))
                .unwrap_or_default()
                .to_owned(),
            expires: expires_at.chars().take(10).collect(),
            state: match said || status || past {
                true => "EXPIRED",
                false => "pending",
            },
        }
    }
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
    out: &Out<'_>,
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
    let mut listing = out.listing(s, columns, "entitlements")?;
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
    out: &Out<'_>,
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
    let mut listing = out.listing(s, columns, "grants")?;
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

fn access(s: &Snapshot<'_>, who: &str, out: &Out<'_>) -> Result<()> {
    let principal = s.principal_named(who)?;
    let types = Types::of(s)?;
    let mut paths = Paths::new(s);
    let mut names = Names::new(s);
    // Who gave each entitlement gained since the previous sync, when the file keeps an audit log.
    let audit = super::events::access_audit(s, &principal.id)?;
    let columns = ["RESOURCE TYPE", "RESOURCE", "ENTITLEMENTS"]
        .into_iter()
        .chain(audit.as_ref().map(|_| "AUDIT"));
    let mut listing = out
        .listing(s, columns, "access")?
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
        // A team or a database named with its organization: `acme/orders (database:d1)`.
        let resource = match &access.resource.parent {
            Some(p) => {
                let parent = names.resource_of(p)?;
                format!(
                    "{} ({})",
                    qualified(&access.resource, Some(&parent)),
                    access.resource.id
                )
            }
            None => label(&access.resource),
        };
        let mut cells = vec![
            Cell::from(&on.resource_type),
            Cell::from(resource),
            Cell::from(described),
        ];
        let said = audit
            .as_ref()
            .map(|a| a.get(on).cloned().unwrap_or_default());
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
    listing.finish("This principal holds no entitlement.")
}

fn members(s: &Snapshot<'_>, name: &str, out: &Out<'_>) -> Result<()> {
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
        cells.extend(person_cells(p, &types));
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

fn review(s: &Snapshot<'_>, filters: &ReviewArgs, out: &Out<'_>) -> Result<()> {
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
    let types = Types::of(s)?;
    check_roles(s, &filters.role)?;
    let kinds = filters.kinds();
    let staff = crate::staff::load(
        filters.staff.staff.as_deref(),
        &filters.staff.internal_domains,
    )?;
    // What a narrow table leaves out first: the count of organizations, then SSO and
    // status, then the type, then groups; never who, their roles, MFA or access. The first
    // column is named after the type of the first row's top-level resource (organization).
    let columns = |scope_title: String| {
        let mut columns = vec![
            Column::keyed(scope_title, "resource").optional(1),
            Column::hidden("resource_id"),
            Column::hidden("principal_id"),
            Column::from("NAME"),
            Column::from("TYPE").optional(3),
            Column::from("EMAIL").optional(1),
            Column::from("ROLES"),
            Column::from("MFA"),
            Column::from("SSO").optional(4),
            Column::from("STATUS").optional(4),
            Column::from("GROUPS").optional(2),
            Column::from("ACCESS"),
            Column::keyed("IN", "resources").optional(5),
        ];
        if staff.is_some() {
            columns.push(Column::from("STAFF"));
        }
        columns
    };
    let mut listing: Option<Listing> = None;
    s.for_each_review_row(|row| {
        let kind = types.kind(&row.principal).unwrap_or(Kind::Human);
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
            Cell::from(short_name(&row.scope)),
            Cell::from(row.scope.id.to_string()),
            Cell::from(row.principal.id.to_string()),
            Cell::from(short_name(&row.principal)),
            Cell::from(kind.as_str()),
            Cell::from(&a.email),
            Cell::from(row.roles.iter().map(Held::describe).collect::<Vec<_>>()),
            Cell::from(a.mfa),
            Cell::from(a.sso),
            Cell::from(a.status.unwrap_or("unknown")),
            Cell::from(groups),
            Cell::from(grouped(&row.access)),
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
        listing.push(cells, || {
            let mut item = review_json(&row, kind);
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

fn review_json(row: &ReviewRow, kind: Kind) -> Value {
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

fn stats(s: &Snapshot<'_>, out: &Out<'_>) -> Result<()> {
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
    let provenance = match out.format {
        OutputFormat::Json => provenance::json(out.about, s)?,
        _ => Value::Null,
    };
    let document = json!({
        "provenance": provenance,
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
    let mut listing = out
        .listing(s, columns, "resourceTypes")?
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

    /// The kind of principal `r` is, when it is one (the user trait).
    fn kind(&self, r: &Resource) -> Option<Kind> {
        let rt = self.0.get(&r.id.resource_type);
        let user = r.has_trait(Trait::User) || rt.is_some_and(|t| t.traits.contains(&Trait::User));
        if !user {
            return None;
        }
        let names = match rt {
            Some(rt) => vec![rt.id.as_str(), rt.display_name.as_str()],
            None => vec![r.id.resource_type.as_str()],
        };
        Some(Kind::of(r, &names))
    }

    /// Whether type `id` holds invitations (by its name).
    fn is_invitation(&self, id: &str) -> bool {
        let names = match self.0.get(id) {
            Some(rt) => vec![rt.id.as_str(), rt.display_name.as_str()],
            None => vec![id],
        };
        Kind::of(&Resource::default(), &names) == Kind::Invitation
    }

    /// A column title for resources of type `id`: its display name in capitals.
    fn title(&self, id: &str) -> String {
        match self.0.get(id) {
            Some(rt) if !rt.display_name.is_empty() => rt.display_name.to_uppercase(),
            _ => id.to_uppercase(),
        }
    }
}
