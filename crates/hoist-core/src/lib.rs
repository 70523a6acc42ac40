//! hoist's engine, everything below the command line: project config
//! (`config`), deterministic bundles (`bundle`), Dockerfiles and OCI images
//! (`image`), the registry client (`registry`), artifact stores (`storage`),
//! releases (`release`) and the control planes they deploy to (`targets`),
//! with the HTTP client they share (`http`). It never prints: progress goes
//! through [`report::Reporter`], errors are returned; the `hoist` binary
//! decides how both look.

#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod auth;
pub mod bundle;
pub(crate) mod clock;
pub mod config;
pub mod digest;
pub mod env;
pub mod error;
pub mod fsx;
pub mod git;
pub mod http;
pub mod image;
pub mod interrupt;
pub mod leftovers;
pub mod localbackend;
pub(crate) mod lockfile;
pub mod names;
pub mod registry;
pub mod release;
pub mod report;
pub mod storage;
pub mod targets;
