//! Bad input, one row each: a clear error (a substring of the `error:` line), the documented
//! exit code, no request to PlanetScale when the input is wrong before any is needed, and
//! nothing written.

use std::path::Path;

use planetscale_fake::{DataSpec, Dataset};

use crate::support::{Fake, assert_no_secret, bin, outputs};

/// One bad input.
struct Row {
    /// What is wrong.
    name: &'static str,
    /// Prepares files in the working directory.
    setup: fn(&Path),
    /// The service token in the environment.
    token: &'static str,
    /// Arguments.
    args: &'static [&'static str],
    /// Exit code.
    code: i32,
    /// A substring of the error line.
    message: &'static str,
}

const GOOD: &str = "pscale_tkn_reliability:pscale_tok_RELIABILITYsecret0123456789abcdef";

fn nothing(_: &Path) {}

fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "token without a colon",
            setup: nothing,
            token: "pscale_tok_nocolon",
            args: &[],
            code: 1,
            message: "service token has no colon",
        },
        Row {
            name: "token with an empty id",
            setup: nothing,
            token: ":pscale_tok_x",
            args: &[],
            code: 1,
            message: "service token id is empty",
        },
        Row {
            name: "token with an empty value",
            setup: nothing,
            token: "pscale_tkn_x:",
            args: &[],
            code: 1,
            message: "service token value is empty",
        },
        Row {
            name: "token with a space",
            setup: nothing,
            token: "pscale_tkn_x :pscale_tok_x",
            args: &[],
            code: 1,
            message: "contains whitespace",
        },
        Row {
            name: "token in the environment ending in a newline",
            setup: nothing,
            token: "pscale_tkn_x:pscale_tok_x\n",
            args: &[],
            code: 1,
            message: "check for a trailing newline",
        },
        Row {
            name: "ftp URL",
            setup: nothing,
            token: GOOD,
            args: &["--planetscale-api-url", "ftp://api.example.com"],
            code: 1,
            message: "the scheme \"ftp\" is not http or https",
        },
        Row {
            name: "plain http to a non-loopback host without the opt-in",
            setup: nothing,
            token: GOOD,
            args: &["--planetscale-api-url", "http://api.example.com"],
            code: 1,
            message: "plain http sends the token in clear text",
        },
        Row {
            name: "URL with embedded credentials",
            setup: nothing,
            token: GOOD,
            args: &["--planetscale-api-url", "https://user:pass@api.example.com"],
            code: 1,
            message: "it embeds credentials",
        },
        Row {
            name: "URL without a host",
            setup: nothing,
            token: GOOD,
            args: &["--planetscale-api-url", "https://"],
            code: 1,
            message: "it has no host",
        },
        Row {
            name: "URL without a scheme",
            setup: nothing,
            token: GOOD,
            args: &["--planetscale-api-url", "api.planetscale.com"],
            code: 1,
            message: "it has no scheme",
        },
        Row {
            name: "malformed config file",
            setup: |dir| std::fs::write(dir.join("c.yaml"), "workers: [1\n").unwrap(),
            token: GOOD,
            args: &["--config", "c.yaml"],
            code: 1,
            message: "config file c.yaml is invalid",
        },
        Row {
            name: "config file with unknown keys",
            setup: |dir| {
                std::fs::write(dir.join("c.yaml"), "colour: red\nworkers: 2\nspeed: 9\n").unwrap()
            },
            token: GOOD,
            args: &["--config", "c.yaml"],
            code: 1,
            message: "unknown keys: colour, speed",
        },
        // Whoever may write the config file could send the token elsewhere (before: a
        // world-writable config naming another host got the token).
        Row {
            name: "config file others may write, naming the API URL",
            setup: |dir| {
                let config = dir.join("c.yaml");
                std::fs::write(
                    &config,
                    "planetscale-api-url: http://127.0.0.1:9/\nallow-insecure-http: true\n",
                )
                .unwrap();
                set_mode(&config, 0o666);
            },
            token: GOOD,
            args: &["--config", "c.yaml"],
            code: 1,
            message: "config file c.yaml can be written by other users: restrict it with chmod \
                      600 (it sets planetscale-api-url, allow-insecure-http",
        },
        Row {
            name: "config file others may write, holding the token",
            setup: |dir| {
                let config = dir.join("c.yaml");
                std::fs::write(&config, format!("planetscale-service-token: {GOOD}\n")).unwrap();
                set_mode(&config, 0o646);
            },
            token: GOOD,
            args: &["--config", "c.yaml"],
            code: 1,
            message: "(it sets planetscale-service-token:",
        },
        Row {
            name: "config file missing",
            setup: nothing,
            token: GOOD,
            args: &["--config", "absent.yaml"],
            code: 1,
            message: "cannot read config file absent.yaml",
        },
        Row {
            name: "output in a missing directory",
            setup: nothing,
            token: GOOD,
            args: &["--file", "missing/out.c1z"],
            code: 1,
            message: "directory missing does not exist",
        },
        Row {
            name: "output in a read-only directory",
            setup: |dir| {
                std::fs::create_dir(dir.join("ro")).unwrap();
                set_mode(&dir.join("ro"), 0o555);
            },
            token: GOOD,
            args: &["--file", "ro/out.c1z"],
            code: 1,
            message: "directory ro is read-only",
        },
        Row {
            name: "--file exists and is not a .c1z",
            setup: |dir| std::fs::write(dir.join("notes.txt"), "keep me\n").unwrap(),
            token: GOOD,
            args: &["--file", "notes.txt"],
            code: 1,
            message: "is not a .c1z file; refusing to overwrite it",
        },
        Row {
            name: "--file is a v3 .c1z",
            setup: |dir| std::fs::write(dir.join("v3.c1z"), b"C1Z3\0pebble").unwrap(),
            token: GOOD,
            args: &["--file", "v3.c1z"],
            code: 1,
            message: "baton v3 (Pebble) .c1z",
        },
        Row {
            name: "workers 0",
            setup: nothing,
            token: GOOD,
            args: &["--workers", "0"],
            code: 1,
            message: "workers must be at least 1",
        },
        Row {
            name: "timeout out of range",
            setup: nothing,
            token: GOOD,
            args: &["--http-timeout-seconds", "0"],
            code: 1,
            message: "http-timeout-seconds must be between 1 and 1800",
        },
        Row {
            name: "unknown flag",
            setup: nothing,
            token: GOOD,
            args: &["--colour", "red"],
            code: 2,
            message: "unexpected argument '--colour'",
        },
    ]
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

