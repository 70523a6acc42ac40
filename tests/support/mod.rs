//! Shared test helpers: real servers started on loopback and fault injectors.

pub mod registry;
