//! A typed async client for the parts of the PlanetScale REST API that identity governance
//! needs: organizations, members, teams, team members, databases, service tokens, OAuth
//! applications and their tokens, and invitations.
//!
//! The client authenticates with a service token (`Authorization: <token-id>:<token-value>`),
//! pages through lists (one method per page, and lazy item streams built on the pages), paces
//! itself to the API's rate limit (a ceiling, adapted to the 429s the server answers, with or
//! without `Retry-After`; see [`Pacing`]), retries transient failures, and never sends the token
//! anywhere but the configured origin. It knows nothing of syncing.
//!
//! Endpoints it does not wrap are reachable through the primitives every typed method uses:
//! [`Client::get_json`], [`Client::get_page`] and [`Client::get_all`].
//!
//! The changes a governance tool makes (roles, membership, team membership, invitations) are
//! [`Write`]s: [`Client::prepare`] shows one as it would go out, [`Client::send`] and the typed
//! methods send it, paced like a GET but never repeated once its outcome is unknown (see
//! [`Error::is_outcome_unknown`]).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use planetscale_client::{Client, Credentials, SecretString};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let token = std::env::var("PLANETSCALE_SERVICE_TOKEN")?;
//! let credentials = Credentials::new("pscale_tkn_example", SecretString::from(token))?;
//! let client = Client::builder(credentials).build()?;
//!
//! let first = client.list_organizations(1).await?;
//! for org in &first.items {
//!     let members: Vec<_> = client.members(&org.name).try_collect().await?;
//!     println!("{}: {} members", org.name, members.len());
//! }
//! println!("{:?}", client.stats());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod base_url;
mod builder;
mod client;
mod credentials;
mod endpoints;
mod error;
mod lenient;
mod models;
mod pacing;
mod page;
mod quota;
mod retry;
mod stats;
mod writes;

pub use builder::ClientBuilder;
pub use client::Client;
pub use credentials::{Credentials, CredentialsError};
pub use endpoints::AUDIT_LOG_MAX_LIMIT;
pub use error::{Error, Result};
pub use models::{
    AuditEntry, AuditLogPage, Database, DatabaseRef, Invitation, Member, OAuthAccess,
    OAuthAccesses, OAuthApplication, OAuthResource, OAuthScope, Organization, Region, Role,
    ServiceToken, ServiceTokenAccess, Team, TeamMember, User,
};
pub use pacing::{Pacing, QuotaWait};
pub use page::Page;
pub use reqwest::Method;
pub use retry::RetryPolicy;
pub use secrecy::SecretString;
pub use stats::ClientStats;
pub use url::Url;
pub use writes::{PreparedWrite, Write};
