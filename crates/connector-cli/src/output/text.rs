//! Text for the terminal: control and invisible characters made spaces, cells capped and cut
//! to a width (on character boundaries, by display width), prose wrapped at spaces.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The most bytes a table cell holds; what is longer is cut, ending in `…`. Text read from a
/// `.c1z` is capped as long when it is decoded; this holds for cells built of several.
pub const MAX_CELL: usize = 4096;

/// `text`, cut to [`MAX_CELL`] bytes at a character boundary, ending in `…` when cut.
pub(super) fn capped(mut text: String) -> String {
    c1z::cut_text(&mut text, MAX_CELL);
    text
}

/// `text` cut to `width` columns, ending in `…` when cut.
pub(super) fn cut(text: &str, width: usize) -> String {
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

pub(super) fn display_width(s: &str) -> usize {
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

/// The characters that draw nothing, or move what follows, so that a name holding one can
/// visually reorder or hide the rest of a line: Unicode's default-ignorable code points
/// (bidirectional controls, zero-width characters, variation selectors, tag characters, fillers,
/// the soft hyphen; `DerivedCoreProperties.txt`, Unicode 16), the other format characters
/// (category Cf: Arabic number signs, interlinear annotation marks) and the line and paragraph
/// separators, which end a line where a terminal does not expect it.
pub(crate) fn invisible(c: char) -> bool {
    matches!(
        c,
        // Default_Ignorable_Code_Point.
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
            // Other format characters (Cf).
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{FFF9}'..='\u{FFFB}'
            // Line and paragraph separators.
            | '\u{2028}'..='\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::formats::csv_line;
    use crate::output::table::Table;

    /// A name holding U+202E (right-to-left override) or U+200B (zero-width space) would
    /// reorder or hide the rest of its line: both are spaces in tables, CSV and error lines.
    #[test]
    fn bidirectional_and_zero_width_characters_are_sanitized() {
        let hostile = "ada\u{202E}nimda\u{200B}\u{2066}x\u{2069}\u{200E}\u{200F}\u{061C}\u{200D}\u{2060}\u{FEFF}";
        let clean = sanitize(hostile);
        assert_eq!(clean, "ada nimda  x       ");
        // What the first list missed: separators, the soft hyphen, fillers, tags, selectors.
        let more =
            "a\u{2028}b\u{2029}c\u{00AD}d\u{180E}e\u{2061}f\u{034F}g\u{3164}h\u{E0041}i\u{FE0F}j";
        assert_eq!(sanitize(more), "a b c d e f g h i j");
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
    fn wide_characters_are_cut_on_their_boundaries() {
        assert_eq!(cut("山田太郎", 5), "山田…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
