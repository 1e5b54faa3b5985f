//! The API request pipeline: latency, auth, rate limit, faults, then the answer.

use std::borrow::Borrow;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::endpoint::Endpoint;
use crate::index::{Index, OrgIndex};
use crate::limiter::retry_after_seconds;
use crate::page::{Envelope, PageMath, PageParams, page_url};
use crate::state::Shared;
use crate::writes;
use crate::{EndpointKind, FaultRule, RepeatStyle, RequestRecord, RetryAfterStyle, TokenConfig};

/// The error that makes hyper close the connection without answering.
#[derive(Debug)]
pub(crate) struct Reset;

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by an injected fault")
    }
}

impl std::error::Error for Reset {}

/// The largest request body read; a write's body is a few dozen bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Answers one API request and records it.
pub(crate) async fn handle(
    shared: &Shared,
    request: Request<Body>,
) -> Result<Response<Body>, Reset> {
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let caller = shared.caller(request.headers());
    let actor = crate::audit::Actor::of(request.headers(), caller.token_id.as_deref());
    let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES).await;
    let delay = shared.latency().sample();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let answer = match &body {
        Ok(body) => {
            let request = Incoming {
                method: &method,
                path: &path,
                query: &query,
                body,
                actor: &actor,
            };
            answer(shared, &request, caller.token).await
        }
        Err(_) => Ok(Answer::error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request body could not be read or is too large",
        )),
    };
    shared.record(RequestRecord {
        method,
        path,
        query,
        status: answer.as_ref().map_or(0, |a| a.status.as_u16()),
        authorized: caller.token.is_some(),
        token_id: caller.token_id,
    });
    answer.map(Answer::into_response)
}

/// One request, as the pipeline answers it.
struct Incoming<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    body: &'a [u8],
    /// Who a write's audit entry names.
    actor: &'a crate::audit::Actor,
}

async fn answer(
    shared: &Shared,
    request: &Incoming<'_>,
    token: Option<&TokenConfig>,
) -> Result<Answer, Reset> {
    let Incoming {
        path, query, body, ..
    } = *request;
    let endpoint = Endpoint::parse(request.method, path);
    if endpoint.kind == EndpointKind::Unknown {
        return Ok(Answer::not_found());
    }
    let Some(token) = token else {
        return Ok(Answer::error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Requires authentication",
        ));
    };
    if let Err((wait, config)) = shared.rate_check(&token.id) {
        return Ok(Answer::too_many_requests(wait, config.retry_after));
    }
    let params = match endpoint.kind.is_list() {
        true => match PageParams::parse(query) {
            Ok(params) => params,
            Err(message) => {
                return Ok(Answer::error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    &message,
                ));
            }
        },
        false => PageParams {
            page: 1,
            per_page: 1,
        },
    };
    let fault = shared.fault_for(&endpoint, path, params.page);
    let listing = Listing {
        origin: &shared.origin,
        path,
        query,
        params,
        fault: fault.as_ref(),
    };
    let respond = || match endpoint.kind.is_write() {
        true => writes::answer(shared, &endpoint, token, body, request.actor),
        false => serve(&shared.index(), &endpoint, token, &listing),
    };
    match &fault {
        Some(FaultRule::Status { status, .. }) => Ok(Answer::fault_status(*status)),
        Some(FaultRule::Reset { .. }) => Err(Reset),
        Some(FaultRule::LostAnswer { status, .. }) => {
            // The change is made; only its answer is lost.
            respond();
            match status {
                Some(status) => Ok(Answer::fault_status(*status)),
                None => Err(Reset),
            }
        }
        Some(FaultRule::Slow { delay_ms, .. }) => {
            tokio::time::sleep(Duration::from_millis(*delay_ms)).await;
            Ok(respond())
        }
        Some(FaultRule::TruncatedJson { .. }) => {
            let mut answer = respond();
            answer.body.truncate(answer.body.len() / 2);
            Ok(answer)
        }
        Some(FaultRule::InvalidJson { .. }) => {
            let mut answer = respond();
            answer.status = StatusCode::OK;
            answer.body = b"{\"type\":\"list\",\"data\":[{\"id\":\"oops\",}<html>".to_vec();
            Ok(answer)
        }
        Some(FaultRule::ChangeBetweenPages { change, .. }) => {
            let answer = respond();
            if let Some(org) = &endpoint.org {
                shared.change_data(org, endpoint.team.as_deref(), *change);
            }
            Ok(answer)
        }
        _ => Ok(respond()),
    }
}

