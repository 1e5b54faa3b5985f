//! The toy connector the tests drive `connector-cli` with: a few users in two groups, a token
//! it checks, and switches that make it fail, stall or panic the way real connectors do.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_cli::{About, Error, Program, Result, Setting, Values};
use connector_sdk::{
    Annotation, Check, Connector, ConnectorError, Entitlement, ErrorKind, Grant, GroupTrait,
    ListContext, Metadata, Page, Resource, ResourceContext, ResourceSyncer, ResourceType,
    SecretTrait, Timestamp, Trait, UserTrait, ValidationReport,
    provision::{
        AccountContext, AccountManager, GrantContext, Outcome, Plan, PlannedRequest, Provisioned,
        ResourceProvisioner, RevokeContext,
    },
};
use secrecy::ExposeSecret;

/// The only token the toy accepts.
pub const SECRET: &str = "toy-secret-0123456789";

pub const TOKEN: Setting = Setting::secret("toy-token", "Toy token", "The toy's API token")
    .required()
    .from_file()
    .value_name("TOKEN");
pub const USERS: Setting = Setting::int("toy-users", "Users", "How many users the toy has")
    .default("3")
    .value_name("N");
pub const GROUPS: Setting = Setting::list("toy-groups", "Groups", "The toy's groups")
    .default("admins,staff")
    .value_name("NAMES");
pub const DENY: Setting = Setting::bool(
    "toy-deny",
    "Deny",
    "Report the token as lacking the groups access",
);
pub const DELAY_MS: Setting = Setting::int("toy-delay-ms", "Delay", "Milliseconds per call")
    .default("0")
    .value_name("MS");
pub const PANIC: Setting = Setting::bool("toy-panic", "Panic", "Panic while building").hidden();
pub const PROJECTS: Setting = Setting::int(
    "toy-projects",
    "Projects",
    "Projects under each group (children of the group; its members view them through it)",
)
.default("0")
.value_name("N");
pub const NO_MFA: Setting =
    Setting::list("toy-no-mfa", "No MFA", "Users without MFA (ids)").value_name("IDS");

pub const KEYS: Setting = Setting::int(
    "toy-keys",
    "API keys",
    "API keys of the first user: key k expires in a year when k is odd, never when even, and \
     was last used k * 100 days ago (key 0 never)",
)
.default("0")
.value_name("N");

/// The toy as a program.
pub struct Toy;

impl Program for Toy {
    fn about(&self) -> About {
        About {
            name: "toy-connector",
            version: "0.0.1",
            display_name: "Toy",
            summary: "Sync the toy's users and groups into a baton .c1z file",
            description: "",
            help_url: "https://toy.example/help",
        }
    }

    fn settings(&self) -> Vec<Setting> {
        vec![
            TOKEN, USERS, GROUPS, DENY, DELAY_MS, PANIC, PROJECTS, NO_MFA, KEYS,
        ]
    }

    fn connector(&self, values: &Values) -> Result<Box<dyn Connector>> {
        if values.bool(&PANIC) {
            panic!("toy-panic is set: panicking on purpose with {values:?}");
        }
        let token = values.secret(&TOKEN)?.unwrap_or_default();
        if token.expose_secret().contains(' ') {
            return Err(Error::setup(
                "the toy token is invalid",
                std::io::Error::other("it contains a space"),
            ));
        }
        Ok(Box::new(ToyConnector {
            token: token.expose_secret() == SECRET,
            deny: values.bool(&DENY),
            data: Arc::new(Data {
                users: values.int(&USERS).unwrap_or(3),
                groups: values
                    .list(&GROUPS)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
                delay: Duration::from_millis(values.int(&DELAY_MS).unwrap_or(0)),
                projects: values.int(&PROJECTS).unwrap_or(0),
                no_mfa: values
                    .list(&NO_MFA)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
                keys: values.int(&KEYS).unwrap_or(0),
            }),
        }))
    }
}

#[derive(Debug, Default)]
struct Data {
    users: u64,
    groups: Vec<String>,
    delay: Duration,
    projects: u64,
    no_mfa: Vec<String>,
    keys: u64,
}

