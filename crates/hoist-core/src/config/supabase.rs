//! A Supabase project as the Supabase CLI reads it: `supabase/config.toml`'s
//! `[functions.<name>]` tables (`entrypoint` and `import_map` relative to
//! `supabase/`, `static_files` globs, `verify_jwt`, `enabled`), the
//! functions it deploys (every `supabase/functions/<name>/index.ts` whose
//! name matches `^[A-Za-z][A-Za-z0-9_-]*$`, plus every table), and the
//! import map each one uses, in the CLI's order. hoist.yaml keeps hoist's
//! own settings and wins where both say something.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Problem;

/// `supabase/`, relative to the project root.
pub(crate) const DIR: &str = "supabase";

/// Index files edge-runtime serves from a function directory.
pub(crate) const INDEX_FILES: [&str; 5] = [
    "index.ts",
    "index.tsx",
    "index.js",
    "index.jsx",
    "index.mjs",
];

/// One `[functions.<name>]` table.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FunctionToml {
    #[serde(default)]
    pub(crate) enabled: Option<bool>,
    #[serde(default)]
    pub(crate) verify_jwt: Option<bool>,
    #[serde(default)]
    pub import_map: Option<String>,
    #[serde(default)]
    pub entrypoint: Option<String>,
    #[serde(default)]
    pub(crate) static_files: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigToml {
    #[serde(default)]
    functions: BTreeMap<String, FunctionToml>,
}

/// A read `supabase/config.toml`.
#[derive(Debug, Clone, Default)]
pub struct SupabaseConfig {
    /// `supabase/` (absolute): the base of its relative paths.
    pub dir: PathBuf,
    pub functions: BTreeMap<String, FunctionToml>,
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Read `<root>/supabase/config.toml` when it exists. The error is its
/// problem (invalid TOML, with the file, line and column).
pub fn load(root: &Path) -> Result<Option<SupabaseConfig>, Box<Problem>> {
    let dir = root.join(DIR);
    let file = dir.join("config.toml");
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Ok(None);
    };
    let parsed: ConfigToml = toml::from_str(&text).map_err(|e| {
        let (line, column) = e.span().map_or((None, None), |s| {
            let (l, c) = line_col(&text, s.start);
            (Some(l), Some(c))
        });
        let message = e.message().trim().to_string();
        Box::new(Problem {
            file: Some(file.clone()),
            ..Problem::new(
                line,
                column,
                format!("not valid TOML: {message}"),
                Some("fix supabase/config.toml there (`supabase start` reads it too)".into()),
            )
        })
    })?;
    Ok(Some(SupabaseConfig {
        dir,
        functions: parsed.functions,
    }))
}

/// Whether `name` is a function name the Supabase CLI accepts (hoist's
/// one rule, [`hoist_api::FunctionName`]).
pub fn valid_name(name: &str) -> bool {
    hoist_api::FunctionName::parse(name).is_ok()
}

/// A function of a Supabase project, as `supabase functions deploy` finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub name: String,
    /// Directory relative to the project root.
    pub path: PathBuf,
    /// The entrypoint relative to the function directory, when not `index.ts`.
    pub entrypoint: Option<String>,
}

/// The functions of the Supabase project at `root`, sorted by name, and
/// notes about the directories and tables left out.
pub fn discover(root: &Path, cfg: Option<&SupabaseConfig>) -> (Vec<Found>, Vec<String>) {
    let mut out: BTreeMap<String, Found> = BTreeMap::new();
    let mut notes = Vec::new();
    let fdir = root.join(DIR).join("functions");
    if let Ok(rd) = std::fs::read_dir(&fdir) {
        let mut dirs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let Some(name) = d.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let Some(index) = INDEX_FILES.iter().find(|f| d.join(f).is_file()) else {
                continue;
            };
            if !valid_name(&name) {
                // `_shared`, `_lib`: shared code, bundled where imported.
                continue;
            }
            out.insert(
                name.clone(),
                Found {
                    path: Path::new(DIR).join("functions").join(&name),
                    entrypoint: (*index != "index.ts").then(|| index.to_string()),
                    name,
                },
            );
        }
    }
    if let Some(cfg) = cfg {
        for (name, t) in &cfg.functions {
            if !valid_name(name) {
                notes.push(format!(
                    "skipped [functions.{name}] in supabase/config.toml: the name must match ^[A-Za-z][A-Za-z0-9_-]*$"
                ));
                continue;
            }
            if out.contains_key(name) || t.entrypoint.is_some() {
                let path = Path::new(DIR).join("functions").join(name);
                let e = out.entry(name.clone()).or_insert(Found {
                    name: name.clone(),
                    path: path.clone(),
                    entrypoint: None,
                });
                if let Some(ep) = &t.entrypoint {
                    let abs = super::normalize(&cfg.dir.join(ep));
                    e.entrypoint = Some(relative(&root.join(&e.path), &abs));
                }
            }
        }
        out.retain(|name, _| {
            let off = cfg.functions.get(name).and_then(|t| t.enabled) == Some(false);
            if off {
                notes.push(format!(
                    "skipped function `{name}`: `enabled = false` in supabase/config.toml"
                ));
            }
            !off
        });
    }
    (out.into_values().collect(), notes)
}

