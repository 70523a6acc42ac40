//! Parsing hoist.yaml so that one bad key does not hide the others. serde
//! stops at the first error (`deny_unknown_fields` makes an unknown key
//! one), so [`parse`] parses again after each error with the offending
//! entry blanked out of a copy of the text: an unknown key loses its own
//! lines, a value of the wrong type loses its function entry (or its
//! top-level section). Lines are replaced, never removed, so every later
//! error keeps its real line and column. When what is left cannot stand
//! for the file (a bad `project:` or `defaults:`), parsing stops there and
//! the checks that need the whole file are skipped.

use super::schema::ConfigFile;
use super::Problem;

/// Most errors collected from one file before giving up.
const MAX_ERRORS: usize = 50;

/// Most bytes parsed in all while collecting: a large file with many bad
/// keys is reported up to here (each further error costs a whole parse),
/// so any hoist.yaml is answered in bounded time.
const PARSE_BUDGET: usize = 2 << 20;

/// The parsed file (with the bad entries left out) and a problem per entry
/// left out. `None` when the file could not be parsed far enough for the
/// remaining checks to mean anything.
pub(super) fn parse(source: &str) -> (Option<ConfigFile>, Vec<Problem>) {
    let mut text: Vec<String> = source.lines().map(str::to_string).collect();
    let original = text.clone();
    let mut problems: Vec<Problem> = Vec::new();
    let mut parsed = 0;
    for _ in 0..MAX_ERRORS {
        // The first pass reads the text exactly as written.
        let joined = if problems.is_empty() {
            source.to_string()
        } else {
            text.join("\n") + "\n"
        };
        parsed += joined.len();
        if !problems.is_empty() && parsed > PARSE_BUDGET {
            problems.push(Problem::new(
                None,
                None,
                format!(
                    "stopped after {} problems: the file is large; fix these and run `hoist config validate` again",
                    problems.len()
                ),
                None,
            ));
            return (None, problems);
        }
        let err = match serde_yaml_ng::from_str::<ConfigFile>(&joined) {
            Ok(c) => return (Some(c), problems),
            Err(e) => e,
        };
        let mut problem = super::parse_problem(&err);
        let at = err.location().map(|l| (l.line(), l.column()));
        problem.function = at
            .filter(|(l, _)| *l >= 1 && *l <= original.len())
            .and_then(|(l, _)| function_at(&original, l - 1));
        let unknown = problem.message.contains("unknown key `");
        // A syntax error leaves nothing reliable to parse after it.
        let data = [
            "unknown key",
            "unknown value",
            "invalid type",
            "invalid value",
            "invalid length",
        ]
        .iter()
        .any(|w| problem.message.contains(w));
        problems.push(problem);
        if !data {
            return (None, problems);
        }
        let Some((line, column)) = at.filter(|(l, _)| *l >= 1 && *l <= text.len()) else {
            return (None, problems);
        };
        let cut = if unknown {
            // A key inside a flow map (`{ a: 1, b: 2 }`) cannot be cut by lines.
            let l = &text[line - 1];
            let key_column = indent(l)
                + if l.trim_start().starts_with("- ") {
                    3
                } else {
                    1
                };
            (column == key_column)
                .then(|| entry_at(&text, line - 1))
                .flatten()
        } else {
            unit_of(&text, line - 1)
        };
        let Some((start, end)) = cut else {
            return (None, problems);
        };
        let own = indent(&text[start]);
        for l in &mut text[start..end] {
            *l = String::new();
        }
        empty_parent_to_map(&mut text, start, end, own);
    }
    (None, problems)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The lines of the block-style entry whose key starts line `at`: that line
/// and the more indented lines below it.
fn entry_at(text: &[String], at: usize) -> Option<(usize, usize)> {
    let own = indent(&text[at]);
    let mut end = at + 1;
    while end < text.len() && (blank(&text[end]) || indent(&text[end]) > own) {
        end += 1;
    }
    Some((at, end))
}

/// When the lines `start..end` were the only entries of their parent key
/// (`a:` above them), the parent would now be null, which reads as a type
/// error of its own: make it an empty map (`a: {}`) instead.
fn empty_parent_to_map(text: &mut [String], start: usize, end: usize, own: usize) {
    let Some(parent) = (0..start).rev().find(|&i| !blank(&text[i])) else {
        return;
    };
    let p_indent = indent(&text[parent]);
    let next = (end..text.len()).find(|&i| !blank(&text[i]));
    let has_children = next.is_some_and(|i| indent(&text[i]) > p_indent);
    if text[parent].trim_end().ends_with(':') && !has_children && p_indent < own {
        text[parent] = format!("{} {{}}", text[parent].trim_end());
    }
}

/// The unit a bad value at line `at` is dropped with: its function's entry
/// under `functions:`, or its top-level section. `None` when dropping would
/// change what the rest means (`project`, `defaults`, `functions:` itself).
fn unit_of(text: &[String], at: usize) -> Option<(usize, usize)> {
    let top = (0..=at)
        .rev()
        .find(|&i| !blank(&text[i]) && indent(&text[i]) == 0)?;
    let key = text[top].split(':').next().unwrap_or("").trim();
    match key {
        "project" | "defaults" => None,
        "functions" => entry_at(text, function_key_line(text, top, at)?),
        _ => entry_at(text, top),
    }
}

/// The line of the function key whose entry holds line `at`, below the
/// `functions:` line `top`: the least indented line between them. `None`
/// for `functions:` itself.
fn function_key_line(text: &[String], top: usize, at: usize) -> Option<usize> {
    if at == top {
        return None;
    }
    let unit = (top + 1..=at)
        .filter(|&i| !blank(&text[i]))
        .map(|i| indent(&text[i]))
        .min()?;
    (top + 1..=at)
        .rev()
        .find(|&i| !blank(&text[i]) && indent(&text[i]) == unit)
}

/// The function whose entry under `functions:` holds line `at`, when the
/// line is inside one (block style).
fn function_at(text: &[String], at: usize) -> Option<String> {
    let top = (0..=at)
        .rev()
        .find(|&i| !blank(&text[i]) && indent(&text[i]) == 0)?;
    if text[top].split(':').next().unwrap_or("").trim() != "functions" {
        return None;
    }
    let start = function_key_line(text, top, at)?;
    let key = text[start].trim().split(':').next().unwrap_or("").trim();
    let name = key.trim_matches(|c| c == '"' || c == '\'');
    super::valid_function_name(name).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(src: &str) -> (bool, Vec<(Option<usize>, String)>) {
        let (c, p) = parse(src);
        (
            c.is_some(),
            p.into_iter().map(|p| (p.line, p.message)).collect(),
        )
    }

    #[test]
    fn every_unknown_key_and_bad_function_is_reported() {
        let src = "project: demo\nfunctions:\n  a:\n    runtime: deno\n    memroy: 3\n  b:\n    runtime: bun\n    port: lots\n  c:\n    runtime: deno\nbundle:\n  limt_mb: 3\nregsitry: {}\n";
        let (parsed, got) = messages(src);
        assert!(parsed, "{got:?}");
        let lines: Vec<Option<usize>> = got.iter().map(|g| g.0).collect();
        assert_eq!(lines, vec![Some(5), Some(8), Some(12), Some(13)], "{got:?}");
        assert!(got[0].1.contains("unknown key `memroy`"), "{got:?}");
        assert!(got[1].1.contains("invalid type"), "{got:?}");
        assert!(got[3].1.contains("unknown key `regsitry`"), "{got:?}");
        // The functions' problems name them; the sections' do not.
        let (_, p) = parse(src);
        let owners: Vec<Option<&str>> = p.iter().map(|p| p.function.as_deref()).collect();
        assert_eq!(owners, vec![Some("a"), Some("b"), None, None]);
    }

    #[test]
    fn a_bad_project_or_defaults_stops_the_rest() {
        let (parsed, got) = messages("project: [a]\nfunctions: {}\n");
        assert!(!parsed);
        assert_eq!(got.len(), 1);
        let (parsed, _) = messages("project: p\ndefaults:\n  runtime: cobol\n");
        assert!(!parsed);
    }
}
