use std::path::Path;

use crate::support::{Fake, bin, outputs};

/// Which file a sync writes, with `file` set by some of: flag, env, config file.
fn written(fake: &Fake, flag: bool, env: bool, file: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, "file: from-file.c1z\nworkers: 2\n").unwrap();
    let mut cmd = fake.cmd(dir.path());
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
    let fake = Fake::small();
    let cases = [
        (false, false, false, "sync.c1z"),
        (false, false, true, "from-file.c1z"),
        (false, true, true, "from-env.c1z"),
        (true, true, true, "from-flag.c1z"),
        (true, false, true, "from-flag.c1z"),
    ];
    for (flag, env, file, expected) in cases {
        assert_eq!(
            written(&fake, flag, env, file),
            vec![expected.to_owned()],
            "flag {flag} env {env} file {file}"
        );
    }
}

#[test]
fn the_config_flag_names_the_file_and_unknown_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yaml");
    std::fs::write(&config, "workers: 2\nplanetscale-tokn: x\n").unwrap();
    let out = bin(dir.path())
        .args(["--config", config.to_str().unwrap(), "inspect", "syncs"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = outputs(&out);
    assert!(text.contains("unknown keys: planetscale-tokn"), "{text}");
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
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
