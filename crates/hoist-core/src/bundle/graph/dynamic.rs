//! The files a computed `import()` can load. `import(`./routes/${name}.ts`)`
//! and `import("./routes/" + name + ".ts")` have a literal prefix
//! (`./routes/`) and suffix (`.ts`); Deno loads whatever file the value
//! names at run time, so the bundle needs every file that could match:
//! the directory the prefix names (through the import map too, e.g.
//! `@routes/`) is walked recursively and each file whose specifier
//! (prefix directory + path below it) matches the pattern — the literal
//! parts in order, anything (`/` included) in between — is returned.
//! `.git`, `.hoist` and `node_modules` are not entered. A pattern with no
//! literal directory in front, or one that leads to a remote location, a
//! missing directory or outside the function's tree, yields the reason nothing
//! could be added.

use std::path::{Path, PathBuf};

use super::resolve::{self, Scope, Target};

/// At most this many files are taken for one pattern: a prefix such as
/// `./` over a large tree is more likely a mistake than a plan.
const MAX_FILES: usize = 2000;

/// The directory the pattern's prefix names and the files matching it
/// (absolute, sorted), or why none can be told.
pub fn expand(
    parts: &[String],
    importer: &Path,
    scope: &Scope<'_>,
) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let root = scope.root;
    let prefix = parts.first().map_or("", String::as_str);
    let Some(slash) = prefix.rfind('/') else {
        return Err("its value has no literal directory in front".into());
    };
    let dir_spec = &prefix[..=slash];
    let base = importer.parent().unwrap_or(root);
    let target = match scope.mapped(dir_spec, importer) {
        Some(t) => t,
        None if dir_spec.starts_with("./")
            || dir_spec.starts_with("../")
            || dir_spec.starts_with('/')
            || dir_spec.starts_with("file:") =>
        {
            resolve::target_of(dir_spec, base)
        }
        None => {
            return Err(format!(
                "its prefix `{dir_spec}` is not a path or an import-map prefix"
            ))
        }
    };
    let dir = match target {
        Target::Remote(r) => return Err(format!("it loads from `{r}`, a remote location")),
        Target::Local(d) => d,
    };
    if !dir.starts_with(root) {
        return Err(format!(
            "`{dir_spec}` leads outside {}, the highest directory hoist bundles from",
            root.display()
        ));
    }
    if !dir.is_dir() {
        return Err(format!("`{dir_spec}` names no directory"));
    }
    let mut files = Vec::new();
    list(&dir, &mut files).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for f in files {
        let below = f.strip_prefix(&dir).unwrap_or(&f);
        let spec = format!("{dir_spec}{}", below.to_string_lossy().replace('\\', "/"));
        if matches(parts, &spec) {
            out.push(f);
        }
    }
    if out.len() > MAX_FILES {
        return Err(format!(
            "{} files under `{dir_spec}` match, more than the {MAX_FILES} hoist takes for one pattern",
            out.len()
        ));
    }
    out.sort();
    Ok((dir, out))
}

/// Every file under `dir`, not entering `.git`, `.hoist`, `node_modules`
/// or symlinked directories.
fn list(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let path = entry.path();
        if ty.is_dir() {
            let name = entry.file_name();
            if name == ".git" || name == ".hoist" || name == "node_modules" {
                continue;
            }
            list(&path, out)?;
        } else if ty.is_file() || (ty.is_symlink() && path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether `s` is the literal parts in order with anything between them:
/// starts with the first, ends with the last.
pub fn matches(parts: &[String], s: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() < 2 {
        return s == first;
    }
    if !s.starts_with(first.as_str()) || s.len() < first.len() + last.len() {
        return false;
    }
    if !s.ends_with(last.as_str()) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_str()) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns() {
        let pat = p(&["./routes/", ".ts"]);
        assert!(matches(&pat, "./routes/a.ts"));
        assert!(matches(&pat, "./routes/deep/b.ts"));
        assert!(!matches(&pat, "./routes/a.json"));
        assert!(!matches(&pat, "./other/a.ts"));
        let pat = p(&["./data/", "/", ".json"]);
        assert!(matches(&pat, "./data/en/x.json"));
        assert!(!matches(&pat, "./data/x.json"));
        let pat = p(&["./x/", ""]);
        assert!(matches(&pat, "./x/anything.bin"));
    }

    #[test]
    fn expands_under_the_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("f/routes/deep")).unwrap();
        std::fs::create_dir_all(root.join("f/routes/node_modules")).unwrap();
        for f in ["a.ts", "b.json", "deep/c.ts", "node_modules/d.ts"] {
            std::fs::write(root.join("f/routes").join(f), "").unwrap();
        }
        let imp = root.join("f/index.ts");
        let (d, files) = expand(&p(&["./routes/", ".ts"]), &imp, &Scope::new(None, root)).unwrap();
        assert_eq!(d, root.join("f/routes"));
        assert_eq!(
            files,
            vec![root.join("f/routes/a.ts"), root.join("f/routes/deep/c.ts")]
        );
        assert!(expand(&p(&["", ""]), &imp, &Scope::new(None, root)).is_err());
        assert!(expand(&p(&["./nope/", ".ts"]), &imp, &Scope::new(None, root)).is_err());
        assert!(expand(
            &p(&["https://x.test/", ".ts"]),
            &imp,
            &Scope::new(None, root)
        )
        .is_err());
        assert!(expand(&p(&["../../", ".ts"]), &imp, &Scope::new(None, root)).is_err());
    }
}
