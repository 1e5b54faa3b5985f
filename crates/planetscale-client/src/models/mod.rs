//! The typed models of API responses: lenient, with unknown fields ignored and every
//! non-identity field optional or defaulted.

mod audit_log;
mod database;
mod invitation;
mod member;
mod oauth_application;
mod organization;
mod role;
mod service_token;
mod team;
mod team_member;
mod user;

pub use audit_log::{AuditEntry, AuditLogPage};
pub use database::{Database, DatabaseRef, Region};
pub use invitation::Invitation;
pub use member::Member;
pub use oauth_application::OAuthApplication;
pub use organization::Organization;
pub use role::Role;
pub use service_token::{
    OAuthAccess, OAuthAccesses, OAuthResource, OAuthScope, ServiceToken, ServiceTokenAccess,
};
pub use team::Team;
pub use team_member::TeamMember;
pub use user::User;
