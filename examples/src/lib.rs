//! Embedding examples live in `examples/examples/`; this crate only groups them.
