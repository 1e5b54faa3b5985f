//! The people section, written as the review streams: one row per person per organization
//! (humans only) into a temporary file, since the findings come first on the page, with the
//! findings about people and who reaches what gathered on the way.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Seek};

use c1z::{Held, Kind, ReviewRowRef, Snapshot, grouped, short_name};
use maud::{Render, html};

use super::findings;
use super::html::{Chunked, put};
use super::privileged::Reach;
use crate::commands::drift::is_admin_name;
use crate::error::{Error, Result};
use crate::staff::StaffList;

/// The people section, and what was gathered while writing it.
pub struct People {
    /// The section's rows and folds, rewound: copied into the page after the findings.
    pub section: File,
    /// How many rows it holds (a row per person per organization).
    pub rows: usize,
    /// How many people.
    pub count: usize,
    /// How many people hold a permission somewhere.
    pub privileged: usize,
    /// The findings about people.
    pub findings: findings::People,
    /// Who reaches what, per organization by short name.
    pub reach: BTreeMap<String, Reach>,
}

/// The columns of the people section; with `--staff`, the staff-list class after the status.
fn columns(staff: bool, groups: &str) -> Vec<&str> {
    let mut columns = vec!["Name", "Email", "Roles", "MFA", "SSO", "Status"];
    if staff {
        columns.push("Staff");
    }
    columns.extend([groups, "Access (via)", "Decision", "Comment"]);
    columns
}

/// Streams the review of `s` into the people section; `groups` names its groups column.
pub fn write(s: &Snapshot<'_>, staff: Option<&StaffList>, groups: &str) -> Result<People> {
    let file = tempfile::tempfile().map_err(|e| Error::io("cannot make a temporary file", e))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut findings = findings::People::default();
    let mut reach: BTreeMap<String, Reach> = BTreeMap::new();
    // People with rows in one organization are counted by their row; those in several (a row
    // in each) by id, once.
    let (mut single, mut single_privileged) = (0usize, 0usize);
    let mut several_privileged: HashSet<String> = HashSet::new();
    let mut rows = 0usize;
    let mut table: Option<(String, Chunked)> = None;
    let mut line = String::new();
    s.for_each_review_row_ref(|row: ReviewRowRef<'_>| {
        if row.kind != Kind::Human {
            return Ok::<(), Error>(());
        }
        let scope = short_name(row.scope);
        let name = short_name(row.principal);
        let permissions: Vec<&Held> = row
            .roles
            .iter()
            .chain(&row.access)
            .copied()
            .filter(|h| h.permission)
            .collect();
        match (row.scopes, permissions.is_empty()) {
            (1, true) => single += 1,
            (1, false) => {
                single += 1;
                single_privileged += 1;
            }
            (_, true) => {}
            (_, false) => {
                if !several_privileged.contains(&row.principal.id.to_string()) {
                    several_privileged.insert(row.principal.id.to_string());
                }
            }
        }
        let admin_roles: Vec<&str> = row
            .roles
            .iter()
            .filter(|h| h.permission && is_admin_name(&h.slug))
            .map(|h| h.slug.as_str())
            .collect();
        let standing = staff.map(|list| list.classify(&row.attributes.email));
        findings.add(&row, &scope, &name, &admin_roles, standing.as_ref());
        if !permissions.is_empty() {
            let email = &row.attributes.email;
            match reach.get_mut(&scope) {
                Some(r) => r.add(&name, email, &permissions),
                None => reach
                    .entry(scope.clone())
                    .or_default()
                    .add(&name, email, &permissions),
            }
        }
        if table.as_ref().is_none_or(|(s, _)| *s != scope) {
            if let Some((_, done)) = table.take() {
                done.finish(&mut out)?;
            }
            put(&mut out, html! { h3 { (scope) } })?;
            let chunked = Chunked::new(
                &columns(staff.is_some(), groups),
                format!("{scope}: people"),
            );
            table = Some((scope, chunked));
        }
        let Some((_, chunked)) = table.as_mut() else {
            return Ok(());
        };
        rows += 1;
        line.clear();
        person_row(&mut line, &row, &name, standing.map(|s| s.class.as_str()));
        chunked.row_text(&mut out, &line)
    })?;
    if let Some((_, done)) = table.take() {
        done.finish(&mut out)?;
    }
    let mut section = out
        .into_inner()
        .map_err(|e| Error::io("cannot write a temporary file", e.into_error()))?;
    section
        .rewind()
        .map_err(|e| Error::io("cannot read a temporary file", e))?;
    Ok(People {
        section,
        rows,
        count: single + findings.in_several(),
        privileged: single_privileged + several_privileged.len(),
        findings,
        reach,
    })
}

/// Writes a person's row to `out`, as light as HTML allows: end tags of cells and rows left
/// out (the next `<td>` or `<tr>` closes them), the MFA and SSO `off` in `<b>` (the style
/// colours it), and the two sign-off cells empty (the style sizes the last two columns).
fn person_row(out: &mut String, row: &ReviewRowRef<'_>, name: &str, staff: Option<&str>) {
    let a = &row.attributes;
    out.push_str("<tr><td>");
    name.render_to(out);
    out.push_str("<td>");
    a.email.render_to(out);
    out.push_str("<td>");
    lines(out, row.roles.iter().map(|h| h.describe()));
    for value in [a.mfa, a.sso] {
        out.push_str(match value {
            Some(true) => "<td>on",
            Some(false) => "<td><b>off</b>",
            None => "<td>unknown",
        });
    }
    out.push_str("<td>");
    out.push_str(a.status.unwrap_or("unknown"));
    if let Some(class) = staff {
        out.push_str("<td>");
        out.push_str(class);
    }
    out.push_str("<td>");
    lines(out, row.group_names());
    out.push_str("<td>");
    lines(out, grouped(row.access.iter().copied()));
    out.push_str("<td><td>\n");
}

/// `items`, escaped, one per line of the cell.
fn lines(out: &mut String, items: impl IntoIterator<Item = impl AsRef<str>>) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        item.as_ref().render_to(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::{Resource, ResourceId};

    #[test]
    fn a_row_is_escaped_and_ends_with_two_empty_sign_off_cells() {
        let principal = Resource {
            id: ResourceId::new("user", "u1"),
            ..Default::default()
        };
        let attributes = c1z::Attributes {
            email: "a<b>@example.com".to_owned(),
            mfa: Some(false),
            sso: None,
            ..Default::default()
        };
        let row = ReviewRowRef {
            scope: &Resource::default(),
            principal: &principal,
            attributes: &attributes,
            kind: Kind::Human,
            roles: Vec::new(),
            groups: Vec::new(),
            access: Vec::new(),
            scopes: 1,
        };
        let mut out = String::new();
        person_row(&mut out, &row, "<i>Ada</i>", Some("external"));
        assert_eq!(
            out,
            "<tr><td>&lt;i&gt;Ada&lt;/i&gt;<td>a&lt;b&gt;@example.com<td><td><b>off</b>\
             <td>unknown<td>unknown<td>external<td><td><td><td>\n"
        );
    }
}
