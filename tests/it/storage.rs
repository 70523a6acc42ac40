//! The artifact store end to end through the `hoist` binary, against the
//! local backend and a real S3 server (s3s-fs, SigV4 checked) started on
//! loopback: push / versions / pull / prune, immutability, multipart with
//! a fault proxy cutting connections, Ctrl-C, bad credentials, a missing
//! bucket, an unreachable endpoint, corrupted downloads, and credential
//! precedence. The aws CLI reads back what hoist wrote as an independent
//! client. No test prints or leaks the secret key.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::bytes::random_bytes;
use support::proxy::FaultProxy;
use support::s3::{sha256_file, S3Server, ACCESS_KEY, BUCKET, SECRET_KEY};

const PREFIX: &str = "team/a";
const MIB: usize = 1024 * 1024;

enum Backend {
    Local,
    S3(S3Server),
}

/// A project directory whose hoist.yaml points at one backend.
struct Fixture {
    dir: tempfile::TempDir,
    backend: Backend,
    /// Endpoint written into hoist.yaml (the server, or a proxy in front).
    endpoint: Option<String>,
    bucket: String,
    version: String,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }
    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Every backend to run a test against: local always, S3 when s3s-fs is
/// installed (required under CI).
fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Local];
    if let Some(s) = S3Server::start() {
        v.push(Backend::S3(s));
    }
    v
}

fn s3_only() -> Option<S3Server> {
    S3Server::start()
}

