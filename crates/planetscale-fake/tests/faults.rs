use std::time::Duration;

use planetscale_fake::{
    DataChange, DataSpec, EndpointKind, FakeConfig, FaultMatch, FaultRule, RepeatStyle,
};

use crate::support::{Fake, default_auth};

const MEMBERS: &str = "/v1/organizations/acme/members";

fn members() -> FaultMatch {
    FaultMatch::endpoint(EndpointKind::Members)
}

/// Sends `path` `n` times and returns the statuses.
async fn statuses(fake: &Fake, path: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(fake.get(path).await.status);
    }
    statuses
}

#[tokio::test]
async fn status_bursts_then_recovery() {
    let fake = Fake::small().await;
    fake.server.set_faults(vec![FaultRule::Status {
        on: members().times(2),
        status: 503,
    }]);
    assert_eq!(statuses(&fake, MEMBERS, 3).await, [503, 503, 200]);

    fake.server.set_faults(vec![
        FaultRule::Status {
            on: members(),
            status: 500,
        },
        FaultRule::Status {
            on: members().after(1),
            status: 502,
        },
    ]);
    let first = fake.get(MEMBERS).await;
    assert_eq!(
        (first.status, first.json()["code"].as_str()),
        (500, Some("internal_server_error"))
    );
    let second = fake.get(MEMBERS).await;
    assert_eq!(second.status, 502);
    assert!(
        second.text.contains("502 Bad Gateway"),
        "a proxy's HTML page: {}",
        second.text
    );
    assert_eq!(fake.get(MEMBERS).await.status, 200);
}

#[tokio::test]
async fn status_503_has_an_empty_object_body() {
    let fake = Fake::small().await;
    fake.server.set_faults(vec![FaultRule::Status {
        on: FaultMatch::any(),
        status: 503,
    }]);
    let reply = fake.get("/v1/organizations").await;
    assert_eq!((reply.status, reply.text.as_str()), (503, "{}"));
}

#[tokio::test]
async fn reset_closes_the_connection_without_a_response() {
    let fake = Fake::small().await;
    fake.server
        .set_faults(vec![FaultRule::Reset { on: members() }]);
    let error = fake
        .try_get_as(MEMBERS, Some(&default_auth()))
        .await
        .unwrap_err();
    assert!(
        error.is_request() || error.is_body() || error.is_decode(),
        "{error:?}"
    );
    assert_eq!(fake.server.requests().pop().unwrap().status, 0);
    assert_eq!(fake.get(MEMBERS).await.status, 200);
}

#[tokio::test]
async fn slow_answers_outlast_a_client_timeout() {
    let fake = Fake::small().await;
    fake.server.set_faults(vec![FaultRule::Slow {
        on: members(),
        delay_ms: 3_000,
    }]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let url = format!("{}{MEMBERS}", fake.server.url());
    let error = fake
        .send(client.get(&url), Some(&default_auth()))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    // The fault fired once; a client without the short timeout gets the answer.
    assert_eq!(fake.get(MEMBERS).await.status, 200);
}

#[tokio::test]
async fn truncated_and_invalid_json() {
    let fake = Fake::small().await;
    let whole = fake.get(MEMBERS).await.text;
    fake.server.set_faults(vec![
        FaultRule::TruncatedJson { on: members() },
        FaultRule::InvalidJson {
            on: members().after(1),
        },
    ]);
    let truncated = fake.get(MEMBERS).await;
    assert_eq!(truncated.status, 200);
    assert!(whole.starts_with(&truncated.text) && truncated.text.len() < whole.len());
    assert!(serde_json::from_str::<serde_json::Value>(&truncated.text).is_err());
    let invalid = fake.get(MEMBERS).await;
    assert_eq!(invalid.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&invalid.text).is_err());
    assert_eq!(fake.get(MEMBERS).await.text, whole);
}

#[tokio::test]
async fn pages_that_repeat_forever() {
    let fake = Fake::small().await;
    let first = fake.get(&format!("{MEMBERS}?per_page=5")).await.ids();
    let on = members().forever();
    fake.server.set_faults(vec![FaultRule::RepeatPage {
        on,
        next_page: RepeatStyle::Requested,
    }]);
    for page in [1, 2, 3] {
        let reply = fake.get(&format!("{MEMBERS}?per_page=5&page={page}")).await;
        assert_eq!(reply.ids(), first);
        let json = reply.json();
        assert_eq!(json["next_page"], page);
        let url = json["next_page_url"].as_str().unwrap();
        assert!(url.ends_with(&format!("?page={page}&per_page=5")), "{url}");
    }
    let on = members().forever();
    fake.server.set_faults(vec![FaultRule::RepeatPage {
        on,
        next_page: RepeatStyle::Two,
    }]);
    for page in [1, 2] {
        let json = fake
            .get(&format!("{MEMBERS}?per_page=5&page={page}"))
            .await
            .json();
        assert_eq!(json["next_page"], 2);
    }
}

