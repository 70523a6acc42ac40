//! The native builder: runs a parsed Dockerfile without any daemon. Each
//! needed stage starts from `scratch`, an earlier stage or a base image
//! ([`super::base`]); ARG/ENV/LABEL/WORKDIR/USER/EXPOSE/ENTRYPOINT/CMD/
//! HEALTHCHECK/STOPSIGNAL/VOLUME/SHELL change the config, and COPY/ADD of
//! local files (or `--from` another stage or image) add one deterministic
//! layer each ([`super::layer`]). Instructions that must execute something
//! (RUN, ONBUILD, ADD of a URL or an archive) are found up front by
//! [`needs_builder`] so the caller can hand the Dockerfile to an external
//! builder instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

mod copy;
mod memory;
mod snapshot;
mod stage;

use copy::*;
use memory::*;
use snapshot::*;
use stage::*;

use super::base::Net;
use super::layer::{self, Entries, Entry, Source};
use super::parse::{self, Dockerfile, Instruction, Stage, Vars};
use super::spec::{
    self, Descriptor, Healthcheck, History, ImageConfig, Manifest, Platform, RootFs,
};
use super::store::BlobStore;
use crate::registry::Reference;

/// What to build.
pub(crate) struct Request<'a> {
    pub(crate) dockerfile: &'a Dockerfile,
    /// Name of the Dockerfile in messages.
    pub(crate) file: &'a str,
    /// Directory COPY sources are relative to.
    pub(crate) context: &'a Path,
    pub(crate) platform: &'a Platform,
    /// SOURCE_DATE_EPOCH or 0: every mtime and `created`.
    pub(crate) epoch: u64,
    pub(crate) build_args: &'a Vars,
    /// A directory of the context that holds exactly the files of a bundle,
    /// relative to the context (`""`: the whole context), and the bundle's
    /// digest. A COPY whose sources all lie inside it is a function of the
    /// digest alone, so its layer is looked up by digest without reading a
    /// file.
    pub(crate) bundle: Option<(String, String)>,
    /// That bundle's files, read from its archive when the context does not
    /// hold them on disk (written there when COPY needs the disk).
    pub(crate) files: Option<&'a super::context::Bundle>,
}

/// The built image, its blobs in the cache.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    pub(crate) manifest: Vec<u8>,
    pub(crate) manifest_digest: String,
    pub(crate) config_bytes: Vec<u8>,
    /// Layer descriptors (OCI media types) in order.
    pub(crate) layers: Vec<Descriptor>,
    /// The final stage's base image, when it has one.
    pub(crate) base: Option<Reference>,
}

