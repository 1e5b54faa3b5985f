//! Binary-level tests: the `baton-planetscale` binary run with assert_cmd against a
//! `planetscale-fake` server started in-process on 127.0.0.1.

// Shared helpers: the fake, the command, token values.
mod support;

// Sync, then read the file back with `inspect`: counts match the fake's dataset.
mod sync_inspect;
// Every exit code the binary documents.
mod exit_codes;
// The token never appears in help, schemas, errors or trace logs; token files and stdin.
mod secrets;
// `capabilities` and `config` print exactly the committed JSON files.
mod schemas;
// `diff` between syncs where a member was added, one removed and one promoted.
mod diff;
// The access review: admins without MFA, shared people, CSV, partial syncs, MFA turned off.
mod review;
// PlanetScale's 429s without Retry-After: the wait shown, the summary's figures.
mod rate_limits;
// Grants, revokes and invitations through the binary: the next sync, dry runs, refusals.
mod provision;
// Who can administer which database; tokens, applications and invitations when asked.
mod access;
// The review report of bench-sized data in headless Chromium: sections, counts, offline,
// screenshots.
mod report;
// The review loop: the staff list, a reviewed CSV applied with evidence, drift that fails a
// scheduled run and posts to a webhook, the Kubernetes CronJob run as written.
mod review_loop;
// Who made a change: the audit log synced, listed, attributed and carried.
mod audit_log;
// Listings at 80 columns: tokens, invitations, the review's TYPE, names with their organization.
mod listings;
