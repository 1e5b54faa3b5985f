//! The changes: a grant, a revoke or an account creation — baton's `--grant-entitlement`,
//! `--revoke-grant` and `--create-account-*` tasks, which run instead of a sync.
//!
//! Nothing changes without `--provisioning`: a task flag without it is a usage error (exit 2).
//! The entitlement, the principal and the grant are names looked up in the last finished full
//! sync of `--file`, as the read-side commands look names up (a sync comes first; a name that
//! matches nothing is an error that suggests the closest), and handed to the connector as that
//! sync stored them. `--dry-run` prints the exact request a change would send and sends
//! nothing. [`run`] is the library call for embedders.

use connector_sdk::provision::{create_account, grant, revoke};
use connector_sdk::{
    CancellationToken, Connector, Entitlement, Grant, Profile, Resource,
    provision::{
        AccountContext, AccountInfo, GrantContext, Mode, Outcome, Provisioned, RevokeContext,
    },
};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::output::{self, Table, sanitize};
use crate::program::Program;
use crate::settings::standard::{
    CREATE_ACCOUNT_EMAIL, CREATE_ACCOUNT_LOGIN, CREATE_ACCOUNT_PROFILE,
    CREATE_ACCOUNT_RESOURCE_TYPE, DRY_RUN, GRANT_ENTITLEMENT, GRANT_PRINCIPAL,
    GRANT_PRINCIPAL_TYPE, OutputFormat, PROVISIONING, REVOKE_GRANT, Settings, TASKS,
};
use crate::settings::{Kind, Setting, Values};

/// One change, named as a person names things.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Task {
    /// Grant an entitlement to a principal.
    Grant {
        /// The entitlement: its id, or a resource and a slug (`acme:admin`).
        entitlement: String,
        /// Who gets it: `type:id`, an id, or an email one user holds exactly (never a display
        /// name, which its holder chooses).
        principal: String,
        /// The principal's resource type, when its name alone is ambiguous.
        principal_type: Option<String>,
    },
    /// Revoke a grant.
    Revoke {
        /// The grant's id.
        grant: String,
    },
    /// Create an account.
    CreateAccount {
        /// The account's resource type; `None` for the only one the connector creates.
        resource_type: Option<String>,
        /// The account.
        account: AccountInfo,
    },
}

impl Task {
    /// The change the settings ask for; `None` for none (a sync). A usage error when the task
    /// flags do not fit together, or come without `--provisioning`.
    pub fn from_values(values: &Values) -> Result<Option<Task>> {
        let Some(first) = TASKS.iter().find(|s| is_set(values, s)) else {
            return Ok(None);
        };
        if !values.bool(&PROVISIONING) {
            return Err(Error::Usage(format!(
                "--{} needs --provisioning (-p): the connected system is changed, or a change \
                 shown, only with it",
                first.name
            )));
        }
        let text = |s: &Setting| {
            values
                .text(s)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let account_flags = [
            CREATE_ACCOUNT_LOGIN,
            CREATE_ACCOUNT_EMAIL,
            CREATE_ACCOUNT_PROFILE,
            CREATE_ACCOUNT_RESOURCE_TYPE,
        ];
        let grant_flags = [GRANT_ENTITLEMENT, GRANT_PRINCIPAL, GRANT_PRINCIPAL_TYPE];
        let asked = [
            grant_flags.iter().any(|s| is_set(values, s)),
            is_set(values, &REVOKE_GRANT),
            account_flags.iter().any(|s| is_set(values, s)),
        ];
        let task = match asked {
            [false, false, false] => {
                return Err(Error::Usage(
                    "--dry-run shows a change: add --grant-entitlement, --revoke-grant or \
                     --create-account-email"
                        .into(),
                ));
            }
            [true, false, false] => {
                let (Some(entitlement), Some(principal)) =
                    (text(&GRANT_ENTITLEMENT), text(&GRANT_PRINCIPAL))
                else {
                    return Err(Error::Usage(
                        "--grant-entitlement and --grant-principal go together: name what to \
                         grant and who gets it"
                            .into(),
                    ));
                };
                Task::Grant {
                    entitlement,
                    principal,
                    principal_type: text(&GRANT_PRINCIPAL_TYPE),
                }
            }
            [false, true, false] => Task::Revoke {
                grant: text(&REVOKE_GRANT).unwrap_or_default(),
            },
            [false, false, true] => {
                let login = text(&CREATE_ACCOUNT_LOGIN).unwrap_or_default();
                let email = text(&CREATE_ACCOUNT_EMAIL);
                if login.is_empty() && email.is_none() {
                    return Err(Error::Usage(
                        "an account needs --create-account-email or --create-account-login".into(),
                    ));
                }
                let profile = match text(&CREATE_ACCOUNT_PROFILE) {
                    Some(json) => profile(&json)?,
                    None => Profile::new(),
                };
                Task::CreateAccount {
                    resource_type: text(&CREATE_ACCOUNT_RESOURCE_TYPE),
                    account: AccountInfo {
                        login,
                        emails: email.into_iter().collect(),
                        profile,
                    },
                }
            }
            _ => {
                return Err(Error::Usage(
                    "--grant-entitlement, --revoke-grant and --create-account-* cannot be used \
                     together: make one change at a time"
                        .into(),
                ));
            }
        };
        Ok(Some(task))
    }

    /// `grant`, `revoke` or `create-account`.
    pub fn action(&self) -> &'static str {
        match self {
            Task::Grant { .. } => "grant",
            Task::Revoke { .. } => "revoke",
            Task::CreateAccount { .. } => "create-account",
        }
    }
}

