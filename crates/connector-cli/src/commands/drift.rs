//! Drift between reviews: the findings a scheduled `diff` looks for — a new admin, MFA turned
//! off, a new member, a new credential, one that never expires, people with access who are
//! not on the staff list — `--fail-on`'s exit code, and `--notify`'s webhook post.
//!
//! Generic: admins are permissions or ownerships named admin or owner, members memberships
//! (assignments) of a top-level resource, credentials resources with baton's secret trait.

use std::collections::BTreeMap;
use std::time::Duration;

use c1z::{Diff, Kind, Lifetime, ResourceRef, Snapshot};
use connector_sdk::{Purpose, ResourceId};
use serde::Serialize;
use serde_json::{Value, json};

use crate::output::note;

use crate::error::{Error, Result};
use crate::output::Table;
use crate::staff::{StaffClass, StaffList};

/// The kinds of finding, as `--fail-on` names them (`any` is every kind).
pub const KINDS: [&str; 6] = [
    "new-admin",
    "mfa-off",
    "new-member",
    "new-token",
    "token-no-expiry",
    "not-listed",
];

/// How long one webhook post may take.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times a post is tried.
const NOTIFY_ATTEMPTS: u32 = 3;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// One of [`KINDS`].
    pub kind: &'static str,
    /// Who or what: a principal, or a credential.
    pub subject: String,
    /// What, in words.
    pub detail: String,
}

/// The findings of `d`, whose newer sync is `new`; people with access are classed against
/// `staff` when given.
pub fn findings(d: &Diff, new: &Snapshot<'_>, staff: Option<&StaffList>) -> Result<Vec<Finding>> {
    let mut found = Vec::new();
    for (change, principal, c) in d.access_changes() {
        if change != "gained" {
            continue;
        }
        let Some(entitlement) = new.entitlement(&c.entitlement_id)? else {
            continue;
        };
        let privileged = matches!(
            entitlement.purpose,
            Purpose::Permission | Purpose::Ownership
        );
        if privileged && is_admin_name(&c.entitlement) {
            found.push(Finding {
                kind: "new-admin",
                subject: principal.label(),
                detail: format!(
                    "gained {} on {}{}",
                    c.entitlement,
                    c.resource.label(),
                    via(&c.via)
                ),
            });
        }
        let top_level = new
            .resource(&id_of(&c.resource))?
            .is_some_and(|r| r.parent.is_none());
        if entitlement.purpose == Purpose::Assignment && top_level {
            found.push(Finding {
                kind: "new-member",
                subject: principal.label(),
                detail: format!(
                    "became {} of {}{}",
                    c.entitlement,
                    c.resource.label(),
                    via(&c.via)
                ),
            });
        }
    }
    for a in &d.attributes_changed {
        if a.attribute == "mfa" && a.new == "off" {
            let holds = match a.permissions.is_empty() {
                true => String::new(),
                false => format!("; holds {}", a.permissions.join(", ")),
            };
            found.push(Finding {
                kind: "mfa-off",
                subject: a.principal.label(),
                detail: format!("MFA turned off (was {}){holds}", a.old),
            });
        }
    }
    for added in &d.resources_added {
        let Some(r) = new.resource(&id_of(added))? else {
            continue;
        };
        let Some(lifetime) = Lifetime::of(&r) else {
            continue;
        };
        found.push(Finding {
            kind: "new-token",
            subject: added.label(),
            detail: format!("new credential ({})", added.resource_type),
        });
        if lifetime.expires_at.is_none() {
            found.push(Finding {
                kind: "token-no-expiry",
                subject: added.label(),
                detail: "new credential that never expires".into(),
            });
        }
    }
    if let Some(staff) = staff {
        found.extend(not_listed(new, staff)?);
    }
    Ok(found)
}

/// Every person with access in `s` who is not an active member of `staff`, once, with the
/// top-level resources they have access in.
fn not_listed(s: &Snapshot<'_>, staff: &StaffList) -> Result<Vec<Finding>> {
    let mut people: BTreeMap<String, (StaffClass, String, Vec<String>)> = BTreeMap::new();
    s.for_each_review_row_ref(|row| {
        if row.kind != Kind::Human {
            return Ok::<(), Error>(());
        }
        let class = staff.classify(&row.attributes.email).class;
        if class == StaffClass::Listed {
            return Ok(());
        }
        let subject = c1z::label(row.principal);
        let entry = people
            .entry(subject)
            .or_insert_with(|| (class, row.attributes.email.clone(), Vec::new()));
        entry.2.push(c1z::short_name(row.scope));
        Ok(())
    })?;
    Ok(people
        .into_iter()
        .map(|(subject, (class, email, scopes))| Finding {
            kind: "not-listed",
            subject,
            detail: format!(
                "{} ({}), with access in {}",
                match email.is_empty() {
                    true => "no email".to_owned(),
                    false => email,
                },
                class.describe(),
                scopes.join(", ")
            ),
        })
        .collect())
}

