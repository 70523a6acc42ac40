//! Supabase projects as they are: fixture projects laid out like real ones
//! (`_shared` and `_lib` imported by `../`, a sibling `utils/`, another
//! function's folder, `supabase/types/`, shared and per-function import
//! maps, deno.json `imports` and `importMap`, config.toml entrypoints,
//! static files and `enabled = false`). `hoist init` finds the functions,
//! `hoist bundle` bundles each one's module graph, and every bundle,
//! unpacked alone, passes `deno info --no-remote --no-npm` with the import
//! map the image uses, holding nothing the graph does not reach. Bad input
//! fails with the file, line and specifier, exit 2 and nothing in .hoist/.
#![cfg(unix)]

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use support::project::Project;

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// The Receptor-like project: one shared import map, `_shared`, `_lib`,
/// `utils/`, `types/`, and functions using each.
fn receptor() -> Project {
    let p = Project::new("project: receptor\nfunctions: {}\n");
    std::fs::remove_file(p.path().join("hoist.yaml")).unwrap();
    p.file(
        "supabase/config.toml",
        r#"project_id = "receptor"

[api]
port = 54321

[functions.hello]
verify_jwt = false

[functions.elsewhere]
entrypoint = "./custom/elsewhere/main.ts"

[functions.with_static]
static_files = ["./functions/with_static/*.html"]

[functions.disabled]
enabled = false
"#,
    )
    .file(
        "supabase/functions/import_map.json",
        r#"{
  "imports": {
    "@shared/": "./_shared/",
    "std/": "https://deno.land/std@0.224.0/",
    "zod": "npm:zod@3"
  }
}
"#,
    )
    .file(
        "supabase/functions/_shared/cors.ts",
        "export const cors = { 'Access-Control-Allow-Origin': '*' };\n",
    )
    .file(
        "supabase/functions/_shared/db.ts",
        "import { cors } from './cors.ts';\nexport * from './util.ts';\nexport const db = () => cors;\n",
    )
    .file(
        "supabase/functions/_shared/util.ts",
        "export const util = (a: number, b: number) => a / b / 2;\n",
    )
    .file(
        "supabase/functions/_shared/unused.ts",
        "export const unused = 1;\n",
    )
    .file(
        "supabase/functions/_lib/log.ts",
        "export const log = (m: string) => console.log(m);\n",
    )
    .file(
        "supabase/functions/utils/format.ts",
        "export const format = (s: string) => s.trim();\n",
    )
    .file("supabase/types/x.ts", "export type X = { id: string };\nexport const X_KIND = 'x';\n")
    .file(
        "supabase/functions/hello/index.ts",
        r#"// import nope from '../_shared/not-there.ts';
/* export * from '../_shared/unused.ts'; */
import { cors } from "../_shared/cors.ts";
import { log } from '../_lib/log.ts';
import { db } from '@shared/db.ts';
import { z } from 'zod';
import { serve } from 'std/http/server.ts';
const s = "import x from '../_shared/unused.ts'";
const t = `export * from '../_shared/unused.ts' ${cors}`;
const r = /import '..\/_shared\/unused.ts'/;
Deno.serve(async () => {
  const lazy = await import('./lazy.ts');
  log(s + t + r + lazy.value + String(z) + String(serve));
  return new Response('hi', { headers: db() });
});
"#,
    )
    .file("supabase/functions/hello/lazy.ts", "export const value = 'lazy';\n")
    .file("supabase/functions/hello/README.md", "not reached\n")
    .file(
        "supabase/functions/update_user/index.ts",
        r#"import { format } from '../utils/format.ts';
import { value } from '../hello/lazy.ts';
import { X_KIND } from '../../types/x.ts';
export * from '../_lib/log.ts';
Deno.serve(() => new Response(format(value + X_KIND)));
"#,
    )
    .file(
        "supabase/functions/jsonc_fn/deno.jsonc",
        "{\n  // the function's own map\n  \"imports\": {\n    \"lib/\": \"../_lib/\",\n    \"@shared/\": \"../_shared/\",\n  },\n}\n",
    )
    .file(
        "supabase/functions/jsonc_fn/index.ts",
        "import { log } from 'lib/log.ts';\nimport { cors } from '@shared/cors.ts';\nDeno.serve(() => { log('x'); return new Response('j'); });\n",
    )
    .file(
        "supabase/functions/pointer/deno.json",
        "{ \"importMap\": \"../maps/pointer_map.json\" }\n",
    )
    .file(
        "supabase/functions/maps/pointer_map.json",
        "{ \"imports\": { \"fmt\": \"../utils/format.ts\" } }\n",
    )
    .file(
        "supabase/functions/pointer/index.ts",
        "import { format } from 'fmt';\nDeno.serve(() => new Response(format(' p ')));\n",
    )
    .file("supabase/functions/cycle/index.ts", "import { a } from './a.ts';\nDeno.serve(() => new Response(a()));\n")
    .file("supabase/functions/cycle/a.ts", "import { b } from './b.ts';\nexport const a = (): string => b();\n")
    .file("supabase/functions/cycle/b.ts", "import { a } from './a.ts';\nexport const b = (): string => typeof a;\n")
    .file(
        "supabase/functions/with_static/index.ts",
        "Deno.serve(async () => new Response(await Deno.readTextFile(new URL('./page.html', import.meta.url))));\n",
    )
    .file("supabase/functions/with_static/page.html", "<p>hi</p>\n")
    .file("supabase/functions/disabled/index.ts", "Deno.serve(() => new Response('off'));\n")
    .file(
        "supabase/custom/elsewhere/main.ts",
        "import { cors } from '../../functions/_shared/cors.ts';\nDeno.serve(() => new Response('e', { headers: cors }));\n",
    );
    p
}

/// A second layout: a shared `supabase/functions/deno.json` with `imports`
/// and a prefix mapping, no import_map.json.
fn shared_deno_json() -> Project {
    let p = Project::new("project: shared\nfunctions: {}\n");
    std::fs::remove_file(p.path().join("hoist.yaml")).unwrap();
    p.file(
        "supabase/functions/deno.json",
        "{\n  \"imports\": { \"@shared/\": \"./_shared/\" }\n}\n",
    )
    .file("supabase/functions/_shared/cors.ts", "export const cors = {};\n")
    .file(
        "supabase/functions/svc/index.ts",
        "import { cors } from '@shared/cors.ts';\nDeno.serve(() => new Response('s', { headers: cors }));\n",
    );
    p
}

fn init(p: &Project) {
    let out = p.hoist(&["init", "--name", "demo", "--yes"]);
    let out = out.success();
    let _ = out;
}

/// `hoist bundle --output json`: function → (archive, manifest).
fn bundle(p: &Project, extra: &[&str]) -> BTreeMap<String, serde_json::Value> {
    let mut args = vec!["bundle", "--output", "json"];
    args.extend_from_slice(extra);
    let a = p.hoist(&args).success();
    let docs: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    docs.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let name = d["function"].as_str().unwrap().to_string();
            let manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(d["manifest"].as_str().unwrap()).unwrap())
                    .unwrap();
            let mut d = d.clone();
            d["m"] = manifest;
            (name, d)
        })
        .collect()
}

