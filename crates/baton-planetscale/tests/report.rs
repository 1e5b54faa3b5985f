//! The review report opened in a real browser (Debian's headless Chromium; `.ci/run` installs
//! it): the report of the fake's bench-sized data, every optional part on, renders with every
//! section, the counts `inspect` gives, no request made for the page (Chromium's network log), and
//! screenshots of its top and of the graph at desktop and phone widths
//! (`target/tmp/report-screenshots/`), and prints its folded parts.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use planetscale_fake::DataSpec;
use serde_json::Value;

use crate::support::{Fake, json};

/// The optional parts, so the report has tokens and invitations.
const ALL_PARTS: [&str; 4] = [
    "--planetscale-list-databases",
    "--planetscale-sync-service-tokens",
    "--planetscale-sync-oauth-applications",
    "--planetscale-sync-invitations",
];

/// Debian's Chromium, or the test fails saying how to install it.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Process::new("which").arg(name).output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!("the report test needs Chromium: apt-get install -y chromium (.ci/run does)");
}

/// Headless Chromium with a new empty profile, nothing in the background, and `extra` flags;
/// returns stdout.
fn browse(profile: &Path, extra: &[&str], url: &str) -> String {
    let out = Process::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("Chromium runs");
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The number in `<span class="n" data-count="<key>">12,345</span>` of the rendered page.
fn count(dom: &str, key: &str) -> u64 {
    let marker = format!("data-count=\"{key}\">");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no count {key} in the page"));
    let digits: String = dom[at + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[test]
fn the_report_of_bench_sized_data_renders_in_a_browser_offline() {
    let browser = chromium();
    let fake = Fake::dataset(DataSpec::bench().generate());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fake.cmd(d).args(ALL_PARTS).assert().success();
    let out = fake
        .cmd(d)
        .args(["report", "--out", "review.html"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("wrote review.html"), "{stderr}");
    let html = std::fs::read_to_string(d.join("review.html")).unwrap();
    // Nothing the page could fetch: no script, no remote address, a policy that forbids all.
    assert!(!html.contains("<script"), "a script in the report");
    assert!(only_svg_namespace(&html), "an address in the report");
    assert!(html.contains("default-src 'none'"));

    let url = format!("file://{}", d.join("review.html").display());
    // Loaded with Chromium's network log on: what the page asked for is there.
    let requests = d.join("requests.json");
    let online = browse(
        &d.join("profile-1"),
        &[
            "--dump-dom",
            &format!("--log-net-log={}", requests.display()),
        ],
        &url,
    );
    let asked = page_requests(&requests);
    assert!(asked.is_empty(), "the report asked for {asked:?}");
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
        assert!(online.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    assert!(online.contains("<svg"), "no graph");

    // The counts are inspect's.
    let stats = json(fake.cmd(d).args(["inspect", "stats", "-o", "json"]));
    let resources = |t: &str| stats["resourceTypes"][t]["resources"].as_u64().unwrap_or(0);
    assert_eq!(count(&online, "people"), resources("user"));
    assert_eq!(count(&online, "people"), 25_250);
    assert_eq!(
        count(&online, "non-human"),
        resources("service_token") + resources("oauth_token")
    );
    // Pending as `inspect` lists them: neither said expired nor past their expiry today.
    let listed = fake
        .cmd(d)
        .args(["inspect", "resources", "-t", "invitation", "-o", "jsonl"])
        .assert()
        .success();
    let pending = String::from_utf8_lossy(&listed.get_output().stdout)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|row| row["state"] == "pending")
        .count() as u64;
    assert_eq!(count(&online, "invitations"), pending);
    let no_mfa = json(fake.cmd(d).args([
        "inspect", "review", "--role", "admin", "--mfa", "off", "-o", "json",
    ]));
    assert_eq!(
        count(&online, "f-mfa"),
        no_mfa["review"].as_array().unwrap().len() as u64
    );
    // Privileged people (holding a permission or an ownership anywhere), people in several
    // organizations, and each organization's rows: from `inspect review` and the purposes
    // `inspect entitlements` gives.
    let entitlements = json(fake.cmd(d).args(["inspect", "entitlements", "-o", "json"]));
    let permissions: HashSet<&str> = entitlements["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["entitlement"])
        .filter(|e| {
            matches!(
                e["purpose"].as_str(),
                Some("PURPOSE_VALUE_PERMISSION" | "PURPOSE_VALUE_OWNERSHIP")
            )
        })
        .filter_map(|e| e["id"].as_str())
        .collect();
    let review = json(fake.cmd(d).args(["inspect", "review", "-o", "json"]));
    let (mut privileged, mut several) = (HashSet::new(), HashSet::new());
    let mut rows_per_organization: BTreeMap<String, u64> = BTreeMap::new();
    for row in review["review"].as_array().unwrap() {
        let person = row["principal"]["id"].to_string();
        *rows_per_organization
            .entry(row["resource"]["displayName"].as_str().unwrap().to_owned())
            .or_default() += 1;
        if row["resources"].as_u64().unwrap() > 1 {
            several.insert(person.clone());
        }
        let held = [&row["roles"], &row["access"]];
        if held.iter().any(|h| {
            h.as_array()
                .into_iter()
                .flatten()
                .any(|e| permissions.contains(e["entitlementId"].as_str().unwrap_or("")))
        }) {
            privileged.insert(person);
        }
    }
    assert!(!privileged.is_empty() && !several.is_empty());
    assert_eq!(count(&online, "privileged"), privileged.len() as u64);
    assert_eq!(count(&online, "f-several"), several.len() as u64);
    assert_eq!(people_rows(&online), rows_per_organization);

    // Screenshots, to look at.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // The graph alone: the report's own head and its first figure, as the report draws it.
    let figure = &html[html.find("<figure>").unwrap()..];
    let figure = &figure[..figure.find("</figure>").unwrap() + "</figure>".len()];
    let head = &html[..html.find("<header>").unwrap()];
    std::fs::write(d.join("graph.html"), format!("{head}{figure}")).unwrap();
    let graph_url = format!("file://{}", d.join("graph.html").display());
    for (name, size) in [("desktop", "1280,900"), ("phone", "390,844")] {
        for (part, page) in [("top", &url), ("graph", &graph_url)] {
            let file = shots.join(format!("{part}-{name}.png"));
            let _ = std::fs::remove_file(&file);
            browse(
                &d.join(format!("profile-{name}-{part}")),
                &[
                    &format!("--screenshot={}", file.display()),
                    &format!("--window-size={size}"),
                ],
                page,
            );
            let png = std::fs::read(&file).unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{}", file.display());
        }
    }

    // Printed, a folded part prints whole: the first two folds of the people, the second
    // closed as the report writes it, take more pages than the first alone.
    let people = &html[html.find("<section id=\"people\">").unwrap()..];
    let folds: Vec<usize> = people.match_indices("<details").map(|(i, _)| i).collect();
    assert!(folds.len() > 2, "the people come in folds");
    assert!(
        people[folds[1]..].starts_with("<details>"),
        "the second fold is closed"
    );
    let pages = |name: &str, end: usize| {
        std::fs::write(
            d.join(format!("{name}.html")),
            format!("{head}{}", &people[..end]),
        )
        .unwrap();
        let pdf = d.join(format!("{name}.pdf"));
        browse(
            &d.join(format!("profile-{name}")),
            &[
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", pdf.display()),
            ],
            &format!("file://{}", d.join(format!("{name}.html")).display()),
        );
        page_count(&std::fs::read(&pdf).unwrap())
    };
    let (one, two) = (pages("one-fold", folds[1]), pages("two-folds", folds[2]));
    assert!(
        two > one + one / 2,
        "the closed fold did not print: {one} pages, then {two}"
    );
    let _ = browser;
}

/// What the page loaded from `net_log` (Chromium's `--log-net-log`) asked the network for:
/// each request made for a page whose site is `file://` (its network isolation key), leaving
/// out the browser's own (updates, accounts), which no page made.
fn page_requests(net_log: &Path) -> Vec<String> {
    let log: Value = serde_json::from_str(&std::fs::read_to_string(net_log).unwrap()).unwrap();
    let start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("a net log names its event types");
    let events = log["events"].as_array().expect("a net log has events");
    assert!(!events.is_empty(), "an empty net log proves nothing");
    events
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start))
        .map(|e| &e["params"])
        .filter(|p| {
            p["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.contains("file://"))
        })
        .filter_map(|p| p["url"].as_str())
        .filter(|url| !url.starts_with("file://"))
        .map(str::to_owned)
        .collect()
}

/// The people rows of each organization in the rendered page: the `<tr><td>` rows under each
/// `<h3>` of the people section.
fn people_rows(dom: &str) -> BTreeMap<String, u64> {
    let people = &dom[dom.find("<section id=\"people\"").unwrap()..];
    let people = &people[..people.find("</section>").unwrap()];
    people
        .split("<h3>")
        .skip(1)
        .map(|part| {
            let (name, rest) = part.split_once("</h3>").unwrap();
            (name.to_owned(), rest.matches("<tr><td>").count() as u64)
        })
        .collect()
}

/// The pages of a PDF: the largest `/Count` of its page tree.
fn page_count(pdf: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Count ")
        .filter_map(|(i, m)| {
            let digits: String = text[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// Whether every `http` address in `html` is the SVG namespace (an identifier, not a request).
fn only_svg_namespace(html: &str) -> bool {
    html.matches("://").count() == html.matches("http://www.w3.org/2000/svg").count()
}

/// The cells of the rows of `html`'s table rows that start `<tr><td>`, each row's cells.
fn rows(html: &str) -> Vec<Vec<String>> {
    html.split("<tr><td>")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            row.split("</td><td>")
                .map(|cell| cell.trim_end_matches("</td>").to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn parts_not_synced_read_not_collected_and_a_tokens_organization_is_its_top_level() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No optional part: no credentials or invitations were looked at, so none is not "None.".
    fake.cmd(d).assert().success();
    fake.cmd(d)
        .args(["report", "--out", "none.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(d.join("none.html")).unwrap();
    for key in [
        "non-human",
        "invitations",
        "f-never-expire",
        "f-unused",
        "f-invitations",
    ] {
        assert!(
            html.contains(&format!("data-count=\"{key}\">not collected<")),
            "{key} counted though not collected"
        );
    }
    let findings = &html[html.find("<section id=\"findings\">").unwrap()..];
    let never = &findings[findings.find("Credentials that never expire</h3>").unwrap()..];
    assert!(
        never[..300].contains("Not collected in this sync"),
        "{}",
        &never[..300]
    );
    assert!(html.contains("not collected: credentials and service accounts"));

    // OAuth applications only: their tokens are collected, service tokens read as synced
    // before (in the provenance), and each token's organization is the organization above its
    // application, not the application.
    fake.cmd(d)
        .arg("--planetscale-sync-oauth-applications")
        .assert()
        .success();
    fake.cmd(d)
        .args(["report", "--out", "oauth.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(d.join("oauth.html")).unwrap();
    assert!(!html.contains("data-count=\"non-human\">not collected<"));
    assert!(html.contains("Of the credential types synced: OAuth token."));
    let names = |t: &str| -> Vec<String> {
        let out = fake
            .cmd(d)
            .args(["inspect", "resources", "-t", t, "-o", "jsonl"])
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["display_name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    let (orgs, apps) = (names("organization"), names("oauth_application"));
    assert!(!orgs.is_empty() && !apps.is_empty());
    let section = &html[html.find("<section id=\"non-human\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let tokens: Vec<Vec<String>> = rows(section)
        .into_iter()
        .filter(|r| r.get(1).is_some_and(|t| t == "OAuth token"))
        .collect();
    assert!(!tokens.is_empty(), "{section}");
    for token in &tokens {
        assert!(
            orgs.contains(&token[2]),
            "token {token:?}: not an organization of {orgs:?}"
        );
    }
}
