use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

pub use crate::toy::SECRET;

/// The toy binary with a clean environment and JSON logs, run in `dir`, with its token.
pub fn toy(dir: &Path) -> Command {
    let mut cmd = bare(dir);
    cmd.env("BATON_TOY_TOKEN", SECRET);
    cmd
}

/// The toy binary with a clean environment and JSON logs, run in `dir`, without a token.
pub fn bare(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("toy-connector").unwrap();
    cmd.env_clear()
        .current_dir(dir)
        .env("BATON_LOG_FORMAT", "json");
    cmd
}

/// Runs `cmd` expecting success and parses its stdout as JSON.
pub fn json(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out)
        )
    })
}

/// stdout and stderr of a finished command, as text.
pub fn outputs(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// stdout of a finished command, as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Rewrites the `.c1z` at `path` (our v1 container) after running `sql` on its database: how
/// the tests make hostile files out of good ones.
pub fn rewrite(path: &Path, sql: &str) {
    let bytes = std::fs::read(path).unwrap();
    let db = zstd::decode_all(&bytes[5..]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db.sqlite");
    std::fs::write(&db_path, db).unwrap();
    {
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE").unwrap();
        conn.execute_batch(sql).unwrap();
    }
    // Streamed: a hostile database may be gigabytes of repeated bytes.
    let mut out = std::fs::File::create(path).unwrap();
    std::io::Write::write_all(&mut out, b"C1ZF\0").unwrap();
    zstd::stream::copy_encode(std::fs::File::open(&db_path).unwrap(), &mut out, 1).unwrap();
}
