//! `cargo xtask ci`: everything CI checks, in the order that fails fastest.

use crate::util::{cargo, has, run as run_cmd};

fn run_ci() -> Result<(), String> {
    run_cmd(cargo().args(["fmt", "--all", "--check"]))?;
    run_cmd(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Supply-chain policy (deny.toml), offline-safe checks only: advisories need a database.
    if has("cargo-deny", "--version") {
        run_cmd(cargo().args(["deny", "check", "bans", "licenses", "sources"]))?;
    } else {
        eprintln!("cargo-deny is not installed: skipping `cargo deny check bans licenses sources`");
    }
    tests()?;
    run_cmd(
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    // The benchmark harness runs in seconds here so it cannot rot; timings are not asserted.
    crate::bench::run(&["--quick".to_owned()])
}

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("`ci` takes no arguments, got `{arg}`"));
    }
    run_ci()
}

/// nextest when installed (faster, clearer output); doctests always through `cargo test --doc`,
/// which nextest does not run.
fn tests() -> Result<(), String> {
    // Snapshot tests must compare, never write, in CI: insta reads CI=true.
    let ci_env = [("CI", "true"), ("INSTA_UPDATE", "no")];
    if has("cargo-nextest", "--version") {
        run_cmd(
            cargo()
                .args([
                    "nextest",
                    "run",
                    "--workspace",
                    "--all-features",
                    "--no-fail-fast",
                ])
                .envs(ci_env),
        )?;
    } else {
        run_cmd(
            cargo()
                .args(["test", "--workspace", "--all-features", "--no-fail-fast"])
                .envs(ci_env),
        )?;
    }
    run_cmd(
        cargo()
            .args(["test", "--workspace", "--all-features", "--doc"])
            .envs(ci_env),
    )
}
