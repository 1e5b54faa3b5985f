//! The unauthenticated control endpoints under `/__fake/`, for tests and scripts.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;

use crate::state::Shared;
use crate::{FaultRule, OptionalLists, RateLimitConfig, RequestRecord, Stats};

/// The control routes:
/// `GET|DELETE /__fake/requests`, `GET /__fake/stats`, `PUT /__fake/faults` (a JSON list of
/// [`FaultRule`]), `PUT /__fake/rate-limit` (a [`RateLimitConfig`] or `null`),
/// `GET /__fake/dataset` and `GET /__fake/minimum-requests`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__fake/requests", get(requests).delete(clear_requests))
        .route("/__fake/stats", get(stats))
        .route("/__fake/faults", axum::routing::put(set_faults))
        .route("/__fake/rate-limit", axum::routing::put(set_rate_limit))
        .route("/__fake/dataset", get(dataset))
        .route("/__fake/minimum-requests", get(minimum_requests))
        .fallback(not_found)
        .with_state(shared)
}

async fn requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RequestRecord>> {
    Json(shared.requests())
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_requests();
    StatusCode::NO_CONTENT
}

async fn stats(State(shared): State<Arc<Shared>>) -> Json<Stats> {
    Json(shared.stats())
}

async fn set_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Vec<FaultRule>>(&body) {
        Ok(faults) => {
            shared.set_faults(faults);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => bad_request("fault list", &error),
    }
}

async fn set_rate_limit(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Option<RateLimitConfig>>(&body) {
        Ok(config) => {
            shared.set_rate_limit(config);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => bad_request("rate limit", &error),
    }
}

async fn dataset(State(shared): State<Arc<Shared>>) -> Response {
    let json = serde_json::to_vec(&*shared.dataset()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// [`Dataset::minimum_requests`](crate::Dataset::minimum_requests) of every organization, with
/// the optional lists the query names (`?databases=true&invitations=true`…).
async fn minimum_requests(
    State(shared): State<Arc<Shared>>,
    Query(lists): Query<OptionalLists>,
) -> Json<usize> {
    Json(shared.dataset().minimum_requests(None, lists))
}

async fn not_found() -> Response {
    let body = json!({"code": "not_found", "message": "Not Found"});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// A 400 that says which document was wrong and where.
fn bad_request(what: &str, error: &serde_json::Error) -> Response {
    let message = format!("invalid {what} JSON: {error}");
    let body = json!({"code": "bad_request", "message": message});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
