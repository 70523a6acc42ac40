//! Reading a module's imports with a real JavaScript/TypeScript parser
//! (oxc): every module specifier a file names, each with its kind and its
//! 1-based line and column. The file is parsed by its extension (`.ts`,
//! `.mts`, `.cts`, `.tsx`, `.d.ts`, `.js`, `.mjs`, `.cjs`, `.jsx`), a UTF-8
//! byte order mark skipped, and the AST walked: `import`/`export … from`
//! declarations, `import()` expressions (a literal, or a pattern when the
//! argument is built from a template or `+`), `require()` (in CommonJS, and
//! through a `createRequire(…)` binding in an ES module), TypeScript
//! `import x = require(…)`, type-position `import('…')`, and the comments
//! Deno reads: `/// <reference path|types>`, `@jsxImportSource` and
//! `@ts-types`/`@deno-types`. Whether a kind is a runtime dependency is
//! [`Kind::is_runtime`]; a file that does not parse is a [`ParseError`]
//! with the parser's first message and where it is.

use std::cell::RefCell;
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BinaryExpression, BinaryOperator, CallExpression, Comment, ExportAllDeclaration,
    ExportNamedDeclaration, Expression, ImportDeclaration, ImportExpression, Program,
    TSImportEqualsDeclaration, TSImportType, TSModuleDeclaration, TSModuleReference,
    VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::{ParseOptions, Parser};
use oxc_span::{SourceType, Span};

/// How a module names another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `import … from '…'`, `import '…'`, and a `@jsxImportSource`'s runtime.
    Static,
    /// `import('…')` with a literal argument.
    Dynamic,
    /// `export … from '…'`, `export * from '…'`.
    ReExport,
    /// `import type`, `export type … from`, type-position `import('…')`,
    /// `/// <reference types>`, `@ts-types`/`@deno-types`: erased before the
    /// code runs.
    TypeOnly,
    /// `require('…')` and TypeScript's `import x = require('…')`.
    Require,
    /// `/// <reference path="…" />`: Deno records it as a types
    /// dependency and does not load it to run the code.
    Reference,
    /// `import()` whose argument is not a single literal; see
    /// [`Import::parts`].
    NonLiteral,
}

impl Kind {
    /// The name shown in listings and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Static => "static",
            Kind::Dynamic => "dynamic",
            Kind::ReExport => "re-export",
            Kind::TypeOnly => "type-only",
            Kind::Require => "require",
            Kind::Reference => "reference",
            Kind::NonLiteral => "non-literal",
        }
    }

    /// Whether the target is needed for the code to run (and so bundled).
    pub fn is_runtime(self) -> bool {
        !matches!(self, Kind::TypeOnly | Kind::Reference)
    }
}

/// One module specifier found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The specifier as written; for [`Kind::NonLiteral`], the pattern with
    /// `*` for each part only known at run time (`./routes/*.ts`).
    pub specifier: String,
    /// 1-based line of the specifier.
    pub line: usize,
    /// 1-based column (in characters) of the specifier.
    pub column: usize,
    pub kind: Kind,
    /// [`Kind::NonLiteral`]: the literal pieces around the unknown parts,
    /// first the prefix, last the suffix (`["./routes/", ".ts"]`; `["", ""]`
    /// for a bare `import(name)`). Empty for the other kinds.
    pub parts: Vec<String>,
}

/// A file that does not parse, where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// How to parse a file, from its name; `None` for a file that is not a
/// JavaScript or TypeScript module (its imports are not read).
pub fn source_type(path: &Path) -> Option<SourceType> {
    let name = path.file_name()?.to_str()?;
    let ext = path.extension()?.to_str()?;
    let t = match ext {
        "ts" | "mts" => SourceType::ts(),
        "cts" => SourceType::ts().with_commonjs(true),
        "tsx" => SourceType::tsx(),
        "mjs" => SourceType::mjs().with_jsx(false),
        "cjs" => SourceType::cjs().with_jsx(false),
        // Deno reads `.js` as a module, but published code is often
        // CommonJS: a file without `import`/`export` parses as a script.
        "js" => SourceType::unambiguous().with_jsx(false),
        "jsx" => SourceType::jsx(),
        _ => return None,
    };
    let dts = [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|s| name.ends_with(s))
        || (name.contains(".d.") && ext == "ts");
    Some(t.with_typescript_definition(dts))
}

