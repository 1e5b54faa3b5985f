//! Provisioning against the fake: grants and revokes seen by the next sync, repeated safely,
//! every refusal named, missing accesses named, lost answers read back, dry runs silent, and
//! the write accesses `validate` reports.

use std::collections::HashSet;

use connector_sdk::provision::{create_account, grant, revoke};
use connector_sdk::{
    CancellationToken, CheckStatus, Connector, ConnectorError, Entitlement, ErrorKind, Grant,
    MemoryStore, Resource, Value,
    provision::{
        AccountContext, AccountInfo, GrantContext, Mode, Outcome, Provisioned, RevokeContext,
    },
};
use planetscale_connector::PlanetScaleConnector;
use planetscale_fake::{
    DataSpec, EndpointKind, FakeConfig, FakeServer, FaultMatch, FaultRule, RequestRecord, Times,
};
use serde_json::json;

use crate::support::{chain, connector, start_small, start_with_token, sync_memory};

/// A fake, the connector, and the store of its last sync.
struct Run {
    server: FakeServer,
    connector: PlanetScaleConnector,
    store: MemoryStore,
}

impl Run {
    async fn small() -> Run {
        Run::on(start_small().await).await
    }

    async fn on(server: FakeServer) -> Run {
        let connector = connector(&server);
        let store = synced(&connector).await;
        Run {
            server,
            connector,
            store,
        }
    }

    /// Syncs again; the grant ids of the new sync.
    async fn resync(&mut self) -> HashSet<String> {
        self.store = synced(&self.connector).await;
        self.grant_ids()
    }

    fn grant_ids(&self) -> HashSet<String> {
        self.store.grants().into_iter().map(|g| g.id).collect()
    }

    fn entitlement(&self, id: &str) -> Entitlement {
        let found = self.store.entitlements().into_iter().find(|e| e.id == id);
        found.unwrap_or_else(|| panic!("no entitlement {id}"))
    }

    fn user(&self, id: &str) -> Resource {
        let found = self.store.all_resources().into_iter();
        found
            .filter(|r| r.id.resource_type == "user")
            .find(|r| r.id.resource == id)
            .unwrap_or_else(|| panic!("no user {id}"))
    }

    /// The grant of `entitlement` to user `user`, as the sync stored it.
    fn grant_of(&self, entitlement: &str, user: &str) -> Grant {
        let mut grant = Grant::of(&self.entitlement(entitlement), self.user(user).id);
        // As a program hydrates it from the file: the entitlement and the principal in full.
        grant.entitlement = self.entitlement(entitlement);
        grant.principal = self.user(user);
        grant
    }

    async fn grant(&self, entitlement: &str, user: &str) -> Result<Provisioned, ConnectorError> {
        self.grant_in(entitlement, user, Mode::Apply).await
    }

    async fn grant_in(
        &self,
        entitlement: &str,
        user: &str,
        mode: Mode,
    ) -> Result<Provisioned, ConnectorError> {
        let cx = GrantContext {
            principal: self.user(user),
            entitlement: self.entitlement(entitlement),
            cancel: CancellationToken::new(),
        };
        grant(&self.connector, cx, mode).await
    }

    async fn revoke(&self, entitlement: &str, user: &str) -> Result<Provisioned, ConnectorError> {
        self.revoke_in(entitlement, user, Mode::Apply).await
    }

    async fn revoke_in(
        &self,
        entitlement: &str,
        user: &str,
        mode: Mode,
    ) -> Result<Provisioned, ConnectorError> {
        let cx = RevokeContext {
            grant: self.grant_of(entitlement, user),
            cancel: CancellationToken::new(),
        };
        revoke(&self.connector, cx, mode).await
    }

