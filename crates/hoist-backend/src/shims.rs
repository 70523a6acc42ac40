//! The per-runtime shim scripts (templates/backend/, embedded) and the
//! command line that runs a worker: the shim imports the function's
//! entrypoint and either serves its exported handler on `$PORT` or lets the
//! program listen there itself.

use std::path::{Path, PathBuf};

use anyhow::Context;

const NODE: &str = include_str!("../../../templates/backend/node-shim.mjs");
const DENO: &str = include_str!("../../../templates/backend/deno-shim.ts");
const BUN: &str = include_str!("../../../templates/backend/bun-shim.ts");
const NODE_CA: &str = include_str!("../../../templates/backend/node-ca.mjs");

/// Write the shims (and node's CA helper, see `nodeca`) under
/// `<data>/shims/`, replacing older copies.
pub(crate) fn install(data: &Path) -> anyhow::Result<PathBuf> {
    let dir = data.join("shims");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in [
        ("node-shim.mjs", NODE),
        ("deno-shim.ts", DENO),
        ("bun-shim.ts", BUN),
        ("node-ca.mjs", NODE_CA),
    ] {
        hoist_core::fsx::write_atomic(&dir.join(name), text.as_bytes())?;
    }
    Ok(dir)
}

/// What a deno worker runs with besides its entrypoint: the deno.json
/// (`--config`) and a separate import map (`--import-map`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DenoFiles {
    pub(crate) config: Option<PathBuf>,
    pub(crate) import_map: Option<PathBuf>,
}

impl DenoFiles {
    /// Deno finds its configuration upward from the main module, and the
    /// shim, not the function, is the main module: so the nearest
    /// `deno.json` (else `deno.jsonc`) upward from the entrypoint, never
    /// above the version's directory `dir`, is given as `--config`, as
    /// `deno run <entrypoint>` would find it (a workspace root above it
    /// included, and its `compilerOptions`). An import map that is itself
    /// a deno.json is that configuration.
    pub(crate) fn find(dir: &Path, entry: &Path, import_map: Option<PathBuf>) -> DenoFiles {
        let is_config = |p: &Path| {
            matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("deno.json") | Some("deno.jsonc")
            )
        };
        if let Some(m) = import_map.as_deref().filter(|m| is_config(m)) {
            return DenoFiles {
                config: Some(m.to_path_buf()),
                import_map: None,
            };
        }
        let config = entry
            .ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(dir))
            .flat_map(|d| [d.join("deno.json"), d.join("deno.jsonc")])
            .find(|f| f.is_file());
        DenoFiles { config, import_map }
    }
}

/// Arguments after the runtime binary for one worker.
pub(crate) fn args(
    runtime: &str,
    shims: &Path,
    entry: &Path,
    memory_mb: i64,
    deno: &DenoFiles,
) -> Vec<String> {
    let entry = entry.display().to_string();
    match runtime {
        "deno" => {
            let mut a = vec!["run".into(), "-A".into(), "--no-prompt".into()];
            if let Some(c) = &deno.config {
                // The version's directory is read-only to the function's
                // code in spirit: no lockfile is written beside the config.
                a.push(format!("--config={}", c.display()));
                a.push("--no-lock".into());
            }
            if let Some(m) = &deno.import_map {
                a.push(format!("--import-map={}", m.display()));
            }
            a.push(format!("--v8-flags=--max-old-space-size={memory_mb}"));
            a.push(shims.join("deno-shim.ts").display().to_string());
            a.push(entry);
            a
        }
        "bun" => vec![
            "run".into(),
            shims.join("bun-shim.ts").display().to_string(),
            entry,
        ],
        _ => vec![
            format!("--max-old-space-size={memory_mb}"),
            shims.join("node-shim.mjs").display().to_string(),
            entry,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deno_config_is_found_upward_from_the_entrypoint() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("v1");
        let entry = dir.join("supabase/functions/hello/index.ts");
        std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
        assert_eq!(DenoFiles::find(&dir, &entry, None), DenoFiles::default());
        std::fs::write(t.path().join("deno.json"), "{}").unwrap();
        assert_eq!(DenoFiles::find(&dir, &entry, None), DenoFiles::default());
        std::fs::write(dir.join("deno.json"), "{}").unwrap();
        let map = dir.join("supabase/functions/import_map.json");
        let found = DenoFiles::find(&dir, &entry, Some(map.clone()));
        assert_eq!(found.config, Some(dir.join("deno.json")));
        assert_eq!(found.import_map, Some(map));
        let own = entry.with_file_name("deno.json");
        let found = DenoFiles::find(&dir, &entry, Some(own.clone()));
        assert_eq!((found.config, found.import_map), (Some(own), None));
    }
}
