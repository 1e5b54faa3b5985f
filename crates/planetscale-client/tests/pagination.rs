//! Pagination: one mock per page, the catch-all last, and pages past the end never requested.

use futures::{StreamExt, TryStreamExt};
use httpmock::MockServer;
use planetscale_client::Error;
use serde_json::json;

use crate::support::*;

const MEMBERS: &str = "/v1/organizations/acme/members";

fn member(n: u32) -> serde_json::Value {
    json!({"id": format!("membership{n}"), "role": "member", "user": {"id": format!("user{n}")}})
}

#[tokio::test]
async fn a_stream_follows_next_page_and_stops_at_null() {
    let server = MockServer::start_async().await;
    let page1 = page_mock(
        &server,
        MEMBERS,
        1,
        envelope(vec![member(1), member(2)], 1, Some(2)),
    )
    .await;
    let page2 = page_mock(
        &server,
        MEMBERS,
        2,
        envelope(vec![member(3), member(4)], 2, Some(3)),
    )
    .await;
    let page3 = page_mock(&server, MEMBERS, 3, envelope(vec![member(5)], 3, None)).await;
    let page4 = page_mock(&server, MEMBERS, 4, envelope(vec![member(6)], 4, None)).await;
    let catch_all = catch_all(&server).await;

    let client = client_for(&server);
    let members: Vec<_> = client.members("acme").try_collect().await.unwrap();

    let ids: Vec<&str> = members.iter().map(|m| m.user.id.as_str()).collect();
    assert_eq!(ids, ["user1", "user2", "user3", "user4", "user5"]);
    for page in [&page1, &page2, &page3] {
        page.assert_calls_async(1).await;
    }
    page4.assert_calls_async(0).await;
    catch_all.assert_calls_async(0).await;
    assert_eq!(client.stats().requests, 3);
}

