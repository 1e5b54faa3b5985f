use crate::support::{SECRET, bare, outputs, toy};

const PLANTED: &str = "planted-secret-0451";

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
        let out = bare(dir.path())
            .env("BATON_TOY_TOKEN", PLANTED)
            .args(args)
            .assert()
            .success();
        let text = outputs(out.get_output());
        assert!(!text.contains(PLANTED), "{args:?}: {text}");
    }
}

#[test]
fn the_token_is_not_in_logs_summaries_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    for output in ["table", "json"] {
        let out = toy(dir.path())
            .args(["--log-level", "trace", "-o", output])
            .assert()
            .success();
        let text = outputs(out.get_output());
        assert!(!text.contains(SECRET), "{text}");
    }
    let out = bare(dir.path())
        .env("BATON_TOY_TOKEN", format!("{PLANTED} with a space"))
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("the toy token is invalid: it contains a space"),
        "{text}"
    );
    assert!(!text.contains(PLANTED), "{text}");
    let yaml = tempfile::tempdir().unwrap();
    std::fs::write(
        yaml.path().join("c.yaml"),
        format!("toy-token: [{PLANTED}]\n"),
    )
    .unwrap();
    let out = bare(yaml.path())
        .args(["--config", "c.yaml"])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("toy-token must be a string"), "{text}");
    assert!(!text.contains(PLANTED), "{text}");
}

/// A panic prints one `error:` line, with the settings' `Debug` (token redacted) in it.
#[test]
fn a_panic_holds_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .env("RUST_BACKTRACE", "1")
        .args(["--toy-token", SECRET, "--toy-panic"])
        .output()
        .unwrap();
    let text = outputs(&out);
    assert_eq!(out.status.code(), Some(101), "{text}");
    assert!(text.contains("error: internal error"), "{text}");
    assert!(
        text.contains("REDACTED"),
        "the settings are in the message: {text}"
    );
    assert!(!text.contains(SECRET), "{text}");
    assert!(!dir.path().join("sync.c1z").exists());
}

#[cfg(unix)]
#[test]
fn token_files_are_read_with_care() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    let mode = |m| std::fs::set_permissions(&file, std::fs::Permissions::from_mode(m)).unwrap();
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    mode(0o600);
    let out = bare(dir.path())
        .args(["--toy-token-file", "token"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    assert!(!outputs(&out).contains("readable by other users"));

    mode(0o644);
    let out = bare(dir.path())
        .args(["--toy-token-file", "token"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    assert!(outputs(&out).contains("readable by other users"));

    mode(0o666);
    let out = bare(dir.path())
        .args(["--toy-token-file", "token"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        outputs(&out).contains("can be written by other users"),
        "{}",
        outputs(&out)
    );

    let out = bare(dir.path())
        .args(["--toy-token-file", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        outputs(&out).contains("not a regular file"),
        "{}",
        outputs(&out)
    );

    let mut stdin = bare(dir.path());
    stdin
        .args(["--toy-token-file", "-"])
        .write_stdin(format!("{SECRET}\n"));
    stdin.assert().success();
}

#[cfg(unix)]
#[test]
fn a_fifo_as_token_file_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("token");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "mkfifo is part of coreutils"
    );
    let out = bare(dir.path())
        .args(["--toy-token-file", "token"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", outputs(&out));
    assert!(
        outputs(&out).contains("not a regular file"),
        "{}",
        outputs(&out)
    );
}

/// A config file holding the token (or saying where data goes) gets the token file's checks:
/// readable by others warns on stderr even though logging has not started when it is read
/// (before: the warning was lost), another user's is refused (before: accepted, and its owner
/// could point the token elsewhere), a FIFO is refused rather than waited on (before: hung), and
/// the telemetry collector's settings count as saying where data goes (before: a
/// world-writable config could send the logs, with every email, elsewhere).
#[cfg(unix)]
#[test]
fn config_files_that_hold_the_token_or_route_data_are_read_with_care() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yaml");
    let mode = |m| std::fs::set_permissions(&config, std::fs::Permissions::from_mode(m)).unwrap();
    let run = || {
        bare(dir.path())
            .args(["--config", "c.yaml", "inspect", "syncs"])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap()
    };
    std::fs::write(&config, format!("toy-token: {SECRET}\n")).unwrap();
    mode(0o644);
    let out = run();
    assert!(
        outputs(&out).contains("warning: the config file") && outputs(&out).contains("chmod 600"),
        "{}",
        outputs(&out)
    );
    assert!(!outputs(&out).contains(SECRET));

    std::fs::write(&config, "otel-collector-endpoint: 127.0.0.1:9\n").unwrap();
    mode(0o666);
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}", outputs(&out));
    assert!(
        outputs(&out).contains("otel-collector-endpoint"),
        "{}",
        outputs(&out)
    );

    if rustix::process::geteuid().is_root() {
        std::fs::write(&config, format!("toy-token: {SECRET}\n")).unwrap();
        mode(0o600);
        std::os::unix::fs::chown(&config, Some(12345), None).unwrap();
        let out = run();
        assert_eq!(out.status.code(), Some(1), "{}", outputs(&out));
        assert!(
            outputs(&out).contains("belongs to another user"),
            "{}",
            outputs(&out)
        );
    }

    std::fs::remove_file(&config).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&config)
        .status()
        .unwrap();
    assert!(made.success());
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}", outputs(&out));
    assert!(
        outputs(&out).contains("not a regular file"),
        "{}",
        outputs(&out)
    );
}