    async fn invite(
        &self,
        email: &str,
        profile: serde_json::Value,
        mode: Mode,
    ) -> Result<Provisioned, ConnectorError> {
        let profile = profile
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str().unwrap())))
            .collect();
        let cx = AccountContext {
            account: AccountInfo {
                emails: vec![email.to_owned()],
                profile,
                ..Default::default()
            },
            cancel: CancellationToken::new(),
        };
        create_account(&self.connector, Some("user"), cx, mode).await
    }

    /// The writes the fake was sent, as `METHOD path`.
    fn writes(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r: &RequestRecord| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// `org`'s id, and the ids of its members holding `role`.
    fn org(&self, org: &str, role: &str) -> (String, Vec<String>) {
        let dataset = self.server.dataset();
        let data = dataset.org(org).unwrap();
        let holders = data
            .members
            .iter()
            .filter(|m| m["role"] == role)
            .map(|m| m["user"]["id"].as_str().unwrap().to_owned())
            .collect();
        (data.id().to_owned(), holders)
    }

    /// The id and slug of `org`'s first team that is (or is not) managed, and a member of the
    /// organization outside it.
    fn team(&self, org: &str, managed: bool) -> (String, String, String) {
        self.find_team(org, managed).unwrap()
    }

    /// [`Run::team`], where `org` may have no such team.
    fn find_team(&self, org: &str, managed: bool) -> Option<(String, String, String)> {
        let dataset = self.server.dataset();
        let data = dataset.org(org).unwrap();
        let (team, outsider) = data
            .teams
            .iter()
            .filter(|t| t.team["managed"] == managed)
            .find_map(|t| {
                let inside: Vec<&str> = t.user_ids().collect();
                Some((t, data.user_ids().find(|u| !inside.contains(u))?))
            })?;
        let id = team.team["id"].as_str().unwrap().to_owned();
        Some((id, team.slug().to_owned(), outsider.to_owned()))
    }
}

async fn synced(connector: &PlanetScaleConnector) -> MemoryStore {
    let (store, result) = sync_memory(connector).await;
    result.unwrap();
    store
}

#[track_caller]
fn outcome(result: &Result<Provisioned, ConnectorError>) -> &'static str {
    match result {
        Ok(done) => done.outcome.as_str(),
        Err(e) => panic!("{}", chain(e)),
    }
}

#[track_caller]
fn refused(result: Result<Provisioned, ConnectorError>, kind: ErrorKind, says: &str) {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), kind, "{}", chain(&err));
    assert!(err.message().contains(says), "{}", chain(&err));
}

#[tokio::test]
async fn team_membership_granted_and_revoked_shows_in_the_next_sync_and_repeats_safely() {
    let mut run = Run::small().await;
    let (team, slug, user) = run.team("acme", false);
    let entitlement = format!("team:{team}:member");
    let grant_id = format!("{entitlement}:user:{user}");
    assert!(!run.grant_ids().contains(&grant_id));

    let granted = run.grant(&entitlement, &user).await;
    assert_eq!(outcome(&granted), "granted");
    let Outcome::Granted { grants } = granted.unwrap().outcome else {
        unreachable!()
    };
    assert_eq!(grants[0].id, grant_id);
    let again = run.grant(&entitlement, &user).await.unwrap();
    assert_eq!(again.outcome, Outcome::AlreadyExists);
    assert!(again.detail.contains("already"), "{}", again.detail);
    assert!(run.resync().await.contains(&grant_id));

    assert_eq!(outcome(&run.revoke(&entitlement, &user).await), "revoked");
    let gone = run.revoke(&entitlement, &user).await.unwrap();
    assert_eq!(gone.outcome, Outcome::AlreadyRevoked);
    assert!(!run.resync().await.contains(&grant_id));
    assert_eq!(
        run.writes(),
        [
            format!("POST /v1/organizations/acme/teams/{slug}/members"),
            format!("DELETE /v1/organizations/acme/teams/{slug}/members/{user}"),
        ]
    );
}

