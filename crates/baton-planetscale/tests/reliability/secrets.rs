//! The token never shows up: not in help, schemas, errors, a panic, trace logs or the `.c1z`.
//! The fault table (`faults.rs`) runs every faulty sync at trace level and checks its output
//! the same way, so every fault's logs and error lines are covered there.

use std::path::Path;

use planetscale_fake::{DataSpec, EndpointKind, FaultMatch, FaultRule};

use crate::support::{Fake, SECRET, TOKEN_ID, assert_no_secret, bin, decompress, outputs, token};

/// A full sync at trace level, then every decompressed byte of the file it wrote.
#[test]
fn trace_logs_the_summary_and_the_c1z_hold_no_token() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "console"] {
        let out = fake
            .cmd(dir.path())
            .env("BATON_LOG_FORMAT", format)
            .args(["--log-level", "trace"])
            .output()
            .unwrap();
        let text = outputs(&out);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("TRACE"), "trace logging is on: {text}");
        assert_no_secret(format, &text);
    }
    let db = decompress(&dir.path().join("out.c1z"));
    assert!(
        !db.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "the token is in the .c1z"
    );
}

/// Secrets the API sends inside what the connector reads — service tokens' `token` and
/// `plain_text_refresh_token` (in the list and one by one), OAuth tokens' (in the list and one
/// by one), branch passwords' `plain_text` — are never in a log line, the file, or what
/// `inspect` prints: the client's models leave them out.
#[test]
fn secrets_the_api_sends_are_never_kept() {
    const PLANTED: [&str; 4] = [
        "pscale_tok_PLANTEDservicetoken0001",
        "pscale_refresh_PLANTEDservicetoken0002",
        "pscale_oauth_PLANTEDoauthtoken0003",
        "pscale_oauth_refresh_PLANTEDoauthtoken0004",
    ];
    let mut data = DataSpec::small().generate();
    for org in &mut data.organizations {
        for token in &mut org.service_tokens {
            token["token"] = PLANTED[0].into();
            token["plain_text_refresh_token"] = PLANTED[1].into();
        }
        for token in org
            .oauth_applications
            .iter_mut()
            .flat_map(|a| &mut a.tokens)
        {
            token["token"] = PLANTED[2].into();
            token["plain_text_refresh_token"] = PLANTED[3].into();
            // Listed without accesses, so each is also read on its own.
            token
                .as_object_mut()
                .unwrap()
                .remove("oauth_accesses_by_resource");
        }
    }
    let passwords: Vec<String> = data
        .organizations
        .iter()
        .flat_map(|o| &o.teams)
        .flat_map(|t| &t.members)
        .flat_map(|m| m["passwords"].as_array().cloned().unwrap_or_default())
        .map(|p| p["plain_text"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !passwords.is_empty(),
        "the small dataset has a branch password"
    );
    let fake = Fake::new(data);
    let dir = tempfile::tempdir().unwrap();
    let all = [
        "--planetscale-list-databases",
        "--planetscale-sync-service-tokens",
        "--planetscale-sync-oauth-applications",
        "--planetscale-sync-invitations",
    ];
    let mut text = String::new();
    let out = fake
        .cmd(dir.path())
        .args(all)
        .args(["--log-level", "trace", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    text.push_str(&outputs(&out));
    let requests = fake.server.requests();
    assert!(
        requests.iter().any(|r| r.path.contains("/service-tokens/")),
        "service tokens were read one by one"
    );
    assert!(
        requests.iter().any(|r| r.path.contains("/tokens/")),
        "OAuth tokens too"
    );
    for what in [
        vec!["inspect", "resources", "-o", "json"],
        vec!["inspect", "grants", "-o", "json"],
        vec!["inspect", "entitlements", "-o", "csv"],
        vec!["inspect", "review", "-o", "jsonl"],
        vec!["inspect", "resources", "-t", "service_token", "--no-expiry"],
    ] {
        let out = fake.cmd(dir.path()).args(&what).output().unwrap();
        assert!(out.status.success(), "{what:?}: {}", outputs(&out));
        text.push_str(&outputs(&out));
    }
    let db = decompress(&dir.path().join("out.c1z"));
    assert!(
        db.windows(12).any(|w| w == b"service_toke"),
        "tokens are synced"
    );
    for secret in PLANTED
        .iter()
        .copied()
        .chain(passwords.iter().map(String::as_str))
    {
        assert!(!text.contains(secret), "{secret} is in the output: {text}");
        assert!(
            !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} is in the .c1z"
        );
    }
}

/// Help, the schemas and every kind of error, with the token set.
#[test]
fn help_schemas_and_errors_hold_no_token() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str], Option<&str>)] = &[
        ("--help", &["--help"], None),
        ("validate --help", &["validate", "--help"], None),
        ("config", &["config"], None),
        ("capabilities", &["capabilities"], None),
        (
            "token without colon",
            &["--log-level", "trace"],
            Some("no-colon-here"),
        ),
        (
            "refused token",
            &["--log-level", "trace"],
            Some("pscale_tkn_other"),
        ),
        (
            "bad URL",
            &["--planetscale-api-url", "ftp://example.com"],
            None,
        ),
        (
            "URL with credentials",
            &["--planetscale-api-url", "https://a:b@example.com"],
            None,
        ),
        ("bad config", &["--config", "missing.yaml"], None),
        ("bad --file", &["--file", "no/such/dir/out.c1z"], None),
    ];
    for (name, args, token_id) in cases {
        let mut cmd = fake.cmd(dir.path());
        if let Some(id) = token_id {
            // The secret stays; only the id (or its shape) changes.
            let value = match *id {
                "no-colon-here" => format!("{id}{SECRET}"),
                id => format!("{id}:{SECRET}"),
            };
            cmd.env("BATON_PLANETSCALE_SERVICE_TOKEN", value);
        }
        let out = cmd.args(*args).output().unwrap();
        assert_no_secret(name, &outputs(&out));
    }
}

