//! Content digests, the identity of every bundle, blob, image and setting
//! hoist compares: [`Digest`] is a sha256 written `sha256:<64 hex>`, and
//! this is the one place that writes that form and the 12-character short
//! form people read in tables and messages.

use std::fmt;

use sha2::{Digest as _, Sha256};

/// How many hex digits the short form shows.
pub const SHORT_LEN: usize = 12;

/// A sha256 digest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    /// 64 lower-case hex digits.
    hex: String,
}

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: impl AsRef<[u8]>) -> Digest {
        Digest::finish(Sha256::new_with_prefix(bytes))
    }

    /// The digest a hasher fed with the content holds.
    pub fn finish(hasher: Sha256) -> Digest {
        Digest {
            hex: hex::encode(hasher.finalize()),
        }
    }

    /// A digest given as 64 hex digits (no `sha256:`).
    pub fn from_hex(hex: &str) -> Result<Digest, DigestError> {
        if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Digest {
                hex: hex.to_string(),
            })
        } else {
            Err(DigestError(hex.to_string()))
        }
    }

    /// A digest written `sha256:<64 hex>`.
    pub fn parse(text: &str) -> Result<Digest, DigestError> {
        match text.strip_prefix("sha256:") {
            Some(hex) => Digest::from_hex(hex).map_err(|_| DigestError(text.to_string())),
            None => Err(DigestError(text.to_string())),
        }
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The 12-digit form people read (`a1b2c3d4e5f6`).
    pub fn short(&self) -> &str {
        &self.hex[..SHORT_LEN]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A digest kept as its 64 hex digits, written `sha256:<hex>`.
pub fn prefixed(hex: &str) -> String {
    format!("sha256:{hex}")
}

/// The short form of a digest kept as text, with or without `sha256:`
/// (what records and answers carry): its first 12 hex digits.
pub fn short(text: &str) -> String {
    text.trim_start_matches("sha256:")
        .chars()
        .take(SHORT_LEN)
        .collect()
}

/// Text that is not a sha256 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a sha256 digest (sha256: and 64 lower-case hex digits)")]
pub struct DigestError(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_written_one_way() {
        let d = Digest::of(b"hoist");
        let text = d.to_string();
        assert!(text.starts_with("sha256:") && text.len() == 71, "{text}");
        assert_eq!(Digest::parse(&text).unwrap(), d);
        assert_eq!(d.short(), &d.hex()[..12]);
        assert_eq!(short(&text), d.short());
        assert_eq!(short(d.hex()), d.short());
        let mut h = Sha256::new();
        h.update(b"ho");
        h.update(b"ist");
        assert_eq!(Digest::finish(h), d);
    }

    #[test]
    fn what_is_not_a_digest_says_so() {
        for bad in ["", "sha256:", "sha256:ABC", "md5:00", &"a".repeat(64)] {
            let e = Digest::parse(bad).unwrap_err();
            assert!(e.to_string().contains("not a sha256 digest"), "{e}");
        }
    }
}
