//! Injected faults: what can go wrong, which requests it hits and how often.

use serde::{Deserialize, Serialize};

use crate::EndpointKind;
use crate::endpoint::Endpoint;

/// One injected fault: what happens, and to which requests (`on`).
///
/// In JSON (for `--faults` files and `PUT /__fake/faults`), the variant is the `fault` field:
/// `{"fault": "status", "status": 503, "on": {"endpoint": "members", "times": 3}}`.
/// Faults apply to authenticated, rate-allowed API requests; the first active rule that
/// matches a request and has not run out fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultRule {
    /// Answer with this status and the body PlanetScale (or the proxy in front of it) sends:
    /// 500/503 JSON, 502 HTML, 401 `unauthorized`, 404 `not_found`, 429 with `Retry-After: 1`.
    Status {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
        /// The HTTP status.
        status: u16,
    },
    /// Close the connection without sending any response.
    Reset {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
    },
    /// Wait `delay_ms` before answering normally.
    Slow {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
        /// The extra delay in milliseconds.
        delay_ms: u64,
    },
    /// Answer 200 with only the first half of the JSON body.
    TruncatedJson {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
    },
    /// Answer 200 with a body that is not JSON.
    InvalidJson {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
    },
    /// On lists: answer page 1's content with a `next_page` that never ends.
    RepeatPage {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
        /// Which `next_page` is announced.
        #[serde(default)]
        next_page: RepeatStyle,
    },
    /// On lists: put `next_page_url` and `prev_page_url` on another origin.
    ForeignNextUrl {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
        /// The foreign origin, e.g. `https://evil.example`.
        origin: String,
    },
    /// On lists: announce these paging fields instead of the true ones, as a broken or hostile
    /// API might. Each field left out keeps its true value; `total_count` and `total_pages`
    /// appear even on the organization list, which reports neither.
    Paging {
        /// Which requests.
        #[serde(default)]
        on: FaultMatch,
        /// The `next_page` announced.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_page: Option<u32>,
        /// The `total_pages` announced.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total_pages: Option<u64>,
        /// The `total_count` announced.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total_count: Option<u64>,
    },
    /// On writes: make the change, then lose its answer, as when the network or a proxy fails
    /// after PlanetScale acted: close the connection without answering (no `status`), or answer
    /// `status` (a 502 from the proxy, a 504 time-out) with its usual body.
    LostAnswer {
        /// Which requests (only writes ever match).
        #[serde(default)]
        on: FaultMatch,
        /// The status answered instead of the true answer; none closes the connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// On page 1 of a list (an organization's members or teams, or a team's members): change
    /// the listed data right after the page is served, so later pages shift.
    ChangeBetweenPages {
        /// Which requests (only page 1 of those lists ever matches).
        #[serde(default)]
        on: FaultMatch,
        /// The change.
        change: DataChange,
    },
}

/// Which requests a [`FaultRule`] hits, and how many times. Every field set must match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultMatch {
    /// Only this kind of endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<EndpointKind>,
    /// Only paths of this organization (by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Only paths of this team (by slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Only paths containing this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
    /// How many matching requests pass untouched before the fault starts: `after: 4` with
    /// `times: "forever"` fails request 5 and every one after it.
    #[serde(default)]
    pub after: u32,
    /// How many times the fault fires.
    #[serde(default)]
    pub times: Times,
}

/// How many times a fault fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TimesRepr", into = "TimesRepr")]
pub enum Times {
    /// This many times (JSON: a number).
    Count(u32),
    /// Every matching request from now on (JSON: `"forever"`).
    Forever,
}

/// The `next_page` a [`FaultRule::RepeatPage`] announces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatStyle {
    /// The page that was requested, so the client asks for it again.
    #[default]
    Requested,
    /// Always page 2.
    Two,
}

/// A change to the listed data for [`FaultRule::ChangeBetweenPages`]. Each applies to the list
/// whose page 1 was served; one of another list changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataChange {
    /// A new member joins at the head of the list: the last member of page 1 moves to page 2.
    AddMember,
    /// The first member leaves (and their teams): the first member of page 2 moves to page 1.
    RemoveMember,
    /// A new team (a copy of the first, without members) is created at the head of the list.
    AddTeam,
    /// The first team is deleted.
    RemoveTeam,
    /// The first organization member not in the team joins it, at the head of its list.
    AddTeamMember,
    /// The team's first member leaves it.
    RemoveTeamMember,
    /// A new database (a copy of the first, with a new id and name) is created at the head of
    /// the database list.
    AddDatabase,
}