fn deno() -> Option<PathBuf> {
    let tools = std::env::var_os("HOIST_TOOLS")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".cache/hoist-tools")))?;
    let d = tools.join("npm/node_modules/.bin/deno");
    if d.is_file() {
        return Some(d);
    }
    support::skip::missing(&format!(
        "deno is not at {} (the module-graph check needs it)",
        d.display()
    ));
    None
}

fn unpack(archive: &str, into: &Path) {
    let st = Command::new("tar")
        .args(["xzf", archive, "-C"])
        .arg(into)
        .status()
        .unwrap();
    assert!(st.success());
}

fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.insert(
                    e.path()
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out
}

/// Unpack each bundle alone and check its local graph with deno, and that
/// it holds only what the graph reaches (plus the import map / deno.json
/// and static files, listed in `allowed_extra`).
fn check_bundles(
    bundles: &BTreeMap<String, serde_json::Value>,
    allowed_extra: &BTreeMap<&str, Vec<&str>>,
) {
    let Some(deno) = deno() else {
        return;
    };
    let deno_dir = tempfile::tempdir().unwrap();
    for (name, b) in bundles {
        let m = &b["m"];
        let dir = tempfile::tempdir().unwrap();
        unpack(b["archive"].as_str().unwrap(), dir.path());
        let entry = m["entrypoint"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no entrypoint"));
        let mut cmd = Command::new(&deno);
        cmd.current_dir(dir.path())
            .env("DENO_DIR", deno_dir.path())
            .env("DENO_NO_UPDATE_CHECK", "1")
            .args(["info", "--json", "--no-remote", "--no-npm", "--no-lock"]);
        // Without a map flag, deno would look for a deno.json upward of the
        // temp dir; say which config to use (none when the bundle has none).
        match m["import_map"].as_str() {
            Some(map) if map.ends_with("deno.json") || map.ends_with("deno.jsonc") => {
                cmd.args(["--config", map]);
            }
            Some(map) => {
                cmd.args(["--no-config", "--import-map", map]);
            }
            None => {
                cmd.arg("--no-config");
            }
        }
        let out = cmd.arg(entry).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: deno info failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut reached = BTreeSet::new();
        let root_url = format!(
            "file://{}/",
            std::fs::canonicalize(dir.path()).unwrap().display()
        );
        let root_url2 = format!("file://{}/", dir.path().display());
        for module in info["modules"].as_array().unwrap() {
            let spec = module["specifier"].as_str().unwrap();
            let local = spec
                .strip_prefix(&root_url)
                .or_else(|| spec.strip_prefix(&root_url2));
            if let Some(rel) = local {
                assert!(
                    module.get("error").is_none(),
                    "{name}: {rel} does not resolve in the bundle alone: {}",
                    module["error"]
                );
                reached.insert(rel.to_string());
            } else if spec.starts_with("file:") {
                panic!("{name}: the graph leaves the bundle: {spec}");
            }
            for dep in module["dependencies"].as_array().into_iter().flatten() {
                for side in ["code", "type"] {
                    if let Some(err) = dep[side]["error"].as_str() {
                        let s = dep["specifier"].as_str().unwrap_or("");
                        // Remote ones are expected to fail with --no-remote / --no-npm.
                        let remote = err.contains("--no-remote")
                            || err.contains("--no-npm")
                            || s.starts_with("npm:")
                            || s.starts_with("https:");
                        let type_only = side == "type";
                        assert!(remote || type_only, "{name}: `{s}` does not resolve: {err}");
                    }
                }
            }
        }
        let held = files_under(dir.path());
        let mut expected = reached.clone();
        if let Some(map) = m["import_map"].as_str() {
            expected.insert(map.to_string());
        }
        for e in allowed_extra.get(name.as_str()).into_iter().flatten() {
            expected.insert(e.to_string());
        }
        assert_eq!(
            held, expected,
            "{name}: the bundle holds more or less than its graph"
        );
    }
}

#[test]
fn receptor_bundles_are_graph_complete() {
    let p = receptor();
    init(&p);
    let yaml = std::fs::read_to_string(p.path().join("hoist.yaml")).unwrap();
    for want in [
        "update_user:",
        "import_map: ../import_map.json",
        "import_map: deno.jsonc",
        "elsewhere:",
        "with_static:",
    ] {
        assert!(yaml.contains(want), "hoist.yaml lacks {want}:\n{yaml}");
    }
    for not in ["_shared", "_lib", "disabled:", "utils:", "maps:"] {
        assert!(!yaml.contains(not), "hoist.yaml has {not}:\n{yaml}");
    }
    let b = bundle(&p, &[]);
    let names: Vec<&str> = b.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "cycle",
            "elsewhere",
            "hello",
            "jsonc_fn",
            "pointer",
            "update_user",
            "with_static"
        ]
    );

    let files = |n: &str| -> Vec<String> {
        b[n]["m"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        files("hello"),
        [
            "_lib/log.ts",
            "_shared/cors.ts",
            "_shared/db.ts",
            "_shared/util.ts",
            "hello/index.ts",
            "hello/lazy.ts",
            "import_map.json"
        ]
    );
    assert_eq!(b["hello"]["m"]["entrypoint"], "hello/index.ts");
    assert_eq!(b["hello"]["m"]["import_map"], "import_map.json");
    assert_eq!(
        b["hello"]["m"]["remote"],
        serde_json::json!(["https://deno.land/std@0.224.0/http/server.ts", "npm:zod@3"])
    );
    // supabase/types/x.ts is reached: the common root is supabase/.
    assert_eq!(
        b["update_user"]["m"]["entrypoint"],
        "functions/update_user/index.ts"
    );
    assert!(files("update_user").contains(&"types/x.ts".to_string()));
    assert!(files("update_user").contains(&"functions/hello/lazy.ts".to_string()));
    // A cycle: each file once.
    assert_eq!(
        files("cycle"),
        [
            "cycle/a.ts",
            "cycle/b.ts",
            "cycle/index.ts",
            "import_map.json"
        ]
    );
    assert_eq!(
        b["elsewhere"]["m"]["entrypoint"],
        "custom/elsewhere/main.ts"
    );
    assert!(files("with_static").contains(&"with_static/page.html".to_string()));
    assert_eq!(b["pointer"]["m"]["import_map"], "maps/pointer_map.json");
    assert!(files("pointer").contains(&"pointer/deno.json".to_string()));

    let mut extra = BTreeMap::new();
    extra.insert("with_static", vec!["with_static/page.html"]);
    extra.insert("pointer", vec!["pointer/deno.json"]);
    check_bundles(&b, &extra);

    // The Dockerfile passes the import map and serves the entrypoint's directory.
    // (The base image may be unreachable offline: the Dockerfile is written anyway.)
    p.hoist(&["build", "hello"]).success();
    let hello = std::fs::read_to_string(p.path().join(".hoist/build/hello/Dockerfile")).unwrap();
    assert!(
        hello.contains("COPY app/ /home/deno/functions/\n"),
        "{hello}"
    );
    assert!(
        hello.contains("\"--main-service\", \"/home/deno/functions/hello\""),
        "{hello}"
    );
    assert!(
        hello.contains("\"--import-map\", \"/home/deno/functions/import_map.json\""),
        "{hello}"
    );
    assert!(hello.contains("ENV VERIFY_JWT=\"false\""), "{hello}");
    // edge-runtime serves a directory's index file: a config.toml entrypoint
    // named otherwise gets a generated index.ts beside it in the image.
    p.hoist(&["build", "elsewhere"]).success();
    let ctx = p.path().join(".hoist/build/elsewhere");
    let df = std::fs::read_to_string(ctx.join("Dockerfile")).unwrap();
    assert!(
        df.contains("COPY hoist/deno-index.ts /home/deno/functions/custom/elsewhere/index.ts\n"),
        "{df}"
    );
    assert!(
        df.contains("\"--main-service\", \"/home/deno/functions/custom/elsewhere\""),
        "{df}"
    );
    let index = std::fs::read_to_string(ctx.join("hoist/deno-index.ts")).unwrap();
    assert!(index.contains("export * from \"./main.ts\";\n"), "{index}");
    // The bundle itself holds only the graph; the index.ts, laid beside the
    // entrypoint as the image does, resolves the whole graph.
    let app = ctx.join("app");
    std::fs::copy(
        ctx.join("hoist/deno-index.ts"),
        app.join("custom/elsewhere/index.ts"),
    )
    .unwrap();
    graph_resolves(
        "elsewhere",
        &app,
        "custom/elsewhere/index.ts",
        b["elsewhere"]["m"]["import_map"].as_str(),
    );
    // Deterministic: the same entrypoint gives the same bytes.
    p.hoist(&["build", "elsewhere"]).success();
    assert_eq!(
        std::fs::read_to_string(ctx.join("hoist/deno-index.ts")).unwrap(),
        index
    );
}

