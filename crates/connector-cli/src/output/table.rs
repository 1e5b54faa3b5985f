//! The table model: a [`Column`] (title, key, whether tables show it, which to leave out
//! first), a [`Cell`], a [`Table`] of rows, and the layout that fits a table to a width.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::text::{capped, cut, display_width, sanitize};

/// The narrowest a column is squeezed to before the table simply runs wider than the screen.
const MIN_COLUMN: usize = 12;
/// Two spaces between columns.
const GAP: usize = 2;

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
    /// Whether CSV and JSON Lines put it after the columns without this flag (see
    /// [`Column::added`]).
    pub added: bool,
}

impl Column {
    /// A column with its own key.
    pub fn keyed(title: impl Into<String>, key: impl Into<String>) -> Column {
        Column {
            title: title.into(),
            key: key.into(),
            in_table: true,
            priority: 0,
            added: false,
        }
    }

    /// A column added to a listing after its CSV was first published: tables show it where it
    /// is declared, CSV and JSON Lines after the columns that were there before it (and before
    /// the `sync_id`/`as_of` and sign-off tail), so a reader that takes columns by position
    /// keeps reading the same ones.
    pub fn added(mut self) -> Column {
        self.added = true;
        self
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

/// One cell of a [`Listing`](super::Listing): text, a flag that may be unknown, a list, or a count.
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
    pub(super) header: Vec<String>,
    pub(super) keys: Vec<String>,
    priorities: Vec<u8>,
    pub(super) rows: Vec<Vec<String>>,
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

    /// Adds a row; missing cells print empty. A cell is cut to [`MAX_CELL`](super::MAX_CELL) bytes (with `…`)
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
    pub(super) fn layout(&self, width: Option<usize>) -> Layout {
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
}

/// How a table prints: which columns, how wide, and the titles of those left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    /// Indexes of the columns shown, in order.
    shown: Vec<usize>,
    /// The width of every column (shown or not).
    widths: Vec<usize>,
    /// Titles of the columns left out to fit.
    pub(super) dropped: Vec<String>,
}

impl Layout {
    /// One line of the table: each shown cell sanitized, cut to its column's width (ending in
    /// `…`) and padded to it, two spaces between, no trailing spaces.
    pub(super) fn line(&self, row: &[String]) -> String {
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
}
