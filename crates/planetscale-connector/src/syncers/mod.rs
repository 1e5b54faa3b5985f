//! One [`ResourceSyncer`] per PlanetScale resource type, and the helpers their resources share
//! (what they share of the API is `crate::api`'s and `crate::lists`').
//!
//! # Paging
//!
//! Every list the connector walks is PlanetScale's page-numbered envelope, paged by
//! [`connector_sdk::paging`] (its docs have the token grammar, the rules and the bounds):
//!
//! - `p<n>` and `e<n>` name page `n` of a list, reached by following the list or enqueued by
//!   page 1. The member, team and team member lists report `total_pages`, so page 1 enqueues the
//!   others; the organization list reports none and is followed page by page (and would be
//!   enqueued too if it ever reported one).
//! - The user listing walks every organization's members in one chain: `<org index>:p<n>`, the
//!   organization's index in the cached organization list first (omitted for the first one).
//! - Every page of a member, team or team member list is rechecked against page 1's
//!   `total_count`; a list that changed between its pages is listed again from page 1.
//!   Organization member pages are cached for the organization's entitlements and grants; a
//!   cached page whose `total_count` is not the latest listing's is fetched again.

//!
//! # The optional parts' syncers
//!
//! The modules of the types an optional part lists, their syncers and their validation probes
//! come from the one table of the parts (`crate::parts::with_parts!`): a part listed as
//! `Children(m)` or `Nested(m)` has its module `m` here, declared by that table, whose `Syncer`
//! lists it and whose `Syncer::probe` reads its page 1 for validation; `More(m)` adds to module
//! `m`'s type and is probed by `m::probe`.

pub(crate) mod access;
pub(crate) mod children;
pub(crate) mod database;
pub(crate) mod organization;
pub(crate) mod team;
pub(crate) mod user;

use std::sync::Arc;

use connector_sdk::{
    Annotation, ConnectorError, Profile, Resource, ResourceSyncer, Timestamp, Value,
};

use crate::api::{Api, Prefetch};
use crate::cache::OrgEntry;
use crate::parts::{Part, PartReach, with_parts};

pub(crate) use database::DatabaseSyncer;
pub(crate) use organization::OrganizationSyncer;
pub(crate) use team::TeamSyncer;
pub(crate) use user::UserSyncer;

/// The module of a part's own resource type.
macro_rules! part_module {
    (Children($m:ident)) => {
        pub(crate) mod $m;
    };
    (Nested($m:ident)) => {
        pub(crate) mod $m;
    };
    ($($other:tt)*) => {};
}

/// Adds a part's syncer to `$syncers` when `$api`'s options cover it.
macro_rules! part_syncer {
    ($syncers:ident, $api:ident, $part:ident, Children($m:ident)) => {
        part_syncer!($syncers, $api, $part, Nested($m))
    };
    ($syncers:ident, $api:ident, $part:ident, Nested($m:ident)) => {
        if $api.options.covers(Part::$part) {
            $syncers.push(Arc::new($m::Syncer::new($api.clone())));
        }
    };
    ($($other:tt)*) => {};
}

/// A part's validation probe: `None` for one that lists no resources.
macro_rules! part_probe {
    ($api:ident, $org:ident, $prefetch:ident, Children($m:ident)) => {
        Some($m::Syncer::probe($api, $org, $prefetch).await?)
    };
    ($api:ident, $org:ident, $prefetch:ident, Nested($m:ident)) => {
        Some($m::Syncer::probe($api, $org, $prefetch).await?)
    };
    ($api:ident, $org:ident, $prefetch:ident, More($m:ident)) => {
        Some($m::probe($api, $org, $prefetch).await?)
    };
    ($api:ident, $org:ident, $prefetch:ident, Events) => {
        None
    };
}

