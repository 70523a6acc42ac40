//! The one error shape of the API, `{"error": {"code", "message", "hint"?,
//! "logs"?}}`, whatever the status, and the codes it carries: an enum both
//! sides match on, so nobody classifies a failure by its message text.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What went wrong, for programs. The message says it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidName,
    InvalidVersion,
    BadArchive,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    Timeout,
    VersionExists,
    VersionActive,
    Conflict,
    TooLarge,
    DigestMismatch,
    // The new workers did not pass their health gate; `logs` holds their
    // last lines.
    HealthCheckFailed,
    // The function's runtime is not installed and could not be.
    RuntimeMissing,
    // A worker process could not be started.
    StartFailed,
    TooManyRequests,
    Internal,
    WorkerFailed,
    Unavailable,
    NotDeployedByRelease,
    ReleaseSuperseded,
}

impl ErrorCode {
    /// The code as it is written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::InvalidVersion => "invalid_version",
            ErrorCode::BadArchive => "bad_archive",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Timeout => "timeout",
            ErrorCode::VersionExists => "version_exists",
            ErrorCode::VersionActive => "version_active",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::DigestMismatch => "digest_mismatch",
            ErrorCode::HealthCheckFailed => "health_check_failed",
            ErrorCode::RuntimeMissing => "runtime_missing",
            ErrorCode::StartFailed => "start_failed",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Internal => "internal",
            ErrorCode::WorkerFailed => "worker_failed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::NotDeployedByRelease => "not_deployed_by_release",
            ErrorCode::ReleaseSuperseded => "release_superseded",
        }
    }
}

impl ErrorCode {
    /// The code written `s` on the wire, if it is one of these.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ALL.into_iter().find(|c| c.as_str() == s)
    }
}

const ALL: [ErrorCode; 22] = [
    ErrorCode::BadRequest,
    ErrorCode::InvalidName,
    ErrorCode::InvalidVersion,
    ErrorCode::BadArchive,
    ErrorCode::Unauthorized,
    ErrorCode::NotFound,
    ErrorCode::MethodNotAllowed,
    ErrorCode::Timeout,
    ErrorCode::VersionExists,
    ErrorCode::VersionActive,
    ErrorCode::Conflict,
    ErrorCode::TooLarge,
    ErrorCode::DigestMismatch,
    ErrorCode::HealthCheckFailed,
    ErrorCode::RuntimeMissing,
    ErrorCode::StartFailed,
    ErrorCode::TooManyRequests,
    ErrorCode::Internal,
    ErrorCode::WorkerFailed,
    ErrorCode::Unavailable,
    ErrorCode::NotDeployedByRelease,
    ErrorCode::ReleaseSuperseded,
];

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The failed workers' last log lines (health gates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<String>>,
}