/// A change made (or, in a dry run, shown).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `grant`, `revoke` or `create-account`.
    pub action: &'static str,
    /// The principal (`type:id (name)`), or the account's email.
    pub who: String,
    /// The entitlement (`id (name)`), the grant's id, or the account's resource type.
    pub what: String,
    /// What the connector did.
    pub provisioned: Provisioned,
}

/// Makes `task` with `connector` (in a dry run, shows it): the library call for embedders. A
/// grant or revoke looks its names up in the last finished full sync of `settings.file`; a
/// grant's principal by id or exact email only
/// ([`principal_for_change`](c1z::Snapshot::principal_for_change)).
pub async fn run(
    connector: &dyn Connector,
    settings: &Settings,
    task: &Task,
    mode: Mode,
) -> Result<Change> {
    run_announced(connector, settings, task, mode, |_| {}).await
}

/// [`run`], calling `announce` with what is about to be done (`granting … to <email>
/// (user:<id>)`) once the names are resolved and before anything is sent.
async fn run_announced(
    connector: &dyn Connector,
    settings: &Settings,
    task: &Task,
    mode: Mode,
    announce: impl FnOnce(&str),
) -> Result<Change> {
    let cancel = CancellationToken::new();
    let failed = |source| Error::Provision {
        action: task.action(),
        source,
    };
    let (who, what, result) = match task {
        Task::Grant {
            entitlement,
            principal,
            principal_type,
        } => {
            let (entitlement, principal) =
                resolve_grant(settings, entitlement, principal, principal_type.as_deref())?;
            let (who, what) = (person(&principal), entitlement_label(&entitlement));
            announce(&doing(task.action(), &what, &who));
            let cx = GrantContext {
                principal,
                entitlement,
                cancel,
            };
            (who, what, grant(connector, cx, mode).await)
        }
        Task::Revoke { grant: id } => {
            let found = resolve_revoke(settings, id)?;
            let (who, what) = (person(&found.principal), found.id.clone());
            announce(&doing(task.action(), &what, &who));
            let cx = RevokeContext {
                grant: found,
                cancel,
            };
            (who, what, revoke(connector, cx, mode).await)
        }
        Task::CreateAccount {
            resource_type,
            account,
        } => {
            let who = account.email().unwrap_or_default().to_owned();
            let what = resource_type.clone().unwrap_or_default();
            announce(&doing(task.action(), &what, &who));
            let cx = AccountContext {
                account: account.clone(),
                cancel,
            };
            let done = create_account(connector, resource_type.as_deref(), cx, mode).await;
            (who, what, done)
        }
    };
    Ok(Change {
        action: task.action(),
        who,
        what,
        provisioned: result.map_err(failed)?,
    })
}

