//! The path of a grant: whether it is granted directly, and the source entitlements grant
//! expansion derived it through, each named for people — `team Payments` for a membership,
//! `admin of organization acme` for a role — so that "admin on database orders" can say why.

use std::collections::HashMap;

use connector_sdk::{Grant, GrantSources, Purpose};

use crate::error::Result;
use crate::label::{entitlement_name, short_name};
use crate::snapshot::{Names, Snapshot};

/// How a principal holds one entitlement.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path {
    /// Whether it is granted directly (not only derived by grant expansion).
    pub direct: bool,
    /// What it is derived through, named (empty when only direct), sorted.
    pub via: Vec<String>,
}

impl Path {
    /// `""` when only direct, `via A, B`, or `direct, via A`.
    pub fn describe(&self) -> String {
        describe(self.direct, &self.via)
    }
}

/// [`Path::describe`] of a path's parts, borrowed.
pub(crate) fn describe(direct: bool, via: &[String]) -> String {
    match (via.is_empty(), direct) {
        (true, _) => String::new(),
        (false, false) => format!("via {}", via.join(", ")),
        (false, true) => format!("direct, via {}", via.join(", ")),
    }
}

/// Names grants' paths, reading each source entitlement once from the first of its snapshots
/// that has it (a diff's newer sync, then its older one).
#[derive(Debug)]
pub struct Paths<'s, 'r> {
    names: Names<'s, 'r>,
    named: HashMap<String, String>,
}

impl<'s, 'r> Paths<'s, 'r> {
    /// Paths of grants of `snapshot`.
    pub fn new(snapshot: &'s Snapshot<'r>) -> Self {
        Paths::of(vec![snapshot])
    }

    /// Paths of grants of any of `snapshots`.
    pub fn of(snapshots: Vec<&'s Snapshot<'r>>) -> Self {
        Paths {
            names: Names::of(snapshots),
            named: HashMap::new(),
        }
    }

    /// The path of `grant`: direct when it has no `sources` or they name its own entitlement.
    pub fn of_grant(&mut self, grant: &Grant) -> Result<Path> {
        self.of_sources(&grant.entitlement.id, grant.sources.as_ref())
    }

    /// The path of a grant of entitlement `id` with `sources`, as [`Paths::of_grant`].
    pub(crate) fn of_sources(&mut self, id: &str, sources: Option<&GrantSources>) -> Result<Path> {
        let Some(sources) = sources.filter(|s| !s.sources.is_empty()) else {
            return Ok(Path {
                direct: true,
                via: Vec::new(),
            });
        };
        let mut via = Vec::new();
        for source in sources.sources.keys().filter(|s| *s != id) {
            via.push(self.name(source)?);
        }
        via.sort();
        via.dedup();
        Ok(Path {
            direct: sources.sources.contains_key(id),
            via,
        })
    }

    /// Source entitlement `id` as a path names it: `<type> <resource>` for a membership,
    /// `<slug> of <type> <resource>` for anything else, the id when no snapshot has it.
    fn name(&mut self, id: &str) -> Result<String> {
        if let Some(named) = self.named.get(id) {
            return Ok(named.clone());
        }
        let named = match self.names.entitlement(id)?.cloned() {
            Some(e) => {
                let on = self.names.resource_or_id(&e.resource)?;
                let place = format!("{} {}", on.id.resource_type, short_name(&on));
                match e.purpose {
                    Purpose::Assignment => place,
                    _ => format!("{} of {place}", entitlement_name(&e)),
                }
            }
            None => id.to_owned(),
        };
        self.named.insert(id.to_owned(), named.clone());
        Ok(named)
    }
}
