//! `capabilities`: what the connector can do, per resource type, as baton prints it
//! (`baton_capabilities.json`).

use planetscale_client::{Client, Credentials};
use planetscale_connector::PlanetScaleConnector;

use crate::error::{Error, Result};
use crate::output;

/// The capabilities document.
pub fn document() -> Result<serde_json::Value> {
    Ok(connector_sdk::capabilities(&offline_connector()?).to_json())
}

/// Prints the capabilities document.
pub fn run() -> Result<()> {
    output::print_json(&document()?)
}

/// A connector whose syncers can describe themselves but that never sends a request: its
/// client holds placeholder credentials, so no token is needed to print capabilities.
fn offline_connector() -> Result<PlanetScaleConnector> {
    let credentials = Credentials::parse("capabilities:offline").map_err(Error::Credentials)?;
    let client = Client::builder(credentials)
        .build()
        .map_err(Error::Client)?;
    Ok(PlanetScaleConnector::new(client))
}
