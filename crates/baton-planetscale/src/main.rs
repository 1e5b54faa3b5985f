//! `baton-planetscale`: parse, run, report.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    baton_planetscale::exit::install_panic_hook();
    let cli = baton_planetscale::Cli::parse();
    match baton_planetscale::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => baton_planetscale::exit::report(&error),
    }
}
