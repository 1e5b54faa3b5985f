//! `diff`: what changed between two syncs of `--file` (the last two finished full syncs, or the
//! two that `--base-sync-id` and `--applied-sync-id` name), or between the syncs of two files.
//! The comparison is [`c1z::diff`]; this module chooses the syncs and renders the changes.

use std::collections::HashMap;

use c1z::{AttributeChange, C1zReader, Diff, Snapshot, SyncRef};

use crate::cli::DiffArgs;
use crate::commands::drift;
use crate::commands::events::Attribution;
use crate::commands::provenance;
use crate::error::{Error, Result};
use crate::output::note;
use crate::output::{self, Cell, Column, Listing, Table};
use crate::program::About;
use crate::settings::standard::{OutputFormat, Settings};

/// Runs the command; JSON names `about` as the connector in its `provenance`. With
/// `--fail-on`, a finding of those kinds is [`Error::Drift`] (exit 3) once the diff is printed
/// and `--notify` has posted.
pub fn run(about: &About, settings: &Settings, args: &DiffArgs) -> Result<()> {
    let staff = crate::staff::load(args.staff.staff.as_deref(), &args.staff.internal_domains)?;
    let fail_on = drift::kinds(&args.fail_on, staff.is_some())?;
    let open = |path| super::open(settings, path);
    let (base, applied) = (
        args.base_sync_id.as_deref(),
        args.applied_sync_id.as_deref(),
    );
    let readers = match (&args.old, &args.new) {
        (Some(old), Some(new)) => (open(old)?, Some(open(new)?)),
        (None, None) => (open(&settings.file)?, None),
        _ => {
            return Err(Error::Usage(
                "diff takes no file or two files (OLD NEW)".into(),
            ));
        }
    };
    if let (reader, None) = &readers
        && !args.fail_on.is_empty()
        && base.is_none()
        && provenance::previous_full(reader, chosen(reader, applied)?.id())?.is_none()
    {
        // A schedule's first run: no drift yet, and no reason to fail.
        note(&format!(
            "{} holds one finished full sync: nothing to compare yet (--fail-on checks from the \
             next sync on)",
            reader.path().display()
        ));
        return Ok(());
    }
    let (old, new) = match &readers {
        (old, Some(new)) => (chosen(old, base)?, chosen(new, applied)?),
        (reader, None) => pair(reader, base, applied)?,
    };
    note(&format!(
        "comparing sync {} of {} with sync {} of {}",
        provenance::describe(old.run()),
        old.reader().path().display(),
        provenance::describe(new.run()),
        new.reader().path().display()
    ));
    let d = c1z::diff(&old, &new)?;
    if let Some(types) = &d.compared_types {
        note(&format!(
            "a sync compared is not a full sync: only the resource types both hold are \
             compared ({})",
            types.join(", ")
        ));
    }
    let wanted = !args.fail_on.is_empty() || args.notify.is_some() || staff.is_some();
    let findings = match wanted {
        true => Some(drift::findings(&d, &new, staff.as_ref())?),
        false => None,
    };
    // Who made each change, when the newer sync's file keeps an audit log.
    let audit = Attribution::between(new.reader(), old.run(), new.run())?;
    let audit = audit.as_ref();
    match settings.output {
        OutputFormat::Json => {
            let mut document = serde_json::to_value(&d).unwrap_or_default();
            if let Some(audit) = audit {
                attribute_json(&mut document, &d, audit);
            }
            let mut provenance = provenance::json(about, &new)?;
            provenance["base"] = provenance::json(about, &old)?;
            if let Some(fields) = document.as_object_mut() {
                fields.insert("provenance".to_owned(), provenance);
                if let Some(findings) = &findings {
                    fields.insert("findings".to_owned(), serde_json::json!(findings));
                }
            }
            output::print_json(&document)?;
        }
        OutputFormat::Table => {
            let mut text = render_with(&d, audit);
            if let Some(findings) = findings.as_ref().filter(|f| !f.is_empty()) {
                text.push_str("\nFindings:\n");
                text.push_str(&drift::table(findings).render(output::terminal_width()));
            }
            output::print(&text)?;
        }
        format => {
            rows(&d, format, audit)?;
            if let Some(findings) = findings.as_ref().filter(|f| !f.is_empty()) {
                note(&format!("findings: {}", drift::counts(findings)));
            }
        }
    }
    let Some(findings) = findings else {
        return Ok(());
    };
    // What --fail-on names, or (without it) every finding, is what is posted.
    let selected: Vec<drift::Finding> = findings
        .into_iter()
        .filter(|f| args.fail_on.is_empty() || fail_on.contains(&f.kind))
        .collect();
    let posted = match (&args.notify, selected.is_empty()) {
        (Some(url), false) => drift::block_on(drift::notify(
            url,
            &drift::message(about.name, &d, &selected),
        ))?,
        (Some(_), true) => {
            note("no finding to post: --notify sent nothing");
            Ok(())
        }
        (None, _) => Ok(()),
    };
    if !args.fail_on.is_empty() && !selected.is_empty() {
        if let Err(e) = posted {
            crate::exit::report(&e);
        }
        return Err(Error::Drift(format!(
            "{} finding(s) of the kinds --fail-on names ({})",
            selected.len(),
            drift::counts(&selected)
        )));
    }
    posted
}

