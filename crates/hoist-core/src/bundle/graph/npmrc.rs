//! `.npmrc` for deno functions, as Supabase documents it: the function's
//! own, else the one in the directory holding the functions. It is bundled
//! (so `npm:` imports from a private registry resolve in the image) only
//! when every credential in it is a `${VAR}` reference that Deno expands
//! from the environment; one with a literal token stays out.

use std::path::{Path, PathBuf};

/// The `.npmrc` a function uses, as Supabase documents it: next to the
/// function, else in the directory holding the functions.
pub(crate) fn of(root: &Path, dir: &Path) -> Option<PathBuf> {
    let own = dir.join(".npmrc");
    if own.is_file() {
        return Some(own);
    }
    let shared = dir.parent().filter(|p| p.starts_with(root))?.join(".npmrc");
    shared.is_file().then_some(shared)
}

/// The 1-based line of an `.npmrc` that holds a literal credential
/// (`_authToken`, `_auth`, `_password`, `password`), `None` when every
/// credential is a `${VAR}` reference or there is none. A file that cannot
/// be read is an error: it is not known to be free of tokens.
pub(crate) fn token_line(file: &Path) -> anyhow::Result<Option<usize>> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim().trim_matches('"');
        let secret = ["_authToken", "_auth", "_password", "password"]
            .iter()
            .any(|k| key == *k || key.ends_with(&format!(":{k}")));
        if secret && !value.is_empty() && !(value.starts_with("${") && value.ends_with('}')) {
            return Ok(Some(i + 1));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(".npmrc");
        std::fs::write(&f, "@a:registry=https://r/\n//r/:_authToken=${NPM_TOKEN}\n").unwrap();
        assert_eq!(token_line(&f).unwrap(), None);
        std::fs::write(&f, "# c\n//r/:_authToken=npm_abc\n").unwrap();
        assert_eq!(token_line(&f).unwrap(), Some(2));
    }
}