macro_rules! part_syncers {
    // Of each option only its parts, of each part only how it is listed.
    ($($(#[$_option:meta])* $_field:ident: $($_setting:literal),+ {
        $(
            $(#[$_part:meta])*
            $part:ident { lists: $lists:ident $(($module:ident $(in $_parent:ident)?))?, $($_rest:tt)* }
        )+
    })+) => {
        $($( part_module!($lists $(($module))?); )+)+

        /// The syncers of the optional parts `api`'s options cover, in the table's order.
        pub(crate) fn optional(api: &Api) -> Vec<Arc<dyn ResourceSyncer>> {
            let mut syncers: Vec<Arc<dyn ResourceSyncer>> = Vec::new();
            $($( part_syncer!(syncers, api, $part, $lists $(($module))?); )+)+
            syncers
        }

        /// Page 1 of `part`'s list in `org`, for validation, kept in `prefetch`; `None` for a
        /// part that lists no resources (the audit log: the connector probes it).
        pub(crate) async fn probe(
            api: &Api,
            part: Part,
            org: &OrgEntry,
            prefetch: &mut Prefetch,
        ) -> Result<Option<PartReach>, ConnectorError> {
            Ok(match part {
                $($( Part::$part => part_probe!(api, org, prefetch, $lists $(($module))?), )+)+
            })
        }
    };
}

with_parts!(part_syncers);

/// An ISO-8601 timestamp from the API; unparsable ones are left unset rather than failing.
pub(crate) fn timestamp(value: Option<&str>) -> Option<Timestamp> {
    let value = value?;
    match value.parse::<jiff::Timestamp>() {
        Ok(t) => Some(Timestamp::from_unix(t.as_second(), t.subsec_nanosecond())),
        Err(error) => {
            tracing::debug!(value, %error, "unparsable timestamp left unset");
            None
        }
    }
}

/// The string when present and not blank.
pub(crate) fn non_blank(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.trim().is_empty())
}

/// Adds `key` to `profile` when the value is present; reviewers see absent facts as absent.
pub(crate) fn put<V: Into<Value>>(profile: &mut Profile, key: &str, value: Option<V>) {
    if let Some(value) = value {
        profile.insert(key.to_owned(), value.into());
    }
}

/// `resource` announcing the child resource types `types`.
pub(crate) fn with_children<'a>(
    resource: Resource,
    types: impl Iterator<Item = &'a str>,
) -> Resource {
    types.fold(resource, |r, child| {
        r.with_annotation(Annotation::child_resource_type(child))
    })
}

/// A link into the PlanetScale web console.
pub(crate) fn console_url(segments: &[&str]) -> Option<String> {
    let mut url = url::Url::parse("https://app.planetscale.com/").ok()?;
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(segments);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parts::Lists;

    #[test]
    fn timestamps_parse_iso_8601_and_leave_garbage_unset() {
        let t = timestamp(Some("2024-03-05T17:22:10.512Z")).unwrap();
        assert_eq!(t, Timestamp::from_unix(1_709_659_330, 512_000_000));
        assert_eq!(timestamp(Some("yesterday")), None);
        assert_eq!(timestamp(None), None);
    }

    /// The table declares each optional type's module; its syncer lists the type the table
    /// names, in the table's order.
    #[test]
    fn every_optional_syncer_lists_the_type_its_part_names() {
        let listed: Vec<String> = optional(&Api::offline(crate::parts::Options::all()))
            .iter()
            .map(|s| s.resource_type().id)
            .collect();
        let named: Vec<&str> = Part::ALL
            .into_iter()
            .filter(|p| matches!(p.lists(), Lists::Children | Lists::Nested))
            .filter_map(Part::resource_type)
            .collect();
        assert_eq!(listed, named);
        assert!(named.contains(&service_token::ID) && named.contains(&oauth_token::ID));
        assert!(optional(&Api::offline(Default::default())).is_empty());
    }

    #[test]
    fn console_urls_encode_their_segments() {
        assert_eq!(
            console_url(&["acme"]).unwrap(),
            "https://app.planetscale.com/acme"
        );
        assert_eq!(
            console_url(&["a b/c"]).unwrap(),
            "https://app.planetscale.com/a%20b%2Fc"
        );
    }
}
