//! What every reliability test needs: the fake on its own runtime, the binary pointed at it,
//! and the content of a `.c1z` reduced to sorted ids.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use c1z::{C1zReader, EntitlementFilter, GrantFilter, ResourceFilter};
use planetscale_fake::{Dataset, FakeConfig, FakeServer, TokenConfig};

/// The token id the reliability fakes accept.
pub const TOKEN_ID: &str = "pscale_tkn_reliability";

/// The secret the reliability fakes accept; no output of the binary may ever hold it.
pub const SECRET: &str = "pscale_tok_RELIABILITYsecret0123456789abcdef";

/// `<id>:<secret>`, as the binary takes it.
pub fn token() -> String {
    format!("{TOKEN_ID}:{SECRET}")
}

/// A fake PlanetScale on its own runtime, so tests can block on the binary.
pub struct Fake {
    pub server: FakeServer,
    // Dropped after the server (fields drop in order): the server's tasks live on it.
    _runtime: tokio::runtime::Runtime,
}

impl Fake {
    /// Serves `dataset` to the reliability token only.
    pub fn new(dataset: Dataset) -> Fake {
        let mut config = FakeConfig::new(dataset);
        config.tokens = vec![TokenConfig::full_access(TOKEN_ID, SECRET)];
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

    /// The binary pointed at this fake with the token in the environment, run in `dir`, writing
    /// `out.c1z`, with no client-side throttle.
    pub fn cmd(&self, dir: &Path) -> Command {
        let mut cmd = bin(dir);
        cmd.env("BATON_PLANETSCALE_API_URL", self.server.url())
            .env("BATON_PLANETSCALE_SERVICE_TOKEN", token())
            .env("BATON_FILE", "out.c1z")
            .env("BATON_REQUESTS_PER_MINUTE", "0");
        cmd
    }

    /// The same as a plain `std::process::Command`, for tests that signal or kill the child.
    pub fn std_cmd(&self, dir: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_baton-planetscale"));
        cmd.env_clear()
            .current_dir(dir)
            .env("BATON_LOG_FORMAT", "json")
            .env("BATON_PLANETSCALE_API_URL", self.server.url())
            .env("BATON_PLANETSCALE_SERVICE_TOKEN", token())
            .env("BATON_FILE", "out.c1z")
            .env("BATON_REQUESTS_PER_MINUTE", "0");
        cmd
    }
}

/// The binary with a clean environment and JSON logs, run in `dir`.
pub fn bin(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("baton-planetscale").unwrap();
    cmd.env_clear()
        .current_dir(dir)
        .env("BATON_LOG_FORMAT", "json");
    cmd
}

/// stdout and stderr of a finished command, as text.
pub fn outputs(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Fails when `text` holds the token's secret.
pub fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what}: the token leaked: {text}");
}

/// What a sync holds, as sorted ids: what an access review compares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    /// `<type>:<id>` of every resource.
    pub resources: Vec<String>,
    /// Every entitlement id.
    pub entitlements: Vec<String>,
    /// Every grant id.
    pub grants: Vec<String>,
}

/// The ids of the latest finished sync in `file`.
pub fn ids(file: &Path) -> Ids {
    let reader = C1zReader::open(file).unwrap();
    let sync = reader.latest_sync().unwrap();
    assert!(
        sync.is_finished(),
        "{}: the latest sync is unfinished",
        file.display()
    );
    let mut resources: Vec<String> = reader
        .resources(&sync.id, ResourceFilter::default())
        .unwrap()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    let mut entitlements: Vec<String> = reader
        .entitlements(&sync.id, EntitlementFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    let mut grants: Vec<String> = reader
        .grants(&sync.id, GrantFilter::default())
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    resources.sort_unstable();
    entitlements.sort_unstable();
    grants.sort_unstable();
    Ids {
        resources,
        entitlements,
        grants,
    }
}

/// The SQLite database inside a `.c1z`: skip the 5-byte magic, zstd-decode the rest.
pub fn decompress(file: &Path) -> Vec<u8> {
    let bytes = std::fs::read(file).unwrap();
    assert_eq!(&bytes[..5], b"C1ZF\0", "{} is a v1 .c1z", file.display());
    zstd::decode_all(&bytes[5..]).unwrap()
}

/// Parses the JSON summary a sync prints with `-o json`.
pub fn summary(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not the JSON summary ({e}): {}", outputs(output)))
}
