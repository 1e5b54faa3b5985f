//! The page put together, in reading order: provenance, summary, findings, people, non-human
//! identities, invitations, who reaches each privileged resource, changes. What the findings
//! need is gathered first, in two reads at once, each through its own reader of the one
//! decompressed copy: the review (the people section spilled to a temporary file) on this
//! thread, the other resources and the diff on a second; then the page is written top to
//! bottom.

use std::io::Write;

use c1z::{C1zReader, Snapshot};
use connector_sdk::Timestamp;
use maud::html;

use super::changes::{Changes, changes_line};
use super::findings::{Findings, Limits, card};
use super::html::{self, put};
use super::identities::{self, Directory};
use super::kinds::{Collected, Types, Words};
use super::people;
use super::privileged;
use super::provenance::Provenance;
use crate::cli::ReportArgs;
use crate::commands::provenance::as_of;
use crate::error::{Error, Result};
use crate::staff::StaffList;

/// What `run` reports on stderr.
pub struct Written {
    /// How many people.
    pub people: usize,
    /// How many findings.
    pub findings: usize,
}

/// Writes the whole page of sync `s` to `out`; `beside` is a second reader of the same copy
/// (see [`C1zReader::open_shared`]), for the reads that run beside the review.
pub fn write(
    out: &mut impl Write,
    s: &Snapshot<'_>,
    beside: C1zReader,
    p: &Provenance,
    args: &ReportArgs,
    staff: Option<&StaffList>,
) -> Result<Written> {
    let cutoff = |days: u64| {
        Timestamp::from_unix(
            p.now
                .seconds
                .saturating_sub(days.saturating_mul(86_400) as i64),
            0,
        )
    };
    let types = Types::of(s)?;
    let invitation_cutoff = cutoff(args.invitation_days);
    // The review is the longest read, and the rest (the resources that are not people, the
    // diff) does not depend on it: the rest runs on a second core meanwhile.
    // The groups column is named before the review streams; the rest of the words need the
    // top-level resources, read beside it.
    let groups = Words::new(&types, None).groups;
    let (sync_id, types) = (s.id(), &types);
    let (people, rest) = std::thread::scope(|scope| {
        let rest = scope.spawn(move || -> Result<(Directory, Changes)> {
            let s = beside.snapshot(Some(sync_id))?;
            let directory = Directory::read(&s, types, p.now, invitation_cutoff)?;
            Ok((directory, Changes::since_previous(&s)?))
        });
        let people = people::write(s, staff, &groups);
        let rest = rest
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (people, rest)
    });
    let (mut people, (directory, changes)) = (people?, rest?);
    let words = Words::new(types, directory.scope_type.as_deref());
    let collected = Collected::of(types, !directory.identities.is_empty());
    let elsewhere = elsewhere(s, types)?;
    let findings = Findings::new(
        (&words, &collected),
        &people.findings,
        staff,
        &directory.identities,
        &directory.invitations,
        changes.diff.as_ref(),
        &Limits {
            unused_days: args.unused_days,
            unused_cutoff: cutoff(args.unused_days),
            invitation_days: args.invitation_days,
        },
    );

    let run = s.run();
    let title = format!("Access review: {}, sync of {}", p.display_name, as_of(run));
    put(out, html::head(&title, &p.footer(run)))?;
    put(
        out,
        html! {
            header {
                h1 { (title) }
                nav { ul {
                    li { a href="#provenance" { "Provenance" } }
                    li { a href="#summary" { "Summary" } }
                    li { a href="#findings" { "Findings" } }
                    li { a href="#people" { "People" } }
                    li { a href="#non-human" { "Non-human identities" } }
                    li { a href="#invitations" { "Invitations" } }
                    li { a href="#privileged" { "Privileged access" } }
                    li { a href="#changes" { "Changes" } }
                } }
            }
            (p.section(run, &directory.scopes, &types.names(), &elsewhere, &collected.missing(), changes.previous.as_ref()))
            section id="summary" {
                h2 { "Summary" }
                div class="cards" {
                    (card("People", Some(people.count), "people", false))
                    (card("Privileged people", Some(people.privileged), "privileged", false))
                    (card("Non-human identities", collected.credentials.then_some(directory.identities.len()), "non-human", false))
                    (card("Pending invitations", collected.invitations.then_some(directory.pending()), "invitations", false))
                    (findings.cards())
                }
                (changes_line(changes.diff.as_ref()))
            }
            (findings.section())
        },
    )?;
    // The people section, copied from its temporary file into its own section.
    put(
        out,
        html! {
            (maud::PreEscaped("<section id=\"people\">"))
            h2 { "People" }
            p class="note" {
                "One row per person per " (words.scope_lower) ", people only (service accounts and invitations have their own sections). "
                "Access is grouped: one line per way it is held, naming every resource. Decision and comment are for the reviewer."
            }
        },
    )?;
    std::io::copy(&mut people.section, out).map_err(|e| Error::io("cannot write the report", e))?;
    if people.rows == 0 {
        put(out, html! { p { "Nobody holds access on anything." } })?;
    }
    put(
        out,
        html! {
            (maud::PreEscaped("</section>"))
            (identities::sections(&directory, &words, &collected))
            (privileged::section(&people.reach))
            (changes.section())
            footer { (p.footer(run)) }
        },
    )?;
    Ok(Written {
        people: people.count,
        findings: findings.total(),
    })
}

/// The resource types other syncs of the file hold and sync `s` does not (`types`), by display
/// name: parts an earlier sync collected and this one did not.
fn elsewhere(s: &Snapshot<'_>, types: &Types) -> Result<Vec<String>> {
    let reader = s.reader();
    let mut names = std::collections::BTreeSet::new();
    for run in reader.syncs()? {
        if run.id == s.id() {
            continue;
        }
        for t in reader.resource_types(&run.id)? {
            if !types.has_type(&t.id) {
                names.insert(match t.display_name.is_empty() {
                    true => t.id,
                    false => t.display_name,
                });
            }
        }
    }
    Ok(names.into_iter().collect())
}
