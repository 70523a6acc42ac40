//! hoist.yaml: finding it, parsing it with line/column errors, checking what
//! serde cannot (names, paths, entrypoints, `${VAR}` values) and resolving it
//! into a `Project` with one `Function` per entry, defaults applied.

mod check;
mod collect;
mod error;
pub(crate) mod fly;
mod function;
mod interp;
mod locate;
mod resolve;
mod scan;
pub mod schema;
mod source;
pub mod supabase;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use error::ConfigError;
pub use interp::valid_name as valid_env_name;
pub use locate::locate;
pub use resolve::image_warning;
use resolve::resolve;
pub use schema::*;
pub use supabase::valid_name as valid_function_name;

use crate::env::Env;

pub const FILE_NAME: &str = "hoist.yaml";

/// The commented example function `hoist init` writes when it found no
/// function (`hoist new` removes it when it adds the first one).
pub const HELLO_EXAMPLE: &str = "  # hello:\n  #   path: functions/hello\n  #   runtime: deno\n";

/// Largest hoist.yaml read, in bytes (1 MiB).
pub(crate) const MAX_BYTES: u64 = 1024 * 1024;

/// One problem found in hoist.yaml, with its position when known.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    pub line: Option<usize>,
    pub(crate) column: Option<usize>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
    /// The function whose entry (or supabase/config.toml table) the problem
    /// is in; `None` for the project-wide sections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) function: Option<String>,
    /// The file the position is in, when it is not hoist.yaml
    /// (supabase/config.toml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl Problem {
    /// `:LINE`, to follow the file's name; nothing when the line is not
    /// known (the file alone is the position then).
    pub fn line_suffix(&self) -> String {
        match self.line {
            Some(l) => format!(":{l}"),
            None => String::new(),
        }
    }

    /// A problem at `line`:`column` of hoist.yaml, in no function.
    pub(crate) fn new(
        line: Option<usize>,
        column: Option<usize>,
        message: String,
        hint: Option<String>,
    ) -> Problem {
        Problem {
            line,
            column,
            message,
            hint,
            function: None,
            file: None,
        }
    }
}

/// A function hoist.yaml names whose configuration has problems. It is
/// left out of [`Project::functions`]: a command over every function
/// refuses to run, a command naming only other functions skips it with a
/// warning.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Broken {
    pub name: String,
    pub problems: Vec<Problem>,
}

/// Every problem found in one hoist.yaml.
#[derive(Debug)]
pub struct Problems {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", p.file.as_ref().unwrap_or(&self.file).display())?;
            if let Some(line) = p.line {
                write!(f, ":{line}")?;
                if let Some(col) = p.column {
                    write!(f, ":{col}")?;
                }
            }
            write!(f, ": {}", p.message)?;
            if let (Some(h), true) = (&p.hint, self.problems.len() > 1) {
                write!(f, " ({h})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

impl Problems {
    /// As an error carrying exit code 2 and the single problem's hint.
    pub fn into_error(self) -> anyhow::Error {
        anyhow::Error::new(ConfigError::Invalid(self))
    }
}

/// A function with every default applied and every path resolved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Function {
    pub name: hoist_api::FunctionName,
    /// Absolute directory of the function.
    pub(crate) dir: PathBuf,
    /// Directory relative to the project root, as written in hoist.yaml.
    pub path: PathBuf,
    pub(crate) runtime: Runtime,
    pub(crate) entrypoint: String,
    pub version: VersionPolicy,
    pub env: BTreeMap<String, String>,
    pub(crate) secrets: Vec<String>,
    pub(crate) resources: Resources,
    pub(crate) include: Vec<String>,
    pub(crate) exclude: Vec<String>,
    pub import_map: Option<String>,
    pub(crate) base_image: Option<String>,
    pub(crate) port: u16,
    pub(crate) health_path: Option<String>,
    pub(crate) fly: Option<fly::FlyFunction>,
    /// The entrypoint file (absolute); `supabase/config.toml` may put it
    /// outside the function directory.
    pub(crate) entry_file: PathBuf,
    /// Deno: the import map or deno.json the function uses (absolute),
    /// from hoist.yaml, else supabase/config.toml, else the Supabase CLI's
    /// search order.
    pub import_map_file: Option<PathBuf>,
    /// Deno: files bundled as they are (supabase/config.toml `static_files`).
    pub static_files: Vec<PathBuf>,
    /// supabase/config.toml `verify_jwt`, carried into the image and the
    /// release manifest.
    pub verify_jwt: Option<bool>,
    /// The name as a DNS label (image repositories): [`dns_label`] or the
    /// function's `dns_label:`.
    pub dns_label: String,
}

/// How a function's version is named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionPolicy {
    /// The first 12 hex digits of the bundle digest.
    Content,
    /// The git commit (short), with `-dirty` when the tree has changes.
    Git,
    /// A fixed version string.
    Literal(String),
}

/// A loaded, checked hoist.yaml.
#[derive(Debug, Clone)]
pub struct Project {
    pub file: PathBuf,
    pub root: PathBuf,
    pub source: String,
    pub config: ConfigFile,
    pub functions: Vec<Function>,
    pub warnings: Vec<Problem>,
    /// The functions left out of `functions` because their configuration
    /// has problems (sorted by name).
    pub broken: Vec<Broken>,
    /// The environment the project was loaded in (its `${VAR}`s came from
    /// it); what works on the project reads settings here.
    pub env: Env,
}

impl Project {
    /// The working directory for hoist's outputs.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".hoist")
    }

