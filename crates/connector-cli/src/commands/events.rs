//! Events of the connector's feed (an audit log) the file keeps: `inspect events` lists them,
//! and `Attribution` names who made each change `diff`, `inspect access` and the report show
//! ("made admin by bob@acme.example (user) at 2026-12-03 14:02 UTC from 203.0.113.7").
//!
//! A change matches the events of its kind on the same target between the two syncs' times:
//! an access gained, the grants of that entitlement (or of any, when the event names none) to
//! that principal on that resource; an access lost, the revokes likewise, and the grants of
//! another entitlement on the same resource to the same principal (a role replaced); a
//! resource added or removed, any event on it. A file without events attributes nothing, and
//! its outputs stay as they were.

use std::collections::BTreeMap;

use c1z::{AccessChange, C1zReader, ResourceRef, Snapshot, StoredEvent, SyncRun};
use connector_sdk::{
    ResourceId,
    events::{EventKind, FeedEvent},
};
use serde_json::{Value, json};

use crate::cli::EventFilters;
use crate::commands::provenance;
use crate::error::{Error, Result};
use crate::output::{Cell, Column, Listing};
use crate::settings::standard::OutputFormat;

/// `inspect events`: the file's events that pass `filters`, oldest first.
pub fn list(reader: &C1zReader, filters: &EventFilters, format: OutputFormat) -> Result<()> {
    let events = reader.events()?;
    let filter = Filter::new(filters, &events)?;
    let columns = [
        Column::from("TIME"),
        Column::from("ACTOR"),
        Column::from("ACTOR KIND").optional(3),
        Column::from("ACTION"),
        Column::from("KIND").optional(2),
        Column::from("TARGET"),
        Column::from("PRINCIPAL"),
        Column::from("IP").optional(1),
        Column::from("LOCATION").optional(4),
        Column::from("DETAILS").optional(5),
        // Which sync read the event, and as of when: as every export says.
        Column::hidden("sync_id"),
        Column::hidden("as_of"),
    ];
    let as_of: BTreeMap<String, String> = reader
        .syncs()?
        .iter()
        .map(|run| (run.id.clone(), provenance::as_of(run)))
        .collect();
    let mut listing = Listing::new(format, columns, "events");
    for stored in events.iter().filter(|e| filter.passes(e)) {
        let e = &stored.event;
        let details: Vec<String> = e.metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let cells = vec![
            Cell::from(minute(&stored.occurred_at)),
            Cell::from(
                e.actor
                    .as_ref()
                    .map(|a| a.principal.label())
                    .unwrap_or_default(),
            ),
            Cell::from(e.actor.as_ref().map(|a| a.kind.clone()).unwrap_or_default()),
            Cell::from(&e.action),
            Cell::from(e.kind.as_str()),
            Cell::from(target_text(e)),
            Cell::from(e.principal.as_ref().map(|p| p.label()).unwrap_or_default()),
            Cell::from(e.remote_ip.clone().unwrap_or_default()),
            Cell::from(e.location.clone().unwrap_or_default()),
            Cell::from(details.join(", ")),
            Cell::from(&stored.sync_id),
            Cell::from(as_of.get(&stored.sync_id).cloned().unwrap_or_default()),
        ];
        listing.push(cells, || event_json(stored))?;
    }
    let empty = match events.is_empty() {
        // The file does not say whether its syncs read a feed that was empty, or read none.
        true => {
            "The file holds no events. Either its syncs did not read the connector's\n\
             event feed (for PlanetScale, sync with --planetscale-sync-audit-log), or\n\
             the feed had no event in their time."
        }
        false => "No event matches.",
    };
    listing.finish(empty)
}

/// The target, and the entitlement a grant or revoke names: `acme (admin)`.
fn target_text(e: &FeedEvent) -> String {
    let target = e.target.as_ref().map(|t| t.label()).unwrap_or_default();
    match (&e.entitlement_id, e.kind) {
        (Some(id), EventKind::Grant | EventKind::Revoke) => {
            let slug = id.rsplit(':').next().unwrap_or(id);
            format!("{target} ({slug})")
        }
        _ => target,
    }
}

/// An event as JSON: the SDK's record, its time in ISO-8601 and the sync that read it.
fn event_json(stored: &StoredEvent) -> Value {
    let mut value = serde_json::to_value(&stored.event).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.insert(
            "occurredAt".into(),
            json!(provenance::iso(&stored.occurred_at)),
        );
        fields.insert("syncId".into(), json!(stored.sync_id));
    }
    value
}

/// `2026-12-03 14:02 UTC` from the stored `2026-12-03 14:02:11.5`.
fn minute(stored: &str) -> String {
    match stored.get(..16) {
        Some(minute) => format!("{minute} UTC"),
        None => stored.to_owned(),
    }
}

