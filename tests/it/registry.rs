//! `hoist build` + `hoist push` against Debian's docker-registry on
//! loopback: images checked independently with skopeo and buildah, run with
//! `buildah run`, auth (basic, Bearer, docker config, credential helpers),
//! and faults (unreachable, not found, platform missing, corrupted blob,
//! connections cut mid-upload).

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::bearer::{basic, request, BearerGate};
use support::leaks::{assert_output_clean, authorization_secrets};
use support::registry::*;

const FUNCTION_DOCKERFILE: &str = r#"FROM {BASE}
WORKDIR /app
COPY . /app/
ENV GREETING=hello PORT=8080
LABEL org.example.team=functions
EXPOSE 8080
USER 1000:1000
ENTRYPOINT ["/bin/sh", "-c", "exec nc -l -p $PORT -e /app/handler.sh"]
"#;

const HANDLER: &str = "#!/bin/sh\nwhile read -r line; do case \"$line\" in \"$(printf '\\r')\"|\"\") break;; esac; done\nprintf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s from %s\\n' \"$GREETING\" \"$(cat /app/name.txt)\"\n";

/// A project with one function `hello` (its own Dockerfile on `base`).
fn function_project(registry: &str, base: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut files: Vec<(&str, String)> = vec![
        (
            "hoist.yaml",
            format!(
                "project: demo\nfunctions:\n  hello:\n    runtime: dockerfile\n    version: \"1.0.0\"\nregistry:\n  url: {registry}\n"
            ),
        ),
        ("functions/hello/Dockerfile", FUNCTION_DOCKERFILE.replace("{BASE}", base)),
        ("functions/hello/handler.sh", HANDLER.to_string()),
        ("functions/hello/name.txt", "hello-fn".to_string()),
    ];
    for (p, c) in extra {
        files.push((p, c.to_string()));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    write_files(root, &refs);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        root.join("functions/hello/handler.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    dir
}

fn tools(list: &[&str]) -> bool {
    list.iter().all(|t| have(t))
}

fn cache_env(cache: &Path) -> (&'static str, String) {
    ("HOIST_CACHE_DIR", cache.display().to_string())
}

fn envs<'a>(pairs: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn build_push_inspect_and_repush_uploads_nothing() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let reg = Registry::start(None);
    let proxy = Proxy::start(
        &reg.addr,
        Faults {
            cut_after: None,
            cuts: 0,
            unavailable: 0,
        },
    );
    let cache = tempfile::tempdir().unwrap();
    let env = [cache_env(cache.path())];
    let env = envs(&env);
    let _base = push_busybox_base(&proxy.addr, cache.path(), &[]);
    let base_ref = format!("{}/base:1", proxy.addr);
    let project = function_project(&proxy.addr, &base_ref, &[]);
    let root = project.path();

    let built = json_ok(&hoist(root, &["build", "--output", "json"], &env));
    let image = &built[0]["image"];
    let digest = image["digest"].as_str().unwrap().to_string();
    assert_eq!(image["builder"], "native");
    assert_eq!(image["platform"], "linux/amd64");
    assert!(image["base"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{base_ref}@sha256:")));

    // An unchanged rebuild gives the same digest, and so does a copy of
    // the project elsewhere (no path, time or owner leaks into the image).
    let again = json_ok(&hoist(root, &["build", "--output", "json"], &env));
    assert_eq!(again[0]["image"]["digest"], digest.as_str());
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .args(["-r", "functions", "hoist.yaml"])
        .arg(copy.path())
        .current_dir(root)
        .status()
        .unwrap();
    assert!(status.success());
    let elsewhere = json_ok(&hoist(copy.path(), &["build", "--output", "json"], &env));
    assert_eq!(elsewhere[0]["image"]["digest"], digest.as_str());

    // First push: the base layer is mounted from base's repository.
    let before = proxy.up_bytes.load(std::sync::atomic::Ordering::SeqCst);
    let pushed = json_ok(&hoist(root, &["push", "--output", "json"], &env));
    let ip = &pushed[0]["image_push"];
    assert_eq!(ip["digest"], digest.as_str());
    assert_eq!(
        ip["reference"],
        format!("{}/hello:1.0.0", proxy.addr).as_str()
    );
    assert_eq!(
        ip["pinned"],
        format!("{}/hello@{digest}", proxy.addr).as_str()
    );
    assert_eq!(ip["blobs_mounted"], 1, "{ip}");
    let uploaded = ip["uploaded_bytes"].as_u64().unwrap();
    assert!(uploaded > 0);
    let sent = proxy.up_bytes.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(
        sent >= uploaded,
        "the proxy saw {sent} bytes, hoist says {uploaded}"
    );
    assert_eq!(pushed[0]["image"]["digest"], digest.as_str());

    // skopeo, an independent client, sees what hoist says it pushed.
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    let info = skopeo_inspect(&target, &[]);
    assert_eq!(info["Digest"], digest.as_str());
    assert_eq!(info["Architecture"], "amd64");
    assert_eq!(info["Os"], "linux");
    assert_eq!(info["Layers"].as_array().unwrap().len(), 2);
    assert_eq!(info["Labels"]["org.example.team"], "functions");
    let env_list: Vec<&str> = info["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        env_list.contains(&"GREETING=hello") && env_list.contains(&"PATH=/bin"),
        "{env_list:?}"
    );
    let config = skopeo_inspect(&target, &["--config"]);
    let c = &config["config"];
    assert_eq!(c["Entrypoint"][2], "exec nc -l -p $PORT -e /app/handler.sh");
    assert_eq!(c["WorkingDir"], "/app");
    assert_eq!(c["User"], "1000:1000");
    assert!(c["ExposedPorts"].get("8080/tcp").is_some());
    assert_eq!(config["created"], "1970-01-01T00:00:00Z");
    // skopeo copies it out (every blob fetched and checked) to the same digest.
    let out = tempfile::tempdir().unwrap();
    let st = Command::new("skopeo")
        .args(["copy", "-q", "--src-tls-verify=false", &target])
        .arg(format!("oci:{}:x", out.path().join("l").display()))
        .status()
        .unwrap();
    assert!(st.success());
    let idx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("l/index.json")).unwrap()).unwrap();
    assert_eq!(idx["manifests"][0]["digest"], digest.as_str());

    // Re-push: zero blob bytes, and the proxy agrees (only small requests).
    let before = proxy.up_bytes.load(std::sync::atomic::Ordering::SeqCst);
    let again = json_ok(&hoist(root, &["push", "--output", "json"], &env));
    assert_eq!(again[0]["image_push"]["uploaded_bytes"], 0);
    assert_eq!(again[0]["image_push"]["blobs_present"], 3);
    let sent = proxy.up_bytes.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(sent < 16 * 1024, "a re-push sent {sent} bytes");
}

#[test]
fn the_image_runs_under_buildah_and_matches_a_buildah_build() {
    if !tools(&["docker-registry", "skopeo", "busybox", "buildah"]) {
        return;
    }
    let reg = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let env = [cache_env(cache.path())];
    let env = envs(&env);
    let _base = push_busybox_base(&reg.addr, cache.path(), &[]);
    let project = function_project(&reg.addr, &format!("{}/base:1", reg.addr), &[]);
    let root = project.path();
    json_ok(&hoist(root, &["build", "--output", "json"], &env));
    json_ok(&hoist(root, &["push", "--output", "json"], &env));

    let store = tempfile::tempdir().unwrap();
    let buildah = |args: &[&str]| {
        let out = Command::new("buildah")
            .arg("--root")
            .arg(store.path().join("root"))
            .arg("--runroot")
            .arg(store.path().join("run"))
            .args(["--storage-driver", "vfs"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "buildah {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };

    // Run the image's entrypoint and ask the function for its answer.
    let image = format!("docker://{}/hello:1.0.0", reg.addr);
    let ctr = buildah(&["from", "-q", "--tls-verify=false", &image]);
    let port = free_port();
    buildah(&["config", "--env", &format!("PORT={port}"), &ctr]);
    let config = skopeo_inspect(&image, &["--config"]);
    let entrypoint: Vec<String> = config["config"]["Entrypoint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut child = Command::new("buildah")
        .arg("--root")
        .arg(store.path().join("root"))
        .arg("--runroot")
        .arg(store.path().join("run"))
        .args([
            "--storage-driver",
            "vfs",
            "run",
            "--isolation",
            "chroot",
            &ctr,
            "--",
        ])
        .args(&entrypoint)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let answer = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
            let mut body = String::new();
            s.read_to_string(&mut body).unwrap();
            break body;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the function never listened: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.contains("hello from hello-fn"), "{answer}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    buildah(&["rm", &ctr]);

    // buildah builds the same Dockerfile from the same context: the config
    // matches field by field.
    let ctx = unpack_context(root, "hello");
    buildah(&[
        "bud",
        "-q",
        "--isolation",
        "chroot",
        "--tls-verify=false",
        "--timestamp",
        "0",
        "-f",
        ctx.join("Dockerfile").to_str().unwrap(),
        "-t",
        "localhost/cmp:1",
        ctx.to_str().unwrap(),
    ]);
    let theirs: serde_json::Value =
        serde_json::from_str(&buildah(&["inspect", "--type", "image", "localhost/cmp:1"])).unwrap();
    let theirs = &theirs["OCIv1"];
    let ours = skopeo_inspect(&image, &["--config"]);
    for key in ["architecture", "os"] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    for key in [
        "Env",
        "Entrypoint",
        "Cmd",
        "WorkingDir",
        "User",
        "ExposedPorts",
    ] {
        assert_eq!(ours["config"][key], theirs["config"][key], "config.{key}");
    }
    let mut their_labels = theirs["config"]["Labels"].clone();
    if let Some(m) = their_labels.as_object_mut() {
        m.remove("io.buildah.version");
    }
    assert_eq!(ours["config"]["Labels"], their_labels);
    assert_eq!(
        ours["rootfs"]["diff_ids"].as_array().unwrap().len(),
        theirs["rootfs"]["diff_ids"].as_array().unwrap().len()
    );
    // Both start from the same base layer.
    assert_eq!(
        ours["rootfs"]["diff_ids"][0],
        theirs["rootfs"]["diff_ids"][0]
    );
}

#[test]
fn basic_auth_credentials_from_hoist_docker_config_and_helpers() {
    if !tools(&["docker-registry", "skopeo", "busybox", "htpasswd"]) {
        return;
    }
    let secret = "s3cr3t-Pa55";
    let reg = Registry::start(Some(("alice", secret)));
    // What must never show: the password and the Basic credential made of it.
    let alice = format!("alice:{secret}");
    let secrets = [secret, alice.as_str()];
    let cache = tempfile::tempdir().unwrap();
    let hoist_creds = [
        ("HOIST_REGISTRY_USERNAME", "alice"),
        ("HOIST_REGISTRY_TOKEN", secret),
    ];
    let _base = push_busybox_base(&reg.addr, cache.path(), &hoist_creds);
    let project = function_project(&reg.addr, &format!("{}/base:1", reg.addr), &[]);
    let root = project.path();
    let c = cache.path().display().to_string();

    // Pulling the base needs the credentials too.
    let out = hoist(root, &["build"], &[("HOIST_CACHE_DIR", &c)]);
    assert_eq!(out.status.code(), Some(1));
    assert_output_clean(&out, &secrets);
    assert!(
        stderr(&out).contains("refused reading base without credentials"),
        "{}",
        stderr(&out)
    );
    let out = hoist(
        root,
        &["build", "--output", "json", "-vv"],
        &[("HOIST_CACHE_DIR", &c), hoist_creds[0], hoist_creds[1]],
    );
    json_ok(&out);
    assert_output_clean(&out, &secrets);
    // No credentials: refused, and the message names registry and source.
    let out = hoist(root, &["push"], &[("HOIST_CACHE_DIR", &c)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&reg.addr) && err.contains("without credentials"),
        "{err}"
    );

    // A wrong token: the source and user are named, never the secret.
    let out = hoist(
        root,
        &["push", "-vvv"],
        &[
            ("HOIST_CACHE_DIR", &c),
            ("HOIST_REGISTRY_USERNAME", "alice"),
            ("HOIST_REGISTRY_TOKEN", "wrong-token-value"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("HOIST_REGISTRY_TOKEN") && err.contains("`alice`"),
        "{err}"
    );
    assert_output_clean(&out, &["wrong-token-value", "alice:wrong-token-value"]);

    // hoist's own token works, and -vvv never prints it.
    let out = hoist(
        root,
        &["push", "-vvv", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c), hoist_creds[0], hoist_creds[1]],
    );
    let doc = json_ok(&out);
    assert!(doc[0]["image_push"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_output_clean(&out, &secrets);

    // ~/.docker/config.json `auths`.
    let docker = root.join(".test-docker");
    let auth = base64(&format!("alice:{secret}"));
    write_files(
        &docker,
        &[(
            "config.json",
            &format!("{{\"auths\":{{\"{}\":{{\"auth\":\"{auth}\"}}}}}}", reg.addr),
        )],
    );
    let out = hoist(
        root,
        &["push", "--output", "json", "-vv"],
        &[("HOIST_CACHE_DIR", &c)],
    );
    let doc = json_ok(&out);
    assert_eq!(doc[0]["image_push"]["uploaded_bytes"], 0);
    assert_output_clean(&out, &secrets);

    // A credential helper named by `credsStore`.
    let bin = tempfile::tempdir().unwrap();
    let helper = bin.path().join("docker-credential-hoisttest");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\nread server\n[ \"$server\" = \"{}\" ] || exit 1\nprintf '{{\"Username\":\"alice\",\"Secret\":\"{secret}\"}}'\n", reg.addr),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    write_files(
        &docker,
        &[("config.json", "{\"credsStore\":\"hoisttest\"}")],
    );
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = hoist(
        root,
        &["push", "--output", "json", "-vv"],
        &[("HOIST_CACHE_DIR", &c), ("PATH", &path)],
    );
    let doc = json_ok(&out);
    assert!(doc[0]["image_push"]["pinned"]
        .as_str()
        .unwrap()
        .contains("@sha256:"));
    assert_output_clean(&out, &secrets);
}

fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn bearer_token_flow() {
    if !tools(&["docker-registry", "busybox"]) {
        return;
    }
    let reg = Registry::start(None);
    let gate = BearerGate::start(&reg.addr, "bob", "tok-pass");
    let cache = tempfile::tempdir().unwrap();
    let creds = [
        ("HOIST_REGISTRY_USERNAME", "bob"),
        ("HOIST_REGISTRY_TOKEN", "tok-pass"),
    ];
    let _base = push_busybox_base(&gate.addr, cache.path(), &creds);
    assert!(gate.tokens_issued() >= 1);
    let project = function_project(&gate.addr, &format!("{}/base:1", gate.addr), &[]);
    let c = cache.path().display().to_string();
    let mut all = vec![("HOIST_CACHE_DIR", c.as_str())];
    all.extend_from_slice(&creds);
    let build = hoist(project.path(), &["build", "--output", "json", "-vv"], &all);
    json_ok(&build);
    let push = hoist(project.path(), &["push", "--output", "json", "-vv"], &all);
    let doc = json_ok(&push);
    // The mount needs `pull` on the source: hoist asked for it.
    assert_eq!(doc[0]["image_push"]["blobs_mounted"], 1);
    // hoist asked for the scopes its requests need, and no other.
    let asked = gate.requested_scopes();
    let needed = [
        "repository:base:pull",
        "repository:base:pull,push",
        "repository:hello:pull,push",
    ];
    for scope in needed {
        assert!(asked.iter().any(|a| a == scope), "{scope} not in {asked:?}");
    }
    assert!(
        asked.iter().all(|a| needed.contains(&a.as_str())),
        "{asked:?}"
    );
    assert_eq!(gate.scopes_refused(), 0, "asked: {asked:?}");
    assert_eq!(gate.insufficient(), 0, "asked: {asked:?}");
    // The token server refuses a wrong password; the error says whose.
    let wrong = hoist(
        project.path(),
        &["push", "-vv"],
        &[
            ("HOIST_CACHE_DIR", &c),
            ("HOIST_REGISTRY_USERNAME", "bob"),
            ("HOIST_REGISTRY_TOKEN", "nope-nope"),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    let err = stderr(&wrong);
    assert!(
        err.contains("refused a token") && err.contains("HOIST_REGISTRY_TOKEN"),
        "{err}"
    );
    // No token issued, no Authorization sent, no password shows anywhere.
    let mut secrets = gate.secrets();
    assert!(secrets.len() > gate.issued().len(), "no Authorization seen");
    secrets.extend(["tok-pass", "bob:tok-pass", "nope-nope", "bob:nope-nope"].map(String::from));
    for out in [&build, &push, &wrong] {
        assert_output_clean(out, &secrets);
    }
}

#[test]
fn the_test_token_server_grants_only_the_challenged_repository_and_actions() {
    // No registry behind the gate: every request here is answered by it.
    let gate = BearerGate::start("127.0.0.1:9", "bob", "tok-pass");
    let auth = basic("bob", "tok-pass");
    let challenge = |head: &[String]| {
        head.iter()
            .find(|h| h.to_ascii_lowercase().starts_with("www-authenticate:"))
            .cloned()
            .unwrap_or_default()
    };
    let (status, head, _) = request(&gate.addr, "PUT", "/v2/demo/hello/manifests/1", &[]);
    assert_eq!(status, 401);
    assert!(
        challenge(&head).contains("scope=\"repository:demo/hello:pull,push\""),
        "{head:?}"
    );
    // Another repository, too few actions, another scope type, no scope.
    for scope in [
        "repository:x:pull,push",
        "repository:demo/hello:pull",
        "registry:catalog:*",
        "",
    ] {
        let path = format!("/token?service=hoist-test&scope={scope}");
        let (status, _, body) = request(&gate.addr, "GET", &path, &[("Authorization", &auth)]);
        assert_eq!(status, 403, "{scope}: {body}");
        assert!(body.contains("scope `"), "{body}");
    }
    assert_eq!(gate.scopes_refused(), 4);
    let path = "/token?service=other&scope=repository%3Ademo%2Fhello%3Apull%2Cpush";
    let (status, _, body) = request(&gate.addr, "GET", path, &[("Authorization", &auth)]);
    assert_eq!(status, 400, "{body}");
    let path = "/token?service=hoist-test&scope=repository%3Ademo%2Fhello%3Apull%2Cpush";
    let wrong = basic("bob", "nope-nope");
    assert_eq!(
        request(&gate.addr, "GET", path, &[("Authorization", &wrong)]).0,
        401
    );
    assert!(gate.issued().is_empty());
    // The challenged scope, percent-encoded as clients send it: a token
    // that opens that repository only.
    let (status, _, body) = request(&gate.addr, "GET", path, &[("Authorization", &auth)]);
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = doc["token"].as_str().unwrap().to_string();
    assert_eq!(gate.issued(), std::slice::from_ref(&token));
    assert!(token.starts_with("tok-") && token.len() == 36, "{token}");
    let bearer = format!("Bearer {token}");
    let (status, head, _) = request(
        &gate.addr,
        "GET",
        "/v2/other/manifests/1",
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 401);
    let said = challenge(&head);
    assert!(
        said.contains("scope=\"repository:other:pull\"")
            && said.contains("error=\"insufficient_scope\""),
        "{said}"
    );
    assert_eq!(gate.insufficient(), 1);
    assert!(authorization_secrets(&gate.authorizations()).contains(&token));
}

#[test]
fn unreachable_registry_and_missing_base() {
    if !tools(&["docker-registry", "busybox"]) {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let dead = format!("127.0.0.1:{}", free_port());
    let project = function_project(&dead, &format!("{dead}/base:1"), &[]);
    let root = project.path();
    // builder auto: the context is rendered, the image skipped with a warning.
    let doc = json_ok(&hoist(
        root,
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    assert!(doc[0]["image"].is_null());
    assert!(doc[0]["image_skipped"]
        .as_str()
        .unwrap()
        .contains("cannot reach the registry"));
    assert!(root.join(".hoist/build/hello/Dockerfile").is_file());
    // An explicit native build fails, naming the registry and the line.
    let out = hoist(
        root,
        &["build", "--builder", "native"],
        &[("HOIST_CACHE_DIR", &c)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot reach the registry {dead}")) && err.contains("Dockerfile:1"),
        "{err}"
    );
    // Push has nothing to push and says how to get it.
    let out = hoist(root, &["push"], &[("HOIST_CACHE_DIR", &c)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no image for `hello`"),
        "{}",
        stderr(&out)
    );

    // A base that does not exist in a live registry.
    let reg = Registry::start(None);
    let project = function_project(&reg.addr, &format!("{}/nope:1", reg.addr), &[]);
    let out = hoist(project.path(), &["build"], &[("HOIST_CACHE_DIR", &c)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("base image {}/nope:1 not found", reg.addr)),
        "{}",
        stderr(&out)
    );
}

#[test]
fn platform_missing_from_the_index_and_digest_mismatch() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let reg = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&reg.addr, cache.path(), &[]);
    let raw = skopeo_inspect(&format!("docker://{}/base:1", reg.addr), &["--raw"]);
    let info = skopeo_inspect(&format!("docker://{}/base:1", reg.addr), &[]);
    let manifest_digest = info["Digest"].as_str().unwrap().to_string();
    let manifest_len = serde_json::to_vec(&raw).unwrap().len();
    // An index that only has linux/amd64, written with hoist's client.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_len,
            "platform": {"architecture": "amd64", "os": "linux"}
        }]
    });
    // The exact manifest bytes are the registry's; use its size.
    let real_len = {
        let out = Command::new("skopeo")
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{}/base:1", reg.addr))
            .output()
            .unwrap();
        out.stdout.len()
    };
    let mut index = index;
    index["manifests"][0]["size"] = real_len.into();
    let client =
        hoist_core::registry::Client::new(&reg.addr, false, None, &hoist_core::env::Env::default())
            .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(client.put_manifest(
        "base",
        "multi",
        "application/vnd.oci.image.index.v1+json",
        &serde_json::to_vec(&index).unwrap(),
    ))
    .unwrap();

    let project = function_project(&reg.addr, &format!("{}/base:multi", reg.addr), &[]);
    let root = project.path();
    let out = hoist(
        root,
        &["build", "--platform", "linux/arm64"],
        &[("HOIST_CACHE_DIR", &c)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("has no linux/arm64 image (its index has: linux/amd64)"),
        "{err}"
    );
    let doc = json_ok(&hoist(
        root,
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    assert!(doc[0]["image"]["base"]
        .as_str()
        .unwrap()
        .ends_with(&manifest_digest));

    // A blob altered in the registry's storage is refused on download and
    // never enters the cache.
    let layer = info["Layers"][0].as_str().unwrap().to_string();
    let file = reg.blob_file(&layer);
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let f = fresh.path().display().to_string();
    let out = hoist(
        root,
        &["build", "--builder", "native"],
        &[("HOIST_CACHE_DIR", &f)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("digest mismatch") && err.contains(&layer) && err.contains("refused"),
        "{err}"
    );
    let cached = fresh
        .path()
        .join("oci/blobs/sha256")
        .join(layer.trim_start_matches("sha256:"));
    assert!(!cached.exists());
}

/// Incompressible bytes, the same on every run.
fn noise(len: usize) -> String {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut s = String::with_capacity(len);
    const HEX: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/";
    while s.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(HEX[(x & 63) as usize] as char);
    }
    s
}

#[test]
fn a_cut_connection_resumes_or_fails_without_a_manifest() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let reg = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&reg.addr, cache.path(), &[]);
    // Two chunks' worth of layer (chunks are 16 MiB).
    let big = noise(26 * 1024 * 1024);

    // Every connection is cut after 2 MiB: the push gives up, and the
    // registry holds no manifest for the tag.
    let proxy = Proxy::start(
        &reg.addr,
        Faults {
            cut_after: Some(2 << 20),
            cuts: -1,
            unavailable: 0,
        },
    );
    let project = function_project(
        &proxy.addr,
        &format!("{}/base:1", reg.addr),
        &[("functions/hello/big.txt", &big)],
    );
    let root = project.path();
    json_ok(&hoist(
        root,
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    let out = hoist(root, &["push"], &[("HOIST_CACHE_DIR", &c)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no manifest was written"),
        "{}",
        stderr(&out)
    );
    assert!(proxy.cuts_done.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let status = http_status(&reg.addr, "/v2/hello/manifests/1.0.0");
    assert_eq!(status, Some(404), "a manifest exists after a failed push");

    // One cut, just into the second chunk: the push asks the registry
    // what it kept and goes on from there, and the image is whole.
    let proxy = Proxy::start(
        &reg.addr,
        Faults {
            cut_after: Some((16 << 20) + (128 << 10)),
            cuts: 1,
            unavailable: 0,
        },
    );
    write_files(
        root,
        &[("hoist.yaml", &format!("project: demo\nfunctions:\n  hello:\n    runtime: dockerfile\n    version: \"1.0.0\"\nregistry:\n  url: {}\n", proxy.addr))],
    );
    let out = hoist(
        root,
        &["push", "--output", "json", "-vv"],
        &[("HOIST_CACHE_DIR", &c)],
    );
    let doc = json_ok(&out);
    assert_eq!(proxy.cuts_done.load(std::sync::atomic::Ordering::SeqCst), 1);
    // docker-registry (distribution 2.8) refuses to resume a session whose
    // cut PATCH it partly wrote ("upload resumed at wrong offset"): hoist
    // asks, is refused, and starts that blob again once. The bytes sent
    // are what the proxy carried before the cut plus one layer, never
    // more (a resumable session is proven by
    // a_push_killed_mid_layer_resumes_from_the_registry_offset).
    let layer = largest_layer(root);
    assert!(layer > 16 << 20, "layer of {layer} bytes fits one chunk");
    let up = proxy.up_bytes.load(std::sync::atomic::Ordering::SeqCst);
    let cut = (16 << 20) + (128 << 10);
    assert!(
        up >= layer && up < cut + layer + (1 << 20),
        "sent {up} bytes for a layer of {layer} after a cut at {cut}\n{}",
        stderr(&out)
    );
    assert!(
        reg.log().contains("upload resumed at wrong offest"),
        "the registry was not asked to resume"
    );
    let digest = doc[0]["image_push"]["digest"].as_str().unwrap().to_string();
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    assert_eq!(skopeo_inspect(&target, &[])["Digest"], digest.as_str());
    let out = tempfile::tempdir().unwrap();
    let st = Command::new("skopeo")
        .args(["copy", "-q", "--src-tls-verify=false", &target])
        .arg(format!("oci:{}:x", out.path().join("l").display()))
        .status()
        .unwrap();
    assert!(st.success(), "skopeo could not fetch every blob");
}

/// The machine's node and the libraries `ldd` lists, as `rootfs/` files of
/// a base function (plus /etc/passwd with a `node` user, as the node
/// template runs `USER node`).
fn node_rootfs(dir: &Path) -> bool {
    let Some(node) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("node"))
            .find(|p| p.is_file())
    }) else {
        return false;
    };
    let node = std::fs::canonicalize(node).unwrap();
    let rootfs = dir.join("rootfs");
    let copy = |src: &Path, dest: &str| {
        let to = rootfs.join(dest.trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src, &to).unwrap();
    };
    copy(&node, "/usr/local/bin/node");
    let out = Command::new("ldd").arg(&node).output().unwrap();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` or
        // `/lib64/ld-linux-x86-64.so.2 (0x…)`
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            copy(&std::fs::canonicalize(p).unwrap(), p);
        }
    }
    write_files(
        &rootfs,
        &[
            (
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n",
            ),
            ("etc/group", "root:x:0:\nnode:x:1000:\n"),
        ],
    );
    true
}

#[test]
fn a_node_function_from_the_builtin_template_serves_a_request() {
    if !tools(&["docker-registry", "buildah", "skopeo", "ldd"]) {
        return;
    }
    let reg = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    // The base: node + its libraries, built FROM scratch by hoist.
    let base = tempfile::tempdir().unwrap();
    if !node_rootfs(&base.path().join("functions/nodebase")) {
        support::skip::missing("node is not installed");
        return;
    }
    write_files(
        base.path(),
        &[
            (
                "hoist.yaml",
                &format!("project: base\nbundle:\n  limit_mb: 1024\nfunctions:\n  nodebase:\n    runtime: dockerfile\n    version: \"20\"\nregistry:\n  url: {}\n", reg.addr),
            ),
            (
                "functions/nodebase/Dockerfile",
                "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin\n",
            ),
        ],
    );
    json_ok(&hoist(
        base.path(),
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    json_ok(&hoist(
        base.path(),
        &["push", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));

    // A node function rendered from hoist's built-in template.
    let port = free_port();
    let project = tempfile::tempdir().unwrap();
    write_files(
        project.path(),
        &[
            (
                "hoist.yaml",
                &format!(
                    "project: demo\ndefaults:\n  base_images:\n    node: {}/nodebase:20\nfunctions:\n  status:\n    runtime: node\n    version: \"1\"\n    port: {port}\n    env:\n      GREETING: bonjour\nregistry:\n  url: {}\n",
                    reg.addr, reg.addr
                ),
            ),
            ("functions/status/package.json", "{\"type\":\"module\"}"),
            (
                "functions/status/dist/index.js",
                "import http from 'node:http';\nconst server = http.createServer((req, res) => {\n  res.end(`${process.env.GREETING} from node ${process.version} as ${process.getuid()}`);\n  server.close();\n});\nserver.listen(Number(process.env.PORT), '127.0.0.1');\n",
            ),
        ],
    );
    let built = json_ok(&hoist(
        project.path(),
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    assert_eq!(built[0]["image"]["builder"], "native", "{built}");
    let pushed = json_ok(&hoist(
        project.path(),
        &["push", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    assert_eq!(pushed[0]["image_push"]["blobs_mounted"], 1);
    let image = format!("docker://{}/status:1", reg.addr);
    let config = skopeo_inspect(&image, &["--config"]);
    assert_eq!(config["config"]["User"], "node");
    assert_eq!(config["config"]["WorkingDir"], "/app");
    assert_eq!(config["config"]["Cmd"][0], "node");

    let store = tempfile::tempdir().unwrap();
    let ba = |args: &[&str]| -> Command {
        let mut c = Command::new("buildah");
        c.arg("--root")
            .arg(store.path().join("root"))
            .arg("--runroot")
            .arg(store.path().join("run"))
            .args(["--storage-driver", "vfs"])
            .args(args);
        c
    };
    let out = ba(&["from", "-q", "--tls-verify=false", &image])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ctr = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let cmd: Vec<String> = config["config"]["Cmd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut run = ba(&["run", "--isolation", "chroot", &ctr, "--"]);
    run.args(&cmd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = run.spawn().unwrap();
    let start = Instant::now();
    let answer = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            break body;
        }
        if start.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "node never listened: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        answer.contains("bonjour from node v") && answer.contains("as 1000"),
        "{answer}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    let _ = ba(&["rm", &ctr]).output();
}

#[test]
fn a_busy_registry_is_retried_and_hoist_login_with_user_x_works() {
    if !tools(&["docker-registry", "busybox", "htpasswd", "skopeo"]) {
        return;
    }
    // Fly's convention: user `x`, the API token as password.
    let reg = Registry::start(Some(("x", "fly-token-123")));
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let creds = [("HOIST_REGISTRY_TOKEN", "fly-token-123")];
    let _base = push_busybox_base(&reg.addr, cache.path(), &creds);
    // Two connections answered 503 first: retried with backoff.
    let proxy = Proxy::start(
        &reg.addr,
        Faults {
            cut_after: None,
            cuts: 0,
            unavailable: 2,
        },
    );
    let project = function_project(&proxy.addr, &format!("{}/base:1", reg.addr), &[]);
    let root = project.path();
    // `hoist login registry` stores the token (in the credentials file
    // here); no variable is needed afterwards.
    let mut login = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .current_dir(root)
        .args(["login", "registry", "--token-stdin"])
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", root.join(".test-config"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        login
            .stdin
            .take()
            .unwrap()
            .write_all(b"fly-token-123\n")
            .unwrap();
    }
    assert!(login.wait().unwrap().success());
    // The base lives on the real address: its credentials come from docker's config.
    write_files(
        &root.join(".test-docker"),
        &[(
            "config.json",
            &format!(
                "{{\"auths\":{{\"{}\":{{\"username\":\"x\",\"password\":\"fly-token-123\"}}}}}}",
                reg.addr
            ),
        )],
    );
    json_ok(&hoist(
        root,
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    let out = hoist(
        root,
        &["push", "--output", "json", "-vv"],
        &[("HOIST_CACHE_DIR", &c)],
    );
    let doc = json_ok(&out);
    assert_output_clean(&out, &["fly-token-123", "x:fly-token-123"]);
    assert_eq!(
        proxy.served_503.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    let digest = doc[0]["image_push"]["digest"].as_str().unwrap().to_string();
    let out = Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--creds",
            "x:fly-token-123",
        ])
        .arg(format!("docker://{}/hello:1.0.0", reg.addr))
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["Digest"], digest.as_str());
}

/// A project whose function `hello` carries `noise_len` incompressible
/// bytes, built on a busybox base from `base_reg`, pushed to `target`.
fn big_function(base_reg: &str, target: &str, noise_len: usize) -> tempfile::TempDir {
    let big = noise(noise_len);
    function_project(
        target,
        &format!("{base_reg}/base:1"),
        &[("functions/hello/big.txt", &big)],
    )
}

/// The size of the largest layer of the built `hello:1.0.0` in the layout.
fn largest_layer(root: &Path) -> u64 {
    let layout = root.join(".hoist/oci");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    let blob = |d: &str| {
        std::fs::read(
            layout
                .join("blobs/sha256")
                .join(d.trim_start_matches("sha256:")),
        )
        .unwrap()
    };
    let manifest: serde_json::Value = serde_json::from_slice(&blob(digest)).unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["size"].as_u64().unwrap())
        .max()
        .unwrap()
}

fn set_registry(root: &Path, url: &str) {
    write_files(
        root,
        &[("hoist.yaml", &format!("project: demo\nfunctions:\n  hello:\n    runtime: dockerfile\n    version: \"1.0.0\"\nregistry:\n  url: {url}\n"))],
    );
}

#[test]
fn chunk_failures_at_offset_zero_and_scattered_cost_no_extra_bytes() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let base = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&base.addr, cache.path(), &[]);
    // Two 16 MiB chunks' worth of layer.
    let project = big_function(&base.addr, &base.addr, 26 << 20);
    let root = project.path();
    json_ok(&hoist(
        root,
        &["build", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    let layer = largest_layer(root);
    assert!(layer > 16 << 20, "layer of {layer} bytes fits one chunk");

    // The first chunk fails three times at offset 0 (the registry answers
    // the status GET with `Range: 0-0`), then the second chunk three
    // times: six failures in all, never five in a row. The push goes on
    // from where the registry is each time and sends every byte once.
    let reg = Registry::start(None);
    let gate = FaultGate::start(
        &reg.addr,
        &[(1, 503), (2, 503), (3, 503), (5, 503), (6, 503), (7, 503)],
    );
    set_registry(root, &gate.addr);
    let doc = json_ok(&hoist(
        root,
        &["push", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    let push = &doc[0]["image_push"];
    assert_eq!(gate.patches.load(std::sync::atomic::Ordering::SeqCst), 8);
    assert_eq!(
        gate.patch_bytes.load(std::sync::atomic::Ordering::SeqCst),
        layer,
        "the registry got more PATCH bytes than the layer holds"
    );
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    assert_eq!(
        skopeo_inspect(&target, &[])["Digest"],
        push["digest"].as_str().unwrap()
    );

    // A 416 to the first chunk: the registry holds bytes hoist cannot
    // account for, so the blob starts again in a new session (once).
    let reg = Registry::start(None);
    let gate = FaultGate::start(&reg.addr, &[(1, 416)]);
    set_registry(root, &gate.addr);
    json_ok(&hoist(
        root,
        &["push", "--output", "json"],
        &[("HOIST_CACHE_DIR", &c)],
    ));
    assert_eq!(gate.patches.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(
        gate.patch_bytes.load(std::sync::atomic::Ordering::SeqCst),
        layer
    );
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    skopeo_inspect(&target, &[]);
}

#[test]
fn an_expired_bearer_token_is_renewed_mid_push() {
    if !tools(&["docker-registry", "busybox"]) {
        return;
    }
    let base = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&base.addr, cache.path(), &[]);
    let reg = Registry::start(None);
    // Every token expires once it has carried one blob PUT or PATCH, so
    // uploads, chunks and the manifest PUT meet expired tokens.
    let gate = BearerGate::start_with(&reg.addr, "bob", "tok-pass", true);
    let project = big_function(&base.addr, &gate.addr, 26 << 20);
    let root = project.path();
    let all = [
        ("HOIST_CACHE_DIR", c.as_str()),
        ("HOIST_REGISTRY_USERNAME", "bob"),
        ("HOIST_REGISTRY_TOKEN", "tok-pass"),
    ];
    json_ok(&hoist(root, &["build", "--output", "json"], &all));
    let out = hoist(root, &["push", "--output", "json", "-vv"], &all);
    let doc = json_ok(&out);
    assert!(doc[0]["image_push"]["blobs_uploaded"].as_u64().unwrap() >= 2);
    assert!(gate.expired_refused() >= 2, "no expired token was met");
    assert!(gate.tokens_issued() >= 3);
    assert_eq!(gate.scopes_refused(), 0, "{:?}", gate.requested_scopes());
    let mut secrets = gate.secrets();
    secrets.extend(["tok-pass", "bob:tok-pass"].map(String::from));
    assert_output_clean(&out, &secrets);
}

#[test]
fn push_refuses_an_image_built_from_another_bundle() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let reg = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&reg.addr, cache.path(), &[]);
    let project = function_project(&reg.addr, &format!("{}/base:1", reg.addr), &[]);
    let root = project.path();
    let env = [("HOIST_CACHE_DIR", c.as_str())];
    json_ok(&hoist(root, &["build", "--output", "json"], &env));

    // The code changes; the version (a literal) does not; no `hoist build`.
    write_files(root, &[("functions/hello/name.txt", "changed")]);
    let out = hoist(root, &["push"], &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the function changed since `hoist build`")
            && err.contains("run `hoist build hello`"),
        "{err}"
    );
    assert_eq!(
        http_status(&reg.addr, "/v2/hello/manifests/1.0.0"),
        Some(404),
        "a stale image was pushed"
    );

    // Built again, it goes, and the image holds the new code.
    json_ok(&hoist(root, &["build", "--output", "json"], &env));
    let doc = json_ok(&hoist(root, &["push", "--output", "json"], &env));
    let digest = doc[0]["image_push"]["digest"].as_str().unwrap();
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    assert_eq!(skopeo_inspect(&target, &[])["Digest"], digest);
}

#[test]
fn credentials_in_the_registry_url_are_never_printed() {
    let project = function_project("alice:s3cretpw@127.0.0.1:9/team", "scratch", &[]);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    for args in [&["build"][..], &["push"][..], &["push", "-vv"][..]] {
        let out = hoist(project.path(), args, &[("HOIST_CACHE_DIR", &c)]);
        assert!(!out.status.success());
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(!all.contains("s3cretpw"), "{args:?}: {all}");
    }
}

#[test]
fn a_400_from_a_concurrent_push_rechecks_the_blobs_and_retries_the_manifest() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let base = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&base.addr, cache.path(), &[]);
    // A chunked layer (closed by a PUT) and a config blob (one PUT).
    let project = big_function(&base.addr, &base.addr, 12 << 20);
    let root = project.path();
    let env = [("HOIST_CACHE_DIR", c.as_str())];
    json_ok(&hoist(root, &["build", "--output", "json"], &env));

    // Every blob PUT is taken by the registry but answered DIGEST_INVALID,
    // and the first manifest PUT gets MANIFEST_BLOB_UNKNOWN: what
    // concurrent identical pushes meet. The blobs are checked again and
    // the manifest goes once more.
    let reg = Registry::start(None);
    let gate = FaultGate::start_with(
        &reg.addr,
        GateFaults {
            blob_puts_400: (1..=8).collect(),
            manifest_puts_400: vec![1],
            ..GateFaults::default()
        },
    );
    set_registry(root, &gate.addr);
    let doc = json_ok(&hoist(root, &["push", "--output", "json", "-vv"], &env));
    use std::sync::atomic::Ordering::SeqCst;
    // Refused once, sent again by digest, then the version's tag.
    assert_eq!(
        gate.manifest_puts.load(SeqCst),
        3,
        "the manifest was not retried"
    );
    assert!(gate.blob_puts.load(SeqCst) >= 2);
    let digest = doc[0]["image_push"]["digest"].as_str().unwrap();
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    assert_eq!(skopeo_inspect(&target, &[])["Digest"], digest);

    // A manifest refused every time is an error naming the registry's
    // answer, after three retries.
    let reg = Registry::start(None);
    let gate = FaultGate::start_with(
        &reg.addr,
        GateFaults {
            manifest_puts_400: (1..=10).collect(),
            ..GateFaults::default()
        },
    );
    set_registry(root, &gate.addr);
    let out = hoist(root, &["push"], &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("MANIFEST_BLOB_UNKNOWN"),
        "{}",
        stderr(&out)
    );
    assert_eq!(gate.manifest_puts.load(SeqCst), 4);
}

#[test]
fn identical_pushes_at_once_all_succeed() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let base = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&base.addr, cache.path(), &[]);
    let project = big_function(&base.addr, &base.addr, 10 << 20);
    let env = [("HOIST_CACHE_DIR", c.as_str())];
    json_ok(&hoist(project.path(), &["build", "--output", "json"], &env));
    const N: usize = 10;
    for round in 0..3 {
        let reg = Registry::start(None);
        set_registry(project.path(), &reg.addr);
        // N checkouts of one project, each with its own build, pushed at once.
        let copies: Vec<tempfile::TempDir> = (0..N)
            .map(|_| {
                let d = tempfile::tempdir().unwrap();
                let st = Command::new("cp")
                    .arg("-a")
                    .arg(format!("{}/.", project.path().display()))
                    .arg(d.path())
                    .status()
                    .unwrap();
                assert!(st.success());
                d
            })
            .collect();
        let outs: Vec<std::process::Output> = std::thread::scope(|s| {
            let handles: Vec<_> = copies
                .iter()
                .map(|d| s.spawn(|| hoist(d.path(), &["push", "--output", "json"], &env)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let digests: Vec<String> = outs
            .iter()
            .map(|o| {
                assert!(o.status.success(), "round {round}: {}", stderr(o));
                json_ok(o)[0]["image_push"]["digest"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
        let target = format!("docker://{}/hello:1.0.0", reg.addr);
        assert_eq!(skopeo_inspect(&target, &[])["Digest"], digests[0].as_str());
    }
}

/// The upload records of a project (`.hoist/uploads/registry-*.json`).
fn upload_records(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_dir(root.join(".hoist/uploads"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("registry-"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect()
}

#[test]
fn a_push_killed_mid_layer_resumes_from_the_registry_offset() {
    if !tools(&["docker-registry", "skopeo", "busybox"]) {
        return;
    }
    let base = Registry::start(None);
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().display().to_string();
    let _base = push_busybox_base(&base.addr, cache.path(), &[]);
    let project = big_function(&base.addr, &base.addr, 32 << 20);
    let root = project.path();
    let env = [("HOIST_CACHE_DIR", c.as_str())];
    json_ok(&hoist(root, &["build", "--output", "json"], &env));
    let layer = largest_layer(root);
    assert!(layer >= 20 << 20, "layer of {layer} bytes");

    // Slowed to 8 MiB/s, the push is killed once the registry has taken
    // the first 16 MiB chunk (the record says so).
    let reg = Registry::start(None);
    let proxy = crate::support::proxy::FaultProxy::start(reg.addr.parse().unwrap());
    proxy.throttle(8 << 20);
    set_registry(root, &proxy.addr.to_string());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .current_dir(root)
        .args(["push", "--output", "json"])
        .env("HOIST_CACHE_DIR", &c)
        .env_remove("HOIST_REGISTRY_TOKEN")
        .env_remove("HOIST_REGISTRY_USERNAME")
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", root.join(".test-config"))
        .env("DOCKER_CONFIG", root.join(".test-docker"))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let offset = loop {
        let off = upload_records(root)
            .iter()
            .filter_map(|r| r["offset"].as_u64())
            .max()
            .unwrap_or(0);
        if off > 0 {
            break off;
        }
        assert!(Instant::now() < deadline, "no chunk was recorded");
        assert!(child.try_wait().unwrap().is_none(), "the push ended early");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        http_status(&reg.addr, "/v2/hello/manifests/1.0.0"),
        Some(404),
        "a manifest exists after a killed push"
    );

    // The re-run resumes where the registry is: it sends at most the rest
    // of the layer (plus the config blob and request heads).
    proxy.throttle(0);
    // Bytes of the killed push still in the proxy's buffers drain first.
    let mut before = proxy.up_bytes();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = proxy.up_bytes();
        if now == before {
            break;
        }
        before = now;
    }
    let doc = json_ok(&hoist(root, &["push", "--output", "json"], &env));
    let sent = proxy.up_bytes() - before;
    // When the kill landed after some bytes of the next chunk were written,
    // docker-registry refuses the session ("upload resumed at wrong
    // offset") and the blob goes again once; otherwise only the rest goes.
    let limit = if reg.log().contains("upload resumed at wrong offest") {
        layer + (1 << 20)
    } else {
        layer - offset + (1 << 20)
    };
    assert!(
        sent < limit,
        "the re-run sent {sent} bytes; the layer is {layer}, {offset} were recorded as held"
    );
    assert!(upload_records(root).is_empty(), "an upload record was left");
    let digest = doc[0]["image_push"]["digest"].as_str().unwrap();
    let target = format!("docker://{}/hello:1.0.0", reg.addr);
    assert_eq!(skopeo_inspect(&target, &[])["Digest"], digest);
    let out = tempfile::tempdir().unwrap();
    let st = Command::new("skopeo")
        .args(["copy", "-q", "--src-tls-verify=false", &target])
        .arg(format!("oci:{}:x", out.path().join("l").display()))
        .status()
        .unwrap();
    assert!(st.success(), "skopeo could not fetch every blob");
}
