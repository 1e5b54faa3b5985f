//! The audit log as a reviewer uses it: changes made through the fake's write endpoints (by a
//! person in the console, by a service token) synced with --planetscale-sync-audit-log,
//! listed by `inspect events`, attributed by `diff`; carried from sync to sync; secrets in
//! metadata dropped; the request formula with the audit log's pages; the missing access.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use planetscale_fake::{
    DEFAULT_TOKEN, DEFAULT_TOKEN_ID, DataChange, DataSpec, EndpointKind, FaultMatch, FaultRule,
    OptionalLists, TokenConfig,
};
use serde_json::{Value, json};

use crate::support::{Fake, json, outputs};

const ON: &str = "--planetscale-sync-audit-log";

/// Sends one request to the fake's API as the default token, with `headers`; the status.
fn send(fake: &Fake, method: &str, path: &str, body: &Value, headers: &[(&str, &str)]) -> u16 {
    let mut stream = TcpStream::connect(fake.server.addr()).unwrap();
    let body = body.to_string();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \
         {DEFAULT_TOKEN_ID}:{DEFAULT_TOKEN}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer[9..12].parse().unwrap()
}

/// A member: (user id, email).
type Person = (String, String);

/// The first organization whose roles its identity provider does not manage: its name, its
/// id, an admin's (id, email) and two plain members' (id, email).
fn people(fake: &Fake) -> (String, String, Person, Vec<Person>) {
    let dataset = fake.server.dataset();
    let org = dataset.organizations.iter();
    let acme = org
        .clone()
        .find(|o| o.organization["idp_managed_roles"] != true)
        .unwrap();
    let person = |m: &Value| {
        (
            m["user"]["id"].as_str().unwrap().to_owned(),
            m["user"]["email"].as_str().unwrap().to_owned(),
        )
    };
    let admin = acme.members.iter().find(|m| m["role"] == "admin").unwrap();
    let plain = acme.members.iter().filter(|m| m["role"] == "member");
    (
        acme.name().to_owned(),
        acme.id().to_owned(),
        person(admin),
        plain.take(2).map(person).collect(),
    )
}

fn events(fake: &Fake, dir: &Path, filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["inspect", "events", "-o", "json"];
    args.extend(filters);
    let listed = json(fake.cmd(dir).args(&args));
    listed["events"].as_array().unwrap().clone()
}

