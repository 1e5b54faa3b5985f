//! How listings, diffs and errors name resources and entitlements for people.

use connector_sdk::{Entitlement, Resource};

/// `type:id (name)`, or `type:id` when the name is empty or the id: what listings print, and
/// what [`Snapshot::resource_named`](crate::Snapshot::resource_named) reads back.
pub fn label(r: &Resource) -> String {
    match r.display_name.is_empty() || r.display_name == r.id.resource {
        true => r.id.to_string(),
        false => format!("{} ({})", r.id, r.display_name),
    }
}

/// The display name, else `type:id`.
pub fn short_name(r: &Resource) -> String {
    match r.display_name.is_empty() {
        true => r.id.to_string(),
        false => r.display_name.clone(),
    }
}

/// The entitlement's slug, else its display name, else its id.
pub fn entitlement_name(e: &Entitlement) -> &str {
    match (e.slug.is_empty(), e.display_name.is_empty()) {
        (false, _) => &e.slug,
        (true, false) => &e.display_name,
        (true, true) => &e.id,
    }
}

/// `<parent>/<name>` for a resource under another (`acme/orders`), else its short name: how
/// listings tell apart namesakes in several organizations, and a form every filter takes.
pub fn qualified(r: &Resource, parent: Option<&Resource>) -> String {
    match parent {
        Some(p) => format!("{}/{}", short_name(p), short_name(r)),
        None => short_name(r),
    }
}

/// Accesses grouped for a table, one line per place and way of holding: each item is the
/// name of the top-level resource it is under (`acme`, empty for a top-level one), its own
/// name, and how it is held (`admin (via admin of organization acme)`); those sharing place
/// and way are one line naming each resource, in the order of first appearance:
/// `acme/{orders, users}: admin (via admin of organization acme)`, `acme/orders: admin`,
/// `acme: admin` for the top-level one.
pub fn grouped_in<'a>(items: impl IntoIterator<Item = (&'a str, &'a str, String)>) -> Vec<String> {
    let mut groups: Vec<(&str, String, Vec<&str>)> = Vec::new();
    for (place, name, how) in items {
        match groups.iter_mut().find(|(p, h, _)| *p == place && *h == how) {
            Some((_, _, names)) if !names.contains(&name) => names.push(name),
            Some(_) => {}
            None => groups.push((place, how, vec![name])),
        }
    }
    groups
        .into_iter()
        .map(|(place, how, names)| format!("{}: {how}", in_place(place, &names)))
        .collect()
}

/// Resources under the top-level resource `place`: `acme/orders`, `acme/{orders, users}`;
/// top-level ones (`place` empty) by their names.
pub fn in_place(place: &str, names: &[&str]) -> String {
    match (place.is_empty(), names) {
        (true, _) => names.join(", "),
        (false, [one]) => format!("{place}/{one}"),
        (false, _) => format!("{place}/{{{}}}", names.join(", ")),
    }
}

#[cfg(test)]
mod grouping_tests {
    use super::*;

    #[test]
    fn accesses_sharing_place_and_way_are_one_line() {
        let via = || "admin (via admin of organization acme)".to_owned();
        let lines = grouped_in([
            ("", "acme", "admin".to_owned()),
            ("acme", "orders", via()),
            ("acme", "users", via()),
            ("acme", "users", via()),
            ("beta", "orders", via()),
        ]);
        assert_eq!(
            lines,
            [
                "acme: admin",
                "acme/{orders, users}: admin (via admin of organization acme)",
                "beta/orders: admin (via admin of organization acme)",
            ]
        );
    }
}
