//! Teams: sizes drawn from the skewed distribution (the last one empty), SSO-managed ones,
//! their members with the odd branch password, and the databases they name.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::index;
use serde_json::{Value, json};

use super::{END_MS, Generator, OrgContext, share_count, timestamp};
use crate::{TeamData, words};

impl<'a> Generator<'a> {
    pub(super) fn teams(&mut self, count: usize, ctx: &OrgContext) -> Vec<TeamData> {
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
}
