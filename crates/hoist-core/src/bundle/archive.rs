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

use super::error::BundleError;
use super::walk::{Entry, Kind};
use super::ManifestEntry;

/// A sink that can take file data read straight into its own buffer.
pub(crate) trait DirectWrite: Write {
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
pub(crate) fn mode_of(kind: &Kind) -> u32 {
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
pub(crate) fn write_tar<S: DirectWrite>(
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
                let mut file = File::open(&path).map_err(|err| BundleError::Unreadable {
                    path: path.clone(),
                    err,
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
/// The holes of a sparse file are written as zeros without reading them
/// (see [`Holes`]), which costs a memset instead of the kernel's copy.
fn copy_exact<S: DirectWrite>(
    sink: &mut S,
    file: &mut File,
    size: u64,
    path: &Path,
) -> anyhow::Result<()> {
    let mut left = size;
    let mut holes = Holes::new(size);
    while left > 0 {
        crate::interrupt::check()?;
        let pos = size - left;
        let room = sink
            .spare()
            .map_err(|e| anyhow::Error::new(e).context("cannot write the archive"))?;
        let want = room
            .len()
            .min(READ_MAX)
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let seek_failed =
            |e: io::Error| anyhow::Error::new(e).context(format!("cannot read {}", path.display()));
        let n = match holes.at(file, pos).map_err(seek_failed)? {
            Region::Hole(len) => {
                let n = want.min(usize::try_from(len).unwrap_or(usize::MAX));
                room[..n].fill(0);
                n
            }
            Region::Data(len) => {
                let want = want.min(usize::try_from(len).unwrap_or(usize::MAX));
                match file.read(&mut room[..want]) {
                    Ok(0) => {
                        return Err(BundleError::Shrank {
                            path: path.to_path_buf(),
                        }
                        .into())
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                    Err(e) => {
                        return Err(BundleError::Unreadable {
                            path: path.to_path_buf(),
                            err: e,
                        }
                        .into())
                    }
                }
            }
        };
        holes.advanced(file, pos, n as u64).map_err(seek_failed)?;
        sink.commit(n)
            .map_err(|e| anyhow::Error::new(e).context("cannot write the archive"))?;
        left -= n as u64;
    }
    let pad = (512 - (size % 512) as usize) % 512;
    sink.write_all(&[0u8; 512][..pad])
        .map_err(|e| anyhow::Error::new(e).context("cannot write the archive"))?;
    Ok(())
}

/// What lies at an offset of a file being copied: data to read, or a hole
/// (zeros) to write without reading, with the length known to be so.
enum Region {
    Data(u64),
    Hole(u64),
}

/// The holes of a file being copied from start to end, found with
/// `SEEK_DATA` / `SEEK_HOLE`. Where the filesystem does not report holes,
/// the whole file is data and this costs nothing.
struct Holes {
    size: u64,
    /// `[from, to)`: the region last found.
    from: u64,
    to: u64,
    hole: bool,
    /// The filesystem answered that it cannot tell.
    unsupported: bool,
}

impl Holes {
    fn new(size: u64) -> Self {
        Holes {
            size,
            from: 0,
            to: 0,
            hole: false,
            unsupported: false,
        }
    }

    /// The region at `pos`; the file's offset is left at `pos` (an error
    /// when it cannot be put there).
    fn at(&mut self, file: &mut File, pos: u64) -> io::Result<Region> {
        if self.unsupported {
            return Ok(Region::Data(u64::MAX));
        }
        if pos < self.from || pos >= self.to {
            self.find(file, pos)?;
        }
        let len = self.to - pos;
        Ok(if self.hole {
            Region::Hole(len)
        } else {
            Region::Data(len)
        })
    }

    /// `n` bytes at `pos` were copied: after a hole, the file's offset
    /// moves past it too (a read would have moved it).
    fn advanced(&mut self, file: &mut File, pos: u64, n: u64) -> io::Result<()> {
        if self.hole && !self.unsupported {
            use std::io::Seek;
            file.seek(io::SeekFrom::Start(pos + n))?;
        }
        Ok(())
    }

    fn find(&mut self, file: &mut File, pos: u64) -> io::Result<()> {
        use std::io::Seek;
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let seek = |whence| {
            // SAFETY: lseek on a descriptor this function borrows.
            let r = unsafe { libc::lseek(fd, pos as libc::off_t, whence) };
            if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(r as u64)
            }
        };
        let found = match seek(libc::SEEK_DATA) {
            Ok(data) if data > pos => Some((true, data.min(self.size))),
            Ok(_) => seek(libc::SEEK_HOLE)
                .ok()
                .map(|hole| (false, hole.clamp(pos + 1, self.size))),
            // No data after `pos`: a hole to the end, unless the file is
            // shorter than it was (then reading says it shrank).
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => file
                .metadata()
                .ok()
                .filter(|m| m.len() >= self.size)
                .map(|_| (true, self.size)),
            Err(_) => None,
        };
        match found {
            Some((hole, to)) if file.seek(io::SeekFrom::Start(pos)).is_ok() => {
                self.from = pos;
                self.to = to;
                self.hole = hole;
            }
            _ => {
                // Plain reads from here on, which need the offset at `pos`.
                self.unsupported = true;
                file.seek(io::SeekFrom::Start(pos))?;
            }
        }
        Ok(())
    }
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

    /// A sparse file (data islands in holes, a hole at the end) archives
    /// to the same bytes as a file written out in full; one cut shorter
    /// than its recorded size is still an error.
    #[test]
    fn sparse_files_archive_like_dense_ones() {
        use std::os::unix::fs::FileExt;
        let tmp = tempfile::tempdir().unwrap();
        let size: u64 = 40 << 20;
        let sparse = std::fs::File::create(tmp.path().join("s")).unwrap();
        sparse.set_len(size).unwrap();
        let mut dense = vec![0u8; size as usize];
        for (at, data) in [(3u64, &b"abc"[..]), (9 << 20, b"middle"), (20 << 20, b"x")] {
            sparse.write_at(data, at).unwrap();
            dense[at as usize..at as usize + data.len()].copy_from_slice(data);
        }
        std::fs::write(tmp.path().join("d"), &dense).unwrap();
        let tar_of = |name: &str| {
            let entries = vec![Entry {
                rel: name.into(),
                kind: Kind::File {
                    size,
                    executable: false,
                },
                meta: None,
            }];
            let mut sink = VecSink(Vec::new(), 0);
            write_tar(&mut sink, tmp.path(), &entries, 0).unwrap();
            // The name is the only difference.
            sink.0[..1].copy_from_slice(b"f");
            let mut h = tar::Header::from_byte_slice(&sink.0[..512]).clone();
            h.set_cksum();
            sink.0[..512].copy_from_slice(h.as_bytes());
            sink.0
        };
        assert!(
            tar_of("s") == tar_of("d"),
            "a sparse file archived differently"
        );
        sparse.set_len(10 << 20).unwrap();
        let entries = vec![Entry {
            rel: "s".into(),
            kind: Kind::File {
                size,
                executable: false,
            },
            meta: None,
        }];
        let err = write_tar(VecSink(Vec::new(), 0), tmp.path(), &entries, 0).unwrap_err();
        assert!(err.to_string().contains("shrank"), "{err}");
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
