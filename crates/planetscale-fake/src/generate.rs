//! Seeded generation of realistic datasets: same spec, same bytes.

use std::collections::{HashMap, HashSet};

use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::words;
use crate::{Dataset, OAuthAppData, OrgData, TeamData};

/// The size and shape of a generated [`Dataset`]. Shares are fractions in `0.0..=1.0`; a
/// positive share always yields at least one case, so small datasets still hold every special
/// case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// The random seed: the same spec always generates the same dataset.
    pub seed: u64,
    /// How many organizations.
    pub organizations: usize,
    /// Members of each organization, cycled when shorter than `organizations`.
    pub members_per_org: Vec<usize>,
    /// Teams of each organization, cycled.
    pub teams_per_org: Vec<usize>,
    /// How big teams are.
    pub team_size: TeamSizes,
    /// Share of each organization's members that are admins (every organization has one).
    pub admin_share: f64,
    /// Share of members with the `analyst` role.
    pub analyst_share: f64,
    /// Share of each organization's members (after the first organization) who are also
    /// members of an earlier organization, with the same `user.id`.
    pub shared_user_share: f64,
    /// Share of teams that are SSO-managed (`managed: true`).
    pub sso_team_share: f64,
    /// Share of users whose `name` is null.
    pub null_name_share: f64,
    /// Share of members with a role the reference does not list (`billing`).
    pub unknown_role_share: f64,
    /// Databases of each organization, cycled; teams name some of them.
    #[serde(default)]
    pub databases_per_org: Vec<usize>,
    /// Service tokens of each organization, cycled.
    #[serde(default)]
    pub service_tokens_per_org: Vec<usize>,
    /// Whether each organization's service token list leaves the accesses out, cycled.
    #[serde(default)]
    pub token_list_omits_accesses: Vec<bool>,
    /// OAuth applications of each organization, cycled.
    #[serde(default)]
    pub oauth_apps_per_org: Vec<usize>,
    /// Tokens of each OAuth application, cycled over an organization's applications.
    #[serde(default)]
    pub oauth_tokens_per_app: Vec<usize>,
    /// Pending (and some expired) invitations of each organization, cycled.
    #[serde(default)]
    pub invitations_per_org: Vec<usize>,
    /// The time invitations are dated against, in Unix milliseconds: the pending ones were
    /// sent in the six days before it and expire within the week after; every fourth expired
    /// before it. `None` (every preset) is the start of the current UTC day when the dataset
    /// is generated, so a fake started on any day serves both kinds, as a live organization
    /// does; tests that compare timestamps fix it.
    #[serde(default)]
    pub invitations_as_of_ms: Option<i64>,
}

/// A skewed team-size distribution: most teams have `1..=small_max` members (smaller sizes
/// likelier), a `large_share` of them `large_min..=large_max`, always capped at the
/// organization's member count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamSizes {
    /// The largest small team.
    pub small_max: usize,
    /// The smallest large team.
    pub large_min: usize,
    /// The largest large team.
    pub large_max: usize,
    /// The share of teams that are large.
    pub large_share: f64,
}

impl Default for TeamSizes {
    /// Most teams under 30 members, one in a hundred between 300 and 2,000.
    fn default() -> Self {
        TeamSizes {
            small_max: 29,
            large_min: 300,
            large_max: 2_000,
            large_share: 0.01,
        }
    }
}

impl DataSpec {
    /// Three organizations with tens of members and a few teams, holding every special case:
    /// admins, analysts, an unknown role, shared users, null, unicode, CJK and 200-character
    /// names, plus-sign emails, SSO-managed, large and empty teams.
    pub fn small() -> Self {
        DataSpec {
            seed: 1,
            organizations: 3,
            members_per_org: vec![40, 15, 6],
            teams_per_org: vec![5, 2, 1],
            team_size: TeamSizes {
                small_max: 6,
                large_min: 25,
                large_max: 40,
                large_share: 0.2,
            },
            admin_share: 0.1,
            analyst_share: 0.1,
            shared_user_share: 0.3,
            sso_team_share: 0.2,
            null_name_share: 0.1,
            unknown_role_share: 0.05,
            databases_per_org: vec![9, 3, 1],
            service_tokens_per_org: vec![6, 3, 1],
            token_list_omits_accesses: vec![false, true, false],
            oauth_apps_per_org: vec![2, 1, 0],
            oauth_tokens_per_app: vec![3, 1],
            invitations_per_org: vec![3, 1, 0],
            invitations_as_of_ms: None,
        }
    }

