//! The optional parts of a sync, declared once (the bottom of the crate: it imports nothing of
//! it).
//!
//! [`with_parts!`] holds the one table: per option (a field of [`Options`], a setting of the
//! binary) its setting's name, title and help, and per [`Part`] it turns on the key of its list,
//! the access that list needs, what it holds, its resource type and how that type is listed.
//! Everything else is derived from it: [`Options`] and [`Part`] here; the syncer modules and
//! their list, and the organization's child types in `syncers`; the validation probes in
//! `connector`; the binary's settings (and so the capabilities and config schema); the request
//! formula of the tests and the benchmark's opt-ins (both from [`Part::key`]).

use connector_sdk::paging::FetchedPage;

/// The resource types every sync lists.
pub(crate) const ORGANIZATION: &str = "organization";
/// See [`ORGANIZATION`].
pub(crate) const USER: &str = "user";
/// See [`ORGANIZATION`].
pub(crate) const TEAM: &str = "team";
/// See [`ORGANIZATION`].
pub(crate) const DATABASE: &str = "database";

/// The access every organization needs: its members and teams.
pub(crate) const READ_ORGANIZATION: &str = "read_organization";

/// The days of audit log a first sync reads, unless the settings say otherwise.
pub const DEFAULT_AUDIT_LOG_DAYS: u32 = 30;

/// Calls macro `$then` with the table of the optional parts.
///
/// Per option: `field: "setting", "Title", "help" { parts }`, where the field is the
/// [`Options`] field. Per part: its variant, then
/// - `lists`: how it is listed (below);
/// - `key`: its name in the request formula (`planetscale-fake`'s `OptionalLists`);
/// - `access`: the service-token access its list needs;
/// - `items`: what its list holds, in the plural.
///
/// How a part is listed: `Children(module)`, resources of the type of `syncers::<module>` (the
/// module the table declares: its `ID`, its `Syncer` and the validation probe `Syncer::probe`),
/// children of the organization, which announces them; `Nested(module in parent)`, the same,
/// children of the resources of type `parent` (another part's, under the same option), which
/// announce them; `More(module)`, more resources of a type every sync lists (its probe
/// `syncers::<module>::probe`); `Events`, the audit log's events, no resources.
#[rustfmt::skip]
macro_rules! with_parts {
    ($then:ident) => {
        $then! {
            /// List every database of each organization (`read_database`), not only those teams
            /// and tokens name.
            list_databases: "planetscale-list-databases", "List every database",
                "Also list every database of each organization, not only those teams and tokens \
                 name; needs the read_database access" {
                /// `GET /organizations/{org}/databases`.
                Databases { lists: More(database), key: "databases", access: "read_database",
                            items: "databases" }
            }
            /// Sync service tokens and their accesses (`read_service_tokens`).
            service_tokens: "planetscale-sync-service-tokens", "Sync service tokens",
                "Sync service tokens and their accesses; needs the read_service_tokens access" {
                /// `GET /organizations/{org}/service-tokens`.
                ServiceTokens { lists: Children(service_token), key: "service_tokens",
                                access: "read_service_tokens", items: "service tokens" }
            }
            /// Sync OAuth applications, their tokens and the tokens' accesses
            /// (`read_oauth_applications`, `read_oauth_tokens`).
            oauth_applications: "planetscale-sync-oauth-applications", "Sync OAuth applications",
                "Sync OAuth applications, their tokens and the tokens' accesses; needs the \
                 read_oauth_applications and read_oauth_tokens accesses" {
                /// `GET /organizations/{org}/oauth-applications`.
                OAuthApplications { lists: Children(oauth_application), key: "oauth_applications",
                                    access: "read_oauth_applications",
                                    items: "OAuth applications" }
                /// `GET /organizations/{org}/oauth-applications/{app}/tokens`.
                OAuthTokens { lists: Nested(oauth_token in oauth_application), key: "oauth_applications",
                              access: "read_oauth_tokens", items: "OAuth tokens" }
            }
            /// Sync pending invitations (`write_members`).
            invitations: "planetscale-sync-invitations", "Sync invitations",
                "Sync pending invitations and the roles they will grant; needs the write_members \
                 access" {
                /// `GET /organizations/{org}/invitations`.
                Invitations { lists: Children(invitation), key: "invitations",
                              access: "write_members", items: "invitations" }
            }
            /// Read each organization's audit log into the sync's events (`read_audit_logs`):
            /// who changed what since the previous sync.
            audit_log: "planetscale-sync-audit-log", "Sync the audit log",
                "Keep each organization's audit log (who changed what, when, from where) in the \
                 file, read since the previous sync and carried from sync to sync; needs the \
                 read_audit_logs access" {
                /// `GET /organizations/{org}/audit-log`.
                AuditLog { lists: Events, key: "audit_log", access: "read_audit_logs",
                           items: "audit logs" }
            }
        }
    };
}
pub(crate) use with_parts;

