//! Ctrl-C handling: the first signal sets a flag that long-running work polls
//! so it can stop, clean its temporary files and exit 130; a second signal
//! exits at once.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Install the handler once, at start-up. Without it Ctrl-C still stops
/// hoist, but at once, without cleaning up; the caller says so.
pub fn install() -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            std::process::exit(crate::error::Exit::Interrupted as i32);
        }
    })
}

/// Whether the user asked to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Return the interrupted error when the user asked to stop.
pub fn check() -> anyhow::Result<()> {
    if requested() {
        Err(crate::error::UserError::interrupted().into())
    } else {
        Ok(())
    }
}
