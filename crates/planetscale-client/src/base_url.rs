//! Validation and normalisation of the API base URL, and request URLs built from it.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// The production API.
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.planetscale.com/v1/";

/// Checks `input` and normalises it so that it ends in `/v1/`: `https://api.planetscale.com`,
/// `…/v1` and `…/v1/` all give `https://api.planetscale.com/v1/`.
///
/// Plain `http` is accepted only for a loopback IP address (`127.0.0.0/8`, `::1`) or when
/// `allow_insecure_http` is set, because the token would otherwise cross the network in clear
/// text. A name, even `localhost`, is not loopback: DNS or `/etc/hosts` decides where it goes.
/// URLs with credentials, a query or a fragment are refused. Errors never repeat the input,
/// which may hold credentials.
pub(crate) fn normalize_base_url(input: &str, allow_insecure_http: bool) -> Result<Url> {
    let mut url = Url::parse(input.trim()).map_err(|error| match error {
        url::ParseError::RelativeUrlWithoutBase => {
            invalid("it has no scheme; write it like https://api.planetscale.com")
        }
        url::ParseError::EmptyHost => invalid("it has no host"),
        other => invalid(format!("it does not parse ({other})")),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback_ip(&url) => {}
        "http" => {
            let instead = match url.host() {
                Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
                    let port = url
                        .port()
                        .map(|port| format!(":{port}"))
                        .unwrap_or_default();
                    format!(
                        "; localhost is a name that DNS or /etc/hosts could point elsewhere: \
                         write http://127.0.0.1{port} instead"
                    )
                }
                _ => String::new(),
            };
            return Err(invalid(format!(
                "plain http sends the token in clear text{instead}; use https or a loopback IP \
                 address, or allow insecure http explicitly"
            )));
        }
        other => {
            return Err(invalid(format!(
                "the scheme {other:?} is not http or https"
            )));
        }
    }
    if url.host().is_none() {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it embeds credentials (user:pass@); pass the service token through Credentials",
        ));
    }
    if url.query().is_some() {
        return Err(invalid(
            "it has a query string; give only scheme, host and path",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid(
            "it has a fragment; give only scheme, host and path",
        ));
    }
    let mut segments: Vec<String> = url
        .path_segments()
        .map(|segments| {
            segments
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if segments.last().map(String::as_str) != Some("v1") {
        segments.push("v1".to_owned());
    }
    segments.push(String::new());
    url.set_path(&segments.join("/"));
    Ok(url)
}

/// The URL of `path_segments` under `base`, each segment percent-encoded by the `url` crate.
///
/// Empty, `.` and `..` segments are refused: the `url` crate would drop the dot segments
/// silently, and an empty org or team name would address a different endpoint.
pub(crate) fn endpoint_url(base: &Url, path_segments: &[&str]) -> Result<Url> {
    if path_segments.is_empty() {
        return Err(Error::InvalidArgument {
            reason: "the path has no segments".into(),
        });
    }
    for segment in path_segments {
        if segment.is_empty() {
            return Err(Error::InvalidArgument {
                reason: "a path segment (organization, team or id) is empty".into(),
            });
        }
        if matches!(*segment, "." | "..") {
            return Err(Error::InvalidArgument {
                reason: "a path segment (organization, team or id) is \".\" or \"..\"".into(),
            });
        }
    }
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| invalid("it cannot have a path"))?
        .pop_if_empty()
        .extend(path_segments);
    Ok(url)
}

/// Whether `url` is plain http to a loopback IP address: the one case where the token never
/// leaves the machine, so it must not go to a proxy either.
pub(crate) fn is_plain_loopback(url: &Url) -> bool {
    url.scheme() == "http" && is_loopback_ip(url)
}

/// Whether the host is a loopback IP literal; names are not resolved, so never loopback.
fn is_loopback_ip(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(_)) | None => false,
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidBaseUrl {
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, allow_insecure: bool, expected: std::result::Result<&str, &str>) {
        let actual = normalize_base_url(input, allow_insecure)
            .map(|url| url.to_string())
            .map_err(|error| error.to_string());
        match (actual, expected) {
            (Ok(actual), Ok(expected)) => assert_eq!(actual, expected, "input {input:?}"),
            (Err(actual), Err(needle)) => {
                assert!(
                    actual.contains(needle),
                    "input {input:?}: {actual:?} lacks {needle:?}"
                );
            }
            (actual, expected) => panic!("input {input:?}: got {actual:?}, want {expected:?}"),
        }
    }

    #[test]
    fn normalisation_table() {
        let production = Ok("https://api.planetscale.com/v1/");
        check("https://api.planetscale.com", false, production);
        check("https://api.planetscale.com/", false, production);
        check("https://api.planetscale.com/v1", false, production);
        check("https://api.planetscale.com/v1/", false, production);
        check("https://api.planetscale.com//v1//", false, production);
        check("  https://API.planetscale.com/v1  ", false, production);
        check(
            "https://proxy.example/planetscale",
            false,
            Ok("https://proxy.example/planetscale/v1/"),
        );
        check(
            "http://127.0.0.1:8080",
            false,
            Ok("http://127.0.0.1:8080/v1/"),
        );
        check("http://127.1.2.3", false, Ok("http://127.1.2.3/v1/"));
        check("http://[::1]:9/v1", false, Ok("http://[::1]:9/v1/"));
        check(
            "http://localhost:3000/",
            false,
            Err(
                "localhost is a name that DNS or /etc/hosts could point elsewhere: write \
                 http://127.0.0.1:3000 instead",
            ),
        );
        check(
            "http://LOCALHOST",
            false,
            Err("write http://127.0.0.1 instead"),
        );
        check("http://localhost.", false, Err("plain http"));
        check("http://127.0.0.1.nip.io", false, Err("plain http"));
        check(
            "http://localhost:3000",
            true,
            Ok("http://localhost:3000/v1/"),
        );
        check(
            "https://localhost:3000",
            false,
            Ok("https://localhost:3000/v1/"),
        );
        check("http://fake.internal", true, Ok("http://fake.internal/v1/"));
        check("http://api.planetscale.com", false, Err("plain http"));
        check("http://10.0.0.1", false, Err("plain http"));
        check("ftp://api.planetscale.com", false, Err("scheme \"ftp\""));
        check("file:///etc/passwd", false, Err("scheme \"file\""));
        check("api.planetscale.com", false, Err("no scheme"));
        check("https://", false, Err("no host"));
        check("https://[::1", false, Err("does not parse"));
        check(
            "https://user:hunter2@api.planetscale.com",
            false,
            Err("embeds credentials"),
        );
        check(
            "https://user@api.planetscale.com",
            false,
            Err("embeds credentials"),
        );
        check("https://api.planetscale.com/v1?x=1", false, Err("query"));
        check("https://api.planetscale.com/v1?", false, Err("query"));
        check("https://api.planetscale.com/v1#top", false, Err("fragment"));
    }

    #[test]
    fn errors_never_echo_the_url() {
        let error = normalize_base_url("https://user:hunter2@api.planetscale.com", false);
        assert!(!error.unwrap_err().to_string().contains("hunter2"));
    }

    #[test]
    fn segments_are_percent_encoded() {
        let base = normalize_base_url("https://api.planetscale.com", false).unwrap();
        let url = endpoint_url(&base, &["organizations", "a b/c?d#e%f", "members"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.planetscale.com/v1/organizations/a%20b%2Fc%3Fd%23e%25f/members"
        );
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        let base = normalize_base_url("https://api.planetscale.com", false).unwrap();
        for segment in ["", ".", ".."] {
            let error = endpoint_url(&base, &["organizations", segment]).unwrap_err();
            assert!(
                matches!(error, Error::InvalidArgument { .. }),
                "{segment:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn normalisation_never_panics(input in ".{0,60}", insecure: bool) {
            let _ = normalize_base_url(&input, insecure);
        }

        #[test]
        fn normalised_urls_are_fixed_points(
            scheme in "https?",
            host in "[a-z]{1,10}(\\.[a-z]{2,5})?|127\\.0\\.0\\.1|localhost",
            path in "(/[a-z0-9]{1,6}){0,3}(/v1)?/{0,2}",
        ) {
            let input = format!("{scheme}://{host}{path}");
            if let Ok(url) = normalize_base_url(&input, false) {
                proptest::prop_assert!(url.path().ends_with("/v1/"));
                let again = normalize_base_url(url.as_str(), false).unwrap();
                proptest::prop_assert_eq!(again, url);
            }
        }
    }
}
