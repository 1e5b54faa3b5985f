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
    /// The file is a v3 (Pebble) `.c1z`, which this crate does not read or write: what
    /// baton-sdk v0.25 and later write unless told `--storage-engine sqlite`.
    #[error(
        "{} is a baton v3 (Pebble) .c1z file (it starts with C1Z3: a Pebble database, what \
         baton-sdk v0.25 and later write by default), which this program does not read; have \
         the baton connector or tool write a v1 file with --storage-engine sqlite \
         (BATON_STORAGE_ENGINE=sqlite), or choose another file",
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
    #[error(
        "{}: the decompressed database is larger than the limit of {} MiB",
        .path.display(),
        .limit.div_ceil(1 << 20)
    )]
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
    /// A table the reader needs is a view, a virtual table or has generated columns: reading it
    /// would run the file's own code.
    #[error(
        "{}: {table} is {what}, not a plain table, so this is not a .c1z file baton wrote; \
         refusing to read it",
        .path.display()
    )]
    NotATable {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// What it is instead.
        what: &'static str,
    },
    /// One step of a query ran longer than the reader's time limit.
    #[error(
        "{}: reading the database took longer than {seconds} s for one row, so the file is \
         damaged or hostile; refusing to go on",
        .path.display()
    )]
    TooSlow {
        /// The file.
        path: PathBuf,
        /// The limit, in seconds.
        seconds: u64,
    },
    /// A value in the database is longer than the reader's length limit.
    #[error(
        "{}: a value in the database is longer than {} MiB, so the file is damaged or hostile; \
         refusing to read it",
        .path.display(),
        .limit >> 20
    )]
    ValueTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
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
    /// No sync with the requested id (or id prefix) is in the file.
    #[error("{}: no sync with id {sync_id:?}; list them with `syncs`", .path.display())]
    UnknownSync {
        /// The file.
        path: PathBuf,
        /// The requested id.
        sync_id: String,
    },
    /// Several syncs have ids starting with the prefix given.
    #[error(
        "{}: {prefix:?} is the start of {} sync ids ({}); give more of the id",
        .path.display(),
        .ids.len(),
        .ids.join(", ")
    )]
    AmbiguousSync {
        /// The file.
        path: PathBuf,
        /// The prefix given.
        prefix: String,
        /// The ids it starts.
        ids: Vec<String>,
    },
    /// A name given to look something up (a resource type, a resource, an entitlement, a
    /// principal) names nothing in the sync.
    #[error("no {what} {name:?} in sync {sync_id}{hint}")]
    NoMatch {
        /// What was looked up, e.g. `resource type`.
        what: &'static str,
        /// The name given.
        name: String,
        /// The sync searched.
        sync_id: String,
        /// `: did you mean "…"?` the closest names that exist, and what exists in a few words.
        hint: String,
    },
    /// A name given to look something up names several things.
    #[error(
        "{what} {name:?} names {} in sync {sync_id}: {}; name one as listed (<parent>/<name>, or its id)",
        crate::error::count(.candidates.len(), .plural),
        .candidates.join(", ")
    )]
    Ambiguous {
        /// What was looked up, e.g. `resource`.
        what: &'static str,
        /// Its plural, e.g. `resources`.
        plural: &'static str,
        /// The name given.
        name: String,
        /// The sync searched.
        sync_id: String,
        /// What it names, each with its id.
        candidates: Vec<String>,
    },
    /// The file holds no sync at all.
    #[error("{}: the file holds no sync", .path.display())]
    NoSyncs {
        /// The file.
        path: PathBuf,
    },
    /// The output path exists and is not a `.c1z`: it is never overwritten.
    #[error(
        "cannot write {}: it exists and is not a .c1z file; refusing to overwrite it: choose \
         another output file or move the file away",
        .path.display()
    )]
    WouldOverwrite {
        /// The output file.
        path: PathBuf,
    },
    /// The path is a directory, FIFO, socket or device, not a file.
    #[error(
        "cannot use {}: it is not a regular file (a directory, FIFO, socket or device)",
        .path.display()
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The directory the output file goes in does not exist.
    #[error(
        "cannot write {}: directory {} does not exist: create it or choose another output file",
        .path.display(),
        .dir.display()
    )]
    MissingDirectory {
        /// The output file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The directory the output file goes in is read-only (no write permission bits at all).
    #[error("cannot write {}: directory {} is read-only", .path.display(), .dir.display())]
    ReadOnlyDirectory {
        /// The output file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The directory the output file goes in is not writable.
    #[error("cannot write {}: directory {} is not writable", .path.display(), .dir.display())]
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
    /// The output file may hold someone else's syncs: it is a symbolic link, owned by another
    /// user or writable by other users. A sync would carry its syncs into the new file.
    #[error(
        "{} is {reason}, so a sync would carry what it holds (possibly someone else's syncs) into \
         the new file; refusing it. If it is yours, make it yours and private (chown it to \
         yourself, chmod 600 it; replace a symbolic link by the file), or give --file another \
         path",
        .path.display()
    )]
    UnsafeOutputFile {
        /// The output file.
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
            Error::Empty { .. }
                | Error::NotC1z { .. }
                | Error::V3Unsupported { .. }
                | Error::WouldOverwrite { .. }
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

    /// A reader's SQLite error in the words of its limits: an interrupt is the step time limit
    /// (`step_limit`), a value too big the length limit (`length_limit` bytes).
    pub(crate) fn limited(self, step_limit: std::time::Duration, length_limit: u64) -> Self {
        let Error::Sqlite {
            path,
            source: rusqlite::Error::SqliteFailure(failure, _),
            ..
        } = &self
        else {
            return self;
        };
        match failure.code {
            rusqlite::ErrorCode::OperationInterrupted => Error::TooSlow {
                path: path.clone(),
                seconds: step_limit.as_secs(),
            },
            rusqlite::ErrorCode::TooBig => Error::ValueTooLarge {
                path: path.clone(),
                limit: length_limit,
            },
            _ => self,
        }
    }
}

/// `: did you mean "a" or "b"? <known>`, the hint of an [`Error::NoMatch`].
pub(crate) fn hint(suggestions: &[String], known: &str) -> String {
    let mut text = String::new();
    if !suggestions.is_empty() {
        let quoted: Vec<String> = suggestions.iter().map(|s| format!("{s:?}")).collect();
        text.push_str(&format!(": did you mean {}?", quoted.join(" or ")));
    }
    if !known.is_empty() {
        text.push_str(if suggestions.is_empty() { ": " } else { " " });
        text.push_str(known);
    }
    text
}

/// `1 resource` / `3 resources`.
fn count(n: usize, plural: &str) -> String {
    match n {
        1 => format!("1 {}", plural.strip_suffix('s').unwrap_or(plural)),
        n => format!("{n} {plural}"),
    }
}

impl From<Error> for connector_sdk::StoreError {
    fn from(e: Error) -> Self {
        connector_sdk::StoreError::new("the .c1z writer failed").with_source(e)
    }
}
