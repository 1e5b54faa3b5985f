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
//!
//! `decisions` reads the CSV, `decide` carries out one row, `evidence` is the record and the
//! table; this module runs the command and syncs after an applied run.

mod decide;
mod decisions;
mod evidence;

use c1z::Names;
use connector_sdk::{CancellationToken, Connector, provision::Mode};
use serde_json::json;

use self::decide::decide;
use self::decisions::read_csv;
use self::evidence::{Decided, evidence_path, table, totals, write_record};
use crate::cli::ApplyReviewArgs;
use crate::commands::provision::last_sync;
use crate::commands::{provenance, sync};
use crate::error::{Error, Result};
use crate::output::{self, note};
use crate::program::Program;
use crate::settings::Values;
use crate::settings::standard::{OutputFormat, PROVISIONING, Settings};

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

/// The login name: `USER`, else `LOGNAME`, else `USERNAME`.
fn login_name() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}
