//! `cargo xtask advisories`: the security advisories check CI cannot run.
//!
//! `cargo deny check advisories` compares `Cargo.lock` with the RustSec advisory database, which
//! it fetches from GitHub; CI has no network beyond the package registries, so it cannot. Run
//! this where the network allows: before every release, after every change of `Cargo.lock`, and
//! weekly. With `--offline`, it uses the copy a previous run (or `cargo deny fetch db`) left in
//! `~/.cargo/advisory-dbs`, for machines that are offline now.

use crate::util::{cargo, has, run as run_cmd};

pub fn run(args: &[String]) -> Result<(), String> {
    let offline = match args {
        [] => false,
        [flag] if flag == "--offline" => true,
        [other, ..] => return Err(format!("`advisories` takes only --offline, got `{other}`")),
    };
    if !has("cargo-deny", "--version") {
        return Err(
            "cargo-deny is not installed: `cargo install --locked cargo-deny@0.20.2`".to_owned(),
        );
    }
    let mut cmd = cargo();
    cmd.args(["deny", "check", "advisories"]);
    if offline {
        cmd.arg("--disable-fetch");
    }
    run_cmd(&mut cmd).map_err(|e| {
        format!(
            "{e}\n(without a network, `cargo xtask advisories --offline` checks against the \
             database a previous run fetched)"
        )
    })
}
