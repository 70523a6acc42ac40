//! What talking to an OCI registry fails with: an image reference that does
//! not parse, a credential helper that is not installed, a registry that
//! cannot be reached, refuses the credentials or answers with an error, and
//! content whose digest is not the one asked for. Each variant names the
//! registry, repository or digest; exit codes and hints are decided here.

use std::path::PathBuf;

use crate::error::{Classified, Exit};

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// An image reference that does not parse (`text` has no credentials).
    #[error("`{text}` is not a valid image reference: {why}")]
    InvalidReference { text: String, why: String },
    /// docker's config names a credential helper that is not installed.
    #[error("{} names the credential helper `{helper}`, but `{program}` is not installed", config.display())]
    HelperMissing {
        config: PathBuf,
        helper: String,
        program: String,
    },
    /// The registry did not answer.
    #[error("cannot reach the registry {registry} ({base})")]
    Unreachable { registry: String, base: String },
    /// The registry refused (401) or denied (403) the credentials used.
    #[error("registry {registry} {} {what} {who} (HTTP {status})", if *status == 403 { "denied" } else { "refused" })]
    Unauthorized {
        registry: String,
        what: String,
        who: String,
        status: u16,
    },
    /// The registry answered with an unexpected status.
    #[error("registry {registry} answered HTTP {status} when {what}: {body}")]
    Status {
        registry: String,
        status: u16,
        what: String,
        body: String,
    },
    /// A blob the registry should hold is not there.
    #[error("registry {registry} has no blob {digest} in {repo}")]
    NoBlob {
        registry: String,
        repo: String,
        digest: String,
    },
    /// A manifest asked for by digest has other content.
    #[error("registry {registry} sent a manifest for {repo}@{expected} whose content is {digest}; refused")]
    ManifestMismatch {
        registry: String,
        repo: String,
        expected: String,
        digest: String,
    },
    /// A blob whose bytes do not hash to its digest (or have another size).
    #[error("digest mismatch: registry {registry} sent {got} bytes for {repo}@{digest} that hash to {actual}; refused")]
    BlobMismatch {
        registry: String,
        repo: String,
        digest: String,
        got: u64,
        actual: String,
    },
    /// An upload kept failing and was given up.
    #[error("gave up uploading {digest} to {registry}/{repo} after {attempts} attempts (the connection kept failing)")]
    GaveUp {
        registry: String,
        repo: String,
        digest: String,
        attempts: u32,
    },
}

impl Classified for RegistryError {
    fn exit(&self) -> Exit {
        use RegistryError::*;
        match self {
            InvalidReference { .. } => Exit::Usage,
            HelperMissing { .. }
            | Unreachable { .. }
            | Unauthorized { .. }
            | Status { .. }
            | NoBlob { .. }
            | ManifestMismatch { .. }
            | BlobMismatch { .. }
            | GaveUp { .. } => Exit::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        use RegistryError::*;
        match self {
            HelperMissing { config, program, .. } => Some(format!(
                "install {program}, or remove it from {}",
                config.display()
            )),
            Unreachable { .. } => Some("check the registry address and your network; `registry.insecure: true` in hoist.yaml talks plain HTTP".into()),
            Unauthorized { registry, .. } => Some(format!(
                "log in with `hoist login registry` (user from HOIST_REGISTRY_USERNAME, default `x`), set HOIST_REGISTRY_TOKEN, or `docker login {registry}`"
            )),
            BlobMismatch { .. } => Some("the registry or something between it and you altered the blob; nothing was cached".into()),
            GaveUp { .. } => Some("no manifest was written, so the registry holds no broken image; run the push again to continue".into()),
            InvalidReference { .. } | Status { .. } | NoBlob { .. } | ManifestMismatch { .. } => None,
        }
    }
}
