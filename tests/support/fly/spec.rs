//! Checking requests against the Machines API OpenAPI spec
//! (`shared/specs/fly-machines-openapi.json`, read at start, never copied):
//! the operation (method + path template), query parameter names and the
//! JSON body (types, enums, `$ref`, undeclared properties rejected), with the
//! client-vs-spec differences fly-go is known to have allowed (fly-api.md
//! §2.12). A missing spec fails under `CI`, otherwise the check is skipped.

use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};

pub const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/specs/fly-machines-openapi.json"
);

pub struct Op {
    pub method: String,
    pub template: String,
    segs: Vec<String>,
    query: Vec<String>,
    body: Option<Value>,
    body_required: bool,
}

pub struct Spec {
    doc: Value,
    pub ops: Vec<Op>,
}

/// Query parameters real clients send that the spec does not declare.
const EXTRA_QUERY: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/v1/apps/{app_name}/machines/{machine_id}/lease",
        "ttl",
    ),
    (
        "DELETE",
        "/v1/apps/{app_name}/machines/{machine_id}",
        "kill",
    ),
    (
        "POST",
        "/v1/apps/{app_name}/machines/{machine_id}/restart",
        "force_stop",
    ),
    ("POST", "/v1/apps", "wait"),
    ("GET", "/v1/apps/{app_name}/secrets", "version"),
];

/// Top-level body fields real clients send that the spec does not declare:
/// fly-go's stop body carries the machine `id`; old docs create apps with
/// `app_name`.
const EXTRA_FIELDS: &[(&str, &str)] = &[
    ("/v1/apps/{app_name}/machines/{machine_id}/stop", "id"),
    ("/v1/apps", "app_name"),
];

static NOTED: AtomicBool = AtomicBool::new(false);

impl Spec {
    /// The spec, or None (after saying so once) when the file is missing.
    pub fn load() -> Option<Spec> {
        let text = match std::fs::read_to_string(SPEC_PATH) {
            Ok(t) => t,
            Err(e) => {
                let ci =
                    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
                if ci {
                    panic!("fly emulator: the Machines API spec is missing at {SPEC_PATH} ({e}); CI is set, so this is a failure");
                }
                if !NOTED.swap(true, Ordering::SeqCst) {
                    eprintln!(
                        "fly emulator: spec not found at {SPEC_PATH}; skipped the spec check"
                    );
                }
                return None;
            }
        };
        let doc: Value = serde_json::from_str(&text).expect("the Machines API spec is JSON");
        let mut ops = Vec::new();
        for (template, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    continue;
                }
                let query = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect();
                let rb = &op["requestBody"];
                ops.push(Op {
                    method: method.to_uppercase(),
                    template: template.clone(),
                    segs: template.split('/').map(str::to_string).collect(),
                    query,
                    body: rb["content"]["application/json"].get("schema").cloned(),
                    body_required: rb["required"] == true,
                });
            }
        }
        Some(Spec { doc, ops })
    }

    /// The operation for a request, or why there is none.
    pub fn find(&self, method: &str, path: &str) -> Result<&Op, String> {
        let segs: Vec<&str> = path.split('/').collect();
        let matches = |op: &Op| {
            op.segs.len() == segs.len()
                && op
                    .segs
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        };
        let literal = |op: &Op| op.segs.iter().filter(|s| !s.starts_with('{')).count();
        let candidates: Vec<&Op> = self.ops.iter().filter(|op| matches(op)).collect();
        if candidates.is_empty() {
            return Err(format!("no operation has the path {path}"));
        }
        candidates
            .iter()
            .filter(|op| op.method == method)
            .max_by_key(|op| literal(op))
            .copied()
            .ok_or_else(|| format!("{method} is not an operation of {}", candidates[0].template))
    }

    /// Check one request; Err is the violation.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<(), String> {
        let op = self.find(method, path)?;
        for (name, _) in query {
            let declared = op.query.iter().any(|q| q == name)
                || (name.starts_with("metadata.")
                    && op.query.iter().any(|q| q == "metadata.{key}"))
                || EXTRA_QUERY
                    .iter()
                    .any(|(m, t, n)| *m == op.method && *t == op.template && n == name);
            if !declared {
                return Err(format!(
                    "unknown query parameter `{name}` for {} {}",
                    op.method, op.template
                ));
            }
        }
        let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())?;
        let empty = text.trim().is_empty();
        let Some(schema) = &op.body else {
            if empty || matches!(text.trim(), "{}" | "null") {
                return Ok(());
            }
            return Err(format!(
                "{} {} takes no request body",
                op.method, op.template
            ));
        };
        if empty {
            let lease = op.template.ends_with("/lease");
            if op.body_required && !lease {
                return Err(format!(
                    "{} {} requires a JSON body",
                    op.method, op.template
                ));
            }
            return Ok(());
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("the body is not JSON: {e}"))?;
        let mut errs = Vec::new();
        self.validate(op, schema, &value, "$", &mut errs);
        match errs.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                schema = self
                    .doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or(&Value::Null);
            } else if let Some([one]) = schema
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                // `{"type":"object","allOf":[{"$ref":..}]}` means that ref
                // (the spec wraps string enums this way by mistake).
                schema = one;
            } else {
                break;
            }
        }
        schema
    }

    fn validate(&self, op: &Op, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        if v.is_null() || !errs.is_empty() {
            return;
        }
        let schema = self.resolve(schema);
        let name = at.rsplit('.').next().unwrap_or("");
        // Documented client forms: signal as an integer, autostop as a bool.
        if (op.template.ends_with("/signal") && at == "$.signal" && v.is_i64())
            || (name == "autostop" && v.is_boolean())
        {
            return;
        }
        let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
            if schema.get("properties").is_some() {
                "object"
            } else {
                ""
            },
        );
        let ok = match kind {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if !ok {
            errs.push(format!("{at} should be {kind}, got {v}"));
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(v) {
                errs.push(format!(
                    "{at} is {v}, not one of {}",
                    Value::Array(allowed.clone())
                ));
                return;
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
            for (i, item) in arr.iter().enumerate() {
                self.validate(op, items, item, &format!("{at}[{i}]"), errs);
            }
        }
        let Some(obj) = v.as_object() else { return };
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = req.as_str() {
                if obj.get(r).is_none_or(Value::is_null) {
                    errs.push(format!("{at}.{r} is required"));
                    return;
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        let extra = schema.get("additionalProperties");
        if props.is_none() && extra.is_none() {
            return; // a free-form object
        }
        for (key, val) in obj {
            let here = format!("{at}.{key}");
            if let Some(p) = props.and_then(|p| p.get(key)) {
                self.validate(op, p, val, &here, errs);
            } else if let Some(e) = extra.filter(|e| e.is_object()) {
                self.validate(op, e, val, &here, errs);
            } else {
                let documented = at == "$"
                    && EXTRA_FIELDS
                        .iter()
                        .any(|(t, k)| *t == op.template && k == key);
                if documented || extra == Some(&Value::Bool(true)) {
                    continue;
                }
                errs.push(format!("unknown field `{key}` at {at}"));
                return;
            }
        }
    }
}
