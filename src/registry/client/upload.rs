//! Blob uploads to a registry in a resumable loop: HEAD first,
//! cross-repository mount when offered a source, monolithic PUT for small
//! blobs, PATCH chunks for large ones, and after a cut connection or a 5xx
//! the registry is asked how much it kept and the upload goes on from there
//! (or starts again when the registry forgot it). Uploads never go through
//! a generic retry wrapper.

use super::*;

impl Client {
    /// Start an upload, or mount `digest` from `from` when given. Returns
    /// `None` when the mount succeeded (nothing to upload), else the upload
    /// URL.
    pub(super) async fn start_upload(
        &self,
        repo: &str,
        digest: &str,
        from: Option<&str>,
        scope: &str,
    ) -> anyhow::Result<Option<String>> {
        let url = match from {
            Some(from) => self.url(&format!(
                "/v2/{repo}/blobs/uploads/?mount={digest}&from={from}"
            )),
            None => self.url(&format!("/v2/{repo}/blobs/uploads/")),
        };
        let resp = self
            .send(scope, true, &|| {
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_LENGTH, "0")
                    .timeout(Duration::from_secs(60))
            })
            .await?;
        let status = resp.status();
        if status == StatusCode::CREATED && from.is_some() {
            return Ok(None);
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.unauthorized(&format!("pushing to {repo}"), status));
        }
        if status != StatusCode::ACCEPTED {
            return Err(self
                .http_error(resp, &format!("starting an upload to {repo}"))
                .await);
        }
        let loc = location(resp.headers()).with_context(|| {
            format!(
                "registry {} started an upload without a Location",
                self.registry
            )
        })?;
        Ok(Some(self.absolute(&url, &loc)))
    }

    /// Ask how much of an upload the registry kept: `Some((next offset, url))`,
    /// or `None` when the upload is gone.
    pub(super) async fn upload_status(&self, url: &str, scope: &str) -> Option<(u64, String)> {
        let resp = self
            .send(scope, true, &|| {
                self.http.get(url).timeout(Duration::from_secs(30))
            })
            .await
            .ok()?;
        if resp.status() != StatusCode::NO_CONTENT && !resp.status().is_success() {
            return None;
        }
        let next = range_kept(resp.headers()).unwrap_or(0);
        let url = location(resp.headers())
            .map(|l| self.absolute(url, &l))
            .unwrap_or_else(|| url.to_string());
        Some((next, url))
    }

    /// Upload the blob `digest` (`size` bytes, read from `file`) to `repo`
    /// unless it is already there; `mount_from` names a repository of the
    /// same registry that may hold it.
    pub async fn push_blob(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        file: &Path,
        mount_from: Option<&str>,
        bar: &ProgressBar,
    ) -> anyhow::Result<Upload> {
        let mut scope = format!("repository:{repo}:pull,push");
        if let Some(from) = mount_from.filter(|f| *f != repo) {
            scope.push_str(&format!(" repository:{from}:pull"));
        }
        // Chunked uploads are recorded, and a recorded session the registry
        // still holds is resumed from the offset it reports.
        let journal = self
            .journal
            .as_deref()
            .filter(|_| size > MONOLITHIC_MAX)
            .map(|d| crate::registry::journal::Journal::new(d, &self.registry, repo, digest, size));
        if self.has_blob(repo, digest, &scope).await? {
            // A push killed after the blob was complete left its record.
            if let Some(j) = &journal {
                j.remove();
            }
            bar.set_position(size);
            return Ok(Upload::Present);
        }
        let mut resumed = match journal.as_ref().and_then(|j| j.load()) {
            Some((url, _)) => match self.upload_status(&url, &scope).await {
                Some((kept, u)) if kept <= size => Some((u, kept)),
                _ => None,
            },
            None => None,
        };
        let mut sent: u64 = 0;
        let mut restarts = 0;
        let mut from = mount_from.filter(|f| *f != repo);
        'session: loop {
            let (mut url, mut offset) = match resumed.take() {
                Some((url, kept)) => {
                    bar.set_position(kept);
                    (url, kept)
                }
                None => {
                    let Some(url) = self.start_upload(repo, digest, from, &scope).await? else {
                        bar.set_position(size);
                        return Ok(Upload::Mounted);
                    };
                    (url, 0)
                }
            };
            from = None;
            if let Some(j) = &journal {
                j.save(&url, offset);
            }
            // Failed attempts since the last chunk the registry took, and
            // 401s answered since then (a token may expire mid-blob).
            let mut failures = 0;
            let mut auth_tries = 0;
            if size <= MONOLITHIC_MAX {
                let body = read_range(file, 0, size)?;
                let put = with_digest(&url, digest);
                loop {
                    let auth = self.auth_for(&put, &scope);
                    let res = self
                        .http
                        .put(&put)
                        .header(CONTENT_TYPE, "application/octet-stream")
                        .headers(header_map(&auth))
                        .body(body.clone())
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            sent += size;
                            bar.set_position(size);
                            return Ok(Upload::Sent(sent));
                        }
                        Ok(r) if r.status() == StatusCode::UNAUTHORIZED && auth_tries < 2 => {
                            auth_tries += 1;
                            if self.reauth(&r, &scope, &auth).await? {
                                continue;
                            }
                            return Err(self.upload_refused(r, repo, digest).await);
                        }
                        Ok(r) if r.status() == StatusCode::BAD_REQUEST => {
                            // DIGEST_INVALID while a concurrent push of the
                            // same blob commits it: the registry may hold
                            // it now; else start a new session.
                            if self.has_blob(repo, digest, &scope).await? {
                                bar.set_position(size);
                                return Ok(Upload::Present);
                            }
                            restarts += 1;
                            if restarts >= ATTEMPTS {
                                return Err(self.upload_refused(r, repo, digest).await);
                            }
                            tokio::time::sleep(backoff(restarts)).await;
                            continue 'session;
                        }
                        Ok(r) if !transient(r.status()) => {
                            return Err(self.upload_refused(r, repo, digest).await);
                        }
                        Ok(_) | Err(_) => {
                            restarts += 1;
                            if restarts >= ATTEMPTS {
                                return Err(self.gave_up(repo, digest));
                            }
                            tokio::time::sleep(backoff(restarts)).await;
                            continue 'session;
                        }
                    }
                }
            }
            while offset < size {
                crate::interrupt::check()?;
                let end = (offset + CHUNK).min(size);
                let body = read_range(file, offset, end - offset)?;
                let auth = self.auth_for(&url, &scope);
                let res = self
                    .http
                    .patch(&url)
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .header("Content-Range", format!("{offset}-{}", end - 1))
                    .headers(header_map(&auth))
                    .body(body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == StatusCode::ACCEPTED => {
                        sent += end - offset;
                        let next = range_kept(r.headers()).unwrap_or(end);
                        if let Some(l) = location(r.headers()) {
                            url = self.absolute(&url, &l);
                        }
                        offset = next;
                        bar.set_position(offset);
                        if let Some(j) = &journal {
                            j.save(&url, offset);
                        }
                        failures = 0;
                        auth_tries = 0;
                        continue;
                    }
                    Ok(r) if r.status() == StatusCode::UNAUTHORIZED && auth_tries < 2 => {
                        // The registry refused the chunk before taking it:
                        // renew the token and send the same chunk again.
                        auth_tries += 1;
                        if self.reauth(&r, &scope, &auth).await? {
                            continue;
                        }
                        return Err(self.upload_refused(r, repo, digest).await);
                    }
                    Ok(r) if r.status() == StatusCode::RANGE_NOT_SATISFIABLE && offset == 0 => {
                        // The registry holds bytes of this upload that hoist
                        // cannot account for: start a new session.
                        restarts += 1;
                        if restarts > ATTEMPTS {
                            return Err(self.gave_up(repo, digest));
                        }
                        bar.set_position(0);
                        continue 'session;
                    }
                    Ok(r)
                        if !transient(r.status())
                            && r.status() != StatusCode::RANGE_NOT_SATISFIABLE =>
                    {
                        return Err(self.upload_refused(r, repo, digest).await);
                    }
                    Ok(_) | Err(_) => {}
                }
                // Cut or refused mid-blob: ask what the registry kept.
                failures += 1;
                if failures >= ATTEMPTS {
                    return Err(self.gave_up(repo, digest));
                }
                tokio::time::sleep(backoff(failures)).await;
                match self.upload_status(&url, &scope).await {
                    Some((kept, u)) if kept <= size => {
                        offset = kept;
                        url = u;
                        bar.set_position(offset);
                    }
                    _ => {
                        restarts += 1;
                        if restarts > ATTEMPTS {
                            return Err(self.gave_up(repo, digest));
                        }
                        bar.set_position(0);
                        continue 'session;
                    }
                }
            }
            // All bytes are there: close the upload with the digest.
            let put = with_digest(&url, digest);
            let res = self
                .send(&scope, true, &|| {
                    self.http
                        .put(&put)
                        .header(reqwest::header::CONTENT_LENGTH, "0")
                        .timeout(Duration::from_secs(300))
                })
                .await?;
            if res.status() == StatusCode::CREATED {
                if let Some(j) = &journal {
                    j.remove();
                }
                return Ok(Upload::Sent(sent));
            }
            if res.status() == StatusCode::NOT_FOUND || res.status() == StatusCode::BAD_REQUEST {
                // The registry lost or rejected the session (DIGEST_INVALID
                // while a concurrent push commits the same blob): the blob
                // may be there now; else start again.
                if let Some(j) = &journal {
                    j.remove();
                }
                if self.has_blob(repo, digest, &scope).await? {
                    return Ok(Upload::Sent(sent));
                }
                restarts += 1;
                if restarts > ATTEMPTS {
                    return Err(self.upload_refused(res, repo, digest).await);
                }
                continue 'session;
            }
            if let Some(j) = &journal {
                j.remove();
            }
            return Err(self.upload_refused(res, repo, digest).await);
        }
    }

    pub(super) fn gave_up(&self, repo: &str, digest: &str) -> anyhow::Error {
        UserError::failure(format!(
            "gave up uploading {digest} to {}/{repo} after {ATTEMPTS} attempts (the connection kept failing)",
            self.registry
        ))
        .with_hint("no manifest was written, so the registry holds no broken image; run the push again to continue")
        .into()
    }

    pub(super) async fn upload_refused(
        &self,
        resp: Response,
        repo: &str,
        digest: &str,
    ) -> anyhow::Error {
        let s = resp.status();
        if s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN {
            return self.unauthorized(&format!("pushing to {repo}"), s);
        }
        self.http_error(resp, &format!("uploading {digest} to {repo}"))
            .await
    }
}
