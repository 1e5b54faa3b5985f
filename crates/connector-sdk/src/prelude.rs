//! What nearly every connector names, for a glob import: `use connector_sdk::prelude::*;`.
//!
//! The traits a connector implements and the types its syncers return; each item keeps its
//! one path at the crate root, and this module only re-exports it. `Result` and `Error` are
//! left out, so that they never shadow a program's own.

pub use crate::{
    Annotation, CallContext, Check, Connector, ConnectorError, Entitlement, ErrorContext,
    ErrorKind, GetContext, Grant, GroupTrait, ListContext, ListedSyncer, Page, Resource,
    ResourceContext, ResourceId, ResourceSyncer, ResourceType, Trait, UserTrait, ValidationReport,
    async_trait,
};
