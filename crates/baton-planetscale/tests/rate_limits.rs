use planetscale_fake::{DataSpec, FakeConfig, RateLimitConfig, RetryAfterStyle};

use crate::support::Fake;

/// PlanetScale's 429s carry no `Retry-After`: the sync waits for the quota, says so while it
/// waits, and its summary reports the 429s met and the time spent waiting.
#[test]
fn waiting_on_the_quota_is_shown_and_summed_up() {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.rate_limit = Some(RateLimitConfig {
        burst: 2,
        retry_after: RetryAfterStyle::Absent,
        ..RateLimitConfig::new(120)
    });
    let fake = Fake::with(config);
    let dir = tempfile::tempdir().unwrap();
    let out = fake.cmd(dir.path()).args(["-o", "json"]).assert().success();
    let output = out.get_output();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(summary["rateLimited"].as_u64().unwrap() >= 1, "{summary}");
    assert!(
        summary["rateLimitWaitSeconds"].as_f64().unwrap() > 0.0,
        "{summary}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the API's rate limit holds requests back"),
        "{stderr}"
    );

    let table = fake.cmd(dir.path()).assert().success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(text.contains("rate limited (429)"), "{text}");
    assert!(text.contains("waiting for the rate limit"), "{text}");
}
