//! Encoding one block of the parallel gzip stream as raw deflate: the block is
//! cut into 4 KiB chunks, chunks whose bytes look random (a byte-collision
//! estimate of entropy, in integers so every machine decides alike) are
//! emitted as stored deflate blocks without running the compressor, and runs
//! of compressible chunks are deflated with the 32 KiB of data just before
//! them as dictionary. Every run ends byte-aligned and non-final (sync flush),
//! so blocks encoded on different threads concatenate into one deflate stream.
//! The output depends only on the bytes given, never on timing or threads.

use std::io;

use flate2::{Compress, Compression, FlushCompress};

/// Deflate's window: how much earlier data a match may refer to.
pub(crate) const WINDOW: usize = 32 * 1024;

/// Granularity of the compress-or-store decision.
const CHUNK: usize = 4 * 1024;

/// Compressed runs shorter than this get no dictionary.
const DICT_MIN: usize = 2 * 1024;

/// Granularity used to trim compressed runs next to stored ones.
const SUB: usize = 512;

/// A random 512-byte piece scores about 171 (see [`STORE_ALPHABET`]); text
/// stays under 50 and a tar header under 5.
const SUB_STORE_ALPHABET: u64 = 120;

/// Chunks shorter than this are always compressed: too few bytes to judge.
const MIN_JUDGED: usize = 2 * 1024;

/// A chunk is stored when `len² / Σ count²` (the collision entropy as an
/// "effective alphabet size") is at least this. Random 4 KiB chunks score about
/// 241, text 15–60, machine code 30–80; a chunk that is ~85% random and 15%
/// text still scores above 200, one that is half text about 60.
const STORE_ALPHABET: u64 = 200;

/// Largest payload of one stored deflate block.
const MAX_STORED: usize = 65_535;

/// The empty final block (fixed Huffman, end-of-block only) that closes a
/// stream whose blocks all ended with a sync flush.
pub(crate) const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// Encodes blocks; one per worker thread.
///
/// A block gets a freshly initialised compressor (whose window starts
/// zeroed), and runs inside the block reuse it with `reset`. Reusing one
/// across blocks is not deterministic: zlib-rs keeps the old window contents
/// on reset, and its match finder may read a few bytes past the end of the
/// input, so match choices could depend on which block the thread encoded
/// before (zlib proper zeroes that area; zlib-rs does not).
///
/// Since the encoding is a pure function of its input, the last all-zero
/// block's encoding is kept and reused for the next one of the same shape:
/// a sparse file's gigabytes of zeros cost a memcmp per block, not a
/// deflate run.
pub(crate) struct BlockEncoder {
    level: u32,
    /// `(buf.len(), start, encoding)` of the last all-zero block.
    zeros: Option<(usize, usize, Vec<u8>)>,
}

impl BlockEncoder {
    pub(crate) fn new(level: u32) -> Self {
        BlockEncoder { level, zeros: None }
    }

    /// Append to `out` the raw deflate encoding of `buf[start..]`, where
    /// `buf[..start]` is the data that precedes it in the stream (at most
    /// [`WINDOW`] bytes are used). The encoding is byte-aligned, contains no
    /// final block, and is a pure function of `buf` and `start`.
    pub(crate) fn encode(&mut self, buf: &[u8], start: usize, out: &mut Vec<u8>) -> io::Result<()> {
        if !all_zero(buf) {
            return self.encode_runs(buf, start, out);
        }
        if let Some((len, at, bytes)) = &self.zeros {
            if *len == buf.len() && *at == start {
                out.extend_from_slice(bytes);
                return Ok(());
            }
        }
        let mark = out.len();
        self.encode_runs(buf, start, out)?;
        self.zeros = Some((buf.len(), start, out[mark..].to_vec()));
        Ok(())
    }

