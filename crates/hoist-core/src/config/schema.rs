//! The shape of hoist.yaml as serde types. Unknown keys are errors
//! (`deny_unknown_fields`), so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Project name; prefixes image names and app names on targets.
    pub project: String,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default, deserialize_with = "unique_map")]
    pub functions: BTreeMap<String, FunctionConfig>,
    /// Directory of Dockerfile templates that override the built-in ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub templates: Option<PathBuf>,
    #[serde(default)]
    pub bundle: BundleSettings,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub registry: RegistryConfig,
    #[serde(default)]
    pub builder: BuilderChoice,
    #[serde(default)]
    pub targets: TargetsConfig,
    /// Settings for Supabase projects (docs/supabase.md).
    #[serde(default, skip_serializing_if = "SupabaseSettings::is_default")]
    pub(crate) supabase: SupabaseSettings,
}

/// `supabase:` in hoist.yaml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SupabaseSettings {
    /// One image per deno function (the default), or one image for the
    /// whole project with a `main` router service.
    #[serde(default)]
    pub(crate) image: SupabaseImage,
}

impl SupabaseSettings {
    fn is_default(&self) -> bool {
        *self == SupabaseSettings::default()
    }
}

/// `supabase.image`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SupabaseImage {
    /// Each deno function gets its own edge-runtime image.
    #[default]
    PerFunction,
    /// One edge-runtime image holds every deno function behind a router.
    Project,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Runtime>,
    #[serde(default)]
    pub(crate) resources: Resources,
    #[serde(default, deserialize_with = "unique_map")]
    pub(crate) env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    /// Base image per runtime, overriding the template's default.
    #[serde(default)]
    pub(crate) base_images: BTreeMap<Runtime, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Deno,
    Bun,
    Node,
    Dart,
    Dockerfile,
}

impl Runtime {
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Deno => "deno",
            Runtime::Bun => "bun",
            Runtime::Node => "node",
            Runtime::Dart => "dart",
            Runtime::Dockerfile => "dockerfile",
        }
    }

    /// The entrypoint used when a function does not name one (for node,
    /// when its directory says nothing else: see [`node_entrypoint`]).
    pub(crate) fn default_entrypoint(self) -> &'static str {
        match self {
            Runtime::Deno => "index.ts",
            Runtime::Bun => "index.ts",
            Runtime::Node => "index.js",
            Runtime::Dart => "bin/main.dart",
            Runtime::Dockerfile => "Dockerfile",
        }
    }

    /// Whether node_modules belongs in the bundle for this runtime.
    pub(crate) fn bundles_node_modules(self) -> bool {
        matches!(self, Runtime::Node)
    }
}

/// A node function's entrypoint when hoist.yaml names none, as node itself
/// would start it: package.json's `main`; else the first of `index.js`,
/// `src/index.js` and `dist/index.js` (built output, kept for projects that
/// commit it) that exists; else `index.js`.
pub(crate) fn node_entrypoint(dir: &std::path::Path) -> String {
    let main = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("main").and_then(|m| m.as_str()).map(str::to_string));
    if let Some(m) = main {
        return m.trim_start_matches("./").to_string();
    }
    ["index.js", "src/index.js", "dist/index.js"]
        .into_iter()
        .find(|e| dir.join(e).is_file())
        .unwrap_or("index.js")
        .to_string()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Resources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) memory_mb: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cpus: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_concurrent: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) warm_workers: Option<u32>,
}

impl Resources {
    /// Fill unset values from `other`.
    pub(crate) fn or(&self, other: &Resources) -> Resources {
        Resources {
            memory_mb: self.memory_mb.or(other.memory_mb),
            cpus: self.cpus.or(other.cpus),
            timeout_seconds: self.timeout_seconds.or(other.timeout_seconds),
            max_concurrent: self.max_concurrent.or(other.max_concurrent),
            warm_workers: self.warm_workers.or(other.warm_workers),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionConfig {
    /// Directory of the function, relative to hoist.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) runtime: Option<Runtime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) entrypoint: Option<String>,
    /// Version policy: `content` (bundle digest), `git` (commit) or a literal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    #[serde(default, deserialize_with = "unique_map")]
    pub(crate) env: BTreeMap<String, String>,
    /// Names of secrets the function reads; values live on the target only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) secrets: Vec<String>,
    #[serde(default)]
    pub(crate) resources: Resources,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) exclude: Vec<String>,
    /// Deno import map, relative to the function directory (it may lie
    /// elsewhere in the project, e.g. `../import_map.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) import_map: Option<String>,
    /// The DNS label used where the target needs one (image repository),
    /// instead of the one derived from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) dns_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) base_image: Option<String>,
    /// HTTP port the function listens on inside its image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) port: Option<u16>,
    /// Path whose 2xx answer means the function is healthy (the deploy
    /// health gate), e.g. `/healthz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) health_path: Option<String>,
    /// How the function runs on the Fly target (docs/fly.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fly: Option<super::fly::FlyFunction>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSettings {
    /// Largest compressed bundle accepted, in MiB.
    #[serde(default = "default_limit")]
    pub(crate) limit_mb: u64,
}

fn default_limit() -> u64 {
    50
}

impl Default for BundleSettings {
    fn default() -> Self {
        BundleSettings {
            limit_mb: default_limit(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StorageBackend {
    #[default]
    Local,
    S3,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    #[serde(default)]
    pub(crate) backend: StorageBackend,
    /// Local store directory (backend: local), relative to hoist.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) s3: Option<S3Config>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub path_style: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// Registry host (and optional namespace), e.g. `registry.fly.io` or
    /// `127.0.0.1:5000/team`. Unset: images stay in the local OCI layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) url: Option<String>,
    /// Prefix put before each function's repository name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) prefix: Option<String>,
    /// Use plain HTTP (loopback registries only).
    #[serde(default)]
    pub(crate) insecure: bool,
    /// Local OCI image layout directory, relative to hoist.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) layout: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuilderChoice {
    #[default]
    Auto,
    Native,
    Docker,
    Podman,
    Buildah,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fly: Option<FlyConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) selfhosted: Option<SelfhostedConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlyConfig {
    /// Organization slug that owns the apps.
    pub(crate) org: String,
    /// Prefix of each function's app name (default: `<project>-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) app_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// Machines API base URL (default: `FLY_FLAPS_BASE_URL`, else
    /// https://api.machines.dev).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_url: Option<String>,
    /// Platform API base URL, for logs (default: `FLY_API_BASE_URL`, else
    /// https://api.fly.io).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) platform_url: Option<String>,
    /// Image registry host (default: `FLY_REGISTRY_HOST`, else
    /// registry.fly.io).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) registry: Option<String>,
    /// Default strategy of every function (default: rolling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) strategy: Option<super::fly::Strategy>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SelfhostedConfig {
    /// Base URL of the functions backend API.
    pub(crate) url: String,
}

/// Deserialize a map, refusing a key that appears twice (YAML parsers
/// otherwise keep the last one and silently drop the first).
pub(crate) fn unique_map<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Visit<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Visit(std::marker::PhantomData))
}