/// A token given by flag is used, and neither the summary nor the logs show it.
#[test]
fn a_token_given_by_flag_is_not_echoed() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    for output in ["table", "json"] {
        let out = fake
            .cmd(dir.path())
            .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
            .args(["--planetscale-service-token", &token()])
            .args(["--log-level", "debug", "-o", output])
            .output()
            .unwrap();
        let text = outputs(&out);
        assert!(out.status.success(), "{text}");
        assert_no_secret(output, &text);
    }
    let authorized = fake
        .server
        .requests()
        .iter()
        .filter(|r| r.authorized)
        .count();
    assert!(authorized > 0);
    assert_eq!(
        fake.server
            .requests()
            .iter()
            .filter(|r| r.token_id.as_deref() != Some(TOKEN_ID))
            .count(),
        0
    );
}

/// A token file with mode 0600 works without a warning; its content never reaches the output.
#[test]
fn a_private_token_file_works() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, format!("{}\n", token())).unwrap();
    set_mode(&path, 0o600);
    let out = fake
        .cmd(dir.path())
        .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
        .args(["--planetscale-service-token-file", path.to_str().unwrap()])
        .args(["--log-level", "trace"])
        .output()
        .unwrap();
    let text = outputs(&out);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("readable by other users"), "{text}");
    assert_no_secret("token file", &text);
    assert!(dir.path().join("out.c1z").exists());
}

/// Client errors on the member list, at trace level: errors quote no server body that
/// could echo the token.
#[test]
fn failing_requests_at_trace_level_hold_no_token() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    for status in [400, 401, 403, 404] {
        fake.server.set_faults(vec![FaultRule::Status {
            on: FaultMatch::endpoint(EndpointKind::Members).forever(),
            status,
        }]);
        let out = fake
            .cmd(dir.path())
            .args(["--log-level", "trace"])
            .output()
            .unwrap();
        let text = outputs(&out);
        assert!(!out.status.success(), "{status}: {text}");
        assert_no_secret(&status.to_string(), &text);
    }
    assert!(!Path::new(&dir.path().join("out.c1z")).exists());
}

#[test]
fn help_without_a_token_needs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(outputs(&out).contains("Exit codes"));
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}
