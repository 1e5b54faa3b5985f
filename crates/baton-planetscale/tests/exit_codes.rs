use planetscale_fake::{DEFAULT_TOKEN_ID, TokenConfig};

use crate::support::{Fake, bin, outputs};

#[test]
fn success_is_0_and_usage_is_2() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().code(0);
    bin(dir.path()).arg("--no-such-flag").assert().code(2);
    bin(dir.path())
        .args(["diff", "only-one.c1z"])
        .assert()
        .code(2);
}

#[test]
fn a_refused_token_is_16() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    for args in [&[][..], &["validate"][..]] {
        let out = fake
            .cmd(dir.path())
            .env(
                "BATON_PLANETSCALE_SERVICE_TOKEN",
                format!("{DEFAULT_TOKEN_ID}:wrong-secret-42"),
            )
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
fn a_token_without_read_organization_is_7() {
    let limited = TokenConfig {
        id: "pscale_tkn_limited".into(),
        token: "pscale_tok_limited_secret".into(),
        organizations: None,
        accesses: vec![],
    };
    let fake = Fake::with_tokens(vec![limited]);
    let dir = tempfile::tempdir().unwrap();
    let token = "pscale_tkn_limited:pscale_tok_limited_secret";
    let out = fake
        .cmd(dir.path())
        .env("BATON_PLANETSCALE_SERVICE_TOKEN", token)
        .arg("validate")
        .assert()
        .code(7);
    let text = outputs(out.get_output());
    assert!(text.contains("missing"), "{text}");
    assert!(text.contains("read_organization"), "{text}");
    fake.cmd(dir.path())
        .env("BATON_PLANETSCALE_SERVICE_TOKEN", token)
        .assert()
        .code(7);
    assert!(!dir.path().join("sync.c1z").exists());
}

#[test]
fn a_file_that_is_not_a_c1z_is_1_and_untouched_before_any_request() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.c1z");
    std::fs::write(&notes, "my notes").unwrap();
    let out = fake
        .cmd(dir.path())
        .args(["-f", "notes.c1z"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("not a .c1z"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    assert_eq!(fake.server.request_count(), 0);

    let out = fake
        .cmd(dir.path())
        .args(["-f", "missing/dir/out.c1z"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert_eq!(fake.server.request_count(), 0);
}
