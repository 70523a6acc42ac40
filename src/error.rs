//! How an error looks on the terminal: `error:`, one `caused by:` line per
//! cause and the first hint. What an error means (its exit code, its hint,
//! its JSON form) is decided in `hoist_core::error`, re-exported here.

pub use hoist_core::error::*;

/// Render an error as `error:` plus one `caused by:` line per cause and the
/// first hint found in the chain.
pub fn render(err: &anyhow::Error, color: bool) -> String {
    render_of(err, color, None)
}

/// [`render`] for one of many subjects (`error: <subject>: …`).
pub(crate) fn render_of(err: &anyhow::Error, color: bool, subject: Option<&str>) -> String {
    let paint = |s: &str, style: console::Style| {
        if color {
            style.apply_to(s).to_string()
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let mut chain = err.chain();
    if let Some(first) = chain.next() {
        out.push_str(&paint("error:", console::Style::new().red().bold()));
        out.push(' ');
        if let Some(subject) = subject {
            out.push_str(subject);
            out.push_str(": ");
        }
        out.push_str(&first.to_string());
        out.push('\n');
    }
    for cause in chain {
        out.push_str(&paint("caused by:", console::Style::new().yellow()));
        out.push(' ');
        out.push_str(&cause.to_string());
        out.push('\n');
    }
    if let Some(hint) = hoist_core::error::hint(err) {
        out.push_str(&paint("hint:", console::Style::new().cyan().bold()));
        out.push(' ');
        out.push_str(&hint);
        out.push('\n');
    }
    out
}
