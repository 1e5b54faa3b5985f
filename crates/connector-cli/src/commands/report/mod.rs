//! `report`: one self-contained HTML file per review, made from the `.c1z` alone: what the sync
//! was (provenance), a summary, the findings first, then every person's access with empty
//! decision and comment cells for sign-off, the non-human identities, the invitations, who
//! reaches each privileged resource (a table and a picture) and the changes since the previous
//! full sync.
//!
//! It knows no connector: people are principals with baton's user trait, service accounts
//! those with a service account type or the secret trait, invitations those of a resource
//! type named so, groups those with the group trait; privileged access is an entitlement that
//! is a permission or an ownership, not a membership. The file asks for nothing when opened
//! (its content security policy forbids every request) and needs no script; long tables come
//! in chunks of [`html::CHUNK`] rows, each a `<details>`, so a browser lays out only what is
//! open and a printout holds them all.
//!
//! It is written as it is read: the people section goes to a temporary file while the review
//! streams, then the page is put together (findings before people) in a temporary file beside
//! the output, renamed over it once complete.

mod graph;
mod html;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use c1z::{
    Attributes, Diff, Held, Kind, Lifetime, Names, ReviewRow, Snapshot, date_or_never, grouped,
    short_name,
};
use connector_sdk::{Resource, ResourceType, Timestamp, Trait};
use maud::{Markup, html};

use self::graph::{Flow, plural};
use self::html::{Chunked, flag, lines, put, table, thousands};
use crate::cli::ReportArgs;
use crate::commands::diff::header;
use crate::commands::drift::is_admin_name;
use crate::commands::events::Attribution;
use crate::commands::inspect::{accesses, choose, creator};
use crate::commands::provenance::{self, as_of, describe, iso};
use crate::error::{Error, Result};
use crate::program::About;
use crate::settings::standard::Settings;
use crate::staff::{StaffClass, StaffList};

/// Runs the command: writes the report of `settings.file` and says where on stderr.
pub fn run(about: &About, settings: &Settings, args: &ReportArgs) -> Result<()> {
    let staff = crate::staff::load(args.staff.staff.as_deref(), &args.staff.internal_domains)?;
    let reader = super::open(settings, &settings.file)?;
    let snapshot = choose(&reader, args.sync_id.as_deref())?;
    let now = jiff::Timestamp::now();
    let out = match &args.out {
        Some(out) => out.clone(),
        None => default_out(&settings.file, &now),
    };
    if out.is_dir() {
        return Err(Error::Usage(format!(
            "--out {} is a directory: name the HTML file to write",
            out.display()
        )));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".report-")
        .suffix(".html.partial")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(format!("cannot write in {}", dir.display()), e))?;
    let provenance = Provenance {
        connector: about.name.to_owned(),
        display_name: about.display_name.to_owned(),
        version: about.version.to_owned(),
        file: settings.file.clone(),
        sha256: super::provenance::sha256(&settings.file)?,
        made_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        now: Timestamp::from_unix(now.as_second(), 0),
    };
    let summary = {
        let mut w = BufWriter::with_capacity(1 << 16, file.as_file_mut());
        let summary = write(&mut w, &snapshot, &provenance, args, staff.as_ref())?;
        w.flush()
            .map_err(|e| Error::io("cannot write the report", e))?;
        summary
    };
    file.as_file()
        .sync_all()
        .map_err(|e| Error::io("cannot write the report", e))?;
    file.persist(&out)
        .map_err(|e| Error::io(format!("cannot write {}", out.display()), e.error))?;
    crate::output::note(&format!(
        "wrote {} (sync {}: {} people, {} findings)",
        out.display(),
        snapshot.id(),
        thousands(summary.people),
        thousands(summary.findings),
    ));
    Ok(())
}

/// `<file stem>-review-<YYYY-MM-DD>.html` beside `file`.
fn default_out(file: &Path, now: &jiff::Timestamp) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sync".to_owned());
    file.with_file_name(format!("{stem}-review-{}.html", now.strftime("%Y-%m-%d")))
}

/// What the report says of where it comes from.
struct Provenance {
    connector: String,
    display_name: String,
    version: String,
    file: PathBuf,
    sha256: String,
    made_at: String,
    now: Timestamp,
}

/// What `run` reports on stderr.
struct Written {
    people: usize,
    findings: usize,
}

/// The resource types of the sync by id: traits and names, for the kind of a principal.
struct Types(HashMap<String, ResourceType>);

