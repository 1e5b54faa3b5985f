//! One sync as a separate process, measured through /proc while it runs: wall time, CPU time
//! and the kernel's peak resident set.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::fake::Fake;
use super::{TOKEN, release_bin};

pub(super) struct SyncRun {
    pub(super) wall: Duration,
    pub(super) cpu: Duration,
    pub(super) peak_rss_kb: u64,
}

/// Runs one sync as a separate process and measures it through /proc while it runs.
pub(super) fn sync(fake: &Fake, file: &Path, extra: &[&str]) -> Result<SyncRun, String> {
    // A fresh start: an earlier run's output, or its resumable `.partial`, would change what is
    // measured.
    let _ = std::fs::remove_file(file);
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let _ = std::fs::remove_file(&partial);
    sync_again(fake, file, extra)
}

/// [`sync`] into `file` as it is: a second sync adds to the syncs it holds.
pub(super) fn sync_again(fake: &Fake, file: &Path, extra: &[&str]) -> Result<SyncRun, String> {
    let mut cmd = Command::new(release_bin("baton-planetscale"));
    cmd.args(["--planetscale-api-url", &fake.url, "--file"])
        .arg(file)
        .args(["--log-level", "warn"])
        .args(extra)
        .env("BATON_PLANETSCALE_SERVICE_TOKEN", TOKEN);
    measured(cmd, &file.with_extension("log"))
}

/// Runs `cmd` (stdout discarded, stderr to `log_path`) and measures it through /proc while it
/// runs.
pub(super) fn measured(mut cmd: Command, log_path: &Path) -> Result<SyncRun, String> {
    // stderr goes to a file: a pipe nobody reads until the end would fill up and stall it.
    let log = std::fs::File::create(log_path)
        .map_err(|e| format!("creating {}: {e}", log_path.display()))?;
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("starting baton-planetscale: {e}"))?;
    let pid = child.id();
    let mut peak_rss_kb = 0;
    let mut cpu = Duration::ZERO;
    // Poll until the process is a zombie: its CPU times are still readable then, and
    // VmHWM (the kernel's own peak) was read on the way.
    while let Some(sample) = proc_sample(pid) {
        peak_rss_kb = peak_rss_kb.max(sample.hwm_kb);
        cpu = sample.cpu;
        if sample.zombie {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let wall = started.elapsed();
    if !status.success() {
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        return Err(format!(
            "baton-planetscale failed ({status}); the last lines of {}:\n{}",
            log_path.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(SyncRun {
        wall,
        cpu,
        peak_rss_kb,
    })
}

/// The CPU time (user and system) process `pid` has used so far; `None` once it is gone.
pub(super) fn cpu_of(pid: u32) -> Option<Duration> {
    proc_sample(pid).map(|s| s.cpu)
}

struct ProcSample {
    hwm_kb: u64,
    cpu: Duration,
    zombie: bool,
}

fn proc_sample(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name: state is the 1st, utime the 12th, stime the 13th.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let zombie = fields.first() == Some(&"Z");
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every mainstream platform.
    let cpu = Duration::from_millis(ticks * 10);
    let hwm_kb = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    Some(ProcSample {
        hwm_kb,
        cpu,
        zombie,
    })
}
