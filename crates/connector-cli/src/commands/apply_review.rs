//! `apply-review`: the reviewer's decisions carried out. A reviewed CSV (`inspect review -o
//! csv`, its `decision` column filled in) is read back; `keep` does nothing, `revoke` revokes
//! every grant the row lists — the person's access on and under that row's top-level resource,
//! as the CSV's sync holds it — through the provisioning path; an empty or unknown decision is
//! reported, never guessed.
//!
//! A row is found by its `principal_id` and `resource_id` in its `sync_id`, never by a name;
//! the row's `email`, when present, must still be the principal's (a shifted or edited row is
//! refused). Each grant is revoked as the latest full sync holds it: one gone since is
//! `already-revoked`, and one that grant expansion derived is revoked where it comes from —
//! covered when the row revokes its sources too, else refused naming them. Roles on the
//! top-level resource go last, so removing someone from an organization comes after taking
//! their teams.
//!
//! A dry run unless `--provisioning`; the evidence record (JSON beside `--file`) says who, when,
//! the CSV's SHA-256, each decision, each change planned and its outcome, and the sync ids
//! before and after: an applied run syncs once done, so the record shows the result.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use c1z::{Names, Snapshot};
use connector_sdk::provision::{derived_from, revoke};
use connector_sdk::{
    Annotation, CancellationToken, Connector, Grant, Mode, Outcome, Purpose, ResourceId,
    RevokeContext,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::ApplyReviewArgs;
use crate::commands::provision::{last_sync, person, stored_grant};
use crate::commands::{provenance, sync};
use crate::error::{Error, Result};
use crate::output::note;
use crate::output::{self, Table};
use crate::program::Program;
use crate::settings::Values;
use crate::settings::standard::{OutputFormat, PROVISIONING, Settings};
use crate::staff::for_each_record;

/// How deep parents are followed to find a resource's top-level resource.
const MAX_DEPTH: usize = 32;

/// One row of the reviewed CSV.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Row {
    line: u64,
    resource: String,
    resource_id: String,
    principal_id: String,
    email: Option<String>,
    decision: String,
    comment: String,
}

/// The reviewed CSV: its rows and the sync they were exported from.
#[derive(Debug)]
struct Reviewed {
    sync_id: String,
    rows: Vec<Row>,
}

/// What a row's decision came to, for the record.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Decided {
    line: u64,
    resource: String,
    resource_id: String,
    principal_id: String,
    email: String,
    decision: String,
    comment: String,
    /// `kept`, `revoked` (every change made or already made), `planned` (a dry run),
    /// `undecided`, `unknown-decision`, `failed` (a change failed or was refused) or `invalid`
    /// (the row names nothing the sync holds).
    result: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
    changes: Vec<Change>,
}

/// One grant of a revoked row, what was planned and how it ended.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Change {
    grant_id: String,
    entitlement_id: String,
    /// `revoke` (sent through the provisioner), `through-source` (derived: goes with the
    /// grants it comes through, revoked in the same row) or `none` (gone since the CSV's
    /// sync).
    action: &'static str,
    /// The provisioner's outcome (`revoked`, `already-revoked`, `dry-run`), `through-source`,
    /// `refused` or `failed`.
    outcome: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<connector_sdk::Plan>,
    /// After an applied run's sync: whether the grant is gone from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    gone_after_sync: Option<bool>,
}

impl Change {
    fn failed(&self) -> bool {
        matches!(self.outcome.as_str(), "refused" | "failed")
    }
}

