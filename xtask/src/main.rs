//! The project's own automation: `cargo xtask <task>`.
//!
//! `ci` is the one command developers and `.ci/run` share. Tasks shell out to cargo and to the
//! workspace's own binaries; xtask keeps to the standard library so it builds in seconds.

use std::process::ExitCode;

mod advisories;
mod bench;
mod ci;
mod demo;
mod fuzz;
mod util;

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  ci                 fmt --check, clippy -D warnings, tests, docs with warnings denied, bench --quick
  bench [--quick]    release build, then the benchmark scenarios against planetscale-fake
                     (see BENCHMARKS.md; options: --scenarios a,b  --members N  --teams N)
  demo               start planetscale-fake with a realistic organization, sync it, inspect the result
  fuzz [--cases N]   run the decoding and .c1z reader fuzz properties with many cases
  advisories [--offline]
                     cargo deny check advisories (needs the network CI lacks: run it before
                     a release, after a Cargo.lock change, and weekly)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match task.as_str() {
        "ci" => ci::run(rest),
        "bench" => bench::run(rest),
        "demo" => demo::run(rest),
        "fuzz" => fuzz::run(rest),
        "advisories" => advisories::run(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(format!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
