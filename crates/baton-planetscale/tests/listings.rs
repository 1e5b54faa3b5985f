//! Listings a person can read at 80 columns: tokens and invitations keep what the README
//! promises, the review keeps TYPE when it lists more than people, and names with their
//! organization (`acme/Carol Keller`) are accepted and suggested.

use unicode_width::UnicodeWidthStr;

use crate::support::{Fake, json};

/// The first header line of `args` at `width` columns, after checking no line is wider.
fn header_at(fake: &Fake, dir: &std::path::Path, width: usize, args: &[&str]) -> String {
    let out = fake
        .cmd(dir)
        .env("COLUMNS", width.to_string())
        .args(args)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for line in text.lines() {
        assert!(line.width() <= width, "{args:?} at {width}: {line}\n{text}");
    }
    text.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn token_and_invitation_listings_keep_their_promised_columns_at_80() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path())
        .args([
            "--planetscale-sync-service-tokens",
            "--planetscale-sync-invitations",
        ])
        .assert()
        .success();
    let d = dir.path();
    for width in [80, 120] {
        let tokens = header_at(
            &fake,
            d,
            width,
            &["inspect", "resources", "-t", "service_token"],
        );
        for column in [
            "DISPLAY NAME",
            "CREATOR",
            "EXPIRES",
            "LAST USED",
            "ACCESSES",
        ] {
            assert!(tokens.contains(column), "{width}: {column}: {tokens}");
        }
        assert!(!tokens.contains("MFA"), "{width}: {tokens}");
        let invitations = header_at(
            &fake,
            d,
            width,
            &["inspect", "resources", "-t", "invitation"],
        );
        for column in ["ROLE", "INVITER", "EXPIRES", "STATE"] {
            assert!(
                invitations.contains(column),
                "{width}: {column}: {invitations}"
            );
        }
        assert!(
            !invitations.contains("RESOURCE TYPE"),
            "{width}: {invitations}"
        );
    }
    // The review of more than people keeps the type of each row.
    let review = header_at(&fake, d, 80, &["inspect", "review", "--type", "all"]);
    assert!(review.contains("TYPE"), "{review}");
}

#[test]
fn people_are_named_with_their_organization() {
    let fake = Fake::small();
    let data = fake.server.dataset();
    let dir = tempfile::tempdir().unwrap();
    fake.cmd(dir.path()).assert().success();
    let d = dir.path();
    let org = &data.organizations[0];
    let org_name = org.organization["name"].as_str().unwrap();
    // A member with a plain, short name.
    let member = org
        .members
        .iter()
        .map(|m| &m["user"])
        .find(|u| {
            u["display_name"]
                .as_str()
                .is_some_and(|n| n.len() < 30 && n.is_ascii() && !n.contains('/'))
        })
        .unwrap();
    let name = member["display_name"].as_str().unwrap();
    let qualified = format!("{org_name}/{name}");
    let access = json(
        fake.cmd(d)
            .args(["inspect", "access", &qualified, "-o", "json"]),
    );
    assert_eq!(
        access["principal"]["id"]["resource"], member["id"],
        "{access}"
    );
    fake.cmd(d)
        .args(["inspect", "review", "-p", &qualified])
        .assert()
        .success();
}
