//! The paging rules, and the walks and re-listing against a list that changes.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::*;
use crate::error::{ConnectorError, ErrorKind};
use crate::session::SessionCache;

fn page(
    items: usize,
    next: Option<u64>,
    pages: Option<u64>,
    count: Option<u64>,
) -> FetchedPage<u32> {
    FetchedPage {
        items: (0..items as u32).collect(),
        next_page: next,
        total_pages: pages,
        total_count: count,
    }
}

fn chain(page: u32) -> PageToken {
    PageToken {
        page,
        ..PageToken::FIRST
    }
}

fn enq(page: u32) -> PageToken {
    PageToken {
        page,
        enqueued: true,
        ..PageToken::FIRST
    }
}

/// The plan's next token and enqueued tokens, as the engine would get them.
fn tokens(plan: &PagePlan) -> (Option<String>, Vec<String>) {
    let next = plan.next().map(|t| t.to_string());
    (next, plan.enqueue().map(|t| t.to_string()).collect())
}

#[track_caller]
fn check(at: PageToken, fetched: FetchedPage<u32>, next: Option<&str>, enqueue: &[&str]) {
    let plan = Pager::default()
        .list("l", "the list")
        .plan(at, &fetched)
        .unwrap();
    assert_eq!(
        tokens(&plan),
        (
            next.map(str::to_owned),
            enqueue.iter().map(|s| s.to_string()).collect()
        )
    );
}

#[track_caller]
fn check_refused(at: PageToken, fetched: FetchedPage<u32>, message: &str) {
    let err = Pager::with_max_pages(50)
        .list("l", "the list")
        .plan(at, &fetched)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.message().starts_with("the list: "), "{err}");
    assert!(err.message().contains(message), "{err}");
}

#[test]
fn tokens_render_and_parse() {
    let cases = [
        (chain(1), "p1"),
        (enq(7), "e7"),
        (PageToken::first_of(3), "3:p1"),
        (
            PageToken {
                list: 12,
                ..enq(4_294_967_295)
            },
            "12:e4294967295",
        ),
    ];
    for (token, text) in cases {
        assert_eq!(token.to_string(), text);
        assert_eq!(PageToken::parse(Some(text)).unwrap(), token);
    }
    assert_eq!(PageToken::parse(None).unwrap(), PageToken::FIRST);
    // The index of the first list may be written, as tokens of earlier versions did.
    assert_eq!(PageToken::parse(Some("0:e2")).unwrap(), enq(2));
}

