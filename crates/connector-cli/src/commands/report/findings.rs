//! The findings: what a reviewer looks at first (admins without MFA, people outside the staff
//! list, people in several organizations, credentials that never expire or go unused, old
//! invitations, access gained and security attributes changed since the previous sync), the
//! summary's cards that count them, and their section.

use std::collections::BTreeMap;

use c1z::{AccessChange, Diff, ResourceRef, ReviewRowRef};
use maud::{Markup, html};

use super::html::{CHUNK, Chunked, table, thousands};
use super::identities::{Identity, Invitation, identity_table, invitation_table};
use super::kinds::{Collected, NOT_COLLECTED, Words};
use crate::staff::{StaffClass, StaffList, Standing};

/// A person's row in the findings.
pub struct Finding {
    scope: String,
    name: String,
    email: String,
    detail: String,
}

/// The findings about people, gathered as the review streams.
#[derive(Default)]
pub struct People {
    admins_without_mfa: Vec<Finding>,
    /// People in several organizations, by id, their organizations in one cell.
    several: BTreeMap<String, Finding>,
    /// People not on the staff list, inactive on it, or outside the organization's domains,
    /// by class; a row per organization they have access in.
    staff: BTreeMap<StaffClass, Vec<Finding>>,
}

impl People {
    /// Records the findings of one person's `row` in `scope`; `admin_roles` are the
    /// administrator's roles they hold there, `standing` their place on the staff list.
    pub fn add(
        &mut self,
        row: &ReviewRowRef<'_>,
        scope: &str,
        name: &str,
        admin_roles: &[&str],
        standing: Option<&Standing<'_>>,
    ) {
        let finding = |detail: String| Finding {
            scope: scope.to_owned(),
            name: name.to_owned(),
            email: row.attributes.email.clone(),
            detail,
        };
        if row.attributes.mfa == Some(false) && !admin_roles.is_empty() {
            self.admins_without_mfa
                .push(finding(admin_roles.join(", ")));
        }
        if let Some(standing) = standing.filter(|s| s.class != StaffClass::Listed) {
            let detail = standing
                .member
                .map(|m| format!("status {}", m.status))
                .unwrap_or_default();
            self.staff
                .entry(standing.class)
                .or_default()
                .push(finding(detail));
        }
        if row.scopes > 1 {
            let f = self
                .several
                .entry(row.principal.id.to_string())
                .or_insert_with(|| Finding {
                    scope: String::new(),
                    ..finding(String::new())
                });
            if !f.scope.is_empty() {
                f.scope.push_str(", ");
            }
            f.scope.push_str(scope);
        }
    }

    /// How many people are in several organizations.
    pub fn in_several(&self) -> usize {
        self.several.len()
    }
}

/// The staff-list classes that are findings, in the order the report lists them.
const STAFF_FINDINGS: [StaffClass; 3] = [
    StaffClass::NotListed,
    StaffClass::Inactive,
    StaffClass::External,
];

/// The heading of a staff-list finding.
fn staff_title(class: StaffClass) -> &'static str {
    match class {
        StaffClass::NotListed => "People not on the staff list",
        StaffClass::Inactive => "People inactive on the staff list",
        StaffClass::External => "People outside the organization's domains",
        StaffClass::Listed => "People on the staff list",
    }
}

/// Every finding of the report, by kind.
pub struct Findings<'a> {
    words: &'a Words,
    collected: &'a Collected,
    people: &'a People,
    staff: Option<&'a StaffList>,
    never_expire: Vec<&'a Identity>,
    unused: Vec<&'a Identity>,
    unused_days: u64,
    stale: Vec<&'a Invitation>,
    invitation_days: u64,
    diff: Option<&'a Diff>,
    gained: Vec<(&'static str, &'a ResourceRef, &'a AccessChange)>,
}

/// What the findings of credentials and invitations are judged by.
pub struct Limits {
    /// `--unused-days`.
    pub unused_days: u64,
    /// Credentials unused since this time are a finding.
    pub unused_cutoff: connector_sdk::Timestamp,
    /// `--invitation-days` (invitations sent before its cutoff are old).
    pub invitation_days: u64,
}

