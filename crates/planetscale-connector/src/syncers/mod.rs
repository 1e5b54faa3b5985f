//! One [`ResourceSyncer`](connector_sdk::ResourceSyncer) per PlanetScale resource type, and what
//! they share: the client, the pages validation already fetched, and the paged lists.
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

pub(crate) mod access;
pub(crate) mod database;
pub(crate) mod invitation;
pub(crate) mod oauth_application;
pub(crate) mod oauth_token;
pub(crate) mod organization;
pub(crate) mod service_token;
pub(crate) mod team;
pub(crate) mod user;
use connector_sdk::{Profile, Timestamp, Value};

pub(crate) use database::DatabaseSyncer;
pub(crate) use invitation::InvitationSyncer;
pub(crate) use oauth_application::OAuthApplicationSyncer;
pub(crate) use oauth_token::OAuthTokenSyncer;
pub(crate) use organization::OrganizationSyncer;
pub(crate) use service_token::ServiceTokenSyncer;
pub(crate) use team::TeamSyncer;
pub(crate) use user::UserSyncer;
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

    #[test]
    fn timestamps_parse_iso_8601_and_leave_garbage_unset() {
        let t = timestamp(Some("2024-03-05T17:22:10.512Z")).unwrap();
        assert_eq!(t, Timestamp::from_unix(1_709_659_330, 512_000_000));
        assert_eq!(timestamp(Some("yesterday")), None);
        assert_eq!(timestamp(None), None);
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
