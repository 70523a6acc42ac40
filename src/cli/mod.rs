//! Command-line surface of hoist: clap derive types only, with no behaviour,
//! so that the completion and man page generators can import them cheaply.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod backend;

pub(crate) use backend::{BackendCommand, BackendDirArgs, BackendServeArgs, InstallableRuntime};

/// Ship functions as immutable artifacts and drive the control planes that run them.
#[derive(Debug, Parser)]
#[command(name = "hoist", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags accepted by every command.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// Path to hoist.yaml (default: search upward from the current directory)
    #[arg(long, global = true, env = "HOIST_CONFIG", value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,

    /// Output format for data on stdout
    #[arg(long, global = true, env = "HOIST_OUTPUT", value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,

    /// Print less: only errors and data [env: HOIST_QUIET=]
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub(crate) quiet: u8,

    /// Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Never draw progress bars
    #[arg(long, global = true, env = "HOIST_NO_PROGRESS", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) no_progress: bool,

    /// Answer yes to every confirmation; never prompt
    #[arg(short = 'y', long, global = true, env = "HOIST_YES", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) yes: bool,

    /// When to use colours (NO_COLOR is honoured by `auto`)
    #[arg(long, global = true, env = "HOIST_COLOR", value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a commented hoist.yaml for the current directory
    Init(InitArgs),
    /// Scaffold a new function and add it to hoist.yaml
    New(NewArgs),
    /// Bundle functions into deterministic archives
    Bundle(BundleArgs),
    /// Bundle functions, lay out each build context with its Dockerfile, and build the image
    /// (no daemon needed)
    Build(BuildArgs),
    /// Inspect and check hoist.yaml
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Store each function's archive and release manifest as an immutable version, and push
    /// its image when a registry is configured
    Push(PushArgs),
    /// List the versions in the artifact store of one function, or of every function
    Versions(VersionsArgs),
    /// Download a version's archive from the store, checking its digest
    Pull(PullArgs),
    /// Delete old versions of a function from the store
    Prune(PruneArgs),
    /// Store a target's API token: in the OS keyring, else in a 0600 file (it says which, and why)
    Login(LoginArgs),
    /// Forget a target's stored API token
    Logout(LogoutArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Bundle, store and deploy functions to a target as one release (all go live or none)
    Deploy(DeployArgs),
    /// Put a function back on an earlier version, with the env it was deployed with
    Rollback(RollbackArgs),
    /// Start workers of a function's active version and wait until they are ready
    Warmup(WarmupArgs),
    /// Show a function's logs, or follow them with -f
    Logs(LogsArgs),
    /// Manage a function's environment variables and secrets on its target
    #[command(subcommand)]
    Env(EnvCommand),
    /// Show functions' active versions, workers and health on the target
    Status(StatusArgs),
    /// Call a function and print its answer
    Invoke(InvokeArgs),
    /// Delete a function (soft) or one of its versions from the target
    Delete(DeleteArgs),
    /// List releases: which versions went live together, when, by whom
    Releases(ReleasesArgs),
    /// Run the reference self-hosted functions backend (serve, start, stop, status)
    #[command(subcommand)]
    Backend(BackendCommand),
}

