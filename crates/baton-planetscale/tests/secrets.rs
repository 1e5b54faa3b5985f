use planetscale_fake::DEFAULT_TOKEN;

use crate::support::{Fake, bin, outputs, token};

const PLANTED: &str = "pscale_tok_plantedsecret123";

#[test]
fn the_token_is_not_in_help_or_schemas() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["-h"],
        &["config"],
        &["capabilities"],
        &["validate", "--help"],
    ] {
        let out = bin(dir.path())
            .env("BATON_PLANETSCALE_SERVICE_TOKEN", format!("id:{PLANTED}"))
            .args(args)
            .assert()
            .success();
        let text = outputs(out.get_output());
        assert!(!text.contains(PLANTED), "{args:?}: {text}");
    }
}

#[test]
fn the_token_is_not_in_trace_logs_or_errors() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let out = fake
        .cmd(dir.path())
        .args(["--log-level", "trace"])
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "trace logging is on"
    );
    assert!(
        !text.contains(DEFAULT_TOKEN),
        "the token leaked into the output"
    );

    // Refused token, malformed token, bad URL: none of the errors echoes the value.
    let cases: [(String, &[&str]); 3] = [
        (format!("id:{PLANTED}"), &["--log-level", "trace"]),
        (format!("{PLANTED} without a colon"), &[]),
        (
            format!("id:{PLANTED}"),
            &["--planetscale-api-url", "ftp://example.com"],
        ),
    ];
    for (value, args) in cases {
        let out = fake
            .cmd(dir.path())
            .env("BATON_PLANETSCALE_SERVICE_TOKEN", &value)
            .args(args)
            .assert()
            .failure();
        let text = outputs(out.get_output());
        assert!(text.contains("error: "), "{text}");
        assert!(!text.contains(PLANTED), "{args:?}: {text}");
    }
}

#[test]
fn the_token_can_come_from_a_private_file_or_stdin() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, format!("{}\n", token())).unwrap();
    set_mode(&path, 0o600);
    let out = fake
        .cmd(dir.path())
        .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
        .args([
            "--planetscale-service-token-file",
            path.to_str().unwrap(),
            "validate",
        ])
        .assert()
        .success();
    assert!(!outputs(out.get_output()).contains("readable by other users"));

    fake.cmd(dir.path())
        .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
        .args(["--planetscale-service-token-file", "-"])
        .write_stdin(format!("{}\r\n", token()))
        .assert()
        .success();
    assert!(dir.path().join("sync.c1z").exists());
}

#[test]
fn a_shared_token_file_is_warned_about() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, token()).unwrap();
    set_mode(&path, 0o644);
    let out = fake
        .cmd(dir.path())
        .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
        .env("BATON_PLANETSCALE_SERVICE_TOKEN_FILE", &path)
        .arg("validate")
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(text.contains("readable by other users"), "{text}");
}

#[test]
fn a_missing_token_says_how_to_give_one() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let out = fake
        .cmd(dir.path())
        .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("--planetscale-service-token-file"), "{text}");
    assert_eq!(fake.server.request_count(), 0);
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &std::path::Path, _mode: u32) {}
