//! The CLI end to end on bad input: every case gives a clear message naming
//! the file and line, a stable exit code, and leaves nothing in .hoist/.

use crate::support;

use assert_cmd::Command;
use support::project::Project;

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

const OK: &str =
    "project: demo\nfunctions:\n  hello:\n    path: functions/hello\n    runtime: deno\n";

/// The directory-walk cases use a bun function: deno functions bundle
/// their module graph instead (tests/supabase.rs).
fn dir_project() -> Project {
    let p = Project::new(&OK.replace("runtime: deno", "runtime: bun"));
    p.file(
        "functions/hello/index.ts",
        "Bun.serve({ fetch: () => new Response('hi') });\n",
    );
    p
}

fn ok_project() -> Project {
    let p = Project::new(OK);
    p.file(
        "functions/hello/index.ts",
        "Deno.serve(() => new Response('hi'));\n",
    );
    p
}

/// Run `bundle` on a bad project: exit `code`, stderr contains each needle,
/// nothing left in .hoist/.
fn fails(p: &Project, args: &[&str], code: i32, needles: &[&str]) {
    let a = p.hoist(args);
    let err = stderr(&a);
    assert_eq!(a.get_output().status.code(), Some(code), "stderr:\n{err}");
    assert!(
        err.starts_with("error: ") || err.contains("\nerror: "),
        "stderr:\n{err}"
    );
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in stderr:\n{err}");
    }
    assert!(
        a.get_output().stdout.is_empty(),
        "stdout must stay empty on error"
    );
    assert!(
        p.state_files().is_empty(),
        "left behind: {:?}",
        p.state_files()
    );
}

#[test]
fn no_config_found() {
    let dir = tempfile::tempdir().unwrap();
    let a = Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("HOIST_CONFIG")
        .args(["bundle"])
        .assert();
    let err = stderr(&a);
    assert_eq!(a.get_output().status.code(), Some(2));
    assert!(err.contains("no hoist.yaml found"), "{err}");
    assert!(err.contains("hint: run `hoist init`"), "{err}");
}

#[test]
fn malformed_yaml_reports_line_and_column() {
    let p = Project::new("project: demo\nfunctions:\n  hello:\n    path: \"unclosed\n");
    fails(
        &p,
        &["bundle"],
        2,
        &[
            "hoist.yaml:5:1",
            "end of stream",
            "hint: check the YAML syntax",
        ],
    );
}

#[test]
fn unknown_key_suggests_the_nearest() {
    let p = ok_project();
    p.file(
        "hoist.yaml",
        &OK.replace("runtime: deno", "runtime: deno\n    entrypiont: index.ts"),
    );
    fails(
        &p,
        &["bundle"],
        2,
        &[
            "hoist.yaml:6:5",
            "unknown key `entrypiont` in functions.hello",
            "hint: did you mean the key `entrypoint`?",
        ],
    );
}

#[test]
fn wrong_type_names_the_key() {
    let p = ok_project();
    p.file("hoist.yaml", &format!("{OK}bundle:\n  limit_mb: lots\n"));
    fails(
        &p,
        &["bundle"],
        2,
        &["hoist.yaml:7:13", "bundle.limit_mb", "expected u64"],
    );
}

#[test]
fn duplicate_function_name() {
    let p = ok_project();
    p.file("hoist.yaml", &format!("{OK}  hello:\n    runtime: bun\n"));
    fails(
        &p,
        &["bundle"],
        2,
        &["hoist.yaml:6:3", "duplicate key `hello`"],
    );
}

#[test]
fn function_name_must_start_with_a_letter() {
    let p = ok_project();
    p.file("hoist.yaml", &OK.replace("  hello:", "  _hello:"));
    fails(
        &p,
        &["bundle"],
        2,
        &["hoist.yaml:3:3", "`_hello` is not a valid function name"],
    );
}

#[test]
fn unknown_runtime_suggests_one() {
    let p = ok_project();
    p.file(
        "hoist.yaml",
        &OK.replace("runtime: deno", "runtime: nodejs"),
    );
    fails(
        &p,
        &["bundle"],
        2,
        &["hoist.yaml:5:14", "unknown value `nodejs`", "`node`"],
    );
}

#[test]
fn missing_function_dir() {
    let p = Project::new(OK);
    fails(
        &p,
        &["bundle"],
        2,
        &["hoist.yaml:4:5", "functions/hello does not exist"],
    );
}

#[test]
fn missing_entrypoint() {
    let p = Project::new(&OK.replace("runtime: deno", "runtime: deno\n    entrypoint: main.ts"));
    p.file("functions/hello/index.ts", "x");
    fails(
        &p,
        &["bundle"],
        2,
        &["hoist.yaml:6:5", "entrypoint main.ts not found"],
    );
}

