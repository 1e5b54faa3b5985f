//! Provisioning: dispatch by the entitlement's resource type, dry runs that only plan, the
//! errors for what a connector cannot do, the outcomes' annotations, and the capabilities.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use connector_sdk::provision::{create_account, grant, revoke};
use connector_sdk::{
    Annotation, CancellationToken, Capability, ConnectorError, Entitlement, ErrorKind, Grant,
    GrantSources, ListContext, Page, Resource, ResourceId, ResourceSyncer, ResourceType, Trait,
    Value, capabilities,
    provision::{
        AccountContext, AccountInfo, AccountManager, GrantContext, Mode, Outcome, Plan,
        PlannedRequest, Provisioned, ResourceProvisioner, RevokeContext,
    },
};
use serde_json::json;

use crate::toy::TestConnector;

/// A group whose members the toy can change; records every call it gets.
#[derive(Default)]
struct Groups {
    members: Mutex<Vec<String>>,
    calls: Mutex<Vec<String>>,
}

impl Groups {
    fn called(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

fn group_type() -> ResourceType {
    ResourceType::new("group", "Group", &[Trait::Group])
}

fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
}

fn membership() -> Entitlement {
    let group = Resource::new(&group_type(), "g1", "Group one");
    Entitlement::assignment(&group, "member").with_grantable_to(&[&user_type()])
}

fn user(id: &str) -> Resource {
    Resource::new(&user_type(), id, id)
}

fn plan(method: &str, url: &str) -> Plan {
    Plan {
        requests: vec![PlannedRequest {
            method: method.into(),
            url: url.into(),
            body: None,
        }],
        note: String::new(),
    }
}

#[async_trait]
impl ResourceProvisioner for Groups {
    fn plan_grant(&self, cx: &GrantContext) -> Result<Plan, ConnectorError> {
        self.called(format!("plan grant {}", cx.principal.id));
        Ok(plan(
            "PUT",
            &format!("/members/{}", cx.principal.id.resource),
        ))
    }

    async fn grant(&self, cx: GrantContext) -> Result<Provisioned, ConnectorError> {
        self.called(format!("grant {}", cx.principal.id));
        let mut members = self.members.lock().unwrap();
        let id = cx.principal.id.resource.clone();
        if members.contains(&id) {
            return Ok(Provisioned::new(Outcome::AlreadyExists, "held already"));
        }
        members.push(id);
        let grant = Grant::of(&cx.entitlement, cx.principal.id.clone());
        Ok(Provisioned::new(
            Outcome::Granted {
                grants: vec![grant],
            },
            "",
        ))
    }

    fn plan_revoke(&self, cx: &RevokeContext) -> Result<Plan, ConnectorError> {
        self.called(format!("plan revoke {}", cx.grant.id));
        Ok(plan("DELETE", "/members/x"))
    }

    async fn revoke(&self, cx: RevokeContext) -> Result<Provisioned, ConnectorError> {
        self.called(format!("revoke {}", cx.grant.id));
        let mut members = self.members.lock().unwrap();
        let before = members.len();
        members.retain(|m| *m != cx.grant.principal.id.resource);
        let outcome = match members.len() == before {
            true => Outcome::AlreadyRevoked,
            false => Outcome::Revoked,
        };
        Ok(Provisioned::new(outcome, ""))
    }
}

#[async_trait]
impl ResourceSyncer for Groups {
    fn resource_type(&self) -> ResourceType {
        group_type()
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::empty())
    }

    fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
        Some(self)
    }
}

/// Users who can be invited.
#[derive(Default)]
struct Users {
    invited: Mutex<Vec<String>>,
}

#[async_trait]
impl AccountManager for Users {
    fn plan_create_account(&self, cx: &AccountContext) -> Result<Plan, ConnectorError> {
        Ok(plan(
            "POST",
            &format!("/invite/{}", cx.account.email().unwrap()),
        ))
    }

    async fn create_account(&self, cx: AccountContext) -> Result<Provisioned, ConnectorError> {
        let email = cx.account.email().unwrap().to_owned();
        self.invited.lock().unwrap().push(email.clone());
        Ok(Provisioned::new(
            Outcome::Invited,
            format!("{email} invited"),
        ))
    }
}

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::empty())
    }

    fn account_manager(&self) -> Option<&dyn AccountManager> {
        Some(self)
    }
}

/// A type that only syncs.
struct Projects;

#[async_trait]
impl ResourceSyncer for Projects {
    fn resource_type(&self) -> ResourceType {
        ResourceType::new("project", "Project", &[])
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::empty())
    }
}

fn connector(groups: &Arc<Groups>, users: &Arc<Users>) -> TestConnector {
    TestConnector::new(vec![groups.clone(), users.clone(), Arc::new(Projects)])
}

