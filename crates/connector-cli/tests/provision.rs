//! Grants, revokes and account creation as a process: `--provisioning` and the task flags, the
//! names looked up in the last sync, the exit codes, dry runs, the output and the log line.

use std::path::Path;

use serde_json::Value;

use crate::support::{bare, json, outputs, stdout, toy};

/// The toy synced into `dir/sync.c1z`.
fn synced() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path()).assert().success();
    dir
}

/// Runs the toy in `dir` with `args`, expecting `code`; stdout and stderr.
fn run(dir: &Path, args: &[&str], code: i32) -> String {
    let out = toy(dir).args(args).assert().code(code);
    outputs(out.get_output())
}

const GRANT_U1: &[&str] = &[
    "-p",
    "--grant-entitlement",
    "staff:member",
    "--grant-principal",
    "user1@toy.example",
];

#[test]
fn a_change_needs_provisioning_and_flags_that_fit_together() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &GRANT_U1[1..],
            "--grant-entitlement needs --provisioning (-p)",
        ),
        (
            &["--revoke-grant", "g"],
            "--revoke-grant needs --provisioning",
        ),
        (
            &["--create-account-email", "a@toy.example", "--dry-run"],
            "needs --provisioning",
        ),
        (
            &["-p", "--grant-entitlement", "staff:member"],
            "--grant-entitlement and --grant-principal go together",
        ),
        (
            &["-p", "--revoke-grant", "g", "--create-account-email", "a@b"],
            "one change at a time",
        ),
        (&["-p", "--dry-run"], "--dry-run shows a change"),
        (
            &["validate", "-p", "--revoke-grant", "g"],
            "leave out the subcommand",
        ),
        (
            &[
                "-p",
                "--create-account-email",
                "a@b",
                "--create-account-profile",
                "x",
            ],
            "must be a JSON object",
        ),
    ];
    for (args, says) in cases {
        let text = run(dir.path(), args, 2);
        assert!(text.contains(says), "{args:?}: {text}");
        assert!(text.starts_with("error: "), "{args:?}: {text}");
    }
    // Nothing ran: no sync either.
    assert!(!dir.path().join("sync.c1z").exists());
}

#[test]
fn a_grant_before_any_sync_says_to_sync_first() {
    let dir = tempfile::tempdir().unwrap();
    let text = run(dir.path(), GRANT_U1, 1);
    assert!(
        text.contains("sync.c1z does not exist: run a sync first"),
        "{text}"
    );
}

#[test]
fn grants_and_revokes_name_what_the_last_sync_holds() {
    let dir = synced();
    let text = run(dir.path(), GRANT_U1, 0);
    assert!(
        text.starts_with("granted: granting group:staff:member (member) to user1@toy.example (user:u1)\nUser 1 in staff now\n"),
        "{text}"
    );
    // The change's one log line: who, what, outcome.
    let line: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|l: &Value| l["action"] == "grant")
        .unwrap_or_else(|| panic!("no log line: {text}"));
    assert_eq!(line["level"], "INFO");
    assert_eq!(
        (&line["who"], &line["what"], &line["outcome"]),
        (
            &Value::from("user:u1"),
            &Value::from("group:staff:member"),
            &Value::from("granted")
        )
    );

    // Held already: success, with baton's annotation.
    let held = json(toy(dir.path()).args([
        "-p",
        "--grant-entitlement",
        "group:staff:member",
        "--grant-principal",
        "u0",
        "--grant-principal-type",
        "user",
        "-o",
        "json",
    ]));
    assert_eq!(held["outcome"], "already-exists");
    assert_eq!(held["principal"], "user0@toy.example (user:u0)");
    assert_eq!(
        held["annotations"][0]["@type"],
        "type.googleapis.com/c1.connector.v2.GrantAlreadyExists"
    );

    let revoked = json(toy(dir.path()).args([
        "-p",
        "--revoke-grant",
        "group:staff:member:user:u2",
        "-o",
        "json",
    ]));
    assert_eq!(
        (&revoked["outcome"], &revoked["grant"]),
        (
            &Value::from("revoked"),
            &Value::from("group:staff:member:user:u2")
        )
    );
}

