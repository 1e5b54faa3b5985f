//! The page: its head (styles for screens, phones and print, and a content security policy that
//! forbids every request), and long tables written a chunk at a time, each chunk a `<details>`,
//! so a report of tens of thousands of rows opens at once and prints whole.

use std::io::Write;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::error::{Error, Result};

/// Rows of a long table per `<details>`: a browser lays out only the open ones.
pub const CHUNK: usize = 500;

/// No request leaves the file: no script, font, image or style from anywhere (`default-src
/// 'none'`), only the inline styles and `data:` images it holds.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                      form-action 'none'; base-uri 'none'";

const STYLE: &str = r#"
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --soft: #f6f8fa;
        --bad: #b42318; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 1rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: .2rem 0 .6rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p.note { color: var(--muted); margin: .3rem 0; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; background: var(--soft); }
.card .n { font-size: 1.5rem; font-weight: 600; display: block; }
.card.bad .n { color: var(--bad); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .8rem; }
/* Words whole: `anywhere` would let automatic table layout squeeze every column but the widest
   to a letter or two. */
th, td { border: 1px solid var(--line); padding: .25rem .4rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: var(--soft); font-weight: 600; }
/* The people rows carry no classes: the last two cells are the sign-off, the one before them
   the access, the second the email (a long one breaks anywhere), <b> an MFA or SSO that is off.
   Their widths fit an A4 landscape page and a 1280-pixel screen. */
#people td:nth-last-child(-n+2) { min-width: 5.5em; }
#people td:nth-last-child(3) { min-width: 16em; }
#people td:nth-child(2) { min-width: 11em; overflow-wrap: anywhere; }
/* A name without spaces (an email as a name) breaks anywhere rather than widening the table
   past the sign-off cells: at 1280 pixels every column shows without scrolling. */
#people td:first-child { min-width: 8em; overflow-wrap: anywhere; }
td b { color: var(--bad); }
.off { color: var(--bad); font-weight: 600; }
details { margin: .3rem 0; }
/* Off screen, a section or table is not laid out until scrolled to (find-in-page and links
   still reach it): a page of tens of thousands of rows opens at once. */
