//! Provisioning: changing what the connected system holds — granting an entitlement to a
//! principal, revoking a grant, creating an account — as baton's `ResourceProvisionerV2` and
//! `AccountManager` do.
//!
//! A syncer whose type's entitlements can be granted and revoked returns a
//! [`ResourceProvisioner`] from [`ResourceSyncer::provisioner`];
//! one whose type's accounts can be created returns an [`AccountManager`] from
//! [`ResourceSyncer::account_manager`]. A connector
//! without either is unchanged: it syncs, and its [capabilities](crate::capabilities) say so.
//!
//! [`grant`], [`revoke`] and [`create_account`] are the calls a program or a host makes. As in
//! baton, a grant and a revoke go to the provisioner of the *entitlement's* resource type. Each
//! call either applies the change ([`Mode::Apply`]) or only shows it ([`Mode::DryRun`]): a dry run
//! asks for the provisioner's [`Plan`], from a method that is not `async`, so it cannot wait for
//! an answer and sends nothing. Each call writes one log line at info level (target
//! `provisioning`): the `action`, `who` (the principal, or the account's email), `what` (the
//! entitlement, the grant, or the account's type), and the `outcome` (`granted`, `already-exists`, `revoked`, `already-revoked`, `invited`, `created`,
//! `dry-run` or `failed`, with the error).
//!
//! A provisioner makes each call safe to repeat: granting what is held and revoking what is gone
//! succeed with [`Outcome::AlreadyExists`] and [`Outcome::AlreadyRevoked`] (baton's
//! `GrantAlreadyExists` and `GrantAlreadyRevoked` annotations), and a change whose answer was
//! lost is read back rather than sent blindly again.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::annotations::{Annotation, Annotations};
use crate::connector::Connector;
use crate::error::{ConnectorError, ErrorKind};
use crate::model::{Entitlement, Grant, Resource};
use crate::syncer::ResourceSyncer;
use crate::value::Profile;

/// Grants and revokes the entitlements of one resource type (baton's `ResourceProvisionerV2`).
///
/// Object-safe; a syncer hands it out from
/// [`ResourceSyncer::provisioner`].
#[async_trait]
pub trait ResourceProvisioner: Send + Sync {
    /// What [`grant`](Self::grant) would send, worked out without sending anything.
    fn plan_grant(&self, cx: &GrantContext) -> Result<Plan, ConnectorError>;

    /// Grants `cx.entitlement` to `cx.principal`: [`Outcome::Granted`], or
    /// [`Outcome::AlreadyExists`] when the principal holds it already.
    async fn grant(&self, cx: GrantContext) -> Result<Provisioned, ConnectorError>;

    /// What [`revoke`](Self::revoke) would send, worked out without sending anything.
    fn plan_revoke(&self, cx: &RevokeContext) -> Result<Plan, ConnectorError>;

    /// Revokes `cx.grant`: [`Outcome::Revoked`], or [`Outcome::AlreadyRevoked`] when the
    /// principal no longer holds it.
    async fn revoke(&self, cx: RevokeContext) -> Result<Provisioned, ConnectorError>;
}

/// Creates accounts of one resource type (baton's `AccountManager`). Accounts are created
/// without credentials: no secret is made or leaves the connector, so the only credential option
/// the capabilities offer is `NO_PASSWORD`.
#[async_trait]
pub trait AccountManager: Send + Sync {
    /// What [`create_account`](Self::create_account) would send, worked out without sending
    /// anything.
    fn plan_create_account(&self, cx: &AccountContext) -> Result<Plan, ConnectorError>;

    /// Creates the account `cx.account` describes: [`Outcome::Created`], [`Outcome::Invited`]
    /// when someone must accept before it exists, or [`Outcome::AlreadyExists`].
    async fn create_account(&self, cx: AccountContext) -> Result<Provisioned, ConnectorError>;
}

/// Input of a grant: who gets what.
#[derive(Clone, Debug)]
pub struct GrantContext {
    /// Who gets it; as a sync stored it, so with its traits (a user's email) and profile.
    pub principal: Resource,
    /// What is granted, with its resource embedded as a sync stored it.
    pub entitlement: Entitlement,
    /// Cancelled when the program is asked to stop.
    pub cancel: CancellationToken,
}

