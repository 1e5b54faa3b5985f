//! The scenarios, one function each (BENCHMARKS.md explains them), and what they read back
//! from the files a sync writes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use planetscale_connector::Part;
use serde_json::{Value, json};

use super::fake::Fake;
use super::files::{grant_count, same_content};
use super::sampling::{SyncRun, measured, sync, sync_again};
use super::{Options, release_bin};
use crate::util::cargo;

/// Scenario 1: requests made against the minimum the API allows.
pub(super) fn requests(o: &Options, out: &Path) -> Result<(Value, PathBuf), String> {
    let fake = Fake::start(&bench_data_args(o), &["--rate-limit", "0"])?;
    let file = out.join("requests.c1z");
    let sync = sync(&fake, &file, &["--requests-per-minute", "0"])?;
    let result = requests_result(&fake, &sync, false)?;
    Ok((result, file))
}

/// The optional parts scenario 1b turns on: those that list resources (the audit log's events
/// are not requests of the formula's resources), from the connector's table of its parts.
pub(super) fn opt_in_parts() -> impl Iterator<Item = Part> {
    Part::ALL
        .into_iter()
        .filter(|p| p.resource_type().is_some())
}

/// The flags that turn on [`opt_in_parts`], each once.
pub(super) fn opt_ins() -> Vec<String> {
    let mut flags: Vec<String> = opt_in_parts()
        .map(|p| format!("--{}", p.setting()))
        .collect();
    flags.dedup();
    flags
}

/// The query of the fake's minimum that counts the lists of [`opt_in_parts`].
pub(super) fn opt_ins_query() -> String {
    let mut lists: Vec<String> = opt_in_parts()
        .map(|p| format!("{}=true", p.key()))
        .collect();
    lists.dedup();
    format!("?{}", lists.join("&"))
}

/// Scenario 1b: scenario 1 with every optional part on (every database, service tokens, some
/// listed without their accesses, OAuth applications and their tokens, invitations).
pub(super) fn requests_opt_ins(o: &Options, out: &Path) -> Result<Value, String> {
    let fake = Fake::start(&bench_data_args(o), &["--rate-limit", "0"])?;
    let opt_ins = opt_ins();
    let mut args = vec!["--requests-per-minute", "0"];
    args.extend(opt_ins.iter().map(String::as_str));
    let sync = sync(&fake, &out.join("requests-opt-ins.c1z"), &args)?;
    requests_result(&fake, &sync, true)
}

/// Requests made against the formula's minimum, with or without the optional parts.
pub(super) fn requests_result(fake: &Fake, sync: &SyncRun, opt_ins: bool) -> Result<Value, String> {
    let minimum = fake.minimum_requests(opt_ins)?;
    let made = fake.total_requests()?;
    let ratio = made as f64 / minimum as f64;
    let line = format!(
        "{made} requests / {minimum} minimum = {ratio:.2} (target 1.00); {:.1} s",
        sync.wall.as_secs_f64()
    );
    Ok(
        json!({"line": line, "requests": made, "minimum": minimum, "ratio": ratio,
              "wall_s": sync.wall.as_secs_f64()}),
    )
}

/// Scenario 2: with 30 ms per request and no rate limit, wall time against perfect overlap.
/// Grant expansion, local work that no concurrency of requests hides, is scenario 9's.
pub(super) fn latency(o: &Options, out: &Path) -> Result<Value, String> {
    let latency = o.latency_ms.to_string();
    let fake = Fake::start(
        &bench_data_args(o),
        &["--latency-ms", &latency, "--rate-limit", "0"],
    )?;
    let sync = sync(
        &fake,
        &out.join("latency.c1z"),
        &["--requests-per-minute", "0", "--skip-expand-grants"],
    )?;
    let requests = fake.total_requests()?;
    let minimum = fake.minimum_requests(false)?;
    let workers = default_workers();
    let bound = minimum as f64 * (o.latency_ms as f64 / 1000.0) / workers as f64;
    let ratio = sync.wall.as_secs_f64() / bound;
    let line = format!(
        "{:.2} s / ({minimum} x {} ms / {workers} workers = {bound:.2} s) = {ratio:.2} (target <= 1.25)",
        sync.wall.as_secs_f64(),
        o.latency_ms
    );
    Ok(
        json!({"line": line, "wall_s": sync.wall.as_secs_f64(), "bound_s": bound, "ratio": ratio,
              "requests": requests, "workers": workers}),
    )
}

