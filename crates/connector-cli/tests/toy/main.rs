//! The toy connector as a program, for the process-level tests of `connector-cli`.

mod connector;

fn main() -> std::process::ExitCode {
    connector_cli::run(&connector::Toy)
}