/// Input of a revoke: the grant to take away.
#[derive(Clone, Debug)]
pub struct RevokeContext {
    /// The grant, with its entitlement (slug and resource) and principal as a sync stored them.
    pub grant: Grant,
    /// Cancelled when the program is asked to stop.
    pub cancel: CancellationToken,
}

/// Input of an account creation.
#[derive(Clone, Debug)]
pub struct AccountContext {
    /// The account asked for.
    pub account: AccountInfo,
    /// Cancelled when the program is asked to stop.
    pub cancel: CancellationToken,
}

/// The account to create (baton's `AccountInfo`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountInfo {
    /// The login, when the system has one apart from the email.
    pub login: String,
    /// Email addresses, the primary first.
    pub emails: Vec<String>,
    /// Connector-specific details (where to create it, with which role …).
    pub profile: Profile,
}

impl AccountInfo {
    /// The first email, else the login: the address an invitation goes to.
    pub fn email(&self) -> Option<&str> {
        self.emails
            .iter()
            .map(String::as_str)
            .chain(Some(self.login.as_str()))
            .map(str::trim)
            .find(|e| !e.is_empty())
    }
}

/// Apply a change, or only show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Make the change.
    #[default]
    Apply,
    /// Work out what would be sent, and send nothing.
    DryRun,
}

/// What a change would send to the connected system, shown by a dry run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    /// The requests that make the change, in order.
    pub requests: Vec<PlannedRequest>,
    /// What else the real run does and when it sends nothing (reads the current state first,
    /// say); may be empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// One request a change would send: for an HTTP API, its method, URL and JSON body. Never holds
/// a credential.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedRequest {
    /// The operation, e.g. `PATCH`.
    pub method: String,
    /// Where it goes, e.g. the full URL.
    pub url: String,
    /// What it carries, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// How a provisioning call ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
#[non_exhaustive]
pub enum Outcome {
    /// The entitlement was granted.
    Granted {
        /// The grants the change made, when the provisioner says (baton's `GrantResponse.grants`).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        grants: Vec<Grant>,
    },
    /// The principal held it, or the account existed, already: nothing changed.
    AlreadyExists,
    /// The grant was revoked.
    Revoked,
    /// The principal no longer held it: nothing changed.
    AlreadyRevoked,
    /// An invitation was sent; the account exists once it is accepted (baton's
    /// `ActionRequiredResult`).
    Invited,
    /// The account was created.
    Created {
        /// The account, when the provisioner says.
        #[serde(skip_serializing_if = "Option::is_none")]
        resource: Option<Box<Resource>>,
    },
    /// Nothing was sent; the plan says what would have been.
    DryRun {
        /// What the change would send.
        plan: Plan,
    },
}

impl Outcome {
    /// The label of the log line and the reports: `granted`, `already-exists`, `revoked`,
    /// `already-revoked`, `invited`, `created` or `dry-run`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Granted { .. } => "granted",
            Outcome::AlreadyExists => "already-exists",
            Outcome::Revoked => "revoked",
            Outcome::AlreadyRevoked => "already-revoked",
            Outcome::Invited => "invited",
            Outcome::Created { .. } => "created",
            Outcome::DryRun { .. } => "dry-run",
        }
    }

    /// The annotations baton's response carries for this outcome: `GrantAlreadyExists` or
    /// `GrantAlreadyRevoked`, else none.
    pub fn annotations(&self) -> Annotations {
        match self {
            Outcome::AlreadyExists => vec![Annotation::grant_already_exists()],
            Outcome::AlreadyRevoked => vec![Annotation::grant_already_revoked()],
            _ => Annotations::new(),
        }
    }
}

/// What a provisioning call did, and a sentence saying so.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Provisioned {
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// What happened, for people (e.g. `ada@acme.example is already admin of acme`); may be
    /// empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Provisioned {
    /// `outcome`, said in `detail`.
    pub fn new(outcome: Outcome, detail: impl Into<String>) -> Self {
        Provisioned {
            outcome,
            detail: detail.into(),
        }
    }
}

