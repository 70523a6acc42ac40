//! Small helpers the emulator shares: id generation (14-hex machine ids,
//! 12-hex nonces, 26-char time-ordered ULIDs from a xorshift PRNG, no `rand`
//! crate), wall-clock formatting (RFC 3339, unix ms/ns), Fly token parsing for
//! the `Authorization` header, query-string decoding and `image_ref` parsing.

use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// A xorshift64* generator seeded from the clock; plus the last ULID issued,
/// so ULIDs stay strictly increasing within one emulator.
pub struct Ids {
    seed: u64,
    last_ms: u64,
    last_rand: u128,
    pub counter: u64,
}

impl Ids {
    pub fn new() -> Ids {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        let addr = &nanos as *const u64 as u64;
        Ids {
            seed: (nanos ^ addr.rotate_left(32)) | 1,
            last_ms: 0,
            last_rand: 0,
            counter: 0,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.seed;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::new();
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(len);
        s
    }

    /// A machine id: 14 lower-case hex characters.
    pub fn machine_id(&mut self) -> String {
        self.hex(14)
    }

    /// A lease nonce: 12 lower-case hex characters.
    pub fn nonce(&mut self) -> String {
        self.hex(12)
    }

    /// A 26-character ULID (Crockford base32), strictly increasing.
    pub fn ulid(&mut self) -> String {
        let ms = unix_ms();
        let rand: u128 = if ms <= self.last_ms {
            self.last_rand + 1
        } else {
            ((self.next_u64() as u128) << 16 | (self.next_u64() as u128 & 0xffff)) & ((1 << 80) - 1)
        };
        let ms = ms.max(self.last_ms);
        self.last_ms = ms;
        self.last_rand = rand;
        let value: u128 = ((ms as u128) << 80) | rand;
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        (0..26)
            .map(|i| ALPHABET[((value >> (125 - i * 5)) & 31) as usize] as char)
            .collect()
    }

    /// A machine name like `aged-thunder-7371`.
    pub fn name(&mut self) -> String {
        const A: [&str; 8] = [
            "aged", "bold", "calm", "dry", "late", "quiet", "red", "still",
        ];
        const N: [&str; 8] = [
            "thunder", "river", "field", "snow", "pine", "cloud", "dust", "wave",
        ];
        let r = self.next_u64();
        format!(
            "{}-{}-{:04}",
            A[(r % 8) as usize],
            N[((r >> 8) % 8) as usize],
            (r >> 16) % 10000
        )
    }
}

pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn unix_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// RFC 3339 in UTC with whole seconds: `2026-05-14T10:41:08Z`.
pub fn rfc3339_secs(unix_secs: u64) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp(unix_secs as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        dt.month() as u8,
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// RFC 3339 with nanoseconds: `2024-05-01T12:00:00.123456789Z`.
pub fn rfc3339_nanos(unix_ns: u128) -> String {
    let secs = (unix_ns / 1_000_000_000) as u64;
    let base = rfc3339_secs(secs);
    format!(
        "{}.{:09}Z",
        &base[..base.len() - 1],
        unix_ns % 1_000_000_000
    )
}

pub fn now_rfc3339() -> String {
    rfc3339_secs(unix_ms() / 1000)
}

/// The raw tokens in an `Authorization` header: schemes `Bearer ` and
/// `FlyV1 ` stripped repeatedly, then split on `,`.
pub fn header_tokens(value: &str) -> Vec<String> {
    let mut rest = value.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("bearer ") {
            rest = rest[7..].trim_start();
        } else if lower.starts_with("flyv1 ") {
            rest = rest[6..].trim_start();
        } else {
            break;
        }
    }
    rest.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Percent-decode one query component (`+` is a space).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=2&b=3` as ordered pairs.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// An image reference split as `image_ref` shows it, plus the pieces the
/// registry check needs (`host` is None for a bare `nginx:1`).
pub struct ImageRef {
    pub host: Option<String>,
    pub repository: String,
    pub tag: String,
    pub digest: String,
}

pub fn parse_image(image: &str) -> ImageRef {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, d.to_string()),
        None => (image, String::new()),
    };
    let (host, path) = match name.split_once('/') {
        Some((h, p)) if h.contains('.') || h.contains(':') || h == "localhost" => {
            (Some(h.to_string()), p)
        }
        _ => (None, name),
    };
    let (repository, tag) = match path.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
        _ => (path.to_string(), String::new()),
    };
    let tag = if tag.is_empty() && digest.is_empty() {
        "latest".to_string()
    } else {
        tag
    };
    ImageRef {
        host,
        repository,
        tag,
        digest,
    }
}

/// The Machine's `image_ref` object for `image` (a digest is made up from
/// the image string when the reference carries none).
pub fn image_ref_json(image: &str) -> Value {
    use sha2::Digest;
    let r = parse_image(image);
    let digest = if r.digest.is_empty() {
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(image.as_bytes()))
        )
    } else {
        r.digest.clone()
    };
    json!({
        "registry": r.host.unwrap_or_else(|| "docker-hub-mirror.fly.io".to_string()),
        "repository": r.repository,
        "tag": r.tag,
        "digest": digest,
        "labels": {},
    })
}
