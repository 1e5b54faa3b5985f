use crate::support::Fake;

/// Snapshots the JSON answer of `path` (status included) under `name`.
async fn check(fake: &Fake, name: &str, path: &str) {
    let reply = fake.get(path).await;
    let body = fake.portless(&reply);
    let snapshot = serde_json::json!({ "status": reply.status, "body": body });
    insta::with_settings!({ sort_maps => true, info => &path }, {
        insta::assert_json_snapshot!(name, snapshot);
    });
}

#[tokio::test]
async fn every_endpoint_in_the_wire_format() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").expect("acme");
    let admin = acme
        .members
        .iter()
        .find(|m| m["role"] == "admin")
        .expect("an admin");
    let admin_id = admin["user"]["id"].as_str().unwrap();
    // The smallest non-empty team keeps the snapshot short; team 0 holds a branch password.
    let (slot, small) = acme
        .teams
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.members.is_empty())
        .min_by_key(|(_, t)| t.members.len())
        .expect("a non-empty team");
    let slug = small.slug();
    let first_team = acme.teams[0].slug();

    check(&fake, "organizations", "/v1/organizations").await;
    check(&fake, "organization", "/v1/organizations/acme").await;
    check(
        &fake,
        "members_page_1",
        "/v1/organizations/acme/members?per_page=2",
    )
    .await;
    check(
        &fake,
        "members_last_page",
        "/v1/organizations/acme/members?page=20&per_page=2",
    )
    .await;
    check(
        &fake,
        "member",
        &format!("/v1/organizations/acme/members/{admin_id}"),
    )
    .await;
    let teams = format!("/v1/organizations/acme/teams?page={}&per_page=1", slot + 1);
    check(&fake, "teams_page", &teams).await;
    check(
        &fake,
        "team",
        &format!("/v1/organizations/acme/teams/{slug}"),
    )
    .await;
    let team_members = format!("/v1/organizations/acme/teams/{first_team}/members?per_page=1");
    check(&fake, "team_members_with_password", &team_members).await;
    check(
        &fake,
        "service_tokens",
        "/v1/organizations/acme/service-tokens",
    )
    .await;
    check(&fake, "invitations", "/v1/organizations/acme/invitations").await;
    let token = acme.service_tokens[0]["id"].as_str().unwrap();
    check(
        &fake,
        "service_token",
        &format!("/v1/organizations/acme/service-tokens/{token}"),
    )
    .await;
    check(
        &fake,
        "databases_page",
        "/v1/organizations/acme/databases?per_page=1",
    )
    .await;
    check(
        &fake,
        "oauth_applications",
        "/v1/organizations/acme/oauth-applications",
    )
    .await;
    let app = acme.oauth_applications[0].id();
    let tokens = format!("/v1/organizations/acme/oauth-applications/{app}/tokens");
    check(&fake, "oauth_tokens_page", &format!("{tokens}?per_page=1")).await;
    let oauth_token = acme.oauth_applications[0].tokens[0]["id"].as_str().unwrap();
    check(&fake, "oauth_token", &format!("{tokens}/{oauth_token}")).await;
}

#[tokio::test]
async fn a_list_that_omits_accesses_leaves_them_to_the_single_token() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    let org = dataset
        .organizations
        .iter()
        .find(|o| o.service_token_list_omits_accesses)
        .expect("the small dataset has an organization whose list omits accesses");
    let path = format!("/v1/organizations/{}/service-tokens", org.name());
    let listed = fake.get(&path).await.json();
    for token in listed["data"].as_array().unwrap() {
        assert!(token.get("service_token_accesses").is_none(), "{token}");
        let id = token["id"].as_str().unwrap();
        let single = fake.get(&format!("{path}/{id}")).await.json();
        assert!(single["service_token_accesses"].is_array(), "{single}");
    }
}

#[tokio::test]
async fn error_bodies() {
    let fake = Fake::small().await;
    let unauthorized = fake.get_as("/v1/organizations", None).await;
    assert_eq!(unauthorized.status, 401);
    insta::assert_snapshot!(unauthorized.text, @r#"{"code":"unauthorized","message":"Requires authentication"}"#);
    let not_found = fake.get("/v1/organizations/nope/members").await;
    assert_eq!(not_found.status, 404);
    insta::assert_snapshot!(not_found.text, @r#"{"code":"not_found","message":"Not Found"}"#);
    let unknown = fake.get("/v1/user").await;
    assert_eq!(
        (unknown.status, unknown.text),
        (404, not_found.text.clone())
    );
    let bad = fake.get("/v1/organizations/acme/members?page=two").await;
    assert_eq!(bad.status, 400);
    insta::assert_snapshot!(bad.text, @r#"{"code":"bad_request","message":"page must be a positive integer, got \"two\""}"#);
    assert_eq!(
        bad.headers["content-type"],
        "application/json; charset=utf-8"
    );
}

#[tokio::test]
async fn every_reference_field_is_present() {
    let fake = Fake::small().await;
    let org = fake.get("/v1/organizations/acme").await.json();
    for field in [
        "id",
        "name",
        "billing_email",
        "created_at",
        "updated_at",
        "plan",
        "valid_billing_info",
        "sso",
        "sso_directory",
        "single_tenancy",
        "managed_tenancy",
        "has_past_due_invoices",
        "database_count",
        "sso_portal_url",
        "features",
        "idp_managed_roles",
        "invoice_budget_amount",
        "keyspace_shard_limit",
        "has_card",
        "payment_info_required",
    ] {
        assert!(org.get(field).is_some(), "organization lacks {field}");
    }
    let teams = fake.get("/v1/organizations/acme/teams").await.json();
    for team in teams["data"].as_array().unwrap() {
        for field in [
            "id",
            "display_name",
            "name",
            "slug",
            "description",
            "managed",
            "creator",
            "members",
            "databases",
            "analyst_databases",
            "created_at",
            "updated_at",
        ] {
            assert!(team.get(field).is_some(), "team lacks {field}");
        }
    }
    let slug = teams["data"][0]["slug"].as_str().unwrap();
    let members = fake
        .get(&format!("/v1/organizations/acme/teams/{slug}/members"))
        .await
        .json();
    for field in [
        "id",
        "user",
        "actor",
        "created_at",
        "updated_at",
        "passwords",
    ] {
        assert!(
            members["data"][0].get(field).is_some(),
            "team membership lacks {field}"
        );
    }
    let password = &members["data"][0]["passwords"][0];
    assert!(
        password["plain_text"]
            .as_str()
            .unwrap()
            .starts_with("pscale_pw_fake")
    );
}
