use crate::support::{Fake, json};

#[test]
fn sync_then_inspect_counts_match_the_dataset() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let report = json(fake.cmd(dir.path()).args(["-o", "json"]));
    let data = fake.server.dataset();

    let orgs = data.organizations.len() as u64;
    let users = data.distinct_users() as u64;
    let teams: usize = data.organizations.iter().map(|o| o.teams.len()).sum();
    let memberships = data.total_memberships() as u64;
    let elevated: usize = data
        .organizations
        .iter()
        .map(|o| o.role_count("admin") + o.role_count("analyst"))
        .sum();
    // A role the connector does not know is kept as an entitlement of its own.
    let billing: usize = data
        .organizations
        .iter()
        .map(|o| o.role_count("billing"))
        .sum();
    let billing_orgs = data
        .organizations
        .iter()
        .filter(|o| o.role_count("billing") > 0)
        .count() as u64;
    let team_grants: usize = data
        .organizations
        .iter()
        .flat_map(|o| o.teams.iter())
        .map(|t| t.members.len())
        .sum();

    assert_eq!(report["resumed"], false);
    assert_eq!(report["resourceTypes"]["organization"]["resources"], orgs);
    assert_eq!(report["resourceTypes"]["user"]["resources"], users);
    assert!(report["requests"].as_u64().unwrap() > 0);

    let stats = json(
        fake.cmd(dir.path())
            .args(["inspect", "stats", "-o", "json"]),
    );
    assert_eq!(stats["sync"]["finished"], true);
    let types = &stats["resourceTypes"];
    assert_eq!(types["organization"]["resources"], orgs);
    assert_eq!(
        types["organization"]["entitlements"],
        orgs * 3 + billing_orgs
    );
    assert_eq!(
        types["organization"]["grants"],
        memberships + (elevated + billing) as u64
    );
    assert_eq!(types["user"]["resources"], users);
    assert_eq!(types["team"]["resources"], teams as u64);
    assert_eq!(types["team"]["grants"], team_grants as u64);
    // Databases are those the teams name, each with its administrators and analysts.
    let databases: std::collections::BTreeSet<String> = data
        .organizations
        .iter()
        .flat_map(|o| o.teams.iter())
        .flat_map(|t| {
            let named = |field: &str| t.team[field].as_array().cloned().unwrap_or_default();
            named("databases")
                .into_iter()
                .chain(named("analyst_databases"))
        })
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types["database"]["resources"], databases.len() as u64);
    assert_eq!(
        types["database"]["entitlements"],
        2 * databases.len() as u64
    );
    assert_eq!(stats["totals"]["resourceTypes"], 4);

    let users_json =
        json(
            fake.cmd(dir.path())
                .args(["inspect", "resources", "-t", "user", "-o", "json"]),
        );
    let listed = users_json["resources"].as_array().unwrap();
    assert_eq!(listed.len() as u64, users);
    assert!(listed.iter().all(|r| r["resourceType"]["id"] == "user"));

    // `members` of one organization's admin entitlement: exactly its admins.
    let org = &data.organizations[0];
    let admin = format!("organization:{}:admin", org.id());
    let members = json(
        fake.cmd(dir.path())
            .args(["inspect", "members", &admin, "-o", "json"]),
    );
    assert_eq!(
        members["principals"].as_array().unwrap().len(),
        org.role_count("admin")
    );

    // `access` by email: the admin holds member and admin on that organization.
    let admin_member = org.members.iter().find(|m| m["role"] == "admin").unwrap();
    let email = admin_member["user"]["email"].as_str().unwrap();
    let access = json(
        fake.cmd(dir.path())
            .args(["inspect", "access", email, "-o", "json"]),
    );
    let on_org = access["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["resource"]["id"]["resource"] == org.id())
        .unwrap();
    let slugs: Vec<&str> = on_org["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert!(
        slugs.contains(&"member") && slugs.contains(&"admin"),
        "{slugs:?}"
    );

    // The table output is aligned text with a header.
    let table = fake
        .cmd(dir.path())
        .args(["inspect", "resource-types"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(text.starts_with("ID"), "{text}");
    assert!(text.contains("TRAIT_USER"), "{text}");
}

#[test]
fn validate_lists_the_organizations() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let out = json(fake.cmd(dir.path()).args(["validate", "-o", "json"]));
    let orgs = out["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), fake.server.dataset().organizations.len());
    assert!(orgs.iter().all(|o| o["readOrganization"] == true));
}

#[test]
fn a_second_sync_keeps_both_and_syncs_lists_them() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    fake.cmd(dir.path()).assert().success();
    let syncs = json(
        fake.cmd(dir.path())
            .args(["inspect", "syncs", "-o", "json"]),
    );
    assert_eq!(syncs["syncs"].as_array().unwrap().len(), 2);
    let diff = json(fake.cmd(dir.path()).args(["diff", "-o", "json"]));
    assert_eq!(diff["access"], serde_json::json!([]));
}

#[test]
fn each_warning_is_printed_once() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let out = fake.cmd(dir.path()).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let warnings: Vec<String> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["level"] == "WARN")
        .map(|l| l["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        !warnings.is_empty(),
        "the small dataset has an unknown role: {stderr}"
    );
    for (i, line) in warnings.iter().enumerate() {
        assert!(!warnings[i + 1..].contains(line), "printed twice: {line}");
    }
}
