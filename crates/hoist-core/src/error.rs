//! Errors that reach the user: the exit code each maps to, the optional hint,
//! and the JSON form `--output json` prints (the binary renders the text
//! form).

use std::fmt;

/// Stable exit codes, documented in docs/exit-codes.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    Interrupted = 130,
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

/// The exit code for an error: the first `UserError` in its chain decides,
/// anything else is a plain failure.
pub fn exit_code(err: &anyhow::Error) -> Exit {
    user_errors(err)
        .first()
        .map(|u| u.exit)
        .unwrap_or(Exit::Failure)
}

/// The `UserError`s of a chain, outermost first, whether each is the
/// root error or was added as context (which `chain()` items cannot be
/// downcast to; `anyhow::Error::downcast_ref` sees through context).
pub fn user_errors(err: &anyhow::Error) -> Vec<&UserError> {
    let mut out: Vec<&UserError> = err.downcast_ref::<UserError>().into_iter().collect();
    for e in err.chain() {
        if let Some(u) = e.downcast_ref::<UserError>() {
            if !out.iter().any(|o| std::ptr::eq(*o, u)) {
                out.push(u);
            }
        }
    }
    out
}

/// An error as one JSON document for `--output json`:
/// `{"error": {"message", "causes", "hint", "exit_code", "code", "status"}}`
/// (`code` and `status` when an API answered with an error).
pub fn to_json(err: &anyhow::Error) -> Option<serde_json::Value> {
    if err
        .chain()
        .filter_map(|e| e.downcast_ref::<UserError>())
        .chain(err.downcast_ref::<UserError>())
        .any(|u| u.reported)
    {
        return None;
    }
    // The chain starts with the error itself; the rest are its causes.
    let message = err.to_string();
    let causes: Vec<String> = err.chain().skip(1).map(|e| e.to_string()).collect();
    let hint = user_errors(err).into_iter().find_map(|u| u.hint.clone());
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
