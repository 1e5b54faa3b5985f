//! The staff list: a CSV of the organization's people (from HR or an identity provider) that
//! every person with access is classed against, for any connector whose principals carry an
//! email.
//!
//! The file needs an `email` column; `name`, `department`, `manager` and `status` are read
//! when present. Header names match whatever their case. A person is matched by exact email
//! after ASCII case folding — never by display name, which its holder chooses. Someone on the
//! list is `listed`, or `inactive` when their `status` says they are not active; someone not
//! on it is `external` when their email is outside the organization's domains, else
//! `not-listed` (a leaver, or someone nobody knows).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{Error, Result};

/// The `status` values that mean someone is active (any case); any other value means they
/// are not. An empty or absent status is active: the list is of active staff.
const ACTIVE: [&str; 7] = [
    "active", "enabled", "employed", "current", "yes", "true", "1",
];

/// The largest staff list read: a list is a few columns per person.
const MAX_BYTES: u64 = 256 << 20;

/// How a person with access stands against the staff list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaffClass {
    /// On the list, active.
    Listed,
    /// Not on the list, with an email in the organization's domains (or none): a leaver, or
    /// someone unknown.
    NotListed,
    /// On the list, with a status that is not active.
    Inactive,
    /// Not on the list, with an email outside the organization's domains.
    External,
}

impl StaffClass {
    /// Every class, in the order findings list them.
    pub const ALL: [StaffClass; 4] = [
        StaffClass::NotListed,
        StaffClass::Inactive,
        StaffClass::External,
        StaffClass::Listed,
    ];

    /// The name flags and cells use: `listed`, `not-listed`, `inactive`, `external`.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffClass::Listed => "listed",
            StaffClass::NotListed => "not-listed",
            StaffClass::Inactive => "inactive",
            StaffClass::External => "external",
        }
    }

    /// The class `name` names.
    pub fn parse(name: &str) -> Option<StaffClass> {
        StaffClass::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// What the class means, for findings.
    pub fn describe(self) -> &'static str {
        match self {
            StaffClass::Listed => "on the staff list",
            StaffClass::NotListed => "not on the staff list: a leaver, or someone unknown",
            StaffClass::Inactive => "on the staff list, but not active",
            StaffClass::External => {
                "not on the staff list, email outside the organization's domains"
            }
        }
    }
}

/// One person of the staff list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffMember {
    /// Their email, as written.
    pub email: String,
    /// Their name, when the list has the column.
    pub name: String,
    /// Their department, when the list has the column.
    pub department: String,
    /// Their manager, when the list has the column.
    pub manager: String,
    /// Their status, when the list has the column (empty means active).
    pub status: String,
}

impl StaffMember {
    /// Whether the status says they are active.
    pub fn is_active(&self) -> bool {
        let status = self.status.trim();
        status.is_empty() || ACTIVE.iter().any(|a| status.eq_ignore_ascii_case(a))
    }
}

/// A person's class and, when listed, their entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing<'a> {
    /// The class.
    pub class: StaffClass,
    /// Their entry in the list, when on it.
    pub member: Option<&'a StaffMember>,
}

/// The staff list, by folded email, and the organization's domains.
#[derive(Clone, Debug, Default)]
pub struct StaffList {
    people: HashMap<String, StaffMember>,
    domains: Vec<String>,
    /// Whether the domains were worked out from the list rather than given.
    derived_domains: bool,
}

impl StaffList {
    /// Reads the CSV at `path`; `domains` are the organization's email domains, or when empty
    /// the domains most of the list's emails use.
    pub fn read(path: &Path, domains: &[String]) -> Result<StaffList> {
        let context = format!("cannot read the staff list {}", path.display());
        let file = Error::open_regular(path, "--staff")?;
        let meta = file.metadata().map_err(|e| Error::io(&context, e))?;
        if meta.len() > MAX_BYTES {
            return Err(Error::Usage(format!(
                "--staff {} is {} MiB, more than a staff list of {} MiB can be",
                path.display(),
                meta.len() >> 20,
                MAX_BYTES >> 20
            )));
        }
        Self::from_reader(file, &path.display().to_string(), domains)
    }

