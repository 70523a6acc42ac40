//! A small JavaScript/TypeScript tokenizer that finds module specifiers:
//! `import … from '<s>'`, `import '<s>'`, `export … from '<s>'` (and
//! `export * from`), and `import('<literal>')`, each with its 1-based line.
//! It understands line and block comments, single- and double-quoted
//! strings, template literals with nested `${}`, and regex literals (a `/`
//! starts a regex after an operator, a keyword such as `return`, `(`, `,`
//! or `=`, and is a division after an identifier, a number, `)` or `]`), so
//! an `import` written inside any of them is never taken for one. Type-only
//! imports and exports (`import type`, `export type`) are skipped: they are
//! erased before the code runs. A dynamic `import()` whose argument is not
//! a single literal cannot be followed and is ignored.
//!
//! Written by hand rather than with oxc or swc: those add minutes to a cold
//! CI build for a job that needs only tokens (docs/dependencies.md).

/// One module specifier found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    pub(crate) specifier: String,
    /// 1-based line of the specifier.
    pub(crate) line: usize,
    /// From `import('…')`.
    pub(crate) dynamic: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(u8),
    /// A string, or a template literal without substitutions.
    Str(String),
    /// A template literal with substitutions, a regex or a number.
    Other,
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
    toks: Vec<(Tok, usize)>,
    /// Open braces: `true` for the `${` of a template literal.
    braces: Vec<bool>,
}

const REGEX_AFTER_KEYWORDS: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "extends",
];

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b == b'#' || b >= 0x80
}

