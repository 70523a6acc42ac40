//! The bad-input corpus: hundreds of hostile projects, generated from a
//! valid one by mutation (lines of hoist.yaml deleted, duplicated, cut,
//! swapped; values replaced by wrong types, huge values and odd names)
//! plus hand-written ones (function dirs with FIFOs, sockets, symlink
//! loops, deep trees, odd file names, a huge sparse file; stores whose
//! manifests lie or name keys outside the store; archives with path
//! traversal for the unpacker). Each project is run through `hoist push`
//! (local store inside the project; the function-dir cases through `hoist
//! bundle` too), in parallel threads. Every case says whether it must be
//! refused or accepted, and must be: refused is exit 1 or 2 with an
//! `error:` line, accepted is exit 0 (the mutations that leave the project
//! valid are listed by name in `ACCEPTED`). Every case: no panic (exit ≠
//! 101, no "panicked"), nothing written outside the project (a decoy sits
//! where `../../outside` from a project points), no temporary left in
//! `.hoist/` or the store, and no manifest stored by a refused push. Each
//! case stays within 2 s of CPU time and 256 MiB of peak RSS (the kernel's
//! accounting, `wait4`); the run prints the largest of each.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const BASE: &str = "project: demo
storage:
  backend: local
  path: store
functions:
  api:
    runtime: bun
    version: v1
    port: 8080
    entrypoint: index.ts
    include:
      - \"*.ts\"
    env:
      MODE: prod
";

/// Values that are wrong for most keys.
const VALUES: &[&str] = &[
    "[",
    "{a:",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "[1, 2]",
    "{x: 1}",
    "~",
    "\"\"",
    "../../outside",
    "/etc/passwd",
    "\"a\\u0000b\"",
    "*alias",
    "&anchor",
    "!!binary AAAA",
    "index.json",
    "\"név ✓\"",
    "-",
    "\"\\t\"",
];

/// What a case must end with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Exit 1 or 2 with an `error:` line.
    Refused,
    /// Exit 0.
    Accepted,
}

/// One case: a hoist.yaml, what to add to the project and what must
/// happen.
struct Case {
    name: String,
    yaml: String,
    setup: fn(&Path),
    args: &'static [&'static str],
    expect: Expect,
}

/// The mutations that leave a valid project, so `hoist push` must store
/// it; every other mutation must be refused. Lines of `BASE`: 0 project,
/// 1 storage, 2 backend, 3 path, 4 functions, 5 api, 6 runtime, 7 version,
/// 8 port, 9 entrypoint, 10 include, 11 its item, 12 env, 13 MODE. Values
/// by index in `VALUES`.
const ACCEPTED: &[&str] = &[
    // Keys with defaults (backend local, store path, version, port,
    // entrypoint index.ts, include, env), and keys of one map swapped.
    "delete line 2",
    "delete line 3",
    "delete line 7",
    "delete line 8",
    "delete line 9",
    "delete line 11",
    "delete line 13",
    "swap lines 2",
    "swap lines 6",
    "swap lines 7",
    "swap lines 8",
    // The include item twice, or indented (still the list's item); MODE
    // indented under `env:` is still its key.
    "duplicate line 11",
    "indent line 11",
    "indent line 13",
    // `&anchor` before a value is a YAML anchor: the value is unchanged
    // (on `storage:`, `functions:` and `api:` it anchors the map below).
    "line 1 value 14",
    "line 4 value 14",
    "line 5 value 14",
    "line 8 value 14",
    "line 9 value 14",
    "line 10 value 14",
    "line 12 value 14",
    "line 3 value 14",
    "line 7 value 14",
    "line 13 value 14",
    // Numbers as the project's name or version are names ("0", huge,
    // "1e400").
    "line 0 value 3",
    "line 0 value 4",
    "line 0 value 5",
    "line 7 value 3",
    "line 7 value 4",
    "line 7 value 5",
    // `~` (null) takes the default: version, port, entrypoint, store path.
    "line 7 value 8",
    "line 8 value 8",
    "line 9 value 8",
    "line 3 value 8",
    // `!!binary` makes a version of its bytes' text.
    "line 7 value 15",
    // A store path inside the project with an odd name: "-1", "0", huge,
    // "1e400", "" (the project's store default), bytes, "index.json",
    // "név ✓", a tab.
    "line 3 value 2",
    "line 3 value 3",
    "line 3 value 4",
    "line 3 value 5",
    "line 3 value 9",
    "line 3 value 15",
    "line 3 value 16",
    "line 3 value 17",
    "line 3 value 19",
    // Any string is an env value (null, numbers, paths, text).
    "line 13 value 2",
    "line 13 value 3",
    "line 13 value 4",
    "line 13 value 5",
    "line 13 value 8",
    "line 13 value 9",
    "line 13 value 10",
    "line 13 value 11",
    "line 13 value 12",
    "line 13 value 15",
    "line 13 value 16",
    "line 13 value 17",
    "line 13 value 19",
];

