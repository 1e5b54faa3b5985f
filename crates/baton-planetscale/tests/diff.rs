use planetscale_fake::{DataSpec, Dataset};
use serde_json::Value;

use crate::support::{Fake, json};

/// The small dataset with, in its first organization: a new member, one plain member removed
/// (from its teams too), and one plain member promoted to admin.
fn edited(base: &Dataset) -> (Dataset, [String; 3]) {
    let mut data = base.clone();
    let org = &mut data.organizations[0];
    let plain: Vec<usize> = (0..org.members.len())
        .filter(|&i| org.members[i]["role"] == "member")
        .collect();
    let (removed_at, promoted_at) = (plain[0], plain[1]);
    let promoted = org.members[promoted_at]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    org.members[promoted_at]["role"] = "admin".into();
    let removed = org.members.remove(removed_at);
    let removed_id = removed["user"]["id"].as_str().unwrap().to_owned();
    for team in &mut org.teams {
        team.members
            .retain(|m| m["user"]["id"].as_str() != Some(removed_id.as_str()));
    }
    let mut added = removed.clone();
    added["id"] = "mbrnewcomer01".into();
    added["user"]["id"] = "usrnewcomer1".into();
    added["user"]["email"] = "newcomer@example.com".into();
    added["user"]["display_name"] = "New Comer".into();
    org.members.push(added);
    (data, [removed_id, promoted, "usrnewcomer1".to_owned()])
}

fn by_principal<'a>(diff: &'a Value, user: &str) -> &'a Value {
    diff["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"]["resource"] == user)
        .unwrap_or_else(|| panic!("no change for {user} in {diff:#}"))
}

/// The slugs of the changes on organizations and teams (those on databases come through them).
fn slugs(changes: &Value) -> Vec<String> {
    let mut slugs: Vec<String> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource"]["resourceType"] != "database")
        .map(|c| c["entitlement"].as_str().unwrap().to_owned())
        .collect();
    slugs.sort();
    slugs
}

/// The database changes: (entitlement id, via), sorted.
fn through(changes: &Value) -> Vec<(String, Vec<String>)> {
    let mut through: Vec<(String, Vec<String>)> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource"]["resourceType"] == "database")
        .map(|c| {
            let via = c["via"].as_array().unwrap();
            let via = via.iter().map(|v| v.as_str().unwrap().to_owned()).collect();
            (c["entitlementId"].as_str().unwrap().to_owned(), via)
        })
        .collect();
    through.sort();
    through
}

