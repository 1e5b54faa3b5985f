//! Printing results on stdout: aligned tables for people; JSON (baton's shapes), CSV and JSON
//! Lines for scripts and spreadsheets.
//!
//! Every write returns its `io::Error` (no `println!`, which panics on a closed pipe), so
//! `inspect … | head` ends quietly: a broken pipe counts as success. On a terminal, tables fit
//! its width: the widest columns give way first and long cells end in `…` (the full values
//! are in the other formats); piped, nothing is cut. Control characters a server or a file
//! supplied never reach the terminal: every table cell, CSV cell and error line is sanitized.
//!
//! A [`Listing`] prints rows as they come in every format. A table measures its columns on its
//! first [`MEASURED_ROWS`] rows; a longer one prints every later row in those widths (cutting
//! what is wider), so memory stays bounded whatever the file holds.

use std::io::{BufWriter, IsTerminal, StdoutLock, Write};

use serde::Serialize;
use serde_json::Value;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::error::{Error, Result};
use crate::settings::standard::OutputFormat;

/// The narrowest a column is squeezed to before the table simply runs wider than the screen.
const MIN_COLUMN: usize = 12;
/// Two spaces between columns.
const GAP: usize = 2;
/// How many rows a table measures its columns on before it prints anything: a listing this
/// long or shorter aligns on every row; a longer one prints its later rows as they come, in
/// the widths the first set, holding at most this many rows.
pub const MEASURED_ROWS: usize = 1000;

/// A column: its title in tables, its key in CSV headers and JSON Lines (the title in
/// snake case unless given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The title, e.g. `DISPLAY NAME`.
    pub title: String,
    /// The key, e.g. `display_name`.
    pub key: String,
    /// Whether tables show it (CSV and JSON Lines always do).
    pub in_table: bool,
    /// Which columns a table too narrow for all of them leaves out first: the highest, then
    /// the rightmost; 0 is never left out.
    pub priority: u8,
}

impl Column {
    /// A column with its own key.
    pub fn keyed(title: impl Into<String>, key: impl Into<String>) -> Column {
        Column {
            title: title.into(),
            key: key.into(),
            in_table: true,
            priority: 0,
        }
    }

    /// This column, left out of tables too narrow for it before those of lower `priority`.
    pub fn optional(mut self, priority: u8) -> Column {
        self.priority = priority;
        self
    }

    /// A column for CSV and JSON Lines only.
    pub fn hidden(key: &str) -> Column {
        Column {
            in_table: false,
            ..Column::keyed(key.to_uppercase().replace('_', " "), key)
        }
    }
}

impl From<&str> for Column {
    fn from(title: &str) -> Column {
        let key = title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect::<String>();
        Column::keyed(title, key)
    }
}

impl From<String> for Column {
    fn from(title: String) -> Column {
        Column::from(title.as_str())
    }
}

/// One cell of a [`Listing`]: text, a flag that may be unknown, a list, or a count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// `on`, `off` or `unknown` in text; `true`, `false` or `null` in JSON.
    Flag(Option<bool>),
    /// Items joined with `, ` in text; an array in JSON.
    List(Vec<String>),
    /// A number.
    Count(u64),
}

impl Cell {
    /// The cell as tables and CSV show it.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Flag(f) => c1z::flag(*f).to_owned(),
            Cell::List(items) => items.join(", "),
            Cell::Count(n) => n.to_string(),
        }
    }

    /// The cell as JSON Lines show it.
    pub fn json(&self) -> Value {
        match self {
            Cell::Text(t) => Value::from(t.as_str()),
            Cell::Flag(f) => f.map_or(Value::Null, Value::from),
            Cell::List(items) => Value::from(items.clone()),
            Cell::Count(n) => Value::from(*n),
        }
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Cell {
        Cell::Text(t)
    }
}

impl From<&str> for Cell {
    fn from(t: &str) -> Cell {
        Cell::Text(t.to_owned())
    }
}

