//! Log lines on stderr, console or JSON, at the configured level, and the same events and
//! spans to an OpenTelemetry collector when one is set ([`crate::telemetry`]).
//!
//! Lines are written through the progress bars' `suspend`, so a log line on a terminal never
//! lands in the middle of a bar.

use std::io::Write;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, reload};

use crate::progress;
use crate::settings::standard::LogFormat;
use crate::telemetry::Exporters;

/// Installs the global subscriber: log lines on stderr, and what `exporters` send to an
/// OpenTelemetry collector, behind one level filter. A debug or trace `level` falls back to info
/// at `debug_expires_at` (baton's `log-level-debug-expires-at`): at once when it is past, else
/// when it comes. A second call (tests) keeps the first subscriber.
pub fn init(
    level: LevelFilter,
    debug_expires_at: Option<jiff::Timestamp>,
    format: LogFormat,
    ansi: bool,
    exporters: Option<&Exporters>,
) {
    let debug = level >= LevelFilter::DEBUG;
    let expires_in = debug_expires_at
        .filter(|_| debug)
        .map(|at| at.duration_since(jiff::Timestamp::now()));
    let level = match expires_in {
        Some(left) if !left.is_positive() => LevelFilter::INFO,
        _ => level,
    };
    let (filter, handle) = reload::Layer::new(EnvFilter::new(level.to_string()));
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(StderrWriter)
        .with_target(level >= LevelFilter::DEBUG);
    let lines = match format {
        LogFormat::Json => lines.json().flatten_event(true).boxed(),
        LogFormat::Console => lines.with_ansi(ansi).boxed(),
    };
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(lines)
        .with(exporters.map(Exporters::layer));
    let left = expires_in
        .filter(|left| left.is_positive())
        .and_then(|left| std::time::Duration::try_from(left).ok());
    // An already installed subscriber (a test calling twice) is fine to keep.
    if subscriber.try_init().is_ok()
        && let Some(left) = left
    {
        expire_debug(left, move |filter| handle.reload(filter).is_ok());
    }
}

/// After `left`, sets the level to info through `reload`, on a thread of its own: the runtime
/// may not exist yet, and a sleeping thread costs nothing.
fn expire_debug(
    left: std::time::Duration,
    reload: impl FnOnce(EnvFilter) -> bool + Send + 'static,
) {
    std::thread::spawn(move || {
        std::thread::sleep(left);
        if reload(EnvFilter::new(LevelFilter::INFO.to_string())) {
            tracing::info!("log-level-debug-expires-at has passed: logging at info from now on");
        }
    });
}

/// Writes to stderr with the progress bars hidden for the moment of the write.
#[derive(Clone, Copy, Debug, Default)]
struct StderrWriter;

impl Write for StderrWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        progress::suspend(|| std::io::stderr().lock().write_all(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for StderrWriter {
    type Writer = StderrWriter;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}
