//! Unit tests of the import reader: the cases the old tokenizer was tested
//! on (comments, strings, templates, regexes, divisions, type-only forms,
//! odd input), then one per case it got wrong by construction.

use super::*;

fn all(file: &str, src: &str) -> Vec<Import> {
    imports(Path::new(file), src).expect("parses")
}

fn specs(src: &str) -> Vec<(String, usize)> {
    all("m.ts", src)
        .into_iter()
        .filter(|i| i.kind.is_runtime())
        .map(|i| (i.specifier, i.line))
        .collect()
}

fn names(src: &str) -> Vec<String> {
    specs(src).into_iter().map(|(s, _)| s).collect()
}

fn kinds(file: &str, src: &str) -> Vec<(String, &'static str)> {
    all(file, src)
        .into_iter()
        .map(|i| (i.specifier, i.kind.name()))
        .collect()
}

fn pairs(v: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    v.iter().map(|(s, k)| (s.to_string(), *k)).collect()
}

#[test]
fn static_forms() {
    let src = "import a from './a.ts';\nimport { b, c as d } from \"./b.ts\";\nimport * as e from './e.ts'\nimport './side.ts';\nimport f, { g } from './f.ts';\nimport {\n  h,\n  i,\n} from './multi.ts';\n";
    assert_eq!(
        specs(src),
        vec![
            ("./a.ts".into(), 1),
            ("./b.ts".into(), 2),
            ("./e.ts".into(), 3),
            ("./side.ts".into(), 4),
            ("./f.ts".into(), 5),
            ("./multi.ts".into(), 9),
        ]
    );
    let i = &all("m.ts", "  import a from './a.ts';")[0];
    assert_eq!((i.line, i.column), (1, 17));
}

#[test]
fn exports_and_dynamic() {
    let src = "export * from './all.ts';\nexport * as ns from './ns.ts';\nexport { x } from './x.ts';\nexport const y = 1;\nexport default function () {}\nconst m = await import('./dyn.ts');\nconst n = import(`./tpl.ts`);\n";
    assert_eq!(
        kinds("m.ts", src),
        pairs(&[
            ("./all.ts", "re-export"),
            ("./ns.ts", "re-export"),
            ("./x.ts", "re-export"),
            ("./dyn.ts", "dynamic"),
            ("./tpl.ts", "dynamic"),
        ])
    );
}

#[test]
fn type_only_is_not_runtime() {
    let src = "import type { T } from './types.ts';\nexport type { U } from './u.ts';\nimport type from './named-type.ts';\nimport type, { v } from './tv.ts';\nexport type V = string;\nimport { type W } from './w.ts';\nexport type * from './star.ts';\n";
    assert_eq!(names(src), vec!["./named-type.ts", "./tv.ts", "./w.ts"]);
    let typed: Vec<String> = all("m.ts", src)
        .into_iter()
        .filter(|i| i.kind == Kind::TypeOnly)
        .map(|i| i.specifier)
        .collect();
    assert_eq!(typed, vec!["./types.ts", "./u.ts", "./star.ts"]);
}

#[test]
fn comments_and_strings_are_not_imports() {
    let src = r#"// import a from './no1.ts';
/* import b from './no2.ts';
   export * from './no3.ts'; */
const s = "import c from './no4.ts'";
const t = 'import("./no5.ts")';
const u = `import d from './no6.ts' ${ "x" } export * from './no7.ts'`;
import real from './yes.ts'; // import e from './no8.ts'
"#;
    assert_eq!(specs(src), vec![("./yes.ts".into(), 7)]);
}

#[test]
fn template_nesting() {
    let src = "const a = `x ${ `inner ${ {k: 1}.k } import './no.ts'` } y`;\nimport z from './z.ts';\nconst b = `${ '}' } import './no2.ts'`;\nexport * from './w.ts';";
    assert_eq!(specs(src), vec![("./z.ts".into(), 2), ("./w.ts".into(), 4)]);
}

