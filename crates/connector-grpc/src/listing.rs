//! The sync's services: resource types, resources (pages fetched ahead, [`crate::ahead`]), one
//! resource (targeted sync), entitlements and grants, each page with its wire token
//! ([`crate::tokens`]); and the asset service, which has nothing to serve.

use connector_proto::{
    resource_from_proto, resource_id_from_proto, resource_to_proto, resource_type_to_proto,
};
use connector_sdk::{GetContext, Page, ResourceContext};
use prost::Message;
use tonic::{Request, Response, Status};

use crate::ahead::{LOOKAHEAD, PageKey};
use crate::pb::v2::*;
use crate::services::{Services, failed};
use crate::status::invalid;
use crate::tokens::{MAX_ENQUEUED, WireToken};
use crate::wire::ListResponse;

/// A page as the response's items, next token and annotations. `spawn`: whether the host
/// schedules independent tokens from an `EnqueuePageTokens` annotation (entitlements, grants).
fn page_out<T>(
    page: Page<T>,
    wire: WireToken,
    spawn: bool,
) -> (Vec<T>, String, Vec<connector_proto::pb::Any>) {
    for warning in &page.warnings {
        tracing::warn!(target: "connector", "{warning}");
    }
    let mut enqueue = page.enqueue;
    let mut annotations = Vec::new();
    if spawn && !enqueue.is_empty() {
        let rest = enqueue.split_off(enqueue.len().min(MAX_ENQUEUED));
        let spawned = EnqueuePageTokens {
            estimated_total: enqueue.len() as i64,
            page_tokens: std::mem::replace(&mut enqueue, rest),
        };
        annotations.push(connector_proto::any(
            "EnqueuePageTokens",
            spawned.encode_to_vec(),
        ));
    }
    (page.items, wire.next(page.next_token, enqueue), annotations)
}

fn parse_token(wire: &str) -> Result<WireToken, Status> {
    WireToken::parse(wire).map_err(invalid)
}

#[tonic::async_trait]
impl resource_types_service_server::ResourceTypesService for Services {
    async fn list_resource_types(
        &self,
        _: Request<ResourceTypesServiceListResourceTypesRequest>,
    ) -> Result<Response<ResourceTypesServiceListResourceTypesResponse>, Status> {
        let list = self
            .inner
            .order
            .iter()
            .filter_map(|id| self.inner.syncers.get(id))
            .map(|s| resource_type_to_proto(&s.resource_type()))
            .collect();
        Ok(Response::new(
            ResourceTypesServiceListResourceTypesResponse {
                list,
                ..Default::default()
            },
        ))
    }
}

#[tonic::async_trait]
impl resources_service_server::ResourcesService for Services {
    async fn list_resources(
        &self,
        request: Request<ResourcesServiceListResourcesRequest>,
    ) -> Result<Response<ResourcesServiceListResourcesResponse>, Status> {
        let request = request.into_inner();
        let syncer = self.syncer_arc(&request.resource_type_id, "resources")?;
        let wire = parse_token(&request.page_token)?;
        let parent = request
            .parent_resource_id
            .map(resource_id_from_proto)
            .filter(|p| !p.resource_type.is_empty() && !p.resource.is_empty());
        let sync_id = &request.active_sync_id;
        let ahead = self.sync_state(sync_id).ahead;
        let token = wire.token.clone();
        let key = PageKey::new(
            &request.resource_type_id,
            parent.as_ref(),
            token.as_deref().unwrap_or_default(),
        );
        let page = self
            .list_page(syncer, parent.clone(), token, sync_id, &ahead, &key)
            .await
            .map_err(failed)?;
        // The independent pages this listing will ask for next: those chained before this page,
        // then the ones it enqueued.
        let independent: Vec<String> = (wire.queued.iter().chain(&page.enqueue))
            .take(LOOKAHEAD)
            .cloned()
            .collect();
        let (items, next_page_token, annotations) = page_out(page, wire, false);
        self.fetch_ahead(syncer, parent.as_ref(), sync_id, &ahead, &key, &independent);
        Ok(Response::new(ResourcesServiceListResourcesResponse {
            list: items.iter().map(resource_to_proto).collect(),
            next_page_token,
            annotations,
        }))
    }
}

