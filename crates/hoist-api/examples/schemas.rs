//! Prints the schemas derived from the wire types, in the YAML of the
//! OpenAPI document's `components/schemas` (paste from here when a type
//! changes): `cargo run -p hoist-api --example schemas`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schemas = serde_json::Value::Object(hoist_api::schemas()?);
    print!("{}", serde_yaml_ng::to_string(&schemas)?);
    Ok(())
}
