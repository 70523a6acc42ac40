//! What driving a target fails with: a target that is not configured or not
//! known, fly.toml and Fly settings that hoist cannot use, a Fly API token
//! that is missing, apps and machines that are missing, taken, leased or do
//! not reach their state, a worker that did not start, and an HTTP function
//! that cannot be reached. Each variant names the function, app, machine,
//! version or URL; exit codes and hints are decided here.

use std::path::PathBuf;

use crate::error::{Classified, Exit};
use crate::names::FunctionName;

/// Why a target operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `targets.fly` is missing from hoist.yaml.
    #[error("the fly target is not configured")]
    FlyNotConfigured,
    /// A target kind hoist does not drive.
    #[error("unknown target `{kind}`")]
    UnknownTarget { kind: String },
    /// A runtime the self-hosted backend does not run.
    #[error("the self-hosted backend does not run `{runtime}` (it runs {runs})")]
    RuntimeNotRun { runtime: String, runs: String },
    /// The backend's workers did not start (the logs are in the
    /// `StartFailure` this is the context of).
    #[error("{function} did not start: {reason}")]
    StartFailed {
        function: String,
        reason: String,
        hint: Option<String>,
    },
    /// A function's fly.toml that cannot be read.
    #[error("function `{function}`: cannot read fly.toml {}: {why}", path.display())]
    FlyTomlUnreadable {
        function: String,
        path: PathBuf,
        why: String,
    },
    /// A fly.toml key with a value hoist cannot use.
    #[error("{file}: {message}")]
    FlyTomlValue { file: String, message: String },
    /// A fly.toml that is not TOML (`at` is `line N: ` when known).
    #[error("{file}: {at}not valid TOML: {why}")]
    FlyTomlSyntax {
        file: String,
        at: String,
        why: String,
    },
    /// A function's Fly setting that Fly does not accept.
    #[error("function `{function}`: {message}")]
    FlySetting {
        function: String,
        message: String,
        hint: &'static str,
    },
    /// Two functions resolve to the same Fly app.
    #[error("functions `{first}` and `{second}` would both be the Fly app `{app}`")]
    SameApp {
        first: String,
        second: FunctionName,
        app: String,
    },
    /// A function hoist.yaml does not have.
    #[error("no function `{function}` in hoist.yaml")]
    NoFunction { function: String },
    /// No Fly API token anywhere.
    #[error("no Fly API token")]
    NoFlyToken,
    /// A Fly deploy without an image.
    #[error("no image for `{function}`")]
    NoImage { function: FunctionName },
    /// Deleting one version on Fly, which keeps none.
    #[error("the Fly target keeps no versions apart from its machines' history; cannot delete {function} {version}")]
    FlyVersionDelete { function: String, version: String },
    /// `HOIST_FLY_LEASE_WAIT` that is not a whole number.
    #[error("HOIST_FLY_LEASE_WAIT=`{value}` is not a whole number of seconds")]
    LeaseWait { value: String },
    /// A `--since` that is neither a time nor a duration.
    #[error("--since `{since}` is neither an RFC 3339 time nor a duration such as 10m")]
    Since { since: String },
    /// The function has no machines (`plain_env`: setting plain env).
    #[error("`{function}` has no machines on Fly")]
    NoMachines { function: String, plain_env: bool },
    /// A rollback target that is not in the machines' history.
    #[error("`{function}` has no earlier deployment{} on Fly", version.as_ref().map_or(String::new(), |v| format!(" of version {v}")))]
    NoEarlier {
        function: String,
        version: Option<String>,
        /// The versions the history holds.
        known: Vec<String>,
    },
    /// Machine metadata hoist wrote that no longer decodes.
    #[error("machine {machine} has metadata `{key}` that hoist cannot read")]
    BadMetadata { machine: String, key: String },
    /// Another client holds a machine's lease.
    #[error("machine {machine} of {app} is leased by another client: {holder}")]
    Leased {
        machine: String,
        app: String,
        holder: String,
    },
    /// The app name belongs to another organization.
    #[error("the Fly app name `{app}` is taken by another organization")]
    AppElsewhere { app: String },
    /// The app name was taken when creating it.
    #[error("the Fly app name `{app}` is already taken")]
    AppTaken { app: String },
    /// A machine that did not reach a state before the deadline.
    #[error("machine {machine} of {app} did not reach `{state}` in time")]
    StateTimeout {
        machine: String,
        app: String,
        state: String,
    },
    /// A machine that failed instead of reaching a state.
    #[error("machine {machine} of {app} failed instead of reaching `{state}`")]
    StateFailed {
        machine: String,
        app: String,
        state: String,
    },
    /// An invocation method that is not an HTTP method.
    #[error("`{method}` is not an HTTP method")]
    NotAMethod { method: String },
    /// An HTTP function that did not answer.
    #[error("cannot reach {url}: {why}")]
    Unreachable { url: String, why: String },
    /// An HTTP function's answer that was cut.
    #[error("{url}: the answer was cut: {why}")]
    AnswerCut { url: String, why: String },
}

