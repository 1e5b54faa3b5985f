//! Sync PlanetScale into memory and look at the result without writing a file: the library
//! path for tools that embed the connector.
//!
//! ```sh
//! PLANETSCALE_SERVICE_TOKEN='<token-id>:<token-value>' \
//!     cargo run -p examples --example planetscale_into_memory
//! ```
//!
//! Set `PLANETSCALE_API_URL` to point it elsewhere, e.g. at `planetscale-fake`.

use connector_sdk::{MemoryStore, SyncOptions, sync};
use planetscale_client::{Client, Credentials};
use planetscale_connector::PlanetScaleConnector;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("PLANETSCALE_SERVICE_TOKEN")
        .map_err(|_| "set PLANETSCALE_SERVICE_TOKEN to <token-id>:<token-value>")?;
    let credentials = Credentials::parse(&token)?;
    let mut builder = Client::builder(credentials);
    if let Ok(url) = std::env::var("PLANETSCALE_API_URL") {
        builder = builder.base_url(&url);
    }
    let connector = PlanetScaleConnector::new(builder.build()?);

    let store = MemoryStore::new();
    let summary = sync(&connector, &store, SyncOptions::default()).await?;
    println!(
        "{} resources, {} entitlements, {} grants in {:.1?}",
        summary.resources(),
        summary.entitlements(),
        summary.grants(),
        summary.duration
    );
    for grant in store
        .grants()
        .iter()
        .filter(|g| g.entitlement.id.ends_with(":admin"))
    {
        println!(
            "admin: {} on {}",
            grant.principal.id, grant.entitlement.resource.id
        );
    }
    for warning in &summary.warnings {
        println!("warning: {warning}");
    }
    Ok(())
}
