//! The reproducible tar stream: GNU headers built field by field (entry type,
//! size, mode 0755/0644, the fixed mtime, uid/gid 0, empty owner names) for
//! the entries [`super::walk`] chose, in their sorted order, with `tar`'s
//! GNU long-name records for paths and link targets over 100 bytes. File
//! contents are read straight into the compressor's buffers in large reads,
//! so no file is ever held whole in memory.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use tar::{Builder, EntryType, Header};

use super::walk::{Entry, Kind};
use super::ManifestEntry;
use crate::error::UserError;

/// A sink that can take file data read straight into its own buffer.
pub trait DirectWrite: Write {
    /// Writable space to read into (never empty).
    fn spare(&mut self) -> io::Result<&mut [u8]>;
    /// Mark `n` bytes of [`DirectWrite::spare`] as written.
    fn commit(&mut self, n: usize) -> io::Result<()>;
}

impl<W: Write + Send + 'static> DirectWrite for super::pgzip::GzWriter<W> {
    fn spare(&mut self) -> io::Result<&mut [u8]> {
        super::pgzip::GzWriter::spare(self)
    }
    fn commit(&mut self, n: usize) -> io::Result<()> {
        super::pgzip::GzWriter::commit(self, n)
    }
}

impl<T: DirectWrite + ?Sized> DirectWrite for &mut T {
    fn spare(&mut self) -> io::Result<&mut [u8]> {
        (**self).spare()
    }
    fn commit(&mut self, n: usize) -> io::Result<()> {
        (**self).commit(n)
    }
}

/// Most bytes read from a file in one call.
const READ_MAX: usize = 1 << 20;

/// Permission bits stored for an entry.
pub fn mode_of(kind: &Kind) -> u32 {
    match kind {
        Kind::Dir => 0o755,
        Kind::File { executable, .. } => {
            if *executable {
                0o755
            } else {
                0o644
            }
        }
        Kind::Symlink { .. } => 0o777,
    }
}

fn header(entry_type: EntryType, size: u64, mode: u32, mtime: u64) -> anyhow::Result<Header> {
    let mut h = Header::new_gnu();
    h.set_entry_type(entry_type);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h.set_username("")?;
    h.set_groupname("")?;
    h.set_device_major(0)?;
    h.set_device_minor(0)?;
    Ok(h)
}

/// Write `entries` (relative to `dir`) as a tar stream into `sink` and
/// return the manifest rows for the files and links.
pub fn write_tar<S: DirectWrite>(
    sink: S,
    dir: &Path,
    entries: &[Entry],
    mtime: u64,
) -> anyhow::Result<Vec<ManifestEntry>> {
    let mut builder = Builder::new(sink);
    let mut files = Vec::new();
    for e in entries {
        crate::interrupt::check()?;
        let mode = mode_of(&e.kind);
        match &e.kind {
            Kind::Dir => {
                let mut h = header(EntryType::Directory, 0, mode, mtime)?;
                builder
                    .append_data(&mut h, &e.rel, io::empty())
                    .map_err(|err| tar_error(&e.rel, err))?;
            }
            Kind::Symlink { target } => {
                let mut h = header(EntryType::Symlink, 0, mode, mtime)?;
                builder
                    .append_link(&mut h, &e.rel, target)
                    .map_err(|err| tar_error(&e.rel, err))?;
                files.push(ManifestEntry {
                    path: e.rel.to_string_lossy().into_owned(),
                    size: 0,
                    mode,
                    link: Some(target.to_string_lossy().into_owned()),
                });
            }
            Kind::File { size, .. } => {
                let path = dir.join(&e.rel);
                let mut file = File::open(&path).map_err(|err| {
                    UserError::usage(format!("cannot read {}: {err}", path.display()))
                        .with_hint("fix its permissions, or leave it out with .hoistignore")
                })?;
                let mut h = header(EntryType::Regular, *size, mode, mtime)?;
                // The header (and any long-name record) goes through `tar`;
                // the content is then read straight into the sink.
                builder
                    .append_data(&mut h, &e.rel, io::empty())
                    .map_err(|err| tar_error(&e.rel, err))?;
                copy_exact(builder.get_mut(), &mut file, *size, &path)?;
                files.push(ManifestEntry {
                    path: e.rel.to_string_lossy().into_owned(),
                    size: *size,
                    mode,
                    link: None,
                });
            }
        }
    }
    builder
        .finish()
        .map_err(|err| anyhow::Error::new(err).context("cannot write the archive"))?;
    Ok(files)
}

