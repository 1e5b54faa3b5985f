//! The [`Connector`], the top of the crate: its constructors, the list of syncers and the
//! audit-log feed; validation (what the token reaches, the report) is `validation`'s.

use std::sync::Arc;

use async_trait::async_trait;
use connector_sdk::{
    Check, Connector, ConnectorError, ResourceSyncer, Usage, ValidationReport, events::EventFeed,
};
use planetscale_client::Client;

use crate::api::{Api, Shared};
use crate::parts::Options;
use crate::syncers::{DatabaseSyncer, OrganizationSyncer, TeamSyncer, UserSyncer};

/// The PlanetScale connector: syncs every organization the service token reaches, its members
/// as users with their organization roles, its teams with their members, and the databases
/// teams and tokens name with who administers and reads them; and, as [`Options`] choose, every
/// database, service tokens, OAuth applications with their tokens, and pending invitations.
///
/// A sync needs the `read_organization` access on each organization, and each option the access
/// it names; provisioning (organization roles, team membership, invitations: see the crate docs)
/// needs the write accesses, which [`report_provisioning`](Connector::report_provisioning)
/// checks. [`validate`](Connector::validate) keeps the pages it fetches (the organization list
/// and page 1 of each list it checks) for the sync that follows, so a whole run fetches each page
/// once.
#[derive(Clone, Debug)]
pub struct PlanetScaleConnector {
    pub(crate) api: Api,
    /// What validation found for the audit-log feed.
    pub(crate) audit: Arc<crate::audit_log::Probed>,
}

impl PlanetScaleConnector {
    /// A connector that reads PlanetScale through `client`, without the optional parts.
    pub fn new(client: Client) -> Self {
        PlanetScaleConnector::with_options(client, Options::default())
    }

    /// A connector that reads PlanetScale through `client`, with the optional parts `options`
    /// turns on.
    pub fn with_options(client: Client, options: Options) -> Self {
        PlanetScaleConnector {
            api: Api {
                client,
                shared: Arc::new(Shared::default()),
                options,
            },
            audit: Arc::default(),
        }
    }

    /// The client, e.g. for its request statistics.
    pub fn client(&self) -> &Client {
        &self.api.client
    }

    /// The optional parts this connector syncs.
    pub fn options(&self) -> Options {
        self.api.options
    }
}

#[async_trait]
impl Connector for PlanetScaleConnector {
    /// One check per organization the token reaches (whether `read_organization` works there,
    /// and how many members it has) and per optional part there; a row per part that is off,
    /// and one for what the API cannot show. JSON scripts also get `organizations`.
    async fn report(&self) -> Result<ValidationReport, ConnectorError> {
        crate::validation::report(self.reach().await?, self.api.options)
    }

    /// One check per write access (`write_organization`, `write_teams`, `write_members`) per
    /// organization: read from the token's own accesses when it has `read_service_tokens`,
    /// else unknown, with how to check by hand.
    async fn report_provisioning(&self) -> Result<Vec<Check>, ConnectorError> {
        crate::provision::access::report(&self.api).await
    }

    fn usage(&self) -> Option<Usage> {
        let stats = self.api.client.stats();
        Some(Usage {
            requests: stats.requests,
            retries: stats.retries,
            rate_limited: stats.rate_limited,
            rate_limit_wait: stats.rate_limit_wait,
            waiting: self.api.client.pacing().quota_wait.map(|w| w.waited),
        })
    }

    /// The organizations first and the databases last: the database listing reads the pages
    /// the team, token and application listings fetched (see `syncers::database`).
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        let api = &self.api;
        let mut syncers: Vec<Arc<dyn ResourceSyncer>> = vec![
            Arc::new(OrganizationSyncer::new(api.clone())),
            Arc::new(UserSyncer::new(api.clone())),
            Arc::new(TeamSyncer::new(api.clone())),
        ];
        syncers.extend(crate::syncers::optional(api));
        syncers.push(Arc::new(DatabaseSyncer::new(api.clone())));
        syncers
    }

    /// Each organization's audit log, when [`Options::audit_log`] is on.
    fn event_feed(&self) -> Option<Arc<dyn EventFeed>> {
        let options = self.api.options;
        options.audit_log.then(|| {
            Arc::new(crate::audit_log::AuditLogFeed {
                api: self.api.clone(),
                probed: self.audit.clone(),
                validation: Arc::new(self.clone()),
                days: options.audit_log_days,
            }) as Arc<dyn EventFeed>
        })
    }
}
