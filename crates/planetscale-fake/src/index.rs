//! The dataset pre-serialised and indexed, so that a page costs only its own items.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::{Dataset, OrgData};

/// Every wire object as JSON text, with lookups by name, user id and slug.
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    pub(crate) orgs: Vec<Arc<OrgIndex>>,
    by_name: HashMap<String, usize>,
}

/// One organization's objects as JSON text.
#[derive(Debug)]
pub(crate) struct OrgIndex {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) organization: Box<RawValue>,
    pub(crate) members: Vec<Box<RawValue>>,
    member_by_user: HashMap<String, usize>,
    pub(crate) teams: Vec<Box<RawValue>>,
    team_by_slug: HashMap<String, usize>,
    pub(crate) team_members: Vec<Vec<Box<RawValue>>>,
    /// Per team, its memberships by membership id and by user id.
    team_member_by_id: Vec<HashMap<String, usize>>,
    /// The service tokens as the list shows them (without accesses when the org says so).
    pub(crate) service_token_list: Vec<Box<RawValue>>,
    /// The full service tokens, by id.
    service_tokens: HashMap<String, Box<RawValue>>,
    pub(crate) databases: Vec<Box<RawValue>>,
    pub(crate) oauth_applications: Vec<Box<RawValue>>,
    app_by_id: HashMap<String, usize>,
    /// Each application's tokens, in the order of `oauth_applications`.
    pub(crate) oauth_tokens: Vec<Vec<Box<RawValue>>>,
    /// Every OAuth token, by `<application id>/<token id>`.
    oauth_token_by_id: HashMap<String, Box<RawValue>>,
    pub(crate) invitations: Vec<Box<RawValue>>,
    /// The audit log, newest first (served through `audit::page`, which filters by time).
    pub(crate) audit_log: Vec<serde_json::Value>,
}

impl Index {
    pub(crate) fn new(dataset: &Dataset) -> Index {
        let orgs: Vec<Arc<OrgIndex>> = dataset
            .organizations
            .iter()
            .map(|org| Arc::new(OrgIndex::new(org)))
            .collect();
        let by_name = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| (o.name.clone(), i))
            .collect();
        Index { orgs, by_name }
    }

    pub(crate) fn org(&self, name: &str) -> Option<&OrgIndex> {
        self.by_name.get(name).map(|&i| &*self.orgs[i])
    }

    /// The same index with organization `name` rebuilt from `org`.
    pub(crate) fn with_org(&self, name: &str, org: &OrgData) -> Index {
        let mut index = self.clone();
        if let Some(&i) = self.by_name.get(name) {
            index.orgs[i] = Arc::new(OrgIndex::new(org));
        }
        index
    }
}

impl OrgIndex {
    fn new(org: &OrgData) -> OrgIndex {
        let member_by_user = org
            .members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((m["user"]["id"].as_str()?.to_string(), i)))
            .collect();
        let team_by_slug = org
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug().to_string(), i))
            .collect();
        let team_member_by_id = org
            .teams
            .iter()
            .map(|t| {
                let ids = t.members.iter().enumerate().flat_map(|(i, m)| {
                    [&m["id"], &m["user"]["id"]]
                        .into_iter()
                        .filter_map(move |id| Some((id.as_str()?.to_string(), i)))
                });
                ids.collect()
            })
            .collect();
        OrgIndex {
            name: org.name().to_string(),
            id: org.id().to_string(),
            organization: raw(&org.organization),
            members: raw_all(&org.members),
            member_by_user,
            teams: org.teams.iter().map(|t| raw(&t.team)).collect(),
            team_by_slug,
            team_members: org.teams.iter().map(|t| raw_all(&t.members)).collect(),
            team_member_by_id,
            service_token_list: org
                .service_tokens
                .iter()
                .map(|t| match org.service_token_list_omits_accesses {
                    true => raw(&without(t, "service_token_accesses")),
                    false => raw(t),
                })
                .collect(),
            service_tokens: by_id(&org.service_tokens),
            databases: raw_all(&org.databases),
            oauth_applications: org
                .oauth_applications
                .iter()
                .map(|a| raw(&a.application))
                .collect(),
            app_by_id: org
                .oauth_applications
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id().to_string(), i))
                .collect(),
            oauth_tokens: org
                .oauth_applications
                .iter()
                .map(|a| raw_all(&a.tokens))
                .collect(),
            oauth_token_by_id: org
                .oauth_applications
                .iter()
                .flat_map(|a| {
                    by_id(&a.tokens)
                        .into_iter()
                        .map(|(id, t)| (format!("{}/{id}", a.id()), t))
                })
                .collect(),
            audit_log: org.audit_log.clone(),
            invitations: raw_all(&org.invitations),
        }
    }

    pub(crate) fn service_token(&self, id: Option<&str>) -> Option<&RawValue> {
        self.service_tokens.get(id?).map(|t| &**t)
    }

    /// The index of the OAuth application with id `id`.
    pub(crate) fn oauth_app(&self, id: Option<&str>) -> Option<usize> {
        self.app_by_id.get(id?).copied()
    }

    pub(crate) fn oauth_token(&self, app: Option<&str>, id: Option<&str>) -> Option<&RawValue> {
        let key = format!("{}/{}", app?, id?);
        self.oauth_token_by_id.get(&key).map(|t| &**t)
    }

    pub(crate) fn member(&self, user_id: &str) -> Option<&RawValue> {
        self.member_by_user.get(user_id).map(|&i| &*self.members[i])
    }

    pub(crate) fn team(&self, slug: &str) -> Option<usize> {
        self.team_by_slug.get(slug).copied()
    }

    /// The membership of team number `team` whose id or user id is `id`.
    pub(crate) fn team_member(&self, team: usize, id: &str) -> Option<&RawValue> {
        let i = *self.team_member_by_id.get(team)?.get(id)?;
        Some(&*self.team_members[team][i])
    }
}

fn raw(value: &Value) -> Box<RawValue> {
    // `Display` runs serde_json's own compiled serialiser, several times faster in debug
    // builds than the generic `to_raw_value`; a `Value`'s text is always valid JSON.
    RawValue::from_string(value.to_string()).expect("a Value serialises to valid JSON")
}

fn raw_all(values: &[Value]) -> Vec<Box<RawValue>> {
    values.iter().map(raw).collect()
}

/// Each object by its `id`.
fn by_id(values: &[Value]) -> HashMap<String, Box<RawValue>> {
    values
        .iter()
        .filter_map(|v| Some((v["id"].as_str()?.to_string(), raw(v))))
        .collect()
}

/// `object` without `field`.
fn without(object: &Value, field: &str) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove(field);
    }
    object
}
