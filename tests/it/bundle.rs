//! `hoist_core::bundle::bundle_dir` end to end on real directories: reproducible
//! bytes, what is left out, symlinks, modes, odd names, errors that leave
//! nothing behind, and archives that gzip/tar tools read back identically.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hoist::error::{exit_code, Exit};
use hoist_core::bundle::{bundle_dir, BundleOptions, BundleOutput};
use sha2::{Digest, Sha256};

fn opts() -> BundleOptions {
    BundleOptions {
        limit_bytes: 1 << 30,
        mtime: 0,
        include: Vec::new(),
        exclude: Vec::new(),
        keep_node_modules: false,
        threads: 2,
        cache: false,
        ignore_root: None,
        required: Vec::new(),
    }
}

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn text(n: usize, seed: u64) -> Vec<u8> {
    let words = [
        "const ",
        "return ",
        "function ",
        "value",
        " = ",
        "();\n",
        "if (x) {\n",
        "}\n",
        "await ",
        "response",
        ".json()",
        "import ",
        " from './lib';\n",
    ];
    let r = random_bytes(n, seed);
    let mut out = Vec::with_capacity(n + 32);
    let mut i = 0;
    while out.len() < n {
        out.extend_from_slice(words[r[i % n] as usize % words.len()].as_bytes());
        i += 1;
    }
    out.truncate(n);
    out
}

/// A small function tree with a bit of everything legitimate.
fn sample_tree(root: &Path) {
    write(root, "index.ts", text(5_000, 1));
    write(root, "lib/util.ts", text(20_000, 2));
    write(root, "lib/deep/er/x.json", b"{\"a\": 1}\n");
    write(root, "assets/logo.bin", random_bytes(70_000, 3));
    write(root, ".config/settings", b"hidden but legit\n");
    write(root, "empty.txt", b"");
    fs::create_dir_all(root.join("static/empty-dir")).unwrap();
    write(root, "bin/run.sh", b"#!/bin/sh\necho hi\n");
    fs::set_permissions(root.join("bin/run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
}

fn bundle(dir: &Path, out: &Path, o: &BundleOptions) -> BundleOutput {
    bundle_dir("fn", dir, out, o).unwrap_or_else(|e| panic!("bundle failed: {e:#}"))
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    match fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Node {
    Dir(u32),
    File(u32, Vec<u8>),
    Link(PathBuf),
}

/// The archive's entries, read with flate2's single-member decoder and `tar`.
fn entries(archive: &Path) -> BTreeMap<Vec<u8>, Node> {
    let gz = fs::read(archive).unwrap();
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    let mut out = BTreeMap::new();
    let mut ar = tar::Archive::new(&raw[..]);
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        assert_eq!(h.mtime().unwrap(), 0);
        assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
        assert_eq!(h.username_bytes(), Some(&b""[..]));
        let path = e.path_bytes().into_owned();
        let mode = h.mode().unwrap();
        let node = match h.entry_type() {
            tar::EntryType::Directory => Node::Dir(mode),
            tar::EntryType::Symlink => Node::Link(e.link_name().unwrap().unwrap().into_owned()),
            tar::EntryType::Regular => {
                let mut body = Vec::new();
                e.read_to_end(&mut body).unwrap();
                Node::File(mode, body)
            }
            other => panic!("unexpected entry type {other:?}"),
        };
        out.insert(path, node);
    }
    out
}

/// A directory tree on disk in the same shape as [`entries`] (modes
/// normalised the way bundles store them).
fn tree(root: &Path) -> BTreeMap<Vec<u8>, Node> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            let meta = fs::symlink_metadata(&p).unwrap();
            let node = if meta.file_type().is_symlink() {
                Node::Link(fs::read_link(&p).unwrap())
            } else if meta.is_dir() {
                stack.push(p.clone());
                Node::Dir(0o755)
            } else {
                let mode = if meta.permissions().mode() & 0o111 != 0 {
                    0o755
                } else {
                    0o644
                };
                Node::File(mode, fs::read(&p).unwrap())
            };
            out.insert(rel, node);
        }
    }
    out
}