    /// A realistic small company: one main organization of 60 people with 8 teams, and a
    /// sandbox organization some of them also belong to.
    pub fn demo() -> Self {
        DataSpec {
            seed: 7,
            organizations: 2,
            members_per_org: vec![60, 9],
            teams_per_org: vec![8, 1],
            team_size: TeamSizes {
                small_max: 12,
                large_min: 30,
                large_max: 45,
                large_share: 0.1,
            },
            admin_share: 0.08,
            analyst_share: 0.05,
            shared_user_share: 0.6,
            sso_team_share: 0.15,
            null_name_share: 0.05,
            unknown_role_share: 0.0,
            databases_per_org: vec![12, 2],
            service_tokens_per_org: vec![5, 1],
            token_list_omits_accesses: vec![false],
            oauth_apps_per_org: vec![2, 0],
            oauth_tokens_per_app: vec![2, 1],
            invitations_per_org: vec![3, 0],
            invitations_as_of_ms: None,
        }
    }

    /// The benchmark shape: 3 organizations, the largest with 20,000 members and 800 teams
    /// (most under 30 members, a few over 300), users shared across organizations.
    pub fn bench() -> Self {
        DataSpec::sized(3, 20_000, 800)
    }

    /// `organizations` organizations, the first with `largest_members` members and
    /// `largest_teams` teams, the others a quarter and a tenth of that, cycled.
    pub fn sized(organizations: usize, largest_members: usize, largest_teams: usize) -> Self {
        DataSpec {
            seed: 42,
            organizations,
            members_per_org: vec![
                largest_members,
                (largest_members / 4).max(1),
                (largest_members / 10).max(1),
            ],
            teams_per_org: vec![largest_teams, largest_teams / 4, largest_teams / 10],
            team_size: TeamSizes::default(),
            admin_share: 0.02,
            analyst_share: 0.03,
            shared_user_share: 0.25,
            sso_team_share: 0.1,
            null_name_share: 0.05,
            unknown_role_share: 0.002,
            // About one database for every 400 members, at least a handful: 50 in the largest
            // bench organization. Every one of its 1,000 admins and analysts holds access to
            // each through their role, which grant expansion writes out.
            databases_per_org: vec![
                (largest_members / 400).max(8),
                (largest_members / 1_000).max(4),
                (largest_members / 1_000).max(2),
            ],
            service_tokens_per_org: vec![
                (largest_members / 130).max(6),
                (largest_members / 500).max(3),
                (largest_members / 1_000).max(2),
            ],
            token_list_omits_accesses: vec![false, true, false],
            oauth_apps_per_org: vec![6, 2, 1],
            oauth_tokens_per_app: vec![(largest_members / 130).max(3), 12, 4],
            invitations_per_org: vec![
                (largest_members / 70).max(3),
                (largest_members / 500).max(2),
                (largest_members / 4_000).max(1),
            ],
            invitations_as_of_ms: None,
        }
    }

