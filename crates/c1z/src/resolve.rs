//! Names people give, resolved to what a sync holds: resource types, resources, principals and
//! entitlements, by every form the tools print (`team:<id>`, a bare id, an entitlement id) and
//! by the names people use (a display name, an email, a slug). A name that matches nothing is
//! an [`Error::NoMatch`] that says what exists and suggests the closest names; one that matches
//! several is an [`Error::Ambiguous`] that lists them. Never an empty answer.

use connector_sdk::{Entitlement, Resource, ResourceId, ResourceType};

use crate::error::{Error, Result};
use crate::label::{label, short_name};
use crate::reader::{EntitlementFilter, ResourceFilter};
use crate::snapshot::{Names, Snapshot};

/// Candidates listed in an ambiguity error, at most.
const LISTED: usize = 10;
/// Suggestions given for a name that matches nothing, at most.
const SUGGESTED: usize = 3;

impl Snapshot<'_> {
    /// The resource type `name` names: its id, or (ignoring case) its id or display name.
    pub fn resource_type_named(&self, name: &str) -> Result<ResourceType> {
        let types = self.resource_types()?;
        if let Some(exact) = types.iter().find(|t| t.id == name) {
            return Ok(exact.clone());
        }
        let matching: Vec<&ResourceType> = types
            .iter()
            .filter(|t| same(&t.id, name) || same(&t.display_name, name))
            .collect();
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                let mut near = Near::new(name);
                for t in &types {
                    near.offer(&t.id, &t.id);
                    near.offer(&t.display_name, &t.id);
                }
                let ids: Vec<&str> = types.iter().map(|t| t.id.as_str()).collect();
                Err(self.no_match_near(
                    "resource type",
                    name,
                    near,
                    format!("the sync has: {}", ids.join(", ")),
                ))
            }
            many => Err(self.ambiguous(
                "resource type",
                "resource types",
                name,
                many.iter().map(|t| t.id.clone()).collect(),
            )),
        }
    }

    /// The resource `name` names, of `resource_type` when given: by id (`type:id`, as listings
    /// print it, with or without the `(name)` after it, or a bare id), else by a user's email or
    /// login, else by display name (ignoring case).
    pub fn resource_named(&self, name: &str, resource_type: Option<&str>) -> Result<Resource> {
        self.find_named("resource", "resources", name, resource_type, false)
    }

    /// The principal `name` names, as [`resource_named`](Self::resource_named) finds it, but
    /// preferring users where a name fits several resources. For read-only commands: a display
    /// name is chosen by its holder, so a change names its principal with
    /// [`principal_for_change`](Self::principal_for_change).
    pub fn principal_named(&self, name: &str) -> Result<Resource> {
        self.find_named("principal", "principals", name, None, true)
    }

    /// Whether `name` found `r` only through what its holder chose — its display name, bare or
    /// as `<top-level>/<name>` — and not by id (in any form listings print), email or login:
    /// what a read-only command says on stderr, since a member named `cfo@acme.example` is not
    /// the CFO.
    pub fn found_by_chosen_name(&self, r: &Resource, name: &str) -> Result<bool> {
        if self
            .by_id(name, None)?
            .is_some_and(|found| found.id == r.id)
        {
            return Ok(false);
        }
        Ok(!matches!(match_tier(r, name.trim()), Some(0 | 1)))
    }

    /// The principal a change goes to, of `resource_type` when given: by id only (`type:id`,
    /// with or without the `(name)` listings print after it, or a bare id), or by an email one
    /// user holds exactly (ignoring ASCII case only). Never by a display name or login, which
    /// their holders choose: a member named `cfo@acme.example` is not the CFO. An email that
    /// matches nobody is an error that lists the closest emails.
    pub fn principal_for_change(
        &self,
        name: &str,
        resource_type: Option<&str>,
    ) -> Result<Resource> {
        if let Some(found) = self.by_id(name, resource_type)? {
            return Ok(found);
        }
        let wanted = name.trim();
        let mut found: Vec<Resource> = Vec::new();
        // The closest emails, however far: an email that matches nobody lists them.
        let lowered = wanted.to_lowercase();
        let mut closest: Vec<(usize, String)> = Vec::new();
        let mut named = None;
        let filter = ResourceFilter {
            resource_type: resource_type.map(str::to_owned),
            ..Default::default()
        };
        self.for_each_resource(filter, |r| {
            let emails = r.user_trait().map(|t| t.emails.as_slice()).unwrap_or(&[]);
            if r.id.resource == wanted
                || emails
                    .iter()
                    .any(|e| e.address.trim().eq_ignore_ascii_case(wanted))
            {
                found.push(r);
                return Ok(());
            }
            for email in emails {
                let distance = strsim::levenshtein(&lowered, &email.address.to_lowercase());
                if !closest.iter().any(|(_, e)| *e == email.address) {
                    closest.push((distance, email.address.clone()));
                    closest.sort();
                    closest.truncate(SUGGESTED);
                }
            }
            if named.is_none() && same(&r.display_name, wanted) {
                named = Some(r.id.to_string());
            }
            Ok(())
        })?;
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => {
                let mut known = "a change names its principal by id or by exact email, never by \
                                 display name: inspect resources lists them"
                    .to_owned();
                if let Some(id) = named {
                    known =
                        format!("{id} has it as display name, which its holder chooses; {known}");
                }
                let closest: Vec<String> = closest.into_iter().map(|(_, e)| e).collect();
                Err(Error::NoMatch {
                    what: "principal with this email or id",
                    name: name.to_owned(),
                    sync_id: self.id().to_owned(),
                    hint: crate::error::hint(&closest, &known),
                })
            }
            _ => Err(self.ambiguous(
                "principal",
                "principals",
                name,
                found.iter().take(LISTED).map(label).collect(),
            )),
        }
    }

    /// The entitlement `name` names: its id; on resource `on` when given, its slug or display
    /// name; else `<resource>:<slug>` with the resource in any form
    /// [`resource_named`](Self::resource_named) takes (`acme:admin`, `team:t1:member`); else a
    /// slug or display name that only one entitlement of the sync has.
    pub fn entitlement_named(&self, name: &str, on: Option<&ResourceId>) -> Result<Entitlement> {
        if let Some(exact) = self.entitlement(name)? {
            return Ok(exact);
        }
        if on.is_none()
            && let Some((resource, slug)) = name.rsplit_once(':')
        {
            // Of the resources the name fits, those with this slug: three databases named
            // `orders` in three organizations are an ambiguity to show, not a miss.
            let mut held = Vec::new();
            for r in self.candidates(resource, None)?.found {
                if let Some(e) = self.entitlement(&format!("{}:{slug}", r.id))? {
                    held.push((e, r));
                }
            }
            match held.len() {
                0 => {}
                1 => return Ok(held.remove(0).0),
                _ => {
                    let mut names = Names::new(self);
                    let mut listed = Vec::new();
                    for (e, r) in held.iter().take(LISTED) {
                        let place = match &r.parent {
                            Some(p) => short_name(&names.resource_of(p)?) + "/",
                            None => String::new(),
                        };
                        listed.push(format!("{place}{}:{slug} ({})", short_name(r), e.id));
                    }
                    if held.len() > LISTED {
                        listed.push(format!("and {} more", held.len() - LISTED));
                    }
                    return Err(self.ambiguous("entitlement", "entitlements", name, listed));
                }
            }
        }
        let filter = EntitlementFilter {
            resource: on.cloned(),
            ..Default::default()
        };
        let mut matching: Vec<Entitlement> = Vec::new();
        let mut near = Near::new(name);
        let mut slugs: Vec<String> = Vec::new();
        self.for_each_entitlement(filter, |e| {
            let slug = match e.slug.is_empty() {
                true => e.id.rsplit(':').next().unwrap_or_default().to_owned(),
                false => e.slug.clone(),
            };
            if same(&slug, name) || same(&e.display_name, name) {
                matching.push(e);
                return Ok(());
            }
            near.offer(&slug, &slug);
            near.offer(&e.display_name, &e.display_name);
            near.offer(&e.id, &e.id);
            if slugs.len() < 20 && !slugs.contains(&slug) {
                slugs.push(slug);
            }
            Ok(())
        })?;
        match matching.len() {
            1 => Ok(matching.remove(0)),
            0 => {
                slugs.sort();
                let on = on.map(|r| format!(" on {r}")).unwrap_or_default();
                Err(self.no_match_near(
                    "entitlement",
                    name,
                    near,
                    format!("entitlement slugs{on}: {}", slugs.join(", ")),
                ))
            }
            _ => Err(self.ambiguous(
                "entitlement",
                "entitlements",
                name,
                matching
                    .iter()
                    .map(|e| match e.display_name.is_empty() {
                        true => e.id.clone(),
                        false => format!("{} ({})", e.id, e.display_name),
                    })
                    .collect(),
            )),
        }
    }

    /// The one resource `name` names (see [`resource_named`](Self::resource_named)).
    fn find_named(
        &self,
        what: &'static str,
        plural: &'static str,
        name: &str,
        resource_type: Option<&str>,
        prefer_users: bool,
    ) -> Result<Resource> {
        let Candidates {
            mut found,
            near,
            count,
        } = self.candidates(name, resource_type)?;
        if prefer_users && found.len() > 1 {
            let users: Vec<Resource> = found
                .iter()
                .filter(|r| r.user_trait().is_some())
                .cloned()
                .collect();
            if users.len() == 1 {
                found = users;
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => {
                let of_type = resource_type
                    .map(|t| format!(" of type {t}"))
                    .unwrap_or_default();
                Err(self.no_match_near(
                    what,
                    name,
                    near,
                    format!("the sync has {count} resources{of_type}"),
                ))
            }
            _ => {
                let mut names = Names::new(self);
                let mut candidates = Vec::new();
                for r in found.iter().take(LISTED) {
                    candidates.push(qualified_label(&mut names, r)?);
                }
                if found.len() > LISTED {
                    candidates.push(format!("and {} more", found.len() - LISTED));
                }
                Err(self.ambiguous(what, plural, name, candidates))
            }
        }
    }

    /// The resources `name` fits best, of `resource_type` when given: the one its id names, else
    /// those of the closest kind of match (email or login before display name).
    fn candidates(&self, name: &str, resource_type: Option<&str>) -> Result<Candidates> {
        if let Some(found) = self.by_id(name, resource_type)? {
            return Ok(Candidates {
                found: vec![found],
                near: Near::new(name),
                count: 1,
            });
        }
        let mut best: Option<(u8, Vec<Resource>)> = None;
        let mut near = Near::new(name);
        let mut count = 0u64;
        let filter = ResourceFilter {
            resource_type: resource_type.map(str::to_owned),
            ..Default::default()
        };
        // `acme/orders`: a name within its parent, as listings print namesakes.
        let qualified = name.split_once('/');
        let mut names = Names::new(self);
        self.for_each_resource(filter, |r| {
            count += 1;
            let mut tier = match_tier(&r, name);
            if let (None, Some((place, child))) = (tier, qualified) {
                let named = |p: &Resource| same(&short_name(p), place) || p.id.resource == place;
                tier = match_tier(&r, child);
                if tier.is_some() {
                    let within = match &r.parent {
                        // Its parent (`acme/Security`) or its top-level ancestor (an OAuth
                        // token `acme/Schema Insights`, under its application under acme).
                        Some(parent_id) => {
                            let parent = names.resource_of(parent_id)?;
                            named(&parent) || named(&top_level(&mut names, &r)?)
                        }
                        // A person in no resource's tree (a member of several organizations):
                        // in `acme` when they hold anything on or under it.
                        None if r.user_trait().is_some() => {
                            let mut within = false;
                            for a in self.access(&r.id)? {
                                if named(&top_level(&mut names, &a.resource)?) {
                                    within = true;
                                    break;
                                }
                            }
                            within
                        }
                        None => false,
                    };
                    if !within {
                        tier = None;
                    }
                }
            }
            match (tier, &mut best) {
                (Some(t), Some((b, found))) if t == *b => found.push(r),
                (Some(t), Some((b, _))) if t > *b => {}
                (Some(t), _) => best = Some((t, vec![r])),
                (None, _) => {
                    let name = match (&r.parent, qualified) {
                        (Some(_), Some(_)) => format!(
                            "{}/{}",
                            short_name(&top_level(&mut names, &r)?),
                            short_name(&r)
                        ),
                        _ => short_name(&r),
                    };
                    if qualified.is_some() {
                        near.offer(&name, &name);
                    }
                    near.offer(&r.display_name, &name);
                    near.offer(&r.id.resource, &name);
                    if let Some(email) = r.user_trait().and_then(|t| t.primary_email()) {
                        near.offer(email, email);
                    }
                }
            }
            Ok(())
        })?;
        Ok(Candidates {
            found: best.map(|(_, found)| found).unwrap_or_default(),
            near,
            count,
        })
    }

    /// The resource a `type:id` names (as listings print it, with or without the `(name)` after
    /// it), or an id of `resource_type`.
    fn by_id(&self, name: &str, resource_type: Option<&str>) -> Result<Option<Resource>> {
        // Listings print `type:id (display name)`, ambiguity errors `acme/name (type:id)`:
        // either part in id form is enough.
        let (id_part, in_parens) = match name.strip_suffix(')').and_then(|n| n.rsplit_once(" (")) {
            Some((before, inside)) => (before, Some(inside)),
            None => (name, None),
        };
        let id_part = match name.strip_suffix(')').and_then(|n| n.split_once(" (")) {
            Some((id, _)) => id,
            None => id_part,
        };
        for external_id in [
            Some(id_part.to_owned()),
            in_parens.map(str::to_owned),
            resource_type.map(|t| format!("{t}:{name}")),
        ]
        .into_iter()
        .flatten()
        {
            if let Some((t, _)) = external_id.split_once(':')
                && resource_type.is_none_or(|wanted| wanted == t)
                && let Some(found) = self.resource(&external_id_of(&external_id))?
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// The error for a `what` named `name` that is none of `candidates`: it suggests the
    /// closest candidates, then says `known` (what exists, in a few words).
    pub fn no_match<'a>(
        &self,
        what: &'static str,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        known: String,
    ) -> Error {
        let mut near = Near::new(name);
        for candidate in candidates {
            near.offer(candidate, candidate);
        }
        self.no_match_near(what, name, near, known)
    }

    fn no_match_near(&self, what: &'static str, name: &str, near: Near, known: String) -> Error {
        Error::NoMatch {
            what,
            name: name.to_owned(),
            sync_id: self.id().to_owned(),
            hint: crate::error::hint(&near.best(), &known),
        }
    }

    fn ambiguous(
        &self,
        what: &'static str,
        plural: &'static str,
        name: &str,
        candidates: Vec<String>,
    ) -> Error {
        Error::Ambiguous {
            what,
            plural,
            name: name.to_owned(),
            sync_id: self.id().to_owned(),
            candidates,
        }
    }
}

/// The resources a name fits best, and what to suggest when it fits none.
struct Candidates {
    found: Vec<Resource>,
    near: Near,
    /// The resources searched.
    count: u64,
}

/// A namesake as an ambiguity lists it, in a form that names it alone: a person by their
/// email (`carol@acme.example`); a resource under another by its top-level ancestor's name
/// and its own, with its id (`acme/orders (database:d1)`, which is accepted as given); a
/// top-level resource by its label.
fn qualified_label(names: &mut Names<'_, '_>, r: &Resource) -> Result<String> {
    if let Some(email) = r.user_trait().and_then(|t| t.primary_email())
        && !email.is_empty()
    {
        return Ok(email.to_owned());
    }
    Ok(match &r.parent {
        Some(_) => format!(
            "{}/{} ({})",
            short_name(&top_level(names, r)?),
            short_name(r),
            r.id
        ),
        None => label(r),
    })
}

/// How a listing names `r`: `type:id (<top-level>/<name>)` for a resource under another (a
/// database or team in organization `acme`: `database:d1 (acme/orders)`, the form names are
/// given in), else [`label`]'s `type:id (name)`; the id keeps it exact, the qualified name tells
/// namesakes of several organizations apart.
pub fn placed_label(names: &mut Names<'_, '_>, r: &Resource) -> Result<String> {
    if r.parent.is_none() {
        return Ok(label(r));
    }
    let top = top_level(names, r)?;
    Ok(format!("{} ({}/{})", r.id, short_name(&top), short_name(r)))
}

/// The top-level resource `r` is under (itself when it is one): the organization of a
/// database, and of an OAuth token under its application.
pub(crate) fn top_level(names: &mut Names<'_, '_>, r: &Resource) -> Result<Resource> {
    let mut top = r.clone();
    // A bound, not a trust: a file whose parents loop ends somewhere.
    for _ in 0..64 {
        match &top.parent {
            Some(parent) => top = names.resource_of(parent)?,
            None => break,
        }
    }
    Ok(top)
}

/// How `r` matches `name`: 0 by id, 1 by email or login, 2 by display name; `None` if not.
fn match_tier(r: &Resource, name: &str) -> Option<u8> {
    if r.id.resource == name {
        return Some(0);
    }
    let by_login = r.user_trait().is_some_and(|t| {
        t.emails.iter().any(|e| same(&e.address, name))
            || (!t.login.is_empty() && same(&t.login, name))
    });
    if by_login {
        return Some(1);
    }
    same(&r.display_name, name).then_some(2)
}

/// `type:id` as a resource id (split at the first colon, as baton's ids are built).
fn external_id_of(external_id: &str) -> ResourceId {
    let (t, id) = external_id.split_once(':').unwrap_or(("", external_id));
    ResourceId::new(t, id)
}

/// Equal, ignoring case.
fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && (a == b || a.to_lowercase() == b.to_lowercase())
}

/// The closest names to a name that matched nothing, for "did you mean".
struct Near {
    wanted: String,
    best: Vec<(usize, String)>,
}

impl Near {
    fn new(name: &str) -> Self {
        Near {
            wanted: name.to_lowercase(),
            best: Vec::new(),
        }
    }

    /// Considers `candidate`; `suggest` is what to suggest for it.
    fn offer(&mut self, candidate: &str, suggest: &str) {
        if candidate.is_empty() || self.best.iter().any(|(_, s)| s == suggest) {
            return;
        }
        let candidate = candidate.to_lowercase();
        let distance = strsim::levenshtein(&self.wanted, &candidate);
        let allowed = (self.wanted.chars().count() / 3).max(1);
        let contains = self.wanted.chars().count() >= 3 && candidate.contains(&self.wanted);
        if distance > allowed && !contains {
            return;
        }
        self.best.push((distance, suggest.to_owned()));
        self.best.sort();
        self.best.truncate(SUGGESTED);
    }

    fn best(self) -> Vec<String> {
        self.best.into_iter().map(|(_, s)| s).collect()
    }
}
