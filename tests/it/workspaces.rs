//! Node functions in package-manager workspaces, through the hoist binary:
//! a pnpm workspace (laid out by hand as pnpm lays it out: links from the
//! function's `node_modules` into `node_modules/.pnpm`) and an npm one
//! (installed by npm itself, offline). The bundle holds the function, the
//! workspace packages and installed packages it depends on, and the links
//! between them, from the workspace root; it is reproducible, a missing
//! dependency names the package.json line, and the pnpm function answers
//! on the local backend.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn link(root: &Path, rel: &str, target: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, p).unwrap();
}

/// What `hoist bundle <name>` put in the bundle: path → link target (empty
/// for a file), the manifest, and the archive.
fn bundled(
    dir: &Path,
    name: &str,
    envs: &[(&str, &str)],
) -> (BTreeMap<String, String>, serde_json::Value) {
    let out = support::registry::hoist(dir, &["bundle", name, "--output", "json"], envs);
    let doc = support::registry::json_ok(&out);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(doc[0]["manifest"].as_str().unwrap()).unwrap())
            .unwrap();
    let files = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["link"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (files, m)
}

/// A pnpm workspace: `apps/api` depends on `@acme/shared` (workspace:*),
/// which depends on `left-pad`, installed in the store; an unused package
/// and an unused installed one sit beside them.
fn pnpm_workspace(root: &Path) {
    write(root, "hoist.yaml", "project: demo\nfunctions:\n  api:\n    path: apps/api\n    runtime: node\n    entrypoint: index.mjs\n");
    write(
        root,
        "pnpm-workspace.yaml",
        "packages:\n  - 'apps/*'\n  - 'packages/*'\n",
    );
    write(
        root,
        "package.json",
        "{\"name\": \"ws\", \"private\": true}\n",
    );
    write(root, ".gitignore", "node_modules\n");
    write(
        root,
        "apps/api/package.json",
        "{\n  \"name\": \"api\",\n  \"type\": \"module\",\n  \"dependencies\": {\n    \"@acme/shared\": \"workspace:*\"\n  },\n  \"devDependencies\": { \"typescript\": \"5\" }\n}\n",
    );
    write(
        root,
        "apps/api/index.mjs",
        "import { greet } from '@acme/shared';\nexport default async function handler(req) {\n  return new Response(greet(new URL(req.url).searchParams.get('name') ?? 'ada'));\n}\n",
    );
    link(
        root,
        "apps/api/node_modules/@acme/shared",
        "../../../../packages/shared",
    );
    link(
        root,
        "apps/api/node_modules/typescript",
        "../../../node_modules/.pnpm/typescript@5.0.0/node_modules/typescript",
    );
    write(
        root,
        "packages/shared/package.json",
        "{\"name\": \"@acme/shared\", \"type\": \"module\", \"main\": \"index.js\", \"dependencies\": {\"left-pad\": \"1.3.0\"}}\n",
    );
    write(
        root,
        "packages/shared/index.js",
        "import leftPad from 'left-pad';\nexport const greet = (n) => 'hi ' + leftPad(n, 5, '*');\n",
    );
    link(
        root,
        "packages/shared/node_modules/left-pad",
        "../../../node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad",
    );
    let store = "node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad";
    write(
        root,
        &format!("{store}/package.json"),
        "{\"name\": \"left-pad\", \"main\": \"index.js\"}\n",
    );
    write(
        root,
        &format!("{store}/index.js"),
        "module.exports = (s, n, c) => String(c).repeat(Math.max(0, n - String(s).length)) + s;\n",
    );
    write(
        root,
        "node_modules/.pnpm/typescript@5.0.0/node_modules/typescript/package.json",
        "{\"name\": \"typescript\"}\n",
    );
    write(
        root,
        "packages/unused/package.json",
        "{\"name\": \"@acme/unused\"}\n",
    );
    write(root, "packages/unused/index.js", "export {};\n");
}