impl Types {
    fn has(&self, r: &Resource, t: Trait) -> bool {
        r.has_trait(t)
            || self
                .0
                .get(&r.id.resource_type)
                .is_some_and(|rt| rt.traits.contains(&t))
    }

    /// The kind of a principal, or of a credential (the secret trait) without a user trait;
    /// `None` for anything else.
    fn kind(&self, r: &Resource) -> Option<Kind> {
        if !self.has(r, Trait::User) && !self.has(r, Trait::Secret) {
            return None;
        }
        let names = match self.0.get(&r.id.resource_type) {
            Some(rt) => vec![rt.id.as_str(), rt.display_name.as_str()],
            None => vec![r.id.resource_type.as_str()],
        };
        Some(Kind::of(r, &names))
    }

    fn name(&self, id: &str) -> String {
        match self.0.get(id) {
            Some(rt) if !rt.display_name.is_empty() => rt.display_name.clone(),
            _ => id.to_owned(),
        }
    }
}

/// A service account or credential, as its section lists it.
struct Identity {
    resource: Resource,
    kind: String,
    scope: String,
    creator: String,
    lifetime: Option<Lifetime>,
    accesses: Vec<String>,
}

/// An invitation, as its section lists it.
struct Invitation {
    email: String,
    scope: String,
    role: String,
    sender: String,
    created: String,
    expires: String,
    expired: bool,
    old: bool,
}

/// A person's row in the findings.
struct Finding {
    scope: String,
    name: String,
    email: String,
    detail: String,
}

/// The findings, by kind, in the order the report lists them.
#[derive(Default)]
struct Findings {
    admins_without_mfa: Vec<Finding>,
    several: BTreeMap<String, Finding>,
    /// People not on the staff list, inactive on it, or outside the organization's domains,
    /// by class; a row per organization they have access in.
    staff: BTreeMap<StaffClass, Vec<Finding>>,
}

/// Who reaches one privileged entitlement of one top-level resource, by what it comes through.
type Reach = BTreeMap<(String, String), BTreeMap<String, Vec<String>>>;