#[test]
fn regex_literals() {
    let src = "const r = /'/;\nimport a from './a.ts';\nconst q = x.replace(/\"|`/g, '');\nimport b from './b.ts';\nconst c = /[/'\"]/.test(s);\nimport d from './d.ts';\nfunction f() { return /import x from '.\\/no.ts'/; }\n";
    assert_eq!(names(src), vec!["./a.ts", "./b.ts", "./d.ts"]);
}

#[test]
fn division_is_not_a_regex() {
    let src = "const v = a / b / c;\nimport a from './a.ts';\nconst w = (x) / 2 / (y);\nconst z = arr[0] / 3; const q = 10 / 2 /* c */ / 1;\nimport b from './b.ts';\n";
    assert_eq!(names(src), vec!["./a.ts", "./b.ts"]);
}

#[test]
fn generics_and_meta() {
    let src = "const m = new Map<string, Array<number>>();\nconst u = new URL('./x', import.meta.url);\nconst o = { import: 1 };\nfoo.import('./no.ts');\nfunction f<T>(x: T): T { return x; }\nimport a from './a.ts';\n";
    assert_eq!(names(src), vec!["./a.ts"]);
}

#[test]
fn odd_input_is_a_parse_error_with_its_position() {
    for src in [
        "'unterminated",
        "`open ${",
        "/* never closed",
        "import",
        "import(",
        "export {",
        "}}}}",
        "a = /[/",
    ] {
        let e = imports(Path::new("m.ts"), src).expect_err(src);
        assert!(e.line >= 1 && e.column >= 1, "{src}: {e:?}");
        assert!(!e.message.is_empty());
    }
    let e = imports(Path::new("m.ts"), "const a = 1;\nconst b = ;\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 11), "{e:?}");
    assert_eq!(
        names("#!/usr/bin/env -S deno run\nimport './a.ts'"),
        vec!["./a.ts"]
    );
}

#[test]
fn import_attributes() {
    let src = "import data from './data.json' with { type: 'json' };\nconst m = await import('./m.json', { with: { type: 'json' } });";
    assert_eq!(names(src), vec!["./data.json", "./m.json"]);
}

// The tokenizer's defects, one test each.

#[test]
fn byte_order_mark_keeps_the_first_import() {
    let src = "\u{feff}import a from './a.ts';\nimport b from './b.ts';\n";
    assert_eq!(specs(src), vec![("./a.ts".into(), 1), ("./b.ts".into(), 2)]);
}

#[test]
fn require_in_commonjs_and_through_create_require() {
    let cjs =
        "const a = require('./a.cjs');\nconst { b } = require(\"./b\");\nif (x) require('fs');\n";
    assert_eq!(
        kinds("m.cjs", cjs),
        pairs(&[
            ("./a.cjs", "require"),
            ("./b", "require"),
            ("fs", "require")
        ])
    );
    // A `.js` file without import/export is CommonJS-style too.
    assert_eq!(
        kinds("m.js", "module.exports = require('./x.js');"),
        pairs(&[("./x.js", "require")])
    );
    let esm = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nconst r2 = module.createRequire(import.meta.url);\nconst a = require('./a.cjs');\nconst b = r2('./b.cjs');\n";
    assert_eq!(
        kinds("m.mjs", esm),
        pairs(&[
            ("node:module", "static"),
            ("./a.cjs", "require"),
            ("./b.cjs", "require"),
        ])
    );
    // In an ES module without createRequire, `require` is not defined.
    assert_eq!(
        kinds(
            "m.ts",
            "export const x = 1;\nif (typeof require === 'function') require('./no.cjs');\n"
        ),
        vec![]
    );
}

#[test]
fn typescript_import_equals_require() {
    let src =
        "import fs = require('node:fs');\nimport type T = require('./t.ts');\nimport A = B.C;\n";
    assert_eq!(
        kinds("m.ts", src),
        pairs(&[("node:fs", "require"), ("./t.ts", "type-only")])
    );
}

#[test]
fn non_literal_import_is_a_pattern() {
    let src = "const a = await import(`./data/${name}.json`);\nconst b = import('./x/' + name);\nconst c = import(name);\nconst d = import('./a' + '.ts');\nconst e = import(`./r/${a}/${b}.ts`);\n";
    let got: Vec<(String, &str, Vec<String>, usize)> = all("m.ts", src)
        .into_iter()
        .map(|i| (i.specifier, i.kind.name(), i.parts, i.line))
        .collect();
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        vec![
            (
                "./data/*.json".into(),
                "non-literal",
                v(&["./data/", ".json"]),
                1
            ),
            ("./x/*".into(), "non-literal", v(&["./x/", ""]), 2),
            ("*".into(), "non-literal", v(&["", ""]), 3),
            ("./a.ts".into(), "dynamic", vec![], 4),
            (
                "./r/*/*.ts".into(),
                "non-literal",
                v(&["./r/", "/", ".ts"]),
                5
            ),
        ]
    );
}

