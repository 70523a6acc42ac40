//! Uploading a version's archive to the backend (multipart), for backends
//! that do not read hoist's artifact store. Creating a version is
//! idempotent (the same version and digest answer the existing one), so a
//! lost answer is sent again.

use hoist_api as api;
use reqwest::Method;

use super::{retryable, Selfhosted};
use crate::targets::{DeployRequest, Reporter};

/// Upload `req`'s archive as a new version at `path`; returns bytes sent.
pub(super) async fn version(
    sh: &Selfhosted,
    path: &str,
    req: &DeployRequest,
    r: &dyn Reporter,
) -> anyhow::Result<u64> {
    let bytes = tokio::fs::read(&req.archive)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", req.archive.display()))?;
    let size = bytes.len() as u64;
    r.step(
        "Uploading",
        &format!(
            "{} {} ({})",
            req.function,
            req.version,
            crate::report::human_bytes(size)
        ),
    );
    let runtime = super::wire::runtime(&req.settings.runtime)?;
    let answer = async {
        let mut n = 0;
        loop {
            n += 1;
            let mut form = reqwest::multipart::Form::new()
                .text("version", req.version.to_string())
                .text("digest", req.digest.clone())
                .text("runtime", runtime.as_str())
                .text("entrypoint", req.entrypoint.clone());
            if let Some(m) = &req.import_map {
                form = form.text("import_map", m.clone());
            }
            let part = reqwest::multipart::Part::bytes(bytes.clone())
                .file_name("function.tar.gz")
                .mime_str("application/gzip")?;
            form = form.part("archive", part);
            let rb = sh.api.request(Method::POST, path).multipart(form);
            match sh.api.send_once(rb, path).await {
                Ok(v) => return Ok(v),
                Err(e) if n < 4 && retryable(&e) => {
                    tokio::time::sleep(crate::http::retry::backoff(n)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
    .await?;
    let _: api::Version = sh.api.decode(&Method::POST, path, answer)?;
    Ok(size)
}
