//! The typed endpoints and item streams, each a thin layer over [`Client::get_json`],
//! [`Client::get_page`] and [`Client::get_all`].

use futures::Stream;

use crate::client::Client;
use crate::error::Result;
use crate::models::{
    AuditLogPage, Database, Invitation, Member, OAuthApplication, Organization, ServiceToken, Team,
    TeamMember,
};
use crate::page::Page;

const ORGANIZATIONS: &str = "organizations";

/// The most entries one audit-log page holds (the API's `limit` maximum).
pub const AUDIT_LOG_MAX_LIMIT: u32 = 100;

impl Client {
    /// `GET /organizations`: one page of the organizations the token can see (1-based).
    pub async fn list_organizations(&self, page: u32) -> Result<Page<Organization>> {
        self.get_page(&[ORGANIZATIONS], &[], page).await
    }

    /// `GET /organizations/{org}`: one organization by name.
    pub async fn get_organization(&self, org: &str) -> Result<Organization> {
        self.get_json(&[ORGANIZATIONS, org], &[]).await
    }

    /// `GET /organizations/{org}/members`: one page of an organization's members.
    pub async fn list_members(&self, org: &str, page: u32) -> Result<Page<Member>> {
        self.get_page(&[ORGANIZATIONS, org, "members"], &[], page)
            .await
    }

    /// `GET /organizations/{org}/members/{user_id}`: one membership, by the member's
    /// [`User::id`](crate::User::id) (not the membership ID).
    pub async fn get_member(&self, org: &str, user_id: &str) -> Result<Member> {
        self.get_json(&[ORGANIZATIONS, org, "members", user_id], &[])
            .await
    }

    /// `GET /organizations/{org}/teams`: one page of an organization's teams.
    pub async fn list_teams(&self, org: &str, page: u32) -> Result<Page<Team>> {
        self.get_page(&[ORGANIZATIONS, org, "teams"], &[], page)
            .await
    }

    /// `GET /organizations/{org}/teams/{team_slug}`: one team by slug.
    pub async fn get_team(&self, org: &str, team_slug: &str) -> Result<Team> {
        self.get_json(&[ORGANIZATIONS, org, "teams", team_slug], &[])
            .await
    }

    /// `GET /organizations/{org}/teams/{team_slug}/members`: one page of a team's members.
    /// Their database passwords are dropped while decoding.
    pub async fn list_team_members(
        &self,
        org: &str,
        team_slug: &str,
        page: u32,
    ) -> Result<Page<TeamMember>> {
        self.get_page(
            &[ORGANIZATIONS, org, "teams", team_slug, "members"],
            &[],
            page,
        )
        .await
    }

    /// `GET /organizations/{org}/teams/{team_slug}/members/{user_id}`: one team membership, by
    /// the member's user id. Its database passwords are dropped while decoding.
    pub async fn get_team_member(
        &self,
        org: &str,
        team_slug: &str,
        user_id: &str,
    ) -> Result<TeamMember> {
        self.get_json(
            &[ORGANIZATIONS, org, "teams", team_slug, "members", user_id],
            &[],
        )
        .await
    }

    /// `GET /organizations/{org}/service-tokens`: one page of an organization's service
    /// tokens (needs the `read_service_tokens` access).
    pub async fn list_service_tokens(&self, org: &str, page: u32) -> Result<Page<ServiceToken>> {
        self.get_page(&[ORGANIZATIONS, org, "service-tokens"], &[], page)
            .await
    }

    /// `GET /organizations/{org}/service-tokens/{id}`: one service token with its accesses
    /// (needs `read_service_tokens`); with [`Client::token_id`], what this client's own token may
    /// do.
    pub async fn get_service_token(&self, org: &str, id: &str) -> Result<ServiceToken> {
        self.get_json(&[ORGANIZATIONS, org, "service-tokens", id], &[])
            .await
    }

    /// `GET /organizations/{org}/databases`: one page of an organization's databases (needs
    /// one of the database accesses, such as `read_database`).
    pub async fn list_databases(&self, org: &str, page: u32) -> Result<Page<Database>> {
        self.get_page(&[ORGANIZATIONS, org, "databases"], &[], page)
            .await
    }

    /// `GET /organizations/{org}/oauth-applications`: one page of the OAuth applications
    /// authorised in an organization (needs the `read_oauth_applications` access).
    pub async fn list_oauth_applications(
        &self,
        org: &str,
        page: u32,
    ) -> Result<Page<OAuthApplication>> {
        self.get_page(&[ORGANIZATIONS, org, "oauth-applications"], &[], page)
            .await
    }

