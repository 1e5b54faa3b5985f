//! `baton-directory`: the program is `connector-cli`'s; the connector is this crate's library.

fn main() -> std::process::ExitCode {
    connector_cli::run(&baton_directory::Directory)
}
