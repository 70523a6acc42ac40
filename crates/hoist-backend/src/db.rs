//! The backend's state in SQLite (`<data>/backend.db`, WAL, synchronous=FULL):
//! functions (soft delete), versions, deployments with their configured env
//! snapshot, env entries (secrets stored, never returned) and log lines. Every
//! state change is one transaction, so a SIGKILL never leaves half a deploy.
//! Writes go through one connection and reads through another: in WAL mode
//! a read sees the last commit without waiting for a write in progress, and
//! a write's commit (its fsync, which a busy disk can make long) waits off
//! the server's async worker threads.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::errors::{ApiError, ApiResult};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS functions (
  name TEXT PRIMARY KEY, runtime TEXT NOT NULL, handler TEXT NOT NULL,
  memory_mb INTEGER NOT NULL, cpus REAL NOT NULL, timeout_seconds INTEGER NOT NULL,
  max_concurrent INTEGER NOT NULL, warm_workers INTEGER NOT NULL, health_path TEXT,
  port INTEGER, active_version TEXT, active_deployment TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS versions (
  function TEXT NOT NULL, version TEXT NOT NULL, digest TEXT NOT NULL, runtime TEXT NOT NULL,
  entrypoint TEXT NOT NULL, import_map TEXT, size INTEGER NOT NULL, created_at TEXT NOT NULL,
  seq INTEGER PRIMARY KEY AUTOINCREMENT, UNIQUE(function, version));
CREATE TABLE IF NOT EXISTS deployments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, function TEXT NOT NULL,
  version TEXT NOT NULL, previous_version TEXT, kind TEXT NOT NULL, release_id TEXT,
  env_json TEXT NOT NULL, env_digest TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS env (
  function TEXT NOT NULL, key TEXT NOT NULL, source TEXT NOT NULL, value TEXT NOT NULL,
  is_secret INTEGER NOT NULL, PRIMARY KEY(function, key, source));
CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, function TEXT NOT NULL,
  version TEXT, worker TEXT, stream TEXT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_fn ON logs(function, id);
";

/// A connection for writes and one for reads, each behind a mutex.
pub struct Db {
    write: Mutex<Connection>,
    read: Mutex<Connection>,
}

/// Open (and create) the database at `path` with the backend's pragmas.
pub(crate) fn connect(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // Secrets live here: owner only (SQLite gives -wal and -shm the same mode).
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private (mode 0600)", path.display()))?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(SCHEMA)
        .context("cannot create the schema")?;
    Ok(conn)
}

