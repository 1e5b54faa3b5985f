//! The review loop closed, as a process against the fake: people classed against a staff list
//! (leavers, an inactive person, an external email), a reviewed CSV applied (keep, revoke, a
//! derived grant going with its sources or refused for a source the row does not revoke, a stale
//! sync id, a second run), drift that fails a scheduled run, its webhook post, and the Kubernetes
//! CronJob's command line run as written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use planetscale_fake::{DataSpec, Dataset, OrgData};
use serde_json::Value;

use crate::support::{Fake, bin, json, jsonl, outputs, token};

/// The organization acme of `data`.
fn acme(data: &mut Dataset) -> &mut OrgData {
    data.organizations
        .iter_mut()
        .find(|o| o.name() == "acme")
        .unwrap()
}

/// The small dataset with one acme member's email moved outside acme's domain.
fn with_external() -> (Dataset, String) {
    let mut data = DataSpec::small().generate();
    let member = acme(&mut data)
        .members
        .iter_mut()
        .find(|m| m["role"] == "member")
        .unwrap();
    let email = "freelancer@gmail.example".to_owned();
    member["user"]["email"] = email.clone().into();
    (data, email)
}

#[test]
fn people_are_classed_against_the_staff_list() {
    let (data, external) = with_external();
    let fake = Fake::dataset(data);
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let review = jsonl(
        fake.cmd(dir.path())
            .args(["inspect", "review", "-r", "acme", "-o", "jsonl"]),
    );
    let mut emails: Vec<String> = review
        .iter()
        .map(|r| r["email"].as_str().unwrap().to_owned())
        .filter(|e| e.ends_with("@acme.example"))
        .collect();
    emails.sort();
    emails.dedup();
    let (leaver, inactive) = (emails[0].clone(), emails[1].clone());
    // The list: headers in any case, emails in capitals, a leaver left out, one terminated.
    let mut staff = String::from("Name,EMAIL,Department,Manager,Status\n");
    for email in &emails[2..] {
        staff.push_str(&format!(
            "Someone,{},Eng,Boss,Active\n",
            email.to_uppercase()
        ));
    }
    staff.push_str(&format!("Gone Soon,{inactive},Ops,Boss,terminated\n"));
    std::fs::write(dir.path().join("staff.csv"), staff).unwrap();

    let classed = |class: &str| -> Vec<String> {
        let mut found: Vec<String> = jsonl(fake.cmd(dir.path()).args([
            "inspect",
            "review",
            "-r",
            "acme",
            "--staff",
            "staff.csv",
            "--staff-status",
            class,
            "-o",
            "jsonl",
        ]))
        .iter()
        .map(|r| {
            assert_eq!(r["staff"], class, "{r}");
            r["email"].as_str().unwrap().to_owned()
        })
        .collect();
        found.sort();
        found
    };
    assert_eq!(classed("not-listed"), std::slice::from_ref(&leaver));
    assert_eq!(classed("inactive"), std::slice::from_ref(&inactive));
    assert_eq!(classed("external"), std::slice::from_ref(&external));
    assert_eq!(classed("listed").len(), emails.len() - 2);

    // JSON carries the staff list's entry; the table a STAFF column; the CSV a staff column.
    let doc = json(fake.cmd(dir.path()).args([
        "inspect",
        "review",
        "--staff",
        "staff.csv",
        "-p",
        &inactive,
        "-o",
        "json",
    ]));
    let staff = &doc["review"][0]["staff"];
    assert_eq!(staff["class"], "inactive", "{doc:#}");
    assert_eq!(
        (&staff["department"], &staff["status"]),
        (&"Ops".into(), &"terminated".into())
    );
    let out = fake
        .cmd(dir.path())
        .env("COLUMNS", "400")
        .args(["inspect", "review", "--staff", "staff.csv"])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(table.lines().next().unwrap().ends_with("STAFF"), "{table}");
    let out = fake
        .cmd(dir.path())
        .args(["inspect", "review", "--staff", "staff.csv", "-o", "csv"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        csv.starts_with("resource,resource_id,principal_id,name,email,roles,mfa,sso,status,groups,access,resources,staff,type,sync_id,as_of,decision,comment\n"),
        "{csv}"
    );
    // People in globex are outside acme's domains unless the domains are named.
    let named = jsonl(fake.cmd(dir.path()).args([
        "inspect",
        "review",
        "--staff",
        "staff.csv",
        "--internal-domain",
        "acme.example",
        "--internal-domain",
        "globex.example",
        "-r",
        "globex",
        "-o",
        "jsonl",
    ]));
    let globex: Vec<&Value> = named
        .iter()
        .filter(|r| r["email"].as_str().unwrap().ends_with("@globex.example"))
        .collect();
    assert!(!globex.is_empty());
    assert!(
        globex.iter().all(|r| r["staff"] == "not-listed"),
        "{named:?}"
    );
    let unnamed = jsonl(fake.cmd(dir.path()).args([
        "inspect",
        "review",
        "--staff",
        "staff.csv",
        "-r",
        "globex",
        "-o",
        "jsonl",
    ]));
    assert!(
        unnamed
            .iter()
            .filter(|r| r["email"].as_str().unwrap().ends_with("@globex.example"))
            .all(|r| r["staff"] == "external"),
        "{unnamed:?}"
    );

    // The report lists them as findings.
    fake.cmd(dir.path())
        .args(["report", "--staff", "staff.csv", "--out", "r.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    for (title, email) in [
        ("People not on the staff list", &leaver),
        ("People inactive on the staff list", &inactive),
        ("People outside the organization", &external),
    ] {
        assert!(
            html.contains(title) && html.contains(email.as_str()),
            "{title}"
        );
    }

    // A malformed list is named with its line; a filter without a list is a usage error.
    std::fs::write(
        dir.path().join("bad.csv"),
        "email,name\na@acme.example,A\nnot-an-email,B\n",
    )
    .unwrap();
    let out = fake
        .cmd(dir.path())
        .args(["inspect", "review", "--staff", "bad.csv"])
        .assert()
        .code(2);
    let text = outputs(out.get_output());
    assert!(text.contains("bad.csv is malformed at line 3"), "{text}");
    fake.cmd(dir.path())
        .args(["inspect", "review", "--staff-status", "not-listed"])
        .assert()
        .code(2);
}

/// `rows` of a review CSV with `decide` filling in decisions, written to `path`.
fn decide(csv: &str, path: &Path, decide: impl Fn(&csv_row::Row) -> Option<&'static str>) {
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let mut out = format!("{header}\n");
    for line in lines {
        let row = csv_row::Row::parse(header, line);
        match decide(&row) {
            // decision and comment are the last two columns, empty as exported.
            Some(decision) => {
                let kept = line.strip_suffix(",,").unwrap();
                out.push_str(&format!("{kept},{decision},reviewed by the test\n"));
            }
            None => out.push_str(&format!("{line}\n")),
        }
    }
    std::fs::write(path, out).unwrap();
}

/// Enough of a CSV row to choose decisions by: its columns by name (no quoted commas in the
/// columns read).
mod csv_row {
    pub struct Row {
        pub fields: Vec<(String, String)>,
    }

    impl Row {
        pub fn parse(header: &str, line: &str) -> Row {
            let mut cells = Vec::new();
            let (mut cell, mut quoted) = (String::new(), false);
            for c in line.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cell)),
                    c => cell.push(c),
                }
            }
            cells.push(cell);
            Row {
                fields: header.split(',').map(str::to_owned).zip(cells).collect(),
            }
        }

        pub fn get(&self, name: &str) -> &str {
            self.fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        }
    }
}

