//! Scenario `grpc`: baton-sdk's own syncer (the Go interop module) against `baton-planetscale
//! serve`, round by round beside our own engine on the same data.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::fake::Fake;
use super::sampling::{cpu_of, sync};
use super::scenarios::{bench_data_args, default_workers, first_line};
use super::{Options, TOKEN, release_bin};

/// Scenario `grpc`: baton-sdk's own syncer (the Go interop module) drives `baton-planetscale
/// serve` on the same data as scenario 1: the requests are still the formula's minimum, the wall
/// time within 1.25x our own engine's (same worker count), the content the same. baton writes
/// with its default storage engine (Pebble; `GRPC_BENCH_ENGINE=sqlite` in the environment picks
/// its SQLite one), so the Go side compares the two files, both read with baton-sdk's store.
/// On a shared machine one pair of syncs says more about the load of the moment than about
/// either engine, so the two take turns, [`GRPC_ROUNDS`] rounds (one with `--quick`), each on
/// a fresh fake, and the ratio is the median round's. Each round also records the CPU of every
/// process (our engine and its fake; baton's Go process during its sync, `serve` and its fake)
/// and the load average it started under: on a shared machine the wall ratio follows the
/// CPU the two paths need. Skipped without Go.
pub(super) fn grpc(o: &Options, out: &Path) -> Result<Value, String> {
    if !crate::util::has("go", "version") {
        let line = "skipped: Go is not installed".to_owned();
        return Ok(json!({"line": line, "skipped": true}));
    }
    // The test binary is built once, outside every measurement.
    let go_test = out.join("interop.test");
    crate::util::run(
        Command::new("go")
            .args(["test", "-c", "-o"])
            .arg(&go_test)
            .arg(".")
            .current_dir(crate::util::root().join("interop")),
    )?;
    let rounds = if o.quick { 1 } else { GRPC_ROUNDS };
    let mut runs = Vec::new();
    for _ in 0..rounds {
        runs.push(grpc_round(o, out, &go_test)?);
    }
    let each: Vec<Value> = runs.iter().map(GrpcRound::json).collect();
    runs.sort_by(|a, b| a.ratio().total_cmp(&b.ratio()));
    let median = &runs[runs.len() / 2];
    let ratio = median.ratio();
    let ratios: Vec<f64> = runs.iter().map(GrpcRound::ratio).collect();
    let requests = runs.iter().map(|r| r.requests).max().unwrap_or_default();
    let minimum = runs.iter().map(|r| r.minimum).max().unwrap_or_default();
    let identical = runs.iter().all(|r| r.identical);
    let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    let line = format!(
        "baton's syncer: {requests} requests / {minimum} minimum (target 1.00); median of {rounds}: \
         {:.2} s / our engine's {:.2} s = {ratio:.2} (target <= 1.25; rounds {}); CPU of that \
         round: baton {:.2} s + serve {:.2} s + fake {:.2} s against our engine {:.2} s + fake \
         {:.2} s; load {:.1}; content identical: {identical}",
        median.baton_wall,
        median.own_wall,
        shown.join(", "),
        median.baton_cpu,
        median.serve_cpu,
        median.baton_fake_cpu,
        median.own_cpu,
        median.own_fake_cpu,
        median.load,
    );
    Ok(
        json!({"line": line, "requests": requests, "minimum": minimum,
              "baton_wall_s": median.baton_wall, "own_wall_s": median.own_wall,
              "ratio": ratio, "ratios": ratios, "identical": identical, "rounds": each}),
    )
}

/// Rounds of the `grpc` scenario at full size.
const GRPC_ROUNDS: usize = 3;

/// One round of the `grpc` scenario: wall and CPU seconds of each side.
struct GrpcRound {
    own_wall: f64,
    /// Our engine's process.
    own_cpu: f64,
    /// The fake our engine synced from.
    own_fake_cpu: f64,
    baton_wall: f64,
    /// baton's Go process, during its sync.
    baton_cpu: f64,
    /// `baton-planetscale serve`.
    serve_cpu: f64,
    /// The fake `serve` synced from.
    baton_fake_cpu: f64,
    /// The 1-minute load average when the round started.
    load: f64,
    requests: u64,
    minimum: u64,
    identical: bool,
}

impl GrpcRound {
    /// baton's wall time over our engine's.
    fn ratio(&self) -> f64 {
        self.baton_wall / self.own_wall
    }

    fn json(&self) -> Value {
        json!({"ratio": self.ratio(), "load": self.load,
               "own": {"wall_s": self.own_wall, "cpu_s": self.own_cpu, "fake_cpu_s": self.own_fake_cpu},
               "baton": {"wall_s": self.baton_wall, "cpu_s": self.baton_cpu,
                         "serve_cpu_s": self.serve_cpu, "fake_cpu_s": self.baton_fake_cpu}})
    }
}

/// The 1-minute load average.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_default()
}

/// Our engine's sync, then baton's through `serve`, each on a fresh fake of the same data.
fn grpc_round(o: &Options, out: &Path, go_test: &Path) -> Result<GrpcRound, String> {
    let load = load_average();
    let ours = out.join("grpc-ours.c1z");
    let _ = std::fs::remove_file(&ours);
    let fake = Fake::start(&bench_data_args(o), &["--rate-limit", "0"])?;
    let own = sync(&fake, &ours, &["--requests-per-minute", "0"])?;
    let own_fake_cpu = fake.cpu().as_secs_f64();
    drop(fake);

    let fake = Fake::start(&bench_data_args(o), &["--rate-limit", "0"])?;
    let theirs = out.join("grpc-baton.c1z");
    let _ = std::fs::remove_file(&theirs);
    let mut server = Command::new(release_bin("baton-planetscale"))
        .args(["serve", "--planetscale-api-url", &fake.url])
        .args(["--requests-per-minute", "0", "--log-level", "warn"])
        .env("BATON_PLANETSCALE_SERVICE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting baton-planetscale serve: {e}"))?;
    let addr = first_line(&mut server, "baton-planetscale serve");
    let driven = addr.and_then(|addr| {
        let output = Command::new(go_test)
            .args([
                "-test.count=1",
                "-test.v",
                "-test.run",
                "^TestGrpcBenchSync$",
            ])
            .current_dir(crate::util::root().join("interop"))
            .env("GRPC_BENCH_ADDR", &addr)
            .env("GRPC_BENCH_C1Z", &theirs)
            .env("GRPC_BENCH_OURS", &ours)
            .env("GRPC_BENCH_WORKERS", default_workers().to_string())
            .output()
            .map_err(|e| format!("running the interop test binary: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let said = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("grpc-bench {key}=")))
                .map(|v| v.trim().to_owned())
        };
        let number = |key: &str| said(key).and_then(|s| s.parse::<f64>().ok());
        match (number("wall_s"), number("cpu_s"), said("identical")) {
            (Some(wall), Some(cpu), Some(identical)) => Ok((wall, cpu, identical == "true")),
            _ => Err(format!("baton's sync failed:\n{text}")),
        }
    });
    let serve_cpu = cpu_of(server.id()).unwrap_or_default().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    let (baton_wall, baton_cpu, identical) = driven?;
    Ok(GrpcRound {
        own_wall: own.wall.as_secs_f64(),
        own_cpu: own.cpu.as_secs_f64(),
        own_fake_cpu,
        baton_wall,
        baton_cpu,
        serve_cpu,
        baton_fake_cpu: fake.cpu().as_secs_f64(),
        load,
        requests: fake.total_requests()?,
        minimum: fake.minimum_requests(false)?,
        identical,
    })
}
