//! `baton-directory`, the second connector, end to end as a process: sync a directory, edit it,
//! sync again, then `inspect`, `diff` and `report` the result; and the connector itself against
//! `connector_sdk::testing`'s conformance checks.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, value: Value) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, value.to_string()).unwrap();
}

fn directory(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("baton-directory").unwrap();
    cmd.env_clear()
        .current_dir(dir)
        .env("BATON_LOG_FORMAT", "json")
        .env("BATON_DIRECTORY", "data");
    cmd
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.args(["-o", "json"]).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn sync_inspect_and_diff_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(
        &data,
        "users.json",
        json!([
            { "id": "ann", "name": "Ann", "email": "ann@example.com" },
            { "id": "bob", "name": "Bob", "email": "bob@example.com" },
        ]),
    );
    write(
        &data,
        "groups/eng.json",
        json!({ "name": "Engineering", "members": ["ann", "bob"] }),
    );

    let validate = json_of(directory(dir.path()).arg("validate"));
    assert_eq!(validate["checks"][0]["detail"], "2 users");
    let first = json_of(&mut directory(dir.path()));
    assert_eq!(
        first["totals"],
        json!({ "resources": 3, "entitlements": 2, "grants": 2 })
    );

    // Bob leaves Engineering and Ann becomes its owner.
    write(
        &data,
        "groups/eng.json",
        json!({ "name": "Engineering", "members": ["ann"], "owners": ["ann"] }),
    );
    directory(dir.path()).assert().success();

    let members = json_of(directory(dir.path()).args(["inspect", "members", "group:eng:owner"]));
    assert_eq!(
        members["principals"][0]["principal"]["id"]["resource"],
        "ann"
    );
    let access = json_of(directory(dir.path()).args(["inspect", "access", "ann@example.com"]));
    assert_eq!(
        access["access"][0]["entitlements"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let diff = json_of(directory(dir.path()).arg("diff"));
    let changes: Vec<(String, usize, usize)> = diff["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_array().unwrap().len();
            (
                p["principal"]["resource"].as_str().unwrap().to_owned(),
                n("gained"),
                n("lost"),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [("ann".to_owned(), 1, 0), ("bob".to_owned(), 0, 1)]
    );
    let table = directory(dir.path()).arg("diff").assert().success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(text.contains("1 grants added, 1 removed"), "{text}");

    // The generic report: the directory's people, its groups' owners as privileged, the change.
    directory(dir.path())
        .args(["report", "--out", "review.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("review.html")).unwrap();
    assert!(html.contains("baton-directory"), "the connector is named");
    assert!(html.contains("ann@example.com") && html.contains("Engineering"));
    assert!(
        html.contains("data-count=\"people\">1<"),
        "only Ann has access left"
    );
    assert!(
        html.contains("- lost"),
        "Bob's lost membership, in diff's words"
    );
    // In the directory's own words: its top-level resources and its groups are groups, not
    // PlanetScale's organizations and teams; and no table has a column without a name.
    for word in ["rganization", "Teams", "team"] {
        assert!(!html.contains(word), "{word} in the report of a directory");
    }
    assert!(html.contains("People in several groups"));
    assert!(html.contains("<th scope=\"col\">Groups</th>"));
    assert!(
        !html.contains("<th scope=\"col\"></th>"),
        "a column without a header"
    );
}

#[test]
fn a_missing_directory_fails_validation_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = directory(dir.path()).arg("validate").assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("data/users.json"), "{stderr}");
}

#[tokio::test]
async fn the_connector_passes_the_sdk_conformance_checks() {
    use baton_directory::Directory;
    use connector_cli::{Program, Values};

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "users.json",
        json!([
            { "id": "ann", "name": "Ann", "email": "ann@example.com" },
            { "id": "bob", "name": "Bob", "email": "bob@example.com" },
        ]),
    );
    write(
        dir.path(),
        "groups/eng.json",
        json!({ "name": "Engineering", "members": ["ann", "bob"], "owners": ["ann"] }),
    );
    write(dir.path(), "groups/ops.json", json!({ "name": "Ops" }));
    let path = dir.path().to_str().unwrap();
    let values = Values::from_pairs(&Directory.settings(), [("directory", path)]).unwrap();
    let connector = Directory.connector(&values).unwrap();
    let report = connector_sdk::testing::check_conformance(connector.as_ref())
        .await
        .unwrap();
    assert_eq!(
        (report.resources, report.entitlements, report.grants),
        (4, 4, 3),
        "{report}"
    );
}