/// The `audit` of principal `user`'s change of `entitlement_id` in diff JSON.
fn audit_of(diff: &Value, user: &str, entitlement_id: &str) -> String {
    let principal = diff["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"]["resource"] == user)
        .unwrap_or_else(|| panic!("no change for {user} in {diff:#}"));
    let changes = principal["gained"].as_array().unwrap().iter();
    let change = changes
        .chain(principal["lost"].as_array().unwrap())
        .find(|c| c["entitlementId"] == entitlement_id)
        .unwrap_or_else(|| panic!("no change of {entitlement_id} in {principal:#}"));
    change["audit"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn changes_are_attributed_listed_and_carried_into_the_next_sync() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).arg(ON).assert().success();
    let (org, acme, (admin, admin_email), plain) = people(&fake);
    let (promoted, promoted_email) = &plain[0];
    let (removed, _) = &plain[1];

    // A person makes someone admin in the console; the service token removes someone.
    let path = format!("/v1/organizations/{org}/members/{promoted}");
    let by_admin = [
        (planetscale_fake::ACTOR_USER_HEADER, admin.as_str()),
        (planetscale_fake::REMOTE_IP_HEADER, "203.0.113.7"),
    ];
    assert_eq!(
        send(&fake, "PATCH", &path, &json!({"role": "admin"}), &by_admin),
        200
    );
    let path = format!("/v1/organizations/{org}/members/{removed}");
    assert_eq!(send(&fake, "DELETE", &path, &Value::Null, &[]), 204);
    // And a member joins without an audit entry (a fault of the fake's changes its data).
    fake.server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: FaultMatch::endpoint(EndpointKind::Members).times(1),
        change: DataChange::AddMember,
    }]);
    let members = format!("/v1/organizations/{org}/members");
    assert_eq!(send(&fake, "GET", &members, &Value::Null, &[]), 200);
    fake.cmd(dir.path()).arg(ON).assert().success();

    let diff = json(fake.cmd(dir.path()).args(["diff", "-o", "json"]));
    let admin_role = format!("organization:{acme}:admin");
    let said = audit_of(&diff, promoted, &admin_role);
    assert!(
        said.starts_with(&format!("made admin by {admin_email} (user) at ")),
        "{said}"
    );
    assert!(said.ends_with(" UTC from 203.0.113.7"), "{said}");
    let said = audit_of(&diff, removed, &format!("organization:{acme}:member"));
    assert!(
        said.starts_with(&format!(
            "removed by {DEFAULT_TOKEN_ID} (service token) at "
        )),
        "{said}"
    );
    let joined = diff["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            let id = p["principal"]["resource"].as_str().unwrap();
            id != promoted && id != removed
        })
        .unwrap_or_else(|| panic!("no joiner in {diff:#}"));
    assert_eq!(joined["gained"][0]["audit"], "no audit entry", "{joined:#}");

    // The table says the same in its AUDIT column.
    let table = fake
        .cmd(dir.path())
        .arg("diff")
        .env("COLUMNS", "400")
        .output()
        .unwrap();
    let text = outputs(&table);
    assert!(text.contains("AUDIT"), "{text}");
    assert!(
        text.contains(&format!("made admin by {admin_email} (user)")),
        "{text}"
    );
    assert!(text.contains("no audit entry"), "{text}");

    // inspect access says who gave what the person gained since the previous sync.
    let access =
        json(
            fake.cmd(dir.path())
                .args(["inspect", "access", promoted_email, "-o", "json"]),
        );
    let row = access["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"]["id"]["resource"] == acme.as_str())
        .unwrap_or_else(|| panic!("no row on {org} in {access:#}"));
    let said = row["audit"][0].as_str().unwrap_or_default();
    assert!(
        said.starts_with(&format!("admin: made admin by {admin_email} (user)")),
        "{row:#}"
    );

    // inspect events, and its filters.
    let all = events(&fake, dir.path(), &[]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let by = events(&fake, dir.path(), &["--actor", &admin_email]);
    assert_eq!(by.len(), 1);
    assert_eq!(by[0]["action"], "organization.updated_role");
    assert_eq!(by[0]["kind"], "grant");
    assert_eq!(by[0]["remote_ip"], "203.0.113.7");
    assert_eq!(by[0]["actor"]["kind"], "user");
    let target = events(&fake, dir.path(), &["--target", promoted_email]);
    assert_eq!(target.len(), 1);
    let revokes = events(&fake, dir.path(), &["--action", "revoke"]);
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0]["actor"]["kind"], "service token");
    assert_eq!(
        events(&fake, dir.path(), &["--action", "removed_member"]).len(),
        1
    );
    assert!(events(&fake, dir.path(), &["--since", "1d"]).len() == 2);
    assert!(events(&fake, dir.path(), &["--until", "1d"]).is_empty());
    let unknown = fake
        .cmd(dir.path())
        .args(["inspect", "events", "--actor", "nobody@acme.example"])
        .assert()
        .failure();
    let text = outputs(unknown.get_output());
    assert!(
        text.contains("no event in the file has that actor"),
        "{text}"
    );
    let csv = fake
        .cmd(dir.path())
        .args(["inspect", "events", "-o", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("time,actor,"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");

    // The next sync reads only since the last one, and keeps what that one read.
    let first_read: Vec<Value> = all.iter().map(|e| e["syncId"].clone()).collect();
    fake.server.clear_requests();
    fake.cmd(dir.path()).arg(ON).assert().success();
    let audit_pages = fake
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/audit-log"))
        .count();
    let orgs = fake.server.dataset().organizations.len();
    assert_eq!(audit_pages, orgs, "one page per organization");
    let carried = events(&fake, dir.path(), &[]);
    let carried_ids: Vec<Value> = carried.iter().map(|e| e["syncId"].clone()).collect();
    assert_eq!(
        carried_ids, first_read,
        "carried with the sync that read them"
    );
}

#[test]
fn secrets_in_metadata_are_dropped_and_the_first_sync_reads_the_days_asked_for() {
    let mut dataset = DataSpec::small().generate();
    let ago = |days: i64| {
        let t = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days);
        t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    };
    let entry = |id: &str, created: String, metadata: Value| {
        json!({
            "id": id, "actor_id": "tok1", "actor_type": "ServiceToken",
            "actor_display_name": "ci-token", "auditable_id": "x", "auditable_type": "Database",
            "auditable_display_name": "orders", "target_id": "b1",
            "target_type": "DatabaseBranchPassword", "target_display_name": "main",
            "action": "created", "audit_action": "database_branch_password.created",
            "location": null, "remote_ip": "198.51.100.4", "created_at": created,
            "updated_at": created, "metadata": metadata
        })
    };
    dataset.organizations[0].audit_log = vec![
        entry(
            "recent",
            ago(3),
            json!({
                "branch": "main",
                "plain_text": "pscale_pw_3f9Kx2LmQ8pZr7Vt4Nw6Ys1Bc5dE",
                "password": "hunter2",
                "note": "k3J9x2LmQ8pZr7Vt4Nw6Ys1Bc5",
            }),
        ),
        entry("older", ago(10), json!({"branch": "dev"})),
    ];
    let fake = Fake::dataset(dataset.clone());
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path())
        .args([ON, "--audit-log-days", "5"])
        .assert()
        .success();
    let listed = events(&fake, dir.path(), &[]);
    assert_eq!(
        listed.len(),
        1,
        "the entry of 10 days ago is before the start"
    );
    assert_eq!(listed[0]["id"], "recent");
    assert_eq!(listed[0]["kind"], "resource-change");
    assert_eq!(listed[0]["metadata"], json!([["branch", "main"]]));
    // Nowhere in the file either.
    let raw = zstd::decode_all(&std::fs::read(dir.path().join("sync.c1z")).unwrap()[5..]);
    let raw = String::from_utf8_lossy(&raw.unwrap_or_default()).into_owned();
    assert!(raw.contains("database_branch_password.created"));
    for secret in ["pscale_pw_", "hunter2", "k3J9x2Lm"] {
        assert!(!raw.contains(secret), "{secret} is in the file");
    }

    // The request formula, with each organization's audit-log pages.
    let lists = OptionalLists {
        audit_log: true,
        ..OptionalLists::default()
    };
    assert_eq!(
        fake.server.request_count(),
        dataset.minimum_requests(None, lists)
    );
}

#[test]
fn without_read_audit_logs_the_sync_exits_7_naming_the_access() {
    let mut token = TokenConfig::full_access(DEFAULT_TOKEN_ID, DEFAULT_TOKEN);
    token.accesses.retain(|a| a != "read_audit_logs");
    let fake = Fake::with_tokens(vec![token]);
    let dir = tempfile::tempdir().unwrap();
    let out = fake.cmd(dir.path()).arg(ON).assert().code(7);
    let text = outputs(out.get_output());
    assert!(text.contains("read_audit_logs"), "{text}");
    assert!(text.contains("planetscale-sync-audit-log"), "{text}");
    assert!(!dir.path().join("sync.c1z").exists());
    // Without the option, the same token syncs.
    fake.cmd(dir.path()).assert().success();
}
