//! Base images: resolve a reference to the manifest for the wanted platform
//! (through an index or manifest list when there is one), and make its
//! config and layers available in the user cache, every blob checked
//! against its digest. A tag, once resolved, is remembered per platform in
//! the cache (`oci/refs/`), so later builds need no registry at all; a
//! digest reference is looked up in the cache directly.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;

use super::spec::{self, ImageConfig, Index, Manifest, Platform};
use super::store::{self, BlobStore};
use crate::env::Env;
use crate::image::ImageError;
use crate::registry::client::Unreachable;
use crate::registry::{Client, Reference};
use crate::report::Reporter;

/// The base registries found unreachable during one command, by host,
/// with what the probe said. A command makes one and passes it to every
/// build, so a registry that cannot be reached is asked once, not once per
/// function (each ask can cost seconds of DNS and connect timeouts).
#[derive(Debug, Default)]
pub struct Reachability {
    down: std::sync::Mutex<HashMap<String, String>>,
}

impl Reachability {
    /// The error for `registry` when it was already found unreachable.
    pub(crate) fn known_down(&self, registry: &str) -> anyhow::Result<Option<anyhow::Error>> {
        let down = self
            .down
            .lock()
            .map_err(|_| anyhow::anyhow!("registry reachability map poisoned"))?;
        Ok(down.get(registry).map(|detail| {
            anyhow::Error::new(Unreachable {
                registry: registry.to_string(),
                detail: detail.clone(),
            })
            .context(ImageError::RegistryDown {
                registry: registry.to_string(),
            })
        }))
    }

    /// Remember the registry `err` says could not be reached, if any.
    pub(crate) fn record(&self, err: &anyhow::Error) -> anyhow::Result<()> {
        if let Some(u) = err.chain().find_map(|c| c.downcast_ref::<Unreachable>()) {
            self.down
                .lock()
                .map_err(|_| anyhow::anyhow!("registry reachability map poisoned"))?
                .insert(u.registry.clone(), u.detail.clone());
        }
        Ok(())
    }

    /// Ask `registry` with `probe` unless it is known to be unreachable;
    /// an unreachable answer is remembered.
    pub(crate) async fn ask<T>(
        &self,
        registry: &str,
        probe: impl std::future::Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        if let Some(e) = self.known_down(registry)? {
            return Err(e);
        }
        let res = probe.await;
        if let Err(e) = &res {
            self.record(e)?;
        }
        res
    }
}

/// Network settings and clients shared by one build.
pub(crate) struct Net<'a> {
    /// `registry.insecure` from hoist.yaml.
    pub(crate) insecure: bool,
    /// The host of `registry.url`, where hoist's own token may be sent.
    pub(crate) configured: Option<String>,
    pub(crate) printer: &'a dyn Reporter,
    /// The command's record of unreachable registries.
    pub(crate) reach: &'a Reachability,
    /// Where credentials and the user cache are found.
    pub(crate) env: &'a Env,
    clients: std::sync::Mutex<HashMap<String, Arc<Client>>>,
    /// The bases fetched for this build, by reference and platform.
    fetched: std::sync::Mutex<HashMap<String, Base>>,
}

/// A base image a build needs that neither this build fetched nor the
/// cache holds: the builder stops with it, the caller fetches it (async,
/// from its registry) and builds again.
#[derive(Debug, thiserror::Error)]
#[error("base image {reference} for {platform} is not fetched yet")]
pub(crate) struct NotFetched {
    pub(crate) reference: Reference,
    pub(crate) platform: Platform,
}

