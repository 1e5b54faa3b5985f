//! Page tokens on the wire: the syncer's own, or a chain that also carries independent tokens
//! baton would not schedule.
//!
//! A syncer's page may name further pages that do not depend on it (`Page::enqueue`). baton's
//! syncer schedules them from an `EnqueuePageTokens` annotation on entitlement and grant
//! listings, at most [`MAX_ENQUEUED`] per response, and not at all on resource listings. What it
//! would not schedule is chained here: the wire token carries the next token and the tokens still
//! to fetch, which are fetched one after another once the list they came from ends. A token that
//! needs no chain goes out as the syncer gave it, so the wire tokens are the engine's own.

use serde::{Deserialize, Serialize};

/// The most page tokens one `EnqueuePageTokens` annotation may carry (baton's limit).
pub const MAX_ENQUEUED: usize = 1024;

/// What marks a chained token. A syncer's token that starts with it is chained too (with nothing
/// queued), so a token is read back the one way it was written.
const CHAIN: &str = "connector-grpc-chain:";

/// A page token as read from a request: the token to hand the syncer, and the independent
/// tokens still to fetch after the list it continues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireToken {
    /// The syncer's token for this call; `None` for a list's first page.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Independent tokens to fetch after this list ends, in order.
    #[serde(rename = "q", default, skip_serializing_if = "Vec::is_empty")]
    pub queued: Vec<String>,
}

impl WireToken {
    /// Reads a request's `page_token` (empty: the first page).
    pub fn parse(wire: &str) -> Result<WireToken, String> {
        if wire.is_empty() {
            return Ok(WireToken::default());
        }
        match wire.strip_prefix(CHAIN) {
            None => Ok(WireToken {
                token: Some(wire.to_owned()),
                queued: Vec::new(),
            }),
            Some(json) => serde_json::from_str(json)
                .map_err(|_| "the page token is not one this server gave out".to_owned()),
        }
    }

    /// The next wire token after a page that returned `next` and named `enqueued` (those the
    /// host does not schedule itself); empty when nothing is left.
    pub fn next(self, next: Option<String>, enqueued: Vec<String>) -> String {
        let mut queued = self.queued;
        queued.extend(enqueued);
        let next = next.filter(|t| !t.is_empty());
        let token = match next {
            Some(token) => Some(token),
            None if queued.is_empty() => return String::new(),
            None => Some(queued.remove(0)),
        };
        match (token, queued.is_empty()) {
            (Some(token), true) if !token.starts_with(CHAIN) => token,
            (token, _) => {
                let chained = WireToken { token, queued };
                // Plain strings in a plain struct always serialize.
                format!(
                    "{CHAIN}{}",
                    serde_json::to_string(&chained).unwrap_or_default()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(pages: &[(&str, Option<&str>, &[&str])]) -> Vec<Option<String>> {
        // Each entry: the syncer token asked for, what it returns next, what it enqueues.
        let mut asked = Vec::new();
        let mut wire = String::new();
        loop {
            let token = WireToken::parse(&wire).unwrap();
            asked.push(token.token.clone());
            let key = token.token.clone().unwrap_or_default();
            let (_, next, enqueued) = pages.iter().find(|(k, _, _)| *k == key).unwrap();
            wire = token.next(
                next.map(str::to_owned),
                enqueued.iter().map(|t| (*t).to_owned()).collect(),
            );
            if wire.is_empty() {
                return asked;
            }
        }
    }

    #[test]
    fn plain_tokens_pass_through() {
        assert_eq!(WireToken::default().next(Some("p2".into()), vec![]), "p2");
        assert_eq!(WireToken::parse("p2").unwrap().token.as_deref(), Some("p2"));
        assert_eq!(WireToken::default().next(None, vec![]), "");
    }

    #[test]
    fn enqueued_tokens_are_fetched_after_the_list_ends() {
        let asked = walk(&[
            ("", Some("a2"), &["e1", "e2"]),
            ("a2", None, &[]),
            ("e1", None, &["e3"]),
            ("e2", None, &[]),
            ("e3", None, &[]),
        ]);
        let asked: Vec<&str> = asked.iter().map(|t| t.as_deref().unwrap_or("")).collect();
        assert_eq!(asked, ["", "a2", "e1", "e2", "e3"]);
    }

    #[test]
    fn a_syncer_token_that_looks_chained_is_escaped() {
        let sly = format!("{CHAIN}{{\"t\":\"x\"}}");
        let wire = WireToken::default().next(Some(sly.clone()), vec![]);
        assert_ne!(wire, sly);
        assert_eq!(WireToken::parse(&wire).unwrap().token, Some(sly));
    }

    #[test]
    fn a_forged_chain_is_refused() {
        assert!(WireToken::parse(&format!("{CHAIN}not json")).is_err());
    }
}
