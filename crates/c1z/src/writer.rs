//! [`C1zWriter`]: the `.c1z` file store the sync engine writes to.
//!
//! The writer never touches the output file until a sync ends. It works in an uncompressed
//! SQLite database beside it, `<path>.partial`, which a crash leaves behind for the next writer
//! to resume; `end_sync` compresses it into a temporary file and renames that over the output.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use async_trait::async_trait;
use connector_sdk::{
    Entitlement, ExpandableGrant, Grant, Resource, ResourceId, ResourceType, Store, StoreError,
    StorePage, SyncStart, SyncType, Timestamp, events::FeedEvent,
};
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::convert::{self, GrantDecoder, GrantEncoder};
use crate::error::{Error, Result};
use crate::events::EventRow;
use crate::output::check_output;
use crate::reads::{self, PrincipalKey, StoredGrant};
use crate::worker::{Command, EntitlementRow, GrantRow, Reply, ResourceRow, TypeRow, Worker};
use crate::working::partial_path;

/// How many batches may wait for the writer thread before `put_*` calls wait in turn.
const CHANNEL_BATCHES: usize = 8;

/// Options of a [`C1zWriter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriterOptions {
    /// Finished full syncs kept in the file, the current one included (baton's default is 3:
    /// the current and two previous, so `baton diff` can compare); 0 counts as 1.
    pub keep_syncs: usize,
    /// Rows written per SQLite transaction.
    pub batch_size: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            keep_syncs: 3,
            batch_size: 50_000,
        }
    }
}

