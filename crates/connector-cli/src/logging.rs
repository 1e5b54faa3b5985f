//! Log lines on stderr, console or JSON, at the configured level.
//!
//! Lines are written through the progress bars' `suspend`, so a log line on a terminal never
//! lands in the middle of a bar.

use std::io::Write;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::progress;
use crate::settings::standard::LogFormat;

/// Installs the global subscriber. A second call (tests) keeps the first subscriber.
pub fn init(level: LevelFilter, format: LogFormat, ansi: bool) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(StderrWriter)
        .with_target(level >= LevelFilter::DEBUG);
    // An already installed subscriber (a test calling twice) is fine to keep.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Console => builder.with_ansi(ansi).try_init(),
    };
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
