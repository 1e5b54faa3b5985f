use crate::support::{json, stdout, toy};

/// Who holds the viewer entitlement of the first project of the `admins` group.
fn viewers(dir: &std::path::Path) -> Vec<String> {
    let members = json(toy(dir).args([
        "inspect",
        "members",
        "project:admins-p1:viewer",
        "-o",
        "json",
    ]));
    let mut ids: Vec<String> = members["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let id = &p["principal"]["id"];
            format!(
                "{}:{}",
                id["resourceType"].as_str().unwrap(),
                id["resource"].as_str().unwrap()
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn grants_through_a_group_are_expanded_unless_a_host_does_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .args(["--toy-projects", "1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Grant expansion: 5 grants derived through groups and roles."),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        viewers(dir.path()),
        ["group:admins", "user:u0", "user:u1", "user:u2"]
    );

    let skipped = tempfile::tempdir().unwrap();
    toy(skipped.path())
        .args(["--toy-projects", "1", "--skip-expand-grants"])
        .assert()
        .success();
    assert_eq!(viewers(skipped.path()), ["group:admins"]);
}
