//! Blob uploads to a registry in a resumable loop: HEAD first,
//! cross-repository mount when offered a source, monolithic PUT for small
//! blobs, PATCH chunks for large ones, and after a cut connection or a 5xx
//! the registry is asked how much it kept and the upload goes on from there
//! (or starts again when the registry forgot it). The upload is an explicit
//! state machine ([`State`], moved on by [`BlobPush::step`]); uploads never
//! go through a generic retry wrapper.

use super::*;
use crate::registry::journal::Journal;

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
    pub(crate) async fn push_blob(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        file: &Path,
        mount_from: Option<&str>,
        bar: &Progress,
    ) -> anyhow::Result<Upload> {
        let mut scope = format!("repository:{repo}:pull,push");
        if let Some(from) = mount_from.filter(|f| *f != repo) {
            scope.push_str(&format!(" repository:{from}:pull"));
        }
        // Chunked uploads are recorded, and a recorded session the registry
        // still holds is resumed from the offset it reports.
        let journal = self
            .journal
            .as_ref()
            .filter(|_| size > MONOLITHIC_MAX)
            .map(|(d, r)| Journal::new(d, &self.registry, repo, digest, size, r.clone()));
        if self.has_blob(repo, digest, &scope).await? {
            // A push killed after the blob was complete left its record.
            if let Some(j) = &journal {
                j.remove();
            }
            bar.set_position(size);
            return Ok(Upload::Present);
        }
        let resumed = match journal.as_ref().and_then(|j| j.load()) {
            Some((url, _)) => match self.upload_status(&url, &scope).await {
                Some((kept, u)) if kept <= size => Some((u, kept)),
                _ => None,
            },
            None => None,
        };
        let mut push = BlobPush {
            client: self,
            repo,
            digest,
            size,
            file,
            scope,
            journal,
            bar,
            from: mount_from.filter(|f| *f != repo),
            sent: 0,
            restarts: 0,
            failures: 0,
            auth_tries: 0,
        };
        let mut state = State::Open { resumed };
        loop {
            state = match push.step(state).await? {
                State::Done(upload) => return Ok(upload),
                next => next,
            };
        }
    }

    pub(super) fn gave_up(&self, repo: &str, digest: &str) -> anyhow::Error {
        RegistryError::GaveUp {
            registry: self.registry.clone(),
            repo: repo.to_string(),
            digest: digest.to_string(),
            attempts: ATTEMPTS,
        }
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

/// Where a blob upload stands; [`BlobPush::step`] moves it on.
enum State {
    /// Open a session: go on with the recorded one at the offset the
    /// registry kept, else start one (or mount the blob).
    Open { resumed: Option<(String, u64)> },
    /// A blob of at most [`MONOLITHIC_MAX`] bytes: send `body`, all of it,
    /// in one PUT that closes session `url`.
    Whole { url: String, body: Vec<u8> },
    /// A larger blob: send the chunk at `offset` to session `url`.
    Chunk { url: String, offset: u64 },
    /// A chunk was cut or refused: ask the registry how much it kept.
    Ask { url: String },
    /// Every byte is there: close session `url` with the digest.
    Close { url: String },
    /// Finished.
    Done(Upload),
}

/// One blob upload in progress: what it sends, and the counts that bound
/// its retries.
struct BlobPush<'a> {
    client: &'a Client,
    repo: &'a str,
    digest: &'a str,
    size: u64,
    file: &'a Path,
    scope: String,
    journal: Option<Journal>,
    bar: &'a Progress,
    /// A repository to mount the blob from; tried by the first session only.
    from: Option<&'a str>,
    /// Bytes the registry took, over every session.
    sent: u64,
    /// Sessions started again after one was lost or refused.
    restarts: u32,
    /// Failed attempts since the last chunk the registry took.
    failures: u32,
    /// 401s answered since then (a token may expire mid-blob).
    auth_tries: u32,
}

