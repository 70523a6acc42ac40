//! Errors that reach the user: the exit code each maps to, the optional hint,
//! and the JSON form `--output json` prints (the binary renders the text
//! form).
//!
//! Each engine layer fails with its own `thiserror` enum (`ConfigError`,
//! `BundleError`, `ImageError`, `RegistryError`, `ReleaseError`,
//! `HttpError`, `StoreError`, `TargetError`); every one implements
//! [`Classified`] with an exhaustive `match`, so a new variant cannot be
//! added without its exit code and hint. [`LAYERS`] is the one list of
//! those types: [`exit_code`], [`hint`] and [`to_json`] take the outermost
//! classified error of a chain from it. [`UserError`] is the ad-hoc form
//! still built for Ctrl-C, by `clock` and by the command line's own input
//! checks.

use std::fmt;

/// Stable exit codes, documented in docs/exit-codes.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    Interrupted = 130,
}

/// What an error means to the user: its exit code and what to do about it.
/// Implemented by every layer's error enum with an exhaustive `match`.
pub trait Classified: std::error::Error + Send + Sync + 'static {
    /// The exit code the command ends with when this error is the outermost
    /// classified one of its chain.
    fn exit(&self) -> Exit;
    /// What the user can do about it, when there is something to say.
    fn hint(&self) -> Option<String>;
}

/// An error with a known exit code and an optional hint for the user.
#[derive(Debug)]
pub struct UserError {
    pub(crate) exit: Exit,
    pub message: String,
    pub hint: Option<String>,
    /// The command already printed its own JSON report of this error, so
    /// `--output json` prints no second document.
    pub(crate) reported: bool,
}

impl UserError {
    /// A usage or configuration problem (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        UserError {
            exit: Exit::Usage,
            message: message.into(),
            hint: None,
            reported: false,
        }
    }

    /// A failure of the work itself (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        UserError {
            exit: Exit::Failure,
            message: message.into(),
            hint: None,
            reported: false,
        }
    }

    /// The user interrupted the command (exit 130).
    pub fn interrupted() -> Self {
        UserError {
            exit: Exit::Interrupted,
            message: "interrupted".into(),
            hint: Some("nothing was changed; run the command again to finish".into()),
            reported: false,
        }
    }

    /// Mark the error as already reported on stdout.
    pub fn reported(mut self) -> Self {
        self.reported = true;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

impl Classified for UserError {
    fn exit(&self) -> Exit {
        self.exit
    }
    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}

/// Finds the errors of one classified type in a chain, each with the
/// index of the chain link holding it.
type Finder = for<'a> fn(&'a anyhow::Error) -> Vec<(usize, &'a dyn Classified)>;

/// Every classified error type, one per layer: the one place a layer's
/// errors are registered for exit codes, hints and the JSON form.
pub const LAYERS: &[Finder] = &[
    find::<UserError>,
    find::<crate::config::ConfigError>,
    find::<crate::bundle::BundleError>,
    find::<crate::image::ImageError>,
    find::<crate::registry::RegistryError>,
    find::<crate::release::ReleaseError>,
    find::<crate::http::HttpError>,
    find::<crate::storage::StoreError>,
    find::<crate::targets::TargetError>,
];

/// The `T`s of a chain with the index of their link, whether each is the
/// root error, a `source()` of another, or was added as context. A context
/// cannot be downcast from its `chain()` item, but
/// `anyhow::Error::downcast_ref` sees through context to the outermost `T`;
/// its link is the innermost chain item whose memory holds it (a context's
/// link holds the error it wraps too, when that is not an `anyhow::Error`).
/// Should no link hold it, it counts as the outermost, where
/// `downcast_ref` looks first.
fn found<T: Classified>(err: &anyhow::Error) -> Vec<(usize, &T)> {
    let mut out: Vec<(usize, &T)> = Vec::new();
    let links: Vec<&(dyn std::error::Error + 'static)> = err.chain().collect();
    if let Some(t) = err.downcast_ref::<T>() {
        let at = std::ptr::from_ref(t) as *const u8 as usize;
        let index = links.iter().rposition(|l| {
            let start = std::ptr::from_ref(*l) as *const u8 as usize;
            (start..start + std::mem::size_of_val(*l)).contains(&at)
        });
        out.push((index.unwrap_or(0), t));
    }
    for (i, link) in links.iter().enumerate() {
        if let Some(t) = link.downcast_ref::<T>() {
            if !out.iter().any(|(_, o)| std::ptr::eq(*o, t)) {
                out.push((i, t));
            }
        }
    }
    out
}

/// [`found`] as a [`Finder`].
fn find<T: Classified>(err: &anyhow::Error) -> Vec<(usize, &dyn Classified)> {
    let all = found::<T>(err).into_iter();
    all.map(|(i, t)| (i, t as &dyn Classified)).collect()
}

/// The classified errors of a chain, outermost first.
pub fn classified(err: &anyhow::Error) -> Vec<&dyn Classified> {
    let mut all: Vec<(usize, &dyn Classified)> = LAYERS.iter().flat_map(|f| f(err)).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, c)| c).collect()
}

/// The exit code for an error: the outermost classified error in its
/// chain decides, anything else is a plain failure.
pub fn exit_code(err: &anyhow::Error) -> Exit {
    classified(err)
        .first()
        .map(|c| c.exit())
        .unwrap_or(Exit::Failure)
}

/// The first hint of a chain, outermost first.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    classified(err).into_iter().find_map(|c| c.hint())
}

/// The `UserError`s of a chain, outermost first.
pub fn user_errors(err: &anyhow::Error) -> Vec<&UserError> {
    found::<UserError>(err)
        .into_iter()
        .map(|(_, u)| u)
        .collect()
}

/// An error as one JSON document for `--output json`:
/// `{"error": {"message", "causes", "hint", "exit_code", "code", "status"}}`
/// (`code` and `status` when an API answered with an error).
pub fn to_json(err: &anyhow::Error) -> Option<serde_json::Value> {
    if user_errors(err).iter().any(|u| u.reported) {
        return None;
    }
    // The chain starts with the error itself; the rest are its causes.
    let message = err.to_string();
    let causes: Vec<String> = err.chain().skip(1).map(|e| e.to_string()).collect();
    let hint = hint(err);
    let api = crate::http::ApiError::find(err);
    Some(serde_json::json!({
        "error": {
            "message": message,
            "causes": causes,
            "hint": hint,
            "exit_code": exit_code(err) as i32,
            "code": api.map(|a| a.code.clone()),
            "status": api.map(|a| a.status),
        }
    }))
}

/// Convenience: bail out of a function with a `UserError`.
#[macro_export]
macro_rules! usage_err {
    ($($arg:tt)*) => { anyhow::Error::new($crate::error::UserError::usage(format!($($arg)*))) };
}
