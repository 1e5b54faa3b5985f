//! `cargo xtask bench`: the performance harness (BENCHMARKS.md explains the scenarios).
//!
//! Everything runs as separate processes, as in production: `planetscale-fake` serves the API,
//! `baton-planetscale` syncs it. Each figure is a ratio against a bound computed or measured in
//! the same run, so it holds on a noisy shared machine. Results go to stdout, one line a
//! scenario, and to `target/bench/results.json`.//!
//! `mod.rs` reads the arguments and runs the scenarios; `scenarios.rs` holds them, `fake.rs` the
//! fake API process (asked over HTTP with reqwest), `sampling.rs` a sync measured through /proc.

mod fake;
mod files;
mod grpc;
mod sampling;
mod scenarios;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

use crate::util::{self, target_dir};
use grpc::grpc;
use scenarios::{
    SHARED, STORM_BARE, expand, latency, memory, quota, rate, requests, requests_opt_ins, review,
    store, storm,
};

/// The token every benchmark uses; the fake accepts it by default.
const TOKEN: &str = "pscale_tkn_fake0000000001:pscale_tok_fakesecret0000000000000001";

struct Options {
    quick: bool,
    scenarios: Vec<String>,
    /// Members of the largest organization in the request/latency/rate/storm scenarios.
    members: usize,
    teams: usize,
    store_grants: usize,
    /// Groups of the `expand` scenario's directory (about 1,500 expanded grants a group).
    expand_groups: usize,
    memory_members: Vec<usize>,
    memory_teams: usize,
    latency_ms: u64,
    /// Members and teams of the largest organization in `storm-bare` and `shared`.
    storm_bare_size: (usize, usize),
    shared_size: (usize, usize),
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut o = if quick {
            Options {
                quick,
                scenarios: Vec::new(),
                members: 600,
                teams: 24,
                store_grants: 20_000,
                expand_groups: 20,
                memory_members: vec![500, 1_000],
                memory_teams: 20,
                latency_ms: 5,
                storm_bare_size: (300, 10),
                shared_size: (300, 10),
            }
        } else {
            Options {
                quick,
                scenarios: Vec::new(),
                members: 20_000,
                teams: 800,
                store_grants: 1_000_000,
                expand_groups: 720,
                memory_members: vec![25_000, 50_000, 100_000],
                memory_teams: 2_000,
                latency_ms: 30,
                storm_bare_size: (3_000, 150),
                shared_size: (10_000, 400),
            }
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--quick" => {}
                "--scenarios" => {
                    o.scenarios = value("--scenarios")?
                        .split(',')
                        .map(str::to_owned)
                        .collect()
                }
                "--members" => o.members = number(&value("--members")?)?,
                "--teams" => o.teams = number(&value("--teams")?)?,
                "--store-grants" => o.store_grants = number(&value("--store-grants")?)?,
                "--expand-groups" => o.expand_groups = number(&value("--expand-groups")?)?,
                "--memory-members" => {
                    o.memory_members = value("--memory-members")?
                        .split(',')
                        .map(number)
                        .collect::<Result<_, _>>()?
                }
                other => return Err(format!("unknown bench option `{other}`")),
            }
        }
        if o.scenarios.is_empty() {
            o.scenarios = [
                "requests",
                "requests-opt-ins",
                "latency",
                "rate",
                "storm",
                "store",
                "expand",
                "memory",
                "storm-bare",
                "shared",
                "grpc",
                "review",
            ]
            .map(str::to_owned)
            .to_vec();
        }
        Ok(o)
    }
}

fn number(s: &str) -> Result<usize, String> {
    s.replace('_', "")
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))
}

pub fn run(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    util::release_binaries()?;
    let out_dir = target_dir().join("bench");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("creating {}: {e}", out_dir.display()))?;

    let mut results = BTreeMap::new();
    let mut baseline: Option<PathBuf> = None;
    let started = Instant::now();
    for scenario in &options.scenarios {
        let scenario_started = Instant::now();
        let mut result = match scenario.as_str() {
            "requests" => {
                let (result, file) = requests(&options, &out_dir)?;
                baseline = Some(file);
                result
            }
            "requests-opt-ins" => requests_opt_ins(&options, &out_dir)?,
            "latency" => latency(&options, &out_dir)?,
            "rate" => rate(&options, &out_dir)?,
            "storm" => storm(&options, &out_dir, baseline.as_deref())?,
            "storm-bare" => quota(&options, &out_dir, &STORM_BARE)?,
            "shared" => quota(&options, &out_dir, &SHARED)?,
            "store" => store(&options)?,
            "expand" => expand(&options)?,
            "memory" => memory(&options, &out_dir)?,
            "grpc" => grpc(&options, &out_dir)?,
            "review" => review(&options, &out_dir)?,
            other => return Err(format!("unknown scenario `{other}`")),
        };
        let took = scenario_started.elapsed().as_secs_f64();
        result["scenario_s"] = json!(took);
        println!(
            "{scenario:>10}: {} [{took:.0} s]",
            result["line"].as_str().unwrap_or_default()
        );
        results.insert(scenario.clone(), result);
    }
    let total = started.elapsed().as_secs_f64();
    println!("all scenarios: {total:.0} s");
    let report = json!({
        "quick": options.quick,
        "total_s": total,
        "machine": machine(),
        "scenarios": results,
    });
    let path = out_dir.join("results.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("results: {}", path.display());
    Ok(())
}
pub(super) fn release_bin(name: &str) -> PathBuf {
    target_dir().join("release").join(name)
}
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mem_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().to_owned())
            })
        })
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    json!({"cpu": cpu, "cores": cores, "memory_gib": mem_kb as f64 / 1024.0 / 1024.0})
}
