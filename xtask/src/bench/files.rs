//! What the benchmarks read back from the files they write, through the binary's own `diff`
//! and `inspect`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::release_bin;

/// Whether two files hold the same resources and grants: the binary's own `diff` finds no
/// access gained or lost and no resource added or removed.
pub(super) fn same_content(old: &Path, new: &Path) -> Result<bool, String> {
    let output = Command::new(release_bin("baton-planetscale"))
        .arg("diff")
        .args([old, new])
        .args(["--output", "json"])
        .output()
        .map_err(|e| format!("running diff: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "diff failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let diff: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("diff JSON: {e}"))?;
    let empty = |key: &str| diff[key].as_array().is_some_and(Vec::is_empty);
    // c1z's `Diff::is_empty`, read from the JSON: access, resources and people's attributes.
    Ok(empty("access")
        && empty("resourcesAdded")
        && empty("resourcesRemoved")
        && empty("attributesChanged"))
}

pub(super) fn grant_count(file: &Path) -> Result<u64, String> {
    let stats = inspect_json(file, "stats")?;
    stats["totals"]["grants"]
        .as_u64()
        .ok_or_else(|| format!("`inspect stats` printed no grant count: {stats}"))
}

pub(super) fn inspect_json(file: &Path, what: &str) -> Result<Value, String> {
    let output = Command::new(release_bin("baton-planetscale"))
        .args(["inspect", "--file"])
        .arg(file)
        .args([what, "--output", "json"])
        .output()
        .map_err(|e| format!("running inspect: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "inspect {what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("inspect {what} JSON: {e}"))
}
