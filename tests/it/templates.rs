//! Dockerfile templates end to end: a project loaded from a real hoist.yaml,
//! rendered with a fixed context and compared byte for byte with
//! tests/golden/<runtime>.Dockerfile (`UPDATE_GOLDEN=1` rewrites them), plus
//! the override order, error reporting, pinning and determinism rules.

use std::path::{Path, PathBuf};

use hoist::error::{exit_code, Exit};
use hoist_core::config::{Project, Runtime};
use hoist_core::image::{self, RenderContext, Rendered, TemplateSource};

const RUNTIMES: [Runtime; 4] = [Runtime::Deno, Runtime::Bun, Runtime::Node, Runtime::Dart];

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(yaml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hoist.yaml"), yaml).unwrap();
        Fixture { dir }
    }

    /// A project with one function `hello` of `runtime`, scaffolded the way
    /// `hoist new` does it, and `extra` lines appended under it.
    fn scaffolded(runtime: Runtime, extra: &str) -> Self {
        let f = Fixture::new(&format!(
            "project: demo\nfunctions:\n  hello:\n    runtime: {}\n{extra}",
            runtime.as_str()
        ));
        for (path, text) in image::scaffold_files(runtime) {
            f.file(
                &format!("functions/hello/{path}"),
                &image::render_scaffold(text, "hello").unwrap(),
            );
        }
        f
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self, rel: &str, text: &str) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    fn project(&self) -> Project {
        hoist_core::config::load(
            &self.path().join("hoist.yaml"),
            &hoist_core::env::Env::default(),
        )
        .unwrap_or_else(|e| panic!("{}", hoist::error::render(&e, false)))
    }

    fn render(&self) -> anyhow::Result<Rendered> {
        let project = self.project();
        image::render(&project, &project.functions[0], &ctx())
    }

    fn rendered(&self) -> Rendered {
        self.render()
            .unwrap_or_else(|e| panic!("{}", hoist::error::render(&e, false)))
    }

    /// The error loading hoist.yaml and selecting its functions (a broken
    /// function is set apart when the file loads, and refused when a
    /// command takes it), which must be a usage error, as the user sees it.
    fn load_error(&self) -> String {
        let loaded = hoist_core::config::load(
            &self.path().join("hoist.yaml"),
            &hoist_core::env::Env::default(),
        );
        let err = match loaded.and_then(|p| p.select(&[]).map(|_| ())) {
            Ok(_) => panic!("expected hoist.yaml to be refused"),
            Err(e) => e,
        };
        assert_eq!(exit_code(&err), Exit::Usage, "{err:#}");
        hoist::error::render(&err, false)
    }

    /// The rendering error, which must be a usage error, as the user sees it.
    fn usage_error(&self) -> String {
        let err = match self.render() {
            Ok(r) => panic!("expected an error, got:\n{}", r.text),
            Err(e) => e,
        };
        assert_eq!(exit_code(&err), Exit::Usage, "{err:#}");
        hoist::error::render(&err, false)
    }
}

fn ctx() -> RenderContext {
    RenderContext {
        app_version: "1.4.0".into(),
        revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
        created: "2026-01-02T03:04:05Z".into(),
        source: Some("https://git.example.com/acme/demo.git".into()),
        context_dir: "app".into(),
    }
}

