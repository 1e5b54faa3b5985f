//! Where the report comes from: the connector and its version, the sync (id, times, full or
//! partial, what it reached), the file and its SHA-256, when the report was made — at the top
//! of the page and in the footer of every printed page.

use std::path::PathBuf;

use c1z::SyncRun;
use connector_sdk::Timestamp;
use maud::{Markup, html};

use crate::commands::provenance::{describe, iso, sha256};
use crate::error::Result;
use crate::program::About;
use crate::settings::standard::Settings;

/// What the report says of where it comes from.
pub struct Provenance {
    pub connector: String,
    pub display_name: String,
    pub version: String,
    pub file: PathBuf,
    pub sha256: String,
    pub made_at: String,
    /// When the report was made, for what is expired or unused.
    pub now: Timestamp,
}

impl Provenance {
    /// The provenance of a report of `settings.file` made at `now`.
    pub fn new(about: &About, settings: &Settings, now: &jiff::Timestamp) -> Result<Provenance> {
        Ok(Provenance {
            connector: about.name.to_owned(),
            display_name: about.display_name.to_owned(),
            version: about.version.to_owned(),
            file: settings.file.clone(),
            sha256: sha256(&settings.file)?,
            made_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            now: Timestamp::from_unix(now.as_second(), 0),
        })
    }

    /// The line at the foot of every printed page.
    pub fn footer(&self, run: &SyncRun) -> String {
        format!(
            "{} {} · sync {} ({}) ended {} · c1z sha256 {} · made {}",
            self.connector,
            self.version,
            run.id,
            run.sync_type,
            run.ended_at
                .as_deref()
                .map(iso)
                .unwrap_or("(unfinished)".to_owned()),
            self.sha256,
            self.made_at
        )
    }

    /// The section at the top: the sync `run`, the top-level resources it reached (`scopes`),
    /// its resource types (`types`), those other syncs of the file have and it has not
    /// (`elsewhere`), the kinds it did not collect (`missing`) and the `previous` full sync
    /// the changes are counted from.
    pub fn section(
        &self,
        run: &SyncRun,
        scopes: &[String],
        types: &[String],
        elsewhere: &[String],
        missing: &[&str],
        previous: Option<&SyncRun>,
    ) -> Markup {
        html! {
            section id="provenance" {
                h2 class="first" { "Provenance" }
                dl class="facts" {
                    dt { "Connector" } dd { (self.connector) " " (self.version) }
                    dt { "Sync" } dd { code { (run.id) } }
                    dt { "Started (UTC)" } dd { (iso(&run.started_at)) }
                    dt { "Finished (UTC)" } dd { (run.ended_at.as_deref().map(iso).unwrap_or("not finished: the data is what it wrote so far".to_owned())) }
                    dt { "Scope" } dd {
                        @if run.is_full() { "full sync (every resource type)" }
                        @else { (run.sync_type) " sync: only the resource types below" }
                    }
                    dt { "Reached" } dd { (scopes.join(", ")) }
                    dt { "Resource types synced" } dd { (types.join(", ")) }
                    dt { "Not synced" } dd {
                        @if elsewhere.is_empty() && missing.is_empty() { "nothing the report looks for is missing" }
                        @if !elsewhere.is_empty() {
                            (elsewhere.join(", ")) " (in other syncs of this file, not in this one)"
                            @if !missing.is_empty() { "; " }
                        }
                        @if !missing.is_empty() { "not collected: " (missing.join("; ")) }
                    }
                    dt { "File" } dd { (self.file.display().to_string()) }
                    dt { "File SHA-256" } dd { code { (self.sha256) } }
                    dt { "Previous full sync" } dd {
                        @match previous { Some(older) => { (describe(older)) }, None => { "none in this file" } }
                    }
                    dt { "Report made (UTC)" } dd { (self.made_at) }
                }
            }
        }
    }
}
