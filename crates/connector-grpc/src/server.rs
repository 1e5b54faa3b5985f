//! The services: each call answered by the connector's syncers and provisioning traits.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use connector_proto::{
    entitlement_from_proto, entitlement_to_proto, grant_from_proto, grant_to_proto,
    profile_from_proto, resource_from_proto, resource_id_from_proto, resource_to_proto,
    resource_type_to_proto,
};
use connector_sdk::provision::{self, Mode};
use connector_sdk::{
    AccountContext, AccountInfo, CallContext, CancellationToken, Capability, Connector,
    ConnectorError, EventFeed, GetContext, GrantContext, ListContext, Outcome, Page, Resource,
    ResourceContext, ResourceId, ResourceSyncer, RevokeContext, SessionCache,
};
use prost::Message;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::ahead::{Ahead, LOOKAHEAD, PageKey};
use crate::pb::v2::{self, *};
use crate::status::{from_error, invalid};
use crate::tls::Tls;
use crate::tokens::{MAX_ENQUEUED, WireToken};

/// What a server may do beyond syncing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Answer `Grant`, `Revoke` and `CreateAccount` (baton's `--provisioning`); without it they
    /// answer `FailedPrecondition: provisioning is not enabled`, as baton's do.
    pub provisioning: bool,
    /// The most bytes the syncs' session caches hold together (baton's
    /// `--session-store-maximum-size`); 0 keeps nothing.
    pub session_max_bytes: u64,
}

impl Default for Options {
    /// No provisioning, baton's default session cache bound.
    fn default() -> Self {
        Options {
            provisioning: false,
            session_max_bytes: connector_sdk::DEFAULT_SESSION_MAX_BYTES,
        }
    }
}

/// What one sync keeps across calls: the connector's session cache, and the resource pages
/// fetched ahead of baton's calls.
#[derive(Clone)]
struct SyncState {
    id: String,
    session: SessionCache,
    ahead: Ahead,
}

/// The syncs whose session caches are kept at once; a sync that never calls `Cleanup` (it
/// failed) is forgotten once this many newer ones started.
const SESSIONS_KEPT: usize = 16;