fn golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "UPDATE_GOLDEN is refused under CI: golden files are rewritten by hand and committed"
        );
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run `UPDATE_GOLDEN=1 cargo test --test it templates::`",
            path.display()
        )
    });
    assert!(
        actual == expected,
        "{} differs (UPDATE_GOLDEN=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// Values that exercise quoting: quotes, `$`, backslashes, spaces.
const ENV: &str = "    env:\n      LOG_LEVEL: info\n      GREETING: 'say \"hi\" to $USER \\o/'\n";

#[test]
fn golden_dockerfiles() {
    for runtime in RUNTIMES {
        let f = Fixture::scaffolded(runtime, ENV);
        let r = f.rendered();
        assert_eq!(r.source, TemplateSource::Builtin(runtime));
        assert_eq!(r.context_root, "");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        golden(&format!("{}.Dockerfile", runtime.as_str()), &r.text);
    }
}

#[test]
fn rendered_dockerfiles_carry_version_labels_env_and_port() {
    for runtime in RUNTIMES {
        let f = Fixture::scaffolded(runtime, &format!("    port: 9090\n{ENV}"));
        let text = f.rendered().text;
        let base = image::default_base_image(runtime).unwrap();
        assert!(text.contains(&format!("FROM {base}")), "{text}");
        for needle in [
            "ARG APP_VERSION=\"1.4.0\"\n",
            "ENV VERSION=$APP_VERSION\n",
            "LABEL org.opencontainers.image.version=\"1.4.0\"\n",
            "LABEL org.opencontainers.image.title=\"hello\"\n",
            "LABEL org.opencontainers.image.created=\"2026-01-02T03:04:05Z\"\n",
            "LABEL org.opencontainers.image.revision=\"0123456789abcdef0123456789abcdef01234567\"\n",
            "LABEL org.opencontainers.image.source=\"https://git.example.com/acme/demo.git\"\n",
            "ENV GREETING=\"say \\\"hi\\\" to \\$USER \\\\o/\"\n",
            "ENV LOG_LEVEL=\"info\"\n",
            "EXPOSE 9090\n",
        ] {
            assert!(text.contains(needle), "{runtime:?} lacks {needle:?}:\n{text}");
        }
        // Sorted env: GREETING before LOG_LEVEL.
        assert!(text.find("ENV GREETING").unwrap() < text.find("ENV LOG_LEVEL").unwrap());
        assert!(!text.contains("{{") && !text.contains("{%"), "{text}");
    }
}

#[test]
fn optional_labels_are_left_out_when_unknown() {
    let f = Fixture::scaffolded(Runtime::Node, "");
    let project = f.project();
    let ctx = RenderContext {
        revision: None,
        source: None,
        ..ctx()
    };
    let text = image::render(&project, &project.functions[0], &ctx)
        .unwrap()
        .text;
    assert!(!text.contains("image.revision"), "{text}");
    assert!(!text.contains("image.source"), "{text}");
    assert!(text.contains("image.created"), "{text}");
}

#[test]
fn deno_and_bun_templates_have_no_run_instruction() {
    for runtime in [Runtime::Deno, Runtime::Bun, Runtime::Node] {
        let text = Fixture::scaffolded(runtime, ENV).rendered().text;
        let runs: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().to_ascii_uppercase().starts_with("RUN"))
            .collect();
        assert!(runs.is_empty(), "{runtime:?}: {runs:?}");
    }
    let dart = Fixture::scaffolded(Runtime::Dart, "").rendered().text;
    assert!(dart.contains("\nRUN dart pub get\n"), "{dart}");
}

#[test]
fn output_is_deterministic() {
    let a = Fixture::scaffolded(
        Runtime::Bun,
        "    env:\n      ZED: z\n      ALPHA: a\n      MID: m\n",
    );
    let b = Fixture::scaffolded(
        Runtime::Bun,
        "    env:\n      MID: m\n      ALPHA: a\n      ZED: z\n",
    );
    let first = a.rendered().text;
    assert_eq!(first, a.rendered().text);
    assert_eq!(first, b.rendered().text);
    let order: Vec<&str> = first.lines().filter(|l| l.starts_with("ENV ")).collect();
    let pos = |k: &str| order.iter().position(|l| l.starts_with(k)).unwrap();
    assert!(pos("ENV ALPHA") < pos("ENV MID") && pos("ENV MID") < pos("ENV ZED"));
}

