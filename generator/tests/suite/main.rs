//! The generator's one integration-test binary: fixtures, snapshots, the answer-key scan,
//! determinism, the keyed shuffle, and never-panic properties.

mod answers;
mod courses;
mod fixtures;
mod formats;
mod incremental;
mod properties;
mod shuffle;
mod support;
mod warnings;
mod write;
