//! Which write accesses the service token has, per organization, found without making a change.
//!
//! A token with `read_service_tokens` reads its own accesses
//! (`GET /organizations/{org}/service-tokens/{its id}`). Without it nothing short of a change
//! tells, and each write access is reported as unknown, with how to check it by hand.

use connector_sdk::{Check, ConnectorError};
use futures::{StreamExt, TryStreamExt};
use planetscale_client::{Organization, ServiceToken, ServiceTokenAccess};

use crate::api::Api;
use crate::errors::map_client_error;

/// The write accesses provisioning uses, and what each is for.
pub(crate) const WRITE_ACCESSES: [(&str, &str); 3] = [
    (
        "write_organization",
        "change organization roles and remove members",
    ),
    ("write_teams", "add and remove team members"),
    ("write_members", "invite people"),
];

/// How many organizations are checked at once.
const CONCURRENCY: usize = 8;

/// One check per write access per organization the token reaches.
pub(crate) async fn report(api: &Api) -> Result<Vec<Check>, ConnectorError> {
    let client = &api.client;
    let orgs: Vec<Organization> =
        client.organizations().try_collect().await.map_err(|e| {
            map_client_error(e, "listing the organizations the service token reaches")
        })?;
    let checks: Vec<Vec<Check>> = futures::stream::iter(orgs)
        .map(|org| async move {
            let own = client.get_service_token(&org.name, client.token_id()).await;
            match own {
                // A read by id carries the accesses; should one ever come without, nothing is known.
                Ok(ServiceToken {
                    accesses: Some(accesses),
                    ..
                }) => Ok(known(&org, &accesses)),
                Ok(_) => Ok(unknown(&org, client.token_id())),
                Err(e) if e.is_not_found() || e.is_forbidden() => {
                    Ok(unknown(&org, client.token_id()))
                }
                Err(e) => Err(map_client_error(
                    e,
                    &format!("reading the service token's accesses on {}", org.name),
                )),
            }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(checks.into_iter().flatten().collect())
}

/// The checks from the token's own accesses on `org`.
fn known(org: &Organization, accesses: &[ServiceTokenAccess]) -> Vec<Check> {
    let on_org = |access: &&ServiceTokenAccess| {
        let names_org = access.resource_name.as_deref() == Some(org.name.as_str())
            || access.resource_id.as_deref() == Some(org.id.as_str());
        let of_org = access
            .resource_type
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case("organization"));
        names_org && of_org
    };
    let held: Vec<&str> = accesses
        .iter()
        .filter(on_org)
        .filter_map(|a| a.access.as_deref())
        .collect();
    let scope = format!("organization {}", org.name);
    WRITE_ACCESSES
        .iter()
        .map(|(access, purpose)| match held.contains(access) {
            true => {
                let mut detail = format!("to {purpose}");
                if *access == "write_organization" && org.idp_managed_roles == Some(true) {
                    detail.push_str(
                        "; but the identity provider manages this organization's roles, so role \
                         changes are refused",
                    );
                }
                Check::ok(scope.clone(), *access, detail)
            }
            false => Check::missing(
                scope.clone(),
                *access,
                format!(
                    "needed to {purpose}: add it in {}'s Organization settings → Service tokens",
                    org.name
                ),
            ),
        })
        .collect()
}

/// The checks when the token cannot read its own accesses on `org`.
fn unknown(org: &Organization, token_id: &str) -> Vec<Check> {
    WRITE_ACCESSES
        .iter()
        .map(|(access, purpose)| {
            Check::unknown(
                format!("organization {}", org.name),
                *access,
                format!(
                    "needed to {purpose}; cannot be checked without making a change: give the \
                     token read_service_tokens so validate can read its accesses, or look at \
                     token {token_id} in {}'s Organization settings → Service tokens",
                    org.name
                ),
            )
        })
        .collect()
}
