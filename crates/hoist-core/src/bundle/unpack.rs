//! Unpacking a bundle into a directory (the build context of `hoist build`).
//!
//! Creating and writing many small files is mostly kernel time, spent one
//! file at a time, so the archive is read on the calling thread and regular
//! files are written by a small pool of threads. Directories are made in
//! archive order (a directory always precedes its entries, as the archive is
//! sorted); symlinks are made last, once every file is written, and no entry
//! may lie under a symlink of the archive, so nothing is ever written through
//! a link. Every path must stay inside the destination: an absolute path,
//! `..`, or a link leading outside is refused, whoever wrote the archive.
//!
//! Memory stays bounded whatever the file sizes: files up to [`SMALL`]
//! are queued whole (at most [`QUEUE_BYTES`] in all), larger ones are
//! streamed to disk on the reading thread in 64 KiB blocks, and runs of
//! zeros become holes, so a sparse file stays sparse.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};

/// Bytes of file data queued for the writers at most.
const QUEUE_BYTES: usize = 32 << 20;
/// Files up to this size go to the writer pool; larger ones are streamed.
const SMALL: u64 = 64 << 10;

struct Job {
    path: PathBuf,
    data: Vec<u8>,
    mode: u32,
    mtime: u64,
}

/// Unpack the .tar.gz `archive` into `dest` (created if needed).
pub fn unpack(archive: &Path, dest: &Path) -> anyhow::Result<()> {
    let file = File::open(archive).with_context(|| format!("cannot open {}", archive.display()))?;
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let what = || {
        format!(
            "cannot unpack {} into {}",
            archive.display(),
            dest.display()
        )
    };
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Bounded by count; QUEUE_BYTES / 64 KiB keeps memory in check for
        // small files, and a large file simply waits for a free slot.
        let slots = (QUEUE_BYTES / (64 << 10)).max(threads);
        let (tx, rx) = mpsc::sync_channel::<Job>(slots);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                scope.spawn(move || -> anyhow::Result<()> {
                    loop {
                        let job = match rx.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.recv() {
                            Ok(j) => j,
                            Err(_) => return Ok(()),
                        };
                        write_file(&job)
                            .with_context(|| format!("cannot write {}", job.path.display()))?;
                    }
                })
            })
            .collect();
        let read = read_entries(file, dest, &tx);
        drop(tx);
        let mut result = read.with_context(what);
        for w in workers {
            let done = w
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a writer thread panicked")));
            if result.is_ok() {
                result = done.with_context(what);
            }
        }
        result
    })
}

fn read_entries(file: File, dest: &Path, tx: &mpsc::SyncSender<Job>) -> anyhow::Result<()> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::with_capacity(
        1 << 20,
        file,
    )));
    let mut links: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut link_paths: BTreeSet<PathBuf> = BTreeSet::new();
    for entry in tar.entries()? {
        let mut entry = entry?;
        let rel = entry.path()?.into_owned();
        let path = inside(dest, &rel)?;
        if rel.ancestors().skip(1).any(|a| link_paths.contains(a)) {
            bail!("{} lies under a symlink of the bundle", rel.display());
        }
        let header = entry.header();
        let mode = header.mode()? & 0o7777;
        let mtime = header.mtime()?;
        match header.entry_type() {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                set_mode(&path, mode)?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous if entry.size() > SMALL => {
                stream_file(&mut entry, &path, mode, mtime)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                // The header's size is not trusted: read at most SMALL + 1.
                let mut data = Vec::with_capacity(entry.size() as usize);
                (&mut entry).take(SMALL + 1).read_to_end(&mut data)?;
                if data.len() as u64 > SMALL {
                    bail!(
                        "{}: the entry is larger than its header says",
                        rel.display()
                    );
                }
                let job = Job {
                    path,
                    data,
                    mode,
                    mtime,
                };
                if tx.send(job).is_err() {
                    // A writer failed; its error is reported by the caller.
                    return Ok(());
                }
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()?
                    .with_context(|| format!("symlink {} has no target", rel.display()))?
                    .into_owned();
                let resolved = path.parent().unwrap_or(dest).join(&target);
                inside(dest, resolved.strip_prefix(dest).unwrap_or(&resolved))?;
                link_paths.insert(rel.clone());
                links.push((target, path));
            }
            other => bail!("{}: unsupported entry type {other:?}", rel.display()),
        }
    }
    // Links last: no file or directory is ever made through one. Then each
    // is resolved for real, since a link through another link can lead
    // somewhere its text does not say.
    for (target, path) in &links {
        symlink(target, path)?;
    }
    let root = std::fs::canonicalize(dest)?;
    for (_, path) in &links {
        if let Ok(real) = std::fs::canonicalize(path) {
            if !real.starts_with(&root) {
                bail!(
                    "{} leads outside the bundle",
                    path.strip_prefix(dest).unwrap_or(path).display()
                );
            }
        }
    }
    Ok(())
}

/// `dest/rel`, refusing anything that could leave `dest`.
fn inside(dest: &Path, rel: &Path) -> anyhow::Result<PathBuf> {
    let mut depth = 0i32;
    for c in rel.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            _ => bail!("{} leads outside the bundle", rel.display()),
        }
    }
    Ok(dest.join(rel))
}

