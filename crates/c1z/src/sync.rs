//! A connector synced into a `.c1z` file: the library call an embedder makes, and the one
//! `connector-cli`'s sync command makes under its flags, progress and signals.

use std::path::Path;

use connector_sdk::{Connector, SyncOptions, SyncSummary};

use crate::error::Error;
use crate::writer::{C1zWriter, WriterOptions};

/// Why [`sync_into_file`] failed: the file, before the connector was called, or the sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The file cannot be written (its directory, an existing file that is not a `.c1z`, …);
    /// nothing was asked of the connector.
    #[error(transparent)]
    File(#[from] Error),
    /// The sync failed; the file is unchanged, and the next call resumes from the last
    /// checkpoint of `<file>.partial`.
    #[error(transparent)]
    Sync(#[from] connector_sdk::Error),
}

/// Syncs `connector` into the `.c1z` at `path`: the file is replaced by an atomic rename only
/// when the sync ends, an interrupted or failed sync resumes at the next call, and the syncs a
/// file keeps are `writer`'s (`WriterOptions::default()`: baton's).
///
/// ```no_run
/// # async fn run(connector: &dyn connector_sdk::Connector) -> Result<(), c1z::SyncError> {
/// let summary = c1z::sync_into_file(
///     connector,
///     "sync.c1z".as_ref(),
///     c1z::WriterOptions::default(),
///     connector_sdk::SyncOptions::default(),
/// )
/// .await?;
/// println!("{} grants", summary.grants());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`SyncError::File`] when `path` cannot be written, [`SyncError::Sync`] when the sync fails
/// (cancelled through `options.cancel` included).
pub async fn sync_into_file(
    connector: &dyn Connector,
    path: &Path,
    writer: WriterOptions,
    options: SyncOptions,
) -> Result<SyncSummary, SyncError> {
    let store = C1zWriter::open(path, writer)?;
    Ok(connector_sdk::sync(connector, &store, options).await?)
}
