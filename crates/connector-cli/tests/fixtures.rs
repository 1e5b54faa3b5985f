use std::path::PathBuf;

use crate::support::{bare as bin, json};

/// baton's own files, kept with the c1z crate's tests.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../c1z/tests/fixtures")
        .join(name)
}

#[test]
fn inspect_reads_baton_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("legacy-unexpanded.c1z");
    let file = file.to_str().unwrap();
    let stats = json(bin(dir.path()).args(["inspect", "-f", file, "stats", "-o", "json"]));
    assert_eq!(stats["totals"]["resourceTypes"], 4);
    assert_eq!(stats["totals"]["resources"], 1221);
    assert_eq!(stats["totals"]["entitlements"], 342);
    assert_eq!(stats["totals"]["grants"], 2909);

    let types = json(bin(dir.path()).args(["inspect", "-f", file, "resource-types", "-o", "json"]));
    assert_eq!(types["resourceTypes"].as_array().unwrap().len(), 4);
    let users = json(bin(dir.path()).args([
        "inspect",
        "-f",
        file,
        "resources",
        "-t",
        "user",
        "-o",
        "json",
    ]));
    assert_eq!(users["resources"].as_array().unwrap().len(), 1000);
    let grants =
        json(bin(dir.path()).args(["inspect", "-f", file, "grants", "-t", "group", "-o", "json"]));
    assert_eq!(grants["grants"].as_array().unwrap().len(), 2120);

    let expanded = fixture("legacy-expanded.c1z");
    let stats = json(bin(dir.path()).args([
        "inspect",
        "-f",
        expanded.to_str().unwrap(),
        "stats",
        "-o",
        "json",
    ]));
    assert_eq!(stats["totals"]["grants"], 14981);
}

#[test]
fn an_unfinished_sync_is_shown_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("sync-in-progress.c1z");
    let out = bin(dir.path())
        .args([
            "inspect",
            "-f",
            file.to_str().unwrap(),
            "stats",
            "-o",
            "json",
        ])
        .assert()
        .success();
    let stats: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(stats["totals"]["resourceTypes"], 5);
    assert_eq!(stats["totals"]["resources"], 79);
    assert_eq!(stats["sync"]["finished"], false);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("has not finished"), "{stderr}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args(["inspect", "-f", "nope.c1z", "stats"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("nope.c1z"),
        "{stderr}"
    );
}