/// Every module specifier in `src` (the text of `path`), in source order.
pub fn imports(path: &Path, src: &str) -> Result<Vec<Import>, ParseError> {
    let Some(st) = source_type(path) else {
        return Ok(Vec::new());
    };
    // A byte order mark is not code; Deno drops it too.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    // One arena per thread, emptied between files: a fresh one per file
    // maps and faults in its chunks again every time.
    thread_local! {
        static ARENA: RefCell<Allocator> = RefCell::new(Allocator::default());
    }
    ARENA.with_borrow_mut(|alloc| {
        alloc.reset();
        parse_in(alloc, st, src)
    })
}

fn parse_in(alloc: &Allocator, st: SourceType, src: &str) -> Result<Vec<Import>, ParseError> {
    let options = ParseOptions {
        allow_return_outside_function: st.is_commonjs() || st.is_unambiguous(),
        ..ParseOptions::default()
    };
    let ret = Parser::new(alloc, src, st).with_options(options).parse();
    let lines = Lines::new(src);
    if let Some(d) = ret.diagnostics.errors().next() {
        let offset = d
            .labels
            .as_slice()
            .first()
            .map_or(0, |l| l.offset())
            .min(src.len() as u32);
        let (line, column) = lines.at(offset);
        let message = match &d.help {
            Some(h) => format!("{} ({h})", d.message),
            None => d.message.to_string(),
        };
        return Err(ParseError {
            line,
            column,
            message,
        });
    }
    // `.cjs`/`.cts` run as CommonJS whatever they hold (a `.cts` file's
    // imports compile to require()).
    let esm = !st.is_commonjs()
        && (ret.module_record.has_module_syntax || st.is_module() && !st.is_unambiguous());
    let mut w = Walker {
        src,
        lines: &lines,
        out: Vec::new(),
        esm,
        requires: Vec::new(),
        ambient: 0,
    };
    w.pragmas(&ret.program, st.is_jsx());
    w.visit_program(&ret.program);
    let mut out = w.out;
    if st.is_typescript_definition() {
        // A declaration file never runs: Deno takes its imports as types.
        for i in &mut out {
            i.kind = Kind::TypeOnly;
        }
    }
    out.sort_by_key(|i| (i.line, i.column));
    Ok(out)
}

/// Byte offsets to 1-based lines and columns.
struct Lines<'s> {
    src: &'s str,
    starts: Vec<u32>,
}

impl<'s> Lines<'s> {
    fn new(src: &'s str) -> Self {
        let mut starts = vec![0u32];
        starts.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        Lines { src, starts }
    }

    fn at(&self, offset: u32) -> (usize, usize) {
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1] as usize;
        let end = (offset as usize).min(self.src.len());
        let column = self
            .src
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line, column + 1)
    }
}

struct Walker<'s, 'l> {
    src: &'s str,
    lines: &'l Lines<'s>,
    out: Vec<Import>,
    /// An ES module: a plain `require` is not defined there.
    esm: bool,
    /// Names bound to `createRequire(…)`.
    requires: Vec<String>,
    /// Depth inside `declare module '…' { … }`, which only types.
    ambient: usize,
}

impl Walker<'_, '_> {
    fn push(&mut self, specifier: &str, span: Span, kind: Kind) {
        let kind = type_or(self.ambient > 0, kind);
        let (line, column) = self.lines.at(span.start);
        self.out.push(Import {
            specifier: specifier.to_string(),
            line,
            column,
            kind,
            parts: Vec::new(),
        });
    }

