//! The PlanetScale identity-governance connector.
//!
//! [`PlanetScaleConnector`] implements [`connector_sdk::Connector`] on top of a
//! [`planetscale_client::Client`]. It syncs every organization the service token reaches:
//!
//! | resource type | id | entitlements | grants |
//! |---|---|---|---|
//! | `organization` | the org's `id` | `member` (assignment), `admin`, `analyst` (permission) | every member gets `member`; admins also `admin`; analysts also `analyst` |
//! | `user` | the member's `user.id`, one resource per person across organizations | none | none |
//! | `team` | the team's `id`, child of its organization | `member` (assignment) | one per team member |
//!
//! It is read-only and needs only the `read_organization` access. Every API page is fetched once
//! per sync, validation included: validation lists the organizations and fetches page 1 of each
//! one's members (the `read_organization` check) and the sync starts from those pages. The one
//! exception: PlanetScale pages by offset, so a list (an organization's members or teams, a
//! team's members) whose `total_count` changes between its pages is listed again from page 1,
//! since a shifted page boundary would otherwise drop an item unseen. A 404
//! while listing fails the sync, because PlanetScale answers a missing permission with 404 and an
//! empty list would read as everyone losing access.
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

pub use connector::{OrgAccess, OrgReach, PlanetScaleConnector, Reach, map_client_error};
