//! `baton-directory`: a complete second connector on `connector-cli`, syncing a directory of
//! JSON files — `users.json` (`[{"id", "name", "email"}]`) and one `groups/<id>.json` per group
//! (`{"name", "members": [ids], "owners": [ids]}`) — into a baton `.c1z`. Everything else —
//! settings, `validate`, `inspect`, `diff`, progress, exit codes, its name for a baton host — is
//! `connector-cli`'s and `connector-sdk`'s.

#![warn(missing_docs)]

use std::future::ready;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use connector_cli::prelude::*;
use serde::Deserialize;

const DIRECTORY: Setting = Setting::text("directory", "Directory", "The directory to sync")
    .required()
    .value_name("PATH");

#[derive(Deserialize)]
struct User {
    id: String,
    name: String,
    email: String,
}

#[derive(Deserialize)]
struct Group {
    name: String,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    owners: Vec<String>,
}

/// File `name` of directory `dir`, read at each call: a file is small and always current.
fn read<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, ConnectorError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).or_not_found(path.display())?;
    serde_json::from_str(&text).or_not_found(path.display())
}

/// The group ids: the names of `groups/*.json`, sorted.
fn group_ids(dir: &Path) -> Result<Vec<String>, ConnectorError> {
    let groups = dir.join("groups");
    let names = std::fs::read_dir(&groups).or_not_found(groups.display())?;
    let names = names.filter_map(|e| e.ok()?.file_name().into_string().ok());
    let mut ids: Vec<String> = names
        .filter_map(|n| Some(n.strip_suffix(".json")?.into()))
        .collect();
    ids.sort();
    Ok(ids)
}

/// `users.json`'s people.
fn users(dir: &Path) -> Result<Vec<Resource>, ConnectorError> {
    let users: Vec<User> = read(dir, "users.json")?;
    let user = |u: User| Resource::user(u.id, u.name, UserTrait::new().with_email(u.email, true));
    Ok(users.into_iter().map(user).collect())
}

/// One group a file of `groups/`.
fn groups(dir: &Path) -> Result<Vec<Resource>, ConnectorError> {
    let group = |id: String| -> Result<Resource, ConnectorError> {
        let group: Group = read(dir, &format!("groups/{id}.json"))?;
        Ok(Resource::group(id, group.name))
    };
    group_ids(dir)?.into_iter().map(group).collect()
}

/// A group's members and owners, from its file.
fn grants(dir: &Path, on: &Resource) -> Result<Vec<Grant>, ConnectorError> {
    let group: Group = read(dir, &format!("groups/{}.json", on.id.resource))?;
    let to = |slug| move |id| Grant::new(on, slug, ResourceType::user().id_of(id));
    let mut grants: Vec<Grant> = group.members.into_iter().map(to("member")).collect();
    grants.extend(group.owners.into_iter().map(to("owner")));
    Ok(grants)
}

/// A group's entitlements: its members and its owners, users each.
fn entitlements(group: &Resource) -> Vec<Entitlement> {
    let slug = |s| Entitlement::assignment(group, s).with_grantable_to(&[&ResourceType::user()]);
    vec![slug("member"), slug("owner")]
}

struct DirectoryConnector(PathBuf);

#[async_trait]
impl Connector for DirectoryConnector {
    async fn report(&self) -> Result<ValidationReport, ConnectorError> {
        let users = read::<Vec<User>>(&self.0, "users.json")?.len();
        let (groups, scope) = (group_ids(&self.0)?.len(), self.0.display().to_string());
        Ok(ValidationReport::from(vec![
            Check::ok(&scope, "users.json", format!("{users} users")),
            Check::ok(scope, "groups/", format!("{groups} groups")),
        ]))
    }

    // Each type listed whole, a resource found by id among those listed: a host's targeted sync.
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        let (dir, list_dir, grants_dir) = (self.0.clone(), self.0.clone(), self.0.clone());
        let users = ListedSyncer::new(ResourceType::user(), move |_| ready(users(&dir)));
        let groups = ListedSyncer::new(ResourceType::group(), move |_| ready(groups(&list_dir)))
            .with_entitlements(|cx| ready(Ok(entitlements(&cx.resource))))
            .with_grants(move |cx| ready(grants(&grants_dir, &cx.resource)));
        vec![Arc::new(users), Arc::new(groups)]
    }
}

/// The `baton-directory` program: its names, its one setting (`--directory`) and its connector.
#[derive(Debug)]
pub struct Directory;

impl Program for Directory {
    fn about(&self) -> About {
        about!("Directory")
    }

    fn settings(&self) -> Vec<Setting> {
        vec![DIRECTORY]
    }

    fn connector(&self, values: &Values) -> Result<Box<dyn Connector>> {
        let dir = values.require_text(&DIRECTORY)?;
        Ok(Box::new(DirectoryConnector(dir.into())))
    }
}
