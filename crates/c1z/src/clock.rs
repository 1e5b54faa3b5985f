//! Wall-clock times as baton writes them in SQLite: UTC text `YYYY-MM-DD HH:MM:SS.fffffffff`.
//!
//! baton formats with Go's `2006-01-02 15:04:05.999999999`, which drops trailing zeros of the
//! fraction (and the dot when it is zero); the fixtures show `09:45:13.06006`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds and nanoseconds since the Unix epoch, now.
pub(crate) fn unix_now() -> (u64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.subsec_nanos())
}

/// The current time in baton's text format.
pub(crate) fn now_text() -> String {
    let (secs, nanos) = unix_now();
    format_unix(secs, nanos)
}

/// `secs`/`nanos` since the Unix epoch in baton's text format.
pub(crate) fn format_unix(secs: u64, nanos: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if nanos > 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out
}

/// Parses the date and time at the start of baton's text format (`T` accepted for the space),
/// ignoring the fraction and any zone suffix, which baton writes as UTC.
pub(crate) fn parse_unix_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    Some(days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        // 2026-03-03 09:45:13 UTC.
        assert_eq!(
            format_unix(1_772_531_113, 60_060_000),
            "2026-03-03 09:45:13.06006"
        );
        assert_eq!(format_unix(1_772_531_113, 0), "2026-03-03 09:45:13");
        assert_eq!(format_unix(0, 1), "1970-01-01 00:00:00.000000001");
    }

    #[test]
    fn parses_what_it_formats() {
        for secs in [0, 951_782_400, 1_772_531_113, 4_102_444_800] {
            assert_eq!(parse_unix_seconds(&format_unix(secs, 5)), Some(secs as i64));
        }
        assert_eq!(
            parse_unix_seconds("2026-03-03T09:45:13Z"),
            Some(1_772_531_113)
        );
        assert_eq!(parse_unix_seconds("yesterday"), None);
    }
}
