//! Binary-level tests.
