//! Grant expansion throughput: the engine's expansion phase writing into a `C1zWriter`, against
//! plain rusqlite.
//!
//! `cargo bench -p c1z --bench expand -- [--groups N] [--runs N] [--json]`
//!
//! A synthetic directory is synced through the engine into a `.c1z`: `--groups` groups of 100
//! users (drawn from 40 users a group), each granted 12 roles expandable from the group's
//! members; departments of 20 groups each (nested, expandable), each granted 2 roles. That is
//! about 1,500 expanded grants a group, in two levels, with some users reaching a role twice
//! (their grant's `sources` grow instead). The expansion phase is timed from its
//! `PhaseStarted` to its `PhaseFinished` event (it ends with a checkpoint, so every write is
//! committed); the rate is expanded grants created per second, and the process's CPU time
//! during the phase (both threads) is reported too. The sync runs `--runs` times
//! (default 3) and the run of median expansion time is reported. Peak RSS (`VmHWM`) is read
//! before the baseline runs. The plain-rusqlite baseline (`common.rs`) inserts every grant row
//! the writer produced, as the `store` bench does.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use c1z::{C1zWriter, WriterOptions};
use connector_sdk::{
    Annotation, Connector, ConnectorError, Entitlement, Event, Grant, ListContext, Metadata, Page,
    Phase, Resource, ResourceContext, ResourceId, ResourceSyncer, ResourceType, SyncOptions,
};

const MEMBERS: usize = 100;
const USERS_PER_GROUP: usize = 40;
const GROUP_ROLES: usize = 12;
const GROUPS_PER_DEPARTMENT: usize = 20;
const DEPARTMENT_ROLES: usize = 2;

fn main() {
    let common::Args { size, runs, json } = common::args("--groups", 720);
    let groups = size.max(GROUPS_PER_DEPARTMENT);

    let directory = Arc::new(Directory::new(groups));
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = dir.path().join("expand.c1z");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut timings: Vec<Run> = (0..runs)
        .map(|_| {
            let _ = std::fs::remove_file(&out);
            runtime.block_on(sync(&directory, &out))
        })
        .collect();
    let peak_rss_mb = peak_rss_kb() as f64 / 1024.0;
    let all_secs: Vec<String> = timings
        .iter()
        .map(|r| format!("{:.3}", r.expansion.as_secs_f64()))
        .collect();
    timings.sort_by_key(|r| r.expansion);
    let run = &timings[timings.len() / 2];
    let (baseline_time, rows) = common::write_with_rusqlite(&out, dir.path());
    assert_eq!(
        rows,
        run.listed + run.created,
        "every grant reaches the file"
    );

    let rate = run.created as f64 / run.expansion.as_secs_f64();
    let plain_rate = rows as f64 / baseline_time.as_secs_f64();
    let ratio = rate / plain_rate;
    if json {
        println!(
            "{{\"groups\":{groups},\"listed_grants\":{},\"expanded_grants\":{},\"updated_grants\":{},\
             \"expansion_secs\":{:.3},\"expansion_cpu_secs\":{:.3},\"expansion_grants_per_sec\":{rate:.0},\
             \"rusqlite_grants_per_sec\":{plain_rate:.0},\"ratio\":{ratio:.3},\
             \"end_sync_secs\":{:.3},\"peak_rss_mb\":{peak_rss_mb:.1},\"runs_secs\":[{}]}}",
            run.listed,
            run.created,
            run.updated,
            run.expansion.as_secs_f64(),
            run.cpu.as_secs_f64(),
            run.end.as_secs_f64(),
            all_secs.join(",")
        );
        return;
    }
    println!(
        "grants:            {} listed, {} expanded, {} updated",
        run.listed, run.created, run.updated
    );
    println!(
        "expansion:         {rate:>12.0} grants/s ({:.2} s, median of runs of {} s)",
        run.expansion.as_secs_f64(),
        all_secs.join(", ")
    );
    println!(
        "plain rusqlite:    {plain_rate:>12.0} grants/s ({:.2} s for {rows} rows)",
        baseline_time.as_secs_f64()
    );
    println!("ratio:             {ratio:>12.3}");
    println!(
        "expansion CPU:     {:.2} s ({:.1} µs a grant, both threads)",
        run.cpu.as_secs_f64(),
        run.cpu.as_secs_f64() * 1e6 / run.created.max(1) as f64
    );
    println!("end_sync:          {:.2} s", run.end.as_secs_f64());
    println!("peak RSS:          {peak_rss_mb:.0} MB");
}

/// What one sync took and made.
struct Run {
    expansion: Duration,
    /// CPU time of the whole process (engine and writer threads) during the expansion.
    cpu: Duration,
    end: Duration,
    listed: u64,
    created: u64,
    updated: u64,
}

async fn sync(directory: &Arc<Directory>, out: &std::path::Path) -> Run {
    let writer = C1zWriter::open(out, WriterOptions::default()).expect("open writer");
    let marks: Arc<Mutex<HashMap<&'static str, (Instant, Duration)>>> = Arc::default();
    let observer = {
        let marks = Arc::clone(&marks);
        move |e: &Event| {
            let mark = match e {
                Event::PhaseStarted {
                    phase: Phase::GrantExpansion,
                } => "started",
                Event::PhaseFinished {
                    phase: Phase::GrantExpansion,
                } => "finished",
                _ => return,
            };
            marks
                .lock()
                .unwrap()
                .insert(mark, (Instant::now(), cpu_time()));
        }
    };
    let options = SyncOptions {
        observer: Some(Arc::new(observer)),
        ..SyncOptions::default()
    };
    let connector = Synthetic(Arc::clone(directory));
    let summary = connector_sdk::sync(&connector, &writer, options)
        .await
        .expect("sync");
    let done = Instant::now();
    let marks = marks.lock().unwrap();
    let (started, cpu_started) = marks["started"];
    let (finished, cpu_finished) = marks["finished"];
    Run {
        expansion: finished - started,
        cpu: cpu_finished - cpu_started,
        end: done - finished,
        listed: summary.grants(),
        created: summary.expansion.grants_created,
        updated: summary.expansion.grants_updated,
    }
}

