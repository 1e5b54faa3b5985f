//! Who can administer which database, and the non-human identities and invitations a sync
//! holds when asked: through the binary, as a reviewer asks.

use std::collections::BTreeSet;

use planetscale_fake::{DataSpec, Dataset, FakeConfig, TokenConfig};
use serde_json::Value;

use crate::support::{Fake, json, outputs};

/// `type:id` of each principal in an `inspect members -o json` answer, with its `via`.
fn holders(members: &Value) -> BTreeSet<(String, Vec<String>)> {
    members["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let id = &p["principal"]["id"];
            let via = p["via"].as_array().unwrap();
            (
                format!(
                    "{}:{}",
                    id["resourceType"].as_str().unwrap(),
                    id["resource"].as_str().unwrap()
                ),
                via.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn who_can_administer_a_database_and_through_what() {
    let fake = Fake::small();
    let data = fake.server.dataset();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();

    // A database some team of acme administers.
    let acme = &data.organizations[0];
    let team = acme
        .teams
        .iter()
        .find(|t| !t.members.is_empty() && !t.team["databases"].as_array().unwrap().is_empty())
        .expect("a team of acme administers a database");
    let database = &team.team["databases"][0];
    let db_id = database["id"].as_str().unwrap();
    let members = json(fake.cmd(dir.path()).args([
        "inspect",
        "members",
        &format!("database:{db_id}:admin"),
        "-o",
        "json",
    ]));
    let found = holders(&members);

    // Directly: each team naming it, and the organization; through them: their members and
    // the organization's admins.
    let mut direct: BTreeSet<String> = BTreeSet::new();
    let mut via: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    direct.insert(format!("organization:{}", acme.id()));
    for t in acme.teams.iter().filter(|t| {
        t.team["databases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == db_id)
    }) {
        direct.insert(format!("team:{}", t.team["id"].as_str().unwrap()));
        let name = t.team["display_name"].as_str().unwrap();
        for user in t.user_ids() {
            via.entry(format!("user:{user}"))
                .or_default()
                .insert(format!("team {name}"));
        }
    }
    for m in acme.members.iter().filter(|m| m["role"] == "admin") {
        via.entry(format!("user:{}", m["user"]["id"].as_str().unwrap()))
            .or_default()
            .insert(format!("admin of organization {}", acme.name()));
    }
    let expected: BTreeSet<(String, Vec<String>)> = direct
        .into_iter()
        .map(|p| (p, Vec::new()))
        .chain(via.into_iter().map(|(p, v)| (p, v.into_iter().collect())))
        .collect();
    assert_eq!(found, expected);

    // One member's access says which team gives it.
    let member = team.user_ids().next().unwrap();
    let out = fake
        .cmd(dir.path())
        .args(["inspect", "access", &format!("user:{member}")])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let name = team.team["display_name"].as_str().unwrap();
    assert!(
        table.contains(&format!("admin (via team {name}"))
            || table.contains(&format!("admin (direct, via team {name}")),
        "{table}"
    );
}

#[test]
fn each_part_is_turned_on_by_flag_environment_or_config_file() {
    let fake = Fake::small();
    let types = |dir: &std::path::Path| -> BTreeSet<String> {
        let stats = json(fake.cmd(dir).args(["inspect", "stats", "-o", "json"]));
        stats["resourceTypes"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let plain = tempfile::tempdir().unwrap();
    fake.cmd(plain.path()).assert().success();
    assert_eq!(
        types(plain.path()),
        ["database", "organization", "team", "user"]
            .map(str::to_owned)
            .into()
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.yaml"),
        "planetscale-sync-oauth-applications: true\n",
    )
    .unwrap();
    fake.cmd(dir.path())
        .args(["--planetscale-sync-service-tokens", "--config", "c.yaml"])
        .env("BATON_PLANETSCALE_SYNC_INVITATIONS", "true")
        .assert()
        .success();
    let synced = types(dir.path());
    for t in [
        "service_token",
        "oauth_application",
        "oauth_token",
        "invitation",
    ] {
        assert!(synced.contains(t), "{t} in {synced:?}");
    }
}

#[test]
fn validate_names_what_each_part_needs_and_what_the_api_cannot_show() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let out = fake
        .cmd(dir.path())
        .args(["validate", "--planetscale-sync-service-tokens"])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for needle in [
        "read_service_tokens",
        "Database Administrator granted to one person",
        "not visible through PlanetScale's API",
        "planetscale-list-databases",
        "planetscale-sync-invitations",
    ] {
        assert!(table.contains(needle), "{needle}: {table}");
    }

    // A token without read_service_tokens: validation and the sync name it; no file.
    let narrow = Fake::with({
        let mut config = FakeConfig::new(DataSpec::small().generate());
        let mut t = TokenConfig::full_access(
            planetscale_fake::DEFAULT_TOKEN_ID,
            planetscale_fake::DEFAULT_TOKEN,
        );
        t.accesses.retain(|a| a != "read_service_tokens");
        config.tokens = vec![t];
        config
    });
    for args in [vec!["validate"], vec![]] {
        let out = narrow
            .cmd(dir.path())
            .args(&args)
            .arg("--planetscale-sync-service-tokens")
            .assert()
            .code(7);
        let text = outputs(out.get_output());
        assert!(
            text.contains("lack read_service_tokens on organization acme"),
            "{text}"
        );
        assert!(text.contains("planetscale-sync-service-tokens"), "{text}");
    }
    assert!(!dir.path().join("sync.c1z").exists());
}

#[test]
fn service_tokens_that_never_expire_or_sit_unused_are_listed() {
    let fake = Fake::small();
    let data = fake.server.dataset();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path())
        .arg("--planetscale-sync-service-tokens")
        .assert()
        .success();
    let ids = |args: &[&str]| -> BTreeSet<String> {
        let mut all = vec!["inspect", "resources", "-t", "service_token"];
        all.extend(args);
        all.extend(["-o", "json"]);
        json(fake.cmd(dir.path()).args(all))["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["resource"]["id"]["resource"].as_str().unwrap().to_owned())
            .collect()
    };
    let tokens = || data.organizations.iter().flat_map(|o| &o.service_tokens);
    let never: BTreeSet<String> = tokens()
        .filter(|t| t["expires_at"].is_null())
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!never.is_empty());
    assert_eq!(ids(&["--no-expiry"]), never);
    let cutoff = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 100);
    let unused: BTreeSet<String> = tokens()
        .filter(|t| {
            t["last_used_at"]
                .as_str()
                .is_none_or(|at| at.parse::<jiff::Timestamp>().unwrap() < cutoff)
        })
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&["--unused-days", "100"]), unused);
}

/// The small dataset with acme's invitations replaced by `invitations`, and `members` added.
fn acme_with(invitations: Vec<Value>, members: Vec<Value>) -> Dataset {
    let mut data = DataSpec::small().generate();
    let acme = &mut data.organizations[0];
    acme.invitations = invitations;
    acme.members.extend(members);
    data
}

#[test]
fn diff_shows_an_invitation_appear_then_become_a_member() {
    let base = DataSpec::small().generate();
    let acme = &base.organizations[0];
    let admin = acme.members.iter().find(|m| m["role"] == "admin").unwrap();
    let invitation = serde_json::json!({
        "id": "invjoiner001", "email": "joiner@acme.example", "role": "admin",
        "sender": admin["user"], "recipient": null, "expired": false,
        "expires_at": "2999-01-01T00:00:00.000Z", "created_at": "2026-08-01T00:00:00.000Z",
    });
    let mut joiner = admin.clone();
    joiner["id"] = "mbrjoiner001".into();
    joiner["user"]["id"] = "usrjoiner001".into();
    joiner["user"]["email"] = "joiner@acme.example".into();
    joiner["user"]["display_name"] = "Joiner".into();
    let dir = tempfile::tempdir().unwrap();
    for data in [
        acme_with(Vec::new(), Vec::new()),
        acme_with(vec![invitation], Vec::new()),
        acme_with(Vec::new(), vec![joiner]),
    ] {
        Fake::dataset(data)
            .cmd(dir.path())
            .arg("--planetscale-sync-invitations")
            .assert()
            .success();
    }
    let fake = Fake::small();
    let syncs = json(
        fake.cmd(dir.path())
            .args(["inspect", "syncs", "-o", "json"]),
    );
    let ids: Vec<&str> = syncs["syncs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();

    // The invitation appears, holding the roles it will grant.
    let appeared = json(fake.cmd(dir.path()).args([
        "diff",
        "--base-sync-id",
        ids[0],
        "--applied-sync-id",
        ids[1],
        "-o",
        "json",
    ]));
    let added: Vec<&Value> = appeared["resourcesAdded"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(added.len(), 1, "{appeared:#}");
    assert_eq!(added[0]["resource"], "invjoiner001");
    let invited = appeared["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"]["resource"] == "invjoiner001")
        .unwrap();
    let on_org: BTreeSet<&str> = invited["gained"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource"]["resourceType"] == "organization")
        .map(|c| c["entitlement"].as_str().unwrap())
        .collect();
    assert_eq!(on_org, ["admin", "member"].into());

    // Then it is accepted: the invitation goes, the member comes, with its access.
    let accepted = json(fake.cmd(dir.path()).args(["diff", "-o", "json"]));
    assert_eq!(
        accepted["replaced"].as_array().unwrap().len(),
        1,
        "{accepted:#}"
    );
    let replaced = &accepted["replaced"][0];
    assert_eq!(
        (
            replaced["email"].as_str(),
            replaced["old"]["resource"].as_str(),
            replaced["new"]["resource"].as_str()
        ),
        (
            Some("joiner@acme.example"),
            Some("invjoiner001"),
            Some("usrjoiner001")
        )
    );
    let out = fake.cmd(dir.path()).arg("diff").assert().success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        table.contains(
            "acme/joiner@acme.example (invitation:invjoiner001) is now user:usrjoiner001 (Joiner)"
        ),
        "{table}"
    );
}

/// The cell under `title` in `line` of a table whose header is `header`: columns start where
/// their titles do, counted in characters (a cut cell ends in `…`, one column wide).
fn cell(header: &str, line: &str, title: &str) -> String {
    let start = header
        .find(title)
        .unwrap_or_else(|| panic!("no {title}: {header}"));
    let end = header[start + title.len()..]
        .find(|c: char| c != ' ')
        .map_or(usize::MAX, |at| start + title.len() + at);
    let cell: String = line.chars().take(end).skip(start).collect();
    cell.trim().to_owned()
}

/// Invitation and token tables show, as printed (not only in JSON), what the README promises:
/// role, inviter, expiry and state; creator, expiry, last use and accesses. An invitation past
/// its expiry is flagged `EXPIRED` even when the API still says `expired: false`.
#[test]
fn invitation_and_token_tables_show_their_fields_and_flag_expired_invitations() {
    let mut data = DataSpec::small().generate();
    let acme = &mut data.organizations[0];
    let sender = acme.members.iter().find(|m| m["role"] == "admin").unwrap()["user"].clone();
    acme.invitations.push(serde_json::json!({
        "id": "invstale0001", "email": "stale@acme.example", "role": "admin",
        "sender": sender, "recipient": null, "expired": false,
        "expires_at": "2020-01-08T00:00:00.000Z", "created_at": "2020-01-01T00:00:00.000Z",
    }));
    let invitations = acme.invitations.clone();
    let tokens = acme.service_tokens.clone();
    let fake = Fake::dataset(data);
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path())
        .args([
            "--planetscale-sync-invitations",
            "--planetscale-sync-service-tokens",
        ])
        .assert()
        .success();
    let table = |kind: &str| {
        let out = fake
            .cmd(dir.path())
            .args(["inspect", "resources", "-t", kind])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };

    let text = table("invitation");
    let header = text.lines().next().unwrap();
    // With `-t invitation` no token column is shown, so the expiry is plain EXPIRES.
    for title in ["ROLE", "INVITER", "EXPIRES", "STATE"] {
        assert!(header.contains(title), "{title}: {text}");
    }
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no row {id}: {text}"))
    };
    let mut states = BTreeSet::new();
    for invitation in &invitations {
        let line = row(invitation["id"].as_str().unwrap());
        assert_eq!(cell(header, line, "ROLE"), invitation["role"], "{line}");
        let inviter = invitation["sender"]["display_name"].as_str().unwrap();
        assert_eq!(cell(header, line, "INVITER"), inviter, "{line}");
        let expires = &invitation["expires_at"].as_str().unwrap()[..10];
        assert_eq!(cell(header, line, "EXPIRES"), expires, "{line}");
        let past = invitation["expires_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            < jiff::Timestamp::now();
        let state = cell(header, line, "STATE");
        let expected = match invitation["expired"] == true || past {
            true => "EXPIRED",
            false => "pending",
        };
        assert_eq!(state, expected, "{line}");
        states.insert(state.to_owned());
    }
    assert_eq!(cell(header, row("invstale0001"), "STATE"), "EXPIRED");
    // The fake dates its invitations against today: some are pending, some expired.
    assert_eq!(states.len(), 2, "{text}");

    let text = table("service_token");
    let header = text.lines().next().unwrap();
    for title in ["CREATOR", "EXPIRES", "LAST USED", "ACCESSES"] {
        assert!(header.contains(title), "{title}: {text}");
    }
    for token in &tokens {
        let line = text
            .lines()
            .find(|l| l.starts_with(token["id"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("no row for {token}: {text}"));
        let date = |field: &str| match token[field].as_str() {
            Some(at) => at[..10].to_owned(),
            None => "never".to_owned(),
        };
        assert_eq!(cell(header, line, "EXPIRES"), date("expires_at"), "{line}");
        assert_eq!(
            cell(header, line, "LAST USED"),
            date("last_used_at"),
            "{line}"
        );
        assert!(!cell(header, line, "CREATOR").is_empty(), "{line}");
        assert!(!cell(header, line, "ACCESSES").is_empty(), "{line}");
    }
}
