//! Who reaches each privileged resource: for each top-level resource, the people holding a
//! permission (not a membership) on it or under it, by what it comes through, as a picture
//! (people counted per path) and a table naming them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use c1z::Held;
use maud::{Markup, html};

use super::graph::{self, Flow, plural};
use super::html::{table, thousands};

/// Who reaches the privileged entitlements of one top-level resource: the names of the people
/// holding one, and for each resource, permission and what it comes through, which of them
/// (indexes into the names, in the order they were added).
#[derive(Default)]
pub struct Reach {
    names: Vec<String>,
    /// Each person's email, beside their name where two names are the same.
    emails: Vec<String>,
    held: BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<u32>>>>,
}

impl Reach {
    /// Records that `name` (`email`), a person not added before, holds `permissions`.
    pub fn add(&mut self, name: &str, email: &str, permissions: &[&Held]) {
        let person = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.emails.push(email.to_owned());
        for h in permissions {
            let by_source = slot(slot(&mut self.held, &h.resource), &h.slug);
            let direct = h.direct || h.via.is_empty();
            let sources = h.via.iter().map(String::as_str);
            for source in sources.chain(direct.then_some("direct")) {
                slot(by_source, source).push(person);
            }
        }
    }

    /// Each resource, permission, what it comes through and who.
    fn paths(&self) -> impl Iterator<Item = (&str, &str, &str, &[u32])> {
        self.held.iter().flat_map(|(resource, slugs)| {
            slugs.iter().flat_map(move |(slug, sources)| {
                sources.iter().map(move |(source, people)| {
                    (
                        resource.as_str(),
                        slug.as_str(),
                        source.as_str(),
                        people.as_slice(),
                    )
                })
            })
        })
    }

    /// The picture's flows: people per source and target.
    fn flows(&self) -> Vec<Flow> {
        self.paths()
            .map(|(resource, slug, source, people)| Flow {
                source: source.to_owned(),
                target: format!("{resource}: {slug}"),
                people: people.len(),
            })
            .collect()
    }

    /// How many distinct people hold something through each source.
    fn through(&self) -> BTreeMap<String, usize> {
        let mut people: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
        for (_, _, source, who) in self.paths() {
            people.entry(source).or_default().extend(who);
        }
        people
            .into_iter()
            .map(|(source, who)| (source.to_owned(), who.len()))
            .collect()
    }

    /// The names of `people`, comma-separated; a name two of them share is followed by each
    /// one's email.
    fn names(&self, people: &[u32]) -> String {
        let name = |p: &u32| self.names[*p as usize].as_str();
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(people.len());
        for p in people {
            *seen.entry(name(p)).or_default() += 1;
        }
        let mut out = String::new();
        for (i, person) in people.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(name(person));
            let email = &self.emails[*person as usize];
            if seen[name(person)] > 1 && !email.is_empty() {
                out.push_str(" (");
                out.push_str(email);
                out.push(')');
            }
        }
        out
    }

    /// The table beside the picture: each entitlement, each path, the people (more than a
    /// few folded).
    fn table(&self) -> Markup {
        table(
            &["Resource", "Permission", "Through", "People", "Who"],
            self.paths().map(|(resource, slug, source, people)| {
                html! {
                    tr {
                        td { (resource) }
                        td { (slug) }
                        td { (source) }
                        td { (thousands(people.len())) }
                        td {
                            @if people.len() <= 10 { (self.names(people)) }
                            @else {
                                details {
                                    summary { (thousands(people.len())) " " (plural(people.len(), "person", "people")) }
                                    (self.names(people))
                                }
                            }
                        }
                    }
                }
            }),
        )
    }
}

/// `map[key]`, made empty first when missing (the key copied only then).
fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("the key is in the map")
}

/// The section: per top-level resource (`reach`, by short name), the picture and the table.
pub fn section(reach: &BTreeMap<String, Reach>) -> Markup {
    html! {
        section id="privileged" {
            h2 { "Who reaches each privileged resource" }
            p class="note" { "Permissions (not memberships) held by people, with what each comes through. The picture counts people per path; the table beside it names them." }
            @if reach.is_empty() { p { "No person holds a permission." } }
            @for (scope, entitlements) in reach {
                h3 { (scope) }
                @if let Some(svg) = graph::svg(&format!("Who reaches the privileged resources of {scope}"), &entitlements.flows(), &entitlements.through()) {
                    figure { div class="graph-box" { (svg) } figcaption class="note" { "People → what they hold it through → what they reach, in " (scope) "." } }
                }
                (entitlements.table())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(resource: &str, slug: &str, via: &[&str], direct: bool) -> Held {
        Held {
            resource: resource.to_owned(),
            slug: slug.to_owned(),
            entitlement_id: format!("{resource}:{slug}"),
            direct,
            via: via.iter().map(|v| (*v).to_owned()).collect(),
            permission: true,
        }
    }

    #[test]
    fn people_are_counted_per_path_by_person_not_by_name() {
        let mut reach = Reach::default();
        let admin = held("orders", "admin", &["team SRE"], false);
        let both = held("orders", "admin", &["team SRE"], true);
        // Two people of one name through the same team; the second also directly.
        reach.add("Ada Allen", "ada@a.example", &[&admin]);
        reach.add("Ada Allen", "ada@b.example", &[&both]);
        reach.add("Bo Berg", "bo@a.example", &[&admin]);
        let through = reach.through();
        assert_eq!(through["team SRE"], 3);
        assert_eq!(through["direct"], 1);
        let flows = reach.flows();
        assert_eq!(flows.len(), 2);
        assert!(flows.iter().all(|f| f.target == "orders: admin"));
        let table = reach.table().into_string();
        // The same name told apart by email; a name of one person alone.
        assert!(
            table
                .contains("<td>Ada Allen (ada@a.example), Ada Allen (ada@b.example), Bo Berg</td>"),
            "{table}"
        );
    }
}
