use std::path::Path;

use crate::support::{bare, outputs, toy};

/// Which file a sync writes, with `file` set by some of: flag, env, config file.
fn written(flag: bool, env: bool, file: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, "file: from-file.c1z\nworkers: 2\n").unwrap();
    let mut cmd = toy(dir.path());
    if file {
        cmd.env("BATON_CONFIG_PATH", &config);
    }
    if env {
        cmd.env("BATON_FILE", "from-env.c1z");
    }
    if flag {
        cmd.args(["-f", "from-flag.c1z"]);
    }
    cmd.assert().success();
    c1z_files(dir.path())
}

fn c1z_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".c1z"))
        .collect();
    names.sort();
    names
}

#[test]
fn flags_beat_env_beat_file_beat_defaults() {
    let cases = [
        (false, false, false, "sync.c1z"),
        (false, false, true, "from-file.c1z"),
        (false, true, true, "from-env.c1z"),
        (true, true, true, "from-flag.c1z"),
        (true, false, true, "from-flag.c1z"),
    ];
    for (flag, env, file, expected) in cases {
        assert_eq!(
            written(flag, env, file),
            vec![expected.to_owned()],
            "flag {flag} env {env} file {file}"
        );
    }
}

#[test]
fn the_connector_reads_its_own_settings_from_every_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.yaml"),
        "toy-users: 7\ntoy-groups: [a, b, c]\n",
    )
    .unwrap();
    let users = |cmd: &mut assert_cmd::Command| {
        let out = cmd.args(["-o", "json"]).assert().success();
        let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        (
            report["resourceTypes"]["user"]["resources"].as_u64(),
            report["resourceTypes"]["group"]["resources"].as_u64(),
        )
    };
    assert_eq!(
        users(toy(dir.path()).args(["--config", "c.yaml"])),
        (Some(7), Some(3))
    );
    assert_eq!(
        users(
            toy(dir.path())
                .env("BATON_TOY_USERS", "5")
                .args(["--config", "c.yaml"])
        ),
        (Some(5), Some(3))
    );
    assert_eq!(
        users(toy(dir.path()).args([
            "--config",
            "c.yaml",
            "--toy-users",
            "1",
            "--toy-groups",
            "x"
        ])),
        (Some(1), Some(1))
    );
}

#[test]
fn the_config_flag_names_the_file_and_unknown_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yaml");
    std::fs::write(&config, "workers: 2\ntoy-tokn: x\n").unwrap();
    let out = bare(dir.path())
        .args(["--config", config.to_str().unwrap(), "inspect", "syncs"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = outputs(&out);
    assert!(text.contains("unknown keys: toy-tokn"), "{text}");
    assert!(
        text.contains("known keys: toy-token, toy-token-file"),
        "{text}"
    );
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare(dir.path())
        .env("BATON_WORKERS", "lots")
        .args(["inspect", "syncs"])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("BATON_WORKERS must be a whole number"),
        "{text}"
    );
}

#[test]
fn an_unknown_resource_type_names_the_connectors_types() {
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .args(["--sync-resource-types", "users"])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("unknown resource type \"users\""), "{text}");
    assert!(text.contains("user, group"), "{text}");
    let help = bare(dir.path()).arg("--help").assert().success();
    let help = String::from_utf8_lossy(&help.get_output().stdout).to_string();
    assert!(help.contains("comma-separated: user, group"), "{help}");
}
