use std::path::Path;

use crate::support::bin;

fn check(command: &str, committed: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .arg(command)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(committed);
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        expected,
        "`baton-planetscale {command}` differs from {committed}: regenerate it with \
         `cargo run -p baton-planetscale -- {command} > crates/baton-planetscale/{committed}` \
         and review the change"
    );
}

#[test]
fn capabilities_match_the_committed_file() {
    check("capabilities", "baton_capabilities.json");
}

#[test]
fn config_schema_matches_the_committed_file() {
    check("config", "config_schema.json");
}

#[test]
fn capabilities_need_no_token_and_no_config() {
    let dir = tempfile::tempdir().unwrap();
    // Even a broken environment does not matter: nothing is configured for these.
    bin(dir.path())
        .env("BATON_WORKERS", "broken")
        .arg("capabilities")
        .assert()
        .success();
}