impl BlobPush<'_> {
    async fn step(&mut self, state: State) -> anyhow::Result<State> {
        match state {
            State::Open { resumed } => self.open(resumed).await,
            State::Whole { url, body } => self.put_whole(url, body).await,
            State::Chunk { url, offset } if offset >= self.size => Ok(State::Close { url }),
            State::Chunk { url, offset } => self.patch_chunk(url, offset).await,
            State::Ask { url } => self.ask(url).await,
            State::Close { url } => self.close(url).await,
            State::Done(upload) => Ok(State::Done(upload)),
        }
    }

    async fn open(&mut self, resumed: Option<(String, u64)>) -> anyhow::Result<State> {
        let from = self.from.take();
        let (url, offset) = match resumed {
            Some((url, kept)) => {
                self.bar.set_position(kept);
                (url, kept)
            }
            None => {
                let c = self.client;
                let Some(url) = c
                    .start_upload(self.repo, self.digest, from, &self.scope)
                    .await?
                else {
                    self.bar.set_position(self.size);
                    return Ok(State::Done(Upload::Mounted));
                };
                (url, 0)
            }
        };
        if let Some(j) = &self.journal {
            j.save(&url, offset);
        }
        self.failures = 0;
        self.auth_tries = 0;
        if self.size <= MONOLITHIC_MAX {
            let body = read_range(self.file, 0, self.size)?;
            return Ok(State::Whole { url, body });
        }
        Ok(State::Chunk { url, offset })
    }

    async fn put_whole(&mut self, url: String, body: Vec<u8>) -> anyhow::Result<State> {
        let c = self.client;
        let put = with_digest(&url, self.digest);
        let auth = c.auth_for(&put, &self.scope);
        let res = c
            .http
            .put(&put)
            .header(CONTENT_TYPE, "application/octet-stream")
            .headers(header_map(&auth))
            .body(body.clone())
            .send()
            .await;
        match res {
            Ok(r) if r.status() == StatusCode::CREATED => {
                self.sent += self.size;
                self.bar.set_position(self.size);
                Ok(State::Done(Upload::Sent(self.sent)))
            }
            Ok(r) if r.status() == StatusCode::UNAUTHORIZED && self.auth_tries < 2 => {
                self.auth_tries += 1;
                if c.reauth(&r, &self.scope, &auth).await? {
                    return Ok(State::Whole { url, body });
                }
                Err(self.refused(r).await)
            }
            Ok(r) if r.status() == StatusCode::BAD_REQUEST => {
                // DIGEST_INVALID while a concurrent push of the same blob
                // commits it: the registry may hold it now; else start a
                // new session.
                if c.has_blob(self.repo, self.digest, &self.scope).await? {
                    self.bar.set_position(self.size);
                    return Ok(State::Done(Upload::Present));
                }
                self.restarts += 1;
                if self.restarts >= ATTEMPTS {
                    return Err(self.refused(r).await);
                }
                tokio::time::sleep(backoff(self.restarts)).await;
                Ok(State::Open { resumed: None })
            }
            Ok(r) if !transient(r.status()) => Err(self.refused(r).await),
            Ok(_) | Err(_) => {
                self.restarts += 1;
                if self.restarts >= ATTEMPTS {
                    return Err(self.gave_up());
                }
                tokio::time::sleep(backoff(self.restarts)).await;
                Ok(State::Open { resumed: None })
            }
        }
    }

    async fn patch_chunk(&mut self, mut url: String, offset: u64) -> anyhow::Result<State> {
        crate::interrupt::check()?;
        let c = self.client;
        let end = (offset + CHUNK).min(self.size);
        let body = read_range(self.file, offset, end - offset)?;
        let auth = c.auth_for(&url, &self.scope);
        let res = c
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
                self.sent += end - offset;
                let next = range_kept(r.headers()).unwrap_or(end);
                if let Some(l) = location(r.headers()) {
                    url = c.absolute(&url, &l);
                }
                self.bar.set_position(next);
                if let Some(j) = &self.journal {
                    j.save(&url, next);
                }
                self.failures = 0;
                self.auth_tries = 0;
                Ok(State::Chunk { url, offset: next })
            }
            Ok(r) if r.status() == StatusCode::UNAUTHORIZED && self.auth_tries < 2 => {
                // The registry refused the chunk before taking it: renew
                // the token and send the same chunk again.
                self.auth_tries += 1;
                if c.reauth(&r, &self.scope, &auth).await? {
                    return Ok(State::Chunk { url, offset });
                }
                Err(self.refused(r).await)
            }
            Ok(r) if r.status() == StatusCode::RANGE_NOT_SATISFIABLE && offset == 0 => {
                // The registry holds bytes of this upload that hoist cannot
                // account for: start a new session.
                self.restart()
            }
            Ok(r) if !transient(r.status()) && r.status() != StatusCode::RANGE_NOT_SATISFIABLE => {
                Err(self.refused(r).await)
            }
            Ok(_) | Err(_) => Ok(State::Ask { url }),
        }
    }

    /// After a chunk was cut or refused mid-blob: go on from what the
    /// registry kept, or start a new session when it forgot the upload.
    async fn ask(&mut self, url: String) -> anyhow::Result<State> {
        self.failures += 1;
        if self.failures >= ATTEMPTS {
            return Err(self.gave_up());
        }
        tokio::time::sleep(backoff(self.failures)).await;
        match self.client.upload_status(&url, &self.scope).await {
            Some((kept, url)) if kept <= self.size => {
                self.bar.set_position(kept);
                Ok(State::Chunk { url, offset: kept })
            }
            _ => self.restart(),
        }
    }

    /// A new session from offset 0, unless too many were started.
    fn restart(&mut self) -> anyhow::Result<State> {
        self.restarts += 1;
        if self.restarts > ATTEMPTS {
            return Err(self.gave_up());
        }
        self.bar.set_position(0);
        Ok(State::Open { resumed: None })
    }

    async fn close(&mut self, url: String) -> anyhow::Result<State> {
        let c = self.client;
        let put = with_digest(&url, self.digest);
        let res = c
            .send(&self.scope, true, &|| {
                c.http
                    .put(&put)
                    .header(reqwest::header::CONTENT_LENGTH, "0")
                    .timeout(Duration::from_secs(300))
            })
            .await?;
        // The record is done with, whatever the answer.
        if let Some(j) = &self.journal {
            j.remove();
        }
        if res.status() == StatusCode::CREATED {
            return Ok(State::Done(Upload::Sent(self.sent)));
        }
        if res.status() == StatusCode::NOT_FOUND || res.status() == StatusCode::BAD_REQUEST {
            // The registry lost or rejected the session (DIGEST_INVALID
            // while a concurrent push commits the same blob): the blob may
            // be there now; else start again.
            if c.has_blob(self.repo, self.digest, &self.scope).await? {
                return Ok(State::Done(Upload::Sent(self.sent)));
            }
            self.restarts += 1;
            if self.restarts > ATTEMPTS {
                return Err(self.refused(res).await);
            }
            return Ok(State::Open { resumed: None });
        }
        Err(self.refused(res).await)
    }

    async fn refused(&self, resp: Response) -> anyhow::Error {
        self.client
            .upload_refused(resp, self.repo, self.digest)
            .await
    }

    fn gave_up(&self) -> anyhow::Error {
        self.client.gave_up(self.repo, self.digest)
    }
}
