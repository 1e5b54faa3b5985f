//! `baton-directory`: a complete second connector on `connector-cli`, syncing a directory of
//! JSON files — `users.json` (`[{"id", "name", "email"}]`) and one `groups/<id>.json` per group
//! (`{"name", "members": [ids], "owners": [ids]}`) — into a baton `.c1z`. Everything else —
//! settings, `validate`, `inspect`, `diff`, progress, exit codes — is `connector-cli`'s.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use connector_cli::{About, Program, Result, Setting, Values};
use connector_sdk::{
    Check, Connector, ConnectorError, Entitlement, ErrorKind, GetContext, Grant, GroupTrait,
    ListContext, Metadata, Page, Resource, ResourceContext, ResourceSyncer, ResourceType, Trait,
    UserTrait, ValidationReport,
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

/// The directory, read once per call: a file is small and always current.
#[derive(Clone)]
struct Files(PathBuf);

impl Files {
    fn read<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, ConnectorError> {
        let path = self.0.join(name);
        let text = std::fs::read_to_string(&path).map_err(|e| fail(&path, e))?;
        serde_json::from_str(&text).map_err(|e| fail(&path, e))
    }

    /// The group ids: the names of `groups/*.json`, sorted.
    fn groups(&self) -> Result<Vec<String>, ConnectorError> {
        let dir = self.0.join("groups");
        let entries = std::fs::read_dir(&dir).map_err(|e| fail(&dir, e))?;
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
            .collect();
        ids.sort();
        Ok(ids)
    }
}

fn fail(path: &std::path::Path, e: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::new(ErrorKind::NotFound, format!("{}: {e}", path.display()))
}

fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
}

fn group_type() -> ResourceType {
    ResourceType::new("group", "Group", &[Trait::Group])
}

struct Users(Files);

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let users: Vec<User> = self.0.read("users.json")?;
        Ok(Page::last(users.into_iter().map(user).collect()))
    }

    // One user by id: a host's targeted sync (baton's `--sync-resources`).
    fn supports_get(&self) -> bool {
        true
    }

    async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        let users: Vec<User> = self.0.read("users.json")?;
        Ok(users.into_iter().find(|u| u.id == cx.id.resource).map(user))
    }
}

fn user(u: User) -> Resource {
    Resource::new(&user_type(), u.id, u.name)
        .with_annotation(UserTrait::new().with_email(u.email, true))
}

struct Groups(Files);

#[async_trait]
impl ResourceSyncer for Groups {
    fn resource_type(&self) -> ResourceType {
        group_type()
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let mut resources = Vec::new();
        for id in self.0.groups()? {
            let group: Group = self.0.read(&format!("groups/{id}.json"))?;
            resources.push(group_resource(id, group.name));
        }
        Ok(Page::last(resources))
    }

    fn supports_get(&self) -> bool {
        true
    }

    async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        // Only a name `groups/` holds: an id is never a path of its own.
        let id = cx.id.resource;
        if !self.0.groups()?.contains(&id) {
            return Ok(None);
        }
        let group: Group = self.0.read(&format!("groups/{id}.json"))?;
        Ok(Some(group_resource(id, group.name)))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let slugs = ["member", "owner"];
        let entitlements = slugs
            .map(|s| Entitlement::assignment(&cx.resource, s).with_grantable_to(&[&user_type()]));
        Ok(Page::last(entitlements.to_vec()))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let group: Group = self
            .0
            .read(&format!("groups/{}.json", cx.resource.id.resource))?;
        let held = [("member", group.members), ("owner", group.owners)];
        let grants = held.into_iter().flat_map(|(slug, ids)| {
            let on = cx.resource.clone();
            ids.into_iter()
                .map(move |id| Grant::new(&on, slug, Resource::new(&user_type(), id, "").id))
        });
        Ok(Page::last(grants.collect()))
    }
}

fn group_resource(id: String, name: String) -> Resource {
    Resource::new(&group_type(), id, name).with_annotation(GroupTrait::default())
}

struct DirectoryConnector(Files);

#[async_trait]
impl Connector for DirectoryConnector {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Directory".into(),
            description: "Users and groups from JSON files".into(),
        }
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        self.report().await?.verdict()
    }

    async fn report(&self) -> Result<ValidationReport, ConnectorError> {
        let users: Vec<User> = self.0.read("users.json")?;
        let groups = self.0.groups()?;
        let scope = self.0.0.display().to_string();
        let checks = vec![
            Check::ok(&scope, "users.json", format!("{} users", users.len())),
            Check::ok(scope, "groups/", format!("{} groups", groups.len())),
        ];
        Ok(ValidationReport {
            checks,
            ..Default::default()
        })
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![
            Arc::new(Users(self.0.clone())),
            Arc::new(Groups(self.0.clone())),
        ]
    }
}

struct Directory;

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
        let dir = values.text(&DIRECTORY).unwrap_or_default();
        Ok(Box::new(DirectoryConnector(Files(PathBuf::from(dir)))))
    }

    fn describe(&self) -> Box<dyn Connector> {
        Box::new(DirectoryConnector(Files(PathBuf::new())))
    }
}

fn main() -> std::process::ExitCode {
    connector_cli::run(&Directory)
}
