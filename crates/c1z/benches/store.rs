//! Grant write throughput: `C1zWriter` against plain rusqlite.
//!
//! `cargo bench -p c1z --bench store -- [--grants N] [--runs N] [--json]`
//!
//! The writer side is timed from the first `put_grants` until `end_sync` returns: it includes
//! building the model grants, encoding them, and `end_sync` (building the deferred grant
//! indexes, zstd compression, fsync and rename). The rate of the `put_grants` phase alone
//! (until an awaited `checkpoint`) is reported too. The writer runs `--runs` times (default 3)
//! into a fresh file each time and the run of median total time is reported, so one hiccup of
//! a shared machine does not make the figure.
//! The plain-rusqlite side (`common.rs`, shared with the `expand` bench) inserts exactly the
//! rows the writer produced.

use std::time::{Duration, Instant};

mod common;

use c1z::{C1zWriter, WriterOptions};
use connector_sdk::{Entitlement, Grant, Purpose, Resource, ResourceId, ResourceType, Store};

const BATCH: usize = 1000;

fn main() {
    let common::Args {
        size: grants,
        runs,
        json,
    } = common::args("--grants", 1_000_000);

    let dir = tempfile::tempdir().expect("temporary directory");
    let out = dir.path().join("bench.c1z");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut timings: Vec<(Duration, Duration)> = (0..runs)
        .map(|_| {
            let _ = std::fs::remove_file(&out);
            runtime.block_on(write_with_c1z(&out, grants))
        })
        .collect();
    let all_secs: Vec<String> = timings
        .iter()
        .map(|(put, end)| format!("{:.3}", (*put + *end).as_secs_f64()))
        .collect();
    timings.sort_by_key(|(put, end)| *put + *end);
    let (put_time, end_time) = timings[timings.len() / 2];
    let writer_time = put_time + end_time;
    let (baseline_time, rows) = common::write_with_rusqlite(&out, dir.path());
    assert_eq!(
        rows, grants as u64,
        "the writer must have written every grant"
    );

    let c1z_rate = grants as f64 / writer_time.as_secs_f64();
    let plain_rate = grants as f64 / baseline_time.as_secs_f64();
    let ratio = c1z_rate / plain_rate;
    if json {
        println!(
            "{{\"grants\":{grants},\"c1z_grants_per_sec\":{c1z_rate:.0},\
             \"rusqlite_grants_per_sec\":{plain_rate:.0},\"ratio\":{ratio:.3},\
             \"end_sync_included\":true,\"end_sync_secs\":{:.3},\"put_phase_grants_per_sec\":{:.0},\
             \"c1z_runs_secs\":[{}]}}",
            end_time.as_secs_f64(),
            grants as f64 / put_time.as_secs_f64(),
            all_secs.join(",")
        );
        return;
    }
    println!("grants:            {grants}");
    println!(
        "C1zWriter:         {c1z_rate:>12.0} grants/s ({:.2} s, median of runs of {} s)",
        writer_time.as_secs_f64(),
        all_secs.join(", ")
    );
    println!(
        "plain rusqlite:    {plain_rate:>12.0} grants/s ({:.2} s)",
        baseline_time.as_secs_f64()
    );
    println!("ratio:             {ratio:>12.3}");
    println!("  of which end_sync: {:.2} s", end_time.as_secs_f64());
    println!(
        "put_grants phase:  {:>12.0} grants/s",
        grants as f64 / put_time.as_secs_f64()
    );
}

async fn write_with_c1z(out: &std::path::Path, n: usize) -> (Duration, Duration) {
    let writer = C1zWriter::open(out, WriterOptions::default()).expect("open writer");
    writer.begin_sync().await.expect("begin_sync");
    let team = ResourceType::new("team", "Team", &[]);
    let teams: Vec<Entitlement> = (0..1000)
        .map(|i| {
            let resource = Resource::new(&team, format!("team-{i:06}"), format!("Team {i}"));
            Entitlement::new(&resource, "member", Purpose::Assignment)
        })
        .collect();
    let started = Instant::now();
    let mut next = 0;
    while next < n {
        let end = (next + BATCH).min(n);
        // As a sync does: grants come per resource (team-major), members in arbitrary order.
        let per_team = n.div_ceil(teams.len());
        let batch: Vec<Grant> = (next..end)
            .map(|i| {
                let user = (i as u64 * 2_654_435_761) % n as u64;
                Grant::of(
                    &teams[i / per_team],
                    ResourceId::new("user", format!("user-{user:09}")),
                )
            })
            .collect();
        writer.put_grants(batch).await.expect("put_grants");
        next = end;
    }
    writer.checkpoint("{}").await.expect("checkpoint");
    let written = started.elapsed();
    let started = Instant::now();
    writer.end_sync().await.expect("end_sync");
    (written, started.elapsed())
}