impl Data {
    /// User `n`: MFA on unless listed in `no_mfa`; SSO on for even users, unknown for odd.
    fn user(&self, n: u64) -> Resource {
        let id = format!("u{n}");
        let mut t = UserTrait::new()
            .with_email(format!("user{n}@toy.example"), true)
            .with_mfa(!self.no_mfa.contains(&id));
        if n.is_multiple_of(2) {
            t = t.with_sso(true);
        }
        user(n).with_annotation(t)
    }

    /// The members of group `group`: the first group holds every user, the others every
    /// second user.
    fn members(&self, group: &str) -> impl Iterator<Item = u64> + '_ {
        let first = self.groups.first().is_some_and(|g| g == group);
        (0..self.users).filter(move |n| first || n % 2 == 0)
    }
}

pub struct ToyConnector {
    token: bool,
    deny: bool,
    data: Arc<Data>,
}

#[async_trait]
impl Connector for ToyConnector {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Toy".into(),
            description: "Users and groups".into(),
        }
    }

    async fn validate(&self) -> std::result::Result<(), ConnectorError> {
        self.report().await?.verdict()
    }

    async fn report_provisioning(&self) -> std::result::Result<Vec<Check>, ConnectorError> {
        Ok(vec![match self.deny {
            true => Check::missing("toy", "write_groups", "grant write_groups to the token"),
            false => Check::ok("toy", "write_groups", "to change group members"),
        }])
    }

    async fn report(&self) -> std::result::Result<ValidationReport, ConnectorError> {
        if !self.token {
            return Err(ConnectorError::new(
                ErrorKind::Unauthenticated,
                "the toy token was refused",
            ));
        }
        let groups = match self.deny {
            true => Check::missing("toy", "read_groups", "grant read_groups to the token"),
            false => Check::ok(
                "toy",
                "read_groups",
                format!("{} groups", self.data.groups.len()),
            ),
        };
        Ok(ValidationReport {
            checks: vec![Check::ok("toy", "read_users", ""), groups],
            ..Default::default()
        })
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        let mut syncers: Vec<Arc<dyn ResourceSyncer>> = vec![
            Arc::new(Users(self.data.clone())),
            Arc::new(Groups {
                data: self.data.clone(),
                refuse: match (self.token, self.deny) {
                    (false, _) => Some(ErrorKind::Unauthenticated),
                    (true, true) => Some(ErrorKind::PermissionDenied),
                    (true, false) => None,
                },
            }),
            Arc::new(Projects(self.data.clone())),
        ];
        // Only when asked for: the other tests' syncs keep their three types.
        if self.data.keys > 0 {
            syncers.push(Arc::new(Keys(self.data.clone())));
        }
        syncers
    }
}

fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
}

fn group_type() -> ResourceType {
    ResourceType::new("group", "Group", &[Trait::Group])
}

fn project_type() -> ResourceType {
    ResourceType::new("project", "Project", &[])
}

fn key_type() -> ResourceType {
    ResourceType::new("api_key", "API key", &[Trait::Secret])
        .with_annotation(Annotation::SkipEntitlementsAndGrants)
}

/// User `n` without its user trait (grants name principals by id only).
fn user(n: u64) -> Resource {
    let name = match n {
        0 => "Ada Lovelace with a display name far longer than any terminal is wide, so tables \
              must cut it to fit"
            .to_owned(),
        n => format!("User {n}"),
    };
    Resource::new(&user_type(), format!("u{n}"), name)
}

struct Users(Arc<Data>);

#[async_trait]
impl AccountManager for Users {
    fn plan_create_account(
        &self,
        cx: &AccountContext,
    ) -> std::result::Result<Plan, ConnectorError> {
        Ok(Plan {
            requests: vec![PlannedRequest {
                method: "POST".into(),
                url: "https://toy.example/users".into(),
                body: Some(serde_json::json!({"email": cx.account.email()})),
            }],
            note: String::new(),
        })
    }