/// Scenario 3: the fake allows 3,000 a minute and the client is set to the same.
pub(super) fn rate(o: &Options, out: &Path) -> Result<Value, String> {
    let rpm = 3_000;
    let fake = Fake::start(&bench_data_args(o), &["--rate-limit", &rpm.to_string()])?;
    let sync = sync(
        &fake,
        &out.join("rate.c1z"),
        &["--requests-per-minute", &rpm.to_string()],
    )?;
    let requests = fake.total_requests()?;
    let throttled = fake.count_status(429)?;
    let bound = requests as f64 / (rpm as f64 / 60.0);
    let ratio = sync.wall.as_secs_f64() / bound;
    let line = format!(
        "{:.2} s / ({requests} requests at {} per s = {bound:.2} s) = {ratio:.2} (target <= 1.10); {throttled} x 429 (target 0)",
        sync.wall.as_secs_f64(),
        rpm / 60
    );
    Ok(
        json!({"line": line, "wall_s": sync.wall.as_secs_f64(), "bound_s": bound, "ratio": ratio,
              "requests": requests, "status_429": throttled}),
    )
}

/// Scenario 4: the client asks for twice what the fake allows; the sync must still complete,
/// with the same content as scenario 1, near the fake's rate.
pub(super) fn storm(o: &Options, out: &Path, baseline: Option<&Path>) -> Result<Value, String> {
    let (server_rpm, client_rpm) = (600, 1_200);
    let fake = Fake::start(
        &bench_data_args(o),
        &["--rate-limit", &server_rpm.to_string()],
    )?;
    let file = out.join("storm.c1z");
    let sync = sync(
        &fake,
        &file,
        &["--requests-per-minute", &client_rpm.to_string()],
    )?;
    let served = fake.total_requests()? - fake.count_status(429)?;
    let throttled = fake.count_status(429)?;
    let bound = served as f64 / (server_rpm as f64 / 60.0);
    let ratio = sync.wall.as_secs_f64() / bound;
    let identical = match baseline {
        Some(baseline) => Some(same_content(baseline, &file)?),
        None => None,
    };
    if identical == Some(false) {
        return Err("storm: the synced content differs from the requests scenario".to_owned());
    }
    let line = format!(
        "{:.2} s / ({served} requests at {} per s = {bound:.2} s) = {ratio:.2} (target <= 1.30); {throttled} x 429; content identical: {}",
        sync.wall.as_secs_f64(),
        server_rpm / 60,
        identical.map_or("not compared".to_owned(), |b| b.to_string())
    );
    Ok(
        json!({"line": line, "wall_s": sync.wall.as_secs_f64(), "bound_s": bound, "ratio": ratio,
              "served": served, "status_429": throttled, "identical": identical}),
    )
}

/// The first line `child` prints on its standard output.
pub(super) fn first_line(child: &mut Child, name: &str) -> Result<String, String> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("{name} has no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading {name}'s address: {e}"))?;
    match line.trim() {
        "" => Err(format!("{name} printed no address")),
        addr => Ok(addr.to_owned()),
    }
}

/// A server quota as PlanetScale really enforces it: 429 without `Retry-After`.
pub(super) struct Quota {
    name: &'static str,
    /// The token's quota, and how the fake counts it.
    server_rpm: u32,
    model: &'static str,
    /// What another consumer of the same token takes of it.
    other_rpm: u32,
    size: fn(&Options) -> (usize, usize),
}

