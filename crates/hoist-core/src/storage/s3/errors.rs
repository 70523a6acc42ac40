//! S3 errors sorted into what hoist does about them (not found, refused,
//! throttled, transient, ...) and their root cause for messages.

use super::*;

/// The deepest cause in an error's chain, which says what really happened
/// ("Connection refused (os error 111)").
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Unreachable,
    Auth,
    Denied,
    NoBucket,
    NotFound,
    Precondition,
    NotImplemented,
    Redirect,
    /// Worth another attempt: cut connections, timeouts, 5xx, throttling.
    Transient,
    Other,
}

pub(super) fn classify<E: ProvideErrorMetadata>(
    err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Class {
    match err {
        SdkError::DispatchFailure(d) => {
            if d.is_user() {
                Class::Other
            } else if d.is_timeout()
                || d.as_connector_error()
                    .map(|c| root_cause(c).to_ascii_lowercase())
                    .is_some_and(|m| {
                        m.contains("refused") || m.contains("dns") || m.contains("resolve")
                    })
            {
                Class::Unreachable
            } else {
                Class::Transient
            }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Class::Transient,
        _ => {
            let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
            match err.code().unwrap_or("") {
                "SignatureDoesNotMatch"
                | "InvalidAccessKeyId"
                | "InvalidToken"
                | "ExpiredToken"
                | "RequestTimeTooSkewed"
                | "AuthorizationHeaderMalformed" => Class::Auth,
                "AccessDenied" => Class::Denied,
                "NoSuchBucket" => Class::NoBucket,
                "NoSuchKey" | "NotFound" => Class::NotFound,
                "PreconditionFailed" | "ConditionalRequestConflict" => Class::Precondition,
                "NotImplemented" => Class::NotImplemented,
                "PermanentRedirect" | "AuthorizationHeaderMalformed2" => Class::Redirect,
                "SlowDown" | "RequestTimeout" | "InternalError" | "ServiceUnavailable" => {
                    Class::Transient
                }
                _ => match status {
                    404 => Class::NotFound,
                    412 => Class::Precondition,
                    501 => Class::NotImplemented,
                    301 => Class::Redirect,
                    403 => Class::Denied,
                    408 | 429 | 500..=599 => Class::Transient,
                    _ => Class::Other,
                },
            }
        }
    }
}
