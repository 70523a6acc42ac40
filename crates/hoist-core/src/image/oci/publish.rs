//! Pushing a function's image from the project's OCI layout to the
//! configured registry as `<registry>/<prefix><function>:<version>`: every
//! blob first (HEAD, mount from the base's repository when it lives in the
//! same registry, upload what is missing), the manifest last, so an
//! interrupted push never leaves a tag pointing at missing blobs. The
//! manifest goes up by digest; the version's tag is written separately
//! ([`tag_function_of`], [`tag`]) once the version's release manifest in the
//! store names this image, so of two pushes racing for one version the tag
//! ends on the image the store kept. Targets refer to the image as
//! `name@sha256:…`.

use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use super::spec::{self, Manifest};
use super::store::{self, Layout};
use crate::config::{Function, Project};
use crate::image::build_info::BuildInfo;
use crate::image::ImageError;
use crate::registry::client;
use crate::registry::{Client, Reference};
use crate::report::Reporter;

/// Blobs uploaded at once.
const PARALLEL: usize = 3;
/// Manifest PUTs retried after a 400 naming a blob (see `push_image`).
const MANIFEST_RETRIES: u32 = 3;

/// What one image push did.
#[derive(Debug, Clone, Serialize)]
pub struct Pushed {
    pub function: String,
    /// `<registry>/<repo>:<version>`.
    pub(crate) reference: String,
    /// Manifest digest.
    pub(crate) digest: String,
    /// `<registry>/<repo>@<digest>`: what deploys use.
    pub pinned: String,
    /// Blob bytes sent to the registry (0 when it had everything).
    pub uploaded_bytes: u64,
    pub(crate) blobs_uploaded: usize,
    pub(crate) blobs_mounted: usize,
    pub(crate) blobs_present: usize,
}

/// The repository a function's image goes to: `(registry, repository)`.
pub(crate) fn target_repo(project: &Project, function: &str) -> anyhow::Result<(String, String)> {
    let url = project
        .config
        .registry
        .url
        .as_deref()
        .ok_or(ImageError::NoRegistry)?;
    let url = url
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let (host, namespace) = match url.split_once('/') {
        Some((h, ns)) => (h, Some(ns)),
        None => (url, None),
    };
    if host.contains('@') {
        // Never echo it: the part before `@` is a user and password.
        return Err(ImageError::RegistryCredentials.into());
    }
    let prefix = project.config.registry.prefix.as_deref().unwrap_or("");
    // Repository names are lowercase: the function's DNS label, not its name.
    let label = project
        .functions
        .iter()
        .find(|f| f.name == function)
        .map(|f| f.dns_label.clone())
        .unwrap_or_else(|| crate::config::dns_label(function));
    let name = format!("{prefix}{label}");
    let repo = match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name,
    };
    let text = format!("{host}/{repo}");
    let r = Reference::parse(&text)?;
    Ok((r.registry, r.repository))
}

/// Push the image `hoist build` made for version `version` of `f` to the
/// configured registry, by digest (untagged: see [`tag_function_of`]);
/// `Ok(None)` when no registry is configured.
/// `bundle_digest` (`sha256:…`) is the bundle being released: the push is
/// refused (exit 1) when the layout's image of this version was built from
/// another bundle, as happens when the code changed since `hoist build`
/// and the version is a literal or a git describe.
pub(crate) async fn push_function_of(
    project: &Project,
    f: &Function,
    version: &str,
    bundle_digest: &str,
    printer: &dyn Reporter,
) -> anyhow::Result<Option<Pushed>> {
    if project.config.registry.url.is_none() {
        return Ok(None);
    }
    let dest = configured_destination(project, &f.name)?;
    push_to(project, f, version, bundle_digest, &dest, printer)
        .await
        .map(Some)
}

/// The configured registry's repository for `name`, with the credentials
/// hoist looks up for it.
fn configured_destination(project: &Project, name: &str) -> anyhow::Result<Destination> {
    let (registry, repository) = target_repo(project, name)?;
    Ok(Destination {
        registry,
        repository,
        insecure: project.config.registry.insecure,
        creds: None,
    })
}

/// Point the configured registry's tag `version` of `f` at `pushed`, the
/// image [`push_function_of`] sent.
pub async fn tag_function_of(
    project: &Project,
    f: &Function,
    version: &str,
    pushed: &Pushed,
    printer: &dyn Reporter,
) -> anyhow::Result<()> {
    let dest = configured_destination(project, &f.name)?;
    tag(project, &dest, pushed, version, printer).await
}

