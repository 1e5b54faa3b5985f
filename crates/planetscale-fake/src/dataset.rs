//! The data the fake serves: wire objects exactly as PlanetScale sends them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, Result};

/// Everything the fake serves, loadable from and writable to a JSON file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The organizations, in the order `GET /organizations` lists them.
    pub organizations: Vec<OrgData>,
}

/// One organization and everything listed under it. Every object is the full wire object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgData {
    /// The Organization object.
    pub organization: Value,
    /// OrganizationMembership objects, in listing order.
    pub members: Vec<Value>,
    /// The teams, in listing order.
    #[serde(default)]
    pub teams: Vec<TeamData>,
    /// Database objects, as `GET …/databases` lists them; teams name some of them.
    #[serde(default)]
    pub databases: Vec<Value>,
    /// ServiceToken objects, each with its `service_token_accesses`.
    #[serde(default)]
    pub service_tokens: Vec<Value>,
    /// Whether `GET …/service-tokens` leaves out each token's `service_token_accesses`, which
    /// then only `GET …/service-tokens/{id}` shows (the reference allows a list to omit them).
    #[serde(default)]
    pub service_token_list_omits_accesses: bool,
    /// The OAuth applications authorised in the organization, with their tokens.
    #[serde(default)]
    pub oauth_applications: Vec<OAuthAppData>,
    /// Invitation objects.
    #[serde(default)]
    pub invitations: Vec<Value>,
    /// AuditLogEvent objects, newest first; the write endpoints add to it.
    #[serde(default)]
    pub audit_log: Vec<Value>,
}

/// The lists a client reads besides organizations, members, teams and team members; each is
/// an option of the connector's, needing an access of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptionalLists {
    /// `GET …/databases`.
    pub databases: bool,
    /// `GET …/service-tokens`.
    pub service_tokens: bool,
    /// `GET …/oauth-applications` and each application's tokens.
    pub oauth_applications: bool,
    /// `GET …/invitations`.
    pub invitations: bool,
    /// `GET …/audit-log`, every entry within retention (a first read).
    pub audit_log: bool,
}

impl OptionalLists {
    /// Every optional list.
    pub const ALL: OptionalLists = OptionalLists {
        databases: true,
        service_tokens: true,
        oauth_applications: true,
        invitations: true,
        audit_log: true,
    };
}

/// One OAuth application and its tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OAuthAppData {
    /// The OAuthApplication object.
    pub application: Value,
    /// Its tokens: ServiceToken-shaped objects with `oauth_accesses_by_resource`.
    #[serde(default)]
    pub tokens: Vec<Value>,
}

/// One team and its memberships.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamData {
    /// The Team object, whose `members` holds the members' User objects.
    pub team: Value,
    /// TeamMembership objects, in listing order.
    pub members: Vec<Value>,
}

impl Dataset {
    /// Parses a dataset from JSON and checks it (see [`Dataset::validate`]).
    pub fn from_json(json: &str) -> Result<Dataset> {
        let dataset: Dataset = serde_json::from_str(json).map_err(|source| Error::Json {
            what: "dataset",
            source,
        })?;
        dataset.validate()?;
        Ok(dataset)
    }

    /// Reads a dataset file written by [`Dataset::save`] or by hand.
    pub fn load(path: &Path) -> Result<Dataset> {
        let json = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Dataset::from_json(&json)
    }

    /// The dataset as pretty-printed JSON; the same data always gives the same bytes.
    pub fn to_json(&self) -> String {
        // Serialising `Value`s and plain structs cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the dataset to `path` as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json()).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Checks what the server relies on: every organization has a unique `name`, every
    /// membership a `user.id` (unique in its org), every team a unique `slug`, every team
    /// member is a member of the team's organization, and service tokens and OAuth
    /// applications have unique ids in their organization.
    pub fn validate(&self) -> Result<()> {
        let mut names = HashSet::new();
        for (i, org) in self.organizations.iter().enumerate() {
            let Some(name) = org.organization["name"].as_str() else {
                return Err(invalid(format!("organization #{i} has no string \"name\"")));
            };
            if !names.insert(name) {
                return Err(invalid(format!("organization name {name:?} appears twice")));
            }
            org.validate(name)?;
        }
        Ok(())
    }

    /// The organization names, in listing order.
    pub fn org_names(&self) -> Vec<&str> {
        self.organizations.iter().map(OrgData::name).collect()
    }

    /// The organization called `name`.
    pub fn org(&self, name: &str) -> Option<&OrgData> {
        self.organizations.iter().find(|o| o.name() == name)
    }

    /// The fewest requests that read every page, at 100 items a page, of the organization
    /// list (the organizations `orgs`, else all), and of each one's members, teams, team members
    /// and the optional `lists`; a token a list shows without its accesses is read on its own.
    /// The audit log counts its pages of 100 within retention (its cursor paging reads one
    /// page when it is empty).
    /// `planetscale-connector`'s request formula, which its tests and the benchmark check.
    pub fn minimum_requests(&self, orgs: Option<&[&str]>, lists: OptionalLists) -> usize {
        let pages = |n: usize| n.div_ceil(100).max(1);
        let reached: Vec<&OrgData> = match orgs {
            Some(names) => names.iter().filter_map(|name| self.org(name)).collect(),
            None => self.organizations.iter().collect(),
        };
        let per_org = reached.iter().map(|org| {
            let team_members: usize = org.teams.iter().map(|t| pages(t.members.len())).sum();
            let mut n = pages(org.members.len()) + pages(org.teams.len()) + team_members;
            if lists.databases {
                n += pages(org.databases.len());
            }
            if lists.service_tokens {
                let tokens = org.service_tokens.len();
                n += pages(tokens);
                if org.service_token_list_omits_accesses {
                    n += tokens;
                }
            }
            if lists.oauth_applications {
                let apps = &org.oauth_applications;
                n += pages(apps.len());
                n += apps.iter().map(|a| pages(a.tokens.len())).sum::<usize>();
                let bare = |t: &&Value| {
                    t["service_token_accesses"].is_null()
                        && t["oauth_accesses_by_resource"].is_null()
                };
                n += apps.iter().flat_map(|a| &a.tokens).filter(bare).count();
            }
            if lists.invitations {
                n += pages(org.invitations.len());
            }
            if lists.audit_log {
                n += crate::audit::pages(&org.audit_log);
            }
            n
        });
        pages(reached.len()) + per_org.sum::<usize>()
    }

    /// How many members the organization called `name` has.
    pub fn member_count(&self, name: &str) -> Option<usize> {
        self.org(name).map(|o| o.members.len())
    }

    /// Memberships summed over all organizations (a user in two orgs counts twice).
    pub fn total_memberships(&self) -> usize {
        self.organizations.iter().map(|o| o.members.len()).sum()
    }

    /// Distinct `user.id`s over all organizations.
    pub fn distinct_users(&self) -> usize {
        let ids: HashSet<&str> = self
            .organizations
            .iter()
            .flat_map(|o| o.user_ids())
            .collect();
        ids.len()
    }

    /// The `user.id`s that are members of more than one organization, sorted.
    pub fn shared_user_ids(&self) -> Vec<&str> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for id in self.organizations.iter().flat_map(|o| o.user_ids()) {
            *counts.entry(id).or_default() += 1;
        }
        let mut shared: Vec<&str> = counts
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .map(|(id, _)| id)
            .collect();
        shared.sort_unstable();
        shared
    }
}

