//! `hoist build` images without a registry: Dockerfile errors with their
//! line, reproducible `FROM scratch` images in the OCI layout, config from
//! ARG/ENV/LABEL/…, multi-stage `COPY --from`, RUN handed to buildah, the
//! clear error when no builder is installed, and the offline fallback.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::registry::*;

/// A project with one `dockerfile` function `app` holding `files`.
fn project(dockerfile: &str, files: &[(&str, &str)], extra_yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut all = vec![
        (
            "hoist.yaml".to_string(),
            format!("project: demo\nfunctions:\n  app:\n    runtime: dockerfile\n    version: \"1\"\n{extra_yaml}"),
        ),
        ("functions/app/Dockerfile".to_string(), dockerfile.to_string()),
    ];
    for (p, c) in files {
        all.push((format!("functions/app/{p}"), c.to_string()));
    }
    let refs: Vec<(&str, &str)> = all.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    write_files(dir.path(), &refs);
    dir
}

/// The manifest and config of `name` in the project's layout.
fn layout_image(root: &Path, name: &str) -> (serde_json::Value, serde_json::Value) {
    let oci = root.join(".hoist/oci");
    let blob = |d: &str| -> serde_json::Value {
        let p = oci
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"));
        serde_json::from_slice(&std::fs::read(&p).expect("blob exists")).expect("JSON blob")
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).expect("index"))
            .expect("index JSON");
    let entry = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {index}"))
        .clone();
    let manifest = blob(entry["digest"].as_str().expect("digest"));
    let config = blob(
        manifest["config"]["digest"]
            .as_str()
            .expect("config digest"),
    );
    (manifest, config)
}

fn build(root: &Path, args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let cache = root.join(".test-cache");
    let cache = cache.display().to_string();
    let mut all = vec![("HOIST_CACHE_DIR", cache.as_str())];
    all.extend_from_slice(envs);
    let mut a = vec!["build"];
    a.extend_from_slice(args);
    hoist(root, &a, &all)
}

const SCRATCH: &str = r#"ARG GREETING=hi
FROM scratch
ARG GREETING
ARG WHO=world
WORKDIR /srv
COPY --chmod=0755 run.sh bin/
COPY data/ ./data/
COPY *.txt /notes/
ENV MESSAGE="${GREETING}, ${WHO}" EMPTY=${UNSET:-fallback}
LABEL team=functions "quoted key"="a b"
EXPOSE 8080 9000/udp
USER 1000:1000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["/srv/bin/run.sh", "health"]
ENTRYPOINT ["/srv/bin/run.sh"]
CMD ["serve"]
"#;

