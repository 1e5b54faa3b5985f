use std::time::{Duration, SystemTime};

use planetscale_fake::{
    DataSpec, FakeConfig, RateLimitConfig, RateLimitModel, RetryAfterStyle, TokenConfig,
};

use crate::support::Fake;

async fn limited(requests_per_minute: u32, burst: u32, retry_after: RetryAfterStyle) -> Fake {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.rate_limit = Some(RateLimitConfig {
        burst,
        retry_after,
        ..RateLimitConfig::new(requests_per_minute)
    });
    config.tokens.push(TokenConfig::full_access(
        "pscale_tkn_other",
        "pscale_tok_other",
    ));
    Fake::start(config).await
}

const PATH: &str = "/v1/organizations/acme";

#[tokio::test]
async fn burst_then_429_with_retry_after_seconds() {
    // One request per 10 s: a slow machine cannot refill the bucket mid-test.
    let fake = limited(6, 2, RetryAfterStyle::Seconds).await;
    assert_eq!(fake.get(PATH).await.status, 200);
    assert_eq!(fake.get(PATH).await.status, 200);
    let limited = fake.get(PATH).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["code"], "too_many_requests");
    let seconds: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((9..=10).contains(&seconds), "{seconds}");
    // Buckets are per token.
    assert_eq!(
        fake.get_as(PATH, Some("pscale_tkn_other:pscale_tok_other"))
            .await
            .status,
        200
    );
    assert_eq!(fake.server.stats().by_status.get(&429), Some(&1));
}

#[tokio::test]
async fn slow_rates_ask_for_longer_waits() {
    let fake = limited(2, 1, RetryAfterStyle::Seconds).await;
    assert_eq!(fake.get(PATH).await.status, 200);
    let limited = fake.get(PATH).await;
    let seconds: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((29..=30).contains(&seconds), "{seconds}");
}

#[tokio::test]
async fn retry_after_as_http_date() {
    let fake = limited(6, 1, RetryAfterStyle::HttpDate).await;
    fake.get(PATH).await;
    let limited = fake.get(PATH).await;
    assert_eq!(limited.status, 429);
    let at = httpdate::parse_http_date(limited.headers["retry-after"].to_str().unwrap()).unwrap();
    let now = SystemTime::now();
    assert!(at > now && at < now + Duration::from_secs(20), "{at:?}");
}

#[tokio::test]
async fn retry_after_absent() {
    let fake = limited(6, 1, RetryAfterStyle::Absent).await;
    fake.get(PATH).await;
    let limited = fake.get(PATH).await;
    assert_eq!(limited.status, 429);
    assert!(limited.headers.get("retry-after").is_none());
}

#[tokio::test]
async fn the_bucket_refills() {
    let fake = limited(600, 1, RetryAfterStyle::Seconds).await;
    assert_eq!(fake.get(PATH).await.status, 200);
    assert_eq!(fake.get(PATH).await.status, 429);
    let mut status = 429;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        status = fake.get(PATH).await.status;
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200, "a request is eventually allowed again");
}

#[tokio::test]
async fn the_limit_changes_while_running() {
    let fake = Fake::small().await;
    assert!(all_ok(&fake, 20).await, "no limit by default");
    let config = RateLimitConfig {
        burst: 1,
        ..RateLimitConfig::new(6)
    };
    fake.server.set_rate_limit(Some(config));
    assert_eq!(fake.get(PATH).await.status, 200);
    assert_eq!(fake.get(PATH).await.status, 429);
    fake.server.set_rate_limit(None);
    assert_eq!(fake.get(PATH).await.status, 200);
}

async fn all_ok(fake: &Fake, n: usize) -> bool {
    for _ in 0..n {
        if fake.get(PATH).await.status != 200 {
            return false;
        }
    }
    true
}

#[tokio::test]
async fn a_rolling_minute_lets_the_quota_go_at_once_then_says_when_it_rolls() {
    let fake = Fake::small().await;
    fake.server.set_rate_limit(Some(RateLimitConfig {
        burst: 1,
        model: RateLimitModel::RollingMinute,
        ..RateLimitConfig::new(6)
    }));
    // The burst setting does not apply: all 6 go at once.
    assert!(all_ok(&fake, 6).await);
    let limited = fake.get(PATH).await;
    assert_eq!(limited.status, 429);
    let seconds: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((59..=60).contains(&seconds), "{seconds}");
}

#[tokio::test]
async fn another_consumer_shares_the_token_quota_and_is_counted() {
    // 120 a minute, of which the other consumer sends 60 (one a second); the bucket of 2 is
    // spent by the sync, so the other consumer's requests meet an empty bucket too.
    let fake = Fake::small().await;
    fake.server.set_rate_limit(Some(RateLimitConfig {
        burst: 2,
        other_consumer_per_minute: 60,
        ..RateLimitConfig::new(120)
    }));
    let mut served = 0;
    for _ in 0..150 {
        served += usize::from(fake.get(PATH).await.status == 200);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let other = fake.server.stats().other_consumer;
    assert!(other.served + other.refused >= 2, "{other:?}");
    // Without the other consumer the sync would get about 2 + 2 a second.
    assert!(served >= 2, "{served}");
    assert_eq!(
        fake.server.stats().by_status.get(&200),
        Some(&served),
        "the other consumer's requests are not recorded"
    );
}