/// Writes the whole page to `out`.
fn write(
    out: &mut impl Write,
    s: &Snapshot<'_>,
    p: &Provenance,
    args: &ReportArgs,
    staff: Option<&StaffList>,
) -> Result<Written> {
    let types = Types(
        s.resource_types()?
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect(),
    );
    let cutoff = |days: u64| {
        Timestamp::from_unix(
            p.now
                .seconds
                .saturating_sub(days.saturating_mul(86_400) as i64),
            0,
        )
    };
    let (unused_cutoff, invitation_cutoff) =
        (cutoff(args.unused_days), cutoff(args.invitation_days));

    // The resources: the top-level ones, the non-human identities and the invitations.
    let mut names = Names::new(s);
    let mut scopes: Vec<String> = Vec::new();
    let mut identities: Vec<Identity> = Vec::new();
    let mut invitations: Vec<Invitation> = Vec::new();
    s.for_each_resource(Default::default(), |r| {
        let scope = match &r.parent {
            Some(parent) => short_name(&names.resource_of(parent)?),
            None => String::new(),
        };
        match types.kind(&r) {
            None if r.parent.is_none() => scopes.push(short_name(&r)),
            None | Some(Kind::Human) => {}
            Some(Kind::ServiceAccount) => {
                let creator = creator(&r, &mut names)?;
                identities.push(Identity {
                    kind: types.name(&r.id.resource_type),
                    lifetime: Lifetime::of(&r),
                    resource: r,
                    scope,
                    creator,
                    accesses: Vec::new(),
                });
            }
            Some(Kind::Invitation) => {
                let listed = crate::commands::inspect::Invitation::of(&r, p.now);
                let created_at = r.created_at;
                invitations.push(Invitation {
                    email: Attributes::of(&r).map(|a| a.email).unwrap_or_default(),
                    scope,
                    role: listed.role,
                    sender: listed.inviter,
                    created: date_or_never(created_at),
                    expires: listed.expires,
                    expired: listed.state == "EXPIRED",
                    old: created_at.is_some_and(|c| c < invitation_cutoff),
                });
            }
        }
        Ok::<(), Error>(())
    })?;
    for identity in &mut identities {
        identity.accesses = accesses(s, &identity.resource.id)?;
    }
    scopes.sort_by_key(|a| a.to_lowercase());

    // The people, streamed into a temporary file; the findings and reach gathered meanwhile.
    let mut people_html = BufWriter::new(
        tempfile::tempfile().map_err(|e| Error::io("cannot make a temporary file", e))?,
    );
    let mut findings = Findings::default();
    let mut reach: BTreeMap<String, Reach> = BTreeMap::new();
    let mut people: BTreeSet<String> = BTreeSet::new();
    let mut privileged: BTreeSet<String> = BTreeSet::new();
    let mut rows = 0usize;
    let mut current_scope: Option<(String, Chunked)> = None;
    s.for_each_review_row(|row: ReviewRow| {
        if types.kind(&row.principal) != Some(Kind::Human) {
            return Ok::<(), Error>(());
        }
        let scope = short_name(&row.scope);
        let name = short_name(&row.principal);
        let id = row.principal.id.to_string();
        people.insert(id.clone());
        let permissions: Vec<&Held> = row
            .roles
            .iter()
            .chain(&row.access)
            .filter(|h| h.permission)
            .collect();
        if !permissions.is_empty() {
            privileged.insert(id.clone());
        }
        let admin_roles: Vec<String> = row
            .roles
            .iter()
            .filter(|h| is_admin(h))
            .map(|h| h.slug.clone())
            .collect();
        if row.attributes.mfa == Some(false) && !admin_roles.is_empty() {
            findings.admins_without_mfa.push(Finding {
                scope: scope.clone(),
                name: name.clone(),
                email: row.attributes.email.clone(),
                detail: admin_roles.join(", "),
            });
        }
        let standing = staff.map(|list| list.classify(&row.attributes.email));
        if let Some(standing) = standing.as_ref().filter(|s| s.class != StaffClass::Listed) {
            findings
                .staff
                .entry(standing.class)
                .or_default()
                .push(Finding {
                    scope: scope.clone(),
                    name: name.clone(),
                    email: row.attributes.email.clone(),
                    detail: standing
                        .member
                        .map(|m| format!("status {}", m.status))
                        .unwrap_or_default(),
                });
        }
        if row.scopes > 1 {
            let f = findings.several.entry(id).or_insert_with(|| Finding {
                scope: String::new(),
                name: name.clone(),
                email: row.attributes.email.clone(),
                detail: String::new(),
            });
            if !f.scope.is_empty() {
                f.scope.push_str(", ");
            }
            f.scope.push_str(&scope);
        }
        for h in permissions {
            let sources = reach
                .entry(scope.clone())
                .or_default()
                .entry((h.resource.clone(), h.slug.clone()))
                .or_default();
            let mut through: Vec<String> = h.via.clone();
            if h.direct || through.is_empty() {
                through.push("direct".to_owned());
            }
            for source in through {
                sources.entry(source).or_default().push(name.clone());
            }
        }
        if current_scope.as_ref().is_none_or(|(s, _)| *s != scope) {
            if let Some((_, table)) = current_scope.take() {
                table.finish(&mut people_html)?;
            }
            put(&mut people_html, html! { h3 { (scope) } })?;
            current_scope = Some((
                scope.clone(),
                Chunked::new(&people_columns(staff.is_some()), format!("{scope}: people")),
            ));
        }
        let Some((_, table)) = current_scope.as_mut() else {
            return Ok(());
        };
        rows += 1;
        let class = standing.map(|s| s.class.as_str());
        table.row(&mut people_html, person_row(&row, &name, class))
    })?;
    if let Some((_, table)) = current_scope.take() {
        table.finish(&mut people_html)?;
    }

    // The changes since the previous full sync.
    let previous = provenance::previous_full(s.reader(), s.id())?;
    let diff = match &previous {
        Some(older) => Some(c1z::diff(older, s)?),
        None => None,
    };
    // Who made each change, when the file keeps an audit log.
    let audit = match &previous {
        Some(older) => Attribution::between(s.reader(), older.run(), s.run())?,
        None => None,
    };

    // Findings of credentials and invitations.
    let never_expire: Vec<&Identity> = identities
        .iter()
        .filter(|i| i.lifetime.is_some_and(|l| l.expires_at.is_none()))
        .collect();
    let unused: Vec<&Identity> = identities
        .iter()
        .filter(|i| i.lifetime.is_some_and(|l| l.unused_since(unused_cutoff)))
        .collect();
    let stale: Vec<&Invitation> = invitations.iter().filter(|i| i.expired || i.old).collect();
    let gained: Vec<_> = diff
        .as_ref()
        .map(|d| {
            d.access_changes()
                .filter(|(c, _, _)| *c == "gained")
                .collect()
        })
        .unwrap_or_default();
    let attributes = diff
        .as_ref()
        .map(|d| d.attributes_changed.len())
        .unwrap_or(0);
    let counts = [
        (
            "Admins without MFA",
            findings.admins_without_mfa.len(),
            "f-mfa",
        ),
        (
            "People in several organizations",
            findings.several.len(),
            "f-several",
        ),
        (
            "Credentials that never expire",
            never_expire.len(),
            "f-never-expire",
        ),
        ("Credentials unused for {} days", unused.len(), "f-unused"),
        ("Expired or old invitations", stale.len(), "f-invitations"),
        (
            "Access gained since the previous sync",
            gained.len(),
            "f-gained",
        ),
        ("Security attributes changed", attributes, "f-attributes"),
    ];
    let staff_counts: Vec<(StaffClass, usize)> = match staff {
        Some(_) => STAFF_FINDINGS
            .iter()
            .map(|c| (*c, findings.staff.get(c).map_or(0, Vec::len)))
            .collect(),
        None => Vec::new(),
    };
    let total_findings: usize = counts.iter().map(|(_, n, _)| n).sum::<usize>()
        + staff_counts.iter().map(|(_, n)| n).sum::<usize>();

    // The page.
    let run = s.run();
    let title = format!("Access review: {}, sync of {}", p.display_name, as_of(run));
    let footer = format!(
        "{} {} · sync {} ({}) ended {} · c1z sha256 {} · made {}",
        p.connector,
        p.version,
        run.id,
        run.sync_type,
        run.ended_at
            .as_deref()
            .map(iso)
            .unwrap_or("(unfinished)".to_owned()),
        p.sha256,
        p.made_at
    );
    put(out, html::head(&title, &footer))?;
    let pending = invitations.iter().filter(|i| !i.expired).count();
    put(
        out,
        html! {
            header {
                h1 { (title) }
                nav { ul {
                    li { a href="#provenance" { "Provenance" } }
                    li { a href="#summary" { "Summary" } }
                    li { a href="#findings" { "Findings" } }
                    li { a href="#people" { "People" } }
                    li { a href="#non-human" { "Non-human identities" } }
                    li { a href="#invitations" { "Invitations" } }
                    li { a href="#privileged" { "Privileged access" } }
                    li { a href="#changes" { "Changes" } }
                } }
            }
            section id="provenance" {
                h2 class="first" { "Provenance" }
                dl class="facts" {
                    dt { "Connector" } dd { (p.connector) " " (p.version) }
                    dt { "Sync" } dd { code { (run.id) } }
                    dt { "Started (UTC)" } dd { (iso(&run.started_at)) }
                    dt { "Finished (UTC)" } dd { (run.ended_at.as_deref().map(iso).unwrap_or("not finished: the data is what it wrote so far".to_owned())) }
                    dt { "Scope" } dd {
                        @if run.is_full() { "full sync (every resource type)" }
                        @else { (run.sync_type) " sync: only the resource types below" }
                    }
                    dt { "Reached" } dd { (scopes.join(", ")) }
                    dt { "Resource types" } dd {
                        (types.0.values().map(|t| t.display_name.clone()).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join(", "))
                    }
                    dt { "File" } dd { (p.file.display().to_string()) }
                    dt { "File SHA-256" } dd { code { (p.sha256) } }
                    dt { "Previous full sync" } dd {
                        @match &previous { Some(older) => { (describe(older.run())) }, None => { "none in this file" } }
                    }
                    dt { "Report made (UTC)" } dd { (p.made_at) }
                }
            }
            section id="summary" {
                h2 { "Summary" }
                div class="cards" {
                    (card("People", people.len(), "people", false))
                    (card("Privileged people", privileged.len(), "privileged", false))
                    (card("Non-human identities", identities.len(), "non-human", false))
                    (card("Pending invitations", pending, "invitations", false))
                    @for (label, n, key) in &counts {
                        (card(&label.replace("{}", &args.unused_days.to_string()), *n, key, *n > 0))
                    }
                    @for (class, n) in &staff_counts {
                        (card(staff_title(*class), *n, &format!("f-{}", class.as_str()), *n > 0))
                    }
                }
                (changes_line(diff.as_ref()))
            }
            section id="findings" {
                h2 { "Findings" }
                p class="note" { (thousands(total_findings)) " in all. Each kind is listed whole below." }
                h3 { "Admins without MFA" }
                p class="note" { "People holding an administrator's role (admin, owner) on an organization whose MFA is off. Unknown MFA is not counted." }
                (finding_table(&["Organization", "Name", "Email", "Roles"], &findings.admins_without_mfa))
                @for (class, _) in &staff_counts {
                    h3 id=(format!("f-{}", class.as_str())) { (staff_title(*class)) }
                    p class="note" { "People with access " (class.describe()) ". Matched by exact email (ASCII case folded), never by name; the organization's domains: " (staff.map(|l| l.domains().join(", ")).unwrap_or_default()) "." }
                    (finding_table(&["Organization", "Name", "Email", "Staff list"], findings.staff.get(class).map(Vec::as_slice).unwrap_or_default()))
                }
                h3 { "People in several organizations" }
                (finding_table(&["Organizations", "Name", "Email", ""], &findings.several.values().collect::<Vec<_>>()))
                h3 { "Credentials that never expire" }
                (identity_table(&never_expire))
                h3 { "Credentials unused for " (args.unused_days) " days or never used" }
                (identity_table(&unused))
                h3 { "Expired or old invitations" }
                p class="note" { "Expired, or sent more than " (args.invitation_days) " days ago." }
                (invitation_table(&stale))
                h3 { "Access gained since the previous sync" }
                @if diff.is_none() { p class="note" { "No previous full sync in this file." } }
                @else {
                    (table(&["Principal", "Resource", "Entitlement", "Via"], gained.iter().map(|(_, principal, c)| html! {
                        tr { td { (principal.label()) } td { (c.resource.label()) } td { (c.entitlement) } td { (c.via.join(", ")) } }
                    })))
                }
                h3 { "Security attributes changed" }
                @match &diff {
                    None => p class="note" { "No previous full sync in this file." },
                    Some(d) => (table(&["Principal", "Attribute", "Old", "New", "Permissions"], d.attributes_changed.iter().map(|a| html! {
                        tr { td { (a.principal.label()) } td { (a.attribute) } td { (a.old) } td { (a.new) } td { (a.permissions.join(", ")) } }
                    }))),
                }
            }
            section id="people" {
                h2 { "People" }
                p class="note" {
                    "One row per person per organization, people only (service accounts and invitations have their own sections). "
                    "Access is grouped: one line per way it is held, naming every resource. Decision and comment are for the reviewer."
                }
            }
        },
    )?;
    // The people section, copied from its temporary file.
    let mut spilled = people_html
        .into_inner()
        .map_err(|e| Error::io("cannot write a temporary file", e.into_error()))?;
    spilled
        .rewind()
        .map_err(|e| Error::io("cannot read a temporary file", e))?;
    std::io::copy(&mut spilled, out).map_err(|e| Error::io("cannot write the report", e))?;
    if rows == 0 {
        put(out, html! { p { "Nobody holds access on anything." } })?;
    }
    put(
        out,
        html! {
            section id="non-human" {
                h2 { "Non-human identities" }
                p class="note" { "Service accounts and credentials (tokens, keys), with who made them, when they expire and were last used, and what they may do." }
                (identity_table(&identities.iter().collect::<Vec<_>>()))
            }
            section id="invitations" {
                h2 { "Invitations" }
                (invitation_table(&invitations.iter().collect::<Vec<_>>()))
            }
            section id="privileged" {
                h2 { "Who reaches each privileged resource" }
                p class="note" { "Permissions (not memberships) held by people, with what each comes through. The picture counts people per path; the table beside it names them." }
                @if reach.is_empty() { p { "No person holds a permission." } }
                @for (scope, entitlements) in &reach {
                    h3 { (scope) }
                    @if let Some(svg) = graph::svg(&format!("Who reaches the privileged resources of {scope}"), &flows(entitlements), &through(entitlements)) {
                        figure { (svg) figcaption class="note" { "People → what they hold it through → what they reach, in " (scope) "." } }
                    }
                    (reach_table(entitlements))
                }
            }
            section id="changes" {
                h2 { "Changes since the previous full sync" }
                @match &diff { None => p { "No previous full sync in this file: nothing to compare." }, Some(d) => (changes(d, audit.as_ref())) }
            }
            footer { (footer) }
        },
    )?;
    Ok(Written {
        people: people.len(),
        findings: total_findings,
    })
}