/// `deno info` of `entry` in `dir` (the image's functions directory) with
/// the import map the image passes: every local module resolves inside `dir`.
fn graph_resolves(name: &str, dir: &Path, entry: &str, map: Option<&str>) {
    let Some(deno) = deno() else {
        return;
    };
    let deno_dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(&deno);
    cmd.current_dir(dir)
        .env("DENO_DIR", deno_dir.path())
        .env("DENO_NO_UPDATE_CHECK", "1")
        .args([
            "info",
            "--json",
            "--no-remote",
            "--no-npm",
            "--no-lock",
            "--no-config",
        ]);
    if let Some(map) = map {
        cmd.args(["--import-map", map]);
    }
    let out = cmd.arg(entry).output().unwrap();
    assert!(
        out.status.success(),
        "{name}: deno info failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = std::fs::canonicalize(dir).unwrap();
    for module in info["modules"].as_array().unwrap() {
        let spec = module["specifier"].as_str().unwrap();
        if let Some(path) = spec.strip_prefix("file://") {
            assert!(
                Path::new(path).starts_with(&root) || Path::new(path).starts_with(dir),
                "{name}: the graph leaves the image's directory: {spec}"
            );
            assert!(
                module.get("error").is_none(),
                "{name}: {spec} does not resolve: {}",
                module["error"]
            );
        }
        for dep in module["dependencies"].as_array().into_iter().flatten() {
            if let Some(err) = dep["code"]["error"].as_str() {
                let s = dep["specifier"].as_str().unwrap_or("");
                let remote = err.contains("--no-remote")
                    || err.contains("--no-npm")
                    || s.starts_with("npm:")
                    || s.starts_with("https:");
                assert!(remote, "{name}: `{s}` does not resolve: {err}");
            }
        }
    }
}

/// Paths of the files in the image `name` of the OCI layout at `layout`,
/// with each file's bytes (later layers win).
fn image_files(layout: &Path, name: &str) -> (String, BTreeMap<String, Vec<u8>>) {
    use std::io::Read;
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let desc = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {index}"))
        .clone();
    let blob = |digest: &str| {
        std::fs::read(
            layout
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
        )
        .unwrap()
    };
    let digest = desc["digest"].as_str().unwrap().to_string();
    let manifest: serde_json::Value = serde_json::from_slice(&blob(&digest)).unwrap();
    let mut files = BTreeMap::new();
    for layer in manifest["layers"].as_array().unwrap() {
        let bytes = blob(layer["digest"].as_str().unwrap());
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        for e in tar.entries().unwrap() {
            let mut e = e.unwrap();
            if e.header().entry_type().is_file() {
                let path = e
                    .path()
                    .unwrap()
                    .to_string_lossy()
                    .trim_start_matches("./")
                    .to_string();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                files.insert(path, data);
            }
        }
    }
    (digest, files)
}

/// `supabase: { image: project }`: one image with every function's graph
/// and a router that serves each at the path of its worker.
#[test]
fn project_image_holds_every_function_behind_a_router() {
    let p = receptor();
    init(&p);
    let yaml = std::fs::read_to_string(p.path().join("hoist.yaml")).unwrap();
    assert!(yaml.contains("\ndefaults:\n"), "{yaml}");
    let yaml = yaml.replace(
        "\ndefaults:\n",
        "\nsupabase:\n  image: project\ndefaults:\n  base_images:\n    deno: scratch\n",
    );
    std::fs::write(p.path().join("hoist.yaml"), yaml).unwrap();
    let build = |p: &Project| -> serde_json::Value {
        let a = p
            .hoist(&["build", "--builder", "native", "--output", "json"])
            .success();
        let docs: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
        let docs = docs.as_array().unwrap();
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs[0].clone()
    };
    let built = build(&p);
    let all = [
        "cycle",
        "elsewhere",
        "hello",
        "jsonc_fn",
        "pointer",
        "update_user",
        "with_static",
    ];
    assert_eq!(built["function"], "demo");
    assert_eq!(built["functions"], serde_json::json!(all));
    // No image of its own for a function the project image serves.
    assert!(!p.path().join(".hoist/build/hello").exists());
    let version = built["version"].as_str().unwrap();
    let (digest, files) = image_files(&p.path().join(".hoist/oci"), &format!("demo:{version}"));
    assert_eq!(built["image"]["digest"], digest.as_str());

    // The router names every function, with where its worker's code is.
    let router = String::from_utf8(files["home/deno/main/index.ts"].clone()).unwrap();
    assert!(
        router.contains("EdgeRuntime.userWorkers.create("),
        "{router}"
    );
    assert!(router.contains("/functions/v1/"), "{router}");
    let table = router
        .split("const ROUTES: Record<string, Route> = ")
        .nth(1)
        .unwrap();
    let table = &table[..table.find(";\n").unwrap()];
    let routes: BTreeMap<String, serde_json::Value> = serde_json::from_str(table).unwrap();
    assert_eq!(routes.keys().map(String::as_str).collect::<Vec<_>>(), all);
    assert_eq!(routes["hello"]["verifyJwt"], false);
    assert_eq!(
        routes["hello"]["servicePath"],
        "/home/deno/functions/functions/hello"
    );
    assert_eq!(
        routes["elsewhere"]["servicePath"],
        "/home/deno/functions/custom/elsewhere"
    );

    // The image holds every function's bundle at the path its route names.
    let bundles = bundle(&p, &[]);
    let image = tempfile::tempdir().unwrap();
    for (path, data) in &files {
        let at = image.path().join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, data).unwrap();
    }
    let home = image.path().join("home/deno/functions");
    for name in all {
        let route = &routes[name];
        let m = &bundles[name]["m"];
        let entry = m["entrypoint"].as_str().unwrap();
        let service = route["servicePath"].as_str().unwrap();
        // Where the bundle's root is in the image: the service path minus
        // the entrypoint's directory inside the bundle.
        let entry_dir = entry.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let prefix = service
            .strip_suffix(entry_dir)
            .unwrap()
            .trim_end_matches('/');
        for f in m["files"].as_array().unwrap() {
            let at = format!("{prefix}/{}", f["path"].as_str().unwrap());
            let at = at.trim_start_matches('/');
            assert!(files.contains_key(at), "{name}: {at} is not in the image");
        }
        let served = format!("{}/index.ts", service.trim_start_matches('/'));
        assert!(files.contains_key(&served), "{name}: no {served}");
        let map = route["importMapPath"].as_str().map(|m| {
            assert!(
                files.contains_key(m.trim_start_matches('/')),
                "{name}: no {m}"
            );
            m.strip_prefix("/home/deno/functions/").unwrap().to_string()
        });
        if !map.as_deref().is_some_and(|m| m.ends_with(".jsonc")) {
            let entry = served.strip_prefix("home/deno/functions/").unwrap();
            graph_resolves(name, &home, entry, map.as_deref());
        }
    }
    // The router module stands alone (no imports to resolve).
    if let Some(deno) = deno() {
        let out = Command::new(deno)
            .current_dir(image.path())
            .env("DENO_NO_UPDATE_CHECK", "1")
            .args([
                "info",
                "--json",
                "--no-remote",
                "--no-npm",
                "--no-lock",
                "--no-config",
            ])
            .arg("home/deno/main/index.ts")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(info["modules"].as_array().unwrap().len(), 1, "{info}");
    }

    // Deterministic: from scratch again, the same image.
    std::fs::remove_dir_all(p.path().join(".hoist")).unwrap();
    let again = build(&p);
    assert_eq!(again["version"], built["version"]);
    assert_eq!(again["image"]["digest"], built["image"]["digest"]);
    // Editing code one function reaches changes the image.
    p.file(
        "supabase/functions/_lib/log.ts",
        "export const log = (m: string) => console.error(m);\n",
    );
    let edited = build(&p);
    assert_ne!(edited["image"]["digest"], built["image"]["digest"]);
}