/// What a list answer needs besides its items.
struct Listing<'a> {
    origin: &'a str,
    path: &'a str,
    /// The query, for the audit log's cursor paging.
    query: &'a str,
    params: PageParams,
    fault: Option<&'a FaultRule>,
}

fn serve(index: &Index, endpoint: &Endpoint, token: &TokenConfig, listing: &Listing<'_>) -> Answer {
    if endpoint.kind == EndpointKind::Organizations {
        let orgs: Vec<&RawValue> = index
            .orgs
            .iter()
            .filter(|o| token.reaches(&o.name))
            .map(|o| &*o.organization)
            .collect();
        return list(&orgs, false, listing);
    }
    let Some(org) = reachable_org(index, endpoint, token) else {
        return Answer::not_found();
    };
    let team = endpoint.team.as_deref().and_then(|slug| org.team(slug));
    match (endpoint.kind, team) {
        (EndpointKind::Organization, _) => Answer::json(&org.organization),
        (EndpointKind::Members, _) => list(&org.members, true, listing),
        (EndpointKind::Member, _) => one(endpoint.user.as_deref().and_then(|u| org.member(u))),
        (EndpointKind::Teams, _) => list(&org.teams, true, listing),
        (EndpointKind::Team, Some(t)) => Answer::json(&org.teams[t]),
        (EndpointKind::TeamMembers, Some(t)) => list(&org.team_members[t], true, listing),
        (EndpointKind::TeamMember, Some(t)) => one(endpoint
            .user
            .as_deref()
            .and_then(|id| org.team_member(t, id))),
        (EndpointKind::ServiceTokens, _) => list(&org.service_token_list, true, listing),
        (EndpointKind::ServiceToken, _) => match endpoint.id.as_deref() {
            Some(id) if id == token.id => Answer::json(&own_token(token, org)),
            id => one(org.service_token(id)),
        },
        (EndpointKind::Databases, _) => list(&org.databases, true, listing),
        (EndpointKind::OAuthApplications, _) => list(&org.oauth_applications, false, listing),
        (EndpointKind::OAuthTokens, _) => match org.oauth_app(endpoint.app.as_deref()) {
            Some(app) => list(&org.oauth_tokens[app], true, listing),
            None => Answer::not_found(),
        },
        (EndpointKind::OAuthToken, _) => {
            one(org.oauth_token(endpoint.app.as_deref(), endpoint.id.as_deref()))
        }
        (EndpointKind::Invitations, _) => list(&org.invitations, true, listing),
        (EndpointKind::AuditLog, _) => crate::audit::page(&org.audit_log, listing.query),
        _ => Answer::not_found(),
    }
}

/// The calling token as `GET …/service-tokens/{its id}` shows it: its accesses on `org`.
fn own_token(token: &TokenConfig, org: &OrgIndex) -> serde_json::Value {
    let accesses: Vec<serde_json::Value> = token
        .accesses
        .iter()
        .enumerate()
        .map(|(i, access)| {
            serde_json::json!({
                "id": format!("{}-access-{i}", token.id),
                "access": access,
                "description": crate::generate::describe(access),
                "resource_name": org.name,
                "resource_id": org.id,
                "resource_type": "Organization",
            })
        })
        .collect();
    serde_json::json!({
        "id": token.id,
        "name": token.id,
        "display_name": token.id,
        "token": null,
        "service_token_accesses": accesses,
    })
}

/// The endpoint's organization, if it exists and the token may use this endpoint on it;
/// PlanetScale answers 404 rather than 403 when a token lacks access.
pub(crate) fn reachable_org<'a>(
    index: &'a Index,
    endpoint: &Endpoint,
    token: &TokenConfig,
) -> Option<&'a OrgIndex> {
    let name = endpoint.org.as_deref()?;
    let accesses = endpoint.kind.accesses();
    let allowed = token.reaches(name)
        && (accesses.is_empty() || accesses.iter().any(|a| token.has_access(a)));
    allowed.then(|| index.org(name)).flatten()
}

/// One object, or 404 when there is none.
fn one(object: Option<&RawValue>) -> Answer {
    match object {
        Some(object) => Answer::json(object),
        None => Answer::not_found(),
    }
}

