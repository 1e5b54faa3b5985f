use std::sync::Arc;

use connector_cli::commands::sync;
use connector_cli::standard::Settings;
use connector_cli::{Error, Program, exit};
use connector_sdk::{CancellationToken, Event, Observer, Phase};

use crate::toy::{SECRET, Toy};

fn settings(file: &std::path::Path) -> Settings {
    Settings {
        file: file.to_owned(),
        ..Settings::default()
    }
}

fn connector() -> Box<dyn connector_sdk::Connector> {
    let values = connector_cli::Values::from_pairs(&Toy.settings(), [("toy-token", SECRET)]);
    Toy.connector(&values.unwrap()).unwrap()
}

#[test]
fn a_cancelled_sync_keeps_the_previous_file_and_the_next_run_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.c1z");
    let settings = settings(&file);
    let connector = connector();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let run = |cancel, observer| {
        runtime.block_on(sync::run(connector.as_ref(), &settings, cancel, observer))
    };

    let first = run(CancellationToken::new(), None).unwrap();
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
    let err = run(cancel, Some(observer)).unwrap_err();
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

    let resumed = run(CancellationToken::new(), None).unwrap();
    assert!(resumed.summary.resumed);
    assert_ne!(resumed.summary.sync_id, first.summary.sync_id);
    assert_eq!(resumed.summary.grants(), first.summary.grants());
    assert_eq!(resumed.summary.resources(), first.summary.resources());
}

#[test]
fn a_token_cancelled_up_front_stops_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.c1z");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let err = runtime
        .block_on(sync::run(
            connector().as_ref(),
            &settings(&file),
            cancel,
            None,
        ))
        .unwrap_err();
    assert_eq!(exit::code(&err), exit::CANCELLED, "{err:?}");
    assert!(!file.exists());
}
