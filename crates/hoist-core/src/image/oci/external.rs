//! External builders for Dockerfiles the native builder cannot run (RUN and
//! friends): buildah (chroot isolation, vfs storage under hoist's cache
//! dir), podman (same), or docker with buildx. Each builds the same context
//! and Dockerfile, exports an OCI layout to a temporary directory, and hoist
//! moves the image from there into the project's layout under the same name
//! a native build would use, so `hoist push` cannot tell the difference.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use super::spec::{self, Descriptor, Index, Manifest, Platform};
use super::store::{self, BlobStore, Layout};
use crate::config::BuilderChoice;
use crate::env::Env;
use crate::image::ImageError;
use crate::report::Reporter;

/// An external builder program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Buildah,
    Podman,
    Docker,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Buildah => "buildah",
            Tool::Podman => "podman",
            Tool::Docker => "docker",
        }
    }

    pub(crate) fn from_choice(c: BuilderChoice) -> Option<Tool> {
        match c {
            BuilderChoice::Buildah => Some(Tool::Buildah),
            BuilderChoice::Podman => Some(Tool::Podman),
            BuilderChoice::Docker => Some(Tool::Docker),
            BuilderChoice::Auto | BuilderChoice::Native => None,
        }
    }
}

/// Whether `program` is on PATH.
pub(crate) fn on_path(env: &Env, program: &str) -> bool {
    env.var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|d| {
            let p = d.join(program);
            p.is_file() && std::fs::metadata(&p).is_ok_and(is_executable)
        })
    })
}

/// Whether a file with `meta` may be run: an execute bit on unix; any file
/// elsewhere (there is no such bit to check).
#[cfg(unix)]
fn is_executable(meta: std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: std::fs::Metadata) -> bool {
    true
}

/// The first usable external builder: buildah, podman, then docker (only
/// when its daemon answers).
pub fn detect(env: &Env) -> Option<Tool> {
    if on_path(env, "buildah") {
        return Some(Tool::Buildah);
    }
    if on_path(env, "podman") {
        return Some(Tool::Podman);
    }
    if on_path(env, "docker")
        && Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    {
        return Some(Tool::Docker);
    }
    None
}

/// What an external build needs to know.
pub(crate) struct Job<'a> {
    pub(crate) tool: Tool,
    pub(crate) dockerfile: &'a Path,
    pub(crate) context: &'a Path,
    pub(crate) platform: &'a Platform,
    pub(crate) epoch: u64,
    /// Plain HTTP / no TLS verification for base registries.
    pub(crate) insecure: bool,
    /// Name for the image in the layout (`<function>:<version>`).
    pub(crate) ref_name: &'a str,
    /// Where the builder's own output goes (with `-v`).
    pub(crate) reporter: &'a dyn Reporter,
    /// The environment the builder is found in and runs with.
    pub(crate) env: &'a Env,
}

fn run(cmd: &mut Command, what: &str, job: &Job) -> anyhow::Result<()> {
    let reporter = job.reporter;
    // A DOCKER_CONFIG without a config.json makes the containers tools
    // fail; hoist treats it as "no credentials", so the builder should too.
    if job
        .env
        .var_os("DOCKER_CONFIG")
        .is_some_and(|d| !std::path::Path::new(&d).join("config.json").is_file())
    {
        cmd.env_remove("DOCKER_CONFIG");
    }
    let shown = format!("{cmd:?}");
    let out = cmd.output().with_context(|| format!("cannot run {what}"))?;
    if reporter.verbose() {
        for line in String::from_utf8_lossy(&out.stderr).lines() {
            reporter.detail(line);
        }
    }
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let tail: Vec<&str> = stdout.lines().chain(stderr.lines()).collect();
        let tail = tail[tail.len().saturating_sub(25)..].join("\n");
        return Err(ImageError::BuilderFailed {
            what: what.to_string(),
            status: out.status.to_string(),
            tail,
            command: shown,
        }
        .into());
    }
    Ok(())
}