/// The command.
pub(crate) async fn main(
    program: &dyn Program,
    values: &Values,
    settings: &Settings,
    args: &ApplyReviewArgs,
) -> Result<()> {
    let mode = match values.bool(&PROVISIONING) {
        true => Mode::Apply,
        false => Mode::DryRun,
    };
    let reviewer = match &args.reviewer {
        Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
        _ => login_name().ok_or_else(|| {
            Error::Usage(
                "no login name to record as the reviewer (USER and LOGNAME are unset): name \
                 the reviewer with --reviewer"
                    .into(),
            )
        })?,
    };
    let reviewed = read_csv(&args.csv)?;
    let csv_sha256 = provenance::sha256(&args.csv)?;
    let started = jiff::Timestamp::now();
    if mode == Mode::Apply {
        c1z::check_output(&settings.file)?;
    }
    values.check_required(&program.settings())?;
    let connector = program.connector(values)?;

    let reader = last_sync(settings)?;
    let latest = reader.snapshot(None)?;
    if !latest.run().is_finished() || !latest.run().is_full() {
        return Err(Error::NotFound(format!(
            "{} holds no finished full sync: run a full sync to the end first",
            reader.path().display()
        )));
    }
    let before = latest.id().to_owned();
    let stale = reviewed.sync_id != before;
    if stale && !args.allow_stale {
        return Err(Error::Usage(format!(
            "{} was exported from sync {}, and the latest full sync of {} is {before}: review \
             an export of the latest sync (inspect review -o csv), or apply this one anyway \
             with --allow-stale",
            args.csv.display(),
            reviewed.sync_id,
            reader.path().display()
        )));
    }
    let exported = match stale {
        false => reader.snapshot(Some(&before))?,
        true => {
            let exported = reader.snapshot(Some(&reviewed.sync_id)).map_err(|_| {
                Error::NotFound(format!(
                    "{} was exported from sync {}, which {} no longer holds: the rows' grants \
                     cannot be found; export the review again",
                    args.csv.display(),
                    reviewed.sync_id,
                    reader.path().display()
                ))
            })?;
            note(&format!(
                "warning: {} was exported from sync {}, not the latest full sync {before} \
                 (--allow-stale): each row's grants are those it listed, revoked as the latest \
                 sync holds them",
                args.csv.display(),
                reviewed.sync_id
            ));
            exported
        }
    };

    let about = program.about();
    let mut decided = Vec::with_capacity(reviewed.rows.len());
    let mut names = Names::new(&exported);
    for row in &reviewed.rows {
        decided.push(
            decide(
                connector.as_ref(),
                &exported,
                &latest,
                &mut names,
                row,
                mode,
            )
            .await?,
        );
    }
    drop(names);
    drop(exported);
    drop(latest);
    drop(reader);

    // An applied run that sent something syncs, so the record holds the result, and checks
    // each revoke by it.
    let sent = decided
        .iter()
        .flat_map(|d| &d.changes)
        .any(|c| c.action == "revoke" && !c.failed());
    // A sync that fails still leaves the record of what was changed; the error comes after.
    let (after, sync_failed) = match mode {
        Mode::Apply if !sent => {
            note("nothing was sent: no sync needed, the latest sync stands");
            (Some(before.clone()), None)
        }
        Mode::Apply => {
            note("syncing, so the evidence record shows the result …");
            match sync_after(connector.as_ref(), settings, &mut decided).await {
                Ok(id) => (Some(id), None),
                Err(e) => (None, Some(e)),
            }
        }
        Mode::DryRun => (None, None),
    };

    let record = json!({
        "connector": about.name,
        "version": about.version,
        "reviewer": reviewer,
        "at": started.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "dryRun": mode == Mode::DryRun,
        "csv": {
            "file": args.csv.display().to_string(),
            "sha256": csv_sha256,
            "syncId": reviewed.sync_id,
        },
        "file": settings.file.display().to_string(),
        "syncIdBefore": before,
        "syncIdAfter": after,
        "syncError": sync_failed.as_ref().map(|e| crate::exit::chain(e)),
        "allowStale": args.allow_stale,
        "stale": stale,
        "totals": totals(&decided),
        "decisions": decided,
    });
    let path = evidence_path(&settings.file, &started);
    write_record(&path, &record)?;
    note(&format!("wrote the evidence record {}", path.display()));
    if let Some(e) = sync_failed {
        return Err(e);
    }

    match settings.output {
        OutputFormat::Json => output::print_json(&record)?,
        OutputFormat::Table => {
            let title = match mode {
                Mode::DryRun => "Dry run, nothing was sent (add -p to apply):\n",
                Mode::Apply => "",
            };
            output::print(&format!(
                "{title}{}",
                table(&decided).render(output::terminal_width())
            ))?
        }
        format => table(&decided).print(format, "")?,
    }
    let failed: Vec<String> = decided
        .iter()
        .filter(|d| matches!(d.result, "failed" | "invalid" | "unknown-decision"))
        .map(|d| d.line.to_string())
        .collect();
    let undecided: Vec<String> = decided
        .iter()
        .filter(|d| d.result == "undecided")
        .map(|d| d.line.to_string())
        .collect();
    if !undecided.is_empty() {
        let shown = undecided
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = match undecided.len() > 20 {
            true => ", …",
            false => "",
        };
        note(&format!(
            "{} row(s) have no decision, and nothing was done for them (line {shown}{more})",
            undecided.len()
        ));
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(Error::Config(format!(
            "the decisions of line(s) {} were not carried out (see the table and {})",
            failed.join(", "),
            path.display()
        ))),
    }
}

