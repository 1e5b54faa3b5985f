//! Integration tests of the `c1z` crate: one binary, one module per area.

// Shared helpers: fixture paths, copying a sync through the `Store` API, raw table access.
mod common;

// Reading baton's own files: counts and decoding of every blob.
mod fixtures;

// Read a baton file, write it back through the `Store` API, compare content and bytes.
mod roundtrip;

// The schema we create equals baton's, statement for statement.
mod schema;

// Grant expansion proved against baton's own expanded file, and resumed.
mod expansion;

// Crash safety, resume and the stale-partial rule.
mod crash;

// Personal data: owner-only files, planted working files refused, nothing foreign carried over.
#[cfg(unix)]
mod private;

// Keeping the newest syncs.
mod retention;

// Bad input: every case a clear error, never a panic.
mod bad_files;

// Arbitrary model values survive a write and a read.
mod props;

// The reader on arbitrary bytes never panics (`cargo xtask fuzz` runs these with many cases).
mod fuzz;

// The read-side questions of one sync, and the diff of two.
mod review;

// The reader on hostile files: time and length limits; sync id prefixes.
mod hostile;
