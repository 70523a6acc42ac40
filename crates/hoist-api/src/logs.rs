//! A function's logs: the page answer of `GET .../logs`, its query, and
//! the entries also sent one per line on the follow stream.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    Stdout,
    Stderr,
    /// The backend's own lines about the function.
    System,
}

impl LogStream {
    pub fn as_str(self) -> &'static str {
        match self {
            LogStream::Stdout => "stdout",
            LogStream::Stderr => "stderr",
            LogStream::System => "system",
        }
    }
}

/// Levels, lowest first (`level=` keeps a level and those above).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<LogLevel> {
        [
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warn,
            LogLevel::Error,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

/// One line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogEntry {
    /// Increasing; the cursor of the next page.
    pub id: i64,
    #[schemars(extend("format" = "date-time"))]
    pub time: String,
    pub function: String,
    /// `null` on the backend's lines that belong to no version (installing
    /// a runtime, say).
    pub version: Option<String>,
    pub worker: Option<String>,
    pub stream: LogStream,
    pub level: LogLevel,
    pub message: String,
}

/// A page of entries after the cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// The id of the last entry (the request's cursor when there is none).
    #[schemars(range(min = 0))]
    pub cursor: i64,
}

/// The query of `GET .../logs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// A duration back from now (10m, 2h); RFC 3339 times are accepted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[0-9]{1,6}[smhd]$"))]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
    /// Entries after this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 9223372036854775807u64))]
    pub cursor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// An ndjson stream of entries (and heartbeats) instead of a page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow: Option<bool>,
}