/// Grants `cx.entitlement` to `cx.principal` through the provisioner of the entitlement's
/// resource type, or (in a dry run) says what that would send.
///
/// Fails with [`ErrorKind::Unimplemented`] when that type has no provisioner, and with
/// [`ErrorKind::InvalidArgument`] when the entitlement is not grantable to the principal's type.
pub async fn grant(
    connector: &dyn Connector,
    cx: GrantContext,
    mode: Mode,
) -> Result<Provisioned, ConnectorError> {
    let (who, what) = (cx.principal.id.to_string(), cx.entitlement.id.clone());
    logged("grant", who, what, grant_with(connector, cx, mode)).await
}

async fn grant_with(
    connector: &dyn Connector,
    cx: GrantContext,
    mode: Mode,
) -> Result<Provisioned, ConnectorError> {
    let entitlement = &cx.entitlement;
    let grantable = &entitlement.grantable_to;
    let principal_type = &cx.principal.id.resource_type;
    if !grantable.is_empty() && !grantable.iter().any(|t| &t.id == principal_type) {
        let types: Vec<&str> = grantable.iter().map(|t| t.id.as_str()).collect();
        return Err(ConnectorError::new(
            ErrorKind::InvalidArgument,
            format!(
                "entitlement {} can be granted to {}, not to a {principal_type}",
                entitlement.id,
                types.join(", ")
            ),
        ));
    }
    let syncers = connector.syncers();
    let provisioner = provisioner_of(&syncers, &entitlement.resource.id.resource_type, "grant")?;
    match mode {
        Mode::DryRun => dry_run(provisioner.plan_grant(&cx)),
        Mode::Apply => provisioner.grant(cx).await,
    }
}

/// Revokes `cx.grant` through the provisioner of its entitlement's resource type, or (in a dry
/// run) says what that would send.
///
/// Fails with [`ErrorKind::Unimplemented`] when that type has no provisioner, and with
/// [`ErrorKind::FailedPrecondition`] for a grant that grant expansion derived (baton's
/// `GrantImmutable`): it holds only as long as the grants it comes through, so those are what
/// to revoke.
pub async fn revoke(
    connector: &dyn Connector,
    cx: RevokeContext,
    mode: Mode,
) -> Result<Provisioned, ConnectorError> {
    let (who, what) = (cx.grant.principal.id.to_string(), cx.grant.id.clone());
    logged("revoke", who, what, revoke_with(connector, cx, mode)).await
}

async fn revoke_with(
    connector: &dyn Connector,
    cx: RevokeContext,
    mode: Mode,
) -> Result<Provisioned, ConnectorError> {
    if cx
        .grant
        .annotations
        .iter()
        .any(Annotation::is_grant_immutable)
    {
        return Err(derived(&cx.grant));
    }
    let syncers = connector.syncers();
    let resource_type = &cx.grant.entitlement.resource.id.resource_type;
    let provisioner = provisioner_of(&syncers, resource_type, "revoke")?;
    match mode {
        Mode::DryRun => dry_run(provisioner.plan_revoke(&cx)),
        Mode::Apply => provisioner.revoke(cx).await,
    }
}

/// Creates an account through the account manager of `resource_type` (when `None`, of the one
/// resource type that has an account manager), or (in a dry run) says what that would send.
///
/// Fails with [`ErrorKind::Unimplemented`] when no type can create accounts, and with
/// [`ErrorKind::InvalidArgument`] when `resource_type` is `None` and several can.
pub async fn create_account(
    connector: &dyn Connector,
    resource_type: Option<&str>,
    cx: AccountContext,
    mode: Mode,
) -> Result<Provisioned, ConnectorError> {
    let who = cx.account.email().unwrap_or_default().to_owned();
    let what = resource_type.unwrap_or_default().to_owned();
    let change = create_account_with(connector, resource_type, cx, mode);
    logged("create-account", who, what, change).await
}

async fn create_account_with(
    connector: &dyn Connector,
    resource_type: Option<&str>,
    cx: AccountContext,
    mode: Mode,
) -> Result<Provisioned, ConnectorError> {
    let syncers = connector.syncers();
    let managers: Vec<(String, &dyn AccountManager)> = syncers
        .iter()
        .filter_map(|s| Some((s.resource_type().id, s.account_manager()?)))
        .filter(|(id, _)| resource_type.is_none_or(|wanted| wanted == id))
        .collect();
    let manager = match managers.as_slice() {
        [(_, one)] => *one,
        [] => {
            let what = resource_type
                .map(|t| format!("accounts of type {t}"))
                .unwrap_or_else(|| "accounts".to_owned());
            return Err(ConnectorError::unimplemented(format!(
                "this connector cannot create {what}"
            )));
        }
        many => {
            let types: Vec<&str> = many.iter().map(|(id, _)| id.as_str()).collect();
            return Err(ConnectorError::new(
                ErrorKind::InvalidArgument,
                format!(
                    "this connector creates accounts of several types ({}): name one",
                    types.join(", ")
                ),
            ));
        }
    };
    match mode {
        Mode::DryRun => dry_run(manager.plan_create_account(&cx)),
        Mode::Apply => manager.create_account(cx).await,
    }
}