/// Point tag `tag` of `dest` at the image `pushed` (already in the
/// registry by digest): a manifest PUT of the bytes the layout holds,
/// retried like the push's own (see [`ManifestPut::send`]).
pub async fn tag(
    project: &Project,
    dest: &Destination,
    pushed: &Pushed,
    tag: &str,
    printer: &dyn Reporter,
) -> anyhow::Result<()> {
    let layout = Layout::open(&store::layout_dir(project))?;
    let bytes = layout.blobs.read(&pushed.digest)?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("the manifest {} does not parse", pushed.digest))?;
    let media_type = if manifest.media_type.is_empty() {
        spec::OCI_MANIFEST.to_string()
    } else {
        manifest.media_type.clone()
    };
    let blobs = pushed_blobs(&manifest);
    let put = ManifestPut {
        layout: &layout,
        repo: &dest.repository,
        media_type: &media_type,
        bytes: &bytes,
        blobs: &blobs,
        name: &pushed.reference,
    };
    let client = client_for(project, dest, printer)?;
    put.send(&client, tag, printer).await.map(|_| ())
}

/// The blobs a push sends for `manifest`: its config and its layers
/// (foreign layers stay where they are).
fn pushed_blobs(manifest: &Manifest) -> Vec<spec::Descriptor> {
    std::iter::once(manifest.config.clone())
        .chain(
            manifest
                .layers
                .iter()
                .filter(|l| l.media_type != spec::DOCKER_FOREIGN_LAYER)
                .cloned(),
        )
        .collect()
}

/// Writing one image manifest (by digest or by tag) whose blobs were all
/// pushed already.
struct ManifestPut<'a> {
    layout: &'a Layout,
    repo: &'a str,
    media_type: &'a str,
    bytes: &'a [u8],
    blobs: &'a [spec::Descriptor],
    /// The image, for messages.
    name: &'a str,
}

impl ManifestPut<'_> {
    /// PUT the manifest under `reference`. A 400 naming a blob the
    /// registry did not find or verify comes from concurrent pushes of the
    /// same blobs (docker-registry rewrites a blob's link file in place):
    /// each blob is checked again (uploaded when missing) and the manifest
    /// written again, up to MANIFEST_RETRIES times. Returns the blobs those
    /// checks sent.
    async fn send(
        &self,
        client: &Client,
        reference: &str,
        printer: &dyn Reporter,
    ) -> anyhow::Result<Vec<client::Upload>> {
        let mut sent = Vec::new();
        let mut retries = 0;
        while let Err(e) = client
            .put_manifest(self.repo, reference, self.media_type, self.bytes)
            .await
        {
            if e.downcast_ref::<client::BlobsInDoubt>().is_none() || retries == MANIFEST_RETRIES {
                return Err(e);
            }
            retries += 1;
            printer.detail(&format!("{e:#}; checking the blobs and writing it again"));
            tokio::time::sleep(crate::http::retry::backoff(retries)).await;
            for b in self.blobs {
                crate::interrupt::check()?;
                let path = self.layout.blobs.path(&b.digest);
                let r = client
                    .push_blob(
                        self.repo,
                        &b.digest,
                        b.size,
                        &path,
                        None,
                        &crate::report::Progress::hidden(),
                    )
                    .await
                    .with_context(|| {
                        format!(
                            "cannot push {} to {}/{}; no manifest was written",
                            self.name, client.registry, self.repo
                        )
                    })?;
                if matches!(r, client::Upload::Sent(_)) {
                    sent.push(r);
                }
            }
        }
        Ok(sent)
    }
}

/// A registry client for `dest`, recording chunked uploads in the
/// project's upload journal.
fn client_for(
    project: &Project,
    dest: &Destination,
    printer: &dyn Reporter,
) -> anyhow::Result<Client> {
    let configured = project
        .config
        .registry
        .url
        .as_deref()
        .map(crate::image::oci::registry_host);
    let mut client = Client::new(
        &dest.registry,
        dest.insecure,
        configured.as_deref(),
        &project.env,
    )?
    .with_upload_journal(project.state_dir().join("uploads"), printer);
    if let Some(c) = &dest.creds {
        client = client.with_creds(c.clone());
    }
    Ok(client)
}

/// Where an image goes: a registry, a repository in it, and (when the
/// target supplies them) the credentials to use instead of the ones hoist
/// would look up.
pub struct Destination {
    pub(crate) registry: String,
    pub(crate) repository: String,
    pub insecure: bool,
    pub creds: Option<crate::registry::auth::Creds>,
}