#[tokio::test]
async fn paging_fields_announced_instead_of_the_true_ones() {
    let fake = Fake::small().await;
    let whole = fake.get(&format!("{MEMBERS}?per_page=5")).await.json();
    fake.server.set_faults(vec![
        FaultRule::Paging {
            on: members(),
            next_page: None,
            total_pages: Some(4_000_000_000),
            total_count: None,
        },
        FaultRule::Paging {
            on: FaultMatch::endpoint(EndpointKind::Organizations),
            next_page: Some(9),
            total_pages: Some(1),
            total_count: Some(3),
        },
    ]);
    let json = fake.get(&format!("{MEMBERS}?per_page=5")).await.json();
    assert_eq!(json["total_pages"], 4_000_000_000u64);
    assert_eq!(
        (&json["total_count"], &json["next_page"], &json["data"]),
        (&whole["total_count"], &whole["next_page"], &whole["data"])
    );
    // The organization list reports no totals of its own; announced ones appear.
    let json = fake.get("/v1/organizations").await.json();
    assert_eq!(
        (
            &json["next_page"],
            &json["total_pages"],
            &json["total_count"]
        ),
        (&9.into(), &1.into(), &3.into())
    );
    let json = fake.get("/v1/organizations").await.json();
    assert!(json.get("total_pages").is_none() && json["next_page"].is_null());
}

#[tokio::test]
async fn next_page_url_on_a_foreign_origin() {
    let fake = Fake::small().await;
    let origin = "https://evil.example".to_string();
    fake.server.set_faults(vec![FaultRule::ForeignNextUrl {
        on: members(),
        origin,
    }]);
    let json = fake
        .get(&format!("{MEMBERS}?per_page=5&page=2"))
        .await
        .json();
    assert_eq!(
        json["next_page_url"],
        "https://evil.example/v1/organizations/acme/members?page=3&per_page=5"
    );
    assert_eq!(
        json["prev_page_url"],
        "https://evil.example/v1/organizations/acme/members?page=1&per_page=5"
    );
    assert_eq!(json["next_page"], 3);
}

#[tokio::test]
async fn one_organizations_teams_vanish_from_now_on() {
    let fake = Fake::small().await;
    let on = FaultMatch::endpoint(EndpointKind::Teams)
        .org("acme")
        .forever();
    fake.server
        .set_faults(vec![FaultRule::Status { on, status: 404 }]);
    assert_eq!(
        statuses(&fake, "/v1/organizations/acme/teams", 3).await,
        [404, 404, 404]
    );
    assert_eq!(fake.get("/v1/organizations/globex/teams").await.status, 200);
    assert_eq!(fake.get(MEMBERS).await.status, 200);
    assert_eq!(
        fake.get("/v1/organizations/acme/teams").await.json()["code"],
        "not_found"
    );
}

#[tokio::test]
async fn unauthorized_from_request_k_on() {
    let fake = Fake::small().await;
    let on = FaultMatch::any().after(2).forever();
    fake.server
        .set_faults(vec![FaultRule::Status { on, status: 401 }]);
    assert_eq!(
        statuses(&fake, "/v1/organizations", 5).await,
        [200, 200, 401, 401, 401]
    );
    assert_eq!(
        fake.get("/v1/organizations").await.json()["code"],
        "unauthorized"
    );
}

#[tokio::test]
async fn matches_by_team_and_path_substring() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").unwrap();
    let (a, b) = (acme.teams[0].slug(), acme.teams[1].slug());
    let team_rule = FaultMatch::endpoint(EndpointKind::TeamMembers)
        .team(a)
        .forever();
    let path_rule = FaultMatch::path_contains("/invitations").forever();
    fake.server.set_faults(vec![
        FaultRule::Status {
            on: team_rule,
            status: 500,
        },
        FaultRule::Status {
            on: path_rule,
            status: 503,
        },
    ]);
    let team_path = |slug: &str| format!("/v1/organizations/acme/teams/{slug}/members");
    assert_eq!(fake.get(&team_path(a)).await.status, 500);
    assert_eq!(fake.get(&team_path(b)).await.status, 200);
    assert_eq!(
        fake.get("/v1/organizations/globex/invitations")
            .await
            .status,
        503
    );
    assert_eq!(
        fake.get("/v1/organizations/globex/service-tokens")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_member_leaves_between_pages() {
    let fake = Fake::small().await;
    let before: Vec<String> = {
        let dataset = fake.server.dataset();
        dataset
            .org("acme")
            .unwrap()
            .members
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    let change = DataChange::RemoveMember;
    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: members(),
        change,
    }]);
    let page1 = fake.get(&format!("{MEMBERS}?per_page=5")).await.ids();
    let page2 = fake.get(&format!("{MEMBERS}?per_page=5&page=2")).await;
    assert_eq!(page1, before[..5]);
    // Everyone moved up one place: the member who was sixth is never listed.
    assert_eq!(page2.ids(), before[6..11]);
    assert_eq!(page2.json()["total_count"], 39);
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").unwrap();
    assert_eq!(acme.members.len(), 39);
    let gone = fake.server.dataset();
    let removed_user = &DataSpec::small().generate().organizations[0].members[0]["user"]["id"];
    assert!(
        gone.org("acme")
            .unwrap()
            .teams
            .iter()
            .all(|t| t.members.iter().all(|m| &m["user"]["id"] != removed_user))
    );
    // A second walk is not changed again: the rule fired once.
    fake.get(&format!("{MEMBERS}?per_page=5")).await;
    assert_eq!(fake.server.dataset().member_count("acme"), Some(39));
}