#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub(crate) name: String,
    pub(crate) runtime: String,
    pub(crate) handler: String,
    pub(crate) memory_mb: i64,
    pub(crate) cpus: f64,
    pub(crate) timeout_seconds: i64,
    pub(crate) max_concurrent_executions: i64,
    pub(crate) warm_workers: i64,
    pub(crate) health_path: Option<String>,
    pub(crate) port: Option<i64>,
    pub(crate) active_version: Option<String>,
    pub(crate) active_deployment: Option<String>,
    /// The active version's archive digest.
    pub(crate) active_digest: Option<String>,
    /// The configured env of the active deployment: digest and keys.
    pub(crate) env_digest: Option<String>,
    pub(crate) env_keys: Vec<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) has_versions: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct VersionRow {
    pub(crate) version: String,
    pub(crate) digest: String,
    pub(crate) runtime: String,
    pub(crate) entrypoint: String,
    pub(crate) import_map: Option<String>,
    pub(crate) size: i64,
    pub(crate) created_at: String,
    pub(crate) active: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct DeploymentRow {
    pub(crate) id: String,
    pub(crate) function: String,
    pub(crate) version: String,
    pub(crate) previous_version: Option<String>,
    pub(crate) kind: String,
    pub(crate) release_id: Option<String>,
    pub(crate) env_keys: Vec<String>,
    pub(crate) env_digest: String,
    pub(crate) status: String,
    pub(crate) created_at: String,
    pub(crate) env: BTreeMap<String, String>,
}

impl VersionRow {
    /// The version as the API shows it.
    pub(crate) fn view(&self) -> ApiResult<hoist_api::Version> {
        Ok(hoist_api::Version {
            version: self.version.clone(),
            digest: self.digest.clone(),
            runtime: super::runtimes::parse(&self.runtime)?,
            entrypoint: self.entrypoint.clone(),
            import_map: self.import_map.clone(),
            size: u64::try_from(self.size).map_err(ApiError::internal)?,
            created_at: self.created_at.clone(),
            active: self.active,
        })
    }
}

impl DeploymentRow {
    /// The deployment as the API shows it.
    pub(crate) fn view(&self) -> ApiResult<hoist_api::Deployment> {
        let kind = hoist_api::DeployKind::parse(&self.kind).ok_or_else(|| {
            ApiError::internal(format!(
                "the database names an unknown deployment kind `{}`",
                self.kind
            ))
        })?;
        let status = match self.status.as_str() {
            "live" => hoist_api::DeploymentStatus::Live,
            "superseded" => hoist_api::DeploymentStatus::Superseded,
            other => {
                return Err(ApiError::internal(format!(
                    "the database names an unknown deployment status `{other}`"
                )))
            }
        };
        Ok(hoist_api::Deployment {
            id: self.id.clone(),
            function: self.function.clone(),
            version: self.version.clone(),
            previous_version: self.previous_version.clone(),
            kind,
            release_id: self.release_id.clone(),
            env_keys: self.env_keys.clone(),
            env_digest: self.env_digest.clone(),
            status,
            created_at: self.created_at.clone(),
        })
    }
}

pub(crate) use hoist_api::{EnvEntry, EnvSource};

/// A new function's settings (PUT body after defaults).
#[derive(Debug, Clone)]
pub(crate) struct FunctionSpec {
    pub(crate) runtime: String,
    pub(crate) handler: String,
    pub(crate) memory_mb: i64,
    pub(crate) cpus: f64,
    pub(crate) timeout_seconds: i64,
    pub(crate) max_concurrent: i64,
    pub(crate) warm_workers: i64,
    pub(crate) health_path: Option<String>,
    pub(crate) port: Option<i64>,
}

/// A deployment about to be recorded.
pub(crate) struct NewDeployment<'a> {
    pub(crate) id: &'a str,
    pub(crate) function: &'a str,
    pub(crate) version: &'a str,
    pub(crate) previous_version: Option<&'a str>,
    pub(crate) kind: &'a str,
    pub(crate) release_id: Option<&'a str>,
    pub(crate) env: &'a BTreeMap<String, String>,
    pub(crate) env_digest: &'a str,
}

fn function_row(r: &Row) -> rusqlite::Result<FunctionRow> {
    Ok(FunctionRow {
        name: r.get(0)?,
        runtime: r.get(1)?,
        handler: r.get(2)?,
        memory_mb: r.get(3)?,
        cpus: r.get(4)?,
        timeout_seconds: r.get(5)?,
        max_concurrent_executions: r.get(6)?,
        warm_workers: r.get(7)?,
        health_path: r.get(8)?,
        port: r.get(9)?,
        active_version: r.get(10)?,
        active_deployment: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        has_versions: r.get::<_, i64>(14)? > 0,
        active_digest: r.get(15)?,
        env_digest: r.get(16)?,
        // No active deployment, no environment.
        env_keys: match r.get::<_, Option<String>>(17)? {
            Some(j) => json_column::<BTreeMap<String, String>>(17, &j)?
                .into_keys()
                .collect(),
            None => Vec::new(),
        },
    })
}

