//! Read a `.c1z` file — ours or one written by any baton connector — and print who holds what.
//!
//! ```sh
//! cargo run -p examples --example read_c1z -- sync.c1z
//! ```

use c1z::{C1zReader, GrantFilter, ResourceFilter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sync.c1z".to_owned());
    let reader = C1zReader::open(&path)?;
    let sync = reader.latest_sync()?;
    if !sync.is_finished() {
        eprintln!(
            "note: sync {} never finished; showing what it wrote",
            sync.id
        );
    }
    let counts = reader.counts(&sync.id)?;
    println!(
        "sync {} started {}: {} resources, {} entitlements, {} grants",
        sync.id, sync.started_at, counts.resources, counts.entitlements, counts.grants
    );
    for resource_type in reader.resource_types(&sync.id)? {
        let filter = ResourceFilter {
            resource_type: Some(resource_type.id.clone()),
            ..Default::default()
        };
        let resources = reader.resources(&sync.id, filter)?;
        println!(
            "{}: {} resources",
            resource_type.display_name,
            resources.len()
        );
    }
    for grant in reader
        .grants(&sync.id, GrantFilter::default())?
        .iter()
        .take(10)
    {
        println!("{} holds {}", grant.principal.id, grant.entitlement.id);
    }
    Ok(())
}
