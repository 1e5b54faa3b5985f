//! Team membership: `team:<id>:member`, granted by adding an organization member to the team
//! and revoked by removing them. Teams an identity provider manages cannot be changed here.

use async_trait::async_trait;
use connector_sdk::{
    ConnectorError, Entitlement, ErrorKind, Grant, GrantContext, Outcome, Plan, Provisioned,
    Resource, ResourceProvisioner, RevokeContext, ids,
};
use planetscale_client::{Team, Write};

use super::{Sent, found, organization, plan, profile_text, refusal, refusal_after};
use super::{send_confirmed, unstored, user_id, who};
use crate::connector::map_client_error;
use crate::syncers::Api;

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
    /// The team's slug, which API paths take.
    team: String,
    user_id: &'a str,
    who: String,
}

impl TeamMembers {
    pub(crate) fn new(api: Api) -> Self {
        TeamMembers { api }
    }

    /// Whether the user is in the team now.
    async fn in_team(&self, t: &Target<'_>) -> planetscale_client::Result<bool> {
        let member = self
            .api
            .client
            .get_team_member(&t.org, &t.team, t.user_id)
            .await;
        Ok(found(member)?.is_some())
    }

    /// The team as it is now; `None` when it is gone (the organization could be read, so the
    /// 404 is not a missing access).
    async fn team(&self, t: &Target<'_>, what: &str) -> Result<Option<Team>, ConnectorError> {
        match self.api.client.get_team(&t.org, &t.team).await {
            Ok(team) => Ok(Some(team)),
            Err(e) if e.is_not_found() || e.is_forbidden() => {
                organization(&self.api.client, &t.org, what).await?;
                Ok(None)
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
        let Some(team) = self.team(&t, &what).await? else {
            return Err(ConnectorError::not_found(format!(
                "{what}: team {} no longer exists in {}; sync again",
                t.team, t.org
            )));
        };
        let read = |e| map_client_error(e, &what);
        if self.in_team(&t).await.map_err(read)? {
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
        let gone = |detail: String| Ok(Provisioned::new(Outcome::AlreadyRevoked, detail));
        let Some(team) = self.team(&t, &what).await? else {
            return gone(format!("team {} no longer exists in {}", t.team, t.org));
        };
        if !self
            .in_team(&t)
            .await
            .map_err(|e| map_client_error(e, &what))?
        {
            return gone(format!("{} is not in team {} of {}", t.who, t.team, t.org));
        }
        changeable(&team, &what)?;
        let write = t.remove();
        let left = || async { Ok(!self.in_team(&t).await?) };
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
    entitlement: &Entitlement,
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
    Ok(Target {
        org: org.to_owned(),
        team: slug.to_owned(),
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
