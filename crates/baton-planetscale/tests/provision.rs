//! Provisioning as a person runs it: sync, grant, sync again and see it; revoke and see it gone;
//! a dry run that sends nothing; the refusals and exit codes; validate -p.

use std::path::Path;

use planetscale_fake::{DEFAULT_TOKEN, DEFAULT_TOKEN_ID, TokenConfig};
use serde_json::Value;

use crate::support::{Fake, json, outputs};

/// A team of acme's that its identity provider does (or does not) manage, and an acme member
/// outside it: (team id, team slug, user id, user email).
fn outsider(fake: &Fake, managed: bool) -> (String, String, String, String) {
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").unwrap();
    acme.teams
        .iter()
        .filter(|t| t.team["managed"] == managed)
        .find_map(|t| {
            let inside: Vec<&str> = t.user_ids().collect();
            let member = acme
                .members
                .iter()
                .find(|m| !inside.contains(&m["user"]["id"].as_str().unwrap()))?;
            Some((
                t.team["id"].as_str().unwrap().to_owned(),
                t.slug().to_owned(),
                member["user"]["id"].as_str().unwrap().to_owned(),
                member["user"]["email"].as_str().unwrap().to_owned(),
            ))
        })
        .unwrap()
}

/// The grant ids `inspect grants` lists for `entitlement`.
fn holders(fake: &Fake, dir: &Path, entitlement: &str) -> Vec<String> {
    let grants = json(
        fake.cmd(dir)
            .args(["inspect", "grants", "-e", entitlement, "-o", "json"]),
    );
    grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["grant"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn writes(fake: &Fake) -> Vec<String> {
    let requests = fake.server.requests();
    let writes = requests.iter().filter(|r| r.method != "GET");
    writes.map(|r| format!("{} {}", r.method, r.path)).collect()
}

#[test]
fn a_grant_and_a_revoke_show_in_the_next_sync() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let (team, slug, user, email) = outsider(&fake, false);
    let entitlement = format!("team:{team}:member");
    let grant = format!("{entitlement}:user:{user}");

    let out = fake
        .cmd(dir.path())
        .args([
            "-p",
            "--grant-entitlement",
            &entitlement,
            "--grant-principal",
            &email,
        ])
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(text.starts_with("granted: granting "), "{text}");
    assert!(
        text.contains(&format!("was added to team {slug} in acme")),
        "{text}"
    );
    assert!(!text.contains(DEFAULT_TOKEN), "{text}");

    // Again: held already, nothing sent, exit 0.
    let again = json(fake.cmd(dir.path()).args([
        "-p",
        "--grant-entitlement",
        &entitlement,
        "--grant-principal",
        &email,
        "-o",
        "json",
    ]));
    assert_eq!(again["outcome"], "already-exists");

    fake.cmd(dir.path()).assert().success();
    assert!(holders(&fake, dir.path(), &entitlement).contains(&grant));

    let revoked = json(
        fake.cmd(dir.path())
            .args(["-p", "--revoke-grant", &grant, "-o", "json"]),
    );
    assert_eq!(revoked["outcome"], "revoked");
    // The grant is still in the file until the next sync: revoking again reads PlanetScale.
    let gone = json(
        fake.cmd(dir.path())
            .args(["-p", "--revoke-grant", &grant, "-o", "json"]),
    );
    assert_eq!(gone["outcome"], "already-revoked");
    assert_eq!(
        gone["annotations"][0]["@type"],
        "type.googleapis.com/c1.connector.v2.GrantAlreadyRevoked"
    );
    fake.cmd(dir.path()).assert().success();
    assert!(!holders(&fake, dir.path(), &entitlement).contains(&grant));
    assert_eq!(
        writes(&fake),
        [
            format!("POST /v1/organizations/acme/teams/{slug}/members"),
            format!("DELETE /v1/organizations/acme/teams/{slug}/members/{user}"),
        ]
    );
}

#[test]
fn a_dry_run_prints_the_exact_request_and_sends_none() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let (team, slug, user, email) = outsider(&fake, false);
    fake.server.clear_requests();
    let out = fake
        .cmd(dir.path())
        .args([
            "-p",
            "--dry-run",
            "--grant-entitlement",
            &format!("team:{team}:member"),
            "--grant-principal",
            &email,
        ])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let url = format!(
        "{}/v1/organizations/acme/teams/{slug}/members",
        fake.server.url()
    );
    assert!(
        stdout.starts_with("Dry run, nothing was sent: "),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\n  POST {url}\n  {{\"user_id\":\"{user}\"}}\n")),
        "{stdout}"
    );
    assert!(!outputs(out.get_output()).contains(DEFAULT_TOKEN));
    assert_eq!(
        fake.server.request_count(),
        0,
        "{:?}",
        fake.server.requests()
    );

    // An invitation too, without a sync file.
    let empty = tempfile::tempdir().unwrap();
    let plan = json(fake.cmd(empty.path()).args([
        "-p",
        "--dry-run",
        "--create-account-email",
        "new.hire@acme.example",
        "--create-account-profile",
        r#"{"organization": "acme"}"#,
        "-o",
        "json",
    ]));
    assert_eq!(
        plan["plan"]["requests"][0]["body"],
        serde_json::json!({"email": "new.hire@acme.example", "role": "member"})
    );
    assert_eq!(fake.server.request_count(), 0);
}