fn is_ident_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl<'a> Lexer<'a> {
    fn peek(&self, off: usize) -> u8 {
        self.src.get(self.pos + off).copied().unwrap_or(0)
    }

    fn bump(&mut self) -> u8 {
        let b = self.src[self.pos];
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        b
    }

    /// Whether a `/` here starts a regex literal.
    fn regex_allowed(&self) -> bool {
        match self.toks.last() {
            None => true,
            Some((Tok::Ident(w), _)) => REGEX_AFTER_KEYWORDS.contains(&w.as_str()),
            Some((Tok::Punct(p), _)) => !matches!(p, b')' | b']'),
            Some((Tok::Str(_), _)) | Some((Tok::Other, _)) => false,
        }
    }

    fn run(mut self) -> Vec<(Tok, usize)> {
        if self.src.starts_with(b"#!") {
            while self.pos < self.src.len() && self.peek(0) != b'\n' {
                self.pos += 1;
            }
        }
        while self.pos < self.src.len() {
            let b = self.peek(0);
            match b {
                b'\n' | b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                    self.bump();
                }
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.src.len() && self.peek(0) != b'\n' {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    self.pos += 2;
                    while self.pos < self.src.len()
                        && !(self.peek(0) == b'*' && self.peek(1) == b'/')
                    {
                        self.bump();
                    }
                    self.pos = (self.pos + 2).min(self.src.len());
                }
                b'/' if self.regex_allowed() => {
                    let line = self.line;
                    self.regex();
                    self.toks.push((Tok::Other, line));
                }
                b'\'' | b'"' => {
                    let line = self.line;
                    let s = self.string(b);
                    self.toks.push((Tok::Str(s), line));
                }
                b'`' => {
                    self.pos += 1;
                    self.template(false);
                }
                b'{' => {
                    self.pos += 1;
                    self.braces.push(false);
                    self.toks.push((Tok::Punct(b'{'), self.line));
                }
                b'}' => {
                    self.pos += 1;
                    if self.braces.pop() == Some(true) {
                        // The end of a `${…}`: the template goes on.
                        self.template(true);
                    } else {
                        self.toks.push((Tok::Punct(b'}'), self.line));
                    }
                }
                b'0'..=b'9' => {
                    while self.pos < self.src.len()
                        && (is_ident_part(self.peek(0))
                            || (self.peek(0) == b'.' && self.peek(1).is_ascii_digit()))
                    {
                        self.pos += 1;
                    }
                    self.toks.push((Tok::Other, self.line));
                }
                b'.' if self.peek(1).is_ascii_digit() => {
                    self.pos += 1;
                    while self.pos < self.src.len() && is_ident_part(self.peek(0)) {
                        self.pos += 1;
                    }
                    self.toks.push((Tok::Other, self.line));
                }
                _ if is_ident_start(b) => {
                    let start = self.pos;
                    self.pos += 1;
                    while self.pos < self.src.len() && is_ident_part(self.peek(0)) {
                        self.pos += 1;
                    }
                    let word = String::from_utf8_lossy(&self.src[start..self.pos]).into_owned();
                    self.toks.push((Tok::Ident(word), self.line));
                }
                _ => {
                    self.pos += 1;
                    self.toks.push((Tok::Punct(b), self.line));
                }
            }
        }
        self.toks
    }

    /// A quoted string from its opening quote; its value, escapes decoded
    /// for the characters specifiers use.
    fn string(&mut self, quote: u8) -> String {
        self.pos += 1;
        let mut out = Vec::new();
        while self.pos < self.src.len() {
            let b = self.bump();
            if b == quote || b == b'\n' {
                break;
            }
            if b == b'\\' && self.pos < self.src.len() {
                let e = self.bump();
                match e {
                    b'\n' => {}
                    b'\r' => {
                        if self.peek(0) == b'\n' {
                            self.bump();
                        }
                    }
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    other => out.push(other),
                }
                continue;
            }
            out.push(b);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The rest of a template literal after its opening backtick or after
    /// the `}` closing a substitution. Pushes a `Str` token for a template
    /// without substitutions, `Other` otherwise; stops at `${`.
    fn template(&mut self, continued: bool) {
        let line = self.line;
        let mut out = Vec::new();
        while self.pos < self.src.len() {
            let b = self.bump();
            match b {
                b'`' => {
                    let tok = if continued {
                        Tok::Other
                    } else {
                        Tok::Str(String::from_utf8_lossy(&out).into_owned())
                    };
                    self.toks.push((tok, line));
                    return;
                }
                b'\\' if self.pos < self.src.len() => {
                    out.push(self.bump());
                }
                b'$' if self.peek(0) == b'{' => {
                    self.pos += 1;
                    self.braces.push(true);
                    self.toks.push((Tok::Other, line));
                    // What follows a substitution's value is an operand
                    // position: `${a}` then `/re/` cannot happen, but keep
                    // the token list honest for the import patterns.
                    self.toks.push((Tok::Punct(b'('), line));
                    return;
                }
                _ => out.push(b),
            }
        }
        self.toks.push((Tok::Other, line));
    }

    /// A regex literal from its opening `/`, with classes and escapes.
    fn regex(&mut self) {
        self.pos += 1;
        let mut in_class = false;
        while self.pos < self.src.len() {
            let b = self.peek(0);
            if b == b'\n' {
                break;
            }
            self.pos += 1;
            match b {
                b'\\' => self.pos = (self.pos + 1).min(self.src.len()),
                b'[' => in_class = true,
                b']' => in_class = false,
                b'/' if !in_class => break,
                _ => {}
            }
        }
        while self.pos < self.src.len() && is_ident_part(self.peek(0)) {
            self.pos += 1;
        }
    }
}

fn is_ident(t: Option<&(Tok, usize)>, w: &str) -> bool {
    matches!(t, Some((Tok::Ident(x), _)) if x == w)
}

fn is_punct(t: Option<&(Tok, usize)>, p: u8) -> bool {
    matches!(t, Some((Tok::Punct(x), _)) if *x == p)
}

/// After a clause starting at `i`, the `from '<s>'` ending it: scans to the
/// first string, which counts only when `from` precedes it.
fn from_clause(toks: &[(Tok, usize)], mut i: usize) -> Option<(String, usize)> {
    let mut depth = 0usize;
    while let Some((t, line)) = toks.get(i) {
        match t {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => depth = depth.saturating_sub(1),
            Tok::Punct(b';') | Tok::Punct(b'(') | Tok::Punct(b'=') if depth == 0 => return None,
            Tok::Str(s) => {
                return (i > 0 && is_ident(toks.get(i - 1), "from")).then(|| (s.clone(), *line));
            }
            Tok::Ident(w) if depth == 0 && (w == "import" || w == "export") => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Every module specifier in `src`, in source order.
pub(crate) fn imports(src: &[u8]) -> Vec<Import> {
    let toks = Lexer {
        src,
        pos: 0,
        line: 1,
        toks: Vec::new(),
        braces: Vec::new(),
    }
    .run();
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let Tok::Ident(w) = &toks[i].0 else { continue };
        if w != "import" && w != "export" {
            continue;
        }
        // `x.import`, `x?.import`: a property, not the keyword.
        if i > 0 && is_punct(toks.get(i - 1), b'.') {
            continue;
        }
        let next = toks.get(i + 1);
        if w == "import" {
            if is_punct(next, b'(') {
                if let (Some((Tok::Str(s), line)), true) = (
                    toks.get(i + 2),
                    is_punct(toks.get(i + 3), b')') || is_punct(toks.get(i + 3), b','),
                ) {
                    out.push(Import {
                        specifier: s.clone(),
                        line: *line,
                        dynamic: true,
                    });
                }
                continue;
            }
            if is_punct(next, b'.') || is_punct(next, b':') || is_punct(next, b'=') {
                continue;
            }
            if let Some((Tok::Str(s), line)) = next {
                out.push(Import {
                    specifier: s.clone(),
                    line: *line,
                    dynamic: false,
                });
                continue;
            }
            // `import type X from`, but not `import type from '…'` (a default
            // import named `type`) nor `import type, {…} from`.
            if is_ident(next, "type")
                && !is_ident(toks.get(i + 2), "from")
                && !is_punct(toks.get(i + 2), b',')
            {
                continue;
            }
        } else {
            // export: only the re-exporting forms.
            if is_ident(next, "type") {
                continue;
            }
            if !(is_punct(next, b'*') || is_punct(next, b'{')) {
                continue;
            }
        }
        if let Some((s, line)) = from_clause(&toks, i + 1) {
            out.push(Import {
                specifier: s,
                line,
                dynamic: false,
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "lex_tests.rs"]
mod tests;