#[test]
fn digest_pinned_base_image_passes_through() {
    let digest = "node@sha256:4a1c6a5f21c2c2a8c3d1f0f5f5e8b0c0d4e5f60718293a4b5c6d7e8f90a1b2c3";
    let f = Fixture::scaffolded(Runtime::Node, &format!("    base_image: {digest}\n"));
    let project = f.project();
    assert!(project.warnings.is_empty());
    assert_eq!(
        image::base_image_for(&project, &project.functions[0]),
        digest
    );
    let r = f.rendered();
    assert!(r.text.contains(&format!("\nFROM {digest}\n")), "{}", r.text);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn defaults_base_images_apply_per_runtime() {
    let f = Fixture::new(
        "project: demo\ndefaults:\n  base_images:\n    dart: registry.example.com/dart:3.8.1\n\
         functions:\n  hello:\n    runtime: dart\n",
    );
    for (path, text) in image::scaffold_files(Runtime::Dart) {
        f.file(
            &format!("functions/hello/{path}"),
            &image::render_scaffold(text, "hello").unwrap(),
        );
    }
    let text = f.rendered().text;
    assert!(
        text.contains("FROM registry.example.com/dart:3.8.1 AS build\n"),
        "{text}"
    );
    assert!(text.contains("\nFROM scratch\n"), "{text}");
}

#[test]
fn project_templates_dir_overrides_the_builtin() {
    let f = Fixture::scaffolded(Runtime::Node, ENV);
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: docker\n{yaml}"));
    f.file(
        "docker/node.Dockerfile.j2",
        "FROM {{ base_image }}\nCOPY {{ context_dir }}/ /srv/\n\
         {% for k, v in env|dictsort %}\nENV {{ k }}={{ v|quote }}\n{% endfor %}\n\
         CMD {{ [\"node\", entrypoint]|exec_form }}\n",
    );
    let r = f.rendered();
    assert_eq!(
        r.source,
        TemplateSource::Project(PathBuf::from("docker/node.Dockerfile.j2"))
    );
    assert_eq!(
        r.text,
        "FROM node:20.19.4-bookworm-slim\nCOPY app/ /srv/\n\
         ENV GREETING=\"say \\\"hi\\\" to \\$USER \\\\o/\"\nENV LOG_LEVEL=\"info\"\n\
         CMD [\"node\", \"index.js\"]\n"
    );
}

#[test]
fn runtimes_without_an_override_keep_the_builtin() {
    let f = Fixture::scaffolded(Runtime::Deno, "");
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: templates\n{yaml}"));
    f.file("templates/node.Dockerfile.j2", "FROM nothing-to-see\n");
    assert_eq!(f.rendered().source, TemplateSource::Builtin(Runtime::Deno));
}

#[test]
fn missing_templates_dir_is_a_usage_error() {
    let f = Fixture::scaffolded(Runtime::Deno, "");
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: nowhere\n{yaml}"));
    // Refused when hoist.yaml is loaded, before anything is rendered.
    let msg = f.load_error();
    assert!(msg.contains("templates directory nowhere"), "{msg}");
    assert!(msg.contains("hint:"), "{msg}");
}

#[test]
fn function_dockerfile_is_used_verbatim() {
    let f = Fixture::scaffolded(Runtime::Deno, "");
    let own = "FROM denoland/deno:2.1.4\nCOPY . /app\nCMD [\"deno\", \"run\", \"-A\", \"/app/index.ts\"]\n";
    f.file("functions/hello/Dockerfile", own);
    let r = f.rendered();
    assert_eq!(r.text, own);
    assert_eq!(
        r.source,
        TemplateSource::Function(PathBuf::from("functions/hello/Dockerfile"))
    );
    // Written against the function directory: the bundle is its context.
    assert_eq!(r.context_root, "app");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn function_dockerfile_wins_over_project_templates_and_warns_on_moving_tags() {
    let f = Fixture::scaffolded(Runtime::Node, "");
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: templates\n{yaml}"));
    f.file("templates/node.Dockerfile.j2", "FROM {{ base_image }}\n");
    f.file(
        "functions/hello/Dockerfile",
        "FROM node:latest AS build\nFROM build\nCOPY . /app\n",
    );
    let r = f.rendered();
    assert!(matches!(r.source, TemplateSource::Function(_)));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].starts_with("functions/hello/Dockerfile:1: "),
        "{:?}",
        r.warnings
    );
}

