//! Text read from a `.c1z` is capped as it is decoded: a file is someone else's, and one 30 MiB
//! display name, multiplied by every row and every cell width that repeats it, would exhaust
//! memory. Each text field a reader shows (ids, names, descriptions, emails, logins, profile
//! strings, links) keeps at most [`MAX_TEXT`] bytes, cut at a character boundary and ending in
//! `…`. Only readers cap: a sync reading its own rows back gets them whole.

use connector_sdk::{
    Annotation, Entitlement, Grant, Profile, Resource, ResourceId, ResourceType, Value,
};

/// The most bytes of one text field read from a file.
pub const MAX_TEXT: usize = 4096;

/// What is capped as it is read.
pub(crate) trait Capped {
    /// `self` with every text field cut to [`MAX_TEXT`] bytes.
    fn capped(self) -> Self;
}

/// Cuts `text` to [`MAX_TEXT`] bytes at a character boundary, ending in `…` when cut.
pub(crate) fn cap(text: &mut String) {
    cut_text(text, MAX_TEXT);
}

/// Cuts `text` to at most `max` bytes (at least 3) at a character boundary, ending in `…` when
/// cut, and gives back the memory it no longer needs.
pub fn cut_text(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max.saturating_sub('…'.len_utf8());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
        text.shrink_to_fit();
    }
}

fn cap_id(id: &mut ResourceId) {
    cap(&mut id.resource_type);
    cap(&mut id.resource);
}

fn cap_profile(profile: &mut Profile) {
    // Keys are text too: a long one becomes a capped key (two equal after the cut keep one).
    if profile.keys().any(|k| k.len() > MAX_TEXT) {
        *profile = std::mem::take(profile)
            .into_iter()
            .map(|(mut k, v)| {
                cap(&mut k);
                (k, v)
            })
            .collect();
    }
    profile.values_mut().for_each(cap_value);
}

fn cap_value(value: &mut Value) {
    match value {
        Value::String(s) => cap(s),
        Value::List(items) => items.iter_mut().for_each(cap_value),
        Value::Struct(profile) => cap_profile(profile),
        _ => {}
    }
}

fn cap_annotation(annotation: &mut Annotation) {
    let profile = match annotation {
        Annotation::UserTrait(t) => {
            t.emails.iter_mut().for_each(|e| cap(&mut e.address));
            cap(&mut t.login);
            t.login_aliases.iter_mut().for_each(cap);
            t.employee_ids.iter_mut().for_each(cap);
            if let Some(status) = &mut t.status {
                cap(&mut status.details);
            }
            if let Some(name) = &mut t.structured_name {
                cap(&mut name.given_name);
                cap(&mut name.family_name);
                name.middle_names.iter_mut().for_each(cap);
                cap(&mut name.prefix);
                cap(&mut name.suffix);
            }
            &mut t.profile
        }
        Annotation::GroupTrait(t) => {
            cap(&mut t.group_source_type);
            cap(&mut t.raw_group_source_type);
            &mut t.profile
        }
        Annotation::RoleTrait(t) => &mut t.profile,
        Annotation::AppTrait(t) => {
            cap(&mut t.help_url);
            &mut t.profile
        }
        Annotation::SecretTrait(t) => &mut t.profile,
        Annotation::ChildResourceType { resource_type_id } => {
            cap(resource_type_id);
            return;
        }
        Annotation::ExternalLink { url } => {
            cap(url);
            return;
        }
        Annotation::GrantExpandable {
            entitlement_ids,
            resource_type_ids,
            ..
        } => {
            entitlement_ids.iter_mut().for_each(cap);
            resource_type_ids.iter_mut().for_each(cap);
            return;
        }
        _ => return,
    };
    if let Some(profile) = profile {
        cap_profile(profile);
    }
}

impl Capped for ResourceType {
    fn capped(mut self) -> Self {
        cap(&mut self.id);
        cap(&mut self.display_name);
        cap(&mut self.description);
        self.annotations.iter_mut().for_each(cap_annotation);
        self
    }
}

impl Capped for Resource {
    fn capped(mut self) -> Self {
        cap_id(&mut self.id);
        if let Some(parent) = &mut self.parent {
            cap_id(parent);
        }
        cap(&mut self.display_name);
        cap(&mut self.description);
        if let Some(external) = &mut self.external_id {
            cap(&mut external.id);
            cap(&mut external.link);
            cap(&mut external.description);
        }
        if let Some(profile) = &mut self.profile {
            cap_profile(profile);
        }
        if let Some(status) = &mut self.status {
            cap(&mut status.details);
        }
        self.annotations.iter_mut().for_each(cap_annotation);
        self
    }
}

impl Capped for Entitlement {
    fn capped(mut self) -> Self {
        self.resource = self.resource.capped();
        cap(&mut self.id);
        cap(&mut self.display_name);
        cap(&mut self.description);
        cap(&mut self.slug);
        self.grantable_to = std::mem::take(&mut self.grantable_to)
            .into_iter()
            .map(Capped::capped)
            .collect();
        self.annotations.iter_mut().for_each(cap_annotation);
        self
    }
}

impl Capped for Grant {
    fn capped(mut self) -> Self {
        self.entitlement = self.entitlement.capped();
        self.principal = self.principal.capped();
        cap(&mut self.id);
        if let Some(sources) = &mut self.sources
            && sources.sources.keys().any(|k| k.len() > MAX_TEXT)
        {
            sources.sources = std::mem::take(&mut sources.sources)
                .into_iter()
                .map(|(mut k, v)| {
                    cap(&mut k);
                    (k, v)
                })
                .collect();
        }
        self.annotations.iter_mut().for_each(cap_annotation);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_character_boundary_with_an_ellipsis() {
        let mut short = "é".repeat(10);
        cap(&mut short);
        assert_eq!(short, "é".repeat(10));
        let mut long = "é".repeat(MAX_TEXT);
        cap(&mut long);
        assert!(long.len() <= MAX_TEXT, "{}", long.len());
        assert!(long.ends_with("é…"));
        let resource = Resource::new(
            &ResourceType::new("user", "User", &[]),
            "u1",
            "x".repeat(30 << 20),
        )
        .capped();
        assert_eq!(resource.display_name.len(), MAX_TEXT - 3 + 3);
        assert_eq!(resource.id, ResourceId::new("user", "u1"));
    }
}