/// Syncs after the changes, and marks each change by whether its grant is gone from that sync;
/// the new sync's id.
async fn sync_after(
    connector: &dyn Connector,
    settings: &Settings,
    decided: &mut [Decided],
) -> Result<String> {
    let report = sync::run(connector, settings, CancellationToken::new(), None).await?;
    let reader = super::open(settings, &settings.file)?;
    let synced = reader.snapshot(Some(&report.summary.sync_id))?;
    for change in decided.iter_mut().flat_map(|d| d.changes.iter_mut()) {
        change.gone_after_sync = Some(synced.grant(&change.grant_id)?.is_none());
    }
    Ok(report.summary.sync_id)
}

/// Carries out (or plans) one row's decision.
async fn decide(
    connector: &dyn Connector,
    exported: &Snapshot<'_>,
    latest: &Snapshot<'_>,
    names: &mut Names<'_, '_>,
    row: &Row,
    mode: Mode,
) -> Result<Decided> {
    let mut decided = Decided {
        line: row.line,
        resource: row.resource.clone(),
        resource_id: row.resource_id.clone(),
        principal_id: row.principal_id.clone(),
        email: row.email.clone().unwrap_or_default(),
        decision: row.decision.clone(),
        comment: row.comment.clone(),
        result: "kept",
        detail: String::new(),
        changes: Vec::new(),
    };
    match row.decision.trim().to_ascii_lowercase().as_str() {
        "keep" => return Ok(decided),
        "revoke" => {}
        "" => {
            decided.result = "undecided";
            decided.detail = "no decision: nothing done".into();
            return Ok(decided);
        }
        other => {
            decided.result = "unknown-decision";
            decided.detail = format!("unknown decision {other:?}: expected keep or revoke");
            return Ok(decided);
        }
    }
    let grants = match row_grants(exported, names, row)? {
        Ok(grants) => grants,
        Err(why) => {
            decided.result = "invalid";
            decided.detail = why;
            return Ok(decided);
        }
    };
    // The entitlements whose grants this row revokes itself: what derived grants may go with.
    let direct: BTreeSet<&str> = grants
        .iter()
        .filter(|g| !is_derived(g))
        .map(|g| g.entitlement.id.as_str())
        .collect();
    for grant in &grants {
        let mut change = Change {
            grant_id: grant.id.clone(),
            entitlement_id: grant.entitlement.id.clone(),
            action: "revoke",
            outcome: String::new(),
            detail: String::new(),
            plan: None,
            gone_after_sync: None,
        };
        let Some(current) = stored_grant(latest, &grant.id)? else {
            change.action = "none";
            change.outcome = Outcome::AlreadyRevoked.as_str().to_owned();
            change.detail = format!("not in the latest sync {}: gone already", latest.id());
            decided.changes.push(change);
            continue;
        };
        if let Some(sources) = revoked_with_sources(&current, &direct) {
            change.action = "through-source";
            change.outcome = "through-source".into();
            change.detail = format!(
                "derived by grant expansion from {}, revoked in this row",
                sources.join(", ")
            );
            decided.changes.push(change);
            continue;
        }
        let cx = RevokeContext {
            grant: current,
            cancel: CancellationToken::new(),
        };
        match revoke(connector, cx, mode).await {
            Ok(done) => {
                change.outcome = done.outcome.as_str().to_owned();
                change.detail = done.detail;
                if let Outcome::DryRun { plan } = done.outcome {
                    change.plan = Some(plan);
                }
            }
            Err(e) => {
                change.outcome = match e.kind() {
                    connector_sdk::ErrorKind::FailedPrecondition => "refused",
                    _ => "failed",
                }
                .to_owned();
                change.detail = e.to_string();
            }
        }
        decided.changes.push(change);
    }
    decided.result = match (decided.changes.iter().any(Change::failed), mode) {
        (true, _) => "failed",
        (false, Mode::DryRun) => "planned",
        (false, Mode::Apply) => "revoked",
    };
    if decided.changes.is_empty() {
        decided.detail = "the row lists no grant".into();
    }
    Ok(decided)
}

