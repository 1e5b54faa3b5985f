//! `diff`: what changed between the last two finished syncs of `--file`, or between the latest
//! finished syncs of two files. The comparison itself is [`crate::diff`].

use std::path::Path;

use c1z::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter, SyncRun};

use crate::cli::{DiffArgs, OutputFormat};
use crate::config::Settings;
use crate::diff::{self, AccessChange, Diff, ResourceRef, Snapshot};
use crate::error::{Error, Result};
use crate::output::{self, Table};

/// Runs the command.
pub fn run(settings: &Settings, args: &DiffArgs) -> Result<()> {
    let (old, new) = match (&args.old, &args.new) {
        (Some(old), Some(new)) => (latest(old)?, latest(new)?),
        (None, None) => last_two(&settings.file)?,
        _ => {
            return Err(Error::Usage(
                "diff takes no file or two files (OLD NEW)".into(),
            ));
        }
    };
    let d = diff::diff(&old, &new);
    match settings.output {
        OutputFormat::Json => output::print_json(&serde_json::to_value(&d).unwrap_or_default()),
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
        text.push_str(&table.render());
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
        text.push_str(&table.render());
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

/// The latest finished sync of the file at `path`.
fn latest(path: &Path) -> Result<Snapshot> {
    let reader = C1zReader::open(path)?;
    let sync = reader.latest_sync()?;
    if !sync.is_finished() {
        return Err(Error::NotFound(format!(
            "{} holds no finished sync (sync {} is unfinished): run the sync again to finish it",
            path.display(),
            sync.id
        )));
    }
    snapshot(&reader, &sync)
}

/// The last two finished full syncs of the file at `path`, older first.
fn last_two(path: &Path) -> Result<(Snapshot, Snapshot)> {
    let reader = C1zReader::open(path)?;
    let finished: Vec<SyncRun> = reader
        .syncs()?
        .into_iter()
        .filter(|s| s.is_finished() && (s.sync_type.is_empty() || s.sync_type == "full"))
        .collect();
    match finished.as_slice() {
        [.., old, new] => Ok((snapshot(&reader, old)?, snapshot(&reader, new)?)),
        _ => Err(Error::NotFound(format!(
            "{} holds {} finished sync(s); diff needs two: sync again, or compare two files \
             with `diff OLD.c1z NEW.c1z`",
            path.display(),
            finished.len()
        ))),
    }
}

fn snapshot(reader: &C1zReader, sync: &SyncRun) -> Result<Snapshot> {
    Ok(Snapshot {
        sync_id: sync.id.clone(),
        resources: reader.resources(&sync.id, ResourceFilter::default())?,
        entitlements: reader.entitlements(&sync.id, EntitlementFilter::default())?,
        grants: reader.grants(&sync.id, GrantFilter::default())?,
    })
}
