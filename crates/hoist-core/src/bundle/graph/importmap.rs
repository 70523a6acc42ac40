//! Import maps as Deno and edge-runtime read them: a JSON file with
//! `imports` (exact keys, and prefix keys ending in `/`) and `scopes`, or a
//! `deno.json` / `deno.jsonc` whose own `imports` are the map or whose
//! `importMap` names the file that is. Values are resolved against the
//! directory of the file that holds them, as URLs are. `deno.json` and
//! `deno.jsonc` may hold comments and trailing commas (JSONC); a plain
//! import map must be strict JSON, as edge-runtime parses it. Errors carry
//! the file, line and column.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::resolve::{normalize, Target};

/// A problem with an import map or deno.json, at a position when known.
#[derive(Debug, Clone)]
pub(crate) struct MapError {
    pub(crate) file: PathBuf,
    pub(crate) line: Option<usize>,
    pub(crate) column: Option<usize>,
    pub(crate) message: String,
    pub(crate) hint: String,
}

/// A loaded import map.
#[derive(Debug, Clone)]
pub struct ImportMap {
    /// The file holding the mappings (what `--import-map` is given).
    pub(crate) file: PathBuf,
    /// The deno.json that named `file` through `importMap`, if any.
    pub(crate) config: Option<PathBuf>,
    /// Mappings, longest key first.
    imports: Vec<(String, String)>,
    /// Scope prefix (absolute path, `/`-terminated) → mappings.
    scopes: Vec<(String, Vec<(String, String)>)>,
}

/// Whether a file is read as JSONC (Deno's config files are).
fn is_jsonc(file: &Path) -> bool {
    matches!(
        file.file_name().and_then(|n| n.to_str()),
        Some("deno.json") | Some("deno.jsonc")
    ) || file.extension().is_some_and(|e| e == "jsonc")
}

