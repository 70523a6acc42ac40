//! Multipart uploads to S3: create, parts sent concurrently (bounded),
//! each part retried on its own, complete with the same create-only rule as
//! a single PUT, and abort on any failure or Ctrl-C so that no parts are
//! left behind.

use super::*;

impl Ctx {
    /// The multipart path: create, parts in parallel, complete; abort on
    /// any failure or Ctrl-C so that no parts are left behind.
    pub(super) async fn multipart(
        self: &Arc<Self>,
        key: &str,
        path: &Path,
        size: u64,
        sha256: &str,
        bar: &Progress,
    ) -> anyhow::Result<Uploaded> {
        let full = self.full(key);
        let url = self.url(key);
        let upload_id = self.create_upload(key, &full, &url, sha256).await?;
        self.log(bar, format!("multipart upload {upload_id} to {url}"));
        self.journal_add(&full, &upload_id);

        // The archive is the bundle's own file: hoist wrote it in this run,
        // or the bundle cache found it untouched since it was written (same
        // inode, size and ctime), so its bytes are the digest's; hashing it
        // again here measured at about a tenth of the upload's time. Each
        // part carries a CRC32C the server checks.
        let result = self.send_parts(&full, &upload_id, path, size, bar).await;
        let (parts, retries) = match result {
            Ok(p) => p,
            Err(e) => {
                let aborted = self.abort(&full, &upload_id, bar).await;
                return Err(self.after_abort(e, aborted, &url, &upload_id));
            }
        };
        self.complete(key, &full, &url, &upload_id, (parts, retries), size, bar)
            .await
    }

