//! A [`Listing`]: rows printed as they come in every format; a table holds its first
//! [`MEASURED_ROWS`] rows to align them, then streams.

use serde_json::Value;

use super::formats::{csv_line, indent, json_line, pretty, quoted, record};
use super::table::{Cell, Column, Layout, Table};
use super::terminal::{Out, note_left_out, print_tables, terminal_width};
use super::text::{capped, cut};
use crate::error::Result;
use crate::settings::standard::OutputFormat;

/// How many rows a table measures its columns on before it prints anything: a listing this
/// long or shorter aligns on every row; a longer one prints its later rows as they come, in
/// the widths the first set, holding at most this many rows.
pub const MEASURED_ROWS: usize = 1000;

/// A listing printed in any format as its rows come: CSV, JSON Lines and JSON are written at
/// once; a table holds its first [`MEASURED_ROWS`] rows to align them, then streams.
#[derive(Debug)]
pub struct Listing {
    format: OutputFormat,
    columns: Vec<Column>,
    preface: Vec<Table>,
    table: Table,
    /// Columns CSV and JSON Lines end every row with, and their one value.
    tail: Vec<(Column, Cell)>,
    /// The width a table fits.
    width: Option<usize>,
    /// Once a table outgrew [`MEASURED_ROWS`]: the layout its later rows print in.
    layout: Option<Layout>,
    /// Titles of the columns a streamed table left out, noted at the end.
    dropped: Vec<String>,
    json: JsonShape,
    started: bool,
    rows: usize,
    out: Out,
}

/// What `-o json` prints for a listing.
#[derive(Debug)]
enum JsonShape {
    /// `{ fields…, "key": [ one item per row ] }`, as baton's outputs are.
    List {
        fields: Vec<(String, Value)>,
        key: String,
    },
    /// One document, printed at the end.
    Document(Value),
}

impl Listing {
    /// A listing of `columns`, printed in `format`; in JSON, `{ "<key>": [items] }`.
    pub fn new<I, C>(format: OutputFormat, columns: I, json_key: &str) -> Listing
    where
        I: IntoIterator<Item = C>,
        C: Into<Column>,
    {
        let columns: Vec<Column> = columns.into_iter().map(Into::into).collect();
        let table = Table::new(columns.iter().filter(|c| c.in_table).cloned());
        Listing {
            format,
            columns,
            preface: Vec::new(),
            table,
            tail: Vec::new(),
            width: match format {
                OutputFormat::Table => terminal_width(),
                _ => None,
            },
            layout: None,
            dropped: Vec::new(),
            json: JsonShape::List {
                fields: Vec::new(),
                key: json_key.to_owned(),
            },
            started: false,
            rows: 0,
            out: Out::stdout(),
        }
    }

    /// A field printed before the list in JSON.
    pub fn json_field(mut self, key: &str, value: Value) -> Listing {
        if let JsonShape::List { fields, .. } = &mut self.json {
            fields.push((key.to_owned(), value));
        }
        self
    }

    /// JSON is this document instead of a list of the rows' items.
    pub fn json_document(mut self, document: Value) -> Listing {
        self.json = JsonShape::Document(document);
        self
    }

    /// A table printed before the listing's own (tables only).
    pub fn preface(mut self, table: Table) -> Listing {
        self.preface.push(table);
        self
    }

    /// The listing's output format.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Adds a row: its cells in column order, and (made only for JSON) its JSON item.
    pub fn push(&mut self, cells: Vec<Cell>, json: impl FnOnce() -> Value) -> Result<()> {
        self.start()?;
        self.rows += 1;
        match self.format {
            OutputFormat::Table => {
                // Each cell no wider than the table can be, and no longer than MAX_CELL.
                let width = self.width.unwrap_or(usize::MAX);
                let visible = self.columns.iter().zip(&cells).filter(|(c, _)| c.in_table);
                let row: Vec<String> = visible
                    .map(|(_, cell)| capped(cut(&cell.text(), width)))
                    .collect();
                if self.layout.is_none() && self.table.len() == MEASURED_ROWS {
                    self.stream()?;
                }
                match &self.layout {
                    Some(layout) => self.out.write(&layout.line(&row)),
                    None => {
                        self.table.rows.push(row);
                        Ok(())
                    }
                }
            }
            OutputFormat::Csv => {
                let cells = self.with_tail(cells);
                self.out.line(&csv_line(cells.iter().map(|c| c.text())))
            }
            OutputFormat::Jsonl => {
                let cells = self.with_tail(cells);
                let keys: Vec<String> = self.all_columns().map(|c| c.key.clone()).collect();
                self.out
                    .line(&json_line(&keys, cells.iter().map(Cell::json)))
            }
            OutputFormat::Long => {
                let titles: Vec<String> = self.columns.iter().map(|c| c.title.clone()).collect();
                let sep = if self.rows == 1 { "" } else { "\n" };
                let text = format!("{sep}{}", record(&titles, &cells));
                self.out.write(&text)
            }
            OutputFormat::Json => match &self.json {
                JsonShape::List { .. } => {
                    let item = indent(&pretty(&json()), 4);
                    let sep = if self.rows == 1 { "\n" } else { ",\n" };
                    self.out.write(&format!("{sep}    {item}"))
                }
                JsonShape::Document(_) => Ok(()),
            },
        }
    }

