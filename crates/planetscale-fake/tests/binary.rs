use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use planetscale_fake::{DataSpec, Dataset};

use crate::support::default_auth;

const BIN: &str = env!("CARGO_BIN_EXE_planetscale-fake");

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads the one line it prints when ready.
fn start(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (running, url.to_string())
}

/// GETs the organization list from the binary at `url` with `auth`.
async fn organizations(url: &str, auth: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{url}/v1/organizations"))
        .header("Authorization", auth)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn serves_and_announces_its_url() {
    let (_running, url) = start(&["--preset", "small", "--rate-limit", "0"]);
    let reply = organizations(&url, &default_auth()).await;
    assert_eq!(reply.status(), 200);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    let stats: serde_json::Value = reqwest::Client::new()
        .get(format!("{url}/__fake/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"], 1);
}

#[tokio::test]
async fn tokens_and_rate_limit_flags() {
    let (_running, url) = start(&[
        "--preset",
        "small",
        "--token",
        "id1:secret1",
        "--rate-limit",
        "6",
        "--burst",
        "1",
        "--retry-after",
        "absent",
    ]);
    assert_eq!(organizations(&url, "id1:secret1").await.status(), 200);
    let limited = organizations(&url, "id1:secret1").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_none());
    let default = organizations(&url, &default_auth()).await;
    assert_eq!(default.status(), 401, "--token replaces the default token");
}

#[tokio::test]
async fn rolling_minute_and_other_consumer_flags() {
    let (_running, url) = start(&[
        "--preset",
        "small",
        "--rate-limit",
        "6",
        "--rate-limit-model",
        "rolling-minute",
        "--other-consumer-rpm",
        "3",
        "--retry-after",
        "absent",
    ]);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(organizations(&url, &default_auth()).await.status().as_u16());
    }
    // The other consumer already holds half of the rolling minute.
    assert_eq!(statuses, [200, 200, 200, 429]);
}

#[test]
fn dump_data_writes_the_generated_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.json");
    let status = Command::new(BIN)
        .args(["--preset", "small", "--dump-data"])
        .arg(&path)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let dumped = Dataset::load(&path).unwrap();
    assert_eq!(dumped, DataSpec::small().generate());
}

#[tokio::test]
async fn data_and_faults_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.json");
    let mut dataset = DataSpec::small().generate();
    dataset.organizations.truncate(1);
    dataset.save(&data).unwrap();
    let faults = dir.path().join("faults.json");
    std::fs::write(
        &faults,
        r#"[{"fault": "status", "status": 500, "on": {"endpoint": "members"}}]"#,
    )
    .unwrap();
    let (_running, url) = start(&[
        "--data",
        data.to_str().unwrap(),
        "--faults",
        faults.to_str().unwrap(),
    ]);
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{url}{path}"))
            .header("Authorization", default_auth())
            .send()
    };
    let orgs: serde_json::Value = get("/v1/organizations")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orgs["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        get("/v1/organizations/acme/members")
            .await
            .unwrap()
            .status(),
        500
    );
    assert_eq!(
        get("/v1/organizations/acme/members")
            .await
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn bad_flags_fail_with_a_clear_message_and_no_secret() {
    let output = Command::new(BIN)
        .args(["--token", "no-colon-secret"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid --token: expected ID:SECRET"),
        "{stderr}"
    );
    assert!(!stderr.contains("no-colon-secret"), "{stderr}");

    let output = Command::new(BIN)
        .args(["--data", "/nonexistent.json"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot access /nonexistent.json: No such file"),
        "{stderr}"
    );
}
