//! OCI registries as a pure client: references ([`reference`]), the
//! credential chain and auth challenges ([`auth`]), and the distribution
//! protocol ([`client`]), with chunked uploads recorded for resuming
//! ([`journal`]). What to push where (a function's image from the
//! project's OCI layout) lives next to the layout in `image::oci::publish`.

pub(crate) mod auth;
pub(crate) mod client;
mod error;
pub(crate) mod journal;
pub(crate) mod reference;

pub use error::RegistryError;

pub use client::Client;
pub(crate) use reference::Reference;
