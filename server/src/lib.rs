//! `waypost`: the product around the generator. Today the command line (`build`, `check`,
//! `new`) and the author preview (`preview`);
//! the HTTP server (accounts, progress, grading, certificates, admin) builds on it next and
//! takes its grading catalog from `waypost_generator::build`.

pub mod cli;
pub mod preview;
pub mod scaffold;