/// baton's services over one connector. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    connector: Arc<dyn Connector>,
    syncers: HashMap<String, Arc<dyn ResourceSyncer>>,
    /// The resource types in the connector's order: the order baton lists them in.
    order: Vec<String>,
    options: Options,
    /// The connector's event feed, when it has one.
    feed: Option<Arc<dyn EventFeed>>,
    /// What each sync keeps across calls, by `active_sync_id` (the empty id is a sync that sent
    /// none), oldest first.
    syncs: Mutex<VecDeque<SyncState>>,
    /// The session cache every sync's is a scope of, as baton keeps one cache for all syncs:
    /// its bound holds for all of them together.
    sessions: SessionCache,
    cancel: CancellationToken,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("resource_types", &self.inner.order)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// The services of `connector`.
    pub fn new(connector: Arc<dyn Connector>, options: Options) -> Services {
        let list = connector.syncers();
        let order = list.iter().map(|s| s.resource_type().id).collect();
        let syncers = list
            .into_iter()
            .map(|s| (s.resource_type().id, s))
            .collect();
        let feed = connector.event_feed();
        Services {
            inner: Arc::new(Inner {
                feed,
                connector,
                syncers,
                order,
                options,
                syncs: Mutex::new(VecDeque::new()),
                sessions: SessionCache::new(options.session_max_bytes),
                cancel: CancellationToken::new(),
            }),
        }
    }

    /// Cancelled when the server stops: connector calls still running see it.
    pub fn cancellation(&self) -> CancellationToken {
        self.inner.cancel.clone()
    }

    /// The connector's event feed, when it has one.
    pub(crate) fn event_feed(&self) -> Option<&Arc<dyn EventFeed>> {
        self.inner.feed.as_ref()
    }

    fn syncer(&self, resource_type: &str, what: &str) -> Result<&dyn ResourceSyncer, Status> {
        self.syncer_arc(resource_type, what).map(|s| s.as_ref())
    }

    fn syncer_arc(
        &self,
        resource_type: &str,
        what: &str,
    ) -> Result<&Arc<dyn ResourceSyncer>, Status> {
        self.inner.syncers.get(resource_type).ok_or_else(|| {
            Status::not_found(format!(
                "{what} of unknown resource type {resource_type:?}: this connector has {}",
                self.inner.order.join(", ")
            ))
        })
    }

    fn syncs(&self) -> std::sync::MutexGuard<'_, VecDeque<SyncState>> {
        self.inner.syncs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What sync `sync_id` keeps, made on its first call.
    fn sync_state(&self, sync_id: &str) -> SyncState {
        let mut syncs = self.syncs();
        if let Some(state) = syncs.iter().find(|s| s.id == sync_id) {
            return state.clone();
        }
        let state = SyncState {
            id: sync_id.to_owned(),
            session: self.inner.sessions.scoped(sync_id),
            ahead: Ahead::default(),
        };
        syncs.push_back(state.clone());
        while syncs.len() > SESSIONS_KEPT {
            if let Some(forgotten) = syncs.pop_front() {
                forgotten.session.clear();
            }
        }
        state
    }

    fn call(&self, token: Option<String>, sync_id: &str) -> CallContext {
        CallContext {
            page_token: token,
            session: self.sync_state(sync_id).session,
            cancel: self.inner.cancel.child_token(),
        }
    }

    /// The page of `syncer` at `key`: fetched ahead, or fetched now.
    async fn list_page(
        &self,
        syncer: &Arc<dyn ResourceSyncer>,
        parent: Option<ResourceId>,
        token: Option<String>,
        sync_id: &str,
        ahead: &Ahead,
        key: &PageKey,
    ) -> Result<Page<Resource>, ConnectorError> {
        if token.is_some()
            && let Some(page) = ahead.take(key).await
        {
            return Ok(page);
        }
        let cx = ListContext {
            parent,
            call: self.call(token, sync_id),
        };
        syncer.list(cx).await
    }

    /// Starts fetching the pages at `tokens` of the listing at `key`, see [`crate::ahead`].
    fn fetch_ahead(
        &self,
        syncer: &Arc<dyn ResourceSyncer>,
        parent: Option<&ResourceId>,
        sync_id: &str,
        ahead: &Ahead,
        key: &PageKey,
        tokens: &[String],
    ) {
        for token in tokens {
            let syncer = Arc::clone(syncer);
            let cx = ListContext {
                parent: parent.cloned(),
                call: self.call(Some(token.clone()), sync_id),
            };
            ahead.start(key.at(token), move || async move { syncer.list(cx).await });
        }
    }

    fn require_provisioning(&self) -> Result<(), Status> {
        match self.inner.options.provisioning {
            true => Ok(()),
            false => Err(Status::failed_precondition("provisioning is not enabled")),
        }
    }
}

/// A page as the response's list, next token and annotations. `spawn`: whether the host
/// schedules independent tokens from an `EnqueuePageTokens` annotation (entitlements, grants).
fn page_out<T, P>(
    page: Page<T>,
    wire: WireToken,
    spawn: bool,
    to_proto: impl Fn(&T) -> P,
) -> (Vec<P>, String, Vec<connector_proto::pb::Any>) {
    for warning in &page.warnings {
        tracing::warn!(target: "connector", "{warning}");
    }
    let list = page.items.iter().map(to_proto).collect();
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
    (list, wire.next(page.next_token, enqueue), annotations)
}

fn parse_token(wire: &str) -> Result<WireToken, Status> {
    WireToken::parse(wire).map_err(invalid)
}

fn failed(error: ConnectorError) -> Status {
    from_error(&error)
}

#[tonic::async_trait]
impl connector_service_server::ConnectorService for Services {
    async fn get_metadata(
        &self,
        _: Request<ConnectorServiceGetMetadataRequest>,
    ) -> Result<Response<ConnectorServiceGetMetadataResponse>, Status> {
        let connector = self.inner.connector.as_ref();
        let about = connector.metadata();
        let capabilities = connector_sdk::capabilities(connector);
        let number = |c: &Capability| c.number();
        let account_provisioning = capabilities
            .connector
            .contains(&Capability::AccountProvisioning)
            .then(|| CredentialDetails {
                capability_account_provisioning: Some(CredentialDetailsAccountProvisioning {
                    supported_credential_options: vec![
                        CapabilityDetailCredentialOption::NoPassword as i32,
                    ],
                    preferred_credential_option: CapabilityDetailCredentialOption::NoPassword
                        as i32,
                }),
            });
        let metadata = ConnectorMetadata {
            display_name: about.display_name,
            description: about.description,
            capabilities: Some(ConnectorCapabilities {
                resource_type_capabilities: capabilities
                    .resource_types
                    .iter()
                    .map(|t| ResourceTypeCapability {
                        resource_type: Some(resource_type_to_proto(&t.resource_type)),
                        capabilities: t.capabilities.iter().map(number).collect(),
                    })
                    .collect(),
                connector_capabilities: capabilities.connector.iter().map(number).collect(),
                credential_details: account_provisioning,
            }),
            ..Default::default()
        };
        Ok(Response::new(ConnectorServiceGetMetadataResponse {
            metadata: Some(metadata),
        }))
    }