/// The grants a row lists: its principal's grants on its top-level resource and under it, as
/// the exported sync holds them, roles on the top-level resource last (permissions before
/// memberships). `Err` with why when the row names nothing the sync holds.
fn row_grants(
    s: &Snapshot<'_>,
    names: &mut Names<'_, '_>,
    row: &Row,
) -> Result<Result<Vec<Grant>, String>> {
    let (Some(principal_id), Some(scope_id)) =
        (parse_id(&row.principal_id), parse_id(&row.resource_id))
    else {
        return Ok(Err(format!(
            "principal_id {:?} or resource_id {:?} is not an id (type:id) the review exports",
            row.principal_id, row.resource_id
        )));
    };
    let Some(principal) = s.resource(&principal_id)? else {
        return Ok(Err(format!(
            "sync {} holds no principal {principal_id}",
            s.id()
        )));
    };
    if let Some(email) = row.email.as_deref().filter(|e| !e.is_empty()) {
        let held = principal
            .user_trait()
            .and_then(|t| t.primary_email())
            .unwrap_or_default();
        if !held.eq_ignore_ascii_case(email) {
            return Ok(Err(format!(
                "the row's email {email} is not {}'s ({}): the row was changed; export the \
                 review again",
                principal_id,
                match held.is_empty() {
                    true => "none",
                    false => held,
                }
            )));
        }
    }
    let mut grants = Vec::new();
    for access in s.access(&principal_id)? {
        if top_level(names, &access.resource.id)? != scope_id {
            continue;
        }
        let on_scope = access.resource.id == scope_id;
        for (entitlement, mut grant) in access.held {
            let order = match (on_scope, entitlement.purpose) {
                (false, _) => 0,
                (true, Purpose::Assignment) => 2,
                (true, _) => 1,
            };
            grant.entitlement = entitlement;
            grants.push((order, grant));
        }
    }
    if grants.is_empty() {
        return Ok(Err(format!(
            "{} holds nothing on or under {scope_id} in sync {}",
            person(&principal),
            s.id()
        )));
    }
    grants.sort_by_key(|(order, _)| *order);
    Ok(Ok(grants.into_iter().map(|(_, g)| g).collect()))
}

/// The top-level resource `id` is on or under.
fn top_level(names: &mut Names<'_, '_>, id: &ResourceId) -> Result<ResourceId> {
    let mut at = id.clone();
    for _ in 0..MAX_DEPTH {
        match names.get(&at)?.and_then(|r| r.parent.clone()) {
            Some(parent) => at = parent,
            None => return Ok(at),
        }
    }
    Ok(at)
}

/// `type:id` as the review exports a resource's id.
fn parse_id(text: &str) -> Option<ResourceId> {
    let (resource_type, resource) = text.trim().split_once(':')?;
    (!resource_type.is_empty() && !resource.is_empty()).then(|| ResourceId {
        resource_type: resource_type.to_owned(),
        resource: resource.to_owned(),
        ..Default::default()
    })
}

