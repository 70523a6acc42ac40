//! The `hoist backend` subcommands' flags: serve and start (the server's
//! options), stop, status and install-runtime (the data directory).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub(crate) enum BackendCommand {
    /// Run the backend in the foreground until SIGTERM or Ctrl-C
    Serve(BackendServeArgs),
    /// Run the backend in the background (token generated into <data>/token)
    Start(BackendServeArgs),
    /// Stop the background backend (SIGTERM, then SIGKILL)
    Stop(BackendDirArgs),
    /// Say whether the backend runs, where, and how many functions it has
    Status(BackendDirArgs),
    /// Install deno or bun under <data>/runtimes with npm
    InstallRuntime(InstallRuntimeArgs),
}

/// Where the backend keeps its state.
#[derive(Debug, Clone, Args)]
pub(crate) struct BackendDirArgs {
    /// Data directory [default: $XDG_DATA_HOME/hoist/backend]
    #[arg(long, env = "HOIST_BACKEND_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct BackendServeArgs {
    #[command(flatten)]
    pub(crate) dir: BackendDirArgs,
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    pub(crate) listen: std::net::SocketAddr,
    /// File holding the bearer token (else HOIST_BACKEND_TOKEN)
    #[arg(long, value_name = "PATH")]
    pub(crate) token_file: Option<PathBuf>,
    /// Artifact store for versions created by reference: a directory or s3://bucket/prefix
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) store: Option<String>,
    /// S3 endpoint URL (MinIO, R2, ...)
    #[arg(long, value_name = "URL")]
    pub(crate) s3_endpoint: Option<String>,
    /// S3 region
    #[arg(long, value_name = "REGION")]
    pub(crate) s3_region: Option<String>,
    /// Address S3 buckets by path instead of by host
    #[arg(long)]
    pub(crate) s3_path_style: bool,
    /// Largest accepted archive, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 50)]
    pub(crate) max_archive_mb: u64,
    /// Stop a worker left unused this long, beyond a function's warm_workers
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) idle_timeout: u64,
    /// Accept POST /api/_faults (tests only)
    #[arg(long)]
    pub(crate) faults: bool,
    /// Pass this variable of the backend's environment to every worker,
    /// beside the network settings always passed (repeatable; never HOIST_*
    /// or AWS_*)
    #[arg(long = "worker-env", value_name = "NAME")]
    pub(crate) worker_env: Vec<String>,
    /// The id /api/health answers with (`start` passes one to know its own
    /// server; random when not given)
    #[arg(long, hide = true)]
    pub(crate) instance: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InstallableRuntime {
    Deno,
    Bun,
}

#[derive(Debug, Args)]
pub(crate) struct InstallRuntimeArgs {
    /// Runtimes to install
    #[arg(value_enum, required = true)]
    pub(crate) runtimes: Vec<InstallableRuntime>,
    #[command(flatten)]
    pub(crate) dir: BackendDirArgs,
}
