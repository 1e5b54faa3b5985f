//! Reading a secret from a file or standard input, as carefully as a credential deserves: only
//! a small regular file, never one others can change, wiped from memory once it is a
//! `SecretString`.

use std::io::Read;
use std::path::Path;

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::Setting;
use crate::error::{Error, Result};

/// The largest secret file read: credentials are short, and a bigger file is a mistake.
const MAX_BYTES: u64 = 4096;

/// The secret of `setting` from the file at `path` (`-` for standard input). One trailing
/// newline (`\n` or `\r\n`, as editors and `echo` write) is dropped; nothing else is trimmed,
/// so a stray space is reported by whoever parses the secret rather than silently changed.
pub(crate) fn read(setting: &Setting, path: &Path) -> Result<SecretString> {
    let what = setting.display_name.to_lowercase();
    let mut text = Zeroizing::new(String::new());
    if path == Path::new("-") {
        let read = std::io::stdin()
            .lock()
            .take(MAX_BYTES + 1)
            .read_to_string(&mut text);
        read.map_err(|e| Error::io(format!("cannot read the {what} from standard input"), e))?;
    } else {
        let cannot = |e| Error::io(format!("cannot read the {what} file {}", path.display()), e);
        // Opening a FIFO would wait for a writer forever: `open_regular` does not.
        let file = c1z::open_regular(path).map_err(cannot)?.ok_or_else(|| {
            Error::Config(format!(
                "the {what} file {} is not a regular file (a directory, FIFO or device): name \
                 the file that holds the {what}",
                path.display()
            ))
        })?;
        let meta = file.metadata().map_err(cannot)?;
        check_permissions(&format!("{what} file"), path, &meta, true)?;
        file.take(MAX_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(cannot)?;
    }
    if text.len() as u64 > MAX_BYTES {
        return Err(Error::Config(format!(
            "the {what} read from {} is longer than {MAX_BYTES} bytes: the file must hold only \
             the {what}",
            source_name(path)
        )));
    }
    let len = text
        .strip_suffix('\n')
        .map_or(text.len(), |t| t.strip_suffix('\r').unwrap_or(t).len());
    Ok(SecretString::from(&text[..len]))
}

fn source_name(path: &Path) -> String {
    match path == Path::new("-") {
        true => "standard input".to_owned(),
        false => path.display().to_string(),
    }
}

/// Others able to write the file could swap the credential (or where it goes): refused, as is
/// a file another user owns (its owner can change it at any time; root's own files are
/// trusted, as ssh trusts them). Others able to read a `secret` in it is a leak already
/// happened, but the sync can still run: a warning.
#[cfg(unix)]
pub(crate) fn check_permissions(
    what: &str,
    path: &Path,
    meta: &std::fs::Metadata,
    secret: bool,
) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode();
    if mode & 0o022 != 0 {
        return Err(Error::Config(format!(
            "the {what} {} can be written by other users: restrict it with chmod 600",
            path.display()
        )));
    }
    let uid = rustix::process::geteuid().as_raw();
    if meta.uid() != uid && meta.uid() != 0 {
        return Err(Error::Config(format!(
            "the {what} {} belongs to another user (uid {}), who can change it at any time: \
             use a copy of your own (cp it, then chmod 600)",
            path.display(),
            meta.uid()
        )));
    }
    if secret && mode & 0o044 != 0 {
        let warning = format!(
            "the {what} {} is readable by other users: restrict it with chmod 600",
            path.display()
        );
        // A config file is read before logging starts: then the warning goes to stderr itself.
        if tracing::dispatcher::has_been_set() {
            tracing::warn!("{warning}");
        } else {
            crate::output::warn(&warning);
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_permissions(
    _what: &str,
    _path: &Path,
    _meta: &std::fs::Metadata,
    _secret: bool,
) -> Result<()> {
    Ok(())
}

/// Makes `path` readable by its owner only (tests).
#[cfg(test)]
pub(crate) fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    const TOKEN: Setting = Setting::secret("t", "Service token", "The token").from_file();

    fn read_file(contents: &[u8], mode: u32) -> Result<SecretString> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, contents).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        read(&TOKEN, &path)
    }

    #[test]
    fn one_trailing_newline_is_dropped() {
        for (contents, expected) in [
            (&b"id:tok\n"[..], "id:tok"),
            (b"id:tok\r\n", "id:tok"),
            (b"id:tok", "id:tok"),
            (b"id:tok \n\n", "id:tok \n"),
        ] {
            let secret = read_file(contents, 0o600).unwrap();
            assert_eq!(secret.expose_secret(), expected);
        }
    }

    #[test]
    fn a_big_file_is_refused() {
        let err = read_file(&[b'x'; 5000], 0o600).unwrap_err().to_string();
        assert!(err.contains("longer than 4096 bytes"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_write_is_refused() {
        let err = read_file(b"id:tok", 0o622).unwrap_err().to_string();
        assert!(err.contains("can be written by other users"), "{err}");
        assert!(
            read_file(b"id:tok", 0o644).is_ok(),
            "readable is a warning only"
        );
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(&TOKEN, dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
