//! The CLI end to end on good input: init, new, bundle, build, config show,
//! login/logout — checking what a user would look at (files written, JSON on
//! stdout, nothing secret printed).

use std::path::Path;

use crate::support;

use assert_cmd::Command;
use serde_json::Value;

fn hoist(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(dir)
        .env_remove("HOIST_CONFIG")
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A command that must succeed (its stdout is text, not checked here).
fn succeeds(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A project with one deno function `hello` whose index.ts holds `index_ts`.
fn deno_project(index_ts: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hoist.yaml",
        "project: demo\nfunctions:\n  hello:\n    runtime: deno\n",
    );
    write(dir.path(), "functions/hello/index.ts", index_ts);
    dir
}

#[test]
fn init_detects_supabase_and_plain_functions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "supabase/functions/auth/index.ts",
        "Deno.serve(() => new Response('a'))",
    );
    write(root, "supabase/functions/auth/import_map.json", "{}");
    write(
        root,
        "supabase/functions/_shared/cors.ts",
        "export const x = 1;",
    );
    write(
        root,
        "functions/api/package.json",
        r#"{"main": "server.js"}"#,
    );
    write(root, "functions/api/server.js", "require('http')");
    write(root, "functions/resize/pubspec.yaml", "name: resize");
    write(root, "functions/resize/bin/main.dart", "void main() {}");

    write(root, "supabase/functions/import_map.json", "{}");

    let out = hoist(root, &["init", "--name", "demo", "--output", "json"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let doc = ok(&out);
    // Shared code and a shared import map are no longer warned about: a
    // deno function's bundle holds what its module graph reaches.
    assert!(!err.contains("_shared"), "{err}");
    assert!(!err.contains("import_map.json is shared"), "{err}");
    let names: Vec<(&str, &str)> = doc["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["runtime"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("auth", "deno"), ("api", "node"), ("resize", "dart")]
    );

    let yaml = std::fs::read_to_string(root.join("hoist.yaml")).unwrap();
    assert!(yaml.contains("import_map: import_map.json"), "{yaml}");
    assert!(yaml.contains("entrypoint: server.js"), "{yaml}");
    assert!(yaml.starts_with("# hoist.yaml"), "the file is commented");

    // The written file is valid, and init refuses to overwrite it.
    ok(&hoist(root, &["config", "validate", "--output", "json"]));
    let again = hoist(root, &["init", "--name", "demo"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn new_scaffolds_every_runtime_and_registers_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    succeeds(&hoist(root, &["init", "--name", "demo"]));
    for runtime in ["deno", "bun", "node", "dart"] {
        let name = format!("fn-{runtime}");
        let doc = ok(&hoist(
            root,
            &["new", &name, "--runtime", runtime, "--output", "json"],
        ));
        assert_eq!(doc["runtime"], runtime);
        assert!(!doc["files"].as_array().unwrap().is_empty());
    }
    let doc = ok(&hoist(root, &["config", "show", "--output", "json"]));
    let names: Vec<&str> = doc["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fn-bun", "fn-dart", "fn-deno", "fn-node"]);
    let yaml = std::fs::read_to_string(root.join("hoist.yaml")).unwrap();
    assert!(
        yaml.contains("# Bundles larger than this"),
        "comments survive `hoist new`"
    );

    // A second `new` with the same name is refused and changes nothing.
    let before = std::fs::read(root.join("hoist.yaml")).unwrap();
    let out = hoist(root, &["new", "fn-bun", "--runtime", "bun"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(root.join("hoist.yaml")).unwrap(), before);

    // Every scaffold bundles and renders a Dockerfile.
    let built = ok(&hoist(root, &["build", "--output", "json"]));
    assert_eq!(built.as_array().unwrap().len(), 4);
    for b in built.as_array().unwrap() {
        let dockerfile = std::fs::read_to_string(b["dockerfile"].as_str().unwrap()).unwrap();
        assert!(dockerfile.contains("FROM "), "{dockerfile}");
        assert!(
            dockerfile.contains(b["version"].as_str().unwrap()),
            "{dockerfile}"
        );
    }
}

#[test]
fn bundle_is_reproducible_and_reported_as_json() {
    let dir = deno_project("Deno.serve(() => new Response('hi'))");
    let root = dir.path();
    write(root, "functions/hello/.env", "SECRET=1");
    let first = ok(&hoist(root, &["bundle", "--output", "json"]));
    let second = ok(&hoist(root, &["bundle", "--output", "json"]));
    assert_eq!(first[0]["digest"], second[0]["digest"]);
    let digest = first[0]["digest"].as_str().unwrap();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    let archive = root
        .join(".hoist/bundles/hello")
        .join(format!("{}.tar.gz", &digest[7..]));
    assert!(archive.is_file());
    // The archive lists the code and not the .env file.
    let list = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("index.ts") && !list.contains(".env"),
        "{list}"
    );

    // Text mode prints a table on stdout and progress on stderr.
    let out = hoist(root, &["bundle"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("FUNCTION"), "{stdout}");
    assert!(stdout.contains(&digest[7..]), "{stdout}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&digest[7..]));
}

#[test]
fn unchanged_functions_reuse_their_bundle_and_any_change_rebundles() {
    // A bun function: its bundle is its directory, so a new file counts
    // (a deno function's bundle is its module graph: tests/supabase.rs).
    let dir = deno_project("export const a = 'aaaa';\n");
    write(
        dir.path(),
        "hoist.yaml",
        "project: demo\nfunctions:\n  hello:\n    runtime: bun\n",
    );
    let root = dir.path();
    let bundle = |root: &Path| ok(&hoist(root, &["bundle", "--output", "json"]))[0].clone();

    // Files written less than 2 s ago are not trusted by the cache.
    let fresh = bundle(root);
    assert_eq!(fresh["cached"], false);
    assert_eq!(
        bundle(root)["cached"],
        false,
        "racy files must not be cached"
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let first = bundle(root);
    assert_eq!(first["cached"], false);
    assert_eq!(first["digest"], fresh["digest"]);
    let again = bundle(root);
    assert_eq!(again["cached"], true, "nothing changed: {again}");
    assert_eq!(again["digest"], first["digest"]);
    // The cache answered: nothing is announced as being bundled.
    let said = String::from_utf8_lossy(&hoist(root, &["bundle"]).stderr).to_string();
    assert!(
        said.contains("Cached hello (functions/hello): 1 file,"),
        "{said}"
    );
    assert!(
        !said.contains("Bundling") && !said.contains("Bundled"),
        "{said}"
    );

    // Same size, same mtime second: the content still counts.
    write(
        root,
        "functions/hello/index.ts",
        "export const a = 'bbbb';\n",
    );
    let changed = bundle(root);
    assert_eq!(changed["cached"], false);
    assert_ne!(changed["digest"], first["digest"]);

    // A new file, a newly ignored one and a disabled cache all bundle again.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(bundle(root)["cached"], false);
    assert_eq!(bundle(root)["cached"], true);
    write(root, "functions/hello/extra.ts", "export {};\n");
    let added = bundle(root);
    assert_eq!(added["cached"], false);
    assert_eq!(added["file_count"], 2);
    write(
        root,
        "functions/hello/.hoistignore",
        ".hoistignore\nextra.ts\n",
    );
    let ignored = bundle(root);
    assert_eq!(ignored["file_count"], 1);
    assert_eq!(ignored["digest"], changed["digest"]);
    let off = Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(root)
        .env("HOIST_BUNDLE_CACHE", "0")
        .env("CI", "true")
        .args(["bundle", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(ok(&off)[0]["cached"], false);

    // A deleted archive is rebuilt, not trusted from the cache record.
    let archive = root.join(".hoist/bundles/hello").join(format!(
        "{}.tar.gz",
        &changed["digest"].as_str().unwrap()[7..]
    ));
    std::fs::remove_file(&archive).unwrap();
    let rebuilt = bundle(root);
    assert_eq!(rebuilt["cached"], false);
    assert!(archive.is_file());
}

#[test]
fn config_show_masks_secret_looking_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "hoist.yaml",
        "project: demo\nfunctions:\n  hello:\n    runtime: deno\n    env:\n      API_TOKEN: ${HOIST_TEST_TOKEN}\n      LOG_LEVEL: debug\n",
    );
    write(root, "functions/hello/index.ts", "x");
    let out = Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(root)
        .env("HOIST_TEST_TOKEN", "tok-visible-nowhere")
        .args(["config", "show"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    support::leaks::assert_no_secret(&all, &["tok-visible-nowhere"]);
    assert!(
        all.contains("API_TOKEN: '****'") || all.contains("API_TOKEN: \"****\""),
        "{all}"
    );
    assert!(all.contains("LOG_LEVEL: debug"), "{all}");
}

#[test]
fn login_stores_a_token_that_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "fo1_super-secret-token-value";
    let run = |args: &[&str], stdin: &str| {
        Command::cargo_bin("hoist")
            .unwrap()
            .current_dir(dir.path())
            .env("HOIST_CREDENTIALS", "file")
            .env("HOIST_CONFIG_DIR", dir.path().join("cfg"))
            .env_remove("FLY_API_TOKEN")
            .env_remove("HOIST_TOKEN")
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    let out = run(
        &["login", "fly", "--token-stdin", "-vvv", "--output", "json"],
        &format!("{secret}\n"),
    );
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    support::leaks::assert_no_secret(&shown, &[secret]);
    let file = dir.path().join("cfg/credentials.json");
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(stored["fly"], secret);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let out = run(&["logout", "fly"], "");
    assert!(out.status.success());
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(stored.get("fly").is_none());

    // Without a terminal and without --token-stdin there is nothing to read.
    let out = run(&["login", "fly"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-stdin"));

    // S3 credentials must hold both keys; a malformed one is refused
    // without echoing it and without storing anything.
    let out = run(&["login", "s3", "--token-stdin"], "AKIAONLYTHEKEYID\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ACCESS_KEY_ID:SECRET_ACCESS_KEY"), "{err}");
    support::leaks::assert_no_secret(&err, &["AKIAONLYTHEKEYID"]);
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(stored.get("s3").is_none());
}

#[test]
fn completions_print_a_script_or_one_json_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = hoist(dir.path(), &["completions", "bash"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("_hoist()"));
    let doc = ok(&hoist(
        dir.path(),
        &["completions", "zsh", "--output", "json"],
    ));
    assert_eq!(doc["shell"], "zsh");
    assert!(doc["script"].as_str().unwrap().contains("#compdef hoist"));
}

#[test]
fn verbosity_and_output_come_from_the_environment_too() {
    let dir = deno_project("export {};\n");
    let root = dir.path();
    let run = |envs: &[(&str, &str)]| {
        let mut c = Command::cargo_bin("hoist").unwrap();
        c.current_dir(root).env("CI", "true").arg("bundle");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let loud = run(&[("HOIST_VERBOSE", "1")]);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("debug"));
    let quiet = run(&[("HOIST_QUIET", "1")]);
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    let json = run(&[("HOIST_OUTPUT", "json")]);
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc[0]["function"], "hello");
}

/// The commented key blocks of a hoist.yaml: runs of comment lines whose
/// text is a YAML key (`# url: x`, `#   fly: {…}`), as (first line, lines).
fn commented_examples(text: &str) -> Vec<(usize, usize)> {
    let is_key = |l: &str| {
        let Some(rest) = l.trim_start().strip_prefix('#') else {
            return false;
        };
        let body = rest.strip_prefix(' ').unwrap_or(rest).trim_start();
        let key: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        !key.is_empty() && body[key.len()..].starts_with(':')
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if is_key(lines[i]) {
            let start = i;
            while i < lines.len() && is_key(lines[i]) {
                i += 1;
            }
            out.push((start, i - start));
        } else {
            i += 1;
        }
    }
    out
}

/// `text` with the comment lines `start..start+n` uncommented.
fn uncomment(text: &str, start: usize, n: usize) -> String {
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        if (start..start + n).contains(&i) {
            let at = l.find('#').unwrap();
            let rest = &l[at + 1..];
            out.push_str(&l[..at]);
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    out
}

#[test]
fn every_commented_example_init_writes_parses_when_uncommented() {
    for with_function in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        if with_function {
            write(
                root,
                "functions/api/index.ts",
                "Deno.serve(() => new Response('a'))",
            );
        }
        succeeds(&hoist(root, &["init", "--name", "demo", "--yes"]));
        let text = std::fs::read_to_string(root.join("hoist.yaml")).unwrap();
        // The hello example only stands in for functions that were not found.
        assert_eq!(text.contains("hello"), !with_function, "{text}");
        write(
            root,
            "functions/hello/index.ts",
            "Deno.serve(() => new Response('h'))",
        );
        let blocks = commented_examples(&text);
        assert!(blocks.len() >= 5, "{blocks:?}\n{text}");
        for (start, n) in blocks {
            let edited = uncomment(&text, start, n);
            std::fs::write(root.join("hoist.yaml"), &edited).unwrap();
            let out = hoist(root, &["config", "validate"]);
            assert!(
                out.status.success(),
                "lines {}..{} uncommented:\n{edited}\n{}",
                start + 1,
                start + n,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn new_removes_the_hello_example_init_left() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    succeeds(&hoist(root, &["init", "--name", "demo", "--yes"]));
    succeeds(&hoist(root, &["new", "api", "--runtime", "bun"]));
    let text = std::fs::read_to_string(root.join("hoist.yaml")).unwrap();
    assert!(!text.contains("hello"), "{text}");
    assert!(text.contains("  api:\n    path: functions/api\n"), "{text}");
    succeeds(&hoist(root, &["config", "validate"]));
}

#[test]
fn login_says_where_the_token_went_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(dir.path())
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.path().join("cfg"))
        .env("NO_COLOR", "1")
        .args(["login", "fly", "--token-stdin"])
        .write_stdin("tok\n")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(said.contains("token stored in"), "{said}");
    assert!(said.contains("credentials.json (mode 0600)"), "{said}");
    assert!(
        said.contains("not in the OS keyring because HOIST_CREDENTIALS=file"),
        "{said}"
    );
}

/// Two dockerfile functions built from scratch: `good` copies files (the
/// native builder makes it), `bad` has a RUN and no external builder on PATH.
fn half_buildable() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "hoist.yaml",
        "project: demo\nfunctions:\n  bad:\n    runtime: dockerfile\n  good:\n    runtime: dockerfile\n",
    );
    write(
        root,
        "functions/good/Dockerfile",
        "FROM scratch\nCOPY . /app\n",
    );
    write(
        root,
        "functions/bad/Dockerfile",
        "FROM scratch\nCOPY . /app\nRUN [\"/bin/true\"]\n",
    );
    dir
}

fn hoist_no_builders(dir: &Path, args: &[&str]) -> std::process::Output {
    let empty = tempfile::tempdir().unwrap();
    Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(dir)
        .env_remove("HOIST_CONFIG")
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env("PATH", empty.path())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn one_failed_build_still_reports_the_others() {
    let dir = half_buildable();
    let out = hoist_no_builders(dir.path(), &["build"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let good = stdout
        .lines()
        .find(|l| l.starts_with("good "))
        .expect(&stdout);
    assert!(good.contains("sha256:"), "{stdout}");
    let bad = stdout
        .lines()
        .find(|l| l.starts_with("bad "))
        .expect(&stdout);
    assert!(bad.ends_with("failed"), "{stdout}");
    assert!(stderr.contains("error: bad: "), "{stderr}");
    assert!(stderr.contains("none is installed"), "{stderr}");
    assert!(
        stderr.contains("error: 1 of 2 functions failed to build: bad"),
        "{stderr}"
    );

    let out = hoist_no_builders(dir.path(), &["build", "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = doc.as_array().expect("one JSON array");
    assert_eq!(all.len(), 2, "{doc}");
    assert_eq!(all[0]["function"], "bad");
    assert_eq!(all[0]["error"]["exit_code"], 1);
    assert!(all[1]["image"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn versions_of_every_function_and_pull_latest() {
    let dir = half_buildable();
    let root = dir.path();
    std::fs::remove_dir_all(root.join("functions/bad")).unwrap();
    write(
        root,
        "hoist.yaml",
        "project: demo\nfunctions:\n  good:\n    runtime: dockerfile\n  other:\n    runtime: dockerfile\n    path: functions/good\n    version: v1\n",
    );
    ok(&hoist(root, &["push", "--output", "json"]));
    let doc = ok(&hoist(root, &["versions", "--output", "json"]));
    let all = doc.as_array().expect("a list, one entry per function");
    let names: Vec<&str> = all
        .iter()
        .map(|d| d["function"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["good", "other"]);
    assert_eq!(all[1]["versions"][0]["version"], "v1");
    let table = String::from_utf8_lossy(&hoist(root, &["versions"]).stdout).to_string();
    assert!(table.starts_with("FUNCTION"), "{table}");
    assert!(table.contains("other") && table.contains("v1"), "{table}");

    let pulled = ok(&hoist(
        root,
        &["pull", "other", "latest", "--output", "json"],
    ));
    assert_eq!(pulled["version"], "v1");
    assert!(root.join("other-v1.tar.gz").is_file());
    let none = hoist(root, &["pull", "nope", "latest"]);
    assert_ne!(none.status.code(), Some(0));
}

#[test]
fn a_node_function_starts_from_its_root_without_a_build_step() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    succeeds(&hoist(root, &["init", "--name", "demo", "--yes"]));
    succeeds(&hoist(root, &["new", "api", "--runtime", "node"]));
    assert!(root.join("functions/api/index.js").is_file());
    assert!(!root.join("functions/api/dist").exists());
    let doc = ok(&hoist(root, &["config", "show", "--output", "json"]));
    assert_eq!(doc["functions"][0]["entrypoint"], "index.js");
    // `src/index.js` works without saying so.
    write(root, "functions/web/package.json", "{\"name\": \"web\"}");
    write(root, "functions/web/src/index.js", "import 'node:http';\n");
    write(
        root,
        "hoist.yaml",
        "project: demo\nfunctions:\n  web:\n    runtime: node\n",
    );
    let doc = ok(&hoist(root, &["config", "show", "--output", "json"]));
    assert_eq!(doc["functions"][0]["entrypoint"], "src/index.js");
}