#[test]
fn diff_shows_members_added_removed_and_promoted() {
    let base = DataSpec::small().generate();
    let (changed, [removed, promoted, added]) = edited(&base);
    let removed_teams = base.organizations[0]
        .teams
        .iter()
        .filter(|t| {
            t.members
                .iter()
                .any(|m| m["user"]["id"] == removed.as_str())
        })
        .count();
    let removed_elsewhere = base.organizations[1..].iter().any(|o| {
        o.members
            .iter()
            .any(|m| m["user"]["id"] == removed.as_str())
    });
    let dir = tempfile::tempdir().unwrap();
    {
        let fake = Fake::dataset(base.clone());
        fake.cmd(dir.path()).assert().success();
    }
    std::fs::copy(dir.path().join("sync.c1z"), dir.path().join("old.c1z")).unwrap();
    {
        let fake = Fake::dataset(changed);
        fake.cmd(dir.path()).assert().success();
    }

    let fake = Fake::small();
    let diff = json(fake.cmd(dir.path()).args(["diff", "-o", "json"]));
    assert_eq!(slugs(&by_principal(&diff, &added)["gained"]), ["member"]);
    assert_eq!(slugs(&by_principal(&diff, &promoted)["gained"]), ["admin"]);
    assert_eq!(
        by_principal(&diff, &promoted)["lost"],
        serde_json::json!([])
    );
    let lost = slugs(&by_principal(&diff, &removed)["lost"]);
    assert_eq!(lost.len(), 1 + removed_teams, "{lost:?}");
    assert!(lost.contains(&"member".to_owned()));
    // The promoted member is now an administrator of every database of the organization, as
    // its admin; the removed one lost the databases of their teams, through those teams.
    let org = &base.organizations[0];
    let databases = |field: &str, teams: &[&planetscale_fake::TeamData]| {
        let mut ids: Vec<String> = teams
            .iter()
            .flat_map(|t| t.team[field].as_array().unwrap().iter())
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let all_teams: Vec<&planetscale_fake::TeamData> = org.teams.iter().collect();
    let mut every: Vec<String> = databases("databases", &all_teams);
    every.extend(databases("analyst_databases", &all_teams));
    every.sort();
    every.dedup();
    let via_admin = format!("admin of organization {}", org.name());
    let gained_admin: Vec<(String, Vec<String>)> = every
        .iter()
        .map(|d| (format!("database:{d}:admin"), vec![via_admin.clone()]))
        .collect();
    let promoted_dbs = through(&by_principal(&diff, &promoted)["gained"]);
    // Databases the member already administered through a team are not gained again.
    assert!(
        promoted_dbs.iter().all(|c| gained_admin.contains(c)) && !promoted_dbs.is_empty(),
        "{promoted_dbs:?}"
    );
    let their_teams: Vec<&planetscale_fake::TeamData> = org
        .teams
        .iter()
        .filter(|t| t.user_ids().any(|u| u == removed))
        .collect();
    let lost_dbs = through(&by_principal(&diff, &removed)["lost"]);
    assert_eq!(
        lost_dbs
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>(),
        {
            let mut ids: Vec<String> = databases("databases", &their_teams)
                .into_iter()
                .map(|d| format!("database:{d}:admin"))
                .chain(
                    databases("analyst_databases", &their_teams)
                        .into_iter()
                        .map(|d| format!("database:{d}:analyst")),
                )
                .collect();
            ids.sort();
            ids
        }
    );
    assert!(
        lost_dbs
            .iter()
            .all(|(_, via)| !via.is_empty() && via.iter().all(|v| v.starts_with("team "))),
        "{lost_dbs:?}"
    );
    assert_eq!(diff["access"].as_array().unwrap().len(), 3);
    let added_ids: Vec<&Value> = diff["resourcesAdded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["resource"])
        .collect();
    assert_eq!(added_ids, [&Value::from(added.clone())]);
    let removed_ids: Vec<&Value> = diff["resourcesRemoved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["resource"])
        .collect();
    match removed_elsewhere {
        true => assert!(removed_ids.is_empty()),
        false => assert_eq!(removed_ids, [&Value::from(removed.clone())]),
    }

    // Two files give the same answer, and the table names the principals.
    let two = json(
        fake.cmd(dir.path())
            .args(["diff", "old.c1z", "sync.c1z", "-o", "json"]),
    );
    assert_eq!(two["access"], diff["access"]);
    let out = fake
        .cmd(dir.path())
        .args(["diff", "old.c1z", "sync.c1z"])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        table.contains("+ gained") && table.contains("- lost"),
        "{table}"
    );
    assert!(table.contains("New Comer"), "{table}");
    // The promoted member's admin of every database, through the organization's admin, is
    // one row naming the databases; at 80 columns the names stay, the ids go.
    let through_org: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("+ gained") && l.contains("admin of organization"))
        .collect();
    assert_eq!(through_org.len(), 1, "{table}");
    let org_name = base.organizations[0].organization["name"].as_str().unwrap();
    assert!(
        through_org[0].contains(&format!("{org_name}/{{")),
        "{table}"
    );
    let out = fake
        .cmd(dir.path())
        .env("COLUMNS", "80")
        .args(["diff", "old.c1z", "sync.c1z"])
        .assert()
        .success();
    let narrow = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
    assert!(narrow.contains("New Comer"), "{narrow}");
    assert!(!narrow.contains("user:usrnewcomer1"), "{narrow}");
    // inspect access groups the same way: the databases held alike are one row, not one each.
    let out = fake
        .cmd(dir.path())
        .env("COLUMNS", "80")
        .args(["inspect", "access", &format!("user:{promoted}")])
        .assert()
        .success();
    let access = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let rows = access.lines().filter(|l| l.starts_with("database")).count();
    let databases = base.organizations[0].databases.len();
    assert!(rows < databases, "{databases} databases: {access}");
    assert!(access.contains(&format!("{org_name}/{{")), "{access}");
}

#[test]
fn diff_needs_two_syncs() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let out = fake.cmd(dir.path()).arg("diff").assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("diff needs two"), "{stderr}");
}