/// Write a large entry straight to disk in 64 KiB blocks; all-zero blocks
/// are skipped (a hole), and the length is set at the end.
fn stream_file(entry: &mut impl Read, path: &Path, mode: u32, mtime: u64) -> anyhow::Result<()> {
    use std::io::{Seek, SeekFrom};
    if let Some(parent) = path.parent() {
        if !parent.is_dir() {
            std::fs::create_dir_all(parent)?;
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut len = 0u64;
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            let n = entry.read(&mut buf[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        if buf[..filled].iter().all(|&b| b == 0) {
            f.seek(SeekFrom::Current(filled as i64))?;
        } else {
            f.write_all(&buf[..filled])?;
        }
        len += filled as u64;
    }
    f.set_len(len)?;
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime))?;
    drop(f);
    set_mode(path, mode)
}

fn write_file(job: &Job) -> anyhow::Result<()> {
    if let Some(parent) = job.path.parent() {
        if !parent.is_dir() {
            std::fs::create_dir_all(parent)?;
        }
    }
    // create_new: never follow or replace anything already at the path.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&job.path)?;
    f.write_all(&job.data)?;
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(job.mtime))?;
    drop(f);
    set_mode(&job.path, job.mode)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the mode of {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, path: &Path) -> anyhow::Result<()> {
    std::os::unix::fs::symlink(target, path)
        .with_context(|| format!("cannot create the symlink {}", path.display()))
}

#[cfg(not(unix))]
fn symlink(_: &Path, path: &Path) -> anyhow::Result<()> {
    bail!("{}: symlinks need a Unix system", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Path, type, content and link target of a test archive's entry.
    type Spec<'a> = (&'a str, tar::EntryType, &'a [u8], &'a str);

    fn archive(dir: &Path, entries: &[Spec<'_>]) -> PathBuf {
        let path = dir.join("b.tar.gz");
        let gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), Default::default());
        let mut b = tar::Builder::new(gz);
        for (name, kind, data, link) in entries {
            let mut h = tar::Header::new_gnu();
            // Raw name bytes: the builder's own path checks must not hide
            // what a hostile archive could hold.
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(if name.ends_with(".sh") { 0o755 } else { 0o644 });
            if !link.is_empty() {
                h.set_link_name(link).unwrap();
            }
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap();
        path
    }

    #[test]
    fn unpacks_files_modes_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut entries: Vec<(String, tar::EntryType, Vec<u8>, &str)> = vec![
            ("lib".into(), tar::EntryType::Directory, vec![], ""),
            (
                "run.sh".into(),
                tar::EntryType::Regular,
                b"#!/bin/sh\n".to_vec(),
                "",
            ),
            (
                "now.ts".into(),
                tar::EntryType::Symlink,
                vec![],
                "lib/f0.ts",
            ),
        ];
        for i in 0..300 {
            entries.push((
                format!("lib/f{i}.ts"),
                tar::EntryType::Regular,
                vec![b'a' + (i % 26) as u8; i * 7],
                "",
            ));
        }
        let refs: Vec<_> = entries
            .iter()
            .map(|(n, k, d, l)| (n.as_str(), *k, d.as_slice(), *l))
            .collect();
        let a = archive(dir.path(), &refs);
        let out = dir.path().join("out");
        unpack(&a, &out).unwrap();
        for i in 0..300 {
            let got = std::fs::read(out.join(format!("lib/f{i}.ts"))).unwrap();
            assert_eq!(got, vec![b'a' + (i % 26) as u8; i * 7]);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join("run.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
            assert_eq!(
                std::fs::read_link(out.join("now.ts")).unwrap(),
                Path::new("lib/f0.ts")
            );
        }
    }

    #[test]
    fn refuses_paths_and_links_leading_outside() {
        let dir = tempfile::tempdir().unwrap();
        for (name, kind, link) in [
            ("../evil", tar::EntryType::Regular, ""),
            ("a/../../evil", tar::EntryType::Regular, ""),
            ("/abs", tar::EntryType::Regular, ""),
            ("out", tar::EntryType::Symlink, "../../etc/passwd"),
            ("abs", tar::EntryType::Symlink, "/etc/passwd"),
        ] {
            let a = archive(dir.path(), &[(name, kind, b"x", link)]);
            let out = dir.path().join("out");
            let err = unpack(&a, &out).unwrap_err();
            assert!(
                format!("{err:#}").contains("leads outside"),
                "{name}: {err:#}"
            );
            assert!(!dir.path().join("evil").exists());
            std::fs::remove_dir_all(&out).unwrap();
        }
    }

    #[test]
    fn nothing_is_written_through_a_link_of_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [&[Spec<'_>]; 3] = [
            // A file under a link that points back up the tree.
            &[
                ("a/b/c/up", tar::EntryType::Symlink, b"", "../../.."),
                ("a/b/c/up/x", tar::EntryType::Symlink, b"", "../../../.."),
                ("a/b/c/up/x/PWNED", tar::EntryType::Regular, b"x", ""),
            ],
            // A file whose parent is a link.
            &[
                ("l", tar::EntryType::Symlink, b"", "."),
                ("l/PWNED", tar::EntryType::Regular, b"x", ""),
            ],
            // A link whose text stays inside but whose path runs through
            // another link: `d -> .`, `e -> d/..` is the parent of the root.
            &[
                ("d", tar::EntryType::Symlink, b"", "."),
                ("e", tar::EntryType::Symlink, b"", "d/.."),
            ],
        ];
        for entries in cases {
            let a = archive(dir.path(), entries);
            let out = dir.path().join("ctx/out");
            let err = unpack(&a, &out).unwrap_err();
            let msg = format!("{err:#}");
            assert!(
                msg.contains("under a symlink") || msg.contains("leads outside"),
                "{msg}"
            );
            assert!(!dir.path().join("PWNED").exists());
            assert!(!dir.path().join("ctx/PWNED").exists());
            std::fs::remove_dir_all(dir.path().join("ctx")).unwrap();
        }
    }
}