#[test]
fn shared_deno_json_imports() {
    let p = shared_deno_json();
    init(&p);
    let b = bundle(&p, &[]);
    assert_eq!(b["svc"]["m"]["import_map"], "deno.json");
    let files: Vec<&str> = b["svc"]["m"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["_shared/cors.ts", "deno.json", "svc/index.ts"]);
    check_bundles(&b, &BTreeMap::new());
}

#[test]
fn editing_shared_code_changes_only_its_importers() {
    let p = receptor();
    init(&p);
    let before = bundle(&p, &[]);
    p.file(
        "supabase/functions/_lib/log.ts",
        "export const log = (m: string) => console.error(m);\n",
    );
    let after = bundle(&p, &[]);
    let changed: Vec<&str> = before
        .keys()
        .filter(|n| before[*n]["digest"] != after[*n]["digest"])
        .map(String::as_str)
        .collect();
    assert_eq!(changed, ["hello", "jsonc_fn", "update_user"]);
    // unused.ts is reached by nobody: editing it changes nothing.
    p.file(
        "supabase/functions/_shared/unused.ts",
        "export const unused = 2;\n",
    );
    let again = bundle(&p, &[]);
    for n in after.keys() {
        assert_eq!(after[n]["digest"], again[n]["digest"], "{n}");
    }
}

/// A one-function project with `index` as hello's entrypoint.
fn one(index: &str) -> Project {
    let p = Project::new(
        "project: demo\nfunctions:\n  hello:\n    path: supabase/functions/hello\n    runtime: deno\n",
    );
    p.file("supabase/functions/hello/index.ts", index);
    p
}

fn refused(p: &Project, args: &[&str], want: &[&str]) -> String {
    let a = p.hoist(args).code(2);
    let err = stderr(&a);
    for w in want {
        assert!(err.contains(w), "stderr lacks {w:?}:\n{err}");
    }
    assert!(p.state_files().is_empty(), "left {:?}", p.state_files());
    err
}

#[test]
fn missing_relative_module() {
    let p = one("// first\nimport { a } from '../_shared/nope.ts';\n");
    for cmd in [&["bundle"][..], &["config", "validate"]] {
        refused(
            &p,
            cmd,
            &[
                "supabase/functions/hello/index.ts:2",
                "`../_shared/nope.ts`",
                "does not exist",
                "--allow-unresolved",
            ],
        );
    }
    // Downgraded: a warning, and the bundle is written.
    let a = p.hoist(&["bundle", "--allow-unresolved"]).success();
    assert!(stderr(&a).contains("../_shared/nope.ts"), "{}", stderr(&a));
}

#[test]
fn bare_specifier_without_mapping() {
    let p = one("import { z } from 'zod';\n");
    refused(
        &p,
        &["bundle"],
        &[
            "supabase/functions/hello/index.ts:1",
            "bare specifier `zod`",
            "import map",
        ],
    );
}

#[test]
fn import_escaping_the_project_root() {
    let p = one("\n\nimport { x } from '../../../../outside.ts';\n");
    refused(
        &p,
        &["bundle"],
        &[
            "supabase/functions/hello/index.ts:3",
            "`../../../../outside.ts`",
            "outside the project root",
        ],
    );
}

#[test]
fn import_map_not_valid_json() {
    let p = one("import { a } from '@shared/a.ts';\n");
    p.file(
        "supabase/functions/import_map.json",
        "{\n  \"imports\": {\n    \"@shared/\": \"../_shared/\",\n  }\n}\n",
    );
    refused(
        &p,
        &["bundle"],
        &["supabase/functions/import_map.json:4:3", "not valid JSON"],
    );
    refused(
        &p,
        &["config", "validate"],
        &["supabase/functions/import_map.json:4"],
    );
}

#[test]
fn deno_json_import_map_to_a_missing_file() {
    let p = one("import { a } from './a.ts';\n");
    p.file("supabase/functions/hello/a.ts", "export const a = 1;\n");
    p.file(
        "supabase/functions/hello/deno.json",
        "{\n  \"importMap\": \"./missing_map.json\"\n}\n",
    );
    refused(
        &p,
        &["bundle"],
        &[
            "supabase/functions/hello/deno.json:2",
            "importMap",
            "missing_map.json",
        ],
    );
}

#[test]
fn config_toml_not_valid_toml() {
    let p = one("Deno.serve(() => new Response('x'));\n");
    p.file(
        "supabase/config.toml",
        "[functions.hello]\nverify_jwt = fals\n",
    );
    refused(
        &p,
        &["bundle"],
        &["supabase/config.toml:2:14", "not valid TOML"],
    );
    refused(&p, &["config", "validate"], &["supabase/config.toml:2"]);
}

