//! The backend's own log (its stderr, which `hoist backend start` sends to
//! the data directory's `backend.log`): every line starts with
//! `hoist backend:`. [`Log`] is the engine's reporter for work the backend
//! asks of it (the artifact store), so the store's warnings land here too.

use std::sync::Arc;

use hoist_core::report::Reporter;

/// Reports into the backend's log: steps and warnings, not detail.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Log;

impl Reporter for Log {
    fn step(&self, verb: &str, msg: &str) {
        eprintln!("hoist backend: {verb} {msg}");
    }
    fn detail(&self, _msg: &str) {}
    fn warn(&self, msg: &str) {
        eprintln!("hoist backend: warning: {msg}");
    }
    fn share(&self) -> Arc<dyn Reporter> {
        Arc::new(Log)
    }
}
