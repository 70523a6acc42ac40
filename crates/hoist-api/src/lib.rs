//! The wire contract of hoist's self-hosted backend: every request body,
//! answer and error code of `/api/...`, as serde types used by both sides —
//! the backend's handlers serialize them and the `selfhosted` target decodes
//! them, so a field renamed or made nullable on one side changes the other
//! at compile time. `docs/selfhosted-openapi.yaml` is checked against the
//! JSON schemas derived from these types (tests/openapi.rs).
//!
//! A field the wire may carry as `null` is an `Option`; an answer the
//! client cannot decode is an error naming the field, never an empty value.

pub mod deployments;
pub mod env;
pub mod error;
pub mod functions;
pub mod invoke;
pub mod logs;
pub mod names;
pub mod versions;

pub use deployments::{
    ArchiveDeployed, DeployKind, DeployRequest, Deployment, DeploymentList, DeploymentStatus,
    RollbackRequest,
};
pub use env::{EnvEntry, EnvList, EnvPatch, EnvSet, EnvSource};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use functions::{
    Deleted, Function, FunctionDetail, FunctionHealth, FunctionList, FunctionSettings,
    FunctionStatus, Health, HealthStatus, Restarted, Runtime, WarmupRequest, WarmupResult, Worker,
    WorkerList, WorkerState,
};
pub use invoke::{BodyEncoding, InvokeRequest, InvokeResult};
pub use logs::{LogEntry, LogLevel, LogPage, LogQuery, LogStream};
pub use names::{FunctionName, InvalidName, ReleaseId};
pub use versions::{Version, VersionByReference, VersionList};

/// Every schema of the contract by the name the OpenAPI document gives it
/// under `components/schemas`, in the document's dialect (OpenAPI 3.0:
/// `nullable`, `$ref: '#/components/schemas/…'`). Types a listed type
/// refers to are included.
///
/// Answers are described as serialized (an `Option` is always sent, so it
/// is required and nullable), requests as deserialized (a field with a
/// default may be left out).
pub fn schemas() -> Result<serde_json::Map<String, serde_json::Value>, String> {
    use schemars::generate::{Contract, SchemaSettings};
    let mut answers = SchemaSettings::openapi3()
        .with(|s| s.contract = Contract::Serialize)
        .into_generator();
    macro_rules! add {
        ($g:ident: $($t:ty),* $(,)?) => {$( $g.subschema_for::<$t>(); )*};
    }
    add!(answers: ErrorBody, Health, ArchiveDeployed, FunctionList, FunctionDetail, WorkerList, WarmupResult,
        Restarted, Deleted, VersionList, Deployment, DeploymentList, EnvList, InvokeResult,
        LogPage);
    let mut requests = SchemaSettings::openapi3().into_generator();
    add!(requests: FunctionSettings, WarmupRequest, VersionByReference, DeployRequest,
        RollbackRequest, EnvSet, EnvPatch, InvokeRequest, LogQuery);
    let mut all = answers.take_definitions(true);
    for (name, schema) in requests.take_definitions(true) {
        match all.get(&name) {
            Some(other) if *other != schema => {
                return Err(format!(
                    "`{name}` is both an answer and a request, with schemas that differ"
                ))
            }
            _ => {
                all.insert(name, schema);
            }
        }
    }
    Ok(all)
}