impl DataChange {
    /// The list this change applies to.
    fn list(self) -> EndpointKind {
        match self {
            DataChange::AddMember | DataChange::RemoveMember => EndpointKind::Members,
            DataChange::AddTeam | DataChange::RemoveTeam => EndpointKind::Teams,
            DataChange::AddTeamMember | DataChange::RemoveTeamMember => EndpointKind::TeamMembers,
            DataChange::AddDatabase => EndpointKind::Databases,
        }
    }
}

impl Default for FaultMatch {
    fn default() -> Self {
        FaultMatch::any()
    }
}

impl FaultMatch {
    /// Every request, once.
    pub fn any() -> Self {
        FaultMatch {
            endpoint: None,
            org: None,
            team: None,
            path_contains: None,
            after: 0,
            times: Times::Count(1),
        }
    }

    /// Requests to one kind of endpoint, once.
    pub fn endpoint(kind: EndpointKind) -> Self {
        FaultMatch {
            endpoint: Some(kind),
            ..FaultMatch::any()
        }
    }

    /// Requests whose path contains `text`, once.
    pub fn path_contains(text: impl Into<String>) -> Self {
        FaultMatch {
            path_contains: Some(text.into()),
            ..FaultMatch::any()
        }
    }

    /// Narrows to one organization.
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = Some(org.into());
        self
    }

    /// Narrows to one team.
    pub fn team(mut self, slug: impl Into<String>) -> Self {
        self.team = Some(slug.into());
        self
    }

    /// Lets `n` matching requests through first.
    pub fn after(mut self, n: u32) -> Self {
        self.after = n;
        self
    }

    /// Fires `n` times.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Times::Count(n);
        self
    }

    /// Fires on every matching request.
    pub fn forever(mut self) -> Self {
        self.times = Times::Forever;
        self
    }

    fn matches(&self, endpoint: &Endpoint, path: &str) -> bool {
        let same = |want: &Option<String>, got: &Option<String>| match want {
            None => true,
            Some(want) => got.as_ref() == Some(want),
        };
        self.endpoint.is_none_or(|kind| kind == endpoint.kind)
            && same(&self.org, &endpoint.org)
            && same(&self.team, &endpoint.team)
            && self
                .path_contains
                .as_ref()
                .is_none_or(|text| path.contains(text.as_str()))
    }
}

impl Default for Times {
    fn default() -> Self {
        Times::Count(1)
    }
}

impl FaultRule {
    /// Which requests the rule hits.
    pub fn on(&self) -> &FaultMatch {
        match self {
            FaultRule::Status { on, .. }
            | FaultRule::Reset { on }
            | FaultRule::Slow { on, .. }
            | FaultRule::TruncatedJson { on }
            | FaultRule::InvalidJson { on }
            | FaultRule::RepeatPage { on, .. }
            | FaultRule::ForeignNextUrl { on, .. }
            | FaultRule::Paging { on, .. }
            | FaultRule::LostAnswer { on, .. }
            | FaultRule::ChangeBetweenPages { on, .. } => on,
        }
    }

    /// Whether this kind of fault can apply to the request at all.
    fn applies(&self, endpoint: &Endpoint, page: u32) -> bool {
        match self {
            FaultRule::RepeatPage { .. }
            | FaultRule::ForeignNextUrl { .. }
            | FaultRule::Paging { .. } => endpoint.kind.is_list(),
            FaultRule::ChangeBetweenPages { change, .. } => {
                endpoint.kind == change.list() && page == 1
            }
            FaultRule::LostAnswer { .. } => endpoint.kind.is_write(),
            _ => true,
        }
    }
}

/// The faults in force and how often each has matched and fired.
#[derive(Debug, Default)]
pub(crate) struct ActiveFaults {
    rules: Vec<ActiveRule>,
}

#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    seen: u64,
    fired: u64,
}

impl ActiveFaults {
    pub(crate) fn new(rules: Vec<FaultRule>) -> Self {
        let rules = rules
            .into_iter()
            .map(|rule| ActiveRule {
                rule,
                seen: 0,
                fired: 0,
            })
            .collect();
        ActiveFaults { rules }
    }