fn list<T: Borrow<RawValue>>(items: &[T], totals: bool, listing: &Listing<'_>) -> Answer {
    let requested = listing.params;
    let repeat = match listing.fault {
        Some(FaultRule::RepeatPage { next_page, .. }) => Some(*next_page),
        _ => None,
    };
    // A repeating page always shows page 1's items.
    let shown = match repeat {
        Some(_) => PageParams {
            page: 1,
            ..requested
        },
        None => requested,
    };
    let math = PageMath::new(items.len(), shown);
    let next = match repeat {
        Some(RepeatStyle::Requested) => Some(requested.page),
        Some(RepeatStyle::Two) => Some(2),
        None => math.next,
    };
    let (next, total_pages, total_count) = match listing.fault {
        Some(FaultRule::Paging {
            next_page,
            total_pages,
            total_count,
            ..
        }) => (
            next_page.or(next),
            total_pages.or(totals.then_some(math.total_pages as u64)),
            total_count.or(totals.then_some(math.total_count as u64)),
        ),
        _ => (
            next,
            totals.then_some(math.total_pages as u64),
            totals.then_some(math.total_count as u64),
        ),
    };
    let prev = (requested.page > 1).then(|| requested.page - 1);
    let origin = match listing.fault {
        Some(FaultRule::ForeignNextUrl { origin, .. }) => origin.trim_end_matches('/'),
        _ => listing.origin,
    };
    let url = |page| page_url(origin, listing.path, page, math.per_page);
    Answer::json(&Envelope {
        kind: "list",
        current_page: requested.page,
        per_page: math.per_page,
        next_page: next,
        next_page_url: next.map(url),
        prev_page: prev,
        prev_page_url: prev.map(url),
        total_count,
        total_pages,
        data: items[math.start..math.end]
            .iter()
            .map(Borrow::borrow)
            .collect(),
    })
}

/// A response before it becomes one: easy to truncate or corrupt.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    retry_after: Option<String>,
}

const JSON: &str = "application/json; charset=utf-8";

impl Answer {
    pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Answer {
        // The values served are `RawValue`s and plain structs, which always serialise.
        let body = serde_json::to_vec(value).unwrap_or_default();
        Answer {
            status: StatusCode::OK,
            content_type: JSON,
            body,
            retry_after: None,
        }
    }

    pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Answer {
        let body = serde_json::json!({ "code": code, "message": message });
        Answer {
            status,
            ..Answer::json(&body)
        }
    }

    /// 204, as a DELETE answers.
    pub(crate) fn no_content() -> Answer {
        Answer {
            status: StatusCode::NO_CONTENT,
            content_type: JSON,
            body: Vec::new(),
            retry_after: None,
        }
    }

    pub(crate) fn not_found() -> Answer {
        Answer::error(StatusCode::NOT_FOUND, "not_found", "Not Found")
    }

    fn too_many_requests(wait: Duration, style: RetryAfterStyle) -> Answer {
        let message = "Too Many Requests. Reduce the frequency of requests and try again soon.";
        let seconds = retry_after_seconds(wait);
        let retry_after = match style {
            RetryAfterStyle::Seconds => Some(seconds.to_string()),
            RetryAfterStyle::HttpDate => {
                let at = SystemTime::now() + Duration::from_secs(seconds);
                Some(httpdate::fmt_http_date(at))
            }
            RetryAfterStyle::Absent => None,
        };
        Answer {
            retry_after,
            ..Answer::error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
        }
    }

    /// The body PlanetScale, or the proxy in front of it, sends with an injected status.
    fn fault_status(status: u16) -> Answer {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match status.as_u16() {
            401 => Answer::error(status, "unauthorized", "Requires authentication"),
            404 => Answer::not_found(),
            429 => Answer::too_many_requests(Duration::from_secs(1), RetryAfterStyle::Seconds),
            500 => Answer::error(status, "internal_server_error", "Internal Server Error"),
            502 => Answer {
                status,
                content_type: "text/html",
                body: b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n".to_vec(),
                retry_after: None,
            },
            503 => Answer { status, ..Answer::json(&serde_json::json!({})) },
            _ => Answer::error(status, "error", status.canonical_reason().unwrap_or("Error")),
        }
    }

    fn into_response(self) -> Response<Body> {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if let Some(value) = self
            .retry_after
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(RETRY_AFTER, value);
        }
        response
    }
}