/// sha256 of `sample_tree`'s bundle with `opts()`.
const PINNED_SAMPLE_DIGEST: &str =
    "85396d4d88956ffa21a69744b7e6815306c1066b82cc45fd157e0b77adf64e45";

#[test]
fn same_tree_same_digest_and_manifest() {
    let src = tempfile::tempdir().unwrap();
    sample_tree(src.path());
    let out = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let a = bundle(src.path(), out.path(), &opts());
    let b = bundle(src.path(), other.path(), &opts());
    assert_eq!(a.manifest.digest, b.manifest.digest);
    // Two archives written apart hold the same bytes.
    assert_eq!(fs::read(&a.archive).unwrap(), fs::read(&b.archive).unwrap());
    // And the same bytes on every machine and release: this fixture's
    // digest is pinned (a change to the archive format must change it here
    // on purpose).
    assert_eq!(a.manifest.digest, PINNED_SAMPLE_DIGEST);
    assert_eq!(
        a.archive,
        out.path().join(format!("{}.tar.gz", a.manifest.digest))
    );
    // Idempotent: one archive and one manifest, no temporary files.
    let mut names: Vec<_> = files_in(out.path());
    names.sort();
    let mut want = vec![a.archive.clone(), a.manifest_path.clone()];
    want.sort();
    assert_eq!(names, want);

    let bytes = fs::read(&a.archive).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), a.manifest.digest);
    assert_eq!(a.manifest.compressed_size, bytes.len() as u64);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(&a.manifest_path).unwrap()).unwrap();
    assert_eq!(json["digest"], a.manifest.digest.as_str());
    assert_eq!(json["function"], "fn");
    assert_eq!(json["file_count"], 7);
    assert_eq!(json["files"].as_array().unwrap().len(), 7);
    assert_eq!(a.manifest.total_size, 5_000 + 20_000 + 9 + 70_000 + 17 + 18);
}

#[test]
fn a_copy_made_differently_has_the_same_digest() {
    let a = tempfile::tempdir().unwrap();
    sample_tree(a.path());
    // The same content created in the opposite order, with other mtimes and
    // owners, and directories made before their files.
    let b = tempfile::tempdir().unwrap();
    let mut rels: Vec<_> = tree(a.path()).into_iter().collect();
    rels.reverse();
    for (rel, node) in &rels {
        let p = b.path().join(Path::new(std::ffi::OsStr::from_bytes(rel)));
        match node {
            Node::Dir(_) => fs::create_dir_all(&p).unwrap(),
            Node::File(mode, body) => {
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(&p, body).unwrap();
                let m = if *mode == 0o755 { 0o700 } else { 0o600 };
                fs::set_permissions(&p, fs::Permissions::from_mode(m)).unwrap();
            }
            Node::Link(t) => std::os::unix::fs::symlink(t, &p).unwrap(),
        }
    }
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        crate::support::skip::missing("root, to give the files another owner");
    }
    for rel in tree(b.path()).keys() {
        let p = b.path().join(Path::new(std::ffi::OsStr::from_bytes(rel)));
        if !p.is_symlink() && p.is_file() {
            fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        // Another owner: only root may give one.
        if root {
            std::os::unix::fs::lchown(&p, Some(1234), Some(4321)).unwrap();
            assert_eq!(fs::symlink_metadata(&p).unwrap().uid(), 1234);
        }
    }
    let out = tempfile::tempdir().unwrap();
    let da = bundle(a.path(), out.path(), &opts()).manifest.digest;
    let db = bundle(b.path(), out.path(), &opts()).manifest.digest;
    assert_eq!(da, db);
}