#[tokio::test]
async fn organization_roles_change_the_one_role_and_revoking_member_removes_the_person() {
    let mut run = Run::small().await;
    let (org, members) = run.org("globex", "member");
    let user = members[0].clone();
    let admin = format!("organization:{org}:admin");
    let member = format!("organization:{org}:member");

    assert_eq!(outcome(&run.grant(&admin, &user).await), "granted");
    assert_eq!(outcome(&run.grant(&admin, &user).await), "already-exists");
    assert_eq!(outcome(&run.grant(&member, &user).await), "already-exists");
    assert!(run.resync().await.contains(&format!("{admin}:user:{user}")));

    // Revoking admin leaves member.
    assert_eq!(outcome(&run.revoke(&admin, &user).await), "revoked");
    assert_eq!(outcome(&run.revoke(&admin, &user).await), "already-revoked");
    let grants = run.resync().await;
    assert!(!grants.contains(&format!("{admin}:user:{user}")));
    assert!(grants.contains(&format!("{member}:user:{user}")));

    // Revoking member removes the person from the organization and its teams.
    let email = run
        .user(&user)
        .user_trait()
        .unwrap()
        .primary_email()
        .unwrap()
        .to_owned();
    let before = run.grant_of(&member, &user);
    assert_eq!(outcome(&run.revoke(&member, &user).await), "revoked");
    assert_eq!(
        outcome(&run.revoke(&member, &user).await),
        "already-revoked"
    );
    let grants = run.resync().await;
    assert!(
        !grants
            .iter()
            .any(|g| g.ends_with(&format!("user:{user}")) && g.contains(&org))
    );
    let dataset = run.server.dataset();
    let teams = &dataset.org("globex").unwrap().teams;
    assert!(teams.iter().all(|t| t.user_ids().all(|u| u != user)));

    // Granting member to someone who left invites them again, once.
    let cx = GrantContext {
        principal: before.principal.clone(),
        entitlement: before.entitlement.clone(),
        cancel: CancellationToken::new(),
    };
    let invited = grant(&run.connector, cx.clone(), Mode::Apply)
        .await
        .unwrap();
    assert_eq!(invited.outcome, Outcome::Invited);
    assert!(invited.detail.contains(&email), "{}", invited.detail);
    let pending = grant(&run.connector, cx, Mode::Apply).await.unwrap();
    assert_eq!(pending.outcome, Outcome::Invited);
    assert!(pending.detail.contains("already"), "{}", pending.detail);

    assert_eq!(
        run.writes(),
        [
            format!("PATCH /v1/organizations/globex/members/{user}"),
            format!("PATCH /v1/organizations/globex/members/{user}"),
            format!("DELETE /v1/organizations/globex/members/{user}"),
            "POST /v1/organizations/globex/invitations".to_owned(),
        ]
    );
}

#[tokio::test]
async fn every_refusal_says_why_and_what_planetscale_refuses_is_not_sent() {
    let run = Run::small().await;
    let managed: Vec<_> = ["acme", "globex", "initech"]
        .into_iter()
        .filter_map(|org| run.find_team(org, true))
        .collect();
    assert!(!managed.is_empty(), "the small dataset has a managed team");
    for (team, slug, user) in managed {
        refused(
            run.grant(&format!("team:{team}:member"), &user).await,
            ErrorKind::FailedPrecondition,
            &format!("team {slug} is managed by your identity provider"),
        );
    }
    // acme's roles are managed by its identity provider.
    let (acme, members) = run.org("acme", "member");
    refused(
        run.grant(&format!("organization:{acme}:admin"), &members[0])
            .await,
        ErrorKind::FailedPrecondition,
        "the roles of organization acme are managed by your identity provider",
    );
    // Unknown roles cannot be given.
    let (initech, billing) = run.org("initech", "billing");
    let entitlement = format!("organization:{initech}:billing");
    refused(
        run.grant(&entitlement, &billing[0]).await,
        ErrorKind::InvalidArgument,
        "PlanetScale's API gives the roles admin, analyst and member, not \"billing\"",
    );
    assert!(run.writes().is_empty(), "{:?}", run.writes());

    // PlanetScale refuses to take the last admin's role away: its reason is passed on.
    let (_, admins) = run.org("initech", "admin");
    refused(
        run.revoke(&format!("organization:{initech}:admin"), &admins[0])
            .await,
        ErrorKind::FailedPrecondition,
        "PlanetScale refused: an organization must keep at least one admin",
    );
    // Admin for someone outside the organization: invite them first.
    let (globex, _) = run.org("globex", "member");
    let outsider = run.org("acme", "member").1.into_iter().find(|u| {
        let dataset = run.server.dataset();
        dataset.org("globex").unwrap().member(u).is_none()
    });
    refused(
        run.grant(&format!("organization:{globex}:admin"), &outsider.unwrap())
            .await,
        ErrorKind::NotFound,
        "is not a member of globex: grant globex's member entitlement first",
    );
}