/// The filters of `inspect events`, each checked against what the file holds.
struct Filter {
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

impl Filter {
    fn new(args: &EventFilters, events: &[StoredEvent]) -> Result<Filter> {
        let lower = |s: &Option<String>| s.as_deref().map(|s| s.trim().to_ascii_lowercase());
        let filter = Filter {
            actor: lower(&args.actor),
            target: lower(&args.target),
            action: lower(&args.action),
            since: args
                .since
                .as_deref()
                .map(|t| time_bound(t, "--since"))
                .transpose()?,
            until: args
                .until
                .as_deref()
                .map(|t| time_bound(t, "--until"))
                .transpose()?,
        };
        // A name that no event has is an error, never an empty answer.
        let unknown = |flag: &str, value: &str, what: &str| {
            Error::NotFound(format!(
                "{flag} {value}: no event in the file has that {what}; `inspect events` lists \
                 them all"
            ))
        };
        if let Some(actor) = &filter.actor
            && !events.iter().any(|e| actor_is(&e.event, actor))
        {
            return Err(unknown("--actor", actor, "actor"));
        }
        if let Some(target) = &filter.target
            && !events.iter().any(|e| target_is(&e.event, target))
        {
            return Err(unknown("--target", target, "target or principal"));
        }
        if let Some(action) = &filter.action
            && !events.iter().any(|e| action_is(&e.event, action))
        {
            return Err(unknown("--action", action, "action or kind"));
        }
        Ok(filter)
    }