fn grant_cx(principal: Resource, entitlement: Entitlement) -> GrantContext {
    GrantContext {
        principal,
        entitlement,
        cancel: CancellationToken::new(),
    }
}

fn revoke_cx(grant: Grant) -> RevokeContext {
    RevokeContext {
        grant,
        cancel: CancellationToken::new(),
    }
}

#[tokio::test]
async fn grants_and_revokes_go_to_the_entitlements_type_and_repeat_safely() {
    let (groups, users) = (Arc::default(), Arc::default());
    let connector = connector(&groups, &users);
    let cx = || grant_cx(user("u1"), membership());
    let first = grant(&connector, cx(), Mode::Apply).await.unwrap();
    let Outcome::Granted { grants } = &first.outcome else {
        panic!("{first:?}");
    };
    assert_eq!(grants[0].id, "group:g1:member:user:u1");
    assert_eq!(first.outcome.as_str(), "granted");
    assert!(first.outcome.annotations().is_empty());

    let again = grant(&connector, cx(), Mode::Apply).await.unwrap();
    assert_eq!(again.outcome, Outcome::AlreadyExists);
    assert_eq!(again.detail, "held already");
    assert_eq!(
        again.outcome.annotations(),
        [Annotation::Other {
            type_url: "type.googleapis.com/c1.connector.v2.GrantAlreadyExists".into(),
            value: Vec::new(),
        }]
    );

    let held = Grant::of(&membership(), ResourceId::new("user", "u1"));
    let revoked = revoke(&connector, revoke_cx(held.clone()), Mode::Apply).await;
    assert_eq!(revoked.unwrap().outcome, Outcome::Revoked);
    let gone = revoke(&connector, revoke_cx(held), Mode::Apply)
        .await
        .unwrap();
    assert_eq!(gone.outcome, Outcome::AlreadyRevoked);
    assert_eq!(
        gone.outcome.annotations(),
        [Annotation::grant_already_revoked()]
    );
    assert_eq!(
        groups.calls(),
        [
            "grant user:u1",
            "grant user:u1",
            "revoke group:g1:member:user:u1",
            "revoke group:g1:member:user:u1"
        ]
    );
}

#[tokio::test]
async fn a_grant_that_expansion_derived_is_not_revoked_but_named_through_its_sources() {
    let (groups, users) = (Arc::<Groups>::default(), Arc::<Users>::default());
    let connector = connector(&groups, &users);
    let mut derived = Grant::of(&membership(), ResourceId::new("user", "u1"));
    derived.annotations.push(Annotation::grant_immutable());
    derived.sources = Some(GrantSources {
        sources: [("team:t1:member".to_owned(), true)].into(),
    });
    for mode in [Mode::Apply, Mode::DryRun] {
        let error = revoke(&connector, revoke_cx(derived.clone()), mode)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::FailedPrecondition);
        assert_eq!(
            error.message(),
            "grant group:g1:member:user:u1 follows from team:t1:member through grant expansion \
             and cannot be revoked on its own: revoke user:u1's grant of what it comes through \
             instead"
        );
    }
    assert!(groups.calls().is_empty(), "nothing reached the provisioner");
}

#[tokio::test]
async fn a_dry_run_only_plans() {
    let (groups, users) = (Arc::<Groups>::default(), Arc::<Users>::default());
    let connector = connector(&groups, &users);
    let done = grant(&connector, grant_cx(user("u1"), membership()), Mode::DryRun)
        .await
        .unwrap();
    assert_eq!(
        done.outcome,
        Outcome::DryRun {
            plan: plan("PUT", "/members/u1")
        }
    );
    assert_eq!(done.outcome.as_str(), "dry-run");
    let held = Grant::of(&membership(), ResourceId::new("user", "u1"));
    let done = revoke(&connector, revoke_cx(held), Mode::DryRun).await;
    assert_eq!(done.unwrap().outcome.as_str(), "dry-run");
    let account = AccountContext {
        account: AccountInfo {
            emails: vec!["ada@example.com".into()],
            ..Default::default()
        },
        cancel: CancellationToken::new(),
    };
    let done = create_account(&connector, None, account, Mode::DryRun).await;
    assert_eq!(
        done.unwrap().outcome,
        Outcome::DryRun {
            plan: plan("POST", "/invite/ada@example.com")
        }
    );
    assert!(groups.members.lock().unwrap().is_empty());
    assert!(users.invited.lock().unwrap().is_empty());
    assert_eq!(
        groups.calls(),
        ["plan grant user:u1", "plan revoke group:g1:member:user:u1"]
    );
    // The plan serialises as the JSON reports print it.
    assert_eq!(
        serde_json::to_value(done_json()).unwrap(),
        json!({"outcome": "dry-run", "plan": {"requests": [{"method": "PUT", "url": "/x"}]}})
    );
}

