//! A Dockerfile parser for what function Dockerfiles use: parser directives
//! (`# escape=`), comments, line continuations, instructions split into
//! stages at each FROM, `--flags`, exec (JSON) and shell forms, and docker's
//! word rules — quotes, escapes and `$VAR` / `${VAR:-default}` /
//! `${VAR:+alt}` substitution — applied later with the build's variables.
//! Every error names the Dockerfile line. Interpreting the instructions is
//! the native builder's job ([`super::native`]).

use std::collections::BTreeMap;

use crate::image::ImageError;

/// Instructions hoist knows (BuildKit's list); others are errors.
const KNOWN: &[&str] = &[
    "FROM",
    "ARG",
    "ENV",
    "LABEL",
    "WORKDIR",
    "COPY",
    "ADD",
    "USER",
    "EXPOSE",
    "ENTRYPOINT",
    "CMD",
    "HEALTHCHECK",
    "STOPSIGNAL",
    "VOLUME",
    "SHELL",
    "MAINTAINER",
    "RUN",
    "ONBUILD",
];

/// Flags each instruction accepts.
fn allowed_flags(keyword: &str) -> &'static [&'static str] {
    match keyword {
        "FROM" => &["platform"],
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &[
            "chown",
            "chmod",
            "link",
            "checksum",
            "keep-git-dir",
            "exclude",
        ],
        "HEALTHCHECK" => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        "RUN" => &["mount", "network", "security"],
        _ => &[],
    }
}

/// One instruction as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instruction {
    /// 1-based line where the instruction starts.
    pub(crate) line: usize,
    /// Upper-case keyword.
    pub(crate) keyword: String,
    /// `--name[=value]` flags in order.
    pub(crate) flags: Vec<(String, Option<String>)>,
    /// The arguments after the flags, continuation lines joined.
    pub(crate) args: String,
    /// The arguments as a JSON array, when written in exec form.
    pub(crate) json: Option<Vec<String>>,
    /// The instruction as written (continuations joined), for history.
    pub(crate) original: String,
    /// Whether it takes heredocs (`RUN <<EOF` … `EOF`): their bodies are
    /// skipped here, and only an external builder can carry it out.
    pub(crate) heredoc: bool,
}

impl Instruction {
    pub(crate) fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }
}

/// One build stage: a FROM and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stage {
    pub(crate) index: usize,
    pub(crate) from: Instruction,
    /// The image (or stage) named after FROM, before substitution.
    pub(crate) base: String,
    /// `AS name`, lower-cased as docker does.
    pub(crate) name: Option<String>,
    pub(crate) instructions: Vec<Instruction>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// ARGs before the first FROM.
    pub(crate) global_args: Vec<Instruction>,
    pub(crate) stages: Vec<Stage>,
    pub escape: char,
}

/// The global ARGs' defaults (`ARG NAME=value` before the first FROM),
/// for names in FROM and `--from` before any build argument is known.
pub fn global_defaults(df: &Dockerfile) -> Vars {
    let mut vars = Vars::new();
    for a in &df.global_args {
        if let Ok(ws) = words(&a.args, Some(&vars), df.escape) {
            for w in ws {
                let (k, v) = w.split_once('=').unwrap_or((&w, ""));
                vars.insert(k.to_string(), v.to_string());
            }
        }
    }
    vars
}

/// A parse error pointing at a line of `file`.
pub fn line_error(file: &str, line: usize, msg: impl std::fmt::Display) -> ImageError {
    ImageError::Dockerfile {
        file: file.to_string(),
        line: Some(line),
        message: msg.to_string(),
    }
}

/// Parse Dockerfile `text`; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Dockerfile, ImageError> {
    // Editors on Windows may start the file with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let (escape, first) = directives(&lines, file)?;
    let insts = instructions(&lines, first, escape, file)?;
    let (global_args, stages) = stages(insts, file)?;
    Ok(Dockerfile {
        global_args,
        stages,
        escape,
    })
}

/// Parser directives: `# key=value` lines at the very top. Returns the
/// escape character and the index of the first line after them.
fn directives(lines: &[&str], file: &str) -> Result<(char, usize), ImageError> {
    let mut escape = '\\';
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(rest) = l.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k.contains(' ') || k.is_empty() {
            break;
        }
        if k == "escape" {
            escape = match v.trim() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(line_error(
                        file,
                        i + 1,
                        format!("escape must be ` or \\, not `{other}`"),
                    ))
                }
            };
        }
        i += 1;
    }
    Ok((escape, i))
}

