//! Provisioning: the changes a review ends in, made through PlanetScale's API.
//!
//! | entitlement | grant | revoke | access |
//! |---|---|---|---|
//! | `organization:<id>:admin`, `:analyst` | `PATCH …/members/{user}` with the role | `PATCH` back to `member` | `write_organization` |
//! | `organization:<id>:member` | an invitation to the user's email, when not a member | `DELETE …/members/{user}`: leaves the organization and its teams | `write_members` / `write_organization` |
//! | `team:<id>:member` | `POST …/teams/{team}/members` | `DELETE …/teams/{team}/members/{user}` | `write_teams` |
//! | an account of type `user` | an invitation by email, with a role (`member` for a service token) | — | `write_members` |
//!
//! Each change reads the state first: granting what is held and revoking what is gone succeed as
//! already done, with nothing sent. What PlanetScale will refuse is said before sending when the
//! state shows it (roles the identity provider manages, a team it manages) and named from the
//! answer when it refuses (the last admin, a service token inviting an admin). A change whose
//! answer is lost (a time-out, a reset, a 5xx) is read back, and sent again only when the read
//! shows it was not made, at most [`MAX_SENDS`] times. PlanetScale answers a missing access with
//! 404 as well as 403; a 404 to a change of something the read showed exists means the token
//! lacks the change's access, and the error names it.
//!
//! A dry run ([`connector_sdk::provision::Mode::DryRun`]) shows the change's request as
//! [`planetscale_client::Client::prepare`] builds it, from what the sync stored, and sends
//! nothing, reads included.

pub(crate) mod access;
mod invitations;
mod roles;
mod teams;

use std::future::Future;

use connector_sdk::{
    ConnectorError, ErrorKind, Resource, ResourceId,
    provision::{Plan, PlannedRequest},
};
use planetscale_client::{Client, Organization, Write};

use crate::errors::map_client_error;
use crate::parts::USER;

pub(crate) use invitations::Invitations;
pub(crate) use roles::Roles;
pub(crate) use teams::TeamMembers;

/// The most times one change is sent when its answers are lost and reads show it was not made.
pub(crate) const MAX_SENDS: u32 = 3;

/// How a change that was sent ended, when its outcome is known.
#[derive(Debug)]
pub(crate) enum Sent {
    /// It was made (answered, or read back after a lost answer).
    Made,
    /// It was refused and not made: a status the caller explains.
    Refused(planetscale_client::Error),
}

/// Sends `write` ("`what`" in messages). When the answer is lost, reads the state back with
/// `made` and sends again only if the change was not made. When PlanetScale refuses it as
/// invalid (400, 409, 422), reads back too: someone may have made the same change since the
/// state was read, and then the change stands. An error when the outcome stays unknown (every
/// answer lost, or the read failing).
pub(crate) async fn send_confirmed<F, Fut>(
    client: &Client,
    write: &Write,
    what: &str,
    made: F,
) -> Result<Sent, ConnectorError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<bool, planetscale_client::Error>>,
{
    let mut sends = 0;
    loop {
        sends += 1;
        let lost = match client.send(write).await {
            Ok(()) => return Ok(Sent::Made),
            Err(e) if e.is_outcome_unknown() => e,
            Err(e) if e.is_refused() => {
                return match made().await {
                    Ok(true) => Ok(Sent::Made),
                    _ => Ok(Sent::Refused(e)),
                };
            }
            Err(e) => return Ok(Sent::Refused(e)),
        };
        let applied = made().await.map_err(|e| {
            ConnectorError::new(
                ErrorKind::Unavailable,
                format!(
                    "{what}: the answer was lost ({lost}) and reading the state back failed \
                     too; run the same command again, which reads the state first"
                ),
            )
            .with_source(e)
        })?;
        // Each change has one info line (see `connector_sdk::provision`); this one is detail.
        tracing::debug!(
            what,
            applied,
            sends,
            error = %lost,
            "the answer to a change was lost; the state was read back"
        );
        if applied {
            return Ok(Sent::Made);
        }
        if sends >= MAX_SENDS {
            return Err(ConnectorError::unavailable(format!(
                "{what}: not made; its answer was lost {sends} times and reading the state back \
                 showed it was not made each time; run the same command again"
            ))
            .with_source(lost));
        }
    }
}

/// The error for a change PlanetScale refused (`what` was being done). A 404 means either that
/// what the change is about is gone or that the token lacks the change's access: `exists`
/// reads which (only for a 404).
pub(crate) async fn refusal_after<F, Fut>(
    e: planetscale_client::Error,
    what: &str,
    write: &Write,
    exists: F,
) -> ConnectorError
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<bool, planetscale_client::Error>>,
{
    if e.is_not_found() {
        match exists().await {
            Ok(true) => {}
            Ok(false) => {
                return ConnectorError::not_found(format!(
                    "{what}: PlanetScale answered 404 Not Found, and what the change is about is \
                     gone; sync again to see the current state"
                ))
                .with_source(e);
            }
            Err(read) => return map_client_error(read, what),
        }
    }
    refusal(e, what, write)
}

