//! Service-token credentials and the one place that turns them into an `Authorization` header.

use std::fmt;
use std::str::FromStr;

use reqwest::header::HeaderValue;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

/// A PlanetScale service token: its public ID and its secret value.
///
/// The secret stays a [`SecretString`] until [`Client`](crate::Client) builds the
/// `Authorization: <token-id>:<token-value>` header from it, once, and marks that header
/// sensitive. `Debug` shows the token ID and `[redacted]`.
#[derive(Clone)]
pub struct Credentials {
    token_id: String,
    token: SecretString,
}

/// Why a service token was refused. Messages never repeat the value that was given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The colon-joined form has no colon between the token ID and the token value.
    #[error("service token has no colon; expected the form <token-id>:<token-value>")]
    MissingColon,
    /// The token ID is empty.
    #[error("service token id is empty; expected the form <token-id>:<token-value>")]
    EmptyTokenId,
    /// The token value is empty.
    #[error("service token value is empty; expected the form <token-id>:<token-value>")]
    EmptyToken,
    /// The token ID holds a colon, so the header could not be split back unambiguously.
    #[error(
        "service token id contains a colon; expected the form <token-id>:<token-value> \
         with no colon in the id"
    )]
    ColonInTokenId,
    /// A part holds whitespace, often a trailing newline copied from a file.
    #[error(
        "service {part} contains whitespace; expected the form <token-id>:<token-value> \
         with no spaces or newlines (check for a trailing newline)"
    )]
    Whitespace {
        /// Which part: `token id` or `token value`.
        part: &'static str,
    },
    /// A part holds a control character.
    #[error(
        "service {part} contains a control character; expected the form \
         <token-id>:<token-value> with printable characters only"
    )]
    ControlCharacter {
        /// Which part: `token id` or `token value`.
        part: &'static str,
    },
    /// A part holds a character outside ASCII, which an HTTP header cannot carry.
    #[error(
        "service {part} contains a non-ascii character; expected the form \
         <token-id>:<token-value> with ascii characters only"
    )]
    NonAscii {
        /// Which part: `token id` or `token value`.
        part: &'static str,
    },
}

impl Credentials {
    /// Credentials from a token ID and a token value, both checked.
    pub fn new(token_id: impl Into<String>, token: SecretString) -> Result<Self, CredentialsError> {
        let token_id = token_id.into();
        if token_id.is_empty() {
            return Err(CredentialsError::EmptyTokenId);
        }
        check_part(&token_id, TOKEN_ID)?;
        if token_id.contains(':') {
            return Err(CredentialsError::ColonInTokenId);
        }
        if token.expose_secret().is_empty() {
            return Err(CredentialsError::EmptyToken);
        }
        check_part(token.expose_secret(), TOKEN_VALUE)?;
        Ok(Credentials { token_id, token })
    }

    /// Credentials from the colon-joined form `<token-id>:<token-value>`, split at the first
    /// colon (the token value may hold further colons).
    pub fn parse(colon_joined: &str) -> Result<Self, CredentialsError> {
        let Some((token_id, token)) = colon_joined.split_once(':') else {
            return Err(CredentialsError::MissingColon);
        };
        Credentials::new(token_id, SecretString::from(token))
    }

    /// The token's public ID.
    pub fn token_id(&self) -> &str {
        &self.token_id
    }

    /// Builds the `Authorization` header value, `<token-id>:<token-value>` with no scheme word,
    /// marked sensitive so that HTTP tooling never logs it. This is the only place that exposes
    /// the secret.
    pub(crate) fn authorization_header(&self) -> Result<HeaderValue, CredentialsError> {
        let joined = Zeroizing::new(format!("{}:{}", self.token_id, self.token.expose_secret()));
        // Construction checked every character, so this only fails if those checks are wrong;
        // the error still names the form rather than the value.
        let mut value = HeaderValue::from_str(&joined)
            .map_err(|_| CredentialsError::ControlCharacter { part: TOKEN_VALUE })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl FromStr for Credentials {
    type Err = CredentialsError;

    fn from_str(colon_joined: &str) -> Result<Self, Self::Err> {
        Credentials::parse(colon_joined)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("token_id", &self.token_id)
            .field("token", &format_args!("[redacted]"))
            .finish()
    }
}

const TOKEN_ID: &str = "token id";
const TOKEN_VALUE: &str = "token value";

/// Checks one part character by character; whitespace is reported before other control
/// characters because a stray newline is by far the most common mistake.
fn check_part(part: &str, name: &'static str) -> Result<(), CredentialsError> {
    if part.chars().any(char::is_whitespace) {
        return Err(CredentialsError::Whitespace { part: name });
    }
    if part.chars().any(char::is_control) {
        return Err(CredentialsError::ControlCharacter { part: name });
    }
    if !part.is_ascii() {
        return Err(CredentialsError::NonAscii { part: name });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_first_colon() {
        let credentials = Credentials::parse("pscale_tkn_id:secret:with:colons").unwrap();
        assert_eq!(credentials.token_id(), "pscale_tkn_id");
        assert_eq!(credentials.token.expose_secret(), "secret:with:colons");
    }

    #[test]
    fn header_is_id_colon_token_and_sensitive() {
        let credentials = Credentials::parse("abc:def").unwrap();
        let header = credentials.authorization_header().unwrap();
        assert_eq!(header.to_str().unwrap(), "abc:def");
        assert!(header.is_sensitive());
    }

    #[test]
    fn rejects_bad_forms() {
        let cases: &[(&str, CredentialsError)] = &[
            ("nocolon", CredentialsError::MissingColon),
            (":tok", CredentialsError::EmptyTokenId),
            ("id:", CredentialsError::EmptyToken),
            (
                "id:tok\n",
                CredentialsError::Whitespace { part: TOKEN_VALUE },
            ),
            (" id:tok", CredentialsError::Whitespace { part: TOKEN_ID }),
            (
                "id:t\u{7f}ok",
                CredentialsError::ControlCharacter { part: TOKEN_VALUE },
            ),
            (
                "i\u{0}d:tok",
                CredentialsError::ControlCharacter { part: TOKEN_ID },
            ),
            ("id:tök", CredentialsError::NonAscii { part: TOKEN_VALUE }),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Credentials::parse(input).unwrap_err(),
                *expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn new_refuses_a_colon_in_the_id() {
        let error = Credentials::new("a:b", SecretString::from("tok")).unwrap_err();
        assert_eq!(error, CredentialsError::ColonInTokenId);
    }

    #[test]
    fn debug_is_redacted() {
        let credentials = Credentials::parse("visible-id:hunter2-secret").unwrap();
        let debug = format!("{credentials:?}");
        assert!(debug.contains("visible-id"));
        assert!(debug.contains("[redacted]"));
        assert!(!debug.contains("hunter2"));
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(input in "\\PC{0,40}|.{0,40}") {
            let _ = Credentials::parse(&input);
        }

        #[test]
        fn valid_inputs_round_trip(id in "[A-Za-z0-9_.-]{1,24}", token in "[!-~]{1,48}") {
            let credentials = Credentials::parse(&format!("{id}:{token}")).unwrap();
            proptest::prop_assert_eq!(credentials.token_id(), id.as_str());
            proptest::prop_assert_eq!(credentials.token.expose_secret(), token.as_str());
            let header = credentials.authorization_header().unwrap();
            let expected = format!("{id}:{token}");
            proptest::prop_assert_eq!(header.as_bytes(), expected.as_bytes());
        }
    }
}
