//! Every endpoint against httpmock with reference-shaped bodies, and snapshots of the
//! decoded models.

use httpmock::MockServer;
use planetscale_client::{Organization, Role};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn list_organizations_sends_the_auth_headers_and_decodes_the_reference_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations")
                .query_param("page", "1")
                .query_param("per_page", "100")
                .header("authorization", AUTHORIZATION)
                .header("accept", "application/json")
                .header(
                    "user-agent",
                    concat!("planetscale-client/", env!("CARGO_PKG_VERSION")),
                );
            then.status(200).json_body(json!({
                "type": "list",
                "current_page": 1,
                "per_page": 25,
                "next_page": null,
                "next_page_url": null,
                "prev_page": null,
                "prev_page_url": null,
                "data": [organization()]
            }));
        })
        .await;
    let catch_all = catch_all(&server).await;
    let page = client_for(&server).list_organizations(1).await.unwrap();
    mock.assert_calls_async(1).await;
    catch_all.assert_calls_async(0).await;
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn get_organization() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme")
                .query_param_missing("page");
            then.status(200).json_body(organization());
        })
        .await;
    catch_all(&server).await;
    let org = client_for(&server).get_organization("acme").await.unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(org.id, "k7w2m9d1qz4e");
    assert_eq!(org.invoice_budget_amount.as_deref(), Some("0.0"));
}

#[tokio::test]
async fn organizations_tolerate_a_minimal_body_and_a_numeric_budget() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/tiny");
            then.status(200).json_body(json!({
                "id": "o1", "name": "tiny", "plan": null, "invoice_budget_amount": 250
            }));
        })
        .await;
    let org = client_for(&server).get_organization("tiny").await.unwrap();
    let expected = Organization {
        invoice_budget_amount: Some("250".into()),
        ..serde_json::from_value(json!({"id": "o1", "name": "tiny"})).unwrap()
    };
    assert_eq!(org, expected);
    assert_eq!(org.sso, None);
}

#[tokio::test]
async fn list_members_decodes_roles_and_nullable_user_fields() {
    let server = MockServer::start_async().await;
    let mock = page_mock(
        &server,
        "/v1/organizations/acme/members",
        1,
        envelope(vec![ada(), grace(), analyst()], 1, None),
    )
    .await;
    catch_all(&server).await;
    let page = client_for(&server).list_members("acme", 1).await.unwrap();
    mock.assert_calls_async(1).await;
    let roles: Vec<&Role> = page.items.iter().map(|m| &m.role).collect();
    assert_eq!(roles, [&Role::Admin, &Role::Member, &Role::Analyst]);
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn get_member_takes_the_user_id() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme/members/b5t0y7c2h9mq")
                .header("authorization", AUTHORIZATION);
            then.status(200).json_body(ada());
        })
        .await;
    catch_all(&server).await;
    let member = client_for(&server)
        .get_member("acme", "b5t0y7c2h9mq")
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(member.user.id, "b5t0y7c2h9mq");
    assert_eq!(member.role, Role::Admin);
}

#[tokio::test]
async fn list_teams_and_get_team() {
    let server = MockServer::start_async().await;
    let list = page_mock(
        &server,
        "/v1/organizations/acme/teams",
        1,
        envelope(vec![team()], 1, None),
    )
    .await;
    let get = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme/teams/platform");
            then.status(200).json_body(team());
        })
        .await;
    catch_all(&server).await;
    let client = client_for(&server);
    let page = client.list_teams("acme", 1).await.unwrap();
    let single = client.get_team("acme", "platform").await.unwrap();
    list.assert_calls_async(1).await;
    get.assert_calls_async(1).await;
    assert_eq!(page.items, [single]);
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn list_team_members_drops_the_passwords() {
    let server = MockServer::start_async().await;
    let mock = page_mock(
        &server,
        "/v1/organizations/acme/teams/platform/members",
        1,
        envelope(vec![team_member()], 1, None),
    )
    .await;
    catch_all(&server).await;
    let page = client_for(&server)
        .list_team_members("acme", "platform", 1)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    let debug = format!("{page:?}");
    let serialized = serde_json::to_string(&page).unwrap();
    for output in [&debug, &serialized] {
        assert!(!output.contains(BRANCH_PASSWORD));
        assert!(!output.contains("passwords"));
    }
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn list_service_tokens_reads_the_accesses() {
    let server = MockServer::start_async().await;
    let mock = page_mock(
        &server,
        "/v1/organizations/acme/service-tokens",
        1,
        envelope(vec![service_token()], 1, None),
    )
    .await;
    catch_all(&server).await;
    let page = client_for(&server)
        .list_service_tokens("acme", 1)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(page.items[0].accesses.as_ref().map(Vec::len), Some(1));
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn a_service_token_without_accesses_in_the_list_has_them_on_its_own() {
    let server = MockServer::start_async().await;
    let mut listed = service_token();
    listed
        .as_object_mut()
        .unwrap()
        .remove("service_token_accesses");
    let list = page_mock(
        &server,
        "/v1/organizations/acme/service-tokens",
        1,
        envelope(vec![listed], 1, None),
    )
    .await;
    let get = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme/service-tokens/txhc257pxjuc");
            then.status(200).json_body(service_token());
        })
        .await;
    catch_all(&server).await;
    let client = client_for(&server);
    let page = client.list_service_tokens("acme", 1).await.unwrap();
    assert_eq!(page.items[0].accesses, None);
    assert!(!page.items[0].has_accesses());
    let single = client
        .get_service_token("acme", "txhc257pxjuc")
        .await
        .unwrap();
    list.assert_calls_async(1).await;
    get.assert_calls_async(1).await;
    assert_eq!(single.accesses.map(|a| a.len()), Some(1));
}

