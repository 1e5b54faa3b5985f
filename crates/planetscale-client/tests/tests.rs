//! The client's one integration-test binary. httpmock serves the API on 127.0.0.1; a scripted
//! server covers response sequences httpmock cannot express.

/// Shared helpers and reference-shaped fixtures.
mod support;

/// Every endpoint, its headers and query, and snapshots of the decoded models.
mod endpoints;
/// Error kinds, predicates and messages.
mod errors;
/// Redirects, foreign origins, plain http, proxies, and base URL normalisation.
mod origin;
/// Pages, streams, and servers whose pagination does not move forward.
mod pagination;
/// Decoding arbitrary JSON never panics.
mod proptests;
/// 429s: holding back the whole client, the rate-limit budget, the quota headers.
mod rate_limits;
/// Retries of failures, `Retry-After` and their bounds.
mod retries;
/// The token never shows up in output.
mod secrets;
/// The client-side pacing and the in-flight bound, shared by clones.
mod throttle;
/// Writes: what each sends, dry-run previews, and which failures are repeated.
mod writes;
