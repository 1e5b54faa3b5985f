//! What the read side says of expanded access and of credentials, for any connector: the path
//! an entitlement comes through (`inspect access`, `inspect members`, `diff`), and credentials
//! that never expire or have not been used for a while (`inspect resources`).

use crate::support::{json, outputs, stdout, toy};

#[test]
fn access_and_members_say_which_group_access_comes_through() {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path())
        .args(["--toy-projects", "1"])
        .assert()
        .success();

    // user 0 is in both groups: each group's project is theirs through that group.
    let access = json(toy(dir.path()).args(["inspect", "access", "u0", "-o", "json"]));
    let project = access["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["resource"]["id"]["resource"] == "admins-p1")
        .unwrap();
    assert_eq!(
        project["paths"],
        serde_json::json!([{
            "entitlementId": "project:admins-p1:viewer",
            "direct": false,
            "via": ["group admins"],
        }])
    );
    let table = stdout(
        &toy(dir.path())
            .args(["inspect", "access", "u0"])
            .output()
            .unwrap(),
    );
    assert!(table.contains("viewer (via group admins)"), "{table}");

    // The group holds it directly, its members through it.
    let members = json(toy(dir.path()).args([
        "inspect",
        "members",
        "project:admins-p1:viewer",
        "-o",
        "json",
    ]));
    let u1 = members["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"]["id"]["resource"] == "u1")
        .unwrap();
    assert_eq!(
        (&u1["direct"], &u1["via"]),
        (
            &serde_json::json!(false),
            &serde_json::json!(["group admins"])
        )
    );
    let rows = stdout(
        &toy(dir.path())
            .args([
                "inspect",
                "members",
                "project:admins-p1:viewer",
                "-o",
                "csv",
            ])
            .output()
            .unwrap(),
    );
    let mut lines = rows.lines();
    assert!(
        lines.next().unwrap().ends_with(",via,type,sync_id,as_of"),
        "{rows}"
    );
    let by_principal: Vec<(String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                format!("{}:{}", cells[0], cells[1]),
                cells[cells.len() - 4].to_string(),
            )
        })
        .collect();
    assert!(
        by_principal.contains(&("group:admins".to_owned(), String::new())),
        "{rows}"
    );
    assert!(
        by_principal.contains(&("user:u1".to_owned(), "group admins".to_owned())),
        "{rows}"
    );
}

#[test]
fn a_diff_says_through_which_group_access_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path())
        .args(["--toy-projects", "1", "--toy-users", "3"])
        .assert()
        .success();
    // User 2 is gone: their group memberships, and the project access through the groups.
    toy(dir.path())
        .args(["--toy-projects", "1", "--toy-users", "2"])
        .assert()
        .success();
    let diff = json(toy(dir.path()).args(["diff", "-o", "json"]));
    let lost = diff["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"]["resource"] == "u2")
        .unwrap()["lost"]
        .clone();
    let project = lost
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entitlementId"] == "project:admins-p1:viewer")
        .unwrap();
    assert_eq!(project["via"], serde_json::json!(["group admins"]));
    let table = stdout(&toy(dir.path()).arg("diff").output().unwrap());
    assert!(
        table
            .lines()
            .any(|l| l.contains("- lost") && l.contains("group admins")),
        "{table}"
    );
}

#[test]
fn credentials_without_expiry_or_unused_for_days_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path()).args(["--toy-keys", "4"]).assert().success();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["inspect", "resources"];
        all.extend(args);
        all.extend(["-o", "json"]);
        let listed = json(toy(dir.path()).args(all));
        listed["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["resource"]["id"]["resource"].as_str().unwrap().to_owned())
            .collect()
    };
    // Keys 0 and 2 never expire; key k was last used k * 100 days ago, key 0 never.
    assert_eq!(ids(&["--no-expiry"]), ["k0", "k2"]);
    assert_eq!(ids(&["--unused-days", "150"]), ["k0", "k2", "k3"]);
    assert_eq!(ids(&["--no-expiry", "--unused-days", "250"]), ["k0"]);
    assert_eq!(ids(&["--unused-days", "1000"]), ["k0"]);

    let table = stdout(
        &toy(dir.path())
            .args(["inspect", "resources", "-t", "api_key"])
            .output()
            .unwrap(),
    );
    let header = table.lines().next().unwrap();
    assert!(
        header.contains("EXPIRES") && header.contains("LAST USED"),
        "{table}"
    );
    let k0 = table.lines().find(|l| l.starts_with("k0")).unwrap();
    assert_eq!(k0.matches("never").count(), 2, "{table}");

    // On a type without credentials the filters are refused, never an empty answer.
    let out = toy(dir.path())
        .args(["inspect", "resources", "-t", "user", "--no-expiry"])
        .assert()
        .failure();
    let text = outputs(out.get_output());
    assert!(text.contains("resource type user has none"), "{text}");
}