/// The command: builds the connector, makes (or shows) the change, prints what happened.
pub(crate) async fn main(
    program: &dyn Program,
    values: &Values,
    settings: &Settings,
    task: &Task,
) -> Result<()> {
    values.check_required(&program.settings())?;
    let connector = program.connector(values)?;
    let mode = match values.bool(&DRY_RUN) {
        true => Mode::DryRun,
        false => Mode::Apply,
    };
    let announce = |doing: &str| eprintln!("{}", sanitize(&format!("{doing} …")));
    let change = run_announced(connector.as_ref(), settings, task, mode, announce).await?;
    match settings.output {
        OutputFormat::Json => output::print_json(&change.to_json()),
        OutputFormat::Table => output::print(&change.render()),
        format => change.table().print(format, ""),
    }
}

impl Change {
    /// What happened, for people; a dry run lists the requests it would have sent.
    pub fn render(&self) -> String {
        let doing = doing(self.action, &self.what, &self.who);
        let done = &self.provisioned;
        let mut text = match &done.outcome {
            Outcome::DryRun { plan } => {
                let mut text = format!("Dry run, nothing was sent: {doing} would send\n\n");
                for request in &plan.requests {
                    text.push_str(&format!("  {} {}\n", request.method, request.url));
                    if let Some(body) = &request.body {
                        text.push_str(&format!("  {body}\n"));
                    }
                }
                if !plan.note.is_empty() {
                    text.push_str(&format!("\n{}\n", plan.note));
                }
                text
            }
            outcome => format!("{}: {doing}\n", outcome.as_str()),
        };
        if !done.detail.is_empty() && !matches!(done.outcome, Outcome::DryRun { .. }) {
            text.push_str(&done.detail);
            text.push('\n');
        }
        text.lines().map(|l| sanitize(l) + "\n").collect()
    }

    /// What happened, for scripts: the outcome with baton's annotations, the grants made, and a
    /// dry run's plan.
    pub fn to_json(&self) -> Value {
        let done = &self.provisioned;
        let target = match self.action {
            "grant" => "entitlement",
            "revoke" => "grant",
            _ => "resourceType",
        };
        let who = match self.action {
            "create-account" => "account",
            _ => "principal",
        };
        let mut out = json!({
            "action": self.action,
            who: self.who,
            target: self.what,
            "outcome": done.outcome.as_str(),
            "detail": done.detail,
        });
        let annotations: Vec<Value> = done
            .outcome
            .annotations()
            .iter()
            .map(|a| match a {
                connector_sdk::Annotation::Other { type_url, .. } => json!({ "@type": type_url }),
                other => json!(format!("{other:?}")),
            })
            .collect();
        if !annotations.is_empty() {
            out["annotations"] = json!(annotations);
        }
        match &done.outcome {
            Outcome::Granted { grants } if !grants.is_empty() => {
                let ids: Vec<&str> = grants.iter().map(|g| g.id.as_str()).collect();
                out["grants"] = json!(ids);
            }
            Outcome::DryRun { plan } => out["plan"] = json!(plan),
            _ => {}
        }
        out
    }

    /// One row, for CSV and JSON Lines.
    pub fn table(&self) -> Table {
        let mut table = Table::new(["ACTION", "WHO", "WHAT", "OUTCOME", "DETAIL"]);
        let detail = match &self.provisioned.outcome {
            Outcome::DryRun { plan } => plan
                .requests
                .iter()
                .map(|r| format!("{} {}", r.method, r.url))
                .collect::<Vec<_>>()
                .join("; "),
            _ => self.provisioned.detail.clone(),
        };
        table.row([
            self.action.to_owned(),
            self.who.clone(),
            self.what.clone(),
            self.provisioned.outcome.as_str().to_owned(),
            detail,
        ]);
        table
    }
}