/// The instructions from line index `i` on: comments and blank lines
/// skipped, continuations joined, heredoc bodies stepped over.
fn instructions(
    lines: &[&str],
    mut i: usize,
    escape: char,
    file: &str,
) -> Result<Vec<Instruction>, ImageError> {
    let mut insts = Vec::new();
    while i < lines.len() {
        let start = i;
        let first = lines[i];
        i += 1;
        let t = first.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let joined = continued(first, lines, &mut i, escape);
        let mut inst = instruction(&joined, start + 1, file)?;
        if matches!(inst.keyword.as_str(), "RUN" | "COPY" | "ADD") && inst.json.is_none() {
            skip_heredocs(&mut inst, lines, &mut i, file)?;
        }
        insts.push(inst);
    }
    Ok(insts)
}

/// The logical line that starts with `first`: while a line ends with the
/// escape character, the next one (past `*i`, comment and blank lines
/// inside a continuation skipped) is joined to it.
fn continued(first: &str, lines: &[&str], i: &mut usize, escape: char) -> String {
    let mut joined = String::new();
    let mut cur = first.trim_end().to_string();
    loop {
        let continues = cur.ends_with(escape) && !cur.ends_with(&format!("{escape}{escape}"));
        if !continues {
            joined.push_str(&cur);
            return joined;
        }
        cur.pop();
        joined.push_str(&cur);
        let mut next = None;
        while *i < lines.len() {
            let n = lines[*i];
            *i += 1;
            let nt = n.trim();
            if nt.starts_with('#') || nt.is_empty() {
                continue;
            }
            next = Some(n.trim_end().to_string());
            break;
        }
        match next {
            Some(n) => cur = n,
            None => return joined,
        }
    }
}

/// Steps `*i` over the bodies of `inst`'s heredocs: each runs up to its
/// delimiter on a line of its own (after leading tabs for `<<-`).
fn skip_heredocs(
    inst: &mut Instruction,
    lines: &[&str],
    i: &mut usize,
    file: &str,
) -> Result<(), ImageError> {
    for (word, strip_tabs) in heredocs(&inst.args) {
        let mut closed = false;
        while *i < lines.len() {
            let l = lines[*i];
            *i += 1;
            let l = if strip_tabs {
                l.trim_start_matches('\t')
            } else {
                l
            };
            if l == word {
                closed = true;
                break;
            }
        }
        if !closed {
            return Err(line_error(
                file,
                inst.line,
                format!("heredoc `{word}` has no closing `{word}` line"),
            ));
        }
        inst.heredoc = true;
    }
    Ok(())
}

