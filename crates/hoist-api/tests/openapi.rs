//! docs/selfhosted-openapi.yaml against the wire types: every schema the
//! types derive is in the document as derived (names, fields, required,
//! nullability, formats, bounds, patterns, enums), every operation names
//! the component of its type, the logs query matches `LogQuery`, and every
//! `$ref` resolves. schemathesis then checks the server against the
//! document (.ci/schemathesis.sh), so the server, the document and the
//! client's types cannot drift apart unseen.

use serde_json::{Map, Value};

const HINT: &str = "print the derived schemas with `cargo run -p hoist-api --example schemas` \
                    and put them in docs/selfhosted-openapi.yaml";

fn doc() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/selfhosted-openapi.yaml"
    );
    let text = std::fs::read_to_string(path).expect("docs/selfhosted-openapi.yaml is readable");
    serde_yaml_ng::from_str(&text).expect("docs/selfhosted-openapi.yaml is YAML")
}

fn yaml(v: &Value) -> String {
    serde_yaml_ng::to_string(v).expect("a JSON value is YAML")
}

fn component_ref(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[test]
fn every_derived_schema_is_in_the_document_as_derived() {
    let doc = doc();
    let components = doc["components"]["schemas"]
        .as_object()
        .expect("components/schemas");
    let derived = hoist_api::schemas().expect("the wire types derive one schema per name");
    assert!(
        derived.len() >= 30,
        "only {} schemas derived",
        derived.len()
    );
    let mut wrong = Vec::new();
    for (name, schema) in &derived {
        match components.get(name) {
            Some(written) if written == schema => {}
            Some(written) => wrong.push(format!(
                "`{name}` differs.\nderived:\n{}written:\n{}",
                yaml(schema),
                yaml(written)
            )),
            None => wrong.push(format!("`{name}` is missing; derived:\n{}", yaml(schema))),
        }
    }
    assert!(wrong.is_empty(), "{}\n{HINT}", wrong.join("\n"));
}

/// operationId → (JSON request body component, 2xx answer component).
const OPERATIONS: &[(&str, Option<&str>, &str)] = &[
    ("health", None, "Health"),
    ("listFunctions", None, "FunctionList"),
    ("getFunction", None, "FunctionDetail"),
    ("putFunction", Some("FunctionSettings"), "Function"),
    ("deleteFunction", None, "Deleted"),
    ("listVersions", None, "VersionList"),
    ("createVersion", Some("VersionByReference"), "Version"),
    ("deleteVersion", None, "Deleted"),
    ("listDeployments", None, "DeploymentList"),
    ("deploy", Some("DeployRequest"), "Deployment"),
    ("rollback", Some("RollbackRequest"), "Deployment"),
    ("restart", None, "Restarted"),
    ("warmup", Some("WarmupRequest"), "WarmupResult"),
    ("listWorkers", None, "WorkerList"),
    ("getEnv", None, "EnvList"),
    ("setEnv", Some("EnvSet"), "EnvEntry"),
    ("patchEnv", Some("EnvPatch"), "EnvList"),
    ("deleteEnv", None, "Deleted"),
    ("invoke", Some("InvokeRequest"), "InvokeResult"),
    ("logs", None, "LogPage"),
];

fn operations(doc: &Value) -> Map<String, Value> {
    let mut ops = Map::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("a path item").values() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                ops.insert(id.to_string(), op.clone());
            }
        }
    }
    ops
}

#[test]
fn every_operation_names_the_component_of_its_type() {
    let doc = doc();
    let ops = operations(&doc);
    let mut wrong = Vec::new();
    for (id, request, answer) in OPERATIONS {
        let Some(op) = ops.get(*id) else {
            wrong.push(format!("no operation `{id}`"));
            continue;
        };
        if let Some(request) = request {
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            if *body != component_ref(request) {
                wrong.push(format!("`{id}`'s JSON body is not `{request}`: {body}"));
            }
        }
        let responses = op["responses"].as_object().expect("responses");
        let ok: Vec<&Value> = responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .map(|(_, r)| &r["content"]["application/json"]["schema"])
            .collect();
        let answer_ref = component_ref(answer);
        let response_ref =
            serde_json::json!({ "$ref": format!("#/components/responses/{answer}") });
        let named = |r: &&Value| **r == answer_ref;
        let by_response = responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .all(|(_, r)| *r == response_ref);
        if ok.is_empty() || !(ok.iter().all(named) || by_response) {
            wrong.push(format!("`{id}`'s answers are not all `{answer}`: {ok:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_logs_query_is_log_query() {
    let doc = doc();
    let derived = hoist_api::schemas().expect("derived schemas");
    let props = derived["LogQuery"]["properties"]
        .as_object()
        .expect("LogQuery's fields");
    let ops = operations(&doc);
    let params = ops["logs"]["parameters"]
        .as_array()
        .expect("the logs parameters");
    let mut seen = Vec::new();
    for p in params {
        let name = p["name"].as_str().expect("a parameter name");
        assert_eq!(p["in"], "query", "`{name}` is a query parameter");
        let mut want = props
            .get(name)
            .unwrap_or_else(|| panic!("`{name}` is not a field of LogQuery"))
            .clone();
        // A query parameter is absent rather than null, and its
        // description sits on the parameter.
        let want_obj = want.as_object_mut().expect("a field schema");
        want_obj.remove("nullable");
        if let Some(Value::Array(any)) = want_obj.get("anyOf") {
            let not_null: Vec<&Value> = any.iter().filter(|s| s.get("enum").is_none()).collect();
            if let [only] = not_null[..] {
                let only = only.clone();
                let d = want_obj.remove("description");
                want = only;
                if let Some(d) = d {
                    want["description"] = d;
                }
            }
        }
        let want_obj = want.as_object_mut().expect("a field schema");
        if let Some(d) = want_obj.remove("description") {
            assert_eq!(p["description"], d, "`{name}`'s description");
        }
        assert_eq!(
            p["schema"], want,
            "`{name}` in the document differs from LogQuery's\n{HINT}"
        );
        seen.push(name.to_string());
    }
    for name in props.keys() {
        // The follow stream is described in selfhosted-api.md: a generated
        // test cannot consume an endless stream.
        assert!(
            name == "follow" || seen.contains(name),
            "LogQuery's `{name}` is not a parameter of the logs operation"
        );
    }
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.push(r);
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = doc();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "`{r}` names nothing");
    }
}

#[test]
fn every_error_code_is_one_the_document_lists() {
    let derived = hoist_api::schemas().expect("derived schemas");
    let codes = derived["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode's values");
    for c in codes {
        let code: hoist_api::ErrorCode =
            serde_json::from_value(c.clone()).expect("each listed code decodes");
        assert_eq!(code.as_str(), c, "as_str and serde agree");
    }
}