#[tokio::test]
async fn a_token_without_the_write_access_is_told_which_access_to_add() {
    let server = start_with_token(None, &["read_organization"]).await;
    let run = Run::on(server).await;
    let (team, _, user) = run.team("acme", false);
    refused(
        run.grant(&format!("team:{team}:member"), &user).await,
        ErrorKind::PermissionDenied,
        "the service token lacks the write_teams access on acme",
    );
    let (org, members) = run.org("globex", "member");
    refused(
        run.grant(&format!("organization:{org}:analyst"), &members[0])
            .await,
        ErrorKind::PermissionDenied,
        "the service token lacks the write_organization access on globex",
    );
    refused(
        run.invite(
            "new@globex.example",
            json!({"organization": "globex"}),
            Mode::Apply,
        )
        .await,
        ErrorKind::PermissionDenied,
        "the service token lacks the write_members access on globex",
    );
    assert!(run.writes().len() <= 3, "{:?}", run.writes());
    // A 403 names the access as well.
    let full = Run::small().await;
    full.server.set_faults(vec![FaultRule::Status {
        on: FaultMatch::endpoint(EndpointKind::UpdateMember),
        status: 403,
    }]);
    let (org, members) = full.org("globex", "member");
    refused(
        full.grant(&format!("organization:{org}:analyst"), &members[0])
            .await,
        ErrorKind::PermissionDenied,
        "answered 403 Forbidden: the service token lacks the write_organization access",
    );
}