#[test]
fn thread_count_does_not_change_the_bytes() {
    let src = tempfile::tempdir().unwrap();
    sample_tree(src.path());
    // Several blocks' worth, mixing text and random data.
    for i in 0..6 {
        write(src.path(), &format!("big/t{i}.txt"), text(300_000, 10 + i));
        write(
            src.path(),
            &format!("big/r{i}.bin"),
            random_bytes(150_000, 20 + i),
        );
    }
    let mut seen = Vec::new();
    for threads in [1, 2, 3, 8] {
        let out = tempfile::tempdir().unwrap();
        let o = BundleOptions { threads, ..opts() };
        let b = bundle(src.path(), out.path(), &o);
        seen.push((threads, fs::read(&b.archive).unwrap()));
    }
    for (threads, bytes) in &seen[1..] {
        assert!(
            bytes == &seen[0].1,
            "{threads} threads gave other bytes than 1 thread"
        );
    }
}

#[test]
fn archive_matches_the_tree_with_flate2_and_system_tar() {
    let src = tempfile::tempdir().unwrap();
    sample_tree(src.path());
    let long = format!("{}/{}.txt", "a".repeat(90), "b".repeat(80));
    write(src.path(), &long, b"long name\n");
    std::os::unix::fs::symlink("../index.ts", src.path().join("lib/link-to-index")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let b = bundle(src.path(), out.path(), &opts());

    let expected = tree(src.path());
    let got = entries(&b.archive);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    assert!(got == expected, "archive differs from the tree");
    // Entries are in raw byte order.
    let gz = fs::read(&b.archive).unwrap();
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    let order: Vec<Vec<u8>> = tar::Archive::new(&raw[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path_bytes().into_owned())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    if std::process::Command::new("tar")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping the system tar check: `tar` is not installed");
        return;
    }
    let dest = tempfile::tempdir().unwrap();
    let st = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&b.archive)
        .arg("-C")
        .arg(dest.path())
        .status()
        .unwrap();
    assert!(st.success());
    assert!(tree(dest.path()) == expected, "tar -xzf gave another tree");
}