    /// Select functions by name; all of them when `names` is empty. A
    /// broken function in the selection (with no names: any broken
    /// function) refuses it, with every problem of every one.
    pub fn select(&self, names: &[String]) -> anyhow::Result<Vec<&Function>> {
        let named: Vec<&Broken> = if names.is_empty() {
            self.broken.iter().collect()
        } else {
            self.broken
                .iter()
                .filter(|b| names.contains(&b.name))
                .collect()
        };
        if !named.is_empty() {
            return Err(self.broken_error(&named, names.is_empty()));
        }
        if names.is_empty() {
            if self.functions.is_empty() {
                return Err(ConfigError::NoFunctions {
                    file: self.file.clone(),
                }
                .into());
            }
            return Ok(self.functions.iter().collect());
        }
        let mut out = Vec::new();
        for name in names {
            match self.functions.iter().find(|f| &f.name == name) {
                Some(f) => out.push(f),
                None => {
                    let known = self.functions.iter().map(|f| f.name.to_string()).collect();
                    return Err(ConfigError::UnknownFunction {
                        name: name.to_string(),
                        file: self.file.clone(),
                        known,
                    }
                    .into());
                }
            }
        }
        Ok(out)
    }
}

impl Project {
    /// Refuse when a function is broken: for what works on every function.
    pub fn all_usable(&self) -> anyhow::Result<()> {
        if self.broken.is_empty() {
            return Ok(());
        }
        Err(self.broken_error(&self.broken.iter().collect::<Vec<_>>(), true))
    }

    /// One line per broken function a selection of `names` leaves out
    /// (none when it takes every function: [`Project::select`] refuses).
    pub fn skipped(&self, names: &[String]) -> Vec<String> {
        if names.is_empty() {
            return Vec::new();
        }
        self.broken
            .iter()
            .filter(|b| !names.contains(&b.name))
            .map(|b| {
                let first = &b.problems[0];
                let at = first.line_suffix();
                let file = first.file.as_ref().unwrap_or(&self.file);
                let own = format!("function `{}`: ", b.name);
                let more = match b.problems.len() {
                    1 => String::new(),
                    n => format!(" (and {} more; `hoist config validate` lists them)", n - 1),
                };
                format!(
                    "{}{at}: function `{}` skipped, not checked: {}{more}",
                    file.display(),
                    b.name,
                    first.message.strip_prefix(&own).unwrap_or(&first.message)
                )
            })
            .collect()
    }

    /// The error for a selection holding the broken functions `named`.
    fn broken_error(&self, named: &[&Broken], every: bool) -> anyhow::Error {
        ConfigError::Unusable {
            functions: named.iter().map(|b| b.name.to_string()).collect(),
            every,
            problems: Problems {
                file: self.file.clone(),
                problems: named.iter().flat_map(|b| b.problems.clone()).collect(),
            },
        }
        .into()
    }
}

