//! What a sync covers: the options checked, and the connector's syncers checked against the
//! contract (unique, non-empty resource type ids) and the resource type filter.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::SyncOptions;
use crate::connector::Connector;
use crate::error::{Error, Result};
use crate::model::ResourceType;
use crate::syncer::ResourceSyncer;

pub(super) fn check_options(options: &SyncOptions) -> Result<()> {
    if options.workers == 0 {
        return Err(Error::InvalidOptions(
            "workers must be at least 1".to_owned(),
        ));
    }
    if options.batch_size == 0 {
        return Err(Error::InvalidOptions(
            "batch_size must be at least 1".to_owned(),
        ));
    }
    if options.max_expansion_depth == 0 {
        return Err(Error::InvalidOptions(
            "max_expansion_depth must be at least 1".to_owned(),
        ));
    }
    if options.retry.attempts == 0 {
        return Err(Error::InvalidOptions(
            "retry.attempts must be at least 1 (1 disables retries)".to_owned(),
        ));
    }
    Ok(())
}

/// The connector's syncers, checked, and the types this sync covers.
pub(super) struct Plan {
    /// The synced types, in the order the connector returns its syncers.
    pub(super) types: Vec<ResourceType>,
    /// Every type the connector provides, synced or filtered out.
    pub(super) all: HashMap<String, (ResourceType, Arc<dyn ResourceSyncer>)>,
    pub(super) synced: HashSet<String>,
}

impl Plan {
    pub(super) fn new(connector: &dyn Connector, filter: Option<&[String]>) -> Result<Self> {
        let mut all = HashMap::new();
        let mut ordered = Vec::new();
        for syncer in connector.syncers() {
            let rt = syncer.resource_type();
            if rt.id.is_empty() {
                return Err(Error::Contract(format!(
                    "a syncer returned resource type {:?} with an empty id",
                    rt.display_name
                )));
            }
            if all.contains_key(&rt.id) {
                return Err(Error::Contract(format!(
                    "resource type {} is provided by two syncers; resource type ids must be unique",
                    rt.id
                )));
            }
            ordered.push(rt.clone());
            all.insert(rt.id.clone(), (rt, syncer));
        }
        let filter = filter.filter(|f| !f.is_empty());
        let unknown = filter.and_then(|f| f.iter().find(|id| !all.contains_key(*id)));
        if let Some(unknown) = unknown {
            let known: Vec<&str> = ordered.iter().map(|t| t.id.as_str()).collect();
            return Err(Error::InvalidOptions(format!(
                "unknown resource type {unknown:?} in the resource type filter; the connector syncs: {}",
                known.join(", ")
            )));
        }
        let types: Vec<ResourceType> = match filter {
            Some(filter) => ordered
                .into_iter()
                .filter(|t| filter.contains(&t.id))
                .collect(),
            None => ordered,
        };
        let synced = types.iter().map(|t| t.id.clone()).collect();
        Ok(Plan { types, all, synced })
    }

    pub(super) fn resource_type(&self, id: &str) -> Option<&ResourceType> {
        self.all.get(id).map(|(rt, _)| rt)
    }

    pub(super) fn syncer(&self, id: &str) -> Result<Arc<dyn ResourceSyncer>> {
        match self.all.get(id) {
            Some((_, syncer)) => Ok(Arc::clone(syncer)),
            None => Err(Error::Contract(format!(
                "no syncer provides resource type {id}"
            ))),
        }
    }
}
