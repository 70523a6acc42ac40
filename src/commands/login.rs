//! `hoist login <target>` / `hoist logout <target>`: store or forget a
//! target's API token. The token is read from stdin or a hidden prompt and is
//! never echoed.

use std::io::Read;

use serde_json::json;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_core::auth::{self, Secret, Stored};

pub(crate) async fn login(
    g: &Context<'_>,
    args: &LoginArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let target = args.target.as_str();
    let token = if args.token_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text.trim().to_string()
    } else {
        let prompter = crate::ui::prompter(g.args.yes, g.ci());
        match prompter.password(&prompt_for(target))? {
            Some(t) => t.trim().to_string(),
            None => {
                return Err(UserError::usage(format!("no token given for {target}"))
                    .with_hint(format!(
                    "pipe it in: `printenv TOKEN | hoist login {target} --token-stdin`, or set {}",
                    auth::env_vars(target).join(" / ")
                ))
                    .into())
            }
        }
    };
    if token.is_empty() {
        return Err(UserError::usage("the token is empty").into());
    }
    if target == "s3" && hoist_core::storage::s3::parse_token(&token).is_none() {
        return Err(UserError::usage(
            "the S3 credentials are not in the form ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]",
        )
        .with_hint("give both keys separated by `:`; nothing was stored")
        .into());
    }
    let stored = auth::save(&g.env, target, &Secret::new(token))?;
    if let Stored::Keyring {
        warning: Some(w), ..
    } = &stored
    {
        printer.warn(w);
    }
    let (kind, path, why) = match &stored {
        Stored::Keyring { .. } => ("keyring", None, None),
        Stored::File { path, why } => ("file", Some(path.clone()), Some(why.clone())),
    };
    if printer.json() {
        printer.json_doc(
            &json!({"target": target, "stored_in": kind, "path": path, "why_not_keyring": why}),
        );
    } else {
        match &stored {
            Stored::Keyring { .. } => printer.data(format!(
                "Logged in to {target}: token stored in the OS keyring"
            )),
            Stored::File { path, why } => {
                printer.data(format!(
                    "Logged in to {target}: token stored in {} (mode 0600)",
                    path.display()
                ));
                printer.status("Note", format!("not in the OS keyring because {why}"));
            }
        }
    }
    Ok(())
}

pub(crate) async fn logout(
    g: &Context<'_>,
    args: &LogoutArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let target = args.target.as_str();
    let removed = auth::delete(&g.env, target)?;
    if printer.json() {
        printer.json_doc(&json!({"target": target, "removed": removed}));
    } else if removed {
        printer.data(format!("Logged out of {target}"));
    } else {
        printer.data(format!("No stored token for {target}"));
    }
    let still: Vec<String> = auth::env_vars(target)
        .into_iter()
        .filter(|v| g.env.non_empty(v).is_some())
        .collect();
    if !still.is_empty() {
        printer.warn(format!(
            "{} is still set in the environment and will be used",
            still.join(", ")
        ));
    }
    Ok(())
}

/// What the hidden prompt asks for, in the target's own terms.
fn prompt_for(target: &str) -> String {
    match target {
        "s3" => "S3 credentials (ACCESS_KEY_ID:SECRET_ACCESS_KEY)".to_string(),
        "registry" => "Registry password or token".to_string(),
        _ => format!("API token for {target}"),
    }
}