#[tokio::test]
async fn a_lost_answer_is_read_back_and_the_change_sent_again_only_if_it_was_not_made() {
    let run = Run::small().await;
    let (team, slug, user) = run.team("acme", false);
    let lose = |endpoint, status| {
        run.server.set_faults(vec![FaultRule::LostAnswer {
            on: FaultMatch::endpoint(endpoint),
            status,
        }]);
    };
    // Made, answer lost: read back, not sent again.
    lose(EndpointKind::AddTeamMember, Some(502));
    let entitlement = format!("team:{team}:member");
    assert_eq!(outcome(&run.grant(&entitlement, &user).await), "granted");
    lose(EndpointKind::RemoveTeamMember, None);
    assert_eq!(outcome(&run.revoke(&entitlement, &user).await), "revoked");
    assert_eq!(
        run.writes(),
        [
            format!("POST /v1/organizations/acme/teams/{slug}/members"),
            format!("DELETE /v1/organizations/acme/teams/{slug}/members/{user}"),
        ]
    );

    // Made by someone else just before ours, which PlanetScale refuses: the change stands.
    lose(EndpointKind::AddTeamMember, Some(422));
    assert_eq!(outcome(&run.grant(&entitlement, &user).await), "granted");
    assert_eq!(run.writes().len(), 3);

    // Not made (a 503 before it was applied): read back, then sent again.
    let (org, members) = run.org("globex", "member");
    run.server.set_faults(vec![FaultRule::Status {
        on: FaultMatch::endpoint(EndpointKind::UpdateMember),
        status: 503,
    }]);
    let analyst = format!("organization:{org}:analyst");
    assert_eq!(outcome(&run.grant(&analyst, &members[0]).await), "granted");
    let patches = |run: &Run| {
        run.writes()
            .iter()
            .filter(|w| w.starts_with("PATCH"))
            .count()
    };
    assert_eq!(patches(&run), 2);

    // Never made: given up after three sends, saying so.
    run.server.set_faults(vec![FaultRule::Status {
        on: FaultMatch {
            times: Times::Forever,
            ..FaultMatch::endpoint(EndpointKind::UpdateMember)
        },
        status: 503,
    }]);
    let err = run.grant(&analyst, &members[1]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(
        err.message()
            .contains("not made; its answer was lost 3 times"),
        "{err}"
    );
    assert_eq!(patches(&run), 5);
}

#[tokio::test]
async fn a_dry_run_sends_no_request_and_shows_the_exact_one_it_would() {
    let run = Run::small().await;
    run.server.clear_requests();
    let (team, slug, user) = run.team("acme", false);
    let (org, members) = run.org("globex", "member");
    let base = format!("{}/v1/organizations/globex", run.server.url());
    let acme = format!("{}/v1/organizations/acme", run.server.url());
    let cases = [
        (
            run.grant_in(&format!("team:{team}:member"), &user, Mode::DryRun)
                .await,
            "POST",
            format!("{acme}/teams/{slug}/members"),
            Some(json!({"user_id": user})),
        ),
        (
            run.revoke_in(&format!("team:{team}:member"), &user, Mode::DryRun)
                .await,
            "DELETE",
            format!("{acme}/teams/{slug}/members/{user}"),
            None,
        ),
        (
            run.grant_in(
                &format!("organization:{org}:admin"),
                &members[0],
                Mode::DryRun,
            )
            .await,
            "PATCH",
            format!("{base}/members/{}", members[0]),
            Some(json!({"role": "admin"})),
        ),
        (
            run.revoke_in(
                &format!("organization:{org}:member"),
                &members[0],
                Mode::DryRun,
            )
            .await,
            "DELETE",
            format!("{base}/members/{}", members[0]),
            None,
        ),
        (
            run.invite(
                "new@globex.example",
                json!({"organization": "globex", "role": "member"}),
                Mode::DryRun,
            )
            .await,
            "POST",
            format!("{base}/invitations"),
            Some(json!({"email": "new@globex.example", "role": "member"})),
        ),
    ];
    for (result, method, url, body) in cases {
        let Outcome::DryRun { plan } = result.unwrap().outcome else {
            panic!("not a dry run");
        };
        let request = &plan.requests[0];
        assert_eq!((request.method.as_str(), &request.url), (method, &url));
        assert_eq!(request.body, body, "{url}");
        assert!(plan.note.starts_with("The real run first") || plan.note.starts_with("Removes"));
    }
    assert_eq!(run.server.request_count(), 0, "{:?}", run.server.requests());
    // Without the organization, a dry run cannot look it up, and says so.
    refused(
        run.invite("new@globex.example", json!({}), Mode::DryRun)
            .await,
        ErrorKind::InvalidArgument,
        "a dry run sends no request",
    );
    assert_eq!(run.server.request_count(), 0);
}

#[tokio::test]
async fn accounts_are_invitations_and_a_service_token_invites_only_members() {
    let run = Run::small().await;
    let globex = json!({"organization": "globex"});
    let invited = run
        .invite("New.Hire@globex.example", globex.clone(), Mode::Apply)
        .await;
    assert_eq!(outcome(&invited), "invited");
    let pending = run
        .invite("new.hire@globex.example", globex.clone(), Mode::Apply)
        .await;
    assert!(
        pending
            .unwrap()
            .detail
            .contains("has been invited to globex already")
    );

    let dataset = run.server.dataset();
    let existing = dataset.org("globex").unwrap().members[0]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = run.invite(&existing, globex, Mode::Apply).await.unwrap();
    assert_eq!(member.outcome, Outcome::AlreadyExists);

    refused(
        run.invite(
            "boss@globex.example",
            json!({"organization": "globex", "role": "admin"}),
            Mode::Apply,
        )
        .await,
        ErrorKind::FailedPrecondition,
        "a service token may invite only members; invite them as member, then grant globex's \
         admin entitlement once they accept",
    );
    refused(
        run.invite("x@y.example", json!({}), Mode::Apply).await,
        ErrorKind::InvalidArgument,
        "the service token reaches 3 organizations (acme, globex, initech): name the one",
    );
    refused(
        run.invite(
            "x@y.example",
            json!({"organization": "globex", "role": "owner"}),
            Mode::Apply,
        )
        .await,
        ErrorKind::InvalidArgument,
        "the role \"owner\" is not one of member, admin or analyst",
    );
    assert_eq!(
        run.writes(),
        [
            "POST /v1/organizations/globex/invitations",
            "POST /v1/organizations/globex/invitations"
        ]
    );
    let invitations = &run
        .server
        .dataset()
        .org("globex")
        .unwrap()
        .invitations
        .clone();
    assert_eq!(invitations[0]["email"], "New.Hire@globex.example");
}

#[tokio::test]
async fn validate_reports_each_write_access_per_organization_without_a_change() {
    let server = start_small().await;
    let checks = connector(&server).report_provisioning().await.unwrap();
    assert_eq!(checks.len(), 9);
    assert!(checks.iter().all(|c| c.status == CheckStatus::Ok));
    let acme_roles = checks
        .iter()
        .find(|c| c.scope == "organization acme" && c.name == "write_organization")
        .unwrap();
    assert!(
        acme_roles.detail.contains("identity provider manages"),
        "{acme_roles:?}"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));

    let server = start_with_token(
        None,
        &["read_organization", "read_service_tokens", "write_teams"],
    )
    .await;
    let checks = connector(&server).report_provisioning().await.unwrap();
    let status = |name: &str| {
        let found: HashSet<CheckStatus> = checks
            .iter()
            .filter(|c| c.name == name)
            .map(|c| c.status)
            .collect();
        found
    };
    assert_eq!(status("write_teams"), HashSet::from([CheckStatus::Ok]));
    assert_eq!(
        status("write_organization"),
        HashSet::from([CheckStatus::Missing])
    );
    assert_eq!(
        status("write_members"),
        HashSet::from([CheckStatus::Missing])
    );

    let server = start_with_token(None, &["read_organization", "write_teams"]).await;
    let checks = connector(&server).report_provisioning().await.unwrap();
    assert!(checks.iter().all(|c| c.status == CheckStatus::Unknown));
    assert!(
        checks[0].remedy.contains(
            "cannot be checked without making a change: give the token read_service_tokens"
        ),
        "{:?}",
        checks[0]
    );
}