#[test]
fn refusals_are_named_with_batons_exit_codes() {
    let read_only = TokenConfig {
        accesses: vec!["read_organization".into()],
        ..TokenConfig::full_access(DEFAULT_TOKEN_ID, DEFAULT_TOKEN)
    };
    let fake = Fake::with_tokens(vec![read_only]);
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let (team, _, _, email) = outsider(&fake, false);
    let args = [
        "-p",
        "--grant-entitlement",
        &format!("team:{team}:member"),
        "--grant-principal",
        &email,
    ];
    let out = fake.cmd(dir.path()).args(args).assert().code(7);
    let text = outputs(out.get_output());
    assert!(
        text.contains("the service token lacks the write_teams access on acme; add it in acme's Organization settings → Service tokens"),
        "{text}"
    );
    // Without --provisioning nothing is sent at all.
    fake.server.clear_requests();
    fake.cmd(dir.path()).args(&args[1..]).assert().code(2);
    assert_eq!(fake.server.request_count(), 0);

    let fake = Fake::small();
    fake.cmd(dir.path()).assert().success();
    let (team, slug, _, email) = outsider(&fake, true);
    let out = fake
        .cmd(dir.path())
        .args([
            "-p",
            "--grant-entitlement",
            &format!("team:{team}:member"),
            "--grant-principal",
            &email,
        ])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("error: grant failed: adding ")
            && text.contains(&format!("team {slug} is managed by your identity provider")),
        "{text}"
    );
    assert!(writes(&fake).is_empty());
}

#[test]
fn validate_with_provisioning_reports_the_write_accesses() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let report = json(fake.cmd(dir.path()).args(["validate", "-p", "-o", "json"]));
    let checks = report["checks"].as_array().unwrap();
    let writes: Vec<(&str, &str)> = checks
        .iter()
        .filter(|c| c["scope"].as_str().unwrap().starts_with("organization "))
        .filter(|c| c["name"].as_str().unwrap().starts_with("write_"))
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(writes.len(), 9, "{report}");
    assert!(writes.iter().all(|(_, status)| *status == "ok"), "{report}");

    let blind = TokenConfig {
        accesses: vec!["read_organization".into(), "write_teams".into()],
        ..TokenConfig::full_access(DEFAULT_TOKEN_ID, DEFAULT_TOKEN)
    };
    let fake = Fake::with_tokens(vec![blind]);
    let out = fake
        .cmd(dir.path())
        .args(["validate", "-p"])
        .assert()
        .success();
    let text = outputs(out.get_output());
    let row = |access: &str| {
        text.lines()
            .find(|l| l.starts_with("organization acme") && l.contains(access))
            .map(|l| l.split_whitespace().nth(3))
    };
    assert_eq!(row("write_teams"), Some(Some("unknown")), "{text}");
    assert!(
        text.contains("cannot be checked without making a change"),
        "{text}"
    );
    // Without -p, validate reports no write access of any organization.
    let plain: Value = json(fake.cmd(dir.path()).args(["validate", "-o", "json"]));
    let write_rows = plain["checks"].as_array().unwrap().iter().filter(|c| {
        c["scope"].as_str().unwrap().starts_with("organization ")
            && c["name"].as_str().unwrap().starts_with("write_")
    });
    assert_eq!(write_rows.count(), 0, "{plain}");
}