/// The error for a change PlanetScale refused (`what` was being done). A 404 here means the
/// token lacks the change's access: callers rule out the other reading (something gone) first.
pub(crate) fn refusal(e: planetscale_client::Error, what: &str, write: &Write) -> ConnectorError {
    let access = write.access();
    let org = write.org();
    if e.is_forbidden() || e.is_not_found() {
        let status = match e.is_forbidden() {
            true => "403 Forbidden",
            false => "404 Not Found, which it also answers when a token lacks an access",
        };
        return ConnectorError::new(
            ErrorKind::PermissionDenied,
            format!(
                "{what}: PlanetScale answered {status}: the service token lacks the {access} \
                 access on {org}; add it in {org}'s Organization settings → Service tokens"
            ),
        )
        .with_source(e);
    }
    if e.is_refused() {
        let why = e
            .server_message()
            .map(str::to_owned)
            .or_else(|| e.status().map(|s| s.to_string()))
            .unwrap_or_default();
        return ConnectorError::new(
            ErrorKind::FailedPrecondition,
            format!("{what}: PlanetScale refused: {why}"),
        )
        .with_source(e);
    }
    map_client_error(e, what)
}

/// Organization `org` as it is now, read before a change (`what`): a 404 means the token lacks
/// `read_organization` there, or the organization is gone. `id` is the id the file holds for
/// the organization a change addresses by name: another id means the name now belongs to
/// another organization, and the change is refused before anything is sent.
pub(crate) async fn organization(
    client: &Client,
    org: &str,
    id: Option<&str>,
    what: &str,
) -> Result<Organization, ConnectorError> {
    let found = client.get_organization(org).await.map_err(|e| {
        if !(e.is_not_found() || e.is_forbidden()) {
            return map_client_error(e, what);
        }
        ConnectorError::new(
            ErrorKind::PermissionDenied,
            format!(
                "{what}: PlanetScale answered {} to reading organization {org}: the service \
                 token lacks the read_organization access on it, or the organization is gone; \
                 add the access in {org}'s Organization settings → Service tokens",
                e.status().map(|s| s.to_string()).unwrap_or_default()
            ),
        )
        .with_source(e)
    })?;
    match id {
        Some(id) if found.id != id => Err(stale(
            what,
            &format!(
                "organization {org} is {} in PlanetScale, not {id}",
                found.id
            ),
        )),
        _ => Ok(found),
    }
}

/// The error for a change whose names (an organization's name, a team's slug) no longer name
/// what the file says they name (`why`): nothing was sent.
pub(crate) fn stale(what: &str, why: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::FailedPrecondition,
        format!(
            "{what}: {why}: the file is stale (renamed since the sync); nothing was sent; sync \
             again and make the change with the new file"
        ),
    )
}

/// What a read of one object came to: the object, or `None` on a 404 (once the organization
/// was read, a 404 means the object does not exist).
pub(crate) fn found<T>(
    result: planetscale_client::Result<T>,
) -> planetscale_client::Result<Option<T>> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A dry run's plan: `writes` as they would go out, and what the real run does first.
pub(crate) fn plan(
    client: &Client,
    writes: &[Write],
    note: impl Into<String>,
) -> Result<Plan, ConnectorError> {
    let requests = writes
        .iter()
        .map(|write| {
            let prepared = client.prepare(write).map_err(|e| {
                ConnectorError::new(ErrorKind::InvalidArgument, "the change cannot be built")
                    .with_source(e)
            })?;
            Ok(PlannedRequest {
                method: prepared.method.to_string(),
                url: prepared.url.to_string(),
                body: prepared.body,
            })
        })
        .collect::<Result<_, ConnectorError>>()?;
    Ok(Plan {
        requests,
        note: note.into(),
    })
}

/// The user id of a principal, which must be a PlanetScale user.
pub(crate) fn user_id(principal: &ResourceId) -> Result<&str, ConnectorError> {
    match principal.resource_type == USER {
        true => Ok(&principal.resource),
        false => Err(ConnectorError::new(
            ErrorKind::InvalidArgument,
            format!(
                "PlanetScale grants organization roles and team membership to users only, not \
                 to {principal}"
            ),
        )),
    }
}

/// How messages name a principal: a person by email and id, never by the display name they
/// chose (a member may name themselves `cfo@acme.example`); anything else by display name and
/// id.
pub(crate) fn who(principal: &Resource) -> String {
    if let Some(email) = principal.user_trait().and_then(|t| t.primary_email()) {
        return format!("{email} ({})", principal.id);
    }
    match principal.display_name.is_empty() || principal.display_name == principal.id.resource {
        true => principal.id.to_string(),
        false => format!("{} ({})", principal.display_name, principal.id),
    }
}

/// A text field of a resource's profile, as the sync stored it.
pub(crate) fn profile_text<'a>(resource: &'a Resource, key: &str) -> Option<&'a str> {
    resource
        .profile
        .as_ref()?
        .get(key)?
        .as_str()
        .filter(|s| !s.trim().is_empty())
}

/// The error for an entitlement whose resource lacks what the API path needs.
pub(crate) fn unstored(resource: &Resource, what: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::InvalidArgument,
        format!(
            "{} has no {what} in its profile: sync again with this connector, then run the \
             change with the new file",
            resource.id
        ),
    )
}