#[tokio::test]
async fn a_sync_is_unchanged_by_provisioning_support() {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.tokens[0].accesses = vec!["read_organization".into()];
    let server = FakeServer::start(config).await.unwrap();
    // A read-only token still syncs: provisioning asks for nothing until a change is made.
    let run = Run::on(server).await;
    assert!(!run.grant_ids().is_empty());
    assert!(run.writes().is_empty());
}

/// The entitlement of `id` as a stale file holds it: its resource's profile `key` set to
/// `value` (an organization's name, a team's slug, changed in PlanetScale since the sync).
fn renamed(mut entitlement: Entitlement, key: &str, value: &str) -> Entitlement {
    let profile = entitlement.resource.profile.get_or_insert_default();
    profile.insert(key.to_owned(), Value::from(value));
    entitlement
}

/// Two organizations' names swapped since the sync, a team's slug now another team's, a team
/// gone: names in the file that no longer name what the file says. Nothing is sent, the error
/// says the file is stale, and nothing is claimed `already-revoked`. (Before: the revoke
/// deleted the member from the other organization, and revoking an admin printed
/// `already-revoked` while the person stayed admin.)
#[tokio::test]
async fn a_change_goes_only_where_the_file_ids_are_verified_live() {
    let run = Run::small().await;
    let (acme, acme_members) = run.org("acme", "member");
    let (_, admins) = run.org("acme", "admin");
    let dataset = run.server.dataset();
    let in_globex: Vec<&str> = dataset.org("globex").unwrap().user_ids().collect();
    // A member of both organizations, if the data has one: the one the old code removed.
    let user = acme_members
        .iter()
        .find(|u| in_globex.contains(&u.as_str()))
        .unwrap_or(&acme_members[0])
        .clone();
    let stale = |result: Result<Provisioned, ConnectorError>| {
        refused(result, ErrorKind::FailedPrecondition, "the file is stale");
    };
    let take = |entitlement: Entitlement, user: &str| {
        let mut grant = run.grant_of(&entitlement.id, user);
        grant.entitlement = entitlement;
        let cx = RevokeContext {
            grant,
            cancel: CancellationToken::new(),
        };
        revoke(&run.connector, cx, Mode::Apply)
    };
    let member = renamed(
        run.entitlement(&format!("organization:{acme}:member")),
        "name",
        "globex",
    );
    stale(take(member, &user).await);
    let admin = renamed(
        run.entitlement(&format!("organization:{acme}:admin")),
        "name",
        "globex",
    );
    stale(take(admin.clone(), &admins[0]).await);
    let cx = GrantContext {
        principal: run.user(&user),
        entitlement: admin,
        cancel: CancellationToken::new(),
    };
    stale(grant(&run.connector, cx, Mode::Apply).await);

    // A team's slug now names another team of the organization.
    let teams = &dataset.org("acme").unwrap().teams;
    let (first, second) = (&teams[0], &teams[1]);
    let team = format!("team:{}:member", first.team["id"].as_str().unwrap());
    let first_member = first.user_ids().next().unwrap().to_owned();
    let other = renamed(run.entitlement(&team), "slug", second.slug());
    stale(take(other.clone(), &first_member).await);
    let cx = GrantContext {
        principal: run.user(&user),
        entitlement: other,
        cancel: CancellationToken::new(),
    };
    stale(grant(&run.connector, cx, Mode::Apply).await);

    // A team the slug names no longer: not "already revoked", an error.
    let gone = renamed(run.entitlement(&team), "slug", "no-such-team");
    let result = take(gone, &first_member).await;
    refused(
        result,
        ErrorKind::NotFound,
        "renamed or deleted since the sync",
    );

    assert_eq!(run.writes(), Vec::<String>::new());
    let after = run.server.dataset();
    assert!(after.org("globex").unwrap().user_ids().eq(in_globex));
    let acme_now = after.org("acme").unwrap();
    assert!(
        acme_now
            .members
            .iter()
            .any(|m| m["user"]["id"] == admins[0].as_str() && m["role"] == "admin")
    );
}