    fn passes(&self, stored: &StoredEvent) -> bool {
        let e = &stored.event;
        let time = stored.occurred_at.as_str();
        self.actor.as_deref().is_none_or(|a| actor_is(e, a))
            && self.target.as_deref().is_none_or(|t| target_is(e, t))
            && self.action.as_deref().is_none_or(|a| action_is(e, a))
            && self.since.as_deref().is_none_or(|s| time >= s)
            && self.until.as_deref().is_none_or(|u| time < u)
    }
}

/// Whether `name` (lower case) is the resource's name, id or `type:id`.
fn names(r: &connector_sdk::events::EventResource, name: &str) -> bool {
    r.display_name.eq_ignore_ascii_case(name)
        || r.id.resource.eq_ignore_ascii_case(name)
        || r.id.to_string().eq_ignore_ascii_case(name)
}

fn actor_is(e: &FeedEvent, name: &str) -> bool {
    e.actor.as_ref().is_some_and(|a| names(&a.principal, name))
}

fn target_is(e: &FeedEvent, name: &str) -> bool {
    [&e.target, &e.principal]
        .into_iter()
        .flatten()
        .any(|r| names(r, name))
}

/// The raw action, its last word (`updated_role`), or the kind (`grant`).
fn action_is(e: &FeedEvent, name: &str) -> bool {
    let action = e.action.to_ascii_lowercase();
    action == name || action.rsplit('.').next() == Some(name) || e.kind.as_str() == name
}

/// A time bound in the stored format, which compares as text: a date (`2026-12-01`), a UTC
/// time (`2026-12-01T14:00:00Z`, or any RFC 3339 time), or days ago (`7d`).
fn time_bound(text: &str, flag: &str) -> Result<String> {
    let text = text.trim();
    let bad = || {
        Error::Usage(format!(
            "{flag} {text}: give a date (2026-12-01), a time (2026-12-01T14:00:00Z) or days \
             ago (7d)"
        ))
    };
    let timestamp = if let Some(days) = text.strip_suffix('d') {
        let days: i64 = days.parse().map_err(|_| bad())?;
        jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(days.saturating_mul(24)))
            .map_err(|_| bad())?
    } else if let Ok(t) = text.parse::<jiff::Timestamp>() {
        t
    } else {
        let date: jiff::civil::Date = text.parse().map_err(|_| bad())?;
        date.to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|_| bad())?
            .timestamp()
    };
    Ok(timestamp.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

/// Who made the changes between two syncs, from the events of the newer sync's file.
pub(crate) struct Attribution {
    events: Vec<StoredEvent>,
    /// The window: after the older sync started, up to the newer sync's end.
    from: String,
    to: String,
}

impl Attribution {
    /// Who made a change of access; `None` for access derived through another change (that
    /// change is attributed).
    pub(crate) fn of_change(
        &self,
        gained: bool,
        principal: &ResourceRef,
        c: &AccessChange,
    ) -> Option<String> {
        c.via
            .is_empty()
            .then(|| self.access(gained, principal, &c.entitlement_id, &c.resource))
    }

    /// The attribution of the changes from `old` to `new`, `None` when `reader` holds no
    /// events (the outputs then stay as they were).
    pub(crate) fn between(
        reader: &C1zReader,
        old: &SyncRun,
        new: &SyncRun,
    ) -> Result<Option<Attribution>> {
        let events = reader.events()?;
        if events.is_empty() {
            return Ok(None);
        }
        let to = new.ended_at.clone().unwrap_or_else(|| "9999".to_owned());
        Ok(Some(Attribution {
            events,
            from: old.started_at.clone(),
            to,
        }))
    }

    fn window(&self) -> impl Iterator<Item = &StoredEvent> {
        self.events
            .iter()
            .filter(|e| e.occurred_at.as_str() >= self.from.as_str() && e.occurred_at <= self.to)
    }

    /// Who made `principal` gain (`gained`) or lose access `entitlement_id` on `resource`.
    pub(crate) fn access(
        &self,
        gained: bool,
        principal: &ResourceRef,
        entitlement_id: &str,
        resource: &ResourceRef,
    ) -> String {
        let (principal, resource) = (id_of(principal), id_of(resource));
        let matching: Vec<(&StoredEvent, String)> = self
            .window()
            .filter(|s| {
                let e = &s.event;
                e.principal.as_ref().is_some_and(|p| p.id == principal)
                    && e.target.as_ref().is_some_and(|t| t.id == resource)
            })
            .filter_map(|s| {
                let e = &s.event;
                let same = e
                    .entitlement_id
                    .as_deref()
                    .is_none_or(|id| id == entitlement_id);
                let slug = |id: &str| id.rsplit(':').next().unwrap_or(id).to_owned();
                let verb = match (gained, e.kind) {
                    (true, EventKind::Grant) if same => format!("made {}", slug(entitlement_id)),
                    (false, EventKind::Revoke) if same => "removed".to_owned(),
                    (false, EventKind::Grant) if !same => {
                        format!("made {}", slug(e.entitlement_id.as_deref().unwrap_or("")))
                    }
                    _ => return None,
                };
                Some((s, verb))
            })
            .collect();
        said(&matching)
    }

    /// Who added (`added`) or removed `resource`.
    pub(crate) fn resource(&self, added: bool, resource: &ResourceRef) -> String {
        let id = id_of(resource);
        let verb = if added { "added" } else { "removed" };
        let matching: Vec<(&StoredEvent, String)> = self
            .window()
            .filter(|s| {
                let e = &s.event;
                [&e.target, &e.principal]
                    .into_iter()
                    .flatten()
                    .any(|r| r.id == id)
            })
            .map(|s| (s, verb.to_owned()))
            .collect();
        said(&matching)
    }
}

/// For `inspect access`: per resource, who gave `principal` each entitlement it gained since the
/// previous full sync (`admin: made admin by … at …`); `None` when the file holds no events or
/// no earlier sync to compare with (the listing then stays as it was).
pub(crate) fn access_audit(
    s: &Snapshot<'_>,
    principal: &ResourceId,
) -> Result<Option<BTreeMap<ResourceId, Vec<String>>>> {
    let reader = s.reader();
    let Some(previous) = provenance::previous_full(reader, s.id())? else {
        return Ok(None);
    };
    let Some(audit) = Attribution::between(reader, previous.run(), s.run())? else {
        return Ok(None);
    };
    let d = c1z::diff(&previous, s)?;
    let mut said: BTreeMap<ResourceId, Vec<String>> = BTreeMap::new();
    let changes = d
        .access
        .iter()
        .filter(|p| id_of(&p.principal) == *principal);
    for p in changes {
        for c in p.gained.iter().filter(|c| c.via.is_empty()) {
            let text = audit.access(true, &p.principal, &c.entitlement_id, &c.resource);
            said.entry(id_of(&c.resource))
                .or_default()
                .push(format!("{}: {text}", c.entitlement));
        }
    }
    Ok(Some(said))
}

fn id_of(r: &ResourceRef) -> ResourceId {
    ResourceId::new(&r.resource_type, &r.resource)
}

/// The matching events, each as `made admin by bob@acme.example (user) at 2026-12-03 14:02 UTC
/// from 203.0.113.7`, or `no audit entry`.
fn said(matching: &[(&StoredEvent, String)]) -> String {
    if matching.is_empty() {
        return "no audit entry".to_owned();
    }
    let said: Vec<String> = matching
        .iter()
        .map(|(s, verb)| {
            let e = &s.event;
            let by = match &e.actor {
                Some(a) => format!("by {} ({})", a.principal.label(), a.kind),
                None => "by an unknown actor".to_owned(),
            };
            let mut text = format!("{verb} {by} at {}", minute(&s.occurred_at));
            if let Some(ip) = &e.remote_ip {
                text.push_str(&format!(" from {ip}"));
            }
            text
        })
        .collect();
    said.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_are_dates_times_or_days_ago() {
        assert_eq!(
            time_bound("2026-12-01", "--since").unwrap(),
            "2026-12-01 00:00:00"
        );
        assert_eq!(
            time_bound("2026-12-01T14:02:11Z", "--until").unwrap(),
            "2026-12-01 14:02:11"
        );
        assert!(time_bound("7d", "--since").unwrap() < time_bound("1d", "--since").unwrap());
        let e = time_bound("last week", "--since").unwrap_err().to_string();
        assert!(e.contains("--since last week"), "{e}");
    }

    #[test]
    fn minutes_are_said_in_utc() {
        assert_eq!(minute("2026-12-03 14:02:11.5"), "2026-12-03 14:02 UTC");
    }
}
