//! The `Printer`: one small value, built from the global flags, that every
//! command uses to write data to stdout and progress or diagnostics to stderr.
//! On a terminal, a command's progress bars share one `MultiProgress`, so bars
//! of functions stored at once stack instead of tearing each other, and
//! status lines print above them.

use std::io::{IsTerminal, Write};

use std::sync::Arc;

use hoist_core::env::Env;
use hoist_core::report::{Progress, ProgressSink, Reporter};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::cli::{ColorChoice, GlobalArgs, OutputFormat};

#[derive(Debug, Clone)]
pub(crate) struct Printer {
    pub(crate) format: OutputFormat,
    /// -1 = quiet (errors only), 0 = normal, >0 = verbose levels.
    pub(crate) level: i8,
    pub(crate) progress: bool,
    pub(crate) color: bool,
    /// The bars of this command, when they are drawn.
    multi: Option<MultiProgress>,
}

impl Printer {
    pub(crate) fn from_args(args: &GlobalArgs, env: &Env) -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stderr_tty && env.var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        console::set_colors_enabled(color);
        console::set_colors_enabled_stderr(color);
        // -q / -v win; without them, HOIST_QUIET / HOIST_VERBOSE (a count).
        let (quiet, verbose) = if args.quiet > 0 || args.verbose > 0 {
            (args.quiet, args.verbose)
        } else {
            (
                env_count(env, "HOIST_QUIET"),
                env_count(env, "HOIST_VERBOSE"),
            )
        };
        let level = if quiet > 0 { -1 } else { verbose.min(3) as i8 };
        let progress = stderr_tty && !args.no_progress && level >= 0 && !crate::context::is_ci(env);
        Printer {
            format: args.output,
            level,
            progress,
            color,
            multi: progress.then(MultiProgress::new),
        }
    }

    pub(crate) fn json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// A progress line on stderr (hidden with -q).
    pub(crate) fn status(&self, verb: &str, msg: impl AsRef<str>) {
        if self.level >= 0 {
            let verb = if self.color {
                console::style(format!("{verb:>10}"))
                    .green()
                    .bold()
                    .to_string()
            } else {
                format!("{verb:>10}")
            };
            self.line(format!("{verb} {}", msg.as_ref()));
        }
    }

    /// A line on stderr, above the bars when some are drawn.
    fn line(&self, text: String) {
        match &self.multi {
            Some(m) => m.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    /// A rendered error on stderr (shown even with -q).
    pub(crate) fn error(&self, text: &str) {
        self.line(text.trim_end().to_string());
    }

    /// A warning on stderr (hidden with -q).
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        if self.level >= 0 {
            let w = if self.color {
                console::style("warning:").yellow().bold().to_string()
            } else {
                "warning:".to_string()
            };
            self.line(format!("{w} {}", msg.as_ref()));
        }
    }

    /// Detail shown with -v.
    pub(crate) fn debug(&self, msg: impl AsRef<str>) {
        if self.level >= 1 {
            self.line(format!("     debug {}", msg.as_ref()));
        }
    }

    /// Write data to stdout.
    /// A reader that went away (`| head`) closed the pipe on purpose;
    /// any other failure is said on stderr.
    pub(crate) fn data(&self, text: impl AsRef<str>) {
        let text = text.as_ref();
        let newline: &[u8] = if text.ends_with('\n') { b"" } else { b"\n" };
        let mut out = std::io::stdout().lock();
        let written = out
            .write_all(text.as_bytes())
            .and_then(|()| out.write_all(newline))
            .and_then(|()| out.flush());
        match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                self.warn(format!("cannot write the output to stdout: {e}"));
            }
            _ => {}
        }
    }

    /// Write one JSON document to stdout.
    pub(crate) fn json_doc(&self, value: &serde_json::Value) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => self.data(text),
            Err(e) => {
                self.warn(format!("cannot encode the output as JSON: {e}"));
                self.data("null");
            }
        }
    }

    /// A byte-counting progress bar, hidden unless stderr is a terminal.
    pub(crate) fn bar(&self, total: u64, prefix: &str) -> ProgressBar {
        let Some(multi) = self.multi.as_ref().filter(|_| self.progress) else {
            return ProgressBar::hidden();
        };
        let bar = multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10.cyan.bold} [{bar:30}] {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(prefix.to_string());
        bar
    }
}

/// The engine's progress drawn on this command's terminal.
impl Reporter for Printer {
    fn step(&self, verb: &str, msg: &str) {
        self.status(verb, msg);
    }
    fn detail(&self, msg: &str) {
        self.debug(msg);
    }
    fn warn(&self, msg: &str) {
        Printer::warn(self, msg);
    }
    fn verbose(&self) -> bool {
        self.level >= 1
    }
    fn progress(&self, total: u64, prefix: &str) -> Progress {
        let bar = self.bar(total, prefix);
        if bar.is_hidden() {
            Progress::hidden()
        } else {
            Progress::new(Arc::new(Bar(bar)))
        }
    }
    fn share(&self) -> Arc<dyn Reporter> {
        Arc::new(self.clone())
    }
}

/// A terminal progress bar behind the engine's [`Progress`].
struct Bar(ProgressBar);

impl ProgressSink for Bar {
    fn set_length(&self, len: u64) {
        self.0.set_length(len);
    }
    fn set_position(&self, pos: u64) {
        self.0.set_position(pos);
    }
    fn inc(&self, delta: u64) {
        self.0.inc(delta);
    }
    fn set_message(&self, msg: String) {
        self.0.set_message(msg);
    }
    fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
    fn suspend(&self, f: &mut dyn FnMut()) {
        self.0.suspend(f);
    }
}

/// Render rows as an aligned text table with a header.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.iter().enumerate() {
            if i == last {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// A repeat count from the environment: a number, or any other non-empty
/// value but `0`/`false`/`no` for one.
fn env_count(env: &Env, name: &str) -> u8 {
    match env.var(name) {
        Some(v) => match v.trim() {
            "" | "0" | "false" | "no" => 0,
            n => n.parse().unwrap_or(1),
        },
        None => 0,
    }
}
