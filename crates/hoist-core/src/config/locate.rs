//! Finds where a key sits in hoist.yaml so that checks made after parsing can
//! still report a line and column. It reads block-style YAML, which is what
//! `hoist init` writes and what people write by hand; flow-style maps fall
//! back to the parent key's position. It also finds keys written twice in
//! one mapping.

/// 1-based line and column of the key at `path` (e.g. functions → hello →
/// runtime), or of the deepest ancestor that could be found.
pub fn locate(source: &str, path: &[&str]) -> Option<(usize, usize)> {
    let mut found: Option<(usize, usize)> = None;
    let mut depth = 0usize;
    // Indentation of the key matched at the current depth.
    let mut parent_indent: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        if depth == path.len() {
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(p) = parent_indent {
            if indent <= p {
                // Left the parent's block without finding the child.
                break;
            }
        }
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        let Some(key) = key_of(body) else { continue };
        if key == path[depth] {
            found = Some((i + 1, indent + 1));
            parent_indent = Some(indent);
            depth += 1;
        }
    }
    found
}

fn key_of(body: &str) -> Option<&str> {
    let (key, _) = if let Some(rest) = body.strip_prefix('"') {
        let end = rest.find('"')?;
        return rest[end + 1..]
            .trim_start()
            .starts_with(':')
            .then_some(&rest[..end]);
    } else if let Some(rest) = body.strip_prefix('\'') {
        let end = rest.find('\'')?;
        return rest[end + 1..]
            .trim_start()
            .starts_with(':')
            .then_some(&rest[..end]);
    } else {
        let colon = body
            .find(": ")
            .or_else(|| body.ends_with(':').then(|| body.len() - 1))?;
        (body[..colon].trim_end(), ())
    };
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::locate;

    const SRC: &str = "project: demo\n# comment\nfunctions:\n  hello:\n    path: functions/hello\n    env:\n      A: \"1\"\n  other:\n    runtime: bun\n";

    #[test]
    fn finds_nested_keys() {
        assert_eq!(locate(SRC, &["functions", "hello", "path"]), Some((5, 5)));
        assert_eq!(
            locate(SRC, &["functions", "hello", "env", "A"]),
            Some((7, 7))
        );
        assert_eq!(
            locate(SRC, &["functions", "other", "runtime"]),
            Some((9, 5))
        );
    }

    #[test]
    fn falls_back_to_the_deepest_parent() {
        assert_eq!(
            locate(SRC, &["functions", "hello", "runtime"]),
            Some((4, 3))
        );
        assert_eq!(locate(SRC, &["storage"]), None);
    }
}

/// Keys that appear twice in the same block mapping, as (line, column, key).
/// YAML parsers keep the last one and drop the first without a word, so
/// hoist looks for them in the text: one pass, a set of keys per open
/// mapping, linear in the size of the file.
pub(crate) fn duplicate_keys(source: &str) -> Vec<(usize, usize, String)> {
    // Stack of (indent, keys seen at that indent in the current mapping).
    let mut stack: Vec<(usize, std::collections::HashSet<&str>)> = Vec::new();
    let mut dups = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut indent = line.len() - trimmed.len();
        let mut body = trimmed;
        if let Some(rest) = body.strip_prefix("- ") {
            // A list item starts a new mapping one level in.
            indent += 2;
            body = rest.trim_start();
            while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
                stack.pop();
            }
        }
        let Some(key) = key_of(body) else { continue };
        while stack.last().is_some_and(|(ind, _)| *ind > indent) {
            stack.pop();
        }
        match stack.last_mut() {
            Some((ind, keys)) if *ind == indent => {
                if !keys.insert(key) {
                    dups.push((i + 1, indent + 1, key.to_string()));
                }
            }
            _ => stack.push((indent, std::collections::HashSet::from([key]))),
        }
    }
    dups
}

#[cfg(test)]
mod dup_tests {
    #[test]
    fn finds_duplicates_per_mapping() {
        let src = "functions:\n  a:\n    path: x\n  b:\n    path: y\n  a:\n    runtime: deno\nlist:\n  - name: a\n  - name: b\n";
        assert_eq!(super::duplicate_keys(src), vec![(6, 3, "a".to_string())]);
    }
}