impl<'a> Net<'a> {
    pub(crate) fn new(
        insecure: bool,
        configured: Option<String>,
        printer: &'a dyn Reporter,
        reach: &'a Reachability,
        env: &'a Env,
    ) -> anyhow::Result<Net<'a>> {
        Ok(Net {
            insecure,
            configured,
            printer,
            reach,
            env,
            clients: Default::default(),
            fetched: Default::default(),
        })
    }

    /// The base `reference` for `platform` from this build's fetches or
    /// the cache, without the network; else a [`NotFetched`] error.
    pub(crate) fn base(&self, reference: &Reference, platform: &Platform) -> anyhow::Result<Base> {
        let key = ref_key(reference, platform);
        let fetched = self
            .fetched
            .lock()
            .map_err(|_| anyhow::anyhow!("fetched base map poisoned"))?;
        if let Some(b) = fetched.get(&key) {
            return Ok(b.clone());
        }
        drop(fetched);
        cached(reference, platform, self.env).ok_or_else(|| {
            NotFetched {
                reference: reference.clone(),
                platform: platform.clone(),
            }
            .into()
        })
    }

    /// Fetch what `missing` names from its registry, for [`Net::base`].
    pub(crate) async fn fetch(&self, missing: &NotFetched) -> anyhow::Result<()> {
        let base = resolve(&missing.reference, &missing.platform, self).await?;
        self.fetched
            .lock()
            .map_err(|_| anyhow::anyhow!("fetched base map poisoned"))?
            .insert(ref_key(&missing.reference, &missing.platform), base);
        Ok(())
    }

    /// The client for `registry`, made once per build.
    pub(crate) fn client(&self, registry: &str) -> anyhow::Result<Arc<Client>> {
        let mut map = self
            .clients
            .lock()
            .map_err(|_| anyhow::anyhow!("client map poisoned"))?;
        if let Some(c) = map.get(registry) {
            return Ok(Arc::clone(c));
        }
        let insecure = self.insecure && self.configured.as_deref() == Some(registry);
        let c = Arc::new(Client::new(
            registry,
            insecure,
            self.configured.as_deref(),
            self.env,
        )?);
        map.insert(registry.to_string(), Arc::clone(&c));
        Ok(c)
    }
}

/// A base image ready to build on.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    /// Digest of the platform's manifest.
    pub(crate) manifest_digest: String,
    pub(crate) manifest: Manifest,
    pub(crate) config: ImageConfig,
}

fn ref_key(reference: &Reference, platform: &Platform) -> String {
    spec::digest_of(format!("{reference}|{platform}").as_bytes())
        .trim_start_matches("sha256:")
        .to_string()
}

/// What the user cache holds of `reference` for `platform`, whole, with
/// no network: a digest reference by its digest, a tag by the digest it
/// was resolved to before. `None` when anything is missing (or a cached
/// blob does not read back), and the registry is asked.
pub(crate) fn cached(reference: &Reference, platform: &Platform, env: &Env) -> Option<Base> {
    let cache = BlobStore::cache(env);
    let key_file = cache.root.join("refs").join(ref_key(reference, platform));
    // silent: a tag never resolved here has no file; the registry is asked.
    let known = match &reference.digest {
        Some(d) => Some(d.clone()),
        None => std::fs::read_to_string(&key_file)
            .ok()
            .map(|s| s.trim().to_string()),
    };
    let d = known.filter(|d| store::is_digest(d) && cache.has(d))?;
    // silent: a cached blob that does not read back is fetched again.
    from_cache(reference, &d, platform, &cache).ok().flatten()
}

/// Resolve `reference` for `platform`, pulling what the cache lacks.
pub(crate) async fn resolve(
    reference: &Reference,
    platform: &Platform,
    net: &Net<'_>,
) -> anyhow::Result<Base> {
    // 1. What the cache already knows.
    if let Some(base) = cached(reference, platform, net.env) {
        return Ok(base);
    }
    let cache = BlobStore::cache(net.env);
    let key_file = cache.root.join("refs").join(ref_key(reference, platform));
    // 2. The registry.
    let client = net.client(&reference.registry)?;
    let repo = reference.repository.clone();
    let not_found = || ImageError::BaseNotFound {
        reference: reference.to_string(),
        registry: reference.registry.to_string(),
    };
    let top = net
        .reach
        .ask(
            &reference.registry,
            client.manifest(&repo, reference.manifest_ref()),
        )
        .await
        .with_context(|| format!("cannot resolve base image {reference}"))?
        .ok_or_else(not_found)?;
    cache.put_bytes(&top.bytes)?;
    let manifest_digest = if spec::is_index(&top.media_type) {
        let index: Index = serde_json::from_slice(&top.bytes).with_context(|| {
            format!("{reference}: the registry sent an index that does not parse")
        })?;
        let chosen = pick(&index, platform, reference)?;
        let m = client
            .manifest(&repo, &chosen)
            .await?
            .ok_or_else(not_found)?;
        cache.put_bytes(&m.bytes)?;
        chosen
    } else if spec::is_manifest(&top.media_type) {
        top.digest.clone()
    } else {
        return Err(ImageError::BaseNotImage {
            reference: reference.to_string(),
            media_type: top.media_type.to_string(),
        }
        .into());
    };
    let manifest: Manifest = serde_json::from_slice(&cache.read(&manifest_digest)?)
        .with_context(|| format!("{reference}: the manifest does not parse"))?;
    check_descriptors(&manifest, reference)?;
    // Config and layers, each verified on the way into the cache.
    let mut wanted = vec![manifest.config.clone()];
    wanted.extend(
        manifest
            .layers
            .iter()
            .filter(|l| l.media_type != spec::DOCKER_FOREIGN_LAYER)
            .cloned(),
    );
    let missing: Vec<_> = wanted
        .into_iter()
        .filter(|d| !cache.has(&d.digest))
        .collect();
    if !missing.is_empty() {
        let total: u64 = missing.iter().map(|d| d.size).sum();
        net.printer.step(
            "Pulling",
            &format!("{reference} ({})", crate::report::human_bytes(total)),
        );
        let bar = net.printer.progress(total, "Pulling");
        for d in &missing {
            crate::interrupt::check()?;
            client
                .blob_to_file(&repo, &d.digest, Some(d.size), &cache.path(&d.digest), &bar)
                .await?;
        }
        bar.finish_and_clear();
    }
    let base = from_cache(reference, &manifest_digest, platform, &cache)?
        .ok_or_else(|| anyhow::anyhow!("{reference}: the cache lost a blob just written"))?;
    if reference.digest.is_none() {
        crate::fsx::write_atomic(&key_file, manifest_digest.as_bytes())?;
    }
    Ok(base)
}

