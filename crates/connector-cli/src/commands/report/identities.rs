//! What the report lists besides people, from one pass over the sync's resources: the
//! top-level resources it reached, the non-human identities (service accounts and
//! credentials) and the invitations, with their tables and the findings about them.

use c1z::{Attributes, Kind, Lifetime, Names, Snapshot, date_or_never, short_name};
use connector_sdk::{Resource, ResourceId, Timestamp};
use maud::{Markup, html};

use super::html::{lines, table};
use super::kinds::{Collected, NOT_COLLECTED, Types, Words};
use crate::commands::inspect::{accesses, creator};
use crate::error::{Error, Result};

/// A service account or credential, as its section lists it.
pub struct Identity {
    resource: Resource,
    kind: String,
    scope: String,
    creator: String,
    lifetime: Option<Lifetime>,
    accesses: Vec<String>,
}

impl Identity {
    /// Whether it never expires (known to have no expiry).
    pub fn never_expires(&self) -> bool {
        self.lifetime.is_some_and(|l| l.expires_at.is_none())
    }

    /// Whether it was not used since `cutoff`, or never.
    pub fn unused_since(&self, cutoff: Timestamp) -> bool {
        self.lifetime.is_some_and(|l| l.unused_since(cutoff))
    }
}

/// An invitation, as its section lists it.
pub struct Invitation {
    email: String,
    scope: String,
    role: String,
    sender: String,
    created: String,
    expires: String,
    /// Past its expiry, or said expired.
    pub expired: bool,
    /// Sent before the `--invitation-days` cutoff.
    pub old: bool,
}

/// The resources of the sync that are not people.
pub struct Directory {
    /// The top-level resources (the organizations) by short name, sorted.
    pub scopes: Vec<String>,
    /// The type of most top-level resources (organization), if there are any.
    pub scope_type: Option<String>,
    /// The service accounts and credentials, in write order.
    pub identities: Vec<Identity>,
    /// The invitations, in write order.
    pub invitations: Vec<Invitation>,
}

impl Directory {
    /// Reads the resources of `s`; invitations sent before `invitation_cutoff` are old, and
    /// expiry is judged at `now`.
    pub fn read(
        s: &Snapshot<'_>,
        types: &Types,
        now: Timestamp,
        invitation_cutoff: Timestamp,
    ) -> Result<Directory> {
        let mut names = Names::new(s);
        let mut directory = Directory {
            scopes: Vec::new(),
            scope_type: None,
            identities: Vec::new(),
            invitations: Vec::new(),
        };
        // The top-level resources per type: a handful of types, searched in place.
        let mut scope_types: Vec<(String, usize)> = Vec::new();
        s.for_each_resource(Default::default(), |r| {
            let kind = types.kind(&r);
            if kind.is_none() && r.parent.is_none() {
                directory.scopes.push(short_name(&r));
                match scope_types
                    .iter_mut()
                    .find(|(t, _)| *t == r.id.resource_type)
                {
                    Some((_, n)) => *n += 1,
                    None => scope_types.push((r.id.resource_type.clone(), 1)),
                }
                return Ok(());
            }
            if matches!(kind, None | Some(Kind::Human)) {
                return Ok::<(), Error>(());
            }
            let scope = match &r.parent {
                Some(parent) => short_name(&top_level(&mut names, parent)?),
                None => String::new(),
            };
            if kind == Some(Kind::ServiceAccount) {
                let creator = creator(&r, &mut names)?;
                directory.identities.push(Identity {
                    kind: types.name(&r.id.resource_type),
                    lifetime: Lifetime::of(&r),
                    resource: r,
                    scope,
                    creator,
                    accesses: Vec::new(),
                });
                return Ok(());
            }
            let listed = crate::commands::inspect::Invitation::of(&r, now);
            let created_at = r.created_at;
            directory.invitations.push(Invitation {
                email: Attributes::of(&r).map(|a| a.email).unwrap_or_default(),
                scope,
                role: listed.role,
                sender: listed.inviter,
                created: date_or_never(created_at),
                expires: listed.expires,
                expired: listed.state == "EXPIRED",
                old: created_at.is_some_and(|c| c < invitation_cutoff),
            });
            Ok(())
        })?;
        for identity in &mut directory.identities {
            identity.accesses = accesses(s, &identity.resource.id)?;
        }
        directory.scopes.sort_by_key(|a| a.to_lowercase());
        directory.scope_type = scope_types
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(t, _)| t);
        Ok(directory)
    }

    /// The invitations not expired.
    pub fn pending(&self) -> usize {
        self.invitations.iter().filter(|i| !i.expired).count()
    }
}

/// The top-level resource above `parent` (an OAuth token's organization, not its
/// application): its parents followed up, a few levels at most (a file could hold a cycle).
fn top_level(names: &mut Names<'_, '_>, parent: &ResourceId) -> Result<Resource> {
    let mut r = names.resource_of(parent)?;
    for _ in 0..16 {
        match r.parent.clone() {
            Some(up) => r = names.resource_of(&up)?,
            None => break,
        }
    }
    Ok(r)
}

/// The table of `identities`, or "None.".
pub fn identity_table(identities: &[&Identity], words: &Words) -> Markup {
    if identities.is_empty() {
        return html! { p class="note" { "None." } };
    }
    table(
        &[
            "Name",
            "Type",
            &words.scope,
            "Creator",
            "Expires",
            "Last used",
            "Accesses",
        ],
        identities.iter().map(|i| {
            let (expires, used) = match i.lifetime {
                Some(l) => (date_or_never(l.expires_at), date_or_never(l.last_used_at)),
                None => (String::new(), String::new()),
            };
            html! {
                tr {
                    td { (short_name(&i.resource)) }
                    td { (i.kind) }
                    td { (i.scope) }
                    td { (i.creator) }
                    td { (expires) }
                    td { (used) }
                    td { (lines(&i.accesses)) }
                }
            }
        }),
    )
}

/// The table of `invitations`, or "None.".
pub fn invitation_table(invitations: &[&Invitation], words: &Words) -> Markup {
    if invitations.is_empty() {
        return html! { p class="note" { "None." } };
    }
    table(
        &[
            "Email",
            &words.scope,
            "Role",
            "Sent by",
            "Sent",
            "Expires",
            "State",
        ],
        invitations.iter().map(|i| {
            html! {
                tr {
                    td { (i.email) }
                    td { (i.scope) }
                    td { (i.role) }
                    td { (i.sender) }
                    td { (i.created) }
                    td { (i.expires) }
                    td {
                        @if i.expired { span class="off" { "expired" } }
                        @else if i.old { "pending, old" }
                        @else { "pending" }
                    }
                }
            }
        }),
    )
}

/// The sections of the non-human identities and of the invitations; a kind the sync did not
/// collect says so.
pub fn sections(d: &Directory, words: &Words, collected: &Collected) -> Markup {
    html! {
        section id="non-human" {
            h2 { "Non-human identities" }
            p class="note" { "Service accounts and credentials (tokens, keys), with who made them, when they expire and were last used, and what they may do." }
            @if collected.credentials { (identity_table(&d.identities.iter().collect::<Vec<_>>(), words)) }
            @else { p class="note" { (NOT_COLLECTED) } }
        }
        section id="invitations" {
            h2 { "Invitations" }
            @if collected.invitations { (invitation_table(&d.invitations.iter().collect::<Vec<_>>(), words)) }
            @else { p class="note" { (NOT_COLLECTED) } }
        }
    }
}
