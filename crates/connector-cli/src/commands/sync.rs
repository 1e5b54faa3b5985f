//! The default command: sync the connector into `--file`.
//!
//! Order matters for safety: the output path is checked before the credentials are even read,
//! so a bad `--file` costs nothing; the writer only replaces the file once the sync ends, so an
//! interrupted or failed sync leaves the previous file untouched and the next run resumes from
//! the last checkpoint.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use c1z::WriterOptions;
use connector_sdk::{
    CancellationToken, Connector, Observer, SyncOptions, SyncSummary, SyncType, Usage,
};
use serde_json::json;

use crate::error::{Error, Result};
use crate::output::{self, Table};
use crate::program::Program;
use crate::progress::Progress;
use crate::settings::Values;
use crate::settings::standard::{OutputFormat, Settings};

/// What a finished sync did.
#[derive(Clone, Debug)]
pub struct SyncReport {
    /// The file written.
    pub file: PathBuf,
    /// The engine's summary.
    pub summary: SyncSummary,
    /// What the connector's transport did, if it says.
    pub usage: Option<Usage>,
}

/// Syncs `connector` into `settings.file` (the command's work, without signal handling or
/// printing): [`c1z::sync_into_file`] under the CLI's settings, for embedders that hold them. `cancel` stops it at the next safe point, after a
/// checkpoint, with [`Error::Cancelled`].
pub async fn run(
    connector: &dyn Connector,
    settings: &Settings,
    cancel: CancellationToken,
    observer: Option<Arc<dyn Observer>>,
) -> Result<SyncReport> {
    let writer = WriterOptions {
        keep_syncs: settings.keep_syncs,
        ..Default::default()
    };
    let options = SyncOptions {
        workers: settings.workers,
        resource_types: settings.resource_types.clone(),
        checkpoint_interval: settings.checkpoint_interval,
        expand_grants: settings.expand_grants,
        session_max_bytes: settings.session_max_bytes,
        cancel,
        observer,
        ..Default::default()
    };
    let summary = c1z::sync_into_file(connector, &settings.file, writer, options)
        .await
        .map_err(|e| match e {
            c1z::SyncError::File(e) => Error::from(e),
            c1z::SyncError::Sync(e) => Error::from(e),
        })?;
    Ok(SyncReport {
        file: settings.file.clone(),
        summary,
        usage: connector.usage(),
    })
}

/// The command: checks the output, builds the connector, watches for Ctrl-C, SIGTERM and SIGHUP,
/// shows progress, syncs, and prints the summary.
pub(crate) async fn main(
    program: &dyn Program,
    values: &Values,
    settings: &Settings,
    terminal: bool,
) -> Result<()> {
    c1z::check_output(&settings.file)?;
    values.check_required(&program.settings())?;
    let connector: Arc<dyn Connector> = Arc::from(program.connector(values)?);
    let cancel = CancellationToken::new();
    tokio::spawn(cancel_on_signal(cancel.clone()));
    let progress = Arc::new(Progress::new(terminal));
    let watcher = tokio::spawn(watch_rate_limit(connector.clone(), progress.clone()));
    let result = run(connector.as_ref(), settings, cancel, Some(progress.clone())).await;
    watcher.abort();
    progress.finish();
    // Warnings were logged as they happened; the summary lists them again at the end.
    let report = result?;
    match settings.output {
        OutputFormat::Json => output::print_json(&report.to_json()),
        OutputFormat::Table => output::print(&report.render()),
        format => report.counts().print(format, ""),
    }
}

/// Tells `progress`, four times a second, whether the connector's requests are waiting for the
/// remote's rate limit.
async fn watch_rate_limit(connector: Arc<dyn Connector>, progress: Arc<Progress>) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        progress.waiting(connector.usage().and_then(|u| u.waiting));
    }
}

impl SyncReport {
    /// The counts per resource type, and their total.
    pub fn counts(&self) -> Table {
        let s = &self.summary;
        let mut table = Table::new(["RESOURCE TYPE", "RESOURCES", "ENTITLEMENTS", "GRANTS"]);
        for (rt, c) in &s.resource_types {
            table.row([
                rt.clone(),
                c.resources.to_string(),
                c.entitlements.to_string(),
                c.grants.to_string(),
            ]);
        }
        table.row([
            "total".to_owned(),
            s.resources().to_string(),
            s.entitlements().to_string(),
            s.grants().to_string(),
        ]);
        table
    }

