//! What making or pushing an image fails with: a Dockerfile or template
//! that does not parse or render, a function whose files an image cannot
//! hold, a base image that cannot be found or is for another platform, a
//! builder that is missing or failed, and an image that was not built (or
//! was built from another bundle) when it is pushed. Each variant names the
//! file, line, function, version or image; exit codes and hints are decided
//! here, in one `match`.

use std::path::PathBuf;

use crate::error::{Classified, Exit};

use super::oci::external::install_hint;

/// Why making or pushing an image failed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A Dockerfile that does not parse (`line` when known).
    #[error("{file}{}: {message}", at_line(*line))]
    Dockerfile {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// A Dockerfile template that does not render: `message` is
    /// `file:line: what` and the line itself; `hint` suits the failure.
    #[error("{message}")]
    Template { message: String, hint: String },
    /// `--platform` or a platform setting that does not parse.
    #[error("{why}")]
    Platform { why: String },
    /// `templates:` names a directory that does not exist.
    #[error("templates directory {} (set by `templates:` in {}) does not exist", dir.display(), config.display())]
    NoTemplatesDir { dir: PathBuf, config: PathBuf },
    /// Runtime `dockerfile` without a Dockerfile.
    #[error("function `{function}` has runtime dockerfile but no Dockerfile")]
    NoDockerfile { function: String },
    /// The function's Dockerfile cannot be read.
    #[error("cannot read {} for function `{function}`: {err}", path.display())]
    UnreadableDockerfile {
        path: PathBuf,
        function: String,
        err: std::io::Error,
    },
    /// `import_map:` leads outside the function directory.
    #[error("function `{function}`: import_map `{map}` is outside the function directory")]
    ImportMapOutside { function: String, map: String },
    /// An env value a Dockerfile ENV cannot hold.
    #[error("function `{function}`: env `{key}` contains a line break, which a Dockerfile ENV cannot hold")]
    MultilineEnv { function: String, key: String },
    /// The bundle holds an index file edge-runtime would serve instead of
    /// the entrypoint.
    #[error("function `{function}`: its entrypoint is `{entrypoint}`, but the bundle also holds `{taken}`, which edge-runtime would serve instead")]
    EntrypointShadowed {
        function: String,
        entrypoint: String,
        taken: String,
    },
    /// In a project image, a file beside the entrypoint edge-runtime would
    /// serve instead.
    #[error("function `{function}`: the project image holds `{taken}` (reached by another function) beside its entrypoint, and edge-runtime would serve it instead")]
    ProjectEntrypointShadowed { function: String, taken: String },
    /// Two functions of a project image have entrypoints in one directory.
    #[error("functions `{first}` and `{second}` have entrypoints in one directory ({dir}), and neither is index.ts: one image cannot serve both")]
    SharedDirectory {
        first: String,
        second: String,
        dir: String,
    },
    /// An instruction the native builder cannot build, with `--builder native`.
    #[error("{file}:{line}: `{instruction}` cannot be built natively: {why}")]
    NotNative {
        file: String,
        line: usize,
        instruction: String,
        why: String,
    },
    /// An instruction that needs an external builder, and none is installed.
    #[error(
        "{file}:{line}: `{instruction}` needs an external builder ({why}), and none is installed"
    )]
    NeedsBuilder {
        file: String,
        line: usize,
        instruction: String,
        why: String,
    },
    /// The builder asked for is not installed.
    #[error("builder `{name}` is not installed")]
    BuilderMissing { name: String },
    /// An external builder failed; `tail` is the end of its output.
    #[error("{what} failed ({status}):\n{tail}")]
    BuilderFailed {
        what: String,
        status: String,
        tail: String,
        command: String,
    },
    /// The registry of a base image was found unreachable earlier.
    #[error("cannot reach the registry {registry} (found unreachable earlier in this command; not asked again)")]
    RegistryDown { registry: String },
    /// The base image's registry has no such manifest.
    #[error("base image {reference} not found: registry {registry} has no such manifest")]
    BaseNotFound { reference: String, registry: String },
    /// The base image's manifest is of another kind.
    #[error("base image {reference} is a `{media_type}`, not an image manifest or index")]
    BaseNotImage {
        reference: String,
        media_type: String,
    },
    /// The base image's index has no image for the platform.
    #[error("base image {reference} has no {platform} image (its index has: {})", if have.is_empty() { "nothing usable".to_string() } else { have.join(", ") })]
    NoPlatformImage {
        reference: String,
        platform: String,
        have: Vec<String>,
    },
    /// The base image is for another platform.
    #[error("base image {reference} is for {have}, not {platform}")]
    WrongPlatform {
        reference: String,
        have: String,
        platform: String,
    },
    /// The base image's manifest names something that is not a digest.
    #[error("base image {reference}: its manifest names `{shown}`, which is not a sha256 digest; refused")]
    BadDigest { reference: String, shown: String },
    /// No registry to push to.
    #[error("no registry configured")]
    NoRegistry,
    /// `registry.url` holds credentials (never printed).
    #[error("`registry.url` in hoist.yaml holds credentials (`user:password@host`); they are not printed")]
    RegistryCredentials,
    /// No image of the function's version in the OCI layout.
    #[error("no image for `{function}` version {version} in {}", layout.display())]
    NotBuilt {
        function: String,
        version: String,
        layout: PathBuf,
    },
    /// The project image was never built.
    #[error("the project image of `{name}` has not been built")]
    ProjectNotBuilt { name: String },
    /// The project image's version is not in the OCI layout.
    #[error("no image {image} in {}", layout.display())]
    NoProjectImage { image: String, layout: PathBuf },
    /// The image was built from another bundle than the one pushed
    /// (`built_from`: `None` when no record says).
    #[error("{}", stale_message(function, version, built_from.as_deref(), pushing))]
    Stale {
        function: String,
        version: String,
        built_from: Option<String>,
        pushing: String,
    },
}