    fn encode_runs(&mut self, buf: &[u8], start: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let runs = plan(buf, start);
        let mut comp: Option<Compress> = None;
        for (i, r) in runs.iter().enumerate() {
            if r.stored {
                emit_stored(&buf[r.from..r.to], out);
                continue;
            }
            let comp = match &mut comp {
                Some(c) => {
                    c.reset();
                    c
                }
                None => comp.insert(Compress::new(Compression::new(self.level), false)),
            };
            // The 32 KiB before the run, unless it is all stored (random)
            // data that no match would come from anyway, or the run is too
            // short (typically a lone tar header) to repay inserting it.
            let after_random =
                i > 0 && runs[i - 1].stored && runs[i - 1].to - runs[i - 1].from >= WINDOW;
            let dict = &buf[r.from.saturating_sub(WINDOW)..r.from];
            let short = r.to - r.from < DICT_MIN;
            if !dict.is_empty() && !after_random && !short {
                comp.set_dictionary(dict).map_err(io::Error::other)?;
            }
            deflate_sync(comp, &buf[r.from..r.to], out)?;
        }
        Ok(())
    }
}

/// Whether every byte of `buf` is zero (memcmp against zeros, so it is fast
/// in any build and stops at the first other byte).
fn all_zero(buf: &[u8]) -> bool {
    static ZERO: [u8; 64 * 1024] = [0; 64 * 1024];
    buf.chunks(ZERO.len()).all(|c| c == &ZERO[..c.len()])
}

/// A stretch of a block encoded one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    from: usize,
    to: usize,
    stored: bool,
}

/// Cut `buf[start..]` into alternating stored and compressed runs: 4 KiB
/// chunks are judged whole, then the edges of each compressed run that
/// touch a stored one are trimmed 512 bytes at a time, so a tar header
/// between two random files is compressed without the random data around it.
fn plan(buf: &[u8], start: usize) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut pos = start;
    while pos < buf.len() {
        let end = (pos + CHUNK).min(buf.len());
        let stored = looks_random(&buf[pos..end]);
        match runs.last_mut() {
            Some(last) if last.stored == stored => last.to = end,
            _ => runs.push(Run {
                from: pos,
                to: end,
                stored,
            }),
        }
        pos = end;
    }
    for i in 0..runs.len() {
        if runs[i].stored {
            continue;
        }
        if i > 0 && runs[i - 1].stored {
            let limit = (runs[i].from + CHUNK).min(runs[i].to);
            let mut from = runs[i].from;
            while from + SUB <= limit && sub_looks_random(&buf[from..from + SUB]) {
                from += SUB;
            }
            runs[i - 1].to = from;
            runs[i].from = from;
        }
        if i + 1 < runs.len() && runs[i + 1].stored {
            let limit = runs[i].to.saturating_sub(CHUNK).max(runs[i].from);
            let mut to = runs[i].to;
            while to >= limit + SUB && sub_looks_random(&buf[to - SUB..to]) {
                to -= SUB;
            }
            runs[i + 1].from = to;
            runs[i].to = to;
        }
    }
    // Drop runs trimmed to nothing and merge the stored runs around them.
    let mut merged: Vec<Run> = Vec::with_capacity(runs.len());
    for r in runs {
        if r.from == r.to {
            continue;
        }
        match merged.last_mut() {
            Some(last) if last.stored == r.stored => last.to = r.to,
            _ => merged.push(r),
        }
    }
    merged
}

/// Deflate `input` and end with a sync flush (byte-aligned, non-final).
fn deflate_sync(comp: &mut Compress, input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    // Enough for incompressible input in one call: deflate's worst case is
    // about n + n/1000 + a few bytes per block, plus the flush marker.
    out.reserve(input.len() + input.len() / 8 + 1024);
    let mut consumed = 0usize;
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(64 * 1024);
        }
        let before = comp.total_in();
        comp.compress_vec(&input[consumed..], out, FlushCompress::Sync)
            .map_err(io::Error::other)?;
        consumed += usize::try_from(comp.total_in() - before).map_err(io::Error::other)?;
        // The flush is complete once all input is taken and output space was
        // left over (zlib's contract for Z_SYNC_FLUSH).
        if consumed == input.len() && out.len() < out.capacity() {
            return Ok(());
        }
    }
}

/// Emit `data` as stored (uncompressed) deflate blocks, BFINAL=0. The stream
/// must be byte-aligned here, so the 3 header bits plus padding are one 0 byte.
pub(crate) fn emit_stored(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len() + data.len().div_ceil(MAX_STORED) * 5);
    for piece in data.chunks(MAX_STORED) {
        // chunks() never yields more than MAX_STORED (< 65536) bytes.
        let len = piece.len() as u16;
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(piece);
    }
}

