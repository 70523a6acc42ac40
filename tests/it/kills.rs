//! `hoist push` (to S3 and to a registry) and `hoist build` killed with
//! SIGKILL or SIGINT at pseudo-random points (a seeded, deterministic list
//! of delays), each followed by a re-run. After every kill: no manifest
//! names a missing archive or one holding other bytes, no tag names an
//! image with a missing blob; hoist died of the signal (or exited 130 on
//! SIGINT) or had already finished with success, and at least one kill per
//! operation landed while hoist ran. After every re-run: it succeeded, and
//! no temporary files or registry upload records remain. After the S3
//! kills and `hoist prune --uploads`: no upload hoist recorded is left on
//! the server unless the server refused its abort and hoist said so.
//! Ten kills per operation by default; `HOIST_SOAK=1` runs fifty and
//! `HOIST_KILLS=N` runs N (`.ci/test.sh` runs four). They
//! kill hoist at timed points, so they run when asked
//! (`cargo test --test it kills:: -- --ignored`) and count as ignored in
//! every other run.

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::bytes::random_bytes;
use support::registry::{have, http_status, push_busybox_base, Registry};
use support::s3::{sha256_file, S3Server, ACCESS_KEY, BUCKET, SECRET_KEY};

/// Kills per operation: `HOIST_KILLS`, else 50 with `HOIST_SOAK=1`, else 10.
fn kills() -> usize {
    if let Some(n) = std::env::var("HOIST_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if std::env::var("HOIST_SOAK").is_ok_and(|v| v == "1") {
        50
    } else {
        10
    }
}

/// `n` delays in `[0, max_ms)` from `seed`, the same on every run.
fn delays(seed: u64, n: usize, max_ms: u64) -> Vec<Duration> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(x % max_ms)
        })
        .collect()
}

