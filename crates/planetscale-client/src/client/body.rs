//! Bounded body reads: a success body whole within `max_response_bytes`, an error body's first
//! 64 KiB for its `code` and `message` alone.

use reqwest::{Response, StatusCode};

use super::scrub::{error_fields, tidy_server_text};
use super::{Client, Outgoing, transport};
use crate::error::{Error, Result};

/// The most of an error body read: its `code` and `message` come first, and nothing else of it
/// is kept.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// The most memory reserved up front for a body, whatever length the server declares.
const MAX_PREALLOCATION: usize = 1024 * 1024;

impl Client {
    pub(super) async fn read_response(
        &self,
        request: &Outgoing,
        response: Response,
    ) -> Result<Vec<u8>> {
        let status = response.status();
        if response.url().origin() != self.inner.base_url.origin() {
            return Err(Error::ForeignOrigin {
                endpoint: request.endpoint(),
            });
        }
        if status.is_redirection() {
            return Err(Error::Redirect {
                endpoint: request.endpoint(),
                status,
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.inner.counters.count_rate_limited();
        }
        if status.is_success() {
            return self.read_body(request, response).await;
        }
        // An error body that cannot be read is no reason to hide the status.
        let (code, message) = read_up_to(request, response, MAX_ERROR_BODY_BYTES)
            .await
            .map(|(body, _)| error_fields(&body))
            .unwrap_or_default();
        let code = code.map(|code| tidy_server_text(&self.scrub(&code)));
        let message = message.map(|message| tidy_server_text(&self.scrub(&message)));
        Err(Error::Api {
            endpoint: request.endpoint(),
            status,
            code,
            message,
        })
    }
    /// Reads a success body whole, or fails as soon as it passes `max_response_bytes`.
    async fn read_body(&self, request: &Outgoing, response: Response) -> Result<Vec<u8>> {
        let limit = self.inner.max_response_bytes;
        let too_large = || Error::ResponseTooLarge {
            endpoint: request.endpoint(),
            limit,
        };
        if response.content_length().unwrap_or(0) > limit as u64 {
            return Err(too_large());
        }
        match read_up_to(request, response, limit).await? {
            (body, true) => Ok(body),
            (_, false) => Err(too_large()),
        }
    }
}

/// Reads at most `limit` bytes of the body, chunk by chunk; the flag says whether that was all
/// of it.
async fn read_up_to(
    request: &Outgoing,
    mut response: Response,
    limit: usize,
) -> Result<(Vec<u8>, bool)> {
    let declared = response.content_length().unwrap_or(0);
    let reserve = usize::try_from(declared).unwrap_or(usize::MAX);
    let mut body = Vec::with_capacity(reserve.min(limit).min(MAX_PREALLOCATION));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| transport(request, error))?
    {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}
