use crate::support::{bare, outputs, toy};

#[test]
fn success_is_0_and_usage_is_2() {
    let dir = tempfile::tempdir().unwrap();
    toy(dir.path()).assert().code(0);
    bare(dir.path()).arg("--no-such-flag").assert().code(2);
    bare(dir.path())
        .args(["diff", "only-one.c1z"])
        .assert()
        .code(2);
    bare(dir.path())
        .args(["--workers", "many"])
        .assert()
        .code(2);
}

#[test]
fn refused_credentials_are_16_with_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&[][..], &["validate"][..]] {
        let out = bare(dir.path())
            .env("BATON_TOY_TOKEN", "wrong-secret-42")
            .args(args)
            .assert()
            .code(16);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains("refused"), "{stderr}");
        assert!(!stderr.contains("wrong-secret-42"), "{stderr}");
    }
    assert!(!dir.path().join("sync.c1z").exists());
}

#[test]
fn a_missing_access_is_7_and_validate_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .args(["validate", "--toy-deny"])
        .assert()
        .code(7);
    let text = outputs(out.get_output());
    assert!(text.contains("read_groups  missing"), "{text}");
    assert!(text.contains("grant read_groups to the token"), "{text}");
    toy(dir.path()).arg("--toy-deny").assert().code(7);
    assert!(!dir.path().join("sync.c1z").exists());
    let ok = toy(dir.path())
        .args(["validate", "-o", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&ok.get_output().stdout).unwrap();
    assert_eq!(report["checks"][1]["name"], "read_groups");
    assert_eq!(report["checks"][1]["status"], "ok");
}

#[test]
fn a_file_that_is_not_a_c1z_is_1_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.c1z");
    std::fs::write(&notes, "my notes").unwrap();
    let out = toy(dir.path()).args(["-f", "notes.c1z"]).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("not a .c1z"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    // The output is checked before the credentials are even read.
    let out = bare(dir.path())
        .args(["-f", "missing/dir/out.c1z"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn help_documents_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare(dir.path()).arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for line in [
        "16   unauthenticated",
        "7    permission denied",
        "130  interrupted",
        "101  internal error",
    ] {
        assert!(help.contains(line), "{help}");
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../c1z/tests/fixtures/legacy-expanded.c1z"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_toy-connector"))
        .args(["inspect", "-f", fixture, "grants"])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
