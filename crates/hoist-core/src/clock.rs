//! Time as hoist writes it: RFC 3339 strings for manifests and image
//! metadata, and `SOURCE_DATE_EPOCH`, the fixed time reproducible archives
//! and images carry.

use crate::env::Env;
use crate::error::UserError;

/// SOURCE_DATE_EPOCH when set and valid, else 0: the time written into
/// archives and image metadata so that builds are reproducible.
pub(crate) fn source_date_epoch(env: &Env) -> anyhow::Result<u64> {
    match env.var("SOURCE_DATE_EPOCH") {
        Some(v) if !v.is_empty() => v.trim().parse::<u64>().map_err(|_| {
            UserError::usage(format!(
                "SOURCE_DATE_EPOCH=`{v}` is not a number of seconds"
            ))
            .with_hint("unset it, or set it to a unix timestamp such as the last commit time")
            .into()
        }),
        _ => Ok(0),
    }
}

/// RFC 3339 time of `secs` since the epoch.
pub(crate) fn rfc3339(secs: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}
