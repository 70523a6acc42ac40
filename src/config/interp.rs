//! `${VAR}` interpolation of environment values in hoist.yaml: `${VAR}` must be
//! set, `${VAR:-default}` falls back, `$$` is a literal dollar sign.

/// Why a value could not be interpolated.
#[derive(Debug, PartialEq, Eq)]
pub enum InterpError {
    Unset(String),
    Unclosed,
    BadName(String),
}

pub fn interpolate(
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
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            if !valid_name(name) {
                return Err(InterpError::BadName(name.to_string()));
            }
            match lookup(name) {
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
        (name == "HOST").then(|| "db.local".to_string())
    }

    #[test]
    fn substitutes_and_escapes() {
        assert_eq!(
            interpolate("postgres://${HOST}/x", env).unwrap(),
            "postgres://db.local/x"
        );
        assert_eq!(interpolate("$${HOST} $5", env).unwrap(), "${HOST} $5");
        assert_eq!(interpolate("${PORT:-5432}", env).unwrap(), "5432");
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
    }
}
