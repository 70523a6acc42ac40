//! hoist.yaml written by a hostile or careless hand: paths that leave the
//! project, out-of-range values, alias bombs, huge and deeply broken files,
//! secret-looking files. Each case runs the real `hoist` binary and expects
//! exit 2, an `error:` line naming the file, line and value, and nothing
//! written under .hoist/.

use crate::support;

use std::path::PathBuf;

use support::project::Project;

/// A project with hoist.yaml `yaml` and a deno function `hello`.
fn project(yaml: &str) -> Project {
    let p = Project::new(yaml);
    p.file(
        "functions/hello/index.ts",
        "Deno.serve(() => new Response('hi'));\n",
    );
    p
}

/// `args` on `p`: exit 2, an `error:` line holding every needle, empty
/// stdout, nothing under .hoist/. Returns stderr.
fn refused(p: &Project, args: &[&str], needles: &[&str]) -> String {
    let a = p.hoist(args);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert_eq!(a.get_output().status.code(), Some(2), "stderr:\n{err}");
    let error_line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error: line in\n{err}"));
    assert!(error_line.contains("hoist.yaml"), "stderr:\n{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in stderr:\n{err}");
    }
    assert!(
        a.get_output().stdout.is_empty(),
        "stdout: {:?}",
        a.get_output().stdout
    );
    assert!(
        p.state_files().is_empty(),
        "left behind: {:?}",
        p.state_files()
    );
    err
}

const HEAD: &str =
    "project: demo\nfunctions:\n  hello:\n    path: functions/hello\n    runtime: deno\n";

/// A valid project with `extra` appended to the function `hello` (line 6 on).
fn with_function_keys(extra: &str) -> Project {
    project(&format!("{HEAD}{extra}"))
}

#[test]
fn an_absolute_entrypoint_is_refused_by_every_command() {
    let p = project(
        "project: demo\nfunctions:\n  hello:\n    path: functions/hello\n    runtime: dockerfile\n    entrypoint: /etc/passwd\n",
    );
    p.file("functions/hello/Dockerfile", "FROM scratch\n");
    for args in [
        &["config", "validate"][..],
        &["bundle"],
        &["build"],
        &["push"],
    ] {
        refused(&p, args, &["hoist.yaml:6", "`/etc/passwd` is absolute"]);
    }
    assert!(!p.path().join(".hoist/build").exists());
}

#[test]
fn an_entrypoint_going_up_is_refused() {
    let p = with_function_keys("    entrypoint: ../../hoist.yaml\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`../../hoist.yaml` goes up"],
    );
    refused(&p, &["bundle"], &["hoist.yaml:6"]);
}

#[test]
fn an_absolute_or_escaping_import_map_is_refused() {
    let p = with_function_keys("    import_map: /etc/hosts\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`/etc/hosts` is absolute"],
    );
    // Up is fine while it stays in the project (a shared import map).
    let p = with_function_keys("    import_map: ../../../x.json\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`../../../x.json` is outside the project"],
    );
}

#[test]
fn globs_going_up_are_refused() {
    let p = with_function_keys("    include: [\"src/**\", \"../other/**\"]\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`../other/**` goes up"],
    );
    let p = with_function_keys("    exclude:\n      - ../../**\n");
    refused(&p, &["bundle"], &["hoist.yaml:6", "`../../**` goes up"]);
}

#[test]
fn templates_outside_the_project_are_refused() {
    let p = project(&format!("{HEAD}templates: /etc\n"));
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`/etc` is absolute"],
    );
    let p = project(&format!("{HEAD}templates: ../t\n"));
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`../t` goes up"],
    );
}

#[test]
fn store_and_layout_may_be_absolute_but_not_climb_out() {
    let p = project(&format!("{HEAD}storage:\n  path: ../store\n"));
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:7", "storage.path `../store` goes up"],
    );
    let p = project(&format!("{HEAD}registry:\n  layout: oci/../../x\n"));
    refused(
        &p,
        &["bundle"],
        &["hoist.yaml:7", "registry.layout `oci/../../x` goes up"],
    );
    let abs = tempfile::tempdir().unwrap();
    let p = project(&format!(
        "{HEAD}storage:\n  path: {}\n",
        abs.path().join("store").display()
    ));
    p.hoist(&["config", "validate"]).success();
}

