//! Invoking a function that serves HTTP on its own public URL (targets
//! whose functions are reachable directly, such as a Fly app's
//! `https://<app>.fly.dev`): one request, the answer as an
//! [`InvokeResult`].

use std::time::Instant;

use base64::Engine;

use super::TargetError;
use super::{Invocation, InvokeResult};
use crate::http::redact::describe;

pub(crate) async fn invoke(base: &str, inv: &Invocation) -> anyhow::Result<InvokeResult> {
    let client = crate::http::builder()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {}", describe(&e)))?;
    let path = if inv.path.starts_with('/') {
        inv.path.clone()
    } else {
        format!("/{}", inv.path)
    };
    let method = reqwest::Method::from_bytes(inv.method.as_bytes()).map_err(|_| {
        TargetError::NotAMethod {
            method: inv.method.clone(),
        }
    })?;
    let url = format!("{}{path}", base.trim_end_matches('/'));
    async {
        let mut rb = client.request(method, &url).query(&inv.query);
        for (k, v) in &inv.headers {
            rb = rb.header(k, v);
        }
        if let Some(b) = &inv.body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(b)?);
        }
        let started = Instant::now();
        let resp = rb.send().await.map_err(|e| TargetError::Unreachable {
            url: url.clone(),
            why: describe(&e),
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let bytes = resp.bytes().await.map_err(|e| TargetError::AnswerCut {
            url: url.clone(),
            why: describe(&e),
        })?;
        let (body, body_encoding) = match std::str::from_utf8(&bytes) {
            Ok(t) => (t.to_string(), "utf8".to_string()),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(&bytes),
                "base64".to_string(),
            ),
        };
        Ok(InvokeResult {
            status,
            headers,
            body,
            body_encoding,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            version: String::new(),
        })
    }
    .await
}
