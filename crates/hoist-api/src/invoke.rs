//! `POST /api/functions/{function}/invoke`: a request to a function as a
//! JSON envelope, and its answer.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What to send to the function; every part has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvokeRequest {
    #[serde(default)]
    #[schemars(extend("enum" = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", null]))]
    pub method: Option<String>,
    #[serde(default)]
    #[schemars(regex(pattern = r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$"))]
    pub path: Option<String>,
    /// Values that are not strings are sent as their JSON text.
    #[serde(default)]
    pub query: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A string is sent as is; anything else as JSON.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyEncoding {
    Utf8,
    Base64,
}

/// What the function answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InvokeResult {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub body_encoding: BodyEncoding,
    pub duration_ms: f64,
    pub version: String,
    pub worker: String,
}