impl Fixture {
    fn new(backend: Backend) -> Fixture {
        let endpoint = match &backend {
            Backend::S3(s) => Some(s.endpoint()),
            Backend::Local => None,
        };
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
            backend,
            endpoint,
            bucket: BUCKET.into(),
            version: "v1".into(),
        };
        f.write(
            "functions/hello/index.ts",
            b"export default () => new Response('hi')\n",
        );
        f.write("functions/hello/data.bin", &random_bytes(2 * MIB, 1));
        // A bun function: its whole directory is bundled (a deno one only
        // takes the module graph, which would leave data.bin out).
        f.write_yaml();
        f
    }

    fn s3(&self) -> &S3Server {
        match &self.backend {
            Backend::S3(s) => s,
            Backend::Local => panic!("not an S3 fixture"),
        }
    }

    fn is_s3(&self) -> bool {
        matches!(self.backend, Backend::S3(_))
    }

    fn name(&self) -> &'static str {
        if self.is_s3() {
            "s3"
        } else {
            "local"
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    fn write_yaml(&self) {
        let storage = match &self.endpoint {
            Some(ep) => format!(
                "storage:\n  backend: s3\n  s3:\n    bucket: {}\n    endpoint: {ep}\n    path_style: true\n    region: us-east-1\n    prefix: {PREFIX}\n",
                self.bucket
            ),
            None => "storage:\n  backend: local\n".to_string(),
        };
        let yaml = format!(
            "project: storetest\nbundle:\n  limit_mb: 100\n{storage}functions:\n  hello:\n    runtime: bun\n    version: {}\n    env:\n      LOG_LEVEL: value-never-stored-77\n    secrets: [STRIPE_KEY]\n    resources:\n      memory_mb: 256\n",
            self.version
        );
        std::fs::write(self.path().join("hoist.yaml"), yaml).unwrap();
    }

    fn set_version(&mut self, v: &str) {
        self.version = v.into();
        self.write_yaml();
    }

    fn set_endpoint(&mut self, ep: &str) {
        self.endpoint = Some(ep.into());
        self.write_yaml();
    }

    fn set_bucket(&mut self, b: &str) {
        self.bucket = b.into();
        self.write_yaml();
    }

    /// A `hoist` command in the project, with no ambient AWS_* or HOIST_*
    /// settings, credentials isolated in a temp dir, and the S3 keys in
    /// HOIST_S3_* (override with `env`, drop with `unset`).
    fn command(&self, args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("hoist"));
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("HOIST_") {
                cmd.env_remove(&k);
            }
        }
        cmd.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .env("HOIST_CREDENTIALS", "file")
            .env("HOIST_CONFIG_DIR", self.path().join(".config"))
            .env("AWS_CONFIG_FILE", self.path().join(".aws-none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path().join(".aws-none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("HOIST_S3_ACCESS_KEY_ID", ACCESS_KEY)
            .env("HOIST_S3_SECRET_ACCESS_KEY", SECRET_KEY)
            .args(args);
        for k in unset {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    fn hoist_env(&self, args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> Run {
        let out: Output = self
            .command(args, env, unset)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn hoist(&self, args: &[&str]) -> Run {
        self.hoist_env(args, &[], &[])
    }

    /// Where the store keeps `key` on disk: the local store, or s3s-fs's
    /// data directory (read directly, independent of hoist).
    fn object_path(&self, key: &str) -> PathBuf {
        match &self.backend {
            Backend::Local => self.path().join(".hoist/store").join(key),
            Backend::S3(s) => s.object_file(&self.bucket, &format!("{PREFIX}/{key}")),
        }
    }

    fn object(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.object_path(key)).ok()
    }

    /// Every key under `functions/` in the store.
    fn keys(&self) -> Vec<String> {
        let root = match &self.backend {
            Backend::Local => self.path().join(".hoist/store"),
            Backend::S3(s) => s.data.join(&self.bucket).join(PREFIX),
        };
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(
                        p.strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        out.sort();
        out
    }

    fn archive_key(&self, v: &str) -> String {
        archive_key_in(&self.keys(), v)
    }

    fn bundle_digest(&self) -> String {
        let run = self.hoist(&["bundle", "--output", "json"]).ok();
        run.json()[0]["digest"].as_str().unwrap().to_string()
    }
}

/// The archive of `hello` `v` in the store (content-addressed:
/// `archive-<sha256>.tar.gz`), found by listing; a key that does not exist
/// when there is none.
fn archive_key_in(keys: &[String], v: &str) -> String {
    let dir = format!("functions/hello/{v}/archive-");
    let found: Vec<&String> = keys.iter().filter(|k| k.starts_with(&dir)).collect();
    assert!(found.len() <= 1, "more than one archive of {v}: {found:?}");
    found
        .first()
        .map(|k| k.to_string())
        .unwrap_or_else(|| format!("{dir}none.tar.gz"))
}

fn manifest_key(v: &str) -> String {
    format!("functions/hello/{v}/manifest.json")
}

/// Fail when `secret` appears anywhere in a run's output, plain or
/// base64-encoded.
fn assert_no_secret(run: &Run, secret: &str) {
    support::leaks::assert_no_secret(&run.all(), &[secret]);
}

#[test]
fn push_writes_archive_then_manifest_and_index() {
    for backend in backends() {
        let fx = Fixture::new(backend);
        let digest = fx.bundle_digest();
        let run = fx.hoist(&["push", "--output", "json"]).ok();
        let doc = run.json();
        let p = &doc[0];
        assert_eq!(p["function"], "hello", "{}", fx.name());
        assert_eq!(p["version"], "v1");
        assert_eq!(p["status"], "stored");
        assert_eq!(p["bundle_digest"], digest.as_str());
        assert_eq!(p["store"], fx.name());
        let size = p["bundle_size"].as_u64().unwrap();
        assert_eq!(p["uploaded_bytes"].as_u64().unwrap(), size);
        if fx.is_s3() {
            assert_eq!(
                p["archive_url"],
                format!(
                    "s3://{BUCKET}/{PREFIX}/functions/hello/v1/archive-{}.tar.gz",
                    digest.trim_start_matches("sha256:")
                )
            );
        }

        // The layout in docs/storage.md, read straight from the store.
        assert_eq!(
            fx.keys(),
            [
                "functions/hello/index.json".into(),
                fx.archive_key("v1"),
                manifest_key("v1")
            ],
            "{}",
            fx.name()
        );
        let archive = fx.object_path(&fx.archive_key("v1"));
        assert_eq!(format!("sha256:{}", sha256_file(&archive)), digest);
        let manifest: serde_json::Value =
            serde_json::from_slice(&fx.object(&manifest_key("v1")).unwrap()).unwrap();
        assert_eq!(manifest["schema"], 1);
        assert_eq!(manifest["function"], "hello");
        assert_eq!(manifest["version"], "v1");
        assert_eq!(manifest["bundle"]["digest"], digest.as_str());
        assert_eq!(manifest["bundle"]["size"].as_u64().unwrap(), size);
        assert_eq!(manifest["bundle"]["key"], fx.archive_key("v1"));
        assert_eq!(manifest["image"], serde_json::Value::Null);
        assert_eq!(manifest["runtime"], "bun");
        assert_eq!(manifest["resources"]["memory_mb"], 256);
        assert_eq!(manifest["env_keys"], serde_json::json!(["LOG_LEVEL"]));
        assert_eq!(manifest["secret_keys"], serde_json::json!(["STRIPE_KEY"]));
        assert_eq!(manifest["git"], serde_json::Value::Null);
        assert!(manifest["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(manifest["hoist_version"].is_string());
        let text = String::from_utf8(fx.object(&manifest_key("v1")).unwrap()).unwrap();
        assert!(
            !text.contains("value-never-stored-77"),
            "env values must not be stored"
        );

        let index: serde_json::Value =
            serde_json::from_slice(&fx.object("functions/hello/index.json").unwrap()).unwrap();
        assert_eq!(index["versions"][0]["version"], "v1");
        assert_eq!(index["versions"][0]["bundle_digest"], digest.as_str());

        let versions = fx
            .hoist(&["versions", "hello", "--output", "json"])
            .ok()
            .json();
        assert_eq!(versions["versions"][0]["version"], "v1");
        assert_eq!(versions["versions"][0]["size"].as_u64().unwrap(), size);
        let table = fx.hoist(&["versions", "hello"]).ok();
        assert!(table.stdout.starts_with("VERSION"), "{}", table.stdout);
        assert!(table.stdout.contains("v1"));
    }
}

#[test]
fn aws_cli_reads_what_hoist_wrote() {
    let Some(server) = s3_only() else { return };
    let fx = Fixture::new(Backend::S3(server));
    let digest = fx.bundle_digest();
    fx.hoist(&["push"]).ok();
    let s3 = fx.s3();
    let Some(ls) = s3.aws(&[
        "s3",
        "ls",
        "--recursive",
        &format!("s3://{BUCKET}/{PREFIX}/"),
    ]) else {
        return;
    };
    assert!(
        ls.status.success(),
        "{}",
        String::from_utf8_lossy(&ls.stderr)
    );
    let listing = String::from_utf8_lossy(&ls.stdout);
    for key in [fx.archive_key("v1"), manifest_key("v1")] {
        assert!(listing.contains(&format!("{PREFIX}/{key}")), "{listing}");
    }
    let out = fx.path().join("aws-copy.tar.gz");
    let cp = s3
        .aws(&[
            "s3",
            "cp",
            &format!("s3://{BUCKET}/{PREFIX}/{}", fx.archive_key("v1")),
            out.to_str().unwrap(),
        ])
        .unwrap();
    assert!(
        cp.status.success(),
        "{}",
        String::from_utf8_lossy(&cp.stderr)
    );
    assert_eq!(format!("sha256:{}", sha256_file(&out)), digest);
    let man = fx.path().join("aws-manifest.json");
    let cp = s3
        .aws(&[
            "s3",
            "cp",
            &format!("s3://{BUCKET}/{PREFIX}/{}", manifest_key("v1")),
            man.to_str().unwrap(),
        ])
        .unwrap();
    assert!(cp.status.success());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&man).unwrap()).unwrap();
    assert_eq!(m["bundle"]["digest"], digest.as_str());
    // The archive carries its sha256 as object metadata.
    let head = s3
        .aws(&[
            "s3api",
            "head-object",
            "--bucket",
            BUCKET,
            "--key",
            &format!("{PREFIX}/{}", fx.archive_key("v1")),
        ])
        .unwrap();
    let head: serde_json::Value = serde_json::from_slice(&head.stdout).unwrap();
    assert_eq!(
        format!("sha256:{}", head["Metadata"]["sha256"].as_str().unwrap()),
        digest
    );
}

#[test]
fn pushing_the_same_content_again_uploads_nothing() {
    for backend in backends() {
        let fx = Fixture::new(backend);
        fx.hoist(&["push"]).ok();
        let before = std::fs::metadata(fx.object_path(&fx.archive_key("v1")))
            .unwrap()
            .modified()
            .unwrap();
        let run = fx.hoist(&["push", "--output", "json"]).ok();
        let p = &run.json()[0];
        assert_eq!(p["status"], "unchanged", "{}", fx.name());
        assert_eq!(p["uploaded_bytes"], 0);
        assert!(run.stderr.contains("Unchanged"), "{}", run.stderr);
        let after = std::fs::metadata(fx.object_path(&fx.archive_key("v1")))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after, "the archive was rewritten");
    }
}

#[test]
fn a_repush_sends_no_archive_bytes_over_the_wire() {
    let Some(server) = s3_only() else { return };
    let upstream = server.addr;
    let mut fx = Fixture::new(Backend::S3(server));
    let proxy = FaultProxy::start(upstream);
    fx.set_endpoint(&proxy.url());
    let first = fx.hoist(&["push", "--output", "json"]).ok().json();
    let size = first[0]["bundle_size"].as_u64().unwrap();
    assert!(
        proxy.up_bytes() > size,
        "the first push went through the proxy"
    );
    let before = proxy.up_bytes();
    fx.hoist(&["push"]).ok();
    let sent = proxy.up_bytes() - before;
    assert!(sent < 16 * 1024, "a no-op push sent {sent} bytes");
}

#[test]
fn other_content_under_an_existing_version_is_refused() {
    for backend in backends() {
        let fx = Fixture::new(backend);
        let first = fx.bundle_digest();
        fx.hoist(&["push"]).ok();
        fx.write(
            "functions/hello/index.ts",
            b"export default () => new Response('changed')\n",
        );
        let run = fx.hoist(&["push"]);
        assert_eq!(run.code, 1, "{}: {}", fx.name(), run.all());
        assert!(
            run.stderr
                .contains("version v1 of hello already exists with other content"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("hint:"), "{}", run.stderr);
        // The stored version is untouched.
        assert_eq!(
            format!(
                "sha256:{}",
                sha256_file(&fx.object_path(&fx.archive_key("v1")))
            ),
            first
        );
        let m: serde_json::Value =
            serde_json::from_slice(&fx.object(&manifest_key("v1")).unwrap()).unwrap();
        assert_eq!(m["bundle"]["digest"], first.as_str());
    }
}

#[test]
fn an_archive_left_by_an_interrupted_push_is_reused() {
    for backend in backends() {
        let fx = Fixture::new(backend);
        fx.hoist(&["push"]).ok();
        // Simulate a push killed between archive and manifest.
        std::fs::remove_file(fx.object_path(&manifest_key("v1"))).unwrap();
        let run = fx.hoist(&["push", "--output", "json"]).ok();
        let p = &run.json()[0];
        assert_eq!(p["status"], "stored", "{}", fx.name());
        assert_eq!(p["uploaded_bytes"], 0);
        assert!(fx.object(&manifest_key("v1")).is_some());
    }
}

#[test]
fn pull_verifies_the_digest_and_refuses_a_corrupted_archive() {
    for backend in backends() {
        let fx = Fixture::new(backend);
        let digest = fx.bundle_digest();
        fx.hoist(&["push"]).ok();
        let out = fx.path().join("pulled/hello.tar.gz");
        let run = fx
            .hoist(&[
                "pull",
                "hello",
                "v1",
                "-o",
                out.to_str().unwrap(),
                "--output",
                "json",
            ])
            .ok();
        assert_eq!(run.json()["bundle_digest"], digest.as_str());
        assert_eq!(format!("sha256:{}", sha256_file(&out)), digest);

        // Flip one byte of the stored archive, keeping its length.
        let path = fx.object_path(&fx.archive_key("v1"));
        let mut bytes = std::fs::read(&path).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();

        let bad = fx.path().join("pulled/bad.tar.gz");
        let run = fx.hoist(&["pull", "hello", "v1", "-o", bad.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{}: {}", fx.name(), run.all());
        assert!(
            run.stderr.contains("does not match") || run.stderr.contains("checksum"),
            "{}",
            run.stderr
        );
        assert!(!bad.exists(), "a corrupted archive was written");
        let left: Vec<_> = std::fs::read_dir(fx.path().join("pulled"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "temporary files left: {left:?}");

        let missing = fx.hoist(&["pull", "hello", "v9"]);
        assert_eq!(missing.code, 1);
        assert!(
            missing.stderr.contains("has no version v9"),
            "{}",
            missing.stderr
        );
    }
}

#[test]
fn large_archives_go_multipart_and_read_back_intact() {
    let Some(server) = s3_only() else { return };
    let fx = Fixture::new(Backend::S3(server));
    fx.write("functions/hello/data.bin", &random_bytes(23 * MIB, 2));
    let digest = fx.bundle_digest();
    let run = fx
        .hoist_env(
            &["push", "--output", "json"],
            &[("HOIST_S3_PART_SIZE_MB", "5")],
            &[],
        )
        .ok();
    let p = &run.json()[0];
    assert_eq!(p["parts"], 5, "{}", run.stdout);
    assert_eq!(
        format!(
            "sha256:{}",
            sha256_file(&fx.object_path(&fx.archive_key("v1")))
        ),
        digest
    );
    assert!(fx.s3().pending_multipart_files().is_empty());
    if let Some(head) = fx.s3().aws(&[
        "s3api",
        "head-object",
        "--bucket",
        BUCKET,
        "--key",
        &format!("{PREFIX}/{}", fx.archive_key("v1")),
    ]) {
        let head: serde_json::Value = serde_json::from_slice(&head.stdout).unwrap();
        assert!(
            head["ETag"].as_str().unwrap().ends_with("-5\""),
            "not a 5-part object: {head}"
        );
    }
    // And hoist reads it back, digest checked.
    let out = fx.path().join("back.tar.gz");
    fx.hoist(&["pull", "hello", "v1", "-o", out.to_str().unwrap()])
        .ok();
    assert_eq!(format!("sha256:{}", sha256_file(&out)), digest);
}

#[test]
fn a_part_cut_mid_upload_is_retried_and_the_upload_completes() {
    let Some(server) = s3_only() else { return };
    let upstream = server.addr;
    let mut fx = Fixture::new(Backend::S3(server));
    fx.write("functions/hello/data.bin", &random_bytes(12 * MIB, 3));
    let digest = fx.bundle_digest();
    let proxy = FaultProxy::start(upstream);
    fx.set_endpoint(&proxy.url());
    // Only part uploads carry a megabyte: the first one to get there dies.
    proxy.cut_after(MIB as u64, 1);
    let run = fx
        .hoist_env(
            &["push", "--output", "json", "-v"],
            &[("HOIST_S3_PART_SIZE_MB", "5")],
            &[],
        )
        .ok();
    assert_eq!(proxy.cuts_done(), 1, "the proxy cut nothing");
    let p = &run.json()[0];
    assert_eq!(p["status"], "stored");
    assert!(p["retries"].as_u64().unwrap() >= 1, "{}", run.stdout);
    assert!(run.stderr.contains("retrying"), "{}", run.stderr);
    assert_eq!(
        format!(
            "sha256:{}",
            sha256_file(&fx.object_path(&fx.archive_key("v1")))
        ),
        digest
    );
    assert!(fx.s3().pending_multipart_files().is_empty());
    if let Some(ls) = fx
        .s3()
        .aws(&["s3", "ls", "--recursive", &format!("s3://{BUCKET}/")])
    {
        assert!(String::from_utf8_lossy(&ls.stdout).contains(&fx.archive_key("v1")));
    }
    // Only the cut part went again: the bytes sent are the archive, the
    // megabyte the proxy carried before the cut, and request heads; a
    // restart of the whole upload would send the archive twice.
    let size = std::fs::metadata(fx.object_path(&fx.archive_key("v1")))
        .unwrap()
        .len();
    let up = proxy.up_bytes();
    assert!(
        up >= size && up <= size + MIB as u64 + (256 << 10),
        "sent {up} bytes for an archive of {size}"
    );
}

/// No multipart upload is left: s3s-fs keeps none in its data dir, and the
/// store's own listing of multipart uploads (where the server has one) is
/// empty.
fn assert_no_multipart_left(fx: &Fixture) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !fx.s3().pending_multipart_files().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        fx.s3().pending_multipart_files().is_empty(),
        "multipart state left behind: {:?}",
        fx.s3().pending_multipart_files()
    );
    if let Some(out) = fx
        .s3()
        .aws(&["s3api", "list-multipart-uploads", "--bucket", BUCKET])
    {
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            assert!(!text.contains("UploadId"), "uploads still listed: {text}");
        } else {
            // s3s-fs 0.14 does not implement ListMultipartUploads; the data
            // directory check above is the proof there.
            assert!(text.contains("NotImplemented"), "{text}");
        }
    }
}

#[test]
fn parts_that_keep_failing_abort_the_upload_and_leave_nothing() {
    let Some(server) = s3_only() else { return };
    let upstream = server.addr;
    let mut fx = Fixture::new(Backend::S3(server));
    fx.write("functions/hello/data.bin", &random_bytes(12 * MIB, 4));
    let proxy = FaultProxy::start(upstream);
    fx.set_endpoint(&proxy.url());
    proxy.cut_every_after(MIB as u64);
    let run = fx.hoist_env(
        &["push", "-v"],
        &[
            ("HOIST_S3_PART_SIZE_MB", "5"),
            ("HOIST_S3_PART_ATTEMPTS", "2"),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("upload part"), "{}", run.stderr);
    assert!(
        run.stderr.contains("aborted multipart upload"),
        "{}",
        run.stderr
    );
    assert!(proxy.cuts_done() >= 2);
    assert!(fx.object(&fx.archive_key("v1")).is_none());
    assert!(fx.object(&manifest_key("v1")).is_none());
    proxy.heal();
    assert_no_multipart_left(&fx);
    // Healed, the same push goes through.
    fx.hoist_env(&["push"], &[("HOIST_S3_PART_SIZE_MB", "5")], &[])
        .ok();
}

#[test]
fn ctrl_c_during_a_multipart_upload_aborts_it() {
    let Some(server) = s3_only() else { return };
    let upstream = server.addr;
    let mut fx = Fixture::new(Backend::S3(server));
    fx.write("functions/hello/data.bin", &random_bytes(23 * MIB, 5));
    fx.bundle_digest();
    let proxy = FaultProxy::start(upstream);
    fx.set_endpoint(&proxy.url());
    proxy.throttle(4 * MIB as u64);
    let child = fx
        .command(&["push"], &[("HOIST_S3_PART_SIZE_MB", "5")], &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the server holds a multipart upload, then interrupt.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fx.s3().pending_multipart_files().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !fx.s3().pending_multipart_files().is_empty(),
        "no upload started"
    );
    std::thread::sleep(Duration::from_millis(300));
    let stderr = interrupt(child);
    assert!(stderr.contains("interrupted"), "{stderr}");
    proxy.heal();
    assert_no_multipart_left(&fx);
    assert!(fx.object(&fx.archive_key("v1")).is_none());
}

/// Ctrl-C (SIGINT) to a running hoist: its stderr, after checking that it
/// exited 130.
fn interrupt(child: std::process::Child) -> String {
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    stderr
}

/// Ctrl-C while a single-request archive upload is on the wire: the upload
/// completes, the manifest is not written, and the message says the archive
/// is stored without a version (not "nothing was stored"); the next push
/// reuses the archive and stores the version.
#[test]
fn ctrl_c_after_the_archive_says_it_is_stored_without_a_manifest() {
    let Some(server) = s3_only() else { return };
    let upstream = server.addr;
    let mut fx = Fixture::new(Backend::S3(server));
    fx.bundle_digest();
    let proxy = FaultProxy::start(upstream);
    fx.set_endpoint(&proxy.url());
    // The 2 MiB archive goes up in one PUT, over about two seconds.
    proxy.throttle(MIB as u64);
    let child = fx
        .command(&["push"], &[], &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while proxy.up_bytes() < 256 * 1024 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(proxy.up_bytes() >= 256 * 1024, "the upload did not start");
    let stderr = interrupt(child);
    assert!(
        stderr.contains("was stored but no manifest names it")
            && stderr.contains("run the command again to finish"),
        "{stderr}"
    );
    assert!(!stderr.contains("nothing was stored"), "{stderr}");
    proxy.heal();
    let archive = fx.archive_key("v1");
    assert!(fx.object(&archive).is_some(), "the archive is stored");
    assert!(fx.object(&manifest_key("v1")).is_none(), "no manifest");
    let run = fx.hoist(&["push", "--output", "json"]).ok();
    let doc = run.json();
    assert_eq!(doc[0]["status"], "stored", "{}", run.stdout);
    assert_eq!(doc[0]["uploaded_bytes"], 0, "the archive is reused");
    assert!(fx.object(&manifest_key("v1")).is_some());
}

#[test]
fn a_failed_abort_is_reported_and_the_next_push_aborts_the_upload() {
    let Some(server) = s3_only() else { return };
    let upstream = server.addr;
    let mut fx = Fixture::new(Backend::S3(server));
    fx.write("functions/hello/data.bin", &random_bytes(23 * MIB, 6));
    fx.bundle_digest();
    let proxy = FaultProxy::start(upstream);
    fx.set_endpoint(&proxy.url());
    proxy.throttle(4 * MIB as u64);
    let env = [
        ("HOIST_S3_PART_SIZE_MB", "5"),
        ("HOIST_S3_PART_ATTEMPTS", "2"),
    ];
    let child = fx
        .command(&["push", "-v"], &env, &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while fx.s3().pending_multipart_files().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !fx.s3().pending_multipart_files().is_empty(),
        "no upload started"
    );
    std::thread::sleep(Duration::from_millis(300));
    // The server dies mid-upload: parts fail, and so does the abort.
    match &mut fx.backend {
        Backend::S3(s) => s.kill(),
        Backend::Local => unreachable!(),
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("aborting the multipart upload")
            && stderr.contains("its parts stay on the server"),
        "{stderr}"
    );
    assert!(!stderr.contains("nothing was stored"), "{stderr}");
    assert!(!stderr.contains("aborted multipart upload"), "{stderr}");
    assert!(
        !fx.s3().pending_multipart_files().is_empty(),
        "the message says parts remain, but the server holds none"
    );
    let journal: Vec<_> = std::fs::read_dir(fx.path().join(".hoist/uploads"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(journal.len(), 1, "the upload is recorded for the next push");
    // Back up, the next push aborts the stale upload before its own.
    match &mut fx.backend {
        Backend::S3(s) => s.restart(),
        Backend::Local => unreachable!(),
    }
    proxy.heal();
    let run = fx.hoist_env(&["push"], &env, &[]).ok();
    assert!(run.stderr.contains("Cleaned"), "{}", run.stderr);
    assert_no_multipart_left(&fx);
    assert!(std::fs::read_dir(fx.path().join(".hoist/uploads"))
        .unwrap()
        .next()
        .is_none());
}

/// A recorded upload the server refuses to abort (s3s-fs refuses the abort
/// of an upload it holds no record of) is tried by each push, warned
/// about with its try count, and dropped after the fifth, with the command
/// that aborts it by hand.
#[test]
fn an_upload_the_server_refuses_to_abort_is_given_up_after_five_tries() {
    let Some(server) = s3_only() else { return };
    let fx = Fixture::new(Backend::S3(server));
    fx.hoist(&["push"]).ok();
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let dir = fx.path().join(".hoist/uploads");
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("0123456789abcdef0123456789abcdef.json");
    let key = format!("{PREFIX}/functions/hello/ghost/archive.tar.gz");
    std::fs::write(
        &record,
        serde_json::json!({
            "bucket": BUCKET, "key": key, "upload_id": "ghost-upload",
            "pid": dead, "started": 0,
        })
        .to_string(),
    )
    .unwrap();
    for n in 1..=5 {
        let run = fx.hoist(&["push"]).ok();
        assert!(
            run.stderr.contains("could not be aborted"),
            "push {n}: {}",
            run.stderr
        );
        if n < 5 {
            assert!(
                run.stderr.contains(&format!("(try {n} of 5;")),
                "push {n}: {}",
                run.stderr
            );
            let kept: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
            assert_eq!(kept["refused"], n);
        } else {
            assert!(
                run.stderr.contains("hoist stops trying")
                    && run.stderr.contains(&format!(
                        "aws s3api abort-multipart-upload --bucket {BUCKET} --key {key} --upload-id ghost-upload"
                    )),
                "{}",
                run.stderr
            );
            assert!(!record.exists(), "the record is dropped");
        }
    }
    let run = fx.hoist(&["push"]).ok();
    assert!(
        !run.stderr.contains("could not be aborted"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_wrong_secret_key_is_named_without_printing_it() {
    let Some(server) = s3_only() else { return };
    let fx = Fixture::new(Backend::S3(server));
    let wrong = "wrong-secret-Xq93kLm0";
    for args in [
        vec!["push", "-vvv"],
        vec!["versions", "hello", "-vvv"],
        vec!["pull", "hello", "v1", "-vvv"],
        vec!["prune", "hello", "--keep", "1", "-y", "-vvv"],
    ] {
        let run = fx.hoist_env(&args, &[("HOIST_S3_SECRET_ACCESS_KEY", wrong)], &[]);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(
            run.stderr.contains("SignatureDoesNotMatch"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("hoist login s3"), "{}", run.stderr);
        assert!(
            run.stderr.contains("HOIST_S3_SECRET_ACCESS_KEY"),
            "the hint names where the key came from: {}",
            run.stderr
        );
        assert_no_secret(&run, wrong);
        assert_no_secret(&run, SECRET_KEY);
    }
}

#[test]
fn a_missing_bucket_is_named_with_a_hint() {
    let Some(server) = s3_only() else { return };
    let mut fx = Fixture::new(Backend::S3(server));
    fx.set_bucket("no-such-bucket");
    for args in [vec!["push", "-vvv"], vec!["versions", "hello", "-vvv"]] {
        let run = fx.hoist(&args);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stderr
                .contains("bucket `no-such-bucket` does not exist"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("storage.s3.bucket"), "{}", run.stderr);
        assert_no_secret(&run, SECRET_KEY);
    }
    assert!(
        !fx.s3().data.join("no-such-bucket").exists(),
        "the bucket was created"
    );
}

#[test]
fn an_unreachable_endpoint_is_named_with_a_hint() {
    // Needs no server: nothing listens on a freshly released port.
    let mut fx = Fixture::new(Backend::Local);
    let port = support::s3::free_port();
    fx.set_endpoint(&format!("http://127.0.0.1:{port}"));
    let run = fx.hoist(&["push", "-vvv"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("cannot reach the S3 endpoint"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("storage.s3.endpoint"), "{}", run.stderr);
    assert_no_secret(&run, SECRET_KEY);
}

#[test]
fn hoist_settings_beat_ambient_aws_variables() {
    let Some(server) = s3_only() else { return };
    let fx = Fixture::new(Backend::S3(server));
    let dead = format!("http://127.0.0.1:{}", support::s3::free_port());
    let ambient = [
        ("AWS_ACCESS_KEY_ID", "AKAMBIENTWRONG"),
        ("AWS_SECRET_ACCESS_KEY", "ambient-wrong-secret"),
        ("AWS_ENDPOINT_URL", dead.as_str()),
        ("AWS_REGION", "eu-west-3"),
        ("AWS_PROFILE", "no-such-profile"),
    ];
    // HOIST_S3_* keys and the endpoint/region from hoist.yaml win.
    fx.hoist_env(&["push"], &ambient, &[]).ok();

    // `hoist login s3` (ACCESS_KEY_ID:SECRET_ACCESS_KEY) beats AWS_* too.
    let unset = ["HOIST_S3_ACCESS_KEY_ID", "HOIST_S3_SECRET_ACCESS_KEY"];
    let mut login = fx
        .command(&["login", "s3", "--token-stdin"], &[], &unset)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    login
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{ACCESS_KEY}:{SECRET_KEY}\n").as_bytes())
        .unwrap();
    let out = login.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = fx
        .hoist_env(&["versions", "hello", "-vv"], &ambient, &unset)
        .ok();
    assert!(run.stderr.contains("hoist login s3"), "{}", run.stderr);
    assert!(run.stdout.contains("v1"));
    assert_no_secret(&run, SECRET_KEY);

    // HOIST_S3_TOKEN is the login token from the environment.
    let token = format!("{ACCESS_KEY}:{SECRET_KEY}");
    let mut env = ambient.to_vec();
    env.push(("HOIST_S3_TOKEN", token.as_str()));
    fx.hoist_env(&["versions", "hello"], &env, &unset).ok();

    // A malformed token is a usage error that does not echo it.
    let mut env = ambient.to_vec();
    env.push(("HOIST_S3_TOKEN", "not-a-key-pair-81723"));
    let run = fx.hoist_env(&["versions", "hello"], &env, &unset);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run, "not-a-key-pair-81723");

    // --profile reads ~/.aws/credentials, beating AWS_ACCESS_KEY_ID.
    let creds = fx.path().join("aws-credentials");
    std::fs::write(
        &creds,
        format!(
            "[hoisttest]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
        ),
    )
    .unwrap();
    let mut env = ambient.to_vec();
    let creds_s = creds.to_str().unwrap().to_string();
    env.push(("AWS_SHARED_CREDENTIALS_FILE", creds_s.as_str()));
    let unset_all = [
        "HOIST_S3_ACCESS_KEY_ID",
        "HOIST_S3_SECRET_ACCESS_KEY",
        "HOIST_S3_TOKEN",
    ];
    fx.hoist_env(
        &["versions", "hello", "--profile", "hoisttest"],
        &env,
        &unset_all,
    )
    .ok();
    // Without any hoist setting, the ambient (wrong) keys are used and fail.
    let _ = std::fs::remove_file(fx.path().join(".config/credentials.json"));
    let run = fx.hoist_env(&["versions", "hello"], &ambient, &unset_all);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_no_secret(&run, "ambient-wrong-secret");
}

#[test]
fn prune_keeps_the_newest_versions() {
    for backend in backends() {
        let mut fx = Fixture::new(backend);
        for (i, v) in ["v1", "v2", "v3", "v4"].iter().enumerate() {
            fx.set_version(v);
            fx.write("functions/hello/n.txt", format!("{i}").as_bytes());
            fx.hoist(&["push"]).ok();
        }
        let refused = fx.hoist(&["prune", "hello", "--keep", "2"]);
        assert_eq!(refused.code, 2, "{}", refused.all());
        assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);

        let dry = fx
            .hoist(&[
                "prune",
                "hello",
                "--keep",
                "2",
                "--dry-run",
                "--output",
                "json",
            ])
            .ok()
            .json();
        assert_eq!(
            dry["would_delete"],
            serde_json::json!(["v1", "v2"]),
            "{}",
            fx.name()
        );
        assert!(fx.object(&manifest_key("v1")).is_some(), "dry run deleted");

        let done = fx
            .hoist(&["prune", "hello", "--keep", "2", "-y", "--output", "json"])
            .ok()
            .json();
        assert_eq!(done["deleted"], serde_json::json!(["v1", "v2"]));
        let left = fx
            .hoist(&["versions", "hello", "--output", "json"])
            .ok()
            .json();
        let names: Vec<&str> = left["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["v4", "v3"]);
        assert!(
            !fx.keys()
                .iter()
                .any(|k| k.contains("/v1/") || k.contains("/v2/")),
            "{:?}",
            fx.keys()
        );
        let index: serde_json::Value =
            serde_json::from_slice(&fx.object("functions/hello/index.json").unwrap()).unwrap();
        assert_eq!(index["versions"].as_array().unwrap().len(), 2);

        // --keep 0 still keeps the newest.
        fx.hoist(&["prune", "hello", "--keep", "0", "-y"]).ok();
        let left = fx
            .hoist(&["versions", "hello", "--output", "json"])
            .ok()
            .json();
        assert_eq!(left["versions"].as_array().unwrap().len(), 1);
        assert_eq!(left["versions"][0]["version"], "v4");
    }
}

#[test]
fn a_version_pushed_again_is_the_newest_for_prune() {
    for backend in backends() {
        let mut fx = Fixture::new(backend);
        // v1, v2, then v1 again (a rollback): prune --keep 1 keeps v1.
        for (v, text) in [("v1", "one"), ("v2", "two"), ("v1", "one")] {
            fx.set_version(v);
            fx.write("functions/hello/n.txt", text.as_bytes());
            fx.hoist(&["push"]).ok();
        }
        let done = fx
            .hoist(&["prune", "hello", "--keep", "1", "-y", "--output", "json"])
            .ok()
            .json();
        assert_eq!(done["deleted"], serde_json::json!(["v2"]), "{}", fx.name());
        let index: serde_json::Value =
            serde_json::from_slice(&fx.object("functions/hello/index.json").unwrap()).unwrap();
        assert_eq!(index["versions"][0]["version"], "v1");
        assert!(index["versions"][0]["pushed_at"].is_string(), "{index}");
    }
}

#[test]
fn other_settings_for_stored_code_are_named_and_the_manifest_kept() {
    for backend in backends() {
        let fx = Fixture::new(backend);
        fx.hoist(&["push"]).ok();
        let yaml = std::fs::read_to_string(fx.path().join("hoist.yaml")).unwrap();
        std::fs::write(
            fx.path().join("hoist.yaml"),
            yaml.replace("memory_mb: 256", "memory_mb: 1024"),
        )
        .unwrap();
        let again = fx.hoist(&["push"]).ok();
        assert!(
            again.stderr.contains("already stored with other resources"),
            "{}: {}",
            fx.name(),
            again.stderr
        );
        let m: serde_json::Value =
            serde_json::from_slice(&fx.object(&manifest_key("v1")).unwrap()).unwrap();
        assert_eq!(m["resources"]["memory_mb"], 256);
    }
}

#[test]
fn index_json_is_not_a_version_and_pull_writes_into_a_directory() {
    for backend in backends() {
        let mut fx = Fixture::new(backend);
        fx.set_version("index.json");
        let bad = fx.hoist(&["push"]);
        assert_eq!(bad.code, 2, "{}", bad.all());
        fx.set_version("v1");
        fx.hoist(&["push"]).ok();
        std::fs::create_dir_all(fx.path().join("out")).unwrap();
        fx.hoist(&["pull", "hello", "v1", "-o", "out"]).ok();
        let file = fx.path().join("out/hello-v1.tar.gz");
        assert!(file.is_file(), "{}", fx.name());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o044,
            0o044,
            "a pulled archive is readable by others: {mode:o}"
        );
    }
}

#[test]
fn versions_are_found_by_listing_even_without_an_index() {
    for backend in backends() {
        let mut fx = Fixture::new(backend);
        fx.hoist(&["push"]).ok();
        fx.set_version("v2");
        fx.write("functions/hello/n.txt", b"2");
        fx.hoist(&["push"]).ok();
        std::fs::remove_file(fx.object_path("functions/hello/index.json")).unwrap();
        let list = fx
            .hoist(&["versions", "hello", "--output", "json"])
            .ok()
            .json();
        let names: Vec<&str> = list["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["v2", "v1"], "{}", fx.name());
    }
}

#[test]
fn bad_names_are_usage_errors() {
    let fx = Fixture::new(Backend::Local);
    let run = fx.hoist(&["versions", "../etc"]);
    assert_eq!(run.code, 2, "{}", run.all());
    let run = fx.hoist(&["pull", "hello", "../../x"]);
    assert_eq!(run.code, 2, "{}", run.all());
    let run = fx.hoist(&["versions", "nothing-here"]).ok();
    assert!(run.stderr.contains("no versions"), "{}", run.stderr);
}

#[test]
fn ca_bundle_variables_do_not_break_the_s3_client() {
    let Some(server) = s3_only() else { return };
    let fx = Fixture::new(Backend::S3(server));
    let garbage = fx.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let garbage = garbage.to_str().unwrap().to_string();
    for value in ["/nonexistent/ca-bundle.pem", garbage.as_str()] {
        let env = [
            ("AWS_CA_BUNDLE", value),
            ("SSL_CERT_FILE", value),
            ("SSL_CERT_DIR", "/nonexistent"),
        ];
        fx.hoist_env(&["push"], &env, &[]).ok();
        fx.hoist_env(&["versions", "hello"], &env, &[]).ok();
    }
}