/// Adds each change's `audit` (who made it, or `no audit entry`) to the diff's JSON.
fn attribute_json(document: &mut serde_json::Value, d: &Diff, audit: &Attribution) {
    for (i, p) in d.access.iter().enumerate() {
        for (key, gained, changes) in [("gained", true, &p.gained), ("lost", false, &p.lost)] {
            for (j, c) in changes.iter().enumerate() {
                document["access"][i][key][j]["audit"] = audit
                    .of_change(gained, &p.principal, c)
                    .map(Into::into)
                    .unwrap_or_default();
            }
        }
    }
    for (key, added, resources) in [
        ("resourcesAdded", true, &d.resources_added),
        ("resourcesRemoved", false, &d.resources_removed),
    ] {
        for (i, r) in resources.iter().enumerate() {
            document[key][i]["audit"] = audit.resource(added, r).into();
        }
    }
}

/// The diff for people: a summary line naming both syncs, the access changes per principal,
/// the resources added and removed, then the attributes of people that changed.
pub fn render(d: &Diff) -> String {
    render_with(d, None)
}

/// [`render`], with an `AUDIT` column saying who made each change when `audit` is given.
pub(crate) fn render_with(d: &Diff, audit: Option<&Attribution>) -> String {
    let width = output::terminal_width();
    let mut text = format!(
        "Changes from sync {}\n          to sync {}:\n{} grants added, {} removed; {} resources \
         added, {} removed; {} attribute changes.\n",
        header(&d.old_sync),
        header(&d.new_sync),
        d.grants_added(),
        d.grants_removed(),
        d.resources_added.len(),
        d.resources_removed.len(),
        d.attributes_changed.len(),
    );
    for r in &d.replaced {
        text.push_str(&format!(
            "{} is now {} (same email {}): an invitation accepted, or an account made again.\n",
            r.old.label(),
            r.new.label(),
            r.email
        ));
    }
    if let Some(types) = &d.compared_types {
        text.push_str(&format!("Compared: {} only.\n", types.join(", ")));
    }
    let mut text = output::wrap(&text, width);
    if d.is_empty() {
        return text;
    }
    let mut section = |table: Table| {
        if !table.is_empty() {
            text.push('\n');
            text.push_str(&table.render(width));
        }
    };
    let audit_column = audit.map(|_| "AUDIT");
    // One row per principal, change, entitlement, way (VIA) and organization, naming each
    // resource: a member made admin of an organization gains admin of each of its databases
    // through it, one line, not one per database. Names, not ids: `-o long` and JSON have them.
    let mut access = Table::new(
        ["PRINCIPAL", "CHANGE", "ENTITLEMENT", "VIA", "RESOURCES"]
            .into_iter()
            .chain(audit_column),
    );
    let names = principal_names(d);
    // Rows in first-seen order, found by their key.
    let mut groups: Vec<(AccessRow, Vec<String>)> = Vec::new();
    let mut row_of: HashMap<AccessRow, usize> = HashMap::new();
    for (change, principal, c) in d.access_changes() {
        let mark = match change {
            "gained" => "+ gained",
            _ => "- lost",
        };
        let said = audit.map(|a| {
            a.of_change(change == "gained", principal, c)
                .unwrap_or_default()
        });
        let key = [
            names.of(principal),
            mark.to_owned(),
            c.entitlement.clone(),
            c.via.join(", "),
        ];
        let name = match c.resource.display_name.is_empty() {
            true => format!("{}:{}", c.resource.resource_type, c.resource.resource),
            false => c.resource.display_name.clone(),
        };
        let row = AccessRow {
            key,
            said,
            place: c.resource.parent.clone(),
        };
        match row_of.get(&row) {
            Some(&i) => groups[i].1.push(name),
            None => {
                row_of.insert(row.clone(), groups.len());
                groups.push((row, vec![name]));
            }
        }
    }
    for (row, resources) in groups {
        let resources: Vec<&str> = resources.iter().map(String::as_str).collect();
        access.row(
            row.key
                .into_iter()
                .chain([c1z::in_place(&row.place, &resources)])
                .chain(row.said),
        );
    }
    section(access);
    let mut resources = Table::new(
        ["CHANGE", "RESOURCE TYPE", "RESOURCE", "DISPLAY NAME"]
            .into_iter()
            .chain(audit_column),
    );
    for (change, r) in d.resource_changes() {
        let mark = match change {
            "added" => "+ added",
            _ => "- removed",
        };
        let said = audit.map(|a| a.resource(change == "added", r));
        resources.row(
            [
                mark.to_owned(),
                r.resource_type.clone(),
                r.resource.clone(),
                r.display_name.clone(),
            ]
            .into_iter()
            .chain(said),
        );
    }
    section(resources);
    let mut attributes = Table::new(["PRINCIPAL", "ATTRIBUTE", "OLD", "NEW", "PERMISSIONS"]);
    for a in &d.attributes_changed {
        attributes.row([
            names.of(&a.principal),
            a.attribute.clone(),
            a.old.clone(),
            a.new.clone(),
            a.permissions.join(", "),
        ]);
    }
    section(attributes);
    text
}

