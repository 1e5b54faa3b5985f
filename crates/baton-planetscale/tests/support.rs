use std::path::Path;

use assert_cmd::Command;
use planetscale_fake::{
    DEFAULT_TOKEN, DEFAULT_TOKEN_ID, DataSpec, Dataset, FakeConfig, FakeServer, TokenConfig,
};
use serde_json::Value;

/// The fake's full-access token as the binary takes it.
pub fn token() -> String {
    format!("{DEFAULT_TOKEN_ID}:{DEFAULT_TOKEN}")
}

/// A fake PlanetScale running on its own runtime, so tests can block on the binary.
pub struct Fake {
    pub server: FakeServer,
    // Dropped after the server (fields drop in order): the server's tasks live on it.
    _runtime: tokio::runtime::Runtime,
}

impl Fake {
    /// The small seeded dataset every special case is in.
    pub fn small() -> Fake {
        Fake::with(FakeConfig::new(DataSpec::small().generate()))
    }

    /// `dataset`, served to the default token.
    pub fn dataset(dataset: Dataset) -> Fake {
        Fake::with(FakeConfig::new(dataset))
    }

    /// The small dataset served to exactly `tokens`.
    pub fn with_tokens(tokens: Vec<TokenConfig>) -> Fake {
        let mut config = FakeConfig::new(DataSpec::small().generate());
        config.tokens = tokens;
        Fake::with(config)
    }

    pub fn with(config: FakeConfig) -> Fake {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(FakeServer::start(config)).unwrap();
        Fake {
            server,
            _runtime: runtime,
        }
    }

    /// The binary, pointed at this fake with the default token in the environment, run in `dir`.
    pub fn cmd(&self, dir: &Path) -> Command {
        let mut cmd = bin(dir);
        cmd.env("BATON_PLANETSCALE_API_URL", self.server.url())
            .env("BATON_PLANETSCALE_SERVICE_TOKEN", token());
        cmd
    }
}

/// The binary with a clean environment, run in `dir`.
pub fn bin(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("baton-planetscale").unwrap();
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

/// Runs `cmd` expecting success and parses its stdout as JSON Lines.
pub fn jsonl(cmd: &mut Command) -> Vec<Value> {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
