//! Where output goes: stdout (buffered for listings, or at once), the width tables fit, and
//! notes on stderr.

use std::io::{BufWriter, IsTerminal, StdoutLock, Write};

use serde::Serialize;

use super::table::Table;
use super::text::sanitize;
use crate::error::{Error, Result};

/// Buffered stdout; every error says it was writing there.
#[derive(Debug)]
pub(super) struct Out(BufWriter<StdoutLock<'static>>);

impl Out {
    pub(super) fn stdout() -> Out {
        Out(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
    }

    pub(super) fn write(&mut self, text: &str) -> Result<()> {
        self.0
            .write_all(text.as_bytes())
            .map_err(|e| Error::io("cannot write to standard output", e))
    }

    pub(super) fn line(&mut self, text: &str) -> Result<()> {
        self.write(text)?;
        self.write("\n")
    }

    pub(super) fn finish(mut self) -> Result<()> {
        self.0
            .flush()
            .map_err(|e| Error::io("cannot write to standard output", e))
    }
}

/// The width tables fit when stdout is not a terminal and `COLUMNS` does not say.
pub const PIPED_WIDTH: usize = 200;

/// The width tables fit on stdout: `COLUMNS` when set (as shells and `less` set it), else the
/// terminal's, else [`PIPED_WIDTH`] — a table in a file or a pipe reads as well as on a screen;
/// `-o long`, `-o csv` and the other formats cut nothing.
pub fn terminal_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    if let Some(columns) = columns {
        return Some(columns);
    }
    if !std::io::stdout().is_terminal() {
        return Some(PIPED_WIDTH);
    }
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .or(Some(PIPED_WIDTH))
}

/// Writes `text` to stdout.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write to standard output", e))
}

/// Writes `value` to stdout as pretty JSON and a newline.
pub fn print_json(value: &impl Serialize) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    print(&text)
}

/// Writes `tables` to stdout with a blank line between them, fitting the terminal, or `empty`
/// when they have no rows.
pub fn print_tables(tables: &[Table], empty: &str) -> Result<()> {
    if tables.iter().all(Table::is_empty) {
        return print(&format!("{empty}\n"));
    }
    let width = terminal_width();
    let mut dropped = Vec::new();
    let rendered: Vec<String> = tables
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            let (text, left_out) = t.fitted(width);
            dropped.extend(left_out);
            text
        })
        .collect();
    print(&rendered.join("\n"))?;
    note_left_out(&dropped);
    Ok(())
}

/// Says on stderr which columns a table left out to fit the width, and how to see them.
pub fn note_left_out(columns: &[String]) {
    if columns.is_empty() {
        return;
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "note: {} left out to fit {} columns: -o long shows every field, or widen with COLUMNS",
        columns.join(", "),
        terminal_width().unwrap_or(PIPED_WIDTH)
    );
}

/// A `warning:` line on stderr, sanitized, for what is said before logging starts.
pub(crate) fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {}", sanitize(text));
}

/// A `note:` line on stderr, sanitized (sync ids and names come from the file).
pub(crate) fn note(text: &str) {
    // A note is not worth failing for if stderr is gone.
    let _ = writeln!(std::io::stderr().lock(), "note: {}", sanitize(text));
}
