//! The connector SDK's integration tests: one binary, one module per area.

// A toy connector with knobs for faults, cancellation and tampering, shared by the others.
mod toy;

// The engine: order, paging, children, enqueued tokens, checks, warnings, retries, options.
mod engine;

// Grant expansion: nesting, cycles, shallow, filters, resume, options.
mod expansion;

// Cancellation, crashes and resume.
mod resume;

// Partial syncs: the sync type, and filters that leave out a parent type.
mod partial;

// Calls overlapping, bounded by `workers`.
mod concurrency;

// Snapshots of a full sync and of capabilities.
mod snapshots;

// `testing::check_conformance` on good and broken connectors.
mod conformance;

// Capabilities derived from syncers.
mod capabilities;
