//! What a control plane's JSON API fails with, in the user's terms: it
//! cannot be reached, refused the credential, answered with an error, or
//! answered with something hoist cannot read. The API's own answer
//! ([`super::ApiError`]) and the request stay in the chain below; the hint
//! is the one the client was built with or the server sent.

use crate::error::{Classified, Exit};

/// Why a call to a control plane failed (`api` names it: "fly", "the backend").
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No answer: connection refused, DNS, TLS, timeout.
    #[error("cannot reach {api}")]
    Unreachable { api: String, hint: String },
    /// 401 or 403.
    #[error("{api} refused the credential")]
    Refused { api: String, login_hint: String },
    /// Any other error answer, with the server's message and hint.
    #[error("{api}: {message}")]
    Answered {
        api: String,
        message: String,
        hint: Option<String>,
    },
    /// An answer that does not fit the type the API documents.
    #[error("{api} answered {method} {path} with something hoist cannot read")]
    Undecodable {
        api: String,
        method: String,
        path: String,
    },
}

impl Classified for HttpError {
    fn exit(&self) -> Exit {
        use HttpError::*;
        match self {
            Unreachable { .. } | Refused { .. } | Answered { .. } | Undecodable { .. } => {
                Exit::Failure
            }
        }
    }

    fn hint(&self) -> Option<String> {
        use HttpError::*;
        match self {
            Unreachable { hint, .. } => Some(hint.clone()),
            Refused { login_hint, .. } => Some(login_hint.clone()),
            Answered { hint, .. } => hint.clone(),
            Undecodable { .. } => Some(
                "the server may speak another version of its API than this hoist \
                 expects (`hoist --version` tells this one's)"
                    .into(),
            ),
        }
    }
}