/// Push the image `hoist build` made for `version` of `f` to `dest`, by
/// digest; [`tag`] names it `version` afterwards.
pub async fn push_to(
    project: &Project,
    f: &Function,
    version: &str,
    bundle_digest: &str,
    dest: &Destination,
    printer: &dyn Reporter,
) -> anyhow::Result<Pushed> {
    let version = version.to_string();
    let layout_dir = store::layout_dir(project);
    let name = crate::image::oci::layout_name(&f.name, &version);
    let layout = Layout::open(&layout_dir)?;
    if layout.find(&name)?.is_none() {
        return Err(ImageError::NotBuilt {
            function: f.name.to_string(),
            version,
            layout: layout_dir,
        }
        .into());
    }
    check_bundle(project, f, &version, &layout, &name, bundle_digest)?;
    let client = client_for(project, dest, printer)?;
    let started = std::time::Instant::now();
    let mut pushed = push_image(
        Arc::new(client),
        &layout,
        &name,
        &dest.repository,
        &version,
        false,
        printer,
    )
    .await?;
    pushed.function = f.name.to_string();
    printer.detail(&format!(
        "image push for {}: {:.3} s",
        f.name,
        started.elapsed().as_secs_f64()
    ));
    Ok(pushed)
}

/// The build context `hoist build` lays out for `state` (a function's name,
/// or the project image's); its build.json records what was built.
fn build_dir(project: &Project, state: &str) -> std::path::PathBuf {
    project.state_dir().join("build").join(state)
}

/// Push the project image (`supabase.image: project`) that `hoist build`
/// made last, named in `.hoist/build/_project/build.json`, to the
/// configured registry as `<project's DNS label>:<version>`; `Ok(None)`
/// when no registry is configured.
pub async fn push_project_image(
    project: &Project,
    printer: &dyn Reporter,
) -> anyhow::Result<Option<Pushed>> {
    if project.config.registry.url.is_none() {
        return Ok(None);
    }
    let name = &project.config.project;
    let dir = build_dir(project, crate::image::project::STATE_NAME);
    let version = BuildInfo::read(&dir)?
        .ok_or_else(|| ImageError::ProjectNotBuilt {
            name: name.to_string(),
        })?
        .version;
    let dest = configured_destination(project, name)?;
    let layout = Layout::open(&store::layout_dir(project))?;
    let image = crate::image::oci::layout_name(name, &version);
    if layout.find(&image)?.is_none() {
        return Err(ImageError::NoProjectImage {
            image,
            layout: layout.dir().to_path_buf(),
        }
        .into());
    }
    let client = client_for(project, &dest, printer)?;
    // The project image has no release manifest to wait for: tagged now.
    let mut pushed = push_image(
        Arc::new(client),
        &layout,
        &image,
        &dest.repository,
        &version,
        true,
        printer,
    )
    .await?;
    pushed.function = name.clone();
    Ok(Some(pushed))
}

/// Refuse to push image `name` unless it was built from `bundle_digest`:
/// the digest recorded on its index entry at build time, else (an image
/// built before hoist recorded it) build.json's when that names this
/// version.
fn check_bundle(
    project: &Project,
    f: &Function,
    version: &str,
    layout: &Layout,
    name: &str,
    bundle_digest: &str,
) -> anyhow::Result<()> {
    let annotated = layout
        .find(name)?
        .and_then(|d| d.annotations.get(spec::BUNDLE_DIGEST).cloned());
    let recorded = match annotated {
        Some(digest) => Some(digest),
        None => BuildInfo::read(&build_dir(project, &f.name))?
            .filter(|info| info.version == version)
            .and_then(|info| info.bundle_digest),
    };
    if recorded.as_deref() == Some(bundle_digest) {
        return Ok(());
    }
    Err(ImageError::Stale {
        function: f.name.to_string(),
        version: version.to_string(),
        built_from: recorded,
        pushing: bundle_digest.to_string(),
    }
    .into())
}

