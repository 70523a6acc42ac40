//! `hoist env set | list | unset`: a function's environment on its target.
//! Values set here live on the target (secrets masked, never printed) and
//! join hoist.yaml's `env` when workers start; running workers keep their
//! old env until they are replaced, which `--restart` does at once. A
//! secret's value can come from stdin so it stays out of shell history.

use std::io::{IsTerminal, Read};

use anyhow::Context as _;
use serde_json::json;

use crate::cli::EnvCommand;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::{table, Printer};
use hoist_core::auth::Secret;
use hoist_core::targets::{EnvSet, EnvVar, Target};

pub(crate) async fn run(
    g: &Context<'_>,
    cmd: &EnvCommand,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    match cmd {
        EnvCommand::List(a) => {
            super::known_function(&project, &a.function, printer)?;
            let target = super::target(&project, &a.target, printer)?;
            print(&target.env_list(&a.function).await?, printer);
        }
        EnvCommand::Set(a) => {
            super::known_function(&project, &a.function, printer)?;
            let mut set = Vec::new();
            if let Some(path) = &a.from_file {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    UserError::usage(format!("cannot read {}: {e}", path.display()))
                })?;
                for (n, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let line = line.strip_prefix("export ").unwrap_or(line);
                    let Some((k, v)) = line.split_once('=') else {
                        return Err(UserError::usage(format!(
                            "{}:{}: expected KEY=VALUE",
                            path.display(),
                            n + 1
                        ))
                        .into());
                    };
                    set.push(entry(k.trim(), unquote(v.trim()), a.secret)?);
                }
            }
            for pair in &a.pairs {
                match pair.split_once('=') {
                    Some((k, v)) => {
                        if !a.secret && looks_secret(k) {
                            printer.warn(format!(
                                "{k} looks like a secret but is set as plain env (visible in `hoist env list` and in shell history); \
                                 use --secret, and give the value on stdin: `hoist env set {} {k} --secret`",
                                a.function
                            ));
                        }
                        set.push(entry(k, v.to_string(), a.secret)?);
                    }
                    None => set.push(entry(pair, read_value(pair)?, a.secret)?),
                }
            }
            if set.is_empty() {
                return Err(UserError::usage("nothing to set")
                    .with_hint("give KEY=VALUE pairs, KEY to read its value from stdin, or --from-file .env")
                    .into());
            }
            let target = super::target(&project, &a.target, printer)?;
            let keys: Vec<String> = set.iter().map(|s| s.key.clone()).collect();
            let env = target.env_update(&a.function, &set, &[]).await?;
            printer.status("Set", format!("{} on {}", keys.join(", "), a.function));
            after_change(target.as_ref(), &a.function, a.restart, printer).await?;
            print(&env, printer);
        }
        EnvCommand::Unset(a) => {
            super::known_function(&project, &a.function, printer)?;
            for k in &a.keys {
                check_key(k)?;
            }
            let target = super::target(&project, &a.target, printer)?;
            let env = target.env_update(&a.function, &[], &a.keys).await?;
            printer.status("Unset", format!("{} on {}", a.keys.join(", "), a.function));
            after_change(target.as_ref(), &a.function, a.restart, printer).await?;
            print(&env, printer);
        }
    }
    Ok(())
}

async fn after_change(
    target: &dyn Target,
    function: &str,
    restart: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    if restart {
        let n = target.restart(function).await?;
        printer.status(
            "Restarted",
            format!(
                "{} of {function}",
                hoist_core::report::plural(n as usize, "worker", "workers")
            ),
        );
    } else {
        printer.warn(format!(
            "running workers of {function} keep their old env until they are replaced; pass --restart to replace them now"
        ));
    }
    Ok(())
}

fn entry(key: &str, value: String, is_secret: bool) -> anyhow::Result<EnvSet> {
    check_key(key)?;
    Ok(EnvSet {
        key: key.to_string(),
        value: Secret::new(value),
        is_secret,
    })
}

fn check_key(k: &str) -> anyhow::Result<()> {
    let ok = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(
            UserError::usage(format!("`{k}` is not an environment variable name"))
                .with_hint("letters, digits and '_', not starting with a digit")
                .into(),
        );
    }
    if k == "PORT" || k.starts_with("HOIST_") {
        return Err(UserError::usage(format!(
            "`{k}` is reserved: the target sets it for each worker"
        ))
        .into());
    }
    Ok(())
}

/// The value of `key` from stdin: hidden prompt on a terminal, else the
/// whole of stdin without its final newline.
fn read_value(key: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        return dialoguer::Password::new()
            .with_prompt(format!("Value of {key}"))
            .interact()
            .map_err(|e| anyhow::anyhow!("cannot read the value of {key}: {e}"));
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .with_context(|| format!("cannot read the value of {key} from stdin"))?;
    Ok(s.strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&s)
        .to_string())
}

fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "PRIVATE",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| k.contains(w))
}

fn print(env: &[EnvVar], printer: &Printer) {
    if printer.json() {
        printer.json_doc(&json!({ "env": env }));
        return;
    }
    let rows: Vec<Vec<String>> = env
        .iter()
        .map(|e| {
            vec![
                e.key.clone(),
                match &e.value {
                    _ if e.is_secret => "********".into(),
                    Some(v) => v.clone(),
                    // A plain variable the target lists without its value.
                    None => String::new(),
                },
                if e.is_secret { "secret" } else { "plain" }.into(),
                e.source.clone(),
            ]
        })
        .collect();
    printer.data(table(&["KEY", "VALUE", "KIND", "SOURCE"], &rows));
}