    /// Reads a staff list CSV from `input`, named `name` in errors.
    pub fn from_reader(
        input: impl std::io::Read,
        name: &str,
        domains: &[String],
    ) -> Result<StaffList> {
        let malformed = |line: u64, what: String| {
            Error::Usage(format!(
                "the staff list {name} is malformed at line {line}: {what}"
            ))
        };
        let mut csv = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = csv
            .headers()
            .map_err(|e| malformed(1, e.to_string()))?
            .clone();
        let column = |wanted: &str| {
            headers.iter().position(|h| {
                h.trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(wanted)
            })
        };
        let Some(email_at) = column("email") else {
            return Err(malformed(
                1,
                format!(
                    "no email column (the header names {}): the first line must name the \
                     columns, one of them email",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let [name_at, department_at, manager_at, status_at] =
            ["name", "department", "manager", "status"].map(column);
        let mut people = HashMap::new();
        for_each_record(&mut csv, malformed, |line, record| {
            let field = |at: Option<usize>| {
                at.and_then(|i| record.get(i))
                    .unwrap_or_default()
                    .to_owned()
            };
            let email = field(Some(email_at));
            if !is_email(&email) {
                return Err(malformed(
                    line,
                    match email.is_empty() {
                        true => "the email is empty".to_owned(),
                        false => format!("{email:?} is not an email address"),
                    },
                ));
            }
            let member = StaffMember {
                email: email.clone(),
                name: field(name_at),
                department: field(department_at),
                manager: field(manager_at),
                status: field(status_at),
            };
            // A person listed twice (a rehire, a second row) counts as active if any row is.
            match people.entry(fold(&email)) {
                std::collections::hash_map::Entry::Occupied(mut seen) => {
                    let seen: &mut StaffMember = seen.get_mut();
                    if !seen.is_active() && member.is_active() {
                        *seen = member;
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(member);
                }
            }
            Ok(())
        })?;
        if people.is_empty() {
            return Err(malformed(
                1,
                "no one is listed: a staff list has one row per person".to_owned(),
            ));
        }
        let derived_domains = domains.is_empty();
        let domains = match derived_domains {
            true => main_domains(people.keys().map(String::as_str)),
            false => domains
                .iter()
                .map(|d| fold(d.trim().trim_start_matches('@')))
                .collect(),
        };
        Ok(StaffList {
            people,
            domains,
            derived_domains,
        })
    }

    /// How many people the list holds.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether the list is empty (it never is once read).
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The organization's domains, folded.
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// Whether the domains were worked out from the list (no `--internal-domain`).
    pub fn derived_domains(&self) -> bool {
        self.derived_domains
    }

    /// How the person with `email` (empty for none) stands.
    pub fn classify(&self, email: &str) -> Standing<'_> {
        let email = email.trim();
        match self.people.get(&fold(email)).filter(|_| !email.is_empty()) {
            Some(member) if member.is_active() => Standing {
                class: StaffClass::Listed,
                member: Some(member),
            },
            Some(member) => Standing {
                class: StaffClass::Inactive,
                member: Some(member),
            },
            None => {
                let internal = domain(email).is_none_or(|d| self.domains.contains(&d));
                Standing {
                    class: match internal {
                        true => StaffClass::NotListed,
                        false => StaffClass::External,
                    },
                    member: None,
                }
            }
        }
    }
}

/// Calls `each` with every record of `csv` after its header, and the line it starts on (a
/// quoted cell may span several), leaving out blank ones; a record that does not parse is
/// `malformed` at its line.
pub(crate) fn for_each_record<R: std::io::Read>(
    csv: &mut csv::Reader<R>,
    malformed: impl Fn(u64, String) -> Error,
    mut each: impl FnMut(u64, &csv::StringRecord) -> Result<()>,
) -> Result<()> {
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line();
        let more = csv
            .read_record(&mut record)
            .map_err(|e| malformed(line, e.to_string()))?;
        if !more {
            return Ok(());
        }
        if !record.iter().all(|c| c.trim().is_empty()) {
            each(line, &record)?;
        }
    }
}

/// `--staff`, `--internal-domain`: the list, read, with a note of the domains it assumed.
pub(crate) fn load(file: Option<&Path>, domains: &[String]) -> Result<Option<StaffList>> {
    let Some(file) = file else {
        if !domains.is_empty() {
            return Err(Error::Usage(
                "--internal-domain classes people against a staff list: add --staff FILE".into(),
            ));
        }
        return Ok(None);
    };
    let list = StaffList::read(file, domains)?;
    if list.derived_domains() {
        crate::output::note(&format!(
            "the staff list's {} people use mostly {}: emails elsewhere are external (name the \
             organization's domains with --internal-domain)",
            list.len(),
            list.domains().join(", ")
        ));
    }
    Ok(Some(list))
}

/// An email folded for matching: ASCII case only (`Ada@Acme.example` is `ada@acme.example`).
fn fold(email: &str) -> String {
    email.to_ascii_lowercase()
}

/// The folded domain of `email`, when it has one.
fn domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, d)| fold(d))
        .filter(|d| !d.is_empty())
}