#[test]
fn runtime_dockerfile_uses_its_entrypoint_verbatim() {
    let f = Fixture::new(
        "project: demo\nfunctions:\n  api:\n    runtime: dockerfile\n    entrypoint: docker/prod.Dockerfile\n",
    );
    let own = "FROM python:3.12.8-slim\nCOPY . /srv\nCMD [\"python\", \"/srv/main.py\"]\n";
    f.file("functions/api/docker/prod.Dockerfile", own);
    f.file("functions/api/main.py", "print('hi')\n");
    let r = f.rendered();
    assert_eq!(r.text, own);
    assert_eq!(
        r.source,
        TemplateSource::Function(PathBuf::from("functions/api/docker/prod.Dockerfile"))
    );
    let project = f.project();
    assert_eq!(image::base_image_for(&project, &project.functions[0]), "");
    assert!(image::support_files(Runtime::Dockerfile).is_empty());
}

#[test]
fn broken_override_reports_file_and_line() {
    let f = Fixture::scaffolded(Runtime::Deno, "");
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: templates\n{yaml}"));
    f.file(
        "templates/deno.Dockerfile.j2",
        "FROM {{ base_image }}\nCOPY {{ context_dir }}/ /x/\n{% if port %}\nEXPOSE {{ port }}\n",
    );
    let msg = f.usage_error();
    assert!(msg.contains("templates/deno.Dockerfile.j2:"), "{msg}");
    assert!(msg.contains("syntax error"), "{msg}");
    assert!(msg.contains("hint: templates use Jinja syntax"), "{msg}");

    f.file(
        "templates/deno.Dockerfile.j2",
        "FROM {{ base_image }}\n\nCOPY {{ context_dir }/ /x/\n",
    );
    let msg = f.usage_error();
    assert!(
        msg.contains("templates/deno.Dockerfile.j2:3: syntax error"),
        "{msg}"
    );
    assert!(msg.contains("  3 | COPY {{ context_dir }/ /x/"), "{msg}");
}

#[test]
fn undefined_variable_is_an_error_with_a_suggestion() {
    let f = Fixture::scaffolded(Runtime::Bun, "");
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: templates\n{yaml}"));
    f.file(
        "templates/bun.Dockerfile.j2",
        "FROM {{ base_image }}\nLABEL title={{ nmae|quote }}\n",
    );
    let msg = f.usage_error();
    assert!(
        msg.contains("templates/bun.Dockerfile.j2:2: undefined value `nmae`"),
        "{msg}"
    );
    assert!(msg.contains("  2 | LABEL title={{ nmae|quote }}"), "{msg}");
    assert!(msg.contains("did you mean `name`?"), "{msg}");

    // Also inside an `if`, and for a misspelt attribute of a known variable.
    f.file(
        "templates/bun.Dockerfile.j2",
        "FROM {{ base_image }}\n{% if resources.memory %}\nENV X=1\n{% endif %}\n",
    );
    let msg = f.usage_error();
    assert!(
        msg.contains("templates/bun.Dockerfile.j2:2: undefined value"),
        "{msg}"
    );
}

#[test]
fn unknown_filter_is_reported() {
    let f = Fixture::scaffolded(Runtime::Node, "");
    let yaml = std::fs::read_to_string(f.path().join("hoist.yaml")).unwrap();
    f.file("hoist.yaml", &format!("templates: templates\n{yaml}"));
    f.file(
        "templates/node.Dockerfile.j2",
        "FROM {{ base_image|shellquote }}\n",
    );
    let msg = f.usage_error();
    assert!(msg.contains("templates/node.Dockerfile.j2:1:"), "{msg}");
    assert!(msg.contains("hint: filters: quote, exec_form"), "{msg}");
}

#[test]
fn deno_import_map_is_passed_to_edge_runtime() {
    // The scaffold's deno.json is found without configuration.
    let text = Fixture::scaffolded(Runtime::Deno, "").rendered().text;
    assert!(
        text.contains("\"--import-map\", \"/home/deno/functions/hello/deno.json\"]"),
        "{text}"
    );
    // An explicit import_map wins.
    let f = Fixture::scaffolded(Runtime::Deno, "    import_map: ./maps/import_map.json\n");
    f.file(
        "functions/hello/maps/import_map.json",
        "{\"imports\": {}}\n",
    );
    let text = f.rendered().text;
    assert!(
        text.contains("\"--import-map\", \"/home/deno/functions/hello/maps/import_map.json\"]"),
        "{text}"
    );
    // Without any, there is no flag.
    let f = Fixture::scaffolded(Runtime::Deno, "");
    std::fs::remove_file(f.path().join("functions/hello/deno.json")).unwrap();
    let text = f.rendered().text;
    assert!(!text.contains("--import-map"), "{text}");
}

