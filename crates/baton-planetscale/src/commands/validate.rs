//! `validate`: checks the service token and prints what it reaches: each organization, and
//! whether `read_organization` works there.

use connector_sdk::{ConnectorError, ErrorKind};
use planetscale_connector::{OrgAccess, PlanetScaleConnector, Reach};
use serde_json::json;

use crate::cli::OutputFormat;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::output::{self, Table};

/// Runs the command: prints the reach, then fails (exit 7) if the token cannot sync everything
/// it reaches, or (exit 16) if the token is refused.
pub async fn run(config: &Config) -> Result<()> {
    let api = config.api()?;
    let connector = PlanetScaleConnector::new(api.client.clone());
    let reach = connector.reach().await.map_err(Error::Validate)?;
    match config.settings.output {
        OutputFormat::Json => output::print_json(&to_json(&reach))?,
        OutputFormat::Table => output::print(&render(&reach))?,
    }
    verdict(&reach).map_err(Error::Validate)
}

/// The reach as a table, or a line saying there is nothing.
pub fn render(reach: &Reach) -> String {
    if reach.organizations.is_empty() {
        return "The service token reaches no organization.\n".to_owned();
    }
    let mut table = Table::new(["ORGANIZATION", "ID", "READ_ORGANIZATION", "MEMBERS"]);
    for org in &reach.organizations {
        table.row([
            org.name.clone(),
            org.id.clone(),
            access_label(org.access).to_owned(),
            org.members.map(|n| n.to_string()).unwrap_or_default(),
        ]);
    }
    table.render()
}

/// The reach for scripts.
pub fn to_json(reach: &Reach) -> serde_json::Value {
    let orgs: Vec<_> = reach
        .organizations
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "name": o.name,
                "readOrganization": o.access == OrgAccess::Ok,
                "members": o.members,
            })
        })
        .collect();
    json!({ "organizations": orgs })
}

/// Whether the token can sync every organization it reaches.
pub fn verdict(reach: &Reach) -> Result<(), ConnectorError> {
    if reach.organizations.is_empty() {
        return Err(ConnectorError::new(
            ErrorKind::PermissionDenied,
            "the service token reaches no organization: in PlanetScale, open Organization \
             settings → Service tokens and give the token the read_organization access",
        ));
    }
    let missing: Vec<&str> = reach.missing_access().map(|o| o.name.as_str()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ConnectorError::new(
        ErrorKind::PermissionDenied,
        format!(
            "the service token lacks read_organization on {}: add that access to the token in \
             Organization settings → Service tokens",
            missing.join(", ")
        ),
    ))
}

fn access_label(access: OrgAccess) -> &'static str {
    match access {
        OrgAccess::Ok => "ok",
        OrgAccess::MissingReadOrganization => "missing",
        _ => "unknown",
    }
}
