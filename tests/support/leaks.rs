//! Leak checks: whether a secret shows in what hoist printed, as itself or
//! in the encodings that carry it on the wire (base64, standard and
//! URL-safe, padded and not, as in a Basic `Authorization` value). Every
//! test that asserts "the token is never printed" goes through
//! [`assert_no_secret`], so the plaintext-only check is not repeated.

#![allow(dead_code)]

use std::process::Output;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// The forms in which `secret` could appear: itself and its base64 in
/// the four common alphabets and paddings, without repeats.
pub fn forms(secret: &str) -> Vec<String> {
    let mut all = vec![secret.to_string()];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        let encoded = engine.encode(secret);
        if !all.contains(&encoded) {
            all.push(encoded);
        }
    }
    all
}

/// Fail when any of `secrets` appears in `output` in any of its
/// [`forms`]. A secret of fewer than six bytes is refused: its base64
/// would match ordinary text, and the check would prove nothing.
pub fn assert_no_secret(output: &str, secrets: &[impl AsRef<str>]) {
    for secret in secrets {
        let secret = secret.as_ref();
        assert!(
            secret.len() >= 6,
            "leak check: `{secret}` is too short to search for"
        );
        for (i, form) in forms(secret).iter().enumerate() {
            let how = if i == 0 {
                "as itself"
            } else {
                "base64-encoded"
            };
            assert!(
                !output.contains(form.as_str()),
                "a secret leaked {how} ({form}) in:\n{output}"
            );
        }
    }
}

/// A secret no output could hold by chance: `<prefix>-<32 random hex>`.
pub fn distinctive(prefix: &str) -> String {
    let mut buf = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf))
        .expect("read /dev/urandom");
    format!("{prefix}-{}", hex::encode(buf))
}

/// A process's stdout and stderr, as one text to search.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// [`assert_no_secret`] over a process's stdout and stderr.
pub fn assert_output_clean(out: &Output, secrets: &[impl AsRef<str>]) {
    assert_no_secret(&text(out), secrets);
}

/// The secrets inside `Authorization` header values: the value itself and
/// the credential after the scheme (`Basic <b64>`, `Bearer <token>`).
pub fn authorization_secrets(values: &[String]) -> Vec<String> {
    let mut all = Vec::new();
    for v in values {
        for s in [Some(v.as_str()), v.split_once(' ').map(|(_, c)| c.trim())]
            .into_iter()
            .flatten()
        {
            if !s.is_empty() && !all.iter().any(|a| a == s) {
                all.push(s.to_string());
            }
        }
    }
    all
}

#[test]
fn a_basic_credential_is_found_base64_encoded() {
    let header = format!("Authorization: Basic {}", STANDARD.encode("bob:s3cret-pw"));
    let caught = std::panic::catch_unwind(|| assert_no_secret(&header, &["bob:s3cret-pw"]));
    assert!(caught.is_err(), "the base64 of user:pass went unnoticed");
    let url_safe = URL_SAFE_NO_PAD.encode("tok?>>secret");
    let caught = std::panic::catch_unwind(|| assert_no_secret(&url_safe, &["tok?>>secret"]));
    assert!(caught.is_err(), "URL-safe base64 went unnoticed");
    assert_no_secret("nothing to see", &["bob:s3cret-pw"]);
}
