//! `hoist delete <fn> [--version V]`: delete a function from its target
//! (soft: its workers stop, its history stays) or one of its versions (the
//! target refuses the active one). Asks first on a terminal; elsewhere it
//! needs `--yes`.

use serde_json::json;

use crate::cli::DeleteArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;

pub(crate) async fn run(
    g: &Context<'_>,
    args: &DeleteArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    super::known_function(&project, &args.function, printer)?;
    if let Some(v) = &args.version {
        hoist_core::storage::layout::check_version(v)?;
    }
    let target = super::target(&project, &args.target, printer)?;
    let what = match &args.version {
        Some(v) => format!("version {v} of {}", args.function),
        None => format!("function {} (its workers stop)", args.function),
    };
    if !g.args.yes {
        let prompter = crate::ui::prompter(g.args.yes, g.ci());
        if !prompter.interactive() {
            return Err(
                UserError::usage(format!("deleting {what} needs confirmation"))
                    .with_hint("pass --yes to confirm when there is no terminal")
                    .into(),
            );
        }
        if !prompter.confirm(&format!("Delete {what} on {}?", target.describe()), false)? {
            return Err(UserError::failure("not deleted").into());
        }
    }
    target
        .delete(&args.function, args.version.as_deref())
        .await?;
    printer.status("Deleted", &what);
    if printer.json() {
        printer.json_doc(
            &json!({ "function": args.function, "version": args.version, "deleted": true }),
        );
    }
    Ok(())
}
