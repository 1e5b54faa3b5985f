//! The services over a real socket, driven by tonic clients generated from the same `.proto`
//! files: a toy connector whose syncers page, enqueue independent pages, expand grants, use the
//! session cache, fail, and provision.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use connector_grpc::pb::c1::ratelimit::v1 as rl;
use connector_grpc::pb::c1::ratelimit::v1::rate_limiter_service_client::RateLimiterServiceClient;
use connector_grpc::pb::v2::*;
use connector_grpc::{Options, RateLimiter, Services, serve};
use connector_proto::pb;
use connector_sdk::{
    Annotation, CallContext, Connector, ConnectorError, Entitlement, Grant, ListContext, Metadata,
    Page, Resource, ResourceContext, ResourceId, ResourceSyncer, ResourceType, Trait, UserTrait,
    provision::{
        AccountContext, AccountManager, GrantContext, Outcome, Plan, Provisioned,
        ResourceProvisioner, RevokeContext,
    },
};
use prost::Message;
use tonic::Code;
use tonic::transport::Channel;

fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
}

fn team_type() -> ResourceType {
    ResourceType::new("team", "Team", &[Trait::Group])
}

/// Users on pages `p1`, `p2`; page 1 also enqueues `e1`, whose page enqueues `e2`. Accounts
/// created (by their email's local part) are listed on `p2` after `b`.
#[derive(Default)]
struct Users {
    created: std::sync::Mutex<Vec<String>>,
}

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let user = |id: &str| {
            Resource::new(&user_type(), id, id)
                .with_annotation(UserTrait::new().with_email(format!("{id}@x.example"), true))
        };
        let page = match cx.call.page_token.as_deref() {
            None => Page::more(vec![user("a")], "p2").with_enqueued(["e1".to_owned()]),
            Some("p2") => {
                let created = self.created.lock().unwrap().clone();
                Page::last(
                    std::iter::once("b".to_owned())
                        .chain(created)
                        .map(|id| user(&id))
                        .collect(),
                )
            }
            Some("e1") => Page::last(vec![user("c")]).with_enqueued(["e2".to_owned()]),
            Some("e2") => Page::last(vec![user("d")]),
            Some(other) => return Err(ConnectorError::internal(format!("no page {other}"))),
        };
        Ok(page)
    }

    fn account_manager(&self) -> Option<&dyn AccountManager> {
        Some(self)
    }
}

/// Creates a user named by the email's local part; `a`, listed already, exists; an address at
/// `invite.example` is invited.
#[async_trait]
impl AccountManager for Users {
    fn plan_create_account(&self, _: &AccountContext) -> Result<Plan, ConnectorError> {
        Ok(Plan::default())
    }

    async fn create_account(&self, cx: AccountContext) -> Result<Provisioned, ConnectorError> {
        let email = cx.account.email().unwrap_or_default().to_owned();
        let (id, domain) = email.split_once('@').unwrap_or((&email, ""));
        if domain == "invite.example" {
            return Ok(Provisioned::new(
                Outcome::Invited,
                format!("invited {email}"),
            ));
        }
        let mut created = self.created.lock().unwrap();
        if id == "a" || created.iter().any(|c| c == id) {
            return Ok(Provisioned::new(Outcome::AlreadyExists, "exists already"));
        }
        created.push(id.to_owned());
        let resource = Resource::new(&user_type(), id, id);
        Ok(Provisioned::new(
            Outcome::Created {
                resource: Some(Box::new(resource)),
            },
            "created",
        ))
    }
}

/// One team; its grants come on a page and an enqueued one, one of them expandable; listing
/// counts how often the session cache was empty.
struct Teams {
    misses: AtomicUsize,
}