    async fn create_account(
        &self,
        cx: AccountContext,
    ) -> std::result::Result<Provisioned, ConnectorError> {
        let email = cx.account.email().unwrap_or_default().to_owned();
        let known = (0..self.0.users).any(|n| email == format!("user{n}@toy.example"));
        Ok(match known {
            true => Provisioned::new(Outcome::AlreadyExists, format!("{email} has an account")),
            false => Provisioned::new(Outcome::Invited, format!("{email} was invited")),
        })
    }
}

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    fn account_manager(&self) -> Option<&dyn AccountManager> {
        Some(self)
    }

    async fn list(&self, _cx: ListContext) -> std::result::Result<Page<Resource>, ConnectorError> {
        tokio::time::sleep(self.0.delay).await;
        Ok(Page::last(
            (0..self.0.users).map(|n| self.0.user(n)).collect(),
        ))
    }
}

/// The toy's groups; their membership can be changed (the toy keeps no change: each run sees
/// its fixed data, so a grant to a member already exists and one to anyone else is granted).
struct Groups {
    data: Arc<Data>,
    /// How a change is refused: the token is refused, or (`--toy-deny`) lacks the write access.
    refuse: Option<ErrorKind>,
}

impl Groups {
    /// Whether user `user` is in group `group`, and the request a change would send.
    fn member(&self, group: &Resource, user: &Resource) -> (bool, PlannedRequest, String) {
        let n: u64 = user
            .id
            .resource
            .trim_start_matches('u')
            .parse()
            .unwrap_or(u64::MAX);
        let held = self.data.members(&group.id.resource).any(|m| m == n);
        let request = PlannedRequest {
            method: "PUT".into(),
            url: format!(
                "https://toy.example/groups/{}/members/{}",
                group.id.resource, user.id.resource
            ),
            body: Some(serde_json::json!({"member": true})),
        };
        let who = format!("{} in {}", user.display_name, group.display_name);
        (held, request, who)
    }

