//! Sync progress from the engine's events: a spinner per phase on a terminal, plain log lines
//! otherwise (CI logs, files, pipes). While the connected system's rate limit holds requests
//! back, progress says so and for how long, so a quiet sync never looks hung.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use connector_sdk::{Event, Observer, Phase};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bars drawn on stderr, once any exist; log lines are written around them.
static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Runs `f` (a write to stderr) with the progress bars cleared for the moment.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    match BARS.get() {
        Some(bars) => bars.suspend(f),
        None => f(),
    }
}

/// An [`Observer`] that shows the engine's progress to the person running the sync.
#[derive(Debug)]
pub struct Progress {
    bars: bool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Running totals per resource type: resources, entitlements, grants, pages.
    totals: BTreeMap<String, [u64; 4]>,
    /// The spinner of the phase running now (terminal mode).
    bar: Option<ProgressBar>,
    phase: Option<Phase>,
    /// How long the rate limit has been holding requests back, when it is.
    waiting: Option<Duration>,
    /// Grant expansion's latest progress, once it runs.
    expansion: Option<String>,
}

impl Progress {
    /// Spinners on stderr when `terminal`, log lines otherwise.
    pub fn new(terminal: bool) -> Progress {
        Progress {
            bars: terminal,
            state: Mutex::new(State::default()),
        }
    }

