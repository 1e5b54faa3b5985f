//! `diff`: what changed between the last two finished syncs of `--file`, or between the latest
//! finished syncs of two files. The comparison is [`c1z::diff`]; this module renders it.

use std::path::Path;

use c1z::{AccessChange, C1zReader, Diff, ResourceRef, Snapshot};

use crate::cli::DiffArgs;
use crate::error::{Error, Result};
use crate::output::{self, Table};
use crate::settings::standard::{OutputFormat, Settings};

/// Runs the command.
pub fn run(settings: &Settings, args: &DiffArgs) -> Result<()> {
    let d = match (&args.old, &args.new) {
        (Some(old), Some(new)) => {
            let (old, new) = (C1zReader::open(old)?, C1zReader::open(new)?);
            c1z::diff(&latest(&old)?, &latest(&new)?)?
        }
        (None, None) => {
            let reader = C1zReader::open(&settings.file)?;
            let (old, new) = last_two(&reader)?;
            c1z::diff(&old, &new)?
        }
        _ => {
            return Err(Error::Usage(
                "diff takes no file or two files (OLD NEW)".into(),
            ));
        }
    };
    match settings.output {
        OutputFormat::Json => output::print_json(&d),
        OutputFormat::Table => output::print(&render(&d)),
    }
}

/// The diff for people: a summary line, the access changes per principal, then resources.
pub fn render(d: &Diff) -> String {
    let mut text = format!(
        "Changes from sync {} to sync {}: {} grants added, {} removed; {} resources added, {} \
         removed.\n",
        d.old_sync_id,
        d.new_sync_id,
        d.grants_added(),
        d.grants_removed(),
        d.resources_added.len(),
        d.resources_removed.len()
    );
    if d.is_empty() {
        return text;
    }
    let width = output::terminal_width();
    if !d.access.is_empty() {
        let mut table = Table::new(["PRINCIPAL", "CHANGE", "RESOURCE", "ENTITLEMENT"]);
        for p in &d.access {
            let who = label(&p.principal);
            let rows = p
                .gained
                .iter()
                .map(|c| ("+ gained", c))
                .chain(p.lost.iter().map(|c| ("- lost", c)));
            for (change, c) in rows {
                table.row([
                    who.clone(),
                    change.to_owned(),
                    label(&c.resource),
                    entitlement(c),
                ]);
            }
        }
        text.push('\n');
        text.push_str(&table.render(width));
    }
    if !d.resources_added.is_empty() || !d.resources_removed.is_empty() {
        let mut table = Table::new(["CHANGE", "RESOURCE TYPE", "RESOURCE", "DISPLAY NAME"]);
        let rows = d
            .resources_added
            .iter()
            .map(|r| ("+ added", r))
            .chain(d.resources_removed.iter().map(|r| ("- removed", r)));
        for (change, r) in rows {
            table.row([
                change.to_owned(),
                r.resource_type.clone(),
                r.resource.clone(),
                r.display_name.clone(),
            ]);
        }
        text.push('\n');
        text.push_str(&table.render(width));
    }
    text
}

fn label(r: &ResourceRef) -> String {
    match r.display_name.is_empty() || r.display_name == r.resource {
        true => format!("{}:{}", r.resource_type, r.resource),
        false => format!("{}:{} ({})", r.resource_type, r.resource, r.display_name),
    }
}

fn entitlement(c: &AccessChange) -> String {
    c.entitlement.clone()
}

/// The latest finished sync of the file `reader` reads.
fn latest(reader: &C1zReader) -> Result<Snapshot<'_>> {
    let snapshot = reader.snapshot(None)?;
    if !snapshot.run().is_finished() {
        return Err(Error::NotFound(format!(
            "{} holds no finished sync (sync {} is unfinished): run the sync again to finish it",
            reader.path().display(),
            snapshot.id()
        )));
    }
    Ok(snapshot)
}

/// The last two finished full syncs of the file `reader` reads, older first.
fn last_two(reader: &C1zReader) -> Result<(Snapshot<'_>, Snapshot<'_>)> {
    let mut finished: Vec<_> = reader
        .syncs()?
        .into_iter()
        .filter(|s| s.is_finished() && (s.sync_type.is_empty() || s.sync_type == "full"))
        .collect();
    let count = finished.len();
    match (finished.pop(), finished.pop()) {
        (Some(new), Some(old)) => Ok((reader.snapshot_of(old)?, reader.snapshot_of(new)?)),
        _ => Err(Error::NotFound(format!(
            "{} holds {count} finished sync(s); diff needs two: sync again, or compare two files \
             with `diff OLD.c1z NEW.c1z`",
            Path::new(reader.path()).display()
        ))),
    }
}