    fn check_access(&self) -> std::result::Result<(), ConnectorError> {
        match self.refuse {
            Some(ErrorKind::Unauthenticated) => Err(ConnectorError::new(
                ErrorKind::Unauthenticated,
                "the toy token was refused",
            )),
            Some(kind) => Err(ConnectorError::new(
                kind,
                "the toy token lacks write_groups: grant it to the token",
            )),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl ResourceProvisioner for Groups {
    fn plan_grant(&self, cx: &GrantContext) -> std::result::Result<Plan, ConnectorError> {
        let (_, request, _) = self.member(&cx.entitlement.resource, &cx.principal);
        Ok(Plan {
            requests: vec![request],
            note: "The real run sends nothing to a member.".into(),
        })
    }

    async fn grant(&self, cx: GrantContext) -> std::result::Result<Provisioned, ConnectorError> {
        self.check_access()?;
        let (held, _, who) = self.member(&cx.entitlement.resource, &cx.principal);
        Ok(match held {
            true => Provisioned::new(Outcome::AlreadyExists, format!("{who} already")),
            false => Provisioned::new(
                Outcome::Granted {
                    grants: vec![Grant::of(&cx.entitlement, cx.principal.id.clone())],
                },
                format!("{who} now"),
            ),
        })
    }

    fn plan_revoke(&self, cx: &RevokeContext) -> std::result::Result<Plan, ConnectorError> {
        let (_, mut request, _) = self.member(&cx.grant.entitlement.resource, &cx.grant.principal);
        request.method = "DELETE".into();
        request.body = None;
        Ok(Plan {
            requests: vec![request],
            note: String::new(),
        })
    }

    async fn revoke(&self, cx: RevokeContext) -> std::result::Result<Provisioned, ConnectorError> {
        self.check_access()?;
        let (held, _, who) = self.member(&cx.grant.entitlement.resource, &cx.grant.principal);
        Ok(match held {
            true => Provisioned::new(Outcome::Revoked, format!("{who} no more")),
            false => Provisioned::new(Outcome::AlreadyRevoked, format!("{who} was not")),
        })
    }
}

#[async_trait]
impl ResourceSyncer for Groups {
    fn resource_type(&self) -> ResourceType {
        group_type()
    }

    fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
        Some(self)
    }

    async fn list(&self, _cx: ListContext) -> std::result::Result<Page<Resource>, ConnectorError> {
        tokio::time::sleep(self.data.delay).await;
        let groups = self.data.groups.iter().map(|g| {
            let group = Resource::new(&group_type(), g.as_str(), g.as_str())
                .with_annotation(GroupTrait::default());
            match self.data.projects {
                0 => group,
                _ => group.with_annotation(Annotation::child_resource_type("project")),
            }
        });
        Ok(Page::last(groups.collect()))
    }

    async fn entitlements(
        &self,
        cx: ResourceContext,
    ) -> std::result::Result<Page<Entitlement>, ConnectorError> {
        tokio::time::sleep(self.data.delay).await;
        let member =
            Entitlement::assignment(&cx.resource, "member").with_grantable_to(&[&user_type()]);
        Ok(Page::last(vec![member]))
    }

    async fn grants(
        &self,
        cx: ResourceContext,
    ) -> std::result::Result<Page<Grant>, ConnectorError> {
        tokio::time::sleep(self.data.delay).await;
        let grants = self
            .data
            .members(&cx.resource.id.resource)
            .map(|n| Grant::new(&cx.resource, "member", user(n).id));
        Ok(Page::last(grants.collect()))
    }
}

/// `--toy-projects` projects under each group; the group views them, and through grant
/// expansion so does each of its members (their grants record the membership as their source).
struct Projects(Arc<Data>);

#[async_trait]
impl ResourceSyncer for Projects {
    fn resource_type(&self) -> ResourceType {
        project_type()
    }

    async fn list(&self, cx: ListContext) -> std::result::Result<Page<Resource>, ConnectorError> {
        let Some(group) = cx.parent else {
            return Ok(Page::empty());
        };
        let projects = (1..=self.0.projects).map(|p| {
            let id = format!("{}-p{p}", group.resource);
            Resource::new(&project_type(), id.as_str(), id.as_str()).with_parent(group.clone())
        });
        Ok(Page::last(projects.collect()))
    }

    async fn entitlements(
        &self,
        cx: ResourceContext,
    ) -> std::result::Result<Page<Entitlement>, ConnectorError> {
        let viewer = Entitlement::permission(&cx.resource, "viewer")
            .with_grantable_to(&[&user_type(), &group_type()]);
        Ok(Page::last(vec![viewer]))
    }

    async fn grants(
        &self,
        cx: ResourceContext,
    ) -> std::result::Result<Page<Grant>, ConnectorError> {
        let Some(group) = cx.resource.parent.clone() else {
            return Ok(Page::empty());
        };
        let viewer = Grant::new(&cx.resource, "viewer", group.clone()).with_annotation(
            Annotation::GrantExpandable {
                entitlement_ids: vec![format!("{group}:member")],
                shallow: false,
                resource_type_ids: Vec::new(),
            },
        );
        Ok(Page::last(vec![viewer]))
    }
}

/// `--toy-keys` API keys of user 0, with the dates of baton's secret trait.
struct Keys(Arc<Data>);

#[async_trait]
impl ResourceSyncer for Keys {
    fn resource_type(&self) -> ResourceType {
        key_type()
    }

    async fn list(&self, cx: ListContext) -> std::result::Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs() as i64;
        let day = 86_400;
        let keys = (0..self.0.keys).map(|k| {
            let secret = SecretTrait {
                expires_at: (k % 2 == 1).then(|| Timestamp::from_unix(now + 365 * day, 0)),
                last_used_at: (k > 0).then(|| Timestamp::from_unix(now - k as i64 * 100 * day, 0)),
                created_by_id: Some(user(0).id),
                ..SecretTrait::default()
            };
            Resource::new(&key_type(), format!("k{k}"), format!("key {k}")).with_annotation(secret)
        });
        Ok(Page::last(keys.collect()))
    }
}