#[test]
fn exec_bit_is_kept_and_other_modes_normalised() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "run", b"#!/bin/sh\n");
    write(src.path(), "data", b"x");
    write(src.path(), "group-exec", b"y");
    fs::set_permissions(src.path().join("run"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(src.path().join("data"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(
        src.path().join("group-exec"),
        fs::Permissions::from_mode(0o610),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let e = entries(&bundle(src.path(), out.path(), &opts()).archive);
    assert_eq!(e[&b"run"[..]], Node::File(0o755, b"#!/bin/sh\n".to_vec()));
    assert_eq!(e[&b"data"[..]], Node::File(0o644, b"x".to_vec()));
    assert_eq!(e[&b"group-exec"[..]], Node::File(0o755, b"y".to_vec()));
}

#[test]
fn non_utf8_names_round_trip() {
    let src = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.txt");
    fs::write(src.path().join(name), b"latin-1 name").unwrap();
    fs::create_dir(src.path().join(std::ffi::OsStr::from_bytes(b"d\x80"))).unwrap();
    fs::write(
        src.path().join(std::ffi::OsStr::from_bytes(b"d\x80/f")),
        b"in odd dir",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let b = bundle(src.path(), out.path(), &opts());
    let e = entries(&b.archive);
    assert_eq!(
        e[&b"caf\xe9-\xff.txt"[..]],
        Node::File(0o644, b"latin-1 name".to_vec())
    );
    assert_eq!(
        e[&b"d\x80/f"[..]],
        Node::File(0o644, b"in odd dir".to_vec())
    );
    // The manifest shows them lossily.
    assert!(b
        .manifest
        .files
        .iter()
        .any(|f| f.path.starts_with("caf\u{fffd}")));
}

#[test]
fn secret_names_are_matched_without_regard_to_case() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "index.js", b"ok");
    write(src.path(), ".ENV", b"SECRET=1");
    write(src.path(), "certs/server.PEM", b"-----BEGIN");
    write(src.path(), "prod.env", b"SECRET=2");
    write(src.path(), "deploy_key", b"-----BEGIN");
    write(src.path(), ".NPMRC", b"//registry/:_authToken=x");
    write(src.path(), "ENV.ts", b"export {}");
    let out = tempfile::tempdir().unwrap();
    let e = entries(&bundle(src.path(), out.path(), &opts()).archive);
    let names: Vec<String> = e
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(names, ["ENV.ts", "certs", "index.js"]);
}

#[test]
fn secrets_vcs_state_and_node_modules_are_left_out() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "index.js", b"ok");
    write(src.path(), ".env", b"SECRET=1");
    write(src.path(), ".env.production", b"SECRET=2");
    write(src.path(), "sub/.env", b"SECRET=3");
    write(src.path(), "certs/server.pem", b"-----BEGIN");
    write(src.path(), "certs/server.key", b"-----BEGIN");
    write(src.path(), "id_rsa", b"-----BEGIN");
    write(src.path(), ".npmrc", b"//registry/:_authToken=x");
    write(src.path(), ".git/config", b"[core]");
    write(src.path(), ".hoist/bundles/x", b"state");
    write(src.path(), "node_modules/left-pad/index.js", b"pad");
    write(src.path(), "lib/node_modules/x.js", b"nested");
    write(src.path(), ".github/workflows/ci.yml", b"on: push");
    let out = tempfile::tempdir().unwrap();
    let e = entries(&bundle(src.path(), out.path(), &opts()).archive);
    let names: Vec<String> = e
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(
        names,
        [
            ".github",
            ".github/workflows",
            ".github/workflows/ci.yml",
            "certs",
            "index.js",
            "lib",
            "sub"
        ],
    );

    let keep = BundleOptions {
        keep_node_modules: true,
        ..opts()
    };
    let e = entries(&bundle(src.path(), out.path(), &keep).archive);
    assert!(e.contains_key(&b"node_modules/left-pad/index.js"[..]));
    assert!(e.contains_key(&b"lib/node_modules/x.js"[..]));
    assert!(!e.contains_key(&b".env"[..]) && !e.contains_key(&b".git/config"[..]));
}

#[test]
fn gitignore_and_hoistignore_are_honoured_without_git() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), ".gitignore", b"*.log\n/dist/\n");
    write(src.path(), ".hoistignore", b"tests/\n!keep.log\n");
    write(src.path(), "index.ts", b"x");
    write(src.path(), "debug.log", b"log");
    write(src.path(), "keep.log", b"wanted");
    write(src.path(), "dist/out.js", b"built");
    write(src.path(), "src/dist/kept.js", b"not root dist");
    write(src.path(), "tests/a.test.ts", b"test");
    write(src.path(), "sub/.gitignore", b"local.txt\n");
    write(src.path(), "sub/local.txt", b"ignored in sub");
    write(src.path(), "sub/other.txt", b"kept");
    let out = tempfile::tempdir().unwrap();
    let e = entries(&bundle(src.path(), out.path(), &opts()).archive);
    let names: Vec<String> = e
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(
        names,
        [
            ".gitignore",
            ".hoistignore",
            "index.ts",
            "keep.log",
            "src",
            "src/dist",
            "src/dist/kept.js",
            "sub",
            "sub/.gitignore",
            "sub/other.txt",
        ]
    );
}

#[test]
fn include_and_exclude_globs() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "src/a.ts", b"a");
    write(src.path(), "src/a.test.ts", b"t");
    write(src.path(), "src/deep/b.ts", b"b");
    write(src.path(), "docs/readme.md", b"d");
    write(src.path(), "main.ts", b"m");
    let o = BundleOptions {
        include: vec!["src/".into(), "main.ts".into()],
        exclude: vec!["*.test.ts".into()],
        ..opts()
    };
    let out = tempfile::tempdir().unwrap();
    let e = entries(&bundle(src.path(), out.path(), &o).archive);
    let names: Vec<String> = e
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(
        names,
        ["main.ts", "src", "src/a.ts", "src/deep", "src/deep/b.ts"]
    );

    let bad = BundleOptions {
        exclude: vec!["src/{a,b".into()],
        ..opts()
    };
    let err = bundle_dir("fn", src.path(), out.path(), &bad).unwrap_err();
    assert_eq!(exit_code(&err), Exit::Usage);
    assert!(format!("{err:#}").contains("src/{a,b"), "{err:#}");
}

