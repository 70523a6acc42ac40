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

/// Arguments after the runtime binary for one worker.
pub(crate) fn args(
    runtime: &str,
    shims: &Path,
    entry: &Path,
    memory_mb: i64,
    import_map: Option<&Path>,
) -> Vec<String> {
    let entry = entry.display().to_string();
    match runtime {
        "deno" => {
            let mut a = vec!["run".into(), "-A".into(), "--no-prompt".into()];
            if let Some(m) = import_map {
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