fn check(fake: &Fake, row: &Row) {
    let dir = tempfile::tempdir().unwrap();
    (row.setup)(dir.path());
    let before = snapshot(dir.path());
    let requests = fake.server.request_count();
    let out = fake
        .cmd(dir.path())
        .env("BATON_PLANETSCALE_SERVICE_TOKEN", row.token)
        .env_remove("BATON_FILE")
        .args(row.args)
        .output()
        .unwrap();
    let text = outputs(&out);
    assert_eq!(out.status.code(), Some(row.code), "{}: {text}", row.name);
    let error = text
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("{}: no error line: {text}", row.name));
    assert!(error.contains(row.message), "{}: {error}", row.name);
    assert!(!text.contains("panicked"), "{}: {text}", row.name);
    assert_no_secret(row.name, &text);
    assert_eq!(snapshot(dir.path()), before, "{}: files changed", row.name);
    assert!(!dir.path().join("sync.c1z").exists(), "{}", row.name);
    assert_eq!(
        fake.server.request_count(),
        requests,
        "{}: requests",
        row.name
    );
}

#[test]
fn every_bad_input_is_refused_clearly_and_writes_nothing() {
    let fake = Fake::new(DataSpec::small().generate());
    for row in rows() {
        check(&fake, &row);
    }
}

/// The one tolerance: a token FILE may end in a newline (editors and `echo` add one).
#[test]
fn a_newline_at_the_end_of_a_token_file_is_tolerated() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    for ending in ["\n", "\r\n"] {
        std::fs::write(dir.path().join("token"), format!("{GOOD}{ending}")).unwrap();
        set_mode(&dir.path().join("token"), 0o600);
        let out = fake
            .cmd(dir.path())
            .env_remove("BATON_PLANETSCALE_SERVICE_TOKEN")
            .args(["--planetscale-service-token-file", "token", "validate"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{ending:?}: {}", outputs(&out));
    }
}

/// A response body over the client's bound (32 MiB) is refused without reading it all.
#[test]
fn an_oversized_response_body_is_refused() {
    let mut dataset: Dataset = DataSpec::small().generate();
    let huge = "x".repeat(33 * 1024 * 1024);
    dataset.organizations[0].members[0]["user"]["display_name"] = huge.into();
    let fake = Fake::new(dataset);
    let dir = tempfile::tempdir().unwrap();
    let out = fake.cmd(dir.path()).output().unwrap();
    let text = outputs(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("larger than"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.len() < 10_000, "the body is not echoed");
    assert!(!dir.path().join("out.c1z").exists());
}

/// `inspect` on every kind of broken file: a clear error, exit 1, the file untouched.
#[test]
fn inspect_refuses_every_bad_c1z() {
    let fake = Fake::new(DataSpec::small().generate());
    let dir = tempfile::tempdir().unwrap();
    let out = fake.cmd(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", outputs(&out));
    let good = std::fs::read(dir.path().join("out.c1z")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not a c1z",
            b"hello, world\n".to_vec(),
            "does not start with the C1ZF magic",
        ),
        ("empty", Vec::new(), "is empty"),
        ("truncated", good[..good.len() / 2].to_vec(), "bad.c1z"),
        ("v3 magic", b"C1Z3\0pebble data".to_vec(), "v3 (Pebble)"),
        (
            "SQLite missing a table",
            without_table(dir.path(), &good, "v1_grants"),
            "v1_grants",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join("bad.c1z");
        std::fs::write(&path, &bytes).unwrap();
        let out = bin(dir.path())
            .args(["inspect", "-f", "bad.c1z", "resources"])
            .output()
            .unwrap();
        let text = outputs(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {text}");
        let error = text
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_default();
        assert!(error.contains(message), "{name}: {text}");
        assert!(!text.contains("panicked"), "{name}: {text}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: file changed");
    }
}

/// `good` with table `table` dropped from its database, compressed again.
fn without_table(dir: &Path, good: &[u8], table: &str) -> Vec<u8> {
    let db = dir.join("work.db");
    std::fs::write(&db, zstd::decode_all(&good[5..]).unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!("DROP TABLE {table};")).unwrap();
    drop(conn);
    let mut bytes = b"C1ZF\0".to_vec();
    bytes.extend(zstd::encode_all(&std::fs::read(&db).unwrap()[..], 3).unwrap());
    bytes
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}