#[test]
fn dns_label_collision() {
    let p = Project::new(
        "project: demo\nfunctions:\n  update_user:\n    path: fns/a\n    runtime: deno\n  update-user:\n    path: fns/b\n    runtime: deno\n",
    );
    p.file("fns/a/index.ts", "export {};\n")
        .file("fns/b/index.ts", "export {};\n");
    refused(
        &p,
        &["bundle"],
        &[
            "hoist.yaml:3",
            "`update-user` and `update_user`",
            "DNS label `update-user`",
            "dns_label:",
        ],
    );
    // Giving one its own label settles it; config show shows both.
    p.file(
        "hoist.yaml",
        "project: demo\nfunctions:\n  update_user:\n    path: fns/a\n    runtime: deno\n    dns_label: update-user-2\n  update-user:\n    path: fns/b\n    runtime: deno\n",
    );
    let a = p.hoist(&["config", "show", "--output", "json"]).success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let labels: Vec<&str> = v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["dns_label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["update-user", "update-user-2"]);
}

#[test]
fn cyclic_import_is_bundled_once() {
    let p = one("import { a } from './a.ts';\n");
    p.file(
        "supabase/functions/hello/a.ts",
        "import './index.ts';\nexport const a = 1;\n",
    );
    let b = bundle(&p, &[]);
    assert_eq!(b["hello"]["m"]["file_count"], 2);
}

#[test]
fn secret_reached_by_import_is_refused() {
    let p = one("import cfg from './.env' with { type: 'text' };\n");
    p.file("supabase/functions/hello/.env", "TOKEN=x\n");
    refused(
        &p,
        &["bundle"],
        &["supabase/functions/hello/index.ts:1", ".env", "secret"],
    );
}

#[test]
fn npmrc_is_bundled_only_without_a_literal_token() {
    let p = one("import { z } from 'npm:@acme/zod@3';\n");
    p.file(
        "supabase/functions/.npmrc",
        "@acme:registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=${NPM_TOKEN}\n",
    );
    let b = bundle(&p, &[]);
    let files: Vec<&str> = b["hello"]["m"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, [".npmrc", "hello/index.ts"]);
    p.file(
        "supabase/functions/hello/.npmrc",
        "//npm.acme.dev/:_authToken=npm_live_secret\n",
    );
    let a = p.hoist(&["bundle", "--output", "json"]).success();
    let err = stderr(&a);
    assert!(
        err.contains("supabase/functions/hello/.npmrc:1 holds a registry token"),
        "{err}"
    );
    let docs: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docs[0]["manifest"].as_str().unwrap()).unwrap())
            .unwrap();
    let files: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["hello/index.ts"]);
}

/// Nine functions; supabase/config.toml sends two of them (`billing`,
/// `reports`) to an entrypoint and an import map that do not exist, and
/// one (`outside`) to an entrypoint outside its directory that does.
fn nine_functions() -> Project {
    let p = Project::new("project: nine\nfunctions: {}\n");
    std::fs::remove_file(p.path().join("hoist.yaml")).unwrap();
    p.file(
        "supabase/config.toml",
        r#"project_id = "nine"

[functions.billing]
entrypoint = "./functions/api/billing/index.ts"
import_map = "./import_maps/billing.json"

[functions.reports]
entrypoint = "./functions/api/reports/index.ts"
import_map = "./import_maps/reports.json"

[functions.outside]
entrypoint = "./functions/_shared/outside_main.ts"
"#,
    )
    .file(
        "supabase/functions/_shared/outside_main.ts",
        "Deno.serve(() => new Response('outside'));\n",
    );
    for name in [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "outside", "billing", "reports",
    ] {
        p.file(
            &format!("supabase/functions/{name}/index.ts"),
            &format!("Deno.serve(() => new Response('{name}'));\n"),
        );
    }
    p
}

