use connector_sdk::{Connector, ErrorKind};
use planetscale_connector::{OrgAccess, PlanetScaleConnector};
use planetscale_fake::{DEFAULT_TOKEN, DEFAULT_TOKEN_ID, EndpointKind};

use crate::support::{
    api_requests, chain, client, connector, fault_404, start_small, start_with_token, sync_memory,
};

const WRONG_TOKEN: &str = "pscale_tok_wrongsecret00000000000000";

#[tokio::test]
async fn refused_token_is_unauthenticated_and_says_what_to_check() {
    let server = start_small().await;
    let connector = PlanetScaleConnector::new(client(&server, DEFAULT_TOKEN_ID, WRONG_TOKEN));
    let err = connector.validate().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.message().contains("service token was refused"), "{err}");
    assert!(err.message().contains("planetscale-service-token"), "{err}");
    let text = chain(&err);
    assert!(
        !text.contains(WRONG_TOKEN) && !text.contains(DEFAULT_TOKEN),
        "{text}"
    );

    // The engine stops before writing anything.
    let (_, result) = sync_memory(&connector).await;
    let err = result.unwrap_err();
    assert_eq!(err.connector_kind(), Some(ErrorKind::Unauthenticated));
    assert!(!chain(&err).contains(WRONG_TOKEN));
}

#[tokio::test]
async fn token_reaching_no_organization_says_how_to_grant_access() {
    let server = start_with_token(Some(Vec::new()), &["read_organization"]).await;
    let connector = connector(&server);
    assert!(connector.reach().await.unwrap().organizations.is_empty());
    let err = connector.validate().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(err.message().contains("reaches no organization"), "{err}");
    assert!(err.message().contains("Service tokens"), "{err}");
    assert!(err.message().contains("read_organization"), "{err}");
}

#[tokio::test]
async fn token_without_read_organization_fails_validation_naming_the_organizations() {
    let server = start_with_token(None, &["read_service_tokens"]).await;
    let connector = connector(&server);
    let dataset = server.dataset();
    let reach = connector.reach().await.unwrap();
    assert_eq!(reach.organizations.len(), dataset.organizations.len());
    assert!(
        reach
            .organizations
            .iter()
            .all(|o| o.access == OrgAccess::MissingReadOrganization)
    );

    let err = connector.validate().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    for name in dataset.org_names() {
        assert!(err.message().contains(name), "{err} should name {name}");
    }
    assert!(err.message().contains("read_organization"), "{err}");
    assert!(!chain(&err).contains(DEFAULT_TOKEN));
}

#[tokio::test]
async fn missing_access_on_one_organization_names_only_that_one() {
    let server = start_small().await;
    let dataset = server.dataset();
    let names = dataset.org_names();
    let (denied, allowed) = (names[1], names[0]);
    server.set_faults(vec![fault_404(EndpointKind::Members, denied, None)]);

    let connector = connector(&server);
    let reach = connector.reach().await.unwrap();
    let access_of = |name: &str| {
        reach
            .organizations
            .iter()
            .find(|o| o.name == name)
            .unwrap()
            .access
    };
    assert_eq!(access_of(denied), OrgAccess::MissingReadOrganization);
    assert_eq!(access_of(allowed), OrgAccess::Ok);
    let ok = reach
        .organizations
        .iter()
        .find(|o| o.name == allowed)
        .unwrap();
    assert_eq!(
        ok.members,
        Some(dataset.member_count(allowed).unwrap() as u64)
    );

    let err = connector.validate().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(
        err.message()
            .contains(&format!("read_organization on organization {denied}:")),
        "{err}"
    );
    assert!(!err.message().contains(allowed), "{err}");
}

#[tokio::test]
async fn a_404_while_listing_teams_fails_the_sync_instead_of_reading_as_empty() {
    let server = start_small().await;
    let dataset = server.dataset();
    let org = dataset.org_names()[0];
    // Validation does not touch teams, so the 404 comes mid-sync.
    server.set_faults(vec![fault_404(EndpointKind::Teams, org, None)]);
    let (store, result) = sync_memory(&connector(&server)).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.connector_kind(),
        Some(ErrorKind::PermissionDenied),
        "{}",
        chain(&err)
    );
    let text = chain(&err);
    assert!(
        text.contains(org) && text.contains("read_organization"),
        "{text}"
    );
    assert!(!text.contains(DEFAULT_TOKEN));
    assert!(!store.is_ended(), "a failed sync is never finished");
}

#[tokio::test]
async fn a_404_on_members_mid_sync_fails_the_sync() {
    let server = start_small().await;
    let connector = crate::support::Unvalidated(connector(&server));
    let org = server.dataset().org_names()[0].to_owned();
    server.set_faults(vec![fault_404(EndpointKind::Members, &org, None)]);
    let (_, result) = sync_memory(&connector).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.connector_kind(),
        Some(ErrorKind::PermissionDenied),
        "{}",
        chain(&err)
    );
    assert!(chain(&err).contains(&org));
}

#[tokio::test]
async fn a_team_deleted_mid_sync_is_a_warning() {
    let server = start_small().await;
    let dataset = server.dataset();
    let org = dataset
        .organizations
        .iter()
        .find(|o| !o.teams.is_empty())
        .unwrap();
    let slug = org.teams[0].slug().to_owned();
    server.set_faults(vec![fault_404(
        EndpointKind::TeamMembers,
        org.name(),
        Some(&slug),
    )]);
    let (_, result) = sync_memory(&connector(&server)).await;
    let summary = result.unwrap();
    let not_found: Vec<_> = summary
        .warnings
        .iter()
        .filter(|w| w.contains("not found"))
        .collect();
    assert_eq!(not_found.len(), 1, "{:?}", summary.warnings);
    assert!(not_found[0].contains(&slug), "{:?}", summary.warnings);
    assert!(api_requests(&server).iter().all(|r| r.authorized));
}

#[tokio::test]
async fn errors_of_every_kind_never_hold_the_token() {
    use planetscale_fake::{FaultMatch, FaultRule, Times};

    let forever = |endpoint| FaultMatch {
        endpoint: Some(endpoint),
        times: Times::Forever,
        ..FaultMatch::any()
    };
    let cases = [
        (
            FaultRule::Status {
                on: forever(EndpointKind::Teams),
                status: 503,
            },
            ErrorKind::Unavailable,
        ),
        (
            FaultRule::Status {
                on: forever(EndpointKind::Teams),
                status: 401,
            },
            ErrorKind::Unauthenticated,
        ),
        (
            FaultRule::Status {
                on: forever(EndpointKind::Teams),
                status: 403,
            },
            ErrorKind::PermissionDenied,
        ),
        (
            FaultRule::InvalidJson {
                on: forever(EndpointKind::Teams),
            },
            ErrorKind::Internal,
        ),
        (
            FaultRule::TruncatedJson {
                on: forever(EndpointKind::TeamMembers),
            },
            ErrorKind::Internal,
        ),
    ];
    for (fault, kind) in cases {
        let server = start_small().await;
        server.set_faults(vec![fault.clone()]);
        let (_, result) = sync_memory(&connector(&server)).await;
        let err = result.unwrap_err();
        let text = chain(&err);
        assert_eq!(err.connector_kind(), Some(kind), "{fault:?}: {text}");
        assert!(!text.contains(DEFAULT_TOKEN), "{fault:?}: {text}");
        assert!(!text.contains("pscale_pw_"), "{fault:?}: {text}");
    }
}