/// The instructions split into stages at each FROM; the ARGs before the
/// first FROM are global, and nothing else may come first.
fn stages(
    insts: Vec<Instruction>,
    file: &str,
) -> Result<(Vec<Instruction>, Vec<Stage>), ImageError> {
    let mut global_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for inst in insts {
        if inst.keyword == "FROM" {
            let (base, name) = from_args(&inst, &stages, file)?;
            stages.push(Stage {
                index: stages.len(),
                from: inst,
                base,
                name,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(inst);
        } else if inst.keyword == "ARG" {
            global_args.push(inst);
        } else {
            return Err(line_error(
                file,
                inst.line,
                format!(
                    "{} before the first FROM (only ARG may come first)",
                    inst.keyword
                ),
            ));
        }
    }
    if stages.is_empty() {
        return Err(ImageError::Dockerfile {
            file: file.to_string(),
            line: None,
            message: "no FROM instruction".into(),
        });
    }
    Ok((global_args, stages))
}

/// FROM's base image and optional `AS name` (lowercased, well formed and
/// not already used by one of `stages`).
fn from_args(
    inst: &Instruction,
    stages: &[Stage],
    file: &str,
) -> Result<(String, Option<String>), ImageError> {
    let words: Vec<&str> = inst.args.split_whitespace().collect();
    match words.as_slice() {
        [base] => Ok((base.to_string(), None)),
        [base, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => {
            let name = name.to_ascii_lowercase();
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                || !name.starts_with(|c: char| c.is_ascii_alphabetic())
            {
                return Err(line_error(
                    file,
                    inst.line,
                    format!("stage name `{name}` must start with a letter and hold only letters, digits and `._-`"),
                ));
            }
            if stages
                .iter()
                .any(|s| s.name.as_deref() == Some(name.as_str()))
            {
                return Err(line_error(
                    file,
                    inst.line,
                    format!("stage name `{name}` is used twice"),
                ));
            }
            Ok((base.to_string(), Some(name)))
        }
        _ => Err(line_error(
            file,
            inst.line,
            "FROM takes an image and an optional `AS name`",
        )),
    }
}

fn instruction(text: &str, line: usize, file: &str) -> Result<Instruction, ImageError> {
    let text = text.trim();
    let (kw, rest) = match text.find(char::is_whitespace) {
        Some(p) => (&text[..p], text[p..].trim_start()),
        None => (text, ""),
    };
    let keyword = kw.to_ascii_uppercase();
    if !KNOWN.contains(&keyword.as_str()) {
        let hint = KNOWN
            .iter()
            .map(|k| (strsim::damerau_levenshtein(k, &keyword), k))
            .min()
            .filter(|(d, _)| *d <= 2)
            .map_or_else(String::new, |(_, k)| format!(" (did you mean {k}?)"));
        return Err(line_error(
            file,
            line,
            format!("unknown instruction `{kw}`{hint}"),
        ));
    }
    let allowed = allowed_flags(&keyword);
    let mut flags = Vec::new();
    let mut args = rest;
    while let Some(f) = args.strip_prefix("--") {
        let end = f.find(char::is_whitespace).unwrap_or(f.len());
        let token = &f[..end];
        let (name, value) = match token.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (token.to_string(), None),
        };
        if !allowed.contains(&name.as_str()) {
            return Err(line_error(
                file,
                line,
                format!("{keyword} does not take the flag --{name}"),
            ));
        }
        flags.push((name, value));
        args = f[end..].trim_start();
    }
    if args.is_empty() && !matches!(keyword.as_str(), "HEALTHCHECK") {
        return Err(line_error(file, line, format!("{keyword} needs arguments")));
    }
    let json = if args.starts_with('[') {
        match serde_json::from_str::<Vec<String>>(args) {
            Ok(v) => Some(v),
            Err(_) if matches!(keyword.as_str(), "CMD" | "ENTRYPOINT" | "SHELL") => {
                // Docker falls back to shell form for a broken array, which
                // runs `/bin/sh -c '["…'` and fails at start; say it now.
                return Err(line_error(
                    file,
                    line,
                    format!("{keyword} looks like a JSON array but is not one (use double quotes)"),
                ));
            }
            Err(_) => None,
        }
    } else {
        None
    };
    Ok(Instruction {
        line,
        keyword,
        flags,
        args: args.to_string(),
        json,
        original: text.to_string(),
        heredoc: false,
    })
}

/// The heredocs an instruction opens, in order: `<<WORD`, `<<-WORD`,
/// `<<"WORD"`, `<<'WORD'` as (delimiter, strip leading tabs). `<<<` (a
/// here-string) and `<<2` (a shift) are not heredocs.
fn heredocs(args: &str) -> Vec<(String, bool)> {
    let b = args.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if !(b[i] == b'<' && b[i + 1] == b'<') || (i > 0 && b[i - 1] == b'<') {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        let strip = b.get(j) == Some(&b'-');
        if strip {
            j += 1;
        }
        let quote = b.get(j).copied().filter(|q| *q == b'"' || *q == b'\'');
        if quote.is_some() {
            j += 1;
        }
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        let word = &args[start..j];
        let ident = word
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let quoted_ok = quote.is_none_or(|q| b.get(j) == Some(&q));
        if ident && quoted_ok {
            out.push((word.to_string(), strip));
            j += usize::from(quote.is_some());
        }
        i = j.max(i + 2);
    }
    out
}

/// Variables visible to substitution.
pub(crate) type Vars = BTreeMap<String, String>;

/// docker's word processing: split `s` on unquoted whitespace, resolving
/// quotes, escapes and (when `vars` is given) `$` substitution.
pub fn words(s: &str, vars: Option<&Vars>, escape: char) -> Result<Vec<String>, String> {
    lex(s, vars, escape, true)
}

/// Like [`words`] but without splitting: one value (legacy `ENV k v`, WORKDIR).
pub(crate) fn word(s: &str, vars: Option<&Vars>, escape: char) -> Result<String, String> {
    // No word at all (an empty value) is the empty word.
    Ok(lex(s, vars, escape, false)?
        .into_iter()
        .next()
        .unwrap_or_else(String::new))
}

/// Substitute `$` variables only, leaving quotes alone (JSON forms).
pub(crate) fn expand(s: &str, vars: &Vars, escape: char) -> Result<String, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == escape && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
        } else if c == '$' {
            i = substitute(&chars, i, vars, escape, &mut out)?;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn lex(s: &str, vars: Option<&Vars>, escape: char, split: bool) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if split && c.is_whitespace() {
            if in_word {
                out.push(std::mem::take(&mut cur));
                in_word = false;
            }
            i += 1;
            continue;
        }
        in_word = true;
        if c == escape {
            match chars.get(i + 1) {
                Some(&n) => {
                    cur.push(n);
                    i += 2;
                }
                None => {
                    cur.push(c);
                    i += 1;
                }
            }
        } else if c == '\'' {
            i += 1;
            loop {
                match chars.get(i) {
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        cur.push(ch);
                        i += 1;
                    }
                    None => return Err("unterminated single quote".into()),
                }
            }
        } else if c == '"' {
            i += 1;
            loop {
                match chars.get(i) {
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) if ch == escape => match chars.get(i + 1) {
                        Some(&n) if n == '"' || n == '$' || n == escape => {
                            cur.push(n);
                            i += 2;
                        }
                        _ => {
                            cur.push(ch);
                            i += 1;
                        }
                    },
                    Some('$') if vars.is_some() => {
                        i = substitute(&chars, i, vars.unwrap_or(&Vars::new()), escape, &mut cur)?;
                    }
                    Some(&ch) => {
                        cur.push(ch);
                        i += 1;
                    }
                    None => return Err("unterminated double quote".into()),
                }
            }
        } else if c == '$' && vars.is_some() {
            i = substitute(&chars, i, vars.unwrap_or(&Vars::new()), escape, &mut cur)?;
        } else {
            cur.push(c);
            i += 1;
        }
    }
    if in_word || !split {
        out.push(cur);
    }
    Ok(out)
}