    /// The comments Deno reads: triple-slash references and
    /// `@jsxImportSource` before the first statement, `@ts-types` and
    /// `@deno-types` anywhere (they name the types of the next import).
    fn pragmas(&mut self, program: &Program<'_>, jsx: bool) {
        let first = program
            .body
            .first()
            .map_or(u32::MAX, |s| oxc_span::GetSpan::span(s).start);
        for c in program.comments.iter() {
            let text = comment_text(self.src, c);
            let leading = c.span.end <= first;
            if leading && c.is_line() && text.starts_with('/') {
                let t = text[1..].trim_start();
                if let Some(spec) = xml_attr(t, "path") {
                    self.push(spec, c.span, Kind::Reference);
                } else if let Some(spec) = xml_attr(t, "types") {
                    self.push(spec, c.span, Kind::TypeOnly);
                }
                continue;
            }
            if leading && jsx {
                if let Some(src) = pragma_value(text, "@jsxImportSource") {
                    self.push(&format!("{src}/jsx-runtime"), c.span, Kind::Static);
                }
                if let Some(src) = pragma_value(text, "@jsxImportSourceTypes") {
                    self.push(&format!("{src}/jsx-runtime"), c.span, Kind::TypeOnly);
                }
            }
            for key in ["@ts-types", "@deno-types"] {
                if let Some(spec) = pragma_value(text, key) {
                    let spec = spec.trim_start_matches('=').trim_matches(['"', '\'']);
                    if !spec.is_empty() {
                        self.push(spec, c.span, Kind::TypeOnly);
                    }
                }
            }
        }
    }

    /// A call to a `require` in force here: the global one in CommonJS,
    /// a `createRequire(…)` binding anywhere.
    fn is_require(&self, callee: &Expression<'_>) -> bool {
        let Expression::Identifier(id) = callee.without_parentheses() else {
            return false;
        };
        let name = id.name.as_str();
        self.requires.iter().any(|r| r == name) || (!self.esm && name == "require")
    }

    fn non_literal(&mut self, arg: &Expression<'_>, span: Span) {
        let mut pieces = Vec::new();
        flatten(arg, &mut pieces);
        let parts = merge(pieces);
        if parts.len() == 1 {
            // `'./a' + '.ts'`: a literal after all.
            self.push(&parts[0], span, Kind::Dynamic);
            return;
        }
        let (line, column) = self.lines.at(span.start);
        self.out.push(Import {
            specifier: parts.join("*"),
            line,
            column,
            kind: Kind::NonLiteral,
            parts,
        });
    }
}

fn comment_text<'s>(src: &'s str, c: &Comment) -> &'s str {
    let s = c.content_span();
    src.get(s.start as usize..s.end as usize).unwrap_or("")
}

/// `<reference path="x" />`: the value of `attr`.
fn xml_attr<'t>(t: &'t str, attr: &str) -> Option<&'t str> {
    let rest = t.strip_prefix("<reference")?;
    let at = rest.find(&format!("{attr}="))?;
    let v = &rest[at + attr.len() + 1..];
    let q = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let v = &v[1..];
    Some(&v[..v.find(q)?])
}

/// `@key value` in a comment: the value, up to whitespace or `*/`.
fn pragma_value<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(at) = text[from..].find(key) {
        let start = from + at + key.len();
        let rest = &text[start..];
        // `@jsxImportSource` is not `@jsxImportSourceTypes`.
        if rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            from = start;
            continue;
        }
        let v = rest.trim_start_matches([' ', '\t']);
        let end = v.find(|c: char| c.is_whitespace()).unwrap_or(v.len());
        let v = &v[..end];
        return (!v.is_empty()).then_some(v);
    }
    None
}

/// One piece of a computed specifier: known text or a run-time value.
enum Piece {
    Text(String),
    Unknown,
}

