//! Listings a person can read: the review, `diff` and `validate` fit 80 and 200 columns (cells
//! cut, columns left out with a note saying how to see them), `-o long` shows a row whole, the
//! review has a TYPE column and people only unless `--type` asks, its CSV ends with the sync
//! and empty sign-off columns, and `inspect` and `diff` say on stderr which syncs they read.

use unicode_width::UnicodeWidthStr;

use crate::support::{outputs, stdout, toy};

/// The toy's long display name (u0's), which no table can show whole at 80 columns.
const LONG_NAME: &str = "Ada Lovelace with a display name far longer than any terminal is wide, so tables must cut it to fit";

/// Two finished syncs of the toy with projects and API keys, u0's MFA off in the second.
fn two_syncs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--toy-no-mfa", "u0"][..]] {
        toy(dir.path())
            .args(["--toy-projects", "2", "--toy-keys", "2"])
            .args(extra)
            .assert()
            .success();
    }
    dir
}

/// Runs `args` with `COLUMNS` set to `width`, expecting success; stdout and stderr.
fn at_width(dir: &std::path::Path, width: usize, args: &[&str]) -> (String, String) {
    let out = toy(dir)
        .env("COLUMNS", width.to_string())
        .args(args)
        .assert()
        .success();
    let output = out.get_output();
    (
        stdout(output),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_review_diff_and_validate_fit_80_and_200_columns() {
    let dir = two_syncs();
    let d = dir.path();
    for width in [80, 200] {
        for args in [
            &["inspect", "review"][..],
            &["inspect", "review", "--type", "all"][..],
            &["diff"][..],
            &["validate"][..],
            &["inspect", "resources"][..],
            &["inspect", "members", "admins:member"][..],
        ] {
            let (text, stderr) = at_width(d, width, args);
            assert!(!text.is_empty(), "{args:?}");
            for line in text.lines() {
                assert!(
                    line.width() <= width,
                    "{args:?} at {width}: {} columns: {line}\n{text}",
                    line.width()
                );
            }
            if args == ["inspect", "review"] {
                // Who and what they hold always stay; what is left out is said.
                let header = text.lines().next().unwrap();
                for column in ["NAME", "ROLES", "MFA", "ACCESS"] {
                    assert!(header.contains(column), "{width}: {header}");
                }
                assert!(text.contains("Ada Lovelace"), "{text}");
                assert!(text.contains('…'), "{text}");
                if width == 80 {
                    assert!(stderr.contains("left out to fit 80 columns"), "{stderr}");
                    assert!(stderr.contains("-o long"), "{stderr}");
                } else {
                    assert!(!stderr.contains("left out"), "{stderr}");
                }
            }
        }
    }
}

#[test]
fn long_output_shows_a_row_whole_one_field_per_line() {
    let dir = two_syncs();
    let (text, _) = at_width(dir.path(), 80, &["inspect", "review", "-o", "long"]);
    let records: Vec<&str> = text.split("\n\n").collect();
    let ada = records
        .iter()
        .find(|r| r.contains(LONG_NAME))
        .unwrap_or_else(|| panic!("no record shows the long name whole: {text}"));
    for field in [
        "NAME:",
        "TYPE:",
        "EMAIL:",
        "ROLES:",
        "MFA:",
        "SSO:",
        "STATUS:",
        "GROUPS:",
        "ACCESS:",
        "RESOURCE ID:",
        "PRINCIPAL ID:",
    ] {
        assert!(
            ada.lines().any(|l| l.starts_with(field)),
            "{field} missing: {ada}"
        );
    }
    assert!(ada.contains("human"), "{ada}");
    assert!(!text.contains('…'), "-o long cuts nothing: {text}");
    // A table that cannot fit says so; long output never needs to.
    let out = toy(dir.path())
        .args(["inspect", "stats", "-o", "long"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("RESOURCE TYPE:"), "{}", outputs(&out));
}

#[test]
fn the_review_is_of_people_and_ends_with_its_sync_and_sign_off_columns() {
    let dir = two_syncs();
    let d = dir.path();
    let (csv, stderr) = at_width(d, 200, &["inspect", "review", "-o", "csv"]);
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "resource,resource_id,principal_id,name,email,roles,mfa,sso,status,groups,access,\
         resources,type,sync_id,as_of,decision,comment"
    );
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.ends_with(",,")), "{csv}");
    assert!(rows.iter().all(|r| r.contains(",human,")), "{csv}");
    // Which sync was read is said on stderr, and is the one the rows carry.
    let note = stderr
        .lines()
        .find(|l| l.starts_with("note: reading sync "))
        .unwrap_or_else(|| panic!("no note of the sync read: {stderr}"));
    let sync_id = note["note: reading sync ".len()..]
        .split(' ')
        .next()
        .unwrap();
    assert!(note.contains("(full, ended 20"), "{note}");
    assert!(rows.iter().all(|r| r.contains(sync_id)), "{csv}");

    // The review groups repeated access: one line per way it is held, naming each resource.
    let (jsonl, _) = at_width(d, 200, &["inspect", "review", "-o", "jsonl"]);
    let u1: serde_json::Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["principal_id"] == "user:u1" && v["resource"] == "admins")
        .unwrap();
    let access = u1["access"].as_array().unwrap();
    assert_eq!(access.len(), 1, "{u1}");
    assert_eq!(
        access[0], "admins-p1, admins-p2: viewer (via group admins)",
        "{u1}"
    );

    // --type asks for more than people; an unknown type is refused with the choices.
    let out = toy(d)
        .args(["inspect", "review", "--type", "robots"])
        .assert()
        .code(2);
    let text = outputs(out.get_output());
    assert!(
        text.contains("human") && text.contains("service-account"),
        "{text}"
    );

    // diff says which two syncs it compares.
    let (_, stderr) = at_width(d, 200, &["diff"]);
    assert!(
        stderr.contains("note: comparing sync ") && stderr.contains(" with sync "),
        "{stderr}"
    );
}