/// How the diff's tables name principals: by name (`acme/name` under another resource), with
/// the id after it only where two principals of the diff share the name.
struct PrincipalNames(std::collections::HashMap<String, usize>);

/// The [`PrincipalNames`] of the principals of `d`.
fn principal_names(d: &Diff) -> PrincipalNames {
    let mut ids: std::collections::HashMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let principals = d
        .access
        .iter()
        .map(|p| &p.principal)
        .chain(d.attributes_changed.iter().map(|a| &a.principal));
    for p in principals {
        ids.entry(p.name())
            .or_default()
            .insert(format!("{}:{}", p.resource_type, p.resource));
    }
    PrincipalNames(
        ids.into_iter()
            .map(|(name, ids)| (name, ids.len()))
            .collect(),
    )
}

impl PrincipalNames {
    fn of(&self, p: &c1z::ResourceRef) -> String {
        let name = p.name();
        match self.0.get(&name).copied().unwrap_or(0) > 1 {
            true => format!("{name} ({}:{})", p.resource_type, p.resource),
            false => name,
        }
    }
}

/// The diff as one row per change, for CSV and JSON Lines; with `audit`, an `AUDIT` column
/// last.
fn rows(d: &Diff, format: OutputFormat, audit: Option<&Attribution>) -> Result<()> {
    let columns = [
        Column::from("CHANGE"),
        Column::from("PRINCIPAL"),
        Column::from("RESOURCE"),
        Column::from("ENTITLEMENT"),
        Column::from("ENTITLEMENT ID"),
        Column::from("ATTRIBUTE"),
        Column::from("OLD"),
        Column::from("NEW"),
        Column::from("PERMISSIONS"),
        Column::from("VIA"),
    ]
    .into_iter()
    .chain(audit.map(|_| Column::from("AUDIT")));
    let as_of = d
        .new_sync
        .ended_at
        .as_deref()
        .unwrap_or(&d.new_sync.started_at);
    let mut listing = Listing::new(format, columns, "changes")
        .provenance(&d.new_sync_id, &provenance::iso(as_of))
        .constant("base_sync_id", &d.old_sync_id);
    let text = |s: &str| Cell::from(s);
    for (change, principal, c) in d.access_changes() {
        let cells = vec![
            text(change),
            Cell::from(principal.label()),
            Cell::from(c.resource.label()),
            Cell::from(&c.entitlement),
            Cell::from(&c.entitlement_id),
        ];
        let mut cells = padded(cells);
        cells[COLUMNS - 1] = Cell::from(c.via.clone());
        if let Some(audit) = audit {
            let said = audit.of_change(change == "gained", principal, c);
            cells.push(Cell::from(said.unwrap_or_default()));
        }
        listing.push(cells, || serde_json::Value::Null)?;
    }
    for r in &d.replaced {
        let cells = vec![
            text("replaced"),
            Cell::from(r.new.label()),
            text(""),
            text(""),
            text(""),
            text("email"),
            Cell::from(r.old.label()),
            Cell::from(r.new.label()),
        ];
        let mut cells = padded(cells);
        cells.extend(audit.map(|_| Cell::from("")));
        listing.push(cells, || serde_json::Value::Null)?;
    }
    for (change, r) in d.resource_changes() {
        let cells = vec![text(change), text(""), Cell::from(r.label())];
        let mut cells = padded(cells);
        if let Some(audit) = audit {
            cells.push(Cell::from(audit.resource(change == "added", r)));
        }
        listing.push(cells, || serde_json::Value::Null)?;
    }
    for a in &d.attributes_changed {
        let mut cells = attribute_cells(a);
        cells.extend(audit.map(|_| Cell::from("")));
        listing.push(cells, || serde_json::Value::Null)?;
    }
    listing.finish("")
}

