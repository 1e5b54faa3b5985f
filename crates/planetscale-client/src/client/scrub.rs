//! What the server says, made safe to show: the token replaced should a server echo it, error
//! fields decoded alone and tidied, decode errors of bodies that may hold secrets withheld.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::Client;

impl Client {
    /// Replaces the token in text that came from the server, in case a server (or a proxy)
    /// echoes the request's headers back; the header value is read, never rebuilt.
    pub(super) fn scrub(&self, text: &str) -> String {
        let header = self.inner.authorization.as_bytes();
        let token = match header.iter().position(|byte| *byte == b':') {
            Some(colon) => std::str::from_utf8(&header[colon + 1..]).unwrap_or_default(),
            None => "",
        };
        if token.is_empty() || !text.contains(token) {
            return text.to_owned();
        }
        text.replace(token, "[redacted]")
    }
}

pub(super) fn describe_decode_error(error: &serde_json::Error, sensitive: bool) -> String {
    if !sensitive {
        return error.to_string();
    }
    let category = match error.classify() {
        serde_json::error::Category::Io => "io",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "data",
        serde_json::error::Category::Eof => "unexpected end of input",
    };
    format!(
        "{category} error at line {} column {} (details withheld: this endpoint's bodies may hold \
         secrets)",
        error.line(),
        error.column()
    )
}
/// The `code` and `message` of an error body, when it is a JSON object holding them as strings;
/// anything else (`{}`, HTML, empty, cut short) gives neither, and the status speaks alone.
/// Other fields are skipped, never built into a value.
pub(super) fn error_fields(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        code: Text,
        #[serde(default)]
        message: Text,
    }
    /// A string, or nothing when the field holds anything else.
    #[derive(Default)]
    struct Text(Option<String>);
    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum StringOrOther {
                String(String),
                Other(IgnoredAny),
            }
            Ok(Text(match StringOrOther::deserialize(deserializer)? {
                StringOrOther::String(text) => Some(text),
                StringOrOther::Other(_) => None,
            }))
        }
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(fields) => (fields.code.0, fields.message.0),
        Err(_) => (None, None),
    }
}

/// Keeps server text printable and short, since it ends up in terminals and logs.
pub(super) fn tidy_server_text(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut tidy: String = text
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_CHARS {
        tidy.push('…');
    }
    tidy
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fields_tolerate_any_body() {
        fn check(body: &str, code: Option<&str>, message: Option<&str>) {
            let (actual_code, actual_message) = error_fields(body.as_bytes());
            assert_eq!(actual_code.as_deref(), code, "{body}");
            assert_eq!(actual_message.as_deref(), message, "{body}");
        }
        check(
            r#"{"code":"not_found","message":"Not Found"}"#,
            Some("not_found"),
            Some("Not Found"),
        );
        check(r#"{"code":"x"}"#, Some("x"), None);
        check("{}", None, None);
        check("", None, None);
        check("<html>oops</html>", None, None);
        check(r#"{"code":5,"message":null}"#, None, None);
        check("[1,2]", None, None);
    }

    #[test]
    fn server_text_is_tidied() {
        assert_eq!(tidy_server_text("a\nb"), "a b");
        let long = "x".repeat(400);
        assert_eq!(tidy_server_text(&long).chars().count(), 301);
    }
}