section, .scroll { content-visibility: auto; contain-intrinsic-size: auto 500px; }
details > .scroll { contain-intrinsic-size: auto 12000px; }
summary { cursor: pointer; color: var(--muted); }
.graph { width: 100%; height: auto; max-width: 960px; display: block; }
.graph .edge { fill: none; stroke: #8c959f; stroke-opacity: .55; }
.graph rect { stroke: #57606a; }
.graph .people rect { fill: #ddf4ff; }
.graph .source rect { fill: #fff8c5; }
.graph .target rect { fill: #ffebe9; }
.graph text { font-size: 12px; fill: #1b1f24; }
.graph .heading { font-weight: 600; fill: #57606a; }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem; border-top: 1px solid var(--line);
         padding-top: .4rem; overflow-wrap: anywhere; }
/* The provenance at the foot of every printed page, in every browser: a fixed element prints on
   each page (margin boxes, `@page { @bottom-left }`, are Chromium's alone). */
.print-footer { display: none; }
@media (max-width: 700px) {
  body { padding: .5rem; font-size: 13px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dt { margin-top: .3rem; }
  th, td { padding: .2rem .3rem; }
  /* The picture keeps a width its labels are readable at (12px at 960 wide: 10px at 800),
     scrolled sideways inside its figure. */
  figure { margin: 0; }
  .graph-box { overflow-x: auto; }
  .graph { min-width: 800px; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav, summary { display: none; }
  details::details-content { content-visibility: visible; display: block; }
  /* Where ::details-content is not known: the fold's content shown as a block. */
  details:not([open]) > :not(summary) { display: block; }
  section, .scroll { content-visibility: visible; }
  h2 { break-before: page; break-after: avoid; }
  h2.first { break-before: auto; }
  h3 { break-after: avoid; }
  thead { display: table-header-group; }
  tr, .card, svg { break-inside: avoid; }
  .scroll { overflow: visible; }
  footer { display: none; }
  .print-footer { display: block; position: fixed; bottom: 0; left: 0; right: 0; font-size: 7pt;
                  color: var(--muted); background: var(--bg); overflow-wrap: anywhere; }
  /* Room for it at the foot of every page: the body's padding repeated on each (where
     fragments are not cloned, the last line of a page may sit under it). */
  body { padding-bottom: 8mm; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
}
"#;

/// The page size and margins, and the page number where the browser draws margin boxes.
const PAGE: &str = "@page { size: A4 landscape; margin: 12mm 10mm 12mm; \
                    @bottom-right { content: counter(page) \" / \" counter(pages); \
                    font: 7pt system-ui, sans-serif; } }";

/// The page up to `<body>`'s first content: head, styles, and the print footer `footer` (shown
/// at the foot of every printed page).
pub fn head(title: &str, footer: &str) -> Markup {
    html! {
        (DOCTYPE)
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        meta http-equiv="Content-Security-Policy" content=(POLICY);
        meta name="referrer" content="no-referrer";
        title { (title) }
        style { (PreEscaped(STYLE)) (PreEscaped(PAGE)) }
        div class="print-footer" aria-hidden="true" { (footer) }
    }
}

/// A writer of the page that turns each character that draws nothing or moves what follows
/// (bidirectional controls, zero-width and other default-ignorable characters; see
/// `output::text`) into a space, as tables and CSV do: a name holding U+202E would otherwise
/// reorder the rest of its line in the browser. The page writes whole strings, so each write
/// holds whole characters; the markup itself holds none of them.
pub struct Visible<W>(pub W);

impl<W: Write> Write for Visible<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) if !buf.is_ascii() && text.chars().any(crate::output::invisible) => {
                let shown: String = text
                    .chars()
                    .map(|c| if crate::output::invisible(c) { ' ' } else { c })
                    .collect();
                self.0.write_all(shown.as_bytes())?;
            }
            _ => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes `markup` to `out`.
pub fn put(out: &mut impl Write, markup: Markup) -> Result<()> {
    out.write_all(markup.into_string().as_bytes())
        .map_err(|e| Error::io("cannot write the report", e))
}

/// A long table written a row at a time, [`CHUNK`] rows per `<details>` (the first open), the
/// header repeated in each.
pub struct Chunked {
    header: Markup,
    label: String,
    rows: usize,
    open: bool,
}

impl Chunked {
    /// A table of `columns`, its chunks summarised as `<label>, from row 501`.
    pub fn new(columns: &[&str], label: impl Into<String>) -> Chunked {
        Chunked {
            header: html! { thead { tr { @for c in columns { th scope="col" { (c) } } } } },
            label: label.into(),
            rows: 0,
            open: false,
        }
    }

    /// Writes `row` (a `<tr>`), opening a chunk first when one is due.
    pub fn row(&mut self, out: &mut impl Write, row: Markup) -> Result<()> {
        self.row_text(out, &row.into_string())
    }

    /// Writes `row`, the markup of a `<tr>`, opening a chunk first when one is due.
    pub fn row_text(&mut self, out: &mut impl Write, row: &str) -> Result<()> {
        if self.rows.is_multiple_of(CHUNK) {
            self.close(out)?;
            let first = self.rows + 1;
            let is_first = self.rows == 0;
            put(
                out,
                html! {
                    (PreEscaped(match is_first { true => "<details open>", false => "<details>" }))
                    summary { (self.label) ", from row " (thousands(first)) }
                    (PreEscaped("<div class=\"scroll\"><table>"))
                    (self.header)
                    (PreEscaped("<tbody>"))
                },
            )?;
            self.open = true;
        }
        self.rows += 1;
        out.write_all(row.as_bytes())
            .map_err(|e| Error::io("cannot write the report", e))
    }

    /// Closes the last chunk; returns how many rows were written.
    pub fn finish(mut self, out: &mut impl Write) -> Result<usize> {
        self.close(out)?;
        Ok(self.rows)
    }

    fn close(&mut self, out: &mut impl Write) -> Result<()> {
        if std::mem::replace(&mut self.open, false) {
            put(
                out,
                html! { (PreEscaped("</tbody></table></div></details>")) },
            )?;
        }
        Ok(())
    }
}

/// A small table, whole.
pub fn table(columns: &[&str], rows: impl IntoIterator<Item = Markup>) -> Markup {
    html! {
        div class="scroll" {
            table {
                thead { tr { @for c in columns { th scope="col" { (c) } } } }
                tbody { @for r in rows { (r) } }
            }
        }
    }
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Items one per line in a cell.
pub fn lines(items: &[String]) -> Markup {
    html! {
        @for (i, item) in items.iter().enumerate() {
            @if i > 0 { br; }
            (item)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn invisible_characters_reach_the_page_as_spaces() {
        let mut page = super::Visible(Vec::new());
        std::io::Write::write_all(&mut page, "<td>Plat\u{202E}form\u{200B}</td>\n".as_bytes())
            .unwrap();
        std::io::Write::write_all(&mut page, b"<p>plain</p>").unwrap();
        let text = String::from_utf8(page.0).unwrap();
        assert_eq!(text, "<td>Plat form </td>\n<p>plain</p>");
    }

    use super::*;

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(25_250), "25,250");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn long_tables_come_in_chunks() {
        let mut out = Vec::new();
        let mut t = Chunked::new(&["A"], "rows");
        for i in 0..CHUNK + 1 {
            t.row(&mut out, html! { tr { td { (i) } } }).unwrap();
        }
        assert_eq!(t.finish(&mut out).unwrap(), CHUNK + 1);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("<details").count(), 2);
        assert_eq!(text.matches("<details open>").count(), 1);
        assert_eq!(text.matches("</details>").count(), 2);
        assert!(text.contains("rows, from row 501"), "{text}");
    }
}