/// The entitlement and the principal a grant names, as the last sync stored them.
fn resolve_grant(
    settings: &Settings,
    entitlement: &str,
    principal: &str,
    principal_type: Option<&str>,
) -> Result<(Entitlement, Resource)> {
    let reader = last_sync(settings)?;
    let snapshot = snapshot(&reader)?;
    let entitlement = snapshot.entitlement_named(entitlement, None)?;
    let principal = match principal_type {
        Some(name) => {
            let resource_type = snapshot.resource_type_named(name)?;
            snapshot.principal_for_change(principal, Some(&resource_type.id))?
        }
        None => snapshot.principal_for_change(principal, None)?,
    };
    Ok((entitlement, principal))
}

/// The grant with id `id`, its entitlement and principal as the last sync stored them.
fn resolve_revoke(settings: &Settings, id: &str) -> Result<Grant> {
    let reader = last_sync(settings)?;
    let snapshot = snapshot(&reader)?;
    let Some(mut found) = snapshot.grant(id)? else {
        // Suggest the grants of the same entitlement or principal: a typo, or a grant of an
        // older sync.
        let mut related = Vec::new();
        let mut count = 0u64;
        snapshot.for_each_grant(c1z::GrantFilter::default(), |g| {
            count += 1;
            let principal = format!(":{}", g.principal.id);
            if id.starts_with(&format!("{}:", g.entitlement.id)) || id.ends_with(&principal) {
                related.push(g.id);
            }
            Ok::<(), c1z::Error>(())
        })?;
        let known = format!("the sync has {count} grants: inspect grants lists them");
        let candidates = related.iter().map(String::as_str);
        return Err(snapshot.no_match("grant", id, candidates, known).into());
    };
    complete(&snapshot, &mut found)?;
    Ok(found)
}

/// The grant with id `id` in `snapshot`, with its entitlement and principal as that sync
/// stored them (a grant row holds only their ids): what a revoke hands the connector.
pub(crate) fn stored_grant(snapshot: &c1z::Snapshot<'_>, id: &str) -> Result<Option<Grant>> {
    let Some(mut found) = snapshot.grant(id)? else {
        return Ok(None);
    };
    complete(snapshot, &mut found)?;
    Ok(Some(found))
}

/// Fills `grant`'s entitlement and principal in from `snapshot`.
fn complete(snapshot: &c1z::Snapshot<'_>, grant: &mut Grant) -> Result<()> {
    if let Some(entitlement) = snapshot.entitlement(&grant.entitlement.id)? {
        grant.entitlement = entitlement;
    }
    if let Some(principal) = snapshot.resource(&grant.principal.id)? {
        grant.principal = principal;
    }
    Ok(())
}

/// `--file`, which a sync wrote.
pub(crate) fn last_sync(settings: &Settings) -> Result<c1z::C1zReader> {
    let file = &settings.file;
    if !file.exists() {
        return Err(Error::NotFound(format!(
            "{} does not exist: run a sync first; a grant or revoke looks the entitlement and the \
             principal up in the last sync",
            file.display()
        )));
    }
    super::open(settings, file)
}

/// The sync names are looked up in: the latest finished full sync, else the latest sync (a
/// partial one holds the names of the types it synced), which must have finished.
fn snapshot(reader: &c1z::C1zReader) -> Result<c1z::Snapshot<'_>> {
    let snapshot = reader.snapshot(None)?;
    match snapshot.run().is_finished() {
        true => Ok(snapshot),
        false => Err(Error::NotFound(format!(
            "{} holds no finished sync: run the sync to the end first",
            reader.path().display()
        ))),
    }
}

/// What a change does, in words: `granting <entitlement> to <person>`.
fn doing(action: &str, what: &str, who: &str) -> String {
    match action {
        "grant" => format!("granting {what} to {who}"),
        "revoke" => format!("revoking {what} from {who}"),
        _ => format!("creating the account {who}"),
    }
}

/// How a change names its principal: a person by email and id (`ada@acme.example (user:u1)`),
/// never by the display name they chose; anything else as listings name it.
pub(crate) fn person(principal: &Resource) -> String {
    match principal.user_trait().and_then(|t| t.primary_email()) {
        Some(email) => format!("{email} ({})", principal.id),
        None => c1z::label(principal),
    }
}

