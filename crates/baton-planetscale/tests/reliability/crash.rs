//! SIGKILL at several points of a large sync, then the same command again: it resumes from the
//! last checkpoint, fetches again only what was in flight, and ends with the content of an
//! uninterrupted sync. SIGINT checkpoints and exits with 130. The previous `.c1z` is never
//! touched by an interrupted run.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use planetscale_fake::{DataSpec, Dataset, Latency, RequestRecord};

use crate::support::{Fake, Ids, ids, outputs, summary};

/// Calls in flight at once in the interrupted runs: what a resume may fetch again.
const WORKERS: &str = "2";

/// Two organizations of 1,200 and 300 members with 50 teams: about 70 requests.
fn large() -> Dataset {
    DataSpec::sized(2, 1_200, 40).generate()
}

/// An uninterrupted sync of `dataset` on a fake of its own.
fn reference(dataset: Dataset) -> Ids {
    let fake = Fake::new(dataset);
    let dir = tempfile::tempdir().unwrap();
    let out = fake.cmd(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    ids(&dir.path().join("out.c1z"))
}

/// A fake serving `dataset` with a finished sync already in `dir/out.c1z`, now answering
/// slowly so that a sync takes long enough to interrupt.
fn slow_fake_with_a_previous_sync(dataset: Dataset, dir: &Path) -> (Fake, Vec<u8>) {
    let fake = Fake::new(dataset);
    let out = fake.cmd(dir).output().unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    let before = std::fs::read(dir.join("out.c1z")).unwrap();
    fake.server.clear_requests();
    fake.server
        .set_latency(Latency::Fixed(Duration::from_millis(30)));
    (fake, before)
}

fn spawn(fake: &Fake, dir: &Path) -> Child {
    fake.std_cmd(dir)
        .args(["--workers", WORKERS, "--checkpoint-interval-seconds", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the fake has served `n` requests; `false` if the child ended first.
fn wait_for_requests(fake: &Fake, child: &mut Child, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if fake.server.request_count() >= n {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the fake never served {n} requests");
}

/// Waits for the child to exit (a liveness bound, not a timing assertion).
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    panic!("the binary did not exit within a minute");
}

/// `path?query` of each request.
fn pages(records: &[RequestRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{}?{}", r.path, r.query))
        .collect()
}

/// Requests validation makes on every run: the organization list and page 1 of each
/// organization's members (the `read_organization` check).
fn is_validation(page: &str) -> bool {
    let (path, query) = page.split_once('?').unwrap_or((page, ""));
    let segments: Vec<&str> = path.split('/').collect();
    match segments[..] {
        ["", "v1", "organizations"] => true,
        ["", "v1", "organizations", _, "members"] => query.starts_with("page=1&"),
        _ => false,
    }
}

/// Runs the sync again to the end and checks the resume: same content as `reference`, and
/// nothing fetched again but validation and the calls in flight at the kill.
fn resume_and_check(fake: &Fake, dir: &Path, reference: &Ids, first: &[String], label: &str) {
    fake.server.clear_requests();
    fake.server.set_latency(Latency::None);
    let out = fake.cmd(dir).args(["-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{label}: {}", outputs(&out));
    assert_eq!(summary(&out)["resumed"], true, "{label}: {}", outputs(&out));
    assert_eq!(&ids(&dir.join("out.c1z")), reference, "{label}: content");
    assert!(
        !dir.join("out.c1z.partial").exists(),
        "{label}: partial left"
    );

    let done: HashSet<&String> = first.iter().collect();
    let second = pages(&fake.server.requests());
    let again: Vec<&String> = second
        .iter()
        .filter(|p| done.contains(p) && !is_validation(p))
        .collect();
    let workers: usize = WORKERS.parse().unwrap();
    assert!(
        again.len() <= workers + 1,
        "{label}: {} pages fetched before the kill were fetched again: {again:?}",
        again.len()
    );
    let new_work = second.iter().filter(|p| !is_validation(p)).count();
    let total_work = new_work + first.iter().filter(|p| !is_validation(p)).count();
    eprintln!(
        "{label}: first run {} requests, resume {} ({} repeated outside validation), {total_work} \
         in all",
        first.len(),
        second.len(),
        again.len()
    );
}

#[test]
fn a_killed_sync_resumes_to_the_uninterrupted_content() {
    let dataset = large();
    let reference = reference(dataset.clone());
    for kill_after in [5, 25, 50] {
        let dir = tempfile::tempdir().unwrap();
        let (fake, before) = slow_fake_with_a_previous_sync(dataset.clone(), dir.path());
        let mut child = spawn(&fake, dir.path());
        assert!(
            wait_for_requests(&fake, &mut child, kill_after),
            "the sync ended before {kill_after} requests"
        );
        // SIGKILL on Unix: no handler runs, nothing is flushed.
        child.kill().unwrap();
        child.wait().unwrap();
        let label = format!("killed after {kill_after} requests");
        assert_eq!(
            std::fs::read(dir.path().join("out.c1z")).unwrap(),
            before,
            "{label}: the previous file changed"
        );
        assert!(dir.path().join("out.c1z.partial").exists(), "{label}");
        let first = pages(&fake.server.requests());
        resume_and_check(&fake, dir.path(), &reference, &first, &label);
    }
}

#[cfg(unix)]
#[test]
fn sigint_checkpoints_and_exits_130_then_resumes() {
    let dataset = large();
    let reference = reference(dataset.clone());
    let dir = tempfile::tempdir().unwrap();
    let (fake, before) = slow_fake_with_a_previous_sync(dataset, dir.path());
    let mut child = spawn(&fake, dir.path());
    assert!(wait_for_requests(&fake, &mut child, 20));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_exit(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("out.c1z")).unwrap(),
        before,
        "the previous file changed"
    );
    let first = pages(&fake.server.requests());
    resume_and_check(&fake, dir.path(), &reference, &first, "SIGINT");
}
