//! The organization roles: `admin` and `analyst` are given and taken away by changing the one
//! role a member holds (taking one away leaves `member`); `member` is granted with an invitation
//! and revoked by removing the person from the organization.

use async_trait::async_trait;
use connector_sdk::{
    ConnectorError, Entitlement, ErrorKind, Grant, Resource, ids,
    provision::{GrantContext, Outcome, Plan, Provisioned, ResourceProvisioner, RevokeContext},
};
use planetscale_client::{Organization, Role, Write};

use super::{Sent, found, invitations, organization, profile_text, refusal_after, send_confirmed};
use super::{plan, unstored, user_id, who};
use crate::api::Api;
use crate::errors::map_client_error;

/// Grants and revokes the roles of the `organization` type.
#[derive(Debug)]
pub(crate) struct Roles {
    api: Api,
}

/// One role of one user in one organization, as a change names it.
struct Target<'a> {
    /// The organization's name, which API paths take.
    org: String,
    /// The organization's id, as the file holds it: what the name must still name.
    org_id: &'a str,
    role: Role,
    user_id: &'a str,
    /// The principal, for messages.
    who: String,
    principal: &'a Resource,
}

impl Roles {
    pub(crate) fn new(api: Api) -> Self {
        Roles { api }
    }

    /// The member's role now; `None` when they are not a member. A member answered for
    /// another user (a wrong route) holds no role of this one's, and is not `None` either.
    async fn member_role(&self, t: &Target<'_>) -> planetscale_client::Result<Option<Role>> {
        let member = self.api.client.get_member(&t.org, t.user_id).await;
        Ok(found(member)?.map(|m| match m.user.id == t.user_id {
            true => m.role,
            false => Role::Other(String::new()),
        }))
    }

    /// The member's role before a change, read in the verified organization; an answer about
    /// another user is an error, never "not a member".
    async fn held(&self, t: &Target<'_>, what: &str) -> Result<Option<Role>, ConnectorError> {
        let member = self.api.client.get_member(&t.org, t.user_id).await;
        match found(member).map_err(|e| map_client_error(e, what))? {
            Some(m) if m.user.id != t.user_id => Err(ConnectorError::new(
                ErrorKind::FailedPrecondition,
                format!(
                    "{what}: reading member {} of {} answered user {}: nothing was sent",
                    t.user_id, t.org, m.user.id
                ),
            )),
            member => Ok(member.map(|m| m.role)),
        }
    }

    /// Gives the member `role`, confirming a lost answer by reading the role back.
    async fn set_role(&self, t: &Target<'_>, role: Role, what: &str) -> Result<(), ConnectorError> {
        let write = t.set_role(&role);
        let holds = || async { Ok(self.member_role(t).await?.as_ref() == Some(&role)) };
        match send_confirmed(&self.api.client, &write, what, holds).await? {
            Sent::Made => Ok(()),
            Sent::Refused(e) => {
                let member = || async { Ok(self.member_role(t).await?.is_some()) };
                Err(refusal_after(e, what, &write, member).await)
            }
        }
    }
}

#[async_trait]
impl ResourceProvisioner for Roles {
    fn plan_grant(&self, cx: &GrantContext) -> Result<Plan, ConnectorError> {
        let t = target(&cx.entitlement, &cx.principal)?;
        let client = &self.api.client;
        match &t.role {
            Role::Member => {
                let email = invitations::email_of(t.principal)?;
                let write = Write::Invite {
                    org: t.org.clone(),
                    email: email.to_owned(),
                    role: Role::Member,
                };
                plan(
                    client,
                    &[write],
                    format!(
                        "The real run first reads the membership of {} in {}, and invites them \
                         only if they are not a member (and not invited already).",
                        t.who, t.org
                    ),
                )
            }
            role => {
                grantable(role)?;
                plan(
                    client,
                    &[t.set_role(role)],
                    format!(
                        "The real run first reads {} and the membership of {}, and sends nothing \
                         if they are {role} already; it refuses if the identity provider manages \
                         {}'s roles.",
                        t.org, t.who, t.org
                    ),
                )
            }
        }
    }

    async fn grant(&self, cx: GrantContext) -> Result<Provisioned, ConnectorError> {
        let t = target(&cx.entitlement, &cx.principal)?;
        grantable(&t.role)?;
        let client = &self.api.client;
        let what = format!("making {} {} of {}", t.who, t.role, t.org);
        let org = organization(client, &t.org, Some(t.org_id), &what).await?;
        let held = self.held(&t, &what).await?;
        match (held, &t.role) {
            (None, Role::Member) => {
                let email = invitations::email_of(t.principal)?;
                invitations::invite(client, &t.org, email, &Role::Member, &what).await
            }
            (None, role) => Err(ConnectorError::not_found(format!(
                "{what}: {} is not a member of {}: grant {}'s member entitlement first, which \
                 invites them, then {role} once they accept",
                t.who, t.org, t.org
            ))),
            (Some(held), Role::Member) => Ok(Provisioned::new(
                Outcome::AlreadyExists,
                format!("{} is a member of {} already (as {held})", t.who, t.org),
            )),
            (Some(held), role) if held == *role => Ok(Provisioned::new(
                Outcome::AlreadyExists,
                format!("{} is {role} of {} already", t.who, t.org),
            )),
            (Some(held), role) => {
                roles_changeable(&org, &what)?;
                self.set_role(&t, role.clone(), &what).await?;
                Ok(Provisioned::new(
                    Outcome::Granted {
                        grants: vec![Grant::of(&cx.entitlement, cx.principal.id.clone())],
                    },
                    format!("{} is now {role} of {} (was {held})", t.who, t.org),
                ))
            }
        }
    }

