//! The PlanetScale identity-governance connector.
//!
//! [`PlanetScaleConnector`] implements [`connector_sdk::Connector`] on top of a
//! [`planetscale_client::Client`]. It syncs every organization the service token reaches:
//!
//! | resource type | id | entitlements | grants |
//! |---|---|---|---|
//! | `organization` | the org's `id` | `member` (assignment), `admin`, `analyst` (permission), and one permission per role held there that the connector does not know (e.g. `billing`) | every member gets `member`; admins also `admin`; analysts also `analyst`; holders of an unknown role also that role |
//! | `user` | the member's `user.id`, one resource per person across organizations | none | none |
//! | `team` | the team's `id`, child of its organization | `member` (assignment) | one per team member |
//!
//! It is read-only and needs only the `read_organization` access. Every API page is fetched once
//! per sync, validation included: validation lists the organizations and fetches page 1 of each
//! one's members (the `read_organization` check) and the sync starts from those pages; the member
//! pages the user listing fetches are cached and feed the organizations' entitlements and grants.
//! A sync of the organizations `O` costs exactly
//!
//! ```text
//! max(1, ⌈|O| / 100⌉) + Σ over o in O of ( max(1, ⌈members(o) / 100⌉)
//!                                         + max(1, ⌈teams(o) / 100⌉)
//!                                         + Σ over teams t of o of max(1, ⌈members(t) / 100⌉) )
//! ```
//!
//! requests. The one exception: PlanetScale pages by offset, so a list (an organization's members
//! or teams, a team's members) whose `total_count` changes between its pages is listed again from
//! page 1, since a shifted page boundary would otherwise drop an item unseen.
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

mod cache;
mod connector;
mod syncers;

pub use connector::{
    Options, OrgAccess, OrgReach, Part, PartReach, PlanetScaleConnector, Reach, map_client_error,
};