#[test]
fn symlink_leaving_the_directory_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let src = parent.path().join("fn");
    write(&src, "index.ts", b"x");
    write(parent.path(), "secret.txt", b"do not ship");
    std::os::unix::fs::symlink("../secret.txt", src.join("link")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = bundle_dir("fn", &src, out.path(), &opts()).unwrap_err();
    let msg = format!("{err:#}");
    assert_eq!(exit_code(&err), Exit::Usage, "{msg}");
    assert!(
        msg.contains(&src.join("link").display().to_string()),
        "{msg}"
    );
    assert!(
        msg.contains("../secret.txt") && msg.contains("outside"),
        "{msg}"
    );
    let rendered = hoist::error::render(&err, false);
    assert!(rendered.contains("hint:"), "{rendered}");
    assert!(
        files_in(out.path()).is_empty(),
        "{:?}",
        files_in(out.path())
    );

    // Absolute links out, and links that lead nowhere, are refused too.
    fs::remove_file(src.join("link")).unwrap();
    std::os::unix::fs::symlink(parent.path().join("secret.txt"), src.join("abs")).unwrap();
    let err = bundle_dir("fn", &src, out.path(), &opts()).unwrap_err();
    assert!(format!("{err:#}").contains("outside"), "{err:#}");
    fs::remove_file(src.join("abs")).unwrap();
    std::os::unix::fs::symlink("missing.ts", src.join("dangling")).unwrap();
    let err = bundle_dir("fn", &src, out.path(), &opts()).unwrap_err();
    assert!(format!("{err:#}").contains("dangling"), "{err:#}");
    assert_eq!(exit_code(&err), Exit::Usage);
    assert!(files_in(out.path()).is_empty());
}

#[test]
fn symlink_inside_is_kept_as_a_link() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "lib/real.ts", b"real");
    std::os::unix::fs::symlink("lib/real.ts", src.path().join("alias.ts")).unwrap();
    std::os::unix::fs::symlink("lib", src.path().join("libdir")).unwrap();
    // An absolute link into the tree is stored relative, so it works anywhere.
    std::os::unix::fs::symlink(
        src.path().join("lib/real.ts"),
        src.path().join("lib/abs.ts"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let b = bundle(src.path(), out.path(), &opts());
    let e = entries(&b.archive);
    assert_eq!(e[&b"alias.ts"[..]], Node::Link("lib/real.ts".into()));
    assert_eq!(e[&b"libdir"[..]], Node::Link("lib".into()));
    assert_eq!(e[&b"lib/abs.ts"[..]], Node::Link("real.ts".into()));
    assert!(
        !e.contains_key(&b"libdir/real.ts"[..]),
        "links are not followed"
    );
    let alias = b
        .manifest
        .files
        .iter()
        .find(|f| f.path == "alias.ts")
        .unwrap();
    assert_eq!(alias.link.as_deref(), Some("lib/real.ts"));
}

#[test]
fn over_the_size_limit_stops_with_a_clear_error() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "blob.bin", random_bytes(3 << 20, 5));
    let out = tempfile::tempdir().unwrap();
    let o = BundleOptions {
        limit_bytes: 1 << 20,
        ..opts()
    };
    let err = bundle_dir("api", src.path(), out.path(), &o).unwrap_err();
    let rendered = hoist::error::render(&err, false);
    assert_eq!(exit_code(&err), Exit::Usage, "{rendered}");
    assert!(
        rendered.contains("`api`") && rendered.contains("1 MiB"),
        "{rendered}"
    );
    assert!(
        rendered.contains("bundle.limit_mb") && rendered.contains(".hoistignore"),
        "{rendered}"
    );
    assert!(
        files_in(out.path()).is_empty(),
        "{:?}",
        files_in(out.path())
    );
}

