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
//! the output, renamed over it once complete. One module per concern: `kinds` (what kind of
//! principal a resource is), `identities` (the resources that are not people), `people` (the
//! review streamed into the people section), `findings`, `privileged`, `changes`,
//! `provenance`, `page` (the page in reading order), `html` and `graph` (markup and picture).

mod changes;
mod findings;
mod graph;
mod html;
mod identities;
mod kinds;
mod page;
mod people;
mod privileged;
mod provenance;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use self::html::thousands;
use self::provenance::Provenance;
use crate::cli::ReportArgs;
use crate::commands::inspect::choose;
use crate::error::{Error, Result};
use crate::program::About;
use crate::settings::standard::Settings;

/// Runs the command: writes the report of `settings.file` and says where on stderr.
pub fn run(about: &About, settings: &Settings, args: &ReportArgs) -> Result<()> {
    let staff = crate::staff::load(args.staff.staff.as_deref(), &args.staff.internal_domains)?;
    // Two readers of one decompressed copy: the page reads twice at once (see `page`).
    let [reader, beside] = super::open_shared(settings, &settings.file)?;
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
    let provenance = Provenance::new(about, settings, &now)?;
    let written = {
        let mut w = BufWriter::with_capacity(1 << 16, file.as_file_mut());
        let written = page::write(&mut w, &snapshot, beside, &provenance, args, staff.as_ref())?;
        w.flush()
            .map_err(|e| Error::io("cannot write the report", e))?;
        written
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
        thousands(written.people),
        thousands(written.findings),
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
