//! Accounts: PlanetScale creates no member directly; a new account is an invitation by email to
//! an organization, with a role, which the person accepts. A service token may invite only
//! `member`s.
//!
//! The account's profile names the organization (`organization`, its name; the only one the
//! token reaches when left out) and the role (`role`: `member`, the default, `admin` or
//! `analyst`).

use async_trait::async_trait;
use connector_sdk::{
    ConnectorError, ErrorKind, Resource,
    provision::{AccountContext, AccountManager, Outcome, Plan, Provisioned},
};
use futures::{StreamExt, TryStreamExt};
use planetscale_client::{Client, Invitation, Role, Write};

use super::{Sent, organization, plan, refusal, send_confirmed, who};
use crate::api::Api;
use crate::errors::map_client_error;

/// Creates `user` accounts by invitation.
#[derive(Debug)]
pub(crate) struct Invitations {
    api: Api,
}

/// An invitation as an account creation asks for it.
struct Request<'a> {
    email: &'a str,
    /// The organization's name; `None` for the only one the token reaches.
    org: Option<&'a str>,
    role: Role,
}

impl Invitations {
    pub(crate) fn new(api: Api) -> Self {
        Invitations { api }
    }

    /// The name of the only organization the token reaches.
    async fn only_org(&self) -> Result<String, ConnectorError> {
        let orgs: Vec<String> = self
            .api
            .client
            .organizations()
            .map_ok(|o| o.name)
            .try_collect()
            .await
            .map_err(|e| map_client_error(e, "listing the organizations to invite to"))?;
        match orgs.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(ConnectorError::new(
                ErrorKind::InvalidArgument,
                format!(
                    "the service token reaches {} organizations ({}): name the one to invite to \
                     in the account's profile, e.g. {{\"organization\": \"{}\"}}",
                    orgs.len(),
                    orgs.join(", "),
                    orgs.first().map_or("acme", String::as_str)
                ),
            )),
        }
    }
}

#[async_trait]
impl AccountManager for Invitations {
    fn plan_create_account(&self, cx: &AccountContext) -> Result<Plan, ConnectorError> {
        let request = request(cx)?;
        let Some(org) = request.org else {
            return Err(ConnectorError::new(
                ErrorKind::InvalidArgument,
                "name the organization in the account's profile, e.g. {\"organization\": \
                 \"acme\"}: a dry run sends no request, so it cannot look the organizations up",
            ));
        };
        let write = Write::Invite {
            org: org.to_owned(),
            email: request.email.to_owned(),
            role: request.role.clone(),
        };
        let note = format!(
            "The real run first checks that {} is neither a member of {org} nor invited to it \
             already, and sends nothing if so. A service token may invite only members.",
            request.email
        );
        plan(&self.api.client, &[write], note)
    }

    async fn create_account(&self, cx: AccountContext) -> Result<Provisioned, ConnectorError> {
        let request = request(&cx)?;
        let org = match request.org {
            Some(org) => org.to_owned(),
            None => self.only_org().await?,
        };
        let client = &self.api.client;
        let (email, role) = (request.email, &request.role);
        let what = format!("inviting {email} to {org} as {role}");
        organization(client, &org, None, &what).await?;
        let member = client
            .members(&org)
            .try_filter(|m| {
                let same = m
                    .user
                    .email
                    .as_deref()
                    .is_some_and(|e| same_email(e, email));
                std::future::ready(same)
            })
            .boxed()
            .try_next()
            .await
            .map_err(|e| map_client_error(e, &what))?;
        if let Some(member) = member {
            return Ok(Provisioned::new(
                Outcome::AlreadyExists,
                format!(
                    "{email} is a member of {org} already (user {}, {})",
                    member.user.id, member.role
                ),
            ));
        }
        invite(client, &org, email, role, &what).await
    }
}

/// Invites `email` to `org` with `role`, unless an invitation is pending already (`what` is
/// being done, for messages); confirms a lost answer by reading the invitations back.
pub(super) async fn invite(
    client: &Client,
    org: &str,
    email: &str,
    role: &Role,
    what: &str,
) -> Result<Provisioned, ConnectorError> {
    let write = Write::Invite {
        org: org.to_owned(),
        email: email.to_owned(),
        role: role.clone(),
    };
    // Listing invitations needs write_members too: a 404 here names that access.
    let waiting = pending(client, org, email)
        .await
        .map_err(|e| refusal(e, what, &write))?;
    if let Some(invitation) = waiting {
        return Ok(Provisioned::new(
            Outcome::Invited,
            format!(
                "{email} has been invited to {org} already (as {}); they join once they accept",
                invitation.role
            ),
        ));
    }
    let sent = || async { Ok(pending(client, org, email).await?.is_some()) };
    match send_confirmed(client, &write, what, sent).await? {
        Sent::Made => Ok(Provisioned::new(
            Outcome::Invited,
            format!("{email} was invited to {org} as {role}: they join once they accept"),
        )),
        Sent::Refused(e) if e.is_refused() && *role != Role::Member => {
            let why = e.server_message().unwrap_or("422").to_owned();
            Err(ConnectorError::new(
                ErrorKind::FailedPrecondition,
                format!(
                    "{what}: PlanetScale refused: {why}: a service token may invite only \
                     members; invite them as member, then grant {org}'s {role} entitlement once \
                     they accept"
                ),
            )
            .with_source(e))
        }
        Sent::Refused(e) => Err(refusal(e, what, &write)),
    }
}

/// The pending invitation of `email` to `org`, if any.
async fn pending(
    client: &Client,
    org: &str,
    email: &str,
) -> planetscale_client::Result<Option<Invitation>> {
    client
        .invitations(org)
        .try_filter(|i| std::future::ready(same_email(&i.email, email) && i.expired != Some(true)))
        .boxed()
        .try_next()
        .await
}

/// The email a principal is invited at: its user trait's primary email.
pub(super) fn email_of(principal: &Resource) -> Result<&str, ConnectorError> {
    principal
        .user_trait()
        .and_then(|t| t.primary_email())
        .ok_or_else(|| {
            ConnectorError::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} has no email in the file, and an invitation goes to an email: create \
                     the account with its email instead",
                    who(principal)
                ),
            )
        })
}

/// What an account creation asks for, from its email and profile.
fn request(cx: &AccountContext) -> Result<Request<'_>, ConnectorError> {
    let account = &cx.account;
    let invalid = |message: &str| ConnectorError::new(ErrorKind::InvalidArgument, message);
    let email = account
        .email()
        .filter(|e| e.contains('@'))
        .ok_or_else(|| invalid("an invitation needs an email address: give the account's email"))?;
    let text = |key: &str| account.profile.get(key).and_then(|v| v.as_str());
    let role = match text("role").map(Role::from) {
        None => Role::Member,
        Some(Role::Other(other)) => {
            return Err(invalid(&format!(
                "the role {other:?} is not one of member, admin or analyst"
            )));
        }
        Some(role) => role,
    };
    let unknown: Vec<&str> = account
        .profile
        .keys()
        .map(String::as_str)
        .filter(|k| !matches!(*k, "organization" | "role"))
        .collect();
    if !unknown.is_empty() {
        return Err(invalid(&format!(
            "the account's profile takes organization and role, not {}",
            unknown.join(", ")
        )));
    }
    Ok(Request {
        email,
        org: text("organization"),
        role,
    })
}

fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}
