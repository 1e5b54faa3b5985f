//! `cargo xtask fuzz`: hammer the decoders with generated input.
//!
//! With cargo-fuzz and a nightly toolchain installed, runs the libFuzzer targets in `fuzz/`.
//! Otherwise (the stable-only build machines) runs the same properties through proptest with many
//! cases: the client's envelope decoding and the `.c1z` reader must never panic.

use crate::util::{cargo, has, root, run as run_cmd};

pub fn run(args: &[String]) -> Result<(), String> {
    let mut cases = 20_000u32;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--cases" => {
                let v = it.next().ok_or("--cases needs a value")?;
                cases = v
                    .parse()
                    .map_err(|_| format!("`{v}` is not a whole number"))?;
            }
            other => return Err(format!("unknown fuzz option `{other}`")),
        }
    }
    let nightly = has("cargo-fuzz", "--version")
        && std::process::Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
    if nightly {
        for target in ["decode_envelope", "read_c1z"] {
            run_cmd(
                std::process::Command::new("cargo")
                    .current_dir(root())
                    .args([
                        "+nightly",
                        "fuzz",
                        "run",
                        target,
                        "--",
                        "-max_total_time=60",
                    ]),
            )?;
        }
        return Ok(());
    }
    eprintln!(
        "cargo-fuzz with a nightly toolchain is not installed: running the fuzz properties on stable"
    );
    run_cmd(
        cargo()
            .args([
                "test",
                "--release",
                "-p",
                "planetscale-client",
                "-p",
                "c1z",
                "fuzz_",
            ])
            .env("PROPTEST_CASES", cases.to_string()),
    )
}