impl From<&String> for Cell {
    fn from(t: &String) -> Cell {
        Cell::Text(t.clone())
    }
}

impl From<Option<bool>> for Cell {
    fn from(f: Option<bool>) -> Cell {
        Cell::Flag(f)
    }
}

impl From<Vec<String>> for Cell {
    fn from(items: Vec<String>) -> Cell {
        Cell::List(items)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Count(n)
    }
}

/// A table with a header row, printed with columns aligned to the widest cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    header: Vec<String>,
    keys: Vec<String>,
    priorities: Vec<u8>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns (titles, or [`Column`]s).
    pub fn new<I, C>(header: I) -> Table
    where
        I: IntoIterator<Item = C>,
        C: Into<Column>,
    {
        let columns: Vec<Column> = header.into_iter().map(Into::into).collect();
        Table {
            header: columns.iter().map(|c| c.title.clone()).collect(),
            priorities: columns.iter().map(|c| c.priority).collect(),
            keys: columns.into_iter().map(|c| c.key).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty. A cell is cut to [`MAX_CELL`] bytes (with `…`)
    /// before anything measures it: a table holds its rows until it is printed.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let cells = cells.into_iter().map(|c| capped(c.into()));
        self.rows.push(cells.collect());
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
    /// columns of text wide when given: long cells are cut (ending in `…`), and when even
    /// squeezed columns do not fit, optional columns are left out (see [`Table::fitted`]).
    pub fn render(&self, width: Option<usize>) -> String {
        self.fitted(width).0
    }

    /// [`render`](Table::render), and the titles of the columns left out to fit `width`.
    pub fn fitted(&self, width: Option<usize>) -> (String, Vec<String>) {
        let layout = self.layout(width);
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            out.push_str(&layout.line(row));
        }
        (out, layout.dropped)
    }

    /// The columns shown and their widths: each column as wide as its widest cell (header
    /// included), squeezed and thinned to fit `width` when given.
    fn layout(&self, width: Option<usize>) -> Layout {
        let columns = self
            .header
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut natural = vec![0; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                natural[i] = natural[i].max(display_width(cell));
            }
        }
        let mut shown: Vec<usize> = (0..columns).collect();
        let mut widths = natural.clone();
        if let Some(width) = width {
            loop {
                let mut fitted: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
                let fits = fit(&mut fitted, width);
                let droppable = shown
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| self.priorities.get(**i).copied().unwrap_or(0) > 0)
                    .max_by_key(|(at, i)| (self.priorities[**i], *at))
                    .map(|(at, _)| at);
                match (fits, droppable) {
                    (false, Some(at)) => {
                        shown.remove(at);
                    }
                    _ => {
                        for (&i, w) in shown.iter().zip(fitted) {
                            widths[i] = w;
                        }
                        break;
                    }
                }
            }
        }
        let dropped = (0..columns)
            .filter(|i| !shown.contains(i))
            .filter_map(|i| self.header.get(i).cloned())
            .collect();
        Layout {
            shown,
            widths,
            dropped,
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

/// How a table prints: which columns, how wide, and the titles of those left out.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Layout {
    /// Indexes of the columns shown, in order.
    shown: Vec<usize>,
    /// The width of every column (shown or not).
    widths: Vec<usize>,
    /// Titles of the columns left out to fit.
    dropped: Vec<String>,
}