/// Whether `text` looks like an email address: something, one `@`, a domain; no spaces.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The domains most of `emails` use: the most used first, as few as together cover more than
/// half of them (`acme.example` for 90 there and 10 at a contractor's).
fn main_domains<'a>(emails: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for d in emails.filter_map(domain) {
        *counts.entry(d).or_default() += 1;
        total += 1;
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut covered = 0;
    let mut chosen = Vec::new();
    for (d, n) in ranked {
        if covered * 2 > total {
            break;
        }
        covered += n;
        chosen.push(d);
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str, domains: &[&str]) -> Result<StaffList> {
        let domains: Vec<String> = domains.iter().map(|d| d.to_string()).collect();
        StaffList::from_reader(text.as_bytes(), "staff.csv", &domains)
    }

    #[test]
    fn people_are_classed_by_folded_email_and_domain() {
        let staff = list(
            "Name,EMAIL,Department,Status\n\
             Ada,Ada@Acme.example,Eng,active\n\
             Bo,bo@acme.example,Ops,terminated\n\
             Cy,cy@acme.example,Ops,\n\
             Di,di@contractor.example,Ops,Active\n",
            &[],
        )
        .unwrap();
        assert_eq!(staff.domains(), ["acme.example"]);
        let class = |email| staff.classify(email).class;
        assert_eq!(class("ada@ACME.example"), StaffClass::Listed);
        assert_eq!(
            staff
                .classify("ada@acme.example")
                .member
                .unwrap()
                .department,
            "Eng"
        );
        assert_eq!(class("bo@acme.example"), StaffClass::Inactive);
        assert_eq!(class("cy@acme.example"), StaffClass::Listed);
        assert_eq!(class("di@contractor.example"), StaffClass::Listed);
        assert_eq!(class("eve@acme.example"), StaffClass::NotListed);
        assert_eq!(class("eve@gmail.example"), StaffClass::External);
        assert_eq!(class(""), StaffClass::NotListed);
        // Unicode case is not folded: only ASCII.
        assert_eq!(class("ÄDA@acme.example"), StaffClass::NotListed);
    }

    #[test]
    fn given_domains_replace_the_derived_ones() {
        let staff = list("email\na@acme.example\n", &["@Acme.example", "acme.dev"]).unwrap();
        assert_eq!(staff.domains(), ["acme.example", "acme.dev"]);
        assert_eq!(staff.classify("x@acme.dev").class, StaffClass::NotListed);
        assert_eq!(staff.classify("x@other.dev").class, StaffClass::External);
    }

    #[test]
    fn the_main_domains_cover_a_majority() {
        let emails = ["a@x.example", "b@x.example", "c@y.example", "d@y.example"];
        assert_eq!(main_domains(emails.into_iter()), ["x.example", "y.example"]);
        let emails = ["a@x.example", "b@x.example", "c@y.example"];
        assert_eq!(main_domains(emails.into_iter()), ["x.example"]);
    }

    #[test]
    fn a_malformed_list_is_named_with_its_line() {
        let e = list("name,mail\nAda,a@x\n", &[]).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("no email column"), "{e}");
        let e = list("email,name\na@x.example,A\nnot an email,B\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("not an email"), "{e}");
        let e = list("email,name\na@x.example,A\nb@x.example\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = list("email\n", &[]).unwrap_err().to_string();
        assert!(e.contains("no one is listed"), "{e}");
    }
}
