//! `planetscale-fake`: the fake PlanetScale API as a process, for demos, benchmarks and manual
//! testing. Prints `listening on http://127.0.0.1:PORT` on stdout once ready; logs go to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use planetscale_fake::{
    DataSpec, Dataset, Error, FakeConfig, FakeServer, FaultRule, Latency, RateLimitConfig,
    RateLimitModel, RetryAfterStyle, TokenConfig,
};

/// A fake PlanetScale API server with realistic data, pagination, auth, rate limits and faults.
#[derive(Debug, Parser)]
#[command(name = "planetscale-fake", version)]
struct Args {
    /// A ready-made dataset shape; size flags adjust it.
    #[arg(long, value_enum, conflicts_with = "data")]
    preset: Option<Preset>,
    /// The generation seed.
    #[arg(long, conflicts_with = "data")]
    seed: Option<u64>,
    /// How many organizations to generate.
    #[arg(long, conflicts_with = "data")]
    orgs: Option<usize>,
    /// Members of the largest organization (the others get a quarter and a tenth).
    #[arg(long, conflicts_with = "data")]
    members: Option<usize>,
    /// Teams of the largest organization (the others get a quarter and a tenth).
    #[arg(long, conflicts_with = "data")]
    teams: Option<usize>,
    /// Serve this dataset JSON file instead of generating one.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Write the dataset as JSON to FILE and exit.
    #[arg(long, value_name = "FILE")]
    dump_data: Option<PathBuf>,
    /// A full-access service token as ID:SECRET; repeatable. Default: the built-in fake token.
    #[arg(long = "token", value_name = "ID:SECRET")]
    tokens: Vec<String>,
    /// The accesses of the --token tokens, comma-separated (e.g. read_organization for a token
    /// that cannot change anything). Default: every access.
    #[arg(
        long,
        value_name = "ACCESS,...",
        value_delimiter = ',',
        requires = "tokens"
    )]
    token_accesses: Vec<String>,
    /// Requests per minute per token; 0 turns the limit off.
    #[arg(long, default_value_t = 600, value_name = "RPM")]
    rate_limit: u32,
    /// Requests a token may send at once before the rate applies (default: a tenth of RPM);
    /// token bucket only.
    #[arg(long)]
    burst: Option<u32>,
    /// How a 429 says when to retry.
    #[arg(long, value_enum, default_value_t = RetryAfter::Seconds)]
    retry_after: RetryAfter,
    /// How the rate limit counts requests: a token bucket, or at most RPM in any 60 s.
    #[arg(long, value_enum, default_value_t = Model::TokenBucket)]
    rate_limit_model: Model,
    /// Requests a minute another client of the same token sends (Terraform, CI, a second
    /// sync), drawing on the same quota; 0 for none.
    #[arg(long, default_value_t = 0, value_name = "RPM")]
    other_consumer_rpm: u32,
    /// Delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency_ms: u64,
    /// Extra random delay of up to this many milliseconds on top of --latency-ms.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    jitter_ms: u64,
    /// The port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A JSON file with a list of fault rules active from the start.
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Preset {
    /// Three small organizations with every special case.
    Small,
    /// A realistic small company.
    Demo,
    /// 3 organizations, the largest with 20,000 members and 800 teams.
    Bench,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RetryAfter {
    Seconds,
    HttpDate,
    Absent,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Model {
    TokenBucket,
    RollingMinute,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&*error),
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let dataset = dataset(&args)?;
    if let Some(path) = &args.dump_data {
        dataset.save(path)?;
        tracing::info!(path = %path.display(), "dataset written");
        return Ok(());
    }
    let config = config(&args, dataset)?;
    let server = FakeServer::start(config).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.url())?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(url = %server.url(), "serving the fake PlanetScale API under /v1");
    stopped().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

fn dataset(args: &Args) -> Result<Dataset, Error> {
    if let Some(path) = &args.data {
        return Dataset::load(path);
    }
    let mut spec = match args.preset {
        Some(Preset::Small) => DataSpec::small(),
        Some(Preset::Bench) => DataSpec::bench(),
        Some(Preset::Demo) | None => DataSpec::demo(),
    };
    if let Some(seed) = args.seed {
        spec.seed = seed;
    }
    if let Some(orgs) = args.orgs {
        spec.organizations = orgs;
    }
    if let Some(members) = args.members {
        spec.members_per_org = vec![members, (members / 4).max(1), (members / 10).max(1)];
    }
    if let Some(teams) = args.teams {
        spec.teams_per_org = vec![teams, teams / 4, teams / 10];
    }
    Ok(spec.generate())
}

fn config(args: &Args, dataset: Dataset) -> Result<FakeConfig, Error> {
    let mut config = FakeConfig::new(dataset);
    if !args.tokens.is_empty() {
        config.tokens = args
            .tokens
            .iter()
            .map(|t| token(t))
            .collect::<Result<_, _>>()?;
        if !args.token_accesses.is_empty() {
            for token in &mut config.tokens {
                token.accesses = args.token_accesses.clone();
            }
        }
    }
    config.rate_limit = (args.rate_limit > 0).then(|| RateLimitConfig {
        requests_per_minute: args.rate_limit,
        burst: args.burst.unwrap_or(args.rate_limit / 10).max(1),
        retry_after: match args.retry_after {
            RetryAfter::Seconds => RetryAfterStyle::Seconds,
            RetryAfter::HttpDate => RetryAfterStyle::HttpDate,
            RetryAfter::Absent => RetryAfterStyle::Absent,
        },
        model: match args.rate_limit_model {
            Model::TokenBucket => RateLimitModel::TokenBucket,
            Model::RollingMinute => RateLimitModel::RollingMinute,
        },
        other_consumer_per_minute: args.other_consumer_rpm,
    });
    let (latency, jitter) = (
        Duration::from_millis(args.latency_ms),
        Duration::from_millis(args.jitter_ms),
    );
    config.latency = match (args.latency_ms, args.jitter_ms) {
        (0, 0) => Latency::None,
        (_, 0) => Latency::Fixed(latency),
        _ => Latency::Jitter {
            min: latency,
            max: latency + jitter,
        },
    };
    if let Some(path) = &args.faults {
        let json = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        config.faults =
            serde_json::from_str::<Vec<FaultRule>>(&json).map_err(|source| Error::Json {
                what: "fault list",
                source,
            })?;
    }
    config.port = args.port;
    Ok(config)
}

/// Parses `ID:SECRET`; the message never repeats the value, which holds a secret.
fn token(value: &str) -> Result<TokenConfig, Error> {
    match value.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok(TokenConfig::full_access(id, secret))
        }
        _ => Err(Error::InvalidConfig {
            name: "--token",
            message: "expected ID:SECRET, e.g. --token pscale_tkn_x:pscale_tok_y".to_string(),
        }),
    }
}

/// Waits for SIGINT or SIGTERM.
async fn stopped() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// Prints the error and its causes on one line and returns the failure code.
fn fail(error: &dyn std::error::Error) -> ExitCode {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("planetscale-fake: {message}");
    ExitCode::FAILURE
}
