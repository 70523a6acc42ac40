//! The release half of hoist, shared by the commands that ship code: the
//! pipeline steps (`steps`: bundle, version, release manifest; `image`:
//! build context and image), the plan of
//! what a deploy changes (`plan`), and the release record with its journal
//! (`record`), which says what a deploy did so that a rollback or the next
//! run can undo or finish it. Commands stay thin and call these; nothing
//! here knows which target it talks to.

pub mod apply;
mod error;
pub mod image;
pub mod lease;
pub mod parallel;
pub mod plan;
pub mod project;
pub(crate) mod publish;
pub mod record;
pub mod steps;

pub use error::ReleaseError;
pub use publish::{publish, Pushed};
pub use steps::{bundle_one, prepare, release_manifest, version_for, Prepared};
