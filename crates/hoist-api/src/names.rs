//! The names hoist's layers hand each other — a function's name, a
//! version, a release id — as types that can only hold a valid value. Each
//! has one definition of what is valid, used by hoist.yaml's validation,
//! the artifact store's keys, the release pipeline and the backend's
//! checks alike; a value is checked where it enters (`parse`, or serde on
//! the way in) and is then passed as itself, so a version cannot be given
//! where a function name is expected.

use std::fmt;

/// What is wrong with a name: which kind, the text, the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidName {
    /// `function name`, `version`, `release id`.
    pub kind: &'static str,
    pub text: String,
    /// The rule, for a hint.
    pub rule: &'static str,
}

impl fmt::Display for InvalidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid {} ({})",
            self.text, self.kind, self.rule
        )
    }
}

impl std::error::Error for InvalidName {}

/// A string type whose values pass `valid`, with the traits every name
/// shares: shown and compared as its text, serialized as a string and
/// checked when deserialized.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $rule:literal, $valid:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// What the rule says, for hints.
            pub const RULE: &'static str = $rule;

            /// `text` as this kind of name, or what is wrong with it.
            pub fn parse(text: impl Into<String>) -> Result<Self, InvalidName> {
                let text = text.into();
                let valid: fn(&str) -> bool = $valid;
                if valid(&text) {
                    Ok($name(text))
                } else {
                    Err(InvalidName {
                        kind: $kind,
                        text,
                        rule: $rule,
                    })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidName;
            fn try_from(s: String) -> Result<Self, InvalidName> {
                $name::parse(s)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidName;
            fn from_str(s: &str) -> Result<Self, InvalidName> {
                $name::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<std::path::Path> for $name {
            fn as_ref(&self) -> &std::path::Path {
                std::path::Path::new(&self.0)
            }
        }

        impl AsRef<std::ffi::OsStr> for $name {
            fn as_ref(&self) -> &std::ffi::OsStr {
                std::ffi::OsStr::new(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                String::schema_name()
            }
            fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
                String::json_schema(g)
            }
            fn inline_schema() -> bool {
                true
            }
        }
    };
}

name_type!(
    /// A function's name: a letter, then letters, digits, `_` and `-`, at
    /// most 128 characters (what Supabase allows).
    FunctionName,
    "function name",
    "a letter, then letters, digits, '_' and '-', at most 128",
    |s| {
        let mut chars = s.chars();
        s.len() <= 128
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }
);

name_type!(
    /// A version of a function: 1-128 letters, digits, `.`, `_`, `-` or
    /// `+`, not starting with `.` or `-`, and not `index.json` (the name of
    /// a function's version index in the artifact store).
    Version,
    "version",
    "1-128 letters, digits, '.', '_', '-' or '+', not starting with '.' or '-', not `index.json`",
    |s| {
        (1..=128).contains(&s.len())
            && s != "index.json"
            && !s.starts_with(['.', '-'])
            && s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
    }
);

name_type!(
    /// A release's id (`r-<UTC time>-<pid>`, sortable by time): 1-64
    /// lowercase letters, digits and `-`, starting with a letter.
    ReleaseId,
    "release id",
    "1-64 lowercase letters, digits and '-', starting with a letter",
    |s| {
        (1..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_holds_only_what_its_rule_allows() {
        assert!(FunctionName::parse("hello-world_2").is_ok());
        for bad in ["", "2fast", "-x", "a b", "ä", &"a".repeat(129)] {
            let e = FunctionName::parse(bad).unwrap_err();
            assert_eq!(e.kind, "function name", "{bad}");
        }
        assert!(Version::parse("v1.2.3+build_7-rc").is_ok());
        for bad in ["", ".hidden", "-x", "index.json", "a/b", &"1".repeat(129)] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert!(ReleaseId::parse("r-20261203t150000z-1f2e").is_ok());
        for bad in ["", "R-1", "1-r", "r_1", &"r".repeat(65)] {
            assert!(ReleaseId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_strings_on_the_wire_and_checked_on_the_way_in() {
        let v: Version = serde_json::from_str("\"1.0.0\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"1.0.0\"");
        assert_eq!(v, "1.0.0");
        let e = serde_json::from_str::<Version>("\"../x\"").unwrap_err();
        assert!(e.to_string().contains("not a valid version"), "{e}");
    }
}
