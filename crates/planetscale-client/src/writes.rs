//! The changes a governance tool makes: organization roles and membership, team membership and
//! invitations. Each is a [`Write`], which [`Client::prepare`] shows as it would go out (what a
//! dry run prints) and [`Client::send`] sends, through the same request primitive as every GET.
//!
//! A write is paced like a GET, and a 429 waits and repeats like one (the server refused it, so
//! nothing happened). It is repeated after no other failure but a failure to connect: after a
//! time-out, a reset connection or a 5xx the change may have been applied
//! ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown)), and only the caller, by
//! reading the state back, can tell whether to send it again. Errors keep the status, so a
//! caller can name the access a refusal asks for ([`Write::access`]).

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use url::Url;

use crate::client::{Client, Outgoing, is_sensitive};
use crate::error::{Error, Result};
use crate::models::{Invitation, Member, Role, TeamMember};

const ORGANIZATIONS: &str = "organizations";

/// One change to PlanetScale.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Write {
    /// `PATCH /organizations/{org}/members/{user_id}` with `{"role": …}`: gives a member the one
    /// role they hold. Needs `write_organization`; refused for an organization whose roles the
    /// identity provider manages, for your own role, and for the last admin.
    SetMemberRole {
        /// The organization's name.
        org: String,
        /// The member's user id.
        user_id: String,
        /// The new role.
        role: Role,
    },
    /// `DELETE /organizations/{org}/members/{user_id}`: removes a member from the organization
    /// and its teams. Needs `write_organization`; refused for the last admin.
    RemoveMember {
        /// The organization's name.
        org: String,
        /// The member's user id.
        user_id: String,
    },
    /// `POST /organizations/{org}/teams/{team}/members` with `{"user_id": …}`: adds an
    /// organization member to a team. Needs `write_teams`; refused for a team an identity
    /// provider manages.
    AddTeamMember {
        /// The organization's name.
        org: String,
        /// The team's slug.
        team: String,
        /// The member's user id.
        user_id: String,
    },
    /// `DELETE /organizations/{org}/teams/{team}/members/{user_id}`: removes a member from a
    /// team. Needs `write_teams`; refused for a team an identity provider manages.
    RemoveTeamMember {
        /// The organization's name.
        org: String,
        /// The team's slug.
        team: String,
        /// The member's user id.
        user_id: String,
    },
    /// `POST /organizations/{org}/invitations` with `{"email": …, "role": …}`: invites someone
    /// to the organization. Needs `write_members`; a service token may invite only `member`
    /// (another role is refused with 422).
    Invite {
        /// The organization's name.
        org: String,
        /// Where the invitation goes.
        email: String,
        /// The role the invitee gets on accepting.
        role: Role,
    },
}

/// A write as it would go out, without the credentials: what a dry run shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedWrite {
    /// `PATCH`, `POST` or `DELETE`.
    pub method: Method,
    /// The full URL.
    pub url: Url,
    /// The JSON body, if the write has one.
    pub body: Option<Value>,
}

impl Write {
    /// The HTTP method.
    pub fn method(&self) -> Method {
        match self {
            Write::SetMemberRole { .. } => Method::PATCH,
            Write::RemoveMember { .. } | Write::RemoveTeamMember { .. } => Method::DELETE,
            Write::AddTeamMember { .. } | Write::Invite { .. } => Method::POST,
        }
    }

    /// The service-token access PlanetScale asks for this change.
    pub fn access(&self) -> &'static str {
        match self {
            Write::SetMemberRole { .. } | Write::RemoveMember { .. } => "write_organization",
            Write::AddTeamMember { .. } | Write::RemoveTeamMember { .. } => "write_teams",
            Write::Invite { .. } => "write_members",
        }
    }

    /// The organization the change is made in.
    pub fn org(&self) -> &str {
        match self {
            Write::SetMemberRole { org, .. }
            | Write::RemoveMember { org, .. }
            | Write::AddTeamMember { org, .. }
            | Write::RemoveTeamMember { org, .. }
            | Write::Invite { org, .. } => org,
        }
    }

    fn path(&self) -> Vec<&str> {
        match self {
            Write::SetMemberRole { org, user_id, .. } | Write::RemoveMember { org, user_id } => {
                vec![ORGANIZATIONS, org, "members", user_id]
            }
            Write::AddTeamMember { org, team, .. } => {
                vec![ORGANIZATIONS, org, "teams", team, "members"]
            }
            Write::RemoveTeamMember { org, team, user_id } => {
                vec![ORGANIZATIONS, org, "teams", team, "members", user_id]
            }
            Write::Invite { org, .. } => vec![ORGANIZATIONS, org, "invitations"],
        }
    }

    fn body(&self) -> Option<Value> {
        match self {
            Write::SetMemberRole { role, .. } => Some(json!({ "role": role })),
            Write::AddTeamMember { user_id, .. } => Some(json!({ "user_id": user_id })),
            Write::Invite { email, role, .. } => Some(json!({ "email": email, "role": role })),
            Write::RemoveMember { .. } | Write::RemoveTeamMember { .. } => None,
        }
    }
}

