//! Tokens: service tokens (with and without expiry, used lately, long ago or never, accesses
//! on the organization and its databases) and OAuth applications with their tokens.

use rand::Rng;
use serde_json::{Value, json};

use super::{DAY_MS, END_MS, FALLBACK_AVATAR, Generator, OrgContext, cycled, describe, timestamp};
use crate::{OAuthAppData, words};

impl<'a> Generator<'a> {
    /// Tokens with and without expiry, used lately, long ago or never, with accesses on the
    /// organization and on its databases; the fourth holds an access name PlanetScale does not
    /// publish.
    pub(super) fn service_tokens(&mut self, ctx: &OrgContext, org_index: usize) -> Vec<Value> {
        let count = cycled(&self.spec.service_tokens_per_org, org_index);
        (0..count)
            .map(|t| {
                let id = self.id();
                let base = words::TOKEN_NAMES[(org_index + t) % words::TOKEN_NAMES.len()];
                let name = match (t % 7, t / words::TOKEN_NAMES.len()) {
                    (2, _) => Value::Null,
                    (_, 0) => json!(base),
                    (_, round) => json!(format!("{base}-{}", round + 1)),
                };
                let created = self.rng.random_range(ctx.created_ms..END_MS);
                let mut accesses = Vec::new();
                let org_accesses: &[&str] = match t % 4 {
                    0 => &["read_organization"],
                    1 => &[
                        "read_organization",
                        "read_service_tokens",
                        "read_audit_logs",
                    ],
                    2 => &["write_teams"],
                    _ => &["read_organization", "manage_webhooks"],
                };
                for access in org_accesses {
                    accesses.push(self.token_access(access, "Organization", &ctx.reference));
                }
                if !ctx.databases.is_empty() && t % 4 != 0 {
                    let d = self.rng.random_range(0..ctx.databases.len());
                    let database = ctx.databases[d].clone();
                    let db_accesses: &[&str] = match t % 3 {
                        0 => &["read_database", "connect_branch"],
                        1 => &["connect_production_branch", "delete_production_branch"],
                        _ => &["create_deploy_request", "read_branch", "promote_branches"],
                    };
                    for access in db_accesses {
                        accesses.push(self.token_access(access, "Database", &database));
                    }
                }
                json!({
                    "id": id,
                    "type": "ServiceToken",
                    "name": name,
                    "display_name": name.as_str().unwrap_or(&id),
                    "token": null,
                    "plain_text_refresh_token": null,
                    "avatar_url": FALLBACK_AVATAR,
                    "created_at": timestamp(created),
                    "updated_at": timestamp(created),
                    "expires_at": match t % 3 {
                        1 => json!(timestamp(END_MS + 90 * DAY_MS)),
                        2 if t % 2 == 1 => json!(timestamp(END_MS - 10 * DAY_MS)),
                        _ => Value::Null,
                    },
                    "last_used_at": match t % 5 {
                        0 => json!(timestamp(END_MS - DAY_MS)),
                        1 | 4 => json!(timestamp(END_MS - 200 * DAY_MS)),
                        2 => json!(timestamp(END_MS - 20 * DAY_MS)),
                        _ => Value::Null,
                    },
                    "actor_id": ctx.admin_actor["id"],
                    "actor_display_name": ctx.admin_actor["display_name"],
                    "actor_type": "User",
                    "service_token_accesses": accesses,
                    "oauth_accesses_by_resource": null,
                })
            })
            .collect()
    }

    /// One `service_token_accesses` item: `access` on `resource` (an organization reference
    /// or a database object) of type `kind`.
    fn token_access(&mut self, access: &str, kind: &str, resource: &Value) -> Value {
        json!({
            "id": self.id(),
            "access": access,
            "description": describe(access),
            "resource_name": resource["name"],
            "resource_id": resource["id"],
            "resource_type": kind,
            "resource": {
                "id": resource["id"],
                "name": resource["name"],
                "created_at": resource["created_at"],
                "updated_at": resource["updated_at"],
                "deleted_at": null,
            },
        })
    }

