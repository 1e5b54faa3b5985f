//! The decompressed copy of a `.c1z` a reader queries: a private temporary file (`c1z-read-*.db`,
//! up to the decompressed-size limit of plaintext personal data). On Unix it is unlinked as soon
//! as SQLite has it open, so no interruption after that leaves it behind; while it is being
//! written it is listed, and [`remove_read_copies`] (what a program calls when a signal ends it)
//! removes what is listed. Only a kill (SIGKILL, the machine stopping) can still leave one: its
//! name carries the process id, and the next reader of this user removes the copies of
//! processes that are gone ([`sweep`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, PoisonError};

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
        static SWEPT: Once = Once::new();
        let dir = std::env::temp_dir();
        SWEPT.call_once(|| sweep(&dir));
        let file = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .suffix(".db")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, "create a temporary file in", e))?;
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

/// How a copy's name starts; the process id and a random part follow.
const PREFIX: &str = "c1z-read-";

/// Removes the copies in `dir` that a killed process of this user left: named
/// `c1z-read-<pid>-*.db`, owned by this user, of a process that no longer exists. Best effort:
/// whatever cannot be read or removed stays.
fn sweep(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let uid = rustix::process::geteuid().as_raw();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(left_by) else {
                continue;
            };
            let ours = entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.uid() == uid);
            if ours && !alive(pid) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The process id in a copy's name, if `name` is one.
fn left_by(name: &str) -> Option<i32> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(".db")?;
    let (pid, _random) = rest.split_once('-')?;
    pid.parse().ok()
}

/// Whether process `pid` exists (signal 0: "no such process" is the only answer that says no).
#[cfg(unix)]
fn alive(pid: i32) -> bool {
    match rustix::process::Pid::from_raw(pid) {
        Some(pid) => !matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        ),
        None => true,
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

    /// A copy a killed process left (its pid gone) is removed by the next sweep; one of a live
    /// process, or not named as a copy, stays.
    #[test]
    fn a_sweep_removes_only_the_copies_of_processes_that_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        // Pids wrap below 2^22 on Linux: this one cannot be running.
        let gone = dir.path().join(format!("{PREFIX}2147483000-abc.db"));
        let live = dir
            .path()
            .join(format!("{PREFIX}{}-abc.db", std::process::id()));
        let other = dir.path().join("c1z-read-notes.txt");
        for path in [&gone, &live, &other] {
            std::fs::write(path, b"x").unwrap();
        }
        sweep(dir.path());
        assert!(!gone.exists());
        assert!(live.exists() && other.exists());
        assert_eq!(left_by("c1z-read-42-Ab3.db"), Some(42));
        assert_eq!(left_by("c1z-read-Ab3.db"), None);
    }
}
