//! The `waypost` binary: argument parsing only; the work is in the `waypost` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    waypost::cli::run(waypost::cli::Cli::parse())
}