#[test]
fn port_zero_is_refused() {
    let p = with_function_keys("    port: 0\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "port must be between 1 and 65535"],
    );
}

#[test]
fn version_index_json_is_refused_before_anything_is_stored() {
    let p = with_function_keys("    version: index.json\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "`index.json`"],
    );
    refused(&p, &["push"], &["hoist.yaml:6", "`index.json`"]);
}

#[test]
fn a_missing_templates_dir_is_refused() {
    let p = project(&format!("{HEAD}templates: my-templates\n"));
    refused(
        &p,
        &["config", "validate"],
        &[
            "hoist.yaml:6",
            "templates directory my-templates does not exist",
        ],
    );
}

#[test]
fn an_invalid_glob_is_refused_at_validate() {
    let p = with_function_keys("    include: [\"[\"]\n");
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:6", "invalid include glob `[`"],
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let p = project(&format!("\u{feff}{HEAD}"));
    p.hoist(&["config", "validate"]).success();
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    let big = "X".repeat(500_000);
    let p = project(&format!("project: {big}\nfunctions: {{}}\n"));
    let err = refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:1", "is not a DNS label", "…"],
    );
    assert!(err.len() < 2_000, "stderr is {} bytes", err.len());
}

#[test]
fn an_alias_bomb_is_refused() {
    let big = "x".repeat(1 << 20);
    let refs = vec!["*s"; 1000].join(", ");
    // Written with a short anchor line: over the 1 MiB limit this would be
    // refused for its size, so the anchored value stays just under it.
    let anchored = &big[..1_000_000];
    let p = project(&format!(
        "project: demo\nx: &s {anchored}\nfunctions:\n  hello:\n    path: functions/hello\n    runtime: deno\n    include: [{refs}]\n"
    ));
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:7", "alias `*s`", "does not accept YAML aliases"],
    );
    let p = project(&format!("{HEAD}    env: {{A: &a \"1\", B: *a}}\n"));
    refused(&p, &["bundle"], &["hoist.yaml:6", "alias `*a`"]);
}

#[test]
fn a_file_over_one_mib_is_refused() {
    let p = project(&format!("{HEAD}# {}\n", "x".repeat(1 << 20)));
    refused(&p, &["config", "validate"], &["larger than 1 MiB"]);
}

#[test]
fn unclosed_brackets_are_refused() {
    let p = project(&format!(
        "project: demo\nfunctions: {}",
        "[".repeat(200_000)
    ));
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:2", "nested more than 64 deep"],
    );
    let p = project(&format!(
        "project: demo\nfunctions: {}",
        "{a: ".repeat(20_000)
    ));
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:2", "nested more than 64 deep"],
    );
}

#[test]
fn fifty_thousand_env_keys_finish() {
    let mut yaml = format!("{HEAD}    env:\n");
    for i in 0..50_000 {
        yaml.push_str(&format!("      K{i}: \"v\"\n"));
    }
    let p = project(&yaml);
    p.hoist(&["config", "validate"]).success();
    // The same key twice is still found, on its line.
    yaml.push_str("      K7: \"w\"\n");
    let p = project(&yaml);
    refused(
        &p,
        &["config", "validate"],
        &["hoist.yaml:50007", "duplicate key `K7`"],
    );
}

#[test]
fn secret_names_in_any_case_are_not_bundled_by_the_binary() {
    use std::io::Read;
    // A bun function: its bundle is its directory walk (a deno function's is
    // its module graph, which refuses a reached secret: tests/supabase.rs).
    let p = project(&HEAD.replace("runtime: deno", "runtime: bun"));
    for f in [".ENV", "server.PEM", "prod.env", "deploy_key"] {
        p.file(&format!("functions/hello/{f}"), "SECRET=1\n");
    }
    p.hoist(&["bundle"]).success();
    let archives: Vec<PathBuf> = p
        .state_files()
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&std::fs::read(&archives[0]).unwrap()[..])
        .read_to_end(&mut raw)
        .unwrap();
    let mut names = Vec::new();
    for e in tar::Archive::new(&raw[..]).entries().unwrap() {
        names.push(e.unwrap().path().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(names, ["index.ts"]);
}
