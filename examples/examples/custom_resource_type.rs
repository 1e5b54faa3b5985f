//! Adds a resource type of your own: a `project` that users can view.
//!
//! One struct and one `ResourceSyncer` impl describe the type; the connector lists it next to a
//! `user` type; the engine syncs both into a `MemoryStore`, which we print.
//!
//! Run with `cargo run -p examples --example custom_resource_type`.

use std::sync::Arc;

use connector_sdk::{
    Connector, ConnectorError, Entitlement, Grant, ListContext, MemoryStore, Page, Resource,
    ResourceContext, ResourceId, ResourceSyncer, ResourceType, SyncOptions, Trait, UserTrait,
    async_trait,
};

/// The new resource type: projects, each with a `viewer` entitlement.
struct Projects;

impl Projects {
    /// Who may view which project, as the source system would answer.
    const VIEWERS: &[(&str, &[&str])] = &[("apollo", &["ada", "grace"]), ("gemini", &["ada"])];
}

#[async_trait]
impl ResourceSyncer for Projects {
    fn resource_type(&self) -> ResourceType {
        ResourceType::new("project", "Project", &[]).with_description("A software project")
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        // Projects are top-level: nothing lives under a parent.
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let rt = self.resource_type();
        let projects = Self::VIEWERS
            .iter()
            .map(|(id, _)| Resource::new(&rt, *id, format!("Project {id}")));
        Ok(Page::last(projects.collect()))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let user = Users.resource_type();
        let viewer = Entitlement::permission(&cx.resource, "viewer")
            .with_description("May read the project")
            .with_grantable_to(&[&user]);
        Ok(Page::last(vec![viewer]))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let viewers = Self::VIEWERS
            .iter()
            .filter(|(id, _)| *id == cx.resource.id.resource)
            .flat_map(|(_, users)| users.iter());
        let grants = viewers
            .map(|user| Grant::new(&cx.resource, "viewer", ResourceId::new("user", *user)))
            .collect();
        Ok(Page::last(grants))
    }
}

/// The principals: users, which must carry the user trait their type declares.
struct Users;

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        ResourceType::new("user", "User", &[Trait::User])
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let rt = self.resource_type();
        let users = ["ada", "grace"].map(|login| {
            let email = format!("{login}@example.com");
            Resource::new(&rt, login, login)
                .with_annotation(UserTrait::new().with_email(&email, true).with_login(login))
        });
        Ok(Page::last(users.to_vec()))
    }
}

/// The connector: metadata, a validation call, and one line per syncer.
struct Tiny;

#[async_trait]
impl Connector for Tiny {
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![Arc::new(Users), Arc::new(Projects)]
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = MemoryStore::new();
    let summary = connector_sdk::sync(&Tiny, &store, SyncOptions::default()).await?;

    println!(
        "synced {} resources, {} entitlements, {} grants",
        summary.resources(),
        summary.entitlements(),
        summary.grants()
    );
    for resource in store.all_resources() {
        println!("resource    {} ({})", resource.id, resource.display_name);
    }
    for entitlement in store.entitlements() {
        println!(
            "entitlement {} ({})",
            entitlement.id, entitlement.description
        );
    }
    for grant in store.grants() {
        println!("grant       {}", grant.id);
    }
    Ok(())
}