/// Substitute the variable starting at `chars[i] == '$'`; returns the index
/// after it.
fn substitute(
    chars: &[char],
    i: usize,
    vars: &Vars,
    escape: char,
    out: &mut String,
) -> Result<usize, String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match chars.get(i + 1) {
        Some('{') => {
            let close = chars[i + 2..]
                .iter()
                .position(|c| *c == '}')
                .map(|p| p + i + 2)
                .ok_or("missing `}` in a `${` substitution")?;
            let inner: String = chars[i + 2..close].iter().collect();
            let name_end = inner.find(|c: char| !is_name(c)).unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_end);
            if name.is_empty() {
                return Err(format!("`${{{inner}}}` has no variable name"));
            }
            let val = vars.get(name);
            match op {
                "" => out.push_str(val.map(String::as_str).unwrap_or("")),
                _ if op.starts_with(":-") => match val {
                    Some(v) if !v.is_empty() => out.push_str(v),
                    _ => out.push_str(&word(&op[2..], Some(vars), escape)?),
                },
                _ if op.starts_with(":+") => {
                    if val.is_some_and(|v| !v.is_empty()) {
                        out.push_str(&word(&op[2..], Some(vars), escape)?)
                    }
                }
                _ if op.starts_with('-') => match val {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&word(&op[1..], Some(vars), escape)?),
                },
                _ if op.starts_with('+') => {
                    if val.is_some() {
                        out.push_str(&word(&op[1..], Some(vars), escape)?)
                    }
                }
                _ if op.starts_with(":?") || op.starts_with('?') => {
                    if val.is_none_or(|v| v.is_empty() && op.starts_with(':')) {
                        let msg = op.trim_start_matches(':').trim_start_matches('?');
                        return Err(format!(
                            "{name}: {}",
                            if msg.is_empty() { "is not set" } else { msg }
                        ));
                    }
                    out.push_str(val.map(String::as_str).unwrap_or(""));
                }
                _ => return Err(format!("unsupported substitution `${{{inner}}}`")),
            }
            Ok(close + 1)
        }
        Some(&c) if is_name(c) && !c.is_ascii_digit() => {
            let mut j = i + 1;
            while j < chars.len() && is_name(chars[j]) {
                j += 1;
            }
            let name: String = chars[i + 1..j].iter().collect();
            out.push_str(vars.get(&name).map(String::as_str).unwrap_or(""));
            Ok(j)
        }
        _ => {
            out.push('$');
            Ok(i + 1)
        }
    }
}

/// Split `k=v` words (ENV, LABEL, ARG) into pairs.
pub(crate) fn pairs(words: Vec<String>) -> Result<Vec<(String, String)>, String> {
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("`{w}` is not of the form key=value")),
        })
        .collect()
}

