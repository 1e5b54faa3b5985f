//! `report`: one self-contained HTML file of the review, from the toy's syncs — every section,
//! the counts `inspect` gives, names escaped, nothing to fetch, a dated name beside the file by
//! default, and bad destinations refused without a half-written file.

use crate::support::{json, outputs, toy};

/// Two finished syncs of the toy (projects, API keys), u0's MFA off in the second, and one
/// user with a name that is markup.
fn two_syncs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--toy-no-mfa", "u0"][..]] {
        toy(dir.path())
            .args([
                "--toy-projects",
                "2",
                "--toy-keys",
                "2",
                "--toy-groups",
                "admins,<b>staff</b>",
            ])
            .args(extra)
            .assert()
            .success();
    }
    dir
}

/// The number in `data-count="<key>">12,345<` of `html`.
fn count(html: &str, key: &str) -> u64 {
    let marker = format!("data-count=\"{key}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no count {key}"));
    html[at + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn the_report_holds_every_section_with_inspects_counts() {
    let dir = two_syncs();
    let d = dir.path();
    let out = toy(d).args(["report"]).assert().success();
    let text = outputs(out.get_output());
    // Written beside the file, under a dated name, and said so.
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let name = format!("sync-review-{today}.html");
    assert!(
        text.contains(&format!("wrote {}", d.join(&name).display())) || text.contains(&name),
        "{text}"
    );
    let html = std::fs::read_to_string(d.join(&name)).unwrap();
    for id in [
        "provenance",
        "summary",
        "findings",
        "people",
        "non-human",
        "invitations",
        "privileged",
        "changes",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    // Provenance: the connector, the sync, the file's hash, on the page and in the print footer.
    let stats = json(toy(d).args(["inspect", "stats", "-o", "json"]));
    let sync_id = stats["sync"]["id"].as_str().unwrap();
    let sha = stats["provenance"]["fileSha256"].as_str().unwrap();
    assert!(html.contains("toy-connector 0.0.1"));
    assert!(html.contains(sync_id) && html.contains(sha));
    let print_footer = &html[html
        .find("<div class=\"print-footer\"")
        .expect("a print footer")..];
    let print_footer = &print_footer[..print_footer.find("</div>").unwrap()];
    assert!(
        print_footer.contains("toy-connector 0.0.1")
            && print_footer.contains(&format!("c1z sha256 {sha}")),
        "{print_footer}"
    );
    assert!(
        html.contains("position: fixed; bottom: 0"),
        "the footer prints on every page"
    );
    // Counts are inspect's: people (users), non-human identities (API keys).
    assert_eq!(
        count(&html, "people"),
        stats["resourceTypes"]["user"]["resources"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(
        count(&html, "non-human"),
        stats["resourceTypes"]["api_key"]["resources"]
            .as_u64()
            .unwrap()
    );
    // u0 turned MFA off since the previous sync: a finding, in the diff's words.
    assert_eq!(count(&html, "f-attributes"), 1);
    assert!(
        html.contains("mfa</td><td>on</td><td>off"),
        "the attribute change"
    );
    // Empty sign-off cells closing every person's row, in the people section.
    let people = &html[html.find("<section id=\"people\">").unwrap()..];
    let people = &people[..people.find("<section id=\"non-human\">").unwrap()];
    let rows = people.matches("<td><td>\n").count() as u64;
    let review = json(toy(d).args(["inspect", "review", "-o", "json"]));
    assert_eq!(rows, review["review"].as_array().unwrap().len() as u64);
    // People in two of the toy's groups: a table of three named columns, in the toy's words
    // (its top-level resources are groups).
    assert_eq!(count(&html, "f-several"), 2);
    assert!(html.contains("<h3>People in several groups</h3>"));
    assert!(
        !html.contains("<th scope=\"col\"></th>"),
        "a column without a header"
    );
    // The picture of who reaches what, drawn inline.
    assert!(html.contains("<svg class=\"graph\""));
    // Names are text, never markup; nothing is fetched; no script.
    assert!(!html.contains("<b>staff</b>"));
    assert!(html.contains("&lt;b&gt;staff&lt;/b&gt;"));
    assert!(!html.contains("<script"));
    assert!(html.contains("default-src 'none'"));
    assert_eq!(
        html.matches("://").count(),
        html.matches("http://www.w3.org/2000/svg").count()
    );
}

#[test]
fn a_bad_destination_is_refused_and_leaves_nothing_behind() {
    let dir = two_syncs();
    let d = dir.path();
    std::fs::create_dir(d.join("reports")).unwrap();
    let out = toy(d).args(["report", "--out", "reports"]).assert().code(2);
    assert!(outputs(out.get_output()).contains("is a directory"));
    let out = toy(d)
        .args(["report", "--out", "missing/dir/r.html"])
        .assert()
        .failure();
    assert!(outputs(out.get_output()).contains("missing/dir"));
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("report") && n != "reports")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A named sync and a destination of one's own.
    toy(d)
        .args(["report", "--out", "reports/q4.html", "--unused-days", "1"])
        .assert()
        .success();
    let html = std::fs::read_to_string(d.join("reports/q4.html")).unwrap();
    assert!(html.contains("Credentials unused for 1 days"));
}

#[test]
fn what_is_there_is_kept_unless_forced_and_never_replaced_if_not_a_file() {
    let dir = two_syncs();
    let d = dir.path();
    // An existing report is kept, and the refusal says what to do.
    std::fs::write(d.join("q4.html"), "the reviewed copy").unwrap();
    let out = toy(d).args(["report", "--out", "q4.html"]).assert().code(2);
    let text = outputs(out.get_output());
    assert!(
        text.contains("--out q4.html exists") && text.contains("--force"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("q4.html")).unwrap(),
        "the reviewed copy"
    );
    toy(d)
        .args(["report", "--out", "q4.html", "--force"])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(d.join("q4.html"))
            .unwrap()
            .contains("<section id=\"people\">")
    );

    // Today's dated name too: a second report of the day does not replace the first.
    toy(d).arg("report").assert().success();
    let out = toy(d).arg("report").assert().code(2);
    let text = outputs(out.get_output());
    assert!(
        text.contains("the default --out") && text.contains("--force"),
        "{text}"
    );
    toy(d).args(["report", "--force"]).assert().success();

    // A symlink is refused, not replaced, and what it points to is untouched; so is a FIFO,
    // even with --force.
    std::fs::write(d.join("target.txt"), "kept").unwrap();
    std::os::unix::fs::symlink(d.join("target.txt"), d.join("link.html")).unwrap();
    let fifo = d.join("fifo.html");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (name, kind) in [("link.html", "a symbolic link"), ("fifo.html", "a FIFO")] {
        let out = toy(d)
            .args(["report", "--force", "--out", name])
            .assert()
            .code(2);
        let text = outputs(out.get_output());
        assert!(
            text.contains("not a regular file") && text.contains(kind),
            "{text}"
        );
        let t = std::fs::symlink_metadata(d.join(name)).unwrap().file_type();
        assert!(!t.is_file(), "{name} was replaced by a file");
    }
    assert_eq!(
        std::fs::read_to_string(d.join("target.txt")).unwrap(),
        "kept"
    );
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn out_dash_is_standard_output() {
    let dir = two_syncs();
    let d = dir.path();
    let out = toy(d).args(["report", "--out", "-"]).assert().success();
    let html = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..html.len().min(200)]
    );
    assert!(html.contains("<section id=\"people\">") && html.contains("</footer>"));
    assert!(!d.join("-").exists(), "a file named -");
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("standard output"));
}