/// The relative path from directory `from` to `to` (both absolute).
pub fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..f.len() {
        parts.push("..".into());
    }
    for c in &t[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

/// The import map a function uses when hoist.yaml names none, in the
/// Supabase CLI's order: config.toml's `import_map`; else the function's
/// `deno.json`, `deno.jsonc`, `import_map.json`; else
/// `supabase/functions/import_map.json`; else (as Deno finds its config
/// upward) `supabase/functions/deno.json` or `deno.jsonc`.
pub fn import_map_for(root: &Path, dir: &Path, table: Option<&FunctionToml>) -> Option<PathBuf> {
    let supa = root.join(DIR);
    if let Some(m) = table.and_then(|t| t.import_map.as_ref()) {
        return Some(super::normalize(&supa.join(m)));
    }
    for f in ["deno.json", "deno.jsonc", "import_map.json"] {
        if dir.join(f).is_file() {
            return Some(dir.join(f));
        }
    }
    let shared = supa.join("functions");
    if dir.parent() != Some(shared.as_path()) {
        return None;
    }
    ["import_map.json", "deno.json", "deno.jsonc"]
        .into_iter()
        .map(|f| shared.join(f))
        .find(|p| p.is_file())
}

/// The files under `supabase/` matching `globs` (gitignore syntax,
/// relative to `supabase/`), sorted; and the globs that matched nothing.
pub(crate) fn static_files(
    supa: &Path,
    globs: &[String],
) -> anyhow::Result<(Vec<PathBuf>, Vec<String>)> {
    use ignore::gitignore::GitignoreBuilder;
    let mut files = Vec::new();
    let mut unmatched = Vec::new();
    for g in globs {
        let mut b = GitignoreBuilder::new(supa);
        let line = g.trim_start_matches("./");
        b.add_line(None, line)
            .map_err(|e| anyhow::anyhow!("invalid static_files glob `{g}`: {e}"))?;
        let set = b
            .build()
            .map_err(|e| anyhow::anyhow!("invalid static_files glob `{g}`: {e}"))?;
        let mut any = false;
        let walk = ignore::WalkBuilder::new(supa)
            .standard_filters(false)
            .follow_links(false)
            .build();
        for e in walk.filter_map(Result::ok) {
            if e.file_type().is_some_and(|t| t.is_file())
                && set.matched_path_or_any_parents(e.path(), false).is_ignore()
            {
                any = true;
                files.push(e.path().to_path_buf());
            }
        }
        if !any {
            unmatched.push(g.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok((files, unmatched))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in ["hello", "update_user", "A-b_9", "x"] {
            assert!(valid_name(n), "{n}");
        }
        for n in ["_shared", "-x", "9a", "a.b", "", "a b"] {
            assert!(!valid_name(n), "{n}");
        }
    }

    #[test]
    fn positions() {
        assert_eq!(line_col("a\nbc\nd", 4), (2, 3));
        assert_eq!(line_col("abc", 0), (1, 1));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/p/a/b"), Path::new("/p/c/x.ts")),
            "../../c/x.ts"
        );
        assert_eq!(relative(Path::new("/p/a"), Path::new("/p/a/x.ts")), "x.ts");
    }
}