/// The synthetic directory: who is in which group, which roles each group and department has.
struct Directory {
    users: usize,
    /// Group → its members' user numbers.
    members: Vec<Vec<usize>>,
    /// Role → the groups and departments it is granted to.
    holders: Vec<Vec<ResourceId>>,
}

impl Directory {
    fn new(groups: usize) -> Self {
        let users = groups * USERS_PER_GROUP;
        let departments = groups / GROUPS_PER_DEPARTMENT;
        let roles = groups * 2;
        let members = (0..groups)
            .map(|g| distinct(g as u64, MEMBERS, users))
            .collect();
        let mut holders = vec![Vec::new(); roles];
        for g in 0..groups {
            for r in distinct(1 << 40 | g as u64, GROUP_ROLES, roles) {
                holders[r].push(ResourceId::new("group", group_id(g)));
            }
        }
        for d in 0..departments {
            for r in distinct(2 << 40 | d as u64, DEPARTMENT_ROLES, roles) {
                holders[r].push(ResourceId::new("department", department_id(d)));
            }
        }
        Directory {
            users,
            members,
            holders,
        }
    }
}

/// `n` distinct numbers below `below`, drawn from `seed`.
fn distinct(seed: u64, n: usize, below: usize) -> Vec<usize> {
    let mut state = mix(seed);
    let mut out = BTreeSet::new();
    while out.len() < n.min(below) {
        state = mix(state);
        out.insert(state as usize % below);
    }
    out.into_iter().collect()
}

/// splitmix64's output function.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn user_id(u: usize) -> String {
    format!("user-{u:07}")
}

fn group_id(g: usize) -> String {
    format!("group-{g:05}")
}

fn department_id(d: usize) -> String {
    format!("department-{d:04}")
}

fn member_entitlement(principal: &ResourceId) -> String {
    connector_sdk::ids::entitlement_id(principal, "member")
}

struct Synthetic(Arc<Directory>);

struct Kind {
    id: &'static str,
    directory: Arc<Directory>,
}

#[async_trait]
impl Connector for Synthetic {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Synthetic directory".into(),
            description: "Users, nested groups and roles for the expand bench".into(),
        }
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        ["user", "group", "department", "role"]
            .into_iter()
            .map(|id| -> Arc<dyn ResourceSyncer> {
                Arc::new(Kind {
                    id,
                    directory: Arc::clone(&self.0),
                })
            })
            .collect()
    }
}

impl Kind {
    fn rt(&self) -> ResourceType {
        let rt = ResourceType::new(self.id, self.id, &[]);
        match self.id {
            "user" => rt.with_annotation(Annotation::SkipEntitlementsAndGrants),
            _ => rt,
        }
    }

    fn ids(&self) -> Vec<String> {
        let d = &self.directory;
        match self.id {
            "user" => (0..d.users).map(user_id).collect(),
            "group" => (0..d.members.len()).map(group_id).collect(),
            "department" => (0..d.members.len() / GROUPS_PER_DEPARTMENT)
                .map(department_id)
                .collect(),
            _ => (0..d.holders.len())
                .map(|r| format!("role-{r:05}"))
                .collect(),
        }
    }

    fn number(id: &str) -> usize {
        id.rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// `principal` holds `name` on `resource`; a group or department principal's members do too.
fn grant(resource: &Resource, name: &str, principal: ResourceId) -> Grant {
    let nested = principal.resource_type != "user";
    let source = member_entitlement(&principal);
    let grant = Grant::new(resource, name, principal);
    match nested {
        true => grant.with_annotation(Annotation::GrantExpandable {
            entitlement_ids: vec![source],
            shallow: false,
            resource_type_ids: Vec::new(),
        }),
        false => grant,
    }
}

#[async_trait]
impl ResourceSyncer for Kind {
    fn resource_type(&self) -> ResourceType {
        self.rt()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let rt = self.rt();
        let resources = self
            .ids()
            .into_iter()
            .map(|id| Resource::new(&rt, &id, id.clone()));
        Ok(Page::last(resources.collect()))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let name = if self.id == "role" {
            "assignment"
        } else {
            "member"
        };
        Ok(Page::last(vec![Entitlement::assignment(
            &cx.resource,
            name,
        )]))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let d = &self.directory;
        let n = Self::number(&cx.resource.id.resource);
        let grants = match self.id {
            "group" => d.members[n]
                .iter()
                .map(|&u| grant(&cx.resource, "member", ResourceId::new("user", user_id(u))))
                .collect(),
            "department" => (n * GROUPS_PER_DEPARTMENT..(n + 1) * GROUPS_PER_DEPARTMENT)
                .map(|g| {
                    grant(
                        &cx.resource,
                        "member",
                        ResourceId::new("group", group_id(g)),
                    )
                })
                .collect(),
            _ => d.holders[n]
                .iter()
                .map(|h| grant(&cx.resource, "assignment", h.clone()))
                .collect(),
        };
        Ok(Page::last(grants))
    }
}

/// CPU time the process has used, user and system; zero where `/proc` has none.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name, which is in parentheses, utime and stime are the 12th and 13th
    // fields, in clock ticks (100 a second on Linux).
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((tick(11) + tick(12)) * 10)
}

/// The process's peak resident set (`VmHWM`), in KiB; 0 where `/proc` has none.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