    /// Prints the preface and the rows held so far in the layout those rows set; from then
    /// on each row prints as it comes, in that layout.
    fn stream(&mut self) -> Result<()> {
        for table in std::mem::take(&mut self.preface) {
            if table.is_empty() {
                continue;
            }
            let (text, left_out) = table.fitted(self.width);
            self.dropped.extend(left_out);
            self.out.line(&text)?;
        }
        let layout = self.table.layout(self.width);
        self.dropped.extend(layout.dropped.iter().cloned());
        let rows = std::mem::take(&mut self.table.rows);
        for row in std::iter::once(&self.table.header).chain(&rows) {
            self.out.write(&layout.line(row))?;
        }
        self.layout = Some(layout);
        Ok(())
    }

    /// Prints what is left: the table (or `empty` when it has no rows), the end of the JSON.
    pub fn finish(mut self, empty: &str) -> Result<()> {
        self.start()?;
        match self.format {
            OutputFormat::Table if self.layout.is_some() => {}
            OutputFormat::Table => {
                let mut tables = std::mem::take(&mut self.preface);
                tables.push(std::mem::take(&mut self.table));
                print_tables(&tables, empty)?;
            }
            OutputFormat::Json => match &self.json {
                JsonShape::List { .. } if self.rows == 0 => self.out.write("]\n}\n")?,
                JsonShape::List { .. } => self.out.write("\n  ]\n}\n")?,
                JsonShape::Document(doc) => {
                    let text = format!("{}\n", pretty(doc));
                    self.out.write(&text)?;
                }
            },
            OutputFormat::Long if self.rows == 0 => self.out.line(empty)?,
            OutputFormat::Csv | OutputFormat::Jsonl | OutputFormat::Long => {}
        }
        let dropped = std::mem::take(&mut self.dropped);
        self.out.finish()?;
        note_left_out(&dropped);
        Ok(())
    }

    /// Every row of CSV and JSON Lines says which sync it is from and as of when: `sync_id`
    /// and `as_of` columns after the data (before the sign-off's, when it has them).
    pub fn provenance(mut self, sync_id: &str, as_of: &str) -> Listing {
        self.tail.splice(
            0..0,
            [
                (Column::hidden("sync_id"), Cell::from(sync_id)),
                (Column::hidden("as_of"), Cell::from(as_of)),
            ],
        );
        self
    }

    /// A `key` column with one `value` at the end of CSV and JSON Lines rows (after those
    /// already there): what every row of the export shares, such as the base sync of a diff.
    pub fn constant(mut self, key: &str, value: &str) -> Listing {
        self.tail.push((Column::hidden(key), Cell::from(value)));
        self
    }

    /// Empty `decision` and `comment` columns at the end of CSV and JSON Lines rows, for a
    /// reviewer's sign-off.
    pub fn sign_off(mut self) -> Listing {
        self.tail.extend([
            (Column::hidden("decision"), Cell::from("")),
            (Column::hidden("comment"), Cell::from("")),
        ]);
        self
    }

    /// The columns in CSV order (the [`added`](Column::added) ones after the others), then the
    /// tail's.
    fn all_columns(&self) -> impl Iterator<Item = &Column> {
        self.export_order()
            .map(|i| &self.columns[i])
            .chain(self.tail.iter().map(|(c, _)| c))
    }

    /// Indexes of the columns in CSV order: those not [`added`](Column::added), then those added.
    fn export_order(&self) -> impl Iterator<Item = usize> + '_ {
        let (original, added): (Vec<usize>, Vec<usize>) =
            (0..self.columns.len()).partition(|&i| !self.columns[i].added);
        original.into_iter().chain(added)
    }

    /// `cells` in CSV order, then the tail's.
    fn with_tail(&self, cells: Vec<Cell>) -> Vec<Cell> {
        let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
        let mut ordered: Vec<Cell> = self
            .export_order()
            .map(|i| {
                cells
                    .get_mut(i)
                    .and_then(Option::take)
                    .unwrap_or_else(|| Cell::from(""))
            })
            .collect();
        ordered.extend(self.tail.iter().map(|(_, cell)| cell.clone()));
        ordered
    }

    /// Writes what comes before the first row: the CSV header, the start of the JSON.
    fn start(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.started, true) {
            return Ok(());
        }
        match (self.format, &self.json) {
            (OutputFormat::Csv, _) => {
                let keys: Vec<&str> = self.all_columns().map(|c| c.key.as_str()).collect();
                self.out.line(&csv_line(keys))
            }
            (OutputFormat::Json, JsonShape::List { fields, key }) => {
                let mut head = String::from("{\n");
                for (name, value) in fields {
                    head.push_str(&format!(
                        "  {}: {},\n",
                        quoted(name),
                        indent(&pretty(value), 2)
                    ));
                }
                head.push_str(&format!("  {}: [", quoted(key)));
                self.out.write(&head)
            }
            _ => Ok(()),
        }
    }
}
