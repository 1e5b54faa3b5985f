//! Databases: each as the database list sends it, as a team names it, and a branch password
//! a team member made on one.

use rand::Rng;
use rand::seq::index;
use serde_json::{Value, json};

use super::{DAY_MS, END_MS, Generator, OrgContext, START_MS, actor, timestamp};
use crate::words;

impl<'a> Generator<'a> {
    /// The `d`th database of organization `org`, as the database list sends it.
    pub(super) fn database(&mut self, org: &str, d: usize) -> Value {
        let base = words::DATABASES[d % words::DATABASES.len()];
        let name = match d / words::DATABASES.len() {
            0 => base.to_string(),
            round => format!("{base}-{}", round + 1),
        };
        let url = format!("https://api.planetscale.com/v1/organizations/{org}/databases/{name}");
        let created = self.rng.random_range(START_MS..END_MS - 30 * DAY_MS);
        let branches = self.rng.random_range(1..=6);
        let mut database = json!({
            "id": self.id(),
            "type": "Database",
            "url": url,
            "branches_url": format!("{url}/branches"),
            "branches_count": branches,
            "open_schema_recommendations_count": d % 3,
            "development_branches_count": branches - 1,
            "production_branches_count": 1,
            "issues_count": null,
            "multiple_admins_required_for_deletion": d.is_multiple_of(4),
            "ready": true,
            "at_backup_restore_branches_limit": false,
            "at_development_branch_usage_limit": false,
            "data_import": null,
            "region": {"id": "us-east", "provider": "AWS", "enabled": true, "public_ip_addresses": [],
                       "display_name": "AWS us-east-1", "location": "Ashburn, Virginia", "slug": "us-east",
                       "current_default": true, "mysql_supported": true, "postgresql_supported": true},
            "html_url": format!("https://app.planetscale.com/{org}/{name}"),
            "name": name,
            "state": if d % 9 == 8 { "sleeping" } else { "ready" },
            "kind": if d % 4 == 3 { "postgresql" } else { "mysql" },
            "plan": words::PLANS[d % words::PLANS.len()],
            "created_at": timestamp(created),
            "updated_at": timestamp(self.rng.random_range(created..END_MS)),
        });
        // The settings, in a second object: one `json!` of every field is too deep a macro.
        let settings = json!({
            "sharded": false,
            "default_branch_shard_count": 1,
            "default_branch_read_only_regions_count": 0,
            "default_branch_table_count": 12 + d % 40,
            "default_branch": "main",
            "require_approval_for_deploy": d.is_multiple_of(2),
            "deletion_protected": d.is_multiple_of(3),
            "resizing": false,
            "resize_queued": false,
            "config_changing": false,
            "config_change_queued": false,
            "allow_data_branching": true,
            "foreign_keys_enabled": true,
            "automatic_migrations": null,
            "restrict_branch_region": false,
            "insights_raw_queries": false,
            "insights_enabled": true,
            "production_branch_web_console": d.is_multiple_of(5),
            "migration_table_name": null,
            "migration_framework": null,
            "schema_last_updated_at": null,
        });
        if let (Some(map), Value::Object(settings)) = (database.as_object_mut(), settings) {
            map.extend(settings);
        }
        database
    }

    /// Up to two databases, as a team names them. The last database of an organization with
    /// several is never picked, so every such organization has one that no team names.
    pub(super) fn pick_databases(&mut self, ctx: &OrgContext) -> Vec<Value> {
        let pool = match ctx.databases.len() {
            n if n > 1 => n - 1,
            n => n,
        };
        let n = self.rng.random_range(0..=pool.min(2));
        index::sample(&mut self.rng, pool, n)
            .into_iter()
            .map(|d| database_ref(&ctx.databases[d]))
            .collect()
    }

    /// A branch password a team member created, with fake secrets.
    pub(super) fn password(&mut self, ctx: &OrgContext, user: &Value, since_ms: i64) -> Value {
        let database = &ctx.databases[0];
        let id = self.id();
        let ms = self.rng.random_range(since_ms..=END_MS);
        json!({
            "id": id,
            "name": format!("{}-main", user["display_name"].as_str().unwrap_or("member")),
            "role": "reader",
            "cidrs": null,
            "created_at": timestamp(ms),
            "deleted_at": null,
            "expires_at": null,
            "last_used_at": null,
            "expired": false,
            "direct_vtgate": false,
            "direct_vtgate_addresses": [],
            "ttl_seconds": null,
            "access_host_url": "aws.connect.psdb.cloud",
            "access_host_regional_url": "us-east.connect.psdb.cloud",
            "access_host_regional_urls": ["us-east.connect.psdb.cloud"],
            "actor": actor(user),
            "region": {"id": "us-east", "provider": "AWS", "enabled": true, "public_ip_addresses": [], "display_name": "AWS us-east-1", "location": "Ashburn, Virginia", "slug": "us-east", "current_default": true},
            "username": format!("pscale_user_fake{id}"),
            "plain_text": format!("pscale_pw_fake{id}"),
            "replica": false,
            "renewable": false,
            "database_branch": {"name": "main", "id": database["id"], "production": true, "mysql_edge_address": "aws.connect.psdb.cloud", "private_edge_connectivity": false},
        })
    }
}

/// A database as a team names it.
fn database_ref(database: &Value) -> Value {
    json!({
        "id": database["id"],
        "name": database["name"],
        "url": database["url"],
        "branches_url": database["branches_url"],
    })
}