const FN_COLS: &str = "name, runtime, handler, memory_mb, cpus, timeout_seconds, max_concurrent,
  warm_workers, health_path, port, active_version, active_deployment, created_at, updated_at,
  (SELECT COUNT(*) FROM versions v WHERE v.function = functions.name),
  (SELECT digest FROM versions v WHERE v.function = functions.name AND v.version = functions.active_version),
  (SELECT env_digest FROM deployments d WHERE d.id = functions.active_deployment),
  (SELECT env_json FROM deployments d WHERE d.id = functions.active_deployment)";

/// Column `idx`, a JSON document, decoded; one that does not decode is a
/// conversion error naming the column, not an empty value.
fn json_column<T: serde::de::DeserializeOwned>(idx: usize, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn deployment_row(r: &Row) -> rusqlite::Result<DeploymentRow> {
    let env_json: String = r.get(6)?;
    let env: BTreeMap<String, String> = json_column(6, &env_json)?;
    Ok(DeploymentRow {
        id: r.get(0)?,
        function: r.get(1)?,
        version: r.get(2)?,
        previous_version: r.get(3)?,
        kind: r.get(4)?,
        release_id: r.get(5)?,
        env_keys: env.keys().cloned().collect(),
        env,
        env_digest: r.get(7)?,
        status: r.get(8)?,
        created_at: r.get(9)?,
    })
}

const DEP_COLS: &str =
    "id, function, version, previous_version, kind, release_id, env_json, env_digest, status, created_at";

/// `Db::upsert_function` on the write connection.
fn upsert_function(
    c: &mut Connection,
    name: &str,
    s: &FunctionSpec,
    now: &str,
) -> rusqlite::Result<bool> {
    let tx = c.transaction()?;
    let existing: Option<Option<String>> = tx
        .query_row(
            "SELECT deleted_at FROM functions WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    let created =
        match existing {
            None => {
                tx.execute(
                "INSERT INTO functions (name, runtime, handler, memory_mb, cpus, timeout_seconds,
                 max_concurrent, warm_workers, health_path, port, created_at, updated_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?11)",
                params![name, s.runtime, s.handler, s.memory_mb, s.cpus, s.timeout_seconds,
                    s.max_concurrent, s.warm_workers, s.health_path, s.port, now],
            )?;
                true
            }
            Some(deleted) => {
                tx.execute(
                    "UPDATE functions SET runtime=?2, handler=?3, memory_mb=?4, cpus=?5,
                 timeout_seconds=?6, max_concurrent=?7, warm_workers=?8, health_path=?9, port=?10,
                 updated_at=?11 WHERE name=?1",
                    params![
                        name,
                        s.runtime,
                        s.handler,
                        s.memory_mb,
                        s.cpus,
                        s.timeout_seconds,
                        s.max_concurrent,
                        s.warm_workers,
                        s.health_path,
                        s.port,
                        now
                    ],
                )?;
                if deleted.is_some() {
                    tx.execute(
                        "UPDATE functions SET deleted_at=NULL, active_version=NULL,
                     active_deployment=NULL, created_at=?2 WHERE name=?1",
                        params![name, now],
                    )?;
                }
                deleted.is_some()
            }
        };
    tx.commit()?;
    Ok(created)
}

/// `Db::record_deployment` on the write connection.
fn record_deployment(
    c: &mut Connection,
    d: &NewDeployment,
    now: &str,
) -> rusqlite::Result<DeploymentRow> {
    let tx = c.transaction()?;
    let env_json = serde_json::to_string(d.env).unwrap_or_else(|_| "{}".into());
    tx.execute(
        "UPDATE deployments SET status = 'superseded' WHERE function = ?1 AND status = 'live'",
        [d.function],
    )?;
    tx.execute(
        &format!("INSERT INTO deployments ({DEP_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,'live',?9)"),
        params![
            d.id,
            d.function,
            d.version,
            d.previous_version,
            d.kind,
            d.release_id,
            env_json,
            d.env_digest,
            now
        ],
    )?;
    tx.execute(
        "DELETE FROM env WHERE function = ?1 AND source = 'config'",
        [d.function],
    )?;
    for (k, v) in d.env {
        tx.execute(
            "INSERT INTO env (function, key, source, value, is_secret) VALUES (?1,?2,'config',?3,0)",
            params![d.function, k, v],
        )?;
    }
    tx.execute(
        "UPDATE functions SET active_version = ?2, active_deployment = ?3, updated_at = ?4 WHERE name = ?1",
        params![d.function, d.version, d.id, now],
    )?;
    let row = tx.query_row(
        &format!("SELECT {DEP_COLS} FROM deployments WHERE id = ?1"),
        [d.id],
        deployment_row,
    )?;
    tx.commit()?;
    Ok(row)
}

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        // The write connection first: it creates the schema.
        let write = connect(path)?;
        Ok(Db {
            write: Mutex::new(write),
            read: Mutex::new(connect(path)?),
        })
    }

    /// The read connection.
    pub(super) fn c(&self) -> MutexGuard<'_, Connection> {
        self.read.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` on the write connection. On a multi-threaded runtime it runs
    /// in `block_in_place`: the wait for the lock and for the commit's
    /// fsync does not hold up the other requests on this worker thread.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let run = || {
            let mut c = self.write.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(run)
            }
            _ => run(),
        }
    }

    pub fn functions(&self) -> rusqlite::Result<Vec<FunctionRow>> {
        let c = self.c();
        let mut st = c.prepare(&format!(
            "SELECT {FN_COLS} FROM functions WHERE deleted_at IS NULL ORDER BY name"
        ))?;
        let rows = st.query_map([], function_row)?;
        rows.collect()
    }

    pub(crate) fn function(&self, name: &str) -> rusqlite::Result<Option<FunctionRow>> {
        self.c()
            .query_row(
                &format!("SELECT {FN_COLS} FROM functions WHERE name = ?1 AND deleted_at IS NULL"),
                [name],
                function_row,
            )
            .optional()
    }

    /// Create or update; true when created (or re-registered after a delete).
    pub(crate) fn upsert_function(
        &self,
        name: &str,
        s: &FunctionSpec,
        now: &str,
    ) -> rusqlite::Result<bool> {
        self.write(|c| upsert_function(c, name, s, now))
    }

    pub(crate) fn delete_function(&self, name: &str, now: &str) -> rusqlite::Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE functions SET deleted_at = ?2 WHERE name = ?1",
                params![name, now],
            )
        })?;
        Ok(())
    }

    pub(crate) fn versions(&self, function: &str) -> rusqlite::Result<Vec<VersionRow>> {
        let c = self.c();
        let mut st = c.prepare(
            "SELECT v.version, v.digest, v.runtime, v.entrypoint, v.import_map, v.size, v.created_at,
             COALESCE(f.active_version = v.version, 0)
             FROM versions v LEFT JOIN functions f ON f.name = v.function
             WHERE v.function = ?1 ORDER BY v.seq",
        )?;
        let rows = st.query_map([function], |r| {
            Ok(VersionRow {
                version: r.get(0)?,
                digest: r.get(1)?,
                runtime: r.get(2)?,
                entrypoint: r.get(3)?,
                import_map: r.get(4)?,
                size: r.get(5)?,
                created_at: r.get(6)?,
                active: r.get::<_, i64>(7)? != 0,
            })
        })?;
        rows.collect()
    }

    pub(crate) fn version(
        &self,
        function: &str,
        version: &str,
    ) -> rusqlite::Result<Option<VersionRow>> {
        Ok(self
            .versions(function)?
            .into_iter()
            .find(|v| v.version == version))
    }

    pub(crate) fn insert_version(&self, function: &str, v: &VersionRow) -> rusqlite::Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO versions (function, version, digest, runtime, entrypoint, import_map, size, created_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                params![function, v.version, v.digest, v.runtime, v.entrypoint, v.import_map, v.size, v.created_at],
            )
        })?;
        Ok(())
    }

    pub(crate) fn delete_version(&self, function: &str, version: &str) -> rusqlite::Result<()> {
        self.write(|c| {
            c.execute(
                "DELETE FROM versions WHERE function = ?1 AND version = ?2",
                params![function, version],
            )
        })?;
        Ok(())
    }

    pub(crate) fn deployments(&self, function: &str) -> rusqlite::Result<Vec<DeploymentRow>> {
        let c = self.c();
        let mut st = c.prepare(&format!(
            "SELECT {DEP_COLS} FROM deployments WHERE function = ?1 ORDER BY seq DESC"
        ))?;
        let rows = st.query_map([function], deployment_row)?;
        rows.collect()
    }

    pub(crate) fn deployment_by_release(
        &self,
        function: &str,
        release_id: &str,
    ) -> rusqlite::Result<Option<DeploymentRow>> {
        self.c()
            .query_row(
                &format!(
                    "SELECT {DEP_COLS} FROM deployments WHERE function = ?1 AND release_id = ?2"
                ),
                params![function, release_id],
                deployment_row,
            )
            .optional()
    }

    /// Record a deployment and make its version active, in one transaction:
    /// the configured env rows are replaced by the deployment's.
    pub(crate) fn record_deployment(
        &self,
        d: &NewDeployment,
        now: &str,
    ) -> rusqlite::Result<DeploymentRow> {
        self.write(|c| record_deployment(c, d, now))
    }

    /// Env entries: set values first, then configured ones; secrets hold values here.
    pub(crate) fn env(&self, function: &str) -> rusqlite::Result<Vec<(EnvEntry, String)>> {
        let c = self.c();
        let mut st = c.prepare(
            "SELECT key, source, value, is_secret FROM env WHERE function = ?1
             ORDER BY source DESC, key",
        )?;
        let rows = st.query_map([function], |r| {
            let secret = r.get::<_, i64>(3)? != 0;
            let value: String = r.get(2)?;
            let source = match r.get::<_, String>(1)?.as_str() {
                "set" => EnvSource::Set,
                "config" => EnvSource::Config,
                other => {
                    return Err(rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Text,
                        format!("unknown env source `{other}`").into(),
                    ))
                }
            };
            Ok((
                EnvEntry {
                    key: r.get(0)?,
                    value: if secret { None } else { Some(value.clone()) },
                    is_secret: secret,
                    source,
                },
                value,
            ))
        })?;
        rows.collect()
    }

    /// The env a worker gets: configured values, overridden by set ones.
    pub(crate) fn merged_env(&self, function: &str) -> rusqlite::Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let rows = self.env(function)?;
        for (e, v) in rows.iter().filter(|(e, _)| e.source == EnvSource::Config) {
            out.insert(e.key.clone(), v.clone());
        }
        for (e, v) in rows.iter().filter(|(e, _)| e.source == EnvSource::Set) {
            out.insert(e.key.clone(), v.clone());
        }
        Ok(out)
    }

    /// Set and unset env entries (source `set`) in one transaction.
    pub(crate) fn patch_env(
        &self,
        function: &str,
        set: &[(String, String, bool)],
        unset: &[String],
    ) -> rusqlite::Result<()> {
        self.write(|c| {
            let tx = c.transaction()?;
                for k in unset {
                tx.execute(
                    "DELETE FROM env WHERE function = ?1 AND key = ?2 AND source = 'set'",
                    params![function, k],
                )?;
            }
            for (k, v, secret) in set {
                tx.execute(
                    "INSERT OR REPLACE INTO env (function, key, source, value, is_secret) VALUES (?1,?2,'set',?3,?4)",
                    params![function, k, v, *secret as i64],
                )?;
            }
            tx.commit()
        })
    }

    /// Remove a key (set or configured); true when something was removed.
    pub(crate) fn delete_env(&self, function: &str, key: &str) -> rusqlite::Result<bool> {
        let n = self.write(|c| {
            c.execute(
                "DELETE FROM env WHERE function = ?1 AND key = ?2",
                params![function, key],
            )
        })?;
        Ok(n > 0)
    }
}
