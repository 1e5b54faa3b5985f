//! Baton `.c1z` files: read and write the v1 format exactly as ConductorOne's baton-sdk does.
//!
//! A v1 `.c1z` is the magic `C1ZF\0` followed by one zstd stream of a SQLite database whose rows
//! hold protobuf encodings of baton's `c1.connector.v2` messages. [`C1zWriter`] implements
//! [`connector_sdk::Store`], so the sync engine writes straight into a file that `baton` and the
//! ConductorOne platform read; [`C1zReader`] reads ours and baton's (old and new), decoding every
//! row into the SDK model, and never trusts the file (size, time and length limits; no view,
//! trigger or generated column of the file ever runs). A [`Snapshot`] is one sync and the
//! questions a reviewer asks of it: names resolved (or refused with what exists), who holds what,
//! one principal's access, totals, the review rows; [`diff`] compares two syncs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use c1z::{C1zReader, C1zWriter, GrantFilter, WriterOptions};
//! use connector_sdk::{ResourceType, Store, Trait};
//!
//! let writer = C1zWriter::open("sync.c1z", WriterOptions::default())?;
//! let start = writer.begin_sync().await?;
//! writer.put_resource_types(vec![ResourceType::new("user", "User", &[Trait::User])]).await?;
//! writer.end_sync().await?;
//!
//! let reader = C1zReader::open("sync.c1z")?;
//! let sync = reader.latest_sync()?;
//! assert_eq!(sync.id, start.sync_id);
//! println!("{} grants", reader.grants(&sync.id, GrantFilter::default())?.len());
//! # Ok(())
//! # }
//! ```
//!
//! # Files
//!
//! A `.c1z` holds personal data (every user's email, every role), so:
//!
//! - The working database `<file>.partial` and its journal are created readable and writable by
//!   their owner only (0600), before SQLite opens them; so is a new output file.
//! - The output file is published 0600, also over an existing file of another mode; an existing
//!   output that is a symbolic link, another user's or writable by others is refused
//!   ([`Error::UnsafeOutputFile`]): its syncs would be carried into the new file.
//! - A working file that is a symbolic link, not a regular file, owned by another user or
//!   writable by others is refused ([`Error::UnsafeWorkingFile`]), never resumed: resuming it
//!   would publish someone else's data as this sync's.
//! - A new sync carries the previous output's syncs over table by table and column by column into
//!   a database with baton's schema, so nothing else of the previous file (a trigger, a view, a
//!   constraint) comes along; the one table of ours, the events (below), is carried the same way.
//!
//! # Events
//!
//! The events of a connector's feed (an audit log: who changed what, when, from where) are kept
//! in a table of their own, `rs_events_v1`, which baton's readers do not read and which exists
//! only once an event was written: each as baton's `c1.connector.v2.Event` and as the SDK's
//! record, keyed by id, with metadata that looks like a secret dropped before it is written.
//! Events are history: every sync carries the previous file's over and retention deletes none,
//! so the file covers the whole period its syncs read ([`C1zReader::events`]).
//!
//! # Grant expansion
//!
//! [`C1zWriter`] answers the reads grant expansion makes through the `Store` trait, and stores
//! expandable grants as baton does: the `GrantExpandable` annotation moved out of the grant's blob
//! into the `expansion` column, with `needs_expansion` set.

#![warn(missing_docs)]

mod cap;
mod clock;
mod container;
mod convert;
mod diff;
mod error;
mod events;
mod ksuid;
mod label;
mod migrate;
mod output;
mod path;
mod principal;
mod private;
pub mod protojson;
mod read_copy;
mod reader;
mod reads;
mod regular;
mod resolve;
mod retention;
mod review;
mod schema;
mod snapshot;
mod sql;
mod sync;
mod sync_stats;
mod worker;
mod working;
mod writer;

pub use cap::{MAX_TEXT, cut_text};
pub use diff::{
    AccessChange, AttributeChange, Diff, PrincipalChanges, Replacement, ResourceRef, SyncRef, diff,
};
pub use error::{Error, Result};
pub use label::{entitlement_name, grouped_in, in_place, label, qualified, short_name};
pub use output::check_output;
pub use path::{Path, Paths};
pub use principal::{
    AttributeDelta, Attributes, Kind, Lifetime, created_by, date_or_never, flag, profile_text,
};
pub use read_copy::remove_read_copies;
pub use reader::{
    C1zReader, Counts, DEFAULT_MAX_DECODED_MB, EntitlementFilter, GrantFilter, ResourceFilter,
    StoredEvent, SyncRun,
};
pub use regular::open_regular;
pub use resolve::placed_label;
pub use review::{Held, ReviewRow, ReviewRowRef, grouped};
pub use snapshot::{Access, Holder, Names, Snapshot};
pub use sync::{SyncError, sync_into_file};
pub use writer::{C1zWriter, WriterOptions};