#[test]
fn access_through_a_team_or_a_role_is_revoked_where_it_comes_from() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let grants = json(
        fake.cmd(dir.path())
            .args(["inspect", "grants", "-t", "database", "-o", "json"]),
    );
    let derived = grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["grant"])
        .find(|g| g["principal"]["id"]["resourceType"] == "user")
        .expect("a person's database access, derived by grant expansion");
    let id = derived["id"].as_str().unwrap();
    let out = fake
        .cmd(dir.path())
        .args(["-p", "--revoke-grant", id])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("through grant expansion and cannot be revoked on its own"),
        "{text}"
    );
    assert!(
        text.contains(":member") || text.contains(":admin") || text.contains(":analyst"),
        "the message names what the access comes through: {text}"
    );
    assert!(writes(&fake).is_empty());
}

/// Display names are chosen by their holders: a member who names themselves after an email
/// nobody holds (with a Kelvin sign for the `k`), or a globex-only user named after an acme
/// address, gets nothing. A change names its principal by id or exact email (ASCII case only),
/// says the person's email and id before and after, and a miss lists the closest emails. (Before:
/// the first was made globex's admin, and the second was invited to acme at their real address.)
#[test]
fn a_change_goes_to_an_email_or_id_never_to_a_display_name() {
    let mut dataset = planetscale_fake::DataSpec::small().generate();
    let acme_ids: Vec<String> = dataset
        .org("acme")
        .unwrap()
        .user_ids()
        .map(str::to_owned)
        .collect();
    let globex = dataset
        .organizations
        .iter_mut()
        .find(|o| o.name() == "globex")
        .unwrap();
    let members = || globex.members.iter();
    let (impostor, outsider, real) = {
        let plain: Vec<&Value> = members().filter(|m| m["role"] == "member").collect();
        let outsider = members()
            .map(|m| m["user"]["id"].as_str().unwrap())
            .find(|u| !acme_ids.iter().any(|a| a == u))
            .unwrap()
            .to_owned();
        let ids: Vec<String> = plain
            .iter()
            .map(|m| m["user"]["id"].as_str().unwrap().to_owned())
            .filter(|u| *u != outsider)
            .collect();
        (
            ids[0].clone(),
            outsider,
            plain
                .iter()
                .find(|m| m["user"]["id"] == ids[1].as_str())
                .unwrap()["user"]
                .clone(),
        )
    };
    for (user, name) in [
        (&impostor, "\u{212A}im.cfo@globex.example"),
        (&outsider, "newhire@acme.example"),
    ] {
        let member = globex
            .members
            .iter_mut()
            .find(|m| m["user"]["id"] == user.as_str());
        member.unwrap()["user"]["display_name"] = Value::from(name);
    }
    let (real_id, real_email) = (
        real["id"].as_str().unwrap(),
        real["email"].as_str().unwrap(),
    );

    let fake = Fake::dataset(dataset);
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let grant = |entitlement: &str, principal: &str| {
        let mut cmd = fake.cmd(dir.path());
        let args = [
            "-p",
            "--grant-entitlement",
            entitlement,
            "--grant-principal",
            principal,
        ];
        cmd.args(args);
        cmd
    };
    for (entitlement, principal) in [
        ("globex:admin", "kim.cfo@globex.example"),
        ("acme:member", "newhire@acme.example"),
    ] {
        let out = grant(entitlement, principal).assert().failure();
        let text = outputs(out.get_output());
        assert!(
            text.contains(&format!("no principal with this email or id {principal:?}")),
            "{text}"
        );
        assert!(text.contains("did you mean \""), "{text}");
        assert!(text.contains("never by display name"), "{text}");
    }
    assert_eq!(writes(&fake), Vec::<String>::new());

    // The exact email, in another ASCII case: the person's email and id, before and after.
    let out = grant("globex:admin", &real_email.to_uppercase())
        .assert()
        .success();
    let who = format!("{real_email} (user:{real_id})");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stderr.contains(&format!("to {who} …")), "{stderr}");
    assert!(stdout.contains(&format!("to {who}")), "{stdout}");
    assert_eq!(
        writes(&fake),
        [format!("PATCH /v1/organizations/globex/members/{real_id}")]
    );
}
