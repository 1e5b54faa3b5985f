//! The formats beside the table: CSV records, JSON Lines objects, pretty JSON pieces and
//! `-o long` records; a whole [`Table`] printed in any of them.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::table::{Cell, Table};
use super::terminal::{Out, print, print_tables};
use super::text::sanitize;
use crate::error::Result;
use crate::settings::standard::OutputFormat;

impl Table {
    /// Prints the table in `format`: aligned (or `empty` without rows), CSV, or JSON Lines of
    /// text values. JSON is the caller's (each command has its own shape).
    pub fn print(&self, format: OutputFormat, empty: &str) -> Result<()> {
        match format {
            OutputFormat::Table | OutputFormat::Json => {
                print_tables(std::slice::from_ref(self), empty)
            }
            OutputFormat::Long => match self.is_empty() {
                true => print(&format!("{empty}\n")),
                false => print(&self.records()),
            },
            OutputFormat::Csv | OutputFormat::Jsonl => {
                let mut out = Out::stdout();
                if format == OutputFormat::Csv {
                    out.line(&csv_line(self.keys.iter().map(String::as_str)))?;
                }
                for row in &self.rows {
                    let line = match format {
                        OutputFormat::Csv => csv_line(row.iter().map(String::as_str)),
                        _ => json_line(&self.keys, row.iter().map(|c| Value::from(c.as_str()))),
                    };
                    out.line(&line)?;
                }
                out.finish()
            }
        }
    }

    /// The table as records, one field per line (see [`OutputFormat::Long`]).
    pub fn records(&self) -> String {
        let mut out = String::new();
        for (n, row) in self.rows.iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            let cells: Vec<Cell> = row.iter().map(Cell::from).collect();
            out.push_str(&record(&self.header, &cells));
        }
        out
    }
}

/// One CSV record (RFC 4180): cells with a comma or a quote are quoted. Control characters
/// become spaces, and a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first)
/// gets a leading `'`, so an exported review cannot run a name a server chose.
pub(super) fn csv_line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    let cells: Vec<String> = cells
        .into_iter()
        .map(|cell| {
            let mut text = sanitize(cell.as_ref());
            if text.starts_with(['=', '+', '-', '@']) {
                text.insert(0, '\'');
            }
            match text.contains([',', '"']) || text.starts_with(' ') || text.ends_with(' ') {
                true => format!("\"{}\"", text.replace('"', "\"\"")),
                false => text,
            }
        })
        .collect();
    cells.join(",")
}

/// One JSON Lines object, keys in column order.
pub(super) fn json_line(keys: &[String], values: impl IntoIterator<Item = Value>) -> String {
    let fields: Vec<String> = keys
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{}:{}", quoted(k), v))
        .collect();
    format!("{{{}}}", fields.join(","))
}

pub(super) fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

pub(super) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `text` with every line after the first indented by `by` spaces (JSON strings hold no raw
/// newline, so this only moves structure).
pub(super) fn indent(text: &str, by: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(by)))
}

/// One record of [`OutputFormat::Long`]: `TITLE  value` per field, titles aligned, a list one
/// item per line, nothing cut.
pub(super) fn record(titles: &[String], cells: &[Cell]) -> String {
    let pad = titles.iter().map(|t| t.width()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (title, cell) in titles.iter().zip(cells) {
        let items = match cell {
            Cell::List(items) => items.iter().map(|i| sanitize(i)).collect(),
            cell => vec![sanitize(&cell.text())],
        };
        let label = format!("{title}:");
        let mut first = true;
        for item in items
            .iter()
            .map(String::as_str)
            .chain(items.is_empty().then_some(""))
        {
            let lead = match first {
                true => label.as_str(),
                false => "",
            };
            let line = format!("{lead:<pad$} {item}");
            out.push_str(line.trim_end());
            out.push('\n');
            first = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_show_every_field_whole() {
        let mut t = Table::new(["ID", "GROUPS"]);
        t.row(["u1", "a, b"]);
        assert_eq!(t.records(), "ID:     u1\nGROUPS: a, b\n");
        let cells = [
            Cell::from("u2"),
            Cell::from(vec!["a".to_owned(), "b".to_owned()]),
        ];
        assert_eq!(
            record(&["ID".to_owned(), "GROUPS".to_owned()], &cells),
            "ID:     u2\nGROUPS: a\n        b\n"
        );
    }
}
