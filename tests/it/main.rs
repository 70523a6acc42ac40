//! hoist's integration tests, one binary (one link, one copy of the
//! support code): each module tests one area against the hoist binary and
//! real servers on loopback. `cargo test --test it <module>::` runs one area.

#[path = "../support/mod.rs"]
mod support;

#[path = "../support/fly/mod.rs"]
mod fly_emulator;

mod backend;
mod bundle;
mod cli;
mod commands;
mod concurrency;
mod corpus;
mod deploy;
mod emulator;
mod fly;
mod fuzz;
mod generated;
mod hostile;
mod image;
mod keyring;
mod kills;
mod registry;
mod storage;
mod supabase;
mod templates;
