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
/// binaries, named by `BATON_PLANETSCALE_BIN`, `BATON_DIRECTORY_BIN`, `PLANETSCALE_FAKE_BIN` and
/// `EXPAND_C1Z_BIN` (the `expand_c1z` example: our grant expansion of an existing file).
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
                .env("PLANETSCALE_FAKE_BIN", bin("planetscale-fake"))
                .env("EXPAND_C1Z_BIN", bin("examples/expand_c1z")),
        )?;
    }
    Ok(())
}

/// The oldest Go the harness builds with: `interop/go.mod` says `go 1.26`, and an older Go
/// would try to download a newer toolchain (or refuse) in the middle of CI.
const GO_MINIMUM: (u32, u32) = (1, 26);

fn require_go() -> Result<(), String> {
    let install = "install Go 1.26 or later from https://go.dev/dl/ and run `cargo xtask ci` again";
    let found = Command::new("go")
        .args(["env", "GOVERSION"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let Some(found) = found else {
        return Err(format!(
            "Go is not installed: the interop harness in interop/ (baton-sdk v0.25.0) needs \
             Go 1.26 or later and the Go module proxy; {install}"
        ));
    };
    match go_version(&found) {
        Some(version) if version >= GO_MINIMUM => Ok(()),
        Some(_) => Err(format!(
            "Go is too old ({found}): the interop harness in interop/ (baton-sdk v0.25.0) needs \
             Go 1.26 or later; {install}"
        )),
        None => Err(format!(
            "could not read Go's version from `go env GOVERSION` ({found:?}): the interop \
             harness needs Go 1.26 or later; {install}"
        )),
    }
}

/// The major and minor version in `go env GOVERSION`'s output (`go1.26.8`, `go1.27rc1`,
/// `go1.26.0 X:nocoverageredesign`); `None` for anything else, such as a development build
/// (`devel go1.27-…`), whose version cannot be compared.
fn go_version(text: &str) -> Option<(u32, u32)> {
    let rest = text.split_whitespace().next()?.strip_prefix("go")?;
    let mut parts = rest.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions_are_read_from_go_env_goversion() {
        assert_eq!(go_version("go1.26.8"), Some((1, 26)));
        assert_eq!(go_version("go1.26"), Some((1, 26)));
        assert_eq!(go_version("go1.27rc1"), Some((1, 27)));
        assert_eq!(go_version("go1.26.0 X:nocoverageredesign"), Some((1, 26)));
        assert_eq!(go_version("go1.25.7"), Some((1, 25)));
        assert_eq!(go_version("devel go1.27-abcdef"), None);
        assert_eq!(go_version(""), None);
    }

    #[test]
    fn go_1_25_is_too_old_and_go_2_is_not() {
        assert!(go_version("go1.25.7").unwrap() < GO_MINIMUM);
        assert!(go_version("go1.26.0").unwrap() >= GO_MINIMUM);
        assert!(go_version("go2.0").unwrap() >= GO_MINIMUM);
    }
}
