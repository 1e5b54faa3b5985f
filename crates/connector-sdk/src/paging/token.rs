//! The page-token grammar (see the [module docs](super)): `[<list>:]p<page>` for a page reached
//! by following a list, `[<list>:]e<page>` for one page 1 enqueued.

use std::fmt;
use std::str::FromStr;

use crate::error::{ConnectorError, ErrorKind};

/// One page of a list as named by a page token; see the [module docs](super) for the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageToken {
    /// The list's index in a chain of lists; 0 for a syncer that walks one list.
    pub list: usize,
    /// The 1-based page number.
    pub page: u32,
    /// Fetched on its own, as one of the pages page 1 enqueued.
    pub enqueued: bool,
}

impl PageToken {
    /// Page 1 of the first (or only) list: where a listing without a token starts.
    pub const FIRST: PageToken = PageToken::first_of(0);

    /// Page 1 of list `list` of a chain, reached by following the chain.
    pub const fn first_of(list: usize) -> PageToken {
        PageToken {
            list,
            page: 1,
            enqueued: false,
        }
    }

    /// The page `token` names; no token is [`PageToken::FIRST`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a token outside the grammar.
    pub fn parse(token: Option<&str>) -> Result<PageToken, ConnectorError> {
        token.map_or(Ok(PageToken::FIRST), str::parse)
    }
}

impl fmt::Display for PageToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.list > 0 {
            write!(f, "{}:", self.list)?;
        }
        let kind = if self.enqueued { 'e' } else { 'p' };
        write!(f, "{kind}{}", self.page)
    }
}

impl FromStr for PageToken {
    type Err = ConnectorError;

    fn from_str(token: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ConnectorError::new(
                ErrorKind::InvalidArgument,
                format!(
                    "page token {token:?} was not issued by this connector (expected \
                     [<list>:]p<page> or [<list>:]e<page>): start the sync afresh"
                ),
            )
        };
        let (list, rest) = match token.split_once(':') {
            Some((list, rest)) => (decimal(list).ok_or_else(bad)?, rest),
            None => (0, token),
        };
        let (enqueued, page) = match rest.split_at_checked(1) {
            Some(("p", page)) => (false, page),
            Some(("e", page)) => (true, page),
            _ => return Err(bad()),
        };
        match decimal(page) {
            Some(page) if page >= 1 => Ok(PageToken {
                list,
                page,
                enqueued,
            }),
            _ => Err(bad()),
        }
    }
}

/// A decimal number written the one way [`PageToken`]'s `Display` writes it.
fn decimal<N: FromStr>(digits: &str) -> Option<N> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}
