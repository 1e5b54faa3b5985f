//! The default command: sync PlanetScale into `--file`.
//!
//! Order matters for safety: the output path is checked and the `.c1z` writer opened before
//! any request, so a bad `--file` costs nothing; the writer only replaces the file once the sync
//! ends, so an interrupted or failed sync leaves the previous file untouched and the next run
//! resumes from the last checkpoint.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use c1z::{C1zWriter, WriterOptions};
use connector_sdk::{CancellationToken, Observer, SyncOptions, SyncSummary};
use planetscale_client::ClientStats;
use planetscale_connector::PlanetScaleConnector;
use serde_json::json;

use crate::cli::OutputFormat;
use crate::config::{ApiSettings, Config, Settings, check_output_file};
use crate::error::Result;
use crate::output::{self, Table};
use crate::progress::Progress;

/// What a finished sync did.
#[derive(Clone, Debug)]
pub struct SyncReport {
    /// The file written.
    pub file: PathBuf,
    /// The engine's summary.
    pub summary: SyncSummary,
    /// The API client's request counts.
    pub stats: ClientStats,
}

/// Runs the sync (the command's work, without signal handling or printing): `cancel` stops it
/// at the next safe point, after a checkpoint, with [`Error::Cancelled`](crate::Error::Cancelled).
pub async fn run(
    settings: &Settings,
    api: &ApiSettings,
    cancel: CancellationToken,
    observer: Option<Arc<dyn Observer>>,
) -> Result<SyncReport> {
    check_output_file(&settings.file)?;
    let store = C1zWriter::open(
        &settings.file,
        WriterOptions {
            keep_syncs: settings.keep_syncs,
            ..Default::default()
        },
    )?;
    let connector = PlanetScaleConnector::new(api.client.clone());
    let options = SyncOptions {
        workers: settings.workers,
        resource_types: settings.resource_types.clone(),
        checkpoint_interval: settings.checkpoint_interval,
        cancel,
        observer,
        ..Default::default()
    };
    let summary = connector_sdk::sync(&connector, &store, options).await?;
    Ok(SyncReport {
        file: settings.file.clone(),
        summary,
        stats: api.client.stats(),
    })
}

/// The command: resolves the token, watches for Ctrl-C and SIGTERM, shows progress, syncs,
/// and prints the summary.
pub async fn main(config: &Config, terminal: bool) -> Result<()> {
    check_output_file(&config.settings.file)?;
    let api = config.api()?;
    let cancel = CancellationToken::new();
    tokio::spawn(cancel_on_signal(cancel.clone()));
    let progress = Arc::new(Progress::new(terminal));
    let result = run(&config.settings, &api, cancel, Some(progress.clone())).await;
    progress.finish();
    // Warnings were logged as they happened; the summary lists them again at the end.
    let report = result?;
    match config.settings.output {
        OutputFormat::Json => output::print_json(&report.to_json()),
        OutputFormat::Table => output::print(&report.render()),
    }
}

impl SyncReport {
    /// The summary for people: counts per resource type, then requests, retries, warnings.
    pub fn render(&self) -> String {
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
        let how = match s.resumed {
            true => "resumed an interrupted sync",
            false => "new sync",
        };
        let mut text = format!(
            "Synced into {} ({how} {}, {}).\n\n{}\n{} requests, {} retries, {} rate limited (429), \
             {} warnings.\n",
            self.file.display(),
            s.sync_id,
            seconds(s.duration),
            table.render(),
            self.stats.requests,
            self.stats.retries + s.retries,
            self.stats.rate_limited,
            self.summary.warnings.len(),
        );
        for warning in &self.summary.warnings {
            text.push_str(&format!("warning: {warning}\n"));
        }
        text
    }

    /// The summary for scripts.
    pub fn to_json(&self) -> serde_json::Value {
        let s = &self.summary;
        json!({
            "file": self.file.display().to_string(),
            "syncId": s.sync_id,
            "resumed": s.resumed,
            "resourceTypes": s.resource_types,
            "totals": {
                "resources": s.resources(),
                "entitlements": s.entitlements(),
                "grants": s.grants(),
            },
            "pages": s.pages,
            "requests": self.stats.requests,
            "retries": self.stats.retries + s.retries,
            "rateLimited": self.stats.rate_limited,
            "warnings": self.summary.warnings,
            "durationSeconds": s.duration.as_secs_f64(),
        })
    }
}

/// Cancels on the first Ctrl-C or SIGTERM (the sync checkpoints and stops); exits at once on
/// the second.
async fn cancel_on_signal(cancel: CancellationToken) {
    if wait_for_signal().await.is_err() {
        return;
    }
    tracing::warn!("interrupted: saving progress; press Ctrl-C again to stop at once");
    cancel.cancel();
    if wait_for_signal().await.is_ok() {
        std::process::exit(i32::from(crate::exit::CANCELLED));
    }
}

#[cfg(unix)]
async fn wait_for_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
