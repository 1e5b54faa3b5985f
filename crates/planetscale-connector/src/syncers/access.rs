//! Accesses: what a service token or an OAuth application's token may do, on an organization or
//! a database. Each access name is an entitlement on the resource it applies to, granted to the
//! token; a name PlanetScale does not publish is kept the same way, with a warning.

use std::collections::BTreeMap;

use connector_sdk::{ConnectorError, Entitlement, Grant, Resource, ResourceId, SessionCache};
use planetscale_client::{OAuthResource, OAuthScope, ServiceToken};

use super::oauth_token;
use super::service_token::{self, token_name};
use crate::api::Api;
use crate::cache::{self, OrgEntry};
pub(crate) use crate::cache::{Held, Target};
use crate::lists::app_entry;

/// Every service-token access name PlanetScale publishes (the reference's
/// `service_token_access_names`).
pub(crate) const KNOWN: [&str; 46] = [
    "approve_deploy_request",
    "connect_branch",
    "connect_production_branch",
    "connect_production_read_only_branch",
    "create_branch",
    "create_branch_password",
    "create_comment",
    "create_databases",
    "create_deploy_request",
    "create_production_branch_password",
    "create_production_read_only_branch_password",
    "delete_backups",
    "delete_branch",
    "delete_branch_password",
    "delete_database",
    "delete_oauth_tokens",
    "delete_production_branch",
    "delete_production_branch_backups",
    "delete_production_branch_password",
    "delete_production_read_only_branch_password",
    "delete_service_tokens",
    "demote_branches",
    "promote_branches",
    "read_audit_logs",
    "read_backups",
    "read_branch",
    "read_comment",
    "read_database",
    "read_databases",
    "read_deploy_request",
    "read_invoices",
    "read_oauth_applications",
    "read_oauth_tokens",
    "read_organization",
    "read_service_tokens",
    "restore_backup",
    "restore_production_branch_backup",
    "review_deploy_request",
    "write_backups",
    "write_branch_vschema",
    "write_database",
    "write_oauth_tokens",
    "write_organization",
    "write_production_branch_vschema",
    "write_service_tokens",
    "write_teams",
];

/// The entitlement names roles already use on organizations and databases: an access of the
/// same name gets the prefix `access_`, so it never merges into a role.
const ROLE_NAMES: [&str; 3] = ["member", "admin", "analyst"];

impl Held {
    /// The entitlement name this access takes on its resource.
    pub(crate) fn slug(&self) -> String {
        slug(&self.access)
    }

    /// Whether PlanetScale publishes this access name.
    pub(crate) fn is_known(&self) -> bool {
        KNOWN.contains(&self.access.as_str())
    }

    /// The grant of this access on `resource`.
    pub(crate) fn grant(&self, resource: &Resource) -> Grant {
        Grant::new(resource, &self.slug(), self.principal.clone())
    }

    /// The warning for an access PlanetScale does not publish, held on `resource`.
    pub(crate) fn unknown_warning(&self, resource: &Resource) -> String {
        format!(
            "access {:?} of {} {} on {} {} is unknown to the connector: kept as its own \
             entitlement; review what it allows by hand",
            self.access,
            kind_name(&self.principal.resource_type),
            self.principal_name,
            resource.id.resource_type,
            resource.display_name,
        )
    }
}

/// The entitlement name of access `access`.
pub(crate) fn slug(access: &str) -> String {
    match ROLE_NAMES.contains(&access) {
        true => format!("access_{access}"),
        false => access.to_owned(),
    }
}

/// Where an OAuth access on one resource applies.
type Locate = fn(&OAuthResource) -> Target;

