//! OCI registries as a pure client: references ([`reference`]), the
//! credential chain and auth challenges ([`auth`]), and the distribution
//! protocol ([`client`]), with chunked uploads recorded for resuming
//! ([`journal`]). What to push where (a function's image from the
//! project's OCI layout) lives next to the layout in `image::oci::publish`.

pub mod auth;
pub mod client;
pub mod journal;
pub mod reference;

pub use client::Client;
pub use reference::Reference;