/// Push image `name` of `layout` to `repo` through `client`: its blobs,
/// then its manifest by digest, and by `tag` too when `tag_now` (else the
/// caller tags it later with [`tag`]).
pub(crate) async fn push_image(
    client: Arc<Client>,
    layout: &Layout,
    name: &str,
    repo: &str,
    tag: &str,
    tag_now: bool,
    printer: &dyn Reporter,
) -> anyhow::Result<Pushed> {
    let desc = layout
        .find(name)?
        .ok_or_else(|| anyhow::anyhow!("no image `{name}` in {}", layout.dir().display()))?;
    let manifest_bytes = layout.blobs.read(&desc.digest)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .with_context(|| format!("the manifest of {name} does not parse"))?;
    let media_type = if manifest.media_type.is_empty() {
        spec::OCI_MANIFEST.to_string()
    } else {
        manifest.media_type.clone()
    };
    // Mount from the base's repository when it is on the same registry.
    let mount_from = manifest
        .annotations
        .get(spec::BASE_NAME)
        .and_then(|b| Reference::parse(b).ok())
        .filter(|b| b.registry == client.registry)
        .map(|b| b.repository);
    let blobs = pushed_blobs(&manifest);
    let total: u64 = blobs.iter().map(|b| b.size).sum();
    let all_blobs = blobs.clone();
    printer.step(
        "Pushing",
        &format!(
            "{}/{repo}:{tag} ({})",
            client.registry,
            crate::report::human_bytes(total)
        ),
    );
    let mut results = push_blobs(
        &client,
        layout,
        name,
        repo,
        blobs,
        mount_from.as_deref(),
        printer,
    )
    .await?;
    // Every blob is there: now the manifest may point at them.
    crate::interrupt::check()?;
    let reference = if tag_now { tag } else { desc.digest.as_str() };
    let manifest_put = ManifestPut {
        layout,
        repo,
        media_type: &media_type,
        bytes: &manifest_bytes,
        blobs: &all_blobs,
        name,
    };
    results.extend(manifest_put.send(&client, reference, printer).await?);
    let pushed = tally(&results, &client.registry, repo, tag, desc.digest);
    printer.step(
        "Pushed",
        &format!(
            "{} ({} uploaded)",
            pushed.pinned,
            crate::report::human_bytes(pushed.uploaded_bytes)
        ),
    );
    Ok(pushed)
}

/// Upload `blobs` of `layout` to `repo`, [`PARALLEL`] at a time (each
/// mounted from `mount_from` when it can be, skipped when present), with a
/// progress bar each. The first failure stops the others: no manifest is
/// written then.
async fn push_blobs(
    client: &Arc<Client>,
    layout: &Layout,
    name: &str,
    repo: &str,
    blobs: Vec<spec::Descriptor>,
    mount_from: Option<&str>,
    printer: &dyn Reporter,
) -> anyhow::Result<Vec<client::Upload>> {
    let mut set = tokio::task::JoinSet::new();
    let mut results: Vec<client::Upload> = Vec::new();
    let mut queue = blobs.into_iter();
    let mut running = 0;
    loop {
        while running < PARALLEL {
            let Some(b) = queue.next() else { break };
            crate::interrupt::check()?;
            let bar = printer.progress(b.size, "Pushing");
            bar.set_message(crate::digest::short(&b.digest));
            let client = Arc::clone(client);
            let repo = repo.to_string();
            let path = layout.blobs.path(&b.digest);
            let from = mount_from.map(str::to_string);
            set.spawn(async move {
                let r = client
                    .push_blob(&repo, &b.digest, b.size, &path, from.as_deref(), &bar)
                    .await;
                bar.finish_and_clear();
                r
            });
            running += 1;
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        running -= 1;
        match done {
            Ok(Ok(r)) => results.push(r),
            Ok(Err(e)) => {
                set.abort_all();
                return Err(e.context(format!(
                    "cannot push {name} to {}/{repo}; no manifest was written",
                    client.registry
                )));
            }
            Err(e) => {
                set.abort_all();
                anyhow::bail!("an upload task failed: {e}");
            }
        }
    }
    Ok(results)
}

/// What a push of image `digest` to `registry`/`repo` as `tag` did, counted
/// from each blob's and the manifest's `results`.
fn tally(
    results: &[client::Upload],
    registry: &str,
    repo: &str,
    tag: &str,
    digest: String,
) -> Pushed {
    let uploaded_bytes = results
        .iter()
        .map(|r| match r {
            client::Upload::Sent(n) => *n,
            _ => 0,
        })
        .sum();
    let count = |want: fn(&client::Upload) -> bool| results.iter().filter(|r| want(r)).count();
    let blobs_present = count(|r| *r == client::Upload::Present);
    let blobs_mounted = count(|r| *r == client::Upload::Mounted);
    let blobs_uploaded = count(|r| matches!(r, client::Upload::Sent(_)));
    let reference = format!("{registry}/{repo}:{tag}");
    let pinned = format!("{registry}/{repo}@{digest}");
    Pushed {
        function: String::new(),
        reference,
        digest,
        pinned,
        uploaded_bytes,
        blobs_uploaded,
        blobs_mounted,
        blobs_present,
    }
}
