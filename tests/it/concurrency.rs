//! Parallel and killed `hoist` runs against one store or one workspace, through the
//! binary, against the local store and a real S3 server (s3s-fs, whose
//! conditional writes check and then write, so they are not atomic): N
//! pushes of one fixed version with different content end with exactly one
//! winner whose manifest names its own archive and the others refused with a
//! clear message; pushes of the same content all succeed; parallel
//! `hoist build`s keep every image in `.hoist/oci/index.json`; leftovers of
//! killed runs are removed by the next run.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use support::bytes::random_bytes;
use support::s3::{sha256_file, S3Server, ACCESS_KEY, BUCKET, SECRET_KEY};

const PREFIX: &str = "race";
const MIB: usize = 1024 * 1024;

/// Where the parallel pushes store: one shared local directory, or S3.
enum Store<'a> {
    Local(&'a Path),
    S3(&'a S3Server),
}

impl Store<'_> {
    fn yaml(&self) -> String {
        match self {
            Store::Local(dir) => format!(
                "storage:\n  backend: local\n  path: {}\n",
                dir.display()
            ),
            Store::S3(s) => format!(
                "storage:\n  backend: s3\n  s3:\n    bucket: {BUCKET}\n    endpoint: {}\n    path_style: true\n    region: us-east-1\n    prefix: {PREFIX}\n",
                s.endpoint()
            ),
        }
    }

    /// The file that holds `key`, read straight from the store's disk.
    fn object(&self, key: &str) -> PathBuf {
        match self {
            Store::Local(dir) => dir.join(key),
            Store::S3(s) => s.object_file(BUCKET, &format!("{PREFIX}/{key}")),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Store::Local(_) => "local",
            Store::S3(_) => "s3",
        }
    }
}

/// A project copy holding `data` in function `api` under `version`.
fn project(store: &Store, version: &str, data: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("functions/api");
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(
        f.join("index.ts"),
        "export default () => new Response('hi')\n",
    )
    .unwrap();
    std::fs::write(f.join("data.bin"), data).unwrap();
    let yaml = format!(
        "project: race\nbundle:\n  limit_mb: 100\n{}functions:\n  api:\n    runtime: bun\n    version: {version}\n",
        store.yaml()
    );
    std::fs::write(dir.path().join("hoist.yaml"), yaml).unwrap();
    dir
}

