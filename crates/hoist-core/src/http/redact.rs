//! Keeping secrets out of what hoist prints: URLs cut to scheme, host and
//! path (no userinfo, no signed query), secret-looking query parameters
//! masked wherever they appear, and reqwest errors described with their
//! causes, redacted.

/// The full error text of a reqwest error (its sources hold the real cause),
/// with every URL in it [`redact`]ed: reqwest names the request URL, and
/// after a redirect its target, which may be a signed storage URL.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut s = redact(&e.to_string());
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let t = redact(&inner.to_string());
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

/// Query parameters whose values are secrets in signed URLs (S3, GCS,
/// CloudFront, Azure SAS) and token requests.
const SECRET_PARAMS: &[&str] = &[
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
    "signature",
    "key-pair-id",
    "policy",
    "sig",
    "token",
    "access_token",
    "refresh_token",
];

/// `text` with every `http(s)://` URL cut to scheme, host and path (no
/// userinfo, query or fragment), and the values of [`SECRET_PARAMS`] that
/// still appear anywhere (say in an error body) replaced by `***`.
pub(crate) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let start = [lower.find("http://"), lower.find("https://")]
            .into_iter()
            .flatten()
            .min();
        let Some(i) = start else { break };
        out.push_str(&rest[..i]);
        let u = &rest[i..];
        let end = u
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | ']' | '}' | '`')
            })
            .unwrap_or(u.len());
        out.push_str(&strip_url(&u[..end]));
        rest = &u[end..];
    }
    out.push_str(rest);
    mask_params(&out)
}

/// A URL without userinfo, query and fragment.
fn strip_url(u: &str) -> String {
    let u = &u[..u.find(['?', '#']).unwrap_or(u.len())];
    let Some((scheme, after)) = u.split_once("://") else {
        return u.to_string();
    };
    let (authority, path) = after.split_at(after.find('/').unwrap_or(after.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}{path}")
}

fn mask_params(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'-');
        let hit = at_word
            .then(|| {
                SECRET_PARAMS
                    .iter()
                    .find(|p| lower[i..].starts_with(*p) && bytes.get(i + p.len()) == Some(&b'='))
            })
            .flatten();
        if let Some(p) = hit {
            let v = i + p.len() + 1;
            let end = lower[v..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '&' | '"' | '\'' | '<' | '>' | ')' | ';' | ',')
                })
                .map_or(lower.len(), |e| v + e);
            out.push_str(&text[copied..v]);
            if end > v {
                out.push_str("***");
            }
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}
