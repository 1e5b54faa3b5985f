//! [`Attributes`]: what an access review reads about a person besides their access — email,
//! MFA, SSO, account status — from baton's user trait.

use connector_sdk::{Resource, StatusKind};
use serde::Serialize;

/// The security attributes of a principal with the user trait.
///
/// MFA and SSO are `None` when the source system does not say: unknown, not off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    /// The primary email address, else the first, else the login (empty when none).
    pub email: String,
    /// Whether MFA is on.
    pub mfa: Option<bool>,
    /// Whether the person signs in with SSO.
    pub sso: Option<bool>,
    /// `enabled`, `disabled` or `deleted`; `None` when unknown.
    pub status: Option<&'static str>,
}

/// One attribute that differs between two syncs, as text (see [`Attributes::describe`]).
pub type AttributeDelta = (&'static str, String, String);

impl Attributes {
    /// The attributes of `resource`, or `None` when it has no user trait.
    pub fn of(resource: &Resource) -> Option<Attributes> {
        let t = resource.user_trait()?;
        // Since baton 2026-07 the status lives on the resource; the trait's is the older place.
        let status = resource
            .status
            .as_ref()
            .or(t.status.as_ref())
            .and_then(|s| match s.status {
                StatusKind::Unspecified => None,
                StatusKind::Enabled => Some("enabled"),
                StatusKind::Disabled => Some("disabled"),
                StatusKind::Deleted => Some("deleted"),
            });
        Some(Attributes {
            email: t.primary_email().unwrap_or(&t.login).to_owned(),
            mfa: t.mfa_enabled,
            sso: t.sso_enabled,
            status,
        })
    }

    /// Each attribute by name, as text: `email`, `mfa` and `sso` (`on`, `off` or `unknown`),
    /// `status` (`unknown` when not said).
    pub fn describe(&self) -> [(&'static str, String); 4] {
        [
            ("email", self.email.clone()),
            ("mfa", flag(self.mfa).to_owned()),
            ("sso", flag(self.sso).to_owned()),
            ("status", self.status.unwrap_or("unknown").to_owned()),
        ]
    }

    /// The attributes that differ in `newer`: name, old text, new text.
    pub fn changes(&self, newer: &Attributes) -> Vec<AttributeDelta> {
        self.describe()
            .into_iter()
            .zip(newer.describe())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((name, old), (_, new))| (name, old, new))
            .collect()
    }
}

/// `on`, `off` or `unknown`.
pub fn flag(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::{ResourceType, Trait, UserTrait};

    use super::*;

    fn user(t: UserTrait) -> Resource {
        let rt = ResourceType::new("user", "User", &[Trait::User]);
        Resource::new(&rt, "u1", "Ann").with_annotation(t)
    }

    #[test]
    fn mfa_off_is_not_unknown() {
        let on = Attributes::of(&user(UserTrait::new().with_mfa(true))).unwrap();
        let off = Attributes::of(&user(UserTrait::new().with_mfa(false))).unwrap();
        let unknown = Attributes::of(&user(UserTrait::new())).unwrap();
        assert_eq!(
            (on.mfa, off.mfa, unknown.mfa),
            (Some(true), Some(false), None)
        );
        assert_eq!(
            on.changes(&off),
            [("mfa", "on".to_owned(), "off".to_owned())]
        );
        assert_eq!(off.changes(&unknown)[0].2, "unknown");
        assert_eq!(on.status, Some("enabled"));
        let rt = ResourceType::new("group", "Group", &[Trait::Group]);
        assert!(Attributes::of(&Resource::new(&rt, "g", "G")).is_none());
    }

    #[test]
    fn email_falls_back_to_the_login() {
        let a = Attributes::of(&user(UserTrait::new().with_login("ann"))).unwrap();
        assert_eq!(a.email, "ann");
        let b = Attributes::of(&user(
            UserTrait::new()
                .with_email("b@x", false)
                .with_email("a@x", true),
        ))
        .unwrap();
        assert_eq!(b.email, "a@x");
    }
}
