//! How the engine tells its caller what it is doing, without knowing where
//! it goes: the [`Reporter`] trait (steps, detail, warnings, progress) that
//! every long operation takes, and the [`Progress`] handle a byte count is
//! reported through. The `hoist` binary draws them on the terminal (one
//! `MultiProgress` per command, `-q` honoured); the backend writes them to
//! its log. Nothing in this crate prints: the crate denies `print_stderr`
//! and `print_stdout`, so a line that bypasses the reporter cannot be
//! written. Also here: the few words every message shares ([`human_bytes`],
//! [`plural`]).

use std::sync::Arc;

/// Where progress lines go.
pub trait Reporter: Send + Sync + std::fmt::Debug {
    /// A step of the work: `verb` is a short word (`Deploying`).
    fn step(&self, verb: &str, msg: &str);
    /// Detail shown with `-v`.
    fn detail(&self, msg: &str);
    /// Whether detail is shown (so a tool hoist runs may show its own).
    fn verbose(&self) -> bool {
        false
    }
    /// Something that was not done, and what follows from it.
    fn warn(&self, msg: &str);
    /// A byte count of `total` bytes under `prefix` (`Uploading`); hidden
    /// unless the caller draws bars.
    fn progress(&self, _total: u64, _prefix: &str) -> Progress {
        Progress::hidden()
    }
    /// This reporter, for work that outlives the call that was given it
    /// (a store, a lease kept fresh in the background).
    fn share(&self) -> Arc<dyn Reporter>;
}

/// A reporter that drops everything: for callers that print their own
/// account of the work (tests, probes whose failure is the answer).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn step(&self, _verb: &str, _msg: &str) {}
    fn detail(&self, _msg: &str) {}
    fn warn(&self, _msg: &str) {}
    fn share(&self) -> Arc<dyn Reporter> {
        Arc::new(Silent)
    }
}

/// What draws one progress count (a terminal bar in the CLI).
pub trait ProgressSink: Send + Sync {
    fn set_length(&self, len: u64);
    fn set_position(&self, pos: u64);
    fn inc(&self, delta: u64);
    fn set_message(&self, msg: String);
    fn finish_and_clear(&self);
    /// Run `f` (which writes a line) with the count taken off the screen.
    fn suspend(&self, f: &mut dyn FnMut());
}

/// A progress count; cheap to clone, and a no-op when hidden.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<dyn ProgressSink>>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress"
        } else {
            "Progress(hidden)"
        })
    }
}

impl Progress {
    /// A count nobody sees.
    pub fn hidden() -> Self {
        Progress(None)
    }

    /// A count drawn by `sink`.
    pub fn new(sink: Arc<dyn ProgressSink>) -> Self {
        Progress(Some(sink))
    }

    pub(crate) fn is_hidden(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn set_length(&self, len: u64) {
        if let Some(s) = &self.0 {
            s.set_length(len);
        }
    }

    pub(crate) fn set_position(&self, pos: u64) {
        if let Some(s) = &self.0 {
            s.set_position(pos);
        }
    }

    pub(crate) fn inc(&self, delta: u64) {
        if let Some(s) = &self.0 {
            s.inc(delta);
        }
    }

    pub fn set_message(&self, msg: impl Into<String>) {
        if let Some(s) = &self.0 {
            s.set_message(msg.into());
        }
    }

    pub fn finish_and_clear(&self) {
        if let Some(s) = &self.0 {
            s.finish_and_clear();
        }
    }

    /// Run `f` with the count off the screen (so a line `f` writes does not
    /// tear it).
    pub(crate) fn suspend(&self, mut f: impl FnMut()) {
        match &self.0 {
            Some(s) => s.suspend(&mut f),
            None => f(),
        }
    }
}

/// A human size: 1.2 MiB.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// `n` and the word for it: `1 file`, `2 files`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(plural(1, "file", "files"), "1 file");
        assert_eq!(plural(0, "file", "files"), "0 files");
    }

    #[test]
    fn a_hidden_count_still_runs_what_it_suspends() {
        let mut ran = false;
        Progress::hidden().suspend(|| ran = true);
        assert!(ran);
    }
}
