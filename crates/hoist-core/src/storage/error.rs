//! What the artifact store fails with: a function name or version that
//! cannot be a key, S3 settings and credentials that do not parse, a version
//! stored with other content, an archive or manifest that is not what its
//! name says, and S3 refusing, denying or not answering. Each variant names
//! the key, URL, function or version; exit codes and hints are decided here.

use std::path::PathBuf;

use crate::error::{Classified, Exit};
use crate::names::{FunctionName, InvalidName, Version};

/// Why an artifact store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A function name that cannot be a key segment.
    #[error("{0}")]
    InvalidFunction(InvalidName),
    /// A version that cannot be a key segment.
    #[error("`{version}` is not a valid version for the artifact store")]
    InvalidVersion { version: String },
    /// `storage.backend: s3` without a `storage.s3` section.
    #[error("storage.backend is s3 but storage.s3 is missing")]
    S3Missing,
    /// An S3 tuning variable that is not a whole number.
    #[error("{name}=`{value}` is not a whole number")]
    NotANumber { name: String, value: String },
    /// `HOIST_S3_PART_SIZE_MB` below S3's smallest part.
    #[error("HOIST_S3_PART_SIZE_MB must be at least 5")]
    PartTooSmall,
    /// `HOIST_S3_SIGN_PAYLOAD` with an unknown value.
    #[error("HOIST_S3_SIGN_PAYLOAD=`{value}` is not auto, always or never")]
    SignPayload { value: String },
    /// Only one of the two S3 key variables is set.
    #[error("only one of HOIST_S3_ACCESS_KEY_ID and HOIST_S3_SECRET_ACCESS_KEY is set")]
    HalfCredentials,
    /// Stored s3 credentials that are not `ACCESS_KEY_ID:SECRET_ACCESS_KEY`.
    #[error("the s3 credentials from {from} are not in the form ACCESS_KEY_ID:SECRET_ACCESS_KEY")]
    CredentialForm { from: String },
    /// The version exists with another bundle.
    #[error("version {version} of {function} already exists with other content: the store has bundle {stored} ({stored_size} bytes), this push has {pushed} ({pushed_size} bytes)")]
    VersionConflict {
        function: FunctionName,
        version: Version,
        stored: String,
        stored_size: u64,
        pushed: String,
        pushed_size: u64,
        /// URL of the stored manifest.
        manifest: String,
    },
    /// The version exists with the same bundle but another image.
    #[error("version {version} of {function} already exists with image {stored}, this push built {pushed}")]
    ImageConflict {
        function: FunctionName,
        version: Version,
        stored: String,
        pushed: String,
    },
    /// Another push of the same version stored its manifest first.
    #[error("version {version} of {function} was stored concurrently with other content: the store now has bundle {stored} ({stored_size} bytes), this push had {pushed} ({pushed_size} bytes)")]
    LostRace {
        function: FunctionName,
        version: Version,
        stored: String,
        stored_size: u64,
        pushed: String,
        pushed_size: u64,
        /// URL of this push's archive, which no manifest names.
        archive: String,
    },
    /// A content-addressed archive whose bytes are not the ones its key says.
    #[error("{url} does not hold the bundle its name says (size {size} instead of {expected_size}, or another sha256): it was damaged or written outside hoist")]
    DamagedArchive {
        url: String,
        size: u64,
        expected_size: u64,
    },
    /// The function has no such version in the store.
    #[error("{function} has no version {version} in {dir}")]
    NoVersion {
        function: String,
        version: String,
        dir: String,
    },
    /// A manifest naming an object that is not an archive of its version.
    #[error("the manifest of {function} {version} names `{key}`, which is not an archive of that version")]
    ForeignArchive {
        function: String,
        version: String,
        key: String,
    },
    /// A downloaded archive that is not the one its manifest names.
    #[error("the downloaded archive does not match its manifest: got sha256:{digest} ({size} bytes), the manifest names {expected} ({expected_size} bytes)")]
    DownloadMismatch {
        digest: String,
        size: u64,
        expected: String,
        expected_size: u64,
        url: String,
    },
    /// The bucket does not exist (`detail` when S3 said more).
    #[error("bucket `{bucket}` does not exist at {endpoint}{}", detail.as_ref().map_or(String::new(), |d| format!(" ({d})")))]
    NoBucket {
        bucket: String,
        endpoint: String,
        detail: Option<String>,
    },
    /// The S3 endpoint did not answer.
    #[error("cannot reach the S3 endpoint {endpoint} to {what}: {detail}")]
    S3Unreachable {
        endpoint: String,
        what: String,
        detail: String,
    },
    /// S3 refused the credentials.
    #[error("S3 refused the credentials to {what} ({detail})")]
    S3Refused {
        what: String,
        detail: String,
        credentials: String,
    },
    /// S3 denied access with the credentials.
    #[error("S3 denied access to {what} ({detail})")]
    S3Denied {
        what: String,
        detail: String,
        credentials: String,
        bucket: String,
    },
    /// S3 answered with a redirect: the bucket is in another region.
    #[error("S3 answered with a redirect to {what} ({detail})")]
    S3Redirect { what: String, detail: String },
    /// The connection to S3 kept failing.
    #[error("S3 could not {what}: {detail}")]
    S3Transient {
        what: String,
        detail: String,
        endpoint: String,
    },
    /// Any other S3 failure.
    #[error("S3 could not {what}: {detail}")]
    S3Failed { what: String, detail: String },
    /// The bundle file changed between hashing and uploading.
    #[error("{} is not the bundle it should be (sha256 {digest}, expected {expected})", path.display())]
    BundleChanged {
        path: PathBuf,
        digest: String,
        expected: String,
    },
    /// An object a manifest names is gone.
    #[error("{url} does not exist")]
    ObjectGone { url: String },
    /// A download that failed part way.
    #[error("the download of {url} failed after {bytes} bytes: {why}")]
    DownloadCut {
        url: String,
        bytes: u64,
        why: String,
    },
    /// A multipart upload failed (`error`) and aborting it failed too.
    #[error("{error}")]
    AbortFailed {
        error: String,
        upload_id: String,
        url: String,
        why: String,
    },
}

