//! One connector call, retried while it fails transiently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::state::{Action, Op};
use super::{EngineRetry, Event, Observer};
use crate::error::{ConnectorError, ErrorKind};
use crate::model::{Entitlement, Grant, Resource};
use crate::session::SessionCache;
use crate::syncer::{CallContext, ListContext, Page, ResourceContext, ResourceSyncer};

/// What a call returned.
#[derive(Debug)]
pub(crate) enum Output {
    Resources(Page<Resource>),
    Entitlements(Page<Entitlement>),
    Grants(Page<Grant>),
}

impl Output {
    pub(crate) fn next_token(&self) -> Option<&str> {
        let token = match self {
            Output::Resources(p) => p.next_token.as_deref(),
            Output::Entitlements(p) => p.next_token.as_deref(),
            Output::Grants(p) => p.next_token.as_deref(),
        };
        // baton reads an empty token as "no more pages".
        token.filter(|t| !t.is_empty())
    }

    pub(crate) fn take_warnings(&mut self) -> Vec<String> {
        match self {
            Output::Resources(p) => std::mem::take(&mut p.warnings),
            Output::Entitlements(p) => std::mem::take(&mut p.warnings),
            Output::Grants(p) => std::mem::take(&mut p.warnings),
        }
    }

    pub(crate) fn enqueued(&self) -> &[String] {
        match self {
            Output::Resources(p) => &p.enqueue,
            Output::Entitlements(p) => &p.enqueue,
            Output::Grants(p) => &p.enqueue,
        }
    }
}

/// What the engine gives every call besides the action.
#[derive(Clone)]
pub(crate) struct CallEnv {
    pub(crate) session: SessionCache,
    pub(crate) cancel: CancellationToken,
    pub(crate) retry: EngineRetry,
    pub(crate) observer: Option<Arc<dyn Observer>>,
    /// First pages of top-level listings, by resource type, that the scope check of a partial
    /// sync fetched: each answers its call once, so no page is fetched twice.
    pub(crate) fetched: Arc<Mutex<HashMap<String, Page<Resource>>>>,
}

impl CallEnv {
    /// The page fetched earlier for `action`, if it is a top-level listing's first call.
    fn take_fetched(&self, action: &Action) -> Option<Page<Resource>> {
        if action.op != Op::List || action.parent.is_some() || action.token.is_some() {
            return None;
        }
        let mut fetched = self.fetched.lock().unwrap_or_else(|e| e.into_inner());
        fetched.remove(&action.resource_type)
    }
}

/// The result of a call, how many retries it took and how long, retries included.
pub(crate) struct Outcome {
    pub(crate) id: u64,
    pub(crate) retries: u64,
    pub(crate) elapsed: Duration,
    pub(crate) result: Result<Output, ConnectorError>,
}

/// Runs `action` on `syncer`, retrying `Unavailable` errors with backoff.
pub(crate) async fn run(
    id: u64,
    syncer: Arc<dyn ResourceSyncer>,
    action: Action,
    env: CallEnv,
) -> Outcome {
    if let Some(page) = env.take_fetched(&action) {
        return Outcome {
            id,
            retries: 0,
            elapsed: Duration::ZERO,
            result: Ok(Output::Resources(page)),
        };
    }
    let started = Instant::now();
    let mut retries = 0;
    let mut attempt = 1;
    loop {
        let result = once(&*syncer, &action, &env).await;
        let error = match result {
            Err(e) if e.kind() == ErrorKind::Unavailable && attempt < env.retry.attempts => e,
            result => {
                return Outcome {
                    id,
                    retries,
                    elapsed: started.elapsed(),
                    result,
                };
            }
        };
        if let Some(observer) = &env.observer {
            observer.on_event(&Event::Retry {
                context: action.context(),
                attempt,
                error: error.to_string(),
            });
        }
        tokio::select! {
            () = env.cancel.cancelled() => {
                let elapsed = started.elapsed();
                return Outcome { id, retries, elapsed, result: Err(ConnectorError::cancelled()) };
            }
            () = tokio::time::sleep(env.retry.delay(attempt)) => {}
        }
        retries += 1;
        attempt += 1;
    }
}

pub(crate) async fn once(
    syncer: &dyn ResourceSyncer,
    action: &Action,
    env: &CallEnv,
) -> Result<Output, ConnectorError> {
    let call = CallContext {
        page_token: action.token.clone(),
        session: env.session.clone(),
        cancel: env.cancel.clone(),
    };
    let resource = || match &action.resource {
        Some(resource) => Ok(resource.clone()),
        None => Err(ConnectorError::internal(
            "engine bug: a resource call without its resource",
        )),
    };
    match action.op {
        Op::List => {
            let cx = ListContext {
                parent: action.parent.clone(),
                call,
            };
            syncer.list(cx).await.map(Output::Resources)
        }
        Op::StaticEntitlements => syncer
            .static_entitlements(call)
            .await
            .map(Output::Entitlements),
        Op::Entitlements => {
            let cx = ResourceContext {
                resource: resource()?,
                call,
            };
            syncer.entitlements(cx).await.map(Output::Entitlements)
        }
        Op::Grants => {
            let cx = ResourceContext {
                resource: resource()?,
                call,
            };
            syncer.grants(cx).await.map(Output::Grants)
        }
    }
}

/// Runs `validate` with the same retry policy as every other call.
pub(crate) async fn validate(
    connector: &dyn crate::Connector,
    env: &CallEnv,
) -> Result<u64, ConnectorError> {
    let mut attempt = 1;
    loop {
        let error = match connector.validate().await {
            Ok(()) => return Ok(u64::from(attempt - 1)),
            Err(e) if e.kind() == ErrorKind::Unavailable && attempt < env.retry.attempts => e,
            Err(e) => return Err(e),
        };
        if let Some(observer) = &env.observer {
            let context = "validating credentials".to_owned();
            observer.on_event(&Event::Retry {
                context,
                attempt,
                error: error.to_string(),
            });
        }
        tokio::select! {
            () = env.cancel.cancelled() => return Err(ConnectorError::cancelled()),
            () = tokio::time::sleep(env.retry.delay(attempt)) => {}
        }
        attempt += 1;
    }
}