/// The kinds `--fail-on` names, `any` spelled out; a usage error for `not-listed` without a
/// staff list.
pub fn kinds(fail_on: &[String], staff: bool) -> Result<Vec<&'static str>> {
    if fail_on.iter().any(|k| k == "not-listed") && !staff {
        return Err(Error::Usage(
            "--fail-on not-listed compares people with a staff list: add --staff FILE".into(),
        ));
    }
    Ok(KINDS
        .into_iter()
        .filter(|k| fail_on.iter().any(|f| f == k || f == "any"))
        .collect())
}

/// The findings as a table: KIND, SUBJECT, DETAIL.
pub fn table(findings: &[Finding]) -> Table {
    let mut table = Table::new(["FINDING", "SUBJECT", "DETAIL"]);
    for f in findings {
        table.row([f.kind.to_owned(), f.subject.clone(), f.detail.clone()]);
    }
    table
}

/// `kind: n, …` of `findings`.
pub fn counts(findings: &[Finding]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.kind).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON posted to a webhook: a Slack-compatible `text`, the findings, and the syncs.
pub fn message(connector: &str, d: &Diff, findings: &[Finding]) -> Value {
    let mut text = format!(
        "{connector}: {} finding(s) between sync {} and sync {} ({})",
        findings.len(),
        d.old_sync_id,
        d.new_sync_id,
        counts(findings)
    );
    for f in findings.iter().take(20) {
        text.push_str(&format!("\n• {}: {} — {}", f.kind, f.subject, f.detail));
    }
    if findings.len() > 20 {
        text.push_str(&format!("\n… and {} more", findings.len() - 20));
    }
    json!({
        "text": text,
        "connector": connector,
        "oldSyncId": d.old_sync_id,
        "newSyncId": d.new_sync_id,
        "findings": findings,
    })
}

/// Posts `body` to the webhook `url`: each attempt within `NOTIFY_TIMEOUT` (10 s), a failed
/// connection, a time-out, a 429 or a 5xx tried again (up to `NOTIFY_ATTEMPTS`, 3, in all,
/// waiting 1 s, then 2 s). The URL's credentials, path and query are never printed: messages
/// name its scheme and host only.
pub async fn notify(url: &str, body: &Value) -> Result<()> {
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        Error::Usage("--notify takes a URL (https://hooks.example/…); it is not one".into())
    })?;
    let shown = shown(&parsed);
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Usage(format!(
            "--notify {shown}: only http and https webhooks are posted to"
        )));
    }
    let client = reqwest::Client::builder()
        .timeout(NOTIFY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Config(format!("cannot make an HTTP client: {}", e.without_url())))?;
    let mut last = String::new();
    for attempt in 1..=NOTIFY_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 2))).await;
        }
        match client.post(parsed.clone()).json(body).send().await {
            Ok(answer) if answer.status().is_success() => {
                note(&format!("posted the findings to {shown}"));
                return Ok(());
            }
            Ok(answer) => {
                let status = answer.status();
                last = format!("{shown} answered {status}");
                if !(status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS) {
                    break;
                }
            }
            // Without the URL: reqwest's messages name it whole.
            Err(e) => last = format!("{shown}: {}", crate::exit::chain(&e.without_url())),
        }
        if attempt < NOTIFY_ATTEMPTS {
            note(&format!(
                "posting the findings failed ({last}); trying again"
            ));
        }
    }
    Err(Error::Config(format!(
        "cannot post the findings to the --notify webhook: {last}"
    )))
}

/// Runs `future` to its end from synchronous code: on the running multi-threaded runtime
/// (the program's), else on a runtime of its own.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| handle.block_on(future)))
        }
        _ => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::io("cannot start the async runtime", e))?;
            Ok(runtime.block_on(future))
        }
    }
}

/// `scheme://host[:port]`: a webhook URL as messages name it (its path and query are
/// often its secret).
fn shown(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        _ => format!("{}:", url.scheme()),
    }
}

/// ` (via …)` when derived.
fn via(via: &[String]) -> String {
    match via.is_empty() {
        true => String::new(),
        false => format!(" (via {})", via.join(", ")),
    }
}

/// The id of a resource a diff names.
fn id_of(r: &ResourceRef) -> ResourceId {
    ResourceId {
        resource_type: r.resource_type.clone(),
        resource: r.resource.clone(),
        ..Default::default()
    }
}

/// Whether an entitlement's slug names an administrator's role (`admin`, `Organization Owner`,
/// `super_admin`); with a permission's purpose, what [`is_admin`] and `diff --fail-on
/// new-admin` count.
pub(crate) fn is_admin_name(slug: &str) -> bool {
    let slug = slug.to_lowercase();
    slug.contains("admin") || slug.contains("owner")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_is_every_kind_and_not_listed_needs_a_staff_list() {
        assert_eq!(kinds(&["any".into()], true).unwrap(), KINDS);
        assert_eq!(kinds(&["mfa-off".into()], false).unwrap(), ["mfa-off"]);
        assert!(kinds(&["not-listed".into()], false).is_err());
        assert!(!kinds(&["any".into()], false).unwrap().is_empty());
    }

    #[test]
    fn a_webhook_is_named_by_scheme_and_host_only() {
        let url = reqwest::Url::parse("https://u:p@hooks.example:8443/T0/B0/secret?key=k").unwrap();
        assert_eq!(shown(&url), "https://hooks.example:8443");
    }
}
