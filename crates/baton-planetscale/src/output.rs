//! Printing results on stdout: aligned tables for people, JSON for scripts.
//!
//! Every write returns its `io::Error` (no `println!`, which panics on a closed pipe), so
//! `inspect … | head` ends quietly: `main` treats a broken pipe as success.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};

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

    /// The table as text: two spaces between columns, no trailing spaces.
    pub fn render(&self) -> String {
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
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(|c| sanitize(c)).unwrap_or_default();
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(&cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    width.saturating_sub(display_width(&cell)),
                ));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Writes `text` to stdout.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write to standard output", e))
}

/// Writes `value` to stdout as pretty JSON and a newline.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    print(&text)
}

/// Writes `table` to stdout, or `empty` when it has no rows.
pub fn print_table(table: &Table, empty: &str) -> Result<()> {
    match table.is_empty() {
        true => print(&format!("{empty}\n")),
        false => print(&table.render()),
    }
}

fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(sanitize(s).as_str())
}

/// Control characters (a newline in a display name) would break the alignment.
fn sanitize(s: &str) -> String {
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
        assert_eq!(t.render(), "ID   Name\nu1   Zoë\nu22  山田太郎\nu3\n");
    }

    #[test]
    fn control_characters_do_not_break_rows() {
        let mut t = Table::new(["A", "B"]);
        t.row(["x\ny", "z"]);
        assert_eq!(t.render(), "A    B\nx y  z\n");
    }
}
