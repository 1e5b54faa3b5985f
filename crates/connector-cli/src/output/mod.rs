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
//!
//! The modules: `table` (columns, cells, a table and the layout that fits it to a width),
//! `listing` (a listing streamed in every format), `formats` (CSV, JSON Lines, JSON and long
//! records, and a table printed in them), `terminal` (stdout and stderr, the width tables fit)
//! and `text` (sanitizing, cutting and wrapping text for the terminal).

mod formats;
mod listing;
mod table;
mod terminal;
mod text;

pub use listing::{Listing, MEASURED_ROWS};
pub use table::{Cell, Column, Table};
pub use terminal::{PIPED_WIDTH, note_left_out, print, print_json, print_tables, terminal_width};
pub(crate) use terminal::{note, warn};
pub(crate) use text::invisible;
pub use text::{MAX_CELL, sanitize, wrap};