/// Whether `h` is an administrator's role: a permission named admin or owner (`admin`,
/// `Organization Owner`, `super_admin`), the roles `inspect review --role admin` finds.
fn is_admin(h: &Held) -> bool {
    h.permission && is_admin_name(&h.slug)
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

/// The columns of the people section, with `--staff` the staff-list class after the status.
fn people_columns(staff: bool) -> Vec<&'static str> {
    let mut columns = PEOPLE.to_vec();
    if staff {
        columns.insert(6, "Staff");
    }
    columns
}

/// The columns of the people section.
const PEOPLE: [&str; 10] = [
    "Name",
    "Email",
    "Roles",
    "MFA",
    "SSO",
    "Status",
    "Teams",
    "Access (via)",
    "Decision",
    "Comment",
];

fn person_row(row: &ReviewRow, name: &str, staff: Option<&str>) -> Markup {
    let a = &row.attributes;
    let roles: Vec<String> = row.roles.iter().map(Held::describe).collect();
    let groups: Vec<String> = row.group_names();
    html! {
        tr {
            td { (name) }
            td { (a.email) }
            td { (lines(&roles)) }
            td { (flag(a.mfa)) }
            td { (flag(a.sso)) }
            td { (a.status.unwrap_or("unknown")) }
            @if let Some(class) = staff { td { (class) } }
            td { (lines(&groups)) }
            td { (lines(&grouped(&row.access))) }
            td class="sign" {}
            td class="sign" {}
        }
    }
}

