use planetscale_fake::{DEFAULT_TOKEN_ID, DataSpec, FakeConfig, TokenConfig};

use crate::support::{Fake, default_auth};

/// A server with the default token and a narrow one: globex only, `read_organization` only.
async fn with_narrow_token() -> Fake {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.tokens.push(TokenConfig {
        id: "pscale_tkn_narrow".to_string(),
        token: "pscale_tok_narrow".to_string(),
        organizations: Some(vec!["globex".to_string()]),
        accesses: vec!["read_organization".to_string()],
    });
    Fake::start(config).await
}

const NARROW: &str = "pscale_tkn_narrow:pscale_tok_narrow";

#[tokio::test]
async fn bad_credentials_are_401_and_recorded() {
    let fake = Fake::small().await;
    let wrong_secret = format!("{DEFAULT_TOKEN_ID}:nope");
    let bearer = format!("Bearer {}", default_auth());
    let cases: [(Option<&str>, Option<&str>); 5] = [
        (None, None),
        (Some(""), None),
        (Some("pscale_tkn_unknown:secret"), None),
        (Some(&wrong_secret), Some(DEFAULT_TOKEN_ID)),
        (Some(&bearer), None),
    ];
    for (auth, token_id) in cases {
        let reply = fake.get_as("/v1/organizations/acme/members", auth).await;
        assert_eq!(reply.status, 401, "{auth:?}");
        assert_eq!(reply.json()["code"], "unauthorized");
        let record = fake.server.requests().pop().unwrap();
        assert!(!record.authorized);
        assert_eq!(record.token_id.as_deref(), token_id, "{auth:?}");
    }
    let ok = fake.get("/v1/organizations/acme/members").await;
    assert_eq!(ok.status, 200);
    let record = fake.server.requests().pop().unwrap();
    assert!(record.authorized);
    assert_eq!(record.token_id.as_deref(), Some(DEFAULT_TOKEN_ID));
    assert_eq!(fake.server.stats().unauthorized, 5);
}

#[tokio::test]
async fn organizations_lists_only_what_the_token_reaches() {
    let fake = with_narrow_token().await;
    let names = |reply: crate::support::Reply| -> Vec<String> {
        let json = reply.json();
        json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(fake.get("/v1/organizations").await),
        ["acme", "globex", "initech"]
    );
    assert_eq!(
        names(fake.get_as("/v1/organizations", Some(NARROW)).await),
        ["globex"]
    );
}

#[tokio::test]
async fn unreachable_orgs_and_missing_accesses_are_404() {
    let fake = with_narrow_token().await;
    let dataset = fake.server.dataset();
    let globex = dataset.org("globex").unwrap();
    let slug = globex.teams[0].slug();
    let user = globex.members[0]["user"]["id"].as_str().unwrap();
    let team = format!("/v1/organizations/globex/teams/{slug}");
    let team_members = format!("{team}/members");
    let member = format!("/v1/organizations/globex/members/{user}");
    let cases = [
        // The narrow token reaches globex with read_organization only.
        ("/v1/organizations/globex", 200),
        ("/v1/organizations/globex/members", 200),
        (member.as_str(), 200),
        ("/v1/organizations/globex/teams", 200),
        (team.as_str(), 200),
        (team_members.as_str(), 200),
        ("/v1/organizations/globex/service-tokens", 404),
        ("/v1/organizations/globex/invitations", 404),
        ("/v1/organizations/globex/databases", 404),
        ("/v1/organizations/globex/oauth-applications", 404),
        ("/v1/organizations/acme", 404),
        ("/v1/organizations/acme/members", 404),
        ("/v1/organizations/acme/teams", 404),
    ];
    for (path, status) in cases {
        let reply = fake.get_as(path, Some(NARROW)).await;
        assert_eq!(reply.status, status, "{path}");
        if status == 404 {
            assert_eq!(reply.json()["code"], "not_found", "{path}");
        }
    }
    // The full token sees what the narrow one may not.
    for list in [
        "service-tokens",
        "invitations",
        "databases",
        "oauth-applications",
    ] {
        let path = format!("/v1/organizations/globex/{list}");
        assert_eq!(fake.get(&path).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn any_database_access_lists_databases_and_each_oauth_list_needs_its_own() {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    let app = config.dataset.organizations[0].oauth_applications[0]
        .id()
        .to_string();
    for (id, accesses) in [
        ("pscale_tkn_deployer", vec!["connect_production_branch"]),
        ("pscale_tkn_apps", vec!["read_oauth_applications"]),
        ("pscale_tkn_tokens", vec!["read_oauth_tokens"]),
    ] {
        config.tokens.push(TokenConfig {
            id: id.to_string(),
            token: "pscale_tok_x".to_string(),
            organizations: None,
            accesses: accesses.into_iter().map(str::to_string).collect(),
        });
    }
    let fake = Fake::start(config).await;
    let databases = "/v1/organizations/acme/databases";
    let apps = "/v1/organizations/acme/oauth-applications";
    let tokens = format!("{apps}/{app}/tokens");
    let cases = [
        ("pscale_tkn_deployer", databases, 200),
        ("pscale_tkn_deployer", apps, 404),
        ("pscale_tkn_apps", apps, 200),
        ("pscale_tkn_apps", &tokens, 404),
        ("pscale_tkn_tokens", &tokens, 200),
        ("pscale_tkn_tokens", apps, 404),
        ("pscale_tkn_tokens", databases, 404),
    ];
    for (token, path, status) in cases {
        let auth = format!("{token}:pscale_tok_x");
        let reply = fake.get_as(path, Some(&auth)).await;
        assert_eq!(reply.status, status, "{token} {path}");
    }
}

#[tokio::test]
async fn missing_objects_are_404() {
    let fake = Fake::small().await;
    let membership_id = fake.server.dataset().org("acme").unwrap().members[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/v1/organizations/nope".to_string(),
        "/v1/organizations/acme/members/nope".to_string(),
        // The member path takes the user id, never the membership id.
        format!("/v1/organizations/acme/members/{membership_id}"),
        "/v1/organizations/acme/teams/nope".to_string(),
        "/v1/organizations/acme/teams/nope/members".to_string(),
        "/v1/organizations/acme/databases/orders".to_string(),
        "/v1/organizations/acme/service-tokens/nope".to_string(),
        "/v1/organizations/acme/oauth-applications/nope/tokens".to_string(),
        "/v1/organizations/acme/oauth-applications/nope/tokens/nope".to_string(),
    ] {
        let reply = fake.get(&path).await;
        assert_eq!(
            (reply.status, reply.json()["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn token_config_debug_hides_the_secret() {
    let token = TokenConfig::full_access("pscale_tkn_a", "pscale_tok_very_secret");
    let debug = format!("{token:?}");
    assert!(
        debug.contains("pscale_tkn_a") && !debug.contains("very_secret"),
        "{debug}"
    );
}