/// Which target a command talks to.
#[derive(Debug, Clone, Args)]
pub(crate) struct TargetArgs {
    /// Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the
    /// local backend]
    #[arg(long, short = 't', env = "HOIST_TARGET", value_name = "TARGET")]
    pub(crate) target: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// Report module specifiers that do not resolve (deno functions) as
    /// warnings instead of failing
    #[arg(long)]
    pub(crate) allow_unresolved: bool,
    /// Functions to deploy (default: all)
    #[arg(value_name = "FUNCTION")]
    pub(crate) functions: Vec<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Version name to deploy under, instead of each function's version policy
    #[arg(long = "version", id = "deploy_version", value_name = "VERSION")]
    pub(crate) version: Option<String>,
    /// Print the plan (code, env and settings changes per function) and change nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Functions deployed at once
    #[arg(long, short = 'j', default_value_t = 4, value_name = "N")]
    pub(crate) jobs: usize,
    /// How long new workers get to pass their health gate
    #[arg(long, default_value_t = 60, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) health_timeout: u64,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    /// Function to roll back
    pub(crate) function: String,
    /// Version to go back to (default: the one deployed before the active one)
    #[arg(long, value_name = "VERSION")]
    pub(crate) to: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct WarmupArgs {
    /// Function to warm up
    pub(crate) function: String,
    /// Workers that must be ready
    #[arg(long, short = 'n', default_value_t = 1, value_name = "N")]
    pub(crate) count: u32,
    /// Give up after this many seconds
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub(crate) timeout: u64,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// Function whose logs to show
    pub(crate) function: String,
    /// Keep printing new lines as they come (Ctrl-C to stop)
    #[arg(long, short = 'f')]
    pub(crate) follow: bool,
    /// Only lines newer than this: a duration (10m, 2h, 1d) or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,
    /// Only lines from this version
    #[arg(long = "version", id = "log_version", value_name = "VERSION")]
    pub(crate) version: Option<String>,
    /// Lowest level shown: debug, info, warn, error
    #[arg(long, value_name = "LEVEL", value_parser = ["debug", "info", "warn", "error"])]
    pub(crate) level: Option<String>,
    /// Only lines from this region (targets with regions, e.g. fly)
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Only lines from this machine or worker
    #[arg(long, value_name = "ID")]
    pub(crate) machine: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EnvCommand {
    /// Set variables: KEY=VALUE, or KEY alone to read the value from stdin
    Set(EnvSetArgs),
    /// List a function's variables (secret values are never shown)
    List(EnvListArgs),
    /// Remove variables
    Unset(EnvUnsetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EnvSetArgs {
    /// Function whose environment to change
    pub(crate) function: String,
    /// KEY=VALUE pairs; a KEY without `=` reads its value from stdin
    #[arg(value_name = "KEY=VALUE")]
    pub(crate) pairs: Vec<String>,
    /// Store the values as secrets: never shown again, masked in listings
    #[arg(long)]
    pub(crate) secret: bool,
    /// Read KEY=VALUE lines from a .env file
    #[arg(long, value_name = "PATH")]
    pub(crate) from_file: Option<PathBuf>,
    /// Replace running workers now so they see the change
    #[arg(long)]
    pub(crate) restart: bool,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct EnvListArgs {
    /// Function whose environment to list
    pub(crate) function: String,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct EnvUnsetArgs {
    /// Function whose environment to change
    pub(crate) function: String,
    /// Keys to remove
    #[arg(value_name = "KEY", required = true)]
    pub(crate) keys: Vec<String>,
    /// Replace running workers now so they see the change
    #[arg(long)]
    pub(crate) restart: bool,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Functions to show (default: all in hoist.yaml)
    #[arg(value_name = "FUNCTION")]
    pub(crate) functions: Vec<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct InvokeArgs {
    /// Function to call
    pub(crate) function: String,
    /// Request body: JSON or text, or @FILE to read it from a file (@- for stdin)
    #[arg(long, short = 'd', value_name = "DATA")]
    pub(crate) data: Option<String>,
    /// Query parameter k=v (repeatable)
    #[arg(long = "query", value_name = "K=V")]
    pub(crate) query: Vec<String>,
    /// Request header k:v (repeatable)
    #[arg(long = "header", short = 'H', value_name = "K:V")]
    pub(crate) header: Vec<String>,
    /// HTTP method [default: POST with --data, else GET]
    #[arg(long, short = 'X', value_name = "METHOD")]
    pub(crate) method: Option<String>,
    /// Path inside the function
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub(crate) path: String,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// Function to delete
    pub(crate) function: String,
    /// Delete only this version (refused while it is active)
    #[arg(long = "version", id = "delete_version", value_name = "VERSION")]
    pub(crate) version: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ReleasesArgs {
    /// Show at most this many, newest first
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub(crate) limit: usize,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Project name (default: the directory name)
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Default runtime for functions whose runtime cannot be detected
    #[arg(long, value_enum)]
    pub(crate) runtime: Option<RuntimeArg>,
    /// Overwrite an existing hoist.yaml
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// Function name: a DNS label (lowercase letters, digits and '-')
    pub(crate) name: String,
    /// Runtime of the new function
    #[arg(long, value_enum)]
    pub(crate) runtime: RuntimeArg,
    /// Directory to create (default: functions/<name>, or supabase/functions/<name>
    /// in a Supabase project)
    #[arg(long)]
    pub(crate) path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuntimeArg {
    Deno,
    Bun,
    Node,
    Dart,
}

#[derive(Debug, Args)]
pub(crate) struct BundleArgs {
    /// Report module specifiers that do not resolve (deno functions) as
    /// warnings instead of failing
    #[arg(long)]
    pub(crate) allow_unresolved: bool,
    /// Functions to bundle (default: all)
    #[arg(value_name = "FUNCTION")]
    pub(crate) functions: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// Report module specifiers that do not resolve (deno functions) as
    /// warnings instead of failing
    #[arg(long)]
    pub(crate) allow_unresolved: bool,
    /// Functions to build (default: all)
    #[arg(value_name = "FUNCTION")]
    pub(crate) functions: Vec<String>,
    /// Who builds the image: native (no daemon), an external builder, or
    /// auto (native unless the Dockerfile runs commands) [default: `builder:`
    /// in hoist.yaml, else auto]
    #[arg(long, value_enum, env = "HOIST_BUILDER")]
    pub(crate) builder: Option<BuilderArg>,
    /// Platform of the image, os/arch[/variant]
    #[arg(
        long,
        env = "HOIST_PLATFORM",
        value_name = "OS/ARCH",
        default_value = "linux/amd64"
    )]
    pub(crate) platform: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BuilderArg {
    Auto,
    Native,
    Docker,
    Podman,
    Buildah,
}

impl BuilderArg {
    /// The config value for a `--builder` flag.
    pub(crate) fn choice(self) -> hoist_core::config::BuilderChoice {
        use hoist_core::config::BuilderChoice as C;
        match self {
            BuilderArg::Auto => C::Auto,
            BuilderArg::Native => C::Native,
            BuilderArg::Docker => C::Docker,
            BuilderArg::Podman => C::Podman,
            BuilderArg::Buildah => C::Buildah,
        }
    }
}

/// Flags of the commands that use the artifact store.
#[derive(Debug, Clone, Args)]
pub(crate) struct StoreArgs {
    /// AWS shared-config profile for S3 credentials (beats storage.s3.profile)
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// Report module specifiers that do not resolve (deno functions) as
    /// warnings instead of failing
    #[arg(long)]
    pub(crate) allow_unresolved: bool,
    /// Functions to push (default: all)
    #[arg(value_name = "FUNCTION")]
    pub(crate) functions: Vec<String>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VersionsArgs {
    /// Function whose versions to list (default: every function in hoist.yaml)
    pub(crate) function: Option<String>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    /// Function to download
    pub(crate) function: String,
    /// Version to download (see `hoist versions FUNCTION`), or `latest` for the newest
    #[arg(id = "release_version", value_name = "VERSION")]
    pub(crate) version: String,
    /// Where to write the archive: a file, or a directory to put FUNCTION-VERSION.tar.gz in (default: ./FUNCTION-VERSION.tar.gz)
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PruneArgs {
    /// Function whose old versions to delete
    pub(crate) function: String,
    /// How many of the newest versions to keep (the newest is always kept)
    #[arg(long, value_name = "N", required_unless_present = "uploads")]
    pub(crate) keep: Option<usize>,
    /// Print what would be deleted and stop
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Only clean stale uploads (every prune aborts hoist's multipart
    /// uploads whose push is gone or over an hour old, and removes
    /// temporary files of killed writers); --keep becomes optional
    #[arg(long)]
    pub(crate) uploads: bool,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Check hoist.yaml (and supabase/config.toml, and every deno
    /// function's module graph) and report every problem with its line
    Validate {
        /// Report module specifiers that do not resolve as warnings
        #[arg(long)]
        allow_unresolved: bool,
    },
    /// Print the resolved configuration, secrets masked
    Show,
}

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// Target to log in to
    #[arg(value_enum)]
    pub(crate) target: TargetName,
    /// Read the token from standard input instead of prompting
    #[arg(long)]
    pub(crate) token_stdin: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LogoutArgs {
    /// Target to log out of
    #[arg(value_enum)]
    pub(crate) target: TargetName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TargetName {
    Fly,
    Selfhosted,
    Registry,
    S3,
}

impl TargetName {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TargetName::Fly => "fly",
            TargetName::Selfhosted => "selfhosted",
            TargetName::Registry => "registry",
            TargetName::S3 => "s3",
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