/// Whether a chunk's byte distribution is close enough to uniform that
/// deflate would gain (almost) nothing on it.
fn looks_random(chunk: &[u8]) -> bool {
    chunk.len() >= MIN_JUDGED && effective_alphabet_at_least(chunk, STORE_ALPHABET)
}

/// [`looks_random`] for a [`SUB`]-byte piece.
fn sub_looks_random(piece: &[u8]) -> bool {
    effective_alphabet_at_least(piece, SUB_STORE_ALPHABET)
}

/// Whether `len² / Σ count²` over the byte histogram is at least `alphabet`
/// (integer arithmetic, so every machine agrees).
fn effective_alphabet_at_least(chunk: &[u8], alphabet: u64) -> bool {
    // All zeros (sparse files, padding) has an alphabet of one: the same
    // answer as the histogram gives, from a memcmp.
    static ZERO: [u8; CHUNK] = [0; CHUNK];
    if alphabet > 1 && chunk.len() <= CHUNK && chunk == &ZERO[..chunk.len()] {
        return false;
    }
    // Four interleaved histograms avoid store-to-load stalls on runs of the
    // same byte.
    let mut h = [[0u32; 256]; 4];
    let mut quads = chunk.chunks_exact(4);
    for q in &mut quads {
        h[0][q[0] as usize] += 1;
        h[1][q[1] as usize] += 1;
        h[2][q[2] as usize] += 1;
        h[3][q[3] as usize] += 1;
    }
    for &b in quads.remainder() {
        h[0][b as usize] += 1;
    }
    let [h0, h1, h2, h3] = &h;
    let sum_sq: u64 = (0..256)
        .map(|i| u64::from(h0[i] + h1[i] + h2[i] + h3[i]))
        .map(|c| c * c)
        .sum();
    let n = chunk.len() as u64;
    n * n >= alphabet * sum_sq
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect()
    }

    fn text(n: usize) -> Vec<u8> {
        let words = ["alpha ", "beta ", "gamma();\n", "delta = ", "epsilon "];
        let mut out = Vec::new();
        let mut i = 7usize;
        while out.len() < n {
            i = i.wrapping_mul(31).wrapping_add(17) % 1009;
            out.extend_from_slice(words[i % words.len()].as_bytes());
        }
        out.truncate(n);
        out
    }

    fn inflate(stream: &[u8]) -> Vec<u8> {
        let mut full = stream.to_vec();
        full.extend_from_slice(&FINAL_BLOCK);
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&full[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn random_is_judged_random_and_text_is_not() {
        assert!(looks_random(&pseudo_random(CHUNK, 1)));
        assert!(!looks_random(&text(CHUNK)));
        assert!(!looks_random(&[0u8; CHUNK]));
        assert!(!looks_random(&pseudo_random(100, 2)));
    }

    #[test]
    fn stored_blocks_round_trip() {
        let data = pseudo_random(200_000, 3);
        let mut out = Vec::new();
        emit_stored(&data, &mut out);
        assert_eq!(out.len(), data.len() + 4 * 5);
        assert_eq!(inflate(&out), data);
    }

    #[test]
    fn mixed_blocks_concatenate_into_one_stream() {
        let mut data = text(50_000);
        data.extend(pseudo_random(70_000, 4));
        data.extend(text(40_000));
        data.extend(pseudo_random(3_000, 5));
        data.extend(text(90_000));
        let mut enc = BlockEncoder::new(6);
        let mut out = Vec::new();
        // Three blocks, each encoded with what precedes it as context.
        for (from, to) in [
            (0usize, 100_000usize),
            (100_000, 180_000),
            (180_000, data.len()),
        ] {
            let ctx = from.saturating_sub(WINDOW);
            enc.encode(&data[ctx..to], from - ctx, &mut out).unwrap();
        }
        assert_eq!(inflate(&out), data);
        // The random part costs about its size, the text compresses.
        assert!(out.len() < 73_000 + 180_000 / 2, "{}", out.len());
    }

    #[test]
    fn encoding_is_a_pure_function() {
        let mut data = text(70_000);
        data.extend(pseudo_random(20_000, 9));
        let mut a = Vec::new();
        let mut b = Vec::new();
        BlockEncoder::new(6).encode(&data, 0, &mut a).unwrap();
        let mut reused = BlockEncoder::new(6);
        reused.encode(&text(1000), 0, &mut Vec::new()).unwrap();
        reused.encode(&data, 0, &mut b).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_reused_zero_block_encodes_as_a_fresh_one() {
        let zeros = vec![0u8; WINDOW + 200_000];
        let mut fresh = Vec::new();
        BlockEncoder::new(6)
            .encode(&zeros, WINDOW, &mut fresh)
            .unwrap();
        let mut enc = BlockEncoder::new(6);
        let mut first = Vec::new();
        let mut second = Vec::new();
        enc.encode(&zeros, WINDOW, &mut first).unwrap();
        enc.encode(&zeros, WINDOW, &mut second).unwrap();
        assert_eq!(first, fresh);
        assert_eq!(second, fresh);
        // Another shape is encoded, not taken from the kept one (no context
        // here, so the block inflates alone).
        let mut other = Vec::new();
        enc.encode(&zeros[..1000], 0, &mut other).unwrap();
        assert_eq!(inflate(&other), vec![0u8; 1000]);
        let mut again = Vec::new();
        enc.encode(&zeros[..1000], 0, &mut again).unwrap();
        assert_eq!(again, other);
    }

    /// A tar-like stream: 512-byte headers, text files drawn from a 4096-word
    /// vocabulary and random files, sizes 1–30 KiB (like gen-tree.py).
    fn realistic(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let vocab: Vec<Vec<u8>> = (0..4096)
            .map(|_| {
                let r = next();
                let len = 2 + (r % 9) as usize;
                let mut w: Vec<u8> = (0..len)
                    .map(|i| b"etaoinshrdlucmfwypvbgkjqxz"[((r >> (8 + i * 4)) % 26) as usize])
                    .collect();
                w.push(match (r >> 60) % 12 {
                    0 => b'\n',
                    _ => b' ',
                });
                w
            })
            .collect();
        let mut out = Vec::with_capacity(n + 40_000);
        while out.len() < n {
            let mut header = vec![0u8; 512];
            header[..8].copy_from_slice(&next().to_le_bytes());
            out.extend_from_slice(&header);
            let size = 1_000 + (next() % 29_000) as usize;
            let start = out.len();
            if next() % 2 == 0 {
                while out.len() - start < size {
                    out.extend_from_slice(&vocab[(next() % 4096) as usize]);
                }
                out.truncate(start + size);
            } else {
                while out.len() - start < size {
                    out.extend_from_slice(&next().to_le_bytes());
                }
                out.truncate(start + size);
            }
            out.resize(out.len().next_multiple_of(512), 0);
        }
        out.truncate(n);
        out
    }

    /// zlib-rs keeps its window on reset and may read past the input end,
    /// so reusing a compressor across blocks made ~1 block in 25 depend on
    /// the block encoded before it; this caught it.
    #[test]
    fn blocks_do_not_depend_on_encoding_order() {
        let data = realistic(6 << 20, 1);
        let bs = 256 * 1024;
        let blocks: Vec<(usize, usize)> = (0..data.len())
            .step_by(bs)
            .map(|s| (s, (s + bs).min(data.len())))
            .collect();
        let enc_one = |enc: &mut BlockEncoder, (s, e): (usize, usize)| {
            let c = s.saturating_sub(WINDOW);
            let mut out = Vec::new();
            enc.encode(&data[c..e], s - c, &mut out).unwrap();
            out
        };
        let mut fwd = BlockEncoder::new(6);
        let forward: Vec<Vec<u8>> = blocks.iter().map(|&b| enc_one(&mut fwd, b)).collect();
        let mut rev = BlockEncoder::new(6);
        let mut diffs = 0;
        for (i, &b) in blocks.iter().enumerate().rev() {
            if enc_one(&mut rev, b) != forward[i] {
                diffs += 1;
            }
        }
        assert_eq!(
            diffs,
            0,
            "{diffs} of {} blocks changed with the encoding order",
            blocks.len()
        );
    }

    #[test]
    fn dictionary_helps_the_next_block() {
        let data = text(64 * 1024);
        let mut without = Vec::new();
        BlockEncoder::new(6)
            .encode(&data[32 * 1024..], 0, &mut without)
            .unwrap();
        let mut with = Vec::new();
        BlockEncoder::new(6)
            .encode(&data, 32 * 1024, &mut with)
            .unwrap();
        assert!(with.len() < without.len());
    }
}
