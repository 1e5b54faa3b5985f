//! The checks an output path passes before a sync touches anything: the one place that decides
//! whether a path may become (or be replaced by) a `.c1z`.

use std::path::{Path, PathBuf};

use crate::container;
use crate::error::{Error, Result};

/// Refuses, before any work, a path a sync could not write or must not replace: a missing or
/// read-only directory, a directory, FIFO or device, an existing file that is not a baton v1
/// `.c1z` (such a file is never overwritten), and one that is a symbolic link, another user's or
/// writable by others (its syncs would be carried into the new file). Never opens anything but a regular file, so a FIFO
/// cannot make it hang.
pub fn check_output(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let missing = || Error::MissingDirectory {
        path: path.to_owned(),
        dir: dir.clone(),
    };
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => {}
        _ => return Err(missing()),
    }
    // The mode bits, not only a write probe: root may write into a directory nobody should.
    if std::fs::metadata(&dir).is_ok_and(|m| m.permissions().readonly()) {
        return Err(Error::ReadOnlyDirectory {
            path: path.to_owned(),
            dir,
        });
    }
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return probe(path, &dir),
        Err(e) => return Err(Error::io(path, "read", e)),
        Ok(meta) if !meta.is_file() => {
            return Err(Error::NotAFile {
                path: path.to_owned(),
            });
        }
        Ok(_) => {}
    }
    // Its syncs are carried into the next file: the working files' rule.
    crate::private::check_own_output(path)?;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, "open", e))?;
    match container::check_magic(path, &mut file) {
        Ok(()) => probe(path, &dir),
        Err(Error::NotC1z { .. } | Error::Empty { .. }) => Err(Error::WouldOverwrite {
            path: path.to_owned(),
        }),
        Err(e) => Err(e),
    }
}

/// Creates and removes a file in `dir`: the one sure test that a sync will be able to write.
fn probe(path: &Path, dir: &Path) -> Result<()> {
    match tempfile::Builder::new()
        .prefix(".c1z-probe-")
        .tempfile_in(dir)
    {
        Ok(_) => Ok(()),
        Err(source) => Err(Error::DirectoryNotWritable {
            path: path.to_owned(),
            dir: dir.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &Path) -> String {
        check_output(path).map_or_else(|e| e.to_string(), |()| "ok".to_owned())
    }

    #[test]
    fn output_paths() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check(&dir.path().join("new.c1z")), "ok");
        let missing = check(&dir.path().join("nope/new.c1z"));
        assert!(missing.contains("nope does not exist"), "{missing}");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello").unwrap();
        let err = check(&text);
        assert!(
            err.contains("is not a .c1z file; refusing to overwrite it"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&text).unwrap(), "hello");
        let c1z = dir.path().join("old.c1z");
        std::fs::write(&c1z, b"C1ZF\0rest").unwrap();
        assert_eq!(check(&c1z), "ok");
        let v3 = dir.path().join("v3.c1z");
        std::fs::write(&v3, b"C1Z3\0rest").unwrap();
        assert!(check(&v3).contains("baton v3 (Pebble) .c1z"));
        assert!(check(dir.path()).contains("not a regular file"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_opening_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.c1z");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo is part of coreutils"
        );
        let err = check(&fifo);
        assert!(err.contains("not a regular file"), "{err}");
    }
}