/// The evidence records beside the file, oldest first.
fn records(dir: &Path) -> Vec<Value> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("sync-apply-review-"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

fn writes(fake: &Fake) -> usize {
    fake.server
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count()
}

#[test]
fn a_reviewed_csv_is_applied_once_with_evidence() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let out = fake
        .cmd(dir.path())
        .args(["inspect", "review", "-r", "acme", "-o", "csv"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    // Revoke someone in two teams whose database access comes through them; keep an admin.
    let revoked = csv_row::Row::parse(
        csv.lines().next().unwrap(),
        csv.lines()
            .skip(1)
            .find(|l| l.contains("(via team ") && l.contains(",member,"))
            .unwrap(),
    );
    let (revoked_id, revoked_email) = (
        revoked.get("principal_id").to_owned(),
        revoked.get("email").to_owned(),
    );
    decide(&csv, &dir.path().join("reviewed.csv"), |row| {
        match (
            row.get("principal_id") == revoked_id,
            row.get("roles").contains("admin"),
        ) {
            (true, _) => Some("revoke"),
            (false, true) => Some("Keep"),
            _ => None,
        }
    });
    let before =
        json(
            fake.cmd(dir.path())
                .args(["inspect", "access", &revoked_email, "-o", "json"]),
        );
    assert!(!before["access"].as_array().unwrap().is_empty());

    // A dry run: the plan, no write, an evidence record saying so.
    fake.server.clear_requests();
    let out = fake
        .cmd(dir.path())
        .args(["apply-review", "reviewed.csv", "--reviewer", "rita"])
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(text.contains("Dry run, nothing was sent"), "{text}");
    assert!(text.contains("row(s) have no decision"), "{text}");
    assert_eq!(writes(&fake), 0);
    let dry = records(dir.path()).pop().unwrap();
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["reviewer"], "rita");
    assert_eq!(dry["syncIdAfter"], Value::Null);

    // Applied: the row's direct grants revoked, the derived ones with them, a sync after.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = fake
        .cmd(dir.path())
        .args([
            "apply-review",
            "reviewed.csv",
            "--reviewer",
            "rita",
            "-p",
            "-o",
            "json",
        ])
        .assert()
        .success();
    let record: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(record, records(dir.path()).pop().unwrap());
    assert_eq!(record["dryRun"], false);
    let sha = sha256_of(&dir.path().join("reviewed.csv"));
    assert_eq!(record["csv"]["sha256"], sha);
    assert_ne!(record["syncIdBefore"], record["syncIdAfter"]);
    let decisions = record["decisions"].as_array().unwrap();
    let row = decisions
        .iter()
        .find(|d| d["decision"] == "revoke")
        .unwrap();
    assert_eq!(row["result"], "revoked", "{row:#}");
    let changes = row["changes"].as_array().unwrap();
    let outcome = |c: &Value| c["outcome"].as_str().unwrap().to_owned();
    assert!(
        changes.iter().any(|c| outcome(c) == "through-source"),
        "{row:#}"
    );
    assert!(
        changes
            .iter()
            .filter(|c| c["action"] == "revoke")
            .all(|c| outcome(c) == "revoked")
    );
    assert!(
        changes.iter().all(|c| c["goneAfterSync"] == true),
        "{row:#}"
    );
    assert!(decisions.iter().any(|d| d["result"] == "kept"));
    assert!(decisions.iter().any(|d| d["result"] == "undecided"));
    assert!(writes(&fake) > 0);
    // The next sync shows them gone from acme.
    let after = json(
        fake.cmd(dir.path())
            .args(["inspect", "review", "-r", "acme", "-o", "json"]),
    );
    assert!(
        after["review"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["principal"]["id"]["resource"] != revoked_id.trim_start_matches("user:")),
        "{after:#}"
    );

    // The same CSV again: stale, refused; with --allow-stale nothing is sent.
    fake.server.clear_requests();
    let out = fake
        .cmd(dir.path())
        .args(["apply-review", "reviewed.csv", "-p", "--reviewer", "rita"])
        .assert()
        .code(2);
    let text = outputs(out.get_output());
    assert!(
        text.contains("--allow-stale") && text.contains("was exported from sync"),
        "{text}"
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = fake
        .cmd(dir.path())
        .args([
            "apply-review",
            "reviewed.csv",
            "-p",
            "--allow-stale",
            "--reviewer",
            "rita",
        ])
        .assert()
        .success();
    assert!(outputs(out.get_output()).contains("warning:"));
    assert_eq!(writes(&fake), 0);
    let again = records(dir.path()).pop().unwrap();
    assert_eq!(again["stale"], true);
    let row = again["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["decision"] == "revoke")
        .unwrap()
        .clone();
    assert!(
        row["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "already-revoked"),
        "{row:#}"
    );

    // An unknown decision is reported and fails the run; nothing is guessed.
    let latest = fake
        .cmd(dir.path())
        .args(["inspect", "review", "-r", "acme", "-o", "csv"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&latest.get_output().stdout).to_string();
    let first = csv_row::Row::parse(csv.lines().next().unwrap(), csv.lines().nth(1).unwrap());
    let id = first.get("principal_id").to_owned();
    decide(&csv, &dir.path().join("typo.csv"), |row| {
        (row.get("principal_id") == id).then_some("revokee")
    });
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = fake
        .cmd(dir.path())
        .args(["apply-review", "typo.csv", "-p", "--reviewer", "rita"])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("unknown decision \"revokee\""), "{text}");
    assert_eq!(writes(&fake), 0);
}

#[test]
fn a_derived_grant_with_a_source_the_row_does_not_revoke_is_refused_naming_its_sources() {
    // Exported while a member whose database access comes through a team; given acme's role of
    // that access (admin or analyst) before the next sync, so it now comes through the role too.
    let base = DataSpec::small().generate();
    let dir = tempfile::tempdir().unwrap();
    let exported = Fake::dataset(base.clone());
    exported.cmd(dir.path()).assert().success();
    let csv = String::from_utf8_lossy(
        &exported
            .cmd(dir.path())
            .args(["inspect", "review", "-r", "acme", "-o", "csv"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .to_string();
    let header = csv.lines().next().unwrap();
    let row = csv
        .lines()
        .skip(1)
        .map(|l| csv_row::Row::parse(header, l))
        .find(|r| r.get("access").contains("(via team ") && r.get("roles") == "member")
        .unwrap();
    let principal_id = row.get("principal_id").to_owned();
    let role = match row.get("access").contains("analyst (via team") {
        true => "analyst",
        false => "admin",
    };
    let row_access = row.get("access").to_owned();
    decide(&csv, &dir.path().join("reviewed.csv"), |r| {
        (r.get("principal_id") == principal_id).then_some("revoke")
    });
    let mut promoted = base;
    let acme = acme(&mut promoted);
    let acme_id = acme.organization["id"].as_str().unwrap().to_owned();
    let member = acme
        .members
        .iter_mut()
        .find(|m| format!("user:{}", m["user"]["id"].as_str().unwrap()) == principal_id)
        .unwrap();
    member["role"] = role.into();
    let fake = Fake::dataset(promoted);
    fake.cmd(dir.path()).assert().success();

    fake.server.clear_requests();
    let out = fake
        .cmd(dir.path())
        .args([
            "apply-review",
            "reviewed.csv",
            "--allow-stale",
            "-p",
            "--reviewer",
            "rita",
        ])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("were not carried out"), "{text}");
    let record = records(dir.path()).pop().unwrap();
    let row = record["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["decision"] == "revoke")
        .unwrap();
    assert_eq!(row["principalId"], principal_id.as_str(), "{row:#}");
    assert_eq!(row["result"], "failed", "{row:#}");
    assert_eq!(record["totals"]["failed"], 1, "{record:#}");
    let changes = row["changes"].as_array().unwrap();
    let by = |outcome: &str| -> Vec<&Value> {
        changes.iter().filter(|c| c["outcome"] == outcome).collect()
    };
    // The database grant is refused, naming the team it comes through and the role the row
    // (reviewed before the promotion) does not list: it does not go with the row's revokes.
    let source = format!("organization:{acme_id}:{role}");
    let refused = by("refused");
    assert!(!refused.is_empty(), "{row_access} {row:#}");
    for change in &refused {
        assert!(
            change["entitlementId"]
                .as_str()
                .unwrap()
                .starts_with("database:"),
            "{change:#}"
        );
        let detail = change["detail"].as_str().unwrap();
        assert!(
            detail.contains("cannot be revoked on its own")
                && detail.contains(&source)
                && detail.contains("team:"),
            "{detail}"
        );
        assert_eq!(change["action"], "revoke", "{change:#}");
    }
    // The rest of the row is revoked: the team memberships, then the organization membership;
    // the sync after shows them gone.
    let revoked = by("revoked");
    let covered = by("through-source").len();
    assert_eq!(
        revoked.len() + refused.len() + covered,
        changes.len(),
        "{row:#}"
    );
    assert!(
        revoked
            .iter()
            .any(|c| c["entitlementId"] == format!("organization:{acme_id}:member"))
    );
    assert!(
        revoked
            .iter()
            .any(|c| c["entitlementId"].as_str().unwrap().starts_with("team:"))
    );
    assert!(
        revoked.iter().all(|c| c["goneAfterSync"] == true),
        "{row:#}"
    );
    assert!(writes(&fake) > 0);
    assert_ne!(record["syncIdBefore"], record["syncIdAfter"]);
}

/// The SHA-256 of a file, as the evidence names it.
fn sha256_of(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The small dataset with, in acme: a member promoted to admin, a newcomer, and an admin whose
/// MFA went off. The newcomer's email.
fn drifted(base: &Dataset) -> (Dataset, String) {
    let mut data = base.clone();
    let acme = acme(&mut data);
    let plain = acme
        .members
        .iter()
        .position(|m| m["role"] == "member")
        .unwrap();
    acme.members[plain]["role"] = "admin".into();
    let admin = acme
        .members
        .iter()
        .position(|m| m["role"] == "admin" && m["user"]["two_factor_auth_configured"] == true)
        .unwrap();
    let admin_id = acme.members[admin]["user"]["id"].clone();
    let mut added = acme.members[plain].clone();
    added["id"] = "mbrnewcomer01".into();
    added["role"] = "member".into();
    added["user"]["id"] = "usrnewcomer1".into();
    added["user"]["email"] = "newcomer@acme.example".into();
    acme.members.push(added);
    // The user object is repeated in every organization they are in.
    for org in &mut data.organizations {
        for m in &mut org.members {
            if m["user"]["id"] == admin_id {
                m["user"]["two_factor_auth_configured"] = false.into();
            }
        }
    }
    (data, "newcomer@acme.example".to_owned())
}

/// A webhook receiver on 127.0.0.1 that answers 500 to its first `failures` posts, then 200;
/// the bodies it received.
fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            let status = match n < failures {
                true => "500 Internal Server Error",
                false => "200 OK",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            );
        }
    });
    (url, bodies)
}

/// Two syncs, the second of the drifted data, in `dir`.
fn two_syncs(dir: &Path) -> Fake {
    let base = DataSpec::small().generate();
    let (changed, _) = drifted(&base);
    Fake::dataset(base).cmd(dir).assert().success();
    let fake = Fake::dataset(changed);
    fake.cmd(dir).assert().success();
    fake
}

#[test]
fn fail_on_exits_3_for_the_kinds_named_and_notify_posts_them() {
    let dir = tempfile::tempdir().unwrap();
    let fake = two_syncs(dir.path());
    let diff = |args: &[&str]| {
        let mut all = vec!["diff"];
        all.extend_from_slice(args);
        fake.cmd(dir.path()).args(&all).assert()
    };
    for kind in ["new-admin", "mfa-off", "new-member", "any"] {
        let out = diff(&["--fail-on", kind]).code(3);
        let text = outputs(out.get_output());
        assert!(
            text.contains("Findings:") && text.contains("error: drift:"),
            "{kind}: {text}"
        );
    }
    diff(&["--fail-on", "new-token,token-no-expiry"]).code(0);
    diff(&["--fail-on", "not-listed"]).code(2);
    diff(&["--fail-on", "sometimes"]).code(2);
    // JSON carries the findings; the newcomer is one.
    let out = diff(&["--fail-on", "new-member", "-o", "json"]).code(3);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["kind"] == "new-member"
            && f["subject"].as_str().unwrap().contains("usrnewcomer1")),
        "{doc:#}"
    );
    // With a staff list of everyone but the newcomer: not-listed names them.
    let review = jsonl(
        fake.cmd(dir.path())
            .args(["inspect", "review", "-o", "jsonl"]),
    );
    let mut staff = String::from("email\n");
    for r in &review {
        let email = r["email"].as_str().unwrap();
        if email != "newcomer@acme.example" && !email.is_empty() {
            staff.push_str(&format!("{email}\n"));
        }
    }
    std::fs::write(dir.path().join("staff.csv"), staff).unwrap();
    let out = diff(&[
        "--staff",
        "staff.csv",
        "--fail-on",
        "not-listed",
        "-o",
        "json",
    ])
    .code(3);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let listed: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "not-listed")
        .collect();
    assert_eq!(listed.len(), 1, "{doc:#}");
    assert!(
        listed[0]["detail"]
            .as_str()
            .unwrap()
            .contains("newcomer@acme.example")
    );
    // The help documents the code.
    let help = fake.cmd(dir.path()).arg("--help").assert().success();
    assert!(outputs(help.get_output()).contains("3    drift"));

    // --notify: a receiver that fails once gets the findings on the second try; the URL's
    // credentials, path and query are never printed.
    let (url, bodies) = receiver(1);
    let hook =
        url.replacen("http://", "http://hookuser:hookpass@", 1) + "/hooks/T0SECRET?key=QSECRET";
    let out = diff(&["--fail-on", "new-admin", "--notify", &hook]).code(3);
    let text = outputs(out.get_output());
    for secret in ["hookpass", "T0SECRET", "QSECRET", "hookuser"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(
        text.contains("trying again") && text.contains("posted the findings"),
        "{text}"
    );
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 2);
    let body = &bodies[1];
    assert!(
        body["text"].as_str().unwrap().contains("new-admin"),
        "{body:#}"
    );
    assert!(
        body["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] == "new-admin")
    );

    // A receiver that never answers well: the run fails, still without the secret.
    let (url, _) = receiver(usize::MAX);
    let hook = url + "/hooks/T0SECRET";
    let out = diff(&["--notify", &hook]).code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("cannot post the findings") && !text.contains("T0SECRET"),
        "{text}"
    );
}

/// The Kubernetes CronJob's containers, each as its command line: the init container's (the
/// sync) then the job's (the drift check).
fn cronjob_commands() -> Vec<Vec<String>> {
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes/cronjob.yaml");
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let pod = &doc["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap())
        .map(|c| {
            let mut line = strings(&c["command"]);
            line.extend(strings(&c["args"]));
            line
        })
        .collect()
}

#[test]
fn the_cronjob_runs_as_written() {
    let commands = cronjob_commands();
    assert_eq!(commands.len(), 2);
    assert!(commands[1].iter().any(|a| a == "--fail-on"));
    let dir = tempfile::tempdir().unwrap();
    let (data, secrets) = (dir.path().join("data"), dir.path().join("secrets"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("token"), token()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        secrets.join("token"),
        std::fs::Permissions::from_mode(0o400),
    )
    .unwrap();
    // The manifest's paths on this machine: its volume, its secret, its binary.
    let local = |arg: &str| {
        arg.replace("/var/run/secrets/planetscale", secrets.to_str().unwrap())
            .replace("/data", data.to_str().unwrap())
    };
    let run = |fake: &Fake| -> Vec<Option<i32>> {
        commands
            .iter()
            .map(|line| {
                assert_eq!(line[0], "baton-planetscale");
                let out = bin(dir.path())
                    .args(line[1..].iter().map(|a| local(a)))
                    .env("BATON_PLANETSCALE_API_URL", fake.server.url())
                    .output()
                    .unwrap();
                out.status.code()
            })
            .collect()
    };
    let base = DataSpec::small().generate();
    let (changed, _) = drifted(&base);
    // The first run syncs and has nothing to compare; the second finds the drift.
    assert_eq!(run(&Fake::dataset(base)), [Some(0), Some(0)]);
    assert_eq!(run(&Fake::dataset(changed)), [Some(0), Some(3)]);
    assert!(data.join("sync.c1z").exists());
}
