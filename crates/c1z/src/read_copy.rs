//! The decompressed copy of a `.c1z` a reader queries: a private temporary file (`c1z-read-*.db`,
//! up to the decompressed-size limit of plaintext personal data). On Unix it is unlinked as soon
//! as SQLite has it open, so no interruption after that leaves it behind; while it is being
//! written it is listed, and [`remove_read_copies`] (what a program calls when a signal ends it)
//! removes what is listed.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};

/// The copies that exist under their names now.
static NAMED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every decompressed copy this process still has under a name: for a signal handler
/// about to exit, since an exit runs no destructor. Readers using a removed copy fail.
pub fn remove_read_copies() {
    let mut named = NAMED.lock().unwrap_or_else(PoisonError::into_inner);
    for path in named.drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// One decompressed copy; removed when dropped, if not before.
#[derive(Debug)]
pub(crate) struct ReadCopy {
    file: Option<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl ReadCopy {
    /// A new, empty copy in the temporary directory, readable by its owner only.
    pub(crate) fn new() -> Result<ReadCopy> {
        let file = tempfile::Builder::new()
            .prefix("c1z-read-")
            .suffix(".db")
            .tempfile()
            .map_err(|e| Error::io(std::env::temp_dir(), "create a temporary file in", e))?;
        let path = file.path().to_owned();
        lock().push(path.clone());
        Ok(ReadCopy {
            file: Some(file),
            path,
        })
    }

    /// Its name, for SQLite to open.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A handle on the file, to write the database into.
    pub(crate) fn writer(&self) -> Result<std::fs::File> {
        let open = |e| Error::io(&self.path, "open", e);
        match &self.file {
            Some(file) => file.as_file().try_clone().map_err(open),
            None => Err(open(std::io::ErrorKind::NotFound.into())),
        }
    }

    /// SQLite has the copy open: on Unix its name goes now (the data stays until SQLite closes
    /// it), elsewhere when the reader is dropped.
    pub(crate) fn opened(&mut self) {
        #[cfg(unix)]
        {
            self.unlist();
            if let Some(file) = self.file.take() {
                let _ = file.close();
            }
        }
    }

    fn unlist(&self) {
        lock().retain(|p| *p != self.path);
    }
}

impl Drop for ReadCopy {
    fn drop(&mut self) {
        self.unlist();
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    NAMED.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_listed_until_opened_and_removed_on_a_signal() {
        let mut first = ReadCopy::new().unwrap();
        let second = ReadCopy::new().unwrap();
        assert!(first.path().exists() && second.path().exists());
        first.opened();
        assert!(!first.path().exists());
        remove_read_copies();
        assert!(!second.path().exists());
        drop(second);
        assert!(!lock().contains(&first.path));
    }
}