    fn plan_revoke(&self, cx: &RevokeContext) -> Result<Plan, ConnectorError> {
        let t = target(&cx.grant.entitlement, &cx.grant.principal)?;
        let (write, note) = match &t.role {
            Role::Member => (
                t.remove(),
                format!(
                    "Removes {} from {} and from all its teams. The real run first reads their \
                     membership and sends nothing if they are not a member.",
                    t.who, t.org
                ),
            ),
            role => (
                t.set_role(&Role::Member),
                format!(
                    "The real run first reads {} and the membership of {}, and sends nothing if \
                     they are not {role}; it refuses if the identity provider manages {}'s roles.",
                    t.org, t.who, t.org
                ),
            ),
        };
        plan(&self.api.client, &[write], note)
    }

    async fn revoke(&self, cx: RevokeContext) -> Result<Provisioned, ConnectorError> {
        let t = target(&cx.grant.entitlement, &cx.grant.principal)?;
        let client = &self.api.client;
        let what = match &t.role {
            Role::Member => format!("removing {} from {}", t.who, t.org),
            role => format!("taking {role} away from {} in {}", t.who, t.org),
        };
        let org = organization(client, &t.org, Some(t.org_id), &what).await?;
        let held = self.held(&t, &what).await?;
        let Some(held) = held else {
            return Ok(Provisioned::new(
                Outcome::AlreadyRevoked,
                format!("{} is not a member of {}", t.who, t.org),
            ));
        };
        if t.role == Role::Member {
            self.remove(&t, &what).await?;
            return Ok(Provisioned::new(
                Outcome::Revoked,
                format!("{} was removed from {} and its teams", t.who, t.org),
            ));
        }
        if held != t.role {
            return Ok(Provisioned::new(
                Outcome::AlreadyRevoked,
                format!("{} is {held} of {}, not {}", t.who, t.org, t.role),
            ));
        }
        roles_changeable(&org, &what)?;
        self.set_role(&t, Role::Member, &what).await?;
        Ok(Provisioned::new(
            Outcome::Revoked,
            format!("{} is member of {} now (was {held})", t.who, t.org),
        ))
    }
}

impl Roles {
    /// Removes the member, confirming a lost answer by reading the membership back.
    async fn remove(&self, t: &Target<'_>, what: &str) -> Result<(), ConnectorError> {
        let write = t.remove();
        let gone = || async { Ok(self.member_role(t).await?.is_none()) };
        match send_confirmed(&self.api.client, &write, what, gone).await? {
            Sent::Made => Ok(()),
            Sent::Refused(e) => {
                let member = || async { Ok(self.member_role(t).await?.is_some()) };
                Err(refusal_after(e, what, &write, member).await)
            }
        }
    }
}

impl Target<'_> {
    /// The write that gives the member `role`.
    fn set_role(&self, role: &Role) -> Write {
        Write::SetMemberRole {
            org: self.org.clone(),
            user_id: self.user_id.to_owned(),
            role: role.clone(),
        }
    }

    /// The write that removes the member from the organization.
    fn remove(&self) -> Write {
        Write::RemoveMember {
            org: self.org.clone(),
            user_id: self.user_id.to_owned(),
        }
    }
}

/// What a change of `entitlement` held by `principal` names, from what the sync stored.
fn target<'a>(
    entitlement: &'a Entitlement,
    principal: &'a Resource,
) -> Result<Target<'a>, ConnectorError> {
    let org = &entitlement.resource;
    let name = profile_text(org, "name")
        .or(Some(org.display_name.as_str()).filter(|n| !n.is_empty()))
        .ok_or_else(|| unstored(org, "organization name"))?;
    Ok(Target {
        org: name.to_owned(),
        org_id: &org.id.resource,
        role: role_of(entitlement)?,
        user_id: user_id(&principal.id)?,
        who: who(principal),
        principal,
    })
}

/// The role an entitlement stands for: its slug, or (a grant names its entitlement by id only)
/// the known role whose entitlement id it is.
fn role_of(entitlement: &Entitlement) -> Result<Role, ConnectorError> {
    if !entitlement.slug.is_empty() {
        return Ok(Role::from(entitlement.slug.clone()));
    }
    [Role::Member, Role::Admin, Role::Analyst]
        .into_iter()
        .find(|role| ids::entitlement_id(&entitlement.resource.id, role.as_str()) == entitlement.id)
        .ok_or_else(|| {
            ConnectorError::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} names no role: give the entitlement as the sync stored it",
                    entitlement.id
                ),
            )
        })
}

/// Whether the API can give `role`: PlanetScale's roles are admin, analyst and member.
fn grantable(role: &Role) -> Result<(), ConnectorError> {
    match role {
        Role::Other(other) => Err(ConnectorError::new(
            ErrorKind::InvalidArgument,
            format!(
                "PlanetScale's API gives the roles admin, analyst and member, not {other:?}; \
                 revoking it makes the holder a member"
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses before sending when the identity provider manages the organization's roles.
fn roles_changeable(org: &Organization, what: &str) -> Result<(), ConnectorError> {
    match org.idp_managed_roles {
        Some(true) => Err(ConnectorError::new(
            ErrorKind::FailedPrecondition,
            format!(
                "{what}: the roles of organization {} are managed by your identity provider \
                 (idp_managed_roles), so PlanetScale's API cannot change them; change the role \
                 in the identity provider",
                org.name
            ),
        )),
        _ => Ok(()),
    }
}
