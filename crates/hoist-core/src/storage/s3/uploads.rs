//! hoist's own multipart uploads that outlive the push that started them
//! (the server died, the connection broke for good, the process was
//! killed): each upload is recorded in a journal under `.hoist/uploads/`
//! from creation until it completes or is confirmed aborted. The next
//! `hoist push` and `hoist prune --uploads` abort the recorded uploads whose
//! process is gone or that are older than a threshold, and, where the
//! server lists multipart uploads, any under hoist's `functions/` prefix
//! started more than that long ago. s3s-fs does not implement
//! ListMultipartUploads, so there the journal is what finds them.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::*;

/// One journal entry: `<state>/uploads/<sha256 of the upload id>.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    bucket: String,
    /// The full object key (prefix included).
    key: String,
    upload_id: String,
    pid: u32,
    /// Seconds since the epoch when the upload was created.
    started: u64,
    /// Cleanups whose abort the server refused so far.
    #[serde(default)]
    refused: u32,
}

/// Cleanups (pushes, `prune --uploads`) that try to abort an upload the
/// server keeps refusing, before its record is dropped with a last warning.
const GIVE_UP_AFTER: u32 = 5;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether process `pid` still runs (on this machine).
// Elsewhere there is no check: every process is taken to run.
#[cfg_attr(not(unix), allow(unused_variables))]
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

impl Ctx {
    fn journal_file(&self, upload_id: &str) -> Option<PathBuf> {
        let dir = self.journal.as_ref()?;
        let (hex, _) = crate::storage::sha256_reader(upload_id.as_bytes()).ok()?;
        Some(dir.join(format!("{}.json", &hex[..32])))
    }

    /// Record an upload just created. A journal that cannot be written
    /// only costs the later cleanup, so it is a debug message.
    pub(super) fn journal_add(&self, full: &str, upload_id: &str) {
        let Some(path) = self.journal_file(upload_id) else {
            return;
        };
        let entry = Entry {
            bucket: self.bucket.clone(),
            key: full.to_string(),
            upload_id: upload_id.to_string(),
            pid: std::process::id(),
            started: now_secs(),
            refused: 0,
        };
        let res = std::fs::create_dir_all(path.parent().unwrap_or(&path))
            .map_err(anyhow::Error::from)
            .and_then(|_| crate::fsx::write_atomic(&path, &serde_json::to_vec(&entry)?));
        if let Err(e) = res {
            self.printer.detail(&format!(
                "cannot record multipart upload {upload_id}: {e:#}"
            ));
        }
    }

    /// Forget an upload that completed or was confirmed aborted.
    pub(super) fn journal_remove(&self, upload_id: &str) {
        if let Some(path) = self.journal_file(upload_id) {
            self.forget_record(&path);
        }
    }

    /// Remove the upload record at `path`; one that cannot be removed is
    /// said (the next cleanup finds the upload gone and tries again).
    fn forget_record(&self, path: &std::path::Path) {
        if let Err(e) = crate::fsx::remove_file(path) {
            self.printer.warn(&format!(
                "{e:#}; the multipart upload record is left behind"
            ));
        }
    }

    /// Abort hoist's stale multipart uploads in this bucket: recorded ones
    /// whose process is gone or that are older than `min_age`, and listed
    /// ones under `<prefix>functions/` older than `min_age`. Returns a line
    /// per upload aborted; one that cannot be aborted is reported and kept.
    pub(super) async fn clean_uploads(&self, min_age: Duration) -> Vec<String> {
        let mut done = Vec::new();
        let now = now_secs();
        if let Some(dir) = &self.journal {
            self.clean_recorded(dir, min_age, now, &mut done).await;
        }
        let listed = self
            .client
            .list_multipart_uploads()
            .bucket(&self.bucket)
            .prefix(self.full("functions/"))
            .send()
            .await;
        match listed {
            Ok(out) => {
                for u in out.uploads() {
                    let (Some(key), Some(id)) = (u.key(), u.upload_id()) else {
                        continue;
                    };
                    let started = u
                        .initiated()
                        .and_then(|t| SystemTime::try_from(*t).ok())
                        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                        .map_or(now, |d| d.as_secs());
                    if now.saturating_sub(started) < min_age.as_secs() {
                        continue;
                    }
                    if self.abort(key, id, &Progress::hidden()).await.is_ok() {
                        self.journal_remove(id);
                        done.push(format!("s3://{}/{key} ({id})", self.bucket));
                    }
                }
            }
            Err(e) => self.printer.detail(&format!(
                "cannot list multipart uploads ({}); relying on hoist's journal",
                root_cause(&e)
            )),
        }
        done
    }

    /// The recorded half of [`Ctx::clean_uploads`]: the uploads in the
    /// journal directory `dir`, with a line per upload aborted added to `done`.
    async fn clean_recorded(
        &self,
        dir: &std::path::Path,
        min_age: Duration,
        now: u64,
        done: &mut Vec<String>,
    ) {
        for path in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = path.path();
            // `registry-*.json` are the registry's upload records
            // (registry::journal), not multipart uploads.
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("registry-"))
            {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(mut e) = serde_json::from_slice::<Entry>(&bytes) else {
                self.printer.warn(&format!(
                    "{} is not a multipart upload record; it is removed",
                    path.display()
                ));
                self.forget_record(&path);
                continue;
            };
            let old = now.saturating_sub(e.started) >= min_age.as_secs();
            if e.bucket != self.bucket || (e.pid != std::process::id() && alive(e.pid) && !old) {
                continue;
            }
            // A killed push's last part may still be landing on the
            // server: the first cleanup tries an abort that finds parts
            // left again a little later before it is reported; later
            // ones try once, so a refusal costs no push its seconds.
            let mut res = self.abort(&e.key, &e.upload_id, &Progress::hidden()).await;
            let waits: &[u64] = if e.refused == 0 { &[500, 1500] } else { &[] };
            for &wait in waits {
                if res.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(wait)).await;
                res = self.abort(&e.key, &e.upload_id, &Progress::hidden()).await;
            }
            match res {
                Ok(()) => {
                    self.forget_record(&path);
                    done.push(format!("s3://{}/{} ({})", e.bucket, e.key, e.upload_id));
                }
                Err(why) => {
                    e.refused += 1;
                    let what = format!(
                        "a stale multipart upload to s3://{}/{} could not be aborted: {why}",
                        e.bucket, e.key
                    );
                    if e.refused >= GIVE_UP_AFTER {
                        self.forget_record(&path);
                        self.printer.warn(&format!(
                            "{what}; tried {} times, hoist stops trying: abort it with \
                             `aws s3api abort-multipart-upload --bucket {} --key {} --upload-id {}`, \
                             or let a lifecycle rule of the bucket expire it",
                            e.refused, e.bucket, e.key, e.upload_id
                        ));
                    } else {
                        let kept = serde_json::to_vec(&e)
                            .map_err(anyhow::Error::from)
                            .and_then(|b| crate::fsx::write_atomic(&path, &b));
                        if let Err(err) = kept {
                            self.printer
                                .detail(&format!("cannot update {}: {err:#}", path.display()));
                        }
                        self.printer.warn(&format!(
                            "{what} (try {} of {GIVE_UP_AFTER}; the next push tries again)",
                            e.refused
                        ));
                    }
                }
            }
        }
    }
}