#[test]
fn empty_function_dir() {
    let p = Project::new(OK);
    std::fs::create_dir_all(p.path().join("functions/hello")).unwrap();
    fails(&p, &["bundle"], 2, &["functions/hello is empty"]);
}

#[test]
fn unset_variable_in_env() {
    let p = ok_project();
    p.file(
        "hoist.yaml",
        &format!("{OK}    env:\n      DATABASE_URL: postgres://${{HOIST_TEST_SURELY_UNSET}}/db\n"),
    );
    fails(
        &p,
        &["bundle"],
        2,
        &[
            "hoist.yaml:7:7",
            "${HOIST_TEST_SURELY_UNSET}",
            "not set in the environment",
        ],
    );
}

#[test]
fn symlink_escaping_the_function_dir() {
    let p = dir_project();
    p.file("secret.txt", "do not ship");
    std::os::unix::fs::symlink("../../secret.txt", p.path().join("functions/hello/link")).unwrap();
    fails(&p, &["bundle"], 2, &["functions/hello/link", "outside"]);
}

#[test]
fn unreadable_file_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let p = dir_project();
    let locked = p.path().join("functions/hello/locked.txt");
    std::fs::write(&locked, "no").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads mode-000 files; drop the capabilities that allow it (util-linux
    // setpriv), so the check also runs as root, as in CI.
    let bin = assert_cmd::cargo::cargo_bin("hoist");
    let root = std::fs::File::open(&locked).is_ok();
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--bounding-set", "-dac_override,-dac_read_search"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .current_dir(p.path())
        .env_remove("HOIST_CONFIG")
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .arg("bundle")
        .output()
        .expect("setpriv (util-linux) runs hoist without the capability to read any file");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{err}");
    assert!(err.contains("error: cannot read"), "{err}");
    assert!(err.contains("functions/hello/locked.txt"), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        p.state_files().is_empty(),
        "left behind: {:?}",
        p.state_files()
    );
}

#[test]
fn credentials_in_urls_are_refused_without_being_repeated() {
    let p = ok_project();
    p.file(
        "hoist.yaml",
        &format!(
            "{OK}storage:\n  backend: s3\n  s3:\n    bucket: art\n    endpoint: https://ak:TOPSECRETPW@s3.example.com\nregistry:\n  url: alice:hunter2pw@registry.example.com/team\n"
        ),
    );
    for cmd in [
        &["config", "validate"][..],
        &["config", "show"],
        &["bundle"],
        &["bundle", "-vv"],
        &["build", "-vv"],
    ] {
        let a = p.hoist(cmd);
        let err = stderr(&a);
        let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
        assert_eq!(a.get_output().status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains("storage.s3.endpoint holds credentials")
                || out.contains("storage.s3.endpoint holds credentials"),
            "{err}{out}"
        );
        assert!(
            err.contains("registry.url holds credentials")
                || out.contains("registry.url holds credentials"),
            "{err}{out}"
        );
        // Neither password, nor the user:password a Basic header carries.
        support::leaks::assert_no_secret(
            &format!("{err}{out}"),
            &[
                "TOPSECRETPW",
                "ak:TOPSECRETPW",
                "hunter2pw",
                "alice:hunter2pw",
            ],
        );
    }
}

#[test]
fn a_deno_module_left_out_by_an_ignore_rule_is_an_error() {
    let p = ok_project();
    p.file(".hoistignore", "*.ts\n");
    fails(
        &p,
        &["bundle"],
        2,
        &["functions/hello/index.ts", "ignore rule"],
    );
}

#[test]
fn an_entrypoint_left_out_by_an_ignore_rule_is_an_error() {
    let p = dir_project();
    p.file(".gitignore", "*.ts\n");
    fails(
        &p,
        &["bundle"],
        2,
        &[
            "functions/hello/index.ts is left out of the bundle by an ignore rule",
            "!/index.ts",
        ],
    );
}

#[test]
fn ignore_files_above_the_project_do_not_change_bundles() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join(".gitignore"), "*.ts\nextra.txt\n").unwrap();
    let root = outer.path().join("proj");
    std::fs::create_dir_all(root.join("functions/hello")).unwrap();
    std::fs::write(
        root.join("hoist.yaml"),
        OK.replace("runtime: deno", "runtime: bun"),
    )
    .unwrap();
    std::fs::write(root.join("functions/hello/index.ts"), "export {};\n").unwrap();
    std::fs::write(root.join("functions/hello/extra.txt"), "x").unwrap();
    std::fs::write(root.join("functions/hello/drop.md"), "x").unwrap();
    // The project's own .gitignore, between the root and the function, counts.
    std::fs::write(root.join(".gitignore"), "drop.md\n").unwrap();
    let out = Command::cargo_bin("hoist")
        .unwrap()
        .current_dir(&root)
        .env("CI", "true")
        .args(["bundle", "--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(doc[0]["manifest"].as_str().unwrap()).unwrap())
            .unwrap();
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["extra.txt", "index.ts"]);
}