fn attribute_cells(a: &AttributeChange) -> Vec<Cell> {
    vec![
        Cell::from("changed"),
        Cell::from(a.principal.label()),
        Cell::from(""),
        Cell::from(""),
        Cell::from(""),
        Cell::from(&a.attribute),
        Cell::from(&a.old),
        Cell::from(&a.new),
        Cell::from(a.permissions.clone()),
        Cell::from(""),
    ]
}

/// The columns of [`rows`].
const COLUMNS: usize = 10;

/// `cells` with empty cells up to the columns of [`rows`].
fn padded(mut cells: Vec<Cell>) -> Vec<Cell> {
    cells.resize(COLUMNS, Cell::from(""));
    cells
}

/// `<id> (full, ended 2026-12-06T08:45:00Z)`.
pub(crate) fn header(sync: &SyncRef) -> String {
    let when = match &sync.ended_at {
        Some(ended) => format!("ended {}", provenance::iso(ended)),
        None => format!("unfinished, started {}", provenance::iso(&sync.started_at)),
    };
    format!("{} ({}, {when})", sync.id, sync.sync_type)
}

/// The sync `id` names in the file, or its latest finished full sync.
fn chosen<'r>(reader: &'r C1zReader, id: Option<&str>) -> Result<Snapshot<'r>> {
    let snapshot = reader.snapshot(id)?;
    if !snapshot.run().is_finished() {
        return Err(Error::NotFound(format!(
            "{} holds no finished sync {} (sync {} is unfinished): run the sync again to finish \
             it, or name another with --base-sync-id or --applied-sync-id",
            reader.path().display(),
            id.map(|_| "of that id").unwrap_or("to compare"),
            snapshot.id()
        )));
    }
    Ok(snapshot)
}

/// The two syncs of one file to compare, older first: those named, else the latest finished
/// full sync and the finished full sync before it.
fn pair<'r>(
    reader: &'r C1zReader,
    base: Option<&str>,
    applied: Option<&str>,
) -> Result<(Snapshot<'r>, Snapshot<'r>)> {
    let newer = chosen(reader, applied)?;
    let older = match base {
        Some(id) => chosen(reader, Some(id))?,
        None => match provenance::previous_full(reader, newer.id())? {
            Some(older) => older,
            None => {
                let syncs = reader.syncs()?;
                let count = syncs
                    .iter()
                    .filter(|s| s.is_finished() && s.is_full())
                    .count();
                return Err(Error::NotFound(format!(
                    "{} holds {count} finished full sync(s) up to sync {}; diff needs two: sync \
                     again, name the older one with --base-sync-id, or compare two files with \
                     `diff OLD.c1z NEW.c1z`",
                    reader.path().display(),
                    newer.id()
                )));
            }
        },
    };
    if older.id() == newer.id() {
        return Err(Error::Usage(format!(
            "--base-sync-id and --applied-sync-id both name sync {}: name two syncs",
            older.id()
        )));
    }
    Ok((older, newer))
}

/// One row of the diff's access table: a principal's change of one entitlement, the way it
/// comes (principal, change, entitlement, VIA), what the audit log says of it, and the
/// organization (or other parent) of the resources the row names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct AccessRow {
    key: [String; 4],
    said: Option<String>,
    place: String,
}
