//! The PlanetScale identity-governance connector.
//!
//! [`PlanetScaleConnector`] implements [`connector_sdk::Connector`] on top of a
//! [`planetscale_client::Client`]. It syncs every organization the service token reaches, and
//! the optional parts [`Options`] turns on:
//!
//! | resource type | id | entitlements | grants |
//! |---|---|---|---|
//! | `organization` | the org's `id` | `member` (assignment), `admin`, `analyst` (permission), one permission per role held there that the connector does not know (e.g. `billing`), and one per access a token holds on it (e.g. `read_organization`) | every member gets `member`; admins also `admin`; analysts also `analyst`; holders of an unknown role also that role; tokens their accesses; pending invitations what they will grant |
//! | `user` | the member's `user.id`, one resource per person across organizations | none | none |
//! | `team` | the team's `id`, child of its organization | `member` (assignment) | one per team member |
//! | `database` | the database's `id`, child of its organization: every database a team or a token names, every database with `list_databases` | `admin` (Database Administrator), `analyst` (Database Analyst), and one per access a token holds on it (e.g. `connect_production_branch`) | `admin` to each team in whose `databases` it is and `analyst` to each team in whose `analyst_databases` it is, expandable from the team's `member`; both to the organization, expandable from its `admin` and `analyst`; tokens their accesses |
//! | `service_token` (option) | the token's `id`, child of its organization | none | none (its accesses are grants of the organization and databases) |
//! | `oauth_application` (option) | the application's `id`, child of its organization | none | none |
//! | `oauth_token` (option) | the token's `id`, child of its application | none | none (as service tokens) |
//! | `invitation` (option) | the invitation's `id`, child of its organization | none | a pending one: `member`, and `admin` or `analyst` of its organization |
//!
//! Service tokens and OAuth tokens carry baton's user trait with the service account type and
//! the secret trait (created, expires, last used; for an OAuth token, `identity_id` is the person
//! it acts for). Token accesses PlanetScale does not publish are kept like unknown roles, with a
//! warning. Grant expansion (the SDK's) turns the expandable database grants into each person's
//! database access, recording the team or role it comes through. Database Administrator granted
//! to one person directly has no public API: it is not synced, and validation says so.
//!
//! A sync needs the `read_organization` access, and each option the access it names
//! ([`Part::access`]): `read_database` (any database access lists databases), `read_service_tokens`,
//! `read_oauth_applications` and `read_oauth_tokens`, `write_members` (the invitation list's).
//! An option turned on whose access is missing fails validation, and so the sync, naming the
//! access; a 404 is never read as "none".
//!
//! Every API page is fetched once per sync, validation included: validation lists the
//! organizations and fetches page 1 of each one's members (the `read_organization` check) and
//! of each list an option reads (its access check), and the sync starts from those pages; the
//! member pages the user listing fetches are cached and feed the organizations' entitlements and
//! grants; the team, service token and OAuth pages their own listings fetch are cached and feed
//! the databases (listed last: the databases teams and tokens name cost no request) and the
//! organizations' token accesses. A sync of the organizations `O` costs exactly
//!
//! ```text
//! max(1, ⌈|O| / 100⌉) + Σ over o in O of ( max(1, ⌈members(o) / 100⌉)
//!                                         + max(1, ⌈teams(o) / 100⌉)
//!                                         + Σ over teams t of o of max(1, ⌈members(t) / 100⌉)
//!     with list_databases                 + max(1, ⌈databases(o) / 100⌉)
//!     with service tokens                 + max(1, ⌈tokens(o) / 100⌉)
//!                                         + tokens(o), only if the list leaves their accesses out
//!     with OAuth applications             + max(1, ⌈applications(o) / 100⌉)
//!                                         + Σ over applications a of max(1, ⌈tokens(a) / 100⌉)
//!                                           (+ tokens(a) if that list leaves accesses out)
//!     with invitations                    + max(1, ⌈invitations(o) / 100⌉)
//!     with the audit log                  + max(1, ⌈entries(o) / 100⌉) )
//! ```
//!
//! where `entries(o)` counts the audit-log entries a first sync reads (those since
//! `audit_log_days` ago, at most PlanetScale's 15 days); a later sync reads back to the previous
//! sync's start only, the page that reaches past it included (see `audit_log.rs`).
//!
//! requests. The one exception: PlanetScale pages by offset, so a list whose `total_count`
//! changes between its pages is listed again from page 1, since a shifted page boundary would
//! otherwise drop an item unseen.
//!
//! Nothing the API says is dropped, and nothing it says can make a sync loop or exhaust memory:
//!
//! - Every list is paged by [`connector_sdk::paging`]: every page the API announces is fetched
//!   (page 1's `total_pages`, or `next_page` one page at a time), and an announcement beyond what
//!   the list's `total_count` fills, or beyond 10,000 pages, fails the sync with an error that
//!   names the list and both figures.
//! - A role PlanetScale sends that the connector does not know is kept as its own entitlement,
//!   named as such, on each organization where someone holds it, and granted to them besides
//!   `member`. The sync summary has one warning per such role, naming the organizations and (up
//!   to five of) the people. Members without a role get `member` only and a warning the same way.
//! - A 404 while listing fails the sync, because PlanetScale answers a missing permission with
//!   404 and an empty list would read as everyone losing access.
//! - Secrets the API sends (a token's `token` and `plain_text_refresh_token`, branch passwords)
//!   are not in the client's models: they never reach the connector.
//!
//! With provisioning it also changes what a review finds wrong, each change safe to repeat
//! (read first; a lost answer read back, never blindly sent again):
//!
//! | entitlement | grant | revoke | access |
//! |---|---|---|---|
//! | `organization:<id>:admin`, `:analyst` | the member's one role set to it | the role set back to `member` | `write_organization` |
//! | `organization:<id>:member` | an invitation to the user's email | removal from the organization and its teams | `write_members` / `write_organization` |
//! | `team:<id>:member` | added to the team | removed from the team | `write_teams` |
//! | an account (`user`) | an invitation by email, with a role | — | `write_members` |
//!
//! Roles an identity provider manages (`idp_managed_roles`), teams it manages, and what
//! PlanetScale refuses (the last admin, a service token inviting an admin) are errors that say
//! why. [`connector_sdk::Connector::report_provisioning`] reports each write access per
//! organization, read from the token's own accesses when it has `read_service_tokens`.
//!
//! ```no_run
//! use connector_sdk::Connector;
//! use planetscale_client::{Client, Credentials};
//! use planetscale_connector::PlanetScaleConnector;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::parse("pscale_tkn_id:pscale_tok_secret")?;
//! let connector = PlanetScaleConnector::new(Client::builder(credentials).build()?);
//! for org in connector.reach().await?.organizations {
//!     println!("{}: {:?}", org.name, org.access);
//! }
//! connector.validate().await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod api;
mod audit_log;
mod cache;
mod connector;
mod errors;
mod lists;
mod parts;
mod provision;
mod syncers;
mod validation;

pub use connector::PlanetScaleConnector;
pub use errors::map_client_error;
pub use parts::{
    DEFAULT_AUDIT_LOG_DAYS, Lists, OPTION_SETTINGS, OptionSetting, Options, Part, PartReach,
};
pub use validation::{OrgAccess, OrgReach, Reach};
