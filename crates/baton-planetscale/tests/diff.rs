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

fn slugs(changes: &Value) -> Vec<String> {
    let mut slugs: Vec<String> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entitlement"].as_str().unwrap().to_owned())
        .collect();
    slugs.sort();
    slugs
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
        let fake = Fake::dataset(base);
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
