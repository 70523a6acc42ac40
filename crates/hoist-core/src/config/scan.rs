//! A pass over hoist.yaml's text before the YAML parser sees it, refusing
//! what would cost the parser unbounded memory or time: aliases (`*name`),
//! which a few lines can multiply into gigabytes and which hoist.yaml has
//! no use for, and flow collections (`[`, `{`) nested deeper than
//! [`MAX_FLOW_DEPTH`]. It follows quotes, comments and block scalars so
//! that a `*` or `[` inside a value is not mistaken for one. Linear time.

/// Deepest nesting of `[` / `{` accepted.
pub(crate) const MAX_FLOW_DEPTH: usize = 64;

/// What the scan refused, with its 1-based line and column.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    Alias {
        line: usize,
        column: usize,
        name: String,
    },
    TooDeep {
        line: usize,
        column: usize,
    },
}

/// The first alias or over-deep flow collection in `source`, if any.
pub(crate) fn scan(source: &str) -> Option<Refused> {
    let mut quote: Option<char> = None;
    let mut flow = 0usize;
    // Indentation of the line that opened a block scalar (`|`, `>`).
    let mut block: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(b) = block {
            if trimmed.is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        // Last non-space character outside quotes on this line, and whether
        // whitespace came after it.
        let mut prev: Option<char> = None;
        let mut spaced = true;
        let mut escaped = false;
        for (j, c) in line.char_indices() {
            if let Some(q) = quote {
                if q == '"' && escaped {
                    escaped = false;
                } else if q == '"' && c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    prev = Some(c);
                    spaced = false;
                }
                continue;
            }
            if c.is_whitespace() {
                spaced = true;
                continue;
            }
            if c == '#' && spaced {
                break;
            }
            let node_start = match prev {
                None => true,
                Some('[' | '{') => true,
                Some(',') => flow > 0,
                Some(':') => spaced || flow > 0,
                Some('-' | '?') => spaced,
                _ => false,
            };
            if node_start {
                match c {
                    '*' => {
                        let name: String = line[j + 1..]
                            .chars()
                            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
                            .collect();
                        return Some(Refused::Alias {
                            line: i + 1,
                            column: j + 1,
                            name,
                        });
                    }
                    '"' | '\'' => quote = Some(c),
                    '[' | '{' => {
                        flow += 1;
                        if flow > MAX_FLOW_DEPTH {
                            return Some(Refused::TooDeep {
                                line: i + 1,
                                column: j + 1,
                            });
                        }
                    }
                    '|' | '>' if flow == 0 => {
                        block = Some(indent);
                        break;
                    }
                    _ => {}
                }
            }
            if flow > 0 && matches!(c, ']' | '}') {
                flow -= 1;
            }
            prev = Some(c);
            spaced = false;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{scan, Refused};

    #[test]
    fn finds_aliases_where_a_node_starts() {
        let alias = |l, c, n: &str| {
            Some(Refused::Alias {
                line: l,
                column: c,
                name: n.into(),
            })
        };
        assert_eq!(scan("a: &s x\nb: *s\n"), alias(2, 4, "s"));
        assert_eq!(scan("a: [x, *s]\n"), alias(1, 8, "s"));
        assert_eq!(scan("a:\n  - *s\n"), alias(2, 5, "s"));
        assert_eq!(scan("<<: *base\n"), alias(1, 5, "base"));
    }

    #[test]
    fn ignores_stars_inside_values() {
        for src in [
            "include: [\"src/**\", '*.ts']\n",
            "include:\n  - src/**/*.ts\n",
            "a: x * y # *not\n",
            "a: \"multi\n  *line\"\n",
            "a: |\n  *block\n  [[[[\nb: c\n",
            "a: it's *fine\n",
        ] {
            assert_eq!(scan(src), None, "{src}");
        }
    }

    #[test]
    fn refuses_deep_flow_nesting() {
        let src = format!("functions: {}", "[".repeat(200_000));
        assert_eq!(
            scan(&src),
            Some(Refused::TooDeep {
                line: 1,
                column: 76
            })
        );
        let ok = format!("a: {}{}\n", "[".repeat(64), "]".repeat(64));
        assert_eq!(scan(&ok), None);
    }
}