/// The accesses of `token` (a service token or an OAuth token), the token being `principal`.
pub(crate) fn held(principal: &ResourceId, name: &str, token: &ServiceToken) -> Vec<Held> {
    let make = |access: &str, description: Option<&String>, on: Target| Held {
        principal: principal.clone(),
        principal_name: name.to_owned(),
        access: access.to_owned(),
        description: description.cloned(),
        on,
    };
    let mut held = Vec::new();
    for a in token.accesses.iter().flatten() {
        let Some(access) = a.access.as_deref().filter(|a| !a.trim().is_empty()) else {
            continue;
        };
        let id = a.resource_id.clone().unwrap_or_default();
        let resource_name = a.resource_name.clone().unwrap_or_default();
        let on = match a.resource_type.as_deref() {
            Some("Organization") => Target::Organization { id },
            Some("Database") => Target::Database {
                id,
                name: resource_name,
            },
            other => Target::Other {
                kind: other.unwrap_or("unknown").to_owned(),
                name: resource_name,
            },
        };
        held.push(make(access, a.description.as_ref(), on));
    }
    let Some(oauth) = &token.oauth_accesses else {
        return held;
    };
    // Each kind of resource, and where an access on one of them applies.
    let scopes: [(&Option<OAuthScope>, Locate); 4] = [
        (&oauth.organization, |r| Target::Organization {
            id: r.id.clone(),
        }),
        (&oauth.database, |r| Target::Database {
            id: r.id.clone(),
            name: r.name.clone().unwrap_or_default(),
        }),
        (&oauth.branch, |r| Target::Branch {
            database: r.database.clone().unwrap_or_default(),
            branch: r.name.clone().unwrap_or_default(),
        }),
        (&oauth.user, |_| Target::User),
    ];
    for (scope, target) in scopes {
        let Some(scope) = scope else { continue };
        for resource in &scope.resources {
            for access in scope.accesses.iter().filter(|a| !a.name.trim().is_empty()) {
                held.push(make(
                    &access.name,
                    access.description.as_ref(),
                    target(resource),
                ));
            }
        }
    }
    held
}

/// The entitlements for the accesses in `held` on `resource`, one per name.
pub(crate) fn entitlements<'a>(
    resource: &Resource,
    held: impl IntoIterator<Item = &'a Held>,
) -> Vec<Entitlement> {
    let mut by_slug: BTreeMap<String, &Held> = BTreeMap::new();
    for h in held {
        by_slug.entry(h.slug()).or_insert(h);
    }
    by_slug
        .into_iter()
        .map(|(slug, h)| entitlement(resource, &slug, h))
        .collect()
}

/// The entitlement of access `h.access` on `resource`, worded for a reviewer.
fn entitlement(resource: &Resource, slug: &str, h: &Held) -> Entitlement {
    let name = &resource.display_name;
    let kind = &resource.id.resource_type;
    let access = &h.access;
    let what = match &h.description {
        Some(d) if !d.trim().is_empty() => format!("{}: the", d.trim_end_matches('.')),
        _ => "The".to_owned(),
    };
    let mut description = format!(
        "{what} PlanetScale access {access} on {kind} {name}, held by service tokens and OAuth \
         application tokens"
    );
    if !h.is_known() {
        description.push_str(
            "; an access this connector does not know: review what it allows in PlanetScale",
        );
    }
    Entitlement::permission(resource, slug)
        .with_display_name(format!("{name} {access} (token access)"))
        .with_description(description)
        .with_grantable_to(&[
            &service_token::resource_type(),
            &oauth_token::resource_type(),
        ])
}

/// How a warning names a principal's type.
fn kind_name(resource_type: &str) -> &str {
    match resource_type {
        service_token::ID => "service token",
        oauth_token::ID => "OAuth token",
        other => other,
    }
}