/// `:line` when the line is known.
fn at_line(line: Option<usize>) -> String {
    match line {
        Some(l) => format!(":{l}"),
        None => String::new(),
    }
}

/// The message of [`ImageError::Stale`] (digests shown in 19 characters).
fn stale_message(function: &str, version: &str, built_from: Option<&str>, pushing: &str) -> String {
    let short = |d: &str| d.chars().take(19).collect::<String>();
    match built_from {
        Some(r) => format!(
            "the image of `{function}` version {version} was built from bundle {}, but the bundle being pushed is {}: the function changed since `hoist build`; no image was pushed",
            short(r),
            short(pushing)
        ),
        None => format!(
            "cannot tell which bundle the image of `{function}` version {version} was built from; no image was pushed"
        ),
    }
}

impl Classified for ImageError {
    fn exit(&self) -> Exit {
        use ImageError::*;
        match self {
            Dockerfile { .. }
            | Template { .. }
            | Platform { .. }
            | NoTemplatesDir { .. }
            | NoDockerfile { .. }
            | UnreadableDockerfile { .. }
            | ImportMapOutside { .. }
            | MultilineEnv { .. }
            | EntrypointShadowed { .. }
            | ProjectEntrypointShadowed { .. }
            | SharedDirectory { .. }
            | NoRegistry
            | RegistryCredentials => Exit::Usage,
            NotNative { .. }
            | NeedsBuilder { .. }
            | BuilderMissing { .. }
            | BuilderFailed { .. }
            | RegistryDown { .. }
            | BaseNotFound { .. }
            | BaseNotImage { .. }
            | NoPlatformImage { .. }
            | WrongPlatform { .. }
            | BadDigest { .. }
            | NotBuilt { .. }
            | ProjectNotBuilt { .. }
            | NoProjectImage { .. }
            | Stale { .. } => Exit::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        use ImageError::*;
        let fixed = |s: &str| Some(s.to_string());
        match self {
            Template { hint, .. } => Some(hint.clone()),
            NoTemplatesDir { .. } => {
                fixed("create it, or remove `templates:` to use the built-in templates")
            }
            NoDockerfile { .. } => {
                fixed("add a Dockerfile to the function directory, or set `entrypoint:` to it")
            }
            ImportMapOutside { .. } => {
                fixed("only the function directory goes into the image; move the import map into it")
            }
            MultilineEnv { .. } => {
                fixed("keep the value on one line (e.g. with \\n escapes your code decodes)")
            }
            EntrypointShadowed { .. } => fixed(
                "rename the entrypoint to index.ts, or move it to a directory without an index file",
            ),
            ProjectEntrypointShadowed { .. } => fixed(
                "rename the entrypoint to index.ts, or use `supabase: { image: per-function }`",
            ),
            SharedDirectory { .. } => fixed(
                "move one of them to its own directory, or use `supabase: { image: per-function }`",
            ),
            NotNative { .. } => Some(format!(
                "use an external builder (`--builder buildah`, or `builder: buildah` in hoist.yaml); {}",
                install_hint()
            )),
            NeedsBuilder { .. } | BuilderMissing { .. } => Some(install_hint()),
            BuilderFailed { command, .. } => Some(format!("the command was: {command}")),
            BaseNotFound { .. } => fixed(
                "check the name and tag in the Dockerfile or `base_image`/`defaults.base_images` in hoist.yaml",
            ),
            NoPlatformImage { .. } => fixed(
                "build for one of those with `--platform`, or choose a base image that has your platform",
            ),
            WrongPlatform { .. } => fixed(
                "build for its platform with `--platform`, or choose a multi-platform base image",
            ),
            NoRegistry => fixed(
                "set `registry.url` in hoist.yaml (e.g. registry.fly.io or 127.0.0.1:5000)",
            ),
            RegistryCredentials => fixed(
                "remove them from registry.url and use `hoist login registry`, HOIST_REGISTRY_TOKEN or `docker login`",
            ),
            NotBuilt { function, .. } => Some(format!(
                "`hoist build {function}` builds it; it is skipped when its base image cannot be fetched (see its warning)"
            )),
            ProjectNotBuilt { .. } => fixed("run `hoist build` first"),
            NoProjectImage { .. } => fixed(
                "run `hoist build`; it is skipped when its base image cannot be fetched (see its warning)",
            ),
            Stale { function, .. } => {
                Some(format!("run `hoist build {function}`, then push again"))
            }
            Dockerfile { .. } | Platform { .. } | UnreadableDockerfile { .. }
            | RegistryDown { .. } | BaseNotImage { .. } | BadDigest { .. } => None,
        }
    }
}