#[async_trait]
impl ResourceSyncer for Teams {
    fn resource_type(&self) -> ResourceType {
        team_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.call.session.get("teams").is_none() {
            self.misses.fetch_add(1, Ordering::SeqCst);
            cx.call.session.put("teams", b"fetched".to_vec());
        }
        Ok(Page::last(vec![Resource::new(
            &team_type(),
            "t1",
            "Team 1",
        )]))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        Ok(Page::last(vec![Entitlement::assignment(
            &cx.resource,
            "member",
        )]))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let grant = |who: &str| Grant::new(&cx.resource, "member", ResourceId::new("user", who));
        match cx.call.page_token.as_deref() {
            None => Ok(Page::last(vec![grant("a")]).with_enqueued(["g2".to_owned()])),
            Some("g2") => Ok(Page::last(vec![grant("b").with_annotation(
                Annotation::GrantExpandable {
                    entitlement_ids: vec!["team:t0:member".into()],
                    shallow: false,
                    resource_type_ids: vec![],
                },
            )])),
            Some(other) => Err(ConnectorError::not_found(format!("no page {other}"))),
        }
    }

    async fn static_entitlements(
        &self,
        _cx: CallContext,
    ) -> Result<Page<Entitlement>, ConnectorError> {
        Err(ConnectorError::unavailable("try later")
            .with_retry_after(std::time::Duration::from_secs(5)))
    }

    fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
        Some(self)
    }
}

#[async_trait]
impl ResourceProvisioner for Teams {
    fn plan_grant(&self, _: &GrantContext) -> Result<Plan, ConnectorError> {
        Ok(Plan::default())
    }
    async fn grant(&self, cx: GrantContext) -> Result<Provisioned, ConnectorError> {
        if cx.principal.id.resource == "held" {
            return Ok(Provisioned::new(Outcome::AlreadyExists, "held already"));
        }
        let grant = Grant::of(&cx.entitlement, cx.principal.id.clone());
        Ok(Provisioned::new(
            Outcome::Granted {
                grants: vec![grant],
            },
            "granted",
        ))
    }
    fn plan_revoke(&self, _: &RevokeContext) -> Result<Plan, ConnectorError> {
        Ok(Plan::default())
    }
    async fn revoke(&self, _: RevokeContext) -> Result<Provisioned, ConnectorError> {
        Ok(Provisioned::new(Outcome::AlreadyRevoked, "gone already"))
    }
}

struct Toy {
    users: Arc<Users>,
    teams: Arc<Teams>,
}

#[async_trait]
impl Connector for Toy {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Toy".into(),
            description: "A toy".into(),
        }
    }
    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![self.users.clone(), self.teams.clone()]
    }
}

struct Running {
    channel: Channel,
    teams: Arc<Teams>,
}

async fn start(provisioning: bool) -> Running {
    start_limited(provisioning, RateLimiter::default()).await
}

/// [`start`], serving `rate_limiter` as baton's `RateLimiterService`.
async fn start_limited(provisioning: bool, rate_limiter: RateLimiter) -> Running {
    let teams = Arc::new(Teams {
        misses: AtomicUsize::new(0),
    });
    let connector = Arc::new(Toy {
        users: Arc::default(),
        teams: teams.clone(),
    });
    let services = Services::new(
        connector,
        Options {
            provisioning,
            ..Options::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        services,
        rate_limiter,
        listener,
        None,
        std::future::pending(),
    ));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Running { channel, teams }
}