fn no_setup(_: &Path) {}

/// A named way of spoiling a project.
type Setup = (&'static str, fn(&Path));

fn mutations() -> Vec<Case> {
    let lines: Vec<&str> = BASE.lines().collect();
    let mut out = Vec::new();
    let mut add = |name: String, yaml: String| {
        let expect = if ACCEPTED.contains(&name.as_str()) {
            Expect::Accepted
        } else {
            Expect::Refused
        };
        out.push(Case {
            name,
            yaml,
            setup: no_setup,
            args: &["push"],
            expect,
        })
    };
    for i in 0..lines.len() {
        let mut l = lines.clone();
        l.remove(i);
        add(format!("delete line {i}"), l.join("\n"));
        let mut l = lines.clone();
        l.insert(i, lines[i]);
        add(format!("duplicate line {i}"), l.join("\n"));
        let cut = &lines[i][..lines[i].len() / 2];
        let mut l = lines.clone();
        l[i] = cut;
        add(format!("cut line {i}"), l.join("\n"));
        if i + 1 < lines.len() {
            let mut l = lines.clone();
            l.swap(i, i + 1);
            add(format!("swap lines {i}"), l.join("\n"));
        }
        // Indentation flipped: one level in and out.
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        l[i] = format!("  {}", lines[i]);
        add(format!("indent line {i}"), l.join("\n"));
        // Every value replaced by each wrong value.
        if let Some((key, _)) = lines[i].split_once(':') {
            for (k, v) in VALUES.iter().enumerate() {
                let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                l[i] = format!("{key}: {v}");
                add(format!("line {i} value {k}"), l.join("\n"));
            }
        }
    }
    // Huge and odd values for the keys that are names.
    let big = "x".repeat(2 << 20);
    add("project 2 MiB".into(), BASE.replace("demo", &big));
    add(
        "function name odd".into(),
        BASE.replace("  api:", "  \"a/../b\":"),
    );
    add(
        "function name empty".into(),
        BASE.replace("  api:", "  \"\":"),
    );
    add(
        "function name NUL".into(),
        BASE.replace("  api:", "  \"a\\0\":"),
    );
    add("BOM twice".into(), format!("\u{feff}\u{feff}{BASE}"));
    add("binary".into(), "\u{1}\u{2}\u{3}".repeat(100));
    add("empty".into(), String::new());
    add("only a comment".into(), "# nothing\n".into());
    add("document list".into(), format!("{BASE}---\n{BASE}"));
    add(
        "deep nesting".into(),
        "a:\n".to_string() + &"[".repeat(5000),
    );
    add(
        "many keys".into(),
        (0..20000).map(|i| format!("k{i}: 1\n")).collect(),
    );
    add("unclosed quote".into(), BASE.replace("v1", "\"v1"));
    out
}

fn fifo(root: &Path) {
    let p = std::ffi::CString::new(root.join("functions/api/pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    unsafe { libc::mkfifo(p.as_ptr(), 0o644) };
}
fn socket(root: &Path) {
    let l = std::os::unix::net::UnixListener::bind(root.join("functions/api/sock")).unwrap();
    std::mem::forget(l);
}
fn symlink_loop(root: &Path) {
    let d = root.join("functions/api");
    std::os::unix::fs::symlink("b", d.join("a")).unwrap();
    std::os::unix::fs::symlink("a", d.join("b")).unwrap();
}
fn dir_loop(root: &Path) {
    std::os::unix::fs::symlink("..", root.join("functions/api/up")).unwrap();
}
fn escaping_link(root: &Path) {
    std::os::unix::fs::symlink("/etc/passwd", root.join("functions/api/passwd")).unwrap();
}
fn deep_tree(root: &Path) {
    let mut p = root.join("functions/api");
    for _ in 0..400 {
        p.push("d");
    }
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("x.ts"), "1").unwrap();
}
fn odd_names(root: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let d = root.join("functions/api");
    for n in [
        &b"new\nline.ts"[..],
        b"-rf.ts",
        b"back\\slash.ts",
        b"\xff\xfe.ts",
        b" .ts",
    ] {
        std::fs::write(d.join(std::ffi::OsStr::from_bytes(n)), "1").unwrap();
    }
    std::fs::write(d.join("n".repeat(250) + ".ts"), "1").unwrap();
}
fn sparse(root: &Path) {
    let f = std::fs::File::create(root.join("functions/api/huge.ts")).unwrap();
    f.set_len(3 << 30).unwrap();
}
fn unreadable(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let p = root.join("functions/api/secret.ts");
    std::fs::write(&p, "1").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
}
fn no_entrypoint(root: &Path) {
    std::fs::remove_file(root.join("functions/api/index.ts")).unwrap();
}
fn entry_is_dir(root: &Path) {
    no_entrypoint(root);
    std::fs::create_dir(root.join("functions/api/index.ts")).unwrap();
}
fn store_is_file(root: &Path) {
    std::fs::write(root.join("store"), "not a dir").unwrap();
}
fn hoist_is_file(root: &Path) {
    std::fs::write(root.join(".hoist"), "not a dir").unwrap();
}

/// A store holding v1 whose manifest is `doc` (other fields valid).
fn lying_store(root: &Path, edit: fn(&mut serde_json::Value)) {
    let m = root.join("store/functions/api/v1/manifest.json");
    std::fs::create_dir_all(m.parent().unwrap()).unwrap();
    let mut doc = serde_json::json!({
        "schema": 1, "function": "api", "version": "v1",
        "bundle": {"key": "functions/api/v1/archive-00.tar.gz", "digest": "sha256:00", "size": 3,
                   "media_type": "application/vnd.hoist.bundle.v1.tar+gzip"},
        "image": null, "runtime": "bun", "entrypoint": "index.ts",
        "git": null, "hoist_version": "0", "created_at": "2024-01-01T00:00:00Z"
    });
    edit(&mut doc);
    std::fs::write(m, serde_json::to_vec(&doc).unwrap()).unwrap();
}
fn key_traversal(root: &Path) {
    lying_store(root, |d| {
        d["bundle"]["key"] = "../../../../etc/passwd".into()
    });
}
fn key_absolute(root: &Path) {
    lying_store(root, |d| d["bundle"]["key"] = "/etc/passwd".into());
}
fn missing_archive(root: &Path) {
    lying_store(root, |_| {});
}
fn other_function(root: &Path) {
    lying_store(root, |d| d["function"] = "other".into());
}
fn garbage_manifest(root: &Path) {
    lying_store(root, |_| {});
    std::fs::write(root.join("store/functions/api/v1/manifest.json"), "{\"sch").unwrap();
}

/// A spoiled function dir: (name, setup, what `hoist push` must do, what
/// `hoist bundle` must do).
type DirCase = (&'static str, fn(&Path), Expect, Expect);

/// Whether this process is root: root reads a file whatever its mode.
fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn hostile() -> Vec<Case> {
    use Expect::{Accepted, Refused};
    let unreadable_expect = if root() { Accepted } else { Refused };
    let dirs: &[DirCase] = &[
        ("fifo", fifo, Refused, Refused),
        ("socket", socket, Refused, Refused),
        ("symlink loop", symlink_loop, Refused, Refused),
        ("dir loop", dir_loop, Refused, Refused),
        ("link outside", escaping_link, Refused, Refused),
        // Valid files, however deep or oddly named.
        ("deep tree", deep_tree, Accepted, Accepted),
        ("odd names", odd_names, Accepted, Accepted),
        // Archived as a sparse file: a few MiB.
        ("sparse 3 GiB", sparse, Accepted, Accepted),
        (
            "unreadable file",
            unreadable,
            unreadable_expect,
            unreadable_expect,
        ),
        ("no entrypoint", no_entrypoint, Refused, Refused),
        ("entrypoint is a dir", entry_is_dir, Refused, Refused),
        // `hoist bundle` does not use the store.
        ("store is a file", store_is_file, Refused, Accepted),
        (".hoist is a file", hoist_is_file, Refused, Refused),
    ];
    let stores: &[Setup] = &[
        ("pull key traversal", key_traversal),
        ("pull key absolute", key_absolute),
        ("pull missing archive", missing_archive),
        ("pull other function", other_function),
        ("pull garbage manifest", garbage_manifest),
    ];
    let mut out = Vec::new();
    for (name, setup, push, bundle) in dirs {
        for (args, expect) in [(&["push"][..], push), (&["bundle"][..], bundle)] {
            out.push(Case {
                name: format!("{name} ({})", args[0]),
                yaml: BASE.to_string(),
                setup: *setup,
                args: if args[0] == "push" {
                    &["push"]
                } else {
                    &["bundle"]
                },
                expect: *expect,
            });
        }
    }
    for (name, setup) in stores {
        out.push(Case {
            name: name.to_string(),
            yaml: BASE.to_string(),
            setup: *setup,
            args: &["pull", "api", "v1"],
            expect: Refused,
        });
    }
    out
}

/// What one case may use: CPU time (user + system, so a loaded machine
/// does not count) and peak resident memory.
const CPU_LIMIT: Duration = Duration::from_secs(2);
const RSS_LIMIT_KIB: u64 = 256 * 1024;

/// What a finished case used, from the kernel's accounting of the process.
#[derive(Clone, Copy)]
struct Usage {
    cpu: Duration,
    rss_kib: u64,
}

/// Every case's usage, for the summary line.
static USAGE: Mutex<Vec<(Usage, String)>> = Mutex::new(Vec::new());

/// Wait for `child` (reading its stderr) and return its exit code, stderr
/// and resource usage (`wait4`).
fn wait_with_usage(mut child: std::process::Child) -> (Option<i32>, Vec<u8>, Usage) {
    let mut pipe = child.stderr.take().expect("stderr piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut pipe, &mut buf);
        buf
    });
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waiting for our own child by pid; `child` is not waited on again.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let stderr = reader.join().unwrap();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let usage = Usage {
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        rss_kib: ru.ru_maxrss as u64,
    };
    (code, stderr, usage)
}

/// Temporaries and manifests under `dir`.
fn scan(dir: &Path, temps: &mut Vec<PathBuf>, manifests: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let p = e.path();
        if name.ends_with(".tmp") || name.starts_with(".hoist-tmp-") || name.contains(".stage-") {
            temps.push(p.clone());
        }
        if name == "manifest.json" {
            manifests.push(p.clone());
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            scan(&p, temps, manifests);
        }
    }
}

/// Run one case in its own directory under `arena/cases` (so that
/// `../../outside` from it is `arena/outside`); `Err` says what broke.
fn run(case: &Case, arena: &Path, i: usize) -> Result<Option<i32>, String> {
    let root = arena.join("cases").join(format!("case-{i}"));
    let f = root.join("functions/api");
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(f.join("index.ts"), "export default () => 1\n").unwrap();
    std::fs::write(root.join("hoist.yaml"), &case.yaml).unwrap();
    (case.setup)(&root);
    let had_manifest = root.join("store").is_dir();
    let child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .current_dir(&root)
        .args(case.args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", root.join(".home"))
        .env("HOIST_CACHE_DIR", root.join(".cache"))
        .env("HOIST_CONFIG_DIR", root.join(".config"))
        .env("HOIST_CREDENTIALS", "file")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run hoist: {e}"))?;
    let (code, stderr, usage) = wait_with_usage(child);
    let err = String::from_utf8_lossy(&stderr);
    let fail = |why: &str| {
        Err(format!(
            "{why} (exit {code:?})\n{}",
            err.chars().take(600).collect::<String>()
        ))
    };
    if code == Some(101) || err.contains("panicked") {
        return fail("panic");
    }
    if usage.cpu > CPU_LIMIT || usage.rss_kib > RSS_LIMIT_KIB {
        return fail(&format!(
            "used {:.2} s of CPU and {} MiB (limits: {:.0} s, {} MiB)",
            usage.cpu.as_secs_f64(),
            usage.rss_kib / 1024,
            CPU_LIMIT.as_secs_f64(),
            RSS_LIMIT_KIB / 1024
        ));
    }
    USAGE.lock().unwrap().push((usage, case.name.clone()));
    match (code, case.expect) {
        (Some(0), Expect::Accepted) => {}
        (Some(0), Expect::Refused) => return fail("accepted, but must be refused"),
        (Some(1 | 2), Expect::Refused) if err.lines().any(|l| l.starts_with("error:")) => {}
        (Some(1 | 2), Expect::Refused) => return fail("no `error:` line"),
        (Some(1 | 2), Expect::Accepted) => return fail("refused, but must be accepted"),
        _ => return fail("exit code other than 0, 1, 2"),
    }
    let (mut temps, mut manifests) = (Vec::new(), Vec::new());
    scan(&root.join(".hoist"), &mut temps, &mut manifests);
    let mut store_manifests = Vec::new();
    scan(&root.join("store"), &mut temps, &mut store_manifests);
    if !temps.is_empty() {
        return fail(&format!("temporaries left: {temps:?}"));
    }
    if code != Some(0) && !had_manifest && !store_manifests.is_empty() {
        return fail("a refused push stored a manifest");
    }
    Ok(code.filter(|c| *c != 0))
}

#[test]
fn hostile_projects_are_refused_cleanly() {
    let mut cases = mutations();
    cases.extend(hostile());
    for name in ACCEPTED {
        assert!(
            cases.iter().any(|c| c.name == *name),
            "ACCEPTED names no case: {name}"
        );
    }
    let arena = tempfile::tempdir().unwrap();
    // A decoy nothing may touch, where `../../outside` from a project
    // points (a store path of `../../outside` would write into it).
    let outside = arena.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::create_dir(arena.path().join("cases")).unwrap();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let refused = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                match run(case, arena.path(), i) {
                    Ok(Some(_)) => {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(None) => {}
                    Err(why) => failures
                        .lock()
                        .unwrap()
                        .push(format!("{}: {why}", case.name)),
                }
                let _ =
                    std::fs::remove_dir_all(arena.path().join("cases").join(format!("case-{i}")));
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    let mut names: Vec<_> = std::fs::read_dir(arena.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["cases", "outside"],
        "something was written beside the projects"
    );
    let left = std::fs::read_dir(arena.path().join("cases"))
        .unwrap()
        .count();
    assert_eq!(left, 0, "something was written beside the projects");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    let refused = refused.into_inner();
    let usage = USAGE.lock().unwrap();
    let most_cpu = usage.iter().max_by_key(|(u, _)| u.cpu).unwrap();
    let most_rss = usage.iter().max_by_key(|(u, _)| u.rss_kib).unwrap();
    eprintln!(
        "corpus: {} cases, {refused} refused; most CPU {:.3} s ({}), peak RSS {:.1} MiB ({})",
        cases.len(),
        most_cpu.0.cpu.as_secs_f64(),
        most_cpu.1,
        most_rss.0.rss_kib as f64 / 1024.0,
        most_rss.1
    );
    assert!(
        refused >= 300,
        "only {refused} of {} cases were refused",
        cases.len()
    );
}

/// Archives whose entries climb out of the destination are refused by the
/// unpacker (or kept inside it), never written outside.
#[test]
fn traversal_archives_never_write_outside() {
    let dir = tempfile::tempdir().unwrap();
    let entries: &[(&str, &[u8])] = &[
        ("../evil", b"x"),
        ("a/../../evil", b"x"),
        ("/tmp/hoist-corpus-evil", b"x"),
        ("./../evil", b"x"),
    ];
    for (i, (name, data)) in entries.iter().enumerate() {
        let archive = dir.path().join(format!("{i}.tar.gz"));
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&archive).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        // Written raw: tar::Builder refuses `..` through set_path.
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        tar.append(&h, *data).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let dest = dir.path().join(format!("out{i}/inner"));
        let _ = hoist_core::bundle::unpack::unpack(&archive, &dest);
        assert!(!dir.path().join(format!("out{i}/evil")).exists(), "{name}");
        assert!(!dir.path().join("evil").exists(), "{name}");
        assert!(!Path::new("/tmp/hoist-corpus-evil").exists(), "{name}");
    }
}