/// Find hoist.yaml: the explicit path, else the first one upward from `start`.
pub fn discover(explicit: Option<&Path>, start: &Path) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        return Err(ConfigError::NotFound {
            path: p.to_path_buf(),
        }
        .into());
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(ConfigError::NoConfig {
        start: start.to_path_buf(),
    }
    .into())
}

/// Read, parse and check a hoist.yaml. Functions with problems of their
/// own are left out into [`Project::broken`]; a problem anywhere else fails.
pub fn load(file: &Path, env: &Env) -> anyhow::Result<Project> {
    inspect(file, env)?.map_err(Problems::into_error)
}

/// Read and check a hoist.yaml, returning every problem found (those of
/// broken functions included) instead of failing on the first. The outer
/// error is for a file that cannot be read.
pub fn check(file: &Path, env: &Env) -> anyhow::Result<Result<Project, Problems>> {
    Ok(match inspect(file, env)? {
        Ok(p) if !p.broken.is_empty() => {
            let mut problems: Vec<Problem> =
                p.broken.into_iter().flat_map(|b| b.problems).collect();
            problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
            Err(Problems {
                file: p.file,
                problems,
            })
        }
        other => other,
    })
}

/// [`check`], with the problems of single functions kept apart: the
/// project is returned with those functions in `broken`, unless there
/// is a problem outside them.
fn inspect(file: &Path, project_env: &Env) -> anyhow::Result<Result<Project, Problems>> {
    let env = &|k: &str| project_env.var(k);
    let source = match source::read(file)? {
        Ok(text) => text,
        Err(problem) => {
            let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
            return Ok(Err(Problems {
                file,
                problems: vec![problem],
            }));
        }
    };
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let root = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if let Some(problem) = source::refused(&source) {
        return Ok(Err(Problems {
            file,
            problems: vec![problem],
        }));
    }
    let dups = locate::duplicate_keys(&source);
    if !dups.is_empty() {
        let problems = dups
            .into_iter()
            .map(|(line, column, key)| {
                Problem::new(
                    Some(line),
                    Some(column),
                    format!(
                        "duplicate key `{}`: it is already defined above in the same block",
                        check::shown(&key)
                    ),
                    Some("each name may appear once; rename or merge the two entries".into()),
                )
            })
            .collect();
        return Ok(Err(Problems { file, problems }));
    }
    // Every unknown key and every badly typed function is reported; the
    // checks below run on what is left when that still stands for the file.
    let (config, mut problems) = collect::parse(&source);
    let (config, supa) = match (config, supabase::load(&root)) {
        (Some(config), Ok(supa)) => (config, supa),
        (_, supa) => {
            // supabase/config.toml's own problem joins hoist.yaml's.
            problems.extend(supa.err().map(|p| *p));
            return Ok(Err(Problems { file, problems }));
        }
    };
    let (functions, more, warnings) = resolve(&config, &source, &root, env, supa.as_ref());
    problems.extend(more);
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    if problems.iter().any(|p| p.function.is_none()) {
        return Ok(Err(Problems { file, problems }));
    }
    let (functions, broken) = set_apart(functions, problems);
    Ok(Ok(Project {
        file,
        root,
        source,
        config,
        functions,
        warnings,
        broken,
        env: project_env.clone(),
    }))
}

/// The functions without problems, and the broken ones with theirs
/// (every problem here names its function).
fn set_apart(functions: Vec<Function>, problems: Vec<Problem>) -> (Vec<Function>, Vec<Broken>) {
    let mut by_name: BTreeMap<String, Vec<Problem>> = BTreeMap::new();
    for p in problems {
        // Every problem here names its function; one that did not would be
        // filed under "", which no function is called.
        let name = match &p.function {
            Some(name) => name.clone(),
            None => String::new(),
        };
        by_name.entry(name).or_default().push(p);
    }
    let functions = functions
        .into_iter()
        .filter(|f| !by_name.contains_key(f.name.as_str()))
        .collect();
    let broken = by_name
        .into_iter()
        .map(|(name, problems)| Broken { name, problems })
        .collect();
    (functions, broken)
}