impl Api {
    /// Every access that `org`'s service tokens and OAuth tokens hold (those the options sync),
    /// read once per sync and kept in the session.
    pub(crate) async fn token_accesses(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<Vec<Held>, ConnectorError> {
        if let Some(held) = cache::accesses(session, &org.id) {
            return Ok(held);
        }
        let mut held = Vec::new();
        if self.options.service_tokens {
            for token in self.service_tokens(session, org).await? {
                let principal = ResourceId::new(service_token::ID, token.id.as_str());
                held.extend(self::held(&principal, &token_name(&token), &token));
            }
        }
        if self.options.oauth_applications {
            for app in self.oauth_apps(session, org).await? {
                let entry = app_entry(&app, org);
                for token in self.oauth_tokens(session, &app.id, &entry).await? {
                    let principal = ResourceId::new(oauth_token::ID, token.id.as_str());
                    let name = format!("{} ({})", token_name(&token), app.name);
                    held.extend(self::held(&principal, &name, &token));
                }
            }
        }
        cache::put_accesses(session, &org.id, &held);
        Ok(held)
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::{Purpose, ResourceType};
    use serde_json::json;

    use super::*;

    fn token(fields: serde_json::Value) -> ServiceToken {
        let mut base = json!({ "id": "t1" });
        base.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn service_token_accesses_apply_to_organizations_and_databases() {
        let principal = ResourceId::new("service_token", "t1");
        let held = held(
            &principal,
            "ci",
            &token(json!({"service_token_accesses": [
                {"id": "a1", "access": "read_organization", "resource_type": "Organization",
                 "resource_id": "o1", "resource_name": "acme"},
                {"id": "a2", "access": "connect_production_branch", "resource_type": "Database",
                 "resource_id": "d1", "resource_name": "orders", "description": "Connect"},
                {"id": "a3", "access": "read_things", "resource_type": "Widget",
                 "resource_id": "w1", "resource_name": "w"},
                {"id": "a4", "access": " ", "resource_type": "Organization", "resource_id": "o1"},
            ]})),
        );
        let on: Vec<(&str, &Target)> = held.iter().map(|h| (h.access.as_str(), &h.on)).collect();
        assert_eq!(
            on,
            [
                (
                    "read_organization",
                    &Target::Organization { id: "o1".into() }
                ),
                (
                    "connect_production_branch",
                    &Target::Database {
                        id: "d1".into(),
                        name: "orders".into()
                    }
                ),
                (
                    "read_things",
                    &Target::Other {
                        kind: "Widget".into(),
                        name: "w".into()
                    }
                ),
            ]
        );
        assert!(held[0].is_known() && !held[2].is_known());
    }

    #[test]
    fn oauth_accesses_apply_to_each_resource_of_their_kind() {
        let principal = ResourceId::new("oauth_token", "k1");
        let held = held(
            &principal,
            "Hex",
            &token(json!({"oauth_accesses_by_resource": {
                "database": {"databases": [{"id": "d1", "name": "orders"}, {"id": "d2", "name": "users"}],
                             "accesses": [{"name": "read_databases"}]},
                "organization": {"organizations": [{"id": "o1", "name": "acme"}], "accesses": []},
                "branch": {"branches": [{"id": "b1", "name": "main", "database": "orders"}],
                           "accesses": [{"name": "connect_branch"}]},
                "user": {"users": [{"id": "u1", "name": "Ada"}], "accesses": [{"name": "read_user"}]},
            }})),
        );
        let on: Vec<&Target> = held.iter().map(|h| &h.on).collect();
        assert_eq!(
            on,
            [
                &Target::Database {
                    id: "d1".into(),
                    name: "orders".into()
                },
                &Target::Database {
                    id: "d2".into(),
                    name: "users".into()
                },
                &Target::Branch {
                    database: "orders".into(),
                    branch: "main".into()
                },
                &Target::User,
            ]
        );
    }

    #[test]
    fn an_access_named_like_a_role_never_merges_into_it() {
        assert_eq!(slug("admin"), "access_admin");
        assert_eq!(slug("read_branch"), "read_branch");
        let db = Resource::new(
            &ResourceType::new("database", "Database", &[]),
            "d1",
            "orders",
        );
        let held = |access: &str| Held {
            principal: ResourceId::new("service_token", "t1"),
            principal_name: "ci".into(),
            access: access.into(),
            description: None,
            on: Target::Database {
                id: "d1".into(),
                name: "orders".into(),
            },
        };
        let all = [
            held("read_branch"),
            held("read_branch"),
            held("manage_webhooks"),
        ];
        let ents = entitlements(&db, &all);
        let ids: Vec<(&str, Purpose)> = ents.iter().map(|e| (e.id.as_str(), e.purpose)).collect();
        assert_eq!(
            ids,
            [
                ("database:d1:manage_webhooks", Purpose::Permission),
                ("database:d1:read_branch", Purpose::Permission),
            ]
        );
        assert!(ents[0].description.contains("does not know"));
        assert!(!ents[1].description.contains("does not know"));
        assert_eq!(
            all[0].grant(&db).id,
            "database:d1:read_branch:service_token:t1"
        );
        assert_eq!(
            all[2].unknown_warning(&db),
            "access \"manage_webhooks\" of service token ci on database orders is unknown to the \
             connector: kept as its own entitlement; review what it allows by hand"
        );
    }
}
