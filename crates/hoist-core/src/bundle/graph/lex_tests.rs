//! Unit tests of the specifier lexer: comments, strings, templates,
//! regexes, divisions, type-only forms and odd input.

use super::*;

fn specs(src: &str) -> Vec<(String, usize)> {
    imports(src.as_bytes())
        .into_iter()
        .map(|i| (i.specifier, i.line))
        .collect()
}

fn names(src: &str) -> Vec<String> {
    specs(src).into_iter().map(|(s, _)| s).collect()
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
}

#[test]
fn exports_and_dynamic() {
    let src = "export * from './all.ts';\nexport * as ns from './ns.ts';\nexport { x } from './x.ts';\nexport const y = 1;\nexport default function () {}\nconst m = await import('./dyn.ts');\nconst n = import(`./tpl.ts`);\n";
    assert_eq!(
        names(src),
        vec!["./all.ts", "./ns.ts", "./x.ts", "./dyn.ts", "./tpl.ts"]
    );
    let d = imports(b"import('./d.ts')");
    assert!(d[0].dynamic);
}

#[test]
fn type_only_is_skipped() {
    let src = "import type { T } from './types.ts';\nexport type { U } from './u.ts';\nimport type from './named-type.ts';\nimport type, { v } from './tv.ts';\nexport type V = string;\n";
    assert_eq!(names(src), vec!["./named-type.ts", "./tv.ts"]);
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
    let src = "const r = /'/;\nimport a from './a.ts';\nconst q = x.replace(/\"|`/g, '');\nimport b from './b.ts';\nconst c = /[/'\"]/.test(s);\nimport d from './d.ts';\nif (ok) return /import x from '.\\/no.ts'/;\n";
    assert_eq!(names(src), vec!["./a.ts", "./b.ts", "./d.ts"]);
}

#[test]
fn division_is_not_a_regex() {
    let src = "const v = a / b / c;\nimport a from './a.ts';\nconst w = (x) / 2 / (y);\nconst z = arr[0] / 3; const q = 10 / 2 /* c */ / 1;\nimport b from './b.ts';\n";
    assert_eq!(names(src), vec!["./a.ts", "./b.ts"]);
}

#[test]
fn generics_and_meta() {
    let src = "const m = new Map<string, Array<number>>();\nconst u = new URL('./x', import.meta.url);\nconst o = { import: 1 };\nfoo.import('./no.ts');\nconst p = import(name);\nconst q = import('./a' + b);\nfunction f<T>(x: T): T { return x; }\nimport a from './a.ts';\n";
    assert_eq!(names(src), vec!["./a.ts"]);
}

#[test]
fn odd_input_does_not_panic() {
    for src in [
        "'unterminated",
        "`open ${",
        "/* never closed",
        "/",
        "import",
        "import(",
        "export {",
        "}}}}",
        "a = /[/",
    ] {
        // Odd input must not panic; what it finds is not the point.
        imports(src.as_bytes());
    }
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
