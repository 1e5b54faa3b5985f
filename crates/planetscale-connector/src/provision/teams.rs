//! Team membership: `team:<id>:member`, granted by adding an organization member to the team
//! and revoked by removing them. Teams an identity provider manages cannot be changed here.

use async_trait::async_trait;
use connector_sdk::{
    ConnectorError, Entitlement, ErrorKind, Grant, Resource, ids,
    provision::{GrantContext, Outcome, Plan, Provisioned, ResourceProvisioner, RevokeContext},
};
use planetscale_client::{Team, TeamMember, Write};

use super::{Sent, found, organization, plan, profile_text, refusal, refusal_after, stale};
use super::{send_confirmed, unstored, user_id, who};
use crate::api::Api;
use crate::errors::map_client_error;

/// The one entitlement of a team.
const MEMBER: &str = "member";

/// Grants and revokes the membership of the `team` type.
#[derive(Debug)]
pub(crate) struct TeamMembers {
    api: Api,
}

/// One user's membership of one team, as a change names it.
struct Target<'a> {
    org: String,
    /// The organization's id, as the file holds it (the team's parent).
    org_id: &'a str,
    /// The team's slug, which API paths take.
    team: String,
    /// The team's id, as the file holds it: what the slug must still name.
    team_id: &'a str,
    user_id: &'a str,
    who: String,
}

impl TeamMembers {
    pub(crate) fn new(api: Api) -> Self {
        TeamMembers { api }
    }

    /// The user's membership of the team now. Asked only of a team [`team`](Self::team) found,
    /// so a 404 means "not in it", not a wrong route.
    async fn team_member(&self, t: &Target<'_>) -> planetscale_client::Result<Option<TeamMember>> {
        let client = &self.api.client;
        found(client.get_team_member(&t.org, &t.team, t.user_id).await)
    }

    /// Whether the user is in the team now (an answer about another user is not this one).
    async fn in_team(&self, t: &Target<'_>) -> planetscale_client::Result<bool> {
        Ok(self
            .team_member(t)
            .await?
            .is_some_and(|m| m.user.id == t.user_id))
    }

    /// Whether the user is out of the team now (an answer about another user is not "out").
    async fn out_of_team(&self, t: &Target<'_>) -> planetscale_client::Result<bool> {
        Ok(self.team_member(t).await?.is_none())
    }

    /// Whether the user is in the team before a change; an answer about another user is an
    /// error, never "not in it".
    async fn membership(&self, t: &Target<'_>, what: &str) -> Result<bool, ConnectorError> {
        match self.team_member(t).await {
            Ok(Some(m)) if m.user.id != t.user_id => Err(ConnectorError::new(
                ErrorKind::FailedPrecondition,
                format!(
                    "{what}: reading member {} of team {} answered user {}: nothing was sent",
                    t.user_id, t.team, m.user.id
                ),
            )),
            Ok(member) => Ok(member.is_some()),
            Err(e) => Err(map_client_error(e, what)),
        }
    }

    /// The team as it is now, verified: the organization's name still names the organization
    /// of the file, and the slug still names the team of the file. Anything else is an error
    /// before a change is sent: a team gone, renamed or the token unable to read it is not
    /// "not a member".
    async fn team(&self, t: &Target<'_>, what: &str) -> Result<Team, ConnectorError> {
        organization(&self.api.client, &t.org, Some(t.org_id), what).await?;
        match self.api.client.get_team(&t.org, &t.team).await {
            Ok(team) if team.id == t.team_id => Ok(team),
            Ok(team) => Err(stale(
                what,
                &format!(
                    "team {} of {} is {} in PlanetScale, not {}",
                    t.team, t.org, team.id, t.team_id
                ),
            )),
            Err(e) if e.is_not_found() || e.is_forbidden() => {
                Err(ConnectorError::not_found(format!(
                    "{what}: PlanetScale has no team {} in {} (answered {}): it was renamed or \
                     deleted since the sync, or the token lacks read access to it; nothing was \
                     sent; sync again",
                    t.team,
                    t.org,
                    e.status().map(|s| s.to_string()).unwrap_or_default()
                ))
                .with_source(e))
            }
            Err(e) => Err(map_client_error(e, what)),
        }
    }

    async fn is_member(&self, t: &Target<'_>) -> planetscale_client::Result<bool> {
        let member = self.api.client.get_member(&t.org, t.user_id).await;
        Ok(found(member)?.is_some())
    }
}

#[async_trait]
impl ResourceProvisioner for TeamMembers {
    fn plan_grant(&self, cx: &GrantContext) -> Result<Plan, ConnectorError> {
        let t = target(&cx.entitlement, &cx.principal)?;
        plan(&self.api.client, &[t.add()], t.note("are"))
    }

