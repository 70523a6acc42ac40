//! The reference self-hosted functions backend (`hoist backend serve`): an
//! HTTP API (docs/selfhosted-api.md) over SQLite state, running each
//! function's versions in real worker processes. This file owns the options,
//! the shared `App` state and `serve()`: open the data dir, restore every
//! function's active version, listen, and shut down cleanly on SIGTERM/SIGINT.

pub(crate) mod api;
pub(crate) mod cgroup;
pub(crate) mod containerpub;
pub mod daemon;
pub mod db;
pub(crate) mod deploy;
pub(crate) mod env;
pub(crate) mod errors;
pub(crate) mod invoke;
pub(crate) mod logs;
pub(crate) mod nodeca;
pub mod runtimes;
pub(crate) mod serverlog;
pub(crate) mod shims;
pub(crate) mod versions;
pub mod workerenv;
pub(crate) mod workers;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use hoist_core::auth::Secret;
use hoist_core::storage::Store;

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub token: Secret,
    /// `--store`: a local store directory or `s3://bucket/prefix`.
    pub store: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_path_style: bool,
    pub max_archive_mb: u64,
    /// Workers unused this long are stopped, down to `warm_workers`.
    pub idle_timeout: Duration,
    /// Accept `POST /api/_faults`.
    pub faults: bool,
    /// The id `GET /api/health` answers with (`hoist backend start` passes
    /// one to know its own server); random when not given.
    pub instance: Option<String>,
    /// What every worker's environment holds besides its function's env.
    pub worker_env: workerenv::WorkerEnv,
    /// The environment the backend was started in (its store's
    /// credentials, PATH for the runtimes).
    pub env: hoist_core::env::Env,
}

/// Faults injected through `POST /api/_faults` (tests only).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Faults {
    #[serde(default)]
    pub(crate) latency_ms: u64,
    #[serde(default)]
    pub(crate) fail_next: u64,
    #[serde(default)]
    pub(crate) fail_status: Option<u16>,
    #[serde(default)]
    pub(crate) fail_path: Option<String>,
    #[serde(default)]
    pub(crate) drop_log_streams_after: Option<u64>,
    /// Fail only requests of this method (any when unset).
    #[serde(default)]
    pub(crate) fail_method: Option<String>,
    /// Answer the failure after the handler ran: the change is made, the
    /// client sees a failure.
    #[serde(default)]
    pub(crate) fail_after_effect: bool,
    /// Failures that fired since these faults were set (answered by the
    /// next `POST /api/_faults`).
    #[serde(default, skip_deserializing)]
    pub(crate) fired: u64,
}

/// The state every handler shares.
pub(crate) struct App {
    pub(crate) opts: ServeOptions,
    pub(crate) db: db::Db,
    pub(crate) sup: workers::Supervisor,
    pub(crate) store: Option<Arc<dyn Store>>,
    pub(crate) store_url: Option<String>,
    pub(crate) faults: Mutex<Faults>,
    /// This process's id in `GET /api/health`.
    pub(crate) instance: String,
    /// Runtime versions for `GET /api/health`, refreshed every 10 s.
    pub(crate) health_cache: Mutex<Option<(std::time::Instant, HealthRuntimes)>>,
}

/// Runtime name → version (None when missing).
pub(crate) type HealthRuntimes = std::collections::BTreeMap<String, Option<String>>;

pub use hoist_core::localbackend::default_data_dir;

/// RFC 3339 UTC now, millisecond precision (sorts as text).
pub(crate) fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    match t.format(&f) {
        Ok(s) => s,
        // Formatting a UTC time with a fixed description cannot fail; were
        // it to, the Unix time still orders.
        Err(_) => t.unix_timestamp().to_string(),
    }
}

/// `n` random bytes as hex, from /dev/urandom (time and pid if unreadable).
pub fn rand_hex(n: usize) -> String {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    if !ok {
        let seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64
            ^ u64::from(std::process::id());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 * 7) & 0xff) as u8;
        }
    }
    hex::encode(buf)
}

