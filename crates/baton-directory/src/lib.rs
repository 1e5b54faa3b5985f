//! `baton-directory`: a complete second connector on `connector-cli`, syncing a directory of
//! JSON files — `users.json` (`[{"id", "name", "email"}]`) and one `groups/<id>.json` per group
//! (`{"name", "members": [ids], "owners": [ids]}`) — into a baton `.c1z`. Everything else —
//! settings, `validate`, `inspect`, `diff`, progress, exit codes, its name for a baton host — is
//! `connector-cli`'s and `connector-sdk`'s.

#![warn(missing_docs)]

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use connector_cli::{About, Program, Result, Setting, Values};
use connector_sdk::{
    Check, Connector, ConnectorError, Entitlement, GetContext, Grant, GroupTrait, ListContext,
    Page, Resource, ResourceContext, ResourceSyncer, ResourceType, Trait, UserTrait,
    ValidationReport, async_trait,
};
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
    let text = std::fs::read_to_string(&path).map_err(fail(&path))?;
    serde_json::from_str(&text).map_err(fail(&path))
}

/// The group ids: the names of `groups/*.json`, sorted.
fn group_ids(dir: &Path) -> Result<Vec<String>, ConnectorError> {
    let groups = dir.join("groups");
    let names = std::fs::read_dir(&groups).map_err(fail(&groups))?;
    let names = names.filter_map(|e| e.ok()?.file_name().into_string().ok());
    let mut ids: Vec<String> = names
        .filter_map(|n| Some(n.strip_suffix(".json")?.into()))
        .collect();
    ids.sort();
    Ok(ids)
}

fn fail<E: Display>(path: &Path) -> impl FnOnce(E) -> ConnectorError + '_ {
    move |e| ConnectorError::not_found(format!("{}: {e}", path.display()))
}

fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
}

fn group_type() -> ResourceType {
    ResourceType::new("group", "Group", &[Trait::Group])
}

/// `users.json`'s people.
fn users(dir: &Path) -> Result<Vec<Resource>, ConnectorError> {
    let users: Vec<User> = read(dir, "users.json")?;
    let user = |u: User| {
        Resource::new(&user_type(), u.id, u.name)
            .with_annotation(UserTrait::new().with_email(u.email, true))
    };
    Ok(users.into_iter().map(user).collect())
}

/// One group a file of `groups/`.
fn groups(dir: &Path) -> Result<Vec<Resource>, ConnectorError> {
    let group = |id: String| -> Result<Resource, ConnectorError> {
        let group: Group = read(dir, &format!("groups/{id}.json"))?;
        Ok(Resource::new(&group_type(), id, group.name).with_annotation(GroupTrait::default()))
    };
    group_ids(dir)?.into_iter().map(group).collect()
}

struct Users(PathBuf);

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::last(users(&self.0)?))
    }

    // One resource by id, of those listed (here and for groups): a host's targeted sync.
    fn supports_get(&self) -> bool {
        true
    }

    async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        Ok(users(&self.0)?.into_iter().find(|r| r.id == cx.id))
    }
}

struct Groups(PathBuf);

#[async_trait]
impl ResourceSyncer for Groups {
    fn resource_type(&self) -> ResourceType {
        group_type()
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::last(groups(&self.0)?))
    }

    fn supports_get(&self) -> bool {
        true
    }

    async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        Ok(groups(&self.0)?.into_iter().find(|r| r.id == cx.id))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let slug = |s| Entitlement::assignment(&cx.resource, s).with_grantable_to(&[&user_type()]);
        Ok(Page::last(vec![slug("member"), slug("owner")]))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let group: Group = read(&self.0, &format!("groups/{}.json", cx.resource.id.resource))?;
        let on = &cx.resource;
        let to = |slug| move |id| Grant::new(on, slug, user_type().id_of(id));
        let mut grants: Vec<Grant> = group.members.into_iter().map(to("member")).collect();
        grants.extend(group.owners.into_iter().map(to("owner")));
        Ok(Page::last(grants))
    }
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

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![
            Arc::new(Users(self.0.clone())),
            Arc::new(Groups(self.0.clone())),
        ]
    }
}

/// The `baton-directory` program: its names, its one setting (`--directory`) and its connector.
#[derive(Debug)]
pub struct Directory;

impl Program for Directory {
    fn about(&self) -> About {
        About {
            name: "baton-directory",
            version: env!("CARGO_PKG_VERSION"),
            display_name: "Directory",
            summary: "Sync users and groups from a directory of JSON files into a baton .c1z file",
            ..Default::default()
        }
    }

    fn settings(&self) -> Vec<Setting> {
        vec![DIRECTORY]
    }

    fn connector(&self, values: &Values) -> Result<Box<dyn Connector>> {
        let dir = values.require_text(&DIRECTORY)?;
        Ok(Box::new(DirectoryConnector(PathBuf::from(dir))))
    }
}