    /// Applications with several tokens each, every token acting for one member, with
    /// accesses on databases, the organization, a branch and the member's own account.
    pub(super) fn oauth_applications(
        &mut self,
        ctx: &OrgContext,
        org_index: usize,
    ) -> Vec<OAuthAppData> {
        let count = cycled(&self.spec.oauth_apps_per_org, org_index);
        (0..count)
            .map(|a| {
                let id = self.id();
                let name = words::OAUTH_APPS[(org_index + a) % words::OAUTH_APPS.len()];
                let domain = format!("{}.example", name.to_lowercase().replace(' ', "-"));
                let token_count = cycled(&self.spec.oauth_tokens_per_app, a);
                let created = self.rng.random_range(ctx.created_ms..END_MS);
                let tokens = (0..token_count)
                    .map(|k| self.oauth_token(ctx, name, k))
                    .collect();
                let application = json!({
                    "id": id,
                    "name": name,
                    "redirect_uri": format!("https://{domain}/oauth/callback"),
                    "domain": domain,
                    "created_at": timestamp(created),
                    "updated_at": timestamp(created),
                    "scopes": "read_databases read_branches read_organization",
                    "avatar": "",
                    "client_id": format!("pscale_app_{id}"),
                    "tokens": token_count,
                    "dcr": false,
                    "single_org_authorization": true,
                    "requires_org_scope": true,
                    "scopes_by_resource": {},
                    "all_scopes_by_resource": {},
                });
                OAuthAppData {
                    application,
                    tokens,
                }
            })
            .collect()
    }

    /// The `k`th token of application `app`, acting for a member of the organization.
    fn oauth_token(&mut self, ctx: &OrgContext, app: &str, k: usize) -> Value {
        let id = self.id();
        let (user, created) = match ctx.member_users.len() {
            0 => (ctx.admin_user.clone(), END_MS - DAY_MS),
            n => {
                let (user, joined) = ctx.member_users[self.rng.random_range(0..n)];
                (
                    self.users[user].0.clone(),
                    self.rng.random_range(joined..=END_MS),
                )
            }
        };
        let databases: Vec<Value> = match (k % 3, ctx.databases.len()) {
            (2, _) | (_, 0) => Vec::new(),
            (_, n) => vec![oauth_resource(
                &ctx.databases[self.rng.random_range(0..n)],
                &ctx.name,
            )],
        };
        let branches: Vec<Value> = match (k % 2, ctx.databases.first()) {
            (1, Some(database)) => vec![json!({
                "name": "main",
                "id": self.id(),
                "database": database["name"],
                "organization": ctx.name,
                "url": format!("{}/branches/main", database["url"].as_str().unwrap_or_default()),
            })],
            _ => Vec::new(),
        };
        let scope = |resources: Value, accesses: &[&str]| {
            let accesses: Vec<Value> = accesses
                .iter()
                .map(|a| json!({"name": a, "description": describe(a)}))
                .collect();
            json!({"resources": resources, "accesses": accesses})
        };
        let rename = |mut scope: Value, field: &str| {
            if let Some(map) = scope.as_object_mut()
                && let Some(resources) = map.remove("resources")
            {
                map.insert(field.to_string(), resources);
            }
            scope
        };
        let organization_accesses: &[&str] = match k % 2 {
            0 => &["read_organization"],
            _ => &[],
        };
        json!({
            "id": id,
            "type": "OauthToken",
            "name": null,
            "display_name": app,
            "token": null,
            "plain_text_refresh_token": null,
            "avatar_url": "",
            "created_at": timestamp(created),
            "updated_at": timestamp(created),
            "expires_at": timestamp(created + 30 * DAY_MS),
            "last_used_at": if k % 4 == 3 { Value::Null } else { json!(timestamp(self.rng.random_range(created..=END_MS))) },
            "actor_id": user["id"],
            "actor_display_name": user["display_name"],
            "actor_type": "User",
            "service_token_accesses": null,
            "oauth_accesses_by_resource": {
                "database": rename(scope(json!(databases), &["read_databases", "read_branch"]), "databases"),
                "organization": rename(scope(json!([oauth_resource(&ctx.reference, &ctx.name)]), organization_accesses), "organizations"),
                "branch": rename(scope(json!(branches), &["connect_branch"]), "branches"),
                "user": rename(scope(json!([{"name": user["display_name"], "id": user["id"]}]), &["read_user"]), "users"),
            },
        })
    }
}

/// A database or organization as an OAuth token's accesses name it.
fn oauth_resource(resource: &Value, org: &str) -> Value {
    json!({
        "name": resource["name"],
        "id": resource["id"],
        "organization": org,
        "url": resource["url"],
    })
}