    async fn validate(
        &self,
        _: Request<ConnectorServiceValidateRequest>,
    ) -> Result<Response<ConnectorServiceValidateResponse>, Status> {
        self.inner.connector.validate().await.map_err(failed)?;
        Ok(Response::new(ConnectorServiceValidateResponse {
            annotations: Vec::new(),
            sdk_version: crate::BATON_SDK_VERSION.to_owned(),
        }))
    }

    async fn cleanup(
        &self,
        request: Request<ConnectorServiceCleanupRequest>,
    ) -> Result<Response<ConnectorServiceCleanupResponse>, Status> {
        let sync_id = request.into_inner().active_sync_id;
        self.syncs().retain(|s| {
            let keep = s.id != sync_id;
            if !keep {
                s.session.clear();
            }
            keep
        });
        Ok(Response::new(ConnectorServiceCleanupResponse::default()))
    }
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
        let (list, next_page_token, annotations) = page_out(page, wire, false, resource_to_proto);
        self.fetch_ahead(syncer, parent.as_ref(), sync_id, &ahead, &key, &independent);
        Ok(Response::new(ResourcesServiceListResourcesResponse {
            list,
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
        let (list, next_page_token, annotations) = page_out(page, wire, true, entitlement_to_proto);
        Ok(Response::new(EntitlementsServiceListEntitlementsResponse {
            list,
            next_page_token,
            annotations,
        }))
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
        let (list, next_page_token, annotations) =
            page_out(page, wire, false, entitlement_to_proto);
        Ok(Response::new(
            EntitlementsServiceListStaticEntitlementsResponse {
                list,
                next_page_token,
                annotations,
            },
        ))
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
        let (list, next_page_token, annotations) = page_out(page, wire, true, grant_to_proto);
        Ok(Response::new(GrantsServiceListGrantsResponse {
            list,
            next_page_token,
            annotations,
        }))
    }
}

#[tonic::async_trait]
impl grant_manager_service_server::GrantManagerService for Services {
    async fn grant(
        &self,
        request: Request<GrantManagerServiceGrantRequest>,
    ) -> Result<Response<GrantManagerServiceGrantResponse>, Status> {
        self.require_provisioning()?;
        let request = request.into_inner();
        let (Some(entitlement), Some(principal)) = (request.entitlement, request.principal) else {
            return Err(invalid("a grant needs an entitlement and a principal"));
        };
        let cx = GrantContext {
            principal: resource_from_proto(principal),
            entitlement: entitlement_from_proto(entitlement),
            cancel: self.inner.cancel.child_token(),
        };
        let done = provision::grant(self.inner.connector.as_ref(), cx, Mode::Apply)
            .await
            .map_err(failed)?;
        let annotations = done.outcome.annotations();
        let grants = match &done.outcome {
            Outcome::Granted { grants } => grants.iter().map(grant_to_proto).collect(),
            _ => Vec::new(),
        };
        Ok(Response::new(GrantManagerServiceGrantResponse {
            annotations: annotations
                .iter()
                .map(connector_proto::annotation_to_any)
                .collect(),
            grants,
        }))
    }

    async fn revoke(
        &self,
        request: Request<GrantManagerServiceRevokeRequest>,
    ) -> Result<Response<GrantManagerServiceRevokeResponse>, Status> {
        self.require_provisioning()?;
        let grant = request
            .into_inner()
            .grant
            .ok_or_else(|| invalid("a revoke needs the grant"))?;
        let cx = RevokeContext {
            grant: grant_from_proto(grant),
            cancel: self.inner.cancel.child_token(),
        };
        let done = provision::revoke(self.inner.connector.as_ref(), cx, Mode::Apply)
            .await
            .map_err(failed)?;
        let annotations = done.outcome.annotations();
        Ok(Response::new(GrantManagerServiceRevokeResponse {
            annotations: annotations
                .iter()
                .map(connector_proto::annotation_to_any)
                .collect(),
        }))
    }
}

#[tonic::async_trait]
impl account_manager_service_server::AccountManagerService for Services {
    async fn create_account(
        &self,
        request: Request<CreateAccountRequest>,
    ) -> Result<Response<CreateAccountResponse>, Status> {
        use create_account_response::{
            ActionRequiredResult, AlreadyExistsResult, Result as Created, SuccessResult,
        };
        use credential_options::Options as Credential;

        self.require_provisioning()?;
        let request = request.into_inner();
        match request.credential_options.and_then(|c| c.options) {
            None | Some(Credential::NoPassword(_)) | Some(Credential::Sso(_)) => {}
            Some(_) => {
                return Err(invalid(
                    "this connector creates accounts without a password: ask for no password \
                     (or SSO)",
                ));
            }
        }
        let info = request.account_info.unwrap_or_default();
        let mut emails = info.emails;
        // The primary address first: it is the one an invitation goes to.
        emails.sort_by_key(|e| !e.is_primary);
        let account = AccountInfo {
            login: info.login,
            emails: emails.into_iter().map(|e| e.address).collect(),
            profile: info.profile.map(profile_from_proto).unwrap_or_default(),
        };
        let resource_type = Some(request.resource_type_id.as_str()).filter(|t| !t.is_empty());
        let cx = AccountContext {
            account,
            cancel: self.inner.cancel.child_token(),
        };
        let connector = self.inner.connector.as_ref();
        let done = provision::create_account(connector, resource_type, cx, Mode::Apply)
            .await
            .map_err(failed)?;
        let result = match done.outcome {
            Outcome::Created { resource } => Created::Success(SuccessResult {
                resource: resource.map(|r| resource_to_proto(&r)),
                is_create_account_result: true,
            }),
            Outcome::Invited => Created::ActionRequired(ActionRequiredResult {
                resource: None,
                message: done.detail,
                is_create_account_result: true,
            }),
            Outcome::AlreadyExists => Created::AlreadyExists(AlreadyExistsResult {
                resource: None,
                is_create_account_result: true,
            }),
            other => {
                return Err(Status::internal(format!(
                    "account creation ended as {}",
                    other.as_str()
                )));
            }
        };
        Ok(Response::new(CreateAccountResponse {
            result: Some(result),
            annotations: Vec::new(),
        }))
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

/// Serves `services` on `listener` — with mutual TLS when `tls` is given — until `shutdown`
/// completes; then connector calls still running are cancelled and the server stops.
pub async fn serve(
    services: Services,
    listener: tokio::net::TcpListener,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls.config)?;
    }
    let cancel = services.cancellation();
    let shutdown = async move {
        shutdown.await;
        cancel.cancel();
    };
    // Without TCP_NODELAY a small response can wait for the client's delayed ACK (Nagle's
    // algorithm): tens of milliseconds a call under baton's many small requests. The builder's
    // own `tcp_nodelay` applies only to listeners it binds itself.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let s = services;
    builder
        .add_service(v2::connector_service_server::ConnectorServiceServer::new(
            s.clone(),
        ))
        .add_service(v2::resource_types_service_server::ResourceTypesServiceServer::new(s.clone()))
        .add_service(v2::resources_service_server::ResourcesServiceServer::new(
            s.clone(),
        ))
        .add_service(
            v2::resource_getter_service_server::ResourceGetterServiceServer::new(s.clone()),
        )
        .add_service(v2::entitlements_service_server::EntitlementsServiceServer::new(s.clone()))
        .add_service(v2::grants_service_server::GrantsServiceServer::new(
            s.clone(),
        ))
        .add_service(v2::grant_manager_service_server::GrantManagerServiceServer::new(s.clone()))
        .add_service(
            v2::account_manager_service_server::AccountManagerServiceServer::new(s.clone()),
        )
        .add_service(v2::asset_service_server::AssetServiceServer::new(s.clone()))
        .add_service(v2::event_service_server::EventServiceServer::new(s))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
