//! Expand the grants of a `.c1z` any baton connector wrote: a sync made without grant expansion
//! (baton's `--skip-expand-grants`), or one whose expansion you want to check.
//!
//! The sync (the latest finished full sync, or the one named) is listed again, unchanged,
//! through a connector that reads it, and the engine syncs that connector into a new file with
//! grant expansion on, from the `GrantExpandable` annotations the grants carry. The interop
//! harness compares what this writes with what baton-sdk's own expander makes of the same file.
//!
//! ```sh
//! cargo run -p examples --example expand_c1z -- in.c1z out.c1z [SYNC_ID]
//! ```

use std::sync::Arc;

use c1z::{C1zReader, C1zWriter, EntitlementFilter, GrantFilter, ResourceFilter, WriterOptions};
use connector_sdk::{
    Connector, ConnectorError, Entitlement, Grant, ListContext, Page, Resource, ResourceContext,
    ResourceSyncer, ResourceType, SyncOptions, async_trait,
};

/// One sync of a file, as its reader lists it.
struct Sync {
    resource_types: Vec<ResourceType>,
    resources: Vec<Resource>,
    entitlements: Vec<Entitlement>,
    grants: Vec<Grant>,
}

/// A connector that lists a sync again.
struct Replay(Arc<Sync>);

/// One resource type of the sync.
struct ReplayType {
    resource_type: ResourceType,
    sync: Arc<Sync>,
}

#[async_trait]
impl Connector for Replay {
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        let types = self.0.resource_types.iter();
        let syncer = |rt: &ResourceType| -> Arc<dyn ResourceSyncer> {
            Arc::new(ReplayType {
                resource_type: rt.clone(),
                sync: Arc::clone(&self.0),
            })
        };
        types.map(syncer).collect()
    }
}

#[async_trait]
impl ResourceSyncer for ReplayType {
    fn resource_type(&self) -> ResourceType {
        self.resource_type.clone()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        // Every resource at once, parents and all, from the top-level listing: the file holds
        // them already, so no child listing needs to find them.
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let own = self.sync.resources.iter();
        let own = own.filter(|r| r.id.resource_type == self.resource_type.id);
        Ok(Page::last(own.cloned().collect()))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let on = self.sync.entitlements.iter();
        let on = on.filter(|e| e.resource.id == cx.resource.id);
        Ok(Page::last(on.cloned().collect()))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let on = self.sync.grants.iter();
        let on = on.filter(|g| g.entitlement.resource.id == cx.resource.id);
        Ok(Page::last(on.cloned().collect()))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: expand_c1z IN.c1z OUT.c1z [SYNC_ID]".into());
    };
    let reader = C1zReader::open(input)?;
    let sync_id = match rest.first() {
        Some(id) => id.clone(),
        None => reader.latest_sync()?.id,
    };
    let sync = Sync {
        resource_types: reader.resource_types(&sync_id)?,
        resources: reader.resources(&sync_id, ResourceFilter::default())?,
        entitlements: reader.entitlements(&sync_id, EntitlementFilter::default())?,
        grants: reader.grants(&sync_id, GrantFilter::default())?,
    };
    let writer = C1zWriter::open(output, WriterOptions::default())?;
    let options = SyncOptions {
        expand_grants: true,
        ..SyncOptions::default()
    };
    let summary = connector_sdk::sync(&Replay(Arc::new(sync)), &writer, options).await?;
    println!(
        "sync {} of {input} expanded into {output} (sync {}): {} grants created, {} updated",
        sync_id,
        summary.sync_id,
        summary.expansion.grants_created,
        summary.expansion.grants_updated
    );
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