#[tokio::test]
async fn list_databases() {
    let server = MockServer::start_async().await;
    let mock = page_mock(
        &server,
        "/v1/organizations/acme/databases",
        1,
        envelope(vec![database()], 1, None),
    )
    .await;
    catch_all(&server).await;
    let page = client_for(&server).list_databases("acme", 1).await.unwrap();
    mock.assert_calls_async(1).await;
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn oauth_applications_and_their_tokens_without_secrets() {
    let server = MockServer::start_async().await;
    let apps = page_mock(
        &server,
        "/v1/organizations/acme/oauth-applications",
        1,
        envelope(vec![oauth_application()], 1, None),
    )
    .await;
    let tokens = page_mock(
        &server,
        "/v1/organizations/acme/oauth-applications/app4r8t2k6m0/tokens",
        1,
        envelope(vec![oauth_token()], 1, None),
    )
    .await;
    let get = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme/oauth-applications/app4r8t2k6m0/tokens/oat7y3u9i1o5");
            then.status(200).json_body(oauth_token());
        })
        .await;
    catch_all(&server).await;
    let client = client_for(&server);
    let apps_page = client.list_oauth_applications("acme", 1).await.unwrap();
    let tokens_page = client
        .list_oauth_tokens("acme", "app4r8t2k6m0", 1)
        .await
        .unwrap();
    let single = client
        .get_oauth_token("acme", "app4r8t2k6m0", "oat7y3u9i1o5")
        .await
        .unwrap();
    for mock in [&apps, &tokens, &get] {
        mock.assert_calls_async(1).await;
    }
    assert_eq!(tokens_page.items, [single]);
    let debug = format!("{apps_page:?}{tokens_page:?}");
    let serialized = serde_json::to_string(&tokens_page).unwrap();
    for output in [&debug, &serialized] {
        assert!(!output.contains(OAUTH_TOKEN_SECRET), "{output}");
        assert!(!output.contains(OAUTH_REFRESH_SECRET), "{output}");
    }
    insta::assert_debug_snapshot!((apps_page, tokens_page));
}

#[tokio::test]
async fn list_invitations() {
    let server = MockServer::start_async().await;
    let mock = page_mock(
        &server,
        "/v1/organizations/acme/invitations",
        1,
        envelope(vec![invitation()], 1, None),
    )
    .await;
    catch_all(&server).await;
    let page = client_for(&server)
        .list_invitations("acme", 1)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    insta::assert_debug_snapshot!(page);
}

#[tokio::test]
async fn path_segments_are_percent_encoded() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme%20corp%2Fx/teams/a%3Fb%23c");
            then.status(200).json_body(team());
        })
        .await;
    catch_all(&server).await;
    client_for(&server)
        .get_team("acme corp/x", "a?b#c")
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn empty_and_dot_segments_are_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let catch_all = catch_all(&server).await;
    let client = client_for(&server);
    for org in ["", ".", ".."] {
        let error = client.get_organization(org).await.unwrap_err();
        assert!(
            error.to_string().starts_with("invalid argument: "),
            "{error}"
        );
    }
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn get_json_reaches_other_endpoints_with_a_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme/members")
                .query_param("q", "ada & co")
                .header("authorization", AUTHORIZATION);
            then.status(200).json_body(envelope(vec![ada()], 1, None));
        })
        .await;
    catch_all(&server).await;
    let raw: serde_json::Value = client_for(&server)
        .get_json(
            &["organizations", "acme", "members"],
            &[("q", "ada & co".to_owned())],
        )
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(raw["data"][0]["role"], "admin");
}

#[tokio::test]
async fn per_page_is_clamped_to_the_api_maximum() {
    let server = MockServer::start_async().await;
    let hundred = server
        .mock_async(|when, then| {
            when.path("/v1/organizations")
                .query_param("per_page", "100");
            then.status(200).json_body(envelope(vec![], 1, None));
        })
        .await;
    let one = server
        .mock_async(|when, then| {
            when.path("/v1/organizations").query_param("per_page", "1");
            then.status(200).json_body(envelope(vec![], 1, None));
        })
        .await;
    catch_all(&server).await;
    let base = server.base_url();
    builder_for(&base)
        .per_page(500)
        .build()
        .unwrap()
        .list_organizations(1)
        .await
        .unwrap();
    builder_for(&base)
        .per_page(0)
        .build()
        .unwrap()
        .list_organizations(1)
        .await
        .unwrap();
    hundred.assert_calls_async(1).await;
    one.assert_calls_async(1).await;
}

#[tokio::test]
async fn stats_count_requests_across_clones() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme");
            then.status(200).json_body(organization());
        })
        .await;
    let client = client_for(&server);
    let clone = client.clone();
    client.get_organization("acme").await.unwrap();
    clone.get_organization("acme").await.unwrap();
    assert_eq!(client.stats().requests, 2);
    assert_eq!(client.stats(), clone.stats());
    assert_eq!(client.stats().retries, 0);
}
