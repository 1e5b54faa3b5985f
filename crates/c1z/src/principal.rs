//! [`Attributes`]: what an access review reads about a person besides their access — email,
//! MFA, SSO, account status — from baton's user trait; [`Lifetime`]: when a credential (a
//! service token, an API key) expires and was last used, from baton's secret trait.

use connector_sdk::{Annotation, Resource, ResourceType, StatusKind, Timestamp};
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

/// When a credential expires and was last used: a resource with baton's secret trait (its
/// `expires_at` and `last_used_at`; the last use falls back to the user trait's `last_login`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lifetime {
    /// When it expires; `None`: never.
    pub expires_at: Option<Timestamp>,
    /// When it was last used; `None`: never, as far as the source system says.
    pub last_used_at: Option<Timestamp>,
}

impl Lifetime {
    /// The lifetime of `resource`, or `None` when it has no secret trait.
    pub fn of(resource: &Resource) -> Option<Lifetime> {
        let secret = resource.annotations.iter().find_map(|a| match a {
            Annotation::SecretTrait(s) => Some(s),
            _ => None,
        })?;
        let last_login = resource.user_trait().and_then(|t| t.last_login);
        Some(Lifetime {
            expires_at: secret.expires_at,
            last_used_at: secret.last_used_at.or(last_login),
        })
    }

    /// Whether it was last used before `cutoff`, or never.
    pub fn unused_since(&self, cutoff: Timestamp) -> bool {
        self.last_used_at.is_none_or(|used| used < cutoff)
    }
}

/// What kind of principal a resource is: the TYPE column of principal listings and the review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A person's account.
    Human,
    /// A service or system account, or a credential (the secret trait): a token, an API key.
    ServiceAccount,
    /// An invitation not accepted yet: a person to come (a resource type named so).
    Invitation,
}

impl Kind {
    /// The kind of `resource`, a principal of type `resource_type` (`None` when the sync does
    /// not describe its type): an invitation by its type's name, a service account by the user
    /// trait's account type or the secret trait, else a human.
    pub fn of(resource: &Resource, resource_type: Option<&ResourceType>) -> Kind {
        let invitation = Kind::is_invitation_type(&resource.id.resource_type, resource_type);
        let service = resource.has_trait(connector_sdk::Trait::Secret)
            || resource.user_trait().is_some_and(|t| {
                matches!(
                    t.account_type,
                    connector_sdk::AccountType::Service | connector_sdk::AccountType::System
                )
            });
        match (invitation, service) {
            (true, _) => Kind::Invitation,
            (false, true) => Kind::ServiceAccount,
            (false, false) => Kind::Human,
        }
    }

    /// Whether the resources of type `id` (described by `resource_type` when the sync has it)
    /// are invitations: its id or display name says so.
    pub fn is_invitation_type(id: &str, resource_type: Option<&ResourceType>) -> bool {
        let says = |name: &str| name.to_lowercase().contains("invitation");
        says(id) || resource_type.is_some_and(|rt| says(&rt.display_name))
    }

    /// `human`, `service account` or `invitation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Human => "human",
            Kind::ServiceAccount => "service account",
            Kind::Invitation => "invitation",
        }
    }

    /// The kind `text` names (`human`, `service-account`, `service account`, `invitation`).
    pub fn parse(text: &str) -> Option<Kind> {
        match text.to_lowercase().replace(['-', '_'], " ").trim() {
            "human" | "humans" | "person" | "people" => Some(Kind::Human),
            "service account" | "service accounts" | "service" => Some(Kind::ServiceAccount),
            "invitation" | "invitations" => Some(Kind::Invitation),
            _ => None,
        }
    }
}

/// A text field of the resource's profile (`role`, `sender`, `expires_at`), if it has one.
pub fn profile_text<'a>(resource: &'a Resource, key: &str) -> Option<&'a str> {
    resource
        .profile
        .as_ref()?
        .get(key)?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// Who created a credential: the secret trait's `created_by_id`.
pub fn created_by(resource: &Resource) -> Option<&connector_sdk::ResourceId> {
    resource.annotations.iter().find_map(|a| match a {
        Annotation::SecretTrait(s) => s.created_by_id.as_ref(),
        _ => None,
    })
}

/// A date as listings show it (`2026-08-01`), or `never`.
pub fn date_or_never(at: Option<Timestamp>) -> String {
    let Some(at) = at else {
        return "never".to_owned();
    };
    match jiff::Timestamp::from_second(at.seconds) {
        Ok(t) => t.strftime("%Y-%m-%d").to_string(),
        Err(_) => format!("{}s", at.seconds),
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
    fn a_lifetime_reads_the_secret_trait_and_falls_back_to_the_last_login() {
        use connector_sdk::SecretTrait;
        let rt = ResourceType::new("token", "Token", &[Trait::User, Trait::Secret]);
        let at = |s| Some(Timestamp::from_unix(s, 0));
        let token = |secret: SecretTrait, last_login| {
            let mut user = UserTrait::new();
            user.last_login = last_login;
            Resource::new(&rt, "t1", "ci")
                .with_annotation(user)
                .with_annotation(secret)
        };
        let used = token(
            SecretTrait {
                expires_at: at(2_000_000_000),
                last_used_at: at(1_700_000_000),
                ..SecretTrait::default()
            },
            None,
        );
        let l = Lifetime::of(&used).unwrap();
        assert_eq!(date_or_never(l.expires_at), "2033-05-18");
        assert!(l.unused_since(Timestamp::from_unix(1_800_000_000, 0)));
        assert!(!l.unused_since(Timestamp::from_unix(1_600_000_000, 0)));
        let logged_in = token(SecretTrait::default(), at(1_700_000_000));
        let l = Lifetime::of(&logged_in).unwrap();
        assert_eq!((l.expires_at, l.last_used_at), (None, at(1_700_000_000)));
        assert_eq!(date_or_never(None), "never");
        assert!(Lifetime::of(&user(UserTrait::new())).is_none());
        assert!(
            Lifetime::of(&token(SecretTrait::default(), None))
                .unwrap()
                .unused_since(Timestamp::from_unix(0, 0))
        );
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