    /// `GET /organizations/{org}/oauth-applications/{app}/tokens`: one page of an OAuth
    /// application's tokens (needs the `read_oauth_tokens` access).
    pub async fn list_oauth_tokens(
        &self,
        org: &str,
        app: &str,
        page: u32,
    ) -> Result<Page<ServiceToken>> {
        self.get_page(
            &[ORGANIZATIONS, org, "oauth-applications", app, "tokens"],
            &[],
            page,
        )
        .await
    }

    /// `GET /organizations/{org}/oauth-applications/{app}/tokens/{id}`: one token of an OAuth
    /// application, with its accesses (needs the `read_oauth_tokens` access).
    pub async fn get_oauth_token(&self, org: &str, app: &str, id: &str) -> Result<ServiceToken> {
        self.get_json(
            &[ORGANIZATIONS, org, "oauth-applications", app, "tokens", id],
            &[],
        )
        .await
    }

    /// `GET /organizations/{org}/invitations`: one page of pending invitations (needs the
    /// `write_members` access).
    pub async fn list_invitations(&self, org: &str, page: u32) -> Result<Page<Invitation>> {
        self.get_page(&[ORGANIZATIONS, org, "invitations"], &[], page)
            .await
    }

    /// `GET /organizations/{org}/audit-log`: one page of the organization's audit log (needs
    /// the `read_audit_logs` access), `limit` entries at most (PlanetScale allows 1 to 100),
    /// after the entry `starting_after` (`None`: from the start). Cursor paging: pass the page's
    /// [`AuditLogPage::next_cursor`] for the next one.
    pub async fn list_audit_log(
        &self,
        org: &str,
        starting_after: Option<&str>,
        limit: u32,
    ) -> Result<AuditLogPage> {
        if !(1..=AUDIT_LOG_MAX_LIMIT).contains(&limit) {
            return Err(crate::Error::InvalidArgument {
                reason: format!("an audit-log page holds 1 to {AUDIT_LOG_MAX_LIMIT} entries"),
            });
        }
        let mut query = vec![("limit", limit.to_string())];
        if let Some(cursor) = starting_after {
            query.push(("starting_after", cursor.to_owned()));
        }
        self.get_json(&[ORGANIZATIONS, org, "audit-log"], &query)
            .await
    }

    /// Every organization the token can see, fetched page by page as the stream is polled.
    pub fn organizations(&self) -> impl Stream<Item = Result<Organization>> + Send + '_ {
        self.get_all(&[ORGANIZATIONS], &[])
    }

    /// Every member of `org`, fetched page by page as the stream is polled.
    pub fn members<'a>(&'a self, org: &'a str) -> impl Stream<Item = Result<Member>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "members"], &[])
    }

    /// Every team of `org`, fetched page by page as the stream is polled.
    pub fn teams<'a>(&'a self, org: &'a str) -> impl Stream<Item = Result<Team>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "teams"], &[])
    }

    /// Every member of a team, fetched page by page as the stream is polled.
    pub fn team_members<'a>(
        &'a self,
        org: &'a str,
        team_slug: &'a str,
    ) -> impl Stream<Item = Result<TeamMember>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "teams", team_slug, "members"], &[])
    }

    /// Every service token of `org`, fetched page by page as the stream is polled.
    pub fn service_tokens<'a>(
        &'a self,
        org: &'a str,
    ) -> impl Stream<Item = Result<ServiceToken>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "service-tokens"], &[])
    }

    /// Every database of `org`, fetched page by page as the stream is polled.
    pub fn databases<'a>(
        &'a self,
        org: &'a str,
    ) -> impl Stream<Item = Result<Database>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "databases"], &[])
    }

    /// Every OAuth application of `org`, fetched page by page as the stream is polled.
    pub fn oauth_applications<'a>(
        &'a self,
        org: &'a str,
    ) -> impl Stream<Item = Result<OAuthApplication>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "oauth-applications"], &[])
    }

    /// Every token of an OAuth application, fetched page by page as the stream is polled.
    pub fn oauth_tokens<'a>(
        &'a self,
        org: &'a str,
        app: &'a str,
    ) -> impl Stream<Item = Result<ServiceToken>> + Send + 'a {
        self.get_all(
            &[ORGANIZATIONS, org, "oauth-applications", app, "tokens"],
            &[],
        )
    }

    /// Every pending invitation of `org`, fetched page by page as the stream is polled.
    pub fn invitations<'a>(
        &'a self,
        org: &'a str,
    ) -> impl Stream<Item = Result<Invitation>> + Send + 'a {
        self.get_all(&[ORGANIZATIONS, org, "invitations"], &[])
    }
}
