//! What a dataset is made of: [`DataSpec`] (sizes, shares of the special cases, the seed),
//! [`TeamSizes`], and the presets (`small`, `demo`, `bench`, `sized`).

use serde::{Deserialize, Serialize};

use super::Generator;
use crate::Dataset;

/// The size and shape of a generated [`Dataset`]. Shares are fractions in `0.0..=1.0`; a
/// positive share always yields at least one case, so small datasets still hold every special
/// case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// The random seed: the same spec always generates the same dataset.
    pub seed: u64,
    /// How many organizations.
    pub organizations: usize,
    /// Members of each organization, cycled when shorter than `organizations`.
    pub members_per_org: Vec<usize>,
    /// Teams of each organization, cycled.
    pub teams_per_org: Vec<usize>,
    /// How big teams are.
    pub team_size: TeamSizes,
    /// Share of each organization's members that are admins (every organization has one).
    pub admin_share: f64,
    /// Share of members with the `analyst` role.
    pub analyst_share: f64,
    /// Share of each organization's members (after the first organization) who are also
    /// members of an earlier organization, with the same `user.id`.
    pub shared_user_share: f64,
    /// Share of teams that are SSO-managed (`managed: true`).
    pub sso_team_share: f64,
    /// Share of users whose `name` is null.
    pub null_name_share: f64,
    /// Share of members with a role the reference does not list (`billing`).
    pub unknown_role_share: f64,
    /// Databases of each organization, cycled; teams name some of them.
    #[serde(default)]
    pub databases_per_org: Vec<usize>,
    /// Service tokens of each organization, cycled.
    #[serde(default)]
    pub service_tokens_per_org: Vec<usize>,
    /// Whether each organization's service token list leaves the accesses out, cycled.
    #[serde(default)]
    pub token_list_omits_accesses: Vec<bool>,
    /// OAuth applications of each organization, cycled.
    #[serde(default)]
    pub oauth_apps_per_org: Vec<usize>,
    /// Tokens of each OAuth application, cycled over an organization's applications.
    #[serde(default)]
    pub oauth_tokens_per_app: Vec<usize>,
    /// Pending (and some expired) invitations of each organization, cycled.
    #[serde(default)]
    pub invitations_per_org: Vec<usize>,
    /// The time invitations are dated against, in Unix milliseconds: the pending ones were
    /// sent in the six days before it and expire within the week after; every fourth expired
    /// before it. `None` (every preset) is the start of the current UTC day when the dataset
    /// is generated, so a fake started on any day serves both kinds, as a live organization
    /// does; tests that compare timestamps fix it.
    #[serde(default)]
    pub invitations_as_of_ms: Option<i64>,
}

/// A skewed team-size distribution: most teams have `1..=small_max` members (smaller sizes
/// likelier), a `large_share` of them `large_min..=large_max`, always capped at the
/// organization's member count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamSizes {
    /// The largest small team.
    pub small_max: usize,
    /// The smallest large team.
    pub large_min: usize,
    /// The largest large team.
    pub large_max: usize,
    /// The share of teams that are large.
    pub large_share: f64,
}

impl Default for TeamSizes {
    /// Most teams under 30 members, one in a hundred between 300 and 2,000.
    fn default() -> Self {
        TeamSizes {
            small_max: 29,
            large_min: 300,
            large_max: 2_000,
            large_share: 0.01,
        }
    }
}

impl DataSpec {
    /// Three organizations with tens of members and a few teams, holding every special case:
    /// admins, analysts, an unknown role, shared users, null, unicode, CJK and 200-character
    /// names, plus-sign emails, SSO-managed, large and empty teams.
    pub fn small() -> Self {
        DataSpec {
            seed: 1,
            organizations: 3,
            members_per_org: vec![40, 15, 6],
            teams_per_org: vec![5, 2, 1],
            team_size: TeamSizes {
                small_max: 6,
                large_min: 25,
                large_max: 40,
                large_share: 0.2,
            },
            admin_share: 0.1,
            analyst_share: 0.1,
            shared_user_share: 0.3,
            sso_team_share: 0.2,
            null_name_share: 0.1,
            unknown_role_share: 0.05,
            databases_per_org: vec![9, 3, 1],
            service_tokens_per_org: vec![6, 3, 1],
            token_list_omits_accesses: vec![false, true, false],
            oauth_apps_per_org: vec![2, 1, 0],
            oauth_tokens_per_app: vec![3, 1],
            invitations_per_org: vec![3, 1, 0],
            invitations_as_of_ms: None,
        }
    }

    /// A realistic small company: one main organization of 60 people with 8 teams, and a
    /// sandbox organization some of them also belong to.
    pub fn demo() -> Self {
        DataSpec {
            seed: 7,
            organizations: 2,
            members_per_org: vec![60, 9],
            teams_per_org: vec![8, 1],
            team_size: TeamSizes {
                small_max: 12,
                large_min: 30,
                large_max: 45,
                large_share: 0.1,
            },
            admin_share: 0.08,
            analyst_share: 0.05,
            shared_user_share: 0.6,
            sso_team_share: 0.15,
            null_name_share: 0.05,
            unknown_role_share: 0.0,
            databases_per_org: vec![12, 2],
            service_tokens_per_org: vec![5, 1],
            token_list_omits_accesses: vec![false],
            oauth_apps_per_org: vec![2, 0],
            oauth_tokens_per_app: vec![2, 1],
            invitations_per_org: vec![3, 0],
            invitations_as_of_ms: None,
        }
    }

    /// The benchmark shape: 3 organizations, the largest with 20,000 members and 800 teams
    /// (most under 30 members, a few over 300), users shared across organizations.
    pub fn bench() -> Self {
        DataSpec::sized(3, 20_000, 800)
    }

    /// `organizations` organizations, the first with `largest_members` members and
    /// `largest_teams` teams, the others a quarter and a tenth of that, cycled.
    pub fn sized(organizations: usize, largest_members: usize, largest_teams: usize) -> Self {
        DataSpec {
            seed: 42,
            organizations,
            members_per_org: vec![
                largest_members,
                (largest_members / 4).max(1),
                (largest_members / 10).max(1),
            ],
            teams_per_org: vec![largest_teams, largest_teams / 4, largest_teams / 10],
            team_size: TeamSizes::default(),
            admin_share: 0.02,
            analyst_share: 0.03,
            shared_user_share: 0.25,
            sso_team_share: 0.1,
            null_name_share: 0.05,
            unknown_role_share: 0.002,
            // About one database for every 400 members, at least a handful: 50 in the largest
            // bench organization. Every one of its 1,000 admins and analysts holds access to
            // each through their role, which grant expansion writes out.
            databases_per_org: vec![
                (largest_members / 400).max(8),
                (largest_members / 1_000).max(4),
                (largest_members / 1_000).max(2),
            ],
            service_tokens_per_org: vec![
                (largest_members / 130).max(6),
                (largest_members / 500).max(3),
                (largest_members / 1_000).max(2),
            ],
            token_list_omits_accesses: vec![false, true, false],
            oauth_apps_per_org: vec![6, 2, 1],
            oauth_tokens_per_app: vec![(largest_members / 130).max(3), 12, 4],
            invitations_per_org: vec![
                (largest_members / 70).max(3),
                (largest_members / 500).max(2),
                (largest_members / 4_000).max(1),
            ],
            invitations_as_of_ms: None,
        }
    }

    /// Generates the dataset. Deterministic in every field of the spec.
    pub fn generate(&self) -> Dataset {
        let mut generator = Generator::new(self);
        let organizations = (0..self.organizations).map(|i| generator.org(i)).collect();
        Dataset { organizations }
    }
}
