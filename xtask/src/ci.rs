//! `cargo xtask ci`: everything CI checks, in the order that fails fastest.

use std::process::Command;

use crate::util::{cargo, has, release_binaries, root, run as run_cmd};

fn run_ci() -> Result<(), String> {
    // Before anything long: the interop harness near the end needs Go.
    require_go()?;
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
    crate::bench::run(&["--quick".to_owned()])?;
    // After the benchmark, whose release build it reuses.
    interop()
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

/// The interop harness (`interop/`, a Go module on baton-sdk v0.25.0): baton's own code reads
/// our files, we read baton's, and `config`/`capabilities` load as baton's messages; and
/// `interop/legacy/` (baton-sdk v0.1.0): an older baton reader opens our files. It runs our
/// binaries, named by `BATON_PLANETSCALE_BIN`, `BATON_DIRECTORY_BIN` and `PLANETSCALE_FAKE_BIN`.
fn interop() -> Result<(), String> {
    // Release binaries: the bench-sized case lists 155,000 grants through `inspect`, minutes
    // unoptimised; the benchmark has built them already.
    let release = release_binaries()?;
    let bin = |name: &str| release.join(name);
    // `interop/legacy` is a module of its own (an older baton-sdk, for older readers), so the
    // harness's `./...` leaves it out: it runs second, with the same binaries.
    for module in ["interop", "interop/legacy"] {
        run_cmd(
            Command::new("go")
                .args(["test", "-count=1", "-timeout", "30m", "./..."])
                .current_dir(root().join(module))
                .env("BATON_PLANETSCALE_BIN", bin("baton-planetscale"))
                .env("BATON_DIRECTORY_BIN", bin("baton-directory"))
                .env("PLANETSCALE_FAKE_BIN", bin("planetscale-fake")),
        )?;
    }
    Ok(())
}

fn require_go() -> Result<(), String> {
    if has("go", "version") {
        Ok(())
    } else {
        Err(
            "Go is not installed: the interop harness in interop/ (baton-sdk v0.25.0) needs \
             Go 1.26 or later and the Go module proxy; install Go from https://go.dev/dl/ and \
             run `cargo xtask ci` again"
                .to_owned(),
        )
    }
}
