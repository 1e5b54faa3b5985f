//! Round trip of baton's files through our reader and writer.
//!
//! Content must be equal, and every re-encoded `data` blob byte-identical to baton's, except for
//! two differences that are documented and checked precisely here:
//!
//! 1. Map order inside annotations. baton wraps traits with `anypb.New`, which marshals without
//!    `Deterministic`, so the `google.protobuf.Struct` profile inside a `UserTrait`/`GroupTrait`/
//!    `RoleTrait` has its entries in Go's random map order. We write them sorted (the model's
//!    profile is a `BTreeMap`). Such blobs have the same length and the same bytes in another
//!    order, and decode to equal values.
//! 2. `GrantExpandable` in legacy grants. Files written before baton added the `expansion`
//!    column keep the annotation inside the grant blob; current baton (and we) strip it into the
//!    `expansion` column. Our blob equals baton's with exactly that `Any` removed, and our
//!    `expansion` column holds exactly that `Any`'s value.

use c1z::C1zReader;

use crate::common::{content, fixture, raw_db, rows, runtime, write_content};

const GRANT_EXPANDABLE: &[u8] = b"type.googleapis.com/c1.connector.v2.GrantExpandable";

/// How the rows of one table compared. A legacy grant may count in both `map_order` and
/// `expandable_stripped`; the 409 `expandable_stripped` are every grant with a `GrantExpandable`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    exact: usize,
    map_order: usize,
    expandable_stripped: usize,
}

fn check(name: &str, expected: &[(&str, Tally)]) {
    let reader = C1zReader::open(fixture(name)).unwrap();
    let sync = reader.latest_sync().unwrap();
    let original = content(&reader, &sync.id);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.c1z");
    let new_id = runtime().block_on(write_content(&out, &original));

    let back = C1zReader::open(&out).unwrap();
    assert!(back.sync(&new_id).unwrap().is_finished());
    assert!(
        content(&back, &new_id) == original,
        "{name}: content differs after a round trip"
    );

    let baton = raw_db(&fixture(name));
    let ours = raw_db(&out);
    for (table, want) in expected {
        let theirs = rows(&baton, table, &sync.id);
        let mine = rows(&ours, table, &new_id);
        assert_eq!(
            theirs.keys().collect::<Vec<_>>(),
            mine.keys().collect::<Vec<_>>(),
            "{table}"
        );
        let mut tally = Tally::default();
        for (id, (data, _)) in &theirs {
            let (our_data, our_expansion) = &mine[id];
            let (stripped, expandable) = strip_grant_expandable(data);
            if our_data == data {
                tally.exact += 1;
            } else if expandable.is_some() && stripped == *our_data {
                tally.expandable_stripped += 1;
            } else if same_bytes_reordered(&stripped, our_data)
                && data.windows(5).any(|w| w == b"Trait")
            {
                tally.map_order += 1;
                if expandable.is_some() {
                    tally.expandable_stripped += 1;
                }
            } else {
                panic!("{name} {table} {id}: unexplained difference");
            }
            if let Some(value) = expandable {
                assert_eq!(our_expansion.as_deref(), Some(value.as_slice()), "{id}");
            }
        }
        assert_eq!(&tally, want, "{name} {table}");
    }
}

#[test]
fn sync_in_progress() {
    check(
        "sync-in-progress.c1z",
        &[
            (
                "v1_resource_types",
                Tally {
                    exact: 5,
                    ..Tally::default()
                },
            ),
            // 28 resources have no profile map in a trait (projects, scoped roles, small maps).
            (
                "v1_resources",
                Tally {
                    exact: 28,
                    map_order: 51,
                    ..Tally::default()
                },
            ),
        ],
    );
}

#[test]
fn legacy_unexpanded() {
    check(
        "legacy-unexpanded.c1z",
        &[
            (
                "v1_resource_types",
                Tally {
                    exact: 4,
                    ..Tally::default()
                },
            ),
            (
                "v1_resources",
                Tally {
                    exact: 151,
                    map_order: 1070,
                    ..Tally::default()
                },
            ),
            (
                "v1_entitlements",
                Tally {
                    exact: 247,
                    map_order: 95,
                    ..Tally::default()
                },
            ),
            (
                "v1_grants",
                Tally {
                    exact: 2056,
                    map_order: 615,
                    expandable_stripped: 409,
                },
            ),
        ],
    );
}

#[test]
fn legacy_expanded() {
    check(
        "legacy-expanded.c1z",
        &[
            (
                "v1_resource_types",
                Tally {
                    exact: 4,
                    ..Tally::default()
                },
            ),
            (
                "v1_resources",
                Tally {
                    exact: 151,
                    map_order: 1070,
                    ..Tally::default()
                },
            ),
            (
                "v1_entitlements",
                Tally {
                    exact: 247,
                    map_order: 95,
                    ..Tally::default()
                },
            ),
            (
                "v1_grants",
                Tally {
                    exact: 9031,
                    map_order: 5712,
                    expandable_stripped: 409,
                },
            ),
        ],
    );
}

/// baton's grant blob without its top-level `GrantExpandable` annotations (field 4), and the
/// `Any.value` of the first one; a byte-level edit that does not use our encoder.
fn strip_grant_expandable(blob: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut out = Vec::with_capacity(blob.len());
    let mut value = None;
    let mut i = 0;
    while i < blob.len() {
        let start = i;
        let (key, n) = varint(&blob[i..]);
        i += n;
        let end = match key & 7 {
            0 => i + varint(&blob[i..]).1,
            1 => i + 8,
            5 => i + 4,
            2 => {
                let (len, n) = varint(&blob[i..]);
                i + n + len as usize
            }
            _ => panic!("unexpected wire type"),
        };
        let field = &blob[start..end];
        let body = &blob[i..end];
        if key >> 3 == 4 && key & 7 == 2 {
            let payload = &body[varint(body).1..];
            if payload
                .windows(GRANT_EXPANDABLE.len())
                .any(|w| w == GRANT_EXPANDABLE)
            {
                // Any { 1: type_url, 2: value }: the value is the second field.
                let (url_len, n) = varint(&payload[1..]);
                let rest = &payload[1 + n + url_len as usize..];
                if value.is_none() {
                    value = Some(match rest.first() {
                        Some(0x12) => {
                            let (len, n) = varint(&rest[1..]);
                            rest[1 + n..1 + n + len as usize].to_vec()
                        }
                        _ => Vec::new(),
                    });
                }
                i = end;
                continue;
            }
        }
        out.extend_from_slice(field);
        i = end;
    }
    (out, value)
}

fn varint(b: &[u8]) -> (u64, usize) {
    let mut v = 0u64;
    for (i, byte) in b.iter().enumerate() {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    panic!("truncated varint")
}

/// Same length and the same multiset of bytes: what reordering map entries does.
fn same_bytes_reordered(a: &[u8], b: &[u8]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}