    /// Start a multipart upload of `key` (stored as `full`, shown as
    /// `url`); its upload id.
    async fn create_upload(
        &self,
        key: &str,
        full: &str,
        url: &str,
        sha256: &str,
    ) -> anyhow::Result<String> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(full)
            .metadata("sha256", sha256)
            .content_type(content_type(key))
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .send()
            .await
            .map_err(|e| self.error(&format!("start a multipart upload to {url}"), &e))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| anyhow::anyhow!("the server started a multipart upload without an id"))?
            .to_string();
        Ok(upload_id)
    }

    /// Complete upload `upload_id` of `key` from its `parts` (and how many
    /// part attempts were retried): create-only, by a conditional write
    /// where the server takes one, else after checking that the key is not
    /// there yet. A key already there is not an error; any other failure
    /// aborts the upload.
    #[allow(clippy::too_many_arguments)]
    async fn complete(
        &self,
        key: &str,
        full: &str,
        url: &str,
        upload_id: &str,
        (parts, retries): (Vec<CompletedPart>, usize),
        size: u64,
        bar: &Progress,
    ) -> anyhow::Result<Uploaded> {
        let count = parts.len();
        let mut req = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(full)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            );
        let conditional = self.conditional.load(Ordering::Relaxed);
        if conditional {
            req = req.if_none_match("*");
        } else {
            match self.head(key).await {
                Ok(Some(_)) => {
                    // The key exists already; leftovers of this upload are
                    // cleaned by the next push if the abort fails.
                    if let Err(why) = self.abort(full, upload_id, bar).await {
                        self.printer.warn(&format!(
                            "the unneeded multipart upload {upload_id} to {url} was not aborted ({why}); the next push cleans it up"
                        ));
                    }
                    return Ok(Uploaded {
                        created: Created::AlreadyExists,
                        bytes: 0,
                        parts: count,
                        retries,
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    let aborted = self.abort(full, upload_id, bar).await;
                    return Err(self.after_abort(e, aborted, url, upload_id));
                }
            }
        }
        match req.send().await {
            Ok(_) => {
                self.journal_remove(upload_id);
                Ok(Uploaded {
                    created: Created::Created,
                    bytes: size,
                    parts: count,
                    retries,
                })
            }
            Err(e) => {
                let class = classify(&e);
                let aborted = self.abort(full, upload_id, bar).await;
                if class == Class::Precondition && conditional {
                    Ok(Uploaded {
                        created: Created::AlreadyExists,
                        bytes: 0,
                        parts: count,
                        retries,
                    })
                } else {
                    let err = self.error(&format!("complete the multipart upload to {url}"), &e);
                    Err(self.after_abort(err, aborted, url, upload_id))
                }
            }
        }
    }

    /// Send every part, at most `concurrency` at a time; returns the parts in
    /// order and how many part attempts were retried.
    pub(super) async fn send_parts(
        self: &Arc<Self>,
        full: &str,
        upload_id: &str,
        path: &Path,
        size: u64,
        bar: &Progress,
    ) -> anyhow::Result<(Vec<CompletedPart>, usize)> {
        let mut part_size = self.tuning.part_size;
        while size.div_ceil(part_size) > MAX_PARTS {
            part_size *= 2;
        }
        let count = size.div_ceil(part_size).max(1);
        let mut done: Vec<Option<CompletedPart>> = vec![None; count as usize];
        let mut retries = 0usize;
        let mut tasks = tokio::task::JoinSet::new();
        let mut next = 0u64;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            while tasks.len() < self.tuning.concurrency && next < count {
                let offset = next * part_size;
                let len = part_size.min(size - offset);
                let part = PartJob {
                    ctx: Arc::clone(self),
                    full: full.to_string(),
                    upload_id: upload_id.to_string(),
                    path: path.to_path_buf(),
                    number: (next + 1) as i32,
                    offset,
                    len,
                    bar: bar.clone(),
                };
                tasks.spawn(part.run());
                next += 1;
            }
            if tasks.is_empty() {
                break;
            }
            tokio::select! {
                joined = tasks.join_next() => {
                    let outcome = match joined {
                        Some(Ok(r)) => r,
                        Some(Err(e)) => Err(anyhow::anyhow!("a part upload task failed: {e}")),
                        None => continue,
                    };
                    match outcome {
                        Ok((part, tries)) => {
                            retries += tries;
                            let i = part.part_number().unwrap_or(1).max(1) as usize - 1;
                            if let Some(slot) = done.get_mut(i) {
                                *slot = Some(part);
                            }
                        }
                        Err(e) => {
                            tasks.abort_all();
                            while tasks.join_next().await.is_some() {}
                            return Err(e);
                        }
                    }
                }
                _ = tick.tick() => {
                    if crate::interrupt::requested() {
                        tasks.abort_all();
                        while tasks.join_next().await.is_some() {}
                        return Err(UserError::interrupted()
                            .with_hint("the multipart upload was aborted and nothing was stored; run the command again")
                            .into());

                    }
                }
            }
        }
        let parts: Vec<CompletedPart> = done.into_iter().flatten().collect();
        if parts.len() as u64 != count {
            anyhow::bail!("{} of {count} parts were uploaded", parts.len());
        }
        Ok((parts, retries))
    }

    /// Make an upload's error say what is true about the abort that
    /// followed it: when the abort failed, the parts stay on the server
    /// until the next push or `hoist prune --uploads` aborts them.
    fn after_abort(
        &self,
        err: anyhow::Error,
        aborted: Result<(), String>,
        url: &str,
        upload_id: &str,
    ) -> anyhow::Error {
        let Err(why) = aborted else { return err };
        let failed = |error: String| StoreError::AbortFailed {
            error,
            upload_id: upload_id.to_string(),
            url: url.to_string(),
            why: why.clone(),
        };
        let mut err = err;
        // Ctrl-C keeps its exit code; only the hint tells about the parts.
        if let Some(u) = err.downcast_mut::<UserError>() {
            u.hint = crate::error::Classified::hint(&failed(String::new()));
            return err;
        }
        let error = format!("{err:#}");
        failed(error).into()
    }

    /// Abort a multipart upload, then make sure no parts stay behind (a part
    /// still in flight can land after an abort; S3 then needs another).
    /// `Ok` only when the server confirmed it: the upload is gone (or its
    /// part list is empty).
    pub(super) async fn abort(
        &self,
        full: &str,
        upload_id: &str,
        bar: &Progress,
    ) -> Result<(), String> {
        let mut why = String::from("no answer");
        for attempt in 1..=3 {
            let res = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(upload_id)
                .send()
                .await;
            if let Err(e) = &res {
                if classify(e) != Class::NotFound {
                    why = root_cause(e);
                    self.log(
                        bar,
                        format!("aborting multipart upload {upload_id} failed: {why}"),
                    );
                }
            }
            let left = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(upload_id)
                .send()
                .await;
            match left {
                Ok(out) if !out.parts().is_empty() => {
                    why = format!("{} parts still listed", out.parts().len());
                    self.log(
                        bar,
                        format!(
                            "{} parts still listed after abort (attempt {attempt})",
                            out.parts().len()
                        ),
                    );
                }
                Ok(_) => {
                    // An empty part list right after our abort: the upload
                    // is gone or empty (s3s-fs lists an aborted one so).
                    if res.is_ok() || res.as_ref().is_err_and(|e| classify(e) == Class::NotFound) {
                        self.log(bar, format!("aborted multipart upload {upload_id}"));
                        self.journal_remove(upload_id);
                        return Ok(());
                    }
                }
                Err(e) if classify(&e) == Class::NotFound => {
                    self.log(bar, format!("aborted multipart upload {upload_id}"));
                    self.journal_remove(upload_id);
                    return Ok(());
                }
                Err(e) => {
                    why = format!("{why}; listing its parts failed: {}", root_cause(&e));
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(why)
    }
}

/// One part of a multipart upload, sent with its own retry loop: the part is
/// read into memory once, its CRC32C computed once, and the same bytes are
/// sent again after a cut connection, a timeout or a 5xx.
struct PartJob {
    ctx: Arc<Ctx>,
    full: String,
    upload_id: String,
    path: PathBuf,
    number: i32,
    offset: u64,
    len: u64,
    bar: Progress,
}

impl PartJob {
    async fn run(self) -> anyhow::Result<(CompletedPart, usize)> {
        let (path, offset, len) = (self.path.clone(), self.offset, self.len);
        let data = tokio::task::spawn_blocking(move || read_part(&path, offset, len))
            .await
            .map_err(|e| anyhow::anyhow!("reading a part failed: {e}"))??;
        let crc = crc32c_b64(&data);
        let ctx = &self.ctx;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let req = ctx
                .client
                .upload_part()
                .bucket(&ctx.bucket)
                .key(&self.full)
                .upload_id(&self.upload_id)
                .part_number(self.number)
                .content_length(self.len as i64)
                .checksum_crc32_c(&crc)
                .body(ByteStream::from(data.clone()))
                .customize()
                .config_override(one_attempt());
            let res = if ctx.tuning.sign_payload {
                req.send().await
            } else {
                req.disable_payload_signing().send().await
            };
            match res {
                Ok(out) => {
                    if let Some(server) = out.checksum_crc32_c() {
                        if server != crc {
                            anyhow::bail!(
                                "part {} arrived damaged (CRC32C {server}, sent {crc})",
                                self.number
                            );
                        }
                    }
                    self.bar.inc(self.len);
                    let part = CompletedPart::builder()
                        .part_number(self.number)
                        .set_e_tag(out.e_tag().map(str::to_string))
                        .checksum_crc32_c(&crc)
                        .build();
                    return Ok((part, (attempt - 1) as usize));
                }
                Err(e) => {
                    let class = classify(&e);
                    let retryable = matches!(class, Class::Transient | Class::Unreachable);
                    if retryable && attempt < ctx.tuning.part_attempts {
                        let wait = Duration::from_millis(200 * (1u64 << (attempt - 1).min(5)));
                        ctx.log(
                            &self.bar,
                            format!(
                                "part {} attempt {attempt} failed ({}); retrying in {} ms",
                                self.number,
                                root_cause(&e),
                                wait.as_millis()
                            ),
                        );
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let what = format!(
                        "upload part {} of {} (attempt {attempt} of {})",
                        self.number,
                        ctx.url(self.full.strip_prefix(&ctx.prefix).unwrap_or(&self.full)),
                        ctx.tuning.part_attempts
                    );
                    return Err(ctx.error(&what, &e));
                }
            }
        }
    }
}
