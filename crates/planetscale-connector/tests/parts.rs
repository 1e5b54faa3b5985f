//! The databases every sync holds and the optional parts: every database, service tokens, OAuth
//! applications with their tokens, invitations. What each costs, what it holds, and what a
//! missing access does.

use connector_sdk::{Annotation, CheckStatus, Connector, ErrorKind};
use planetscale_connector::{OPTION_SETTINGS, Options, Part};
use planetscale_fake::{
    DEFAULT_TOKEN, DataSpec, EndpointKind, FakeConfig, FakeServer, TokenConfig,
};

use crate::support::{
    Unvalidated, api_requests, assert_no_page_fetched_twice, chain, connector, connector_with,
    contents, expected_requests, expected_requests_with, fault_404, fixture, render, start,
    sync_memory,
};

/// The ids of `resources` of type `resource_type`, sorted.
fn ids_of(resources: &[connector_sdk::Resource], resource_type: &str) -> Vec<String> {
    let mut ids: Vec<String> = resources
        .iter()
        .filter(|r| r.id.resource_type == resource_type)
        .map(|r| r.id.resource.clone())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn databases_teams_name_cost_no_request_and_hold_expandable_grants() {
    let server = start(fixture()).await;
    let (store, result) = sync_memory(&connector(&server)).await;
    result.unwrap();
    let dataset = server.dataset();
    assert_eq!(
        api_requests(&server).len(),
        expected_requests(&dataset, &dataset.org_names())
    );
    let (resources, entitlements, grants) = contents(&store);
    // orders and billing are administered through teams, analytics read; audit nobody names.
    assert_eq!(
        ids_of(&resources, "database"),
        ["dbanalyt0002", "dbbilling003", "dborders0001"]
    );
    let orders = resources
        .iter()
        .find(|r| r.id.resource == "dborders0001")
        .unwrap();
    assert_eq!(orders.parent.as_ref().unwrap().resource, "orgacme00001");
    assert!(
        entitlements
            .iter()
            .any(|e| e.id == "database:dborders0001:admin")
    );
    let expandable = |id: &str| -> Vec<String> {
        let grant = grants
            .iter()
            .find(|g| g.id == id)
            .unwrap_or_else(|| panic!("{id}"));
        grant
            .annotations
            .iter()
            .flat_map(|a| match a {
                Annotation::GrantExpandable {
                    entitlement_ids, ..
                } => entitlement_ids.clone(),
                _ => Vec::new(),
            })
            .collect()
    };
    assert_eq!(
        expandable("database:dborders0001:admin:team:teameng00001"),
        ["team:teameng00001:member"]
    );
    assert_eq!(
        expandable("database:dbanalyt0002:analyst:team:teameng00001"),
        ["team:teameng00001:member"]
    );
    assert_eq!(
        expandable("database:dbanalyt0002:admin:organization:orgacme00001"),
        ["organization:orgacme00001:admin"]
    );
    assert_eq!(
        expandable("database:dbanalyt0002:analyst:organization:orgacme00001"),
        ["organization:orgacme00001:analyst"]
    );
}

#[tokio::test]
async fn every_part_of_the_fixture_matches_snapshot_and_costs_the_formula() {
    let server = start(fixture()).await;
    let (store, result) = sync_memory(&connector_with(&server, Options::all())).await;
    let summary = result.unwrap();
    let dataset = server.dataset();
    assert_eq!(
        api_requests(&server).len(),
        expected_requests_with(&dataset, &dataset.org_names(), Options::all())
    );
    assert_no_page_fetched_twice(&server);

    let (resources, entitlements, grants) = contents(&store);
    // Every database now, audit too; the branch access on billing lands on billing.
    assert_eq!(
        ids_of(&resources, "database"),
        [
            "dbanalyt0002",
            "dbaudit00004",
            "dbbilling003",
            "dborders0001"
        ]
    );
    assert_eq!(
        ids_of(&resources, "service_token"),
        ["tokci0000001", "tokgov000002"]
    );
    assert_eq!(ids_of(&resources, "oauth_token"), ["oatgrace0001"]);
    assert_eq!(
        ids_of(&resources, "invitation"),
        ["invnew000001", "invold000002"]
    );
    for id in [
        "organization:orgacme00001:read_organization:service_token:tokci0000001",
        "database:dbaudit00004:connect_production_branch:service_token:tokci0000001",
        "organization:orgacme00001:manage_webhooks:service_token:tokgov000002",
        "database:dbbilling003:connect_branch:oauth_token:oatgrace0001",
        "organization:orgacme00001:admin:invitation:invnew000001",
    ] {
        assert!(grants.iter().any(|g| g.id == id), "{id}");
    }
    assert!(
        !grants
            .iter()
            .any(|g| g.principal.id.resource == "invold000002"),
        "an expired invitation holds nothing"
    );
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("\"manage_webhooks\"") && w.contains("unknown to the connector")),
        "{:?}",
        summary.warnings
    );
    let mut rendered = render(&resources, &entitlements, &grants);
    rendered.push_str("# warnings\n");
    for warning in &summary.warnings {
        rendered.push_str(warning);
        rendered.push('\n');
    }
    insta::assert_snapshot!("fixture_sync_all", rendered);
}