impl Quota {
    /// The requests a second left for the sync.
    fn share_per_s(&self) -> f64 {
        f64::from(self.server_rpm - self.other_rpm) / 60.0
    }
}

/// Scenario 7: 120 a minute (a token bucket with a burst of 12), no `Retry-After`.
pub(super) const STORM_BARE: Quota = Quota {
    name: "storm-bare",
    server_rpm: 120,
    model: "token-bucket",
    other_rpm: 0,
    size: |o| o.storm_bare_size,
};

/// Scenario 8: 600 in any rolling minute, no `Retry-After`, half of it taken by another consumer
/// of the same token.
pub(super) const SHARED: Quota = Quota {
    name: "shared",
    server_rpm: 600,
    model: "rolling-minute",
    other_rpm: 300,
    size: |o| o.shared_size,
};

/// Scenarios 7 and 8: the client at its defaults against a quota that answers 429 without
/// saying when to come back. The sync must complete with the content of an unthrottled sync of
/// the same data, near the rate the quota leaves it, meeting few 429s.
pub(super) fn quota(o: &Options, out: &Path, quota: &Quota) -> Result<Value, String> {
    let (members, teams) = (quota.size)(o);
    let data = [
        "--preset".to_owned(),
        "bench".to_owned(),
        "--members".to_owned(),
        members.to_string(),
        "--teams".to_owned(),
        teams.to_string(),
    ];
    let baseline = out.join(format!("{}-baseline.c1z", quota.name));
    let unthrottled = Fake::start(&data, &["--rate-limit", "0"])?;
    sync(&unthrottled, &baseline, &["--requests-per-minute", "0"])?;
    drop(unthrottled);

    let limits = [
        "--rate-limit".to_owned(),
        quota.server_rpm.to_string(),
        "--rate-limit-model".to_owned(),
        quota.model.to_owned(),
        "--other-consumer-rpm".to_owned(),
        quota.other_rpm.to_string(),
        "--retry-after".to_owned(),
        "absent".to_owned(),
    ];
    let limits: Vec<&str> = limits.iter().map(String::as_str).collect();
    let fake = Fake::start(&data, &limits)?;
    let file = out.join(format!("{}.c1z", quota.name));
    let sync = sync(&fake, &file, &[])?;
    let stats = fake.stats()?;
    let total = stats["total"].as_u64().unwrap_or(0);
    let throttled = stats["by_status"]["429"].as_u64().unwrap_or(0);
    let served = total - throttled;
    let bound = served as f64 / quota.share_per_s();
    let ratio = sync.wall.as_secs_f64() / bound;
    let throttled_share = throttled as f64 / total.max(1) as f64;
    let identical = same_content(&baseline, &file)?;
    if !identical {
        return Err(format!(
            "{}: the synced content differs from an unthrottled sync",
            quota.name
        ));
    }
    let other = &stats["other_consumer"];
    let other_line = match quota.other_rpm {
        0 => String::new(),
        _ => format!(
            "; the other consumer: {} served, {} refused",
            other["served"], other["refused"]
        ),
    };
    let line = format!(
        "{:.2} s / ({served} requests at {:.0} per s = {bound:.2} s) = {ratio:.2} (target <= 1.30); {throttled} x 429 = {:.1}% of {total} requests (target <= 10%){other_line}; content identical: {identical}",
        sync.wall.as_secs_f64(),
        quota.share_per_s(),
        100.0 * throttled_share,
    );
    Ok(
        json!({"line": line, "wall_s": sync.wall.as_secs_f64(), "bound_s": bound, "ratio": ratio,
              "served": served, "requests": total, "status_429": throttled,
              "status_429_share": throttled_share, "identical": identical,
              "other_consumer": other.clone()}),
    )
}

