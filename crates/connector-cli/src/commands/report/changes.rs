//! The changes since the previous full sync: the diff in `diff`'s words, with who made each
//! change when the file keeps an audit log, and the summary's line that counts them.

use c1z::{Diff, Snapshot, SyncRun};
use maud::{Markup, html};

use super::html::{table, thousands};
use crate::commands::diff::header;
use crate::commands::events::Attribution;
use crate::commands::provenance;
use crate::error::Result;

/// The previous full sync of the file, what changed since, and who changed it.
pub struct Changes {
    /// The previous full sync, if the file has one.
    pub previous: Option<SyncRun>,
    /// What changed since it.
    pub diff: Option<Diff>,
    audit: Option<Attribution>,
}

impl Changes {
    /// The changes from the full sync before `s` to `s`.
    pub fn since_previous(s: &Snapshot<'_>) -> Result<Changes> {
        let previous = provenance::previous_full(s.reader(), s.id())?;
        let (diff, audit) = match &previous {
            Some(older) => (
                Some(c1z::diff(older, s)?),
                Attribution::between(s.reader(), older.run(), s.run())?,
            ),
            None => (None, None),
        };
        Ok(Changes {
            previous: previous.map(|older| older.run().clone()),
            diff,
            audit,
        })
    }

    /// The section.
    pub fn section(&self) -> Markup {
        html! {
            section id="changes" {
                h2 { "Changes since the previous full sync" }
                @match &self.diff {
                    None => p { "No previous full sync in this file: nothing to compare." },
                    Some(d) => (changes(d, self.audit.as_ref())),
                }
            }
        }
    }
}

/// The summary's line: how many grants, resources and attributes changed.
pub fn changes_line(diff: Option<&Diff>) -> Markup {
    html! {
        @match diff {
            None => p class="note" { "No previous full sync in this file: no changes to show." },
            Some(d) => p {
                "Since the previous full sync: "
                span data-count="grants-added" { (thousands(d.grants_added())) } " grants added, "
                span data-count="grants-removed" { (thousands(d.grants_removed())) } " removed; "
                (thousands(d.resources_added.len())) " resources added, "
                (thousands(d.resources_removed.len())) " removed; "
                (thousands(d.attributes_changed.len())) " attribute changes."
            },
        }
    }
}

/// The diff, in `diff`'s words; with `audit`, who made each change.
fn changes(d: &Diff, audit: Option<&Attribution>) -> Markup {
    let audit_head = audit.map(|_| "Audit");
    let access_head: Vec<&str> = ["Principal", "Change", "Resource", "Entitlement", "Via"]
        .into_iter()
        .chain(audit_head)
        .collect();
    let resource_head: Vec<&str> = ["Change", "Resource type", "Resource", "Display name"]
        .into_iter()
        .chain(audit_head)
        .collect();
    html! {
        p {
            "From sync " (header(&d.old_sync)) " to sync " (header(&d.new_sync)) "."
        }
        (changes_line(Some(d)))
        @for r in &d.replaced {
            p { (r.old.label()) " is now " (r.new.label()) " (same email " (r.email) "): an invitation accepted, or an account made again." }
        }
        h3 { "Access" }
        @if d.access.is_empty() { p class="note" { "No access gained or lost." } }
        @else {
            (table(&access_head, d.access_changes().map(|(change, principal, c)| html! {
                tr {
                    td { (principal.label()) }
                    td { (if change == "gained" { "+ gained" } else { "- lost" }) }
                    td { (c.resource.label()) }
                    td { (c.entitlement) }
                    td { (c.via.join(", ")) }
                    @if let Some(audit) = audit {
                        td { (audit.of_change(change == "gained", principal, c).unwrap_or_default()) }
                    }
                }
            })))
        }
        h3 { "Resources" }
        @if d.resources_added.is_empty() && d.resources_removed.is_empty() { p class="note" { "None added or removed." } }
        @else {
            (table(&resource_head, d.resource_changes().map(|(change, r)| html! {
                tr {
                    td { (if change == "added" { "+ added" } else { "- removed" }) }
                    td { (r.resource_type) }
                    td { (r.resource) }
                    td { (r.display_name) }
                    @if let Some(audit) = audit {
                        td { (audit.resource(change == "added", r)) }
                    }
                }
            })))
        }
        h3 { "Attributes" }
        @if d.attributes_changed.is_empty() { p class="note" { "No email, MFA, SSO or status changed." } }
        @else {
            (table(&["Principal", "Attribute", "Old", "New", "Permissions"], d.attributes_changed.iter().map(|a| html! {
                tr { td { (a.principal.label()) } td { (a.attribute) } td { (a.old) } td { (a.new) } td { (a.permissions.join(", ")) } }
            })))
        }
    }
}
