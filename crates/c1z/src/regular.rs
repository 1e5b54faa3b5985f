//! Opening a file someone named: only a regular file, checked on the opened handle (a check of
//! the path and then an open could be raced by a swap in between), opened without blocking
//! (opening a FIFO for reading otherwise waits for a writer, forever).

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading if it is a regular file (following symbolic links); `None` when it
/// is a directory, FIFO, socket or device, which is then closed unread.
pub fn open_regular(path: &Path) -> io::Result<Option<File>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Ok(None);
    }
    #[cfg(unix)]
    {
        // Reads of a regular file never block; cleared all the same, so the handle behaves as
        // one `File::open` gives.
        let flags = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
    }
    Ok(Some(file))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_open_and_a_fifo_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(open_regular(&file).unwrap().is_some());
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(open_regular(&fifo).unwrap().is_none());
        assert!(open_regular(dir.path()).unwrap().is_none());
        assert!(open_regular(Path::new("/dev/null")).unwrap().is_none());
        assert!(open_regular(&dir.path().join("missing")).is_err());
    }
}
