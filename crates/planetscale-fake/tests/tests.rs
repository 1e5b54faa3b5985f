//! The fake's integration tests: a reqwest client against `FakeServer::start` on 127.0.0.1.

/// Shared helpers: starting a server and sending requests.
mod support;

/// 401s, reach and access (404), what gets recorded about the caller.
mod auth;
/// The `planetscale-fake` binary.
mod binary;
/// The `/__fake/` control endpoints.
mod control;
/// Generation: determinism, special cases, sizes; JSON load and dump.
mod data;
/// Every injected fault, from config, `set_faults` and the control endpoint.
mod faults;
/// Page arithmetic, caps, walking every page, bad parameters.
mod pagination;
/// The token bucket, 429 bodies and each `Retry-After` style.
mod rate_limit;
/// Wire format snapshots of every endpoint and error body.
mod wire;
/// The write endpoints: state, refusals, missing accesses, lost answers.
mod writes;
