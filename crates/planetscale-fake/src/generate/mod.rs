//! Seeded generation of realistic datasets: same spec, same bytes.
//!
//! This module is the generator: one organization at a time, its ids and chances drawn from
//! one seeded stream. `spec` says what to make; `people`, `teams`, `databases` and `tokens`
//! make each kind of data.

mod databases;
mod people;
mod spec;
mod teams;
mod tokens;

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

pub use self::spec::{DataSpec, TeamSizes};
use crate::OrgData;
use crate::words;

/// The window all generated timestamps fall in, in Unix milliseconds.
const START_MS: i64 = 1_609_459_200_000; // 2021-01-01
const END_MS: i64 = 1_785_542_400_000; // 2026-08-01
const DAY_MS: i64 = 86_400_000;
const ID_ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ID_SPACE: u64 = 36u64.pow(12);
const FALLBACK_AVATAR: &str = "https://app.planetscale.com/gravatar-fallback.png";

struct Generator<'a> {
    spec: &'a DataSpec,
    rng: ChaCha8Rng,
    /// The ids handed out, as numbers below [`ID_SPACE`].
    ids: HashSet<u64>,
    /// How many times each plain email address was handed out.
    emails: HashMap<String, usize>,
    /// Every user created so far, with the time they were created.
    users: Vec<(Value, i64)>,
}

/// One organization's shared context while its members and teams are generated.
struct OrgContext {
    name: String,
    reference: Value,
    created_ms: i64,
    databases: Vec<Value>,
    /// Indices into `Generator::users` and when each joined, in listing order.
    member_users: Vec<(usize, i64)>,
    /// The actor (`{id, display_name, avatar_url}`) of an admin.
    admin_actor: Value,
    /// The User object of an admin.
    admin_user: Value,
}

impl<'a> Generator<'a> {
    fn new(spec: &'a DataSpec) -> Self {
        Generator {
            spec,
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            ids: HashSet::new(),
            emails: HashMap::new(),
            users: Vec::new(),
        }
    }

    fn org(&mut self, i: usize) -> OrgData {
        let name = match words::ORGS.get(i) {
            Some(name) => name.to_string(),
            None => format!(
                "{}-{}",
                words::ORGS[i % words::ORGS.len()],
                i / words::ORGS.len()
            ),
        };
        let id = self.id();
        let created_ms = self.rng.random_range(START_MS..START_MS + 3 * 365 * DAY_MS);
        let updated_ms = self.rng.random_range(created_ms..END_MS);
        let db_count = cycled(&self.spec.databases_per_org, i);
        let databases: Vec<Value> = (0..db_count).map(|d| self.database(&name, d)).collect();
        let organization = json!({
            "id": id,
            "name": name,
            "billing_email": format!("billing@{name}.example"),
            "created_at": timestamp(created_ms),
            "updated_at": timestamp(updated_ms),
            "plan": words::PLANS[i % words::PLANS.len()],
            "valid_billing_info": i % 5 != 4,
            "sso": i.is_multiple_of(2),
            "sso_directory": i.is_multiple_of(4),
            "single_tenancy": false,
            "managed_tenancy": false,
            "has_past_due_invoices": if i % 3 == 2 { Value::Null } else { json!(false) },
            "database_count": db_count,
            "sso_portal_url": if i.is_multiple_of(2) { json!(format!("https://sso.{name}.example/start")) } else { Value::Null },
            "features": if i.is_multiple_of(2) { json!({"insights": true, "query_sharding": false}) } else { json!({}) },
            "idp_managed_roles": i.is_multiple_of(4),
            "invoice_budget_amount": "0.0",
            "keyspace_shard_limit": 32,
            "has_card": i % 5 != 4,
            "payment_info_required": false,
            "free_databases_remaining": 0,
        });
        let reference = json!({
            "id": id,
            "name": name,
            "created_at": organization["created_at"],
            "updated_at": organization["updated_at"],
            "deleted_at": null,
        });
        let mut ctx = OrgContext {
            name,
            reference,
            created_ms,
            databases,
            member_users: Vec::new(),
            admin_actor: Value::Null,
            admin_user: Value::Null,
        };
        let members = self.members(i, &mut ctx);
        let team_count = cycled(&self.spec.teams_per_org, i);
        let teams = self.teams(team_count, &ctx);
        let service_tokens = self.service_tokens(&ctx, i);
        let oauth_applications = self.oauth_applications(&ctx, i);
        let invitations = self.invitations(&ctx, i);
        OrgData {
            organization,
            members,
            teams,
            databases: ctx.databases,
            service_tokens,
            service_token_list_omits_accesses: self
                .spec
                .token_list_omits_accesses
                .get(i % self.spec.token_list_omits_accesses.len().max(1))
                .copied()
                .unwrap_or(false),
            oauth_applications,
            invitations,
            audit_log: Vec::new(),
        }
    }

    /// A unique 12-character lowercase alphanumeric id, shaped like PlanetScale's.
    fn id(&mut self) -> String {
        // One number below 36^12 is one id; remembering numbers is cheaper than strings.
        let mut n = self.rng.random_range(0..ID_SPACE);
        while !self.ids.insert(n) {
            n = self.rng.random_range(0..ID_SPACE);
        }
        let mut id = [0u8; 12];
        for byte in id.iter_mut().rev() {
            *byte = ID_ALPHABET[(n % 36) as usize];
            n /= 36;
        }
        id.iter().map(|&b| char::from(b)).collect()
    }

    fn chance(&mut self, share: f64) -> bool {
        let p = if share.is_nan() {
            0.0
        } else {
            share.clamp(0.0, 1.0)
        };
        self.rng.random_bool(p)
    }
}

/// An access name as PlanetScale describes it: `read_branch` is "Read branch".
pub(crate) fn describe(access: &str) -> String {
    let words = access.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// The `{id, display_name, avatar_url}` object that names who did something.
fn actor(user: &Value) -> Value {
    json!({
        "id": user["id"],
        "display_name": user["display_name"],
        "avatar_url": user["avatar_url"],
    })
}

/// How many of `n` items a share selects: 0 for a zero share, otherwise at least 1.
fn share_count(n: usize, share: f64) -> usize {
    if n == 0 || share.is_nan() || share <= 0.0 {
        return 0;
    }
    ((n as f64 * share.min(1.0)).round() as usize).clamp(1, n)
}

fn cycled(values: &[usize], i: usize) -> usize {
    match values {
        [] => 0,
        values => values[i % values.len()],
    }
}

/// The start of the current UTC day, in Unix milliseconds: the same all day, so two datasets
/// generated in one test are equal.
fn today_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(END_MS, |d| d.as_millis() as i64);
    now - now.rem_euclid(DAY_MS)
}

/// Unix milliseconds as PlanetScale writes them: `2024-03-05T17:22:10.512Z`.
pub(crate) fn timestamp(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(timestamp(1_709_659_330_512), "2024-03-05T17:22:10.512Z");
        assert_eq!(timestamp(START_MS), "2021-01-01T00:00:00.000Z");
    }

    #[test]
    fn share_count_rounds_and_keeps_at_least_one() {
        assert_eq!(share_count(0, 0.5), 0);
        assert_eq!(share_count(10, 0.0), 0);
        assert_eq!(share_count(10, 0.01), 1);
        assert_eq!(share_count(10, 0.25), 3);
        assert_eq!(share_count(10, 7.0), 10);
    }
}