#[tokio::test]
async fn an_empty_page_ends_the_stream_even_with_a_next_page() {
    let server = MockServer::start_async().await;
    page_mock(&server, MEMBERS, 1, envelope(vec![member(1)], 1, Some(2))).await;
    let page2 = page_mock(&server, MEMBERS, 2, envelope(vec![], 2, Some(3))).await;
    let page3 = page_mock(&server, MEMBERS, 3, envelope(vec![member(3)], 3, None)).await;
    let catch_all = catch_all(&server).await;

    let members: Vec<_> = client_for(&server)
        .members("acme")
        .try_collect()
        .await
        .unwrap();

    assert_eq!(members.len(), 1);
    page2.assert_calls_async(1).await;
    page3.assert_calls_async(0).await;
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn an_old_envelope_with_only_data_and_next_page_is_enough() {
    let server = MockServer::start_async().await;
    page_mock(
        &server,
        MEMBERS,
        1,
        json!({"type": "list", "next_page": 2, "prev_page": null, "data": [member(1)]}),
    )
    .await;
    page_mock(&server, MEMBERS, 2, json!({"data": [member(2)]})).await;
    let catch_all = catch_all(&server).await;

    let client = client_for(&server);
    let first = client.list_members("acme", 1).await.unwrap();
    assert_eq!(
        (first.current_page, first.next_page, first.total_count),
        (None, Some(2), None)
    );
    let members: Vec<_> = client.members("acme").try_collect().await.unwrap();
    assert_eq!(members.len(), 2);
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_repeated_page_number_is_an_error_not_a_loop() {
    let server = MockServer::start_async().await;
    let page1 = page_mock(&server, MEMBERS, 1, envelope(vec![member(1)], 1, Some(2))).await;
    let page2 = page_mock(&server, MEMBERS, 2, envelope(vec![member(2)], 2, Some(2))).await;
    let catch_all = catch_all(&server).await;

    let client = client_for(&server);
    let results: Vec<_> = client.members("acme").collect().await;

    assert_eq!(results.len(), 2, "one member, then the error, then the end");
    assert_eq!(results[0].as_ref().unwrap().user.id, "user1");
    let error = results[1].as_ref().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Pagination {
                requested: 2,
                next_page: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "GET /v1/organizations/acme/members answered page 2 with next_page 2, which does not \
         move forward; stopping instead of looping"
    );
    page1.assert_calls_async(1).await;
    page2.assert_calls_async(1).await;
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_backwards_next_page_is_refused_by_the_page_method_too() {
    let server = MockServer::start_async().await;
    page_mock(&server, MEMBERS, 3, envelope(vec![member(1)], 3, Some(1))).await;
    catch_all(&server).await;
    let error = client_for(&server)
        .list_members("acme", 3)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Pagination {
            requested: 3,
            next_page: 1,
            ..
        }
    ));
}

#[tokio::test]
async fn page_zero_is_refused_without_a_request() {
    let server = MockServer::start_async().await;
    let catch_all = catch_all(&server).await;
    let error = client_for(&server)
        .list_members("acme", 0)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid argument: page numbers start at 1"
    );
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn streams_are_lazy() {
    let server = MockServer::start_async().await;
    let page1 = page_mock(
        &server,
        MEMBERS,
        1,
        envelope(vec![member(1), member(2)], 1, Some(2)),
    )
    .await;
    let page2 = page_mock(&server, MEMBERS, 2, envelope(vec![member(3)], 2, None)).await;
    catch_all(&server).await;

    let client = client_for(&server);
    let first_two: Vec<_> = client.members("acme").take(2).try_collect().await.unwrap();

    assert_eq!(first_two.len(), 2);
    page1.assert_calls_async(1).await;
    page2.assert_calls_async(0).await;
}

#[tokio::test]
async fn next_page_url_is_never_followed() {
    let elsewhere = MockServer::start_async().await;
    let stolen = catch_all(&elsewhere).await;
    let server = MockServer::start_async().await;
    let mut first = envelope(vec![member(1)], 1, Some(2));
    first["next_page_url"] = json!(elsewhere.url("/v1/organizations/acme/members?page=2"));
    page_mock(&server, MEMBERS, 1, first).await;
    let page2 = page_mock(&server, MEMBERS, 2, envelope(vec![member(2)], 2, None)).await;
    catch_all(&server).await;

    let members: Vec<_> = client_for(&server)
        .members("acme")
        .try_collect()
        .await
        .unwrap();

    assert_eq!(members.len(), 2);
    page2.assert_calls_async(1).await;
    stolen.assert_calls_async(0).await;
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_items_before_it() {
    let server = MockServer::start_async().await;
    page_mock(&server, MEMBERS, 1, envelope(vec![member(1)], 1, Some(2))).await;
    let page2 = server
        .mock_async(|when, then| {
            when.path(MEMBERS).query_param("page", "2");
            then.status(404)
                .json_body(json!({"code": "not_found", "message": "Not Found"}));
        })
        .await;
    catch_all(&server).await;

    let results: Vec<_> = client_for(&server).members("acme").collect().await;

    assert_eq!(results.len(), 2);
    assert!(results[1].as_ref().unwrap_err().is_not_found());
    page2.assert_calls_async(1).await;
}

#[tokio::test]
async fn every_stream_pages_its_own_endpoint() {
    let server = MockServer::start_async().await;
    let orgs = page_mock(
        &server,
        "/v1/organizations",
        1,
        envelope(vec![organization()], 1, None),
    )
    .await;
    let teams = page_mock(
        &server,
        "/v1/organizations/acme/teams",
        1,
        envelope(vec![team()], 1, None),
    )
    .await;
    let team_members = page_mock(
        &server,
        "/v1/organizations/acme/teams/platform/members",
        1,
        envelope(vec![team_member()], 1, None),
    )
    .await;
    let tokens = page_mock(
        &server,
        "/v1/organizations/acme/service-tokens",
        1,
        envelope(vec![service_token()], 1, None),
    )
    .await;
    let invitations = page_mock(
        &server,
        "/v1/organizations/acme/invitations",
        1,
        envelope(vec![invitation()], 1, None),
    )
    .await;
    let catch_all = catch_all(&server).await;

    let client = client_for(&server);
    assert_eq!(
        client
            .organizations()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .teams("acme")
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len(),
        1
    );
    let members: Vec<_> = client
        .team_members("acme", "platform")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        client
            .service_tokens("acme")
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .invitations("acme")
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len(),
        1
    );

    for mock in [&orgs, &teams, &team_members, &tokens, &invitations] {
        mock.assert_calls_async(1).await;
    }
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn streams_are_send_and_can_be_spawned() {
    let server = MockServer::start_async().await;
    page_mock(&server, MEMBERS, 1, envelope(vec![member(1)], 1, None)).await;
    let client = client_for(&server);
    let task = tokio::spawn(async move {
        let org = String::from("acme");
        client
            .members(&org)
            .try_collect::<Vec<_>>()
            .await
            .map(|members| members.len())
    });
    assert_eq!(task.await.unwrap().unwrap(), 1);
}

/// An endpoint the client does not wrap, paged through the public primitives its typed methods
/// use.
#[tokio::test]
async fn get_page_and_get_all_reach_endpoints_the_client_does_not_wrap() {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Database {
        name: String,
    }
    let database = |name: &str| json!({"id": name.to_uppercase(), "name": name, "state": "ready"});
    let server = MockServer::start_async().await;
    let page = |n: u32, body: serde_json::Value| {
        let server = &server;
        async move {
            server
                .mock_async(move |when, then| {
                    when.method("GET")
                        .path("/v1/organizations/acme/databases")
                        .query_param("q", "ord")
                        .query_param("page", n.to_string())
                        .query_param("per_page", "100")
                        .header("authorization", AUTHORIZATION);
                    then.status(200).json_body(body);
                })
                .await
        }
    };
    let page1 = page(1, envelope(vec![database("orders")], 1, Some(2))).await;
    let page2 = page(2, envelope(vec![database("orders-archive")], 2, None)).await;
    let catch_all = catch_all(&server).await;
    let client = client_for(&server);
    let path = ["organizations", "acme", "databases"];
    let query = [("q", "ord".to_owned())];

    let first: planetscale_client::Page<Database> =
        client.get_page(&path, &query, 1).await.unwrap();
    let all: Vec<Database> = client.get_all(&path, &query).try_collect().await.unwrap();

    assert_eq!(
        first.items,
        [Database {
            name: "orders".into()
        }]
    );
    assert_eq!((first.next(), first.per_page), (Some(2), Some(100)));
    let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["orders", "orders-archive"]);
    page1.assert_calls_async(2).await;
    page2.assert_calls_async(1).await;
    catch_all.assert_calls_async(0).await;
}

#[tokio::test]
async fn get_page_leaves_paging_to_the_client() {
    let server = MockServer::start_async().await;
    let catch_all = catch_all(&server).await;
    let client = client_for(&server);
    for key in ["page", "per_page"] {
        let error = client
            .get_page::<serde_json::Value>(&["organizations"], &[(key, "7".to_owned())], 1)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    }
    catch_all.assert_calls_async(0).await;
}
