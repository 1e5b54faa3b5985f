//! Sync PlanetScale into a `.c1z` file from a library, without the command-line program: the
//! file is replaced only when the sync ends, and a failed or interrupted sync resumes at the
//! next run (from `<file>.partial`). `read_c1z` reads the result.
//!
//! ```sh
//! PLANETSCALE_SERVICE_TOKEN='<token-id>:<token-value>' \
//!     cargo run -p examples --example sync_into_file -- sync.c1z
//! ```
//!
//! Set `PLANETSCALE_API_URL` to point it elsewhere, e.g. at `planetscale-fake`.

use c1z::WriterOptions;
use connector_sdk::SyncOptions;
use planetscale_client::{Client, Credentials};
use planetscale_connector::PlanetScaleConnector;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sync.c1z".to_owned());
    let token = std::env::var("PLANETSCALE_SERVICE_TOKEN")
        .map_err(|_| "set PLANETSCALE_SERVICE_TOKEN to <token-id>:<token-value>")?;
    let mut builder = Client::builder(Credentials::parse(&token)?);
    if let Ok(url) = std::env::var("PLANETSCALE_API_URL") {
        builder = builder.base_url(&url);
    }
    let connector = PlanetScaleConnector::new(builder.build()?);

    let summary = c1z::sync_into_file(
        &connector,
        path.as_ref(),
        WriterOptions::default(),
        SyncOptions::default(),
    )
    .await?;
    println!(
        "synced into {path} (sync {}): {} resources, {} entitlements, {} grants in {:.1?}",
        summary.sync_id,
        summary.resources(),
        summary.entitlements(),
        summary.grants(),
        summary.duration
    );
    for warning in &summary.warnings {
        println!("warning: {warning}");
    }
    Ok(())
}