/// How a part is listed (the table's `lists` column, without the module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lists {
    /// Resources of a type of its own, children of the organization.
    Children,
    /// Resources of a type of its own, children of another part's resources.
    Nested,
    /// More resources of a type every sync lists.
    More,
    /// Events (the audit log): no resources.
    Events,
}

macro_rules! lists_kind {
    (Children $(($m:ident))?) => {
        Lists::Children
    };
    (Nested $(($m:ident))?) => {
        Lists::Nested
    };
    (More $(($m:ident))?) => {
        Lists::More
    };
    (Events) => {
        Lists::Events
    };
}

macro_rules! resource_type {
    (Events) => {
        None
    };
    ($lists:ident ($m:ident)) => {
        Some(stringify!($m))
    };
}

macro_rules! parent_type {
    (Children) => {
        Some(ORGANIZATION)
    };
    (Nested in $parent:ident) => {
        Some(stringify!($parent))
    };
    ($lists:ident) => {
        None
    };
}

macro_rules! declare_parts {
    ($(
        $(#[doc = $option_doc:literal])*
        $option:ident: $setting:literal, $title:literal, $help:literal {
            $(
                $(#[doc = $part_doc:literal])*
                $part:ident { lists: $lists:ident $(($module:ident $(in $parent:ident)?))?,
                              key: $key:literal,
                              access: $access:literal, items: $items:literal }
            )+
        }
    )+) => {
        /// The optional parts of a sync, each off by default because it needs an access beyond
        /// `read_organization` (see [`Part::access`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Options {
            $(
                $(#[doc = $option_doc])*
                pub $option: bool,
            )+
            /// How many days of audit log a first sync reads (later syncs read since the previous
            /// one); default [`DEFAULT_AUDIT_LOG_DAYS`](crate::DEFAULT_AUDIT_LOG_DAYS).
            pub audit_log_days: u32,
        }

        impl Default for Options {
            /// No optional part.
            fn default() -> Options {
                Options {
                    $($option: false,)+
                    audit_log_days: DEFAULT_AUDIT_LOG_DAYS,
                }
            }
        }

        impl Options {
            /// Every part.
            pub fn all() -> Options {
                Options {
                    $($option: true,)+
                    ..Options::default()
                }
            }

            /// Whether the sync covers `part`.
            pub fn covers(&self, part: Part) -> bool {
                match part {
                    $($(Part::$part => self.$option,)+)+
                }
            }
        }

        /// A list an optional part of the sync reads, and the access it needs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Part {
            $($(
                $(#[doc = $part_doc])*
                $part,
            )+)+
        }

        impl Part {
            /// Every part, in the order validation reports them.
            pub const ALL: [Part; [$($(stringify!($part),)+)+].len()] = [$($(Part::$part,)+)+];

            /// The service-token access its list needs (for databases, the least of the accesses
            /// any of which lists them).
            pub const fn access(self) -> &'static str {
                match self {
                    $($(Part::$part => $access,)+)+
                }
            }

            /// The setting that turns it on.
            pub const fn setting(self) -> &'static str {
                match self {
                    $($(Part::$part => $setting,)+)+
                }
            }

            /// What its list holds, in the plural.
            pub const fn items(self) -> &'static str {
                match self {
                    $($(Part::$part => $items,)+)+
                }
            }

            /// Its name in the request formula: the parameter of `planetscale-fake`'s minimum
            /// that counts its list (parts one setting turns on share it).
            pub const fn key(self) -> &'static str {
                match self {
                    $($(Part::$part => $key,)+)+
                }
            }

            /// The resource type it lists (`None` for the audit log's events), the name of its
            /// module in `syncers`.
            pub const fn resource_type(self) -> Option<&'static str> {
                match self {
                    $($(Part::$part => resource_type!($lists $(($module))?),)+)+
                }
            }

            /// The resource type whose resources its resources are children of: the
            /// organization's for `Children`, the one named for `Nested`.
            pub const fn parent_type(self) -> Option<&'static str> {
                match self {
                    $($(Part::$part => parent_type!($lists $($(in $parent)?)?),)+)+
                }
            }

            /// How it is listed.
            pub const fn lists(self) -> Lists {
                match self {
                    $($(Part::$part => lists_kind!($lists $(($module))?),)+)+
                }
            }
        }

        /// The setting of each option: its name, title and help, in the table's order.
        pub const OPTION_SETTINGS: &[OptionSetting] = &[$(
            OptionSetting { name: $setting, title: $title, help: $help },
        )+];

        impl OptionSetting {
            /// Whether `options` turns it on.
            pub fn is_on(&self, options: &Options) -> bool {
                $(if self.name == $setting { return options.$option; })+
                false
            }

            /// `options` with it turned on or off.
            pub fn set(&self, options: &mut Options, on: bool) {
                $(if self.name == $setting { options.$option = on; })+
            }
        }
    };
}

