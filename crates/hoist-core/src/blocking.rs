//! Blocking work inside async code: CPU work (module graphs, bundles,
//! compression, image builds) and waits on a lock or an fsync. [`run`]
//! tells a multi-threaded runtime to move its other tasks off this thread
//! while the work runs; elsewhere (a current-thread runtime in a test, no
//! runtime at all) it just runs the work. The one place hoist decides how.

/// Run blocking `f` on this thread without holding up the runtime's other
/// tasks.
pub fn run<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