fn tar_error(rel: &Path, err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context(format!("cannot add {} to the archive", rel.display()))
}

/// Copy exactly `size` bytes of `file` into `sink`, then pad to 512 bytes.
fn copy_exact<S: DirectWrite>(
    sink: &mut S,
    file: &mut File,
    size: u64,
    path: &Path,
) -> anyhow::Result<()> {
    let mut left = size;
    while left > 0 {
        crate::interrupt::check()?;
        let room = sink
            .spare()
            .map_err(|e| anyhow::Error::new(e).context("cannot write the archive"))?;
        let want = room
            .len()
            .min(READ_MAX)
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match file.read(&mut room[..want]) {
            Ok(0) => {
                return Err(UserError::failure(format!(
                    "{} shrank while it was being bundled",
                    path.display()
                ))
                .with_hint(
                    "run the command again once nothing is writing to the function directory",
                )
                .into())
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => {
                return Err(
                    UserError::usage(format!("cannot read {}: {e}", path.display()))
                        .with_hint("fix its permissions, or leave it out with .hoistignore")
                        .into(),
                )
            }
        };
        sink.commit(n)
            .map_err(|e| anyhow::Error::new(e).context("cannot write the archive"))?;
        left -= n as u64;
    }
    let pad = (512 - (size % 512) as usize) % 512;
    sink.write_all(&[0u8; 512][..pad])
        .map_err(|e| anyhow::Error::new(e).context("cannot write the archive"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain in-memory sink for tests.
    struct VecSink(Vec<u8>, usize);

    impl Write for VecSink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.truncate(self.1);
            self.0.extend_from_slice(b);
            self.1 = self.0.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl DirectWrite for VecSink {
        fn spare(&mut self) -> io::Result<&mut [u8]> {
            self.0.resize(self.1 + 1000, 0);
            Ok(&mut self.0[self.1..])
        }
        fn commit(&mut self, n: usize) -> io::Result<()> {
            self.1 += n;
            self.0.truncate(self.1);
            Ok(())
        }
    }

    #[test]
    fn headers_are_fixed_and_long_names_work() {
        let tmp = tempfile::tempdir().unwrap();
        let long = "d".repeat(120);
        std::fs::create_dir(tmp.path().join(&long)).unwrap();
        std::fs::write(tmp.path().join(&long).join("f.txt"), vec![b'x'; 3000]).unwrap();
        let entries = vec![
            Entry {
                rel: long.clone().into(),
                kind: Kind::Dir,
                meta: None,
            },
            Entry {
                rel: Path::new(&long).join("f.txt"),
                kind: Kind::File {
                    size: 3000,
                    executable: true,
                },
                meta: None,
            },
            Entry {
                rel: "link".into(),
                kind: Kind::Symlink {
                    target: Path::new(&long).join("f.txt"),
                },
                meta: None,
            },
        ];
        let mut sink = VecSink(Vec::new(), 0);
        let files = write_tar(&mut sink, tmp.path(), &entries, 1234).unwrap();
        assert_eq!(files.len(), 2);
        let mut ar = tar::Archive::new(&sink.0[..]);
        let mut seen = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let h = e.header().clone();
            assert_eq!(h.mtime().unwrap(), 1234);
            assert_eq!(h.uid().unwrap(), 0);
            assert_eq!(h.username_bytes(), Some(&b""[..]));
            let mut body = Vec::new();
            e.read_to_end(&mut body).unwrap();
            seen.push((
                e.path().unwrap().into_owned(),
                h.mode().unwrap(),
                body.len(),
                e.link_name().unwrap().map(|l| l.into_owned()),
            ));
        }
        assert_eq!(seen[0].0, Path::new(&long));
        assert_eq!(seen[0].1, 0o755);
        assert_eq!((seen[1].1, seen[1].2), (0o755, 3000));
        assert_eq!(
            seen[2].3.as_deref(),
            Some(Path::new(&long).join("f.txt").as_path())
        );
    }

    #[test]
    fn a_file_that_shrank_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a"), b"abc").unwrap();
        let entries = vec![Entry {
            rel: "a".into(),
            kind: Kind::File {
                size: 10,
                executable: false,
            },
            meta: None,
        }];
        let err = write_tar(VecSink(Vec::new(), 0), tmp.path(), &entries, 0).unwrap_err();
        assert!(err.to_string().contains("shrank"), "{err}");
    }
}