/// Scenario 5: the `.c1z` writer against plain rusqlite, in one process (the c1z crate's bench).
pub(super) fn store(o: &Options) -> Result<Value, String> {
    let mut value = cargo_bench("store", &["--grants", &o.store_grants.to_string()])?;
    let writer = value["c1z_grants_per_sec"].as_f64().unwrap_or(0.0);
    let raw = value["rusqlite_grants_per_sec"].as_f64().unwrap_or(0.0);
    let puts = value["put_phase_grants_per_sec"].as_f64().unwrap_or(0.0);
    let line = format!(
        "writer {writer:.0} grants/s (end_sync included; {puts:.0}/s while writing) / raw rusqlite {raw:.0} grants/s = {:.2} (target >= 0.50, and >= 200000 grants/s)",
        if raw > 0.0 { writer / raw } else { 0.0 }
    );
    value["line"] = Value::String(line);
    Ok(value)
}

/// Scenario 5b: grant expansion into a `.c1z`, against the plain rusqlite rate of scenario 5.
pub(super) fn expand(o: &Options) -> Result<Value, String> {
    let groups = o.expand_groups.to_string();
    let runs = if o.quick { "1" } else { "3" };
    let mut value = cargo_bench("expand", &["--groups", &groups, "--runs", runs])?;
    let rate = value["expansion_grants_per_sec"].as_f64().unwrap_or(0.0);
    let raw = value["rusqlite_grants_per_sec"].as_f64().unwrap_or(0.0);
    let line = format!(
        "expansion {rate:.0} grants/s ({} grants expanded in {:.2} s) / raw rusqlite {raw:.0} grants/s = {:.2} (target >= 0.50); peak RSS {:.0} MB (target <= 150)",
        value["expanded_grants"],
        value["expansion_secs"].as_f64().unwrap_or(0.0),
        value["ratio"].as_f64().unwrap_or(0.0),
        value["peak_rss_mb"].as_f64().unwrap_or(0.0),
    );
    value["line"] = Value::String(line);
    Ok(value)
}