fn dry_run(plan: Result<Plan, ConnectorError>) -> Result<Provisioned, ConnectorError> {
    Ok(Provisioned::new(
        Outcome::DryRun { plan: plan? },
        "dry run: nothing was sent",
    ))
}

/// The entitlements a derived `grant` comes through: the ids of its grant expansion sources,
/// leaving out its own entitlement (which baton lists among them). Empty for a direct grant.
///
/// These are what to revoke instead of a derived grant, which [`revoke`] refuses; a caller
/// revoking several grants at once can tell from them whether a derived one goes with the rest.
pub fn derived_from(grant: &Grant) -> Vec<&str> {
    grant
        .sources
        .iter()
        .flat_map(|s| s.sources.keys())
        .map(String::as_str)
        .filter(|source| *source != grant.entitlement.id)
        .collect()
}

/// The refusal to revoke a derived grant, naming the entitlements it comes through.
fn derived(grant: &Grant) -> ConnectorError {
    let through = derived_from(grant);
    let through = match through.as_slice() {
        [] => "other grants".to_owned(),
        sources => sources.join(", "),
    };
    ConnectorError::new(
        ErrorKind::FailedPrecondition,
        format!(
            "grant {} follows from {through} through grant expansion and cannot be revoked on \
             its own: revoke {}'s grant of what it comes through instead",
            grant.id, grant.principal.id
        ),
    )
}

/// The provisioner of `resource_type`, which baton dispatches grants and revokes by.
fn provisioner_of<'a>(
    syncers: &'a [Arc<dyn ResourceSyncer>],
    resource_type: &str,
    action: &str,
) -> Result<&'a dyn ResourceProvisioner, ConnectorError> {
    syncers
        .iter()
        .find(|s| s.resource_type().id == resource_type)
        .and_then(|s| s.provisioner())
        .ok_or_else(|| {
            ConnectorError::unimplemented(format!(
                "this connector cannot {action} entitlements of {resource_type} resources: the \
                 {resource_type} type has no provisioner"
            ))
        })
}

/// Runs `change` and leaves the one line each change leaves: who, what, and how it ended.
/// Identifiers and the connector's own messages only, which never hold a credential.
async fn logged(
    action: &str,
    who: String,
    what: String,
    change: impl Future<Output = Result<Provisioned, ConnectorError>>,
) -> Result<Provisioned, ConnectorError> {
    let result = change.await;
    match &result {
        Ok(done) => tracing::info!(
            target: "provisioning",
            action,
            who,
            what,
            outcome = done.outcome.as_str(),
            detail = %done.detail,
            "provisioning {}",
            done.outcome.as_str()
        ),
        Err(error) => tracing::info!(
            target: "provisioning",
            action,
            who,
            what,
            outcome = "failed",
            error = %error,
            "provisioning failed"
        ),
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GrantSources;

    #[test]
    fn a_derived_grant_comes_from_its_sources_but_its_own_entitlement() {
        let mut grant = Grant {
            id: "database:d:admin:user:u".into(),
            ..Default::default()
        };
        grant.entitlement.id = "database:d:admin".into();
        assert!(derived_from(&grant).is_empty());
        grant.sources = Some(GrantSources {
            sources: [
                ("database:d:admin".to_owned(), false),
                ("organization:o:admin".to_owned(), false),
                ("team:t:member".to_owned(), false),
            ]
            .into(),
        });
        assert_eq!(
            derived_from(&grant),
            ["organization:o:admin", "team:t:member"]
        );
        let refusal = derived(&grant).to_string();
        assert!(
            refusal.contains("follows from organization:o:admin, team:t:member"),
            "{refusal}"
        );
    }
}
