//! Scaffolds for `hoist new <name> --runtime X`: a small working function per
//! runtime, embedded from `templates/functions/<runtime>/`. Files are
//! minijinja templates that see `name` (the function name); the `ident`
//! filter turns it into an identifier where a language needs one (Dart
//! package names). Each scaffold's entry file is the runtime's default
//! entrypoint, so the new function builds without further configuration.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::config::Runtime;

/// Scaffold files for `hoist new`, as (relative path, template text).
pub fn scaffold_files(runtime: Runtime) -> Vec<(&'static str, &'static str)> {
    macro_rules! files {
        ($($path:literal => $file:literal),* $(,)?) => {
            vec![$(($path, include_str!(concat!("../../../../templates/functions/", $file)))),*]
        };
    }
    match runtime {
        Runtime::Deno => files![
            "index.ts" => "deno/index.ts",
            "deno.json" => "deno/deno.json",
        ],
        Runtime::Bun => files!["index.ts" => "bun/index.ts"],
        Runtime::Node => files![
            "package.json" => "node/package.json",
            "index.js" => "node/index.js",
        ],
        Runtime::Dart => files![
            "pubspec.yaml" => "dart/pubspec.yaml",
            "bin/main.dart" => "dart/bin/main.dart",
        ],
        Runtime::Dockerfile => Vec::new(),
    }
}

/// Render a scaffold file's text for function `name`.
pub fn render_scaffold(text: &str, name: &str) -> anyhow::Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("ident", ident);
    env.render_str(text, minijinja::context! { name })
        .map_err(|e| anyhow::anyhow!("scaffold template: {e}"))
}

/// A lowercase identifier from a function name: `-` becomes `_`, and a
/// leading digit gets an `fn_` prefix (Dart package names need both).
fn ident(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "fn_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNTIMES: [Runtime; 4] = [Runtime::Deno, Runtime::Bun, Runtime::Node, Runtime::Dart];

    #[test]
    fn every_runtime_scaffolds_its_default_entrypoint() {
        for r in RUNTIMES {
            let files = scaffold_files(r);
            assert!(
                files.iter().any(|(p, _)| *p == r.default_entrypoint()),
                "{r:?}"
            );
        }
        assert!(scaffold_files(Runtime::Dockerfile).is_empty());
    }

    #[test]
    fn every_scaffold_renders_with_the_name() {
        for r in RUNTIMES {
            for (path, text) in scaffold_files(r) {
                let out = render_scaffold(text, "9-lives").unwrap();
                assert!(!out.contains("{{"), "{path}: {out}");
                if path == "pubspec.yaml" {
                    assert!(out.starts_with("name: fn_9_lives\n"), "{out}");
                }
            }
        }
        let index = scaffold_files(Runtime::Node)
            .into_iter()
            .find(|(p, _)| *p == "index.js")
            .unwrap()
            .1;
        assert!(render_scaffold(index, "hello")
            .unwrap()
            .contains("Hello from hello!"));
    }

    #[test]
    fn idents() {
        assert_eq!(ident("hello-world"), "hello_world");
        assert_eq!(ident("9x"), "fn_9x");
    }
}