fn done_json() -> Provisioned {
    Provisioned::new(
        Outcome::DryRun {
            plan: plan("PUT", "/x"),
        },
        "",
    )
}

#[tokio::test]
async fn what_a_connector_cannot_do_is_refused_by_name() {
    let (groups, users) = (Arc::default(), Arc::default());
    let connector = connector(&groups, &users);
    let project = Resource::new(&ResourceType::new("project", "Project", &[]), "p1", "P");
    let viewer = Entitlement::permission(&project, "viewer");
    let err = grant(
        &connector,
        grant_cx(user("u1"), viewer.clone()),
        Mode::Apply,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unimplemented);
    assert_eq!(
        err.to_string(),
        "this connector cannot grant entitlements of project resources: the project type has no \
         provisioner"
    );
    let err = revoke(
        &connector,
        revoke_cx(Grant::of(&viewer, ResourceId::new("user", "u1"))),
        Mode::DryRun,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unimplemented);

    // An entitlement grantable to users is not granted to a group.
    let group = Resource::new(&group_type(), "g2", "G2");
    let err = grant(&connector, grant_cx(group, membership()), Mode::Apply)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        err.to_string(),
        "entitlement group:g1:member can be granted to user, not to a group"
    );
    assert!(groups.calls().is_empty());

    let account = || AccountContext {
        account: AccountInfo {
            login: "ada@example.com".into(),
            profile: [("role".to_owned(), Value::from("admin"))].into(),
            ..Default::default()
        },
        cancel: CancellationToken::new(),
    };
    let err = create_account(&connector, Some("group"), account(), Mode::Apply)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "this connector cannot create accounts of type group"
    );
    let done = create_account(&connector, Some("user"), account(), Mode::Apply).await;
    assert_eq!(done.unwrap().outcome, Outcome::Invited);
    assert_eq!(*users.invited.lock().unwrap(), ["ada@example.com"]);
}

#[tokio::test]
async fn a_connector_without_provisioners_provisions_nothing() {
    let connector = TestConnector::new(vec![Arc::new(Projects)]);
    let account = AccountContext {
        account: AccountInfo::default(),
        cancel: CancellationToken::new(),
    };
    let err = create_account(&connector, None, account, Mode::Apply)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unimplemented);
    assert_eq!(err.to_string(), "this connector cannot create accounts");
    let caps = capabilities(&connector);
    assert_eq!(caps.connector, [Capability::Sync]);
    assert!(caps.to_json().get("credentialDetails").is_none());
}

#[test]
fn capabilities_name_the_provisioning_types_in_batons_order() {
    let (groups, users) = (Arc::default(), Arc::default());
    let caps = capabilities(&connector(&groups, &users));
    assert_eq!(
        caps.connector,
        [
            Capability::Provision,
            Capability::Sync,
            Capability::AccountProvisioning
        ]
    );
    let numbers: Vec<i32> = caps.connector.iter().map(|c| c.number()).collect();
    assert_eq!(numbers, [1, 2, 5]);
    let json = caps.to_json();
    let per_type: Vec<(&str, &serde_json::Value)> = json["resourceTypeCapabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["resourceType"]["id"].as_str().unwrap(),
                &t["capabilities"],
            )
        })
        .collect();
    assert_eq!(
        per_type,
        [
            ("group", &json!(["CAPABILITY_SYNC", "CAPABILITY_PROVISION"])),
            ("project", &json!(["CAPABILITY_SYNC"])),
            (
                "user",
                &json!(["CAPABILITY_SYNC", "CAPABILITY_ACCOUNT_PROVISIONING"])
            ),
        ]
    );
    assert_eq!(
        json["connectorCapabilities"],
        json!([
            "CAPABILITY_PROVISION",
            "CAPABILITY_SYNC",
            "CAPABILITY_ACCOUNT_PROVISIONING"
        ])
    );
    assert_eq!(
        json["credentialDetails"],
        json!({"capabilityAccountProvisioning": {
            "supportedCredentialOptions": ["CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD"],
            "preferredCredentialOption": "CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD",
        }})
    );
}

#[test]
fn the_account_email_is_the_first_email_else_the_login() {
    let info = |login: &str, emails: &[&str]| AccountInfo {
        login: login.into(),
        emails: emails.iter().map(|e| (*e).to_owned()).collect(),
        ..Default::default()
    };
    assert_eq!(info("l", &["a@x", "b@x"]).email(), Some("a@x"));
    assert_eq!(info("l@x", &[" "]).email(), Some("l@x"));
    assert_eq!(info("", &[]).email(), None);
}