impl<'a> Findings<'a> {
    /// The findings of `people`, `identities`, `invitations` and `diff`; `file`: the file's
    /// words and what its sync collected.
    pub fn new(
        file: (&'a Words, &'a Collected),
        people: &'a People,
        staff: Option<&'a StaffList>,
        identities: &'a [Identity],
        invitations: &'a [Invitation],
        diff: Option<&'a Diff>,
        limits: &Limits,
    ) -> Findings<'a> {
        let (words, collected) = file;
        Findings {
            words,
            collected,
            people,
            staff,
            never_expire: identities.iter().filter(|i| i.never_expires()).collect(),
            unused: identities
                .iter()
                .filter(|i| i.unused_since(limits.unused_cutoff))
                .collect(),
            unused_days: limits.unused_days,
            stale: invitations.iter().filter(|i| i.expired || i.old).collect(),
            invitation_days: limits.invitation_days,
            diff,
            gained: diff
                .map(|d| {
                    d.access_changes()
                        .filter(|(c, _, _)| *c == "gained")
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Each kind's card: its label, how many (`None`: not collected), and its key
    /// (`data-count`).
    fn counts(&self) -> Vec<(String, Option<usize>, String)> {
        let attributes = self.diff.map_or(0, |d| d.attributes_changed.len());
        let (credentials, invitations) = (self.collected.credentials, self.collected.invitations);
        let mut counts: Vec<(String, Option<usize>, String)> = [
            (
                "Admins without MFA".to_owned(),
                Some(self.people.admins_without_mfa.len()),
                "f-mfa",
            ),
            (
                format!("People in several {}", self.words.scopes_lower),
                Some(self.people.several.len()),
                "f-several",
            ),
            (
                "Credentials that never expire".to_owned(),
                credentials.then_some(self.never_expire.len()),
                "f-never-expire",
            ),
            (
                format!("Credentials unused for {} days", self.unused_days),
                credentials.then_some(self.unused.len()),
                "f-unused",
            ),
            (
                "Expired or old invitations".to_owned(),
                invitations.then_some(self.stale.len()),
                "f-invitations",
            ),
            (
                "Access gained since the previous sync".to_owned(),
                Some(self.gained.len()),
                "f-gained",
            ),
            (
                "Security attributes changed".to_owned(),
                Some(attributes),
                "f-attributes",
            ),
        ]
        .into_iter()
        .map(|(label, n, key)| (label, n, key.to_owned()))
        .collect();
        for class in self.staff_classes() {
            let n = self.people.staff.get(class).map_or(0, Vec::len);
            counts.push((
                staff_title(*class).to_owned(),
                Some(n),
                format!("f-{}", class.as_str()),
            ));
        }
        counts
    }

    /// The staff-list classes reported: all of them with `--staff`, none without.
    fn staff_classes(&self) -> &'static [StaffClass] {
        match self.staff {
            Some(_) => &STAFF_FINDINGS,
            None => &[],
        }
    }

    /// How many findings in all.
    pub fn total(&self) -> usize {
        self.counts().iter().filter_map(|(_, n, _)| *n).sum()
    }

    /// The summary's cards of the findings, marked when there are any.
    pub fn cards(&self) -> Markup {
        html! {
            @for (label, n, key) in self.counts() {
                (card(&label, n, &key, n.is_some_and(|n| n > 0)))
            }
        }
    }

    /// The findings section: each kind listed whole.
    pub fn section(&self) -> Markup {
        let p = self.people;
        let (w, several) = (
            self.words,
            format!("People in several {}", self.words.scopes_lower),
        );
        html! {
            section id="findings" {
                h2 { "Findings" }
                p class="note" { (thousands(self.total())) " in all. Each kind is listed whole below." }
                h3 { "Admins without MFA" }
                p class="note" { "People whose MFA is off holding an administrator's role (admin, owner) on their " (w.scope_lower) ". Unknown MFA is not counted." }
                (finding_table("Admins without MFA", &[&w.scope, "Name", "Email", "Roles"], &p.admins_without_mfa))
                @for class in self.staff_classes() {
                    h3 id=(format!("f-{}", class.as_str())) { (staff_title(*class)) }
                    p class="note" { "People with access " (class.describe()) ". Matched by exact email (ASCII case folded), never by name; the organization's domains: " (self.staff.map(|l| l.domains().join(", ")).unwrap_or_default()) "." }
                    (finding_table(staff_title(*class), &[&w.scope, "Name", "Email", "Staff list"], p.staff.get(class).map(Vec::as_slice).unwrap_or_default()))
                }
                h3 { (several) }
                (finding_table(&several, &[&w.scopes, "Name", "Email"], &p.several.values().collect::<Vec<_>>()))
                h3 { "Credentials that never expire" }
                @if !self.collected.credentials { p class="note" { (NOT_COLLECTED) } }
                @else {
                    p class="note" { "Of the credential types synced: " (self.collected.credential_types.join(", ")) "." }
                    (identity_table(&self.never_expire, w))
                }
                h3 { "Credentials unused for " (self.unused_days) " days or never used" }
                @if !self.collected.credentials { p class="note" { (NOT_COLLECTED) } }
                @else { (identity_table(&self.unused, w)) }
                h3 { "Expired or old invitations" }
                @if !self.collected.invitations { p class="note" { (NOT_COLLECTED) } }
                @else {
                    p class="note" { "Expired, or sent more than " (self.invitation_days) " days ago." }
                    (invitation_table(&self.stale, w))
                }
                h3 { "Access gained since the previous sync" }
                @if self.diff.is_none() { p class="note" { "No previous full sync in this file." } }
                @else {
                    (table(&["Principal", "Resource", "Entitlement", "Via"], self.gained.iter().map(|(_, principal, c)| html! {
                        tr { td { (principal.label()) } td { (c.resource.label()) } td { (c.entitlement) } td { (c.via.join(", ")) } }
                    })))
                }
                h3 { "Security attributes changed" }
                @match self.diff {
                    None => p class="note" { "No previous full sync in this file." },
                    Some(d) => (table(&["Principal", "Attribute", "Old", "New", "Permissions"], d.attributes_changed.iter().map(|a| html! {
                        tr { td { (a.principal.label()) } td { (a.attribute) } td { (a.old) } td { (a.new) } td { (a.permissions.join(", ")) } }
                    }))),
                }
            }
        }
    }
}

/// A summary card: a count (`None`: not collected) and its label.
pub fn card(label: &str, n: Option<usize>, key: &str, bad: bool) -> Markup {
    html! {
        div class=(if bad { "card bad" } else { "card" }) {
            @match n {
                Some(n) => span class="n" data-count=(key) { (thousands(n)) },
                None => span class="n missing" data-count=(key) { "not collected" },
            }
            (label)
        }
    }
}

/// The people of one kind of finding, or "None."; long lists folded in chunks.
fn finding_table(
    label: &str,
    columns: &[&str],
    rows: &[impl std::borrow::Borrow<Finding>],
) -> Markup {
    if rows.is_empty() {
        return html! { p class="note" { "None." } };
    }
    // The detail is a column only when the finding has one.
    let detail = columns.len() > 3;
    if rows.len() <= CHUNK {
        return table(
            columns,
            rows.iter().map(|f| finding_row(f.borrow(), detail)),
        );
    }
    let mut out = Vec::new();
    let mut chunked = Chunked::new(columns, label);
    for f in rows {
        // Writing to memory cannot fail.
        let _ = chunked.row(&mut out, finding_row(f.borrow(), detail));
    }
    let _ = chunked.finish(&mut out);
    maud::PreEscaped(String::from_utf8_lossy(&out).into_owned())
}

fn finding_row(f: &Finding, detail: bool) -> Markup {
    html! { tr { td { (f.scope) } td { (f.name) } td { (f.email) } @if detail { td { (f.detail) } } } }
}
