//! The environment hoist runs in, read once: [`Env`] is a snapshot of the
//! process's variables that the binary takes at start and passes down, so
//! nothing below it calls `std::env::var`, a command sees one consistent
//! environment from start to end, and a test (or a library user) gives an
//! environment of its own instead of changing the process's.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::sync::Arc;

/// A snapshot of environment variables; cheap to clone.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: Arc<BTreeMap<OsString, OsString>>,
}

impl std::fmt::Debug for Env {
    /// Names only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

impl Env {
    /// The process's environment now.
    pub fn capture() -> Env {
        Env::from_pairs(std::env::vars_os())
    }

    /// An environment of exactly these variables.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Env
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        Env {
            vars: Arc::new(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }

    /// A variable's value, when set and valid UTF-8 (a value that is not
    /// reads as unset here; [`Env::var_os`] has it).
    pub fn var(&self, name: &str) -> Option<String> {
        self.var_os(name)
            .and_then(|v| v.to_str().map(str::to_string))
    }

    /// A variable's value, set but possibly empty.
    pub fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(OsStr::new(name)).cloned()
    }

    /// A variable's value when set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.is_empty())
    }

    /// A variable's value as it is, or an error saying it is not UTF-8.
    pub fn var_utf8(&self, name: &str) -> Result<Option<String>, NotUnicode> {
        match self.var_os(name) {
            None => Ok(None),
            Some(v) => v
                .into_string()
                .map(Some)
                .map_err(|_| NotUnicode(name.to_string())),
        }
    }
}

/// A variable whose value is not valid UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is set to a value that is not valid UTF-8")]
pub struct NotUnicode(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_answers_from_what_it_was_given() {
        let env = Env::from_pairs([("A", "1"), ("EMPTY", "")]);
        assert_eq!(env.var("A").as_deref(), Some("1"));
        assert_eq!(env.var("EMPTY").as_deref(), Some(""));
        assert_eq!(env.non_empty("EMPTY"), None);
        assert_eq!(env.var("MISSING"), None);
        assert_eq!(format!("{env:?}"), r#"{"A", "EMPTY"}"#);
    }
}
