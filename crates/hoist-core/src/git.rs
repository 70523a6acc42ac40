//! What hoist reads from git, when the project is a checkout: the commit, the
//! dirty flag and the remote URL (with any credentials stripped).

use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The full commit hash of HEAD.
pub fn commit(root: &Path) -> Option<String> {
    git(root, &["rev-parse", "HEAD"])
}

/// Whether the work tree has uncommitted changes (ignoring hoist's own state).
pub(crate) fn dirty(root: &Path) -> bool {
    git(
        root,
        &["status", "--porcelain", "--", ".", ":(exclude).hoist"],
    )
    .is_some()
}

/// The `origin` remote as an https URL without user or password.
pub(crate) fn source_url(root: &Path) -> Option<String> {
    let url = git(root, &["config", "--get", "remote.origin.url"])?;
    Some(strip_credentials(&url))
}

/// Remove `user:pass@` from a URL so that a token in a remote never leaks.
pub(crate) fn strip_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (host_part, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let host = host_part.rsplit_once('@').map_or(host_part, |(_, h)| h);
        return format!("{scheme}://{host}{path}");
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_tokens_from_remotes() {
        assert_eq!(
            super::strip_credentials("https://x-access-token:ghp_abc@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            super::strip_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }
}
