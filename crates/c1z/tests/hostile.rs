use std::time::Duration;

use c1z::{C1zReader, Error, GrantFilter, ResourceFilter};

use crate::common::{fixture, pack, raw_db};

#[test]
fn a_step_over_the_time_limit_interrupts_the_read() {
    // A zero limit interrupts the first query long enough to call the progress handler.
    let reader =
        C1zReader::open_with(fixture("legacy-expanded.c1z"), 1 << 30, Duration::ZERO).unwrap();
    let sync = reader.syncs().unwrap()[0].id.clone();
    let err = reader.grants(&sync, GrantFilter::default()).unwrap_err();
    assert!(matches!(err, Error::TooSlow { seconds: 0, .. }), "{err:?}");
    assert!(err.to_string().contains("damaged or hostile"), "{err}");
}

#[test]
fn a_value_over_the_length_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = raw_db(&fixture("legacy-unexpanded.c1z"));
    db.conn
        .execute_batch(
            "UPDATE v1_resources SET data = zeroblob(40 * 1024 * 1024)
             WHERE id = (SELECT min(id) FROM v1_resources)",
        )
        .unwrap();
    let path = db.conn.path().unwrap().to_owned();
    drop(db.conn);
    let out = dir.path().join("big.c1z");
    pack(std::path::Path::new(&path), &out);
    let reader = C1zReader::open(&out).unwrap();
    let sync = reader.syncs().unwrap()[0].id.clone();
    let err = reader
        .resources(&sync, ResourceFilter::default())
        .unwrap_err();
    assert!(matches!(err, Error::ValueTooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("longer than 32 MiB"), "{err}");
}

#[test]
fn sync_ids_are_found_by_their_first_characters() {
    let reader = C1zReader::open(fixture("legacy-unexpanded.c1z")).unwrap();
    let id = reader.syncs().unwrap()[0].id.clone();
    assert_eq!(reader.sync(&id[..6]).unwrap().id, id);
    assert!(matches!(
        reader.sync("nope"),
        Err(Error::UnknownSync { .. })
    ));
    assert!(matches!(reader.sync(""), Err(Error::UnknownSync { .. })));
}