    /// The summary for people: counts per resource type, then requests, retries, warnings.
    pub fn render(&self) -> String {
        let s = &self.summary;
        let table = self.counts();
        let how = match (s.resumed, s.sync_type) {
            (true, SyncType::Partial) => "resumed an interrupted partial sync",
            (true, _) => "resumed an interrupted sync",
            (false, SyncType::Partial) => "new partial sync",
            (false, _) => "new sync",
        };
        let work = match &self.usage {
            Some(u) => {
                let mut work = format!(
                    "{} requests, {} retries, {} rate limited (429)",
                    u.requests,
                    self.retries(),
                    u.rate_limited
                );
                if !u.rate_limit_wait.is_zero() {
                    work.push_str(&format!(
                        ", {} waiting for the rate limit",
                        seconds(u.rate_limit_wait)
                    ));
                }
                work
            }
            None => format!("{} pages, {} retries", s.pages, self.retries()),
        };
        let expansion = match (s.expansion.grants_created, s.expansion.grants_updated) {
            (0, 0) => String::new(),
            (created, 0) => {
                format!("Grant expansion: {created} grants derived through groups and roles.\n")
            }
            (created, updated) => format!(
                "Grant expansion: {created} grants derived through groups and roles; {updated} \
                 direct grants also held through them.\n"
            ),
        };
        let mut text = format!(
            "Synced into {} ({how} {}, {}).\n\n{}\n{expansion}{work}, {} warnings.\n",
            self.file.display(),
            s.sync_id,
            seconds(s.duration),
            table.render(output::terminal_width()),
            s.warnings.len(),
        );
        for warning in &s.warnings {
            text.push_str(&format!("warning: {}\n", output::sanitize(warning)));
        }
        text
    }

    /// The summary for scripts.
    pub fn to_json(&self) -> serde_json::Value {
        let s = &self.summary;
        let usage = self.usage.unwrap_or_default();
        json!({
            "file": self.file.display().to_string(),
            "syncId": s.sync_id,
            "syncType": self.summary.sync_type.as_baton_str(),
            "resumed": s.resumed,
            "resourceTypes": s.resource_types,
            "totals": {
                "resources": s.resources(),
                "entitlements": s.entitlements(),
                "grants": s.grants(),
            },
            "pages": s.pages,
            "requests": usage.requests,
            "retries": self.retries(),
            "rateLimited": usage.rate_limited,
            "rateLimitWaitSeconds": usage.rate_limit_wait.as_secs_f64(),
            "warnings": s.warnings,
            "durationSeconds": s.duration.as_secs_f64(),
        })
    }

    fn retries(&self) -> u64 {
        self.summary.retries + self.usage.map_or(0, |u| u.retries)
    }
}

/// Cancels on the first Ctrl-C, SIGTERM or SIGHUP (the sync checkpoints and stops); exits at
/// once on the second.
async fn cancel_on_signal(cancel: CancellationToken) {
    let Ok(mut signals) = Signals::new() else {
        return;
    };
    if signals.recv().await.is_err() {
        return;
    }
    tracing::warn!("interrupted: saving progress; press Ctrl-C again to stop at once");
    cancel.cancel();
    if signals.recv().await.is_ok() {
        std::process::exit(i32::from(crate::exit::CANCELLED));
    }
}

/// For a command that reads `.c1z` files: on Ctrl-C, SIGTERM or SIGHUP, removes the
/// decompressed copies still under a name and exits with [`CANCELLED`](crate::exit::CANCELLED),
/// as `--help` documents (a default SIGTERM would leave them, and exit 143). The handlers are
/// installed before this returns, so no signal comes between.
pub(crate) fn exit_on_signal() -> std::io::Result<impl Future<Output = ()>> {
    let mut signals = Signals::new()?;
    Ok(async move {
        if signals.recv().await.is_ok() {
            c1z::remove_read_copies();
            std::process::exit(i32::from(crate::exit::CANCELLED));
        }
    })
}

/// Completes at the first Ctrl-C, SIGTERM or SIGHUP (for a command that runs until stopped).
pub(crate) async fn wait_for_signal() -> std::io::Result<()> {
    Signals::new()?.recv().await
}

/// The signals that interrupt a command: Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal
/// closed), each handled from the moment this is made.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// The next of them.
    async fn recv(&mut self) -> std::io::Result<()> {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
        Ok(())
    }
}

/// Ctrl-C, elsewhere.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn recv(&mut self) -> std::io::Result<()> {
        tokio::signal::ctrl_c().await
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