fn flatten(e: &Expression<'_>, out: &mut Vec<Piece>) {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => out.push(Piece::Text(s.value.to_string())),
        Expression::TemplateLiteral(t) => {
            for (i, q) in t.quasis.iter().enumerate() {
                match &q.value.cooked {
                    Some(c) => out.push(Piece::Text(c.to_string())),
                    None => out.push(Piece::Unknown),
                }
                if i < t.expressions.len() {
                    flatten(&t.expressions[i], out);
                }
            }
        }
        Expression::BinaryExpression(b) if is_concat(b) => {
            flatten(&b.left, out);
            flatten(&b.right, out);
        }
        _ => out.push(Piece::Unknown),
    }
}

fn is_concat(b: &BinaryExpression<'_>) -> bool {
    b.operator == BinaryOperator::Addition
}

/// Literal parts between unknown runs: `[prefix, …, suffix]`.
fn merge(pieces: Vec<Piece>) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut last_unknown = false;
    for p in pieces {
        match p {
            Piece::Text(t) => {
                if let Some(l) = parts.last_mut() {
                    l.push_str(&t);
                }
                last_unknown = false;
            }
            Piece::Unknown if !last_unknown => {
                parts.push(String::new());
                last_unknown = true;
            }
            Piece::Unknown => {}
        }
    }
    parts
}

/// A literal string argument: a string or a template without substitutions.
fn literal<'e>(e: &'e Expression<'_>) -> Option<&'e str> {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.as_str()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            t.quasis.first()?.value.cooked.as_ref().map(|c| c.as_str())
        }
        _ => None,
    }
}

fn type_or(is_type: bool, kind: Kind) -> Kind {
    if is_type {
        Kind::TypeOnly
    } else {
        kind
    }
}

impl<'a> Visit<'a> for Walker<'_, '_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let kind = type_or(it.import_kind.is_type(), Kind::Static);
        self.push(it.source.value.as_str(), it.source.span, kind);
    }

    fn visit_export_named_declaration(&mut self, it: &ExportNamedDeclaration<'a>) {
        if let Some(s) = &it.source {
            let kind = type_or(it.export_kind.is_type(), Kind::ReExport);
            self.push(s.value.as_str(), s.span, kind);
        }
        walk::walk_export_named_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        let kind = type_or(it.export_kind.is_type(), Kind::ReExport);
        self.push(it.source.value.as_str(), it.source.span, kind);
    }

    fn visit_ts_import_equals_declaration(&mut self, it: &TSImportEqualsDeclaration<'a>) {
        if let TSModuleReference::ExternalModuleReference(r) = &it.module_reference {
            let kind = type_or(it.import_kind.is_type(), Kind::Require);
            self.push(r.expression.value.as_str(), r.expression.span, kind);
        }
    }

    fn visit_ts_module_declaration(&mut self, it: &TSModuleDeclaration<'a>) {
        let ambient = usize::from(it.declare);
        self.ambient += ambient;
        walk::walk_ts_module_declaration(self, it);
        self.ambient -= ambient;
    }

    fn visit_ts_import_type(&mut self, it: &TSImportType<'a>) {
        self.push(it.source.value.as_str(), it.source.span, Kind::TypeOnly);
        walk::walk_ts_import_type(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        match literal(&it.source) {
            Some(s) => {
                let span = oxc_span::GetSpan::span(&it.source);
                self.push(s, span, Kind::Dynamic);
            }
            None => self.non_literal(&it.source, it.span),
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if self.is_require(&it.callee) {
            if let Some(arg) = it.arguments.first().and_then(|a| a.as_expression()) {
                if let Some(s) = literal(arg) {
                    let span = oxc_span::GetSpan::span(arg);
                    self.push(s, span, Kind::Require);
                }
            }
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (Some(Expression::CallExpression(call)), Some(name)) = (
            it.init.as_ref().map(|e| e.without_parentheses()),
            it.id.get_identifier_name(),
        ) {
            let callee = match call.callee.without_parentheses() {
                Expression::Identifier(id) => Some(id.name.as_str()),
                Expression::StaticMemberExpression(m) => Some(m.property.name.as_str()),
                _ => None,
            };
            if callee == Some("createRequire") {
                self.requires.push(name.to_string());
            }
        }
        walk::walk_variable_declarator(self, it);
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