    /// Generates the dataset. Deterministic in every field of the spec.
    pub fn generate(&self) -> Dataset {
        let mut generator = Generator::new(self);
        let organizations = (0..self.organizations).map(|i| generator.org(i)).collect();
        Dataset { organizations }
    }
}

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

    /// The `d`th database of organization `org`, as the database list sends it.
    fn database(&mut self, org: &str, d: usize) -> Value {
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

    fn members(&mut self, org_index: usize, ctx: &mut OrgContext) -> Vec<Value> {
        let n = cycled(&self.spec.members_per_org, org_index);
        let earlier = self.users.len();
        let shared = match org_index {
            0 => 0,
            _ => share_count(n, self.spec.shared_user_share).min(earlier),
        };
        // Each member joins at some time; shared users join after they were created.
        let mut joins: Vec<(i64, usize)> = Vec::with_capacity(n);
        for u in index::sample(&mut self.rng, earlier, shared) {
            let since = self.users[u].1.max(ctx.created_ms);
            joins.push((self.rng.random_range(since..=END_MS), u));
        }
        for _ in shared..n {
            let joined = self.rng.random_range(ctx.created_ms..END_MS);
            let created = joined - self.rng.random_range(0..DAY_MS);
            let user = self.user(created, ctx);
            self.users.push((user, created));
            joins.push((joined, self.users.len() - 1));
        }
        joins.sort_unstable();
        let roles = self.roles(n);
        let mut members = Vec::with_capacity(n);
        for ((joined, u), role) in joins.into_iter().zip(roles) {
            let user = &self.users[u].0;
            if role == "admin" && ctx.admin_user.is_null() {
                ctx.admin_user = user.clone();
                ctx.admin_actor = actor(user);
            }
            let updated = match role {
                "member" => joined,
                _ => self.rng.random_range(joined..=END_MS),
            };
            let mut member = json!({
                "id": self.id(),
                "role": role,
                "created_at": timestamp(joined),
                "updated_at": timestamp(updated),
            });
            // Moved in rather than written inside `json!`, which would serialise a copy.
            member["user"] = self.users[u].0.clone();
            members.push(member);
            ctx.member_users.push((u, joined));
        }
        members
    }

    /// Roles for `n` members: at least one admin, then analysts and unknown roles by share.
    fn roles(&mut self, n: usize) -> Vec<&'static str> {
        let admins = share_count(n, self.spec.admin_share).max(1).min(n);
        let analysts = share_count(n, self.spec.analyst_share).min(n - admins);
        let unknown = share_count(n, self.spec.unknown_role_share).min(n - admins - analysts);
        let mut roles = vec!["member"; n];
        let chosen = index::sample(&mut self.rng, n, admins + analysts + unknown);
        for (k, i) in chosen.into_iter().enumerate() {
            roles[i] = match k {
                k if k < admins => "admin",
                k if k < admins + analysts => "analyst",
                _ => "billing",
            };
        }
        roles
    }

    fn user(&mut self, created_ms: i64, ctx: &OrgContext) -> Value {
        let k = self.users.len();
        let (name, local, awkward) = self.person(k);
        // The awkward names come from fixed positions and must stay names.
        let null_name = k == 2 || (self.chance(self.spec.null_name_share) && !awkward);
        let plus = if k % 11 == 3 { "+ops" } else { "" };
        let email = self.email(&format!("{local}{plus}"), &ctx.name);
        let name = if null_name && self.spec.null_name_share > 0.0 {
            None
        } else {
            Some(name)
        };
        let display_name = name.clone().unwrap_or_else(|| email.clone());
        let avatar_url = match k % 4 {
            0 => String::new(),
            1 => format!("https://avatars.example/u/{k}.png"),
            _ => FALLBACK_AVATAR.to_string(),
        };
        let updated_ms = self.rng.random_range(created_ms..=END_MS);
        let mut user = json!({
            "id": self.id(),
            "type": "User",
            "display_name": display_name,
            "name": name,
            "email": email,
            "avatar_url": avatar_url,
            "created_at": timestamp(created_ms),
            "updated_at": timestamp(updated_ms),
            "two_factor_auth_configured": self.chance(0.6),
        });
        // The reference says the last five fields may be absent altogether.
        if k % 10 == 9 {
            return user;
        }
        let sso = self.chance(0.5);
        let extra = json!({
            "default_organization": if k.is_multiple_of(3) { Value::Null } else { ctx.reference.clone() },
            "sso": if k % 7 == 5 { Value::Null } else { json!(sso) },
            "managed": if k % 7 == 5 { Value::Null } else { json!(false) },
            "directory_managed": if k % 7 == 5 { Value::Null } else { json!(sso && k.is_multiple_of(2)) },
            "email_verified": self.chance(0.9),
        });
        if let (Some(user), Value::Object(extra)) = (user.as_object_mut(), extra) {
            user.extend(extra);
        }
        user
    }

    /// The `k`th user's name, the ASCII local part of their email, and whether the name is one
    /// of the awkward ones (accents, CJK, 200 characters).
    fn person(&mut self, k: usize) -> (String, String, bool) {
        if k == 1 || k % 23 == 12 {
            let (name, local) = words::UNICODE_NAMES[(k / 23) % words::UNICODE_NAMES.len()];
            return (name.to_string(), local.to_string(), true);
        }
        if k == 4 || k % 97 == 50 {
            let (name, local) = words::CJK_NAMES[(k / 97) % words::CJK_NAMES.len()];
            return (name.to_string(), local.to_string(), true);
        }
        if k == 6 || k % 401 == 200 {
            return (
                words::long_name(),
                "hubert.wolfeschlegelsteinhausenbergerdorff".to_string(),
                true,
            );
        }
        let first = words::FIRST_NAMES[self.rng.random_range(0..words::FIRST_NAMES.len())];
        let last = words::LAST_NAMES[self.rng.random_range(0..words::LAST_NAMES.len())];
        let local = format!("{first}.{last}").to_lowercase().replace(' ', "");
        (format!("{first} {last}"), local, false)
    }

    /// A unique email address at the organization's domain: `local@`, then `local2@`, ...
    /// Generated local parts never end in a digit, so the numbered ones cannot clash.
    fn email(&mut self, local: &str, org: &str) -> String {
        let base = format!("{local}@{org}.example");
        let uses = self.emails.entry(base).or_insert(0);
        *uses += 1;
        match *uses {
            1 => format!("{local}@{org}.example"),
            n => format!("{local}{n}@{org}.example"),
        }
    }

    fn teams(&mut self, count: usize, ctx: &OrgContext) -> Vec<TeamData> {
        let sizes = self.spec.team_size;
        // With enough teams the last one is empty: an empty list is a case too.
        let sized = if count >= 4 { count - 1 } else { count };
        let large = match sizes.large_share > 0.0 && sized > 0 {
            true => ((sized as f64 * sizes.large_share.min(1.0)).ceil() as usize).min(sized),
            false => 0,
        };
        let mut is_large = vec![false; count];
        for t in index::sample(&mut self.rng, sized, large) {
            is_large[t] = true;
        }
        let mut managed = vec![false; count];
        for t in index::sample(
            &mut self.rng,
            count,
            share_count(count, self.spec.sso_team_share),
        ) {
            managed[t] = true;
        }
        let mut slugs = HashSet::new();
        (0..count)
            .map(|t| {
                let n = ctx.member_users.len();
                let size = match is_large[t] {
                    _ if t >= sized => 0,
                    true => self
                        .rng
                        .random_range(sizes.large_min..=sizes.large_max.max(sizes.large_min)),
                    false => {
                        let u: f64 = self.rng.random();
                        1 + (sizes.small_max.saturating_sub(1) as f64 * u * u).round() as usize
                    }
                };
                self.team(t, size.min(n), managed[t], ctx, &mut slugs)
            })
            .collect()
    }

    fn team(
        &mut self,
        t: usize,
        size: usize,
        managed: bool,
        ctx: &OrgContext,
        slugs: &mut HashSet<String>,
    ) -> TeamData {
        let base = words::TEAMS[t % words::TEAMS.len()];
        let name = match t / words::TEAMS.len() {
            0 => base.to_string(),
            round => format!("{base} {}", round + 1),
        };
        let mut slug = name.to_lowercase().replace(' ', "-");
        while !slugs.insert(slug.clone()) {
            slug.push_str("-x");
        }
        let created_ms = self.rng.random_range(ctx.created_ms..END_MS);
        // Each member is added after both the team and their joining the organization.
        let mut chosen: Vec<(i64, usize)> =
            index::sample(&mut self.rng, ctx.member_users.len(), size)
                .into_iter()
                .map(|m| {
                    let (u, org_joined) = ctx.member_users[m];
                    (
                        self.rng.random_range(created_ms.max(org_joined)..=END_MS),
                        u,
                    )
                })
                .collect();
        chosen.sort_unstable();
        let mut users = Vec::with_capacity(size);
        let mut members = Vec::with_capacity(size);
        for (k, (joined, u)) in chosen.into_iter().enumerate() {
            let user = self.users[u].0.clone();
            users.push(user.clone());
            // The first team's first member always has a branch password, so every dataset
            // shows one.
            let password = self.chance(0.05) || (t == 0 && k == 0);
            let passwords = match password {
                true => vec![self.password(ctx, &user, joined)],
                false => Vec::new(),
            };
            let mut member = json!({
                "id": self.id(),
                "actor": ctx.admin_actor,
                "created_at": timestamp(joined),
                "updated_at": timestamp(joined),
                "passwords": passwords,
            });
            member["user"] = user;
            members.push(member);
        }
        let databases = self.pick_databases(ctx);
        let analyst_databases = self.pick_databases(ctx);
        let mut team = json!({
            "id": self.id(),
            "name": name,
            "display_name": name,
            "slug": slug,
            "description": if t % 3 == 2 { Value::Null } else { json!(format!("The {name} team")) },
            "managed": managed,
            "creator": ctx.admin_actor,
            "databases": databases,
            "analyst_databases": analyst_databases,
            "created_at": timestamp(created_ms),
            "updated_at": timestamp(created_ms),
        });
        team["members"] = Value::Array(users);
        TeamData { team, members }
    }

    /// Up to two databases, as a team names them. The last database of an organization with
    /// several is never picked, so every such organization has one that no team names.
    fn pick_databases(&mut self, ctx: &OrgContext) -> Vec<Value> {
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
    fn password(&mut self, ctx: &OrgContext, user: &Value, since_ms: i64) -> Value {
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

    /// Tokens with and without expiry, used lately, long ago or never, with accesses on the
    /// organization and on its databases; the fourth holds an access name PlanetScale does not
    /// publish.
    fn service_tokens(&mut self, ctx: &OrgContext, org_index: usize) -> Vec<Value> {
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
    fn oauth_applications(&mut self, ctx: &OrgContext, org_index: usize) -> Vec<OAuthAppData> {
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

    fn invitations(&mut self, ctx: &OrgContext, org_index: usize) -> Vec<Value> {
        let count = cycled(&self.spec.invitations_per_org, org_index);
        let as_of = self.spec.invitations_as_of_ms.unwrap_or_else(today_ms);
        (0..count)
            .map(|k| {
                let email = self.email(&format!("new.hire{k}+invite"), &ctx.name);
                // An expired invitation was sent more than a week ago; the others lately.
                let created = match k % 4 {
                    1 => self
                        .rng
                        .random_range(as_of - 60 * DAY_MS..as_of - 8 * DAY_MS),
                    _ => self.rng.random_range(as_of - 6 * DAY_MS..as_of),
                };
                let recipient = match (k, self.users.len()) {
                    (0, _) | (_, 0) => Value::Null,
                    (_, n) => self.users[self.rng.random_range(0..n)].0.clone(),
                };
                json!({
                    "id": self.id(),
                    "email": email,
                    "role": match k % 4 { 1 => "analyst", 2 => "admin", _ => "member" },
                    "sender": ctx.admin_user,
                    "recipient": recipient,
                    "expired": k % 4 == 1,
                    "expires_at": timestamp(created + 7 * DAY_MS),
                    "created_at": timestamp(created),
                    "avatar_url": FALLBACK_AVATAR,
                })
            })
            .collect()
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

/// A database as a team names it.
fn database_ref(database: &Value) -> Value {
    json!({
        "id": database["id"],
        "name": database["name"],
        "url": database["url"],
        "branches_url": database["branches_url"],
    })
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

/// Unix milliseconds as PlanetScale writes them: `2024-03-05T17:22:10.512Z`.
/// The start of the current UTC day, in Unix milliseconds: the same all day, so two datasets
/// generated in one test are equal.
fn today_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(END_MS, |d| d.as_millis() as i64);
    now - now.rem_euclid(DAY_MS)
}

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