#[tokio::test]
async fn every_part_costs_exactly_the_formula_with_and_without_validation() {
    // Over 100 service tokens and databases in the first organization; the second's token
    // list leaves the accesses out, so each of its tokens is read on its own.
    let spec = DataSpec {
        databases_per_org: vec![130, 3, 1],
        service_tokens_per_org: vec![104, 4, 1],
        oauth_tokens_per_app: vec![101, 2],
        invitations_per_org: vec![102, 1, 0],
        ..DataSpec::small()
    };
    let mut dataset = spec.generate();
    // And one OAuth token listed without its accesses: it too is read on its own.
    dataset.organizations[0].oauth_applications[0].tokens[0]["oauth_accesses_by_resource"] =
        serde_json::Value::Null;
    for validated in [true, false] {
        let server = start(dataset.clone()).await;
        let connector = connector_with(&server, Options::all());
        let (store, result) = match validated {
            true => sync_memory(&connector).await,
            false => sync_memory(&Unvalidated(connector)).await,
        };
        result.unwrap();
        let dataset = server.dataset();
        assert!(dataset.organizations[1].service_token_list_omits_accesses);
        assert!(
            api_requests(&server)
                .iter()
                .any(|r| r.path.contains("/oauth-applications/") && r.path.contains("/tokens/"))
        );
        // The audit log is read by the connector's event feed, which `Unvalidated` does not
        // offer (the feed reads the organizations validation found).
        let parts = Options {
            audit_log: validated,
            ..Options::all()
        };
        assert_eq!(
            api_requests(&server).len(),
            expected_requests_with(&dataset, &dataset.org_names(), parts),
            "validated: {validated}"
        );
        assert_no_page_fetched_twice(&server);
        let (resources, _, _) = contents(&store);
        let databases: usize = dataset
            .organizations
            .iter()
            .map(|o| o.databases.len())
            .sum();
        assert_eq!(ids_of(&resources, "database").len(), databases);
        let tokens: usize = dataset
            .organizations
            .iter()
            .map(|o| o.service_tokens.len())
            .sum();
        assert_eq!(ids_of(&resources, "service_token").len(), tokens);
    }
}

/// The small dataset served to one token with `accesses` on every organization.
async fn start_with_accesses(accesses: &[&str]) -> FakeServer {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.tokens = vec![TokenConfig {
        id: planetscale_fake::DEFAULT_TOKEN_ID.to_owned(),
        token: DEFAULT_TOKEN.to_owned(),
        organizations: None,
        accesses: accesses.iter().map(|a| (*a).to_owned()).collect(),
    }];
    FakeServer::start(config).await.unwrap()
}

#[tokio::test]
async fn an_enabled_part_without_its_access_fails_the_sync_naming_the_access() {
    let cases = [
        (
            Options {
                list_databases: true,
                ..Options::default()
            },
            "read_database",
        ),
        (
            Options {
                service_tokens: true,
                ..Options::default()
            },
            "read_service_tokens",
        ),
        (
            Options {
                oauth_applications: true,
                ..Options::default()
            },
            "read_oauth_applications",
        ),
        (
            Options {
                invitations: true,
                ..Options::default()
            },
            "write_members",
        ),
    ];
    for (options, access) in cases {
        let server = start_with_accesses(&["read_organization"]).await;
        let connector = connector_with(&server, options);
        let report = connector.report().await.unwrap();
        let missing: Vec<&str> = report.missing().map(|c| c.name.as_str()).collect();
        assert_eq!(missing, [access; 3], "{report:#?}");
        let remedy = &report.missing().next().unwrap().remedy;
        assert!(remedy.contains("planetscale-"), "{remedy}");

        let (store, result) = sync_memory(&connector).await;
        let err = result.unwrap_err();
        assert_eq!(err.connector_kind(), Some(ErrorKind::PermissionDenied));
        assert!(chain(&err).contains(access), "{}", chain(&err));
        let (resources, _, _) = contents(&store);
        assert!(
            resources.is_empty(),
            "nothing written before validation passed"
        );
    }

    // OAuth tokens are checked on the first application, with their own access.
    let server = start_with_accesses(&["read_organization", "read_oauth_applications"]).await;
    let options = Options {
        oauth_applications: true,
        ..Options::default()
    };
    let report = connector_with(&server, options).report().await.unwrap();
    let tokens: Vec<CheckStatus> = report
        .checks
        .iter()
        .filter(|c| c.name == "read_oauth_tokens")
        .map(|c| c.status)
        .collect();
    // acme and globex have applications; initech has none to check on.
    assert_eq!(
        tokens,
        [
            CheckStatus::Missing,
            CheckStatus::Missing,
            CheckStatus::Skipped
        ]
    );
}