/// `id (display name)`, as listings name an entitlement.
fn entitlement_label(e: &Entitlement) -> String {
    match e.display_name.is_empty() || e.display_name == e.id {
        true => e.id.clone(),
        false => format!("{} ({})", e.id, e.display_name),
    }
}

/// Whether `setting` was given.
fn is_set(values: &Values, setting: &Setting) -> bool {
    match setting.kind {
        Kind::Bool => values.bool(setting),
        _ => values.text(setting).is_some(),
    }
}

/// `--create-account-profile`: a JSON object.
fn profile(text: &str) -> Result<Profile> {
    let usage = || {
        Error::Usage(
            "--create-account-profile must be a JSON object, e.g. {\"role\": \"member\"}".into(),
        )
    };
    serde_json::from_str::<serde_json::Map<String, Value>>(text)
        .map_err(|_| usage())?
        .into_iter()
        .map(|(key, value)| {
            let value = serde_json::from_value(value).map_err(|_| usage())?;
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::standard::STANDARD;
    use crate::settings::{Layer, Origin, Value as Raw};

    fn task(flags: &[(&'static str, Raw)]) -> Result<Option<Task>> {
        let layer = Layer::of(Origin::Flags, flags.iter().cloned());
        Task::from_values(&Values::resolve(STANDARD, &[layer]).unwrap())
    }

    fn text(value: &str) -> Raw {
        Raw::Text(value.to_owned())
    }

    #[track_caller]
    fn usage(flags: &[(&'static str, Raw)], says: &str) {
        match task(flags) {
            Err(Error::Usage(message)) => assert!(message.contains(says), "{message}"),
            other => panic!("not a usage error: {other:?}"),
        }
    }

    #[test]
    fn the_task_flags_make_one_task_and_only_with_provisioning() {
        let p = ("provisioning", Raw::Bool(true));
        assert_eq!(task(std::slice::from_ref(&p)).unwrap(), None);
        assert_eq!(task(&[]).unwrap(), None);
        let grant = [
            p.clone(),
            ("grant-entitlement", text("acme:admin")),
            ("grant-principal", text("ada@acme.example")),
        ];
        assert_eq!(
            task(&grant).unwrap(),
            Some(Task::Grant {
                entitlement: "acme:admin".into(),
                principal: "ada@acme.example".into(),
                principal_type: None,
            })
        );
        usage(&grant[1..], "needs --provisioning (-p)");
        usage(
            &[("dry-run", Raw::Bool(true))],
            "--dry-run needs --provisioning",
        );
        usage(
            &grant[..2],
            "--grant-entitlement and --grant-principal go together",
        );
        usage(
            &[p.clone(), ("grant-principal", text("ada"))],
            "go together",
        );
        usage(
            &[p.clone(), ("dry-run", Raw::Bool(true))],
            "--dry-run shows a change",
        );
        usage(
            &[
                grant[0].clone(),
                grant[1].clone(),
                grant[2].clone(),
                ("revoke-grant", text("g")),
            ],
            "one change at a time",
        );
        let revoke = task(&[p.clone(), ("revoke-grant", text(" g1 "))]);
        assert_eq!(revoke.unwrap(), Some(Task::Revoke { grant: "g1".into() }));
    }

    #[test]
    fn an_account_takes_an_email_or_login_and_a_json_profile() {
        let p = ("provisioning", Raw::Bool(true));
        let made = task(&[
            p.clone(),
            ("create-account-email", text("new@acme.example")),
            (
                "create-account-profile",
                text(r#"{"organization": "acme", "role": "member"}"#),
            ),
        ])
        .unwrap()
        .unwrap();
        let Task::CreateAccount {
            account,
            resource_type,
        } = made
        else {
            panic!("{made:?}");
        };
        assert_eq!(resource_type, None);
        assert_eq!(account.email(), Some("new@acme.example"));
        assert_eq!(account.profile["organization"].as_str(), Some("acme"));
        usage(
            &[p.clone(), ("create-account-profile", text("[1]"))],
            "needs --create-account-email",
        );
        usage(
            &[
                p.clone(),
                ("create-account-email", text("a@b")),
                ("create-account-profile", text("role=admin")),
            ],
            "must be a JSON object",
        );
    }
}