#[test]
fn scratch_image_config_and_reproducibility() {
    let files = [
        ("run.sh", "#!/bin/sh\necho hi\n"),
        ("data/a.json", "{}"),
        ("data/sub/b.json", "[]"),
        ("one.txt", "1"),
        ("two.txt", "2"),
    ];
    let p = project(SCRATCH, &files, "");
    let root = p.path();
    let doc = json_ok(&build(root, &["--output", "json"], &[]));
    let digest = doc[0]["image"]["digest"]
        .as_str()
        .expect("digest")
        .to_string();
    assert_eq!(doc[0]["image"]["builder"], "native");
    let (manifest, config) = layout_image(root, "app:1");
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(manifest["layers"].as_array().expect("layers").len(), 3);
    let c = &config["config"];
    let env: Vec<&str> = c["Env"]
        .as_array()
        .expect("env")
        .iter()
        .map(|v| v.as_str().expect("str"))
        .collect();
    assert_eq!(env, ["MESSAGE=hi, world", "EMPTY=fallback"]);
    assert_eq!(c["WorkingDir"], "/srv");
    assert_eq!(c["User"], "1000:1000");
    assert_eq!(c["Labels"]["team"], "functions");
    assert_eq!(c["Labels"]["quoted key"], "a b");
    assert!(
        c["ExposedPorts"].get("8080/tcp").is_some() && c["ExposedPorts"].get("9000/udp").is_some()
    );
    assert_eq!(c["Entrypoint"][0], "/srv/bin/run.sh");
    assert_eq!(c["Cmd"][0], "serve");
    assert_eq!(c["StopSignal"], "SIGTERM");
    assert_eq!(c["Healthcheck"]["Test"][0], "CMD");
    assert_eq!(c["Healthcheck"]["Interval"], 30_000_000_000u64);
    assert_eq!(config["created"], "1970-01-01T00:00:00Z");
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(config["history"].as_array().expect("history").len(), 14);

    // The first layer is a sorted, owner-less tar with mtime 0 and the
    // --chmod mode; tar itself reads it back.
    let layer = manifest["layers"][0]["digest"].as_str().expect("digest");
    let blob = root
        .join(".hoist/oci/blobs/sha256")
        .join(layer.trim_start_matches("sha256:"));
    let out = Command::new("tar")
        .arg("-tvzf")
        .arg(&blob)
        .output()
        .expect("tar runs");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains("-rwxr-xr-x 0/0") && listing.contains("1970-01-01 00:00 srv/bin/run.sh"),
        "{listing}"
    );
    let (m2, _) = layout_image(root, "app:1");
    let data_layer = m2["layers"][1]["digest"].as_str().expect("digest");
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(
            root.join(".hoist/oci/blobs/sha256")
                .join(data_layer.trim_start_matches("sha256:")),
        )
        .output()
        .expect("tar");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "srv/data/a.json\nsrv/data/sub/\nsrv/data/sub/b.json\n"
    );

    // Same input, same digest; a copy elsewhere too; another epoch differs.
    let again = json_ok(&build(root, &["--output", "json"], &[]));
    assert_eq!(again[0]["image"]["digest"], digest.as_str());
    let other = project(SCRATCH, &files, "");
    let there = json_ok(&build(other.path(), &["--output", "json"], &[]));
    assert_eq!(there[0]["image"]["digest"], digest.as_str());
    let later = json_ok(&build(
        root,
        &["--output", "json"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    ));
    assert_ne!(later[0]["image"]["digest"], digest.as_str());
    let (_, config) = layout_image(root, "app:1");
    assert_eq!(config["created"], "2023-11-14T22:13:20Z");

    // A same-size edit is another bundle, so another layer and image.
    std::fs::write(root.join("functions/app/one.txt"), "3").expect("edit");
    let edited = json_ok(&build(
        root,
        &["--output", "json"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    ));
    assert_ne!(edited[0]["image"]["digest"], later[0]["image"]["digest"]);
    std::fs::write(root.join("functions/app/one.txt"), "1").expect("edit back");
    let back = json_ok(&build(
        root,
        &["--output", "json"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    ));
    assert_eq!(back[0]["image"]["digest"], later[0]["image"]["digest"]);

    // An independent reader agrees, when skopeo is around.
    if have("skopeo") {
        let layout = format!("oci:{}:app:1", root.join(".hoist/oci").display());
        let info = skopeo_inspect(&layout, &[]);
        assert_eq!(info["Digest"], later[0]["image"]["digest"]);
    }
}

/// COPY shapes the native builder resolves from the bundle in memory.
const COPIES: &str = "FROM scratch\nCOPY . /app/\nCOPY lib /lib-copy\nCOPY *.txt lib/*.js /flat/\nCOPY run.sh /bin/start\nCOPY lib/ link.txt /mixed/\nCOPY --chmod=0700 --chown=5:6 lib /owned/\n";

#[test]
fn the_bundle_is_copied_from_memory_as_it_would_be_from_disk() {
    use std::os::unix::fs::PermissionsExt;
    let files = [
        ("run.sh", "#!/bin/sh\necho hi\n"),
        ("one.txt", "1"),
        ("two.txt", "2"),
        ("lib/a.js", "a"),
        ("lib/deep/b.js", "b"),
        ("lib/deep/c.json", "{}"),
    ];
    let p = project(COPIES, &files, "");
    let root = p.path();
    let app = root.join("functions/app");
    std::fs::set_permissions(app.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(app.join("empty")).unwrap();
    std::os::unix::fs::symlink("one.txt", app.join("link.txt")).unwrap();
    let first = json_ok(&build(
        root,
        &["--output", "json", "--builder", "native"],
        &[],
    ));
    let digest = first[0]["image"]["digest"]
        .as_str()
        .expect("digest")
        .to_string();
    let ctx = root.join(".hoist/build/app");
    assert!(ctx.join("Dockerfile").is_file());
    assert!(
        !ctx.join("app").exists(),
        "a native build from the bundle writes no copy of its files"
    );

    // The same context with the bundle unpacked on disk, and no cache:
    // the same image, layer for layer.
    unpack_context(root, "app");
    std::fs::remove_dir_all(root.join(".test-cache")).unwrap();
    std::fs::remove_dir_all(root.join(".hoist/oci")).unwrap();
    let second = json_ok(&build(
        root,
        &["--output", "json", "--builder", "native"],
        &[],
    ));
    assert_eq!(second[0]["image"]["digest"], digest.as_str());
    let (manifest, _) = layout_image(root, "app:1");
    assert_eq!(manifest["layers"].as_array().expect("layers").len(), 6);

    // A source the memory view cannot resolve (through a symlinked
    // directory) is read from disk, which is written for it.
    let p = project(
        "FROM scratch\nCOPY via/a.js /a.js\n",
        &[("lib/a.js", "a")],
        "",
    );
    std::os::unix::fs::symlink("lib", p.path().join("functions/app/via")).unwrap();
    let doc = json_ok(&build(
        p.path(),
        &["--output", "json", "--builder", "native"],
        &[],
    ));
    assert!(doc[0]["image"]["digest"].is_string());
    assert!(p.path().join(".hoist/build/app/app/lib/a.js").is_file());
}

#[test]
fn multi_stage_copy_from_a_stage() {
    let df = "FROM scratch AS files\nCOPY data/ /data/\nFROM scratch AS unused\nRUN echo never built\nFROM scratch\nCOPY --from=files /data/b.txt /b.txt\nCOPY --from=0 /data/ /all/\n";
    let p = project(df, &[("data/a.txt", "a"), ("data/b.txt", "b")], "");
    let doc = json_ok(&build(
        p.path(),
        &["--output", "json", "--builder", "native"],
        &[],
    ));
    assert_eq!(doc[0]["image"]["builder"], "native");
    let (manifest, _) = layout_image(p.path(), "app:1");
    let layers = manifest["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 2);
    let list = |d: &str| {
        let out = Command::new("tar")
            .arg("-tzf")
            .arg(
                p.path()
                    .join(".hoist/oci/blobs/sha256")
                    .join(d.trim_start_matches("sha256:")),
            )
            .output()
            .expect("tar");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(list(layers[0]["digest"].as_str().expect("d")), "b.txt\n");
    assert_eq!(
        list(layers[1]["digest"].as_str().expect("d")),
        "all/a.txt\nall/b.txt\n"
    );
}

#[test]
fn dockerfile_errors_name_the_line() {
    let p = project(
        "FROM scratch\nCOPY a.txt /\nFROBNICATE now\n",
        &[("a.txt", "a")],
        "",
    );
    let out = build(p.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("Dockerfile:3: unknown instruction `FROBNICATE`"),
        "{err}"
    );

    let p = project("FROM scratch\nCOPY missing.txt /\n", &[("a.txt", "a")], "");
    let out = build(p.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("Dockerfile:2: COPY: source `missing.txt` is not in the build context"),
        "{}",
        stderr(&out)
    );

    let p = project("FROM scratch\nEXPOSE eighty\n", &[], "");
    let out = build(p.path(), &[], &[]);
    assert!(
        stderr(&out).contains("Dockerfile:2: EXPOSE: `eighty` is not a port"),
        "{}",
        stderr(&out)
    );

    let p = project(
        "FROM scratch\nCOPY --chown=app a.txt /\n",
        &[("a.txt", "a")],
        "",
    );
    let out = build(p.path(), &[], &[]);
    assert!(
        stderr(&out).contains("Dockerfile:2: COPY: --chown=app"),
        "{}",
        stderr(&out)
    );

    let out = build(p.path(), &["--platform", "linux"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`linux` is not a platform"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_needs_a_builder_and_says_which_line() {
    let df = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nENV PATH=/bin\n";
    let p = project(df, &[], "");
    std::fs::copy(busybox_path(), p.path().join("functions/app/busybox")).expect("busybox");
    // Forced native: refused with the line and how to get a builder.
    let out = build(p.path(), &["--builder", "native"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Dockerfile:3: `RUN [\"/bin/busybox\"") && err.contains("--builder buildah"),
        "{err}"
    );
    // auto with no builder on PATH: which instruction, and how to install one.
    let empty = tempfile::tempdir().expect("tempdir");
    let path = empty.path().display().to_string();
    let out = build(p.path(), &[], &[("PATH", &path)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Dockerfile:3")
            && err.contains("none is installed")
            && err.contains("apt-get install buildah"),
        "{err}"
    );
    // With buildah installed, auto hands the Dockerfile to it.
    if !have("buildah") {
        return;
    }
    let doc = json_ok(&build(p.path(), &["--output", "json"], &[]));
    assert_eq!(doc[0]["image"]["builder"], "buildah");
    let (manifest, config) = layout_image(p.path(), "app:1");
    assert!(!manifest["layers"].as_array().expect("layers").is_empty());
    assert_eq!(config["config"]["Env"][0], "PATH=/bin");
}

/// A loopback address where nothing listens: connecting is refused at
/// once, and nothing leaves this machine.
fn dead_registry() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    addr.to_string()
}

#[test]
fn an_unreachable_base_skips_the_image_but_renders_the_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = dead_registry();
    write_files(
        dir.path(),
        &[
            (
                "hoist.yaml",
                &format!("project: demo\nfunctions:\n  greet:\n    runtime: deno\n    base_image: {registry}/edge-runtime:1\n"),
            ),
            ("functions/greet/index.ts", "Deno.serve(() => new Response('hi'))\n"),
        ],
    );
    let doc = json_ok(&build(dir.path(), &["--output", "json"], &[]));
    assert!(doc[0]["image"].is_null());
    let why = doc[0]["image_skipped"].as_str().expect("a reason");
    assert!(why.contains(&registry), "{why}");
    assert_eq!(doc[0]["unreachable_registry"], registry.as_str());
    assert!(dir.path().join(".hoist/build/greet/Dockerfile").is_file());
    // The context is complete, the bundle's files included, for any
    // builder to take.
    assert!(dir
        .path()
        .join(".hoist/build/greet/app/greet/index.ts")
        .is_file());
    let out = build(dir.path(), &[], &[]);
    let want = format!(
        "warning: greet: Dockerfile rendered; image not built: base image registry {registry} unreachable (the build context is ready under .hoist/build/"
    );
    assert!(
        stderr(&out).contains(&want) && !stderr(&out).contains("Built greet"),
        "{}",
        stderr(&out)
    );
    // Asked for explicitly, a native build fails instead.
    let out = build(dir.path(), &["--builder", "native"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("cannot reach the registry {registry}")),
        "{}",
        stderr(&out)
    );
}

/// A loopback "registry" that accepts connections and closes them at once
/// (no HTTP answer: unreachable to hoist), counting them.
fn counting_dead_registry() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&count);
    std::thread::spawn(move || {
        for conn in l.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (addr, count)
}

/// A project of `n` deno functions `f1`…, all on the base image `base`.
fn functions_on(base: &str, n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut yaml = format!(
        "project: demo\ndefaults:\n  runtime: deno\n  base_images:\n    deno: {base}\nfunctions:\n"
    );
    for i in 1..=n {
        yaml.push_str(&format!("  f{i}: {{}}\n"));
        write_files(
            dir.path(),
            &[(
                &format!("functions/f{i}/index.ts"),
                &format!("Deno.serve(() => new Response('{i}'))\n"),
            )],
        );
    }
    write_files(dir.path(), &[("hoist.yaml", &yaml)]);
    dir
}

#[test]
fn an_unreachable_base_registry_is_asked_once_and_reported_once() {
    use std::sync::atomic::Ordering;
    let (registry, count) = counting_dead_registry();
    let base = format!("{registry}/edge-runtime:1");
    let fast = [("HOIST_RETRY_BASE_MS", "1")];
    // What one function costs the registry...
    let one = functions_on(&base, 1);
    let out = build(one.path(), &[], &fast);
    assert!(out.status.success(), "{}", stderr(&out));
    let per_command = count.swap(0, Ordering::SeqCst);
    assert!(per_command > 0);
    // ...is what five cost: the registry is asked once per command.
    let five = functions_on(&base, 5);
    let out = build(five.path(), &["-v"], &fast);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count.swap(0, Ordering::SeqCst), per_command);
    // One warning line for the five, saying what to do; -v names each.
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [format!(
            "warning: 5 functions: Dockerfile rendered; image not built: base image registry {registry} unreachable \
             (the build context is ready under .hoist/build/; run `hoist build` again once {registry} answers \
             or the base image is in the cache; -v lists the functions)"
        )],
        "{err}"
    );
    for i in 1..=5 {
        let want = format!("not built ({registry} unreachable): f{i} ");
        assert!(err.contains(&want), "stderr lacks {want:?}:\n{err}");
    }
    // JSON still says, per function, what was built and what was not.
    let doc = json_ok(&build(five.path(), &["--output", "json"], &fast));
    let docs = doc.as_array().expect("one document per function");
    assert_eq!(docs.len(), 5);
    for d in docs {
        assert!(d["image"].is_null(), "{d}");
        assert_eq!(d["unreachable_registry"], registry.as_str(), "{d}");
        assert!(d["dockerfile"].as_str().is_some(), "{d}");
    }
}

#[test]
fn heredocs_go_to_an_external_builder_and_a_bom_is_ignored() {
    let df = "FROM scratch\nCOPY <<EOF /hello.txt\nhello from a heredoc\nEOF\nCOPY a.txt /a.txt\n";
    let p = project(df, &[("a.txt", "a")], "");
    let out = build(p.path(), &["--builder", "native"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Dockerfile:2: `COPY <<EOF /hello.txt`")
            && err.contains("heredocs need an external builder (--builder buildah)"),
        "{err}"
    );
    assert!(!err.contains("unknown instruction"), "{err}");

    // A byte order mark before FROM is not part of the instruction.
    let bom = project(
        "\u{feff}FROM scratch\nCOPY a.txt /a.txt\n",
        &[("a.txt", "a")],
        "",
    );
    let doc = json_ok(&build(
        bom.path(),
        &["--output", "json", "--builder", "native"],
        &[],
    ));
    assert_eq!(doc[0]["image"]["builder"], "native");

    if !have("buildah") {
        return;
    }
    // `auto` hands the Dockerfile to buildah, which runs heredocs from
    // 1.33 on; an older one (Debian 12 has 1.28) fails in buildah itself,
    // and hoist says so.
    let version = Command::new("buildah").arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let (major, minor) = version
        .split_whitespace()
        .nth(2)
        .and_then(|v| {
            let mut it = v.split('.').map(|n| n.parse::<u32>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or_else(|| panic!("cannot read buildah's version from {version:?}"));
    let out = build(p.path(), &["--output", "json"], &[]);
    if (major, minor) >= (1, 33) {
        let doc = json_ok(&out);
        assert_eq!(doc[0]["image"]["builder"], "buildah");
        let (manifest, _) = layout_image(p.path(), "app:1");
        assert_eq!(manifest["layers"].as_array().expect("layers").len(), 2);
    } else {
        assert_eq!(
            out.status.code(),
            Some(1),
            "buildah {major}.{minor} built heredocs"
        );
        let err = stderr(&out);
        assert!(err.contains("buildah build failed"), "{err}");
    }
}

#[test]
fn stages_named_through_global_args() {
    let df = "ARG S=files\nARG SRC=files\nFROM scratch AS files\nCOPY data/ /data/\nFROM ${SRC} AS again\nFROM scratch\nCOPY --from=$S /data/a.txt /a.txt\nCOPY --from=again /data/b.txt /b.txt\n";
    let p = project(df, &[("data/a.txt", "a"), ("data/b.txt", "b")], "");
    let out = build(p.path(), &["--output", "json", "--builder", "native"], &[]);
    let doc = json_ok(&out);
    assert_eq!(doc[0]["image"]["builder"], "native");
    assert!(!stderr(&out).contains("Pulling"), "{}", stderr(&out));
    let (manifest, _) = layout_image(p.path(), "app:1");
    assert_eq!(manifest["layers"].as_array().expect("layers").len(), 2);
}

/// A 2 GiB sparse file in a function: `hoist build` streams it (peak RSS
/// at most 64 MiB, measured by /usr/bin/time) and the build context keeps
/// it sparse. Skipped, saying why, where sparse files or /usr/bin/time are
/// missing.
#[test]
fn build_memory_does_not_grow_with_file_size() {
    use std::os::unix::fs::MetadataExt;
    let p = project(
        "FROM scratch\nCOPY run.sh /\n",
        &[("run.sh", "#!/bin/sh\n")],
        "",
    );
    let root = p.path();
    let big = root.join("functions/app/big.bin");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(2 << 30).unwrap();
    drop(f);
    if std::fs::metadata(&big).unwrap().blocks() * 512 > 1 << 20 {
        support::skip::missing("this filesystem does not keep a 2 GiB file sparse");
        return;
    }
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        support::skip::missing("/usr/bin/time is not installed");
        return;
    }
    let cache = root.join(".test-cache");
    let out = Command::new(time)
        .args(["-f", "peak-rss-kib=%M"])
        .arg(assert_cmd::cargo::cargo_bin("hoist"))
        .args(["build", "app"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("HOIST_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let kib: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kib="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in: {stderr}"));
    assert!(kib <= 64 * 1024, "hoist build peaked at {kib} KiB");
    // Too large to read into memory: the bundle is unpacked into the
    // context, and the copy stays sparse.
    let unpacked = root.join(".hoist/build/app/app/big.bin");
    let meta =
        std::fs::metadata(&unpacked).unwrap_or_else(|e| panic!("{}: {e}", unpacked.display()));
    assert_eq!(meta.len(), 2 << 30);
    assert!(
        meta.blocks() * 512 < 64 << 20,
        "the build context copy is not sparse"
    );
}