/// Runs a bench of the `c1z` crate with `--json` and returns the JSON line it printed last.
pub(super) fn cargo_bench(name: &str, args: &[&str]) -> Result<Value, String> {
    let output = cargo()
        .args(["bench", "--quiet", "-p", "c1z", "--bench", name, "--"])
        .args(args)
        .arg("--json")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running the {name} bench: {e}"))?;
    if !output.status.success() {
        return Err(format!("the {name} bench failed with {}", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json_line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or(format!("the {name} bench printed no JSON line"))?;
    serde_json::from_str(json_line).map_err(|e| format!("{name} bench JSON: {e}"))
}

/// Scenario 6: peak memory and CPU of the binary as the organization grows.
pub(super) fn memory(o: &Options, out: &Path) -> Result<Value, String> {
    let mut points = Vec::new();
    for &members in &o.memory_members {
        let fake = Fake::start(&one_org_args(o, members), &["--rate-limit", "0"])?;
        let file = out.join(format!("memory-{members}.c1z"));
        let sync = sync(&fake, &file, &["--requests-per-minute", "0"])?;
        let grants = grant_count(&file)?;
        let cpu_per_100k = sync.cpu.as_secs_f64() / (grants.max(1) as f64 / 100_000.0);
        points.push(json!({"members": members, "grants": grants, "peak_rss_mb": sync.peak_rss_kb as f64 / 1024.0,
                           "cpu_s": sync.cpu.as_secs_f64(), "cpu_s_per_100k_grants": cpu_per_100k,
                           "wall_s": sync.wall.as_secs_f64()}));
    }
    let line = points
        .iter()
        .map(|p| {
            format!(
                "{} members: {:.0} MB peak, {:.2} CPU s / 100k grants",
                p["members"],
                p["peak_rss_mb"].as_f64().unwrap_or(0.0),
                p["cpu_s_per_100k_grants"].as_f64().unwrap_or(0.0)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(json!({"line": format!("{line} (target <= 150 MB, flat)"), "points": points}))
}

/// Scenario 10: reading a large file back. Two syncs of one organization of the `memory`
/// scenario's largest size into one file, then, each as its own process: `inspect review -o
/// csv`, `inspect review` (a table), `diff` (the two syncs) and `report` (the HTML file, with
/// the changes since the previous sync), measured like a sync (wall time, peak RSS).
pub(super) fn review(o: &Options, out: &Path) -> Result<Value, String> {
    let members = o.memory_members.iter().copied().max().unwrap_or(1_000);
    let fake = Fake::start(&one_org_args(o, members), &["--rate-limit", "0"])?;
    let file = out.join(format!("review-{members}.c1z"));
    sync(&fake, &file, &["--requests-per-minute", "0"])?;
    sync_again(&fake, &file, &["--requests-per-minute", "0"])?;
    drop(fake);
    let grants = grant_count(&file)?;
    let html = out.join(format!("review-{members}.html"));
    let file_arg = file.display().to_string();
    let html_arg = html.display().to_string();
    let commands: [(&str, Vec<&str>); 4] = [
        ("review-csv", vec!["inspect", "review", "-o", "csv"]),
        ("review-table", vec!["inspect", "review"]),
        ("diff", vec!["diff"]),
        ("report", vec!["report", "--force", "--out", &html_arg]),
    ];
    let mut points = Vec::new();
    let mut parts = Vec::new();
    for (name, command) in commands {
        let mut cmd = Command::new(release_bin("baton-planetscale"));
        cmd.args(&command)
            .args(["--file", &file_arg, "--log-level", "warn"]);
        let run = measured(cmd, &out.join(format!("review-{name}.log")))?;
        let mb = run.peak_rss_kb as f64 / 1024.0;
        let wall = run.wall.as_secs_f64();
        parts.push(format!("{name} {wall:.1} s {mb:.0} MB"));
        points.push(json!({"command": name, "wall_s": wall, "peak_rss_mb": mb,
                           "cpu_s": run.cpu.as_secs_f64()}));
    }
    let size = std::fs::metadata(&html).map(|m| m.len()).unwrap_or(0);
    let size_mb = size as f64 / 1_000_000.0;
    Ok(json!({
        "line": format!(
            "{members} members, {grants} grants: {}; report {size_mb:.1} MB (target each <= 200 MB, <= 5 s)",
            parts.join(", ")
        ),
        "members": members,
        "grants": grants,
        "report_bytes": size,
        "points": points,
    }))
}

/// The fake's data for the `memory` and `review` scenarios: one organization of `members`.
fn one_org_args(o: &Options, members: usize) -> Vec<String> {
    let (members, teams) = (members.to_string(), o.memory_teams.to_string());
    [
        "--preset",
        "bench",
        "--orgs",
        "1",
        "--members",
        &members,
        "--teams",
        &teams,
    ]
    .map(str::to_owned)
    .to_vec()
}

pub(super) fn bench_data_args(o: &Options) -> Vec<String> {
    vec![
        "--preset".to_owned(),
        "bench".to_owned(),
        "--members".to_owned(),
        o.members.to_string(),
        "--teams".to_owned(),
        o.teams.to_string(),
    ]
}

pub(super) fn default_workers() -> usize {
    8
}
#[cfg(test)]
mod opt_in_tests {
    /// The opt-ins come from the connector's parts table; scenario 1b's recorded figures were
    /// measured with these flags and this minimum.
    #[test]
    fn the_opt_ins_are_the_parts_that_list_resources() {
        assert_eq!(
            super::opt_ins(),
            [
                "--planetscale-list-databases",
                "--planetscale-sync-service-tokens",
                "--planetscale-sync-oauth-applications",
                "--planetscale-sync-invitations",
            ]
        );
        assert_eq!(
            super::opt_ins_query(),
            "?databases=true&service_tokens=true&oauth_applications=true&invitations=true"
        );
    }
}
