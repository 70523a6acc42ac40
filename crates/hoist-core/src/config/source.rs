//! Reading hoist.yaml's text before it is parsed: at most [`MAX_BYTES`],
//! valid UTF-8, without a byte-order mark, and refused with a problem when
//! the pre-scan (`scan`) finds what would cost the parser unbounded memory
//! or time.

use std::path::Path;

use super::ConfigError;
use super::{check, scan, Problem, MAX_BYTES};

/// The text of `file`, or the problem that keeps it from being parsed. The
/// outer error is for a file that cannot be read at all.
pub(super) fn read(file: &Path) -> anyhow::Result<Result<String, Problem>> {
    let cannot_read = |err: std::io::Error| ConfigError::Unreadable {
        file: file.to_path_buf(),
        err,
    };
    let mut bytes = Vec::new();
    {
        use std::io::Read;
        std::fs::File::open(file)
            .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
            .map_err(cannot_read)?;
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Ok(Err(Problem::new(
            None,
            None,
            "the file is larger than 1 MiB, the limit for hoist.yaml".into(),
            Some("a hoist.yaml is a few kilobytes; check that this is the right file".into()),
        )));
    }
    let source = String::from_utf8(bytes).map_err(|_| {
        cannot_read(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })?;
    // A byte-order mark is not content: editors on Windows add one.
    let source = match source.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => source,
    };
    Ok(Ok(source))
}

/// The problem the pre-scan finds in `source`, if any.
pub(super) fn refused(source: &str) -> Option<Problem> {
    scan::scan(source).map(|refused| match refused {
            scan::Refused::Alias { line, column, name } => Problem::new(
                Some(line),
                Some(column),
                format!(
                    "alias `*{}`: hoist.yaml does not accept YAML aliases",
                    check::shown(&name)
                ),
                Some(
                    "quote a value that starts with `*` (e.g. \"*.ts\"), and write a repeated value out in full: an alias can expand a small file into gigabytes"
                        .into(),
                ),
            ),
            scan::Refused::TooDeep { line, column } => Problem::new(
                Some(line),
                Some(column),
                format!(
                    "`[` / `{{` nested more than {} deep",
                    scan::MAX_FLOW_DEPTH
                ),
                Some("look for an unclosed `[` or `{` above".into()),
            ),
    })
}