/// Build with the external tool and put the image into `layout` as
/// `job.ref_name`; returns its manifest descriptor.
pub(crate) fn build(job: &Job, layout: &Layout) -> anyhow::Result<Descriptor> {
    let name = job.tool.name();
    if !on_path(job.env, name) {
        return Err(ImageError::BuilderMissing {
            name: name.to_string(),
        }
        .into());
    }
    let parent = layout.dir().parent().unwrap_or(layout.dir()).to_path_buf();
    let tmp = tempfile::Builder::new()
        .prefix(".oci-export-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
    let out_dir = tmp.path().join("layout");
    let tag = format!("localhost/hoist-build/{}", job.ref_name);
    let cache = store::cache_root(job.env).join(name);
    let platform = job.platform.to_string();
    let epoch = job.epoch.to_string();
    let tls = format!("--tls-verify={}", !job.insecure);
    match job.tool {
        Tool::Buildah | Tool::Podman => {
            let storage = |c: &mut Command| {
                c.arg("--root")
                    .arg(cache.join("root"))
                    .arg("--runroot")
                    .arg(cache.join("run"))
                    .args(["--storage-driver", "vfs"]);
            };
            let mut bud = Command::new(name);
            storage(&mut bud);
            bud.arg(if job.tool == Tool::Buildah {
                "bud"
            } else {
                "build"
            })
            .args([
                "--isolation",
                "chroot",
                "--platform",
                &platform,
                "--timestamp",
                &epoch,
            ])
            .arg(&tls)
            .arg("-f")
            .arg(job.dockerfile)
            .args(["-t", &tag])
            .arg(job.context);
            run(&mut bud, &format!("{name} build"), job)?;
            let mut push = Command::new(name);
            storage(&mut push);
            push.arg("push")
                .arg(&tag)
                .arg(format!("oci:{}:{}", out_dir.display(), job.ref_name));
            run(&mut push, &format!("{name} push to an OCI layout"), job)?;
        }
        Tool::Docker => {
            let mut b = Command::new("docker");
            b.args(["buildx", "build", "--platform", &platform])
                .arg("--output")
                .arg(format!(
                    "type=oci,dest={},tar=false,rewrite-timestamp=true,name={}",
                    out_dir.display(),
                    job.ref_name
                ))
                .arg("--build-arg")
                .arg(format!("SOURCE_DATE_EPOCH={epoch}"))
                .arg("-f")
                .arg(job.dockerfile)
                .arg(job.context);
            run(&mut b, "docker buildx build", job)?;
        }
    }
    import(&out_dir, job.platform, job.ref_name, layout)
}

/// Copy the image of layout `src` (for `platform`) into `layout`.
pub(crate) fn import(
    src: &Path,
    platform: &Platform,
    ref_name: &str,
    layout: &Layout,
) -> anyhow::Result<Descriptor> {
    let from = BlobStore::new(src);
    let text = std::fs::read(src.join("index.json"))
        .with_context(|| format!("the builder wrote no OCI layout at {}", src.display()))?;
    let index: Index = serde_json::from_slice(&text)?;
    let mut desc = index
        .manifests
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the builder's OCI layout is empty"))?;
    if spec::is_index(&desc.media_type) {
        let inner: Index = serde_json::from_slice(&from.read(&desc.digest)?)?;
        desc = inner
            .manifests
            .into_iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
            .ok_or_else(|| anyhow::anyhow!("the builder produced no {platform} image"))?;
    }
    let manifest: Manifest = serde_json::from_slice(&from.read(&desc.digest)?)?;
    for d in std::iter::once(&manifest.config).chain(manifest.layers.iter()) {
        layout.blobs.import(&from, &d.digest)?;
    }
    layout.blobs.import(&from, &desc.digest)?;
    let out = Descriptor {
        media_type: if desc.media_type.is_empty() {
            spec::OCI_MANIFEST.into()
        } else {
            desc.media_type.clone()
        },
        digest: desc.digest.clone(),
        size: desc.size,
        platform: Some(platform.clone()),
        annotations: Default::default(),
        urls: Vec::new(),
    };
    layout.tag(ref_name, out.clone())?;
    Ok(out)
}

/// How to get a builder, for error hints.
pub fn install_hint() -> String {
    "install one: `apt-get install buildah` (or podman) on Debian/Ubuntu, `dnf install buildah` on Fedora, or Docker with buildx; then run again or pick it with `--builder buildah`".into()
}
