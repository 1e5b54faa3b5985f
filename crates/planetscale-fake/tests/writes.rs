//! The write endpoints: each change is seen by the reads after it; each refusal PlanetScale makes
//! is made, with its reason; a missing access is a 404; a lost answer still changes the data.

use planetscale_fake::{
    DEFAULT_TOKEN, DEFAULT_TOKEN_ID, DataSpec, EndpointKind, FakeConfig, FaultMatch, FaultRule,
    TokenConfig,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Fake, Reply, default_auth};

const ORGS: &str = "/v1/organizations";

impl Fake {
    /// `method` `path` with `body` (JSON) as the default token.
    async fn write(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.control(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request, Some(&default_auth())).await.unwrap()
    }

    /// The user ids of organization `org`'s members holding `role`.
    fn with_role(&self, org: &str, role: &str) -> Vec<String> {
        let dataset = self.server.dataset();
        let members = &dataset.org(org).unwrap().members;
        members
            .iter()
            .filter(|m| m["role"] == role)
            .map(|m| m["user"]["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The slug of the first team of `org` that is (or is not) managed by an identity provider.
    fn team(&self, org: &str, managed: bool) -> String {
        let dataset = self.server.dataset();
        let teams = &dataset.org(org).unwrap().teams;
        let team = teams.iter().find(|t| t.team["managed"] == managed).unwrap();
        team.slug().to_owned()
    }
}

fn message(reply: &Reply) -> String {
    reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_role_change_is_seen_by_the_next_read_and_refused_where_planetscale_refuses_it() {
    let fake = Fake::small().await;
    let member = fake.with_role("globex", "member")[0].clone();
    let path = format!("{ORGS}/globex/members/{member}");
    let done = fake
        .write(Method::PATCH, &path, Some(json!({"role": "admin"})))
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["role"], "admin");
    assert_eq!(fake.get(&path).await.json()["role"], "admin");

    let bad = fake
        .write(Method::PATCH, &path, Some(json!({"role": "owner"})))
        .await;
    assert_eq!(
        (bad.status, message(&bad).as_str()),
        (422, "role must be one of admin, analyst or member")
    );

    // acme's roles are managed by its identity provider.
    let acme_member = fake.with_role("acme", "member")[0].clone();
    let idp = fake
        .write(
            Method::PATCH,
            &format!("{ORGS}/acme/members/{acme_member}"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(idp.status, 422);
    assert_eq!(
        message(&idp),
        "the roles of organization acme are managed by your identity provider"
    );

    // initech has one admin, who can be neither demoted nor removed.
    let last = fake.with_role("initech", "admin")[0].clone();
    let last_path = format!("{ORGS}/initech/members/{last}");
    for (method, body) in [
        (Method::PATCH, Some(json!({"role": "member"}))),
        (Method::DELETE, None),
    ] {
        let refused = fake.write(method, &last_path, body).await;
        assert_eq!(refused.status, 422);
        assert_eq!(
            message(&refused),
            "an organization must keep at least one admin"
        );
    }
    assert_eq!(fake.get(&last_path).await.json()["role"], "admin");

    let nobody = fake
        .write(
            Method::PATCH,
            &format!("{ORGS}/globex/members/nobody"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(nobody.status, 404);
}

#[tokio::test]
async fn a_removed_member_leaves_the_organization_and_its_teams() {
    let fake = Fake::small().await;
    let team = fake.team("globex", false);
    let members_path = format!("{ORGS}/globex/teams/{team}/members");
    let in_team = fake.get(&members_path).await.json()["data"][0]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("{ORGS}/globex/members/{in_team}");
    let done = fake.write(Method::DELETE, &path, None).await;
    assert_eq!((done.status, done.text.as_str()), (204, ""));
    assert_eq!(fake.get(&path).await.status, 404);
    let team_page = fake.get(&members_path).await.json();
    let still: Vec<&Value> = team_page["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["user"]["id"] == in_team.as_str())
        .collect();
    assert!(still.is_empty());
    assert_eq!(fake.write(Method::DELETE, &path, None).await.status, 404);
}

#[tokio::test]
async fn team_members_are_added_and_removed_unless_the_team_is_managed() {
    let fake = Fake::small().await;
    let team = fake.team("acme", false);
    let base = format!("{ORGS}/acme/teams/{team}/members");
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").unwrap();
    let in_team: Vec<&str> = acme.team(&team).unwrap().user_ids().collect();
    let outsider = acme
        .user_ids()
        .find(|id| !in_team.contains(id))
        .unwrap()
        .to_owned();

    assert_eq!(fake.get(&format!("{base}/{outsider}")).await.status, 404);
    let added = fake
        .write(Method::POST, &base, Some(json!({"user_id": outsider})))
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.json()["user"]["id"], outsider.as_str());
    let membership = added.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(fake.get(&format!("{base}/{outsider}")).await.status, 200);
    assert_eq!(fake.get(&format!("{base}/{membership}")).await.status, 200);
    let again = fake
        .write(Method::POST, &base, Some(json!({"user_id": outsider})))
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(
        message(&again),
        format!("user {outsider} is already a member of team {team}")
    );
    let stranger = fake
        .write(Method::POST, &base, Some(json!({"user_id": "zz-nobody"})))
        .await;
    assert_eq!(
        message(&stranger),
        "user zz-nobody is not a member of organization acme"
    );

    let removed = fake
        .write(Method::DELETE, &format!("{base}/{membership}"), None)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(fake.get(&format!("{base}/{outsider}")).await.status, 404);
    let gone = fake
        .write(Method::DELETE, &format!("{base}/{outsider}"), None)
        .await;
    assert_eq!(gone.status, 404);

    let managed = fake.team("acme", true);
    let managed_base = format!("{ORGS}/acme/teams/{managed}/members");
    for (method, path, body) in [
        (
            Method::POST,
            managed_base.clone(),
            Some(json!({"user_id": outsider})),
        ),
        (
            Method::DELETE,
            format!("{managed_base}/{}", in_team[0]),
            None,
        ),
    ] {
        let refused = fake.write(method, &path, body).await;
        assert_eq!(refused.status, 422);
        assert_eq!(
            message(&refused),
            format!("team {managed} is managed by your identity provider")
        );
    }
}

#[tokio::test]
async fn invitations_are_listed_and_a_service_token_invites_only_members() {
    let fake = Fake::small().await;
    let path = format!("{ORGS}/initech/invitations");
    let sent = fake
        .write(
            Method::POST,
            &path,
            Some(json!({"email": "new.hire@initech.example"})),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let invitation = sent.json();
    assert_eq!(
        (
            &invitation["email"],
            &invitation["role"],
            &invitation["expired"]
        ),
        (
            &json!("new.hire@initech.example"),
            &json!("member"),
            &json!(false)
        )
    );
    assert_eq!(
        fake.get(&path).await.ids(),
        [invitation["id"].as_str().unwrap()]
    );

    let cases = [
        (
            json!({"email": "new.hire@initech.example"}),
            "new.hire@initech.example has already been invited",
        ),
        (
            json!({"email": "boss@initech.example", "role": "admin"}),
            "service tokens can only invite members; an organization admin must invite admins and analysts",
        ),
        (json!({"email": "not-an-address"}), "email is invalid"),
    ];
    for (body, expected) in cases {
        let refused = fake.write(Method::POST, &path, Some(body)).await;
        assert_eq!(
            (refused.status, message(&refused).as_str()),
            (422, expected)
        );
    }
    let dataset = fake.server.dataset();
    let email = dataset.org("initech").unwrap().members[0]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = fake
        .write(Method::POST, &path, Some(json!({"email": email})))
        .await;
    assert_eq!(
        message(&member),
        format!("{email} is already a member of initech")
    );
}

#[tokio::test]
async fn a_token_without_the_write_access_gets_404_and_changes_nothing() {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.tokens = vec![TokenConfig {
        accesses: vec!["read_organization".into()],
        ..TokenConfig::full_access(DEFAULT_TOKEN_ID, DEFAULT_TOKEN)
    }];
    let fake = Fake::start(config).await;
    let member = fake.with_role("globex", "member")[0].clone();
    let team = fake.team("globex", false);
    let writes = [
        (
            Method::PATCH,
            format!("{ORGS}/globex/members/{member}"),
            Some(json!({"role": "admin"})),
        ),
        (
            Method::DELETE,
            format!("{ORGS}/globex/members/{member}"),
            None,
        ),
        (
            Method::POST,
            format!("{ORGS}/globex/teams/{team}/members"),
            Some(json!({"user_id": member})),
        ),
        (
            Method::POST,
            format!("{ORGS}/globex/invitations"),
            Some(json!({"email": "x@globex.example"})),
        ),
    ];
    for (method, path, body) in writes {
        let refused = fake.write(method.clone(), &path, body).await;
        assert_eq!(refused.status, 404, "{method} {path}");
    }
    let path = format!("{ORGS}/globex/members/{member}");
    assert_eq!(fake.get(&path).await.json()["role"], "member");
}

#[tokio::test]
async fn a_token_reads_its_own_accesses_with_read_service_tokens() {
    let fake = Fake::small().await;
    let own = fake
        .get(&format!("{ORGS}/globex/service-tokens/{DEFAULT_TOKEN_ID}"))
        .await;
    assert_eq!(own.status, 200);
    let token = own.json();
    let accesses: Vec<&str> = token["service_token_accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["access"].as_str().unwrap())
        .collect();
    assert!(accesses.contains(&"write_teams"), "{accesses:?}");
    assert_eq!(
        token["service_token_accesses"][0]["resource_name"],
        "globex"
    );
    let dataset = fake.server.dataset();
    let other = dataset.org("globex").unwrap().service_tokens[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = fake
        .get(&format!("{ORGS}/globex/service-tokens/{other}"))
        .await;
    assert_eq!(listed.json()["id"], other.as_str());
    assert_eq!(
        fake.get(&format!("{ORGS}/globex/service-tokens/nope"))
            .await
            .status,
        404
    );

    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.tokens[0].accesses = vec!["read_organization".into()];
    let blind = Fake::start(config).await;
    let refused = blind
        .get(&format!("{ORGS}/globex/service-tokens/{DEFAULT_TOKEN_ID}"))
        .await;
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn a_lost_answer_still_makes_the_change_and_a_refused_write_does_not() {
    let fake = Fake::small().await;
    let members = fake.with_role("globex", "member");
    let path = |user: &str| format!("{ORGS}/globex/members/{user}");
    fake.server.set_faults(vec![FaultRule::LostAnswer {
        on: FaultMatch::endpoint(EndpointKind::UpdateMember),
        status: Some(502),
    }]);
    let lost = fake
        .write(
            Method::PATCH,
            &path(&members[0]),
            Some(json!({"role": "analyst"})),
        )
        .await;
    assert_eq!(lost.status, 502);
    assert_eq!(fake.get(&path(&members[0])).await.json()["role"], "analyst");

    fake.server.set_faults(vec![FaultRule::LostAnswer {
        on: FaultMatch::endpoint(EndpointKind::RemoveMember),
        status: None,
    }]);
    let request = fake.control(Method::DELETE, &path(&members[1]));
    assert!(fake.send(request, Some(&default_auth())).await.is_err());
    assert_eq!(fake.get(&path(&members[1])).await.status, 404);

    fake.server.set_faults(vec![FaultRule::Status {
        on: FaultMatch::endpoint(EndpointKind::UpdateMember),
        status: 503,
    }]);
    let refused = fake
        .write(
            Method::PATCH,
            &path(&members[2]),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(refused.status, 503);
    assert_eq!(fake.get(&path(&members[2])).await.json()["role"], "member");

    // Reads never lose their answer this way.
    fake.server.set_faults(vec![FaultRule::LostAnswer {
        on: FaultMatch::any().forever(),
        status: Some(502),
    }]);
    assert_eq!(fake.get(&path(&members[2])).await.status, 200);
    let stats = fake.server.stats();
    assert_eq!(stats.by_endpoint["update_member"], 2);
    assert_eq!(stats.by_endpoint["remove_member"], 1);
}
