use std::sync::Arc;

use baton_planetscale::commands::sync;
use baton_planetscale::{Config, Error, cli::Flags, exit};
use connector_sdk::{CancellationToken, Event, Observer, Phase};

use crate::support::{Fake, token};

fn config(fake: &Fake, file: &std::path::Path) -> Config {
    let flags = Flags {
        file: Some(file.to_owned()),
        planetscale_api_url: Some(fake.server.url()),
        ..Default::default()
    };
    let token = token();
    Config::load(
        &flags,
        |name| (name == "BATON_PLANETSCALE_SERVICE_TOKEN").then(|| token.clone()),
        false,
    )
    .unwrap()
}

#[test]
fn a_cancelled_sync_keeps_the_previous_file_and_the_next_run_resumes() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.c1z");
    let config = config(&fake, &file);
    let api = config.api().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let first = runtime
        .block_on(sync::run(
            &config.settings,
            &api,
            CancellationToken::new(),
            None,
        ))
        .unwrap();
    let before = std::fs::read(&file).unwrap();

    // Cancel as soon as the resources phase is done, as Ctrl-C would.
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let observer: Arc<dyn Observer> = Arc::new(move |event: &Event| {
        if let Event::PhaseFinished {
            phase: Phase::Resources,
        } = event
        {
            trigger.cancel();
        }
    });
    let err = runtime
        .block_on(sync::run(&config.settings, &api, cancel, Some(observer)))
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert_eq!(exit::code(&err), exit::CANCELLED);
    assert!(
        err.to_string()
            .contains("run the same command again to resume")
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the previous file changed"
    );

    let resumed = runtime
        .block_on(sync::run(
            &config.settings,
            &api,
            CancellationToken::new(),
            None,
        ))
        .unwrap();
    assert!(resumed.summary.resumed);
    assert_ne!(resumed.summary.sync_id, first.summary.sync_id);
    assert_eq!(resumed.summary.grants(), first.summary.grants());
    assert_eq!(resumed.summary.resources(), first.summary.resources());
}

#[test]
fn a_token_cancelled_up_front_stops_before_writing() {
    let fake = Fake::small();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.c1z");
    let config = config(&fake, &file);
    let api = config.api().unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let err = runtime
        .block_on(sync::run(&config.settings, &api, cancel, None))
        .unwrap_err();
    assert_eq!(exit::code(&err), exit::CANCELLED, "{err:?}");
    assert!(!file.exists());
}
