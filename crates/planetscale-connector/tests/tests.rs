//! End-to-end tests of the PlanetScale connector against the fake PlanetScale API, in-process on
//! 127.0.0.1.

/// Shared helpers: the fake server, the client and connector, the request formula, renderings.
mod support;

/// Full syncs into memory and into a `.c1z`: snapshots, request economy, model details.
mod sync;

/// Validation and access failures: refused tokens, missing access, 404s while listing.
mod access;

/// Databases, and the optional parts: every database, tokens, applications, invitations.
mod parts;

/// Data changing between the pages of one listing: nobody is missed.
mod changes;

/// A broken or hostile API's paging: bounded, never looping, never dropping a page.
mod paging;

/// Grants, revokes and invitations: the next sync, repeats, refusals, lost answers, dry runs.
mod provision;