/// Every export says what it is, positional CSV readers keep their columns, and the hints fit.
#[test]
fn every_export_carries_its_sync_and_keeps_its_first_columns() {
    let dir = two_syncs();
    let d = dir.path();
    let (syncs, _) = at_width(d, 200, &["inspect", "syncs", "-o", "csv"]);
    assert!(
        syncs.starts_with("id,started,ended,type,parent,sync_id,as_of\n"),
        "{syncs}"
    );
    let (events, _) = at_width(d, 200, &["inspect", "events", "-o", "csv"]);
    assert!(events.trim_end().ends_with(",sync_id,as_of"), "{events}");
    // The diff's rows name the base sync too, after the columns they had.
    let (diff, _) = at_width(d, 200, &["diff", "-o", "csv"]);
    let header = diff.lines().next().unwrap();
    assert!(
        header.starts_with("change,principal,resource,entitlement,entitlement_id,")
            && header.ends_with(",sync_id,as_of,base_sync_id"),
        "{header}"
    );
    // TYPE came last: members' first columns are where they were.
    let (members, _) = at_width(
        d,
        200,
        &["inspect", "members", "admins:member", "-o", "csv"],
    );
    assert!(
        members.starts_with(
            "principal_type,principal,display_name,email,mfa,sso,status,via,type,sync_id,as_of\n"
        ),
        "{members}"
    );
    // An empty audit log's hint fits 80 columns and does not claim the feed was off.
    let (empty, _) = at_width(d, 80, &["inspect", "events"]);
    assert!(empty.lines().all(|l| l.width() <= 80), "{empty}");
    assert!(empty.contains("or\nthe feed had no event"), "{empty}");
}

/// The review's count column says what it counts.
#[test]
fn the_review_names_its_count_column() {
    let dir = two_syncs();
    let (text, _) = at_width(dir.path(), 200, &["inspect", "review"]);
    let header = text.lines().next().unwrap();
    assert!(header.ends_with("IN GROUPS"), "{header}");
}
