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
//! the output, renamed over it once complete (or written to standard output with `--out -`).
//! An existing destination is kept unless `--force`, and one that is not a regular file
//! (a symlink, a FIFO, a device) is always refused: renaming over it would replace it. One module per concern: `kinds` (what kind of
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
    let now = jiff::Timestamp::now();
    // Where it goes is checked before the file is read: a refusal costs nothing.
    let out = match &args.out {
        Some(out) if out.as_os_str() == "-" => None,
        Some(out) => Some(Destination::check(out.clone(), false, args.force)?),
        None => Some(Destination::check(
            default_out(&settings.file, &now),
            true,
            args.force,
        )?),
    };
    let staff = crate::staff::load(args.staff.staff.as_deref(), &args.staff.internal_domains)?;
    // Two readers of one decompressed copy: the page reads twice at once (see `page`).
    let [reader, beside] = super::open_shared(settings, &settings.file)?;
    let snapshot = choose(&reader, args.sync_id.as_deref())?;
    let provenance = Provenance::new(about, settings, &now)?;
    let write = |w: &mut dyn Write| -> Result<page::Written> {
        let mut w = html::Visible(BufWriter::with_capacity(1 << 16, w));
        let written = page::write(&mut w, &snapshot, beside, &provenance, args, staff.as_ref())?;
        w.flush()
            .map_err(|e| Error::io("cannot write the report", e))?;
        Ok(written)
    };
    let (written, place) = match out {
        None => (
            write(&mut std::io::stdout().lock())?,
            "the report to standard output".to_owned(),
        ),
        Some(out) => {
            let mut file = out.temporary()?;
            let written = write(file.as_file_mut())?;
            out.persist(file)?;
            (written, out.path.display().to_string())
        }
    };
    crate::output::note(&format!(
        "wrote {place} (sync {}: {} people, {} findings)",
        snapshot.id(),
        thousands(written.people),
        thousands(written.findings),
    ));
    Ok(())
}

/// The file the report goes to, checked: not there yet, or a regular file `--force` replaces.
struct Destination {
    path: PathBuf,
    force: bool,
}

impl Destination {
    /// Refuses `path` when it is a directory or anything but a regular file (a symlink is
    /// refused, not followed: renaming over it would replace the link, not write where it
    /// points), and an existing file without `force`; `default` says it was not named.
    fn check(path: PathBuf, default: bool, force: bool) -> Result<Destination> {
        let named = match default {
            true => format!("the default --out {}", path.display()),
            false => format!("--out {}", path.display()),
        };
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot check {}", path.display()), e)),
            Ok(m) if m.is_dir() => {
                return Err(Error::Usage(format!(
                    "{named} is a directory: name the HTML file to write"
                )));
            }
            Ok(m) if !m.file_type().is_file() => {
                return Err(Error::Usage(format!(
                    "{named} exists and is not a regular file ({}): the report replaces only                      a regular file; choose another --out, or `--out -` for standard output",
                    file_kind(&m.file_type())
                )));
            }
            Ok(_) if !force => return Err(exists(&named)),
            Ok(_) => {}
        }
        Ok(Destination { path, force })
    }

    /// A temporary file beside the destination, renamed over it once complete.
    fn temporary(&self) -> Result<tempfile::NamedTempFile> {
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        tempfile::Builder::new()
            .prefix(".report-")
            .suffix(".html.partial")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(format!("cannot write in {}", dir.display()), e))
    }

    /// Puts the complete `file` in place: over the destination with `--force`, else only if
    /// nothing took its name meanwhile.
    fn persist(&self, file: tempfile::NamedTempFile) -> Result<()> {
        file.as_file()
            .sync_all()
            .map_err(|e| Error::io("cannot write the report", e))?;
        let kept = match self.force {
            true => file.persist(&self.path),
            false => file.persist_noclobber(&self.path),
        };
        match kept {
            Ok(_) => Ok(()),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(exists(&format!("--out {}", self.path.display())))
            }
            Err(e) => Err(Error::io(
                format!("cannot write {}", self.path.display()),
                e.error,
            )),
        }
    }
}

/// The refusal of an existing file.
fn exists(named: &str) -> Error {
    Error::Usage(format!(
        "{named} exists: add --force to replace it, or choose another --out"
    ))
}

/// What a file that is not a regular one is, in words.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    match t.is_symlink() {
        true => "a symbolic link",
        false => "not a regular file",
    }
}

/// `<file stem>-review-<YYYY-MM-DD>.html` beside `file`.
fn default_out(file: &Path, now: &jiff::Timestamp) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sync".to_owned());
    file.with_file_name(format!("{stem}-review-{}.html", now.strftime("%Y-%m-%d")))
}
