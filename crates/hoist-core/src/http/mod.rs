//! One HTTP stack for every API hoist talks to (OCI registries, the
//! self-hosted backend, Fly Machines): a reqwest client builder with hoist's
//! user agent and timeouts, one shared tokio runtime for the synchronous
//! commands, retry timing (`retry`), redaction of credentials and signed
//! URLs (`redact`), and a JSON API client with typed errors (`api`).
//! Streaming uploads keep their own resumable loops (see `registry::client`)
//! rather than going through the generic retry of `api`.

pub(crate) mod api;
mod error;
pub(crate) mod redact;
pub mod retry;

use std::time::Duration;

pub use api::{Api, ApiError};
pub use error::HttpError;

/// The user agent every request carries.
pub(crate) const USER_AGENT: &str = concat!("hoist/", env!("CARGO_PKG_VERSION"));

/// A reqwest client builder with hoist's user agent and a connect timeout;
/// callers add what their protocol needs (read timeouts, redirects).
pub(crate) fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(15))
}
