//! The `Connector`: metadata, validation, and the syncers of its resource types.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use crate::error::{ConnectorError, ErrorKind};
use crate::events::EventFeed;
use crate::syncer::ResourceSyncer;

/// What a connector says about itself (`c1.connector.v2.ConnectorMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Name shown to people, e.g. `PlanetScale`.
    pub display_name: String,
    /// What the connector syncs.
    pub description: String,
}

/// A connector: everything the engine needs to sync one system.
///
/// Only [`syncers`](Self::syncers) must be written. A connector that checks its credentials
/// implements [`report`](Self::report) (each access checked), and [`validate`](Self::validate)
/// follows from it; its name and description come from [`metadata`](Self::metadata), or, left
/// out, from the program that runs it (`connector-cli` fills them from its `About`).
#[async_trait]
pub trait Connector: Send + Sync {
    /// Name and description. The default is empty: whoever runs the connector names it (the
    /// program's `About` in `connector-cli`).
    fn metadata(&self) -> Metadata {
        Metadata::default()
    }

    /// Checks credentials and access before any sync; an error here stops the sync before it
    /// writes anything. The default is [`report`](Self::report)'s
    /// [`verdict`](ValidationReport::verdict): an error when a check is missing.
    async fn validate(&self) -> Result<(), ConnectorError> {
        self.report().await?.verdict()
    }

    /// One syncer per resource type, in the order the engine lists them.
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>>;

    /// What a person checking the credentials wants to see: each access checked, where, and
    /// whether the credentials have it. The default checks nothing (an empty report): a
    /// connector with credentials to check implements this, and [`validate`](Self::validate)
    /// follows from it.
    async fn report(&self) -> Result<ValidationReport, ConnectorError> {
        Ok(ValidationReport::default())
    }

    /// The checks of what provisioning needs — each write access, where, and whether the
    /// credentials have it — made without changing anything. `validate` adds them to
    /// [`report`](Self::report)'s when provisioning is enabled. A check that cannot be made
    /// without a change is [`CheckStatus::Unknown`], its remedy saying how to check by hand.
    /// The default has none.
    async fn report_provisioning(&self) -> Result<Vec<Check>, ConnectorError> {
        Ok(Vec::new())
    }

    /// What the connector's transport has done so far (requests, rate limits met), for progress
    /// and summaries; `None` when it does not say. Cheap: called while a sync runs.
    fn usage(&self) -> Option<Usage> {
        None
    }

    /// The connector's history of changes, when it has one to offer and it is turned on: the
    /// engine reads it after the grants and stores its events (see [`crate::events`]). The
    /// default has none.
    fn event_feed(&self) -> Option<Arc<dyn EventFeed>> {
        None
    }
}

/// The result of checking a connector's credentials, check by check.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ValidationReport {
    /// One row per access checked.
    pub checks: Vec<Check>,
    /// Connector-specific details for scripts, printed as top-level keys of the JSON report.
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ValidationReport {
    /// The checks the credentials fail.
    pub fn missing(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Missing)
    }

    /// `Ok` when no check is missing, else a `PermissionDenied` error naming each missing access
    /// and where, and saying what to do.
    pub fn verdict(&self) -> Result<(), ConnectorError> {
        let missing: Vec<&Check> = self.missing().collect();
        let Some(first) = missing.first() else {
            return Ok(());
        };
        let mut by_access: Vec<(&str, Vec<&str>)> = Vec::new();
        for check in &missing {
            match by_access.iter_mut().find(|(name, _)| *name == check.name) {
                Some((_, scopes)) => scopes.push(&check.scope),
                None => by_access.push((&check.name, vec![&check.scope])),
            }
        }
        let lacks: Vec<String> = by_access
            .iter()
            .map(|(name, scopes)| format!("{name} on {}", scopes.join(", ")))
            .collect();
        let mut message = format!("the credentials lack {}", lacks.join("; "));
        if !first.remedy.is_empty() {
            message.push_str(": ");
            message.push_str(&first.remedy);
        }
        Err(ConnectorError::new(ErrorKind::PermissionDenied, message))
    }
}

impl From<Vec<Check>> for ValidationReport {
    /// A report of these checks, with no details for scripts.
    fn from(checks: Vec<Check>) -> Self {
        ValidationReport {
            checks,
            ..Default::default()
        }
    }
}

/// One access checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Where it was checked, e.g. `organization acme`.
    pub scope: String,
    /// What was checked, e.g. `read_organization`.
    pub name: String,
    /// Whether the credentials have it.
    pub status: CheckStatus,
    /// What was found, e.g. `120 members`; empty when nothing to add.
    pub detail: String,
    /// What to do when it is missing; empty otherwise.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remedy: String,
}

impl Check {
    /// A check the credentials pass.
    pub fn ok(
        scope: impl Into<String>,
        name: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Check {
            scope: scope.into(),
            name: name.into(),
            status: CheckStatus::Ok,
            detail: detail.into(),
            remedy: String::new(),
        }
    }

    /// A check the credentials fail, with what to do about it.
    pub fn missing(
        scope: impl Into<String>,
        name: impl Into<String>,
        remedy: impl Into<String>,
    ) -> Self {
        Check {
            scope: scope.into(),
            name: name.into(),
            status: CheckStatus::Missing,
            detail: String::new(),
            remedy: remedy.into(),
        }
    }

    /// A check that cannot be made without changing something, with how to check by hand.
    pub fn unknown(
        scope: impl Into<String>,
        name: impl Into<String>,
        remedy: impl Into<String>,
    ) -> Self {
        Check {
            status: CheckStatus::Unknown,
            ..Check::missing(scope, name, remedy)
        }
    }

    /// Sets what was found.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// The credentials have the access.
    Ok,
    /// The credentials lack it.
    Missing,
    /// Not checked (the feature that needs it is off).
    Skipped,
    /// Cannot be known without making a change; the remedy says how to check.
    Unknown,
}

impl CheckStatus {
    /// `ok`, `missing`, `skipped` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Missing => "missing",
            CheckStatus::Skipped => "skipped",
            CheckStatus::Unknown => "unknown",
        }
    }
}

/// What a connector's transport did: the figures of baton's `RateLimitDescription` and of a
/// sync summary, in terms any connector can report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Requests sent.
    pub requests: u64,
    /// Requests retried after a transient failure.
    pub retries: u64,
    /// Answers saying the rate limit was exceeded (HTTP 429).
    pub rate_limited: u64,
    /// Time spent waiting for the remote's rate limit in all.
    #[serde(with = "seconds")]
    pub rate_limit_wait: Duration,
    /// How long the remote's rate limit has been holding requests back, when it is now;
    /// `None` when it is not.
    #[serde(skip)]
    pub waiting: Option<Duration>,
}

mod seconds {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_each_missing_access_once_with_its_scopes() {
        let report = ValidationReport {
            checks: vec![
                Check::ok("organization a", "read_organization", "3 members"),
                Check::missing("organization b", "read_organization", "add it in Settings"),
                Check::missing("organization c", "read_organization", "add it in Settings"),
                Check::missing("organization c", "read_service_tokens", "add it too"),
            ],
            ..Default::default()
        };
        let err = report.verdict().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            err.to_string(),
            "the credentials lack read_organization on organization b, organization c; \
             read_service_tokens on organization c: add it in Settings"
        );
        let fine = ValidationReport {
            checks: vec![Check::ok("x", "y", "")],
            ..Default::default()
        };
        assert!(fine.verdict().is_ok());
    }
}