#[test]
fn foreign_tokens_are_invalid_arguments() {
    for bad in [
        "",
        "3",
        "p",
        "p0",
        "x3",
        "p-1",
        "p+1",
        "e 2",
        "p01",
        "P1",
        "p4294967296",
        ":p1",
        "x:p1",
        "-1:p1",
        "01:p1",
        "1:p0",
        "1:q1",
        "1:p1:p1",
        "1:",
        "p1 ",
    ] {
        let err = PageToken::parse(Some(bad)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        assert!(err.message().contains("start the sync afresh"), "{err}");
    }
}

fn any_token() -> impl Strategy<Value = PageToken> {
    (any::<usize>(), 1..=u32::MAX, any::<bool>()).prop_map(|(list, page, enqueued)| PageToken {
        list,
        page,
        enqueued,
    })
}

proptest! {
    #[test]
    fn every_token_round_trips(token in any_token()) {
        prop_assert_eq!(token.to_string().parse::<PageToken>().unwrap(), token);
    }

    #[test]
    fn what_parses_is_written_back_the_same(text in "([0-9]{1,3}:)?[pe][0-9]{1,11}|.{0,12}") {
        if let Ok(token) = text.parse::<PageToken>() {
            let written = token.to_string();
            prop_assert!(written == text || format!("0:{written}") == text, "{} → {}", text, written);
        }
    }
}

#[test]
fn page_one_with_a_page_count_enqueues_the_rest() {
    check(
        chain(1),
        page(100, Some(2), Some(4), Some(350)),
        None,
        &["e2", "e3", "e4"],
    );
    // The count is believed without a total_count, and without a next_page.
    check(
        chain(1),
        page(100, None, Some(3), None),
        None,
        &["e2", "e3"],
    );
    check(chain(1), page(40, None, Some(1), Some(40)), None, &[]);
    // Fewer pages than the count fills is the API's own word that no more exist.
    check(
        chain(1),
        page(100, Some(2), Some(2), Some(900)),
        None,
        &["e2"],
    );
    let in_list_2 = PageToken::first_of(2);
    let plan = Pager::default()
        .list("l", "l")
        .plan(in_list_2, &page(10, Some(2), Some(2), None))
        .unwrap();
    assert_eq!(tokens(&plan), (None, vec!["2:e2".to_owned()]));
}

#[test]
fn enqueued_and_empty_pages_lead_nowhere() {
    check(enq(2), page(100, Some(3), Some(4), Some(350)), None, &[]);
    check(chain(3), page(0, Some(4), None, None), None, &[]);
    check(chain(1), page(0, None, Some(0), Some(0)), None, &[]);
    check(chain(1), page(0, Some(2), Some(3), None), None, &[]);
}

#[test]
fn without_a_page_count_the_chain_follows_next_page_one_page_at_a_time() {
    check(chain(1), page(100, Some(2), None, None), Some("p2"), &[]);
    check(
        chain(2),
        page(100, Some(3), Some(3), Some(300)),
        Some("p3"),
        &[],
    );
    check(chain(3), page(100, None, None, None), None, &[]);
    // A next_page further ahead would skip pages: the page after this one comes next.
    check(
        chain(1),
        page(100, Some(4_000_000_000), None, None),
        Some("p2"),
        &[],
    );
    check(
        chain(5),
        page(100, Some(9), None, Some(1_000)),
        Some("p6"),
        &[],
    );
}

#[test]
fn announcements_beyond_what_the_items_fill_are_refused() {
    check_refused(
        chain(1),
        page(100, Some(2), Some(4_000_000_000), Some(250)),
        "page 1 announces 4000000000 pages, but a list of 250 items at 100 a page has only 3 \
         pages",
    );
    check_refused(
        chain(3),
        page(100, Some(4), None, Some(250)),
        "page 3 announces more pages, but a list of 250 items at 100 a page has only 3 pages",
    );
    check_refused(
        chain(1),
        page(0, None, None, Some(12)),
        "page 1 is empty, but the list counts 12 items",
    );
}

#[test]
fn lists_longer_than_the_limit_are_refused() {
    // Consistent but enormous: 4·10⁹ pages would be 4·10⁹ tokens.
    check_refused(
        chain(1),
        page(100, Some(2), Some(4_000_000_000), Some(400_000_000_000)),
        "the list goes on to page 4000000000, past the 50 pages a list may have here",
    );
    check_refused(
        chain(1),
        page(100, Some(2), Some(51), None),
        "to page 51, past the 50 pages",
    );
    check_refused(
        chain(50),
        page(100, Some(51), None, None),
        "to page 51, past the 50 pages",
    );
    check_refused(
        chain(u32::MAX),
        page(1, Some(u64::MAX), None, None),
        "to page 4294967296",
    );
    let plan = Pager::with_max_pages(50)
        .list("l", "l")
        .plan(chain(1), &page(1, Some(2), Some(50), None))
        .unwrap();
    assert_eq!(plan.enqueue().count(), 49);
}

#[test]
fn pages_that_do_not_move_forward_are_refused() {
    check_refused(
        chain(3),
        page(100, Some(3), None, None),
        "page 3 announces next page 3, which does not move forward; stopping instead of looping",
    );
    check_refused(
        chain(3),
        page(100, Some(1), None, None),
        "announces next page 1",
    );
}

#[test]
fn a_chain_of_lists_moves_on_when_a_chained_page_ends_its_list() {
    let pager = Pager::default();
    let list = pager.list("l", "l");
    let lists = 3;
    let plan = |at, p| list.plan(at, &p).unwrap().or_next_list(lists);
    let at = PageToken {
        list: 1,
        ..chain(2)
    };
    assert_eq!(
        plan(at, page(10, None, None, None)).next(),
        Some(PageToken::first_of(2))
    );
    // Page 1 that enqueues its siblings hands the chain on at once.
    let enqueuing = plan(PageToken::first_of(1), page(100, Some(2), Some(3), None));
    assert_eq!(
        tokens(&enqueuing),
        (
            Some("2:p1".to_owned()),
            vec!["1:e2".to_owned(), "1:e3".to_owned()]
        )
    );
    // A page that goes on stays in its list; the last list ends the chain; enqueued pages
    // lead nowhere.
    assert_eq!(
        plan(at, page(10, Some(3), None, None)).next(),
        Some(PageToken { page: 3, ..at })
    );
    assert_eq!(
        plan(PageToken::first_of(2), page(10, None, None, None)).next(),
        None
    );
    assert_eq!(
        plan(PageToken { list: 1, ..enq(2) }, page(10, None, None, None)).next(),
        None
    );
}

#[test]
fn plans_become_engine_pages() {
    let plan = Pager::default()
        .list("l", "l")
        .plan(chain(1), &page(3, Some(2), Some(3), None))
        .unwrap();
    let out = plan.into_page(vec!["a", "b", "c"]);
    assert_eq!(out.items, ["a", "b", "c"]);
    assert_eq!(out.next_token, None);
    assert_eq!(out.enqueue, ["e2", "e3"]);
    let plan = Pager::default()
        .list("l", "l")
        .plan(chain(1), &page(3, Some(2), None, None))
        .unwrap();
    assert_eq!(plan.into_page(vec![1]).next_token.as_deref(), Some("p2"));
}

/// A list served from `versions`: each fetch of page `n` reads the version its call count
/// selects, `per_page` items a page, with or without a page count.
struct Source {
    versions: Vec<Vec<u32>>,
    per_page: usize,
    pages_known: bool,
    calls: AtomicUsize,
    /// After this many fetches, the list moves to its next version.
    change_every: usize,
}

impl Source {
    fn new(versions: Vec<Vec<u32>>, per_page: usize) -> Self {
        Source {
            versions,
            per_page,
            pages_known: true,
            calls: AtomicUsize::new(0),
            change_every: usize::MAX,
        }
    }

    async fn fetch(&self, page: u32) -> Result<FetchedPage<u32>, ConnectorError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let version = &self.versions[(call / self.change_every).min(self.versions.len() - 1)];
        let pages = version.len().div_ceil(self.per_page) as u64;
        let start = (page as usize - 1) * self.per_page;
        Ok(FetchedPage {
            items: version
                .iter()
                .skip(start)
                .take(self.per_page)
                .copied()
                .collect(),
            next_page: (u64::from(page) < pages).then(|| u64::from(page) + 1),
            total_pages: self.pages_known.then_some(pages),
            total_count: Some(version.len() as u64),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn items(pages: &[FetchedPage<u32>]) -> Vec<u32> {
    pages.iter().flat_map(|p| p.items.iter().copied()).collect()
}

#[tokio::test]
async fn fetch_all_walks_counted_and_chained_lists() {
    for pages_known in [true, false] {
        let source = Source {
            pages_known,
            ..Source::new(vec![(0..25).collect()], 10)
        };
        let pager = Pager::default();
        let pages = pager
            .list("l", "l")
            .fetch_all(|p| source.fetch(p))
            .await
            .unwrap();
        assert_eq!(items(&pages), (0..25).collect::<Vec<_>>());
        assert_eq!(source.calls(), 3);
    }
}

#[tokio::test]
async fn fetch_all_stops_at_the_page_limit_of_an_endless_list() {
    let endless = |page: u32| async move {
        Ok::<_, ConnectorError>(FetchedPage {
            items: vec![page],
            next_page: Some(u64::from(page) + 1),
            total_pages: None,
            total_count: None,
        })
    };
    let err = Pager::with_max_pages(20)
        .list("l", "the endless list")
        .fetch_all(endless)
        .await
        .unwrap_err();
    assert!(err.message().contains("past the 20 pages"), "{err}");
}

#[tokio::test]
async fn a_list_that_changed_is_listed_again_once_per_change() {
    let before: Vec<u32> = (0..25).collect();
    let after: Vec<u32> = (1..25).collect();
    let source = Source {
        change_every: 1,
        ..Source::new(vec![before, after.clone()], 10)
    };
    let session = SessionCache::default();
    let pager = Pager::default();
    let list = pager.list("l", "the list");
    let first = source.fetch(1).await.unwrap();
    assert!(
        list.recheck(&session, 1, &first, |p| source.fetch(p))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(list.recorded_total(&session), Some(25));
    let second = source.fetch(2).await.unwrap();
    let fresh = list
        .recheck(&session, 2, &second, |p| source.fetch(p))
        .await
        .unwrap();
    assert_eq!(items(&fresh), after);
    assert_eq!(list.recorded_total(&session), Some(24));
    // Page 3 of the listing that changed notices the same change: nothing more to do.
    let calls = source.calls();
    let stale = page(4, None, Some(3), Some(24));
    assert!(
        list.recheck(&session, 3, &stale, |p| source.fetch(p))
            .await
            .unwrap()
            .is_empty()
    );
    let late = FetchedPage {
        total_count: Some(25),
        ..stale
    };
    assert!(
        list.recheck(&session, 3, &late, |p| source.fetch(p))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(source.calls(), calls);
}

#[tokio::test]
async fn one_page_lists_and_pages_without_totals_are_left_alone() {
    let session = SessionCache::default();
    let pager = Pager::default();
    let list = pager.list("l", "l");
    let never = |_: u32| async { Err::<FetchedPage<u32>, _>(ConnectorError::internal("fetched")) };
    list.recheck(&session, 1, &page(5, None, Some(1), Some(5)), never)
        .await
        .unwrap();
    assert_eq!(list.recorded_total(&session), None);
    list.recheck(&session, 2, &page(5, None, None, Some(6)), never)
        .await
        .unwrap();
    list.recheck(&session, 1, &page(5, Some(2), None, Some(9)), never)
        .await
        .unwrap();
    list.recheck(&session, 2, &page(5, None, None, None), never)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_list_that_never_settles_is_unavailable_and_may_be_retried() {
    let versions = (0..40u32).map(|n| (0..20 + n).collect()).collect();
    let source = Source {
        change_every: 1,
        ..Source::new(versions, 10)
    };
    let session = SessionCache::default();
    let pager = Pager::default();
    let list = pager.list("l", "the busy list");
    list.recheck(&session, 1, &source.fetch(1).await.unwrap(), |p| {
        source.fetch(p)
    })
    .await
    .unwrap();
    let moved = source.fetch(2).await.unwrap();
    let err = list
        .recheck(&session, 2, &moved, |p| source.fetch(p))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(
        err.message(),
        "the busy list changed during each of 3 listings in a row: run the sync again when they settle"
    );
    // The engine retries the call: it lists again rather than leaving it to nobody.
    let calls = source.calls();
    let _ = list.recheck(&session, 2, &moved, |p| source.fetch(p)).await;
    assert!(source.calls() > calls);
}

#[tokio::test]
async fn a_fresh_listing_counts_its_items() {
    // Pages that agree on total_count but hold fewer items than it are no consistent
    // listing.
    let short = |page: u32| async move {
        Ok::<_, ConnectorError>(FetchedPage {
            items: vec![page],
            next_page: (page < 2).then_some(2),
            total_pages: Some(2),
            total_count: Some(5),
        })
    };
    let session = SessionCache::default();
    let pager = Pager::default();
    let list = pager.list("l", "l");
    list.recheck(&session, 1, &page(2, Some(2), Some(2), Some(4)), short)
        .await
        .unwrap();
    let err = list
        .recheck(&session, 2, &page(2, None, Some(2), Some(5)), short)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn a_new_listing_forgets_the_changes_an_earlier_one_saw() {
    let source = Source::new(vec![(0..30).collect()], 10);
    let pager = Pager::default();
    for _ in 0..2 {
        // The same change in two syncs: each lists again.
        let session = SessionCache::default();
        let list = pager.list("l", "l");
        list.recheck(&session, 1, &page(10, Some(2), Some(3), Some(29)), |p| {
            source.fetch(p)
        })
        .await
        .unwrap();
        let fresh = list
            .recheck(&session, 2, &page(10, Some(3), Some(3), Some(30)), |p| {
                source.fetch(p)
            })
            .await
            .unwrap();
        assert_eq!(fresh.len(), 3);
    }
}