impl Layout {
    /// One line of the table: each shown cell sanitized, cut to its column's width (ending in
    /// `…`) and padded to it, two spaces between, no trailing spaces.
    fn line(&self, row: &[String]) -> String {
        let mut line = String::new();
        for (n, &i) in self.shown.iter().enumerate() {
            let width = self.widths[i];
            let cell = row
                .get(i)
                .map(|c| cut(&sanitize(c), width))
                .unwrap_or_default();
            if n > 0 {
                line.push_str("  ");
            }
            line.push_str(&cell);
            line.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
        }
        let mut line = line.trim_end().to_owned();
        line.push('\n');
        line
    }
}

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
}

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

    /// Empty `decision` and `comment` columns at the end of CSV and JSON Lines rows, for a
    /// reviewer's sign-off.
    pub fn sign_off(mut self) -> Listing {
        self.tail.extend([
            (Column::hidden("decision"), Cell::from("")),
            (Column::hidden("comment"), Cell::from("")),
        ]);
        self
    }

    /// The columns and then the tail's.
    fn all_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().chain(self.tail.iter().map(|(c, _)| c))
    }

    /// `cells` and then the tail's.
    fn with_tail(&self, mut cells: Vec<Cell>) -> Vec<Cell> {
        cells.extend(self.tail.iter().map(|(_, cell)| cell.clone()));
        cells
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

/// Buffered stdout; every error says it was writing there.
#[derive(Debug)]
struct Out(BufWriter<StdoutLock<'static>>);

impl Out {
    fn stdout() -> Out {
        Out(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
    }

    fn write(&mut self, text: &str) -> Result<()> {
        self.0
            .write_all(text.as_bytes())
            .map_err(|e| Error::io("cannot write to standard output", e))
    }

    fn line(&mut self, text: &str) -> Result<()> {
        self.write(text)?;
        self.write("\n")
    }

    fn finish(mut self) -> Result<()> {
        self.0
            .flush()
            .map_err(|e| Error::io("cannot write to standard output", e))
    }
}

/// One CSV record (RFC 4180): cells with a comma or a quote are quoted. Control characters
/// become spaces, and a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first)
/// gets a leading `'`, so an exported review cannot run a name a server chose.
fn csv_line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
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
fn json_line(keys: &[String], values: impl IntoIterator<Item = Value>) -> String {
    let fields: Vec<String> = keys
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{}:{}", quoted(k), v))
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `text` with every line after the first indented by `by` spaces (JSON strings hold no raw
/// newline, so this only moves structure).
fn indent(text: &str, by: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(by)))
}

/// Shrinks the widest columns, one column of text at a time, until the table fits `width` or
/// every column is at [`MIN_COLUMN`] (or its natural width, if narrower); whether it fits.
fn fit(widths: &mut [usize], width: usize) -> bool {
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    while total(widths) > width {
        let Some((i, &widest)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            return true;
        };
        if widest <= MIN_COLUMN {
            return false;
        }
        widths[i] = widest - 1;
    }
    true
}

/// One record of [`OutputFormat::Long`]: `TITLE  value` per field, titles aligned, a list one
/// item per line, nothing cut.
fn record(titles: &[String], cells: &[Cell]) -> String {
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

/// `text` cut to `width` columns, ending in `…` when cut.
/// The most bytes a table cell holds; what is longer is cut, ending in `…`. Text read from a
/// `.c1z` is capped as long when it is decoded; this holds for cells built of several.
pub const MAX_CELL: usize = 4096;

/// `text`, cut to [`MAX_CELL`] bytes at a character boundary, ending in `…` when cut.
fn capped(mut text: String) -> String {
    c1z::cut_text(&mut text, MAX_CELL);
    text
}

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

/// `text` with each line broken at spaces to at most `width` columns when given (a word wider
/// than that stays whole on its own line).
pub fn wrap(text: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return text.to_owned();
    };
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        // An indented line keeps its indent.
        let text = body.trim_start_matches(' ');
        let indent = body.len() - text.len();
        out.extend(std::iter::repeat_n(' ', indent));
        let mut used = indent;
        let mut first = true;
        for word in text.split(' ') {
            if std::mem::take(&mut first) {
                out.push_str(word);
                used += word.width();
                continue;
            }
            let w = word.width();
            if used + 1 + w > width {
                out.push('\n');
                used = 0;
            } else {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += w;
        }
        out.push_str(end);
    }
    out
}

fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(sanitize(s).as_str())
}

/// Control characters (a newline in a display name, an escape sequence a server sent) would
/// break the alignment or drive the terminal, and bidirectional controls and zero-width
/// characters would reorder or hide what follows them on the line: each becomes a space.
pub fn sanitize(s: &str) -> String {
    let unsafe_char = |c: char| c.is_control() || invisible(c);
    if !s.contains(unsafe_char) {
        // Most cells: copied at once rather than a character at a time.
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() || invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The bidirectional controls (embeddings, overrides, isolates, the marks) and the zero-width
/// characters: a name holding one can visually reorder or hide the rest of a line.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// A `note:` line on stderr, sanitized (sync ids and names come from the file).
pub(crate) fn note(text: &str) {
    // A note is not worth failing for if stderr is gone.
    let _ = writeln!(std::io::stderr().lock(), "note: {}", sanitize(text));
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

    /// A name holding U+202E (right-to-left override) or U+200B (zero-width space) would
    /// reorder or hide the rest of its line: both are spaces in tables, CSV and error lines.
    #[test]
    fn bidirectional_and_zero_width_characters_are_sanitized() {
        let hostile = "ada\u{202E}nimda\u{200B}\u{2066}x\u{2069}\u{200E}\u{200F}\u{061C}\u{200D}\u{2060}\u{FEFF}";
        let clean = sanitize(hostile);
        assert_eq!(clean, "ada nimda  x       ");
        let mut t = Table::new(["A", "B"]);
        t.row([hostile, "b"]);
        assert!(!t.render(None).chars().any(invisible));
        assert!(!csv_line([hostile]).chars().any(invisible));
        let long = "é".repeat(MAX_CELL);
        t.row([long.as_str(), "b"]);
        let text = t.render(None);
        assert!(
            text.lines().all(|l| l.len() <= MAX_CELL + 8),
            "{}",
            text.len()
        );
        assert!(text.contains("é…"), "{text}");
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
    fn prose_wraps_at_spaces_and_keeps_its_indent() {
        let text = "one two three four\n  to five six\n";
        assert_eq!(
            wrap(text, Some(9)),
            "one two\nthree\nfour\n  to five\nsix\n"
        );
        assert_eq!(wrap(text, None), text);
        assert_eq!(wrap("averyverylongword x", Some(4)), "averyverylongword\nx");
    }

    #[test]
    fn narrow_tables_leave_out_optional_columns_first() {
        let mut t = Table::new([
            Column::from("NAME"),
            Column::from("EXTRA").optional(1),
            Column::from("MORE").optional(2),
        ]);
        t.row(["a".repeat(20), "b".repeat(20), "c".repeat(20)]);
        let (text, dropped) = t.fitted(Some(30));
        assert_eq!(dropped, ["MORE"]);
        assert!(text.lines().all(|l| l.width() <= 30), "{text}");
        assert!(text.starts_with("NAME"), "{text}");
        let (_, dropped) = t.fitted(Some(200));
        assert!(dropped.is_empty());
    }

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

    /// A streamed table's later rows print in the widths its first rows set: a longer cell is
    /// cut (ending in `…`, sanitized), a shorter one padded, exactly as a measured row.
    #[test]
    fn later_rows_print_in_the_measured_layout() {
        let mut t = Table::new(["ID", "NAME", "EMAIL"]);
        t.row(["u1", "Ann", "ann@example.com"]);
        t.row(["u22", "Bob Brown", "bob@example.com"]);
        let layout = t.layout(Some(200));
        assert_eq!(
            layout.line(&["u1".into(), "Ann".into(), "ann@example.com".into()]),
            t.render(Some(200)).lines().nth(1).unwrap().to_owned() + "\n"
        );
        let later = [
            "u333333".into(),
            "Carol\u{1b}[2J Longname".into(),
            "c@x".into(),
        ];
        assert_eq!(layout.line(&later), "u3…  Carol [2…  c@x\n");
    }

    #[test]
    fn wide_characters_are_cut_on_their_boundaries() {
        assert_eq!(cut("山田太郎", 5), "山田…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