/// Whether grant expansion derived `grant` (baton's `GrantImmutable`).
fn is_derived(grant: &Grant) -> bool {
    grant.annotations.iter().any(Annotation::is_grant_immutable)
}

/// The entitlements a derived `grant` comes through, when the row revokes every one of them
/// itself (`revoked`: the entitlements of its direct grants): it goes with them. `None` for a
/// direct grant, or a derived one that would outlive the row's revokes (the provisioning path
/// then refuses it, naming its sources).
fn revoked_with_sources<'g>(grant: &'g Grant, revoked: &BTreeSet<&str>) -> Option<Vec<&'g str>> {
    let sources = derived_from(grant);
    let covered = !sources.is_empty() && sources.iter().all(|s| revoked.contains(s));
    (is_derived(grant) && covered).then_some(sources)
}

/// Reads the reviewed CSV: the review's columns by name (`resource_id`, `principal_id`,
/// `sync_id` and `decision` needed), one sync for every row.
fn read_csv(path: &Path) -> Result<Reviewed> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("cannot read the reviewed CSV {name}"), e))?;
    let malformed = |line: u64, what: String| {
        Error::Usage(format!("{name} is malformed at line {line}: {what}"))
    };
    let mut csv = csv::ReaderBuilder::new().from_reader(file);
    let headers = csv
        .headers()
        .map_err(|e| malformed(1, e.to_string()))?
        .clone();
    let at: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase(),
                i,
            )
        })
        .collect();
    let needed = ["resource_id", "principal_id", "sync_id", "decision"];
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|c| !at.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(malformed(
            1,
            format!(
                "no {} column: apply-review reads a CSV `inspect review -o csv` wrote, with its \
                 decision column filled in",
                missing.join(", ")
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut sync_id: Option<String> = None;
    for_each_record(&mut csv, malformed, |line, record| {
        let get = |column: &str| {
            at.get(column)
                .and_then(|i| record.get(*i))
                .map(|c| unneutralized(c.trim()))
        };
        let row_sync = get("sync_id").unwrap_or_default();
        match &sync_id {
            None if row_sync.is_empty() => {
                return Err(malformed(line, "the sync_id is empty".into()));
            }
            None => sync_id = Some(row_sync),
            Some(first) if *first != row_sync => {
                return Err(malformed(
                    line,
                    format!(
                        "its sync_id {row_sync:?} is not the first row's ({first}): one CSV is \
                         one sync's review"
                    ),
                ));
            }
            Some(_) => {}
        }
        rows.push(Row {
            line,
            resource: get("resource").unwrap_or_default(),
            resource_id: get("resource_id").unwrap_or_default(),
            principal_id: get("principal_id").unwrap_or_default(),
            email: get("email"),
            decision: get("decision").unwrap_or_default(),
            comment: get("comment").unwrap_or_default(),
        });
        Ok(())
    })?;
    let Some(sync_id) = sync_id else {
        return Err(malformed(1, "it has no rows".into()));
    };
    Ok(Reviewed { sync_id, rows })
}

/// A cell as written before the export neutralised it against spreadsheet formulas (a `'`
/// before `=`, `+`, `-` or `@`).
fn unneutralized(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// Counts of the rows by result.
fn totals(decided: &[Decided]) -> Value {
    let mut totals = serde_json::Map::new();
    for d in decided {
        let n = totals.entry(d.result).or_insert(json!(0));
        *n = json!(n.as_u64().unwrap_or(0) + 1);
    }
    Value::Object(totals)
}

/// One line per change (one per row without changes), for people and spreadsheets.
fn table(decided: &[Decided]) -> Table {
    let mut table = Table::new([
        "LINE", "EMAIL", "RESOURCE", "DECISION", "RESULT", "GRANT", "OUTCOME", "DETAIL",
    ]);
    // Rows without a decision are counted in a note, not listed: most rows of a long review.
    for d in decided.iter().filter(|d| d.result != "undecided") {
        let row = |grant: &str, outcome: &str, detail: &str| {
            [
                d.line.to_string(),
                d.email.clone(),
                d.resource.clone(),
                d.decision.clone(),
                d.result.to_owned(),
                grant.to_owned(),
                outcome.to_owned(),
                detail.to_owned(),
            ]
        };
        if d.changes.is_empty() {
            table.row(row("", "", &d.detail));
        }
        for c in &d.changes {
            let detail = match &c.plan {
                Some(plan) => plan
                    .requests
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.url))
                    .collect::<Vec<_>>()
                    .join("; "),
                None => c.detail.clone(),
            };
            table.row(row(&c.grant_id, &c.outcome, &detail));
        }
    }
    table
}

/// `<file stem>-apply-review-<YYYYMMDDTHHMMSSZ>.json` beside `file`.
fn evidence_path(file: &Path, at: &jiff::Timestamp) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sync".to_owned());
    file.with_file_name(format!(
        "{stem}-apply-review-{}.json",
        at.strftime("%Y%m%dT%H%M%SZ")
    ))
}

