//! `${VAR}` interpolation of environment values in hoist.yaml: `${VAR}` must be
//! set, `${VAR:-default}` falls back, `$$` is a literal dollar sign.

/// Why a value could not be interpolated.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InterpError {
    Unset(String),
    Unclosed,
    BadName(String),
    /// A `$` inside a default, which is not expanded.
    NestedDefault(String),
}

pub(crate) fn interpolate(
    value: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, InterpError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let end = tail.find('}').ok_or(InterpError::Unclosed)?;
            let inner = &tail[..end];
            // `${VAR:-x}`: x when VAR is unset or empty (as in sh and
            // compose files); `${VAR-x}`: x only when VAR is unset.
            let (name, default, empty_too) = if let Some((n, d)) = inner.split_once(":-") {
                (n, Some(d), true)
            } else if let Some((n, d)) = inner.split_once('-') {
                (n, Some(d), false)
            } else {
                (inner, None, false)
            };
            if !valid_name(name) {
                return Err(InterpError::BadName(name.to_string()));
            }
            if default.is_some_and(|d| d.contains('$')) {
                return Err(InterpError::NestedDefault(name.to_string()));
            }
            match lookup(name).filter(|v| !(empty_too && v.is_empty())) {
                Some(v) => out.push_str(&v),
                None => match default {
                    Some(d) => out.push_str(d),
                    None => return Err(InterpError::Unset(name.to_string())),
                },
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// An environment variable name: a letter or `_`, then letters, digits or `_`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.local".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_and_escapes() {
        assert_eq!(
            interpolate("postgres://${HOST}/x", env).unwrap(),
            "postgres://db.local/x"
        );
        assert_eq!(interpolate("$${HOST} $5", env).unwrap(), "${HOST} $5");
        assert_eq!(interpolate("${PORT:-5432}", env).unwrap(), "5432");
        assert_eq!(interpolate("${EMPTY:-x}", env).unwrap(), "x");
        assert_eq!(interpolate("${EMPTY-x}", env).unwrap(), "");
        assert_eq!(interpolate("${PORT-1}", env).unwrap(), "1");
    }

    #[test]
    fn reports_problems() {
        assert_eq!(
            interpolate("${NOPE}", env),
            Err(InterpError::Unset("NOPE".into()))
        );
        assert_eq!(interpolate("${HOST", env), Err(InterpError::Unclosed));
        assert_eq!(
            interpolate("${1X}", env),
            Err(InterpError::BadName("1X".into()))
        );
        assert_eq!(
            interpolate("${NOPE:-${B}}", env),
            Err(InterpError::NestedDefault("NOPE".into()))
        );
    }
}