fn team() -> pb::Resource {
    pb::Resource {
        id: Some(pb::ResourceId {
            resource_type: "team".into(),
            resource: "t1".into(),
            baton_resource: false,
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn resource_pages_and_enqueued_pages_all_arrive() {
    let running = start(false).await;
    let mut client = resources_service_client::ResourcesServiceClient::new(running.channel);
    let mut token = String::new();
    let mut ids = Vec::new();
    loop {
        let page = client
            .list_resources(ResourcesServiceListResourcesRequest {
                resource_type_id: "user".into(),
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.list.into_iter().map(|r| r.id.unwrap().resource));
        assert!(
            page.annotations.is_empty(),
            "baton ignores them on resources"
        );
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(ids, ["a", "b", "c", "d"]);
}

#[tokio::test]
async fn grant_pages_hand_baton_their_independent_tokens() {
    let running = start(false).await;
    let mut client = grants_service_client::GrantsServiceClient::new(running.channel);
    let first = client
        .list_grants(GrantsServiceListGrantsRequest {
            resource: Some(team()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.next_page_token, "");
    let [any] = first.annotations.as_slice() else {
        panic!("one annotation expected: {:?}", first.annotations);
    };
    assert_eq!(
        any.type_url,
        "type.googleapis.com/c1.connector.v2.EnqueuePageTokens"
    );
    let spawned = EnqueuePageTokens::decode(any.value.as_slice()).unwrap();
    assert_eq!(spawned.page_tokens, ["g2"]);
    let second = client
        .list_grants(GrantsServiceListGrantsRequest {
            resource: Some(team()),
            page_token: "g2".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let grant = &second.list[0];
    assert_eq!(grant.id, "team:t1:member:user:b");
    assert_eq!(
        grant.annotations[0].type_url, "type.googleapis.com/c1.connector.v2.GrantExpandable",
        "the host expands grants from the annotation"
    );
    // A connector's NotFound stays NotFound: baton skips the resource with a warning.
    let missing = client
        .list_grants(GrantsServiceListGrantsRequest {
            resource: Some(team()),
            page_token: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn errors_carry_batons_codes_and_retry_info() {
    let running = start(false).await;
    let mut entitlements =
        entitlements_service_client::EntitlementsServiceClient::new(running.channel.clone());
    let busy = entitlements
        .list_static_entitlements(EntitlementsServiceListStaticEntitlementsRequest {
            resource_type_id: "team".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(busy.code(), Code::Unavailable);
    assert!(
        !busy.details().is_empty(),
        "a RateLimitDescription says when"
    );
    let unknown = entitlements
        .list_entitlements(EntitlementsServiceListEntitlementsRequest {
            resource: Some(pb::Resource {
                id: Some(pb::ResourceId {
                    resource_type: "robot".into(),
                    resource: "r".into(),
                    baton_resource: false,
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    assert!(unknown.message().contains("user, team"), "{unknown:?}");
    let mut getter =
        resource_getter_service_client::ResourceGetterServiceClient::new(running.channel.clone());
    let unsupported = getter
        .get_resource(ResourceGetterServiceGetResourceRequest {
            resource_id: team().id,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(unsupported.code(), Code::Unimplemented);
    let mut resources = resources_service_client::ResourcesServiceClient::new(running.channel);
    let forged = resources
        .list_resources(ResourcesServiceListResourcesRequest {
            resource_type_id: "user".into(),
            page_token: "connector-grpc-chain:{".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(forged.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn one_session_cache_per_sync_until_its_cleanup() {
    let running = start(false).await;
    let mut resources =
        resources_service_client::ResourcesServiceClient::new(running.channel.clone());
    let list = |sync: &str| ResourcesServiceListResourcesRequest {
        resource_type_id: "team".into(),
        active_sync_id: sync.into(),
        ..Default::default()
    };
    for sync in ["s1", "s1", "s2", "s1"] {
        resources.list_resources(list(sync)).await.unwrap();
    }
    assert_eq!(running.teams.misses.load(Ordering::SeqCst), 2);
    let mut connector = connector_service_client::ConnectorServiceClient::new(running.channel);
    connector
        .cleanup(ConnectorServiceCleanupRequest {
            active_sync_id: "s1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    resources.list_resources(list("s1")).await.unwrap();
    assert_eq!(running.teams.misses.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn metadata_validation_assets_and_events_answer_as_batons_do() {
    let running = start(false).await;
    let mut connector =
        connector_service_client::ConnectorServiceClient::new(running.channel.clone());
    let valid = connector
        .validate(ConnectorServiceValidateRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(valid.sdk_version, connector_grpc::BATON_SDK_VERSION);
    let metadata = connector
        .get_metadata(ConnectorServiceGetMetadataRequest {})
        .await
        .unwrap()
        .into_inner()
        .metadata
        .unwrap();
    assert_eq!(metadata.display_name, "Toy");
    let capabilities = metadata.capabilities.unwrap();
    assert_eq!(
        capabilities.connector_capabilities,
        [
            Capability::Provision as i32,
            Capability::Sync as i32,
            Capability::AccountProvisioning as i32
        ]
    );
    let mut types =
        resource_types_service_client::ResourceTypesServiceClient::new(running.channel.clone());
    let listed = types
        .list_resource_types(ResourceTypesServiceListResourceTypesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<&str> = listed.list.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["user", "team"]);

    let mut assets = asset_service_client::AssetServiceClient::new(running.channel.clone());
    let mut stream = assets
        .get_asset(AssetServiceGetAssetRequest {
            asset: Some(pb::AssetRef { id: "icon".into() }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(stream.message().await.unwrap().is_none());
    let mut events = event_service_client::EventServiceClient::new(running.channel);
    let feeds = events
        .list_event_feeds(ListEventFeedsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(feeds.list.is_empty());
    let none = events
        .list_events(ListEventsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::NotFound);
}

#[tokio::test]
async fn provisioning_answers_only_when_enabled_and_refuses_derived_grants() {
    let member = Entitlement {
        id: "team:t1:member".into(),
        resource: connector_proto::resource_from_proto(team()),
        ..Default::default()
    };
    let request = |who: &str| GrantManagerServiceGrantRequest {
        entitlement: Some(connector_proto::entitlement_to_proto(&member)),
        principal: Some(connector_proto::resource_to_proto(&Resource {
            id: ResourceId::new("user", who),
            ..Default::default()
        })),
        annotations: Vec::new(),
    };
    let off = start(false).await;
    let mut client = grant_manager_service_client::GrantManagerServiceClient::new(off.channel);
    let refused = client.grant(request("a")).await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(refused.message(), "provisioning is not enabled");

    let on = start(true).await;
    let mut client = grant_manager_service_client::GrantManagerServiceClient::new(on.channel);
    let granted = client.grant(request("a")).await.unwrap().into_inner();
    assert_eq!(granted.grants[0].id, "team:t1:member:user:a");
    let held = client.grant(request("held")).await.unwrap().into_inner();
    assert_eq!(
        held.annotations[0].type_url,
        "type.googleapis.com/c1.connector.v2.GrantAlreadyExists"
    );
    let gone = client
        .revoke(GrantManagerServiceRevokeRequest {
            grant: Some(connector_proto::grant_to_proto(&Grant::of(
                &member,
                ResourceId::new("user", "a"),
            ))),
            annotations: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        gone.annotations[0].type_url,
        "type.googleapis.com/c1.connector.v2.GrantAlreadyRevoked"
    );
    let derived = Grant::of(&member, ResourceId::new("user", "b"))
        .with_annotation(Annotation::grant_immutable());
    let refused = client
        .revoke(GrantManagerServiceRevokeRequest {
            grant: Some(connector_proto::grant_to_proto(&derived)),
            annotations: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(refused.message().contains("grant expansion"), "{refused:?}");
}

/// The users `ListResources` lists, page after page.
async fn user_ids(channel: Channel) -> Vec<String> {
    let mut client = resources_service_client::ResourcesServiceClient::new(channel);
    let (mut token, mut ids) = (String::new(), Vec::new());
    loop {
        let page = client
            .list_resources(ResourcesServiceListResourcesRequest {
                resource_type_id: "user".into(),
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.list.into_iter().map(|r| r.id.unwrap().resource));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

#[tokio::test]
async fn create_account_answers_only_when_enabled_and_creates_the_account() {
    use create_account_response::Result as Created;
    use credential_options::{NoPassword, Options as Credential, RandomPassword};

    let request = |email: &str, credential: Credential| CreateAccountRequest {
        account_info: Some(AccountInfo {
            emails: vec![account_info::Email {
                address: email.into(),
                is_primary: true,
            }],
            ..Default::default()
        }),
        credential_options: Some(CredentialOptions {
            options: Some(credential),
            ..Default::default()
        }),
        resource_type_id: "user".into(),
    };
    let none = || Credential::NoPassword(NoPassword {});

    let off = start(false).await;
    let mut client =
        account_manager_service_client::AccountManagerServiceClient::new(off.channel.clone());
    let refused = client
        .create_account(request("new@x.example", none()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(refused.message(), "provisioning is not enabled");
    assert_eq!(user_ids(off.channel).await, ["a", "b", "c", "d"]);

    let on = start(true).await;
    let mut client =
        account_manager_service_client::AccountManagerServiceClient::new(on.channel.clone());
    let created = client
        .create_account(request("new@x.example", none()))
        .await
        .unwrap()
        .into_inner();
    let Some(Created::Success(success)) = created.result else {
        panic!("{created:?}")
    };
    assert!(success.is_create_account_result);
    assert_eq!(success.resource.unwrap().id.unwrap().resource, "new");
    assert_eq!(
        user_ids(on.channel.clone()).await,
        ["a", "b", "new", "c", "d"]
    );

    // Asked again, and for a user listed already: it exists.
    for email in ["new@x.example", "a@x.example"] {
        let again = client
            .create_account(request(email, none()))
            .await
            .unwrap()
            .into_inner();
        assert!(
            matches!(again.result, Some(Created::AlreadyExists(_))),
            "{again:?}"
        );
    }
    let invited = client
        .create_account(request("someone@invite.example", none()))
        .await
        .unwrap()
        .into_inner();
    let Some(Created::ActionRequired(action)) = invited.result else {
        panic!("{invited:?}")
    };
    assert_eq!(action.message, "invited someone@invite.example");

    // A password is refused (the connector creates none), and so is a type without accounts.
    let password = client
        .create_account(request(
            "pw@x.example",
            Credential::RandomPassword(RandomPassword {}),
        ))
        .await
        .unwrap_err();
    assert_eq!(password.code(), Code::InvalidArgument);
    let mut team = request("t@x.example", none());
    team.resource_type_id = "team".into();
    let unsupported = client.create_account(team).await.unwrap_err();
    assert_eq!(unsupported.code(), Code::Unimplemented, "{unsupported:?}");
    assert_eq!(user_ids(on.channel).await, ["a", "b", "new", "c", "d"]);
}

/// Pages `e1`..`e4`, enqueued by page 1 (and `e3` failing the first time it is fetched): how
/// often each token was listed, and which were listed before a call asked for them.
#[derive(Default)]
struct Enqueuing {
    listed: std::sync::Mutex<Vec<String>>,
}

const ENQUEUED: [&str; 4] = ["e1", "e2", "e3", "e4"];

#[async_trait]
impl ResourceSyncer for Enqueuing {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let token = cx.call.page_token.unwrap_or_default();
        let first_time = {
            let mut listed = self.listed.lock().unwrap();
            listed.push(token.clone());
            listed.iter().filter(|t| **t == token).count() == 1
        };
        let page = |id: &str| Page::last(vec![Resource::new(&user_type(), id, id)]);
        match token.as_str() {
            "" => Ok(page("first").with_enqueued(ENQUEUED.map(str::to_owned))),
            "e3" if first_time => Err(ConnectorError::internal("e3 failed once")),
            other => Ok(page(&format!("user-{other}"))),
        }
    }
}

struct EnqueuingToy(Arc<Enqueuing>);

#[async_trait]
impl Connector for EnqueuingToy {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Enqueuing".into(),
            description: "Pages enqueued on resource listings".into(),
        }
    }
    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![self.0.clone()]
    }
}

/// baton lists resources a page at a time and does not schedule enqueued pages there: the
/// server fetches them as soon as page 1 names them, once each, and hands each to the call that
/// asks for it; one that failed ahead is fetched again when asked for.
#[tokio::test]
async fn enqueued_resource_pages_are_fetched_ahead_once_each() {
    let syncer = Arc::new(Enqueuing::default());
    let services = Services::new(Arc::new(EnqueuingToy(syncer.clone())), Options::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        services,
        RateLimiter::default(),
        listener,
        None,
        std::future::pending(),
    ));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = resources_service_client::ResourcesServiceClient::new(channel);
    let list = |page_token: String| ResourcesServiceListResourcesRequest {
        resource_type_id: "user".into(),
        page_token,
        active_sync_id: "sync-1".into(),
        ..Default::default()
    };

    let first = client.list_resources(list(String::new())).await.unwrap();
    let mut token = first.into_inner().next_page_token;
    // Every enqueued page is listed before baton asks for the next one.
    let all_started = async {
        while syncer.listed.lock().unwrap().len() < 1 + ENQUEUED.len() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), all_started)
        .await
        .expect("the enqueued pages were not fetched ahead");

    let mut ids = vec!["first".to_owned()];
    while !token.is_empty() {
        let page = client
            .list_resources(list(token))
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.list.into_iter().map(|r| r.id.unwrap().resource));
        token = page.next_page_token;
    }
    assert_eq!(ids, ["first", "user-e1", "user-e2", "user-e3", "user-e4"]);
    let mut listed = syncer.listed.lock().unwrap().clone();
    listed.sort();
    // Each once, and e3 again after its failure ahead.
    assert_eq!(listed, ["", "e1", "e2", "e3", "e3", "e4"]);
}

/// The `DoRequest` baton's parent sends before a `ListResources` call.
fn do_request(token: &str) -> rl::DoRequest {
    rl::DoRequest {
        request_token: token.into(),
        service: "connector".into(),
        descriptors: Some(rl::RateLimitDescriptors {
            entries: vec![rl::rate_limit_descriptors::Entry {
                key: "connector_method".into(),
                value: "/c1.connector.v2.ResourcesService/ListResources".into(),
            }],
        }),
    }
}

#[tokio::test]
async fn the_rate_limiter_answers_as_batons_child_does() {
    let running = start(false).await;
    let mut limiter = RateLimiterServiceClient::new(running.channel.clone());
    // No limit configured: the token back, STATUS_EMPTY (baton's parent then makes the call).
    let done = limiter.r#do(do_request("t-1")).await.unwrap().into_inner();
    assert_eq!(done.request_token, "t-1");
    let status = done.description.unwrap().status;
    assert_eq!(status, rl::rate_limit_description::Status::Empty as i32);
    let report = rl::ReportRequest {
        request_token: "t-1".into(),
        description: Some(rl::RateLimitDescription {
            status: rl::rate_limit_description::Status::Ok as i32,
            ..Default::default()
        }),
        service: "connector".into(),
        descriptors: do_request("").descriptors,
    };
    limiter.report(report).await.unwrap();
    // baton's validation rules: descriptors, when sent, have entries.
    let mut empty = do_request("t-2");
    empty.descriptors = Some(rl::RateLimitDescriptors::default());
    let refused = limiter.r#do(empty).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn a_fixed_rate_limit_spaces_the_calls_baton_asks_about() {
    // 5 calls a second, as baton's parent configures it: one every 200 ms.
    let config = rl::RateLimiterConfig {
        r#type: Some(rl::rate_limiter_config::Type::FixedMem(
            rl::FixedMemoryLimiter {
                rate: 5,
                period: Some(prost_types::Duration {
                    seconds: 1,
                    nanos: 0,
                }),
            },
        )),
    };
    let running = start_limited(false, RateLimiter::from_config(Some(&config)).unwrap()).await;
    let mut limiter = RateLimiterServiceClient::new(running.channel.clone());
    let started = Instant::now();
    for i in 0..4 {
        let done = limiter.r#do(do_request(&format!("t-{i}"))).await.unwrap();
        let status = done.into_inner().description.unwrap().status;
        assert_eq!(status, rl::rate_limit_description::Status::Empty as i32);
    }
    // The first at once, three more 200 ms apart.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(600), "4 calls in {took:?}");
    assert!(took < Duration::from_secs(3), "4 calls in {took:?}");
}
