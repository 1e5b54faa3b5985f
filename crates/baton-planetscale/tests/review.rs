//! A quarterly access review with the binary against the fake: admins without MFA, people in
//! more than one organization, one person, a CSV for sign-off, changes since last time, and
//! partial syncs that never read as losses.

use std::collections::BTreeSet;

use planetscale_fake::{DataSpec, Dataset};
use serde_json::Value;

use crate::support::{Fake, json, jsonl, outputs};

/// The user object of `user_id` as the sync keeps it: from its first organization.
fn user<'a>(data: &'a Dataset, user_id: &str) -> &'a Value {
    data.organizations
        .iter()
        .find_map(|o| o.member(user_id))
        .map(|m| &m["user"])
        .unwrap()
}

#[test]
fn the_review_answers_a_reviewers_questions() {
    let fake = Fake::small();
    let data = fake.server.dataset();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();

    // Admins without MFA (MFA off, not unknown), per organization.
    let expected: BTreeSet<(String, String)> = data
        .organizations
        .iter()
        .flat_map(|o| {
            o.members
                .iter()
                .filter(|m| m["role"] == "admin")
                .filter_map(|m| m["user"]["id"].as_str())
                .filter(|id| user(&data, id)["two_factor_auth_configured"] == false)
                .map(|id| (o.name().to_owned(), format!("user:{id}")))
        })
        .collect();
    assert!(
        !expected.is_empty(),
        "the small dataset has an admin without MFA"
    );
    let found: BTreeSet<(String, String)> = jsonl(fake.cmd(dir.path()).args([
        "inspect", "review", "--role", "admin", "--mfa", "off", "-o", "jsonl",
    ]))
    .iter()
    .map(|r| {
        (
            r["resource"].as_str().unwrap().to_owned(),
            r["principal_id"].as_str().unwrap().to_owned(),
        )
    })
    .collect();
    assert_eq!(found, expected);

    // People in more than one organization: one row per organization they are in.
    let shared = data.shared_user_ids();
    let multi = jsonl(fake.cmd(dir.path()).args([
        "inspect",
        "review",
        "--min-resources",
        "2",
        "-o",
        "jsonl",
    ]));
    let people: BTreeSet<&str> = multi
        .iter()
        .map(|r| {
            r["principal_id"]
                .as_str()
                .unwrap()
                .trim_start_matches("user:")
        })
        .collect();
    assert_eq!(people, shared.iter().copied().collect());

    // One person, by email: a row per organization, with their teams.
    let org = &data.organizations[0];
    let team = &org.teams[0];
    let member = team.user_ids().next().unwrap();
    let email = user(&data, member)["email"].as_str().unwrap();
    let mine = jsonl(
        fake.cmd(dir.path())
            .args(["inspect", "review", "-p", email, "-o", "jsonl"]),
    );
    let here = mine.iter().find(|r| r["resource"] == org.name()).unwrap();
    let team_name = team.team["display_name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| team.team["name"].as_str().unwrap());
    assert!(
        here["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == team_name),
        "{here:#}"
    );

    // The CSV for sign-off: a header and one row per membership.
    let out = fake
        .cmd(dir.path())
        .args(["inspect", "review", "-o", "csv"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "resource,resource_id,principal_id,name,email,roles,mfa,sso,status,groups,access,\
             resources,type,sync_id,as_of,decision,comment"
        )
    );
    assert_eq!(lines.count(), data.total_memberships());
}

#[test]
fn filters_name_what_the_file_holds_or_say_what_does() {
    let fake = Fake::small();
    let data = fake.server.dataset();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let error = |args: &[&str]| {
        let out = fake.cmd(dir.path()).args(args).assert().code(1);
        outputs(out.get_output())
    };
    let e = error(&["inspect", "resources", "-t", "users"]);
    assert!(e.contains(r#"did you mean "user"?"#), "{e}");
    let e = error(&["inspect", "grants", "-e", "admin"]);
    assert!(e.contains("entitlements in sync"), "{e}");
    for org in &data.organizations {
        assert!(
            e.contains(&format!("organization:{}:admin", org.id())),
            "{e}"
        );
    }

    // The forms the tool prints, and the names people use, name the same grants.
    let org = &data.organizations[0];
    let count = |args: &[&str]| {
        let mut all = vec!["inspect", "grants", "-o", "json"];
        all.extend_from_slice(args);
        json(fake.cmd(dir.path()).args(&all))["grants"]
            .as_array()
            .unwrap()
            .len()
    };
    let admins = org.role_count("admin");
    let by_id = format!("organization:{}:admin", org.id());
    let by_name = format!("{}:admin", org.name());
    assert_eq!(count(&["-e", &by_id]), admins);
    assert_eq!(count(&["-e", &by_name]), admins);
    assert_eq!(count(&["-r", org.name(), "-e", "admin"]), admins);
    let team = &org.teams[0];
    let team_id = format!("team:{}", team.team["id"].as_str().unwrap());
    assert_eq!(count(&["-r", &team_id]), team.members.len());
    assert_eq!(
        count(&["-r", team.team["id"].as_str().unwrap()]),
        team.members.len()
    );
}

#[test]
fn a_partial_sync_is_partial_and_diff_never_reports_a_loss_that_was_not() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    fake.cmd(dir.path()).assert().success();
    let before = std::fs::read(dir.path().join("sync.c1z")).unwrap();

    // Teams without their organizations would be no teams: refused, the file untouched.
    let out = fake
        .cmd(dir.path())
        .args(["--sync-resource-types", "team"])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("resource type team is listed under organization resources")
            && text.contains("add organization to the filter (organization,team)"),
        "{text}"
    );
    assert_eq!(std::fs::read(dir.path().join("sync.c1z")).unwrap(), before);

    fake.cmd(dir.path())
        .args(["--sync-resource-types", "organization"])
        .assert()
        .success();
    let syncs = json(
        fake.cmd(dir.path())
            .args(["inspect", "syncs", "-o", "json"]),
    );
    let types: Vec<&str> = syncs["syncs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["syncType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["full", "full", "partial"]);
    // By default, the last two full syncs: nothing changed.
    let diff = json(fake.cmd(dir.path()).args(["diff", "-o", "json"]));
    assert!(diff["access"].as_array().unwrap().is_empty(), "{diff:#}");
    // Against the partial one: only organizations are compared, so no team is "lost".
    let partial = syncs["syncs"][2]["id"].as_str().unwrap();
    let diff = json(fake.cmd(dir.path()).args([
        "diff",
        "--applied-sync-id",
        &partial[..12],
        "-o",
        "json",
    ]));
    assert_eq!(diff["comparedTypes"], serde_json::json!(["organization"]));
    assert!(diff["access"].as_array().unwrap().is_empty(), "{diff:#}");
    assert!(
        diff["resourcesRemoved"].as_array().unwrap().is_empty(),
        "{diff:#}"
    );
}

#[test]
fn an_admin_who_turns_mfa_off_is_a_diff_finding() {
    let base = DataSpec::small().generate();
    let mut changed = base.clone();
    let org = &mut changed.organizations[0];
    let admin = org
        .members
        .iter()
        .find(|m| m["role"] == "admin" && m["user"]["two_factor_auth_configured"] == true)
        .expect("an admin with MFA")["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_name = org.name().to_owned();
    for o in &mut changed.organizations {
        for m in o
            .members
            .iter_mut()
            .filter(|m| m["user"]["id"] == admin.as_str())
        {
            m["user"]["two_factor_auth_configured"] = false.into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    Fake::dataset(base).cmd(dir.path()).assert().success();
    let fake = Fake::dataset(changed);
    fake.cmd(dir.path()).assert().success();
    let diff = json(fake.cmd(dir.path()).args(["diff", "-o", "json"]));
    let c = &diff["attributesChanged"];
    assert_eq!(c.as_array().unwrap().len(), 1, "{diff:#}");
    assert_eq!(c[0]["principal"]["resource"], admin.as_str());
    assert_eq!(
        (&c[0]["attribute"], &c[0]["old"], &c[0]["new"]),
        (&"mfa".into(), &"on".into(), &"off".into())
    );
    let admin_of = format!("{org_name}: admin");
    assert!(
        c[0]["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == admin_of.as_str()),
        "{diff:#}"
    );
    let out = fake.cmd(dir.path()).arg("diff").assert().success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(table.contains("1 attribute changes"), "{table}");
    let summary = table.split("\n\n").next().unwrap();
    assert_eq!(summary.matches("(full, ended 20").count(), 2, "{table}");
    // The table cuts a long list of permissions to its width; -o long shows it whole.
    let out = fake
        .cmd(dir.path())
        .args(["diff", "-o", "long"])
        .assert()
        .success();
    let long = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        long.lines().any(|l| l.trim_end().ends_with(&admin_of)),
        "{long}"
    );

    // The organization's admins, with their MFA as the newer sync has it.
    let admins = jsonl(fake.cmd(dir.path()).args([
        "inspect",
        "members",
        &format!("{org_name}:admin"),
        "-o",
        "jsonl",
    ]));
    let row = admins
        .iter()
        .find(|r| r["principal"] == admin.as_str())
        .unwrap();
    assert_eq!(
        (&row["mfa"], &row["status"]),
        (&Value::from(false), &Value::from("enabled"))
    );
    assert!(row["email"].as_str().unwrap().contains('@'), "{row}");
}