fn card(label: &str, n: usize, key: &str, bad: bool) -> Markup {
    html! {
        div class=(if bad { "card bad" } else { "card" }) {
            span class="n" data-count=(key) { (thousands(n)) }
            (label)
        }
    }
}

fn changes_line(diff: Option<&Diff>) -> Markup {
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

fn finding_table(columns: &[&str], rows: &[impl std::borrow::Borrow<Finding>]) -> Markup {
    if rows.is_empty() {
        return html! { p class="note" { "None." } };
    }
    table(
        columns,
        rows.iter().map(|f| {
            let f = f.borrow();
            html! { tr { td { (f.scope) } td { (f.name) } td { (f.email) } td { (f.detail) } } }
        }),
    )
}

fn identity_table(identities: &[&Identity]) -> Markup {
    if identities.is_empty() {
        return html! { p class="note" { "None." } };
    }
    table(
        &[
            "Name",
            "Type",
            "Organization",
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

fn invitation_table(invitations: &[&Invitation]) -> Markup {
    if invitations.is_empty() {
        return html! { p class="note" { "None." } };
    }
    table(
        &[
            "Email",
            "Organization",
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

/// The picture's flows: people per source and target.
fn flows(entitlements: &Reach) -> Vec<Flow> {
    let mut flows = Vec::new();
    for ((resource, slug), sources) in entitlements {
        for (source, people) in sources {
            flows.push(Flow {
                source: source.clone(),
                target: format!("{resource}: {slug}"),
                people: people.len(),
            });
        }
    }
    flows
}

/// How many distinct people hold something through each source.
fn through(entitlements: &Reach) -> BTreeMap<String, usize> {
    let mut people: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for sources in entitlements.values() {
        for (source, names) in sources {
            people
                .entry(source)
                .or_default()
                .extend(names.iter().map(String::as_str));
        }
    }
    people
        .into_iter()
        .map(|(source, names)| (source.to_owned(), names.len()))
        .collect()
}

/// The table beside the picture: each entitlement, each path, the people (more than a few
/// folded).
fn reach_table(entitlements: &Reach) -> Markup {
    table(
        &["Resource", "Permission", "Through", "People", "Who"],
        entitlements.iter().flat_map(|((resource, slug), sources)| {
            sources.iter().map(move |(source, people)| {
                html! {
                    tr {
                        td { (resource) }
                        td { (slug) }
                        td { (source) }
                        td { (thousands(people.len())) }
                        td {
                            @if people.len() <= 10 { (people.join(", ")) }
                            @else {
                                details {
                                    summary { (thousands(people.len())) " " (plural(people.len(), "person", "people")) }
                                    (people.join(", "))
                                }
                            }
                        }
                    }
                }
            })
        }),
    )
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