/// Writes a baton v1 `.c1z` file; implements [`connector_sdk::Store`].
///
/// All SQLite work happens on a dedicated thread; the async methods send it batches over a
/// bounded channel, so memory stays bounded however many grants stream through. Errors of
/// `put_*` calls surface on the next awaited call (`resources`, `checkpoint`, `save_session`,
/// `end_sync`). Dropping the writer without `end_sync` leaves the output file untouched and the
/// sync resumable by the next writer on the same path.
#[derive(Debug)]
pub struct C1zWriter {
    path: PathBuf,
    tx: Option<mpsc::Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl C1zWriter {
    /// Prepares to write `path`.
    ///
    /// Fails if the directory of `path` is missing or not writable, or if `path` exists and is
    /// not a v1 `.c1z` (such a file is never overwritten).
    pub fn open(path: impl AsRef<Path>, options: WriterOptions) -> Result<C1zWriter> {
        let path = path.as_ref().to_owned();
        check_output(&path)?;
        let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
        let worker = Worker::new(path.clone(), options);
        let thread = std::thread::Builder::new()
            .name("c1z-writer".into())
            .spawn(move || worker.run(rx))
            .map_err(|e| Error::io(&path, "start the writer thread for", e))?;
        Ok(C1zWriter {
            path,
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// The output file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The working database the writer uses until the sync ends, `<path>.partial`.
    pub fn partial_path(&self) -> PathBuf {
        partial_path(&self.path)
    }

    async fn send(&self, cmd: Command) -> Result<()> {
        let gone = || Error::WriterGone {
            path: self.path.clone(),
        };
        let tx = self.tx.as_ref().ok_or_else(gone)?;
        tx.send(cmd).await.map_err(|_| gone())
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T> {
        let (reply, rx) = oneshot::channel();
        self.send(make(reply)).await?;
        rx.await.map_err(|_| Error::WriterGone {
            path: self.path.clone(),
        })?
    }

    /// Runs `read` on the writer thread, after the writes sent before it; `grant_index` asks
    /// for the grant index expansion reads through.
    async fn read<T: Send + 'static>(
        &self,
        grant_index: bool,
        context: &'static str,
        read: impl FnOnce(&Connection, &str) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let partial = self.partial_path();
        self.call(|reply: Reply<T>| Command::Read {
            grant_index,
            read: Box::new(move |db| {
                let result = db.and_then(|(conn, sync_id)| {
                    read(conn, sync_id).map_err(|e| Error::sqlite(&partial, context, e))
                });
                let _ = reply.send(result);
            }),
        })
        .await
    }

    fn decode_all<T>(
        &self,
        blobs: &[Vec<u8>],
        table: &'static str,
        message: &'static str,
        decode: fn(&[u8]) -> Result<T, prost::DecodeError>,
    ) -> Result<Vec<T>> {
        blobs
            .iter()
            .map(|b| decode(b).map_err(|source| self.decode_error(table, "", message, source)))
            .collect()
    }

    fn decode_grants(&self, rows: impl IntoIterator<Item = StoredGrant>) -> Result<Vec<Grant>> {
        let mut decoder = GrantDecoder::default();
        rows.into_iter()
            .map(|row| {
                decoder
                    .decode(&row.data, row.expansion.as_deref())
                    .map_err(|source| {
                        self.decode_error(
                            "v1_grants",
                            &row.external_id,
                            "c1.connector.v2.Grant",
                            source,
                        )
                    })
            })
            .collect()
    }

    fn decode_error(
        &self,
        table: &'static str,
        external_id: &str,
        message: &'static str,
        source: prost::DecodeError,
    ) -> Error {
        Error::Decode {
            path: self.partial_path(),
            table,
            external_id: external_id.to_owned(),
            message,
            source,
        }
    }

    fn bad_token(&self, token: &str) -> Error {
        Error::PageToken {
            path: self.path.clone(),
            token: token.to_owned(),
        }
    }
}

impl Drop for C1zWriter {
    fn drop(&mut self) {
        // Closing the channel stops the thread; waiting for it means the working database is
        // closed before anyone opens the same path again.
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[async_trait]
impl Store for C1zWriter {
    async fn begin_sync(&self) -> Result<SyncStart, StoreError> {
        self.begin_sync_of(SyncType::Full).await
    }

    /// Records `sync_type` in `v1_sync_runs` (a partial sync's parent is the latest finished
    /// full sync), and resumes only an unfinished sync of the same type.
    async fn begin_sync_of(&self, sync_type: SyncType) -> Result<SyncStart, StoreError> {
        Ok(self.call(|reply| Command::Begin(sync_type, reply)).await?)
    }

    async fn put_resource_types(&self, items: Vec<ResourceType>) -> Result<(), StoreError> {
        let rows = items
            .iter()
            .map(|rt| TypeRow {
                external_id: rt.id.clone(),
                data: convert::encode_resource_type(rt),
            })
            .collect();
        Ok(self.send(Command::ResourceTypes(rows)).await?)
    }

    async fn put_resources(&self, items: Vec<Resource>) -> Result<(), StoreError> {
        let rows = items
            .iter()
            .map(|r| ResourceRow {
                resource_type_id: r.id.resource_type.clone(),
                external_id: r.id.to_string(),
                parent: r
                    .parent
                    .as_ref()
                    .map(|p| (p.resource_type.clone(), p.resource.clone())),
                data: convert::encode_resource(r),
            })
            .collect();
        Ok(self.send(Command::Resources(rows)).await?)
    }

    async fn put_entitlements(&self, items: Vec<Entitlement>) -> Result<(), StoreError> {
        let rows = items
            .iter()
            .map(|e| EntitlementRow {
                resource_type_id: e.resource.id.resource_type.clone(),
                resource_id: e.resource.id.resource.clone(),
                external_id: e.id.clone(),
                data: convert::encode_entitlement(e),
            })
            .collect();
        Ok(self.send(Command::Entitlements(rows)).await?)
    }

    async fn put_grants(&self, items: Vec<Grant>) -> Result<(), StoreError> {
        let mut encoder = GrantEncoder::default();
        let rows = items
            .into_iter()
            .map(|g| {
                let blob = encoder.encode(&g);
                GrantRow {
                    resource_type_id: g.entitlement.resource.id.resource_type,
                    resource_id: g.entitlement.resource.id.resource,
                    entitlement_id: g.entitlement.id,
                    principal_type: g.principal.id.resource_type,
                    principal_id: g.principal.id.resource,
                    external_id: g.id,
                    expansion: blob.expansion,
                    data: blob.data,
                }
            })
            .collect();
        Ok(self.send(Command::Grants(rows)).await?)
    }

    async fn resources(&self, resource_type: &str) -> Result<Vec<Resource>, StoreError> {
        let resource_type = resource_type.to_owned();
        let blobs = self
            .read(false, "reading resources back", move |conn, sync_id| {
                reads::resources(conn, sync_id, &resource_type)
            })
            .await?;
        let decode = convert::decode_resource;
        Ok(self.decode_all(&blobs, "v1_resources", "c1.connector.v2.Resource", decode)?)
    }

    /// In row order; the `next` token is the last row id.
    async fn expandable_grants(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<StorePage<ExpandableGrant>, StoreError> {
        let limit = limit.max(1);
        let after = match after {
            Some(token) => token.parse::<i64>().map_err(|_| self.bad_token(token))?,
            None => 0,
        };
        let rows = self
            .read(false, "reading expandable grants", move |conn, sync_id| {
                reads::expandable_grants(conn, sync_id, after, limit + 1)
            })
            .await?;
        let (rows, next) = page(rows, limit, |id| Some(id.to_string()));
        let grants = self.decode_grants(rows)?;
        Ok(StorePage {
            items: grants.iter().filter_map(ExpandableGrant::of).collect(),
            next,
        })
    }

    async fn entitlements_by_id(&self, ids: &[String]) -> Result<Vec<Entitlement>, StoreError> {
        let ids = ids.to_vec();
        let blobs = self
            .read(false, "reading entitlements", move |conn, sync_id| {
                reads::entitlements(conn, sync_id, &ids)
            })
            .await?;
        let decode = convert::decode_entitlement;
        Ok(self.decode_all(
            &blobs,
            "v1_entitlements",
            "c1.connector.v2.Entitlement",
            decode,
        )?)
    }

    /// In principal order; the `next` token is the JSON of the last principal and row id.
    async fn grants_of_entitlement(
        &self,
        entitlement_id: &str,
        principal_types: &[String],
        after: Option<&str>,
        limit: usize,
    ) -> Result<StorePage<Grant>, StoreError> {
        let limit = limit.max(1);
        let after: PrincipalKey = match after {
            Some(token) => serde_json::from_str(token).map_err(|_| self.bad_token(token))?,
            None => (String::new(), String::new(), i64::MIN),
        };
        let (entitlement_id, types) = (entitlement_id.to_owned(), principal_types.to_vec());
        let rows = self
            .read(
                true,
                "reading the grants of an entitlement",
                move |conn, sync_id| {
                    reads::grants_of_entitlement(
                        conn,
                        sync_id,
                        &entitlement_id,
                        &types,
                        &after,
                        limit + 1,
                    )
                },
            )
            .await?;
        let (rows, next) = page(rows, limit, |key| serde_json::to_string(key).ok());
        let items = self.decode_grants(rows)?;
        Ok(StorePage { items, next })
    }

    async fn grants_of_principals(
        &self,
        entitlement_id: &str,
        principals: &[ResourceId],
    ) -> Result<Vec<Grant>, StoreError> {
        let entitlement_id = entitlement_id.to_owned();
        let principals: Vec<(String, String)> = principals
            .iter()
            .map(|p| (p.resource_type.clone(), p.resource.clone()))
            .collect();
        let rows = self
            .read(
                true,
                "reading the grants of principals",
                move |conn, sync_id| {
                    reads::grants_of_principals(conn, sync_id, &entitlement_id, &principals)
                },
            )
            .await?;
        Ok(self.decode_grants(rows)?)
    }

    async fn checkpoint(&self, state: &str) -> Result<(), StoreError> {
        let state = state.to_owned();
        Ok(self
            .call(|reply| Command::Checkpoint { state, reply })
            .await?)
    }

    async fn save_session(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        Ok(self
            .call(|reply| Command::Session { entries, reply })
            .await?)
    }

    async fn end_sync(&self) -> Result<(), StoreError> {
        Ok(self.call(Command::End).await?)
    }

    /// The start of the latest finished full sync in the file before this one.
    async fn events_since(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .read(
                false,
                "reading the previous sync's start",
                crate::events::since,
            )
            .await?)
    }

    /// Writes the events, redacted, to the file's events table (see the crate docs).
    async fn put_events(&self, events: Vec<FeedEvent>) -> Result<(), StoreError> {
        let rows = events.into_iter().map(EventRow::of).collect();
        Ok(self.send(Command::Events(rows)).await?)
    }
}

/// The first `limit` of `rows` (read `limit + 1` at a time), and the token of the next page
/// when there is one: the key of the last row kept.
fn page<K, T>(
    mut rows: Vec<(K, T)>,
    limit: usize,
    token: impl Fn(&K) -> Option<String>,
) -> (impl Iterator<Item = T>, Option<String>) {
    let next = match rows.len() > limit {
        true => token(&rows[limit - 1].0),
        false => None,
    };
    rows.truncate(limit);
    (rows.into_iter().map(|(_, row)| row), next)
}
