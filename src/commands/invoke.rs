//! `hoist invoke <fn>`: call a function through its target and print what
//! it answered: the body on stdout, the status, version and time on stderr
//! (or everything as one JSON document). Exits 1 when the function answers
//! a 5xx, so scripts and CI smoke tests can rely on the code.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use anyhow::Context as _;
use base64::Engine;
use serde_json::json;

use crate::cli::InvokeArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_core::targets::Invocation;

pub(crate) async fn run(
    g: &Context<'_>,
    args: &InvokeArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    super::known_function(&project, &args.function, printer)?;
    let inv = Invocation {
        method: args
            .method
            .clone()
            .unwrap_or_else(|| if args.data.is_some() { "POST" } else { "GET" }.into())
            .to_ascii_uppercase(),
        path: args.path.clone(),
        query: pairs(&args.query, '=', "--query", "k=v")?,
        headers: pairs(&args.header, ':', "--header", "name:value")?,
        body: match &args.data {
            Some(d) => Some(body(d)?),
            None => None,
        },
    };
    let target = super::target(&project, &args.target, printer)?;
    let res = target.invoke(&args.function, &inv).await?;
    printer.status(
        "Answered",
        format!(
            "{} {} from {} in {:.1} ms",
            args.function, res.status, res.version, res.duration_ms
        ),
    );
    if printer.json() {
        printer.json_doc(&json!(res));
    } else {
        let bytes = if res.body_encoding == "base64" {
            base64::engine::general_purpose::STANDARD
                .decode(&res.body)
                .unwrap_or_else(|_| res.body.clone().into_bytes())
        } else {
            res.body.clone().into_bytes()
        };
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)?;
        if !bytes.ends_with(b"\n") && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    if res.status >= 500 {
        return Err(UserError::failure(format!(
            "{} answered {} (version {})",
            args.function, res.status, res.version
        ))
        .with_hint(format!(
            "`hoist logs {}` shows what it printed",
            args.function
        ))
        .into());
    }
    Ok(())
}

/// `k=v` (or `k:v`) arguments as a map.
fn pairs(
    items: &[String],
    sep: char,
    flag: &str,
    form: &str,
) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        let Some((k, v)) = item.split_once(sep) else {
            return Err(
                UserError::usage(format!("{flag} `{item}` is not of the form {form}")).into(),
            );
        };
        out.insert(k.trim().to_string(), v.trim_start().to_string());
    }
    Ok(out)
}

/// `--data`: JSON when it parses as JSON, else text; `@file` / `@-` read it.
fn body(data: &str) -> anyhow::Result<serde_json::Value> {
    let text = match data.strip_prefix('@') {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read stdin")?;
            s
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| UserError::usage(format!("cannot read --data file {path}: {e}")))?,
        None => data.to_string(),
    };
    Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}