    /// Clears any spinner left (after a failure or an interruption).
    pub fn finish(&self) {
        if let Some(bar) = self.lock().bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Says how long the rate limit has been holding requests back (`None`: it is not). On a
    /// terminal the spinner shows it; in logs, each wait that began is one line.
    pub fn waiting(&self, waiting: Option<Duration>) {
        let mut state = self.lock();
        let started = state.waiting.is_none() && waiting.is_some();
        let ended = state.waiting.filter(|_| waiting.is_none());
        state.waiting = waiting;
        match (&state.bar, state.phase, waiting) {
            (Some(bar), Some(phase), _) => bar.set_message(message(&state, phase)),
            (None, _, Some(_)) if started => {
                tracing::info!("the API's rate limit holds requests back: waiting for its quota");
            }
            (None, _, None) if ended.is_some_and(|w| w >= Duration::from_secs(1)) => {
                let seconds = ended.unwrap_or_default().as_secs();
                tracing::info!(seconds, "the API's rate limit let requests through again");
            }
            _ => {}
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain counters: a panic elsewhere leaves nothing half-updated that matters.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn start_phase(&self, state: &mut State, phase: Phase) {
        state.phase = Some(phase);
        if !self.bars {
            tracing::info!(phase = %phase, "sync phase started");
            return;
        }
        let bars =
            BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        let bar = bars.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg} {elapsed:.dim}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(phase.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        state.bar = Some(bar);
    }

    fn finish_phase(&self, state: &mut State, phase: Phase) {
        let message = match (phase, &state.expansion) {
            (Phase::GrantExpansion, Some(expansion)) => expansion.clone(),
            (Phase::GrantExpansion, None) => "nothing to expand".to_owned(),
            _ => describe(&state.totals, phase),
        };
        match state.bar.take() {
            Some(bar) => {
                // A finished phase becomes a plain line above the bars, so it stays on screen
                // whatever is drawn or logged later.
                bar.finish_and_clear();
                if let Some(bars) = BARS.get() {
                    let _ = bars.println(format!("✔ {phase}: {message}"));
                }
            }
            None => tracing::info!(phase = %phase, totals = %message, "sync phase finished"),
        }
    }
}

impl Observer for Progress {
    fn on_event(&self, event: &Event) {
        let mut state = self.lock();
        match event {
            Event::SyncStarted {
                sync_id,
                resumed: true,
            } => {
                tracing::info!(sync_id = %sync_id, "resuming an interrupted sync");
            }
            Event::SyncStarted { sync_id, .. } => {
                tracing::info!(sync_id = %sync_id, "sync started")
            }
            Event::PhaseStarted { phase } => self.start_phase(&mut state, *phase),
            Event::PhaseFinished { phase } => self.finish_phase(&mut state, *phase),
            Event::Progress {
                resource_type,
                phase,
                resources,
                entitlements,
                grants,
                pages,
            } => {
                state.totals.insert(
                    resource_type.clone(),
                    [*resources, *entitlements, *grants, *pages],
                );
                match &state.bar {
                    Some(bar) => bar.set_message(message(&state, *phase)),
                    None => {
                        let totals = describe(&state.totals, *phase);
                        tracing::debug!(phase = %phase, totals = %totals, "sync progress");
                    }
                }
            }
            Event::Retry {
                context,
                attempt,
                error,
            } => {
                tracing::info!(call = %context, attempt, error = %error, "retrying a transient failure");
            }
            Event::ExpansionProgress {
                layer,
                layers,
                steps_done,
                steps,
                grants_created,
                ..
            } => {
                let text = format!(
                    "level {layer} of {layers}, step {steps_done} of {steps}: {grants_created} \
                     grants derived"
                );
                match &state.bar {
                    Some(bar) => bar.set_message(text.clone()),
                    None => tracing::debug!(progress = %text, "grant expansion"),
                }
                state.expansion = Some(text);
            }
            // The engine logs each warning once as it happens; the summary lists them again.
            Event::Warning { .. } => {}
            Event::Checkpointed => tracing::debug!("checkpoint saved"),
            Event::SyncFinished { .. } => {
                if let Some(bar) = state.bar.take() {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

/// The spinner's message: the totals, and the rate-limit wait if there is one.
fn message(state: &State, phase: Phase) -> String {
    let totals = describe(&state.totals, phase);
    match state.waiting {
        Some(wait) => format!(
            "{totals} — held back by the API's rate limit for {} s",
            wait.as_secs()
        ),
        None => totals,
    }
}

/// `organization 3, user 120, team 40 (53 pages)`, counting what `phase` produces.
fn describe(totals: &BTreeMap<String, [u64; 4]>, phase: Phase) -> String {
    let column = match phase {
        Phase::ResourceTypes | Phase::Resources => 0,
        Phase::StaticEntitlements | Phase::Entitlements => 1,
        Phase::Grants | Phase::GrantExpansion => 2,
    };
    let parts: Vec<String> = totals
        .iter()
        .filter(|(_, counts)| counts[column] > 0)
        .map(|(t, counts)| format!("{t} {}", counts[column]))
        .collect();
    let pages: u64 = totals.values().map(|c| c[3]).sum();
    match parts.is_empty() {
        true => format!("({pages} pages)"),
        false => format!("{} ({pages} pages)", parts.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_counts_what_the_phase_produces() {
        let mut totals = BTreeMap::new();
        totals.insert("organization".to_owned(), [2, 6, 30, 3]);
        totals.insert("user".to_owned(), [25, 0, 0, 2]);
        assert_eq!(
            describe(&totals, Phase::Resources),
            "organization 2, user 25 (5 pages)"
        );
        assert_eq!(
            describe(&totals, Phase::Grants),
            "organization 30 (5 pages)"
        );
    }

    #[test]
    fn log_mode_accepts_every_event() {
        let progress = Progress::new(false);
        progress.on_event(&Event::PhaseStarted {
            phase: Phase::Resources,
        });
        progress.on_event(&Event::Progress {
            resource_type: "user".into(),
            phase: Phase::Resources,
            resources: 1,
            entitlements: 0,
            grants: 0,
            pages: 1,
        });
        progress.on_event(&Event::PhaseFinished {
            phase: Phase::Resources,
        });
        progress.waiting(Some(Duration::from_secs(30)));
        progress.waiting(None);
        progress.finish();
        assert_eq!(progress.lock().totals["user"], [1, 0, 0, 1]);
    }

    #[test]
    fn the_message_says_when_the_rate_limit_holds_requests_back() {
        let mut state = State::default();
        state.totals.insert("user".to_owned(), [25, 0, 0, 2]);
        assert_eq!(message(&state, Phase::Resources), "user 25 (2 pages)");
        state.waiting = Some(Duration::from_millis(12_400));
        assert_eq!(
            message(&state, Phase::Resources),
            "user 25 (2 pages) — held back by the API's rate limit for 12 s"
        );
    }
}