#[test]
fn import_map_outside_the_project_is_refused() {
    let f = Fixture::scaffolded(Runtime::Deno, "    import_map: ../../../import_map.json\n");
    // Refused when hoist.yaml is loaded, before anything is rendered.
    let msg = f.load_error();
    assert!(msg.contains("is outside the project"), "{msg}");
}

#[test]
fn a_shared_import_map_is_bundled_and_passed() {
    // A deno function's bundle holds its module graph and import map with
    // paths relative to their common root (docs/supabase.md).
    let f = Fixture::scaffolded(Runtime::Deno, "    import_map: ../import_map.json\n");
    f.file("functions/import_map.json", "{\"imports\": {}}\n");
    let r = f.rendered();
    assert!(
        r.text.contains("COPY app/ /home/deno/functions/\n"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("\"--import-map\", \"/home/deno/functions/import_map.json\""),
        "{}",
        r.text
    );
}

#[test]
fn deno_entrypoint_of_another_name_gets_a_generated_index() {
    let f = Fixture::scaffolded(Runtime::Deno, "    entrypoint: main.ts\n");
    f.file(
        "functions/hello/main.ts",
        "Deno.serve(() => new Response('hi'));\n",
    );
    let r = f.rendered();
    assert!(
        r.text
            .contains("COPY hoist/deno-index.ts /home/deno/functions/hello/index.ts\n"),
        "{}",
        r.text
    );
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].0, "hoist/deno-index.ts");
    let index = String::from_utf8(r.files[0].1.clone()).unwrap();
    assert!(index.ends_with("export * from \"./main.ts\";\n"), "{index}");
    // The same inputs, the same bytes.
    assert_eq!(f.rendered().files, r.files);
}

#[test]
fn deno_entrypoint_beside_a_bundled_index_is_refused() {
    let f = Fixture::scaffolded(Runtime::Deno, "    entrypoint: main.ts\n");
    f.file(
        "functions/hello/main.ts",
        "import './index.ts';\nDeno.serve(() => new Response('hi'));\n",
    );
    let msg = f.usage_error();
    assert!(
        msg.contains(
            "its entrypoint is `hello/main.ts`, but the bundle also holds `hello/index.ts`"
        ),
        "{msg}"
    );
}

#[test]
fn env_value_with_a_line_break_is_refused() {
    let f = Fixture::scaffolded(Runtime::Node, "    env:\n      PEM: \"a\\nb\"\n");
    let msg = f.usage_error();
    assert!(msg.contains("env `PEM` contains a line break"), "{msg}");
}

#[test]
fn env_that_shadows_hoist_values_warns() {
    let f = Fixture::scaffolded(
        Runtime::Node,
        "    port: 8080\n    env:\n      PORT: \"3000\"\n      VERSION: x\n",
    );
    let w = f.rendered().warnings;
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w
        .iter()
        .any(|m| m.contains("env PORT=3000 differs from port 8080")));
    assert!(w.iter().any(|m| m.contains("env `VERSION`")));
}

#[test]
fn bun_support_file_is_what_the_template_copies() {
    let files = image::support_files(Runtime::Bun);
    assert_eq!(files.len(), 1);
    let (path, bytes) = files[0];
    let server = std::str::from_utf8(bytes).unwrap();
    assert!(server.contains("Bun.serve"));
    assert!(server.contains("HOIST_ENTRYPOINT"));
    let text = Fixture::scaffolded(Runtime::Bun, "").rendered().text;
    assert!(
        text.contains(&format!("\nCOPY {path} /opt/hoist/server.ts\n")),
        "{text}"
    );
    for r in [Runtime::Deno, Runtime::Node, Runtime::Dart] {
        assert!(image::support_files(r).is_empty());
    }
}

#[test]
fn render_dockerfile_is_render_text() {
    let f = Fixture::scaffolded(Runtime::Dart, ENV);
    let project = f.project();
    assert_eq!(
        image::render_dockerfile(&project, &project.functions[0], &ctx()).unwrap(),
        f.rendered().text
    );
}