impl Classified for TargetError {
    fn exit(&self) -> Exit {
        use TargetError::*;
        match self {
            FlyNotConfigured
            | UnknownTarget { .. }
            | RuntimeNotRun { .. }
            | FlyTomlUnreadable { .. }
            | FlyTomlValue { .. }
            | FlyTomlSyntax { .. }
            | FlySetting { .. }
            | SameApp { .. }
            | NoFunction { .. }
            | NoFlyToken
            | FlyVersionDelete { .. }
            | LeaseWait { .. }
            | Since { .. }
            | NotAMethod { .. } => Exit::Usage,
            StartFailed { .. }
            | NoImage { .. }
            | NoMachines { .. }
            | NoEarlier { .. }
            | BadMetadata { .. }
            | Leased { .. }
            | AppElsewhere { .. }
            | AppTaken { .. }
            | StateTimeout { .. }
            | StateFailed { .. }
            | Unreachable { .. }
            | AnswerCut { .. } => Exit::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        use TargetError::*;
        match self {
            FlyNotConfigured => Some(
                "add `targets: {fly: {org: <your org slug>}}` to hoist.yaml (docs/fly.md)".into(),
            ),
            UnknownTarget { .. } => Some("expected `selfhosted` or `fly`".into()),
            StartFailed { hint, .. } => hint.clone(),
            FlyTomlUnreadable { .. } => Some(
                "fix `fly.toml:` in hoist.yaml (the path is relative to hoist.yaml)".into(),
            ),
            FlyTomlValue { .. } => Some("see docs/fly.md for the fly.toml keys hoist reads".into()),
            FlySetting { hint, .. } => Some(hint.to_string()),
            SameApp { .. } => Some("give one of them `fly: {app: <name>}` in hoist.yaml".into()),
            NoFlyToken => Some("run `hoist login fly`, or set FLY_API_TOKEN".into()),
            NoImage { .. } => Some(
                "the Fly target runs images: `hoist deploy` builds and pushes them".into(),
            ),
            FlyVersionDelete { .. } => {
                Some("versions live in the artifact store: `hoist prune`".into())
            }
            NoMachines { plain_env, .. } => Some(if *plain_env {
                "deploy it first; plain env lives in the machines' config".into()
            } else {
                "deploy it first (`hoist deploy`)".into()
            }),
            NoEarlier { known, .. } => Some(if known.is_empty() {
                "hoist keeps the last three configs of each function; there are none yet".into()
            } else {
                format!("earlier versions: {}", known.join(", "))
            }),
            BadMetadata { machine, key } => Some(format!(
                "hoist keeps its state in the machines' metadata and something else changed it; \
                 put it right with `fly machine update {machine} --metadata {key}=<value>`, or destroy the machine"
            )),
            Leased { .. } => Some("another deploy or flyctl command is changing this app; wait for it to finish, then run the command again".into()),
            AppElsewhere { .. } | AppTaken { .. } => {
                Some("set `fly: {app: <another name>}` for this function in hoist.yaml".into())
            }
            Unreachable { .. } => Some(
                "check that the function serves HTTP and its app is deployed (`hoist status`)"
                    .into(),
            ),
            RuntimeNotRun { .. }
            | FlyTomlSyntax { .. }
            | NoFunction { .. }
            | LeaseWait { .. }
            | Since { .. }
            | StateTimeout { .. }
            | StateFailed { .. }
            | NotAMethod { .. }
            | AnswerCut { .. } => None,
        }
    }
}
