//! Printing results on stdout: aligned tables for people, JSON for scripts.
//!
//! Every write returns its `io::Error` (no `println!`, which panics on a closed pipe), so
//! `inspect … | head` ends quietly: a broken pipe counts as success. On a terminal, tables fit
//! its width: the widest columns give way first and long cells end in `…` (the full values
//! are in `-o json`); piped, nothing is cut.

use std::io::{IsTerminal, Write};

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::error::{Error, Result};

/// The narrowest a column is squeezed to before the table simply runs wider than the screen.
const MIN_COLUMN: usize = 12;
/// Two spaces between columns.
const GAP: usize = 2;

/// A table with a header row, printed with columns aligned to the widest cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<I, S>(header: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Number of rows, the header excluded.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text: two spaces between columns, no trailing spaces, at most `width`
    /// columns of text wide when given (and when the columns can be squeezed that far).
    pub fn render(&self, width: Option<usize>) -> String {
        let columns = self
            .header
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(display_width(cell));
            }
        }
        if let Some(width) = width {
            fit(&mut widths, width);
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row
                    .get(i)
                    .map(|c| cut(&sanitize(c), *width))
                    .unwrap_or_default();
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(&cell);
                line.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Shrinks the widest columns, one column of text at a time, until the table fits `width` or
/// every column is at [`MIN_COLUMN`] (or its natural width, if narrower).
fn fit(widths: &mut [usize], width: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    while total(widths) > width {
        let Some((i, &widest)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            return;
        };
        if widest <= MIN_COLUMN {
            return;
        }
        widths[i] = widest - 1;
    }
}

/// `text` cut to `width` columns, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The width tables fit on stdout: the terminal's, or `None` when stdout is not a terminal.
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
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
    let rendered: Vec<String> = tables
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| t.render(width))
        .collect();
    print(&rendered.join("\n"))
}

fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(sanitize(s).as_str())
}

/// Control characters (a newline in a display name, an escape sequence a server sent) would
/// break the alignment or drive the terminal: each becomes a space.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_display_width() {
        let mut t = Table::new(["ID", "Name"]);
        t.row(["u1", "Zoë"]);
        t.row(["u22", "山田太郎"]);
        t.row(["u3"]);
        assert_eq!(t.render(None), "ID   Name\nu1   Zoë\nu22  山田太郎\nu3\n");
    }

    #[test]
    fn control_characters_do_not_break_rows() {
        let mut t = Table::new(["A", "B"]);
        t.row(["x\ny", "z\u{1b}[31m"]);
        assert_eq!(t.render(None), "A    B\nx y  z [31m\n");
    }

    #[test]
    fn long_cells_are_cut_to_the_terminal_width() {
        let mut t = Table::new(["ID", "DISPLAY NAME", "EMAIL"]);
        t.row(["u1", &"Long Name ".repeat(20), "ann@example.com"]);
        t.row(["u2", "Bob", "bob@example.com"]);
        let text = t.render(Some(60));
        assert!(text.lines().all(|l| l.width() <= 60), "{text}");
        assert!(text.contains('…'), "{text}");
        assert!(text.contains("ann@example.com"), "{text}");
        assert_eq!(
            t.render(None).lines().next().unwrap().len(),
            2 + 2 + 200 + 2 + 5
        );
    }

    #[test]
    fn wide_characters_are_cut_on_their_boundaries() {
        assert_eq!(cut("山田太郎", 5), "山田…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