#[test]
fn two_broken_config_toml_entries_leave_the_seven_other_functions_usable() {
    let p = nine_functions();
    // init succeeds, and says at once what is wrong with both.
    let a = p.hoist(&["init", "--name", "nine", "--yes"]).success();
    let err = stderr(&a);
    for want in [
        "function `billing` needs a fix before hoist can use it",
        "function `billing`: entrypoint `./functions/api/billing/index.ts` in supabase/config.toml",
        "function `billing`: import_map `./import_maps/billing.json` in supabase/config.toml",
        "function `reports`: entrypoint `./functions/api/reports/index.ts` in supabase/config.toml",
        "function `reports`: import_map `./import_maps/reports.json` in supabase/config.toml",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
    // No key line points at a missing file or climbs out of its function;
    // the config.toml settings it could not write are comments with why.
    let yaml = std::fs::read_to_string(p.path().join("hoist.yaml")).unwrap();
    for line in yaml.lines().filter(|l| !l.trim_start().starts_with('#')) {
        assert!(
            !line.contains("..") && !line.contains("api/") && !line.contains("import_maps"),
            "{line:?} in\n{yaml}"
        );
    }
    for want in [
        "    # entrypoint: `./functions/api/billing/index.ts` in supabase/config.toml (supabase/functions/api/billing/index.ts): the file does not exist; fix it there\n",
        "    # import_map: `./import_maps/reports.json` in supabase/config.toml (supabase/import_maps/reports.json): the file does not exist; fix it there\n",
        "    # entrypoint: `./functions/_shared/outside_main.ts` in supabase/config.toml (supabase/functions/_shared/outside_main.ts): outside the function directory, so hoist reads it there\n",
    ] {
        assert!(yaml.contains(want), "hoist.yaml lacks {want:?}:\n{yaml}");
    }
    // validate lists the four problems in one run.
    let a = p.hoist(&["config", "validate"]).code(2);
    let err = stderr(&a);
    assert_eq!(err.matches("does not exist").count(), 4, "{err}");
    // A command naming healthy functions skips the broken ones, saying so.
    let a = p
        .hoist(&["bundle", "alpha", "outside", "--output", "json"])
        .success();
    let docs: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let names: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["function"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "outside"]);
    let err = stderr(&a);
    for name in ["billing", "reports"] {
        let want = format!("function `{name}` skipped, not checked: import_map `./import_maps/{name}.json` in supabase/config.toml");
        assert!(err.contains(&want), "stderr lacks {want:?}:\n{err}");
        assert!(
            err.contains("(and 1 more; `hoist config validate` lists them)"),
            "{err}"
        );
    }
    // A command over every function names every broken one.
    let a = p.hoist(&["bundle"]).code(2);
    let err = stderr(&a);
    for want in [
        "hoist.yaml cannot be used (`billing`, `reports`), and this command works on every function",
        "import_map `./import_maps/billing.json`",
        "entrypoint `./functions/api/reports/index.ts`",
        "name only the other functions",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
}

#[test]
fn validate_reports_what_hides_behind_a_refused_line_at_once() {
    // The hoist.yaml an older init wrote: its entrypoint line is refused,
    // and config.toml's entrypoint, which takes over once it is removed,
    // is missing: both are reported in the first run.
    let p = nine_functions();
    p.file(
        "hoist.yaml",
        "project: nine\ndefaults:\n  runtime: deno\nfunctions:\n  alpha:\n    path: supabase/functions/alpha\n  billing:\n    path: supabase/functions/billing\n    entrypoint: ../api/billing/index.ts\n",
    );
    let a = p.hoist(&["config", "validate"]).code(2);
    let err = stderr(&a);
    for want in [
        "hoist.yaml:9:5: function `billing`: entrypoint `../api/billing/index.ts` goes up with `..`",
        "function `billing`: entrypoint `./functions/api/billing/index.ts` in supabase/config.toml",
        "function `billing`: import_map `./import_maps/billing.json` in supabase/config.toml",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
    // A broken supabase/config.toml does not hide hoist.yaml's problems.
    p.file(
        "supabase/config.toml",
        "[functions.alpha]\nverify_jwt = fals\n",
    );
    p.file(
        "hoist.yaml",
        "project: nine\nfunctions:\n  alpha:\n    path: supabase/functions/alpha\n    runtime: deno\n    memroy: 3\n",
    );
    let a = p.hoist(&["config", "validate"]).code(2);
    let err = stderr(&a);
    for want in [
        "hoist.yaml:6:5: unknown key `memroy`",
        "supabase/config.toml:2:14: not valid TOML",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
}

/// What the parser-based graph follows and what it only records: a BOM,
/// type-only imports of files that do not exist, require() through
/// createRequire (CommonJS resolution), computed import()s, a `bun:`
/// import behind a runtime check, and `include:` globs for what no import
/// names. `--output json` lists the modules with their import kinds and
/// the warnings; `-v` prints the same listing.
#[test]
fn graph_follows_what_deno_runs_and_says_what_it_cannot() {
    let p = Project::new(
        "project: demo\nfunctions:\n  hello:\n    path: supabase/functions/hello\n    runtime: deno\n    include: [\"assets/**\", \"nothing/*.txt\"]\n",
    );
    p.file(
        "supabase/functions/hello/index.ts",
        "\u{feff}import { a } from './a.ts';\n\
         import type { T } from './types-gone.ts';\n\
         type Fs = typeof import('./also-gone.ts');\n\
         import { createRequire } from 'node:module';\n\
         const require = createRequire(import.meta.url);\n\
         const legacy = require('./legacy.cjs');\n\
         const name = Deno.args[0];\n\
         const route = await import(`./routes/${name}.ts`);\n\
         const any = await import(name);\n\
         if ('Bun' in globalThis) await import('bun:sqlite');\n\
         Deno.serve(() => new Response(String(a) + legacy + route + any));\n",
    );
    p.file("supabase/functions/hello/a.ts", "export const a = 1;\n");
    p.file(
        "supabase/functions/hello/legacy.cjs",
        "module.exports = require('./helper') + require('fs').sep;\n",
    );
    p.file(
        "supabase/functions/hello/helper.js",
        "module.exports = 2;\n",
    );
    p.file(
        "supabase/functions/hello/routes/x.ts",
        "export default 1;\n",
    );
    p.file(
        "supabase/functions/hello/routes/deep/y.ts",
        "export default 2;\n",
    );
    p.file("supabase/functions/hello/routes/notes.md", "not code\n");
    p.file("supabase/functions/hello/assets/logo.svg", "<svg/>\n");
    p.file(
        "supabase/functions/hello/unused.ts",
        "export const u = 1;\n",
    );
    let b = bundle(&p, &["-v"]);
    let files: BTreeSet<&str> = b["hello"]["m"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = [
        "hello/index.ts",
        "hello/a.ts",
        "hello/legacy.cjs",
        "hello/helper.js",
        "hello/routes/x.ts",
        "hello/routes/deep/y.ts",
        "hello/assets/logo.svg",
    ]
    .into_iter()
    .collect();
    assert_eq!(files, want);
    let warnings: Vec<&str> = b["hello"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let has = |needle: &str| {
        assert!(
            warnings.iter().any(|w| w.contains(needle)),
            "no warning with {needle:?}: {warnings:#?}"
        )
    };
    has("supabase/functions/hello/index.ts:8: `import()` of a computed specifier: bundled the 2 file(s) under supabase/functions/hello/routes/ matching `./routes/*.ts`");
    has("supabase/functions/hello/index.ts:9: `import()` of a computed specifier (`*`)");
    has("`include:`");
    has("`bun:` scheme");
    has("include glob `nothing/*.txt` matches no file");
    let modules = b["hello"]["modules"].as_array().unwrap();
    let index = &modules[0];
    assert_eq!(index["path"], "supabase/functions/hello/index.ts");
    let kinds: Vec<(&str, &str)> = index["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["specifier"].as_str().unwrap(),
                i["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("./a.ts", "static"),
            ("./types-gone.ts", "type-only"),
            ("./also-gone.ts", "type-only"),
            ("node:module", "static"),
            ("./legacy.cjs", "require"),
            ("./routes/*.ts", "non-literal"),
            ("*", "non-literal"),
            ("bun:sqlite", "dynamic"),
        ]
    );
    assert_eq!(index["imports"][0]["line"], 1);
    let legacy = modules
        .iter()
        .find(|m| m["path"] == "supabase/functions/hello/legacy.cjs")
        .unwrap();
    assert_eq!(
        legacy["imports"][0]["targets"][0],
        "supabase/functions/hello/helper.js"
    );
    assert_eq!(legacy["imports"][1]["targets"][0], "node:fs");
    let a = p.hoist(&["bundle", "-v"]).success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(out.contains("hello: "), "{out}");
    assert!(
        out.contains("type-only   ./types-gone.ts (not followed"),
        "{out}"
    );
    assert!(
        out.contains("require     ./legacy.cjs → supabase/functions/hello/legacy.cjs"),
        "{out}"
    );
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let p = one("import { a } from './a.ts';\nconst x = ;\n");
    p.file("supabase/functions/hello/a.ts", "export const a = 1;\n");
    refused(
        &p,
        &["bundle"],
        &["supabase/functions/hello/index.ts:2:11", "Unexpected token"],
    );
}

#[test]
fn bun_scheme_is_not_a_bare_specifier() {
    let p = one("import { Database } from 'bun:sqlite';\n");
    let err = refused(
        &p,
        &["bundle"],
        &["index.ts:1", "`bun:` scheme", "Deno cannot load"],
    );
    assert!(!err.contains("bare specifier"), "{err}");
}

// ---- Monorepos: Deno workspaces, code outside supabase/, JSX runtimes ----

/// The paths a bundle's manifest lists.
fn bundled(b: &serde_json::Value) -> BTreeSet<String> {
    b["m"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `hoist bundle` twice from scratch gives the same digest.
fn assert_deterministic(dir: &Path, name: &str, digest: &str) {
    let again = support::registry::hoist(
        dir,
        &["bundle", name, "--output", "json"],
        &[("HOIST_BUNDLE_CACHE", "0")],
    );
    let again = support::registry::json_ok(&again);
    assert_eq!(again[0]["digest"], digest, "{name}: not reproducible");
}

/// The local modules `deno info` finds from `entry` in the unpacked bundle
/// `dir`, run with the deno.json found upward from the entrypoint (as the
/// backend runs it): every one resolves inside `dir`.
fn deno_modules(deno: &Path, dir: &Path, entry: &str) -> BTreeSet<String> {
    let deno_dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(deno);
    cmd.current_dir(dir)
        .env("DENO_DIR", deno_dir.path())
        .env("DENO_NO_UPDATE_CHECK", "1")
        .args(["info", "--json", "--no-remote", "--no-npm", "--no-lock"]);
    let config = Path::new(entry)
        .ancestors()
        .skip(1)
        .map(|d| dir.join(d).join("deno.json"))
        .find(|f| f.is_file());
    match &config {
        Some(c) => cmd.arg("--config").arg(c),
        None => cmd.arg("--no-config"),
    };
    let out = cmd.arg(entry).output().unwrap();
    assert!(
        out.status.success(),
        "deno info failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = format!("file://{}/", std::fs::canonicalize(dir).unwrap().display());
    let mut found = BTreeSet::new();
    for m in info["modules"].as_array().unwrap() {
        let spec = m["specifier"].as_str().unwrap();
        let Some(rel) = spec.strip_prefix(&root) else {
            assert!(
                !spec.starts_with("file:"),
                "the graph leaves the bundle: {spec}"
            );
            continue;
        };
        assert!(m.get("error").is_none(), "{rel}: {}", m["error"]);
        found.insert(rel.to_string());
    }
    found
}

/// `dir`'s project deployed to a fresh local backend (real deno workers)
/// and `name` invoked: its JSON answer (status, headers, body).
fn deployed_answer(dir: &Path, name: &str) -> Option<serde_json::Value> {
    let deno = deno()?;
    let path = format!(
        "{}:{}",
        deno.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let b = support::backend::Backend::start_with_env(&[], &[("PATH".into(), path)]);
    let out = b.hoist(dir, &["deploy", "--output", "json"]);
    support::registry::json_ok(&out);
    let out = b.hoist(dir, &["invoke", name, "--output", "json"]);
    Some(support::registry::json_ok(&out))
}

/// A Deno workspace at the repository root: `@acme/shared` (with its own
/// `imports`, and the root's), `@acme/ui` (its own JSX runtime, from
/// `@acme/jsx`), an unused member and an unused file.
fn deno_workspace() -> Project {
    let p = Project::new(
        "project: demo\nfunctions:\n  hello:\n    path: supabase/functions/hello\n    runtime: deno\n",
    );
    p.file(
        "deno.json",
        "{\n  // the monorepo\n  \"workspace\": [\"./packages/*\"],\n  \"imports\": { \"greeting\": \"./packages/shared/greeting.ts\" }\n}\n",
    )
    .file(
        "packages/shared/deno.json",
        r#"{"name": "@acme/shared", "version": "0.1.0", "exports": {".": "./mod.ts", "./cors": "./cors.ts"}, "imports": {"helpers": "./lib/helpers.ts"}}"#,
    )
    .file(
        "packages/shared/mod.ts",
        "import { shout } from 'helpers';\nimport { greeting } from 'greeting';\nexport const greet = (n: string) => shout(`${greeting} ${n}`);\n",
    )
    .file("packages/shared/greeting.ts", "export const greeting = 'hello';\n")
    .file(
        "packages/shared/lib/helpers.ts",
        "export const shout = (s: string) => s.toUpperCase();\n",
    )
    .file("packages/shared/cors.ts", "export const cors = { 'x-from': 'shared' };\n")
    .file("packages/shared/unused.ts", "export const unused = 1;\n")
    .file(
        "packages/jsx/deno.json",
        r#"{"name": "@acme/jsx", "exports": {"./jsx-runtime": "./runtime.ts"}}"#,
    )
    .file(
        "packages/jsx/runtime.ts",
        "export const jsx = (t: string, p: { children: string }) => `<${t}>${p.children}</${t}>`;\nexport const jsxs = jsx;\nexport const Fragment = '';\n",
    )
    .file(
        "packages/ui/deno.json",
        r#"{"name": "@acme/ui", "exports": "./mod.tsx", "compilerOptions": {"jsx": "react-jsx", "jsxImportSource": "@acme/jsx"}}"#,
    )
    .file("packages/ui/mod.tsx", "export const page = (n: string) => <b>{n}</b>;\n")
    .file("packages/other/deno.json", r#"{"name": "@acme/other", "exports": "./mod.ts"}"#)
    .file("packages/other/mod.ts", "export const other = 1;\n")
    .file(
        "supabase/functions/hello/index.ts",
        "import { greet } from '@acme/shared';\n\
         import { cors } from 'jsr:@acme/shared/cors';\n\
         import { page } from '@acme/ui';\n\
         Deno.serve(() => new Response(page(greet('ada')), { headers: cors }));\n",
    );
    p
}

#[test]
fn deno_workspace_members_are_bundled_by_name_and_run() {
    let p = deno_workspace();
    let b = bundle(&p, &[]);
    let hello = &b["hello"];
    let files = bundled(hello);
    assert_eq!(
        files,
        set(&[
            "deno.json",
            "packages/jsx/deno.json",
            "packages/jsx/runtime.ts",
            "packages/shared/cors.ts",
            "packages/shared/deno.json",
            "packages/shared/greeting.ts",
            "packages/shared/lib/helpers.ts",
            "packages/shared/mod.ts",
            "packages/ui/deno.json",
            "packages/ui/mod.tsx",
            "supabase/functions/hello/index.ts",
        ]),
        "only what the function reaches, and the configs Deno reads"
    );
    assert_eq!(
        hello["m"]["entrypoint"],
        "supabase/functions/hello/index.ts"
    );
    assert_deterministic(p.path(), "hello", hello["digest"].as_str().unwrap());

    // The unpacked bundle resolves alone, as the backend runs it.
    if let Some(deno) = deno() {
        let dir = tempfile::tempdir().unwrap();
        unpack(hello["archive"].as_str().unwrap(), dir.path());
        let reached = deno_modules(&deno, dir.path(), "supabase/functions/hello/index.ts");
        let code: BTreeSet<String> = files
            .into_iter()
            .filter(|f| !f.ends_with(".json"))
            .collect();
        assert_eq!(reached, code);
    }
    let Some(answer) = deployed_answer(p.path(), "hello") else {
        return;
    };
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["body"], "<b>HELLO ADA</b>", "{answer}");
}

#[test]
fn deno_workspace_errors_name_the_member_and_line() {
    let p = deno_workspace();
    p.file(
        "supabase/functions/hello/index.ts",
        "\nimport { x } from '@acme/shared/nope';\n",
    );
    refused(
        &p,
        &["bundle"],
        &[
            "supabase/functions/hello/index.ts:2",
            "`@acme/shared/nope` names `./nope` of the workspace member packages/shared/deno.json",
            "`.`, `./cors`",
        ],
    );
    // A function whose own deno.json is no member: Deno ignores the
    // workspace for it, and hoist says so.
    p.file(
        "supabase/functions/hello/index.ts",
        "import { greet } from '@acme/shared';\n",
    )
    .file("supabase/functions/hello/deno.json", "{\"imports\": {}}\n");
    let err = refused(&p, &["bundle"], &["bare specifier `@acme/shared`"]);
    assert!(
        err.contains("is not a member of the Deno workspace"),
        "{err}"
    );
}

/// A monorepo in git whose hoist.yaml sits in `apps/api/`: a function
/// imports `shared/` at the repository root, and another reaches above it.
fn monorepo(root: &Path) -> PathBuf {
    let w = |rel: &str, text: &str| {
        let f = root.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    };
    let st = Command::new("git")
        .args(["init", "-q"])
        .arg(root.join("repo"))
        .status()
        .unwrap();
    assert!(st.success());
    w("outside.ts", "export const x = 1;\n");
    w("repo/shared/util.ts", "import { sep } from './deep/sep.ts';\nexport const util = (s: string) => `${s}${sep}from shared`;\n");
    w("repo/shared/deep/sep.ts", "export const sep = ' ';\n");
    w("repo/shared/unused.ts", "export const unused = 1;\n");
    w(
        "repo/apps/api/hoist.yaml",
        "project: demo\nfunctions:\n  hello:\n    path: supabase/functions/hello\n    runtime: deno\n  far:\n    path: supabase/functions/far\n    runtime: deno\n",
    );
    w(
        "repo/apps/api/supabase/functions/hello/index.ts",
        "import { util } from '../../../../../shared/util.ts';\nimport { cors } from '../_shared/cors.ts';\nDeno.serve(() => new Response(util('hi'), { headers: cors }));\n",
    );
    w(
        "repo/apps/api/supabase/functions/_shared/cors.ts",
        "export const cors = {};\n",
    );
    w(
        "repo/apps/api/supabase/functions/far/index.ts",
        "// reaches above the repository\n\nimport { x } from '../../../../../../outside.ts';\n",
    );
    root.join("repo/apps/api")
}

#[test]
fn imports_from_outside_supabase_up_to_the_repository_root_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = monorepo(tmp.path());
    let out = support::registry::hoist(&dir, &["bundle", "hello", "--output", "json"], &[]);
    let doc = support::registry::json_ok(&out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(doc[0]["manifest"].as_str().unwrap()).unwrap())
            .unwrap();
    let hello = serde_json::json!({ "m": manifest });
    assert_eq!(
        bundled(&hello),
        set(&[
            "apps/api/supabase/functions/_shared/cors.ts",
            "apps/api/supabase/functions/hello/index.ts",
            "shared/deep/sep.ts",
            "shared/util.ts",
        ]),
        "paths from the repository root, so `../../../../../shared` still resolves"
    );
    assert_eq!(
        manifest["entrypoint"],
        "apps/api/supabase/functions/hello/index.ts"
    );
    assert_deterministic(&dir, "hello", doc[0]["digest"].as_str().unwrap());
    if let Some(deno) = deno() {
        let unpacked = tempfile::tempdir().unwrap();
        unpack(doc[0]["archive"].as_str().unwrap(), unpacked.path());
        let reached = deno_modules(
            &deno,
            unpacked.path(),
            "apps/api/supabase/functions/hello/index.ts",
        );
        assert_eq!(reached, bundled(&hello));
    }

    // Above the repository: refused, with the file, line and the boundary.
    let out = support::registry::hoist(&dir, &["bundle", "far"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    for want in [
        "supabase/functions/far/index.ts:3",
        "`../../../../../../outside.ts`",
        "outside the git repository",
        "hint: move the file inside that directory",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }

    // Shared code obeys the repository's ignore files.
    let repo = dir.join("../..");
    std::fs::write(repo.join(".gitignore"), "generated/\n").unwrap();
    std::fs::create_dir_all(repo.join("shared/generated")).unwrap();
    std::fs::write(repo.join("shared/generated/x.ts"), "export const x = 1;\n").unwrap();
    std::fs::write(
        dir.join("supabase/functions/far/index.ts"),
        "import { x } from '../../../../../shared/generated/x.ts';\n",
    )
    .unwrap();
    let out = support::registry::hoist(&dir, &["bundle", "far"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("left out by an ignore rule in .gitignore or .hoistignore"),
        "{err}"
    );

    std::fs::remove_dir_all(dir.join("supabase/functions/far")).unwrap();
    std::fs::write(
        dir.join("hoist.yaml"),
        "project: demo\nfunctions:\n  hello:\n    path: supabase/functions/hello\n    runtime: deno\n",
    )
    .unwrap();
    let Some(answer) = deployed_answer(&dir, "hello") else {
        return;
    };
    assert_eq!(answer["body"], "hi from shared", "{answer}");
}

#[test]
fn deno_json_jsx_import_source_is_a_dependency_of_jsx_modules() {
    let p = Project::new(
        "project: demo\nfunctions:\n  page:\n    path: supabase/functions/page\n    runtime: deno\n    entrypoint: index.tsx\n",
    );
    p.file(
        "supabase/functions/page/deno.json",
        "{\n  \"compilerOptions\": {\n    \"jsx\": \"react-jsx\",\n    \"jsxImportSource\": \"@rt\"\n  },\n  \"imports\": { \"@rt/jsx-runtime\": \"../_jsx/runtime.ts\" }\n}\n",
    )
    .file(
        "supabase/functions/_jsx/runtime.ts",
        "export const jsx = (t: string, p: { children: unknown }) => `<${t}>${p.children}</${t}>`;\nexport const jsxs = jsx;\n",
    )
    .file(
        "supabase/functions/page/index.tsx",
        "import { title } from './title.tsx';\nDeno.serve(() => new Response(<main>{title}</main>));\n",
    )
    // No JSX, still a .tsx: Deno adds the runtime all the same.
    .file("supabase/functions/page/title.tsx", "export const title = 'hi';\n")
    .file("supabase/functions/page/plain.ts", "export const p = 1;\n");
    let b = bundle(&p, &["-v"]);
    let page = &b["page"];
    assert_eq!(
        bundled(page),
        set(&[
            "_jsx/runtime.ts",
            "page/deno.json",
            "page/index.tsx",
            "page/title.tsx",
        ])
    );
    let modules = page["modules"].as_array().unwrap();
    let title = modules
        .iter()
        .find(|m| m["path"] == "supabase/functions/page/title.tsx")
        .unwrap();
    assert_eq!(title["imports"][0]["specifier"], "@rt/jsx-runtime");
    assert_eq!(title["imports"][0]["kind"], "static");
    assert_eq!(
        title["imports"][0]["targets"][0],
        "supabase/functions/_jsx/runtime.ts"
    );
    if let Some(deno) = deno() {
        let dir = tempfile::tempdir().unwrap();
        unpack(page["archive"].as_str().unwrap(), dir.path());
        let reached = deno_modules(&deno, dir.path(), "page/index.tsx");
        assert_eq!(
            reached,
            set(&["_jsx/runtime.ts", "page/index.tsx", "page/title.tsx"])
        );
    }

    // A runtime that does not resolve names the config line.
    std::fs::remove_dir_all(p.path().join(".hoist")).unwrap();
    p.file(
        "supabase/functions/page/deno.json",
        "{\n  \"compilerOptions\": {\n    \"jsx\": \"react-jsx\",\n    \"jsxImportSource\": \"@nowhere\"\n  }\n}\n",
    );
    refused(
        &p,
        &["bundle"],
        &[
            "supabase/functions/page/index.tsx:1:1",
            "`@nowhere/jsx-runtime`",
            "compilerOptions.jsxImportSource",
            "supabase/functions/page/deno.json:4",
        ],
    );
    // Deno refuses jsxImportSource without an automatic runtime; so does hoist.
    p.file(
        "supabase/functions/page/deno.json",
        "{\n  \"compilerOptions\": {\n    \"jsxImportSource\": \"@rt\"\n  }\n}\n",
    );
    refused(
        &p,
        &["bundle"],
        &["supabase/functions/page/deno.json:3", "`jsx` is unset"],
    );
}
