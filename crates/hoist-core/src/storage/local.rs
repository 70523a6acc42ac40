//! The local-directory store (the default, `.hoist/store/`): one file per
//! key. Create-only writes go to a temporary file in the same directory,
//! are fsynced, and are then hard-linked into place, which fails atomically
//! when the name is taken, so a version's files are never replaced, and an
//! interrupted write never leaves a half-written object under its real name.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::report::Progress;
use anyhow::Context;

use super::{Created, ObjectInfo, Store, Uploaded};

const TMP_PREFIX: &str = crate::fsx::TMP_BASE;

#[derive(Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        LocalStore { root }
    }

    fn path_of(&self, key: &str) -> anyhow::Result<PathBuf> {
        let ok = !key.is_empty()
            && !key.starts_with('/')
            && key
                .split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != "..");
        if !ok {
            anyhow::bail!("invalid store key `{key}`");
        }
        Ok(self.root.join(key))
    }

    /// Write `fill`'s output to a temporary file beside `dest`, fsync it, then
    /// move it into place: hard link (create-only) or rename (replace).
    fn write_with(
        &self,
        dest: &Path,
        create_only: bool,
        fill: impl FnOnce(&mut std::fs::File) -> anyhow::Result<()>,
    ) -> anyhow::Result<Created> {
        let dir = dest.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
        let prefix = crate::leftovers::prefix(TMP_PREFIX);
        let mut tmp = crate::fsx::shared_temp(&prefix)
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        fill(tmp.as_file_mut())?;
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("cannot write {}", dest.display()))?;
        if create_only {
            match std::fs::hard_link(tmp.path(), dest) {
                Ok(()) => Ok(Created::Created),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Ok(Created::AlreadyExists)
                }
                Err(e) => Err(e).with_context(|| format!("cannot create {}", dest.display())),
            }
            // `tmp` is removed when dropped.
        } else {
            tmp.persist(dest)
                .map_err(|e| e.error)
                .with_context(|| format!("cannot replace {}", dest.display()))?;
            Ok(Created::Created)
        }
    }

    fn walk(&self, dir: &Path, out: &mut Vec<ObjectInfo>) -> anyhow::Result<()> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in rd {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(TMP_PREFIX) {
                continue;
            }
            let ft = entry.file_type()?;
            let path = entry.path();
            if ft.is_dir() {
                self.walk(&path, out)?;
            } else if ft.is_file() {
                let rel = path.strip_prefix(&self.root).unwrap_or(&path);
                let key = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let meta = entry.metadata()?;
                out.push(ObjectInfo {
                    key,
                    size: meta.len(),
                    sha256: None,
                    modified: meta.modified().ok(),
                });
            }
        }
        Ok(())
    }
}

/// The file work of each store call, done on a blocking thread.
impl LocalStore {
    fn clean_uploads_now(&self, _min_age: std::time::Duration) -> anyhow::Result<Vec<String>> {
        Ok(crate::leftovers::clean(&self.root, TMP_PREFIX, true)
            .into_iter()
            .map(|p| p.display().to_string())
            .collect())
    }

    fn head_now(&self, key: &str) -> anyhow::Result<Option<ObjectInfo>> {
        let path = self.path_of(key)?;
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(Some(ObjectInfo {
                key: key.to_string(),
                size: m.len(),
                sha256: None,
                modified: m.modified().ok(),
            })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot stat {}", path.display())),
        }
    }