/// The entry of `index` for `platform`, or an error listing what it has.
fn pick(index: &Index, platform: &Platform, reference: &Reference) -> anyhow::Result<String> {
    let found = index
        .manifests
        .iter()
        .filter(|d| spec::is_manifest(&d.media_type) || d.media_type.is_empty())
        .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)));
    match found {
        Some(d) => {
            check_digest(&d.digest, reference)?;
            Ok(d.digest.clone())
        }
        None => {
            let have: Vec<String> = index
                .manifests
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .filter(|p| p.os != "unknown")
                .map(|p| p.to_string())
                .collect();
            Err(ImageError::NoPlatformImage {
                reference: reference.to_string(),
                platform: platform.to_string(),
                have,
            }
            .into())
        }
    }
}

/// Load a base entirely from the cache: `Ok(None)` when a blob is missing.
fn from_cache(
    reference: &Reference,
    digest: &str,
    platform: &Platform,
    cache: &BlobStore,
) -> anyhow::Result<Option<Base>> {
    let bytes = cache.read(digest)?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes)?;
    // `mediaType` is optional in OCI: without one, `manifests` marks an index.
    let is_index = match doc["mediaType"].as_str().filter(|m| !m.is_empty()) {
        Some(media) => spec::is_index(media),
        None => doc.get("manifests").is_some(),
    };
    let manifest_digest = if is_index {
        let index: Index = serde_json::from_slice(&bytes)?;
        let d = pick(&index, platform, reference)?;
        if !cache.has(&d) {
            return Ok(None);
        }
        d
    } else {
        digest.to_string()
    };
    let manifest: Manifest = serde_json::from_slice(&cache.read(&manifest_digest)?)
        .with_context(|| format!("{reference}: the cached manifest does not parse"))?;
    check_descriptors(&manifest, reference)?;
    if !cache.has(&manifest.config.digest)
        || manifest
            .layers
            .iter()
            .any(|l| l.media_type != spec::DOCKER_FOREIGN_LAYER && !cache.has(&l.digest))
    {
        return Ok(None);
    }
    let config: ImageConfig = serde_json::from_slice(&cache.read(&manifest.config.digest)?)
        .with_context(|| format!("{reference}: the image config does not parse"))?;
    let have = Platform {
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        variant: config.variant.clone(),
        os_version: None,
    };
    if !platform.matches(&have) {
        return Err(ImageError::WrongPlatform {
            reference: reference.to_string(),
            have: have.to_string(),
            platform: platform.to_string(),
        }
        .into());
    }
    Ok(Some(Base {
        manifest_digest,
        manifest,
        config,
    }))
}

/// Refuse a digest that is not `sha256:` and 64 lower-case hex digits
/// before it names a file or a URL: manifests come from the network.
fn check_digest(digest: &str, reference: &Reference) -> anyhow::Result<()> {
    if store::is_digest(digest) {
        return Ok(());
    }
    let shown: String = digest.chars().take(80).collect();
    Err(ImageError::BadDigest {
        reference: reference.to_string(),
        shown: shown.escape_debug().to_string(),
    }
    .into())
}

/// [`check_digest`] for a manifest's config and layers.
fn check_descriptors(manifest: &Manifest, reference: &Reference) -> anyhow::Result<()> {
    std::iter::once(&manifest.config)
        .chain(&manifest.layers)
        .try_for_each(|d| check_digest(&d.digest, reference))
}