impl OrgData {
    /// The organization's name, the slug used in paths ("" if missing).
    pub fn name(&self) -> &str {
        self.organization["name"].as_str().unwrap_or_default()
    }

    /// The organization's id ("" if missing).
    pub fn id(&self) -> &str {
        self.organization["id"].as_str().unwrap_or_default()
    }

    /// The members' `user.id`s, in listing order.
    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().filter_map(|m| m["user"]["id"].as_str())
    }

    /// The membership of user `user_id`.
    pub fn member(&self, user_id: &str) -> Option<&Value> {
        self.members.iter().find(|m| m["user"]["id"] == user_id)
    }

    /// How many memberships have role `role`.
    pub fn role_count(&self, role: &str) -> usize {
        self.members.iter().filter(|m| m["role"] == role).count()
    }

    /// The team whose slug is `slug`.
    pub fn team(&self, slug: &str) -> Option<&TeamData> {
        self.teams.iter().find(|t| t.slug() == slug)
    }

    /// The database with id `id`.
    pub fn database(&self, id: &str) -> Option<&Value> {
        self.databases.iter().find(|d| d["id"] == id)
    }

    /// Each team's slug and member count, in listing order.
    pub fn team_sizes(&self) -> Vec<(&str, usize)> {
        self.teams
            .iter()
            .map(|t| (t.slug(), t.members.len()))
            .collect()
    }

    fn validate(&self, name: &str) -> Result<()> {
        let mut users = HashSet::new();
        for (i, member) in self.members.iter().enumerate() {
            let Some(id) = member["user"]["id"].as_str() else {
                return Err(invalid(format!(
                    "member #{i} of {name:?} has no string \"user.id\""
                )));
            };
            if !users.insert(id) {
                return Err(invalid(format!(
                    "user {id:?} is a member of {name:?} twice"
                )));
            }
        }
        let mut slugs = HashSet::new();
        for (i, team) in self.teams.iter().enumerate() {
            let Some(slug) = team.team["slug"].as_str() else {
                return Err(invalid(format!(
                    "team #{i} of {name:?} has no string \"slug\""
                )));
            };
            if !slugs.insert(slug) {
                return Err(invalid(format!(
                    "team slug {slug:?} appears twice in {name:?}"
                )));
            }
            for member in &team.members {
                let id = member["user"]["id"].as_str().unwrap_or_default();
                if !users.contains(id) {
                    return Err(invalid(format!(
                        "team {slug:?} of {name:?} has member {id:?}, who is not a member of the organization"
                    )));
                }
            }
        }
        let apps = self.oauth_applications.iter().map(|a| &a.application);
        for (what, objects) in [
            (
                "service token",
                self.service_tokens.iter().collect::<Vec<_>>(),
            ),
            ("OAuth application", apps.collect()),
        ] {
            let mut ids = HashSet::new();
            for object in objects {
                let Some(id) = object["id"].as_str() else {
                    return Err(invalid(format!(
                        "a {what} of {name:?} has no string \"id\""
                    )));
                };
                if !ids.insert(id) {
                    return Err(invalid(format!("{what} {id:?} appears twice in {name:?}")));
                }
            }
        }
        Ok(())
    }
}

impl OAuthAppData {
    /// The application's id ("" if missing).
    pub fn id(&self) -> &str {
        self.application["id"].as_str().unwrap_or_default()
    }
}

impl TeamData {
    /// The team's slug, used in paths ("" if missing).
    pub fn slug(&self) -> &str {
        self.team["slug"].as_str().unwrap_or_default()
    }

    /// The members' `user.id`s, in listing order.
    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().filter_map(|m| m["user"]["id"].as_str())
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidDataset(message)
}