with_parts!(declare_parts);

/// The setting that turns an option on: a boolean flag, environment variable and config field
/// of the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionSetting {
    /// The setting's name (the flag without `--`).
    pub name: &'static str,
    /// A name for people.
    pub title: &'static str,
    /// What it does and the access it needs.
    pub help: &'static str,
}

impl OptionSetting {
    /// The parts it turns on.
    pub fn parts(&self) -> impl Iterator<Item = Part> + '_ {
        Part::ALL.into_iter().filter(|p| p.setting() == self.name)
    }
}

impl Options {
    /// The parts the sync covers, in [`Part::ALL`]'s order.
    pub fn parts(&self) -> impl Iterator<Item = Part> + '_ {
        Part::ALL.into_iter().filter(|p| self.covers(*p))
    }

    /// The resource types the sync lists as children of resources of type `parent`: those of
    /// the parts it covers whose parent is `parent`. A resource announces exactly these, so a
    /// part that is off is never announced (the engine stops a sync on a child type no syncer
    /// lists), whichever option its parent's part is under.
    pub fn child_types<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'static str> + 'a {
        let children = self
            .parts()
            .filter(move |p| p.parent_type() == Some(parent));
        children.filter_map(Part::resource_type)
    }
}

/// Whether the service token can read one optional part in one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartReach {
    /// The part.
    pub part: Part,
    /// `Some(true)` when its list answered, `Some(false)` when it answered 404 or 403 (the
    /// access is missing), `None` when there was nothing to check it on (OAuth tokens of an
    /// organization without applications).
    pub readable: Option<bool>,
    /// How many items page 1 counted, when it said.
    pub count: Option<u64>,
}

impl PartReach {
    /// Page 1 of `part`'s list answered.
    pub(crate) fn of<T>(part: Part, page: &FetchedPage<T>) -> PartReach {
        PartReach {
            part,
            readable: Some(true),
            count: page.total_count.or(Some(page.items.len() as u64)),
        }
    }

    /// There was nothing to check `part` on (OAuth tokens of an organization without
    /// applications).
    pub(crate) fn unchecked(part: Part) -> PartReach {
        PartReach {
            part,
            readable: None,
            count: None,
        }
    }

    /// `part`'s list answered 404 or 403.
    pub(crate) fn missing(part: Part) -> PartReach {
        PartReach {
            part,
            readable: Some(false),
            count: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_turns_on_its_parts_and_only_them() {
        for setting in OPTION_SETTINGS {
            let mut options = Options::default();
            setting.set(&mut options, true);
            assert!(setting.is_on(&options));
            let on: Vec<Part> = options.parts().collect();
            assert_eq!(on, setting.parts().collect::<Vec<_>>(), "{}", setting.name);
            assert!(!on.is_empty());
        }
        assert_eq!(Options::all().parts().count(), Part::ALL.len());
    }

    #[test]
    fn a_resource_announces_only_the_child_types_of_parts_that_are_on() {
        let all = Options::all();
        let org: Vec<_> = all.child_types(ORGANIZATION).collect();
        assert_eq!(org, ["service_token", "oauth_application", "invitation"]);
        assert_eq!(
            all.child_types("oauth_application").collect::<Vec<_>>(),
            ["oauth_token"]
        );
        let none = Options::default();
        assert_eq!(none.child_types(ORGANIZATION).count(), 0);
        assert_eq!(none.child_types("oauth_application").count(), 0);
        assert_eq!(all.child_types(DATABASE).count(), 0);
    }
}