/// A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds.
pub fn duration_ns(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}` is not a duration (e.g. 30s, 1m30s, 500ms)");
    let mut total: f64 = 0.0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    if rest == "0" {
        return Ok(0);
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let n: f64 = rest[..num_end].parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += n * mult;
        rest = &rest[unit_end..];
    }
    Ok(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn heredoc_bodies_are_skipped_and_marked() {
        let text = "FROM busybox\nRUN <<EOF\necho hi\nunknown-word here\nEOF\nCOPY <<-\"A\" <<'B' /dst/\n\tone\n\tA\ntwo\nB\nRUN echo $((1<<2)) && cat <<<x\nCMD [\"sh\"]\n";
        let d = parse(text, "Dockerfile").unwrap();
        let insts = &d.stages[0].instructions;
        let kinds: Vec<(&str, usize, bool)> = insts
            .iter()
            .map(|i| (i.keyword.as_str(), i.line, i.heredoc))
            .collect();
        assert_eq!(
            kinds,
            [
                ("RUN", 2, true),
                ("COPY", 6, true),
                ("RUN", 11, false),
                ("CMD", 12, false)
            ]
        );
        let err = parse("FROM busybox\nRUN <<EOF\necho\n", "D").unwrap_err();
        assert!(err.to_string().contains("D:2: heredoc `EOF`"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let d = parse("\u{feff}FROM scratch\nCOPY a /a\n", "D").unwrap();
        assert_eq!(d.stages[0].base, "scratch");
    }

    #[test]
    fn stages_flags_continuations_and_lines() {
        let text = "# escape=\\\nARG BASE=busybox\n\n# a comment\nFROM --platform=$BUILDPLATFORM ${BASE} AS Build\nCOPY --chown=1:2 \\\n  # inside\n  a b /dst/\nFROM scratch\nCOPY --from=build /x /y\nCMD [\"/y\"]\n";
        let d = parse(text, "Dockerfile").unwrap();
        assert_eq!(d.global_args.len(), 1);
        assert_eq!(d.stages.len(), 2);
        let s0 = &d.stages[0];
        assert_eq!(s0.name.as_deref(), Some("build"));
        assert_eq!(s0.from.line, 5);
        assert_eq!(s0.from.flag("platform"), Some("$BUILDPLATFORM"));
        let copy = &s0.instructions[0];
        assert_eq!((copy.line, copy.keyword.as_str()), (6, "COPY"));
        assert_eq!(copy.flag("chown"), Some("1:2"));
        assert_eq!(
            copy.args.split_whitespace().collect::<Vec<_>>(),
            ["a", "b", "/dst/"]
        );
        assert_eq!(
            d.stages[1].instructions[1].json,
            Some(vec!["/y".to_string()])
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("FROM scratch\nCOPY a b\nFRUM x\n", "Dockerfile")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "Dockerfile:3: unknown instruction `FRUM` (did you mean FROM?)"
        );
        let e = parse("ENV A=1\nFROM scratch\n", "D")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("D:1: ENV before the first FROM"), "{}", e);
        let e = parse("FROM scratch\nCOPY --nope a b\n", "D")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "D:2: COPY does not take the flag --nope");
        let e = parse("FROM scratch\nCMD [\"a\", 'b']\n", "D")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("D:2: CMD looks like a JSON array"), "{}", e);
        assert!(parse("# nothing\n", "D")
            .unwrap_err()
            .to_string()
            .contains("no FROM"));
    }

    #[test]
    fn word_rules() {
        let v = vars(&[("A", "1"), ("EMPTY", "")]);
        assert_eq!(
            words(
                r#"x=$A y="a b $A" z='$A' w=${A:+set} u=${EMPTY:-dflt} q=\$A"#,
                Some(&v),
                '\\'
            )
            .unwrap(),
            ["x=1", "y=a b 1", "z=$A", "w=set", "u=dflt", "q=$A"]
        );
        assert_eq!(
            word("hello   world $A", Some(&v), '\\').unwrap(),
            "hello   world 1"
        );
        assert_eq!(expand("${A}-$NOPE-x", &v, '\\').unwrap(), "1--x");
        assert!(words("\"open", Some(&v), '\\').is_err());
        assert_eq!(
            pairs(vec!["a=b=c".into()]).unwrap(),
            [("a".into(), "b=c".into())]
        );
        assert!(pairs(vec!["novalue".into()]).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ns("30s").unwrap(), 30_000_000_000);
        assert_eq!(duration_ns("1m30s").unwrap(), 90_000_000_000);
        assert_eq!(duration_ns("500ms").unwrap(), 500_000_000);
        assert!(duration_ns("10").is_err());
        assert!(duration_ns("5x").is_err());
    }
}