#[tonic::async_trait]
impl resource_getter_service_server::ResourceGetterService for Services {
    async fn get_resource(
        &self,
        request: Request<ResourceGetterServiceGetResourceRequest>,
    ) -> Result<Response<ResourceGetterServiceGetResourceResponse>, Status> {
        let request = request.into_inner();
        let id = request
            .resource_id
            .map(resource_id_from_proto)
            .ok_or_else(|| invalid("get resource requires a resource id"))?;
        let syncer = match self.inner.syncers.get(&id.resource_type) {
            Some(syncer) if syncer.supports_get() => syncer,
            _ => {
                return Err(Status::unimplemented(format!(
                    "resource type {:?} does not support getting one resource (targeted sync)",
                    id.resource_type
                )));
            }
        };
        let cx = GetContext {
            id: id.clone(),
            parent: request.parent_resource_id.map(resource_id_from_proto),
            call: self.call(None, &request.active_sync_id),
        };
        match syncer.get(cx).await.map_err(failed)? {
            Some(resource) => Ok(Response::new(ResourceGetterServiceGetResourceResponse {
                resource: Some(resource_to_proto(&resource)),
                annotations: Vec::new(),
            })),
            None => Err(Status::not_found(format!("resource {id} does not exist"))),
        }
    }
}

#[tonic::async_trait]
impl entitlements_service_server::EntitlementsService for Services {
    async fn list_entitlements(
        &self,
        request: Request<EntitlementsServiceListEntitlementsRequest>,
    ) -> Result<Response<EntitlementsServiceListEntitlementsResponse>, Status> {
        let request = request.into_inner();
        let resource = request
            .resource
            .map(resource_from_proto)
            .ok_or_else(|| invalid("list entitlements requires a resource"))?;
        let syncer = self.syncer(&resource.id.resource_type, "entitlements")?;
        let wire = parse_token(&request.page_token)?;
        let cx = ResourceContext {
            resource,
            call: self.call(wire.token.clone(), &request.active_sync_id),
        };
        let page = syncer.entitlements(cx).await.map_err(failed)?;
        let (items, next_page_token, annotations) = page_out(page, wire, true);
        Ok(Response::new(ListResponse::entitlements(
            &items,
            next_page_token,
            annotations,
        )))
    }

    async fn list_static_entitlements(
        &self,
        request: Request<EntitlementsServiceListStaticEntitlementsRequest>,
    ) -> Result<Response<EntitlementsServiceListStaticEntitlementsResponse>, Status> {
        let request = request.into_inner();
        let syncer = self.syncer(&request.resource_type_id, "static entitlements")?;
        let wire = parse_token(&request.page_token)?;
        let cx = self.call(wire.token.clone(), &request.active_sync_id);
        let page = syncer.static_entitlements(cx).await.map_err(failed)?;
        let (items, next_page_token, annotations) = page_out(page, wire, false);
        Ok(Response::new(ListResponse::entitlements(
            &items,
            next_page_token,
            annotations,
        )))
    }
}

#[tonic::async_trait]
impl grants_service_server::GrantsService for Services {
    async fn list_grants(
        &self,
        request: Request<GrantsServiceListGrantsRequest>,
    ) -> Result<Response<GrantsServiceListGrantsResponse>, Status> {
        let request = request.into_inner();
        let resource = request
            .resource
            .map(resource_from_proto)
            .ok_or_else(|| invalid("list grants requires a resource"))?;
        let syncer = self.syncer(&resource.id.resource_type, "grants")?;
        let wire = parse_token(&request.page_token)?;
        let cx = ResourceContext {
            resource,
            call: self.call(wire.token.clone(), &request.active_sync_id),
        };
        let page = syncer.grants(cx).await.map_err(failed)?;
        let (items, next_page_token, annotations) = page_out(page, wire, true);
        Ok(Response::new(ListResponse::grants(
            &items,
            next_page_token,
            annotations,
        )))
    }
}

#[tonic::async_trait]
impl asset_service_server::AssetService for Services {
    type GetAssetStream = futures::stream::Empty<Result<AssetServiceGetAssetResponse, Status>>;

    /// No connector here serves assets: the stream ends at once, as baton's builder's does.
    async fn get_asset(
        &self,
        _: Request<AssetServiceGetAssetRequest>,
    ) -> Result<Response<Self::GetAssetStream>, Status> {
        Ok(Response::new(futures::stream::empty()))
    }
}