#[test]
fn comment_pragmas() {
    let src = "/// <reference path=\"./globals.ts\" />\n/// <reference types=\"./env.d.ts\" />\n/// <reference lib=\"deno.ns\" />\n/** @jsxImportSource npm:preact */\n// @ts-types=\"./lib.d.ts\"\nimport lib from './lib.js';\nexport const App = () => <div />;\n";
    assert_eq!(
        kinds("m.tsx", src),
        pairs(&[
            ("./globals.ts", "reference"),
            ("./env.d.ts", "type-only"),
            ("npm:preact/jsx-runtime", "static"),
            ("./lib.d.ts", "type-only"),
            ("./lib.js", "static"),
        ])
    );
    let deno_types = "// @deno-types=\"npm:@types/x\"\nimport x from 'npm:x';\n";
    assert_eq!(
        kinds("m.ts", deno_types),
        pairs(&[("npm:@types/x", "type-only"), ("npm:x", "static")])
    );
}

#[test]
fn type_position_import_is_type_only() {
    let src = "type Fs = typeof import('node:fs');\ntype T = NotAny<import('../x.d.ts').T>;\nlet v: import('./y.ts').Y;\nexport const z = 1;\n";
    assert_eq!(
        kinds("m.ts", src),
        pairs(&[
            ("node:fs", "type-only"),
            ("../x.d.ts", "type-only"),
            ("./y.ts", "type-only"),
        ])
    );
}

#[test]
fn jsx_text_and_regex_division_do_not_invent_or_hide_imports() {
    let src = "import a from './a.ts';\nexport const C = () => <p>it's import('./no.ts') and \"quotes</p>;\nconst ratio = total / count / 2; const re = /\\/import '.\\/no2.ts'/g;\nimport b from './b.ts';\n";
    assert_eq!(
        kinds("m.tsx", src),
        pairs(&[("./a.ts", "static"), ("./b.ts", "static")])
    );
    let src = "let x = a\n/foo/g.exec(s);\nimport c from './c.ts';\n";
    assert_eq!(names(src), vec!["./c.ts"]);
}

#[test]
fn declaration_files_and_extensions() {
    assert!(source_type(Path::new("a.d.ts")).is_some_and(|t| t.is_typescript_definition()));
    assert!(source_type(Path::new("a.json")).is_none());
    assert_eq!(kinds("a.json", "{ not js"), vec![]);
    // `.js` is not JSX (as in Deno): `<` compares.
    assert_eq!(
        kinds("a.js", "import x from './x.js';\nconst y = a < b > c;\n"),
        pairs(&[("./x.js", "static")])
    );
}

#[test]
fn declaration_file_imports_are_types() {
    assert_eq!(
        kinds(
            "a.d.ts",
            "import { P } from './p.js';\nexport * from './q.js';\n"
        ),
        pairs(&[("./p.js", "type-only"), ("./q.js", "type-only")])
    );
}

#[test]
fn ambient_modules_and_commonjs_typescript() {
    let src =
        "declare module 'virtual:x' {\n  export * from './types.ts';\n}\nimport a from './a.ts';\n";
    assert_eq!(
        kinds("m.ts", src),
        pairs(&[("./types.ts", "type-only"), ("./a.ts", "static")])
    );
    // A `.cts` file is CommonJS even with import statements.
    assert_eq!(
        kinds(
            "m.cts",
            "import fs from 'node:fs';\nconst b = require('./b.cjs');\n"
        ),
        pairs(&[("node:fs", "static"), ("./b.cjs", "require")])
    );
}