#[tokio::test]
async fn validation_says_what_each_part_needs_and_what_the_api_cannot_show() {
    let server = start(DataSpec::small().generate()).await;
    let options = Options {
        service_tokens: true,
        ..Options::default()
    };
    let report = connector_with(&server, options).report().await.unwrap();
    let rows: Vec<(String, String, CheckStatus)> = report
        .checks
        .iter()
        .filter(|c| !c.scope.starts_with("organization"))
        .map(|c| (c.scope.clone(), c.name.clone(), c.status))
        .collect();
    // A skipped row per option that is off, named by its first part's access (from the parts
    // table, so a new part needs no edit here), then what the API cannot show.
    let mut expected: Vec<(String, String, CheckStatus)> = OPTION_SETTINGS
        .iter()
        .filter(|setting| !setting.is_on(&options))
        .map(|setting| {
            let first = setting.parts().next().unwrap();
            let skipped = ("all organizations".into(), first.access().into());
            (skipped.0, skipped.1, CheckStatus::Skipped)
        })
        .collect();
    expected.push((
        "databases".into(),
        "Database Administrator granted to one person".into(),
        CheckStatus::Skipped,
    ));
    assert_eq!(rows, expected);
    assert!(rows.iter().any(|r| r.1 == "read_database"), "{rows:?}");
    let oauth = report
        .checks
        .iter()
        .find(|c| c.name == "read_oauth_applications")
        .unwrap();
    assert!(
        oauth.detail.contains("planetscale-sync-oauth-applications")
            && oauth.detail.contains("read_oauth_tokens"),
        "{}",
        oauth.detail
    );
    let tokens = report
        .checks
        .iter()
        .find(|c| c.name == "read_service_tokens" && c.scope == "organization acme")
        .unwrap();
    assert_eq!(tokens.status, CheckStatus::Ok);
    assert!(
        tokens.detail.ends_with("service tokens"),
        "{}",
        tokens.detail
    );
    assert_eq!(
        Part::ServiceTokens.setting(),
        "planetscale-sync-service-tokens"
    );
}

#[tokio::test]
async fn a_404_on_the_databases_fails_validation_and_the_sync_never_reads_it_as_none() {
    let server = start(DataSpec::small().generate()).await;
    let options = Options {
        list_databases: true,
        ..Options::default()
    };
    let dataset = server.dataset();
    let org = dataset.org_names()[1];
    server.set_faults(vec![fault_404(EndpointKind::Databases, org, None)]);
    let err = connector_with(&server, options)
        .validate()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(err.message().contains("read_database"), "{err}");
    // Without validation, as after a token lost the access mid-sync: the listing fails too.
    let (_, result) = sync_memory(&Unvalidated(connector_with(&server, options))).await;
    let err = result.unwrap_err();
    assert_eq!(err.connector_kind(), Some(ErrorKind::PermissionDenied));
    let text = chain(&err);
    assert!(
        text.contains("read_database") && text.contains(org),
        "{text}"
    );
}

#[tokio::test]
async fn token_secrets_never_reach_the_store() {
    const SECRET: &str = "pscale_tok_PLANTED_S3CR3T_in_a_list";
    const REFRESH: &str = "pscale_oauth_refresh_PLANTED_S3CR3T";
    let mut dataset = fixture();
    let acme = &mut dataset.organizations[0];
    acme.service_tokens[0]["token"] = SECRET.into();
    acme.service_tokens[1]["plain_text_refresh_token"] = REFRESH.into();
    acme.oauth_applications[0].tokens[0]["token"] = SECRET.into();
    acme.oauth_applications[0].tokens[0]["plain_text_refresh_token"] = REFRESH.into();
    let server = start(dataset).await;
    let (store, result) = sync_memory(&connector_with(&server, Options::all())).await;
    result.unwrap();
    let everything = format!("{:?}", contents(&store));
    assert!(everything.contains("tokci0000001"));
    for secret in [SECRET, REFRESH, "S3CR3T"] {
        assert!(!everything.contains(secret), "{secret} reached the store");
    }
}