    fn get_now(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let path = self.path_of(key)?;
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn put_now(&self, key: &str, bytes: &[u8], create_only: bool) -> anyhow::Result<Created> {
        let dest = self.path_of(key)?;
        self.write_with(&dest, create_only, |f| {
            f.write_all(bytes)
                .with_context(|| format!("cannot write {}", dest.display()))
        })
    }

    fn upload_now(
        &self,
        key: &str,
        path: &Path,
        sha256: &str,
        bar: &Progress,
    ) -> anyhow::Result<Uploaded> {
        let dest = self.path_of(key)?;
        let nothing = Uploaded {
            created: Created::AlreadyExists,
            bytes: 0,
            parts: 0,
            retries: 0,
        };
        if dest.exists() {
            return Ok(nothing);
        }
        let mut src =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut copied = 0u64;
        let created = self.write_with(&dest, true, |f| {
            let mut w = super::HashingWriter::new(std::io::BufWriter::with_capacity(1 << 20, f));
            let mut buf = vec![0u8; 1 << 20];
            loop {
                crate::interrupt::check()?;
                let n = src
                    .read(&mut buf)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                if n == 0 {
                    break;
                }
                w.write_all(&buf[..n])
                    .with_context(|| format!("cannot write {}", dest.display()))?;
                bar.inc(n as u64);
            }
            let (mut inner, digest, n) = w.finish();
            inner
                .flush()
                .with_context(|| format!("cannot write {}", dest.display()))?;
            if digest != sha256 {
                anyhow::bail!(
                    "{} changed while it was being stored (sha256 {digest}, expected {sha256})",
                    path.display()
                );
            }
            copied = n;
            Ok(())
        })?;
        if created == Created::AlreadyExists {
            return Ok(nothing);
        }
        Ok(Uploaded {
            created,
            bytes: copied,
            parts: 0,
            retries: 0,
        })
    }

    fn list_now(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>> {
        // Walk only the deepest directory the prefix names.
        let dir_part = match prefix.rfind('/') {
            Some(i) => &prefix[..i],
            None => "",
        };
        let start = if dir_part.is_empty() {
            self.root.clone()
        } else {
            self.path_of(dir_part)?
        };
        let mut out = Vec::new();
        self.walk(&start, &mut out)?;
        out.retain(|o| o.key.starts_with(prefix));
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn delete_now(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path_of(key)?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete {}", path.display())),
        }
        // Remove directories left empty, up to the store root.
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for LocalStore {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn url(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }

    /// Temporary files of killed writers (`.hoist-tmp-<pid>-*`) whose
    /// process is gone or that were not written to for ten minutes.
    async fn clean_uploads(&self, min_age: std::time::Duration) -> anyhow::Result<Vec<String>> {
        self.blocking(move |s| s.clean_uploads_now(min_age)).await
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<ObjectInfo>> {
        let key = key.to_string();
        self.blocking(move |s| s.head_now(&key)).await
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let key = key.to_string();
        self.blocking(move |s| s.get_now(&key)).await
    }

    async fn put(&self, key: &str, bytes: &[u8], create_only: bool) -> anyhow::Result<Created> {
        let (key, bytes) = (key.to_string(), bytes.to_vec());
        self.blocking(move |s| s.put_now(&key, &bytes, create_only))
            .await
    }

    async fn upload(
        &self,
        key: &str,
        path: &Path,
        sha256: &str,
        bar: &Progress,
    ) -> anyhow::Result<Uploaded> {
        let (key, path, sha256, bar) = (
            key.to_string(),
            path.to_path_buf(),
            sha256.to_string(),
            bar.clone(),
        );
        self.blocking(move |s| s.upload_now(&key, &path, &sha256, &bar))
            .await
    }

    async fn download(
        &self,
        key: &str,
        out: &mut (dyn Write + Send),
        bar: &Progress,
    ) -> anyhow::Result<u64> {
        use tokio::io::AsyncReadExt;
        let path = self.path_of(key)?;
        let mut f = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("cannot open {}", path.display()))?;
        let mut buf = vec![0u8; 1 << 20];
        let mut n = 0u64;
        loop {
            crate::interrupt::check()?;
            let k = f
                .read(&mut buf)
                .await
                .with_context(|| format!("cannot read {}", path.display()))?;
            if k == 0 {
                break;
            }
            out.write_all(&buf[..k])?;
            bar.inc(k as u64);
            n += k as u64;
        }
        Ok(n)
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>> {
        let prefix = prefix.to_string();
        self.blocking(move |s| s.list_now(&prefix)).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let key = key.to_string();
        self.blocking(move |s| s.delete_now(&key)).await
    }
}

impl LocalStore {
    /// Run `f` on the runtime's blocking threads, so file work never
    /// holds up the requests of a release in flight beside it.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&LocalStore) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .context("a store task stopped before it finished")?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn create_only_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("store"));
        assert_eq!(
            s.put("a/b.json", b"one", true).await.unwrap(),
            Created::Created
        );
        assert_eq!(
            s.put("a/b.json", b"two", true).await.unwrap(),
            Created::AlreadyExists
        );
        assert_eq!(s.get("a/b.json").await.unwrap().unwrap(), b"one");
        assert_eq!(
            s.put("a/b.json", b"two", false).await.unwrap(),
            Created::Created
        );
        assert_eq!(s.get("a/b.json").await.unwrap().unwrap(), b"two");
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("store/a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().to_path_buf());
        for bad in ["../x", "/etc/passwd", "a//b", "a/./b", ""] {
            assert!(s.put(bad, b"x", true).await.is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn list_and_delete_prune_empty_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("store"));
        s.put("functions/f/v1/manifest.json", b"{}", true)
            .await
            .unwrap();
        s.put("functions/f/v2/manifest.json", b"{}", true)
            .await
            .unwrap();
        s.put("functions/g/v1/manifest.json", b"{}", true)
            .await
            .unwrap();
        let keys: Vec<String> = s
            .list("functions/f/")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(
            keys,
            [
                "functions/f/v1/manifest.json",
                "functions/f/v2/manifest.json"
            ]
        );
        s.delete("functions/f/v1/manifest.json").await.unwrap();
        s.delete("functions/f/v1/manifest.json").await.unwrap();
        assert!(!dir.path().join("store/functions/f/v1").exists());
        assert!(dir.path().join("store/functions/f/v2").exists());
        assert!(s.list("functions/nope/").await.unwrap().is_empty());
    }
}
