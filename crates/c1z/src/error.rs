//! The crate's one error type: every variant names the file and says what is wrong.

use std::path::PathBuf;

/// What went wrong reading or writing a `.c1z` file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read, written, renamed or synced.
    #[error("cannot {action} {}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, e.g. `read` or `rename into place`.
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{} is empty, not a .c1z file", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file does not start with the v1 magic bytes `C1ZF\0`.
    #[error(
        "{} is not a .c1z file (it does not start with the C1ZF magic bytes); refusing to use it",
        .path.display()
    )]
    NotC1z {
        /// The file.
        path: PathBuf,
    },
    /// The file is a v3 (Pebble) `.c1z`, which this crate does not read or write.
    #[error(
        "{} is a v3 (Pebble) .c1z file, which is not supported; write v1 files with baton's \
         `--storage-engine sqlite` or choose another output path",
        .path.display()
    )]
    V3Unsupported {
        /// The file.
        path: PathBuf,
    },
    /// The zstd stream is corrupt or truncated.
    #[error("{}: the compressed database is corrupt or truncated", .path.display())]
    Decompress {
        /// The file.
        path: PathBuf,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// The decompressed database is larger than the allowed size.
    #[error("{}: the decompressed database exceeds the limit of {limit} bytes", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// SQLite failed, or the decompressed data is not a SQLite database.
    #[error("{}: database error while {context}", .path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A table every v1 `.c1z` has is missing.
    #[error("{}: table {table} is missing, so this is not a complete v1 .c1z file", .path.display())]
    MissingTable {
        /// The file.
        path: PathBuf,
        /// The missing table.
        table: &'static str,
    },
    /// A row's `data` blob does not decode as the protobuf message it should hold.
    #[error("{}: {table} row {external_id:?} does not decode as {message}", .path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The row's `external_id`.
        external_id: String,
        /// The protobuf message expected.
        message: &'static str,
        /// The decoder's error.
        #[source]
        source: prost::DecodeError,
    },
    /// No sync with the requested id is in the file.
    #[error("{}: no sync with id {sync_id:?}; list them with `syncs`", .path.display())]
    UnknownSync {
        /// The file.
        path: PathBuf,
        /// The requested id.
        sync_id: String,
    },
    /// The file holds no sync at all.
    #[error("{}: the file holds no sync", .path.display())]
    NoSyncs {
        /// The file.
        path: PathBuf,
    },
    /// The directory the output file goes in does not exist.
    #[error("the directory {} for {} does not exist; create it first", .dir.display(), .path.display())]
    MissingDirectory {
        /// The output file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The directory the output file goes in is not writable.
    #[error("the directory {} for {} is not writable", .dir.display(), .path.display())]
    DirectoryNotWritable {
        /// The output file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// The error creating a file there.
        #[source]
        source: std::io::Error,
    },
    /// The writer was used out of order (a write before `begin_sync`, anything after `end_sync`).
    #[error("{}: {what}", .path.display())]
    Usage {
        /// The output file.
        path: PathBuf,
        /// What was wrong.
        what: &'static str,
    },
    /// An earlier write failed, so the sync cannot be completed; the previous file is untouched.
    #[error("{}: an earlier write failed, so this sync cannot continue", .path.display())]
    Poisoned {
        /// The output file.
        path: PathBuf,
    },
    /// Another writer is syncing into the same file right now.
    #[error("{}: another writer is syncing into this file; wait for it to finish", .path.display())]
    InUse {
        /// The output file.
        path: PathBuf,
    },
    /// The working database or its journal may hold someone else's data: it is a symbolic
    /// link, not a regular file, owned by another user or writable by other users.
    #[error(
        "{} is {reason}, so the unfinished sync in it is not resumed (it could hold someone \
         else's data); check where it came from, then delete it to start a new sync",
        .path.display()
    )]
    UnsafeWorkingFile {
        /// The working file.
        path: PathBuf,
        /// What is wrong with it, e.g. `owned by another user`.
        reason: &'static str,
    },
    /// A page token given to the writer was not one it made.
    #[error("{}: page token {token:?} was not made by this writer; pass the `next` of the previous page", .path.display())]
    PageToken {
        /// The output file.
        path: PathBuf,
        /// The token.
        token: String,
    },
    /// The writer's background thread stopped.
    #[error("{}: the writer thread stopped unexpectedly", .path.display())]
    WriterGone {
        /// The output file.
        path: PathBuf,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the error says the file is not a usable v1 `.c1z` (empty, wrong magic, v3).
    pub fn is_not_c1z(&self) -> bool {
        matches!(
            self,
            Error::Empty { .. } | Error::NotC1z { .. } | Error::V3Unsupported { .. }
        )
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    pub(crate) fn sqlite(
        path: impl Into<PathBuf>,
        context: impl Into<String>,
        source: rusqlite::Error,
    ) -> Self {
        Error::Sqlite {
            path: path.into(),
            context: context.into(),
            source,
        }
    }
}

impl From<Error> for connector_sdk::StoreError {
    fn from(e: Error) -> Self {
        connector_sdk::StoreError::new("the .c1z writer failed").with_source(e)
    }
}
