//! The write path: what each write sends, what a dry run would show, and which failures are
//! repeated (a 429, a refused connection) and which are not (an answer lost after the request
//! went out, a refusal).

use httpmock::MockServer;
use planetscale_client::{Error, Method, Role, Write};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::*;

#[tokio::test]
async fn each_write_sends_its_method_path_and_json_body_with_the_credentials() {
    let server = MockServer::start_async().await;
    let patch = server
        .mock_async(|when, then| {
            when.method("PATCH")
                .path("/v1/organizations/acme/members/b5t0y7c2h9mq")
                .header("authorization", AUTHORIZATION)
                .header("content-type", "application/json")
                .json_body(json!({"role": "analyst"}));
            then.status(200).json_body(ada());
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method("DELETE")
                .path("/v1/organizations/acme/teams/platform/members/f8n3l5s0d7gr")
                .header("authorization", AUTHORIZATION);
            then.status(204);
        })
        .await;
    let post = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/v1/organizations/acme/teams/platform/members")
                .json_body(json!({"user_id": "f8n3l5s0d7gr"}));
            then.status(200).json_body(json!({
                "id": "m2r7k0p5w9yc",
                "user": grace_user(),
                "passwords": [{"id": "pw1", "plain_text": "pscale_pw_SECRET"}],
            }));
        })
        .await;
    let invite = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/v1/organizations/acme/invitations")
                .json_body(json!({"email": "new@acme.example", "role": "member"}));
            then.status(200).json_body(json!({
                "id": "inv1", "email": "new@acme.example", "role": "member", "expired": false,
            }));
        })
        .await;
    let remove = server
        .mock_async(|when, then| {
            when.method("DELETE")
                .path("/v1/organizations/acme/members/f8n3l5s0d7gr");
            then.status(204);
        })
        .await;
    catch_all(&server).await;
    let client = client_for(&server);

    let member = client
        .set_member_role("acme", "b5t0y7c2h9mq", &Role::Analyst)
        .await
        .unwrap();
    assert_eq!(member.user.id, "b5t0y7c2h9mq");
    client
        .remove_team_member("acme", "platform", "f8n3l5s0d7gr")
        .await
        .unwrap();
    let joined = client
        .add_team_member("acme", "platform", "f8n3l5s0d7gr")
        .await
        .unwrap();
    assert_eq!(joined.id, "m2r7k0p5w9yc");
    let invitation = client
        .invite("acme", "new@acme.example", &Role::Member)
        .await
        .unwrap();
    assert_eq!(invitation.id, "inv1");
    client.remove_member("acme", "f8n3l5s0d7gr").await.unwrap();
    for mock in [&patch, &delete, &post, &invite, &remove] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn prepare_shows_the_request_send_makes_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = catch_all(&server).await;
    let client = client_for(&server);
    let write = Write::SetMemberRole {
        org: "acme corp".into(),
        user_id: "u1".into(),
        role: Role::Admin,
    };
    let prepared = client.prepare(&write).unwrap();
    assert_eq!(prepared.method, Method::PATCH);
    assert_eq!(
        prepared.url.as_str(),
        format!(
            "{}/v1/organizations/acme%20corp/members/u1",
            server.base_url()
        )
    );
    assert_eq!(prepared.body, Some(json!({"role": "admin"})));
    assert_eq!(any.calls_async().await, 0);
    assert_eq!(client.stats().requests, 0);
}

#[tokio::test]
async fn a_429_is_waited_out_and_sent_again_since_nothing_was_applied() {
    let (base, received) = scripted_server(vec![
        Scripted::json(429, json!({"code": "too_many_requests"})).header("retry-after", "0"),
        Scripted::json(204, json!({})),
    ])
    .await;
    let client = builder_for(&base).build().unwrap();
    client.remove_member("acme", "u1").await.unwrap();
    let heads = received.lock().unwrap();
    assert_eq!(heads.len(), 2);
    assert!(
        heads
            .iter()
            .all(|h| h.starts_with("DELETE /v1/organizations/acme/members/u1 "))
    );
    assert_eq!(client.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_lost_answer_is_not_sent_again_and_says_the_outcome_is_unknown() {
    for status in [500, 502, 503, 504] {
        let (base, received) = scripted_server(vec![
            Scripted::json(status, json!({})),
            Scripted::json(204, json!({})),
        ])
        .await;
        let client = builder_for(&base).build().unwrap();
        let err = client.remove_member("acme", "u1").await.unwrap_err();
        assert!(err.is_outcome_unknown(), "{status}: {err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert!(
            err.to_string()
                .starts_with("DELETE /v1/organizations/acme/members/u1 returned"),
            "{err}"
        );
        assert_eq!(received.lock().unwrap().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn a_connection_closed_after_the_request_is_not_sent_again() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = tokio::spawn(async move {
        let mut count = 0;
        while let Ok(Ok((mut socket, _))) =
            tokio::time::timeout(std::time::Duration::from_millis(500), listener.accept()).await
        {
            count += 1;
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            // Closed without an answer: the request arrived, the answer is lost.
        }
        count
    });
    let client = builder_for(&base).build().unwrap();
    let err = client
        .add_team_member("acme", "platform", "u1")
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(!err.is_unsent());
    assert_eq!(accepted.await.unwrap(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_sent_again_since_nothing_left() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = builder_for(&base).build().unwrap();
    let err = client.remove_member("acme", "u1").await.unwrap_err();
    assert!(err.is_unsent(), "{err}");
    assert!(!err.is_outcome_unknown());
    let stats = client.stats();
    assert_eq!((stats.requests, stats.retries), (3, 2));
}

#[tokio::test]
async fn refusals_keep_their_status_and_message_and_are_not_repeated() {
    let cases = [
        (404, "not_found", "Not Found"),
        (403, "forbidden", "Missing access"),
        (
            422,
            "unprocessable",
            "Service tokens can only invite members",
        ),
        (400, "bad_request", "SSO-managed team"),
    ];
    for (status, code, message) in cases {
        let (base, received) = scripted_server(vec![
            Scripted::json(status, json!({"code": code, "message": message})),
            Scripted::json(200, json!({})),
        ])
        .await;
        let client = builder_for(&base).build().unwrap();
        let err = client
            .invite("acme", "x@acme.example", &Role::Admin)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Api { .. }), "{err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.server_message(), Some(message));
        assert!(!err.is_outcome_unknown());
        assert_eq!(err.is_refused(), matches!(status, 400 | 422));
        assert_eq!(received.lock().unwrap().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn the_token_reads_its_own_accesses_and_team_members_one_by_one() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme/service-tokens/pscale_tkn_testid");
            then.status(200).json_body(service_token());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/organizations/acme/teams/platform/members/f8n3l5s0d7gr");
            then.status(200)
                .json_body(json!({"id": "m2r7k0p5w9yc", "user": grace_user(), "passwords": []}));
        })
        .await;
    catch_all(&server).await;
    let client = client_for(&server);
    assert_eq!(client.token_id(), TOKEN_ID);
    let token = client
        .get_service_token("acme", client.token_id())
        .await
        .unwrap();
    assert_eq!(
        token.accesses.unwrap()[0].access.as_deref(),
        Some("read_organization")
    );
    let member = client
        .get_team_member("acme", "platform", "f8n3l5s0d7gr")
        .await
        .unwrap();
    assert_eq!(member.user.id, "f8n3l5s0d7gr");
}