impl Client {
    /// `write` as it would go out: method, URL and JSON body. Sends nothing.
    pub fn prepare(&self, write: &Write) -> Result<PreparedWrite> {
        Ok(PreparedWrite {
            method: write.method(),
            url: self.url(&write.path(), &[])?,
            body: write.body(),
        })
    }

    /// Sends `write` once (see the module docs for what is repeated), ignoring the answer's
    /// body.
    pub async fn send(&self, write: &Write) -> Result<()> {
        self.send_write(write).await.map(drop)
    }

    /// `PATCH /organizations/{org}/members/{user_id}`: gives the member `role`; the membership
    /// as it now is.
    pub async fn set_member_role(&self, org: &str, user_id: &str, role: &Role) -> Result<Member> {
        self.send_decoded(&Write::SetMemberRole {
            org: org.to_owned(),
            user_id: user_id.to_owned(),
            role: role.clone(),
        })
        .await
    }

    /// `DELETE /organizations/{org}/members/{user_id}`: removes the member.
    pub async fn remove_member(&self, org: &str, user_id: &str) -> Result<()> {
        self.send(&Write::RemoveMember {
            org: org.to_owned(),
            user_id: user_id.to_owned(),
        })
        .await
    }

    /// `POST /organizations/{org}/teams/{team_slug}/members`: adds the member to the team; the
    /// team membership (its passwords dropped while decoding).
    pub async fn add_team_member(
        &self,
        org: &str,
        team_slug: &str,
        user_id: &str,
    ) -> Result<TeamMember> {
        self.send_decoded(&Write::AddTeamMember {
            org: org.to_owned(),
            team: team_slug.to_owned(),
            user_id: user_id.to_owned(),
        })
        .await
    }

    /// `DELETE /organizations/{org}/teams/{team_slug}/members/{user_id}`: removes the member
    /// from the team.
    pub async fn remove_team_member(
        &self,
        org: &str,
        team_slug: &str,
        user_id: &str,
    ) -> Result<()> {
        self.send(&Write::RemoveTeamMember {
            org: org.to_owned(),
            team: team_slug.to_owned(),
            user_id: user_id.to_owned(),
        })
        .await
    }

    /// `POST /organizations/{org}/invitations`: invites `email` with `role`; the invitation.
    pub async fn invite(&self, org: &str, email: &str, role: &Role) -> Result<Invitation> {
        self.send_decoded(&Write::Invite {
            org: org.to_owned(),
            email: email.to_owned(),
            role: role.clone(),
        })
        .await
    }

    async fn send_decoded<T: DeserializeOwned>(&self, write: &Write) -> Result<T> {
        let (request, body) = self.send_write(write).await?;
        self.decode(&request, &body, is_sensitive(&write.path()))
    }

    async fn send_write(&self, write: &Write) -> Result<(Outgoing, Vec<u8>)> {
        let prepared = self.prepare(write)?;
        let request = Outgoing {
            method: prepared.method,
            url: prepared.url,
            body: prepared.body.map(|body| body.to_string().into_bytes()),
        };
        let body = self.send_with_retries(&request, Error::is_unsent).await?;
        Ok((request, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_write_names_its_method_path_body_and_access() {
        let user = || "u1".to_owned();
        let org = || "acme".to_owned();
        let cases = [
            (
                Write::SetMemberRole {
                    org: org(),
                    user_id: user(),
                    role: Role::Admin,
                },
                "PATCH /organizations/acme/members/u1",
                Some(json!({"role": "admin"})),
                "write_organization",
            ),
            (
                Write::RemoveMember {
                    org: org(),
                    user_id: user(),
                },
                "DELETE /organizations/acme/members/u1",
                None,
                "write_organization",
            ),
            (
                Write::AddTeamMember {
                    org: org(),
                    team: "sre".into(),
                    user_id: user(),
                },
                "POST /organizations/acme/teams/sre/members",
                Some(json!({"user_id": "u1"})),
                "write_teams",
            ),
            (
                Write::RemoveTeamMember {
                    org: org(),
                    team: "sre".into(),
                    user_id: user(),
                },
                "DELETE /organizations/acme/teams/sre/members/u1",
                None,
                "write_teams",
            ),
            (
                Write::Invite {
                    org: org(),
                    email: "ada@acme.example".into(),
                    role: Role::Member,
                },
                "POST /organizations/acme/invitations",
                Some(json!({"email": "ada@acme.example", "role": "member"})),
                "write_members",
            ),
        ];
        for (write, line, body, access) in cases {
            assert_eq!(
                format!("{} /{}", write.method(), write.path().join("/")),
                line
            );
            assert_eq!(write.body(), body, "{line}");
            assert_eq!(write.access(), access, "{line}");
            assert_eq!(write.org(), "acme");
        }
    }
}