/// Replace comments and trailing commas with spaces, keeping every newline
/// and byte offset so parse errors still point at the right line and column.
pub(crate) fn strip_jsonc(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                for o in &mut out[i..end] {
                    if *o != b'\n' {
                        *o = b' ';
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Trailing commas, on the comment-free text.
    let mut in_str = false;
    let mut last_comma: Option<usize> = None;
    let mut i = 0;
    while i < out.len() {
        let c = out[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
            last_comma = None;
        } else if c == b',' {
            last_comma = Some(i);
        } else if c == b']' || c == b'}' {
            if let Some(p) = last_comma.take() {
                out[p] = b' ';
            }
        } else if !c.is_ascii_whitespace() {
            last_comma = None;
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII spaces: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| src.to_string())
}

pub(crate) fn read_json(file: &Path) -> Result<Value, MapError> {
    let err = |line, column, message: String, hint: &str| MapError {
        file: file.to_path_buf(),
        line,
        column,
        message,
        hint: hint.into(),
    };
    let text = std::fs::read_to_string(file).map_err(|e| {
        err(
            None,
            None,
            format!("cannot read it: {e}"),
            "check that the file exists and is readable UTF-8 text",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = if is_jsonc(file) {
        strip_jsonc(text)
    } else {
        text.to_string()
    };
    serde_json::from_str(&text).map_err(|e| {
        let mut m = e.to_string();
        if let Some(p) = m.find(" at line ") {
            m.truncate(p);
        }
        err(
            Some(e.line()),
            Some(e.column()),
            format!("not valid JSON: {m}"),
            if is_jsonc(file) {
                "fix the syntax there (deno.json may hold comments and trailing commas)"
            } else {
                "fix the syntax there: an import map is strict JSON (no comments, no trailing commas)"
            },
        )
    })
}

/// The 1-based line of the first `"key"` in `file`, for errors about a
/// value. The file was read a moment before; should it not read again, the
/// error is still given, without a line.
pub(crate) fn line_of_key(file: &Path, key: &str) -> Option<usize> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return None;
    };
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|n| n + 1)
}

fn mappings(v: Option<&Value>, file: &Path, what: &str) -> Result<Vec<(String, String)>, MapError> {
    let mut out = Vec::new();
    let Some(v) = v else { return Ok(out) };
    let Some(obj) = v.as_object() else {
        return Err(MapError {
            file: file.to_path_buf(),
            line: line_of_key(file, what),
            column: None,
            message: format!("`{what}` is not an object"),
            hint: "write it as { \"specifier\": \"target\" }".into(),
        });
    };
    for (k, v) in obj {
        if let Some(s) = v.as_str() {
            out.push((k.clone(), s.to_string()));
        }
    }
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    Ok(out)
}

impl ImportMap {
    /// Load `file`: an import map, or a deno.json(c) with `imports` or
    /// `importMap`.
    pub(crate) fn load(file: &Path) -> Result<ImportMap, MapError> {
        let v = read_json(file)?;
        let dir = file.parent().unwrap_or(Path::new("/"));
        if let Some(target) = v.get("importMap").and_then(Value::as_str) {
            let path = normalize(&dir.join(target));
            if !path.is_file() {
                return Err(MapError {
                    file: file.to_path_buf(),
                    line: line_of_key(file, "importMap"),
                    column: None,
                    message: format!("`importMap` names {target}, which does not exist"),
                    hint:
                        "create that import map, or fix `importMap` (it is relative to this file)"
                            .into(),
                });
            }
            let mut inner = ImportMap::load(&path)?;
            inner.config = Some(file.to_path_buf());
            return Ok(inner);
        }
        let imports = mappings(v.get("imports"), file, "imports")?;
        let mut scopes = Vec::new();
        if let Some(obj) = v.get("scopes").and_then(Value::as_object) {
            for (prefix, m) in obj {
                let mut abs = normalize(&dir.join(prefix)).to_string_lossy().into_owned();
                if prefix.ends_with('/') && !abs.ends_with('/') {
                    abs.push('/');
                }
                scopes.push((abs, mappings(Some(m), file, "scopes")?));
            }
            scopes.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        }
        Ok(ImportMap {
            file: file.to_path_buf(),
            config: None,
            imports,
            scopes,
        })
    }

    /// What `specifier`, imported from `importer`, maps to; `None` when no
    /// key matches.
    pub(crate) fn resolve(&self, specifier: &str, importer: &Path) -> Option<Target> {
        let from = importer.to_string_lossy();
        for (scope, m) in &self.scopes {
            if from.starts_with(scope.as_str()) {
                if let Some(t) = self.lookup(m, specifier) {
                    return Some(t);
                }
            }
        }
        self.lookup(&self.imports, specifier)
    }

    fn lookup(&self, m: &[(String, String)], specifier: &str) -> Option<Target> {
        for (k, v) in m {
            let rest = if k == specifier {
                ""
            } else if k.ends_with('/') && specifier.starts_with(k.as_str()) {
                &specifier[k.len()..]
            } else {
                continue;
            };
            let value = format!("{v}{rest}");
            let dir = self.file.parent().unwrap_or(Path::new("/"));
            return Some(super::resolve::target_of(&value, dir));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_keeps_positions() {
        let src = "{\n  // a comment\n  \"a\": 1, /* b */\n  \"c\": [1, 2,],\n}\n";
        let out = strip_jsonc(src);
        assert_eq!(out.len(), src.len());
        assert_eq!(out.lines().count(), src.lines().count());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["c"][1], 2);
        let s = strip_jsonc("{\"u\": \"https://x/y,\" , \"k\": \"// not a comment\"}");
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["k"], "// not a comment");
        assert_eq!(v["u"], "https://x/y,");
        let v: Value = serde_json::from_str(&strip_jsonc("{\"a\": \"q\\\"/*\",}")).unwrap();
        assert_eq!(v["a"], "q\"/*");
    }

    #[test]
    fn prefix_and_exact() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("functions/import_map.json");
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(
            &f,
            r#"{"imports": {"@shared/": "../_shared/", "std/": "https://deno.land/std/", "x": "./x.ts", "npm": "npm:left-pad"},
               "scopes": {"./a/": {"x": "./a/x2.ts"}}}"#,
        )
        .unwrap();
        let m = ImportMap::load(&f).unwrap();
        let imp = dir.path().join("functions/hello/index.ts");
        assert_eq!(
            m.resolve("@shared/cors.ts", &imp),
            Some(Target::Local(dir.path().join("_shared/cors.ts")))
        );
        assert_eq!(
            m.resolve("std/http.ts", &imp),
            Some(Target::Remote("https://deno.land/std/http.ts".into()))
        );
        assert_eq!(
            m.resolve("npm", &imp),
            Some(Target::Remote("npm:left-pad".into()))
        );
        assert_eq!(
            m.resolve("x", &imp),
            Some(Target::Local(dir.path().join("functions/x.ts")))
        );
        assert_eq!(
            m.resolve("x", &dir.path().join("functions/a/i.ts")),
            Some(Target::Local(dir.path().join("functions/a/x2.ts")))
        );
        assert_eq!(m.resolve("lodash", &imp), None);
    }

    #[test]
    fn errors_have_positions() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("import_map.json");
        std::fs::write(&f, "{\n  \"imports\": {\n    \"a\": \"./a.ts\",\n  }\n}\n").unwrap();
        let e = ImportMap::load(&f).unwrap_err();
        assert_eq!(e.line, Some(4));
        let d = dir.path().join("deno.json");
        std::fs::write(&d, "{\n  // c\n  \"importMap\": \"./nope.json\",\n}\n").unwrap();
        let e = ImportMap::load(&d).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("nope.json"), "{}", e.message);
    }
}
