//! Reliability and security of the `baton-planetscale` binary, run against `planetscale-fake`
//! in-process on 127.0.0.1. RELIABILITY.md at the workspace root summarises what these prove.

// Every injectable fault: an identical result or a clean failure with the file untouched.
mod faults;
// SIGKILL at several points, then resume; SIGINT checkpoints and exits with 130.
mod crash;
// The token never shows up: logs at trace level, help, errors, a panic, the .c1z itself.
mod secrets;
// Bad tokens, URLs, config files, output paths, oversized bodies and broken .c1z files.
mod bad_input;
// The fake on its own runtime, the binary, ids of a .c1z.
mod support;