#[tokio::test]
async fn a_member_joins_between_pages() {
    let fake = Fake::small().await;
    let change = DataChange::AddMember;
    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: members(),
        change,
    }]);
    let page1 = fake.get(&format!("{MEMBERS}?per_page=5")).await.ids();
    let page2 = fake
        .get(&format!("{MEMBERS}?per_page=5&page=2"))
        .await
        .ids();
    // Everyone moved down one place: the last of page 1 is listed again.
    assert_eq!(page2[0], page1[4]);
    assert_eq!(fake.server.dataset().member_count("acme"), Some(41));
    let dataset = fake.server.dataset();
    let joined = &dataset.org("acme").unwrap().members[0];
    let user_id = joined["user"]["id"].as_str().unwrap();
    let member = fake.get(&format!("{MEMBERS}/{user_id}")).await;
    assert_eq!(member.status, 200);
    assert_eq!(member.json()["user"]["id"], user_id);
}

#[tokio::test]
async fn teams_change_between_pages() {
    let fake = Fake::small().await;
    let teams = "/v1/organizations/acme/teams";
    let count = |fake: &Fake| fake.server.dataset().org("acme").unwrap().teams.len();
    let before = count(&fake);
    let on = FaultMatch::endpoint(EndpointKind::Teams).times(1);
    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: on.clone(),
        change: DataChange::AddTeam,
    }]);
    let page1 = fake.get(&format!("{teams}?per_page=2")).await.ids();
    let page2 = fake.get(&format!("{teams}?per_page=2&page=2")).await;
    // Everyone moved down one place: the last of page 1 is listed again.
    assert_eq!(page2.ids()[0], page1[1]);
    assert_eq!(page2.json()["total_count"], before + 1);
    let dataset = fake.server.dataset();
    let late = dataset.org("acme").unwrap().teams[0].slug().to_owned();
    let members = fake.get(&format!("{teams}/{late}/members")).await;
    assert_eq!((members.status, members.ids().len()), (200, 0));

    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on,
        change: DataChange::RemoveTeam,
    }]);
    fake.get(&format!("{teams}?per_page=2")).await;
    assert_eq!(count(&fake), before);
    assert_eq!(fake.get(&format!("{teams}/{late}")).await.status, 404);
}

#[tokio::test]
async fn team_members_change_between_pages() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    // A team of three or more, so that a second page of two exists.
    let (slot, team) = dataset
        .org("acme")
        .unwrap()
        .teams
        .iter()
        .enumerate()
        .find(|(_, t)| t.members.len() >= 3)
        .map(|(i, t)| (i, t.clone()))
        .unwrap();
    let slug = team.slug().to_owned();
    let path = format!("/v1/organizations/acme/teams/{slug}/members");
    let on = FaultMatch::endpoint(EndpointKind::TeamMembers)
        .team(&slug)
        .times(1);
    // A change for another kind of list does nothing here.
    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: on.clone(),
        change: DataChange::AddTeam,
    }]);
    fake.get(&path).await;
    assert_eq!(fake.server.dataset(), dataset);

    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: on.clone(),
        change: DataChange::AddTeamMember,
    }]);
    let page1 = fake.get(&format!("{path}?per_page=2")).await.ids();
    let page2 = fake.get(&format!("{path}?per_page=2&page=2")).await;
    assert_eq!(page2.ids()[0], page1[1]);
    assert_eq!(page2.json()["total_count"], team.members.len() + 1);
    let joined = fake.server.dataset().org("acme").unwrap().teams[slot].team["members"][0].clone();
    assert!(team.members.iter().all(|m| m["user"]["id"] != joined["id"]));

    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on,
        change: DataChange::RemoveTeamMember,
    }]);
    fake.get(&path).await;
    let after = fake.server.dataset().org("acme").unwrap().teams[slot].clone();
    assert_eq!(after.members, team.members);
    assert_eq!(after.team["members"], team.team["members"]);
}

#[tokio::test]
async fn faults_from_the_config_apply_from_the_start() {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.faults = vec![FaultRule::Status {
        on: FaultMatch::any().times(1),
        status: 500,
    }];
    let fake = Fake::start(config).await;
    assert_eq!(statuses(&fake, "/v1/organizations", 2).await, [500, 200]);
}

#[tokio::test]
async fn faults_skip_unauthenticated_requests() {
    let fake = Fake::small().await;
    fake.server.set_faults(vec![FaultRule::Status {
        on: FaultMatch::any(),
        status: 500,
    }]);
    assert_eq!(fake.get_as("/v1/organizations", None).await.status, 401);
    assert_eq!(fake.get("/v1/organizations").await.status, 500);
}