impl Classified for StoreError {
    fn exit(&self) -> Exit {
        use StoreError::*;
        match self {
            InvalidFunction(_)
            | InvalidVersion { .. }
            | S3Missing
            | NotANumber { .. }
            | PartTooSmall
            | SignPayload { .. }
            | HalfCredentials
            | CredentialForm { .. } => Exit::Usage,
            VersionConflict { .. }
            | ImageConflict { .. }
            | LostRace { .. }
            | DamagedArchive { .. }
            | NoVersion { .. }
            | ForeignArchive { .. }
            | DownloadMismatch { .. }
            | NoBucket { .. }
            | S3Unreachable { .. }
            | S3Refused { .. }
            | S3Denied { .. }
            | S3Redirect { .. }
            | S3Transient { .. }
            | S3Failed { .. }
            | BundleChanged { .. }
            | ObjectGone { .. }
            | DownloadCut { .. }
            | AbortFailed { .. } => Exit::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        use StoreError::*;
        match self {
            InvalidVersion { .. } => Some(format!("use {}", Version::RULE)),
            S3Missing => Some("add `s3: { bucket: NAME, region: REGION }` under storage".into()),
            HalfCredentials => Some("set both, or neither to use `hoist login s3` or the AWS chain".into()),
            CredentialForm { .. } => Some("store them again: `printf '%s:%s' \"$KEY_ID\" \"$SECRET\" | hoist login s3 --token-stdin`".into()),
            VersionConflict { manifest, .. } => Some(format!(
                "versions are immutable ({manifest}); change the function's `version` in hoist.yaml (or use `version: content`) to push this content"
            )),
            ImageConflict { .. } => Some("the image must come from the same bundle; push a new version".into()),
            LostRace { archive, .. } => Some(format!(
                "another push of the same version won and is kept; this push's archive {archive} is named by no manifest (`hoist prune` removes it). Push this content under a new `version` (or use `version: content`)"
            )),
            DamagedArchive { .. } => Some("no manifest names it; delete that object (or run `hoist prune`), then push again".into()),
            NoVersion { function, .. } => Some(format!(
                "list the stored versions with `hoist versions {function}`"
            )),
            ForeignArchive { .. } => Some("the manifest was not written by hoist, or was edited; nothing was written".into()),
            DownloadMismatch { url, .. } => Some(format!(
                "the stored object {url} is damaged or was replaced outside hoist; nothing was written"
            )),
            NoBucket { .. } => Some("create it (e.g. `aws s3 mb s3://BUCKET`) or check storage.s3.bucket in hoist.yaml".into()),
            S3Unreachable { .. } => Some("check storage.s3.endpoint in hoist.yaml and that the server is running".into()),
            S3Refused { credentials, .. } => Some(format!(
                "the credentials come from {credentials}: check the secret key (and the clock), or store new ones with `hoist login s3`"
            )),
            S3Denied { credentials, bucket, .. } => Some(format!(
                "the credentials from {credentials} may lack permission on bucket `{bucket}`"
            )),
            S3Redirect { .. } => Some("the bucket is in another region: set storage.s3.region".into()),
            S3Transient { endpoint, .. } => Some(format!(
                "the connection to {endpoint} kept failing; nothing was stored, run the command again"
            )),
            BundleChanged { .. } => Some("run the command again: hoist bundles the function afresh".into()),
            ObjectGone { .. } => Some("the manifest names an archive that is gone; the store was changed outside hoist".into()),
            DownloadCut { .. } => Some("nothing was written; if it says checksum mismatch, the stored object is damaged".into()),
            AbortFailed { upload_id, url, why, .. } => Some(format!(
                "aborting the multipart upload {upload_id} to {url} failed ({why}): its parts stay on the server, but no object or manifest was stored; the next `hoist push` (or `hoist prune FUNCTION --keep N --uploads`) aborts it"
            )),
            InvalidFunction(_)
            | NotANumber { .. }
            | PartTooSmall
            | SignPayload { .. }
            | S3Failed { .. } => None,
        }
    }
}
