//! The `waypost` binary: argument parsing only; the work is in the `waypost` library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: rendering allocates many small strings on every
/// thread, and glibc's arenas serialised them on a lock (measured: the 10,000-lesson build
/// spent its time waking threads blocked in malloc). `no_thp`: transparent huge pages made it
/// 0.25 s faster but 40 MB bigger at 10,000 lessons, too close to the 500 MB budget.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    waypost::cli::run(waypost::cli::Cli::parse())
}
