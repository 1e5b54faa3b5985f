//! People: an organization's members (users, some shared with earlier organizations, their
//! roles, the awkward names and plus-sign emails) and its pending and expired invitations.

use rand::Rng;
use rand::seq::index;
use serde_json::{Value, json};

use super::{
    DAY_MS, END_MS, FALLBACK_AVATAR, Generator, OrgContext, actor, cycled, share_count, timestamp,
    today_ms,
};
use crate::words;

impl<'a> Generator<'a> {
    pub(super) fn members(&mut self, org_index: usize, ctx: &mut OrgContext) -> Vec<Value> {
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

    pub(super) fn invitations(&mut self, ctx: &OrgContext, org_index: usize) -> Vec<Value> {
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
}
