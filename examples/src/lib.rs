//! Embedding examples live in `examples/examples/`; this crate only groups them. The second
//! connector, `baton-directory`, is a package of its own: `crates/baton-directory`.

#![warn(missing_docs)]
