//! Files that hold personal data (every email, every role): the working database is created
//! readable by its owner only, and a working file someone else could have written is refused
//! rather than resumed, since resuming it would publish its rows as this sync's.
//!
//! On platforms without Unix permissions files are created with the platform's defaults and
//! only symbolic links are refused.

use std::fs::{self, File, Metadata, OpenOptions};
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `path`, which must not exist, readable and writable by its owner only.
pub(crate) fn create(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| Error::io(path, "create", e))
}

/// Refuses `path` unless it is missing or a regular file of this user that no one else may
/// write.
pub(crate) fn check_own(path: &Path) -> Result<()> {
    match unsafe_file(path)? {
        Some(reason) => Err(Error::UnsafeWorkingFile {
            path: path.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Refuses the output `path` unless it is missing or a regular file of this user that no one
/// else may write: its syncs are carried into the next file.
pub(crate) fn check_own_output(path: &Path) -> Result<()> {
    match unsafe_file(path)? {
        Some(reason) => Err(Error::UnsafeOutputFile {
            path: path.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Why `path` may hold someone else's data, if it exists and may.
fn unsafe_file(path: &Path) -> Result<Option<&'static str>> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(unsafe_reason(&meta, effective_uid())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, "inspect", e)),
    }
}

/// Makes `path` readable and writable by its owner only.
pub(crate) fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path, "set the permissions of", e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Why a file with `meta` may hold someone else's data, if it may; `uid` is this process's.
#[cfg_attr(not(unix), expect(unused_variables))]
fn unsafe_reason(meta: &Metadata, uid: u32) -> Option<&'static str> {
    if meta.file_type().is_symlink() {
        return Some("a symbolic link");
    }
    if !meta.is_file() {
        return Some("not a regular file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != uid {
            return Some("owned by another user");
        }
        if meta.mode() & 0o022 != 0 {
            return Some("writable by other users");
        }
    }
    None
}

#[cfg(unix)]
fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(not(unix))]
fn effective_uid() -> u32 {
    0
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn only_own_regular_files_no_one_else_may_write_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("own");
        create(&own).unwrap();
        let meta = fs::symlink_metadata(&own).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let uid = effective_uid();
        assert_eq!(unsafe_reason(&meta, uid), None);
        assert_eq!(unsafe_reason(&meta, uid + 1), Some("owned by another user"));

        for (mode, reason) in [
            (0o644, None),
            (0o664, Some("writable by other users")),
            (0o606, Some("writable by other users")),
        ] {
            fs::set_permissions(&own, fs::Permissions::from_mode(mode)).unwrap();
            let meta = fs::symlink_metadata(&own).unwrap();
            assert_eq!(unsafe_reason(&meta, uid), reason, "mode {mode:o}");
        }

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&own, &link).unwrap();
        let meta = fs::symlink_metadata(&link).unwrap();
        assert_eq!(unsafe_reason(&meta, uid), Some("a symbolic link"));
        let meta = fs::symlink_metadata(dir.path()).unwrap();
        assert_eq!(unsafe_reason(&meta, uid), Some("not a regular file"));
    }
}
