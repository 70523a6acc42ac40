//! The release record and its journal: `releases/<id>.json` in the artifact
//! store, written when a deploy starts and rewritten after every step, so
//! that whatever stops a deploy (a failed health gate, Ctrl-C, kill -9, a
//! lost network) leaves a record of which functions went live and what they
//! replaced. Rollback reads it backwards; the next deploy finds a record
//! still `in_progress` and undoes it. A release ends `live`, `rolled_back`
//! or `failed`, never half.

use crate::names::ReleaseId;
use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::storage::manifest::now_rfc3339;
use crate::storage::Store;

/// Key prefix of release records in the store.
pub(crate) const PREFIX: &str = "releases/";
/// Key prefix of the markers of releases still in progress: a deploy finds
/// unfinished releases by listing these few keys, not every record.
pub(crate) const OPEN: &str = "releases/open/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    InProgress,
    Live,
    RolledBack,
    Failed,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::InProgress => "in_progress",
            ReleaseStatus::Live => "live",
            ReleaseStatus::RolledBack => "rolled_back",
            ReleaseStatus::Failed => "failed",
        }
    }
}

/// Where one function of a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionState {
    Pending,
    Live,
    Failed,
    RolledBack,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionRelease {
    pub function: hoist_api::FunctionName,
    pub version: hoist_api::names::Version,
    pub bundle_digest: String,
    #[serde(default)]
    pub image_digest: Option<String>,
    pub env_digest: String,
    pub config_digest: String,
    /// The version that was live before, `None` for a first deploy.
    pub previous_version: Option<hoist_api::names::Version>,
    /// The target's settings of the function before, when the release
    /// changes them: an undo puts them back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_settings: Option<crate::targets::FunctionSettings>,
    pub state: FunctionState,
}

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalStep {
    /// A function went live.
    Deployed,
    /// A function did not go live.
    Failed,
    /// A function went back to the version it replaced.
    RolledBack,
    /// The release is being undone (an entry with no function).
    Undoing,
    /// Undoing a function failed; the next deploy finishes it.
    UndoFailed,
    /// A later deploy finished what an interrupted one left.
    Recovered,
}

impl JournalStep {
    pub fn as_str(self) -> &'static str {
        match self {
            JournalStep::Deployed => "deployed",
            JournalStep::Failed => "failed",
            JournalStep::RolledBack => "rolled_back",
            JournalStep::Undoing => "undoing",
            JournalStep::UndoFailed => "undo_failed",
            JournalStep::Recovered => "recovered",
        }
    }
}

impl std::fmt::Display for JournalStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JournalEntry {
    pub(crate) at: String,
    pub(crate) function: String,
    pub(crate) step: JournalStep,
    pub(crate) detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub(crate) schema: u32,
    pub id: hoist_api::ReleaseId,
    pub target: String,
    pub(crate) project: String,
    pub status: ReleaseStatus,
    pub created_at: String,
    #[serde(default)]
    pub(crate) finished_at: Option<String>,
    pub who: String,
    /// Host and process that ran the deploy, so that only an abandoned
    /// record is recovered.
    #[serde(default)]
    pub(crate) host: String,
    #[serde(default)]
    pub(crate) pid: u32,
    #[serde(default)]
    pub git_commit: Option<String>,
    pub functions: Vec<FunctionRelease>,
    #[serde(default)]
    pub(crate) journal: Vec<JournalEntry>,
    #[serde(default)]
    pub(crate) error: Option<String>,
}

impl ReleaseRecord {
    /// A new record; ids sort by time (`r-<utc stamp>-<pid hex>`).
    pub fn new(
        target: &str,
        project: &str,
        git_commit: Option<String>,
        env: &Env,
    ) -> ReleaseRecord {
        let now = now_rfc3339();
        let stamp: String = now.chars().filter(|c| c.is_ascii_digit()).collect();
        ReleaseRecord {
            schema: 1,
            id: ReleaseId::parse(format!("r-{stamp}-{:x}", std::process::id()))
                .expect("a stamp of digits and a hex pid make a release id"),
            target: target.to_string(),
            project: project.to_string(),
            status: ReleaseStatus::InProgress,
            created_at: now,
            finished_at: None,
            who: who(env),
            host: host(),
            pid: std::process::id(),
            git_commit,
            functions: Vec::new(),
            journal: Vec::new(),
            error: None,
        }
    }

    pub(crate) fn key(&self) -> String {
        format!("{PREFIX}{}.json", self.id)
    }

    pub fn log(&mut self, function: &str, step: JournalStep, detail: impl Into<String>) {
        self.journal.push(JournalEntry {
            at: now_rfc3339(),
            function: function.to_string(),
            step,
            detail: detail.into(),
        });
    }