#[test]
fn new_refuses_to_scaffold_outside_the_project() {
    let p = ok_project();
    fails(
        &p,
        &["new", "x", "--runtime", "bun", "--path", "../x"],
        2,
        &["leaves the project"],
    );
    assert!(!p.path().join("../x").exists());
}

#[test]
fn bundle_over_the_size_limit() {
    let p = dir_project();
    p.file(
        "hoist.yaml",
        &format!(
            "{}bundle:\n  limit_mb: 1\n",
            OK.replace("runtime: deno", "runtime: bun")
        ),
    );
    // 3 MiB that do not compress.
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let bytes: Vec<u8> = (0..3 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(p.path().join("functions/hello/blob.bin"), bytes).unwrap();
    fails(&p, &["bundle"], 2, &["hello", "limit", "limit_mb"]);
}

#[test]
fn unknown_function_on_the_command_line() {
    let p = ok_project();
    fails(
        &p,
        &["bundle", "helo"],
        2,
        &["no function named `helo`", "did you mean `hello`?"],
    );
}

#[test]
fn template_override_that_fails_to_render_reports_its_line() {
    let p = ok_project();
    p.file("hoist.yaml", &format!("{OK}templates: tpl\n"));
    p.file(
        "tpl/deno.Dockerfile.j2",
        "FROM scratch\n# ok line\nCOPY {{ no_such_variable }} /app\n",
    );
    fails(
        &p,
        &["build"],
        2,
        &["tpl/deno.Dockerfile.j2:3:", "undefined", "no_such_variable"],
    );
}

#[test]
fn validate_lists_every_problem() {
    let p = Project::new(
        "project: demo\nfunctions:\n  a:\n    runtime: deno\n  b:\n    runtime: bun\n    env:\n      X: ${HOIST_TEST_SURELY_UNSET}\n",
    );
    let a = p.hoist(&["config", "validate"]);
    let err = stderr(&a);
    assert_eq!(a.get_output().status.code(), Some(2), "{err}");
    assert!(err.contains("hoist.yaml:3:3: function `a`"), "{err}");
    assert!(err.contains("hoist.yaml:5:3: function `b`"), "{err}");

    let a = p.hoist(&["config", "validate", "--output", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["problems"].as_array().unwrap().len(), 2);
    assert_eq!(doc["problems"][0]["line"], 3);
}

#[test]
fn validate_reports_problems_of_every_kind_at_once() {
    // An unknown key, a value of the wrong type, a missing directory and a
    // bad project name: all four, each once, with its line.
    let p = Project::new(
        "project: Demo\nfunctions:\n  a:\n    runtime: deno\n    memroy: 3\n  b:\n    runtime: bun\n    port: lots\n  c:\n    runtime: deno\nbundle:\n  limt_mb: 3\n",
    );
    p.file(
        "functions/a/index.ts",
        "Deno.serve(() => new Response('a'));\n",
    );
    let a = p.hoist(&["config", "validate"]);
    let err = stderr(&a);
    assert_eq!(a.get_output().status.code(), Some(2), "{err}");
    for needle in [
        "hoist.yaml:1:",
        "hoist.yaml:5:5: unknown key `memroy` in functions.a",
        "hoist.yaml:8:",
        "invalid type",
        "hoist.yaml:9:3: function `c`: directory functions/c does not exist",
        "hoist.yaml:12:3: unknown key `limt_mb` in bundle (did you mean the key `limit_mb`?)",
    ] {
        assert!(err.contains(needle), "{needle}\n{err}");
    }
    // The hint never repeats the message: the list of keys is in one place.
    let line = err.lines().find(|l| l.contains("`memroy`")).unwrap();
    assert_eq!(line.matches("health_path").count(), 1, "{line}");
    assert!(!err.contains("unknown field"), "{err}");
    let a = p.hoist(&["config", "validate", "--output", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(doc["problems"].as_array().unwrap().len(), 5, "{doc}");
}

#[test]
fn usage_errors_exit_2() {
    let p = ok_project();
    let a = p.hoist(&["bundle", "--output", "yaml"]);
    assert_eq!(a.get_output().status.code(), Some(2));
}

#[test]
fn readme_first_commands_leave_the_shell_where_it_was() {
    // The README's first block is pasted whole from the repository root:
    // each command runs in a subshell, and what it names exists from there.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    let commands: Vec<&str> = block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(commands.len(), 2, "{block}");
    for c in &commands {
        assert!(
            c.starts_with('(') && c.ends_with(')'),
            "not a subshell: {c}"
        );
    }
    assert!(commands[0].starts_with("(./install.sh && cd examples/hello"));
    for path in ["install.sh", "examples/hello/hoist.yaml", ".ci/test.sh"] {
        assert!(root.join(path).is_file(), "{path}");
    }
    assert_eq!(commands[1], "(bash .ci/test.sh)");
}