/// Writes `record` to `path` whole or not at all, readable by its owner only (it names
/// people), never over an existing file.
fn write_record(path: &Path, record: &Value) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let context = || format!("cannot write the evidence record {}", path.display());
    let mut file = tempfile::Builder::new()
        .prefix(".apply-review-")
        .suffix(".json.partial")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(context(), e))?;
    let text = serde_json::to_string_pretty(record).unwrap_or_default() + "\n";
    std::io::Write::write_all(file.as_file_mut(), text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| Error::io(context(), e))?;
    file.persist_noclobber(path)
        .map_err(|e| Error::io(context(), e.error))?;
    Ok(())
}

/// The login name: `USER`, else `LOGNAME`, else `USERNAME`.
fn login_name() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_neutralised_cell_reads_as_written() {
        assert_eq!(unneutralized("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unneutralized("'quoted"), "'quoted");
        assert_eq!(unneutralized("plain"), "plain");
    }

    #[test]
    fn a_derived_grant_goes_with_its_sources_only_when_the_row_revokes_them_all() {
        let mut derived = Grant {
            id: "database:d:read:user:u".into(),
            ..Default::default()
        };
        derived.entitlement.id = "database:d:read".into();
        derived.annotations.push(Annotation::grant_immutable());
        derived.sources = Some(connector_sdk::GrantSources {
            sources: [
                ("team:a:member".to_owned(), false),
                ("team:b:member".to_owned(), false),
            ]
            .into(),
        });
        let both = BTreeSet::from(["team:a:member", "team:b:member"]);
        assert_eq!(
            revoked_with_sources(&derived, &both),
            Some(vec!["team:a:member", "team:b:member"])
        );
        // Held through team b too, which the row keeps: refused by the provisioning path.
        assert_eq!(
            revoked_with_sources(&derived, &BTreeSet::from(["team:a:member"])),
            None
        );
        derived.annotations.clear();
        assert_eq!(revoked_with_sources(&derived, &both), None);
    }

    #[test]
    fn ids_are_type_and_id() {
        let id = parse_id("user:abc:def").unwrap();
        assert_eq!(
            (id.resource_type.as_str(), id.resource.as_str()),
            ("user", "abc:def")
        );
        assert!(parse_id("nobody").is_none());
        assert!(parse_id(":x").is_none());
    }

    #[test]
    fn the_csv_needs_the_review_columns_and_one_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "principal_id,decision\nuser:a,keep\n").unwrap();
        let e = read_csv(&path).unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("resource_id, sync_id"),
            "{e}"
        );
        std::fs::write(
            &path,
            "resource_id,principal_id,sync_id,decision\norganization:o,user:a,s1,keep\n\
             organization:o,user:b,s2,revoke\n",
        )
        .unwrap();
        let e = read_csv(&path).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("one sync"), "{e}");
    }
}
