//! Page-based pagination: query parameters, arithmetic and the list envelope.

use serde::Serialize;
use serde_json::value::RawValue;

/// The default `per_page`.
pub const DEFAULT_PER_PAGE: u32 = 25;

/// The largest `per_page`; larger requests are capped silently, as PlanetScale does.
pub const MAX_PER_PAGE: u32 = 100;

/// The `page` and `per_page` a request asked for, after defaults and the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageParams {
    pub(crate) page: u32,
    pub(crate) per_page: u32,
}

impl PageParams {
    /// Reads `page` and `per_page` from a query string; other parameters are ignored.
    pub(crate) fn parse(query: &str) -> Result<PageParams, String> {
        let mut params = PageParams {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        };
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "page" => params.page = positive(key, value)?,
                "per_page" => params.per_page = positive(key, value)?.min(MAX_PER_PAGE),
                _ => {}
            }
        }
        Ok(params)
    }
}

fn positive(key: &str, value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{key} must be a positive integer, got {value:?}")),
    }
}

/// Where one page falls in a list of `total` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageMath {
    pub(crate) current: u32,
    pub(crate) per_page: u32,
    /// The items on the page: `start..end` (empty past the end).
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) next: Option<u32>,
    pub(crate) prev: Option<u32>,
    pub(crate) total_count: usize,
    pub(crate) total_pages: usize,
}

impl PageMath {
    pub(crate) fn new(total: usize, params: PageParams) -> PageMath {
        let per_page = params.per_page.max(1) as usize;
        let total_pages = total.div_ceil(per_page);
        let start = (params.page as usize - 1)
            .saturating_mul(per_page)
            .min(total);
        let end = start.saturating_add(per_page).min(total);
        PageMath {
            current: params.page,
            per_page: params.per_page,
            start,
            end,
            next: ((params.page as usize) < total_pages).then(|| params.page + 1),
            prev: (params.page > 1).then(|| params.page - 1),
            total_count: total,
            total_pages,
        }
    }
}

/// The list envelope, fields in the reference's order.
#[derive(Debug, Serialize)]
pub(crate) struct Envelope<'a> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) current_page: u32,
    pub(crate) per_page: u32,
    pub(crate) next_page: Option<u32>,
    pub(crate) next_page_url: Option<String>,
    pub(crate) prev_page: Option<u32>,
    pub(crate) prev_page_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) total_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) total_pages: Option<u64>,
    pub(crate) data: Vec<&'a RawValue>,
}

/// The absolute URL of page `page` of the list at `path` on `origin`.
pub(crate) fn page_url(origin: &str, path: &str, page: u32, per_page: u32) -> String {
    format!("{origin}{path}?page={page}&per_page={per_page}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_caps_and_rejects() {
        let parse = PageParams::parse;
        assert_eq!(
            parse(""),
            Ok(PageParams {
                page: 1,
                per_page: 25
            })
        );
        assert_eq!(
            parse("page=3&per_page=10&q=x"),
            Ok(PageParams {
                page: 3,
                per_page: 10
            })
        );
        assert_eq!(
            parse("per_page=1000"),
            Ok(PageParams {
                page: 1,
                per_page: 100
            })
        );
        assert_eq!(
            parse("page=abc").unwrap_err(),
            "page must be a positive integer, got \"abc\""
        );
        assert!(parse("page=0").is_err());
        assert!(parse("per_page=-1").is_err());
        assert!(parse("page=").is_err());
    }

    /// total, page, per_page → items, next, prev, total_pages.
    #[test]
    fn arithmetic_table() {
        #[rustfmt::skip]
        let table = [
            (0,   1, 25, (0, 0),     None,    None,    0),
            (1,   1, 25, (0, 1),     None,    None,    1),
            (25,  1, 25, (0, 25),    None,    None,    1),
            (26,  1, 25, (0, 25),    Some(2), None,    2),
            (26,  2, 25, (25, 26),   None,    Some(1), 2),
            (26,  3, 25, (26, 26),   None,    Some(2), 2),
            (100, 1, 100, (0, 100),  None,    None,    1),
            (101, 2, 100, (100, 101), None,   Some(1), 2),
            (3,   1, 2,  (0, 2),     Some(2), None,    2),
            (3,   2, 2,  (2, 3),     None,    Some(1), 2),
            (50,  2, 10, (10, 20),   Some(3), Some(1), 5),
            (7,   u32::MAX, 1, (7, 7), None,  Some(u32::MAX - 1), 7),
        ];
        for (total, page, per_page, (start, end), next, prev, pages) in table {
            let math = PageMath::new(total, PageParams { page, per_page });
            let got = (
                (math.start, math.end),
                math.next,
                math.prev,
                math.total_pages,
            );
            assert_eq!(
                got,
                ((start, end), next, prev, pages),
                "{total} items, page {page} of {per_page}"
            );
        }
    }
}
