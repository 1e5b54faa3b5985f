//! `validate`: checks the credentials and prints what the connector's report says — each
//! access checked, where, and whether the credentials have it; with `--provisioning`, also each
//! write access provisioning needs (some may be `unknown`: not knowable without a change).

use connector_sdk::ValidationReport;

use crate::error::{Error, Result};
use crate::output::{self, Table};
use crate::program::Program;
use crate::settings::Values;
use crate::settings::standard::{OutputFormat, Settings};

/// The command: prints the report, then fails (exit 7) if an access is missing, or (exit 16)
/// if the credentials are refused.
pub(crate) async fn main(
    program: &dyn Program,
    values: &Values,
    settings: &Settings,
) -> Result<()> {
    values.check_required(&program.settings())?;
    let connector = program.connector(values)?;
    let mut report = connector.report().await.map_err(Error::Validate)?;
    if settings.provisioning {
        let writes = connector.report_provisioning().await;
        report.checks.extend(writes.map_err(Error::Validate)?);
    }
    match settings.output {
        OutputFormat::Json => output::print_json(&report)?,
        format => table(&report).print(format, "Nothing to check.")?,
    }
    report.verdict().map_err(Error::Validate)
}

/// The report for people: one row per check.
pub fn table(report: &ValidationReport) -> Table {
    let mut table = Table::new(["SCOPE", "ACCESS", "STATUS", "DETAIL"]);
    for check in &report.checks {
        let detail = match check.detail.is_empty() {
            true => check.remedy.clone(),
            false => check.detail.clone(),
        };
        table.row([
            check.scope.clone(),
            check.name.clone(),
            check.status.as_str().to_owned(),
            detail,
        ]);
    }
    table
}