    pub(crate) fn set_state(&mut self, function: &str, state: FunctionState) {
        if let Some(f) = self.functions.iter_mut().find(|f| f.function == function) {
            f.state = state;
        }
    }

    pub fn finish(&mut self, status: ReleaseStatus) {
        self.status = status;
        self.finished_at = Some(now_rfc3339());
    }

    /// Write the record (replacing the previous write of it). Each store
    /// write is whole: a temp file renamed (local) or one PUT (S3).
    pub async fn save(&self, store: &dyn Store) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        store.put(&self.key(), &bytes, false).await?;
        Ok(())
    }

    /// Start the release: its open marker first, then the record, so a
    /// kill between the two leaves a marker that [`open_records`] clears.
    pub(crate) async fn open(&self, store: &dyn Store) -> anyhow::Result<()> {
        store
            .put(&format!("{OPEN}{}", self.id), self.id.as_bytes(), false)
            .await?;
        self.save(store).await
    }

    /// Save the finished record, then drop its open marker. The save is
    /// tried three times: a record left `in_progress` would have the next
    /// deploy undo a release that went live.
    pub(crate) async fn close(&self, store: &dyn Store) -> anyhow::Result<()> {
        let mut saved = self.save(store).await;
        for wait in [250, 1000] {
            if saved.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            saved = self.save(store).await;
        }
        saved?;
        store.delete(&format!("{OPEN}{}", self.id)).await
    }
}

/// The records whose open marker is still there, oldest first: releases in
/// progress, left unfinished by a killed hoist, or whose undo failed. With
/// `clean` (a deploy holding the target's lease), markers with nothing to
/// recover are removed: a finished record's at once, one whose record was
/// never written once it is [`crate::leftovers::STALE`] old (its release may
/// be opening right now, between the two writes).
pub async fn open_records(store: &dyn Store, clean: bool) -> anyhow::Result<Vec<ReleaseRecord>> {
    let mut out = Vec::new();
    for obj in store.list(OPEN).await? {
        let id = obj.key.trim_start_matches(OPEN).to_string();
        let key = format!("{PREFIX}{id}.json");
        match store
            .get(&key)
            .await?
            .map(|b| serde_json::from_slice::<ReleaseRecord>(&b))
        {
            Some(Ok(r))
                if matches!(r.status, ReleaseStatus::InProgress | ReleaseStatus::Failed) =>
            {
                out.push(r)
            }
            // Finished: the marker outlived a kill after the last save.
            Some(Ok(_)) if clean => store.delete(&obj.key).await?,
            // Never written (or unreadable): nothing to recover, unless
            // its release is being opened right now.
            None | Some(Err(_)) if clean => {
                let old = obj
                    .modified
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age >= crate::leftovers::STALE);
                if old {
                    store.delete(&obj.key).await?;
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The newest `limit` release records in the store, newest first.
/// Unreadable records are skipped with their key in `bad`.
pub async fn list(
    store: &dyn Store,
    limit: usize,
) -> anyhow::Result<(Vec<ReleaseRecord>, Vec<String>)> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    // Ids sort by time, so only the newest `limit` records are read.
    let mut keys: Vec<String> = store
        .list(PREFIX)
        .await?
        .into_iter()
        .map(|o| o.key)
        .filter(|k| k.ends_with(".json") && !k.starts_with(OPEN))
        .collect();
    keys.sort_by(|a, b| b.cmp(a));
    keys.truncate(limit);
    for key in keys {
        match store.get(&key).await? {
            Some(bytes) => match serde_json::from_slice::<ReleaseRecord>(&bytes) {
                Ok(r) => out.push(r),
                Err(_) => bad.push(key),
            },
            None => continue,
        }
    }
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok((out, bad))
}

/// Who is deploying: `$HOIST_WHO`, else the git author, else `$USER`.
fn who(env: &Env) -> String {
    env.non_empty("HOIST_WHO")
        .or_else(|| {
            std::process::Command::new("git")
                .args(["config", "user.name"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| env.non_empty("USER"))
        .unwrap_or_else(|| "unknown".into())
}

/// This machine's name as the kernel has it, else empty (records and
/// leases then name no host).
pub(crate) fn host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname writes at
    // most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).trim().to_string()
}

impl ReleaseRecord {
    /// Whether nobody is working on this record any more: its process on
    /// this host is gone, or it was started over an hour ago elsewhere.
    pub(crate) fn abandoned(&self) -> bool {
        if self.status != ReleaseStatus::InProgress {
            return false;
        }
        if self.host == host() {
            return self.pid != std::process::id()
                && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists();
        }
        let started = crate::storage::manifest::time_key(&self.created_at);
        let hour_ago = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        match hour_ago.format(&fmt) {
            Ok(t) => started < crate::storage::manifest::time_key(&t),
            Err(_) => false,
        }
    }
}