async fn open_store(opts: &ServeOptions) -> anyhow::Result<Option<(Arc<dyn Store>, String)>> {
    let Some(spec) = &opts.store else {
        return Ok(None);
    };
    if let Some(rest) = spec.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let cfg = hoist_core::config::schema::S3Config {
            bucket: bucket.to_string(),
            region: opts.s3_region.clone(),
            endpoint: opts.s3_endpoint.clone(),
            path_style: opts.s3_path_style,
            prefix: (!prefix.is_empty()).then(|| prefix.trim_end_matches('/').to_string()),
            profile: None,
        };
        let s = hoist_core::storage::s3::S3Store::connect(
            &cfg,
            &hoist_core::storage::OpenOptions::default(),
            &serverlog::Log,
            &opts.env,
        )
        .await?;
        let url = format!("s3://{}/{}", bucket, prefix.trim_end_matches('/'));
        return Ok(Some((Arc::new(s), url)));
    }
    let dir = PathBuf::from(spec);
    let dir = if dir.is_absolute() {
        dir
    } else {
        std::env::current_dir()?.join(dir)
    };
    let url = dir.display().to_string();
    Ok(Some((
        Arc::new(hoist_core::storage::local::LocalStore::new(dir)),
        url,
    )))
}

/// Run the backend until SIGTERM or SIGINT.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    let data = opts.data_dir.clone();
    for sub in ["versions", "archives", "tmp"] {
        std::fs::create_dir_all(data.join(sub))
            .with_context(|| format!("cannot create {}", data.join(sub).display()))?;
    }
    let store = open_store(&opts).await?;
    run(opts, store).await
}

async fn run(opts: ServeOptions, store: Option<(Arc<dyn Store>, String)>) -> anyhow::Result<()> {
    let data = opts.data_dir.clone();
    let db_path = data.join("backend.db");
    let db = db::Db::open(&db_path)?;
    let logs = logs::Logs::start(&db_path)?;
    let shims = shims::install(&data)?;
    let sup = workers::Supervisor::new(logs, shims, data.clone(), opts.worker_env.clone())?;
    let idle_timeout = opts.idle_timeout;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    let (store, store_url) = match store {
        Some((s, u)) => (Some(s), Some(u)),
        None => (None, None),
    };
    let instance = opts.instance.clone().unwrap_or_else(|| rand_hex(8));
    let app = Arc::new(App {
        opts,
        instance,
        db,
        sup,
        store,
        store_url,
        faults: Mutex::new(Faults::default()),
        health_cache: Mutex::new(None),
    });
    // Work out node's CA file now rather than in the first deploy.
    if let Some(node) = runtimes::find(&app.opts.env, &data, "node") {
        let app = app.clone();
        tokio::spawn(async move {
            app.sup
                .node_extra_ca("node", &node, &std::collections::BTreeMap::new())
                .await
        });
    }
    deploy::restore(&app).await;
    {
        // Stop workers nobody used for a while, keeping warm_workers.
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                app.sup.reap_idle(idle_timeout);
            }
        });
    }
    eprintln!(
        "hoist backend listening on http://{addr} (data {}; workers get {})",
        data.display(),
        app.opts.worker_env.names().join(" ")
    );
    let router = api::router(app.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server failed")?;
    eprintln!("hoist backend: shutting down, stopping workers");
    app.sup.shutdown().await;
    app.sup.logs.flush();
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    // hoist's own Ctrl-C handler (src/interrupt.rs) may see SIGINT first.
    let flag = async {
        while !hoist_core::interrupt::requested() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    match (term, int) {
        (Ok(mut t), Ok(mut i)) => {
            tokio::select! {
                _ = t.recv() => {}
                _ = i.recv() => {}
                _ = flag => {}
            }
        }
        _ => flag.await,
    }
}

/// Where a version's files are extracted: `<data>/versions/<fn>/<hex>/`.
pub(crate) fn version_dir(data: &Path, function: &str, hex: &str) -> PathBuf {
    data.join("versions").join(function).join(hex)
}
