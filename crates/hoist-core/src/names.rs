//! Names that arrive from outside hoist's own types — a backend's answer,
//! a machine's metadata, a target's `&str` argument — checked on the way
//! in as hoist's name types ([`hoist_api::names`]); what does not pass is
//! an error saying who sent it.

pub use hoist_api::names::{FunctionName, InvalidName, ReleaseId, Version};

/// `text`, sent by `from`, as a name of type `T`.
pub(crate) fn checked<T>(text: &str, from: &str) -> anyhow::Result<T>
where
    T: std::str::FromStr<Err = InvalidName>,
{
    text.parse::<T>()
        .map_err(|e| anyhow::anyhow!("{from} sent {e}"))
}

/// An optional name, checked the same way.
pub(crate) fn checked_opt<T>(text: Option<&str>, from: &str) -> anyhow::Result<Option<T>>
where
    T: std::str::FromStr<Err = InvalidName>,
{
    text.map(|t| checked(t, from)).transpose()
}
