//! The `waypost` binary: argument parsing only; the work is in the `waypost` library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: rendering allocates many small strings on every
/// thread, and glibc's arenas serialised them on a lock (measured: the 10,000-lesson build
/// spent its time waking threads blocked in malloc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    waypost::cli::run(waypost::cli::Cli::parse())
}
