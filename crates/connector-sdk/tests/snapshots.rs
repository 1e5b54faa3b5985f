//! Snapshots of a full toy sync, its summary and the toy's capabilities. Items are sorted, so
//! the snapshots do not depend on how concurrency ordered the writes.

use std::sync::Arc;

use connector_sdk::capabilities;

use crate::toy::{TestConnector, World, lines, reference_sync};

#[tokio::test]
async fn full_toy_sync() {
    let (store, summary) = reference_sync().await;
    insta::assert_snapshot!("toy_sync_content", lines(&store).join("\n"));
    insta::assert_json_snapshot!("toy_sync_summary", summary, { ".duration" => "[duration]" });
}

#[test]
fn toy_capabilities() {
    let connector = TestConnector::toy(&Arc::new(World::new()));
    insta::assert_json_snapshot!("toy_capabilities", capabilities(&connector).to_json());
}
