//! Shared test helpers: real servers started on loopback and fault injectors.

pub mod backend;
pub mod bearer;
pub mod bytes;
pub mod keyring;
pub mod leaks;
pub mod ports;
pub mod project;
pub mod proxy;
pub mod registry;
pub mod s3;
pub mod skip;
