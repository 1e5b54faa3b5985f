//! Tests of the generic program, driven by the toy connector of `tests/toy`: as a process
//! (`toy-connector`, run with assert_cmd), and in-process through the library calls embedders
//! make.

// The toy binary with a clean environment and its token; outputs as text and JSON.
mod support;
// The toy connector itself, for the in-process tests.
#[path = "toy/connector.rs"]
#[allow(dead_code, reason = "the binary uses what the in-process tests do not")]
mod toy;

// flags > env > config file > defaults, seen from outside; unknown keys; bad values.
mod config;
// Every exit code the program documents.
mod exit_codes;
// Credentials never appear in help, schemas, errors, logs or a panic; secret files.
mod secrets;
// `inspect` reads the .c1z files baton-sdk wrote.
mod fixtures;
// `inspect` and `diff` on the toy's syncs: tables, emails, JSON.
mod inspect;
// Hostile .c1z files: views, generated columns, size, `file:` paths, escape sequences.
mod hostile;
// Filters, partial syncs, people's attributes, exports and the review view.
mod review;
// Cancellation through the library's sync call, then resume.
mod cancel;
// Grant expansion on by default, off with --skip-expand-grants.
mod expansion;
// Grants, revokes and accounts: --provisioning, the task flags, dry runs, exit codes, the log.
mod provision;
// Paths of expanded access in access, members and diff; credentials' expiry and last use.
mod paths;
// `serve`: the address, answers over gRPC, plain only on loopback, SIGTERM, no token.
mod serve;
// Tables that fit 80 and 200 columns, -o long, the review's TYPE and sign-off columns.
mod listings;
// `report`: the HTML review, its sections, counts, escaping and destination.
mod report;
// baton's service settings: the health check serve answers, traces and logs to a collector.
mod services;
