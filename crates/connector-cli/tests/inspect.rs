use crate::support::{json, outputs, stdout, toy};

/// Two syncs of the toy: first 4 users, then 3 users and one group more.
fn two_syncs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path())
        .args(["--toy-users", "4"])
        .assert()
        .success();
    toy(dir.path())
        .args(["--toy-users", "3", "--toy-groups", "admins,staff,ops"])
        .assert()
        .success();
    dir
}

#[test]
fn principals_are_listed_with_their_email() {
    let dir = two_syncs();
    let out = toy(dir.path())
        .args(["inspect", "resources", "-t", "user"])
        .output()
        .unwrap();
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("ID"), "{text}");
    assert!(header.contains("EMAIL"), "{text}");
    assert!(text.contains("user1@toy.example"), "{text}");
    let groups = stdout(
        &toy(dir.path())
            .args(["inspect", "resources", "-t", "group"])
            .output()
            .unwrap(),
    );
    assert!(!groups.contains("EMAIL"), "{groups}");
}

#[test]
fn members_and_access_answer_from_the_latest_sync() {
    let dir = two_syncs();
    let members =
        json(toy(dir.path()).args(["inspect", "members", "group:ops:member", "-o", "json"]));
    let ids: Vec<&str> = members["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["principal"]["id"]["resource"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["u0", "u2"]);
    let access =
        json(toy(dir.path()).args(["inspect", "access", "USER2@toy.example", "-o", "json"]));
    let on: Vec<&str> = access["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource"]["id"]["resource"].as_str().unwrap())
        .collect();
    assert_eq!(on, ["admins", "ops", "staff"]);
    let stats = json(toy(dir.path()).args(["inspect", "stats", "-o", "json"]));
    assert_eq!(stats["resourceTypes"]["group"]["grants"], 3 + 2 + 2);
    assert_eq!(stats["totals"]["resources"], 6);
}

#[test]
fn diff_names_what_changed_between_the_last_two_syncs() {
    let dir = two_syncs();
    let diff = json(toy(dir.path()).args(["diff", "-o", "json"]));
    let removed: Vec<&str> = diff["resourcesRemoved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["u3"]);
    assert_eq!(diff["resourcesAdded"][0]["resource"], "ops");
    let who: Vec<(&str, usize, usize)> = diff["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["principal"]["resource"].as_str().unwrap(),
                p["gained"].as_array().unwrap().len(),
                p["lost"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(who, [("u0", 1, 0), ("u2", 1, 0), ("u3", 0, 1)]);
    let table = stdout(&toy(dir.path()).arg("diff").output().unwrap());
    assert!(
        table.contains("2 grants added, 1 removed; 1 resources added, 1 removed"),
        "{table}"
    );
    let lost = table
        .lines()
        .find(|l| l.starts_with("User 3 "))
        .unwrap_or_else(|| panic!("the diff names User 3 first: {table}"));
    // Names, not ids: -o long and JSON have the ids.
    assert!(
        lost.contains("- lost") && lost.contains("admins") && !lost.contains("user:u3"),
        "{table}"
    );
}

/// A person found by display name, which its holder chooses, is said to be so on stderr, naming
/// whom it matched; by email or id, nothing is said.
#[test]
fn a_person_found_by_display_name_is_said_to_be() {
    let dir = two_syncs();
    let out = toy(dir.path())
        .args(["inspect", "access", "user 2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("\"user 2\" matched user:u2 (User 2, user2@toy.example) by its display name"),
        "{said}"
    );
    for exact in ["USER2@toy.example", "user:u2", "u2"] {
        let out = toy(dir.path())
            .args(["inspect", "access", exact])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", outputs(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!said.contains("display name"), "{exact}: {said}");
    }
}

/// A resource under another is listed with its top-level resource's name, the form names are
/// given in (`<top-level>/<name>`), beside its exact id; a top-level one by its id and name.
#[test]
fn listings_name_a_resource_under_another_with_its_top_level_one() {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path())
        .args(["--toy-projects", "1", "--toy-users", "3"])
        .assert()
        .success();
    for what in ["entitlements", "grants"] {
        let text = stdout(&toy(dir.path()).args(["inspect", what]).output().unwrap());
        assert!(
            text.contains("project:admins-p1 (admins/admins-p1)"),
            "{what}: {text}"
        );
    }
}
