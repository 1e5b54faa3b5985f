//! A review a person can trust: filters that name nothing are errors, partial syncs are
//! partial, people's security attributes are columns and diff lines, exports are CSV and JSON
//! Lines, and the review view answers the usual questions. All through the toy binary.

use serde_json::Value;

use crate::support::{json, outputs, stdout, toy};

/// A finished sync of the toy (3 users in admins and staff, one project under each group),
/// then a second where u0 has turned MFA off.
fn two_syncs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path())
        .args(["--toy-projects", "1"])
        .assert()
        .success();
    toy(dir.path())
        .args(["--toy-projects", "1", "--toy-no-mfa", "u0"])
        .assert()
        .success();
    dir
}

/// Runs `args` expecting exit 1, and returns the one `error:` line.
fn error(dir: &std::path::Path, args: &[&str]) -> String {
    error_with(1, dir, args)
}

/// Runs `args` expecting exit `code`, and returns the one `error:` line.
fn error_with(code: i32, dir: &std::path::Path, args: &[&str]) -> String {
    let out = toy(dir).args(args).assert().code(code);
    let text = outputs(out.get_output());
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(stdout(out.get_output()).is_empty(), "{text}");
    lines[0].to_owned()
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_filter_that_names_nothing_is_an_error_that_says_what_exists() {
    let dir = two_syncs();
    let d = dir.path();
    let e = error(d, &["inspect", "resources", "-t", "users"]);
    assert!(e.contains(r#"no resource type "users""#), "{e}");
    assert!(e.contains(r#"did you mean "user"?"#), "{e}");
    assert!(e.contains("user, group, project"), "{e}");
    let e = error(d, &["inspect", "grants", "-r", "admns"]);
    assert!(e.contains(r#"did you mean "admins"?"#), "{e}");
    let e = error(d, &["inspect", "grants", "-e", "member"]);
    assert!(
        e.contains(r#"entitlement "member" names 2 entitlements"#)
            && e.contains("group:admins:member")
            && e.contains("group:staff:member"),
        "{e}"
    );
    let e = error(d, &["inspect", "members", "group:nobody:member"]);
    assert!(e.contains("no entitlement"), "{e}");
    let e = error(d, &["inspect", "access", "nobody@toy.example"]);
    assert!(e.contains(r#"no principal "nobody@toy.example""#), "{e}");
    let e = error(d, &["inspect", "--sync-id", "zzzz", "stats"]);
    assert!(e.contains(r#"no sync with id "zzzz""#), "{e}");

    // Every form the tool prints and the names people use name the same thing.
    let count = |args: &[&str]| {
        let mut all = vec!["inspect"];
        all.extend_from_slice(args);
        all.extend(["-o", "json"]);
        json(toy(d).args(&all))["grants"].as_array().unwrap().len()
    };
    for form in ["admins", "group:admins", "group:admins (admins)", "ADMINS"] {
        assert_eq!(count(&["grants", "-r", form, "-e", "member"]), 3, "{form}");
    }
    assert_eq!(count(&["grants", "-e", "admins:member"]), 3);
    assert_eq!(count(&["grants", "-t", "Group"]), 3 + 2);
    let members = json(toy(d).args(["inspect", "members", "staff:member", "-o", "json"]));
    assert_eq!(members["principals"].as_array().unwrap().len(), 2);
    let access = json(toy(d).args(["inspect", "access", "User 1", "-o", "json"]));
    assert_eq!(access["principal"]["id"]["resource"], "u1");

    // A sync by the first characters of its id.
    let syncs = json(toy(d).args(["inspect", "syncs", "-o", "json"]));
    let first = syncs["syncs"][0]["id"].as_str().unwrap();
    let stats = json(toy(d).args(["inspect", "--sync-id", &first[..8], "stats", "-o", "json"]));
    assert_eq!(stats["sync"]["id"], first);
}

#[test]
fn listings_of_people_show_email_mfa_sso_and_status() {
    let dir = two_syncs();
    let out = toy(dir.path())
        .args(["inspect", "resources", "-t", "user", "-o", "jsonl"])
        .output()
        .unwrap();
    let rows = lines(&stdout(&out));
    let u0 = rows.iter().find(|r| r["id"] == "u0").unwrap();
    assert_eq!(u0["email"], "user0@toy.example");
    assert_eq!(
        (&u0["mfa"], &u0["sso"]),
        (&Value::from(false), &Value::from(true))
    );
    let u1 = rows.iter().find(|r| r["id"] == "u1").unwrap();
    assert_eq!((&u1["mfa"], &u1["sso"]), (&Value::from(true), &Value::Null));
    assert_eq!(u1["status"], "enabled");
    let table = stdout(
        &toy(dir.path())
            .args(["inspect", "members", "admins:member"])
            .output()
            .unwrap(),
    );
    let header = table.lines().next().unwrap();
    for column in ["EMAIL", "MFA", "SSO", "STATUS"] {
        assert!(header.contains(column), "{table}");
    }
    let u1 = table.lines().find(|l| l.contains(" u1 ")).unwrap();
    assert!(u1.contains(" on ") && u1.contains(" unknown "), "{table}");
}

#[test]
fn the_json_review_prints_each_person_s_resource_whole() {
    // The review keeps only a person's id and name between its passes; `-o json` reads the
    // rest back, so its `principal` is the resource as `inspect resources` prints it.
    let dir = two_syncs();
    let d = dir.path();
    let users = json(toy(d).args(["inspect", "resources", "-t", "user", "-o", "json"]));
    let users = users["resources"].as_array().unwrap();
    let review = json(toy(d).args(["inspect", "review", "-o", "json"]));
    let rows = review["review"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let id = &row["principal"]["id"];
        let user = users.iter().find(|u| &u["resource"]["id"] == id).unwrap();
        assert_eq!(row["principal"], user["resource"]);
        assert!(
            row["principal"]["annotations"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        );
        assert_eq!(row["type"], "human");
    }
}

#[test]
fn csv_and_json_lines_list_every_item_with_stable_columns() {
    let dir = two_syncs();
    let d = dir.path();
    let baton = json(toy(d).args(["inspect", "grants", "-o", "json"]));
    let grants = baton["grants"].as_array().unwrap();
    let csv = stdout(
        &toy(d)
            .args(["inspect", "grants", "-o", "csv"])
            .output()
            .unwrap(),
    );
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("id,resource_type,resource,entitlement,principal,sync_id,as_of")
    );
    assert_eq!(rows.count(), grants.len());
    // Every export says what it is: JSON its provenance, each CSV and JSON Lines row its sync.
    let provenance = &baton["provenance"];
    let sync_id = provenance["syncId"].as_str().unwrap();
    assert_eq!(provenance["connector"], "toy-connector");
    assert_eq!(provenance["scope"]["full"], true);
    assert_eq!(provenance["fileSha256"].as_str().unwrap().len(), 64);
    assert!(provenance["endedAt"].as_str().unwrap().ends_with('Z'));
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains(&format!(",{sync_id},20"))),
        "{csv}"
    );
    let jsonl = stdout(
        &toy(d)
            .args(["inspect", "grants", "-o", "jsonl"])
            .output()
            .unwrap(),
    );
    let items = lines(&jsonl);
    assert_eq!(items.len(), grants.len());
    assert_eq!(items[0]["id"], grants[0]["grant"]["id"]);
    assert_eq!(items[0]["sync_id"], sync_id);
    assert_eq!(items[0]["as_of"], provenance["asOf"]);
    // A compact row is a small fraction of baton's item.
    let baton_bytes = serde_json::to_string(&grants[0]).unwrap().len();
    assert!(
        jsonl.lines().next().unwrap().len() * 4 < baton_bytes,
        "{jsonl}"
    );

    // A cell with a comma is quoted; the header is there even without rows.
    let users = stdout(
        &toy(d)
            .args(["inspect", "resources", "-t", "user", "-o", "csv"])
            .output()
            .unwrap(),
    );
    assert!(
        users.starts_with(
            "id,display_name,email,mfa,sso,status,resource_type,parent,type,sync_id,as_of\n"
        ),
        "{users}"
    );
    assert!(
        users.contains(r#"u0,"Ada Lovelace with a display name far longer than any terminal is wide, so tables must cut it to fit",user0@toy.example,off,on,enabled,user,"#),
        "{users}"
    );
    let none = stdout(
        &toy(d)
            .args([
                "inspect", "review", "--mfa", "unknown", "--sso", "off", "-o", "csv",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(none.lines().count(), 1, "{none}");
    for what in ["syncs", "stats", "resource-types", "entitlements"] {
        let out = toy(d)
            .args(["inspect", what, "-o", "jsonl"])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(!lines(&stdout(&out)).is_empty(), "{what}");
    }
}

#[test]
fn the_review_has_a_row_per_person_per_top_level_resource_and_filters() {
    let dir = two_syncs();
    let d = dir.path();
    let rows = lines(&stdout(
        &toy(d)
            .args(["inspect", "review", "-o", "jsonl"])
            .output()
            .unwrap(),
    ));
    // admins: u0 u1 u2; staff: u0 u2.
    let who: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["resource"].as_str().unwrap(),
                r["principal_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            ("admins", "user:u0"),
            ("admins", "user:u1"),
            ("admins", "user:u2"),
            ("staff", "user:u0"),
            ("staff", "user:u2"),
        ]
    );
    let u0 = &rows[0];
    assert_eq!(u0["roles"], serde_json::json!(["member"]));
    assert_eq!(
        u0["access"],
        serde_json::json!(["admins-p1: viewer (via group admins)"])
    );
    assert_eq!(
        (&u0["mfa"], &u0["resources"]),
        (&Value::from(false), &Value::from(2))
    );

    let filtered = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["inspect", "review", "-o", "jsonl"];
        all.extend_from_slice(args);
        lines(&stdout(&toy(d).args(&all).output().unwrap()))
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["resource"].as_str().unwrap(),
                    r["principal_id"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        filtered(&["--mfa", "off"]),
        ["admins user:u0", "staff user:u0"]
    );
    assert_eq!(
        filtered(&["--min-resources", "2", "-r", "staff"]),
        ["staff user:u0", "staff user:u2"]
    );
    assert_eq!(filtered(&["--sso", "unknown"]), ["admins user:u1"]);
    assert_eq!(
        filtered(&["-p", "user2@toy.example", "--role", "member"]),
        ["admins user:u2", "staff user:u2"]
    );
    let e = error(d, &["inspect", "review", "--role", "membr"]);
    assert!(e.contains(r#"did you mean "member"?"#), "{e}");
    let e = error_with(2, d, &["inspect", "review", "-r", "admins-p1"]);
    assert!(e.contains("not a top-level resource"), "{e}");

    let table = stdout(&toy(d).args(["inspect", "review"]).output().unwrap());
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("GROUP  "), "{table}");
    let out = toy(d)
        .args([
            "inspect", "review", "--mfa", "off", "--role", "member", "--sso", "off",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "Nobody matches these filters.\n");
}

#[test]
fn diff_names_its_syncs_with_dates_and_reports_mfa_turned_off() {
    let dir = two_syncs();
    let d = dir.path();
    let diff = json(toy(d).args(["diff", "-o", "json"]));
    assert_eq!(diff["access"], serde_json::json!([]));
    let changed = diff["attributesChanged"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{diff:#}");
    let c = &changed[0];
    assert_eq!(c["principal"]["resource"], "u0");
    assert_eq!(
        (&c["attribute"], &c["old"], &c["new"]),
        (&"mfa".into(), &"on".into(), &"off".into())
    );
    assert_eq!(
        c["permissions"],
        serde_json::json!(["admins/admins-p1: viewer", "staff/staff-p1: viewer"])
    );
    assert!(diff["oldSync"]["endedAt"].is_string());

    let table = stdout(&toy(d).arg("diff").output().unwrap());
    // The summary, wrapped to the width (200 columns when piped).
    let first = table.split("\n\n").next().unwrap().replace('\n', " ");
    assert!(table.lines().all(|l| l.chars().count() <= 200), "{table}");
    assert!(first.contains("(full, ended 20"), "{table}");
    assert!(first.contains("1 attribute changes"), "{table}");
    let mfa = table.lines().find(|l| l.contains(" mfa ")).unwrap();
    assert!(
        mfa.contains("on") && mfa.contains("off") && mfa.contains("viewer"),
        "{table}"
    );
    let csv = stdout(&toy(d).args(["diff", "-o", "csv"]).output().unwrap());
    let new_sync = diff["newSyncId"].as_str().unwrap();
    assert_eq!(
        csv,
        format!(
            "change,principal,resource,entitlement,entitlement_id,attribute,old,new,permissions,\
             via,sync_id,as_of,base_sync_id\n\
             changed,\"user:u0 (Ada Lovelace with a display name far longer than any terminal is \
             wide, so tables must cut it to fit)\",,,,mfa,on,off,\"admins/admins-p1: viewer, \
             staff/staff-p1: viewer\",,{new_sync},{},{}\n",
            diff["provenance"]["asOf"].as_str().unwrap(),
            diff["oldSyncId"].as_str().unwrap()
        )
    );

    // The two syncs by their first characters, either way round.
    let syncs = json(toy(d).args(["inspect", "syncs", "-o", "json"]));
    let id = |i: usize| syncs["syncs"][i]["id"].as_str().unwrap()[..10].to_owned();
    let back = json(toy(d).args([
        "diff",
        "--base-sync-id",
        &id(1),
        "--applied-sync-id",
        &id(0),
        "-o",
        "json",
    ]));
    assert_eq!(back["attributesChanged"][0]["new"], "on");
    let e = error_with(
        2,
        d,
        &[
            "diff",
            "--base-sync-id",
            &id(0),
            "--applied-sync-id",
            &id(0),
        ],
    );
    assert!(e.contains("both name sync"), "{e}");
}

#[test]
fn a_partial_sync_is_recorded_as_partial_and_diff_reports_no_false_loss() {
    let dir = two_syncs();
    let d = dir.path();
    let before = std::fs::read(d.join("sync.c1z")).unwrap();
    // A child type without its parent type is refused, naming the type to add; nothing written.
    let e = error(
        d,
        &["--toy-projects", "1", "--sync-resource-types", "project"],
    );
    assert!(
        e.contains("resource type project is listed under group resources")
            && e.contains("add group to the filter (group,project)"),
        "{e}"
    );
    assert_eq!(std::fs::read(d.join("sync.c1z")).unwrap(), before);

    let report = json(toy(d).args([
        "--toy-projects",
        "1",
        "--sync-resource-types",
        "group",
        "-o",
        "json",
    ]));
    assert_eq!(report["syncType"], "partial");
    let syncs = json(toy(d).args(["inspect", "syncs", "-o", "json"]));
    let runs = syncs["syncs"].as_array().unwrap();
    assert_eq!(runs[2]["syncType"], "partial");
    assert_eq!(runs[2]["parentSyncId"], runs[1]["id"]);

    // inspect and diff default to full syncs: the partial one is not "everyone lost everything".
    let stats = json(toy(d).args(["inspect", "stats", "-o", "json"]));
    assert_eq!(stats["sync"]["id"], runs[1]["id"]);
    let diff = json(toy(d).args(["diff", "-o", "json"]));
    assert_eq!(diff["newSyncId"], runs[1]["id"]);
    // Asked about the partial one, they say so, and compare only what both synced.
    let partial = runs[2]["id"].as_str().unwrap();
    let out = toy(d)
        .args(["diff", "--applied-sync-id", partial, "-o", "json"])
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(
        text.contains("note: a sync compared is not a full sync"),
        "{text}"
    );
    let diff: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(diff["comparedTypes"], serde_json::json!(["group"]));
    assert_eq!(diff["resourcesRemoved"], serde_json::json!([]));
    assert_eq!(diff["access"], serde_json::json!([]));
    let out = toy(d)
        .args(["inspect", "--sync-id", partial, "stats"])
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(
        text.contains("is a partial sync: it holds only group"),
        "{text}"
    );
}

#[test]
fn the_help_of_inspect_and_diff_shows_their_own_options_first() {
    let dir = tempfile::tempdir().unwrap();
    for (args, own) in [
        (&["inspect", "--help"][..], "--sync-id"),
        (&["inspect", "review", "--help"][..], "--min-resources"),
        (&["diff", "--help"][..], "--base-sync-id"),
    ] {
        let help = stdout(&toy(dir.path()).args(args).output().unwrap());
        let own_at = help.find(own).unwrap_or_else(|| panic!("{help}"));
        let global_at = help
            .find("Global options:")
            .unwrap_or_else(|| panic!("{help}"));
        assert!(own_at < global_at, "{help}");
        for read in ["--file", "--output", "--max-decoded-size-mb"] {
            assert!(help.contains(read), "{read}: {help}");
        }
        // What only a sync reads is not in the way.
        for unread in [
            "--toy-token",
            "--workers",
            "--sync-resource-types",
            "Toy options",
        ] {
            assert!(!help.contains(unread), "{unread}: {help}");
        }
    }
    // They are still accepted anywhere, as global flags are.
    toy(dir.path()).assert().success();
    toy(dir.path())
        .args(["inspect", "--workers", "2", "stats"])
        .assert()
        .success();
}
