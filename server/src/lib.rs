//! `waypost`: the product around the generator. The command line (`build`, `check`, `new`,
//! `preview`, `serve`, `admin`), the author preview, and the server: accounts, progress and
//! server-side grading over SQLite or PostgreSQL, from the grading catalog
//! `waypost_generator::build` returns.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod certs;
pub mod cli;
pub mod commands;
pub mod db;
pub mod http;
pub mod learning;
pub mod mail;
pub mod preview;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod state;
pub mod web;
