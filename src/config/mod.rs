//! hoist.yaml: finding it, parsing it with line/column errors, checking what
//! serde cannot (names, paths, entrypoints, `${VAR}` values) and resolving it
//! into a `Project` with one `Function` per entry, defaults applied.

mod check;
mod collect;
pub mod fly;
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

pub use interp::valid_name as valid_env_name;
pub use locate::locate;
pub use resolve::image_warning;
use resolve::resolve;
pub use schema::*;
pub use supabase::valid_name as valid_function_name;

use crate::error::UserError;

pub const FILE_NAME: &str = "hoist.yaml";

/// The commented example function `hoist init` writes when it found no
/// function (`hoist new` removes it when it adds the first one).
pub const HELLO_EXAMPLE: &str = "  # hello:\n  #   path: functions/hello\n  #   runtime: deno\n";

/// Largest hoist.yaml read, in bytes (1 MiB).
pub const MAX_BYTES: u64 = 1024 * 1024;

/// One problem found in hoist.yaml, with its position when known.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Every problem found in one hoist.yaml.
#[derive(Debug)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file.display())?;
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

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// As an error carrying exit code 2 and the single problem's hint.
    pub fn into_error(self) -> anyhow::Error {
        let hint = if self.problems.len() == 1 {
            self.problems[0].hint.clone()
        } else {
            None
        };
        let mut u = UserError::usage(self.to_string());
        u.hint =
            hint.or_else(|| Some("fix the lines above, then run `hoist config validate`".into()));
        anyhow::Error::new(u)
    }
}

/// A function with every default applied and every path resolved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Function {
    pub name: String,
    /// Absolute directory of the function.
    pub dir: PathBuf,
    /// Directory relative to the project root, as written in hoist.yaml.
    pub path: PathBuf,
    pub runtime: Runtime,
    pub entrypoint: String,
    pub version: VersionPolicy,
    pub env: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    pub resources: Resources,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub import_map: Option<String>,
    pub base_image: Option<String>,
    pub port: u16,
    pub health_path: Option<String>,
    pub fly: Option<fly::FlyFunction>,
    /// The entrypoint file (absolute); `supabase/config.toml` may put it
    /// outside the function directory.
    pub entry_file: PathBuf,
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
    /// supabase/config.toml, when the project has one.
    pub supabase: Option<supabase::SupabaseConfig>,
}

impl Project {
    /// The working directory for hoist's outputs.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".hoist")
    }

    /// Select functions by name; all of them when `names` is empty.
    pub fn select(&self, names: &[String]) -> anyhow::Result<Vec<&Function>> {
        if names.is_empty() {
            if self.functions.is_empty() {
                return Err(UserError::usage(format!(
                    "{} declares no functions",
                    self.file.display()
                ))
                .with_hint("add one with `hoist new <name> --runtime deno`")
                .into());
            }
            return Ok(self.functions.iter().collect());
        }
        let mut out = Vec::new();
        for name in names {
            match self.functions.iter().find(|f| &f.name == name) {
                Some(f) => out.push(f),
                None => {
                    let known: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
                    let mut err = UserError::usage(format!(
                        "no function named `{name}` in {}",
                        self.file.display()
                    ));
                    err.hint = Some(match nearest(name, &known) {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => format!("known functions: {}", known.join(", ")),
                    });
                    return Err(err.into());
                }
            }
        }
        Ok(out)
    }
}

/// Find hoist.yaml: the explicit path, else the first one upward from `start`.
pub fn discover(explicit: Option<&Path>, start: &Path) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        return Err(
            UserError::usage(format!("config file {} not found", p.display()))
                .with_hint("check the --config path or HOIST_CONFIG")
                .into(),
        );
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(UserError::usage(format!(
        "no {FILE_NAME} found in {} or any parent directory",
        start.display()
    ))
    .with_hint("run `hoist init` to create one, or pass --config PATH")
    .into())
}

/// Read, parse and check a hoist.yaml.
pub fn load(file: &Path) -> anyhow::Result<Project> {
    load_with_env(file, |k| std::env::var(k).ok())
}

pub fn load_with_env(file: &Path, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Project> {
    check(file, env)?.map_err(ConfigError::into_error)
}

/// Read and check a hoist.yaml, returning every problem found instead of
/// failing on the first. The outer error is for a file that cannot be read.
pub fn check(
    file: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Result<Project, ConfigError>> {
    let source = match source::read(file)? {
        Ok(text) => text,
        Err(problem) => {
            let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
            return Ok(Err(ConfigError {
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
        return Ok(Err(ConfigError {
            file,
            problems: vec![problem],
        }));
    }
    let dups = locate::duplicate_keys(&source);
    if !dups.is_empty() {
        let problems = dups
            .into_iter()
            .map(|(line, column, key)| Problem {
                line: Some(line),
                column: Some(column),
                message: format!(
                    "duplicate key `{}`: it is already defined above in the same block",
                    check::shown(&key)
                ),
                hint: Some("each name may appear once; rename or merge the two entries".into()),
            })
            .collect();
        return Ok(Err(ConfigError { file, problems }));
    }
    // Every unknown key and every badly typed function is reported; the
    // checks below run on what is left when that still stands for the file.
    let (config, mut problems) = collect::parse(&source);
    let Some(config) = config else {
        return Ok(Err(ConfigError { file, problems }));
    };
    let supa = match supabase::load(&root) {
        Ok(s) => s,
        Err((sfile, problem)) => {
            if problems.is_empty() {
                return Ok(Err(ConfigError {
                    file: sfile,
                    problems: vec![problem],
                }));
            }
            return Ok(Err(ConfigError { file, problems }));
        }
    };
    let (functions, more, warnings) = resolve(&config, &source, &root, &env, supa.as_ref());
    problems.extend(more);
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        return Ok(Err(ConfigError { file, problems }));
    }
    Ok(Ok(Project {
        file,
        root,
        source,
        config,
        functions,
        warnings,
        supabase: supa,
    }))
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
    Problem {
        line,
        column,
        message,
        hint,
    }
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
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
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
pub fn suffixed_label(name: &str) -> String {
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
