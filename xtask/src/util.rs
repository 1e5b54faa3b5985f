//! Running commands from the workspace root, with one clear error when they fail.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (xtask's manifest directory's parent).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` when set (relative to the workspace
/// root, as cargo reads it), else `target/` in the workspace root.
pub fn target_dir() -> PathBuf {
    target_dir_of(std::env::var_os("CARGO_TARGET_DIR"))
}

fn target_dir_of(var: Option<std::ffi::OsString>) -> PathBuf {
    match var.filter(|d| !d.is_empty()) {
        // `join` keeps an absolute directory as it is.
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// `cargo` with the workspace root as working directory.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd`, echoing it first; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    // The program and its arguments only: the environment may hold a token.
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// Builds the release binaries the benchmark and the interop harness run, always as one set:
/// Cargo unifies features over the packages it is given, so the same set builds once and a
/// second call is a no-op rather than a rebuild of the TLS and HTTP stack. Returns the folder
/// that holds them (the `expand_c1z` example in its `examples/`).
pub fn release_binaries() -> Result<PathBuf, String> {
    run(cargo().args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "baton-planetscale",
        "-p",
        "baton-directory",
        "-p",
        "planetscale-fake",
        "-p",
        "examples",
        "--bins",
        // The interop harness runs our grant expansion on a file baton-sdk wrote through it.
        "--example",
        "expand_c1z",
    ]))?;
    Ok(target_dir().join("release"))
}

/// Whether `program --version` runs.
pub fn has(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_directory_follows_cargo_target_dir() {
        assert_eq!(target_dir_of(None), root().join("target"));
        assert_eq!(target_dir_of(Some("".into())), root().join("target"));
        assert_eq!(
            target_dir_of(Some("/tmp/t".into())),
            PathBuf::from("/tmp/t")
        );
        assert_eq!(target_dir_of(Some("out".into())), root().join("out"));
    }
}