    async fn grant(&self, cx: GrantContext) -> Result<Provisioned, ConnectorError> {
        let t = target(&cx.entitlement, &cx.principal)?;
        let what = format!("adding {} to team {} in {}", t.who, t.team, t.org);
        let team = self.team(&t, &what).await?;
        let read = |e| map_client_error(e, &what);
        if self.membership(&t, &what).await? {
            return Ok(Provisioned::new(
                Outcome::AlreadyExists,
                format!("{} is in team {} of {} already", t.who, t.team, t.org),
            ));
        }
        changeable(&team, &what)?;
        let write = t.add();
        let joined = || self.in_team(&t);
        match send_confirmed(&self.api.client, &write, &what, joined).await? {
            Sent::Made => Ok(Provisioned::new(
                Outcome::Granted {
                    grants: vec![Grant::of(&cx.entitlement, cx.principal.id.clone())],
                },
                format!("{} was added to team {} in {}", t.who, t.team, t.org),
            )),
            // Someone outside the organization cannot join its teams.
            Sent::Refused(e) if e.is_not_found() => match self.is_member(&t).await {
                Ok(false) => Err(ConnectorError::not_found(format!(
                    "{what}: {} is not a member of {}: grant {}'s member entitlement first",
                    t.who, t.org, t.org
                ))
                .with_source(e)),
                Ok(true) => Err(refusal(e, &what, &write)),
                Err(read_error) => Err(read(read_error)),
            },
            Sent::Refused(e) => Err(refusal(e, &what, &write)),
        }
    }

    fn plan_revoke(&self, cx: &RevokeContext) -> Result<Plan, ConnectorError> {
        let t = target(&cx.grant.entitlement, &cx.grant.principal)?;
        plan(&self.api.client, &[t.remove()], t.note("are not"))
    }

    async fn revoke(&self, cx: RevokeContext) -> Result<Provisioned, ConnectorError> {
        let t = target(&cx.grant.entitlement, &cx.grant.principal)?;
        let what = format!("removing {} from team {} in {}", t.who, t.team, t.org);
        let team = self.team(&t, &what).await?;
        if !self.membership(&t, &what).await? {
            return Ok(Provisioned::new(
                Outcome::AlreadyRevoked,
                format!("{} is not in team {} of {}", t.who, t.team, t.org),
            ));
        }
        changeable(&team, &what)?;
        let write = t.remove();
        let left = || self.out_of_team(&t);
        match send_confirmed(&self.api.client, &write, &what, left).await? {
            Sent::Made => Ok(Provisioned::new(
                Outcome::Revoked,
                format!("{} was removed from team {} in {}", t.who, t.team, t.org),
            )),
            Sent::Refused(e) => {
                let still_in = || self.in_team(&t);
                Err(refusal_after(e, &what, &write, still_in).await)
            }
        }
    }
}

impl Target<'_> {
    /// The write that adds the user to the team.
    fn add(&self) -> Write {
        Write::AddTeamMember {
            org: self.org.clone(),
            team: self.team.clone(),
            user_id: self.user_id.to_owned(),
        }
    }

    /// The write that removes the user from the team.
    fn remove(&self) -> Write {
        Write::RemoveTeamMember {
            org: self.org.clone(),
            team: self.team.clone(),
            user_id: self.user_id.to_owned(),
        }
    }

    /// What a dry run says the real run does first; `held` is when it sends nothing.
    fn note(&self, held: &str) -> String {
        format!(
            "The real run first reads team {} and whether {} is in it, and sends nothing if they \
             {held}; it refuses if an identity provider manages the team.",
            self.team, self.who
        )
    }
}

/// What a change of `entitlement` held by `principal` names, from what the sync stored.
fn target<'a>(
    entitlement: &'a Entitlement,
    principal: &'a Resource,
) -> Result<Target<'a>, ConnectorError> {
    let team = &entitlement.resource;
    let is_member = entitlement.slug == MEMBER
        || (entitlement.slug.is_empty() && entitlement.id == ids::entitlement_id(&team.id, MEMBER));
    if !is_member {
        return Err(ConnectorError::new(
            ErrorKind::InvalidArgument,
            format!("{} is not a team's member entitlement", entitlement.id),
        ));
    }
    let org = profile_text(team, "organization").ok_or_else(|| unstored(team, "organization"))?;
    let slug = profile_text(team, "slug").ok_or_else(|| unstored(team, "slug"))?;
    let parent = team
        .parent
        .as_ref()
        .ok_or_else(|| unstored(team, "organization id"))?;
    Ok(Target {
        org: org.to_owned(),
        org_id: &parent.resource,
        team: slug.to_owned(),
        team_id: &team.id.resource,
        user_id: user_id(&principal.id)?,
        who: who(principal),
    })
}

/// Refuses before sending when an identity provider manages the team.
fn changeable(team: &Team, what: &str) -> Result<(), ConnectorError> {
    match team.managed {
        Some(true) => Err(ConnectorError::new(
            ErrorKind::FailedPrecondition,
            format!(
                "{what}: team {} is managed by your identity provider (SSO or directory sync), \
                 so PlanetScale's API cannot change its members; change them in the identity \
                 provider",
                team.slug
            ),
        )),
        _ => Ok(()),
    }
}