#[test]
fn pnpm_workspace_function_bundles_its_packages_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    pnpm_workspace(root);
    let (files, m) = bundled(root, "api", &[("HOIST_BUNDLE_CACHE", "0")]);
    let want: BTreeMap<String, String> = [
        ("apps/api/index.mjs", ""),
        (
            "apps/api/node_modules/@acme/shared",
            "../../../../packages/shared",
        ),
        ("apps/api/package.json", ""),
        (
            "node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js",
            "",
        ),
        (
            "node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/package.json",
            "",
        ),
        ("packages/shared/index.js", ""),
        (
            "packages/shared/node_modules/left-pad",
            "../../../node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad",
        ),
        ("packages/shared/package.json", ""),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(
        files, want,
        "the function, what it depends on, and the links between them"
    );
    assert_eq!(m["entrypoint"], "apps/api/index.mjs");
    let (_, again) = bundled(root, "api", &[("HOIST_BUNDLE_CACHE", "0")]);
    assert_eq!(again["digest"], m["digest"], "not reproducible");

    // Node resolves the unpacked bundle alone.
    let unpacked = tempfile::tempdir().unwrap();
    let archive = root
        .join(".hoist/bundles/api")
        .join(format!("{}.tar.gz", m["digest"].as_str().unwrap()));
    hoist_core::bundle::unpack::unpack(&archive, unpacked.path()).unwrap();
    let out = std::process::Command::new("node")
        .current_dir(unpacked.path())
        .args([
            "--input-type=module",
            "-e",
            "const m = await import('./apps/api/index.mjs'); console.log(await (await m.default(new Request('http://x/?name=bo'))).text());",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hi ***bo");

    // The image starts the same path (the bundle is its /app).
    let project =
        hoist_core::config::load(&root.join("hoist.yaml"), &hoist_core::env::Env::default())
            .unwrap();
    let ctx = hoist_core::image::RenderContext {
        context_dir: "app".into(),
        ..Default::default()
    };
    let docker = hoist_core::image::render(&project, &project.functions[0], &ctx).unwrap();
    assert!(
        docker
            .text
            .contains("CMD [\"node\",\"apps/api/index.mjs\"]")
            || docker
                .text
                .contains("CMD [\"node\", \"apps/api/index.mjs\"]"),
        "{}",
        docker.text
    );

    // On the local backend, through its node worker.
    let b = support::backend::Backend::start(&[]);
    support::registry::json_ok(&b.hoist(root, &["deploy", "--output", "json"]));
    let out = b.hoist(
        root,
        &["invoke", "api", "--query", "name=ada", "--output", "json"],
    );
    let answer = support::registry::json_ok(&out);
    assert_eq!(answer["body"], "hi **ada", "{answer}");
}

#[test]
fn a_dependency_not_installed_names_the_package_json_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    pnpm_workspace(root);
    std::fs::remove_file(root.join("packages/shared/node_modules/left-pad")).unwrap();
    let out = support::registry::hoist(root, &["bundle", "api"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    for want in [
        "packages/shared/package.json:1",
        "`left-pad`, which is not installed",
        "pnpm-workspace.yaml",
        "pnpm install",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
    // A workspace package nothing links yet is linked where Node looks.
    std::fs::remove_file(root.join("apps/api/node_modules/@acme/shared")).unwrap();
    link(
        root,
        "packages/shared/node_modules/left-pad",
        "../../../node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad",
    );
    let (files, _) = bundled(root, "api", &[]);
    assert_eq!(
        files
            .get("apps/api/node_modules/@acme/shared")
            .map(String::as_str),
        Some("../../../../packages/shared")
    );
}

#[test]
fn npm_workspace_installed_by_npm() {
    let Some(npm) = ["/usr/bin/npm", "/usr/local/bin/npm"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        support::skip::missing("npm (the npm workspace is installed with it)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "package.json",
        "{\"name\": \"ws\", \"private\": true, \"workspaces\": [\"apps/*\", \"packages/*\"]}\n",
    );
    write(root, "apps/api/hoist.yaml", "project: demo\nfunctions:\n  api:\n    path: .\n    runtime: node\n    entrypoint: index.mjs\n");
    write(root, "apps/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\", \"type\": \"module\", \"dependencies\": {\"@acme/shared\": \"*\"}}\n");
    write(
        root,
        "apps/api/index.mjs",
        "import { greet } from '@acme/shared';\nconsole.log(greet('ada'));\n",
    );
    write(root, "packages/shared/package.json", "{\"name\": \"@acme/shared\", \"version\": \"1.0.0\", \"type\": \"module\", \"main\": \"index.js\"}\n");
    write(
        root,
        "packages/shared/index.js",
        "export const greet = (n) => 'hi ' + n;\n",
    );
    let st = std::process::Command::new(npm)
        .current_dir(root)
        .args([
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "npm install --offline failed");
    let dir = root.join("apps/api");
    let (files, m) = bundled(&dir, "api", &[]);
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "apps/api/hoist.yaml",
            "apps/api/index.mjs",
            "apps/api/package.json",
            "node_modules/@acme/shared",
            "packages/shared/index.js",
            "packages/shared/package.json",
        ]
    );
    assert_eq!(files["node_modules/@acme/shared"], "../../packages/shared");
    assert_eq!(m["entrypoint"], "apps/api/index.mjs");
    let unpacked = tempfile::tempdir().unwrap();
    let archive = dir
        .join(".hoist/bundles/api")
        .join(format!("{}.tar.gz", m["digest"].as_str().unwrap()));
    hoist_core::bundle::unpack::unpack(&archive, unpacked.path()).unwrap();
    let out = std::process::Command::new("node")
        .current_dir(unpacked.path())
        .arg("apps/api/index.mjs")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hi ada");
}