fn hoist(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("hoist"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("HOIST_") {
            cmd.env_remove(&k);
        }
    }
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.join(".config"))
        .env("AWS_CONFIG_FILE", dir.join(".aws-none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join(".aws-none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOIST_S3_ACCESS_KEY_ID", ACCESS_KEY)
        .env("HOIST_S3_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("HOIST_S3_PART_SIZE_MB", "5")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

struct Done {
    code: i32,
    stderr: String,
}

fn wait_all(children: Vec<Child>) -> Vec<Done> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            Done {
                code: out.status.code().unwrap_or(-1),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .collect()
}

/// The bundle digest `hoist bundle` gives for a project.
fn digest_of(dir: &Path) -> String {
    let out = hoist(dir, &["bundle", "--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["digest"].as_str().unwrap().to_string()
}

/// `n` pushes of different content under one version at once: exactly one
/// exits 0, the rest exit 1 naming the conflict, the manifest names the
/// winner's digest and an archive holding exactly those bytes, and `hoist
/// pull` verifies it.
fn race_round(store: &Store, version: &str, n: usize, size: usize) {
    let dirs: Vec<tempfile::TempDir> = (0..n)
        .map(|k| {
            project(
                store,
                version,
                &random_bytes(size, 1000 + k as u64 * 7 + size as u64),
            )
        })
        .collect();
    let digests: Vec<String> = dirs.iter().map(|d| digest_of(d.path())).collect();
    let children: Vec<Child> = dirs
        .iter()
        .map(|d| hoist(d.path(), &["push"]).spawn().unwrap())
        .collect();
    let done = wait_all(children);
    let winners: Vec<usize> = (0..n).filter(|&k| done[k].code == 0).collect();
    let report: String = done
        .iter()
        .enumerate()
        .map(|(k, d)| format!("push {k}: exit {}\n{}\n", d.code, d.stderr))
        .collect();
    assert_eq!(winners.len(), 1, "{} {version}: {report}", store.name());
    for (k, d) in done.iter().enumerate() {
        if k == winners[0] {
            continue;
        }
        assert_eq!(d.code, 1, "{report}");
        assert!(
            d.stderr.contains(&format!(
                "version {version} of api was stored concurrently with other content"
            )) || d.stderr.contains(&format!(
                "version {version} of api already exists with other content"
            )),
            "{report}"
        );
    }
    let winner = &digests[winners[0]];
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(store.object(&format!("functions/api/{version}/manifest.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["bundle"]["digest"], winner.as_str(), "{report}");
    let key = manifest["bundle"]["key"].as_str().unwrap();
    assert_eq!(
        format!("sha256:{}", sha256_file(&store.object(key))),
        *winner,
        "the manifest names an archive holding other bytes"
    );
    // Every process pulls it back, digest checked.
    let out = dirs[0].path().join("pulled.tar.gz");
    let pull = hoist(
        dirs[0].path(),
        &["pull", "api", version, "-o", out.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(
        pull.status.success(),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    assert_eq!(format!("sha256:{}", sha256_file(&out)), *winner);
    // A later push of the winner's content is a no-op.
    let again = hoist(dirs[winners[0]].path(), &["push"]).output().unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // The losers' archives are named by no manifest; prune removes them
    // (age threshold 0 here) and keeps the winner's.
    let archives = || -> Vec<String> {
        let dir = store.object(&format!("functions/api/{version}"));
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("archive-"))
            .collect();
        v.sort();
        v
    };
    // A loser refused before it uploaded leaves nothing; plant one more
    // orphan as a killed push would leave it, so there is always one.
    std::fs::write(
        store.object(&format!(
            "functions/api/{version}/archive-{}.tar.gz",
            "0".repeat(64)
        )),
        b"left by a killed push",
    )
    .unwrap();
    assert!(archives().len() > 1);
    let prune = hoist(dirs[0].path(), &["prune", "api", "--keep", "100", "--yes"])
        .env("HOIST_PRUNE_ORPHAN_MINUTES", "0")
        .output()
        .unwrap();
    assert!(
        prune.status.success(),
        "{}",
        String::from_utf8_lossy(&prune.stderr)
    );
    assert_eq!(archives(), [key.rsplit('/').next().unwrap()]);
}

/// `n` pushes of the same content under one version at once all succeed.
fn same_content_round(store: &Store, version: &str, n: usize) {
    let data = random_bytes(6 * MIB, 99);
    let dirs: Vec<tempfile::TempDir> = (0..n).map(|_| project(store, version, &data)).collect();
    let children: Vec<Child> = dirs
        .iter()
        .map(|d| hoist(d.path(), &["push"]).spawn().unwrap())
        .collect();
    for (k, d) in wait_all(children).iter().enumerate() {
        assert_eq!(d.code, 0, "{} push {k}: {}", store.name(), d.stderr);
    }
    let out = dirs[0].path().join("pulled.tar.gz");
    let pull = hoist(
        dirs[0].path(),
        &["pull", "api", version, "-o", out.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(
        pull.status.success(),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    assert_eq!(
        format!("sha256:{}", sha256_file(&out)),
        digest_of(dirs[0].path())
    );
}

#[test]
fn parallel_pushes_of_one_version_to_s3_leave_one_consistent_winner() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = Store::S3(&server);
    // Multipart (above 5 MiB) and single-PUT archives, 4 and 8 at once.
    for (round, (n, size)) in [(4, 12 * MIB), (4, MIB), (4, 7 * MIB), (8, 2 * MIB)]
        .into_iter()
        .enumerate()
    {
        race_round(&store, &format!("v{round}"), n, size);
    }
    same_content_round(&store, "same", 4);
    same_content_round(&store, "same8", 8);
}

#[test]
fn parallel_pushes_of_one_version_to_a_local_store_leave_one_consistent_winner() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::Local(dir.path());
    for (round, (n, size)) in [(4, 6 * MIB), (8, MIB), (4, 2 * MIB)]
        .into_iter()
        .enumerate()
    {
        race_round(&store, &format!("v{round}"), n, size);
    }
    same_content_round(&store, "same", 4);
}

/// A workspace with `n` `FROM scratch` dockerfile functions `f0`…
fn build_workspace(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("project: builds\nfunctions:\n");
    for k in 0..n {
        let f = dir.path().join(format!("functions/f{k}"));
        std::fs::create_dir_all(&f).unwrap();
        std::fs::write(
            f.join("Dockerfile"),
            "FROM scratch\nCOPY app.txt /app/\nCMD [\"/app\"]\n",
        )
        .unwrap();
        std::fs::write(f.join("app.txt"), format!("function {k}\n")).unwrap();
        yaml.push_str(&format!(
            "  f{k}:\n    runtime: dockerfile\n    version: \"1\"\n"
        ));
    }
    std::fs::write(dir.path().join("hoist.yaml"), yaml).unwrap();
    dir
}

#[test]
fn parallel_builds_in_one_workspace_keep_every_image() {
    for n in [4, 8] {
        for round in 0..3 {
            let ws = build_workspace(n);
            let cache = ws.path().join(".test-cache");
            let children: Vec<Child> = (0..n)
                .map(|k| {
                    hoist(ws.path(), &["build", &format!("f{k}")])
                        .env("HOIST_CACHE_DIR", &cache)
                        .spawn()
                        .unwrap()
                })
                .collect();
            for (k, d) in wait_all(children).iter().enumerate() {
                assert_eq!(d.code, 0, "build f{k}: {}", d.stderr);
            }
            let index: serde_json::Value = serde_json::from_slice(
                &std::fs::read(ws.path().join(".hoist/oci/index.json")).unwrap(),
            )
            .unwrap();
            let mut names: Vec<String> = index["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    m["annotations"]["org.opencontainers.image.ref.name"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            names.sort();
            let mut want: Vec<String> = (0..n).map(|k| format!("f{k}:1")).collect();
            want.sort();
            assert_eq!(names, want, "{n} builds, round {round}");
        }
    }
}

/// Leftovers named as a killed hoist leaves them (a dead pid in the name)
/// are removed by the next run of the same command; a live process's are
/// kept.
#[test]
fn leftovers_of_killed_runs_are_cleaned_by_the_next_run() {
    let ws = build_workspace(1);
    let root = ws.path();
    let cache = root.join(".test-cache");
    let run = |args: &[&str]| {
        let out = hoist(root, args)
            .env("HOIST_CACHE_DIR", &cache)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["push"]);
    run(&["build", "f0"]);
    let dead = "4000000000";
    let store_dir = root.join(".hoist/store/functions/f0/1");
    let dead_tmp = store_dir.join(format!(".hoist-tmp-{dead}-abcdef"));
    let live_tmp = store_dir.join(format!(".hoist-tmp-{}-abcdef", std::process::id()));
    let bundle_tmp = root.join(format!(".hoist/bundles/f0/.bundle-{dead}-x.tar.gz.tmp"));
    let staging = root.join(format!(".hoist/build/.f0.stage-{dead}-x"));
    for f in [&dead_tmp, &live_tmp, &bundle_tmp] {
        std::fs::write(f, vec![7u8; 4096]).unwrap();
    }
    std::fs::create_dir_all(staging.join("app")).unwrap();
    std::fs::write(staging.join("app/app.txt"), b"partial").unwrap();

    run(&["push"]);
    assert!(
        !dead_tmp.exists(),
        "push left a dead writer's temporary file"
    );
    assert!(
        live_tmp.exists(),
        "push removed a live writer's temporary file"
    );
    assert!(
        !bundle_tmp.exists(),
        "the bundle step left a partial archive"
    );
    run(&["build", "f0"]);
    assert!(
        !staging.exists(),
        "build left a killed build's staging directory"
    );
    // prune cleans the store's too.
    std::fs::write(&dead_tmp, b"again").unwrap();
    run(&["prune", "f0", "--uploads"]);
    assert!(
        !dead_tmp.exists(),
        "prune left a dead writer's temporary file"
    );
    assert!(live_tmp.exists());
}

/// A project copy whose dockerfile function `api` (FROM scratch) holds
/// `data`, stored in the shared local `store` and pushed to `registry`.
fn image_project(registry: &str, store: &Path, version: &str, data: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("functions/api");
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(
        f.join("Dockerfile"),
        "FROM scratch\nCOPY data.bin /app/\nCMD [\"/app\"]\n",
    )
    .unwrap();
    std::fs::write(f.join("data.bin"), data).unwrap();
    let yaml = format!(
        "project: race\nstorage:\n  backend: local\n  path: {}\nregistry:\n  url: {registry}\nfunctions:\n  api:\n    runtime: dockerfile\n    version: {version}\n",
        store.display()
    );
    std::fs::write(dir.path().join("hoist.yaml"), yaml).unwrap();
    dir
}

/// Parallel pushes of one version with different images: the registry's
/// tag ends on the image whose release manifest the store kept, never on
/// a losing push's.
#[test]
fn parallel_pushes_of_one_version_tag_the_image_the_store_kept() {
    if !support::registry::have("docker-registry") {
        return;
    }
    let reg = support::registry::Registry::start(None);
    let store = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let version = format!("r{round}");
        let dirs: Vec<tempfile::TempDir> = (0..4)
            .map(|k| {
                let data = random_bytes(MIB, 500 + round * 10 + k);
                image_project(&reg.addr, store.path(), &version, &data)
            })
            .collect();
        for d in &dirs {
            let out = hoist(d.path(), &["build"]).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let children: Vec<Child> = dirs
            .iter()
            .map(|d| hoist(d.path(), &["push"]).spawn().unwrap())
            .collect();
        let done = wait_all(children);
        let report: String = done
            .iter()
            .enumerate()
            .map(|(k, d)| format!("push {k}: exit {}\n{}\n", d.code, d.stderr))
            .collect();
        assert_eq!(
            done.iter().filter(|d| d.code == 0).count(),
            1,
            "round {round}: {report}"
        );
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(
                store
                    .path()
                    .join(format!("functions/api/{version}/manifest.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let kept = manifest["image"]["digest"]
            .as_str()
            .unwrap_or_else(|| panic!("the stored manifest names no image: {manifest}"));
        let resp = ureq::get(&format!("http://{}/v2/api/manifests/{version}", reg.addr))
            .set("Accept", "application/vnd.oci.image.manifest.v1+json")
            .call()
            .unwrap_or_else(|e| panic!("round {round}: tag {version} is missing: {e}\n{report}"));
        let tagged = resp
            .header("Docker-Content-Digest")
            .expect("a content digest")
            .to_string();
        assert_eq!(
            tagged, kept,
            "round {round}: tag {version} names another image than the store's manifest\n{report}"
        );
    }
}