#[test]
fn a_name_the_last_sync_lacks_is_an_error_with_the_closest_names() {
    let dir = synced();
    let text = run(
        dir.path(),
        &[
            "-p",
            "--grant-entitlement",
            "group:staf:member",
            "--grant-principal",
            "u1",
        ],
        1,
    );
    assert!(
        text.contains("no entitlement \"group:staf:member\"") && text.contains("did you mean"),
        "{text}"
    );
    let text = run(
        dir.path(),
        &["-p", "--revoke-grant", "group:staff:member:user:u22"],
        1,
    );
    assert!(
        text.contains("did you mean \"group:staff:member:user:u2\""),
        "{text}"
    );
    let text = run(
        dir.path(),
        &[
            "-p",
            "--grant-entitlement",
            "staff:member",
            "--grant-principal",
            "nobody@toy.example",
        ],
        1,
    );
    assert!(text.contains("no principal"), "{text}");
}

#[test]
fn a_dry_run_prints_the_request_and_changes_nothing() {
    let dir = synced();
    let mut args = GRANT_U1.to_vec();
    args.push("--dry-run");
    let out = toy(dir.path()).args(&args).assert().success();
    let text = stdout(out.get_output());
    assert_eq!(
        text,
        "Dry run, nothing was sent: granting group:staff:member (member) to user1@toy.example (user:u1) would send\n\
         \n  PUT https://toy.example/groups/staff/members/u1\n  {\"member\":true}\n\
         \nThe real run sends nothing to a member.\n"
    );
    args.extend(["-o", "json"]);
    let plan = json(toy(dir.path()).args(&args));
    assert_eq!(plan["outcome"], "dry-run");
    assert_eq!(plan["plan"]["requests"][0]["method"], "PUT");
    let logged = outputs(toy(dir.path()).args(&args).assert().get_output());
    assert!(logged.contains("\"outcome\":\"dry-run\""), "{logged}");
}

#[test]
fn refusals_keep_batons_exit_codes() {
    let dir = synced();
    let mut denied = GRANT_U1.to_vec();
    denied.push("--toy-deny");
    let text = run(dir.path(), &denied, 7);
    assert!(
        text.contains("error: grant failed: the toy token lacks write_groups"),
        "{text}"
    );
    assert!(text.contains("\"outcome\":\"failed\""), "{text}");
    let out = bare(dir.path())
        .env("BATON_TOY_TOKEN", "wrong-secret-42")
        .args(GRANT_U1)
        .assert()
        .code(16);
    assert!(outputs(out.get_output()).contains("the toy token was refused"));
}

#[test]
fn accounts_need_no_sync() {
    let dir = tempfile::tempdir().unwrap();
    let invited = json(toy(dir.path()).args([
        "-p",
        "--create-account-email",
        "new@toy.example",
        "--create-account-profile",
        r#"{"role": "member"}"#,
        "-o",
        "json",
    ]));
    assert_eq!(
        (&invited["outcome"], &invited["account"]),
        (&Value::from("invited"), &Value::from("new@toy.example"))
    );
    let text = run(
        dir.path(),
        &["-p", "--create-account-login", "user1@toy.example"],
        0,
    );
    assert!(
        text.starts_with("already-exists: creating the account user1@toy.example"),
        "{text}"
    );
    let text = run(
        dir.path(),
        &[
            "-p",
            "--create-account-email",
            "x@toy.example",
            "--create-account-resource-type",
            "group",
        ],
        1,
    );
    assert!(
        text.contains("this connector cannot create accounts of type group"),
        "{text}"
    );
    assert!(!dir.path().join("sync.c1z").exists());
}

#[test]
fn validate_with_provisioning_checks_the_write_access() {
    let dir = tempfile::tempdir().unwrap();
    let plain = run(dir.path(), &["validate"], 0);
    assert!(!plain.contains("write_groups"), "{plain}");
    let text = run(dir.path(), &["validate", "-p"], 0);
    assert!(text.contains("write_groups  ok"), "{text}");
    let env = toy(dir.path())
        .env("BATON_PROVISIONING", "true")
        .args(["validate", "-o", "json"])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&env.get_output().stdout).unwrap();
    assert_eq!(report["checks"][2]["name"], "write_groups");
    // A missing write access fails validate -p (exit 7), naming it.
    let text = run(dir.path(), &["validate", "-p", "--toy-deny"], 7);
    assert!(text.contains("write_groups  missing"), "{text}");
}
