//! `hoist build`: build each function's context, Dockerfile and image
//! (src/release/image.rs) and print what was built.

use serde_json::json;

use crate::cli::{BuildArgs, GlobalArgs};
use crate::ui::{table, Printer};

pub fn run(g: &GlobalArgs, args: &BuildArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = project.select(&args.functions)?;
    super::check_graphs(&project, &functions, args.allow_unresolved)?;
    let mut built = Vec::new();
    // `supabase: { image: project }`: the deno functions share one image.
    let project_image = crate::release::project::enabled(&project)
        && functions
            .iter()
            .any(|f| crate::release::project::serves(&project, f));
    for f in functions {
        if crate::release::project::serves(&project, f) {
            continue;
        }
        built.push(crate::release::image::build(
            &project,
            f,
            args.builder.map(crate::image::oci::builder_choice),
            &args.platform,
            printer,
        )?);
    }
    if project_image {
        built.push(crate::release::project::build(
            &project,
            args.builder.map(crate::image::oci::builder_choice),
            &args.platform,
            printer,
        )?);
    }
    if printer.json() {
        printer.json_doc(&json!(built));
    } else {
        let rows: Vec<Vec<String>> = built
            .iter()
            .map(|b| {
                vec![
                    b.function.clone(),
                    b.version.clone(),
                    b.bundle_digest.chars().take(19).collect(),
                    b.dockerfile
                        .strip_prefix(&project.root)
                        .unwrap_or(&b.dockerfile)
                        .display()
                        .to_string(),
                    b.image
                        .as_ref()
                        .map(|i| i.digest.chars().take(19).collect())
                        .unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        printer.data(table(
            &["FUNCTION", "VERSION", "BUNDLE", "DOCKERFILE", "IMAGE"],
            &rows,
        ));
    }
    Ok(())
}
