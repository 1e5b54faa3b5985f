use std::collections::HashSet;

use planetscale_fake::{DataSpec, Dataset, Error, FakeConfig, FakeServer};
use serde_json::Value;

fn all_users(dataset: &Dataset) -> impl Iterator<Item = &Value> {
    dataset
        .organizations
        .iter()
        .flat_map(|o| o.members.iter().map(|m| &m["user"]))
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let a = DataSpec::small().generate().to_json();
    let b = DataSpec::small().generate().to_json();
    assert_eq!(a, b);
    let other = DataSpec {
        seed: 2,
        ..DataSpec::small()
    }
    .generate()
    .to_json();
    assert_ne!(a, other);
}

#[test]
fn the_small_dataset_holds_every_special_case() {
    let dataset = DataSpec::small().generate();
    assert_eq!(dataset.org_names(), ["acme", "globex", "initech"]);
    assert_eq!(dataset.member_count("acme"), Some(40));
    let names: Vec<&str> = all_users(&dataset)
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert!(names.contains(&"Zoë Ångström-Łukasiewicz"));
    assert!(
        names.iter().any(|n| n.chars().count() == 200),
        "a 200-character name"
    );
    assert!(
        names
            .iter()
            .any(|n| n.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)
                || ('\u{ac00}'..='\u{d7af}').contains(&c))),
        "a CJK name"
    );
    let null_named: Vec<&Value> = all_users(&dataset)
        .filter(|u| u["name"].is_null())
        .collect();
    assert!(!null_named.is_empty());
    assert!(
        null_named.iter().all(|u| u["display_name"] == u["email"]),
        "display_name falls back to the email"
    );
    assert!(all_users(&dataset).any(|u| u["email"].as_str().unwrap().contains('+')));
    assert!(
        all_users(&dataset).any(|u| u.get("sso").is_none()),
        "optional user fields absent"
    );
    for org in &dataset.organizations {
        assert!(org.role_count("admin") >= 1, "{} has an admin", org.name());
    }
    let acme = dataset.org("acme").unwrap();
    assert!(acme.role_count("analyst") >= 1);
    assert!(acme.role_count("billing") >= 1, "an unknown role");
    assert!(
        !dataset.shared_user_ids().is_empty(),
        "users in several organizations"
    );
    assert!(dataset.distinct_users() < dataset.total_memberships());
    let teams: Vec<_> = dataset
        .organizations
        .iter()
        .flat_map(|o| &o.teams)
        .collect();
    assert!(
        teams.iter().any(|t| t.team["managed"] == true),
        "an SSO-managed team"
    );
    assert!(teams.iter().any(|t| t.members.is_empty()), "an empty team");
    assert!(
        acme.team_sizes().iter().any(|&(_, n)| n >= 25),
        "a large team"
    );
}

#[test]
fn ids_timestamps_and_references_have_the_real_shapes() {
    let dataset = DataSpec::small().generate();
    let id_shape = |id: &str| {
        id.len() == 12
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let timestamp_shape = |ts: &str| {
        let b = ts.as_bytes();
        ts.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && ts.ends_with('Z')
    };
    let mut ids = HashSet::new();
    for org in &dataset.organizations {
        assert!(id_shape(org.id()));
        for member in &org.members {
            for id in [&member["id"], &member["user"]["id"]] {
                assert!(id_shape(id.as_str().unwrap()), "{id}");
            }
            assert!(
                ids.insert(member["id"].as_str().unwrap()),
                "membership ids are unique"
            );
            for ts in [
                &member["created_at"],
                &member["user"]["created_at"],
                &member["updated_at"],
            ] {
                assert!(timestamp_shape(ts.as_str().unwrap()), "{ts}");
            }
        }
        let users: HashSet<&str> = org.user_ids().collect();
        for team in &org.teams {
            assert!(
                team.user_ids().all(|id| users.contains(id)),
                "team members are org members"
            );
            let embedded: Vec<&str> = team.team["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap())
                .collect();
            assert_eq!(
                embedded,
                team.user_ids().collect::<Vec<_>>(),
                "the team object embeds its users"
            );
        }
    }
    // A shared user is the same object in every organization.
    let shared = dataset.shared_user_ids()[0];
    let copies: Vec<&Value> = all_users(&dataset).filter(|u| u["id"] == shared).collect();
    assert!(copies.len() > 1 && copies.iter().all(|u| *u == copies[0]));
}

#[test]
fn the_bench_shape_is_skewed() {
    let dataset = DataSpec::bench().generate();
    assert_eq!(dataset.organizations.len(), 3);
    let largest = &dataset.organizations[0];
    assert_eq!(largest.members.len(), 20_000);
    assert_eq!(largest.teams.len(), 800);
    let sizes: Vec<usize> = largest.team_sizes().iter().map(|&(_, n)| n).collect();
    let small = sizes.iter().filter(|&&n| n < 30).count();
    assert!(
        small * 10 >= sizes.len() * 9,
        "most teams are small: {small} of {}",
        sizes.len()
    );
    assert!(sizes.iter().any(|&n| n > 300), "a few teams are large");
    for org in &dataset.organizations {
        assert!(
            org.team_sizes()
                .iter()
                .all(|&(_, n)| n <= org.members.len())
        );
    }
    assert!(dataset.shared_user_ids().len() > 1_000);
    let slugs: HashSet<&str> = largest.teams.iter().map(|t| t.slug()).collect();
    assert_eq!(slugs.len(), 800, "slugs are unique");
}

#[test]
fn sizes_are_capped_by_the_organization() {
    let spec = DataSpec {
        members_per_org: vec![5],
        teams_per_org: vec![10],
        ..DataSpec::small()
    };
    let dataset = spec.generate();
    for org in &dataset.organizations {
        assert_eq!(org.members.len(), 5);
        assert!(org.team_sizes().iter().all(|&(_, n)| n <= 5));
    }
}

#[test]
fn json_round_trip() {
    let dataset = DataSpec::small().generate();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.json");
    dataset.save(&path).unwrap();
    let loaded = Dataset::load(&path).unwrap();
    assert_eq!(loaded, dataset);
    assert_eq!(loaded.to_json(), dataset.to_json());
}

#[test]
fn bad_datasets_are_refused_with_a_reason() {
    let mut twice = DataSpec::small().generate();
    twice.organizations[1].organization["name"] = "acme".into();
    let error = twice.validate().unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"invalid dataset: organization name "acme" appears twice"#
    );

    let mut stranger = DataSpec::small().generate();
    let outsider = stranger.organizations[1]
        .members
        .iter()
        .find(|m| {
            stranger.organizations[0]
                .member(m["user"]["id"].as_str().unwrap())
                .is_none()
        })
        .unwrap()
        .clone();
    stranger.organizations[0].teams[0].members.push(outsider);
    let message = stranger.validate().unwrap_err().to_string();
    assert!(
        message.contains("who is not a member of the organization"),
        "{message}"
    );

    let error = Dataset::from_json(r#"{"organizations": [{"organization": {}}]}"#).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Json {
                what: "dataset",
                ..
            }
        ),
        "{error:?}"
    );
    let error = Dataset::from_json(r#"{"organizations": [{"organization": {}, "members": []}]}"#)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"invalid dataset: organization #0 has no string "name""#
    );
    let error = Dataset::load(std::path::Path::new("/nonexistent/data.json")).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot access /nonexistent/data.json")
    );
}

