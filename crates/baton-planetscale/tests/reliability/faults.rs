//! Every fault the fake can inject, one row each: the sync either ends with exactly the content
//! of a fault-free sync, or fails with a clear message and the documented exit code while the
//! previous `.c1z` stays byte-identical. Every run logs at trace level and none of its output
//! holds the token.

use std::path::Path;

use planetscale_fake::{
    DataChange, DataSpec, Dataset, EndpointKind, FakeServer, FaultMatch, FaultRule,
    RateLimitConfig, RepeatStyle, RetryAfterStyle,
};

use crate::support::{Fake, Ids, assert_no_secret, ids, outputs, summary};

/// One fault and what it must lead to.
pub struct Row {
    /// What goes wrong, as RELIABILITY.md names it.
    pub name: &'static str,
    /// The data served.
    pub dataset: fn() -> Dataset,
    /// Injects the fault into a running fake.
    pub inject: fn(&FakeServer),
    /// Extra arguments of the faulty sync.
    pub args: &'static [&'static str],
    /// The expected outcome.
    pub outcome: Outcome,
}

/// What a fault must lead to.
pub enum Outcome {
    /// Transient: the sync succeeds with the fault-free sync's ids, and the fake's log shows
    /// the fault was met.
    Same(Evidence),
    /// The data changed during the sync: entitlements and grants equal a fault-free sync of
    /// the data as it is at the end; resources may in addition hold a user who left during the
    /// sync (listed before leaving, holding nothing).
    SameAsChangedData,
    /// Permanent: exit code, a substring of the `error:` line, and `--file` untouched.
    Fails { code: i32, message: &'static str },
}

/// How a row shows its fault was actually met.
pub enum Evidence {
    /// Some request was answered with this status (0: the connection was reset).
    Status(u16),
    /// The summary counts at least one retry.
    Retried,
    /// Some request's query string contains this text.
    Query(&'static str),
}

/// Three organizations of 40, 15 and 6 members: every list is one page.
pub fn small() -> Dataset {
    DataSpec::small().generate()
}

/// One organization of 250 members: its member list is three pages of 100.
pub fn paged() -> Dataset {
    DataSpec {
        organizations: 1,
        members_per_org: vec![250],
        teams_per_org: vec![3],
        ..DataSpec::small()
    }
    .generate()
}

fn on(kind: EndpointKind) -> FaultMatch {
    FaultMatch::endpoint(kind)
}

fn status(server: &FakeServer, kind: EndpointKind, code: u16, times: u32) {
    server.set_faults(vec![FaultRule::Status {
        on: on(kind).times(times),
        status: code,
    }]);
}

/// The table: transient faults within the retry budget first, then permanent ones.
pub fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "503 burst on members (3 in a row)",
            dataset: small,
            inject: |s| status(s, EndpointKind::Members, 503, 3),
            args: &[],
            outcome: Outcome::Same(Evidence::Status(503)),
        },
        Row {
            name: "500 burst on the organization list (2 in a row)",
            dataset: small,
            inject: |s| status(s, EndpointKind::Organizations, 500, 2),
            args: &[],
            outcome: Outcome::Same(Evidence::Status(500)),
        },
        Row {
            name: "502 HTML from the proxy on team members (2 in a row)",
            dataset: small,
            inject: |s| status(s, EndpointKind::TeamMembers, 502, 2),
            args: &[],
            outcome: Outcome::Same(Evidence::Status(502)),
        },
        Row {
            name: "connection reset on teams (2 in a row)",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::Reset {
                    on: on(EndpointKind::Teams).times(2),
                }])
            },
            args: &[],
            outcome: Outcome::Same(Evidence::Status(0)),
        },
        Row {
            name: "response slower than the 1 s timeout, once",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::Slow {
                    on: on(EndpointKind::Members),
                    delay_ms: 2_500,
                }])
            },
            args: &["--http-timeout-seconds", "1"],
            outcome: Outcome::Same(Evidence::Retried),
        },
        Row {
            name: "429 with Retry-After: 1 (2 in a row)",
            dataset: small,
            inject: |s| status(s, EndpointKind::Members, 429, 2),
            args: &[],
            outcome: Outcome::Same(Evidence::Status(429)),
        },
        Row {
            name: "429 without Retry-After (server rate limit, burst 2)",
            dataset: small,
            inject: |s| {
                s.set_rate_limit(Some(RateLimitConfig {
                    burst: 2,
                    retry_after: RetryAfterStyle::Absent,
                    ..RateLimitConfig::new(1_200)
                }))
            },
            args: &[],
            outcome: Outcome::Same(Evidence::Status(429)),
        },
        Row {
            name: "429 without Retry-After, half the quota taken by another consumer",
            dataset: small,
            inject: |s| {
                s.set_rate_limit(Some(RateLimitConfig {
                    burst: 5,
                    retry_after: RetryAfterStyle::Absent,
                    other_consumer_per_minute: 300,
                    ..RateLimitConfig::new(600)
                }))
            },
            args: &[],
            outcome: Outcome::Same(Evidence::Status(429)),
        },
        Row {
            name: "next_page_url on a foreign origin, every list",
            dataset: paged,
            inject: |s| {
                s.set_faults(vec![FaultRule::ForeignNextUrl {
                    on: FaultMatch::any().forever(),
                    origin: "https://evil.example".into(),
                }])
            },
            args: &[],
            outcome: Outcome::Same(Evidence::Query("page=3")),
        },
        Row {
            name: "a member leaves between pages of the member list",
            dataset: paged,
            inject: |s| change(s, DataChange::RemoveMember),
            args: &[],
            outcome: Outcome::SameAsChangedData,
        },
        Row {
            name: "a member joins between pages of the member list",
            dataset: paged,
            inject: |s| change(s, DataChange::AddMember),
            args: &[],
            outcome: Outcome::SameAsChangedData,
        },
        Row {
            name: "organization list repeating page 1 with next_page 2, forever",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::RepeatPage {
                    on: on(EndpointKind::Organizations).forever(),
                    next_page: RepeatStyle::Two,
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 1,
                message: "which does not move forward; stopping instead of looping",
            },
        },
        Row {
            name: "member pages repeating the requested page forever",
            dataset: paged,
            inject: |s| {
                s.set_faults(vec![FaultRule::RepeatPage {
                    on: on(EndpointKind::Members).forever(),
                    next_page: RepeatStyle::Requested,
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 1,
                message: "which does not move forward; stopping instead of looping",
            },
        },
        Row {
            name: "503 on members, forever",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::Status {
                    on: on(EndpointKind::Members).forever(),
                    status: 503,
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 1,
                message: "PlanetScale is unavailable (HTTP 503 Service Unavailable), even after retries",
            },
        },
        Row {
            name: "truncated JSON body",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::TruncatedJson {
                    on: on(EndpointKind::Teams),
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 1,
                message: "error: sync failed",
            },
        },
        Row {
            name: "invalid JSON body",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::InvalidJson {
                    on: on(EndpointKind::TeamMembers),
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 1,
                message: "error: sync failed",
            },
        },
        Row {
            name: "404 on one organization's teams mid-sync",
            dataset: small,
            inject: |s| {
                let org = s.dataset().organizations[1].name().to_owned();
                s.set_faults(vec![FaultRule::Status {
                    on: on(EndpointKind::Teams).org(org).forever(),
                    status: 404,
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 7,
                message: "lacks the read_organization access",
            },
        },
        Row {
            name: "401 mid-sync (token revoked after validation)",
            dataset: small,
            inject: |s| {
                s.set_faults(vec![FaultRule::Status {
                    on: FaultMatch::any().after(4).forever(),
                    status: 401,
                }])
            },
            args: &[],
            outcome: Outcome::Fails {
                code: 16,
                message: "the service token was refused",
            },
        },
    ]
}

fn change(server: &FakeServer, change: DataChange) {
    server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: on(EndpointKind::Members),
        change,
    }]);
}

/// Runs one row: a fault-free sync into `out.c1z`, then the faulty sync into the same file.
pub fn check(row: &Row) {
    let fake = Fake::new((row.dataset)());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.c1z");
    let clean = fake.cmd(dir.path()).output().unwrap();
    assert!(
        clean.status.success(),
        "{}: fault-free sync: {}",
        row.name,
        outputs(&clean)
    );
    let before = std::fs::read(&file).unwrap();
    let baseline = ids(&file);
    fake.server.clear_requests();
    (row.inject)(&fake.server);

    let out = fake
        .cmd(dir.path())
        .args(["--log-level", "trace", "-o", "json"])
        .args(row.args)
        .output()
        .unwrap();
    let text = outputs(&out);
    assert_no_secret(row.name, &text);
    match &row.outcome {
        Outcome::Same(evidence) => {
            assert!(out.status.success(), "{}: {text}", row.name);
            assert_eq!(ids(&file), baseline, "{}: content differs", row.name);
            assert_met(row.name, evidence, &fake.server, &summary(&out));
        }
        Outcome::SameAsChangedData => {
            assert!(out.status.success(), "{}: {text}", row.name);
            fake.server.set_faults(Vec::new());
            let after = fresh_sync(&fake, dir.path());
            let got = ids(&file);
            assert_ne!(after, baseline, "{}: the data changed", row.name);
            assert_eq!(got.grants, after.grants, "{}: grants", row.name);
            assert_eq!(got.entitlements, after.entitlements, "{}", row.name);
            let missing: Vec<_> = after
                .resources
                .iter()
                .filter(|r| got.resources.binary_search(r).is_err())
                .collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", row.name);
        }
        Outcome::Fails { code, message } => {
            assert_eq!(out.status.code(), Some(*code), "{}: {text}", row.name);
            let error = text
                .lines()
                .find(|l| l.starts_with("error: "))
                .unwrap_or_else(|| panic!("{}: no error line: {text}", row.name));
            assert!(error.contains(message), "{}: {error}", row.name);
            let after = std::fs::read(&file).unwrap();
            assert!(after == before, "{}: the previous file changed", row.name);
        }
    }
}

/// The ids of a fault-free sync of the fake's current data, into a file of its own.
fn fresh_sync(fake: &Fake, dir: &Path) -> Ids {
    let out = fake
        .cmd(dir)
        .env("BATON_FILE", "fresh.c1z")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    ids(&dir.join("fresh.c1z"))
}

fn assert_met(name: &str, evidence: &Evidence, server: &FakeServer, summary: &serde_json::Value) {
    let requests = server.requests();
    let met = match evidence {
        Evidence::Status(code) => requests.iter().any(|r| r.status == *code),
        Evidence::Retried => summary["retries"].as_u64().unwrap_or(0) > 0,
        Evidence::Query(text) => requests.iter().any(|r| r.query.contains(text)),
    };
    assert!(met, "{name}: the fault was never met");
}

/// Every row, three at a time: each has its own fake and directory. A failing row does not hide
/// the others: all failures are listed at the end.
#[test]
fn every_fault_completes_identically_or_fails_cleanly() {
    let rows = rows();
    let failed: Vec<&str> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(rows.len().div_ceil(3))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter(|row| std::panic::catch_unwind(|| check(row)).is_err())
                        .map(|row| row.name)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failed.is_empty(), "rows failed: {failed:#?}");
}
