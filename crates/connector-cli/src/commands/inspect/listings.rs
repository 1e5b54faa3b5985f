//! The listings of baton's inspector: resource types, resources (with the credentials' own
//! columns), entitlements, grants, and the sync's counts.

use c1z::protojson;
use c1z::{
    EntitlementFilter, GrantFilter, Lifetime, Names, ResourceFilter, Snapshot, created_by,
    date_or_never, entitlement_name, label, profile_text, short_name,
};
use connector_sdk::{Resource, ResourceType, Timestamp, Trait};
use serde_json::{Value, json};

use crate::cli::CredentialFilters;
use crate::commands::provenance;
use crate::error::{Error, Result};
use crate::output::{Cell, Column, Table};
use crate::settings::standard::OutputFormat;

use super::{Out, Types, ended, person_cells, person_columns, sync_json};

pub(super) fn resource_types(s: &Snapshot<'_>, out: &Out<'_>) -> Result<()> {
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

/// The priority of a column a narrow table leaves out before any other: one that says nothing
/// in this listing.
const SAYS_NOTHING: u8 = 9;

pub(super) fn resources(
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
    // A listing of only tokens or only invitations (`-t`): their email, MFA, SSO and status
    // say nothing (unknown, or the name again), and their type is the same on every row, so a
    // narrow table leaves those out before what the README promises for them: creator,
    // expiry, last use and accesses; role, sender, expiry and whether it expired.
    let credentials_only = only
        .as_ref()
        .is_some_and(|rt| rt.traits.contains(&Trait::Secret) || types.is_invitation(&rt.id));
    let mut columns = vec![Column::from("ID"), Column::from("DISPLAY NAME")];
    if people {
        columns.extend(person_columns().map(|c| match credentials_only {
            true => c.optional(SAYS_NOTHING),
            false => c,
        }));
    }
    // The columns added since the first CSV go after the first ones in CSV (Column::added).
    if secrets {
        columns.extend([
            Column::from("CREATOR").optional(2).added(),
            Column::from("EXPIRES"),
            Column::from("LAST USED").optional(1),
            Column::from("ACCESSES").optional(2).added(),
        ]);
    }
    if invitations {
        // Beside a token's EXPIRES, an invitation's says whose it is.
        let expires = match secrets {
            true => "INVITATION EXPIRES",
            false => "EXPIRES",
        };
        columns.extend([
            Column::from("ROLE").added(),
            Column::from("INVITER").optional(2).added(),
            Column::keyed(expires, "invitation_expires")
                .optional(1)
                .added(),
            Column::from("STATE").added(),
        ]);
    }
    if credentials_only {
        // Kept at any width: what the listing is for.
        let promised = columns.len() - usize::from(secrets) * 4 - usize::from(invitations) * 4;
        for c in &mut columns[promised..] {
            c.priority = 0;
        }
    }
    columns.extend([
        // The same on every row when -t names the type.
        Column::from("RESOURCE TYPE").optional(match only {
            Some(_) => SAYS_NOTHING,
            None => 1,
        }),
        Column::from("PARENT").optional(match credentials_only {
            true => SAYS_NOTHING - 1,
            false => 1,
        }),
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

pub(super) fn entitlements(
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
    let mut names = Names::new(s);
    s.for_each_entitlement(filter, |e| {
        let on = &e.resource.id;
        let cells = vec![
            Cell::from(&e.id),
            Cell::from(&e.display_name),
            Cell::from(&on.resource_type),
            Cell::from(c1z::placed_label(&mut names, &e.resource)?),
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

pub(super) fn grants(
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
            Cell::from(c1z::placed_label(&mut names, &on_resource)?),
            Cell::from(&g.entitlement.id),
            Cell::from(c1z::placed_label(&mut names, &principal)?),
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

pub(super) fn stats(s: &Snapshot<'_>, out: &Out<'_>) -> Result<()> {
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