fn command(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoist"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("HOIST_") {
            cmd.env_remove(&k);
        }
    }
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.join(".config"))
        .env("DOCKER_CONFIG", dir.join(".docker"))
        .env("AWS_CONFIG_FILE", dir.join(".aws-none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join(".aws-none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOIST_S3_ACCESS_KEY_ID", ACCESS_KEY)
        .env("HOIST_S3_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("HOIST_S3_PART_SIZE_MB", "5")
        .env("HOIST_RETRY_BASE_MS", "20")
        .stdin(Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

/// Start `args`, wait `delay`, then SIGKILL it (even `i`) or SIGINT it.
/// True when the signal landed while hoist ran (it died of the signal, or
/// exited 130 on SIGINT); false when hoist had finished first, which must
/// then have been a success. Anything else (a panic's 101, another code)
/// fails.
fn run_and_kill(
    dir: &Path,
    args: &[&str],
    extra: &[(&str, &str)],
    delay: Duration,
    i: usize,
) -> bool {
    use std::os::unix::process::ExitStatusExt;
    let mut child = command(dir, args, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("hoist starts");
    std::thread::sleep(delay);
    let sig = if i.is_multiple_of(2) {
        libc::SIGKILL
    } else {
        libc::SIGINT
    };
    // SAFETY: signalling our own child by its pid (not yet waited for).
    unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    let status = child.wait().expect("wait");
    match (status.signal(), status.code()) {
        (Some(s), _) if s == sig => true,
        (None, Some(130)) if sig == libc::SIGINT => true,
        (None, Some(0)) => false,
        _ => panic!("kill {i}: hoist {args:?} ended with {status} on signal {sig}"),
    }
}

/// Run `args` to the end; it must succeed. Returns its stderr.
fn rerun(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> String {
    let out = command(dir, args, extra).output().expect("hoist runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the re-run of {args:?} failed: {err}");
    err
}

/// At least one of `n` kills must have landed while hoist ran.
fn assert_some_landed(landed: usize, n: usize, what: &str) {
    assert!(n > 0, "{what}: no kills were run");
    assert!(
        landed > 0,
        "{what}: none of {n} kills landed while hoist ran (each finished first)"
    );
    eprintln!("{what}: {landed} of {n} kills landed while hoist ran");
}

/// Files under `dir` whose name says they are a temporary of hoist's.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let p = e.path();
            if name.starts_with(".hoist-tmp-")
                || (name.starts_with(".bundle-") && name.ends_with(".tmp"))
                || name.contains(".stage-")
            {
                found.push(p.display().to_string());
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    found
}

/// Every manifest under the S3 data directory names an archive that exists
/// and holds its digest. Returns how many manifests there are.
fn check_s3_manifests(s3: &S3Server) -> usize {
    let root = s3.object_file(BUCKET, "kill/functions/api");
    let mut n = 0;
    for v in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let m = v.path().join("manifest.json");
        let Ok(bytes) = std::fs::read(&m) else {
            continue;
        };
        n += 1;
        let doc: serde_json::Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", m.display()));
        let key = doc["bundle"]["key"].as_str().expect("bundle.key");
        let archive = s3.object_file(BUCKET, &format!("kill/{key}"));
        assert!(archive.is_file(), "{} names missing {key}", m.display());
        assert_eq!(
            format!("sha256:{}", sha256_file(&archive)),
            doc["bundle"]["digest"].as_str().unwrap(),
            "{} names an archive holding other bytes",
            m.display()
        );
    }
    n
}

/// hoist's S3 upload records in `.hoist/uploads/`: (upload id, refused
/// aborts).
fn s3_records(root: &Path) -> Vec<(String, u64)> {
    std::fs::read_dir(root.join(".hoist/uploads"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with("registry-"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map(|v| {
            let id = v["upload_id"].as_str().unwrap_or_default().to_string();
            (id, v["refused"].as_u64().unwrap_or(0))
        })
        .collect()
}

/// The multipart uploads s3s-fs still holds state for, by id: it keeps
/// `.upload-{id}.json` and `.upload_id-{id}.part-{n}` in its root.
fn s3_pending_uploads(s3: &S3Server) -> BTreeSet<String> {
    s3.pending_multipart_files()
        .iter()
        .filter_map(|n| {
            n.strip_prefix(".upload_id-")
                .and_then(|r| r.split(".part-").next())
                .or_else(|| n.strip_prefix(".upload-")?.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect()
}

/// After the cleanup: no upload hoist recorded is left on the server,
/// unless the server refused to abort it and hoist said so (its record
/// counts the refusals, or hoist gave up on it naming its id), and no
/// record is left whose abort was never refused. Uploads never recorded (a
/// kill between CreateMultipartUpload's answer and the record's write)
/// cannot be found on s3s-fs, which cannot list uploads: they are counted,
/// not failed (docs/reliability.md).
fn check_s3_uploads_left(s3: &S3Server, root: &Path, recorded: &BTreeSet<String>, said: &str) {
    let records = s3_records(root);
    for (id, refused) in &records {
        assert!(
            *refused > 0,
            "upload {id} is still recorded though the server never refused its abort:\n{said}"
        );
    }
    let pending = s3_pending_uploads(s3);
    let mut unrecorded = 0;
    for id in &pending {
        if !recorded.contains(id) {
            unrecorded += 1;
            continue;
        }
        let refused = records.iter().any(|(r, n)| r == id && *n > 0);
        let gave_up = said
            .lines()
            .any(|l| l.contains("hoist stops trying") && l.contains(id.as_str()));
        assert!(
            refused || gave_up,
            "upload {id}, recorded by a killed push, is still on the server and hoist did not say why:\n{said}"
        );
    }
    eprintln!(
        "s3 kills: {} upload(s) recorded, {} left on the server ({unrecorded} never recorded)",
        recorded.len(),
        pending.len()
    );
}

#[test]
#[ignore = "kill tests: run with `cargo test --test it kills:: -- --ignored`"]
fn push_to_s3_killed_at_random_points_then_rerun() {
    let Some(s3) = S3Server::start() else { return };
    s3.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let f = root.join("functions/api");
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(f.join("index.ts"), "export default () => 1\n").unwrap();
    let (mut landed, mut n) = (0, 0);
    let mut recorded = BTreeSet::new();
    let mut said = String::new();
    for (i, delay) in delays(11, kills(), 900).into_iter().enumerate() {
        // New content and version each time: every kill hits a fresh push.
        std::fs::write(f.join("data.bin"), random_bytes(12 << 20, i as u64)).unwrap();
        std::fs::write(
            root.join("hoist.yaml"),
            format!(
                "project: kill\nbundle:\n  limit_mb: 100\nstorage:\n  backend: s3\n  s3:\n    bucket: {BUCKET}\n    endpoint: {}\n    path_style: true\n    region: us-east-1\n    prefix: kill\nfunctions:\n  api:\n    runtime: bun\n    version: v{i}\n",
                s3.endpoint()
            ),
        )
        .unwrap();
        n += 1;
        landed += usize::from(run_and_kill(root, &["push"], &[], delay, i));
        recorded.extend(s3_records(root).into_iter().map(|(id, _)| id));
        check_s3_manifests(&s3);
        said.push_str(&rerun(root, &["push"], &[]));
        assert!(check_s3_manifests(&s3) > i, "kill {i}: manifests missing");
        let m = s3.object_file(BUCKET, &format!("kill/functions/api/v{i}/manifest.json"));
        assert!(m.is_file(), "the re-run stored no manifest for v{i}");
        assert_eq!(leftovers(root), Vec::<String>::new(), "kill {i}");
    }
    assert_some_landed(landed, n, "s3 push");
    let prune = command(root, &["prune", "api", "--uploads", "-v"], &[])
        .output()
        .expect("hoist runs");
    said.push_str(&String::from_utf8_lossy(&prune.stderr));
    assert!(prune.status.success(), "prune --uploads failed:\n{said}");
    check_s3_uploads_left(&s3, root, &recorded, &said);
}

/// Whether `repo:1.0.0` exists; when it does, it names blobs the registry
/// holds.
fn check_registry_image(addr: &str, repo: &str) -> bool {
    let url = format!("http://{addr}/v2/{repo}/manifests/1.0.0");
    let Ok(resp) = ureq::get(&url)
        .set("Accept", "application/vnd.oci.image.manifest.v1+json")
        .call()
    else {
        return false;
    };
    let doc: serde_json::Value = resp.into_json().expect("manifest JSON");
    let mut digests = vec![doc["config"]["digest"].as_str().unwrap().to_string()];
    for l in doc["layers"].as_array().unwrap() {
        digests.push(l["digest"].as_str().unwrap().to_string());
    }
    for d in digests {
        assert_eq!(
            http_status(addr, &format!("/v2/{repo}/blobs/{d}")),
            Some(200),
            "{repo}:1.0.0 names missing blob {d}"
        );
    }
    true
}

fn registry_yaml(root: &Path, registry: &str, prefix: &str) {
    std::fs::write(
        root.join("hoist.yaml"),
        format!(
            "project: kill\nfunctions:\n  hello:\n    runtime: dockerfile\n    version: \"1.0.0\"\nregistry:\n  url: {registry}\n  prefix: {prefix}\n"
        ),
    )
    .unwrap();
}

/// The busybox base image in a registry of its own, and the image cache
/// the kill tests' hoist runs share (`HOIST_CACHE_DIR`).
struct BaseImage {
    registry: Registry,
    cache: String,
    _cache_dir: tempfile::TempDir,
    _project: tempfile::TempDir,
}

impl BaseImage {
    fn push() -> BaseImage {
        let registry = Registry::start(None);
        let cache_dir = tempfile::tempdir().unwrap();
        let project = push_busybox_base(&registry.addr, cache_dir.path(), &[]);
        BaseImage {
            registry,
            cache: cache_dir.path().display().to_string(),
            _cache_dir: cache_dir,
            _project: project,
        }
    }
}

/// A dockerfile function on the busybox base, with `noise` bytes.
fn image_project(base: &str, noise_len: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("functions/hello");
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(
        f.join("Dockerfile"),
        format!("FROM {base}/base:1\nCOPY . /app/\nCMD [\"/bin/sh\"]\n"),
    )
    .unwrap();
    std::fs::write(f.join("big.bin"), random_bytes(noise_len, 7)).unwrap();
    dir
}

#[test]
#[ignore = "kill tests: run with `cargo test --test it kills:: -- --ignored`"]
fn registry_push_killed_at_random_points_then_rerun() {
    if !["docker-registry", "busybox"].iter().all(|t| have(t)) {
        return;
    }
    let base = BaseImage::push();
    let env = [("HOIST_CACHE_DIR", base.cache.as_str())];
    let project = image_project(&base.registry.addr, 24 << 20);
    let root = project.path();
    let reg = Registry::start(None);
    registry_yaml(root, &reg.addr, "k0-");
    rerun(root, &["build"], &env);
    let (mut landed, mut n) = (0, 0);
    for (i, delay) in delays(12, kills(), 700).into_iter().enumerate() {
        // A new repository each time: every kill hits a fresh upload.
        let prefix = format!("k{i}-");
        registry_yaml(root, &reg.addr, &prefix);
        n += 1;
        landed += usize::from(run_and_kill(root, &["push"], &env, delay, i));
        let repo = format!("{prefix}hello");
        let _ = check_registry_image(&reg.addr, &repo);
        rerun(root, &["push"], &env);
        assert!(
            check_registry_image(&reg.addr, &repo),
            "kill {i}: no tag after the re-run"
        );
        assert_eq!(leftovers(root), Vec::<String>::new(), "kill {i}");
        let records: Vec<_> = std::fs::read_dir(root.join(".hoist/uploads"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("registry-"))
            .collect();
        assert!(records.is_empty(), "kill {i}: upload records left");
    }
    assert_some_landed(landed, n, "registry push");
}

#[test]
#[ignore = "kill tests: run with `cargo test --test it kills:: -- --ignored`"]
fn build_killed_at_random_points_then_rerun() {
    if !["docker-registry", "busybox"].iter().all(|t| have(t)) {
        return;
    }
    let base = BaseImage::push();
    let env = [("HOIST_CACHE_DIR", base.cache.as_str())];
    let project = image_project(&base.registry.addr, 8 << 20);
    let root = project.path();
    registry_yaml(root, &base.registry.addr, "b-");
    let (mut landed, mut n) = (0, 0);
    for (i, delay) in delays(13, kills(), 600).into_iter().enumerate() {
        n += 1;
        std::fs::write(
            root.join("functions/hello/round.txt"),
            format!("round {i}\n"),
        )
        .unwrap();
        landed += usize::from(run_and_kill(root, &["build"], &env, delay, i));
        rerun(root, &["build"], &env);
        // The index names the image, and every blob it needs is there.
        let layout = root.join(".hoist/oci");
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let blob = |d: &str| {
            layout
                .join("blobs/sha256")
                .join(d.trim_start_matches("sha256:"))
        };
        let manifests = index["manifests"].as_array().unwrap();
        assert!(
            !manifests.is_empty(),
            "kill {i}: the OCI index names no image"
        );
        for m in manifests {
            let d = m["digest"].as_str().unwrap();
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(blob(d)).expect("manifest blob")).unwrap();
            assert!(blob(doc["config"]["digest"].as_str().unwrap()).is_file());
            let layers = doc["layers"].as_array().unwrap();
            assert!(!layers.is_empty(), "kill {i}: {d} has no layers");
            for l in layers {
                assert!(blob(l["digest"].as_str().unwrap()).is_file(), "kill {i}");
            }
        }
        assert_eq!(leftovers(root), Vec::<String>::new(), "kill {i}");
    }
    assert_some_landed(landed, n, "build");
}