fn parse_problem(e: &serde_yaml_ng::Error) -> Problem {
    let (line, column) = match e.location() {
        Some(l) => (Some(l.line()), Some(l.column())),
        None => (None, None),
    };
    let mut message = e.to_string();
    // serde_yaml_ng appends " at line X column Y"; we print the position up front.
    if let Some(pos) = message.find(" at line ") {
        message.truncate(pos);
    }
    let hint = suggestion(&message);
    // "unknown field `x`, expected one of …": the list goes to the hint
    // only, and the words are hoist.yaml's (key, value).
    for (serde_word, ours) in [
        ("unknown field `", "unknown key `"),
        ("unknown variant `", "unknown value `"),
    ] {
        if let Some(pos) = message.find(serde_word) {
            let (path, rest) = message.split_at(pos);
            let rest = rest
                .split(", expected")
                .next()
                .unwrap_or(rest)
                .replacen(serde_word, ours, 1);
            let path = path.trim_end_matches(": ");
            message = if path.is_empty() {
                rest
            } else if ours.starts_with("unknown key") {
                format!("{rest} in {path}")
            } else {
                format!("{path}: {rest}")
            };
        }
    }
    // The parser may quote the offending value whole; keep the line short.
    if message.chars().count() > 200 {
        message = format!("{}…", message.chars().take(200).collect::<String>());
    }
    let hint = hint.or_else(|| {
        if message.contains("invalid type") {
            Some("docs/config.md lists the type of every key".into())
        } else if message.contains("duplicate") {
            Some("each name may appear once; rename or merge the two entries".into())
        } else if message.contains("missing field") {
            Some("add the missing key (see docs/config.md)".into())
        } else {
            Some("check the YAML syntax there: unclosed quotes or brackets, or a tab used for indentation".into())
        }
    });
    Problem::new(line, column, message, hint)
}

/// For "unknown field `x`, expected one of `a`, `b`" (and variants), the
/// nearest expected name.
fn suggestion(message: &str) -> Option<String> {
    let kind = if message.contains("unknown field") {
        "key"
    } else if message.contains("unknown variant") {
        "value"
    } else {
        return None;
    };
    let start = message.find('`')? + 1;
    let got = &message[start..start + message[start..].find('`')?];
    let expected_part = message.split("expected").nth(1)?;
    let expected: Vec<&str> = expected_part
        .split(|c: char| c == '`' || c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty() && *s != "one" && *s != "of" && *s != "or")
        .collect();
    match nearest(got, &expected) {
        Some(n) => Some(format!("did you mean the {kind} `{n}`?")),
        None => Some(format!("expected one of: {}", expected.join(", "))),
    }
}

/// The candidate closest to `word`, when it is close enough to be a typo.
pub(crate) fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Whether `name` is a DNS label: 1–63 of a-z, 0-9 and '-', not starting or
/// ending with '-'.
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// `p` with `.` and `..` removed lexically.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The DNS label derived from a function name: lowercase, `_` → `-`; a
/// name that still is no DNS label (too long, `-` at the end) is cut and
/// gets `-` and the first 6 hex digits of its sha256.
pub fn dns_label(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| match c {
            '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if is_dns_label(&plain) {
        return plain;
    }
    suffixed_label(name)
}

/// `dns_label(name)` cut to fit and followed by `-` and the first 6 hex
/// digits of sha256(name): distinct names get distinct labels.
pub(crate) fn suffixed_label(name: &str) -> String {
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    let mut base: String = name
        .chars()
        .map(|c| match c {
            '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(56)
        .collect();
    while base.ends_with('-') {
        base.pop();
    }
    format!("{base}-{}", &hash[..6])
}

type Resolved = (Vec<Function>, Vec<Problem>, Vec<Problem>);

/// Builds a `Problem` at a key path: (path, message, hint).
pub(crate) type At<'a> = dyn Fn(&[&str], String, Option<String>) -> Problem + 'a;