#[tokio::test]
async fn the_server_refuses_a_bad_dataset() {
    let mut twice = DataSpec::small().generate();
    twice.organizations[1].organization["name"] = "acme".into();
    let error = FakeServer::start(FakeConfig::new(twice)).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn the_small_dataset_holds_every_access_case() {
    let dataset = DataSpec::small().generate();
    let acme = dataset.org("acme").unwrap();
    assert_eq!(
        acme.organization["database_count"],
        acme.databases.len(),
        "the organization counts its databases"
    );
    // Teams name databases for admins and analysts, and some database no team names.
    let named = |field: &str| -> HashSet<&str> {
        acme.teams
            .iter()
            .flat_map(|t| t.team[field].as_array().unwrap())
            .filter_map(|d| d["id"].as_str())
            .collect()
    };
    let (admin, analyst) = (named("databases"), named("analyst_databases"));
    assert!(!admin.is_empty() && !analyst.is_empty());
    assert!(acme.databases.iter().any(|d| {
        let id = d["id"].as_str().unwrap();
        !admin.contains(id) && !analyst.contains(id)
    }));
    for id in admin.iter().chain(&analyst) {
        assert!(acme.database(id).is_some(), "team database {id} is listed");
    }

    // Service tokens with and without expiry, never used, with accesses on the organization
    // and on databases, and an access name PlanetScale does not publish.
    let tokens = &acme.service_tokens;
    assert!(tokens.iter().any(|t| t["expires_at"].is_null()));
    assert!(tokens.iter().any(|t| t["expires_at"].is_string()));
    assert!(tokens.iter().any(|t| t["last_used_at"].is_null()));
    let accesses: Vec<&Value> = tokens
        .iter()
        .flat_map(|t| t["service_token_accesses"].as_array().unwrap())
        .collect();
    for kind in ["Organization", "Database"] {
        assert!(
            accesses.iter().any(|a| a["resource_type"] == kind),
            "{kind}"
        );
    }
    assert!(accesses.iter().any(|a| a["access"] == "manage_webhooks"));
    assert!(
        dataset
            .organizations
            .iter()
            .any(|o| o.service_token_list_omits_accesses)
    );

    // OAuth applications with several tokens, each acting for a member.
    assert!(acme.oauth_applications.iter().any(|a| a.tokens.len() > 1));
    for token in acme.oauth_applications.iter().flat_map(|a| &a.tokens) {
        let actor = token["actor_id"].as_str().unwrap();
        assert!(acme.member(actor).is_some(), "{token}");
        assert!(token["oauth_accesses_by_resource"]["database"]["databases"].is_array());
    }

    // Pending and expired invitations.
    let invitations = &acme.invitations;
    assert!(invitations.iter().any(|i| i["expired"] == true));
    assert!(invitations.iter().any(|i| i["expired"] == false));
}