#[test]
fn special_and_unreadable_files_are_refused_by_name() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "index.ts", b"x");
    let sock = src.path().join("app.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = bundle_dir("fn", src.path(), out.path(), &opts()).unwrap_err();
    let msg = format!("{err:#}");
    assert_eq!(exit_code(&err), Exit::Usage);
    assert!(
        msg.contains(&sock.display().to_string()) && msg.contains("not a regular file"),
        "{msg}"
    );
    assert!(files_in(out.path()).is_empty());
    fs::remove_file(&sock).unwrap();

    let st = std::process::Command::new("mkfifo")
        .arg(src.path().join("pipe"))
        .status();
    if st.is_ok_and(|s| s.success()) {
        let err = bundle_dir("fn", src.path(), out.path(), &opts()).unwrap_err();
        assert!(format!("{err:#}").contains("named pipe"), "{err:#}");
        fs::remove_file(src.path().join("pipe")).unwrap();
    }

    // A file we may not read; root reads everything, so this only runs for
    // other users.
    let locked = src.path().join("locked.txt");
    fs::write(&locked, b"no").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&locked).is_ok() {
        eprintln!("skipping the permission check: running as a user who can read mode 000 files");
    } else {
        let err = bundle_dir("fn", src.path(), out.path(), &opts()).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(&locked.display().to_string()), "{msg}");
        assert!(files_in(out.path()).is_empty());
    }
}

#[test]
fn empty_directory_is_an_error() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = bundle_dir("fn", src.path(), out.path(), &opts()).unwrap_err();
    assert_eq!(exit_code(&err), Exit::Usage);
    assert!(format!("{err:#}").contains("is empty"), "{err:#}");
    // Only ignored files (and empty directories) is empty too.
    write(src.path(), ".env", b"S=1");
    fs::create_dir(src.path().join("nothing")).unwrap();
    let err = bundle_dir("fn", src.path(), out.path(), &opts()).unwrap_err();
    assert!(format!("{err:#}").contains("ignored"), "{err:#}");
    assert!(files_in(out.path()).is_empty());
    let missing = bundle_dir("fn", &src.path().join("nope"), out.path(), &opts()).unwrap_err();
    assert_eq!(exit_code(&missing), Exit::Usage);
}

#[test]
fn random_data_is_stored_and_text_compresses() {
    let src = tempfile::tempdir().unwrap();
    let size = 6 << 20;
    write(src.path(), "blob.bin", random_bytes(size, 77));
    let out = tempfile::tempdir().unwrap();
    let b = bundle(src.path(), out.path(), &opts());
    let c = b.manifest.compressed_size as usize;
    // Stored: tar + gzip framing and 5 bytes per 64 KiB, well under 0.1%.
    assert!(
        c >= size && c < size + size / 1000,
        "{c} for {size} random bytes"
    );

    let src = tempfile::tempdir().unwrap();
    for i in 0..40 {
        write(src.path(), &format!("src/m{i}.ts"), text(50_000, 100 + i));
    }
    let b = bundle(src.path(), out.path(), &opts());
    let total = b.manifest.total_size;
    assert!(
        b.manifest.compressed_size * 3 < total,
        "{} for {total} bytes of text",
        b.manifest.compressed_size
    );
}

#[test]
fn function_directory_reached_through_a_symlink() {
    let parent = tempfile::tempdir().unwrap();
    let real = parent.path().join("real");
    sample_tree(&real);
    std::os::unix::fs::symlink("../index.ts", real.join("lib/up")).unwrap();
    let via = parent.path().join("via");
    std::os::unix::fs::symlink(&real, &via).unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = bundle(&real, out.path(), &opts());
    let b = bundle(&via, out.path(), &opts());
    assert_eq!(a.manifest.digest, b.manifest.digest);
    assert_eq!(a.manifest.file_count, 8);
}

/// The module graph against `deno info` on published npm code.
#[path = "graph_corpus.rs"]
mod graph_corpus;

/// Node and Bun functions in npm and pnpm workspaces.
#[path = "workspaces.rs"]
mod workspaces;