    /// The fault to apply to a request, if any. Every matching rule counts the request; only
    /// the first one due fires.
    pub(crate) fn decide(
        &mut self,
        endpoint: &Endpoint,
        path: &str,
        page: u32,
    ) -> Option<FaultRule> {
        let mut chosen = None;
        for active in &mut self.rules {
            let on = active.rule.on();
            if !active.rule.applies(endpoint, page) || !on.matches(endpoint, path) {
                continue;
            }
            active.seen += 1;
            let due = active.seen > u64::from(on.after)
                && match on.times {
                    Times::Count(n) => active.fired < u64::from(n),
                    Times::Forever => true,
                };
            if due && chosen.is_none() {
                active.fired += 1;
                chosen = Some(active.rule.clone());
            }
        }
        chosen
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum TimesRepr {
    Count(u32),
    Word(String),
}

impl TryFrom<TimesRepr> for Times {
    type Error = String;

    fn try_from(repr: TimesRepr) -> Result<Self, Self::Error> {
        match repr {
            TimesRepr::Count(n) => Ok(Times::Count(n)),
            TimesRepr::Word(word) if word == "forever" => Ok(Times::Forever),
            TimesRepr::Word(word) => Err(format!(
                "times must be a count or \"forever\", not {word:?}"
            )),
        }
    }
}

impl From<Times> for TimesRepr {
    fn from(times: Times) -> Self {
        match times {
            Times::Count(n) => TimesRepr::Count(n),
            Times::Forever => TimesRepr::Word("forever".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(org: &str) -> Endpoint {
        Endpoint::parse("GET", &format!("/v1/organizations/{org}/members"))
    }

    fn fired(faults: &mut ActiveFaults, endpoint: &Endpoint, n: usize) -> Vec<bool> {
        (0..n)
            .map(|_| faults.decide(endpoint, "/x", 1).is_some())
            .collect()
    }

    #[test]
    fn after_and_times_shape_the_window() {
        let on = FaultMatch::endpoint(EndpointKind::Members)
            .after(2)
            .times(2);
        let mut faults = ActiveFaults::new(vec![FaultRule::Reset { on }]);
        let got = fired(&mut faults, &members("acme"), 6);
        assert_eq!(got, [false, false, true, true, false, false]);
    }

    #[test]
    fn forever_never_runs_out_and_org_narrows() {
        let on = FaultMatch::any().org("acme").forever();
        let mut faults = ActiveFaults::new(vec![FaultRule::Reset { on }]);
        assert_eq!(fired(&mut faults, &members("acme"), 3), [true, true, true]);
        assert_eq!(fired(&mut faults, &members("globex"), 2), [false, false]);
    }

    #[test]
    fn list_faults_skip_single_objects() {
        let on = FaultMatch::any().forever();
        let mut faults = ActiveFaults::new(vec![FaultRule::RepeatPage {
            on,
            next_page: RepeatStyle::Two,
        }]);
        let org = Endpoint::parse("GET", "/v1/organizations/acme");
        assert!(faults.decide(&org, "/x", 1).is_none());
        assert!(faults.decide(&members("acme"), "/x", 1).is_some());
    }

    #[test]
    fn json_form_is_strict_and_readable() {
        let rules: Vec<FaultRule> = serde_json::from_str(
            r#"[{"fault":"status","status":503,"on":{"endpoint":"members","times":"forever"}},
                {"fault":"reset"}]"#,
        )
        .unwrap();
        assert_eq!(rules[0].on().times, Times::Forever);
        assert_eq!(rules[1].on(), &FaultMatch::any());
        let typo = serde_json::from_str::<FaultRule>(r#"{"fault":"reset","on":{"time":3}}"#);
        assert!(
            typo.unwrap_err()
                .to_string()
                .contains("unknown field `time`")
        );
        let word =
            serde_json::from_str::<FaultRule>(r#"{"fault":"reset","on":{"times":"always"}}"#);
        assert!(word.unwrap_err().to_string().contains("forever"));
        let paging: FaultRule =
            serde_json::from_str(r#"{"fault":"paging","total_pages":4000000000}"#).unwrap();
        assert_eq!(
            paging,
            FaultRule::Paging {
                on: FaultMatch::any(),
                next_page: None,
                total_pages: Some(4_000_000_000),
                total_count: None,
            }
        );
    }
}