/// The first instruction that only an external builder can carry out, in
/// the stages the target needs: (line, instruction, why).
pub(crate) fn needs_builder(df: &Dockerfile, context: &Path) -> Option<(usize, String, String)> {
    let needed = needed_stages(df, &parse::global_defaults(df));
    for s in &df.stages {
        if !needed.contains(&s.index) {
            continue;
        }
        for i in &s.instructions {
            if i.heredoc {
                return Some((
                    i.line,
                    i.original.clone(),
                    "heredocs need an external builder (--builder buildah)".into(),
                ));
            }
            match i.keyword.as_str() {
                "RUN" => {
                    return Some((
                        i.line,
                        i.original.clone(),
                        "RUN executes a command inside the image".into(),
                    ))
                }
                "ONBUILD" => {
                    return Some((
                        i.line,
                        i.original.clone(),
                        "ONBUILD records triggers only docker-style builders run".into(),
                    ))
                }
                "ADD" => {
                    let words = match &i.json {
                        Some(words) => words.clone(),
                        None => match parse::words(&i.args, None, df.escape) {
                            Ok(words) => words,
                            // Not this check's to report: the build says
                            // what is wrong with the ADD when it gets there.
                            Err(_) => continue,
                        },
                    };
                    let srcs = &words[..words.len().saturating_sub(1)];
                    for s in srcs {
                        if s.contains("://") || s.starts_with("git@") {
                            return Some((
                                i.line,
                                i.original.clone(),
                                "ADD of a URL downloads at build time".into(),
                            ));
                        }
                        if is_archive(&context.join(s.trim_start_matches('/'))) {
                            return Some((
                                i.line,
                                i.original.clone(),
                                "ADD of an archive unpacks it".into(),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    None
}

fn is_archive(p: &Path) -> bool {
    let mut magic = [0u8; 262];
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let n = f.read(&mut magic).unwrap_or(0);
    let m = &magic[..n];
    m.starts_with(&[0x1f, 0x8b])
        || m.starts_with(b"BZh")
        || m.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || m.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (n >= 262 && &m[257..262] == b"ustar")
}

/// Stages the last stage depends on (itself included). FROM and `--from`
/// names are expanded with the global ARGs `globals` first, so
/// `ARG S=build` … `COPY --from=$S` names the stage `build`.
fn needed_stages(df: &Dockerfile, globals: &Vars) -> BTreeSet<usize> {
    let mut needed = BTreeSet::new();
    let mut todo = vec![df.stages.len() - 1];
    while let Some(i) = todo.pop() {
        if !needed.insert(i) {
            continue;
        }
        let s = &df.stages[i];
        let name = |n: &str| {
            parse::expand(n, globals, df.escape)
                .unwrap_or_else(|_| n.to_string())
                .to_ascii_lowercase()
        };
        let mut refs = vec![name(&s.base)];
        for inst in &s.instructions {
            if let Some(f) = inst.flag("from") {
                refs.push(name(f));
            }
        }
        for r in refs {
            if let Some(j) = stage_index(df, &r, i) {
                todo.push(j);
            }
        }
    }
    needed
}

/// The stage named (or numbered) `name`, among those before `before`.
fn stage_index(df: &Dockerfile, name: &str, before: usize) -> Option<usize> {
    df.stages[..before]
        .iter()
        .position(|s| s.name.as_deref() == Some(name))
        // A name that is no number is no stage index either.
        .or_else(|| match name.parse::<usize>() {
            Ok(n) if n < before => Some(n),
            _ => None,
        })
}

/// One layer of a stage: its blob in the cache and history.
#[derive(Debug, Clone)]
struct LayerRef {
    desc: Descriptor,
    diff_id: String,
}

#[derive(Debug, Clone)]
struct StageOut {
    config: ImageConfig,
    layers: Vec<LayerRef>,
    base: Option<Reference>,
}

/// Build the image; blobs land in the cache.
pub(crate) fn build(req: &Request, net: &Net) -> anyhow::Result<Built> {
    let df = req.dockerfile;
    let cache = BlobStore::cache(net.env);
    let created = crate::clock::rfc3339(req.epoch);
    let mut globals = platform_args(req.platform);
    for a in &df.global_args {
        for (k, v) in arg_pairs(a, &globals, req, df.escape)? {
            // An ARG with neither a --build-arg nor a default expands to
            // nothing, as in docker.
            #[allow(
                clippy::manual_unwrap_or_default,
                reason = "the match says what no value means"
            )]
            let val = match req.build_args.get(&k).cloned().or(v) {
                Some(val) => val,
                None => String::new(),
            };
            globals.insert(k, val);
        }
    }
    let needed = needed_stages(df, &globals);
    let mut outs: Vec<Option<StageOut>> = vec![None; df.stages.len()];
    for stage in &df.stages {
        if !needed.contains(&stage.index) {
            continue;
        }
        let out = build_stage(stage, &outs, &globals, req, net, &cache, &created)?;
        outs[stage.index] = Some(out);
    }
    let last = outs
        .pop()
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("the last stage was not built"))?;
    let mut config = last.config;
    config.created = Some(created.clone());
    config.rootfs = RootFs {
        kind: "layers".into(),
        diff_ids: last.layers.iter().map(|l| l.diff_id.clone()).collect(),
    };
    let config_bytes = spec::to_bytes(&config)?;
    let config_digest = cache.put_bytes(&config_bytes)?;
    let mut annotations = BTreeMap::new();
    if let Some(b) = &last.base {
        annotations.insert(spec::BASE_NAME.to_string(), b.to_string());
        if let Some(d) = &b.digest {
            annotations.insert(spec::BASE_DIGEST.to_string(), d.clone());
        }
    }
    let layers: Vec<Descriptor> = last.layers.iter().map(|l| l.desc.clone()).collect();
    let manifest = Manifest {
        schema_version: 2,
        media_type: spec::OCI_MANIFEST.into(),
        config: Descriptor::new(spec::OCI_CONFIG, config_digest, config_bytes.len() as u64),
        layers: layers.clone(),
        annotations,
    };
    let manifest_bytes = spec::to_bytes(&manifest)?;
    let manifest_digest = cache.put_bytes(&manifest_bytes)?;
    Ok(Built {
        manifest: manifest_bytes,
        manifest_digest,
        config_bytes,
        layers,
        base: last.base,
    })
}

/// TARGETPLATFORM and friends, as BuildKit predefines them.
fn platform_args(p: &Platform) -> Vars {
    let host = Platform {
        os: "linux".into(),
        architecture: match std::env::consts::ARCH {
            "x86_64" => "amd64".into(),
            "aarch64" => "arm64".into(),
            other => other.into(),
        },
        variant: None,
        os_version: None,
    };
    let mut v = Vars::new();
    for (prefix, pl) in [("TARGET", p), ("BUILD", &host)] {
        v.insert(format!("{prefix}PLATFORM"), pl.to_string());
        v.insert(format!("{prefix}OS"), pl.os.clone());
        v.insert(format!("{prefix}ARCH"), pl.architecture.clone());
        // Empty for a platform without a variant, as in docker.
        let variant = match &pl.variant {
            Some(variant) => variant.clone(),
            None => String::new(),
        };
        v.insert(format!("{prefix}VARIANT"), variant);
    }
    v
}

/// `ARG a=1 b` as (name, default) pairs.
fn arg_pairs(
    i: &Instruction,
    vars: &Vars,
    req: &Request,
    escape: char,
) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let ws = parse::words(&i.args, Some(vars), escape).map_err(|e| err(req, i, e))?;
    Ok(ws
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect())
}

fn err(req: &Request, i: &Instruction, msg: impl std::fmt::Display) -> anyhow::Error {
    parse::line_error(req.file, i.line, format!("{}: {msg}", i.keyword)).into()
}

fn empty_config(p: &Platform) -> ImageConfig {
    ImageConfig {
        architecture: p.architecture.clone(),
        os: p.os.clone(),
        variant: p.variant.clone(),
        rootfs: RootFs {
            kind: "layers".into(),
            diff_ids: Vec::new(),
        },
        ..ImageConfig::default()
    }
}

fn env_map(config: &ImageConfig) -> Vars {
    config
        .config
        .env
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn set_env(config: &mut ImageConfig, key: &str, value: &str) {
    let entry = format!("{key}={value}");
    let prefix = format!("{key}=");
    match config
        .config
        .env
        .iter_mut()
        .find(|e| e.starts_with(&prefix))
    {
        Some(e) => *e = entry,
        None => config.config.env.push(entry),
    }
}

/// Resolve an image for FROM or COPY --from.
fn resolve_image(
    text: &str,
    platform: &Platform,
    net: &Net,
) -> anyhow::Result<(StageOut, Reference)> {
    let reference = Reference::parse(text)?;
    let b = net.base(&reference, platform)?;
    let layers = b
        .manifest
        .layers
        .iter()
        .zip(b.config.rootfs.diff_ids.iter())
        .map(|(d, diff)| LayerRef {
            desc: Descriptor::new(
                spec::oci_layer_type(&d.media_type),
                d.digest.clone(),
                d.size,
            ),
            diff_id: diff.clone(),
        })
        .collect();
    let named = Reference {
        digest: Some(b.manifest_digest.clone()),
        ..reference.clone()
    };
    Ok((
        StageOut {
            config: b.config,
            layers,
            base: Some(named.clone()),
        },
        named,
    ))
}

/// `base/rel`, either of them possibly empty (the root).
fn join(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (_, true) => base.to_string(),
        _ => format!("{base}/{rel}"),
    }
}

/// The entries of `fs` below directory `dir` (`""`: the root), each with
/// its path relative to `dir`.
fn below<'a>(fs: &'a Entries, dir: &str) -> impl Iterator<Item = (&'a str, &'a Entry)> + 'a {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    fs.range(prefix.clone()..)
        .map_while(move |(k, v)| k.strip_prefix(prefix.as_str()).map(|r| (r, v)))
}

/// Normalise a path to relative components without `.`/`..`; refuses
/// paths that climb above the root.
pub(crate) fn clean(p: &str) -> Result<String, String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("`{p}` leaves the root"));
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

/// A simple glob: `*`, `?` and `[...]` within one path segment.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn seg(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| seg(&p[1..], &n[k..])),
            Some('?') => !n.is_empty() && seg(&p[1..], &n[1..]),
            Some('[') => {
                let Some(close) = p.iter().position(|c| *c == ']') else {
                    return !n.is_empty() && n[0] == '[' && seg(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let class = &p[1..close];
                let (neg, class) = match class.first() {
                    Some('!') | Some('^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == '-' {
                        hit |= class[k] <= c && c <= class[k + 2];
                        k += 3;
                    } else {
                        hit |= class[k] == c;
                        k += 1;
                    }
                }
                hit != neg && seg(&p[close + 1..], &n[1..])
            }
            Some(&c) => n.first() == Some(&c) && seg(&p[1..], &n[1..]),
        }
    }
    let ps: Vec<&str> = pattern.split('/').collect();
    let ns: Vec<&str> = name.split('/').collect();
    ps.len() == ns.len()
        && ps.iter().zip(ns.iter()).all(|(p, n)| {
            let p: Vec<char> = p.chars().collect();
            let n: Vec<char> = n.chars().collect();
            seg(&p, &n)
        })
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_links_to_files_outside_the_copied_paths_keep_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BlobStore::new(dir.path());
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(4);
        h.set_mode(0o755);
        b.append_data(&mut h, "usr/lib/real", &b"data"[..]).unwrap();
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Link);
        l.set_size(0);
        l.set_mode(0o755);
        b.append_link(&mut l, "app/tool", "usr/lib/real").unwrap();
        let bytes = b.into_inner().unwrap();
        let digest = cache.put_bytes(&bytes).unwrap();
        let layer = LayerRef {
            desc: Descriptor::new(spec::OCI_LAYER_TAR, digest.clone(), bytes.len() as u64),
            diff_id: digest,
        };
        let fs = snapshot(&[layer], &cache, &["app".to_string()]).unwrap();
        let tool = fs.get("app/tool").expect("the hard link is kept");
        match &tool.source {
            Source::Bytes(b) => assert_eq!(b.as_slice(), b"data"),
            other => panic!("{other:?}"),
        }
        assert!(!fs.contains_key("usr/lib/real"));
    }

    #[test]
    fn globs_and_clean_paths() {
        assert!(glob_match("*.js", "index.js"));
        assert!(glob_match("src/*.ts", "src/a.ts"));
        assert!(!glob_match("src/*.ts", "src/a/b.ts"));
        assert!(glob_match("pubspec.*", "pubspec.yaml"));
        assert!(glob_match("f[0-9]", "f7"));
        assert!(!glob_match("f[!0-9]", "f7"));
        assert_eq!(clean("/app/./x/../y/").unwrap(), "app/y");
        assert!(clean("../etc").is_err());
    }

    #[test]
    fn needed_stages_follow_copy_from() {
        let df = parse::parse(
            "FROM scratch AS a\nFROM scratch AS unused\nRUN x\nFROM scratch\nCOPY --from=a /x /x\n",
            "D",
        )
        .unwrap();
        assert_eq!(
            needed_stages(&df, &Vars::new())
                .into_iter()
                .collect::<Vec<_>>(),
            [0, 2]
        );
        assert!(needs_builder(&df, Path::new("/nonexistent")).is_none());
        let df = parse::parse("FROM scratch\nCOPY a /a\nRUN echo\n", "D").unwrap();
        assert_eq!(needs_builder(&df, Path::new("/x")).map(|n| n.0), Some(3));
    }
}
